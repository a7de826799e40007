/** The test harness uses the same throwaway clusters as drills and the demo. */
export { freePort, isRoot, startCluster, uniqueName } from '../../src/pgtools/local-cluster.js';
export type { Cluster, ClusterOptions } from '../../src/pgtools/local-cluster.js';

/** The major version of the PostgreSQL programs the harness runs (what tests expect instead of a hard-coded one). */
export async function installedMajor(): Promise<number> {
  const { findBinary } = await import('../../src/pgtools/binaries.js');
  return (await findBinary('pg_ctl')).major;
}
