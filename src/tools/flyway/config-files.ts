/**
 * The text of Flyway's configuration files, read into flat `flyway.*` keys
 * as Flyway 10+ reads them (flyway-core ConfigUtils, v10–v12):
 *
 *  - legacy `.conf` files are Java properties (`key=value` or `key: value`,
 *    `#`/`!` comments, a trailing `\` continues the line), `${VAR}` expanded
 *    from the environment before parsing (ConfigUtils.expandEnvironmentVariables:
 *    an unset variable becomes '');
 *  - `.toml` files are TOML: the `[flyway]` table (and `[flyway.placeholders]`)
 *    give `flyway.<key>`; `[environments.<env>]` gives the environment's
 *    settings (`schemas`), with `[environments.<env>.flyway]` overriding the
 *    `[flyway]` ones for that environment.
 *
 * The TOML read is the subset Flyway projects write (tables, dotted and quoted
 * keys, strings, booleans, integers, arrays, inline tables); anything else is
 * refused naming the file and line, rather than guessed.
 */
import { DbrollbackError } from '../../errors.js';

/** A parsed TOML document: nested tables of values. */
export type TomlTable = { [key: string]: TomlValue };
export type TomlValue = string | number | boolean | TomlValue[] | TomlTable;

/**
 * A legacy .conf file as ConfigUtils.loadConfigurationFromString reads it:
 * each line trimmed and its backslashes kept as they are (Flyway doubles them
 * before java.util.Properties sees them, so `C:\dir` stays a path), except
 * a trailing `\` before a line that is neither blank nor a new `flyway.`
 * setting, which continues the value there; `${VAR}` expanded from the
 * environment; `key=value`, `key: value` or `key value`; `#`/`!` comments.
 */
export function parseConf(text: string, env: NodeJS.ProcessEnv = process.env): Map<string, string> {
  const expanded = text.replace(/\$\{([A-Za-z0-9_]+)\}/g, (_, name: string) => env[name] ?? '');
  const lines = expanded.replace(/\r\n?/g, '\n').split('\n').map((l) => l.trim());
  const out = new Map<string, string>();
  for (let i = 0; i < lines.length; i += 1) {
    let line = lines[i]!;
    if (line === '' || line.startsWith('#') || line.startsWith('!')) continue;
    while (line.endsWith('\\') && i + 1 < lines.length && continues(lines[i + 1]!)) line = line.slice(0, -1) + lines[(i += 1)]!;
    const sep = /^([^=:\s]*)\s*[=:\s]\s*(.*)$/s.exec(line);
    out.set(sep ? sep[1]! : line, sep ? sep[2]! : '');
  }
  return out;
}

function continues(next: string): boolean {
  return next !== '' && !(next.startsWith('flyway.') && next.includes('='));
}

/** A TOML document (the subset above); `file` names it in errors. */
export function parseToml(text: string, file: string): TomlTable {
  const root: TomlTable = {};
  let current = root;
  const src = text.replace(/\r\n?/g, '\n');
  let pos = 0;
  let line = 1;
  const fail = (what: string): never => {
    throw new DbrollbackError('CONFIG_INVALID', `${file}:${line}: ${what} (dbrollback reads the TOML Flyway projects write: tables, keys, strings, booleans, integers, arrays, inline tables)`, {
      hint: `Fix ${file} at line ${line}, or run this command with flyway itself. Nothing was changed.`,
    });
  };
  const skipBlank = (newlines: boolean) => {
    for (;;) {
      const c = src[pos];
      if (c === ' ' || c === '\t') pos += 1;
      else if (c === '#') while (pos < src.length && src[pos] !== '\n') pos += 1;
      else if (newlines && c === '\n') {
        pos += 1;
        line += 1;
      } else return;
    }
  };
  const readKeyPart = (): string => {
    const c = src[pos];
    if (c === '"' || c === "'") return readString();
    const m = /^[A-Za-z0-9_-]+/.exec(src.slice(pos));
    if (!m) return fail(`a key was expected, found ${JSON.stringify(src.slice(pos, pos + 10))}`);
    pos += m[0].length;
    return m[0];
  };
  const readKey = (): string[] => {
    const parts = [readKeyPart()];
    for (;;) {
      skipBlank(false);
      if (src[pos] !== '.') return parts;
      pos += 1;
      skipBlank(false);
      parts.push(readKeyPart());
    }
  };
  const readString = (): string => {
    const quote = src[pos]!;
    const triple = src.startsWith(quote.repeat(3), pos);
    pos += triple ? 3 : 1;
    if (triple && src[pos] === '\n') {
      pos += 1;
      line += 1;
    }
    let out = '';
    for (;;) {
      if (pos >= src.length) return fail('an unterminated string');
      const c = src[pos]!;
      if (triple ? src.startsWith(quote.repeat(3), pos) : c === quote) {
        pos += triple ? 3 : 1;
        return out;
      }
      if (c === '\n') {
        if (!triple) return fail('a line break inside a one-line string');
        line += 1;
      }
      if (c === '\\' && quote === '"') {
        const e = src[pos + 1]!;
        const simple: Record<string, string> = { b: '\b', t: '\t', n: '\n', f: '\f', r: '\r', '"': '"', '\\': '\\' };
        if (simple[e] !== undefined) {
          out += simple[e];
          pos += 2;
        } else if (e === 'u' || e === 'U') {
          const len = e === 'u' ? 4 : 8;
          out += String.fromCodePoint(parseInt(src.slice(pos + 2, pos + 2 + len), 16));
          pos += 2 + len;
        } else if (triple && e === '\n') {
          pos += 1;
          while (/\s/.test(src[pos] ?? '')) if (src[pos++] === '\n') line += 1;
        } else return fail(`an unknown escape \\${e}`);
        continue;
      }
      out += c;
      pos += 1;
    }
  };
  const readValue = (): TomlValue => {
    const c = src[pos];
    if (c === '"' || c === "'") return readString();
    if (c === '[') {
      pos += 1;
      const items: TomlValue[] = [];
      for (;;) {
        skipBlank(true);
        if (src[pos] === ']') {
          pos += 1;
          return items;
        }
        items.push(readValue());
        skipBlank(true);
        if (src[pos] === ',') pos += 1;
        else if (src[pos] !== ']') return fail('"," or "]" was expected in an array');
      }
    }
    if (c === '{') {
      pos += 1;
      const table: TomlTable = {};
      skipBlank(false);
      if (src[pos] === '}') {
        pos += 1;
        return table;
      }
      for (;;) {
        skipBlank(false);
        readPair(table);
        skipBlank(false);
        if (src[pos] === ',') pos += 1;
        else if (src[pos] === '}') {
          pos += 1;
          return table;
        } else return fail('"," or "}" was expected in an inline table');
      }
    }
    const m = /^(true|false|[+-]?[0-9][0-9_]*)(?=[\s,\]}#]|$)/.exec(src.slice(pos));
    if (!m) return fail(`a value Flyway settings use was expected, found ${JSON.stringify(src.slice(pos, pos + 15))}`);
    pos += m[0].length;
    return m[1] === 'true' ? true : m[1] === 'false' ? false : Number(m[1]!.replace(/_/g, ''));
  };
  /** `key = value` (the key dotted or quoted), stored in `table`. */
  const readPair = (table: TomlTable): void => {
    const key = readKey();
    skipBlank(false);
    if (src[pos] !== '=') return fail('"=" was expected after a key');
    pos += 1;
    skipBlank(false);
    assign(table, key, readValue());
  };
  const assign = (table: TomlTable, key: string[], value: TomlValue) => {
    let t = table;
    for (const part of key.slice(0, -1)) t = tableAt(t, part);
    const last = key.at(-1)!;
    if (last in t) fail(`the key ${key.join('.')} is defined twice`);
    t[last] = value;
  };
  const tableAt = (t: TomlTable, part: string): TomlTable => {
    const existing = t[part];
    if (existing === undefined) return (t[part] = {});
    if (typeof existing !== 'object' || Array.isArray(existing)) return fail(`${part} is a value, not a table`);
    return existing;
  };

  for (;;) {
    skipBlank(true);
    if (pos >= src.length) return root;
    if (src[pos] === '[') {
      if (src[pos + 1] === '[') return fail('arrays of tables ([[...]]) are not a Flyway setting');
      pos += 1;
      skipBlank(false);
      const key = readKey();
      if (src[pos] !== ']') return fail('"]" was expected after a table name');
      pos += 1;
      current = root;
      for (const part of key) current = tableAt(current, part);
    } else {
      readPair(current);
    }
    skipBlank(false);
    if (pos < src.length && src[pos] !== '\n') return fail('a line break was expected after a value');
  }
}

/**
 * What one TOML document sets, kept in Flyway's model's two layers: the
 * `[flyway]` keys, and per environment its `schemas` and its
 * `[environments.<env>.flyway]` keys. Arrays become comma-separated lists,
 * as the .conf form writes them.
 */
export interface TomlSettings {
  /** `flyway.<key>` of the `[flyway]` table (placeholders as `flyway.placeholders.<name>`). */
  flyway: Map<string, string>;
  environments: Map<string, { schemas?: string; flyway: Map<string, string> }>;
}

export function tomlSettings(doc: TomlTable): TomlSettings {
  const environments = new Map<string, { schemas?: string; flyway: Map<string, string> }>();
  for (const [name, value] of Object.entries(asTable(doc.environments))) {
    const env = asTable(value);
    environments.set(name, { ...(env.schemas !== undefined ? { schemas: scalar(env.schemas) } : {}), flyway: flatten(asTable(env.flyway)) });
  }
  return { flyway: flatten(asTable(doc.flyway)), environments };
}

/** ConfigurationModel.merge: the later file's settings win key by key (placeholders name by name). */
export function mergeTomlSettings(base: TomlSettings, later: TomlSettings): TomlSettings {
  const environments = new Map(base.environments);
  for (const [name, env] of later.environments) {
    const prior = environments.get(name);
    const schemas = env.schemas ?? prior?.schemas;
    environments.set(name, { ...(schemas !== undefined ? { schemas } : {}), flyway: new Map([...(prior?.flyway ?? []), ...env.flyway]) });
  }
  return { flyway: new Map([...base.flyway, ...later.flyway]), environments };
}

/**
 * The `flyway.*` keys in effect, as ClassicConfiguration reads a TOML model:
 * the environment is `[flyway] environment` (default "default"); its
 * `schemas` are the schemas; each setting of its `[environments.<env>.flyway]`
 * wins over the `[flyway]` one — placeholders as a whole map
 * (getPlaceholders takes the environment's map when it has one).
 */
export function resolveTomlSettings(settings: TomlSettings): Map<string, string> {
  const environment = settings.flyway.get('flyway.environment') ?? 'default';
  const env = settings.environments.get(environment);
  const out = new Map(settings.flyway);
  if (env?.schemas !== undefined) out.set('flyway.schemas', env.schemas);
  const overrides = env?.flyway ?? new Map<string, string>();
  if ([...overrides.keys()].some(isPlaceholder)) for (const key of [...out.keys()].filter(isPlaceholder)) out.delete(key);
  for (const [k, v] of overrides) out.set(k, v);
  out.set('flyway.environment', environment);
  return out;
}

/** One document's keys in effect (no other file, no environment variable). */
export function tomlToFlat(doc: TomlTable): Map<string, string> {
  return resolveTomlSettings(tomlSettings(doc));
}

function isPlaceholder(key: string): boolean {
  return key.startsWith('flyway.placeholders.');
}

function flatten(table: TomlTable): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of Object.entries(table)) {
    if (key === 'placeholders' && typeof value === 'object' && !Array.isArray(value)) {
      for (const [name, v] of Object.entries(value)) out.set(`flyway.placeholders.${name}`, scalar(v));
    } else if (typeof value !== 'object' || Array.isArray(value)) out.set(`flyway.${key}`, scalar(value));
  }
  return out;
}

function asTable(v: TomlValue | undefined): TomlTable {
  return v !== undefined && typeof v === 'object' && !Array.isArray(v) ? v : {};
}

function scalar(v: TomlValue): string {
  return Array.isArray(v) ? v.map((x) => scalar(x)).join(',') : typeof v === 'object' ? '' : String(v);
}
