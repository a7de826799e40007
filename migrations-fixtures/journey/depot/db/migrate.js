'use strict';
/** `npm run migrate -- up --step 3`, `-- down`, `-- executed`: umzug's own CLI over the project's migrator. */
const { makeMigrator } = require('./umzug');

const migrator = makeMigrator({ logger: console });
migrator
  .runAsCLI()
  .finally(() => migrator.options.context.end())
  .then((ok) => {
    if (!ok) process.exitCode = 1;
  });
