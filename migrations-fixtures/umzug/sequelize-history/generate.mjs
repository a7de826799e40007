#!/usr/bin/env node
/**
 * Writes a long CommonJS umzug/Sequelize migration history — the shape of a
 * project that has lived for years: ~300 sequelize-cli-style migrations over
 * a few dozen tables, with the patterns such histories accumulate (tables and
 * their indexes, columns added, widened and renamed, changeColumn's
 * nullability/default/type triples, seeded lookup tables, backfills that log
 * their progress, enum values added with a down that throws, data fixes that
 * cannot be undone, downs left as the generator's comment template).
 *
 * Deterministic: the same count gives the same files, byte for byte.
 *
 *   node generate.mjs DIR [COUNT]     (COUNT defaults to 300)
 *
 * DIR receives migrations/, db/umzug.js, package.json and
 * dbrollback.config.mjs (the same set-up as ../sequelize).
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

/** A small seeded PRNG (mulberry32): the history must not change between runs. */
function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NOUNS = ['customer', 'order', 'invoice', 'payment', 'shipment', 'product', 'warehouse', 'supplier', 'coupon', 'review', 'ticket', 'agent', 'team', 'project', 'task', 'comment', 'document', 'folder', 'report', 'alert', 'device', 'session', 'audit_entry', 'webhook', 'integration', 'plan', 'subscription', 'usage_record', 'credit_note', 'refund', 'carrier', 'region', 'tax_rate', 'price_list', 'catalog', 'bundle'];
const EXTRA = ['notes', 'external_ref', 'label', 'source', 'channel', 'priority', 'score', 'locale', 'color', 'archived_at', 'approved_at', 'metadata_json', 'checksum', 'version_tag', 'owner_email'];

const header = "'use strict';\n\n/** @type {import('sequelize-cli').Migration} */\n";
const TEMPLATE_DOWN = `  async down(queryInterface, Sequelize) {
    /**
     * Add reverting commands here.
     *
     * Example:
     * await queryInterface.dropTable('users');
     */
  },
`;

export function history(count = 300) {
  const rnd = random(20240101);
  const pick = (list) => list[Math.floor(rnd() * list.length)];
  const tables = []; // { name, columns: Map(name → { type, length, nullable }), enum?: { type, values } }
  const files = [];
  let clock = Date.UTC(2021, 0, 4, 9, 0, 0);
  const stamp = () => {
    clock += (1 + Math.floor(rnd() * 96)) * 3600_000 + Math.floor(rnd() * 3600) * 1000;
    return new Date(clock).toISOString().replace(/[-:T]/g, '').slice(0, 14);
  };
  const add = (slug, body) => files.push({ name: `${stamp()}-${slug}.js`, text: header + body });
  let seq = 0;

  const createTable = () => {
    const noun = NOUNS[tables.length % NOUNS.length] + (tables.length >= NOUNS.length ? `_${Math.floor(tables.length / NOUNS.length) + 1}` : '');
    const name = `${noun}s`;
    const parent = tables.length > 0 && rnd() < 0.6 ? pick(tables) : null;
    const withEnum = rnd() < 0.25;
    const columns = new Map([['id', { type: 'INTEGER' }], ['title', { type: 'STRING', length: 120, nullable: false }]]);
    const lines = [
      "      id: { type: Sequelize.INTEGER, primaryKey: true, autoIncrement: true, allowNull: false },",
      "      title: { type: Sequelize.STRING(120), allowNull: false },",
    ];
    if (parent) {
      lines.push(`      ${parent.name.replace(/s$/, '')}_id: { type: Sequelize.INTEGER, references: { model: '${parent.name}', key: 'id' }, onDelete: 'SET NULL' },`);
      columns.set(`${parent.name.replace(/s$/, '')}_id`, { type: 'INTEGER', nullable: true });
    }
    let enumInfo;
    let pre = '';
    let post = '';
    if (withEnum) {
      enumInfo = { type: `${name}_state`, values: ['new', 'active', 'closed'] };
      pre = `    await queryInterface.sequelize.query("CREATE TYPE ${enumInfo.type} AS ENUM ('new', 'active', 'closed')");\n`;
      lines.push(`      state: { type: '${enumInfo.type}', allowNull: false, defaultValue: 'new' },`);
      post = `    await queryInterface.sequelize.query('DROP TYPE ${enumInfo.type}');\n`;
    }
    lines.push("      created_at: { type: Sequelize.DATE, allowNull: false, defaultValue: Sequelize.literal('now()') },");
    const index = parent ? `    await queryInterface.addIndex('${name}', ['${parent.name.replace(/s$/, '')}_id']);\n` : '';
    tables.push({ name, columns, enum: enumInfo });
    add(`create-${name.replace(/_/g, '-')}`, `module.exports = {
  async up(queryInterface, Sequelize) {
${pre}    await queryInterface.createTable('${name}', {
${lines.join('\n')}
    });
${index}  },

  async down(queryInterface) {
    await queryInterface.dropTable('${name}');
${post}  },
};
`);
  };

  const addColumn = (t) => {
    const free = EXTRA.filter((c) => !t.columns.has(c));
    if (free.length === 0) return false;
    const column = pick(free);
    const isDate = column.endsWith('_at');
    const length = [32, 64, 100, 255][Math.floor(rnd() * 4)];
    t.columns.set(column, isDate ? { type: 'DATE', nullable: true } : { type: 'STRING', length, nullable: true });
    add(`add-${t.name}-${column}`.replace(/_/g, '-'), `module.exports = {
  up: (queryInterface, Sequelize) =>
    queryInterface.addColumn('${t.name}', '${column}', { type: ${isDate ? 'Sequelize.DATE' : `Sequelize.STRING(${length})`} }),
  down: (queryInterface) => queryInterface.removeColumn('${t.name}', '${column}'),
};
`);
    return true;
  };

  const widen = (t) => {
    const strings = [...t.columns].filter(([, c]) => c.type === 'STRING' && c.length < 2000);
    if (strings.length === 0) return false;
    const [column, c] = pick(strings);
    const to = c.length * 4;
    const allowNull = c.nullable !== false;
    add(`widen-${t.name}-${column}`.replace(/_/g, '-'), `// changeColumn sends nullability, default and type together.
module.exports = {
  up: async (queryInterface, Sequelize) => {
    await queryInterface.changeColumn('${t.name}', '${column}', { type: Sequelize.STRING(${to}), allowNull: ${allowNull} });
  },
  down: async (queryInterface, Sequelize) => {
    await queryInterface.changeColumn('${t.name}', '${column}', { type: Sequelize.STRING(${c.length}), allowNull: ${allowNull} });
  },
};
`);
    c.length = to;
    return true;
  };

  const addIndex = (t, template) => {
    const candidates = [...t.columns.keys()].filter((c) => c !== 'id');
    const column = pick(candidates);
    const index = `${t.name}_${column}_idx${++seq}`;
    add(`index-${t.name}-${column}`.replace(/_/g, '-'), `module.exports = {
  async up(queryInterface) {
    await queryInterface.addIndex('${t.name}', ['${column}'], { name: '${index}' });
  },

${template ? TEMPLATE_DOWN : `  async down(queryInterface) {
    await queryInterface.removeIndex('${t.name}', '${index}');
  },
`}};
`);
  };

  const backfill = (t) => {
    const strings = [...t.columns].filter(([name, c]) => c.type === 'STRING' && name !== 'title');
    if (strings.length === 0) return false;
    const [column] = pick(strings);
    add(`backfill-${t.name}-${column}`.replace(/_/g, '-'), `module.exports = {
  up: async (queryInterface) => {
    console.log('Backfilling ${t.name}.${column}…');
    const [, result] = await queryInterface.sequelize.query("UPDATE ${t.name} SET ${column} = 'unknown' WHERE ${column} IS NULL");
    console.log(\`done: \${result.rowCount} rows\`);
  },
  down: async () => {},
};
`);
    return true;
  };

  const rename = (t) => {
    const extras = [...t.columns.keys()].filter((c) => EXTRA.includes(c));
    if (extras.length === 0) return false;
    const from = pick(extras);
    const to = `${from}_v2`;
    if (t.columns.has(to)) return false;
    t.columns.set(to, t.columns.get(from));
    t.columns.delete(from);
    add(`rename-${t.name}-${from}`.replace(/_/g, '-'), `module.exports = {
  up: (queryInterface) => queryInterface.renameColumn('${t.name}', '${from}', '${to}'),
  down: (queryInterface) => queryInterface.renameColumn('${t.name}', '${to}', '${from}'),
};
`);
    return true;
  };

  const enumValue = (t) => {
    if (!t.enum) return false;
    const value = `state_${t.enum.values.length + 1}`;
    t.enum.values.push(value);
    add(`add-${t.name}-${value}`.replace(/_/g, '-'), `module.exports = {
  up: async (queryInterface) => {
    await queryInterface.sequelize.query("ALTER TYPE ${t.enum.type} ADD VALUE '${value}'");
  },
  down: async () => {
    throw new Error('irreversible: PostgreSQL cannot drop the enum value ${value}');
  },
};
`);
    return true;
  };

  const dataFix = (t) => {
    add(`purge-stale-${t.name}`.replace(/_/g, '-'), `module.exports = {
  up: async (queryInterface) => {
    await queryInterface.sequelize.query("DELETE FROM ${t.name} WHERE created_at < now() - interval '10 years'");
  },
  down: () => {
    throw new Error('the purged rows are gone: restore from a backup');
  },
};
`);
    return true;
  };

  const seed = () => {
    const name = `lookup_${tables.length}`;
    tables.push({ name, columns: new Map([['id', { type: 'INTEGER' }], ['code', { type: 'STRING', length: 16, nullable: false }]]) });
    add(`create-${name.replace(/_/g, '-')}-seeded`, `module.exports = {
  async up(queryInterface, Sequelize) {
    await queryInterface.createTable('${name}', {
      id: { type: Sequelize.INTEGER, primaryKey: true, autoIncrement: true },
      code: { type: Sequelize.STRING(16), allowNull: false, unique: true },
    });
    await queryInterface.bulkInsert('${name}', [{ code: 'a' }, { code: 'b' }, { code: 'c' }]);
  },
  async down(queryInterface) {
    await queryInterface.dropTable('${name}');
  },
};
`);
  };

  while (files.length < count) {
    const r = rnd();
    if (tables.length < 3 || r < 0.12) createTable();
    else if (r < 0.16) seed();
    else {
      const t = pick(tables.filter((x) => !x.name.startsWith('lookup_')).length > 0 ? tables.filter((x) => !x.name.startsWith('lookup_')) : tables);
      const kind = rnd();
      const done =
        kind < 0.3 ? addColumn(t)
        : kind < 0.45 ? widen(t)
        : kind < 0.6 ? (addIndex(t, rnd() < 0.15), true)
        : kind < 0.7 ? backfill(t)
        : kind < 0.8 ? rename(t)
        : kind < 0.88 ? enumValue(t)
        : kind < 0.92 ? dataFix(t)
        : addColumn(t);
      if (!done) addIndex(t, false);
    }
  }
  return files.slice(0, count);
}

async function main() {
  const [dir, countArg] = process.argv.slice(2);
  if (!dir) {
    console.error('usage: node generate.mjs DIR [COUNT]');
    process.exit(2);
  }
  await writeHistory(dir, countArg ? Number(countArg) : 300);
}

/** Write the project (migrations, db/umzug.js, package.json, config) into `dir`. */
export async function writeHistory(dir, count = 300) {
  const project = path.join(here, '..', 'sequelize');
  await mkdir(path.join(dir, 'migrations'), { recursive: true });
  await mkdir(path.join(dir, 'db'), { recursive: true });
  for (const file of ['package.json', 'db/umzug.js', 'dbrollback.config.mjs']) {
    await writeFile(path.join(dir, file), await readFile(path.join(project, file)));
  }
  for (const f of history(count)) await writeFile(path.join(dir, 'migrations', f.name), f.text);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
