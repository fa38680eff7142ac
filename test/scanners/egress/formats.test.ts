import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES, CORPUS, run, byPair } from './helpers.js';
import { detectFormat } from '../../../scanners/egress/parsers/index.js';

const fx = (f: string) => join(FIXTURES, f);

describe('egress formats (fixtures: real structures, AI hosts swapped in)', () => {
  it('Squid native: CONNECT host:port and full URLs, with and without user', async () => {
    const r = await run({ paths: [fx('squid-access.log')] });
    const p = byPair(r.obs);
    // line 8 is bob's TCP_DENIED/407 proxy-authentication challenge before his retry: not an event
    expect(Object.keys(p).sort()).toEqual([
      'user:alice api.openai.com',
      'user:alice chatgpt.com',
      'user:bob claude.ai',
      'user:bob huggingface.co',
      'user:carol api.cloudflare.com /client/v4/accounts/abc123/ai/run/@cf/meta/llama',
      'user:carol myres.openai.azure.com',
      'user:carol xn--bcher-ki-65a.example',
    ]);
    // upper-case + trailing dot + port fold into the same host
    expect(p['user:alice api.openai.com']).toMatchObject({ count: 2, bytesIn: 49411, firstSeen: '2025-03-01T00:00:00.101Z', lastSeen: '2025-03-01T00:01:00.220Z', locator: expect.stringMatching(/squid-access\.log:1$/) });
    expect(p['user:alice api.openai.com'].bytesOut).toBeUndefined(); // native format has no request size
    expect(p['user:alice api.openai.com'].attrs).toMatchObject({ daysActive: 1, distinctHosts: 2 });
    expect(r.cov.problemCount).toBe(1);
    expect(r.cov.problems[0].locator).toMatch(/squid-access\.log:14$/);
    expect(r.cov.failed).toEqual([]);
  });

  it('Zeek TSV ssl.log (SNI) without conn.log: events, no bytes', async () => {
    const r = await run({ paths: [fx('zeek-ssl.log')] });
    const p = byPair(r.obs);
    expect(Object.keys(p).sort()).toEqual(['ip:10.30.0.5 api.openai.com', 'ip:10.30.0.6 claude.ai']);
    expect(p['ip:10.30.0.5 api.openai.com'].count).toBe(2);
    expect(p['ip:10.30.0.5 api.openai.com'].bytesOut).toBeUndefined();
  });

  it('Zeek ssl.log + conn.log: bytes joined by uid; identity CSV maps IPs to users', async () => {
    const r = await run({ paths: [fx('zeek-ssl.log'), fx('zeek-conn.log')], identity: fx('identity.csv') });
    const p = byPair(r.obs);
    expect(Object.keys(p).sort()).toEqual(['ip:10.30.0.6 claude.ai', 'user:oscar@example.com api.openai.com']);
    expect(p['user:oscar@example.com api.openai.com']).toMatchObject({ count: 2, bytesOut: 1030 + 970, bytesIn: 20275 + 1000 });
    expect(p['user:oscar@example.com api.openai.com'].subject).toEqual({ kind: 'user', id: 'oscar@example.com', name: 'Oscar@Example.com' });
    expect(p['ip:10.30.0.6 claude.ai']).toMatchObject({ count: 1, bytesOut: 300, bytesIn: 400 });
  });

  it('Zeek JSON dns.log (json-streaming-logs, ISO ts) and http.log (LogAscii JSON)', async () => {
    const d = byPair((await run({ paths: [fx('zeek-dns.json')] })).obs);
    expect(Object.keys(d)).toEqual(['ip:10.40.0.8 api.anthropic.com']);
    expect(d['ip:10.40.0.8 api.anthropic.com']).toMatchObject({ count: 2, firstSeen: '2025-03-01T09:00:00.000Z', lastSeen: '2025-03-01T09:00:03.000Z' });
    const h = byPair((await run({ paths: [fx('zeek-http.json')] })).obs);
    expect(h['user:erin huggingface.co']).toMatchObject({ count: 1, bytesOut: 1200, bytesIn: 53000 });
    expect(h['user:erin cdn-lfs.huggingface.co']).toMatchObject({ count: 1, bytesOut: 0, bytesIn: 1000000 });
  });

  it('W3C extended (#Fields:) proxy log', async () => {
    const p = byPair((await run({ paths: [fx('w3c-proxysg.log')] })).obs);
    expect(Object.keys(p).sort()).toEqual(['user:frank api.openai.com', 'user:frank otter.ai']);
    expect(p['user:frank otter.ai']).toMatchObject({ bytesOut: 90000, bytesIn: 1200, locator: expect.stringMatching(/:8$/) });
  });

  it('generic CSV with a header (auto mapping) and with an explicit mapping', async () => {
    const p = byPair((await run({ paths: [fx('generic.csv')] })).obs);
    expect(p['user:grace api.openai.com']).toMatchObject({ count: 2, bytesOut: 2000, bytesIn: 5000, attrs: { daysActive: 2, distinctHosts: 1 } });
    const m = byPair((await run({ paths: [fx('generic.csv')], format: 'csv', map: { host: 'dest_host', clientIp: 'src_ip', bytesOut: 'bytes_in' } })).obs);
    expect(m['ip:10.70.0.3 api.openai.com']).toMatchObject({ count: 2, bytesOut: 5000 });
  });

  it('Zscaler NSS web (JSON feed, eurl without scheme, sizes as strings)', async () => {
    const p = byPair((await run({ paths: [fx('zscaler-nss-web.jsonl')] })).obs);
    expect(Object.keys(p)).toEqual(['user:henry@example.com chatgpt.com']);
    expect(p['user:henry@example.com chatgpt.com']).toMatchObject({ count: 2, bytesOut: 7000, bytesIn: 70000, firstSeen: '2025-03-01T07:07:07.000Z' });
  });

  it('PAN-OS THREAT/url and TRAFFIC', async () => {
    const p = byPair((await run({ paths: [fx('panos-threat-url.log')] })).obs);
    expect(Object.keys(p)).toEqual(['user:ivan chatgpt.com']);
  });

  it('Cisco Umbrella proxy and DNS CSV', async () => {
    const p = byPair((await run({ paths: [fx('umbrella-proxy.csv')] })).obs);
    expect(p['user:judy-laptop chatgpt.com']).toMatchObject({ count: 1, bytesOut: 7000, bytesIn: 1489 });
    const d = byPair((await run({ paths: [fx('umbrella-dns.csv')] })).obs);
    expect(Object.keys(d)).toEqual(['user:kim claude.ai']); // claude.ai.evil.example is not claude.ai
  });

  it('Cloudflare Gateway HTTP and DNS', async () => {
    const h = byPair((await run({ paths: [fx('cloudflare-gateway-http.jsonl')] })).obs);
    expect(Object.keys(h)).toEqual(['user:leo@example.com claude.ai']);
    const d = byPair((await run({ paths: [fx('cloudflare-gateway-dns.jsonl')] })).obs);
    expect(Object.keys(d)).toEqual(['user:mia@example.com huggingface.co']);
  });

  it('Route 53 Resolver, BIND, Windows DNS debug log', async () => {
    expect(Object.keys(byPair((await run({ paths: [fx('route53-resolver.jsonl')] })).obs))).toEqual(['ip:172.31.86.159 api.openai.com']);
    expect(Object.keys(byPair((await run({ paths: [fx('bind-queries.log')] })).obs)).sort()).toEqual(['ip:192.168.0.21 chatgpt.com', 'ip:192.168.0.22 api.anthropic.com']);
    const w = await run({ paths: [fx('windows-dns-debug.log')], identity: fx('identity.csv') });
    const p = byPair(w.obs);
    // responses (R) are not counted; the identity CSV maps 10.161.60.71 to a host
    expect(Object.keys(p).sort()).toEqual(['host:build-agent-07 api.openai.com', 'ip:10.161.60.72 claude.ai']);
    expect(p['host:build-agent-07 api.openai.com'].count).toBe(1);
    expect(p['ip:10.161.60.72 claude.ai'].firstSeen).toBe('2025-03-01T22:00:34.000Z');
  });

  it('every fixture is detected by content, not by name', () => {
    const want: Record<string, string> = {
      'squid-access.log': 'squid', 'zeek-ssl.log': 'zeek', 'zeek-conn.log': 'zeek', 'zeek-dns.json': 'zeek-json', 'zeek-http.json': 'zeek-json',
      'w3c-proxysg.log': 'w3c', 'generic.csv': 'csv', 'zscaler-nss-web.jsonl': 'zscaler', 'panos-threat-url.log': 'panos',
      'umbrella-proxy.csv': 'umbrella-proxy', 'umbrella-dns.csv': 'umbrella-dns', 'cloudflare-gateway-http.jsonl': 'cloudflare-http',
      'cloudflare-gateway-dns.jsonl': 'cloudflare-dns', 'route53-resolver.jsonl': 'route53', 'bind-queries.log': 'bind', 'windows-dns-debug.log': 'windows-dns',
    };
    for (const [f, fmt] of Object.entries(want)) expect(detectFormat(readFileSync(fx(f)))?.format, f).toBe(fmt);
  });

  it('every observation is neutral: network / usage / inferred, kind host', async () => {
    const r = await run({ paths: [FIXTURES] , identity: fx('identity.csv') });
    expect(r.obs.length).toBeGreaterThan(15);
    for (const o of r.obs) expect(o).toMatchObject({ kind: 'host', source: 'network', scanner: 'egress', signal: 'usage', confidence: 'inferred' });
  });
});

describe('real corpus samples (fixtures/corpus/egress)', () => {
  const net = ['squid', 'zeek-tsv', 'zeek-json', 'zscaler-nss-web', 'panos', 'cisco-umbrella', 'cloudflare-gateway', 'aws-route53-resolver', 'infoblox-bind'];
  const expected: Record<string, string> = {
    squid: 'squid', 'zeek-tsv': 'zeek', 'zeek-json': 'zeek-json', 'zscaler-nss-web': 'zscaler', panos: 'panos',
    'infoblox-bind': 'bind', 'aws-route53-resolver': 'route53',
  };
  it.each(net)('%s: detected, parsed without a malformed line, no AI host reported', async (dir) => {
    const files = readdirSync(join(CORPUS, dir)).filter((f) => !f.includes('extended-logformat')).map((f) => join(CORPUS, dir, f));
    for (const f of files) if (expected[dir] && !f.endsWith('.gz')) expect(detectFormat(readFileSync(f))?.format, f).toBe(expected[dir]);
    const r = await run({ paths: files });
    expect(r.cov.failed).toEqual([]);
    expect(r.cov.problemCount).toBe(0);
    expect(r.cov.stats.lines).toBeGreaterThan(0);
    expect(r.obs).toEqual([]); // the samples contain no AI hostnames
  });

  it('Squid custom (extended) logformat is refused with the file and its first line', async () => {
    const f = join(CORPUS, 'squid/access.extended-logformat.elastic-test.log');
    const r = await run({ paths: [f] });
    expect(r.cov.failed[0].reason).toMatch(/extended-logformat\.elastic-test\.log:1: unrecognised log format/);
  });

  it('a real Squid line with only the host changed is reported', async () => {
    const line = readFileSync(join(CORPUS, 'squid/access.native.elastic-test-first40.log'), 'utf8').split('\n')[0];
    expect(line).toContain('CONNECT login.yahoo.com:443 badeyek');
    const { runStdin } = await import('./helpers.js');
    const r = await runStdin(line.replace('login.yahoo.com', 'api.openai.com') + '\n' + line + '\n');
    expect(byPair(r.obs)['user:badeyek api.openai.com']).toMatchObject({ count: 1, bytesIn: 19763 });
  });

  it('real rotated Zeek .gz logs are read', async () => {
    const r = await run({ paths: [join(CORPUS, 'zeek-tsv/*.gz')] });
    expect(r.cov.units.length).toBe(2);
    expect(r.cov.stats.lines).toBeGreaterThan(10);
  });
});
