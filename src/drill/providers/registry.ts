/**
 * The drill providers, and `--provider auto`: testcontainers when a Docker
 * engine answers and has the image, else a local cluster — with the reason
 * recorded, so the report says which was used and why.
 */
import { DbrollbackError } from '../../errors.js';
import type { DrillProvider, ProviderChoice, ProviderName } from './contract.js';
import { PROVIDER_CHOICES } from './contract.js';
import { localProvider } from './local.js';
import { testcontainersProvider } from './testcontainers.js';

export const PROVIDERS: Record<ProviderName, DrillProvider> = {
  testcontainers: testcontainersProvider,
  local: localProvider,
};

export interface ChosenProvider {
  provider: DrillProvider;
  /** Why this one (auto), or that it was asked for. */
  reason: string;
}

export async function chooseProvider(choice: ProviderChoice, options: { image?: string; engineTimeoutMs?: number } = {}): Promise<ChosenProvider> {
  if (!PROVIDER_CHOICES.includes(choice)) {
    throw new DbrollbackError('USAGE', `unknown drill provider "${String(choice)}"`, { hint: `Pass --provider ${PROVIDER_CHOICES.join('|')}.` });
  }
  if (choice !== 'auto') {
    const provider = PROVIDERS[choice];
    const why = await provider.unavailable({ image: options.image, timeoutMs: options.engineTimeoutMs });
    if (why !== null && choice === 'local') {
      throw new DbrollbackError('TOOL_NOT_FOUND', `the local drill provider cannot run here: ${why}`, { hint: 'Install the PostgreSQL server programs (scripts/install-deps.sh), or use --provider testcontainers.' });
    }
    // testcontainers reports its own problem when it starts (an image may still be pullable).
    return { provider, reason: why === null ? 'asked for' : `asked for (${why})` };
  }
  const why = await testcontainersProvider.unavailable({ image: options.image, timeoutMs: options.engineTimeoutMs });
  if (why === null) return { provider: testcontainersProvider, reason: 'a Docker engine answered' };
  const localWhy = await localProvider.unavailable({});
  if (localWhy !== null) {
    throw new DbrollbackError('TOOL_NOT_FOUND', `no drill provider can run here: testcontainers: ${why}; local: ${localWhy}`, {
      hint: 'Install the PostgreSQL server programs (scripts/install-deps.sh) or start a Docker engine (scripts/start-docker.sh).',
    });
  }
  return { provider: localProvider, reason: `local cluster: ${why}` };
}
