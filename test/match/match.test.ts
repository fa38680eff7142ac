import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { matchAll, fingerprint, sortForOutput } from '../../src/match/match.js';
import { smallIndex } from '../helpers/rules.js';
import { obs } from '../helpers/findings.js';

const rules = smallIndex({
  'frame-kit': `id: frame-kit
name: Frame Kit
vendor: Frame
category: ai-framework
match:
  packages: { npm: [frame-kit, "@frame/alpha"], maven: ["dev.frame:*"] }
`,
  'alpha-ai': `id: alpha-ai
name: Alpha AI
vendor: Alpha Inc
category: llm-api
match:
  domains: [{ host: api.alpha-ai.test }]
  packages: { npm: [alpha-ai, "@frame/alpha"], maven: ["dev.frame:frame-alpha"] }
`,
});

describe('match', () => {
  it('a provider adapter of a framework is evidence of both services', () => {
    const f = matchAll(rules, [obs({ kind: 'package', namespace: 'npm', value: '@frame/alpha' })]);
    expect(f.map((x) => x.service).sort()).toEqual(['alpha-ai', 'frame-kit']);
    expect(new Set(f.map((x) => x.id)).size).toBe(2);
  });
  it('group prefixes claim every artifact; an exact claim wins over the prefix', () => {
    expect(matchAll(rules, [obs({ kind: 'package', namespace: 'maven', value: 'dev.frame:frame-mcp' })]).map((x) => x.service)).toEqual(['frame-kit']);
    expect(matchAll(rules, [obs({ kind: 'package', namespace: 'maven', value: 'dev.frame:frame-alpha' })]).map((x) => x.service)).toEqual(['alpha-ai']);
    expect(matchAll(rules, [obs({ kind: 'package', namespace: 'maven', value: 'dev.framework:x' })])).toEqual([]);
  });
  it('fingerprints ignore line numbers but not files or subjects', () => {
    const a = obs({ kind: 'package', namespace: 'npm', value: 'alpha-ai', locator: 'package.json:3' });
    expect(fingerprint({ ...a, locator: 'package.json:30' }, 'alpha-ai')).toBe(fingerprint(a, 'alpha-ai'));
    expect(fingerprint({ ...a, locator: 'web/package.json:3' }, 'alpha-ai')).not.toBe(fingerprint(a, 'alpha-ai'));
    expect(fingerprint({ ...a, subject: { kind: 'repo', id: 'r2' } }, 'alpha-ai')).not.toBe(fingerprint(a, 'alpha-ai'));
  });
  it('look-alike hosts do not match, normalised hosts do', () => {
    const hosts = ['API.Alpha-AI.test.', 'api.alpha-ai.test:443', 'notapi.alpha-ai.test.evil.net', 'xapi.alpha-ai.test'];
    const f = matchAll(rules, hosts.map((h, i) => obs({ kind: 'host', value: h, locator: `log:${i}`, subject: { kind: 'user', id: `u${i}` } })));
    expect(f.map((x) => x.subject.id)).toEqual(['u0', 'u1']);
  });
  it('a finding holds the observation\'s fields in their order, then its own (as `{ ...o, id, service, … }` did); the id is the hash\'s first 32 hex digits', () => {
    const o = obs({ kind: 'host', value: 'api.alpha-ai.test', source: 'network', scanner: 'egress', signal: 'usage', subject: { kind: 'user', id: 'u1' }, locator: 'log:9', count: 3, bytesOut: 10, attrs: { daysActive: 2, increment: true }, firstSeen: '2026-01-01T00:00:00.000Z' });
    const [f] = matchAll(rules, [o]);
    const want = { ...o, id: f.id, service: 'alpha-ai', serviceName: 'Alpha AI', vendor: 'Alpha Inc', category: 'llm-api', match: { rule: 'domain', pattern: 'api.alpha-ai.test' } };
    expect(Object.keys(f)).toEqual(Object.keys(want));
    expect(f).toEqual(want);
    // the stored `data` and every JSON output list the fields in this order
    expect(JSON.stringify(f)).toBe(JSON.stringify(want));
    const parts = ['alpha-ai', 'network', 'egress', 'host', '', 'api.alpha-ai.test', 'user', 'u1', '', 'usage', ''];
    expect(f.id).toBe(createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 32));
  });
});

describe('output order', () => {
  it('findings in the order localeCompare gives their service + locator + id, equal keys as they came (a stable sort)', () => {
    let seed = 3;
    const rnd = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
    const pick = (xs: string[]) => xs[rnd(xs.length)];
    const fs = Array.from({ length: 3000 }, (_, i) => ({
      service: pick(['alpha-ai', 'alpha', 'Beta', 'béta', 'a-b', 'a_b']),
      locator: `${pick(['', 'src/', 'Src/', '/var/log/', 'a.b/', 'x:'])}${pick(['a', 'B', 'é', '1', '10', '-', '_', ':', '.'])}:${rnd(30)}`,
      id: pick(['', '0', 'a', 'A', '9f', 'é']),
      n: i,
    })) as unknown as Parameters<typeof sortForOutput>[0];
    const want = [...fs].sort((a, b) => (a.service + a.locator + a.id).localeCompare(b.service + b.locator + b.id));
    const got = sortForOutput([...fs]);
    expect(got.map((f) => (f as unknown as { n: number }).n)).toEqual(want.map((f) => (f as unknown as { n: number }).n));
    // equal keys are present, so stability is exercised
    expect(new Set(fs.map((f) => f.service + f.locator + f.id)).size).toBeLessThan(fs.length);
  });
});
