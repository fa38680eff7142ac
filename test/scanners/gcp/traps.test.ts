/**
 * Adversarial cases for the GCP scanner with the bundled rules: which asset types are AI
 * inventory (Vertex AI endpoints / models / datasets / feature stores, Workbench instances,
 * legacy AI Platform models) and which are run records (pipeline / custom / tuning jobs);
 * an asset type the search API refuses must not lose every scope; owner labels incl.
 * cost-center; the coverage unit on each resource.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { gcpScanner, optionsSchema } from '../../../scanners/gcp/index.js';
import { startGcpLoopback, type GcpEstate, type GcpLoopback } from '../../../scanners/gcp/loopback.js';
import { ruleAssetTypes } from '../../../scanners/gcp/scan.js';
import { matchAll } from '../../../src/match/match.js';
import { ruleIndex } from '../../../src/rules/load.js';
import { context, sink, withEnv } from '../aws/helpers.js';

const rules = ruleIndex([]).index;
const servers: GcpLoopback[] = [];
afterEach(async () => {
  while (servers.length) await servers.pop()!.close();
});

const P = 'projects/ml-prod';
const res = (type: string, path: string, extra: Record<string, unknown> = {}) => ({
  name: `//${type.split('/')[0]}/${P}/locations/us-central1/${path}`,
  assetType: type,
  project: 'projects/123456789012',
  displayName: path.split('/').pop(),
  location: 'us-central1',
  createTime: '2025-04-01T00:00:00Z',
  state: 'ACTIVE',
  ...extra,
});

function estate(extra: Partial<GcpEstate> = {}): GcpEstate {
  return {
    scopes: {
      [P]: [
        res('aiplatform.googleapis.com/Endpoint', 'endpoints/111', { labels: { 'cost-center': 'cc-42' } }),
        res('aiplatform.googleapis.com/Model', 'models/222', { labels: { owner: 'ml-platform', team: 'x' } }),
        res('aiplatform.googleapis.com/Dataset', 'datasets/333'),
        res('aiplatform.googleapis.com/Featurestore', 'featurestores/fs1'),
        res('notebooks.googleapis.com/Instance', 'instances/workbench-1'),
        res('ml.googleapis.com/Model', 'models/legacy_model'),
        // run records: not AI systems of their own
        res('aiplatform.googleapis.com/PipelineJob', 'pipelineJobs/run-2025-04-01'),
        res('aiplatform.googleapis.com/CustomJob', 'customJobs/444'),
        res('aiplatform.googleapis.com/TuningJob', 'tuningJobs/555'),
        // not AI at all, with an AI-sounding name and label
        res('storage.googleapis.com/Bucket', 'buckets/genai-data', { labels: { ai: 'true' } }),
      ],
      'projects/other-proj-1': [res('aiplatform.googleapis.com/Endpoint', 'endpoints/999')],
    },
    ...extra,
  };
}

async function run(e: GcpEstate, scopes = [P, 'projects/other-proj-1']) {
  const lb = await startGcpLoopback(e);
  servers.push(lb);
  const s = sink('gcp');
  const cov = await withEnv(lb.env, () => gcpScanner.scan(context(optionsSchema.parse({ retryDelayMs: 1, projects: scopes.map((x) => x.replace('projects/', '')) }), rules), s.sink));
  return { coverage: cov, observations: s.observations };
}

describe('gcp traps (bundled rules)', () => {
  it('asks for AI resource types only; run records and other services are not inventory', async () => {
    const types = ruleAssetTypes(context({} as never, rules));
    for (const t of ['aiplatform.googleapis.com/Endpoint', 'aiplatform.googleapis.com/Model', 'aiplatform.googleapis.com/Dataset', 'aiplatform.googleapis.com/Featurestore', 'notebooks.googleapis.com/Instance', 'ml.googleapis.com/Model']) expect(types, t).toContain(t);
    for (const t of ['aiplatform.googleapis.com/PipelineJob', 'aiplatform.googleapis.com/CustomJob', 'aiplatform.googleapis.com/TuningJob', 'aiplatform.googleapis.com/BatchPredictionJob', 'storage.googleapis.com/Bucket']) expect(types, t).not.toContain(t);
    const { coverage, observations } = await run(estate());
    expect(coverage.failed).toEqual([]);
    const findings = matchAll(rules, observations);
    expect(findings.map((f) => f.value).sort()).toEqual([
      'aiplatform.googleapis.com/Dataset', 'aiplatform.googleapis.com/Endpoint', 'aiplatform.googleapis.com/Endpoint', 'aiplatform.googleapis.com/Featurestore', 'aiplatform.googleapis.com/Model', 'ml.googleapis.com/Model', 'notebooks.googleapis.com/Instance',
    ]);
    expect(new Set(findings.map((f) => f.service))).toEqual(new Set(['google-vertex-ai']));
    const ep = observations.find((o) => o.locator.endsWith('endpoints/111'))!;
    expect(ep.attrs).toMatchObject({ owner: 'cc-42', createdAt: '2025-04-01T00:00:00.000Z', unit: `gcp:${P}`, project: 'ml-prod' });
    expect(observations.find((o) => o.locator.endsWith('models/222'))!.attrs?.owner).toBe('ml-platform');
  });

  it('a server that ignores the assetTypes filter: other types are still dropped', async () => {
    const { coverage, observations } = await run(estate({ ignoreTypeFilter: true }));
    expect(coverage.failed).toEqual([]);
    expect(observations.length).toBe(7);
    expect(observations.some((o) => o.value === 'storage.googleapis.com/Bucket' || o.value.endsWith('Job'))).toBe(false);
  });

  it('an asset type the search API refuses (400 Unsupported asset type) is left out once, reported, and every scope still lands (partial for gone-marking)', async () => {
    const searchable = ruleAssetTypes(context({} as never, rules)).filter((t) => t !== 'ml.googleapis.com/Model');
    const { coverage, observations } = await run(estate({ searchableTypes: searchable }));
    // the refused type was not read in any scope: no scope is a complete read
    expect(coverage.units).toEqual([]);
    expect(coverage.failed.map((f) => f.unit)).toEqual([`gcp:${P}`, 'gcp:projects/other-proj-1']);
    for (const f of coverage.failed) expect(f.reason).toMatch(/^partial: asset type\(s\) refused by the API: ml\.googleapis\.com\/Model;/);
    expect(coverage.problems.filter((p) => p.locator === 'gcp:asset-types')).toEqual([{ locator: 'gcp:asset-types', message: expect.stringMatching(/^asset type ml\.googleapis\.com\/Model left out of the search .*Unsupported asset type/) }]);
    expect(observations.filter((o) => o.value === 'aiplatform.googleapis.com/Endpoint')).toHaveLength(2);
    expect(observations.some((o) => o.value === 'ml.googleapis.com/Model')).toBe(false);
  });

  it('a denied scope fails that unit only; every resource carries its own unit', async () => {
    const { coverage, observations } = await run(estate({ faults: { denied: ['projects/other-proj-1'] } }));
    expect(coverage.failed).toEqual([{ unit: 'gcp:projects/other-proj-1', reason: expect.stringMatching(/^access denied/) }]);
    expect(coverage.units).toEqual([`gcp:${P}`]);
    expect(observations.every((o) => o.attrs?.unit === `gcp:${P}`)).toBe(true);
  });
});
