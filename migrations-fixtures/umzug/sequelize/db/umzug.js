'use strict';
/**
 * The project's own migrator, as CommonJS projects that grew out of
 * sequelize-cli write it: Sequelize's queryInterface as umzug's context,
 * SequelizeStorage (a `SequelizeMeta` table with only a `name` column: no
 * applied-at times), and a resolver that `require`s each file and calls it
 * with sequelize-cli's `(queryInterface, Sequelize)` signature.
 */
const path = require('node:path');
const { Sequelize } = require('sequelize');
const { Umzug, SequelizeStorage } = require('umzug');

function makeUmzug(sequelize, { migrationsDir = path.join(__dirname, '..', 'migrations'), logger = undefined } = {}) {
  return new Umzug({
    migrations: {
      glob: ['*.js', { cwd: migrationsDir }],
      resolve: ({ name, path: file, context }) => {
        const migration = require(file);
        return {
          name,
          path: file,
          up: async () => migration.up(context, Sequelize),
          down: async () => migration.down(context, Sequelize),
        };
      },
    },
    context: sequelize.getQueryInterface(),
    storage: new SequelizeStorage({ sequelize }),
    logger,
  });
}

module.exports = { makeUmzug };
