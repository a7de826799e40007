/** What every benchmark script shares: paths, flags, timing and medians. */
import { readdir, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
export const cliMain = path.join(root, 'dist', 'cli', 'main.js');

const args = process.argv.slice(2);

/** A numeric `--name N` flag, or the default. */
export function flag(name, dflt) {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : dflt;
}

export const hasFlag = (name) => args.includes(name);

export const log = (line) => process.stderr.write(`${line}\n`);

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export const seconds = (ms) => (ms / 1000).toFixed(2);

/** Wall time of `fn` in ms, and what it returned. */
export async function timed(fn) {
  const t0 = performance.now();
  const value = await fn();
  return { ms: performance.now() - t0, value };
}

/** PostgreSQL's defaults, over the test harness's settings (fsync=off and friends): benchmarks keep default durability. */
export const DEFAULT_DURABILITY = { fsync: 'on', synchronous_commit: 'on', full_page_writes: 'on', shared_buffers: "'128MB'" };

export const loadAverage = () => os.loadavg()[0].toFixed(1);

const TICKS_PER_SECOND = 100;

/** CPU time (user + sys, ms) of a process's children that have exited and been waited for (/proc/PID/stat cutime + cstime). */
async function reapedChildrenCpuMs(pid) {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // After the command name: state is field 3, so cutime (16) and cstime (17) are at 13 and 14 here.
  return ((Number(fields[13]) + Number(fields[14])) * 1000) / TICKS_PER_SECOND;
}

/** The postmaster's children: its pids (a child that exited and was not waited for yet is still listed, as a zombie). */
async function childrenOf(postmasterPid) {
  const pids = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === postmasterPid) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

/**
 * A CPU meter for one benchmark run: the CPU of every process this script
 * started (the tool and the programs it ran: pg_dump, psql ...) plus the CPU
 * of the server processes that served them (backends, parallel workers),
 * counted into the postmaster once they have exited and been waited for,
 * which `stop()` waits for: until the postmaster's only children are the ones
 * it had when the meter was made (checkpointer, walwriter ...). Linux only.
 */
export async function cpuMeter(dataDir) {
  const postmasterPid = Number((await readFile(path.join(dataDir, 'postmaster.pid'), 'utf8')).split('\n')[0]);
  const resident = new Set(await childrenOf(postmasterPid));
  const settled = async () => (await childrenOf(postmasterPid)).every((pid) => resident.has(pid));
  return async () => {
    const client0 = await reapedChildrenCpuMs(process.pid);
    const server0 = await reapedChildrenCpuMs(postmasterPid);
    return async () => {
      for (let i = 0; i < 500 && !(await settled()); i++) await new Promise((r) => setTimeout(r, 20));
      const client = (await reapedChildrenCpuMs(process.pid)) - client0;
      const server = (await reapedChildrenCpuMs(postmasterPid)) - server0;
      return { client, server, total: client + server };
    };
  };
}

/** Wall time and CPU (see cpuMeter) of `fn`. */
export async function measured(meter, fn) {
  const stop = await meter();
  const t0 = performance.now();
  const value = await fn();
  const ms = performance.now() - t0;
  return { ms, cpu: await stop(), value };
}
