/**
 * Azure scanner: every subscription the credential can see; the resources of the types the
 * rules name (and model deployments of accounts that hold them), as neutral observations.
 */
import { z } from 'zod';
import type { TokenCredential } from '@azure/core-auth';
import type { ScannerModule } from '../../src/core/types.js';

const uuid = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'expected a subscription id (GUID)');

export const optionsSchema = z
  .object({
    /** Subscriptions to scan; default: every subscription the credential can see. */
    subscriptions: z.array(uuid).optional(),
    /** Resource-manager endpoint; default AZURE_RESOURCE_MANAGER_ENDPOINT or https://management.azure.com. */
    endpoint: z.string().url().optional(),
    /** Extra trusted CA (PEM) for the ARM endpoint; default SHADOWSCAN_AZURE_CA_FILE. */
    caFile: z.string().min(1).optional(),
    /** Environment variable holding a ready bearer token (else DefaultAzureCredential). */
    accessTokenEnv: z.string().min(1).default('AZURE_ACCESS_TOKEN'),
    /** List model deployments of accounts that have them. */
    deployments: z.boolean().default(true),
    ownerTagKeys: z.array(z.string().min(1)).default(['owner', 'Owner', 'owner-email', 'created-by', 'CreatedBy', 'contact', 'team', 'cost-center', 'CostCenter', 'cost_center']),
    maxConcurrentRequests: z.number().int().min(1).max(500).default(16),
    subscriptionConcurrency: z.number().int().min(1).max(200).default(8),
    maxRetries: z.number().int().min(0).max(20).default(5),
    retryDelayInMs: z.number().int().min(0).max(60_000).default(800),
    maxRetryDelayInMs: z.number().int().min(0).max(300_000).default(60_000),
  })
  .strict();
export type AzureOptions = z.infer<typeof optionsSchema>;

function list(v: unknown): string[] | undefined {
  if (v === undefined || v === null || v === false) return undefined;
  const out = (Array.isArray(v) ? v : [v]).flatMap((x) => String(x).split(',')).map((s) => s.trim()).filter(Boolean);
  return out.length ? out : undefined;
}

function azureCliOverrides(v: Record<string, unknown>): Record<string, unknown> | undefined {
  const subscriptions = list(v.azureSubscriptions);
  if (!v.azure && !subscriptions) return undefined;
  return subscriptions ? { subscriptions } : {};
}

function module(scanFn: ScannerModule<AzureOptions>['scan']): ScannerModule<AzureOptions> {
  return {
    id: 'azure',
    title: 'Azure subscriptions (resource manager)',
    source: 'cloud',
    tags: ['cloud', 'azure', 'inventory'],
    version: '0.1.0',
    optionsSchema,
    cli: [
      { flags: '--azure', description: 'scan every Azure subscription the credential can see' },
      { flags: '--azure-subscriptions <ids>', description: 'Azure subscription ids to scan (comma-separated or repeated)', repeatable: true },
    ],
    optionsFromCli(v) {
      const o = azureCliOverrides(v);
      return o === undefined ? undefined : optionsSchema.parse(o);
    },
    // flags override only what they name; the config's other azure options are kept
    cliOverrides: (v) => azureCliOverrides(v),
    scan: scanFn,
  };
}

// The SDK clients load only when this scanner runs: importing them costs seconds at start-up.
export const azureScanner: ScannerModule<AzureOptions> = module(async (ctx, sink) => (await import('./scan.js')).scan(ctx, sink));

/** The same scanner with an injected TokenCredential (the Azure SDK's own extension point). */
export function azureScannerWith(deps: { credential: TokenCredential }): ScannerModule<AzureOptions> {
  return module(async (ctx, sink) => (await import('./scan.js')).makeScan(deps)(ctx, sink));
}
export default azureScanner;
