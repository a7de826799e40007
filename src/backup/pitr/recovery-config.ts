/**
 * What the restored copy is told before it starts: where its WAL comes from
 * (restore_command = `dbrollback wal-fetch`), where to stop, to promote
 * there, and — above all — never to archive: it is a copy of production
 * and its new timeline must never reach production's archive.
 *
 * Settings are appended to postgresql.auto.conf (the last occurrence of a
 * setting wins, over postgresql.conf too), so the base backup's own
 * configuration stays as it was, for the user to read.
 */
import { appendFile, chown, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { RecoveryTarget } from './target.js';
import { formatLsn } from '../wal/layout.js';
import { ABSENT_SUFFIX, FAILED_SUFFIX, IN_FLIGHT_SUFFIX, IN_FLIGHT_WAIT_SECONDS, PLANNED_LIST, TAKEN_SUFFIX, WANTED_SUFFIX } from './wal-stager.js';

export interface RecoveryConfigInput {
  target: RecoveryTarget;
  /** Timeline recovery follows (numeric), the one the WAL chain was checked on. */
  timeline: number;
  port: number;
  /** restore_command's program: node and the built CLI (argv[0..1] of `dbrollback`). */
  node: string;
  cli: string;
  /**
   * The global flags that open the storage the WAL archive is in, as
   * childStorageAccess gives them: `--storage URL`, and `--encryption-key-file
   * PATH` when the key is in a file. Never a key or a credential: those reach
   * wal-fetch through the server's environment.
   */
  storageArgs: readonly string[];
  /** The server's major version (archive_library exists from 15 on). */
  serverMajor: number;
  /**
   * The spool the restore run stages WAL into, relative to the data directory: restore_command moves a
   * staged file into place with the shell alone, and runs wal-fetch only for a file not staged.
   */
  stagedDir?: string;
}

/** The settings, in the order written; values are already in postgresql.conf syntax. */
export function recoverySettings(input: RecoveryConfigInput): Array<[string, string]> {
  return [...walFetchSettings(input), ...copySettings(input)];
}

/** Where dbrollback's own archive is read from (wal-fetch), where to stop, on which timeline, and to promote there. */
export function walFetchSettings(input: Omit<RecoveryConfigInput, 'port' | 'serverMajor'>): Array<[string, string]> {
  const word = (arg: string) => shellQuote(arg).replace(/%/g, '%%');
  // The plain form `wal-fetch %f %p --storage URL [--encryption-key-file PATH]`: the CLI's short way in (no commander, no config) takes only that.
  const fetch = [word(input.node), word(input.cli), 'wal-fetch', '%f', '%p', ...input.storageArgs.map(word)];
  // With a staging run, its spool is the prefetch: wal-fetch's own background prefetcher would only compete with it.
  const command = input.stagedDir === undefined ? fetch.join(' ') : stagedOrFetch(word(input.stagedDir), [...fetch, '--prefetch', '0'].join(' '));
  return [
    ['restore_command', confString(command)],
    ...targetSettings(input.target),
    ['recovery_target_timeline', confString(String(input.timeline))],
    ['recovery_target_action', confString('promote')],
  ];
}

/**
 * What every recovered copy is told, whoever laid it down (dbrollback, or the
 * team's own archiver): never archive, listen on its own loopback port only,
 * replicate from nothing, wait for no standby, log where it can be followed.
 */
export function copySettings(input: Pick<RecoveryConfigInput, 'port' | 'serverMajor'>): Array<[string, string]> {
  return [
    // Never push the copy's WAL (and its new timeline) into the production archive.
    ['archive_mode', confString('off')],
    ['archive_command', confString('')],
    ...(input.serverMajor >= 15 ? ([['archive_library', confString('')]] as Array<[string, string]>) : []),
    // Its own port on loopback only; no replication to or from it.
    ['listen_addresses', confString('127.0.0.1')],
    ['port', String(input.port)],
    ['unix_socket_directories', confString('')],
    ['primary_conninfo', confString('')],
    ['primary_slot_name', confString('')],
    // A production synchronous_standby_names would make every commit of the copy wait forever.
    ['synchronous_standby_names', confString('')],
    // The log goes where pg_ctl -l says, so recovery can be followed and failures quoted.
    ['logging_collector', 'off'],
    ['log_destination', confString('stderr')],
  ];
}

/**
 * `test -f D/%f && mv -f D/%f %p || wal-fetch …`: a staged file is complete and checked (the stager renames
 * it into D only then), so moving it is all there is to do; if it is not there, or the move fails, wal-fetch
 * fetches it and gives PostgreSQL the exit code it expects (1 only for a file not in the archive). A file the
 * stager is fetching right now (D/%f.staging) is waited for, a bounded while, rather than fetched twice. The
 * segment moved out last stays linked as D/%f.taken: the server asks for it again at the end of recovery. A file
 * not staged is asked of the running stager (D/%f.wanted, see WANTED_SUFFIX): it lands in D, or D/%f.absent says
 * the archive lacks it (exit 1); with no answer in time (or D/%f.failed, or no stager any more) wal-fetch runs.
 * 00000001.history is "not in the archive" without asking it: timeline 1 has no history file (PostgreSQL never
 * writes one; it only asks for it as the parent of the timeline a promotion starts).
 */
function stagedOrFetch(dir: string, fetch: string): string {
  const polls = IN_FLIGHT_WAIT_SECONDS * 20;
  const wait = `i=0; while test ! -f $s && test -f $s${IN_FLIGHT_SUFFIX} && test $i -lt ${polls}; do sleep 0.05; i=$((i+1)); done`;
  const move = `test -f $s && mv -f $s %p && { ln -f %p $s${TAKEN_SUFFIX} 2>/dev/null; true; }`;
  const again = `{ test -f $s${TAKEN_SUFFIX} && cp $s${TAKEN_SUFFIX} %p; }`;
  // Not staged: asked of the running stager (NAME.wanted), which fetches it or answers that the archive lacks it.
  const answerWait = `i=0; while test -d $d && test ! -f $s && test ! -f $s${ABSENT_SUFFIX} && test ! -f $s${FAILED_SUFFIX} && test $i -lt ${polls * 2}; do sleep 0.025; i=$((i+1)); done`;
  const ask = `{ test -d $d && rm -f $s${ABSENT_SUFFIX} $s${FAILED_SUFFIX} && : > $s${WANTED_SUFFIX} && { ${answerWait}; }; rm -f $s${WANTED_SUFFIX}; if test -f $s${ABSENT_SUFFIX}; then rm -f $s${ABSENT_SUFFIX}; exit 1; fi; test -f $s && mv -f $s %p; }`;
  return `case %f in 00000001.history) exit 1;; esac; d=${dir}; s=$d/%f; ${wait}; ${move} || ${again} || ${ask} || ${fetch}`;
}

/**
 * restore_command for a server that can only read the spool (a container's, with no dbrollback inside): a
 * staged file is copied into place; one listed as planned is waited for (a bounded while) until the stager has
 * it; any other is "not in the archive" (exit 1) — the end of the archive, a probe for a timeline that does not
 * exist. Timeline history files come from `historyDir`, fetched before the server starts.
 */
export function stagedCopyCommand(dir: string, historyDir: string): string {
  const d = shellQuote(dir).replace(/%/g, '%%');
  const h = shellQuote(historyDir).replace(/%/g, '%%');
  const polls = IN_FLIGHT_WAIT_SECONDS * 20;
  const wait = `i=0; while test ! -f $s && grep -qx %f ${d}/${PLANNED_LIST} 2>/dev/null && test $i -lt ${polls}; do sleep 0.05; i=$((i+1)); done`;
  return `test -f ${h}/%f && exec cp ${h}/%f %p; s=${d}/%f; ${wait}; test -f $s && cp $s %p`;
}

export function targetSettings(target: RecoveryTarget): Array<[string, string]> {
  switch (target.kind) {
    case 'time':
      return [['recovery_target_time', confString(target.setting)]];
    case 'lsn':
      return [['recovery_target_lsn', confString(target.setting)]];
    case 'name':
      // An earlier point of the same name would stop recovery first. pg_create_restore_point returns the end of
      // its record, so stopping before the first record at or after it (not inclusive) stops right after the point.
      if (target.at && target.at.earlier !== null) return [['recovery_target_lsn', confString(formatLsn(target.at.lsn))], ['recovery_target_inclusive', 'off']];
      return [['recovery_target_name', confString(target.setting)]];
    case 'end':
      // No target: replay everything the archive holds, then promote.
      return [];
  }
}

export function renderSettings(settings: Array<[string, string]>): string {
  return `\n# Written by dbrollback restore (point-in-time recovery)\n${settings.map(([k, v]) => `${k} = ${v}`).join('\n')}\n`;
}

/** A postgresql.conf string literal. */
export function confString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}

/** One shell word (restore_command runs through /bin/sh). */
export function shellQuote(value: string): string {
  return /^[\w./:=@+,-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/** Append the settings and create recovery.signal, owned by the server's OS user. */
export async function writeRecoveryConfig(dataDir: string, settings: Array<[string, string]>, ids: [number, number] | undefined): Promise<void> {
  const auto = path.join(dataDir, 'postgresql.auto.conf');
  const signal = path.join(dataDir, 'recovery.signal');
  await appendFile(auto, renderSettings(settings), { mode: 0o600 });
  await writeFile(signal, '', { mode: 0o600 });
  // A standby.signal in the backup would make the copy a standby that never promotes.
  await rm(path.join(dataDir, 'standby.signal'), { force: true });
  for (const file of [auto, signal]) if (ids) await chown(file, ...ids);
}
