/**
 * The Azure scanner against a loopback ARM (HTTPS on 127.0.0.1): the real ARM clients,
 * nextLink paging, 429 with Retry-After, AuthorizationFailed in one subscription, expired
 * tokens, and the verbatim x-ms-examples from azure-rest-api-specs (fixtures/cloud/azure, MIT).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { azureScanner, azureScannerWith, optionsSchema } from '../../../scanners/azure/index.js';
import { startAzureLoopback, type AzureEstate, type AzureLoopback } from '../../../scanners/azure/loopback.js';
import { ScanError } from '../../../src/core/errors.js';
import { matchAll } from '../../../src/match/match.js';
import { context, sink, testRules, withEnv } from '../aws/helpers.js';

const rules = testRules();
const A = '00000000-0000-0000-0000-00000000000a';
const B = '00000000-0000-0000-0000-00000000000b';
const C = '00000000-0000-0000-0000-00000000000c';
const acct = (sub: string, rg: string, name: string) => `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.CognitiveServices/accounts/${name}`;

function estate(faults: AzureEstate['faults'] = {}): AzureEstate {
  const oai = acct(A, 'rg-ml', 'contoso-oai');
  return {
    faults,
    subscriptions: {
      [A]: {
        displayName: 'Contoso Dev',
        resources: [
          { id: oai, name: 'contoso-oai', type: 'Microsoft.CognitiveServices/accounts', kind: 'OpenAI', location: 'eastus', sku: { name: 'S0' }, tags: { Owner: 'alice@contoso.com' }, createdTime: '2025-01-02T03:04:05Z' },
          { id: acct(A, 'rg-ml', 'contoso-foundry'), name: 'contoso-foundry', type: 'Microsoft.CognitiveServices/accounts', kind: 'AIServices', location: 'swedencentral', sku: { name: 'S0' }, createdTime: '2025-02-01T00:00:00Z' },
          { id: acct(A, 'rg-app', 'contoso-vision'), name: 'contoso-vision', type: 'Microsoft.CognitiveServices/accounts', kind: 'ComputerVision', location: 'eastus', sku: { name: 'F0' } },
          { id: `/subscriptions/${A}/resourceGroups/rg-ml/providers/Microsoft.MachineLearningServices/workspaces/hub-1`, name: 'hub-1', type: 'Microsoft.MachineLearningServices/workspaces', kind: 'Hub', location: 'eastus', tags: { team: 'data' } },
          { id: `/subscriptions/${A}/resourceGroups/rg-ml/providers/Microsoft.MachineLearningServices/workspaces/proj-1`, name: 'proj-1', type: 'Microsoft.MachineLearningServices/workspaces', kind: 'Project', location: 'eastus' },
          { id: `/subscriptions/${A}/resourceGroups/rg-app/providers/Microsoft.Search/searchServices/contoso-search`, name: 'contoso-search', type: 'Microsoft.Search/searchServices', location: 'eastus', sku: { name: 'standard' } },
          { id: `/subscriptions/${A}/resourceGroups/rg-app/providers/Microsoft.Storage/storageAccounts/contosodata`, name: 'contosodata', type: 'Microsoft.Storage/storageAccounts', kind: 'StorageV2', location: 'eastus' },
        ],
        deployments: {
          [oai]: [
            { id: `${oai}/deployments/gpt-4o`, name: 'gpt-4o', type: 'Microsoft.CognitiveServices/accounts/deployments', sku: { name: 'GlobalStandard', capacity: 50 }, properties: { model: { format: 'OpenAI', name: 'gpt-4o', version: '2024-11-20' }, provisioningState: 'Succeeded' }, systemData: { createdAt: '2025-01-03T00:00:00Z' } },
            { id: `${oai}/deployments/embed`, name: 'embed', type: 'Microsoft.CognitiveServices/accounts/deployments', sku: { name: 'Standard', capacity: 10 }, properties: { model: { format: 'OpenAI', name: 'text-embedding-3-large', version: '1' }, provisioningState: 'Succeeded' } },
          ],
        },
      },
      [B]: { displayName: 'Contoso Prod', resources: [{ id: acct(B, 'rg', 'prod-oai'), name: 'prod-oai', type: 'Microsoft.CognitiveServices/accounts', kind: 'OpenAI', location: 'eastus' }] },
      [C]: { displayName: 'Old', state: 'Disabled', resources: [] },
    },
  };
}

const servers: AzureLoopback[] = [];
afterEach(async () => {
  while (servers.length) await servers.pop()!.close();
});

async function run(e: AzureEstate, options: Record<string, unknown> = {}) {
  const lb = await startAzureLoopback(e);
  servers.push(lb);
  const s = sink('azure');
  const opts = optionsSchema.parse({ retryDelayInMs: 5, maxRetryDelayInMs: 20, ...options });
  // The injected credential is the SDK's TokenCredential extension point; env gives the endpoint + CA.
  const scanner = azureScannerWith({ credential: { getToken: async () => ({ token: 'fixed-test-token', expiresOnTimestamp: Date.now() + 3_600_000 }) } });
  const coverage = await withEnv({ AZURE_RESOURCE_MANAGER_ENDPOINT: lb.url, SHADOWSCAN_AZURE_CA_FILE: lb.caFile }, () => scanner.scan(context(opts, rules), s.sink));
  return { coverage, observations: s.observations, lb };
}

describe('azure scanner', () => {
  it('lists every subscription, resources by rule type with paging, deployments per account, through throttling', async () => {
    const { coverage, observations, lb } = await run(estate({ pageSize: 1, throttleFirst: 1 }));
    expect(lb.stats.throttled).toBeGreaterThan(3);
    expect(coverage.units).toEqual([`azure:${A}`, `azure:${B}`]);
    expect(coverage.skipped).toEqual([{ unit: `azure:${C}`, reason: 'subscription Disabled' }]);
    expect(coverage.failed).toEqual([]);
    const names = observations.map((o) => o.attrs?.name);
    expect(names).not.toContain('contosodata'); // not a type the rules name
    expect(observations.filter((o) => o.value === 'Microsoft.CognitiveServices/accounts/deployments').map((o) => o.attrs?.modelId).sort()).toEqual(['gpt-4o', 'text-embedding-3-large']);
    for (const o of observations) {
      expect(o).toMatchObject({ kind: 'cloud-resource', namespace: 'azure', source: 'cloud', scanner: 'azure', signal: 'presence', confidence: 'declared' });
      expect(o.subject.kind).toBe('subscription');
      expect(o.artifact?.key).toBe(o.locator.toLowerCase());
    }
    const oai = observations.find((o) => o.attrs?.name === 'contoso-oai')!;
    expect(oai.attrs).toMatchObject({ kind: 'OpenAI', owner: 'alice@contoso.com', createdAt: '2025-01-02T03:04:05.000Z', resourceGroup: 'rg-ml', location: 'eastus', deployments: ['embed=text-embedding-3-large@1', 'gpt-4o=gpt-4o@2024-11-20'] });
    expect(oai.subject).toEqual({ kind: 'subscription', id: A, name: 'Contoso Dev' });
    const gpt = observations.find((o) => o.attrs?.name === 'gpt-4o')!;
    expect(gpt.attrs).toMatchObject({ kind: 'OpenAI', modelId: 'gpt-4o', modelVersion: '2024-11-20', sku: 'GlobalStandard', capacity: 50, owner: 'alice@contoso.com', createdAt: '2025-01-03T00:00:00.000Z' });
    expect(observations.find((o) => o.attrs?.name === 'hub-1')!.attrs).toMatchObject({ kind: 'Hub', owner: 'data' });

    const findings = matchAll(rules, observations);
    const byName = new Map(findings.map((f) => [String(f.attrs?.name), f.service]));
    expect(byName.get('contoso-oai')).toBe('test-azure-models');
    expect(byName.get('contoso-foundry')).toBe('test-azure-models');
    expect(byName.has('contoso-vision')).toBe(false); // kind not named by the rules
    expect(byName.get('proj-1')).toBe('test-azure-ml');
    expect(byName.get('contoso-search')).toBe('test-search');
    expect(byName.get('gpt-4o')).toBe('test-azure-models');
  }, 30_000);

  it('AuthorizationFailed in one subscription fails that unit; the rest lands', async () => {
    const { coverage, observations } = await run(estate({ denied: [B] }));
    expect(coverage.failed).toEqual([{ unit: `azure:${B}`, reason: expect.stringMatching(/^access denied \(resources.list\): AuthorizationFailed/) }]);
    expect(coverage.units).toEqual([`azure:${A}`]);
    expect(observations.some((o) => o.subject.id === B)).toBe(false);
  });

  it('an expired token in one subscription is partial coverage; an unusable credential throws', async () => {
    const { coverage } = await run(estate({ expired: [A] }));
    expect(coverage.failed).toEqual([{ unit: `azure:${A}`, reason: expect.stringMatching(/^credential expired/) }]);
    await expect(run(estate({ listExpired: true }))).rejects.toThrow(ScanError);
  });

  it('listed subscriptions only; retries exhausted on throttling fail the unit, not the scan', async () => {
    const { coverage } = await run(estate({ throttleFirst: 100 }), { subscriptions: [A], maxRetries: 1 });
    expect(coverage.failed).toEqual([{ unit: `azure:${A}`, reason: expect.stringMatching(/throttled/) }]);
  });

  it('survives random 429s with no lost units, deterministically', async () => {
    const a = await run(estate({ throttleRate: 0.3, seed: 3 }), { maxRetries: 12 });
    const b = await run(estate({ throttleRate: 0.3, seed: 9 }), { maxRetries: 12 });
    expect(a.coverage.failed).toEqual([]);
    expect(a.coverage.units).toHaveLength(2);
    expect(b.observations).toEqual(a.observations);
  }, 30_000);

  it('works with the bearer token from AZURE_ACCESS_TOKEN (no injected credential)', async () => {
    const lb = await startAzureLoopback(estate());
    servers.push(lb);
    const s = sink('azure');
    const cov = await withEnv(lb.env, () => azureScanner.scan(context(optionsSchema.parse({}), rules), s.sink));
    expect(cov.units).toHaveLength(2);
    expect(s.observations.length).toBeGreaterThan(5);
  });

  const corpus = resolve(__dirname, '../../../fixtures/cloud/azure');
  it('reads the verbatim azure-rest-api-specs examples (accounts by subscription, deployments)', async () => {
    const accounts = JSON.parse(readFileSync(resolve(corpus, 'ListAccountsBySubscription.2024-10-01.json'), 'utf8')).responses['200'].body.value as Array<Record<string, any>>;
    const deployments = JSON.parse(readFileSync(resolve(corpus, 'ListDeployments.2024-10-01.json'), 'utf8')).responses['200'].body.value as Array<Record<string, any>>;
    const sub = 'xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx';
    const first = accounts[0];
    const e: AzureEstate = { subscriptions: { [sub]: { resources: accounts.map((a) => ({ ...a, kind: a.kind === first.kind ? 'OpenAI' : a.kind })), deployments: { [first.id]: deployments } } } };
    const lb = await startAzureLoopback(e);
    servers.push(lb);
    const s = sink('azure');
    // the sample's subscription id is not a GUID, so it comes from the subscription list, not an option
    const cov = await withEnv(lb.env, () => azureScanner.scan(context(optionsSchema.parse({}), rules), s.sink));
    expect(cov.failed).toEqual([]);
    expect(s.observations.filter((o) => o.value === 'Microsoft.CognitiveServices/accounts')).toHaveLength(accounts.length);
    const dep = s.observations.find((o) => o.value === 'Microsoft.CognitiveServices/accounts/deployments')!;
    expect(dep.attrs).toMatchObject({ modelId: 'ada', modelVersion: '1', modelFormat: 'OpenAI', sku: 'Standard', capacity: 1 });
  });

  it('builds options from CLI flags', () => {
    expect(azureScanner.optionsFromCli!({})).toBeUndefined();
    expect(azureScanner.optionsFromCli!({ azure: true })).toMatchObject({ deployments: true });
    expect(azureScanner.optionsFromCli!({ azureSubscriptions: [`${A},${B}`] })).toMatchObject({ subscriptions: [A, B] });
  });
});
