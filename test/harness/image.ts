/**
 * The container image scripts/build-image.sh builds (dbrollback:<version>),
 * for the tests that run it. .ci/run builds it before the tests; where no
 * Docker engine or no image is there, those tests skip loudly — in CI once
 * dockerd was started (DBROLLBACK_EXPECT_DOCKER=1) a skip fails instead. An
 * image built from other code than dist/ is not used: it would test the old CLI.
 */
import { execa } from 'execa';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { CLI, PROJECT_ROOT } from './cli.js';

export const PACKAGE_VERSION = (JSON.parse(await readFile(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
export const IMAGE = process.env.DBROLLBACK_IMAGE ?? `dbrollback:${PACKAGE_VERSION}`;

export async function imageGate(): Promise<{ run: boolean; why: string | null; mustRun: boolean }> {
  const mustRun = process.env.CI === 'true' && process.env.DBROLLBACK_EXPECT_DOCKER === '1';
  const why = await unavailable();
  if (why !== null && !mustRun) console.warn(`\n*** SKIPPING the container image tests: ${why} ***\n*** (in CI, .ci/run builds the image with scripts/build-image.sh; then these tests must run) ***\n`);
  return { run: why === null, why, mustRun };
}

async function unavailable(): Promise<string | null> {
  const inspect = await execa('docker', ['image', 'inspect', '--format', '{{ index .Config.Labels "dbrollback.cli-sha256" }}', IMAGE], { reject: false, timeout: 15_000 });
  if (inspect.exitCode !== 0) return `no image ${IMAGE} (${(inspect.stderr || inspect.stdout || 'docker did not answer').split('\n')[0]}): build it with scripts/build-image.sh`;
  const built = createHash('sha256').update(await readFile(CLI)).digest('hex');
  if (inspect.stdout.trim() !== built) return `${IMAGE} was built from another dist/ than this one: run scripts/build-image.sh --no-build`;
  return null;
}
