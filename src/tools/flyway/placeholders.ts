/**
 * Flyway's placeholder replacement in SQL scripts (flyway-core
 * PlaceholderReplacingReader and ParsingContext, v10–v12): every
 * `<prefix>name<suffix>` (`${name}` by default) is replaced by the project's
 * value of `name` or a built-in one; a name with no value stops the script
 * ("No value provided for placeholder"). Built-ins: `flyway:defaultSchema`,
 * `flyway:user`, `flyway:database`, `flyway:timestamp` (yyyy-MM-dd HH:mm:ss,
 * local time, when the run started), `flyway:filename` (the script's file
 * name), `flyway:workingDirectory`, `flyway:table`, `flyway:environment`.
 *
 * The checksum Flyway records (SqlMigrationResolver.getChecksumForLoadableResource):
 * a versioned or undo script's is its file's own text's; a repeatable's, with
 * placeholderReplacement on (the default), is the replaced text's — so a
 * repeatable is applied again when a placeholder's value changes, and one
 * that uses `${flyway:timestamp}` on every migrate. Its file's own checksum
 * still counts as a match (ResolvedMigrationImpl.checksumMatches, the
 * "equivalent checksum").
 */
import { DbrollbackError } from '../../errors.js';
import { flywayChecksum } from './checksum.js';
import type { FlywayConfig } from './config.js';
import type { FlywayScript } from './files.js';

/** What the built-ins are on this connection, for one run. */
export interface PlaceholderContext {
  config: FlywayConfig;
  defaultSchema: string;
  table: string;
  user: string;
  database: string;
  /** The run's start: `${flyway:timestamp}`. */
  startedAt: Date;
}

export function builtIns(ctx: PlaceholderContext): Map<string, string> {
  return new Map([
    ['flyway:defaultSchema', ctx.defaultSchema],
    ['flyway:user', ctx.user],
    ['flyway:database', ctx.database],
    ['flyway:timestamp', timestamp(ctx.startedAt)],
    ['flyway:workingDirectory', ctx.config.workingDirectory],
    ['flyway:table', ctx.table],
    ['flyway:environment', ctx.config.environment],
  ]);
}

/** The script's text as Flyway sends it (unchanged when placeholderReplacement is off). */
export function replacePlaceholders(text: string, script: FlywayScript, ctx: PlaceholderContext): string {
  const { config } = ctx;
  if (!config.placeholderReplacement) return text;
  const values = builtIns(ctx);
  values.set('flyway:filename', script.script.split('/').at(-1)!);
  for (const [name, value] of config.placeholders) values.set(name, value);
  const { placeholderPrefix: prefix, placeholderSuffix: suffix } = config;
  const missing = new Set<string>();
  let out = '';
  let at = 0;
  for (;;) {
    const start = text.indexOf(prefix, at);
    const end = start < 0 ? -1 : text.indexOf(suffix, start + prefix.length);
    if (start < 0 || end < 0) return finish(out + text.slice(at));
    const name = text.slice(start + prefix.length, end);
    const value = values.get(name);
    if (value === undefined) missing.add(name);
    out += text.slice(at, start) + (value ?? text.slice(start, end + suffix.length));
    at = end + suffix.length;
  }

  function finish(result: string): string {
    if (missing.size === 0) return result;
    const named = [...missing].map((n) => `${prefix}${n}${suffix}`).join(', ');
    const read = [...config.files, ...config.environmentVariables];
    throw new DbrollbackError('PLACEHOLDER_MISSING', `${script.script}: No value provided for placeholder${missing.size === 1 ? '' : 's'} ${named} (Flyway refuses it too). ${read.length > 0 ? `The Flyway configuration read: ${read.join(', ')}.` : 'No Flyway configuration was found (flyway.toml, flyway.user.toml or flyway.conf in the working directory or your home; FLYWAY_* environment variables).'} Nothing was run.`, {
      hint: `Give ${named} a value in the Flyway configuration ([flyway.placeholders] in flyway.toml, or flyway.placeholders.<name>=... in flyway.conf, in the directory you run dbrollback from), or in the environment variable FLYWAY_PLACEHOLDERS_<NAME> (Flyway lower-cases the name).`,
      details: { placeholders: [...missing], configFiles: config.files, environmentVariables: config.environmentVariables },
    });
  }
}

/** The checksum Flyway records for the script, and the other one that still counts as a match (a repeatable's raw text's). */
export function checksumsOf(script: FlywayScript & { kind: string }, raw: string, ctx: PlaceholderContext): { checksum: number; equivalent: number | null } {
  const own = flywayChecksum(raw);
  if (script.kind !== 'repeatable' || !ctx.config.placeholderReplacement) return { checksum: own, equivalent: null };
  return { checksum: flywayChecksum(replacePlaceholders(raw, script, ctx)), equivalent: own };
}

/** SimpleDateFormat("yyyy-MM-dd HH:mm:ss") in the JVM's (this process's) time zone. */
function timestamp(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}
