/**
 * Where no Docker engine answers: the testcontainers provider says so in a
 * sentence (within its timeout), auto falls back to a local cluster, and a
 * drill that asked for testcontainers could not run (exit 1), starting nothing.
 */
import { describe, expect, it } from 'vitest';
import { runBuiltCli } from '../../harness/cli.js';
import { FIXTURES } from './support.js';

// A closed loopback port: the engine "exists" nowhere, whatever runs on this machine.
process.env.DOCKER_HOST = 'tcp://127.0.0.1:1';
const { PROVIDERS, chooseProvider } = await import('../../../src/drill/providers/registry.js');

describe('no Docker engine', () => {
  it('the testcontainers provider says none is reachable, and auto picks the local cluster saying why', async () => {
    const started = performance.now();
    const why = await PROVIDERS.testcontainers.unavailable({ timeoutMs: 5_000 });
    expect(why).toMatch(/^no Docker engine is reachable \(.+\); start one \(e\.g\. scripts\/start-docker\.sh\) or set DOCKER_HOST$/);
    expect(performance.now() - started).toBeLessThan(10_000);
    const auto = await chooseProvider('auto', { engineTimeoutMs: 5_000 });
    expect(auto.provider.name).toBe('local');
    expect(auto.reason).toBe(`local cluster: ${why}`);
  });

  it('drill --provider testcontainers exits 1 with a hint naming the local provider', async () => {
    const run = await runBuiltCli(['drill', 'migrations', '--provider', 'testcontainers', '--migrations', `${FIXTURES}/sql/shop`, '--json'], { env: { DOCKER_HOST: 'tcp://127.0.0.1:1' } });
    expect(run.exitCode).toBe(1);
    const report = run.json<{ ok: boolean; scenarios: Array<{ name: string; status: string; detail: string }> }>();
    expect(report.ok).toBe(false);
    expect(report.scenarios[0]).toMatchObject({ name: 'migrations', status: 'error', detail: expect.stringMatching(/no Docker engine is reachable.* — Use --provider local/) });
  });
});
