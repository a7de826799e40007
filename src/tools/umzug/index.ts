/**
 * umzug: the project's own Umzug instance (exported as `umzug` from
 * dbrollback.config.mjs/js) applies and undoes; its history is whatever
 * storage the instance has. Its migrations are code: their SQL is captured
 * by running them in a throwaway database.
 */
import { quoteQualified } from '../../db/connection.js';
import type { MigrationTool } from '../tool.js';
import { captureDowns, captureFiles } from './cached-capture.js';
import { detectUmzug } from './detect.js';
import { createUmzugAdapter } from './run.js';

export const umzug: MigrationTool<'umzug'> = {
  kind: 'umzug',
  displayName: 'umzug',
  // The instance finds its own migrations.
  needsMigrationsDir: false,
  hasDowns: true,
  // umzug takes no lock of its own.
  locks: [],
  detect: detectUmzug,
  // umzug's SequelizeStorage default; any other storage is the project's own (named by `migrationsTable`).
  historyTables: () => [{ schema: 'public', table: 'SequelizeMeta', columns: ['name'] }],
  // SequelizeMeta holds names in no order (createdAt, when kept, is the run's time): the head is the last of the instance's migration list it records.
  readHead: async (db) => {
    const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${quoteQualified('public', 'SequelizeMeta')}`);
    if (rows[0]?.n === 0) return { head: null };
    return { unnamed: "umzug's SequelizeMeta records the names executed, in no order, and the head is the last of them in the Umzug instance's migration list" };
  },
  open: createUmzugAdapter,
  capture: { files: captureFiles, downs: captureDowns },
  migrationsTableHelp: "your storage's table",
  configKeys: [
    { key: 'umzug', help: 'umzug only (.mjs/.js config): your Umzug instance, or a function ({ databaseUrl }) => Umzug' },
    { key: 'closeUmzug', help: 'umzug only (.mjs/.js config): an async function (instance) => void closing what an Umzug instance opened (e.g. its Sequelize pool), called when dbrollback is done with it' },
  ],
};
