/** Barman Cloud (Debian's barman-cli-cloud) as the archiver, against s3rver: CloudNativePG's object-store layout. */
import { archiverSuite } from './suite.js';
import { barmanCloudPrimary } from './support.js';

archiverSuite('Barman Cloud', barmanCloudPrimary);
