/** The test harness uses the same throwaway clusters as drills and the demo. */
export { freePort, isRoot, startCluster, uniqueName } from '../../src/pgtools/local-cluster.js';
export type { Cluster, ClusterOptions } from '../../src/pgtools/local-cluster.js';
