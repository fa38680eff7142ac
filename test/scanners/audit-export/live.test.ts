/**
 * Live pulls: the real scanner code against a loopback server answering with each vendor's
 * documented response shapes — pagination, 429 with Retry-After, 5xx retry, expired token,
 * malformed page, resumable cursor. Back-off waits are capped to milliseconds by options.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { scannerById } from '../../../scanners/index.js';
import { collect, silentLogger } from '../../../src/collect/run.js';
import { ruleIndex } from '../../../src/rules/load.js';
import { matchAll } from '../../../src/match/match.js';
import { linkNext, serverWaitMs } from '../../../scanners/audit-export/lib/http.js';
import { CursorTracker } from '../../../scanners/audit-export/lib/pull.js';
import { startFake, type Fault, type FakeData, type FakeServer } from './fake-saas.js';
import { fakeData, fakeEnv, liveOptions, setEnv } from './fixtures-data.js';

const { index: rules } = ruleIndex();
const NOW = new Date('2026-02-01T00:00:00Z');
let cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => { for (const c of cleanup.reverse()) await c(); cleanup = []; });

async function server(data: FakeData = fakeData(), faults: Fault[] = []): Promise<FakeServer> {
  const s = await startFake(data, { faults, token: undefined });
  const restore = setEnv(fakeEnv(s.url));
  cleanup.push(() => s.close(), restore);
  return s;
}

async function run(id: string, options: unknown, state: Record<string, unknown> = {}, now = NOW) {
  const scanner = scannerById(id)!;
  const r = await collect([{ scanner, options }], { rules, now: () => now, log: silentLogger, state: { [id]: state } });
  return { ...r, findings: matchAll(rules, r.observations), cov: r.coverage[0] };
}

const services = (fs: Array<{ service: string; subject: { id: string } }>) => [...new Set(fs.map((f) => `${f.service} ${f.subject.id}`))].sort();

/** Per scanner: a request the faults target, the findings expected, and how to add one new event. */
const CASES: Record<string, { path: RegExp; expect: string[]; absent?: string[]; addNew: (d: FakeData) => void; newFinding: string }> = {
  'google-workspace': {
    path: /applications\/token/,
    expect: ['chatgpt alice@demo.example', 'claude-ai bob@demo.example', 'claude-ai dave@demo.example', 'otter bob@demo.example'],
    addNew: (d) => d.google!.token.push({ kind: 'admin#reports#activity', id: { time: '2026-01-20T10:00:00.000Z', uniqueQualifier: '999', applicationName: 'token' }, actor: { email: 'dave@demo.example' }, events: [{ name: 'authorize', parameters: [{ name: 'app_name', value: 'Granola' }, { name: 'client_id', value: '1-granola.apps.googleusercontent.com' }] }] }),
    newFinding: 'granola dave@demo.example',
  },
  okta: {
    path: /api\/v1\/logs/,
    expect: ['chatgpt carol@demo.example', 'glean bob@demo.example', 'perplexity dave@demo.example'],
    addNew: (d) => d.okta!.push({ ...d.okta![0], uuid: 'new-okta-1', published: '2026-01-20T10:00:00.000Z', actor: { type: 'User', alternateId: 'dave@demo.example' }, target: [{ id: '0oaX', type: 'AppInstance', alternateId: 'Kiro', displayName: 'Kiro' }] }),
    newFinding: 'kiro dave@demo.example',
  },
  'github-audit': {
    path: /audit-log/,
    expect: ['devin bob-demo', 'github-copilot carol-demo'],
    addNew: (d) => d.github!['orgs/demo-org'].push({ '@timestamp': 1768903200000, _document_id: 'gh-new-1', action: 'integration_installation.create', actor: 'alice-demo', integration: 'Cursor', org: 'demo-org' }),
    newFinding: 'cursor alice-demo',
  },
  'slack-audit': {
    path: /audit\/v1\/logs\?.*action=app_installed/,
    expect: ['chatgpt alice@demo.example'],
    // dave's event is `app_restricted` (an admin restricted Claude): a removal, not dave using or trying it
    absent: ['claude-ai dave@demo.example'],
    addNew: (d) => d.slack!.push({ ...d.slack![0], id: 'slack-new-1', date_create: 1768903200, actor: { type: 'user', user: { email: 'bob@demo.example' } }, entity: { type: 'app', app: { id: 'A0NEW', name: 'Notion AI', scopes: [] } } }),
    newFinding: 'notion-ai bob@demo.example',
  },
  entra: {
    path: /auditLogs\/signIns/,
    expect: ['chatgpt carol@demo.example', 'chatgpt dave@demo.example', 'fireflies bob@demo.example', 'fireflies b0000000-0000-0000-0000-00000000000b'],
    addNew: (d) => d.signIns!.push({ ...d.signIns![0], id: 'signin-new-1', createdDateTime: '2026-01-20T10:00:00Z', userPrincipalName: 'alice@demo.example', appDisplayName: 'Perplexity', appId: 'p-1' }),
    newFinding: 'perplexity alice@demo.example',
  },
  cloudtrail: {
    path: /LookupEvents/,
    expect: ['aws-bedrock arn:aws:iam::111122223333:role/ml-alice', 'aws-bedrock arn:aws:iam::111122223333:role/ml-bob', 'aws-bedrock arn:aws:iam::111122223333:role/ml-carol', 'aws-bedrock arn:aws:iam::111122223333:role/ml-dave'],
    addNew: (d) => d.cloudtrail!.push({ ...d.cloudtrail![0], eventID: 'ct-new-1', eventTime: '2026-01-20T10:00:00Z', userIdentity: { type: 'IAMUser', arn: 'arn:aws:iam::111122223333:user/erin', userName: 'erin', accountId: '111122223333' } }),
    newFinding: 'aws-bedrock arn:aws:iam::111122223333:user/erin',
  },
};

for (const [id, c] of Object.entries(CASES)) {
  describe(`live pull: ${id}`, () => {
    const opts = (url: string) => {
      const o = liveOptions(id, url);
      if (id === 'cloudtrail') o.trails = [];
      return o;
    };

    it('follows pagination and reports the right services', async () => {
      const s = await server();
      const r = await run(id, opts(s.url));
      expect(r.errors).toEqual({});
      expect(r.cov.failed).toEqual([]);
      for (const e of c.expect) expect(services(r.findings)).toContain(e);
      for (const e of c.absent ?? []) expect(services(r.findings)).not.toContain(e);
      const pages = s.requests.filter((q) => c.path.test(q));
      expect(pages.length).toBeGreaterThan(1);
      expect(r.cov.stats.pages).toBeGreaterThan(1);
    });

    it('backs off on 429 (Retry-After) and on 5xx, then completes', async () => {
      const cs = await server();
      const clean = await run(id, opts(cs.url));
      const cleanRequests = cs.requests.filter((q) => c.path.test(q)).length;
      const s = await server(fakeData(), [{ match: c.path, kind: '429', times: 1, retryAfter: '1' }, { match: c.path, kind: '500', times: 1 }]);
      const r = await run(id, opts(s.url));
      expect(r.errors).toEqual({});
      expect(r.cov.failed).toEqual([]);
      expect(JSON.stringify(r.observations)).toBe(JSON.stringify(clean.observations));
      if (id !== 'cloudtrail') {
        expect(r.cov.stats['http.rateLimited']).toBe(1);
        expect(r.cov.stats['http.retried']).toBe(1);
      }
      expect(s.requests.filter((q) => c.path.test(q)).length).toBe(cleanRequests + 2);
    });

    it('fails the unit with a clear message on an expired token, never printing the token', async () => {
      const s = await server(fakeData(), [{ match: c.path, kind: '401' }]);
      const r = await run(id, opts(s.url));
      const failed = r.cov.failed.filter((f) => !f.unit.endsWith(':*'));
      expect(failed.length).toBeGreaterThan(0);
      const text = JSON.stringify(r.cov) + JSON.stringify(r.errors);
      if (id !== 'cloudtrail') expect(text).toMatch(/401|expired|invalid/i);
      expect(text).not.toMatch(/test-[a-z]+-token|wJalrXUtnFEMI/);
    });

    it('a null, a number, a string and an array among the records of a page fail alone: every record lands', async () => {
      const clean = await run(id, opts((await server()).url));
      const s = await server(fakeData(), [{ match: c.path, kind: 'junk-records', times: 1 }]);
      const r = await run(id, opts(s.url));
      expect(r.errors).toEqual({});
      expect(r.cov.failed).toEqual([]);
      expect(JSON.stringify(r.observations)).toBe(JSON.stringify(clean.observations));
      if (id !== 'cloudtrail') {
        expect(r.cov.stats['records.malformed']).toBe(4);
        expect(r.cov.problems.some((p) => /record not understood: expected a JSON object, got null/.test(p.message))).toBe(true);
      }
    });

    it('fails the unit on a malformed page, keeping other units', async () => {
      const s = await server(fakeData(), [{ match: c.path, kind: 'malformed' }]);
      const r = await run(id, opts(s.url));
      expect(r.cov.failed.length).toBeGreaterThan(0);
      expect(r.cov.failed[0].reason).toMatch(/malformed|JSON|Unexpected|deserializ|parse/i);
    });

    it('a unit that fails after its first page counts nothing; the next run counts every event exactly once', async () => {
      const total = (obs: Array<{ count?: number }>) => obs.reduce((n, o) => n + (o.count ?? 1), 0);
      // inventories (Entra service principals, grants) are read whole every time: leave them out here
      const o = (url: string) => (id === 'entra' ? { ...opts(url), sources: ['signIns', 'directoryAudits'] } : opts(url));
      const cs = await server();
      const clean = await run(id, o(cs.url));
      expect(clean.cov.failed).toEqual([]);
      // the second page request of the unit is refused: the first page was already read
      const s = await server(fakeData(), [{ match: c.path, kind: '401', skip: 1 }]);
      const broken = await run(id, o(s.url));
      const failed = broken.cov.failed.filter((f) => !f.unit.endsWith(':*'));
      expect(failed.length).toBeGreaterThan(0);
      expect(broken.cov.stats['events.discardedWithFailedUnit']).toBeGreaterThan(0);
      expect(failed.some((f) => /not counted; the next run re-reads them/.test(f.reason))).toBe(true);
      const again = await run(id, o((await server()).url), broken.state[id]);
      expect(again.cov.failed).toEqual([]);
      // no event is lost and none is counted twice across the two runs
      expect(total(broken.observations) + total(again.observations)).toBe(total(clean.observations));
    });

    it('resumes from the stored cursor: a second run fetches only new events', async () => {
      const data = fakeData();
      const s = await server(data);
      // inventories (Entra service principals, grants) are read whole every time: leave them out here
      const o = id === 'entra' ? { ...opts(s.url), sources: ['signIns', 'directoryAudits'] } : opts(s.url);
      const first = await run(id, o);
      expect(first.errors).toEqual({});
      const state = first.state[id];
      expect(Object.keys(state).length).toBeGreaterThan(0);
      c.addNew(data);
      const second = await run(id, o, state);
      expect(second.errors).toEqual({});
      expect(services(second.findings)).toEqual([c.newFinding]);
      expect(second.observations.reduce((n, o) => n + (o.count ?? 1), 0)).toBeLessThanOrEqual(2);
      // full re-read ignores the cursor
      const full = await collect([{ scanner: scannerById(id)!, options: o }], { rules, now: () => NOW, log: silentLogger, state: { [id]: state }, full: true });
      expect(services(matchAll(rules, full.observations))).toContain(c.newFinding);
      expect(matchAll(rules, full.observations).length).toBeGreaterThan(1);
    });
  });
}

describe('entra: Management Activity API and grants', () => {
  it('reads AI interaction records through subscriptions/content and names grants via service principals', async () => {
    const s = await server();
    // the Management Activity API keeps 7 days of content: scan "now" just after the records
    const r = await run('entra', { ...liveOptions('entra', s.url), sources: ['servicePrincipals', 'oauth2PermissionGrants', 'management-activity'] }, {}, new Date('2026-01-16T00:00:00Z'));
    expect(r.errors).toEqual({});
    expect(s.requests.some((q) => q.startsWith('POST /mgmt/subscriptions/start'))).toBe(true);
    const m365 = r.findings.find((f) => f.service === 'm365-copilot')!;
    expect(m365).toMatchObject({ signal: 'usage', subject: { id: 'alice@demo.example' }, count: 2 });
    const grant = r.findings.find((f) => f.service === 'fireflies')!;
    expect(grant.attrs).toMatchObject({ event: 'oauth2PermissionGrant', scopeRisk: 'high' });
    const tenantWide = r.findings.find((f) => f.service === 'chatgpt' && f.subject.kind === 'tenant');
    expect(tenantWide?.subject.id).toBe('demo-tenant');
  });
});

describe('cloudtrail: trail files in S3', () => {
  it('reads gzip log files and resumes after the last key', async () => {
    const data = fakeData();
    const s = await server(data);
    const o = { ...liveOptions('cloudtrail', s.url), lookup: false };
    const first = await run('cloudtrail', o);
    expect(first.errors).toEqual({});
    expect(services(first.findings)).toHaveLength(4);
    expect(first.findings[0].locator).toMatch(/^s3:\/\/demo-trail-bucket\/AWSLogs\/.*\.json\.gz:\d+$/);
    const second = await run('cloudtrail', o, first.state.cloudtrail);
    expect(second.observations).toEqual([]);
    expect(s.requests.filter((q) => /^GET \S+\.json\.gz\?x-id=GetObject$/.test(q)).length).toBe(1);
  });

  /** The recorded trail file split into three files delivered 5 minutes apart (S3 key order = time order). */
  function threeFiles(): FakeData {
    const data = fakeData();
    const recs = Object.values(data.s3!['demo-trail-bucket']).flat();
    const per = Math.ceil(recs.length / 3);
    const name = (i: number) => `AWSLogs/111122223333/CloudTrail/us-east-1/2026/01/15/111122223333_CloudTrail_us-east-1_20260115T10${i}5Z_part${i}.json.gz`;
    data.s3!['demo-trail-bucket'] = Object.fromEntries([0, 1, 2].map((i) => [name(i), recs.slice(i * per, (i + 1) * per)]));
    return data;
  }

  it('a file that cannot be fetched stops the unit there; the next run resumes at that file and counts each record once', async () => {
    const data = threeFiles();
    const keys = Object.keys(data.s3!['demo-trail-bucket']).sort();
    expect(keys.length).toBeGreaterThan(1);
    const total = (obs: Array<{ count?: number }>) => obs.reduce((n, o) => n + (o.count ?? 1), 0);
    const o = (url: string) => ({ ...liveOptions('cloudtrail', url), lookup: false });
    const clean = await run('cloudtrail', o((await server(data)).url));
    const s = await server(data, [{ match: /^GET \S+\.json\.gz\?x-id=GetObject$/, kind: '401', skip: 1 }]);
    const broken = await run('cloudtrail', o(s.url));
    expect(broken.cov.failed).toHaveLength(1);
    expect(broken.cov.failed[0].reason).toContain(keys[1]);
    expect(broken.state.cloudtrail['s3:demo-trail-bucket/AWSLogs/']).toBe(keys[0]);
    const again = await run('cloudtrail', o((await server(data)).url), broken.state.cloudtrail);
    expect(again.cov.failed).toEqual([]);
    expect(total(broken.observations) + total(again.observations)).toBe(total(clean.observations));
  });

  it('a damaged file is reported with its key and passed over (it will not read better next time)', async () => {
    const data = threeFiles();
    const keys = Object.keys(data.s3!['demo-trail-bucket']).sort();
    const s = await server(data, [{ match: /part0\.json\.gz(\?|$)/, kind: 'corrupt-object' }]);
    const r = await run('cloudtrail', { ...liveOptions('cloudtrail', s.url), lookup: false });
    expect(r.cov.failed).toEqual([]);
    expect(r.cov.stats['s3.filesUnreadable']).toBe(1);
    expect(r.cov.problems.map((p) => p.locator)).toContain(`s3://demo-trail-bucket/${keys[0]}`);
    expect(r.cov.stats['s3.files']).toBe(keys.length - 1);
  });
});

describe('cloudtrail: damaged trail files keep their undamaged records', () => {
  it('null, a number and an array inside Records are reported; every real record lands', async () => {
    const data = fakeData();
    const clean = await run('cloudtrail', { ...liveOptions('cloudtrail', (await server(data)).url), lookup: false });
    const bucket = data.s3!['demo-trail-bucket'];
    const [k] = Object.keys(bucket);
    bucket[k] = [null, ...bucket[k], 42, []] as unknown as Record<string, unknown>[];
    const r = await run('cloudtrail', { ...liveOptions('cloudtrail', (await server(data)).url), lookup: false });
    expect(r.cov.failed).toEqual([]);
    expect(r.cov.stats['records.malformed']).toBe(3);
    expect(JSON.stringify(r.observations)).toBe(JSON.stringify(clean.observations));
  });

  it('a truncated trail object keeps its complete records and makes the unit partial, not unreadable', async () => {
    const data = fakeData();
    const bucket = data.s3!['demo-trail-bucket'];
    const [k] = Object.keys(bucket);
    bucket[k] = Array.from({ length: 20 }, () => bucket[k]).flat().map((r, i) => ({ ...r, eventID: `ev-${i}` }));
    const s = await server(data, [{ match: /\.json\.gz\?x-id=GetObject$/, kind: 'truncated-object' }]);
    const r = await run('cloudtrail', { ...liveOptions('cloudtrail', s.url), lookup: false });
    expect(r.cov.stats['s3.filesUnreadable'] ?? 0).toBe(0);
    expect(r.cov.stats['s3.filesTruncated']).toBe(1);
    expect(r.cov.stats.records).toBeGreaterThan(0);
    expect(r.cov.stats.records).toBeLessThan(bucket[k].length);
    expect(r.cov.failed[0].reason).toMatch(/^partial: 1 log file\(s\) end early/);
    expect(r.observations.length).toBeGreaterThan(0);
  });
});

describe('http helpers', () => {
  it('parses Link headers and Retry-After forms', () => {
    expect(linkNext('<https://x/a?after=1>; rel="self", <https://x/a?after=2>; rel="next"')).toBe('https://x/a?after=2');
    expect(linkNext('<https://x/a?page=3>; rel="prev"')).toBeUndefined();
    const h = new Headers({ 'retry-after': '7' });
    expect(serverWaitMs(h)).toBe(7000);
    expect(serverWaitMs(new Headers({ 'retry-after': new Date(Date.now() + 5000).toUTCString() }))).toBeGreaterThan(3000);
    expect(serverWaitMs(new Headers({ 'x-rate-limit-reset': String(Math.floor(Date.now() / 1000) + 10) }))).toBeGreaterThan(8000);
  });
  it('cursor tracker drops events already read at the boundary time', () => {
    const t = new CursorTracker({ since: '2026-01-01T00:00:00.000Z', ids: ['a'] });
    expect(t.isOld('2025-12-31T00:00:00.000Z', 'x')).toBe(true);
    expect(t.isOld('2026-01-01T00:00:00.000Z', 'a')).toBe(true);
    expect(t.isOld('2026-01-01T00:00:00.000Z', 'b')).toBe(false);
    t.see('2026-01-02T00:00:00.000Z', 'c');
    expect(t.next()).toEqual({ since: '2026-01-02T00:00:00.000Z', ids: ['c'] });
  });
});
