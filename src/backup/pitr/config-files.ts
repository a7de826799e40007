/**
 * A base backup holds the data directory, and only what is in it. Debian's
 * and Ubuntu's packages keep a cluster's postgresql.conf, pg_hba.conf and
 * pg_ident.conf outside it (/etc/postgresql/<major>/<cluster>), so a base
 * backup of such a cluster has none of them and PostgreSQL will not start on
 * the copy. The copy gets minimal ones: an empty postgresql.conf (the
 * cluster's ALTER SYSTEM settings are in postgresql.auto.conf, which the
 * backup does hold, and recovery's own settings go there too), a pg_hba.conf
 * that admits password logins on loopback (the copy listens nowhere else),
 * and an empty pg_ident.conf. Files the backup holds are left as they are.
 */
import { access, chown, writeFile } from 'node:fs/promises';
import path from 'node:path';

const NOTE = '# Written by dbrollback: the base backup held no such file (the cluster kept its configuration outside its data directory).\n';

const FILES: Record<string, string> = {
  'postgresql.conf': `${NOTE}# Settings of the cluster made with ALTER SYSTEM, and recovery's, are in postgresql.auto.conf.\n`,
  // md5 also accepts roles whose password is stored as SCRAM (the server then uses SCRAM).
  'pg_hba.conf': `${NOTE}host all all 127.0.0.1/32 md5\nhost all all ::1/128 md5\n`,
  'pg_ident.conf': NOTE,
};

/** Write the configuration files the data directory lacks; the names of those written. */
export async function ensureConfigFiles(dataDir: string, ids: [number, number] | undefined): Promise<string[]> {
  const written: string[] = [];
  for (const [name, text] of Object.entries(FILES)) {
    const file = path.join(dataDir, name);
    if (await access(file).then(() => true, () => false)) continue;
    await writeFile(file, text, { mode: 0o600, flag: 'wx' });
    if (ids) await chown(file, ...ids);
    written.push(name);
  }
  return written;
}
