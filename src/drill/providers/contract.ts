/**
 * The drill-provider family: where a throwaway PostgreSQL comes from. As in
 * testcontainers, configuring and running are different types — a provider
 * only knows how to start; what it returns is a running server that can only
 * be used or stopped — so a half-started database cannot be handed on.
 */
import type { ConnInfo } from '../../db/conninfo.js';

export type ProviderName = 'testcontainers' | 'local';

/** `--provider`: one of the providers, or `auto` (testcontainers when an engine answers, else local). */
export type ProviderChoice = ProviderName | 'auto';

export const PROVIDER_CHOICES: readonly ProviderChoice[] = ['auto', 'testcontainers', 'local'];

export type ServerSettings = Record<string, string | number | boolean>;

export interface StartOptions {
  /**
   * Extra server settings (postgresql.conf / `postgres -c`), e.g.
   * archive_mode, archive_command and wal_level for point-in-time drills.
   */
  settings?: ServerSettings;
  /** testcontainers: the image (default `postgres:<major of the local PostgreSQL programs>`). */
  image?: string;
  /** How long the server may take to accept connections (default 120 s). */
  timeoutMs?: number;
  /** The host port it listens on (--port); default a free one. */
  port?: number;
  /** Progress and notes (e.g. testcontainers running without its reaper). */
  onLog?: (line: string) => void;
}

export interface StartedDatabase {
  readonly provider: ProviderName;
  /** Connection URL of the throwaway server's maintenance database (it carries the throwaway password: never print it). */
  readonly url: string;
  readonly conn: ConnInfo;
  /** server_version, e.g. "15.14". */
  readonly version: string;
  /** Where it runs, for the report: the image, or the server programs' directory. */
  readonly where: string;
  stop(): Promise<void>;
}

export interface DrillProvider {
  readonly name: ProviderName;
  /** Null when this provider can start a server here; otherwise why not, in a sentence a person can act on. */
  unavailable(options: { image?: string; timeoutMs?: number }): Promise<string | null>;
  start(options?: StartOptions): Promise<StartedDatabase>;
}
