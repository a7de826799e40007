/** `dbrollback drill [migrations|restore|pitr|all]`: rehearse the ways back in a throwaway PostgreSQL. */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import {
  DbrollbackError,
  detectMigrator,
  parsePortRange,
  drill,
  drillExitCode,
  drillJunit,
  openAdapter,
  listBackups,
  pitrRecoverFor,
  PROVIDER_CHOICES,
  readSeedFile,
  RESTORE_NO_LOGICAL_BACKUP,
  RESTORE_ONLY_PARTIAL_BACKUPS,
  SCENARIO_NAMES,
  selectScenarios,
  type DrillReport,
  type ProviderChoice,
  type ScenarioInputs,
  type ScenarioName,
} from '../../index.js';
import type { CommandRegistrar } from '../registrar.js';
import { drillJson, formatDrillReport } from '../render/drill.js';

interface DrillFlags {
  provider: string;
  image?: string;
  seed?: string;
  backup?: string;
  pointInTime?: string;
  junit?: string;
  keepGoing?: boolean;
  port?: string;
}

export function registerDrill(program: Command, registrar: CommandRegistrar): void {
  registrar.action<DrillFlags>(
    program
      .command('drill')
      .description('rehearse in a throwaway PostgreSQL: migrations up → down → up, a restore of the latest backup, point-in-time recovery (exit 3 when a drill finds a problem)')
      .argument('[scenario]', `${[...SCENARIO_NAMES, 'all'].join('|')}`, 'all')
      .option('--provider <name>', `where the throwaway PostgreSQL runs: ${PROVIDER_CHOICES.join('|')}`, 'auto')
      .option('--image <image>', 'Docker image for --provider testcontainers (default: the config\'s drillImage, else postgres:<major of the local PostgreSQL programs>)')
      .option('--seed <file>', 'migrations drill: SQL (or a knex seed file) loaded after the first up it fits, so the downs run on data')
      .option('--backup <id>', 'restore drill: the backup to restore (default: the newest of the configured database, --database-url)')
      .option('--point-in-time <time>', 'pitr drill: the moment to recover to (default: the newest archived moment)')
      .option('--junit <file>', 'also write the report as JUnit XML (one test case per step)')
      .option('--keep-going', 'migrations drill: rehearse every migration and report each failure, instead of stopping at the first')
      .option('--port <port>', 'loopback port(s) for the throwaway servers: P, or a range P-Q (one port per server the drill starts; default any free port)'),
    async (run, io, flags, args) => {
      // Only the settings and the storage: never run.session or run.adapter(), which would connect to production.
      const config = run.config;
      const which = (args[0] ?? 'all') as ScenarioName | 'all';
      if (!PROVIDER_CHOICES.includes(flags.provider as ProviderChoice)) {
        throw new DbrollbackError('USAGE', `unknown drill provider "${flags.provider}"`, { hint: `Pass --provider ${PROVIDER_CHOICES.join('|')}.` });
      }
      // Bad input is refused before anything starts.
      const ports = flags.port !== undefined ? parsePortRange(flags.port) : undefined;
      const inputs: ScenarioInputs = { cwd: config.cwd };
      if (which === 'all' || which === 'migrations') {
        // The project's migration tool, opened on the drill's throwaway database (never config.conn).
        // Skipped in `all` only when no migrations are configured: a folder or tool that was given and cannot be
        // opened (two tools' formats, none) is bad input, not "not configured".
        const configured = config.migrationsDir !== undefined || config.migrator !== undefined;
        const migrator = await detectMigrator(config).catch((err: unknown) => {
          if (which === 'migrations' || configured) throw err;
          return undefined;
        });
        if (migrator !== undefined) {
          inputs.migrations = {
            openMigrator: (conn) => openAdapter({ ...config, migrator, conn }, { log: (line) => io.debug(line) }),
            ...(flags.seed !== undefined ? { seed: await readSeedFile(path.resolve(config.cwd, flags.seed)) } : {}),
            ...(flags.keepGoing ? { keepGoing: true } : {}),
          };
        }
      }
      if (run.hasStorage) {
        // The configured database's name only (never connected to): its backups, not another's sharing the storage.
        const backups = await listBackups(run.storage);
        // No logical backup at all (a team that keeps a WAL archive): nothing for the restore drill, as no base backup is nothing for pitr's.
        const hasLogical = flags.backup !== undefined || backups.some((b) => b.kind === 'logical' && !b.partial);
        inputs.restore = {
          storage: run.storage,
          of: run.conn.database,
          ...(flags.backup !== undefined ? { backup: flags.backup } : {}),
          ...(hasLogical ? {} : { unavailable: backups.some((b) => b.kind === 'logical') ? RESTORE_ONLY_PARTIAL_BACKUPS : RESTORE_NO_LOGICAL_BACKUP }),
        };
        const hasBase = backups.some((b) => b.kind === 'base' && b.status === 'complete');
        inputs.pitr = {
          storage: run.storage,
          ...(flags.pointInTime !== undefined ? { pointInTime: flags.pointInTime } : {}),
          ...(hasBase ? { recover: pitrRecoverFor({ user: run.conn.user, password: run.conn.password, database: run.conn.database }) } : {}),
        };
      }
      const report = await drill({
        scenarios: selectScenarios(which, inputs),
        all: which === 'all',
        provider: flags.provider as ProviderChoice,
        image: flags.image ?? config.drillImage,
        onStep: (line) => io.log(line),
        ...(run.signal ? { signal: run.signal } : {}),
        ...(ports ? { ports } : {}),
      });
      if (flags.junit !== undefined) await writeJunit(path.resolve(config.cwd, flags.junit), report);
      return { json: drillJson(report), human: formatDrillReport(report, { verbose: io.verbose }), exitCode: drillExitCode(report) };
    },
    // Ctrl-C stops the drill between steps and removes its throwaway server (a second one exits at once).
    { stopsAtSafePoints: true },
  );
}

async function writeJunit(file: string, report: DrillReport): Promise<void> {
  try {
    await writeFile(file, drillJunit(report));
  } catch (cause) {
    throw new DbrollbackError('FILE_UNREADABLE', `the drill ran, but its JUnit report could not be written to ${file}: ${(cause as Error).message}`, {
      hint: 'Pass --junit with a path in a writable directory.',
      cause,
    });
  }
}

