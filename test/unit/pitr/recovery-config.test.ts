/** The settings a restored copy starts with: its WAL from wal-fetch, the target, promotion, and never archiving. */
import { describe, expect, it } from 'vitest';
import { confString, recoverySettings, renderSettings, shellQuote } from '../../../src/backup/pitr/recovery-config.js';
import { parseRecoveryTarget } from '../../../src/backup/pitr/target.js';

const input = (over: Partial<Parameters<typeof recoverySettings>[0]> = {}) => ({
  target: parseRecoveryTarget({ pointInTime: '2026-01-02T14:30:00Z', now: new Date('2026-06-01T00:00:00Z') }),
  timeline: 1,
  port: 54999,
  node: '/usr/bin/node',
  cli: '/opt/dbrollback/dist/cli/main.js',
  storageArgs: ['--storage', 's3://backups/prod?endpoint=http://127.0.0.1:9000&forcePathStyle=true'],
  serverMajor: 15,
  ...over,
});

describe('recoverySettings', () => {
  it('switches archiving off and names the target, timeline, promotion and port', () => {
    const settings = Object.fromEntries(recoverySettings(input()));
    expect(settings.archive_mode).toBe("'off'");
    expect(settings.archive_command).toBe("''");
    expect(settings.archive_library).toBe("''");
    expect(settings.recovery_target_time).toBe("'2026-01-02 14:30:00+00:00'");
    expect(settings.recovery_target_action).toBe("'promote'");
    expect(settings.recovery_target_timeline).toBe("'1'");
    expect(settings.port).toBe('54999');
    expect(settings.synchronous_standby_names).toBe("''");
  });

  it('runs wal-fetch with the storage shell-quoted and % doubled (restore_command expands %f and %p only)', () => {
    const settings = Object.fromEntries(recoverySettings(input({ storageArgs: ['--storage', '/srv/wal 100%'] })));
    expect(settings.restore_command).toBe(`'/usr/bin/node /opt/dbrollback/dist/cli/main.js wal-fetch %f %p --storage ''/srv/wal 100%%'''`);
  });

  it('names the key file of an encrypted storage in restore_command, never a key', () => {
    const settings = Object.fromEntries(recoverySettings(input({ storageArgs: ['--storage', '/srv/wal', '--encryption-key-file', '/etc/dbrollback/storage key'] })));
    expect(settings.restore_command).toBe(`'/usr/bin/node /opt/dbrollback/dist/cli/main.js wal-fetch %f %p --storage /srv/wal --encryption-key-file ''/etc/dbrollback/storage key'''`);
  });

  it('has no archive_library before PostgreSQL 15, and takes LSN and name targets', () => {
    expect(Object.keys(Object.fromEntries(recoverySettings(input({ serverMajor: 14 }))))).not.toContain('archive_library');
    expect(Object.fromEntries(recoverySettings(input({ target: parseRecoveryTarget({ lsn: '0/3000060' }) }))).recovery_target_lsn).toBe("'0/3000060'");
    expect(Object.fromEntries(recoverySettings(input({ target: parseRecoveryTarget({ restorePoint: "it's" }) }))).recovery_target_name).toBe("'it''s'");
  });

  it('renders one setting per line after a comment', () => {
    expect(renderSettings([['port', '5']])).toBe('\n# Written by dbrollback restore (point-in-time recovery)\nport = 5\n');
    expect(confString('a\\b')).toBe("'a\\\\b'");
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
  });
});
