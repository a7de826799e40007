/**
 * The `testcontainers` drill provider: PostgreSQL in a Docker container
 * (`@testcontainers/postgresql`), image from --image / the config, default
 * `postgres:<major of the local PostgreSQL programs>`. The engine is asked
 * first, with a timeout, so "no Docker here" is a clear sentence rather than
 * a hang. Ryuk (the reaper) needs an image pulled from a registry; where
 * none is reachable set TESTCONTAINERS_RYUK_DISABLED=true — containers are
 * stopped by `stop()` (and on exit) either way.
 */
import { randomBytes } from 'node:crypto';
import { connect, serverVersion } from '../../db/connection.js';
import type { ConnInfo } from '../../db/conninfo.js';
import { connToUrl } from '../../db/conninfo.js';
import { DbrollbackError } from '../../errors.js';
import { findBinary } from '../../pgtools/binaries.js';
import type { DrillProvider, ServerSettings, StartedDatabase, StartOptions } from './contract.js';

const ENGINE_TIMEOUT_MS = 5_000;
const START_TIMEOUT_MS = 120_000;
const USER = 'postgres';
/** A throwaway server need not survive a crash (the local provider's clusters run the same way). */
const THROWAWAY_SETTINGS = { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off' };
const DATABASE = 'postgres';

/** The image a drill uses when none is named: the major of the PostgreSQL programs here, which must restore its dumps. */
export async function defaultImage(): Promise<string> {
  try {
    return `postgres:${(await findBinary('pg_dump')).major}`;
  } catch {
    return 'postgres:15';
  }
}

async function runtimeClient(timeoutMs: number) {
  const { getContainerRuntimeClient } = await import('testcontainers');
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${Math.round(timeoutMs / 1000)} s`)), timeoutMs);
  });
  try {
    return await Promise.race([getContainerRuntimeClient(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function noEngine(reason: string): string {
  return `no Docker engine is reachable (${reason.split('\n')[0]}); start one (e.g. scripts/start-docker.sh) or set DOCKER_HOST`;
}

export const testcontainersProvider: DrillProvider = {
  name: 'testcontainers',

  async unavailable(options) {
    let client;
    try {
      client = await runtimeClient(options.timeoutMs ?? ENGINE_TIMEOUT_MS);
    } catch (err) {
      return noEngine(err instanceof Error ? err.message : String(err));
    }
    const image = options.image ?? (await defaultImage());
    const { ImageName } = await import('testcontainers');
    if (!(await client.image.exists(ImageName.fromString(image)).catch(() => false))) {
      return `image ${image} is not on the Docker engine (build it with scripts/build-postgres-image.sh, or docker pull it, or pass --image)`;
    }
    return null;
  },

  async start(options: StartOptions = {}): Promise<StartedDatabase> {
    const image = options.image ?? (await defaultImage());
    let client;
    try {
      client = await runtimeClient(ENGINE_TIMEOUT_MS);
    } catch (err) {
      throw new DbrollbackError('TOOL_NOT_FOUND', noEngine(err instanceof Error ? err.message : String(err)), {
        hint: 'Use --provider local (a throwaway cluster from the local PostgreSQL programs), or start a Docker engine.',
        cause: err,
      });
    }
    await reaperOrOwnCleanup(client, options.onLog ?? (() => undefined));
    const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
    const password = `pw-${randomBytes(12).toString('base64url')}`;
    let container;
    try {
      const configured = new PostgreSqlContainer(image)
        .withUsername(USER)
        .withPassword(password)
        .withDatabase(DATABASE)
        .withCommand(['postgres', ...settingsArgs({ ...THROWAWAY_SETTINGS, ...options.settings })])
        // pg_isready needs no password: keep it out of the health check's command line.
        .withHealthCheck({ test: ['CMD-SHELL', `pg_isready --host localhost --username ${USER} --dbname ${DATABASE}`], interval: 250, timeout: 1000, retries: 1000 })
        .withStartupTimeout(options.timeoutMs ?? START_TIMEOUT_MS);
      // A pinned host port (--port) replaces the random one the module maps by default.
      container = await (options.port !== undefined ? configured.withExposedPorts({ container: 5432, host: options.port }) : configured).start();
    } catch (err) {
      throw new DbrollbackError('TOOL_FAILED', `could not start a ${image} container: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`, {
        hint: 'Check that the image exists on the engine (docker image ls; scripts/build-postgres-image.sh builds postgres:15 locally) or pass --image, or use --provider local.',
        cause: err,
      });
    }
    const started = container;
    running.add(started);
    const conn: ConnInfo = {
      host: started.getHost(),
      port: started.getPort(),
      user: USER,
      password,
      database: DATABASE,
      sslmode: undefined,
      applicationName: 'dbrollback-drill',
    };
    const stop = async () => {
      running.delete(started);
      // A throwaway server: nothing to flush, so no graceful shutdown to wait for.
      await started.stop({ timeout: 0 }).catch(() => undefined);
    };
    let version: string;
    try {
      const db = await connect(conn);
      try {
        version = (await serverVersion(db)).text;
      } finally {
        await db.end().catch(() => undefined);
      }
    } catch (err) {
      await stop();
      throw err;
    }
    return { provider: 'testcontainers', url: connToUrl(conn), conn, version, where: image, stop };
  },
};

/** A container started by startTracked: where its ports are, and how to remove it. */
export interface TrackedContainer {
  readonly host: string;
  port(containerPort: number): number;
  /** Run a command inside it (as root); its exit code. */
  exec(command: string[]): Promise<number>;
  stop(): Promise<void>;
}

type Testcontainers = typeof import('testcontainers');

/**
 * Start any container from `image`, configured by `configure`, stopped with the drill's other
 * containers when the process is stopped (by Ryuk, or by dbrollback itself where Ryuk cannot run).
 */
export async function startTracked(
  image: string,
  configure: (container: InstanceType<Testcontainers['GenericContainer']>, lib: Testcontainers) => InstanceType<Testcontainers['GenericContainer']>,
  onLog: (line: string) => void = () => undefined,
): Promise<TrackedContainer> {
  let client;
  try {
    client = await runtimeClient(ENGINE_TIMEOUT_MS);
  } catch (err) {
    throw new DbrollbackError('TOOL_NOT_FOUND', noEngine(err instanceof Error ? err.message : String(err)), { hint: 'Use --provider local, or start a Docker engine.', cause: err });
  }
  await reaperOrOwnCleanup(client, onLog);
  const lib = await import('testcontainers');
  let started;
  try {
    started = await configure(new lib.GenericContainer(image), lib).start();
  } catch (err) {
    throw new DbrollbackError('TOOL_FAILED', `the ${image} container did not come up: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`, {
      hint: 'Check that the image exists on the engine (docker image ls; scripts/build-postgres-image.sh builds postgres:15 locally) or pass --image, or use --provider local.',
      cause: err,
    });
  }
  const container = started;
  running.add(container);
  return {
    host: container.getHost(),
    port: (containerPort) => container.getMappedPort(containerPort),
    exec: async (command) => (await container.exec(command, { user: 'root' })).exitCode,
    stop: async () => {
      running.delete(container);
      await container.stop({ timeout: 0 }).catch(() => undefined);
    },
  };
}

type RuntimeClient = Awaited<ReturnType<typeof runtimeClient>>;
type Running = { stop(options?: { timeout?: number }): Promise<unknown> };

const running = new Set<Running>();
let signalsHooked = false;

/**
 * Ryuk, testcontainers' reaper, removes containers whose process died; it is
 * an image pulled from a registry. Where it cannot start (no registry, as in
 * CI here: TESTCONTAINERS_RYUK_DISABLED=true) the drill still runs, and
 * stops its containers itself — also on Ctrl-C and SIGTERM.
 */
async function reaperOrOwnCleanup(client: RuntimeClient, log: (line: string) => void): Promise<void> {
  if (process.env.TESTCONTAINERS_RYUK_DISABLED !== 'true') {
    const { getReaper } = await import('testcontainers');
    try {
      await getReaper(client);
      return;
    } catch (err) {
      log(`testcontainers: the reaper (Ryuk) could not start (${err instanceof Error ? err.message.split('\n')[0] : String(err)}); dbrollback stops its containers itself`);
      process.env.TESTCONTAINERS_RYUK_DISABLED = 'true';
    }
  }
  if (signalsHooked) return;
  signalsHooked = true;
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      // A command that stops at safe points (a drill) handles the signal itself and stops its containers.
      if (process.listenerCount(signal) > 0) return;
      void Promise.allSettled([...running].map((c) => c.stop({ timeout: 1_000 }))).then(() => process.kill(process.pid, signal));
    });
  }
}

/** `-c key=value` pairs for the server command line (the image's entrypoint passes them to postgres). */
export function settingsArgs(settings: ServerSettings): string[] {
  return Object.entries(settings).flatMap(([key, value]) => {
    if (!/^[a-z_][a-z0-9_.]*$/i.test(key)) {
      throw new DbrollbackError('USAGE', `"${key}" is not a PostgreSQL setting name`, { hint: 'Server settings are names like archive_mode or wal_level.' });
    }
    // postgresql.conf quoting ('...') is for the file; on the command line the value is taken as is.
    const text = String(value).replace(/^'(.*)'$/s, '$1');
    return ['-c', `${key}=${text}`];
  });
}
