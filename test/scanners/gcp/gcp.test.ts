/**
 * The GCP scanner over Cloud Asset Inventory: export files in both gcloud shapes, and the
 * searchAllResources API on a loopback server (paging, 429, PERMISSION_DENIED, expired token).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { gcpScanner, optionsSchema } from '../../../scanners/gcp/index.js';
import { startGcpLoopback, type GcpEstate, type GcpLoopback } from '../../../scanners/gcp/loopback.js';
import { matchAll } from '../../../src/match/match.js';
import { ScanError } from '../../../src/core/errors.js';
import { context, sink, testRules, withEnv } from '../aws/helpers.js';

const rules = testRules();
const FIX = resolve(__dirname, '../../../fixtures/cloud/gcp');
const servers: GcpLoopback[] = [];
afterEach(async () => {
  while (servers.length) await servers.pop()!.close();
});

async function run(options: Record<string, unknown>, env: Record<string, string | undefined> = {}) {
  const s = sink('gcp');
  const cov = await withEnv(env, () => gcpScanner.scan(context(optionsSchema.parse({ retryDelayMs: 1, ...options }), rules), s.sink));
  return { coverage: cov, observations: s.observations };
}

const apiEstate = (faults: GcpEstate['faults'] = {}): GcpEstate => ({
  faults,
  scopes: {
    'projects/analytics-prod': JSON.parse(readFileSync(resolve(FIX, 'search-all-resources.json'), 'utf8')),
    'projects/research-sandbox-42': [],
    'projects/locked-down-1': [],
  },
});

describe('gcp scanner', () => {
  it('reads a gcloud asset export (NDJSON of Assets), keeping only the rules\' asset types', async () => {
    const file = resolve(FIX, 'asset-export.ndjson');
    const { coverage, observations } = await run({ exportFiles: [file] });
    // line 5 is damaged: every asset lands, but the file is not a complete read
    expect(coverage.units).toEqual([]);
    expect(coverage.failed).toEqual([{ unit: `gcp-export:${file}`, reason: expect.stringMatching(/^partial: 1 damaged record\(s\); the 3 resource\(s\) read are kept/) }]);
    expect(coverage.problemCount).toBe(1);
    expect(coverage.problems[0].locator).toBe(`${file}:5`);
    expect(observations.map((o) => o.value)).toEqual(['aiplatform.googleapis.com/Endpoint', 'aiplatform.googleapis.com/Model', 'notebooks.googleapis.com/Instance']);
    const ep = observations[0];
    expect(ep).toMatchObject({ kind: 'cloud-resource', namespace: 'gcp', signal: 'presence', confidence: 'declared', subject: { kind: 'project', id: '123456789012' } });
    expect(ep.attrs).toMatchObject({ name: 'support-summariser', location: 'us-central1', owner: 'support-eng', modelId: '5914130358932213760', createdAt: '2025-03-04T10:00:00.000Z' });
    expect(observations[1].attrs).toMatchObject({ modelVersion: '2', owner: 'ml-platform' });
    expect(observations[2].subject.id).toBe('research-sandbox-42');
    expect(ep.artifact).toEqual({ type: 'cloud-resource', key: ep.locator, name: 'support-summariser', attrs: ep.attrs });
    expect(matchAll(rules, observations).map((f) => f.service)).toEqual(['test-gcp-ml', 'test-gcp-ml', 'test-gcp-ml']);
  });

  it('reads search-all-resources JSON arrays', async () => {
    const { observations } = await run({ exportFiles: [resolve(FIX, 'search-all-resources.json')] });
    expect(observations.map((o) => o.attrs?.name)).toEqual(['claims-labelled', 'claims-triage']);
    expect(observations[0].subject.id).toBe('555555555555');
  });

  it('an unreadable export file is a failed unit', async () => {
    const { coverage } = await run({ exportFiles: ['/nonexistent/export.json'] });
    expect(coverage.failed[0]).toMatchObject({ unit: 'gcp-export:/nonexistent/export.json', reason: expect.stringMatching(/^cannot read/) });
  });

  it('searches projects through the API with paging and 429s; PERMISSION_DENIED fails one project', async () => {
    const lb = await startGcpLoopback(apiEstate({ pageSize: 1, throttleFirst: 1, denied: ['projects/locked-down-1'] }));
    servers.push(lb);
    const { coverage, observations } = await run({ projects: ['analytics-prod', 'research-sandbox-42', 'locked-down-1'] }, lb.env);
    expect(lb.stats.throttled).toBeGreaterThan(0);
    expect(coverage.units).toEqual(['gcp:projects/analytics-prod', 'gcp:projects/research-sandbox-42']);
    expect(coverage.failed).toEqual([{ unit: 'gcp:projects/locked-down-1', reason: expect.stringMatching(/^access denied: HTTP 403 PERMISSION_DENIED/) }]);
    expect(observations.map((o) => o.attrs?.name)).toEqual(['claims-labelled', 'claims-triage']);
    expect(observations[0].subject).toEqual({ kind: 'project', id: 'analytics-prod' });
    expect(observations[0].attrs).toMatchObject({ owner: 'claims-analytics', createdAt: '2025-01-15T09:30:00.000Z' });
  });

  it('an expired token for one scope fails that unit; no token at all throws', async () => {
    const lb = await startGcpLoopback(apiEstate({ expired: ['projects/research-sandbox-42'] }));
    servers.push(lb);
    const { coverage } = await run({ projects: ['analytics-prod', 'research-sandbox-42'] }, lb.env);
    expect(coverage.failed).toEqual([{ unit: 'gcp:projects/research-sandbox-42', reason: expect.stringMatching(/^credential expired/) }]);
    await expect(
      run({ projects: ['analytics-prod'] }, { SHADOWSCAN_GCP_ASSET_ENDPOINT: lb.url, GOOGLE_OAUTH_ACCESS_TOKEN: undefined, GOOGLE_APPLICATION_CREDENTIALS: '/nonexistent/adc.json' }),
    ).rejects.toThrow(ScanError);
  });

  it('requires a source and builds options from CLI flags', () => {
    expect(optionsSchema.safeParse({}).success).toBe(false);
    expect(gcpScanner.optionsFromCli!({})).toBeUndefined();
    expect(gcpScanner.optionsFromCli!({ gcpAssetExport: ['a.json'], gcpProjects: ['p-one1,p-two2'] })).toMatchObject({ exportFiles: ['a.json'], projects: ['p-one1', 'p-two2'] });
  });
});
