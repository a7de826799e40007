#!/usr/bin/env node
/**
 * Check that a build of `dbrollback classify` prints byte for byte what
 * another build prints (stdout of `--json` and of the human table, and the
 * exit code), on the benchmark corpus, on a generated long history whose
 * later files depend on the column types earlier ones define (renames, drops,
 * type changes, a rejected file, downs, non-ASCII text), on every folder of
 * migrations-fixtures/ and on its single .sql files. Run it before a change to
 * classify's speed is committed:
 *
 *   cp -r dist /tmp/base-dist            # main's build, before the change
 *   npm run build
 *   node bench/classify-same-output.mjs --base /tmp/base-dist/cli/main.js [--files 1000]
 *
 * Both builds share one capture cache (DBROLLBACK_CACHE_DIR, a new temporary
 * folder), filled by the base build's run, so code migrations are captured
 * once and compared on the same captured SQL. stderr (progress) is not
 * compared. Exits 1 when anything differs, naming it.
 */
import { execa } from 'execa';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { cliMain, log, root } from './common.mjs';
import { writeCorpus } from './classify-corpus.mjs';

const args = process.argv.slice(2);
const valueOf = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const base = valueOf('--base');
const candidate = valueOf('--candidate') ?? cliMain;
const files = Number(valueOf('--files') ?? 1000);
if (!base) {
  log('usage: node bench/classify-same-output.mjs --base OTHER_BUILD/cli/main.js [--candidate dist/cli/main.js] [--files 1000]');
  process.exit(2);
}

/**
 * A history where later files depend on what earlier ones did to column types (type changes judged
 * against earlier types, renamed and dropped columns and tables), with downs, a file the parser
 * rejects and non-ASCII text: wherever classify splits such a history, the answers must not change.
 */
export async function writeHistory(dir, count) {
  await mkdir(dir, { recursive: true });
  for (let i = 0; i < count; i++) {
    const n = String(i).padStart(4, '0');
    const k = i % 12;
    const up =
      i === 0
        ? 'CREATE TABLE p (id bigint PRIMARY KEY, price numeric(12,2), note varchar(20), code char(4));\nCREATE TABLE q (id int, v varchar(10));\n'
        : i === 77
          ? 'ALTER TABLE p ADD COLUMN;\n'
          : k === 0
            ? `ALTER TABLE p ALTER COLUMN price TYPE numeric(${12 + (i % 5)},${i % 4});\n-- dbrollback-ignore update-rows\nUPDATE p SET note = 'ä ${i}';\n`
            : k === 1
              ? `ALTER TABLE p ALTER COLUMN note TYPE varchar(${10 + (i % 30)});\n`
              : k === 2
                ? `ALTER TABLE q RENAME COLUMN v TO w;\nALTER TABLE q ALTER COLUMN w TYPE varchar(${5 + (i % 9)});\nALTER TABLE q RENAME COLUMN w TO v;\n`
                : k === 3
                  ? `ALTER TABLE q RENAME TO q2;\nALTER TABLE q2 ALTER COLUMN v TYPE text;\nALTER TABLE q2 RENAME TO q;\n`
                  : k === 4
                    ? `ALTER TABLE p DROP COLUMN code;\nALTER TABLE p ADD COLUMN code char(${2 + (i % 6)});\n`
                    : k === 5
                      ? `DROP TABLE q;\nCREATE TABLE q (id int, v varchar(${8 + (i % 7)}));\n`
                      : k === 6
                        ? `ALTER TABLE p ALTER COLUMN code TYPE varchar(${3 + (i % 4)});\nALTER TABLE q ALTER COLUMN v TYPE varchar(${6 + (i % 5)});\n`
                        : k === 7
                          ? `ALTER TABLE p ALTER COLUMN price TYPE numeric(${10 + (i % 7)},2);\nALTER TABLE p ALTER COLUMN id TYPE int;\n`
                          : `ALTER TABLE p ADD COLUMN c${i} text;\nCREATE INDEX i${i} ON p (c${i});\nALTER TABLE p ALTER COLUMN c${i} TYPE varchar(${i % 50 + 1});\n`;
    await writeFile(path.join(dir, `${n}_m.up.sql`), up);
    if (i % 2 === 0) await writeFile(path.join(dir, `${n}_m.down.sql`), i % 6 === 0 ? '-- dbrollback:irreversible\n' : i === 88 ? 'ALTER TABLE p DROP;\n' : `ALTER TABLE p DROP COLUMN IF EXISTS c${i};\n`);
  }
}

const work = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-same-output-'));
const cacheDir = path.join(work, 'cache');
try {
  const corpus = await writeCorpus(files);
  const history = path.join(work, 'history');
  await writeHistory(history, 300);
  const fixtures = path.join(root, 'migrations-fixtures');
  const targets = [corpus.migrations, history];
  // Every tool's project folder, every folder that holds migration files (db/migrations, src/migrations, ...), and the single .sql files.
  const walk = async (dir) => {
    const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1));
    const holds = entries.some((e) => e.isFile() && /\.(sql|js|mjs|cjs|ts|xml|ya?ml)$/.test(e.name));
    // A tool's project folder (dbmate/shop), a folder holding migrations (directly or one per sub-folder).
    if (dir !== fixtures && (holds || path.relative(fixtures, dir).split(path.sep).length === 2 || path.basename(dir) === 'migrations')) targets.push(dir);
    for (const e of entries) {
      if (e.isDirectory() && e.name !== 'node_modules' && !e.name.startsWith('.')) await walk(path.join(dir, e.name));
      else if (dir === fixtures && e.isFile() && e.name.endsWith('.sql')) targets.push(path.join(dir, e.name));
    }
  };
  await walk(fixtures);
  const env = { ...process.env, DBROLLBACK_CACHE_DIR: cacheDir };
  const run = (cli, target, json) => execa(process.execPath, [cli, 'classify', ...(json ? ['--json'] : []), target], { reject: false, env, cwd: root, stripFinalNewline: false, encoding: 'buffer' });
  let differ = 0;
  let compared = 0;
  for (const target of targets) {
    for (const json of [true, false]) {
      let a = await run(base, target, json);
      let b = await run(candidate, target, json);
      compared++;
      if (a.exitCode !== b.exitCode || Buffer.compare(a.stdout, b.stdout) !== 0) {
        // Once more, both: a run that failed for the machine's sake (its stderr says why) is not a difference.
        const [a2, b2] = [await run(base, target, json), await run(candidate, target, json)];
        for (const [first, again, build] of [[a, a2, 'base'], [b, b2, 'candidate']]) {
          if (first.exitCode !== again.exitCode || Buffer.compare(first.stdout, again.stdout) !== 0) log(`flaky ${build} run (exit ${first.exitCode} then ${again.exitCode}): ${first.stderr.toString().slice(0, 400)}`);
        }
        a = a2;
        b = b2;
      }
      const name = `${path.relative(root, target).startsWith('..') ? path.basename(target) : path.relative(root, target)} ${json ? '--json' : '(human)'}`;
      if (a.exitCode !== b.exitCode || Buffer.compare(a.stdout, b.stdout) !== 0) {
        differ++;
        log(`DIFFERS: ${name}: exit ${a.exitCode} vs ${b.exitCode}, stdout ${a.stdout.length} vs ${b.stdout.length} bytes`);
      } else {
        log(`same: ${name} (exit ${a.exitCode}, ${a.stdout.length} bytes)`);
      }
    }
  }
  await rm(path.dirname(corpus.migrations), { recursive: true, force: true });
  log(differ === 0 ? `all ${compared} outputs byte-identical` : `${differ} of ${compared} outputs differ`);
  process.exitCode = differ === 0 ? 0 : 1;
} finally {
  await rm(work, { recursive: true, force: true });
}
