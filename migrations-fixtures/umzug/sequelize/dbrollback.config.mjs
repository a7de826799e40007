/**
 * dbrollback config for a CommonJS Sequelize project. The project's migrator
 * (db/umzug.js) and its migrations are CommonJS: createRequire loads them
 * exactly as the project's own scripts do.
 *
 * `umzug` is a function so that dbrollback can run the migrations in a
 * throwaway database (to see their SQL) as well as on yours; `closeUmzug`
 * closes the Sequelize pool each instance opened, so the command ends as soon
 * as its work is done.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { Sequelize } = require('sequelize');
const { makeUmzug } = require('./db/umzug.js');

export function umzug({ databaseUrl, migrationsDir }) {
  const sequelize = new Sequelize(databaseUrl, { dialect: 'postgres', logging: false });
  return makeUmzug(sequelize, migrationsDir ? { migrationsDir } : {});
}

export async function closeUmzug(instance) {
  await instance.options.context.sequelize.close();
}

/** SequelizeStorage's table: undo changes its rows, and verify must expect that. */
export const migrationsTable = 'SequelizeMeta';
