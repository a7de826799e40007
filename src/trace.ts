/**
 * Phase timestamps for benchmarks (bench/backup.mjs): with DBROLLBACK_TRACE
 * set, `trace('label')` writes `dbrollback-trace <ms> <cpu ms> <label>` to
 * stderr: wall milliseconds since the process started (process.uptime: reading
 * performance.now would load perf_hooks, ~1.5 ms, into a run being measured), so
 * Node's start-up shows too, and this process's CPU time so far (user + sys,
 * its children not included). Unset, it costs one comparison.
 */
const enabled = Boolean(process.env.DBROLLBACK_TRACE);

export function trace(label: string): void {
  if (!enabled) return;
  const cpu = process.cpuUsage();
  process.stderr.write(`dbrollback-trace ${(process.uptime() * 1000).toFixed(1)} ${((cpu.user + cpu.system) / 1000).toFixed(1)} ${label}\n`);
}
