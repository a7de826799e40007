/**
 * x-multi-statement=true: golang-migrate's postgres driver then splits a
 * migration at every `;` (multistmt.Parse in v4.18: a bufio.Scanner cutting
 * at each delimiter, with no regard for quotes, comments or dollar-quoted
 * bodies) and runs each piece as its own Exec, so each commits on its own
 * and a CREATE INDEX CONCURRENTLY may sit beside other statements. Pieces
 * that are only whitespace are skipped (runStatement). A piece longer than
 * x-multi-statement-max-size (default 10 MB) fails the scan.
 */
import { DbrollbackError } from '../../errors.js';

export const DEFAULT_MULTI_STATEMENT_MAX_SIZE = 10 * (1 << 20);

export function splitMultiStatement(text: string, maxSize = DEFAULT_MULTI_STATEMENT_MAX_SIZE, file = 'the migration'): string[] {
  const pieces: string[] = [];
  let start = 0;
  for (let at = text.indexOf(';'); at !== -1; at = text.indexOf(';', start)) {
    pieces.push(text.slice(start, at + 1));
    start = at + 1;
  }
  if (start < text.length) pieces.push(text.slice(start));
  const tooLong = pieces.find((p) => Buffer.byteLength(p, 'utf8') > maxSize);
  if (tooLong !== undefined) {
    throw new DbrollbackError('MIGRATIONS_INVALID', `${file}: a statement is longer than x-multi-statement-max-size (${maxSize} bytes), which golang-migrate refuses ("token too long")`, {
      hint: 'Raise multiStatementMaxSize in the golangMigrate config export, as x-multi-statement-max-size does for golang-migrate.',
    });
  }
  return pieces.filter((p) => p.trim() !== '');
}
