/**
 * Issue 11 item 4 and issue 16 item 3 on the Azure side, with the bundled rules and the real ARM
 * clients against the loopback ARM:
 * - every type the rules name is asked for, nested ones included: Machine Learning online /
 *   serverless / batch endpoints (and an online endpoint's deployments, two levels down), AI
 *   Foundry projects under an AIServices account — whether ARM's generic list returns them
 *   (tracked child resources) or only the parent's child collection does (`listed: false`);
 *   the API version comes from the provider's own type list (newest stable, never a preview);
 * - Bot Service, Health Bot and Video Indexer resources are found and named by their rules;
 * - a child list answering 404 for a parent the scan just listed is checked by a direct read:
 *   the parent still exists → it lands and the unit is partial (nothing can go gone); it is
 *   really gone → it is not reported and the unit stays complete.
 */
import { describe, expect, it } from 'vitest';
import type { AzureEstate } from '../../../scanners/azure/loopback.js';
import { listedTypes, pickApiVersion, ruleTypes } from '../../../scanners/azure/scan.js';
import { matchAll } from '../../../src/match/match.js';
import { ruleIndex } from '../../../src/rules/load.js';
import { context } from '../aws/helpers.js';
import { azureRunner } from './helpers.js';

const rules = ruleIndex([]).index;
const S = '00000000-0000-0000-0000-0000000000e1';
const rg = (p: string) => `/subscriptions/${S}/resourceGroups/rg-ai/providers/${p}`;
const WS = rg('Microsoft.MachineLearningServices/workspaces/ml-ws');
const ACCT = rg('Microsoft.CognitiveServices/accounts/foundry-1');
const ML = 'Microsoft.MachineLearningServices/workspaces';

function estate(faults: AzureEstate['faults'] = {}, listed = true): AzureEstate {
  const child = (parent: string, type: string, name: string, extra: Record<string, unknown> = {}) => ({ id: `${parent}/${type.split('/').pop()}/${name}`, name, type, location: 'westeurope', ...(listed ? {} : { listed: false }), ...extra });
  return {
    faults,
    subscriptions: {
      [S]: {
        displayName: 'AI sandbox',
        resources: [
          { id: WS, name: 'ml-ws', type: ML, kind: 'Default', location: 'westeurope', tags: { owner: 'ml-team' } },
          child(WS, `${ML}/onlineEndpoints`, 'churn-online', { kind: 'Managed', tags: { owner: 'churn-squad' } }),
          child(`${WS}/onlineEndpoints/churn-online`, `${ML}/onlineEndpoints/deployments`, 'blue', { sku: { name: 'Default', capacity: 1 } }),
          child(WS, `${ML}/serverlessEndpoints`, 'llama-serverless', { sku: { name: 'Consumption' } }),
          child(WS, `${ML}/batchEndpoints`, 'nightly-scoring'),
          { id: ACCT, name: 'foundry-1', type: 'Microsoft.CognitiveServices/accounts', kind: 'AIServices', location: 'swedencentral' },
          child(ACCT, 'Microsoft.CognitiveServices/accounts/projects', 'support-agent', { createdTime: '2025-06-01T00:00:00Z' }),
          { id: rg('Microsoft.BotService/botServices/helpdesk-bot'), name: 'helpdesk-bot', type: 'Microsoft.BotService/botServices', kind: 'azurebot', location: 'global', sku: { name: 'S1' } },
          { id: rg('Microsoft.HealthBot/healthBots/triage'), name: 'triage', type: 'Microsoft.HealthBot/healthBots', location: 'westeurope', sku: { name: 'F0' } },
          { id: rg('Microsoft.VideoIndexer/accounts/media-insights'), name: 'media-insights', type: 'Microsoft.VideoIndexer/accounts', location: 'westeurope' },
          // not AI, and a child type no rule names
          { id: rg('Microsoft.Web/sites/bot-frontend'), name: 'bot-frontend', type: 'Microsoft.Web/sites', kind: 'app', location: 'westeurope' },
          child(WS, `${ML}/computes`, 'cpu-cluster'),
        ],
      },
    },
  };
}

const run = azureRunner(rules);

const EXPECTED: Array<[string, string]> = [
  ['blue', 'azure-machine-learning'],
  ['churn-online', 'azure-machine-learning'],
  ['foundry-1', 'azure-ai-foundry'],
  ['helpdesk-bot', 'azure-bot-service'],
  ['llama-serverless', 'azure-machine-learning'],
  ['media-insights', 'azure-video-indexer'],
  ['ml-ws', 'azure-machine-learning'],
  ['nightly-scoring', 'azure-machine-learning'],
  ['support-agent', 'azure-ai-foundry'],
  ['triage', 'azure-health-bot'],
];

describe('azure: nested types and new service families', () => {
  it('asks ARM for every rule type, nested ones and their parents included', () => {
    const types = ruleTypes(context({} as never, rules)).map((t) => t.toLowerCase());
    for (const t of [`${ML}/onlineEndpoints`, `${ML}/serverlessEndpoints`, `${ML}/batchEndpoints`, `${ML}/onlineEndpoints/deployments`, 'Microsoft.CognitiveServices/accounts/projects', 'Microsoft.BotService/botServices', 'Microsoft.HealthBot/healthBots', 'Microsoft.VideoIndexer/accounts'])
      expect(types, t).toContain(t.toLowerCase());
    expect(listedTypes(['A.B/x/y/z'])).toEqual(['A.B/x', 'A.B/x/y', 'A.B/x/y/z']);
    expect(pickApiVersion(['2025-07-01-preview', '2024-10-01', '2023-05-01'])).toBe('2024-10-01');
    expect(pickApiVersion(['2025-07-01-preview'])).toBe('2025-07-01-preview');
  });

  for (const listed of [true, false]) {
    it(`finds nested endpoints, deployments and Foundry projects ${listed ? 'returned by the generic list' : 'reachable only through their parent'}`, async () => {
      const { coverage, observations, lb } = await run(estate({}, listed));
      expect(coverage.failed).toEqual([]);
      expect(coverage.units).toEqual([`azure:${S}`]);
      const got = matchAll(rules, observations).map((f) => [String(f.attrs?.name), f.service]).sort((a, b) => a[0].localeCompare(b[0]));
      expect(got).toEqual(EXPECTED);
      expect(observations.some((o) => o.attrs?.name === 'bot-frontend' || o.attrs?.name === 'cpu-cluster')).toBe(false);
      const ep = observations.find((o) => o.attrs?.name === 'churn-online')!;
      expect(ep.attrs).toMatchObject({ parent: WS, owner: 'churn-squad', kind: 'Managed', unit: `azure:${S}` });
      expect(observations.find((o) => o.attrs?.name === 'blue')!.attrs?.parent).toBe(`${WS}/onlineEndpoints/churn-online`);
      // child collections are read with the provider's newest stable API version
      const childCalls = lb.stats.urls.filter((u) => /\/(onlineEndpoints|serverlessEndpoints|batchEndpoints|projects)\?/.test(u));
      expect(childCalls.length).toBeGreaterThanOrEqual(4);
      for (const u of childCalls) expect(u).toContain('api-version=2024-10-01');
    });
  }

  it('a child list answering 404 for a parent that still exists: the parent lands, the unit is partial', async () => {
    const { coverage, observations, lb } = await run(estate({ childNotFound: [`${WS}/onlineEndpoints`] }, false));
    expect(coverage.units).toEqual([]);
    expect(coverage.failed).toEqual([{ unit: `azure:${S}`, reason: expect.stringMatching(/^not found \(onlineEndpoints\.list ml-ws\) although ml-ws exists \(direct read\)/) }]);
    // the direct read of the parent was made
    expect(lb.stats.urls.some((u) => u.startsWith(`${WS}?api-version=`))).toBe(true);
    const names = observations.map((o) => o.attrs?.name);
    expect(names).toContain('ml-ws');
    expect(names).toContain('llama-serverless');
    expect(names).not.toContain('churn-online');
  });

  it('a deployments list answering 404 for an account that still exists: the account lands, the unit is partial', async () => {
    const { coverage, observations } = await run(estate({ childNotFound: [`${ACCT}/deployments`] }));
    expect(coverage.failed).toEqual([{ unit: `azure:${S}`, reason: expect.stringMatching(/^not found \(deployments\.list foundry-1\) although foundry-1 exists/) }]);
    expect(observations.some((o) => o.attrs?.name === 'foundry-1')).toBe(true);
  });

  it('a parent deleted after the listing (child list and direct read both 404): not reported, and the unit stays complete', async () => {
    const { coverage, observations } = await run(estate({ vanished: [WS] }, false));
    expect(coverage.failed).toEqual([]);
    expect(coverage.units).toEqual([`azure:${S}`]);
    expect(observations.some((o) => String(o.locator).toLowerCase().startsWith(WS.toLowerCase()))).toBe(false);
    expect(observations.some((o) => o.attrs?.name === 'support-agent')).toBe(true);
    expect(coverage.problems.map((p) => p.message)).toContainEqual(expect.stringMatching(/^ml-ws: deleted while the subscription was being read/));
  });

  it('a provider that lists no API version for a nested type: the unit is partial, the rest lands', async () => {
    const e = estate({}, false);
    e.apiVersions = { 'microsoft.machinelearningservices/workspaces/batchendpoints': [] };
    const { coverage, observations } = await run(e);
    expect(coverage.failed).toEqual([{ unit: `azure:${S}`, reason: expect.stringMatching(/API version of Microsoft\.MachineLearningServices\/workspaces\/batchEndpoints/) }]);
    expect(observations.some((o) => o.attrs?.name === 'churn-online')).toBe(true);
    expect(observations.some((o) => o.attrs?.name === 'nightly-scoring')).toBe(false);
  });

  it('a resource manager that refuses nested types in the list filter: top-level types only, the nested ones through their parents, nothing lost', async () => {
    const { coverage, observations } = await run(estate({ rejectNestedFilter: true }, true));
    expect(coverage.failed).toEqual([]);
    expect(coverage.problems.map((p) => p.message)).toContainEqual(expect.stringMatching(/^resources\.list refused the nested types in its filter/));
    const got = matchAll(rules, observations).map((f) => [String(f.attrs?.name), f.service]).sort((a, b) => a[0].localeCompare(b[0]));
    expect(got).toEqual(EXPECTED);
  });
});
