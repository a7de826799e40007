/** The test harness uses the same throwaway clusters as drills and the demo. */
export { freePort, isRoot, startCluster, uniqueName } from '../../src/drill/local-cluster.js';
export type { Cluster, ClusterOptions } from '../../src/drill/local-cluster.js';
