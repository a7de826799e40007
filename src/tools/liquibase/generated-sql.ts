/**
 * The SQL the real Liquibase generates for every changeset of an
 * XML/YAML/JSON changelog, up and down, asked in a throwaway database
 * (never the user's: there every changeset is pending, so Liquibase prints
 * all of them, whatever the user's database has run):
 *  - `update-sql`: each changeset's up, as `update` would send it;
 *  - `future-rollback-sql`: each changeset's rollback, newest first, as
 *    `rollback` would send it. Liquibase stops at the first changeset it
 *    cannot roll back (RollbackImpossibleException) after naming it; that
 *    one is recorded as refused with Liquibase's reason, and
 *    `future-rollback-count-sql --count=N` asks again for the N changesets
 *    before it — one more JVM per changeset Liquibase refuses.
 * Liquibase's own bookkeeping (its tables, its lock, `SET SEARCH_PATH`) is
 * left out of what each changeset sends.
 *
 * A JVM start costs seconds, so the result goes through the capture cache
 * (capture-cache.ts), keyed by every file of the migrations directory, the
 * Liquibase installation and the scratch server's major: an unchanged
 * changelog is never asked twice.
 */
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { compareStrings } from '../../compare-strings.js';
import { captureCacheDir, hashParts, openCaptureCache, scratchMajor } from '../capture/capture-cache.js';
import { withScratchDatabase, type ScratchOptions } from '../capture/scratch.js';
import type { ChangeLogTable } from './history.js';
import { tryLiquibase, type LiquibaseProgram, type LiquibaseRun } from './program.js';

/** Bumped when what is recorded changes meaning. */
const VERSION = 'liquibase-generated-sql-v1';

export interface GeneratedChangeSet {
  /** Its SQL as `update` sends it. */
  up: string;
  /** Its rollback's SQL as `rollback` sends it ('' when the rollback does nothing); null when Liquibase refuses to roll it back. */
  down: string | null;
  /** Liquibase's reason for refusing (null when it does not). */
  refused: string | null;
}

export interface GeneratedSql {
  /** By identity (`filename::id::author`), in changelog order. */
  changeSets: Map<string, GeneratedChangeSet>;
  /** Liquibase runs this call made (0: all from the cache). */
  jvmRuns: number;
  cacheDir: string | null;
}

export interface GeneratedSqlRequest {
  program: LiquibaseProgram;
  /** The search path (migrations directory) and the root changelog in it. */
  dir: string;
  changelog: string;
  table: ChangeLogTable;
  scratch?: ScratchOptions;
  /** Default from the environment; null: no cache. */
  cacheDir?: string | null;
  onProgress?: (line: string) => void;
}

export async function generatedSql(request: GeneratedSqlRequest): Promise<GeneratedSql> {
  const dir = request.cacheDir === undefined ? captureCacheDir() : request.cacheDir;
  const cache = dir ? openCaptureCache(dir) : undefined;
  const key = cache ? await cacheKey(request) : undefined;
  if (cache && key) {
    const hit = await cache.get<Array<[string, GeneratedChangeSet]>>(key);
    if (hit) return { changeSets: new Map(hit), jvmRuns: 0, cacheDir: cache.dir };
  }
  request.onProgress?.(`asking Liquibase for the SQL of ${request.changelog} (in a scratch database)`);
  const { changeSets, jvmRuns } = await withScratchDatabase(request.scratch ?? {}, (conn) => ask({ program: request.program, conn, dir: request.dir, changelog: request.changelog, table: request.table }));
  if (cache && key) await cache.put(key, [...changeSets]);
  return { changeSets, jvmRuns, cacheDir: cache?.dir ?? null };
}

async function ask(run: LiquibaseRun): Promise<{ changeSets: Map<string, GeneratedChangeSet>; jvmRuns: number }> {
  let jvmRuns = 1;
  // The ups and the first round of rollbacks at once (two cores: the JVM starts overlap).
  const updateSql = tryLiquibase(run, 'update-sql').then((r) => {
    if (r.failure) throw r.failure;
    return [...splitBy(r.stdout, /^-- Changeset (.+)$/)];
  });
  // Awaited below; until then its failure must not count as unhandled.
  updateSql.catch(() => undefined);
  const downs = new Map<string, { down: string | null; refused: string | null }>();
  let count: number | null = null;
  for (;;) {
    jvmRuns += 1;
    const result = count === null ? await tryLiquibase(run, 'future-rollback-sql') : await tryLiquibase(run, 'future-rollback-count-sql', [`--count=${count}`]);
    const printed = [...splitBy(result.stdout, /^-- Rolling Back ChangeSet: (.+)$/)];
    if (!result.failure) {
      for (const [k, sql] of printed) downs.set(k, { down: sql, refused: null });
      break;
    }
    // The last changeset named is the one Liquibase stopped at.
    const stopped = printed.at(-1);
    if (!stopped) throw result.failure;
    for (const [k, sql] of printed.slice(0, -1)) downs.set(k, { down: sql, refused: null });
    downs.set(stopped[0], { down: null, refused: result.failure.message.replace(/^liquibase \S+ failed: /, '') });
    const order = (await updateSql).map(([k]) => k);
    const at = order.indexOf(stopped[0]);
    if (at <= 0) break;
    count = at;
  }
  const ups = await updateSql;
  const changeSets = new Map<string, GeneratedChangeSet>();
  for (const [k, up] of ups) {
    const d = downs.get(k);
    changeSets.set(k, { up, down: d?.down ?? null, refused: d ? d.refused : 'Liquibase printed no rollback for it' });
  }
  return { changeSets, jvmRuns };
}

/** Liquibase's SQL output cut at its per-changeset comment lines: identity → that changeset's SQL, without Liquibase's own bookkeeping. */
export function splitBy(output: string, marker: RegExp): Map<string, string> {
  const out = new Map<string, string>();
  let current: string | null = null;
  let lines: string[] = [];
  const flush = () => {
    if (current !== null) out.set(current, lines.filter((l) => !BOOKKEEPING.test(l) && !/^--/.test(l)).join('\n').trim());
  };
  for (const line of output.split('\n')) {
    const hit = marker.exec(line);
    if (hit) {
      flush();
      current = hit[1]!.trim();
      lines = [];
    } else if (current !== null) {
      if (/^-- Release Database Lock/.test(line)) {
        flush();
        current = null;
      } else lines.push(line);
    }
  }
  flush();
  return out;
}

/** What Liquibase prints around a changeset's own SQL: its history rows, and the search path it sets on its connection. */
const BOOKKEEPING = /^(DELETE FROM|INSERT INTO|UPDATE) \S*databasechangelog(lock)?\b|^SET SEARCH_PATH TO /i;

async function cacheKey(request: GeneratedSqlRequest): Promise<string | undefined> {
  try {
    const [major, files, install] = await Promise.all([scratchMajor(request.scratch), projectFiles(request.dir), installation(request.program)]);
    return hashParts([VERSION, String(major), install, request.changelog, request.table.schema, request.table.table, ...files]);
  } catch {
    return undefined;
  }
}

/** Every file of the migrations directory (a changelog includes others, loadData reads CSV): relative path and content. */
async function projectFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    const entries = (await readdir(path.join(dir, rel), { withFileTypes: true })).sort((a, b) => compareStrings(a.name, b.name));
    for (const e of entries) {
      if (e.name.startsWith('.') || e.name === 'node_modules') continue;
      const child = path.join(rel, e.name);
      if (e.isDirectory()) await walk(child);
      else if (e.isFile()) out.push(child, await readFile(path.join(dir, child), 'utf8'));
    }
  };
  await walk('');
  return out;
}

/** Which Liquibase: its launcher's real path, and its core jar's size and time (another version is another install). */
async function installation(program: LiquibaseProgram): Promise<string> {
  const launcher = await realpath(program.path);
  const home = path.dirname(launcher);
  for (const jar of [path.join(home, 'internal', 'lib', 'liquibase-core.jar'), path.join(home, 'lib', 'liquibase-core.jar'), launcher]) {
    const info = await stat(jar).catch(() => null);
    if (info) return `${launcher}:${jar}:${info.size}:${info.mtimeMs}`;
  }
  return launcher;
}
