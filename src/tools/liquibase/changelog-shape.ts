/**
 * What an XML/YAML/JSON changelog says about each changeset's way back,
 * read without Liquibase (no JVM): whether it writes a rollback, and which
 * change types it uses. That decides the down as Liquibase 4.28 decides it
 * (ChangeSet.rollback, AbstractChange.supportsRollback):
 *  - a `<rollback>` of its own — SQL, change elements, a `changeSetId`
 *    reference, or empty (nothing to do) — is `yes`;
 *  - none, and every change is one Liquibase inverts itself (the changes of
 *    liquibase-core 4.28 that implement createInverses, below) is `inferred`;
 *  - none otherwise (`sql`, `insert`, `dropTable`, ...) is `missing`:
 *    Liquibase refuses to roll it back (RollbackImpossibleException).
 * `include` and `includeAll` are followed (XML, YAML, JSON and formatted
 * SQL children; includeAll's files in the order Liquibase 4.28 includes
 * them: every changelog file under the folder, subfolders included, by
 * path); anything unreadable makes the shape unknown for the changesets it
 * would bring, which are then judged by what Liquibase prints.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { compareStrings } from '../../compare-strings.js';
import type { DownKind } from '../contract.js';
import { isFormattedSql, parseFormattedSql } from './formatted-sql.js';
import { parseXml, type XmlElement } from './xml-tree.js';

/** liquibase-core 4.28's changes with an inverse (createInverses), by their changelog names. */
export const INVERTIBLE_CHANGES: ReadonlySet<string> = new Set([
  'addColumn',
  'addDefaultValue',
  'addForeignKeyConstraint',
  'addLookupTable',
  'addNotNullConstraint',
  'addPrimaryKey',
  'addUniqueConstraint',
  'createIndex',
  'createSequence',
  'createTable',
  'createView',
  'dropNotNullConstraint',
  'empty',
  'output',
  'renameColumn',
  'renameSequence',
  'renameTable',
  'renameView',
  'tagDatabase',
]);

/** Elements of a changeset that are not changes. */
const NOT_CHANGES = new Set(['comment', 'preConditions', 'validCheckSum', 'rollback', 'meta']);

export interface ChangeSetShape {
  id: string;
  author: string;
  /** FILENAME as Liquibase records it when run with the root changelog's directory as search path. */
  filename: string;
  /** The change types, in order (`sql` for a formatted SQL changeset). */
  changes: string[];
  rollback: 'sql' | 'changes' | 'reference' | 'empty' | 'none';
  runInTransaction: boolean;
  /**
   * A formatted SQL changeset's own SQL, as its file holds it (comments, `-- dbrollback-ignore` included),
   * where Liquibase runs it as written (no `${...}` to substitute): the file and the line it starts on.
   */
  ownSql?: { text: string; path: string; line: number };
}

export interface ChangelogShape {
  changeSets: ChangeSetShape[];
  /** Why some changesets may be missing from `changeSets` (an includeAll, an unreadable include); null when none are. */
  incomplete: string | null;
}

/** The down a changeset's shape gives, with why when it is not `yes`. */
export function downOfShape(shape: ChangeSetShape): { down: DownKind; note?: string } {
  if (shape.rollback !== 'none') return { down: 'yes' };
  const other = shape.changes.filter((c) => !INVERTIBLE_CHANGES.has(c));
  if (shape.changes.length > 0 && other.length === 0) return { down: 'inferred', note: `no <rollback>: Liquibase inverts ${[...new Set(shape.changes)].join(', ')} itself` };
  return { down: 'missing', note: `no <rollback>, and Liquibase cannot invert ${other.length > 0 ? [...new Set(other)].join(', ') : 'an empty changeset'}` };
}

export async function readChangelogShape(dir: string, changelog: string): Promise<ChangelogShape> {
  const out: ChangelogShape = { changeSets: [], incomplete: null };
  await readInto(out, dir, changelog.split(path.sep).join('/'), new Set());
  return out;
}

async function readInto(out: ChangelogShape, searchPath: string, filename: string, seen: Set<string>): Promise<void> {
  if (seen.has(filename)) return;
  seen.add(filename);
  let text: string;
  try {
    text = await readFile(path.join(searchPath, filename), 'utf8');
  } catch (err) {
    out.incomplete ??= `${filename} cannot be read: ${(err as Error).message}`;
    return;
  }
  try {
    if (/\.xml$/i.test(filename)) await readXml(out, searchPath, filename, parseXml(text), seen);
    else if (/\.(ya?ml|json)$/i.test(filename)) await readYaml(out, searchPath, filename, parseYaml(text) as unknown, seen);
    else if (/\.sql$/i.test(filename) && isFormattedSql(text)) {
      for (const set of parseFormattedSql(text, filename, path.join(searchPath, filename)).changeSets.filter((c) => !c.ignore)) {
        out.changeSets.push({
          id: set.id,
          author: set.author,
          filename: set.filename,
          changes: ['sql'],
          rollback: set.rollback.kind === 'none' ? 'none' : set.rollback.kind === 'empty' ? 'empty' : 'sql',
          runInTransaction: set.runInTransaction,
          ...(set.sql.includes('${') ? {} : { ownSql: { text: set.sql, path: set.path, line: set.sqlLine } }),
        });
      }
    } else out.incomplete ??= `${filename} is not a changelog dbrollback reads`;
  } catch (err) {
    out.incomplete ??= `${filename} cannot be read: ${(err as Error).message}`;
  }
}

/** Where an include points, as Liquibase resolves it: from the search path, or beside the including file. */
function includePath(from: string, file: string, relative: unknown): string {
  const posix = file.split('\\').join('/');
  return relative === true || relative === 'true' ? path.posix.normalize(path.posix.join(path.posix.dirname(from), posix)) : path.posix.normalize(posix);
}

/** The files of what includeAll names that Liquibase would parse as changelogs. */
const INCLUDED_BY_ALL = /\.(xml|ya?ml|json|sql)$/i;

/** An includeAll: every changelog file under the folder (subfolders too), in path order, as Liquibase 4.28 includes them. */
async function readIncludeAll(out: ChangelogShape, searchPath: string, from: string, folder: unknown, relative: unknown, seen: Set<string>): Promise<void> {
  if (typeof folder !== 'string' || folder.trim() === '') {
    out.incomplete ??= `${from} has an includeAll without a path`;
    return;
  }
  const dir = includePath(from, folder, relative).replace(/\/+$/, '');
  const files: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    for (const e of await readdir(path.join(searchPath, rel), { withFileTypes: true })) {
      const child = path.posix.join(rel, e.name);
      if (e.isDirectory()) await walk(child);
      else if (INCLUDED_BY_ALL.test(e.name)) files.push(child);
    }
  };
  try {
    await walk(dir);
  } catch (err) {
    out.incomplete ??= `the folder ${dir} that ${from} includes (includeAll) cannot be read: ${(err as Error).message}`;
    return;
  }
  for (const file of files.sort(compareStrings)) await readInto(out, searchPath, file, seen);
}

async function readXml(out: ChangelogShape, searchPath: string, filename: string, root: XmlElement, seen: Set<string>): Promise<void> {
  if (root.name !== 'databaseChangeLog') throw new Error(`its root element is <${root.name}>, not <databaseChangeLog>`);
  const logical = root.attrs.logicalFilePath;
  for (const child of root.children) {
    if (child.name === 'changeSet') {
      const rollback = child.children.find((c) => c.name === 'rollback');
      out.changeSets.push({
        id: child.attrs.id ?? '',
        author: child.attrs.author ?? '',
        filename: child.attrs.logicalFilePath ?? logical ?? filename,
        changes: child.children.filter((c) => !NOT_CHANGES.has(c.name)).map((c) => c.name),
        rollback: !rollback ? 'none' : rollback.attrs.changeSetId !== undefined ? 'reference' : rollback.children.length > 0 ? 'changes' : rollback.text.trim() !== '' ? 'sql' : 'empty',
        runInTransaction: child.attrs.runInTransaction !== 'false',
      });
    } else if (child.name === 'include' && child.attrs.file !== undefined) {
      await readInto(out, searchPath, includePath(filename, child.attrs.file, child.attrs.relativeToChangelogFile), seen);
    } else if (child.name === 'includeAll') await readIncludeAll(out, searchPath, filename, child.attrs.path, child.attrs.relativeToChangelogFile, seen);
  }
}

async function readYaml(out: ChangelogShape, searchPath: string, filename: string, doc: unknown, seen: Set<string>): Promise<void> {
  const entries = (doc as { databaseChangeLog?: unknown } | null)?.databaseChangeLog;
  if (!Array.isArray(entries)) throw new Error('it has no databaseChangeLog list');
  const logical = entries.map((e) => (e as { logicalFilePath?: unknown } | null)?.logicalFilePath).find((v) => typeof v === 'string') as string | undefined;
  for (const entry of entries as Array<Record<string, unknown> | null>) {
    if (!entry) continue;
    const set = entry.changeSet as Record<string, unknown> | undefined;
    const include = entry.include as Record<string, unknown> | undefined;
    if (set) {
      const changes = Array.isArray(set.changes) ? (set.changes as Array<Record<string, unknown> | null>).flatMap((c) => (c ? Object.keys(c) : [])) : [];
      out.changeSets.push({
        id: String(set.id ?? ''),
        author: String(set.author ?? ''),
        filename: typeof set.logicalFilePath === 'string' ? set.logicalFilePath : (logical ?? filename),
        changes,
        rollback: yamlRollback(set),
        runInTransaction: set.runInTransaction !== false && set.runInTransaction !== 'false',
      });
    } else if (include && typeof include.file === 'string') {
      await readInto(out, searchPath, includePath(filename, include.file, include.relativeToChangelogFile), seen);
    } else if (entry.includeAll !== undefined) {
      const all = entry.includeAll as Record<string, unknown> | null;
      await readIncludeAll(out, searchPath, filename, all?.path, all?.relativeToChangelogFile, seen);
    }
  }
}

/** `rollback:` as Liquibase's YAML parser takes it: SQL text, a change or a list of them, a changeSetId reference, or nothing to do. */
function yamlRollback(set: Record<string, unknown>): ChangeSetShape['rollback'] {
  if (!('rollback' in set)) return 'none';
  const r = set.rollback;
  if (r === null || r === undefined) return 'empty';
  if (typeof r === 'string') return r.trim() === '' ? 'empty' : 'sql';
  if (Array.isArray(r)) return r.length === 0 ? 'empty' : 'changes';
  if (typeof r === 'object') return 'changeSetId' in r ? 'reference' : Object.keys(r).length === 0 ? 'empty' : 'changes';
  return 'sql';
}
