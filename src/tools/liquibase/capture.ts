/**
 * classify of an XML/YAML/JSON changelog: Liquibase's own SQL for it (the
 * ups `update` sends, the rollbacks `rollback` sends: generated-sql.ts, in a
 * scratch database or from the capture cache), read as one migration file —
 * its changesets' ups in order, each classified as a migration of its own
 * (as Liquibase runs them), their rollbacks newest first — and its down
 * as the changelog's shape gives it (changelog-shape.ts): missing when one
 * changeset has no way back, naming it.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { CaptureContext, CapturedFile } from '../tool.js';
import { notListed } from '../capture/not-listed.js';
import { classpathOf, isStructuredChangelog, STRUCTURED_CHANGELOG } from './changelog-dir.js';
import { downOfShape, readChangelogShape } from './changelog-shape.js';
import { generatedSql } from './generated-sql.js';
import { DEFAULT_SCHEMA, DEFAULT_TABLE } from './history.js';
import { findLiquibase, liquibaseMissing } from './program.js';

/** Whether classify reads this file through Liquibase: an XML/YAML/JSON file whose root is databaseChangeLog. */
export async function claimsChangelog(file: string): Promise<boolean> {
  if (!STRUCTURED_CHANGELOG.test(file)) return false;
  const text = await readFile(file, 'utf8').catch(() => '');
  return isStructuredChangelog(file, text);
}

export async function captureChangelogs(files: readonly string[], context: CaptureContext): Promise<CapturedFile[]> {
  const out: CapturedFile[] = [];
  for (const file of files) {
    if (!(await claimsChangelog(file))) throw notListed(file, 'Liquibase reads XML, YAML and JSON changelogs (a databaseChangeLog root) as migrations; this is not one');
    const { dir, changelog } = classpathOf(path.dirname(file), path.basename(file));
    const program = await findLiquibase(dir);
    if (!program) throw liquibaseMissing(`${file} is a Liquibase changelog: only the real Liquibase prints its SQL`);
    const table = { schema: context.migrationsSchema ?? DEFAULT_SCHEMA, table: (context.migrationsTable ?? DEFAULT_TABLE).toLowerCase() };
    const [generated, shape] = await Promise.all([
      generatedSql({ program, dir, changelog, table, scratch: context.scratch, ...(context.cacheDir !== undefined ? { cacheDir: context.cacheDir } : {}), onProgress: context.onProgress }),
      readChangelogShape(dir, changelog).catch(() => null),
    ]);
    const sets = [...generated.changeSets];
    const shapeOf = (key: string) => shape?.changeSets.find((s) => `${s.filename}::${s.id}::${s.author}` === key) ?? null;
    // Liquibase runs a changeset in a transaction unless it says runInTransaction="false".
    const inTransaction = sets.every(([key]) => shapeOf(key)?.runInTransaction ?? true);
    // A formatted SQL changeset runs as its file holds it: read from there, its comments (dbrollback-ignore) kept.
    const upUnits = sets.filter(([, g]) => g.up !== '').map(([key, g]) => ({ sql: shapeOf(key)?.ownSql?.text ?? g.up, inTransaction: shapeOf(key)?.runInTransaction ?? true }));
    const up = upUnits.map((u) => u.sql).join('\n');
    const blocked = sets
      .map(([key, g]) => {
        const s = shapeOf(key);
        const down = s ? downOfShape(s) : g.down !== null ? { down: 'inferred' as const } : { down: 'missing' as const, note: g.refused ?? 'Liquibase printed no rollback' };
        return { key, g, down };
      })
      .filter((x) => x.down.down === 'missing' || x.g.down === null);
    const down: CapturedFile['down'] =
      blocked.length > 0
        ? { kind: 'missing', sql: null, note: blocked.map((b) => `${b.key.split('::')[1]}: ${b.g.down === null ? `Liquibase cannot roll it back (${b.g.refused ?? 'no rollback printed'})` : (b.down.note ?? 'no rollback')}`).join('; ') }
        : { kind: 'yes', sql: { sql: sets.map(([, g]) => g.down ?? '').filter((s) => s !== '').reverse().join('\n'), inTransaction } };
    out.push({ path: file, up: { sql: up, inTransaction }, upUnits, down, diff: null, applyError: null });
  }
  return out;
}
