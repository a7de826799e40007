/**
 * Liquibase's formatted SQL changelog (`--liquibase formatted sql`), read
 * line by line as Liquibase 4.28's FormattedSqlChangeLogParser reads it:
 * a `--changeset author:id attr:value...` line starts a changeset, every
 * other line up to the next one is its SQL — ordinary `--` comments
 * included, since they are part of what Liquibase checksums — except the
 * directives (`--comment:`, `--rollback ...`, a `/* liquibase rollback` block,
 * `--validCheckSum:`). The SQL and the rollback are trimmed as Liquibase
 * trims them.
 *
 * What dbrollback runs itself is the subset below; a changelog using
 * anything else (properties and `${...}` expressions, preconditions,
 * contexts, labels, dbms filters, `runWith`, `ignoreLines`, a rollback that
 * names another changeset) is `needsLiquibase` with the reason, and goes
 * through the real Liquibase, which knows all of it.
 */

export interface FormattedChangeSet {
  id: string;
  author: string;
  /** What DATABASECHANGELOG.FILENAME records: the changeset's or the file's logicalFilePath, else the file's path as given to Liquibase. */
  filename: string;
  /** The file it is in, and the line of its `--changeset` line. */
  path: string;
  line: number;
  /** Its SQL as Liquibase keeps it (trimmed); the checksum is computed from it. */
  sql: string;
  /** The line of the file its SQL starts on (its first non-blank line). */
  sqlLine: number;
  /** `none`: no rollback written; `empty`: `--rollback not required` / `empty`; `sql`: the rollback's SQL. */
  rollback: { kind: 'none' } | { kind: 'empty' } | { kind: 'sql'; sql: string };
  runOnChange: boolean;
  runAlways: boolean;
  runInTransaction: boolean;
  splitStatements: boolean;
  endDelimiter: string | null;
  rollbackSplitStatements: boolean;
  rollbackEndDelimiter: string | null;
  /** `--comment:`, as Liquibase keeps it (null when none). */
  comments: string | null;
  validCheckSums: string[];
  /** `ignore:true`: Liquibase skips it entirely. */
  ignore: boolean;
}

export interface FormattedChangelog {
  changeSets: FormattedChangeSet[];
  /** Why dbrollback cannot run this changelog itself (null when it can). */
  needsLiquibase: string | null;
}

const FIRST_LINE = /^\s*--\s*liquibase\s*formatted.*/i;
const CHANGESET = /^\s*--[\s]*changeset\s+("[^"]+"|[^:]+):\s*("[^"]+"|\S+).*$/i;
const CHANGESET_LOOSE = /^\s*--[\s]*changeset[\s]*.*$/i;
const ROLLBACK = /^\s*--[\s]*rollback (.*)$/i;
const ROLLBACK_LOOSE = /^\s*-[\s]*rollback\s.*$/i;
const ROLLBACK_BLOCK_START = /^\s*\/\*\s*liquibase\s*rollback\s*$/i;
const ROLLBACK_BLOCK_END = /^.*\s*\*\/\s*$/i;
const COMMENT = /^--[\s]*comment:? (.*)$/i;
const VALID_CHECKSUM = /^--[\s]*validCheckSum:? (.*)$/i;
const PROPERTY = /^\s*-+\s*property\s.*$/i;
const PRECONDITION = /^\s*--[\s]*precondition/i;
const IGNORE_LINES = /^--[\s]*ignoreLines:/i;

/** Whether a file's first non-blank line declares it a formatted SQL changelog (Liquibase's own test). */
export function isFormattedSql(text: string): boolean {
  // Line by line up to the first non-blank one: classify asks this of every .sql file, and
  // splitting a whole file into lines to read one of them was a measurable part of its time.
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const lineBreak = /\r\n|\r|\n/g;
  let start = 0;
  while (start <= body.length) {
    const match = lineBreak.exec(body);
    const end = match ? match.index : body.length;
    const line = body.slice(start, end);
    if (line.trim() !== '') return FIRST_LINE.test(line);
    if (!match) return false;
    start = lineBreak.lastIndex;
  }
  return false;
}

/** `filename` is what Liquibase would record for the file (its path relative to the search path). */
export function parseFormattedSql(text: string, filename: string, filePath: string): FormattedChangelog {
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
  if (lines.at(-1) === '') lines.pop();
  const changeSets: FormattedChangeSet[] = [];
  let needsLiquibase: string | null = null;
  const needs = (why: string, line: number) => {
    needsLiquibase ??= `${filePath}:${line}: ${why}`;
  };
  let fileLogicalPath: string | null = null;
  let current: { set: FormattedChangeSet; sql: string[]; sqlLines: number[]; rollback: string[] } | null = null;

  const finish = () => {
    if (!current) return;
    const { set, sql, sqlLines, rollback } = current;
    set.sql = joinTrimmed(sql);
    set.sqlLine = sqlLines[sql.findIndex((l) => l.trim() !== '')] ?? set.line;
    if (set.sql === '') throw new FormattedSqlError(`${filePath}:${set.line}: changeset ${set.author}:${set.id} has no SQL (Liquibase refuses it too: "No SQL for changeset")`);
    const rb = rollback.join('\n');
    if (rb.trim() !== '') {
      const lowered = rb.trim().toLowerCase();
      if (/^not required/.test(lowered) || /^empty/.test(lowered)) set.rollback = { kind: 'empty' };
      else if (lowered.includes('changesetid')) needs('its rollback names another changeset (changesetId:...)', set.line);
      else set.rollback = { kind: 'sql', sql: rb.trim() };
    }
    changeSets.push(set);
    current = null;
  };

  for (let i = 0; i < lines.length; i += 1) {
    const line = lines[i]!;
    const number = i + 1;
    if (PROPERTY.test(line)) {
      needs('it defines a property (--property)', number);
      continue;
    }
    if (FIRST_LINE.test(line)) {
      const logical = /.*logicalFilePath:(\S*).*/i.exec(line);
      fileLogicalPath = logical ? logical[1]! : null;
    }
    if (IGNORE_LINES.test(line)) needs('it uses --ignoreLines', number);
    const header = CHANGESET.exec(line);
    if (header) {
      finish();
      const author = unquote(header[1]!);
      const id = unquote(header[2]!);
      const attribute = (name: string, pattern = '(\\w+)') => new RegExp(`.*${name}:${pattern}.*`, 'i').exec(line)?.[1] ?? null;
      const flag = (name: string, fallback: boolean) => {
        const value = attribute(name);
        return value === null ? fallback : value.toLowerCase() === 'true';
      };
      for (const unsupported of ['context', 'contextFilter', 'labels', 'dbms', 'runWith', 'runWithSpoolFile']) {
        if (attribute(unsupported, '(\\S+)') !== null) needs(`changeset ${author}:${id} uses ${unsupported}:`, number);
      }
      if (!flag('failOnError', true)) needs(`changeset ${author}:${id} uses failOnError:false`, number);
      const logical = attribute('logicalFilePath', '(\\S*)');
      current = {
        set: {
          id,
          author,
          filename: logical !== null && logical !== '' ? logical : (fileLogicalPath ?? filename),
          path: filePath,
          line: number,
          sql: '',
          sqlLine: number,
          rollback: { kind: 'none' },
          runOnChange: flag('runOnChange', false),
          runAlways: flag('runAlways', false),
          runInTransaction: flag('runInTransaction', true),
          splitStatements: flag('splitStatements', true),
          endDelimiter: attribute('endDelimiter', '(\\S*)'),
          rollbackSplitStatements: flag('rollbackSplitStatements', true),
          rollbackEndDelimiter: attribute('rollbackEndDelimiter', '(\\S*)'),
          comments: null,
          validCheckSums: [],
          ignore: flag('ignore', false),
        },
        sql: [],
        sqlLines: [],
        rollback: [],
      };
      continue;
    }
    if (CHANGESET_LOOSE.test(line)) throw new FormattedSqlError(`${filePath}:${number}: a --changeset line Liquibase cannot read (expected --changeset <author>:<id>)`);
    if (!current) {
      if (COMMENT.test(line)) throw new FormattedSqlError(`${filePath}:${number}: a --comment outside any changeset (Liquibase refuses it)`);
      continue;
    }
    const comment = COMMENT.exec(line);
    if (comment) {
      current.set.comments = comment[1]!;
      continue;
    }
    const checksum = VALID_CHECKSUM.exec(line);
    if (checksum) {
      current.set.validCheckSums.push(checksum[1]!.trim());
      continue;
    }
    const rollback = ROLLBACK.exec(line);
    if (rollback) {
      current.rollback.push(rollback[1]!);
      continue;
    }
    if (ROLLBACK_LOOSE.test(line)) throw new FormattedSqlError(`${filePath}:${number}: a rollback line Liquibase cannot read (expected --rollback <SQL>)`);
    if (ROLLBACK_BLOCK_START.test(line)) {
      const block: string[] = [];
      let closed = false;
      for (i += 1; i < lines.length; i += 1) {
        const inner = lines[i]!;
        if (ROLLBACK_BLOCK_END.test(inner)) {
          const before = inner.replace(/\*\/\s*$/, '');
          if (before.trim() !== '') block.push(before);
          closed = true;
          break;
        }
        block.push(inner);
      }
      if (!closed) throw new FormattedSqlError(`${filePath}:${number}: the /* liquibase rollback block is not closed`);
      // Liquibase joins the block's lines without a separator.
      current.rollback.push(block.join(''));
      continue;
    }
    if (PRECONDITION.test(line)) {
      needs(`changeset ${current.set.author}:${current.set.id} has preconditions`, number);
      continue;
    }
    if (line.includes('${')) needs('it uses a ${...} expression', number);
    current.sql.push(line);
    current.sqlLines.push(number);
  }
  finish();
  return { changeSets, needsLiquibase };
}

/** A changelog Liquibase itself would refuse to parse. */
export class FormattedSqlError extends Error {}

/** Lines joined with "\n" and trimmed as Java's String.trim() does (every char <= U+0020). */
function joinTrimmed(lines: readonly string[]): string {
  // eslint-disable-next-line no-control-regex
  return lines.join('\n').replace(/^[\u0000-\u0020]+|[\u0000-\u0020]+$/g, '');
}

function unquote(value: string): string {
  return value.length >= 2 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value;
}
