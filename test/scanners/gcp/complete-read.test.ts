/**
 * Issue 16 item 3 on the GCP side: a unit counts as fully covered only when every record and
 * every asked-for type of it was read. Damaged exports (cut off, a corrupt record, a record
 * that is not an asset, no records at all) and scopes whose search left a refused asset type
 * out are failed units — partial for gone-marking — while everything that was read still lands.
 * Exports are read in the API's camelCase and in the snake_case that `gcloud asset export`
 * writes to Cloud Storage (and BigQuery, with `resource.data` as a JSON string), with or
 * without a byte-order mark.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { gcpScanner, optionsSchema } from '../../../scanners/gcp/index.js';
import { startGcpLoopback, type GcpLoopback } from '../../../scanners/gcp/loopback.js';
import { parseExport } from '../../../scanners/gcp/scan.js';
import { matchAll } from '../../../src/match/match.js';
import { context, sink, testRules, withEnv } from '../aws/helpers.js';

const rules = testRules();
const FIX = resolve(__dirname, '../../../fixtures/cloud/gcp');
const GCS = readFileSync(resolve(FIX, 'asset-export-gcs.ndjson'), 'utf8');
const LIST = readFileSync(resolve(FIX, 'search-all-resources.json'), 'utf8');
const dir = mkdtempSync(join(tmpdir(), 'shadowscan-gcp-complete-'));
let n = 0;
const file = (text: string | Buffer) => {
  const f = join(dir, `export-${++n}.json`);
  writeFileSync(f, text);
  return f;
};

async function read(text: string | Buffer) {
  const f = file(text);
  const s = sink('gcp');
  const coverage = await gcpScanner.scan(context(optionsSchema.parse({ exportFiles: [f] }), rules), s.sink);
  return { f, coverage, observations: s.observations, unit: `gcp-export:${f}` };
}

const servers: GcpLoopback[] = [];
afterEach(async () => {
  while (servers.length) await servers.pop()!.close();
});

describe('gcp: complete reads only', () => {
  it('reads a Cloud Storage export in snake_case (asset_type, update_time) as a complete unit', async () => {
    const { coverage, observations, unit } = await read(GCS);
    expect(coverage.failed).toEqual([]);
    expect(coverage.units).toEqual([unit]);
    expect(observations.map((o) => [o.value, o.attrs?.name, o.subject.id])).toEqual([
      ['aiplatform.googleapis.com/Endpoint', 'claims-classifier', '987654321098'],
      ['aiplatform.googleapis.com/Model', 'claims-v3', '987654321098'],
      ['notebooks.googleapis.com/Instance', 'analyst-workbench', 'claims-sandbox-7'],
    ]);
    expect(observations[0].attrs).toMatchObject({ owner: 'claims-ml', location: 'europe-west4', createdAt: '2025-05-02T08:55:00.000Z', modelId: '2200000000000000002' });
    expect(observations[1].attrs).toMatchObject({ modelVersion: '3' });
    expect(observations[2].attrs).toMatchObject({ owner: 'claims-analytics', state: 'ACTIVE' });
    expect(matchAll(rules, observations)).toHaveLength(3);
  });

  it('reads a BigQuery-style export whose resource.data is a JSON string', async () => {
    const lines = GCS.trim().split('\n').map((l) => {
      const r = JSON.parse(l);
      r.resource.data = JSON.stringify(r.resource.data);
      return JSON.stringify(r);
    });
    const { coverage, observations } = await read(lines.join('\n'));
    expect(coverage.failed).toEqual([]);
    expect(observations.map((o) => o.attrs?.name)).toEqual(['claims-classifier', 'claims-v3', 'analyst-workbench']);
  });

  it('skips a byte-order mark (NDJSON and JSON array) and reads everything', async () => {
    for (const text of [Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(GCS)]), Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(LIST)])]) {
      const { coverage, observations } = await read(text);
      expect(coverage.failed).toEqual([]);
      expect(coverage.units).toHaveLength(1);
      expect(observations.length).toBeGreaterThanOrEqual(2);
    }
  });

  it('a cut-off NDJSON export is partial with the byte where it stopped; the whole records land', async () => {
    const cut = GCS.slice(0, GCS.lastIndexOf('"update_time"'));
    const { coverage, observations, f, unit } = await read(cut);
    expect(coverage.units).toEqual([]);
    expect(coverage.failed).toEqual([{ unit, reason: expect.stringMatching(new RegExp(`^partial: truncated at byte ${Buffer.byteLength(cut)}, 1 damaged record`)) }]);
    expect(coverage.problems).toContainEqual({ locator: `${f}:4`, message: expect.stringMatching(/^truncated: the last line is cut off/) });
    expect(observations.map((o) => o.attrs?.name)).toEqual(['claims-classifier', 'claims-v3']);
  });

  it('one corrupt record in the middle: the others land, the unit is partial, the line is named', async () => {
    const lines = GCS.trim().split('\n');
    lines[1] = lines[1].slice(0, 60) + '\u0000garbage' + lines[1].slice(80);
    const { coverage, observations, f, unit } = await read(lines.join('\n') + '\n');
    expect(coverage.failed).toEqual([{ unit, reason: expect.stringMatching(/^partial: 1 damaged record\(s\); the 2 resource\(s\) read/) }]);
    expect(coverage.problems.map((p) => p.locator)).toEqual([`${f}:2`]);
    expect(observations.map((o) => o.attrs?.name)).toEqual(['claims-classifier', 'analyst-workbench']);
  });

  it('records that are valid JSON but not assets (null, a number, no asset type) make the unit partial', async () => {
    const lines = GCS.trim().split('\n');
    const { coverage, observations, unit } = await read([lines[0], 'null', '42', '{"name":"x"}', lines[3]].join('\n'));
    expect(coverage.failed).toEqual([{ unit, reason: expect.stringMatching(/3 record\(s\) that are not assets/) }]);
    expect(observations).toHaveLength(2);
  });

  it('a JSON array cut off or with a damaged element: the whole elements land, the unit is partial', async () => {
    const arr = JSON.parse(LIST) as unknown[];
    const text = JSON.stringify(arr, null, 2);
    const cut = await read(text.slice(0, Math.floor(text.length * 0.6)));
    expect(cut.coverage.failed).toEqual([{ unit: cut.unit, reason: expect.stringMatching(/^partial: truncated at byte \d+/) }]);
    expect(cut.observations.map((o) => o.attrs?.name)).toEqual(['claims-labelled']);

    const damaged = text.replace('"claims-labelled"', '"claims-labelled" oops');
    const bad = await read(damaged);
    expect(bad.coverage.failed).toEqual([{ unit: bad.unit, reason: expect.stringMatching(/^partial: 1 damaged record/) }]);
    expect(bad.observations.map((o) => o.attrs?.name)).toEqual(['claims-triage']);
    expect(bad.coverage.problems[0].message).toMatch(/^damaged array element/);
  });

  it('an empty or whitespace-only file, and a file of garbage, are never complete', async () => {
    for (const text of ['', '  \n\n', 'not json at all\n']) {
      const { coverage, unit } = await read(text);
      expect(coverage.units).toEqual([]);
      expect(coverage.failed).toEqual([{ unit, reason: expect.stringMatching(/^partial: /) }]);
    }
  });

  it('parseExport reads an API response object ({assets: [...]}) and counts nothing as damaged', () => {
    const problems: string[] = [];
    const r = parseExport(JSON.stringify({ assets: GCS.trim().split('\n').map((l) => JSON.parse(l)), readTime: '2025-05-03T00:00:00Z' }), (_l, m) => problems.push(m));
    expect(r.records).toHaveLength(4);
    expect(r.damaged).toBe(0);
    expect(problems).toEqual([]);
  });

  it('a scope whose search left a refused asset type out is partial for every scope; the other types land', async () => {
    const res = (type: string, id: string) => ({ name: `//${type.split('/')[0]}/projects/p-one1/locations/us/${id}`, assetType: type, project: 'projects/111', displayName: id, location: 'us' });
    const lb = await startGcpLoopback({
      searchableTypes: ['aiplatform.googleapis.com/Endpoint', 'aiplatform.googleapis.com/Model', 'aiplatform.googleapis.com/Dataset'],
      scopes: { 'projects/p-one1': [res('aiplatform.googleapis.com/Endpoint', 'ep-1'), res('notebooks.googleapis.com/Instance', 'nb-1')], 'projects/p-two2': [res('aiplatform.googleapis.com/Model', 'm-1')] },
    });
    servers.push(lb);
    const s = sink('gcp');
    const coverage = await withEnv(lb.env, () => gcpScanner.scan(context(optionsSchema.parse({ retryDelayMs: 1, projects: ['p-one1', 'p-two2'] }), rules), s.sink));
    expect(coverage.units).toEqual([]);
    expect(coverage.failed).toEqual([
      { unit: 'gcp:projects/p-one1', reason: expect.stringMatching(/^partial: asset type\(s\) refused by the API: notebooks\.googleapis\.com\/Instance/) },
      { unit: 'gcp:projects/p-two2', reason: expect.stringMatching(/^partial: asset type\(s\) refused by the API: notebooks\.googleapis\.com\/Instance/) },
    ]);
    expect(s.observations.map((o) => o.attrs?.name).sort()).toEqual(['ep-1', 'm-1']);
  });

  it('a search page with a result that is not a resource (null, no name) makes the scope partial; the rest lands', async () => {
    const ok = { name: '//aiplatform.googleapis.com/projects/p-one1/locations/us/endpoints/ep-1', assetType: 'aiplatform.googleapis.com/Endpoint', project: 'projects/111', displayName: 'ep-1' };
    const lb = await startGcpLoopback({ ignoreTypeFilter: true, scopes: { 'projects/p-one1': [ok, null as never, { displayName: 'no name' }] } });
    servers.push(lb);
    const s = sink('gcp');
    const coverage = await withEnv(lb.env, () => gcpScanner.scan(context(optionsSchema.parse({ retryDelayMs: 1, projects: ['p-one1'] }), rules), s.sink));
    expect(coverage.failed).toEqual([{ unit: 'gcp:projects/p-one1', reason: expect.stringMatching(/^partial: 2 damaged search result\(s\)/) }]);
    expect(s.observations.map((o) => o.attrs?.name)).toEqual(['ep-1']);
  });
});
