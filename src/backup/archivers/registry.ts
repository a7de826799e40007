/** The archivers, by kind: one member per file, opened from the run's settings. */
import { DbrollbackError } from '../../errors.js';
import type { ChildStorageAccess } from '../../storage/child-access.js';
import type { Storage } from '../../storage/contract.js';
import { BarmanCloudArchiver } from './barman-cloud.js';
import type { Archiver, ArchiverSettings } from './contract.js';
import { DbrollbackArchiver } from './dbrollback.js';
import { PgBackRestArchiver } from './pgbackrest.js';

export function openArchiver(settings: ArchiverSettings, storage: Storage | undefined, options: { storageAccess?: ChildStorageAccess } = {}): Archiver {
  switch (settings.kind) {
    case 'dbrollback':
      if (!storage) throw new DbrollbackError('USAGE', "dbrollback's own archive is in the storage, and none is configured", { hint: 'Pass --storage URL (or DBROLLBACK_STORAGE), or name your archiver with --archiver pgbackrest|barman-cloud.' });
      return new DbrollbackArchiver(storage, options);
    case 'pgbackrest':
      return new PgBackRestArchiver({ stanza: settings.stanza, ...(settings.config ? { config: settings.config } : {}) });
    case 'barman-cloud':
      return new BarmanCloudArchiver({ destination: settings.destination, serverName: settings.serverName, ...(settings.endpoint ? { endpoint: settings.endpoint } : {}) });
  }
}
