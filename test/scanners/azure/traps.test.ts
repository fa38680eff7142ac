/**
 * Adversarial cases for the Azure scanner with the bundled rules: Cognitive Services kinds
 * (generative: OpenAI, AIServices; classic AI services: TextAnalytics, ComputerVision,
 * SpeechServices, FormRecognizer, Face, ContentSafety, the CognitiveServices multi-service
 * account, Bing.Search …), Azure ML workspace kinds (Hub, Project, Default, FeatureStore), a
 * look-alike that is not AI; deployments per account kind; owner tags; denied deployments.
 */
import { describe, expect, it } from 'vitest';
import type { AzureEstate } from '../../../scanners/azure/loopback.js';
import { matchAll } from '../../../src/match/match.js';
import { ruleIndex } from '../../../src/rules/load.js';
import { azureRunner } from './helpers.js';

const rules = ruleIndex([]).index;
const S = '00000000-0000-0000-0000-0000000000d1';
const T = '00000000-0000-0000-0000-0000000000d2';
const cs = (name: string) => `/subscriptions/${S}/resourceGroups/rg-ai/providers/Microsoft.CognitiveServices/accounts/${name}`;
const ws = (name: string) => `/subscriptions/${S}/resourceGroups/rg-ml/providers/Microsoft.MachineLearningServices/workspaces/${name}`;
const account = (name: string, kind: string, extra: Record<string, unknown> = {}) => ({ id: cs(name), name, type: 'Microsoft.CognitiveServices/accounts', kind, location: 'westeurope', sku: { name: 'S0' }, ...extra });
const dep = (acct: string, name: string, model: string, format: string) => ({
  id: `${cs(acct)}/deployments/${name}`,
  name,
  type: 'Microsoft.CognitiveServices/accounts/deployments',
  sku: { name: 'Standard', capacity: 10 },
  properties: { model: { format, name: model, version: '1' }, provisioningState: 'Succeeded' },
});

const KINDS: Record<string, string | undefined> = {
  OpenAI: 'azure-openai',
  openai: 'azure-openai', // kind compared case-insensitively
  AIServices: 'azure-ai-foundry',
  TextAnalytics: 'azure-ai-services',
  ComputerVision: 'azure-ai-services',
  SpeechServices: 'azure-ai-services',
  FormRecognizer: 'azure-ai-services',
  Face: 'azure-ai-services',
  ContentSafety: 'azure-ai-services',
  CognitiveServices: 'azure-ai-services',
  'Bing.Search': 'azure-ai-services',
};

function estate(faults: AzureEstate['faults'] = {}): AzureEstate {
  return {
    faults,
    subscriptions: {
      [S]: {
        resources: [
          ...Object.keys(KINDS).map((k) => account(`acct-${k.toLowerCase().replace(/\W/g, '')}`, k, k === 'OpenAI' ? { tags: { 'cost-center': 'cc-77' }, createdTime: '2025-05-01T00:00:00Z' } : {})),
          { id: ws('hub'), name: 'hub', type: 'Microsoft.MachineLearningServices/workspaces', kind: 'Hub', location: 'westeurope', tags: { Owner: 'alice@example.com', team: 'ml' } },
          { id: ws('proj'), name: 'proj', type: 'Microsoft.MachineLearningServices/workspaces', kind: 'Project', location: 'westeurope' },
          { id: ws('classic'), name: 'classic', type: 'Microsoft.MachineLearningServices/workspaces', kind: 'Default', location: 'westeurope' },
          { id: ws('features'), name: 'features', type: 'Microsoft.MachineLearningServices/workspaces', kind: 'FeatureStore', location: 'westeurope' },
          { id: `/subscriptions/${S}/resourceGroups/rg-ai/providers/Microsoft.Search/searchServices/rag-index`, name: 'rag-index', type: 'Microsoft.Search/searchServices', location: 'westeurope', sku: { name: 'standard' } },
          // not AI: AI-sounding names and tags
          { id: `/subscriptions/${S}/resourceGroups/rg-ai/providers/Microsoft.Storage/storageAccounts/openaitrainingdata`, name: 'openaitrainingdata', type: 'Microsoft.Storage/storageAccounts', kind: 'StorageV2', location: 'westeurope', tags: { ai: 'true' } },
          { id: `/subscriptions/${S}/resourceGroups/rg-ai/providers/Microsoft.Web/sites/copilot-ai-app`, name: 'copilot-ai-app', type: 'Microsoft.Web/sites', kind: 'app', location: 'westeurope' },
        ],
        deployments: {
          [cs('acct-openai')]: [dep('acct-openai', 'gpt', 'gpt-4o', 'OpenAI'), dep('acct-openai', 'embed', 'text-embedding-3-small', 'OpenAI')],
          [cs('acct-aiservices')]: [dep('acct-aiservices', 'llama', 'Llama-3.3-70B-Instruct', 'Meta')],
        },
      },
      [T]: { resources: [{ ...account('other-oai', 'OpenAI'), id: cs('other-oai').replace(S, T) }] },
    },
  };
}

const run = azureRunner(rules);

describe('azure traps (bundled rules)', () => {
  it('maps each Cognitive Services kind, ML workspace kind and deployment to the right service, and look-alikes to none', async () => {
    const { coverage, observations } = await run(estate({ pageSize: 2 }));
    expect(coverage.failed).toEqual([]);
    const findings = matchAll(rules, observations);
    const svc = new Map(findings.map((f) => [String(f.attrs?.name), f.service]));
    for (const [kind, service] of Object.entries(KINDS)) expect(svc.get(`acct-${kind.toLowerCase().replace(/\W/g, '')}`), kind).toBe(service);
    expect(svc.get('hub')).toBe('azure-ai-foundry');
    expect(svc.get('proj')).toBe('azure-ai-foundry');
    expect(svc.get('classic')).toBe('azure-machine-learning');
    expect(svc.get('features')).toBe('azure-machine-learning');
    expect(svc.get('rag-index')).toBe('azure-ai-search');
    expect(svc.get('gpt')).toBe('azure-openai');
    expect(svc.get('llama')).toBe('azure-ai-foundry');
    expect(observations.some((o) => o.attrs?.name === 'openaitrainingdata' || o.attrs?.name === 'copilot-ai-app')).toBe(false);
    const oai = observations.find((o) => o.attrs?.name === 'acct-openai')!;
    expect(oai.attrs).toMatchObject({ owner: 'cc-77', createdAt: '2025-05-01T00:00:00.000Z', unit: `azure:${S}`, deployments: ['embed=text-embedding-3-small@1', 'gpt=gpt-4o@1'] });
    expect(observations.find((o) => o.attrs?.name === 'gpt')!.attrs).toMatchObject({ owner: 'cc-77', kind: 'OpenAI', modelId: 'gpt-4o', unit: `azure:${S}` });
    expect(observations.find((o) => o.attrs?.name === 'hub')!.attrs?.owner).toBe('alice@example.com');
    expect(observations.find((o) => o.attrs?.name === 'other-oai')!.attrs?.unit).toBe(`azure:${T}`);
  }, 30_000);

  it('an account deleted between the resource listing and its deployments listing is not reported, and costs no coverage', async () => {
    const { coverage, observations } = await run(estate({ vanishedAccounts: [cs('acct-openai')] }));
    expect(coverage.failed).toEqual([]);
    expect(coverage.units).toEqual([`azure:${S}`, `azure:${T}`]);
    expect(observations.some((o) => o.attrs?.name === 'acct-openai' || o.attrs?.parent === cs('acct-openai'))).toBe(false);
    expect(observations.some((o) => o.attrs?.name === 'llama')).toBe(true);
    expect(coverage.problems.map((p) => p.message)).toContainEqual(expect.stringMatching(/^acct-openai: deleted while the subscription was being read/));
  }, 30_000);

  it('a denied deployments listing fails that subscription only; the account itself still lands', async () => {
    const { coverage, observations } = await run(estate({ deniedDeployments: [cs('acct-openai')] }));
    expect(coverage.failed).toEqual([{ unit: `azure:${S}`, reason: expect.stringMatching(/^access denied \(deployments\.list acct-openai\): AuthorizationFailed/) }]);
    expect(coverage.units).toEqual([`azure:${T}`]);
    expect(observations.some((o) => o.attrs?.name === 'acct-openai')).toBe(true);
    expect(observations.some((o) => o.attrs?.name === 'llama')).toBe(true);
  }, 30_000);
});
