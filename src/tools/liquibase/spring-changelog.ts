/**
 * A Spring Boot project run from its root: the root changelog Spring Boot's
 * Liquibase starter runs is `spring.liquibase.change-log` in
 * src/main/resources/application.{properties,yml,yaml}, by default
 * `classpath:/db/changelog/db.changelog-master.yaml` — its folder is what to
 * pass as --migrations (dbrollback then runs it from the classpath root, as
 * Spring Boot does: changelog-dir.ts classpathOf).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';

const RESOURCES = path.join('src', 'main', 'resources');
const DEFAULT_CHANGELOG = 'classpath:/db/changelog/db.changelog-master.yaml';

/** The root changelog Spring Boot would run, relative to `cwd`, and where that was read; null when the project has none on disk. */
export function springChangelog(cwd: string): { file: string; from: string } | null {
  const resources = path.join(cwd, RESOURCES);
  if (!existsSync(resources)) return null;
  const named = configured(resources);
  const location = named?.location ?? DEFAULT_CHANGELOG;
  // Only a classpath location (or a bare path, which Spring Boot also reads from the classpath) lives in src/main/resources.
  if (/^(?!classpath\*?:)[a-z]+:/i.test(location)) return null;
  const file = path.join(RESOURCES, location.replace(/^classpath\*?:/i, '').replace(/^\/+/, ''));
  if (!existsSync(path.join(cwd, file))) return null;
  return { file, from: named ? `spring.liquibase.change-log in ${path.join(RESOURCES, named.file)}` : "Spring Boot's default spring.liquibase.change-log" };
}

function configured(resources: string): { location: string; file: string } | null {
  for (const file of ['application.properties', 'application.yml', 'application.yaml']) {
    let text: string;
    try {
      text = readFileSync(path.join(resources, file), 'utf8');
    } catch {
      continue;
    }
    const location = file.endsWith('.properties') ? fromProperties(text) : fromYaml(text);
    if (location) return { location, file };
  }
  return null;
}

function fromProperties(text: string): string | null {
  const line = /^\s*spring\.liquibase\.(?:change-log|changeLog|change_log)\s*[=:]\s*(\S.*?)\s*$/m.exec(text);
  return line ? line[1]! : null;
}

function fromYaml(text: string): string | null {
  try {
    // A multi-document file (profiles): the first document that names it.
    for (const doc of text.split(/^---\s*$/m)) {
      const spring = (parseYaml(doc) as { spring?: { liquibase?: Record<string, unknown> } } | null)?.spring?.liquibase;
      const value = spring?.['change-log'] ?? spring?.changeLog ?? spring?.['change_log'];
      if (typeof value === 'string' && value.trim() !== '') return value.trim();
    }
  } catch {
    // An unreadable application.yml names no changelog here; Spring Boot reports it where it reads it.
  }
  return null;
}
