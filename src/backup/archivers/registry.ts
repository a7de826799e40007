/** The archivers, by kind: one member per file, opened from the run's settings. */
import type { ChildStorageAccess } from '../../storage/child-access.js';
import type { Storage } from '../../storage/contract.js';
import { BarmanCloudArchiver } from './barman-cloud.js';
import type { Archiver, ArchiverSettings } from './contract.js';
import { DbrollbackArchiver } from './dbrollback.js';
import { PgBackRestArchiver } from './pgbackrest.js';

export function openArchiver(settings: ArchiverSettings, storage: Storage, options: { storageAccess?: ChildStorageAccess } = {}): Archiver {
  switch (settings.kind) {
    case 'dbrollback':
      return new DbrollbackArchiver(storage, options);
    case 'pgbackrest':
      return new PgBackRestArchiver({ stanza: settings.stanza, ...(settings.config ? { config: settings.config } : {}) });
    case 'barman-cloud':
      return new BarmanCloudArchiver({ destination: settings.destination, serverName: settings.serverName, ...(settings.endpoint ? { endpoint: settings.endpoint } : {}) });
  }
}
