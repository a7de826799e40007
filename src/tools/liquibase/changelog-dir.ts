/**
 * What a Liquibase migrations directory holds, and so how dbrollback runs
 * it:
 *  - `direct`: formatted SQL changelogs only (`*.sql` whose first line is
 *    `--liquibase formatted sql`), in the subset formatted-sql.ts reads:
 *    dbrollback runs their SQL and writes DATABASECHANGELOG itself, exactly
 *    as Liquibase would, each file as if it were Liquibase's
 *    `--changelog-file` with the directory as its search path (FILENAME is
 *    the file's name); several files run in name order;
 *  - `liquibase`: one root changelog in XML, YAML or JSON (or a formatted
 *    SQL file using more than the subset): run through the real Liquibase.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { DbrollbackError } from '../../errors.js';
import { compareStrings } from '../../compare-strings.js';
import { FormattedSqlError, isFormattedSql, parseFormattedSql, type FormattedChangeSet } from './formatted-sql.js';

export type LiquibaseProject =
  | { mode: 'direct'; dir: string; files: string[]; changeSets: FormattedChangeSet[] }
  | { mode: 'liquibase'; dir: string; changelog: string; why: string };

/** XML, YAML or JSON changelogs: Liquibase's own formats, which only Liquibase reads. */
export const STRUCTURED_CHANGELOG = /\.(xml|ya?ml|json)$/i;

/** Whether a structured file is a Liquibase changelog (its root is databaseChangeLog). */
export function isStructuredChangelog(name: string, text: string): boolean {
  return STRUCTURED_CHANGELOG.test(name) && /databaseChangeLog/.test(text);
}

export async function loadProject(dir: string): Promise<LiquibaseProject> {
  let names: string[];
  try {
    names = (await readdir(dir, { withFileTypes: true })).filter((d) => d.isFile() || d.isSymbolicLink()).map((d) => d.name).filter((n) => !n.startsWith('.')).sort(compareStrings);
  } catch (cause) {
    throw new DbrollbackError('MIGRATIONS_INVALID', `cannot read the migrations directory ${dir}: ${(cause as Error).message}`, {
      hint: 'Pass --migrations DIR pointing at the directory that holds your Liquibase changelog.',
      cause,
    });
  }
  const texts = new Map<string, string>();
  for (const name of names.filter((n) => /\.sql$/i.test(n) || STRUCTURED_CHANGELOG.test(n))) texts.set(name, await readFile(path.join(dir, name), 'utf8'));
  const structured = [...texts].filter(([name, text]) => isStructuredChangelog(name, text)).map(([name]) => name);
  const formatted = [...texts].filter(([name, text]) => /\.sql$/i.test(name) && isFormattedSql(text)).map(([name]) => name);

  if (structured.length > 0) {
    const roots = structured.length === 1 ? structured : structured.filter((n) => /master/i.test(n));
    if (roots.length !== 1) {
      throw new DbrollbackError('MIGRATIONS_INVALID', `${dir} holds ${structured.length} Liquibase changelogs (${structured.join(', ')}) and none is the one root changelog`, {
        hint: 'Keep one root changelog in the migrations directory (name it db.changelog-master.xml/.yaml when there are several) that includes the others from a subdirectory.',
      });
    }
    return { mode: 'liquibase', ...classpathOf(dir, roots[0]!), why: `${roots[0]} is an ${path.extname(roots[0]!).slice(1).toUpperCase()} changelog` };
  }
  if (formatted.length === 0) {
    throw new DbrollbackError('MIGRATIONS_INVALID', `${dir} holds no Liquibase changelog (no .sql file starting with "--liquibase formatted sql", no XML/YAML/JSON databaseChangeLog)`, {
      hint: 'Pass --migrations DIR pointing at the directory of your root changelog.',
    });
  }
  const changeSets: FormattedChangeSet[] = [];
  for (const name of formatted) {
    let parsed: ReturnType<typeof parseFormattedSql>;
    try {
      parsed = parseFormattedSql(texts.get(name)!, name, path.join(dir, name));
    } catch (cause) {
      if (!(cause instanceof FormattedSqlError)) throw cause;
      throw new DbrollbackError('MIGRATIONS_INVALID', `invalid Liquibase changelog: ${cause.message}`, { hint: 'Fix the line named above; Liquibase would refuse the changelog too. Nothing was run.' });
    }
    if (parsed.needsLiquibase !== null) {
      if (formatted.length > 1) {
        throw new DbrollbackError('MIGRATIONS_INVALID', `${parsed.needsLiquibase}: only the real Liquibase can run that, and it runs one root changelog, but ${dir} holds ${formatted.length} formatted SQL changelogs`, {
          hint: 'Add a root changelog (db.changelog-master.xml with includeAll or include) so Liquibase can run them, or keep to what dbrollback runs itself (see the README).',
        });
      }
      return { mode: 'liquibase', ...classpathOf(dir, name), why: parsed.needsLiquibase };
    }
    changeSets.push(...parsed.changeSets.filter((c) => !c.ignore));
  }
  assertUnique(changeSets);
  return { mode: 'direct', dir, files: formatted, changeSets };
}

/**
 * The search path and root changelog Liquibase is run with. A changelog
 * under a Maven or Gradle project's `src/main/resources` is run from the
 * classpath, as Spring Boot's Liquibase and the Liquibase Maven and Gradle
 * plugins run it: that folder is the search path and the changelog is its
 * classpath path (`db/changelog/db.changelog-master.yaml`), so includes
 * written as classpath paths (`includeAll: path: db/changelog/changes/`)
 * resolve, and FILENAME is what the application's own Liquibase records.
 * Elsewhere, the changelog's own folder is the search path.
 */
export function classpathOf(dir: string, changelog: string): { dir: string; changelog: string } {
  const file = path.resolve(dir, changelog);
  const root = /^(.*[\\/]src[\\/](?:main|test)[\\/]resources)[\\/]/.exec(file)?.[1];
  if (root === undefined) return { dir, changelog };
  return { dir: root, changelog: path.relative(root, file).split(path.sep).join('/') };
}

/** Liquibase refuses a changelog where one identity appears twice. */
function assertUnique(changeSets: readonly FormattedChangeSet[]): void {
  const seen = new Map<string, FormattedChangeSet>();
  for (const c of changeSets) {
    const key = identityOf(c);
    const before = seen.get(key);
    if (before) {
      throw new DbrollbackError('MIGRATIONS_INVALID', `changeset ${c.filename}::${c.id}::${c.author} is defined twice (${before.path}:${before.line} and ${c.path}:${c.line})`, {
        hint: 'Give one of them another id; Liquibase refuses duplicate changesets too.',
      });
    }
    seen.set(key, c);
  }
}

export function identityOf(c: { id: string; author: string; filename: string }): string {
  return `${c.filename}::${c.id}::${c.author}`;
}
