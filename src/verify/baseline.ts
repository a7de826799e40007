/**
 * The baseline verify compares the live tables against: the `tables` of a
 * backup manifest (row counts and fingerprints taken in the dump's snapshot),
 * or a JSON file holding either a whole manifest or `{"tables": [...]}`.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { DbrollbackError } from '../errors.js';
import type { TableRef } from '../fingerprint/fingerprint.js';

export interface BaselineTable extends TableRef {
  rows: number;
  /** Absent in a counts-only baseline file: the fingerprints check then skips. */
  hash?: string;
}

export interface Baseline {
  /** Where it came from, for messages: `backup 20240101T...` or `file ./baseline.json`. */
  source: string;
  backupId: string | null;
  migrationHead: string | null;
  tables: BaselineTable[];
  /** A partial backup's baseline: it covers only its own tables, the others are not compared (or judged by write counters). */
  partial?: boolean;
}

/** A backup manifest's tables as a baseline (any manifest shape with an id, a head and tables). */
export function baselineFromManifest(manifest: { id: string; migrationHead?: string | null; tables: unknown; partial?: unknown }): Baseline {
  return {
    source: `${manifest.partial ? 'partial ' : ''}backup ${manifest.id}`,
    backupId: manifest.id,
    migrationHead: manifest.migrationHead ?? null,
    tables: parseTables(manifest.tables, `backup ${manifest.id} manifest`),
    ...(manifest.partial ? { partial: true } : {}),
  };
}

/** Read a baseline file: a BackupManifest or {"tables": TableFingerprint[]}. Bad input is a usage error (exit 2). */
export async function loadBaselineFile(file: string, cwd = process.cwd()): Promise<Baseline> {
  const full = path.resolve(cwd, file);
  let text: string;
  try {
    text = await readFile(full, 'utf8');
  } catch (cause) {
    throw new DbrollbackError('FILE_UNREADABLE', `cannot read the baseline file ${full}: ${(cause as Error).message}`, {
      hint: 'Pass --baseline-file FILE naming a JSON file (a backup manifest, or {"tables": [...]}), or --baseline BACKUP_ID|latest.',
      cause,
    });
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (cause) {
    throw invalid(full, `is not valid JSON (${(cause as Error).message})`);
  }
  return parseBaseline(data, full);
}

/** Validate a parsed baseline document; `label` names it in messages. */
export function parseBaseline(data: unknown, label: string): Baseline {
  if (typeof data !== 'object' || data === null || Array.isArray(data) || !('tables' in data)) {
    throw invalid(label, 'must be a JSON object with a "tables" array (a backup manifest, or {"tables": [...]})');
  }
  const doc = data as Record<string, unknown>;
  const id = typeof doc.id === 'string' ? doc.id : null;
  return {
    source: id !== null ? `backup ${id} (file ${label})` : `file ${label}`,
    backupId: id,
    migrationHead: typeof doc.migrationHead === 'string' ? doc.migrationHead : null,
    tables: parseTables(doc.tables, label),
  };
}

function parseTables(value: unknown, label: string): BaselineTable[] {
  if (!Array.isArray(value)) throw invalid(label, '"tables" must be an array of {schema, table, rows, hash}');
  const problems: string[] = [];
  const seen = new Set<string>();
  const tables: BaselineTable[] = [];
  value.forEach((entry: unknown, i) => {
    const e = (typeof entry === 'object' && entry !== null ? entry : {}) as Record<string, unknown>;
    const where = `tables[${i}]`;
    if (typeof e.schema !== 'string' || e.schema === '') problems.push(`${where}.schema must be a non-empty string`);
    if (typeof e.table !== 'string' || e.table === '') problems.push(`${where}.table must be a non-empty string`);
    if (typeof e.rows !== 'number' || !Number.isSafeInteger(e.rows) || e.rows < 0) problems.push(`${where}.rows must be a whole number ≥ 0`);
    if (e.hash !== undefined && (typeof e.hash !== 'string' || e.hash === '')) problems.push(`${where}.hash must be a non-empty string when present`);
    if (typeof e.schema !== 'string' || typeof e.table !== 'string' || typeof e.rows !== 'number') return;
    const key = tableKey({ schema: e.schema, table: e.table });
    if (seen.has(key)) problems.push(`${where}: ${key} appears twice`);
    seen.add(key);
    tables.push({ schema: e.schema, table: e.table, rows: e.rows, ...(typeof e.hash === 'string' ? { hash: e.hash } : {}) });
  });
  if (problems.length > 0) throw invalid(label, `has invalid entries:\n  - ${problems.slice(0, 20).join('\n  - ')}`);
  return tables;
}

function invalid(label: string, what: string): DbrollbackError {
  return new DbrollbackError('CONFIG_INVALID', `baseline ${label} ${what}`, {
    hint: 'A baseline is a backup manifest (dbrollback backup writes one) or {"tables": [{"schema", "table", "rows", "hash"}]}.',
  });
}

/** `schema.table`, for maps (and the enum check's messages); other messages use formatTableRef. */
export function tableKey(t: TableRef): string {
  return `${t.schema}.${t.table}`;
}

/**
 * Parse `schema.table` names (a missing schema means `public`); quoted parts
 * keep dots and case: `"My.Schema"."T"`. Used for --expect-changed.
 */
export function parseTableRefs(list: string): TableRef[] {
  const refs: TableRef[] = [];
  for (const raw of splitOutsideQuotes(list, ',')) {
    const item = raw.trim();
    if (item === '') continue;
    const written = splitOutsideQuotes(item, '.').map((p) => p.trim());
    const parts = written.map(unquote);
    // Each part is one identifier: "quoted" whole (a quote inside doubled), or bare without quotes. Anything else
    // (`"Invoice"; DROP TABLE x`, `"Open`) is a typo, refused here rather than looked up as a strange name.
    if (parts.length > 2 || parts.some((p) => p === '') || written.some((p) => !QUOTED_PART.test(p) && !BARE_PART.test(p))) {
      throw new DbrollbackError('USAGE', `"${item}" is not a table name (expected schema.table or table)`, {
        hint: 'List tables as schema.table,schema.table; a name with capitals, dots, spaces, commas or quotes goes in double quotes, a quote inside doubled, as in SQL: "Sales.EU"."Order Line",public."Tag""s" (in the shell, the whole list in single quotes).',
      });
    }
    refs.push(parts.length === 2 ? { schema: parts[0]!, table: parts[1]! } : { schema: 'public', table: parts[0]! });
  }
  return refs;
}

/**
 * The inverse of parseTableRefs: `schema.table`, each part quoted only where SQL would fold or split it
 * (capitals, dots, spaces, quotes): `public.orders`, `"My.Schema"."Orders"`.
 */
export function formatTableRef(ref: TableRef): string {
  return `${formatNamePart(ref.schema)}.${formatNamePart(ref.table)}`;
}

/** One name as parseTableRefs reads it back: bare when it is lower case letters, digits and underscores, else quoted. */
export function formatNamePart(name: string): string {
  return /^[a-z_][a-z0-9_]*$/.test(name) ? name : `"${name.replace(/"/g, '""')}"`;
}

function splitOutsideQuotes(text: string, sep: string): string[] {
  const out: string[] = [];
  let current = '';
  let quoted = false;
  for (const ch of text) {
    if (ch === '"') quoted = !quoted;
    if (ch === sep && !quoted) {
      out.push(current);
      current = '';
    } else current += ch;
  }
  out.push(current);
  return out;
}

const QUOTED_PART = /^"(?:[^"]|"")+"$/;
/** An identifier SQL takes unquoted: a letter or underscore, then letters, digits, `_` or `$` (any non-ASCII character counts as a letter). */
const BARE_PART = /^(?:[A-Za-z_]|\P{ASCII})(?:[A-Za-z0-9_$]|\P{ASCII})*$/u;

/**
 * As SQL reads names: quoted parts verbatim, unquoted ones folded to lower case — ASCII letters only, as
 * PostgreSQL folds them in a multibyte encoding (`Änderung_X` is the table `Änderung_x`).
 */
function unquote(part: string): string {
  const p = part.trim();
  return p.startsWith('"') && p.endsWith('"') && p.length >= 2 ? p.slice(1, -1).replace(/""/g, '"') : p.replace(/[A-Z]/g, (c) => c.toLowerCase());
}
