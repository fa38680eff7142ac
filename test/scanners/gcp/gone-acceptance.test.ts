/**
 * Issue 16, acceptance (GCP side), through the library API and a real SQLite register: a resource
 * removed from the cloud is never marked gone by an incomplete read — an export cut off, an export
 * with one corrupt record, a search where the API refused one asset type — and the next complete
 * read marks exactly the removed resources gone. Uses only the public exports of src/index.ts.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startGcpLoopback, type GcpLoopback } from '../../../scanners/gcp/loopback.js';
import { ruleIndex, runScan, scannerById } from '../../../src/index.js';
import { tmpDir } from '../../helpers/tmp.js';
import { context, withEnv } from '../aws/helpers.js';
import { ruleAssetTypes } from '../../../scanners/gcp/scan.js';

const gcp = scannerById('gcp')!;
const asset = (type: string, path: string, project = '123456789012') => ({
  name: `//${type.split('/')[0]}/projects/${project}/locations/us-central1/${path}`,
  asset_type: type,
  resource: { version: 'v1', discovery_name: type.split('/')[1], parent: `//cloudresourcemanager.googleapis.com/projects/${project}`, data: { name: `projects/${project}/locations/us-central1/${path}`, displayName: path.split('/').pop() }, location: 'us-central1' },
  ancestors: [`projects/${project}`, 'organizations/333333333333'],
  update_time: '2025-06-01T00:00:00Z',
});
const ASSETS = [
  asset('aiplatform.googleapis.com/Endpoint', 'endpoints/ep-support'),
  asset('aiplatform.googleapis.com/Endpoint', 'endpoints/ep-claims'),
  asset('aiplatform.googleapis.com/Model', 'models/m-claims'),
  asset('notebooks.googleapis.com/Instance', 'instances/nb-analyst'),
  asset('dialogflow.googleapis.com/Agent', 'agents/helpdesk'),
  asset('storage.googleapis.com/Bucket', 'buckets/not-ai'),
];
const ndjson = (xs: unknown[]) => xs.map((x) => JSON.stringify(x)).join('\n') + '\n';
const locators = (r: { findings: Array<{ locator: string }> }) => new Set(r.findings.map((f) => f.locator));

const servers: GcpLoopback[] = [];
afterEach(async () => {
  while (servers.length) await servers.pop()!.close();
});

describe('gcp: gone only after a complete read (register end to end)', () => {
  it('export: cut off, then one corrupt record → nothing gone; then a complete read → exactly the removed one', async () => {
    const dir = tmpDir('shadowscan-gcp-gone-');
    const db = join(dir, 'r.db');
    const file = join(dir, 'assets.ndjson');
    const scan = () => runScan({ runs: [{ scanner: gcp, options: { exportFiles: [file] } }], db });

    writeFileSync(file, ndjson(ASSETS));
    const first = await scan();
    expect(first.run.status).toBe('complete');
    const before = locators(first);
    expect(before.size).toBe(5);

    // ep-claims is deleted in the cloud; the next export arrives cut off in its last record
    const after = ASSETS.filter((a) => !a.name.endsWith('ep-claims'));
    const text = ndjson(after);
    writeFileSync(file, text.slice(0, text.length - 40));
    let r = await scan();
    expect(r.run.status).toBe('partial');
    expect(r.summary.findings.gone).toBe(0);

    // complete length, but one record corrupt
    const lines = text.trim().split('\n');
    lines[1] = lines[1].replace('"asset_type"', '"asset_type" ::');
    writeFileSync(file, lines.join('\n') + '\n');
    r = await scan();
    expect(r.run.status).toBe('partial');
    expect(r.summary.findings.gone).toBe(0);

    // a complete read: exactly the removed resource goes
    writeFileSync(file, text);
    r = await scan();
    expect(r.run.status).toBe('complete');
    expect(r.summary.findings.gone).toBe(1);
    const now = locators(r);
    expect([...before].filter((l) => !now.has(l))).toEqual([expect.stringMatching(/endpoints\/ep-claims$/)]);
  }, 30_000);

  it('API: a refused asset type → nothing gone; then a complete search → exactly the removed one', async () => {
    const dir = tmpDir('shadowscan-gcp-gone-api-');
    const db = join(dir, 'r.db');
    const search = (a: ReturnType<typeof asset>) => ({ name: a.name, assetType: a.asset_type, project: 'projects/123456789012', displayName: a.name.split('/').pop(), location: 'us-central1' });
    const all = ASSETS.map(search);
    const scan = async (scope: Array<Record<string, unknown>>, searchableTypes?: string[]) => {
      const lb = await startGcpLoopback({ scopes: { 'projects/ml-prod-1': scope }, ...(searchableTypes ? { searchableTypes } : {}) });
      servers.push(lb);
      return withEnv(lb.env, () => runScan({ runs: [{ scanner: gcp, options: { projects: ['ml-prod-1'], retryDelayMs: 1 } }], db }));
    };
    const first = await scan(all);
    expect(first.run.status).toBe('complete');
    const before = locators(first);
    expect(before.size).toBe(5);

    // the notebook instance is deleted; the API refuses the Dialogflow asset type this time
    const remaining = all.filter((a) => !a.name.endsWith('nb-analyst'));
    const searchable = ruleAssetTypes(context({} as never, ruleIndex([]).index)).filter((t) => t !== 'dialogflow.googleapis.com/Agent');
    let r = await scan(remaining, searchable);
    expect(r.run.status).toBe('partial');
    expect(r.coverage[0].failed[0].reason).toMatch(/refused by the API: dialogflow\.googleapis\.com\/Agent/);
    expect(r.summary.findings.gone).toBe(0);

    r = await scan(remaining);
    expect(r.run.status).toBe('complete');
    expect(r.summary.findings.gone).toBe(1);
    const now = locators(r);
    expect([...before].filter((l) => !now.has(l))).toEqual([expect.stringMatching(/instances\/nb-analyst$/)]);
  }, 30_000);
});
