/**
 * The project's Flyway configuration, found where the Flyway 10+ command
 * line finds it by default (ConfigUtils.getDefaultTomlConfigFileLocations /
 * getDefaultLegacyConfigurationFiles, v10–v12) — its user home, then its
 * working directory, which for dbrollback is the directory it runs in:
 *
 *  - `~/flyway.toml`, `~/flyway.user.toml`, `./flyway.toml`,
 *    `./flyway.user.toml`, merged in that order (a later file wins);
 *  - only when none of those exists, the legacy `~/flyway.conf`, then
 *    `./flyway.conf` (Flyway ignores .conf files once a TOML file is there).
 *
 * Flyway's installation directory (`<install>/conf/`) is not read: Flyway
 * is not installed here. Environment variables (FLYWAY_*) and command-line
 * flags that override the files in Flyway are not read either.
 *
 * The settings dbrollback acts on: outOfOrder; placeholders,
 * placeholderReplacement, placeholderPrefix and placeholderSuffix; table;
 * defaultSchema and schemas (the history's schema is defaultSchema, else the
 * first of schemas); locations (only to warn when --migrations is not one of
 * them).
 */
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DbrollbackError } from '../../errors.js';
import { parseConf, parseToml, tomlToFlat } from './config-files.js';

export interface FlywayConfig {
  /** The files read, in order (empty: none found, Flyway's defaults). */
  files: string[];
  /** Flyway's working directory (`${flyway:workingDirectory}`, relative locations). */
  workingDirectory: string;
  environment: string;
  outOfOrder: boolean;
  placeholderReplacement: boolean;
  placeholderPrefix: string;
  placeholderSuffix: string;
  /** The project's placeholders (`flyway.placeholders.<name>`). */
  placeholders: Map<string, string>;
  table: string | undefined;
  /** defaultSchema, else the first of schemas; undefined: the connection's (public). */
  defaultSchema: string | undefined;
  /** The filesystem locations, as absolute directories; empty when not configured. */
  locations: string[];
}

export interface FlywayConfigOptions {
  workingDirectory?: string;
  home?: string;
}

export function loadFlywayConfig(options: FlywayConfigOptions = {}): FlywayConfig {
  const workingDirectory = path.resolve(options.workingDirectory ?? process.cwd());
  const home = options.home ?? os.homedir();
  const toml = [path.join(home, 'flyway.toml'), path.join(home, 'flyway.user.toml'), path.join(workingDirectory, 'flyway.toml'), path.join(workingDirectory, 'flyway.user.toml')];
  const legacy = [path.join(home, 'flyway.conf'), path.join(workingDirectory, 'flyway.conf')];
  const tomlFiles = unique(toml).filter((f) => existsSync(f));
  const files = tomlFiles.length > 0 ? tomlFiles : unique(legacy).filter((f) => existsSync(f));
  const flat = new Map<string, string>();
  for (const file of files) {
    const text = readText(file);
    const keys = file.endsWith('.toml') ? tomlToFlat(parseToml(text, file)) : parseConf(text);
    for (const [k, v] of keys) flat.set(k, v);
  }
  const placeholders = new Map<string, string>();
  for (const [k, v] of flat) if (k.startsWith('flyway.placeholders.')) placeholders.set(k.slice('flyway.placeholders.'.length), v);
  const list = (key: string) => (flat.get(key) ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const schemas = list('flyway.schemas');
  return {
    files,
    workingDirectory,
    environment: flat.get('flyway.environment') ?? 'default',
    outOfOrder: bool(flat, 'flyway.outOfOrder', false, files),
    placeholderReplacement: bool(flat, 'flyway.placeholderReplacement', true, files),
    placeholderPrefix: flat.get('flyway.placeholderPrefix') || '${',
    placeholderSuffix: flat.get('flyway.placeholderSuffix') || '}',
    placeholders,
    table: flat.get('flyway.table') || undefined,
    defaultSchema: flat.get('flyway.defaultSchema') || schemas[0],
    locations: list('flyway.locations').flatMap((l) => {
      // classpath: locations are inside the application's jars: nothing dbrollback can compare a directory with.
      if (l.startsWith('classpath:')) return [];
      return [path.resolve(workingDirectory, l.replace(/^filesystem:/, ''))];
    }),
  };
}

/** ConfigUtils.removeBoolean: true or false (any case), else refused as Flyway refuses it. */
function bool(flat: Map<string, string>, key: string, fallback: boolean, files: readonly string[]): boolean {
  const value = flat.get(key);
  if (value === undefined) return fallback;
  if (/^(true|false)$/i.test(value)) return value.toLowerCase() === 'true';
  throw new DbrollbackError('CONFIG_INVALID', `Invalid value for ${key} (should be either true or false): ${value} (in ${files.join(', ')})`, {
    hint: `Set ${key} to true or false in the Flyway configuration (Flyway refuses it too). Nothing was changed.`,
  });
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (cause) {
    throw new DbrollbackError('CONFIG_INVALID', `Unable to load config file: ${file} (${(cause as Error).message})`, { hint: 'Make the Flyway configuration file readable, or move it away. Nothing was changed.', cause });
  }
}

function unique(files: string[]): string[] {
  return [...new Set(files)];
}
