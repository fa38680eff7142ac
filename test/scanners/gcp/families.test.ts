/**
 * Issue 11 item 4 on GCP: service families the rules lacked — Dialogflow agents and
 * conversation profiles, Document AI processors — are asked for in the Cloud Asset search and
 * named by their rules; the same in a `gcloud asset export` file. Loopback Cloud Asset API.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { gcpScanner, optionsSchema } from '../../../scanners/gcp/index.js';
import { startGcpLoopback, type GcpLoopback } from '../../../scanners/gcp/loopback.js';
import { ruleAssetTypes } from '../../../scanners/gcp/scan.js';
import { matchAll } from '../../../src/match/match.js';
import { ruleIndex } from '../../../src/rules/load.js';
import { context, sink, withEnv } from '../aws/helpers.js';

const rules = ruleIndex([]).index;
const servers: GcpLoopback[] = [];
afterEach(async () => {
  while (servers.length) await servers.pop()!.close();
});
const res = (type: string, path: string) => ({ name: `//${type.split('/')[0]}/projects/cx-prod/locations/global/${path}`, assetType: type, project: 'projects/222333444555', displayName: path.split('/').pop(), location: 'global' });
const ESTATE = [
  res('dialogflow.googleapis.com/Agent', 'agents/3f1e0000-aaaa-4bbb-8ccc-000000000001'),
  res('dialogflow.googleapis.com/ConversationProfile', 'conversationProfiles/support-assist'),
  res('documentai.googleapis.com/Processor', 'processors/invoice-parser'),
  // not AI systems of their own
  res('dialogflow.googleapis.com/Location', 'x'),
  res('storage.googleapis.com/Bucket', 'buckets/cx-transcripts'),
];
const EXPECTED = [
  ['agents/3f1e0000-aaaa-4bbb-8ccc-000000000001', 'google-dialogflow'],
  ['conversationProfiles/support-assist', 'google-dialogflow'],
  ['processors/invoice-parser', 'google-document-ai'],
];
const found = (obs: Parameters<typeof matchAll>[1]) => matchAll(rules, obs).map((f) => [f.locator.split('/locations/global/')[1], f.service]).sort((a, b) => a[0].localeCompare(b[0]));

describe('gcp: Dialogflow and Document AI', () => {
  it('asks the search API for their asset types and names what it finds', async () => {
    const types = ruleAssetTypes(context({} as never, rules));
    for (const t of ['dialogflow.googleapis.com/Agent', 'dialogflow.googleapis.com/ConversationProfile', 'documentai.googleapis.com/Processor']) expect(types).toContain(t);
    const lb = await startGcpLoopback({ scopes: { 'projects/cx-prod': ESTATE } });
    servers.push(lb);
    const s = sink('gcp');
    const cov = await withEnv(lb.env, () => gcpScanner.scan(context(optionsSchema.parse({ retryDelayMs: 1, projects: ['cx-prod'] }), rules), s.sink));
    expect(cov.failed).toEqual([]);
    expect(found(s.observations)).toEqual(EXPECTED);
  });

  it('finds them in a Cloud Storage export (snake_case) too', async () => {
    const f = join(mkdtempSync(join(tmpdir(), 'shadowscan-gcp-families-')), 'assets.ndjson');
    writeFileSync(f, ESTATE.map(({ assetType, ...r }) => JSON.stringify({ ...r, asset_type: assetType, update_time: '2025-06-01T00:00:00Z' })).join('\n') + '\n');
    const s = sink('gcp');
    const cov = await gcpScanner.scan(context(optionsSchema.parse({ exportFiles: [f] }), rules), s.sink);
    expect(cov.units).toEqual([`gcp-export:${f}`]);
    expect(found(s.observations)).toEqual(EXPECTED);
  });
});
