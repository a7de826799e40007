/** A file given to classify that the tool does not run as a migration. */
import { DbrollbackError } from '../../errors.js';

export function notListed(file: string, why: string): DbrollbackError {
  return new DbrollbackError('NOT_A_MIGRATION', `${file} is not a migration: ${why}`, {
    hint: 'Classify the migration files of the project\'s migrations directory (and give --migrator / the config that runs them).',
  });
}
