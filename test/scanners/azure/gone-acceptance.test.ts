/**
 * Issue 16, acceptance (Azure side), through the library API and a real SQLite register: a child
 * list answering 404 (an account's deployments, a workspace's online endpoints) while a resource
 * was deleted never marks anything gone — the account the scan just listed is confirmed by a
 * direct read — and the next complete read marks exactly the removed resource gone. Uses only
 * the public exports of src/index.ts and the real ARM clients against the loopback ARM.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startAzureLoopback, type AzureEstate, type AzureLoopback } from '../../../scanners/azure/loopback.js';
import { runScan, scannerById } from '../../../src/index.js';
import { tmpDir } from '../../helpers/tmp.js';
import { withEnv } from '../aws/helpers.js';

const azure = scannerById('azure')!;
const S = '00000000-0000-0000-0000-0000000000f1';
const rg = (p: string) => `/subscriptions/${S}/resourceGroups/rg-ai/providers/${p}`;
const ACCT = rg('Microsoft.CognitiveServices/accounts/contoso-aoai');
const WS = rg('Microsoft.MachineLearningServices/workspaces/ml-ws');
const dep = (name: string, model: string) => ({ id: `${ACCT}/deployments/${name}`, name, type: 'Microsoft.CognitiveServices/accounts/deployments', sku: { name: 'Standard', capacity: 10 }, properties: { model: { format: 'OpenAI', name: model, version: '1' }, provisioningState: 'Succeeded' } });

function estate(opts: { without?: string; faults?: AzureEstate['faults'] } = {}): AzureEstate {
  const resources = [
    { id: ACCT, name: 'contoso-aoai', type: 'Microsoft.CognitiveServices/accounts', kind: 'OpenAI', location: 'eastus' },
    { id: WS, name: 'ml-ws', type: 'Microsoft.MachineLearningServices/workspaces', kind: 'Default', location: 'eastus' },
    { id: `${WS}/onlineEndpoints/scoring`, name: 'scoring', type: 'Microsoft.MachineLearningServices/workspaces/onlineEndpoints', location: 'eastus', listed: false },
    { id: `${WS}/onlineEndpoints/ranking`, name: 'ranking', type: 'Microsoft.MachineLearningServices/workspaces/onlineEndpoints', location: 'eastus', listed: false },
    { id: rg('Microsoft.BotService/botServices/helpdesk'), name: 'helpdesk', type: 'Microsoft.BotService/botServices', kind: 'azurebot', location: 'global' },
  ].filter((r) => r.name !== opts.without);
  const deployments = [dep('gpt', 'gpt-4o'), dep('embed', 'text-embedding-3-large')].filter((d) => d.name !== opts.without);
  return { faults: opts.faults, subscriptions: { [S]: { displayName: 'AI prod', resources, deployments: { [ACCT]: deployments } } } };
}

const servers: AzureLoopback[] = [];
afterEach(async () => {
  while (servers.length) await servers.pop()!.close();
});

describe('azure: gone only after a complete read (register end to end)', () => {
  it('404 on a child list (deployments, online endpoints) → nothing gone; then a complete read → exactly the removed ones', async () => {
    const db = join(tmpDir('shadowscan-azure-gone-'), 'r.db');
    const scan = async (e: AzureEstate) => {
      const lb = await startAzureLoopback(e);
      servers.push(lb);
      return withEnv(lb.env, () => runScan({ runs: [{ scanner: azure, options: { subscriptions: [S], retryDelayInMs: 5, maxRetryDelayInMs: 20 } }], db }));
    };
    const locators = (r: { findings: Array<{ locator: string }> }) => new Set(r.findings.map((f) => f.locator.toLowerCase()));

    const first = await scan(estate());
    expect(first.run.status).toBe('complete');
    const before = locators(first);
    expect(before.size).toBe(7);

    // the 'embed' deployment is deleted; the deployments list answers 404 although the account exists
    let r = await scan(estate({ without: 'embed', faults: { childNotFound: [`${ACCT}/deployments`] } }));
    expect(r.run.status).toBe('partial');
    expect(r.summary.findings.gone).toBe(0);
    expect(locators(r).has(ACCT.toLowerCase())).toBe(true);

    // the 'ranking' endpoint is deleted too; the online endpoints list answers 404
    r = await scan(estate({ without: 'ranking', faults: { childNotFound: [`${WS}/onlineEndpoints`] } }));
    expect(r.run.status).toBe('partial');
    expect(r.summary.findings.gone).toBe(0);

    // complete reads: exactly what was removed goes
    r = await scan(estate({ without: 'embed' }));
    expect(r.run.status).toBe('complete');
    expect(r.summary.findings.gone).toBe(1);
    expect([...before].filter((l) => !locators(r).has(l))).toEqual([`${ACCT}/deployments/embed`.toLowerCase()]);
    const e = estate({ without: 'embed' });
    e.subscriptions[S].resources = e.subscriptions[S].resources.filter((x) => x.name !== 'ranking');
    r = await scan(e);
    expect(r.run.status).toBe('complete');
    expect(r.summary.findings.gone).toBe(1);
    expect(locators(r).has(`${WS}/onlineEndpoints/ranking`.toLowerCase())).toBe(false);
    expect(locators(r).has(`${WS}/onlineEndpoints/scoring`.toLowerCase())).toBe(true);
  }, 60_000);
});
