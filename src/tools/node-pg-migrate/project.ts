/**
 * A node-pg-migrate project as its own CLI is run from the project root: a
 * package.json script running `node-pg-migrate` with `-m`/`--migrations-dir`
 * and `-t`/`--migrations-table` (and `--migrations-schema`), or with
 * `-f`/`--config-file` naming a JSON file holding those same keys (under its
 * `db` section when it has one, `--config-value` naming another) — the
 * command-line flags winning over the file, as in node-pg-migrate's bin. Only
 * read to name the folder and table to pass, never run: a config file that
 * is code is not loaded.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

export interface NodePgMigrateProject {
  /** The package.json script that runs node-pg-migrate ("migrate"). */
  script: string;
  /** Its migrations-dir, relative to the project root as written (node-pg-migrate's default `migrations`). */
  dir: string;
  /** Its migrations-table and migrations-schema, when named. */
  table: string | undefined;
  schema: string | undefined;
  /** The config file the folder or table came from, when one did. */
  configFile: string | undefined;
}

const FLAGS: Record<string, 'dir' | 'table' | 'schema' | 'configFile' | 'section'> = {
  '-m': 'dir',
  '--migrations-dir': 'dir',
  '-t': 'table',
  '--migrations-table': 'table',
  '--migrations-schema': 'schema',
  '-f': 'configFile',
  '--config-file': 'configFile',
  '--config-value': 'section',
};

/** The first package.json script in `cwd` that runs node-pg-migrate, with the folder and table it gives it. */
export function nodePgMigrateProject(cwd: string): NodePgMigrateProject | null {
  let scripts: Record<string, unknown>;
  try {
    scripts = (JSON.parse(readFileSync(path.join(cwd, 'package.json'), 'utf8')) as { scripts?: Record<string, unknown> }).scripts ?? {};
  } catch {
    return null;
  }
  for (const [script, command] of Object.entries(scripts)) {
    if (typeof command !== 'string') continue;
    const words = command.split(/\s+/).map((w) => w.replace(/^(["'])(.*)\1$/, '$2'));
    const at = words.findIndex((w) => /(^|\/)node-pg-migrate(\.js)?$/.test(w));
    if (at === -1) continue;
    const given: Partial<Record<(typeof FLAGS)[string], string>> = {};
    // Its arguments, up to the next command of the script (`&&`, `;`, `|`).
    for (let i = at + 1; i < words.length && !/^(&&|\|\||;|\|)$/.test(words[i]!); i++) {
      const word = words[i]!;
      const eq = word.indexOf('=');
      const flag = eq > 0 ? word.slice(0, eq) : word;
      const key = FLAGS[flag];
      if (key === undefined) continue;
      const value = eq > 0 ? word.slice(eq + 1) : words[++i];
      if (value !== undefined) given[key] = value;
    }
    const file = given.configFile !== undefined ? configFileSettings(cwd, given.configFile, given.section ?? 'db') : {};
    return {
      script,
      dir: given.dir ?? file.dir ?? 'migrations',
      table: given.table ?? file.table,
      schema: given.schema ?? file.schema,
      configFile: given.configFile !== undefined && (file.dir !== undefined || file.table !== undefined || file.schema !== undefined) ? given.configFile : undefined,
    };
  }
  return null;
}

/** A JSON config file's migrations-dir, -table and -schema (its `section` when it has one, else its top level). */
function configFileSettings(cwd: string, file: string, section: string): { dir?: string; table?: string; schema?: string } {
  if (!/\.json$/i.test(file)) return {};
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path.resolve(cwd, file), 'utf8'));
  } catch {
    return {};
  }
  if (typeof json !== 'object' || json === null) return {};
  const settings = (section in json ? (json as Record<string, unknown>)[section] : json) as Record<string, unknown> | null;
  if (typeof settings !== 'object' || settings === null) return {};
  const text = (key: string) => (typeof settings[key] === 'string' && settings[key] !== '' ? (settings[key] as string) : undefined);
  return { dir: text('migrations-dir'), table: text('migrations-table'), schema: text('migrations-schema') };
}
