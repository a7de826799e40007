/** pgBackRest (Debian's package) as the archiver, with a repository on local disk (pgBackRest reaches S3 only over TLS; s3rver serves plain HTTP). */
import { archiverSuite } from './suite.js';
import { pgBackRestPrimary } from './support.js';

archiverSuite('pgBackRest', pgBackRestPrimary);
