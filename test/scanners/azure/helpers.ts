/**
 * Shared by the Azure scanner tests: one scan of an estate through the real ARM clients against
 * the loopback ARM (an injected TokenCredential, the SDK's own extension point; the endpoint and
 * the loopback CA from the environment). Loopbacks are closed after each test.
 */
import { afterEach } from 'vitest';
import { azureScannerWith, optionsSchema } from '../../../scanners/azure/index.js';
import { startAzureLoopback, type AzureEstate, type AzureLoopback } from '../../../scanners/azure/loopback.js';
import type { RuleIndex } from '../../../src/rules/compile.js';
import { context, sink, withEnv } from '../aws/helpers.js';

export function azureRunner(rules: RuleIndex) {
  const servers: AzureLoopback[] = [];
  afterEach(async () => {
    while (servers.length) await servers.pop()!.close();
  });
  return async function run(e: AzureEstate, options: Record<string, unknown> = {}) {
    const lb = await startAzureLoopback(e);
    servers.push(lb);
    const s = sink('azure');
    const scanner = azureScannerWith({ credential: { getToken: async () => ({ token: 't', expiresOnTimestamp: Date.now() + 3_600_000 }) } });
    const opts = optionsSchema.parse({ retryDelayInMs: 5, maxRetryDelayInMs: 20, ...options });
    const coverage = await withEnv({ AZURE_RESOURCE_MANAGER_ENDPOINT: lb.url, SHADOWSCAN_AZURE_CA_FILE: lb.caFile }, () => scanner.scan(context(opts, rules), s.sink));
    return { coverage, observations: s.observations, lb };
  };
}
