/**
 * A Sqitch project as Sqitch 1.3 lays it out: `sqitch.conf` (git-config
 * syntax; read here: core.top_dir, core.plan_file, core.deploy_dir,
 * core.revert_dir, core.verify_dir, core.engine, engine.pg.registry), the
 * plan (`sqitch.plan`: `%project=` pragma, one change per line —
 * `name [requires] planned-at planner <email> # note` — and `@tag` lines),
 * and one deploy, revert and verify script per change. A change reworked
 * later in the plan keeps its earlier scripts as `name@tag.sql` and is named
 * `name@tag`, the tag chosen as Sqitch 1.3 chooses it (App::Sqitch::Plan:
 * the tags between the change and its rework, newest first, then its own).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { DbrollbackError } from '../../errors.js';

export interface SqitchChange {
  /** The name dbrollback shows and --to takes: the change's name, or `name@tag` for a reworked one's earlier instance. */
  name: string;
  /** The name Sqitch records in its registry (`changes.change`). */
  change: string;
  /** Tags set on it (`@v1.0`), as Sqitch writes them in the registry and --to accepts them. */
  tags: string[];
  requires: string[];
  note: string;
  deploy: string;
  revert: string;
  verify: string;
  /** Line of the change in the plan. */
  line: number;
}

export interface SqitchProject {
  dir: string;
  project: string;
  planFile: string;
  /** The registry schema (engine.pg.registry, default sqitch). */
  registry: string;
  /** Where the deploy scripts are (core.deploy_dir, default TOP/deploy). */
  deployDir: string;
  changes: SqitchChange[];
}

const CHANGE_LINE = /^([^\s@#%][^\s]*)(?:\s+\[([^\]]*)\])?\s+(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)\s+(.*?)\s*<([^>]*)>(?:\s+#\s?(.*))?$/;
const TAG_LINE = /^@(\S+)\s+(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)\s+(.*?)\s*<([^>]*)>(?:\s+#\s?(.*))?$/;

export async function loadProject(dir: string): Promise<SqitchProject> {
  return readProject(dir);
}

/** loadProject's work, synchronously (classify lists a project's deploy scripts while it reads a folder). */
export function readProject(dir: string): SqitchProject {
  let configText = '';
  try {
    configText = readFileSync(path.join(dir, 'sqitch.conf'), 'utf8');
  } catch {
    // No sqitch.conf: Sqitch's defaults.
  }
  const config = parseConfig(configText);
  const engine = config.get('core.engine');
  if (engine !== undefined && engine !== 'pg') {
    throw new DbrollbackError('MIGRATIONS_INVALID', `the Sqitch project in ${dir} is for the ${engine} engine (sqitch.conf core.engine); dbrollback works with PostgreSQL (pg)`, {
      hint: 'Point --migrations at a Sqitch project whose engine is pg.',
    });
  }
  const top = path.resolve(dir, config.get('core.top_dir') ?? '.');
  const planFile = path.resolve(dir, config.get('core.plan_file') ?? path.join(top, 'sqitch.plan'));
  let text: string;
  try {
    text = readFileSync(planFile, 'utf8');
  } catch (cause) {
    throw new DbrollbackError('MIGRATIONS_INVALID', `cannot read the Sqitch plan ${planFile}: ${(cause as Error).message}`, {
      hint: 'Pass --migrations DIR pointing at the directory that holds sqitch.conf and sqitch.plan.',
      cause,
    });
  }
  const dirs = {
    deploy: path.resolve(dir, config.get('core.deploy_dir') ?? path.join(top, 'deploy')),
    revert: path.resolve(dir, config.get('core.revert_dir') ?? path.join(top, 'revert')),
    verify: path.resolve(dir, config.get('core.verify_dir') ?? path.join(top, 'verify')),
  };
  const { project, entries } = parsePlan(text, planFile);
  const changes: SqitchChange[] = entries.map((e, i) => {
    const next = entries.findIndex((later, j) => j > i && later.change === e.change);
    if (next === -1) {
      const file = `${e.change}.sql`;
      return { ...e, name: e.change, deploy: path.join(dirs.deploy, file), revert: path.join(dirs.revert, file), verify: path.join(dirs.verify, file) };
    }
    // An earlier instance of a change reworked later: Sqitch's rework tags are the tags between it and its rework,
    // newest first, then its own; its scripts are `name@tag.sql` for the first of those tags whose deploy script
    // exists (else the newest: what `sqitch rework` writes), and it is named by its own first tag, else the newest.
    const reworkTags: string[] = [];
    for (let j = next - 1; j > i; j--) reworkTags.push(...entries[j]!.tags);
    reworkTags.push(...e.tags);
    if (reworkTags.length === 0) throw new DbrollbackError('MIGRATIONS_INVALID', `${planFile}:${e.line}: ${e.change} is reworked later in the plan without a tag between (Sqitch requires one)`, { hint: 'Fix the plan with `sqitch rework`.' });
    const fileTag = reworkTags.find((tag) => existsSync(path.join(dirs.deploy, `${e.change}${tag}.sql`))) ?? reworkTags[0]!;
    const file = `${e.change}${fileTag}.sql`;
    return { ...e, name: `${e.change}${e.tags[0] ?? reworkTags[0]!}`, deploy: path.join(dirs.deploy, file), revert: path.join(dirs.revert, file), verify: path.join(dirs.verify, file) };
  });
  const registry = config.get('engine.pg.registry') ?? 'sqitch';
  return { dir, project, planFile, registry, deployDir: dirs.deploy, changes };
}

/** The registry schema sqitch.conf names (engine.pg.registry), else Sqitch's default. */
export function registryOf(dir: string): string {
  let text = '';
  try {
    text = readFileSync(path.join(dir, 'sqitch.conf'), 'utf8');
  } catch {
    // No sqitch.conf: Sqitch's defaults.
  }
  return parseConfig(text).get('engine.pg.registry') ?? 'sqitch';
}

interface PlanEntry {
  change: string;
  tags: string[];
  requires: string[];
  note: string;
  line: number;
}

export function parsePlan(text: string, planFile: string): { project: string; entries: PlanEntry[] } {
  let project: string | undefined;
  const entries: PlanEntry[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    if (line.startsWith('%')) {
      const pragma = /^%\s*project\s*=\s*(\S+)/.exec(line);
      if (pragma) project = pragma[1];
      return;
    }
    const tag = TAG_LINE.exec(line);
    if (tag) {
      const last = entries.at(-1);
      if (!last) throw new DbrollbackError('MIGRATIONS_INVALID', `${planFile}:${i + 1}: a tag before any change`, { hint: 'Fix the plan: a tag follows the change it marks.' });
      last.tags.push(`@${tag[1]}`);
      return;
    }
    const change = CHANGE_LINE.exec(line);
    if (!change) throw new DbrollbackError('MIGRATIONS_INVALID', `${planFile}:${i + 1}: not a line Sqitch's plan format has: ${line}`, { hint: 'Fix the plan (`sqitch plan` shows how Sqitch reads it).' });
    entries.push({ change: change[1]!, tags: [], requires: (change[2] ?? '').split(/\s+/).filter((r) => r !== '' && !r.startsWith('!')), note: change[6] ?? '', line: i + 1 });
  });
  if (project === undefined) throw new DbrollbackError('MIGRATIONS_INVALID', `${planFile} has no %project= pragma`, { hint: 'A Sqitch plan starts with %syntax-version and %project (sqitch init writes them).' });
  return { project, entries };
}

/** sqitch.conf, git-config syntax: `section.key` (and `section.subsection.key`) → value; comments and blank lines skipped. */
export function parseConfig(text: string): Map<string, string> {
  const out = new Map<string, string>();
  let section = '';
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[\s*([^\s\]"]+)(?:\s+"([^"]*)")?\s*\]$/.exec(line);
    if (header) {
      section = header[2] !== undefined ? `${header[1]!.toLowerCase()}.${header[2]}` : header[1]!.toLowerCase();
      continue;
    }
    const entry = /^([A-Za-z][\w-]*)\s*(?:=\s*(.*))?$/.exec(line);
    if (entry) out.set(`${section}.${entry[1]!.toLowerCase()}`, (entry[2] ?? 'true').replace(/\s+[#;].*$/, '').replace(/^"(.*)"$/, '$1'));
  }
  return out;
}
