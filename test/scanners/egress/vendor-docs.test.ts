/**
 * Vendor-documentation trial: one fixture per format in the shape the vendor documents (field
 * names, order, quoting, time form), hosts changed to AI hosts. Exact assertions per format:
 * subject, service, count, bytes, attempt flag, first-seen time. Plus the real corpus samples
 * (copied to fixtures/corpus/egress with their sources): detected format and malformed-line count per file.
 *
 * Docs checked (see scanners/egress/README.md, Formats):
 * - Zscaler: help.zscaler.com "NSS Feed Output Format: Web Logs" (time excludes the zone, epochtime,
 *   login, eurl, cip, reqsize, respsize, action; the sample feed line is headerless quoted CSV)
 * - AWS: Route 53 "Resolver query log example" / "Values that appear in VPC Resolver query logs"
 * - BIND 9 logging (queries category, print-time), Infoblox NIOS query-response lines
 * - Microsoft: DNS debug logging "Message logging key" (Rcv/Snd, R = response, opcode Q/N/U/?)
 * - Cloudflare: Logpush gateway_http fields (HTTPHost, URL, Email, SourceIP, Action, Datetime)
 * - W3C extended (#Fields: date time c-ip cs-username sc-filter-result cs-host cs-uri-path sc-bytes cs-bytes)
 * - AWS VPC flow logs: IP-only, refused with a reason
 */
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { Observation } from '../../../src/core/types.js';
import { CORPUS, run, runStdin, testRules, tmp } from './helpers.js';
import { detectFormat } from '../../../scanners/egress/parsers/index.js';

/** `kind:id host service` plus ` !attempt` → [count, bytesOut, bytesIn, firstSeen]. */
function table(obs: Observation[]): Record<string, [number | undefined, number | undefined, number | undefined, string | undefined]> {
  const out: Record<string, [number | undefined, number | undefined, number | undefined, string | undefined]> = {};
  const rules = testRules();
  for (const o of obs) {
    const svc = rules.matchHost(o.value, typeof o.attrs?.path === 'string' ? o.attrs.path : undefined)?.service ?? '?';
    const k = `${o.subject.kind}:${o.subject.id} ${o.value} ${svc}${o.attrs?.success === false ? ' !attempt' : ''}`;
    expect(out[k], `duplicate ${k}`).toBeUndefined();
    out[k] = [o.count, o.bytesOut, o.bytesIn, o.firstSeen];
  }
  return out;
}

function file(name: string, text: string): string {
  const p = join(tmp('vendor-docs-'), name);
  writeFileSync(p, text);
  return p;
}

describe('vendor-documented shapes (AI hosts swapped in)', () => {
  it('Zscaler NSS web, JSON feed: epochtime preferred over the zone-less time; Blocked is an attempt', async () => {
    const ev = (o: Record<string, string>) =>
      `{ "sourcetype" : "zscalernss-web", "event" :${JSON.stringify({ time: 'Fri Dec 31 07:07:07 2021', tz: 'PST', epochtime: '1640963227', login: 'Jane.Doe@example.com', proto: 'HTTPS', eurl: 'api.openai.com/v1/chat/completions', action: 'Allowed', appname: 'ChatGPT', reqsize: '600', respsize: '65', cip: '10.1.2.3', sip: '104.18.7.192', ...o })}}`;
    const p = file('nss.log', [ev({}), ev({ reqsize: '100', respsize: '5' }), ev({ eurl: 'chatgpt.com:443', action: 'Blocked', reqsize: '300', respsize: '0' }), ev({ eurl: 'notopenai.com/' }), ev({ eurl: 'None' })].join('\n') + '\n');
    expect(detectFormat(readFileSync(p))?.format).toBe('zscaler');
    const r = await run({ paths: [p] });
    expect(r.cov.problemCount).toBe(0);
    expect(table(r.obs)).toEqual({
      // 1640963227 = 2021-12-31T15:07:07Z: the PST wall clock in `time` is not used
      'user:jane.doe@example.com api.openai.com t-openai': [2, 700, 70, '2021-12-31T15:07:07.000Z'],
      'user:jane.doe@example.com chatgpt.com t-openai !attempt': [1, 300, 0, '2021-12-31T15:07:07.000Z'],
    });
  });

  it('Zscaler NSS web, headerless quoted CSV (the documented sample line) with a column-number mapping', async () => {
    const line = (url: string, action: string, req: string, resp: string) =>
      `"Mon Jun 20 15:29:11 2022","new-gre","HTTP","${url}","${action}","ChatGPT","Consumer Apps","${req}","${resp}","0","0","Productivity Loss","Shopping and Auctions","Online Shopping","None","None","0","None","None","new-gre","Default Department","172.17.3.49","66.211.175.229","GET","403","curl/7.68.0","None","FwFilter","Firewall_1","Other","None","NA","NA","N/A"`;
    const p = file('nss.csv', [line('claude.ai/new', 'Allowed', '72', '14061'), line('claude.ai/api', 'Allowed', '8', '39'), line('chatgpt.com/', 'Blocked', '72', '14061')].join('\n') + '\n');
    expect(detectFormat(readFileSync(p))).toBeUndefined(); // no header: the field order is the feed template
    const map = { time: '1', user: '2', url: '4', action: '5', bytesOut: '8', bytesIn: '9', clientIp: '22' };
    const r = await run({ paths: [p], format: 'csv', map });
    expect(r.cov.problemCount).toBe(0);
    // the first line is data, not a header
    expect(table(r.obs)).toEqual({
      'user:new-gre claude.ai t-anthropic': [2, 80, 14100, '2022-06-20T15:29:11.000Z'],
      'user:new-gre chatgpt.com t-openai !attempt': [1, 72, 14061, '2022-06-20T15:29:11.000Z'],
    });
  });

  it('AWS Route 53 Resolver query log (documented example shape): rcode and DNS Firewall BLOCK', async () => {
    const q = (o: Record<string, unknown>) =>
      JSON.stringify({ srcaddr: '10.0.4.17', vpc_id: 'vpc-7example', answers: [{ Rdata: '104.18.7.192', Type: 'A', Class: 'IN' }], query_name: 'api.openai.com.', query_class: 'IN', srcids: { instance: 'i-0d15cd0d3example' }, rcode: 'NOERROR', query_type: 'A', transport: 'UDP', version: '1.100000', account_id: '111122223333', srcport: '56067', query_timestamp: '2021-02-04T17:51:55Z', region: 'us-east-1', ...o });
    const p = file('r53.jsonl', [
      q({}),
      q({ query_timestamp: '2021-02-04T17:52:01Z' }),
      q({ query_name: 'claude.ai.', firewall_rule_group_id: 'rslvr-frg-01234567890abcdef', firewall_rule_action: 'BLOCK', firewall_domain_list_id: 'rslvr-fdl-01234567890abcdef' }),
      q({ query_name: 'claude.ai.', firewall_rule_action: 'ALERT', srcaddr: '10.0.4.18' }),
      q({ query_name: 'huggingface.co.', rcode: 'NXDOMAIN', answers: [] }),
      q({ query_name: '15.3.4.32.in-addr.arpa.', query_type: 'PTR' }),
    ].join('\n'));
    expect(detectFormat(readFileSync(p))?.format).toBe('route53');
    const r = await run({ paths: [p] });
    expect(r.cov.problemCount).toBe(0);
    expect(table(r.obs)).toEqual({
      'ip:10.0.4.17 api.openai.com t-openai': [2, undefined, undefined, '2021-02-04T17:51:55.000Z'],
      'ip:10.0.4.17 claude.ai t-anthropic !attempt': [1, undefined, undefined, '2021-02-04T17:51:55.000Z'],
      'ip:10.0.4.18 claude.ai t-anthropic': [1, undefined, undefined, '2021-02-04T17:51:55.000Z'],
      'ip:10.0.4.17 huggingface.co t-hub !attempt': [1, undefined, undefined, '2021-02-04T17:51:55.000Z'],
    });
  });

  it('BIND queries channel (all client forms, views, print-time local / iso8601) and Infoblox query-response', async () => {
    const p = file('named.log', [
      // BIND 9.10+: client handle, (name), view
      '07-Apr-2022 08:08:10.043 queries: info: client @0x7f1b3c00e0f0 192.0.2.10#53211 (api.openai.com): view internal: query: api.openai.com IN A +E(0)K (192.0.2.53)',
      // BIND 9.9: no handle, no view
      '07-Apr-2022 08:09:10.000 client 192.0.2.10#53212 (api.openai.com): query: api.openai.com IN AAAA + (192.0.2.53)',
      // BIND 9.18 print-time iso8601 (local with offset); IPv6 client
      '2022-04-07T10:08:10.043+02:00 client @0x7f1b3c00e0f0 2001:db8::7#41000 (claude.ai): query: claude.ai IN A -E(0)DC (2001:db8::53)',
      // BIND 9.3-era: `client IP#port: query:` (syslog header, no year → no time)
      'Feb 25 11:09:43 ns1 named[811]: client 192.0.2.11#1035: query: huggingface.co IN A',
      // Infoblox NIOS query-response, NXDOMAIN → attempt
      '<30>Mar 11 23:51:31 infoblox.localdomain named[11042]: 07-Apr-2022 08:08:10.043 client 192.0.2.12#57398 UDP: query: chatgpt.com IN A response: NXDOMAIN +ED',
      '<30>Mar 11 23:51:31 infoblox.localdomain named[11042]: 07-Apr-2022 08:08:11.043 client 192.0.2.12#57399 UDP: query: chatgpt.com IN A response: NOERROR +ED chatgpt.com. 60 IN A 104.18.32.47;',
      // query-errors and RPZ lines are not queries
      '07-Apr-2022 08:08:10.043 query-errors: info: client @0x7f1b3c00e0f0 192.0.2.10#53211 (claude.ai): query failed (SERVFAIL) for claude.ai/IN/A at query.c:7375',
      '07-Apr-2022 08:08:10.043 rpz: info: client @0x7f1b3c00e0f0 192.0.2.10#53211 (claude.ai): rpz QNAME NXDOMAIN rewrite claude.ai/A/IN via claude.ai.rpz',
    ].join('\n') + '\n');
    expect(detectFormat(readFileSync(p))?.format).toBe('bind');
    const r = await run({ paths: [p] });
    expect(r.cov.problemCount).toBe(0);
    expect(table(r.obs)).toEqual({
      'ip:192.0.2.10 api.openai.com t-openai': [2, undefined, undefined, '2022-04-07T08:08:10.043Z'],
      'ip:2001:db8::7 claude.ai t-anthropic': [1, undefined, undefined, '2022-04-07T08:08:10.043Z'],
      'ip:192.0.2.11 huggingface.co t-hub': [1, undefined, undefined, undefined],
      'ip:192.0.2.12 chatgpt.com t-openai !attempt': [1, undefined, undefined, '2022-04-07T08:08:10.043Z'],
      'ip:192.0.2.12 chatgpt.com t-openai': [1, undefined, undefined, '2022-04-07T08:08:11.043Z'],
    });
  });

  it('Windows DNS debug log: only received standard queries (opcode Q, no R flag) count', async () => {
    const p = file('dns.log', [
      'DNS Server log file creation at 3/1/2025 9:59:58 PM',
      'Log file wrap at 3/1/2025 9:59:58 PM',
      '',
      'Message logging key (for packets - other items use a subset of these fields):',
      '\tField #  Information         Values',
      '\t-------  -----------         ------',
      '',
      '3/1/2025 10:00:32 PM 0E70 PACKET  00000000033397A0 UDP Rcv 10.161.60.71    5b47   Q [0001   D   NOERROR] A      (3)api(6)openai(3)com(0)',
      '3/1/2025 10:00:33 PM 0E70 PACKET  00000000033397A0 UDP Rcv 10.161.60.71    5b48   Q [0001   D   NOERROR] AAAA   (3)api(6)openai(3)com(0)',
      // the server forwarding upstream (Snd) and the upstream answer (Rcv … R) are not client queries
      '3/1/2025 10:00:32 PM 0E70 PACKET  00000000034A1230 UDP Snd 8.8.8.8         a1f2   Q [0001   D   NOERROR] A      (3)api(6)openai(3)com(0)',
      '3/1/2025 10:00:32 PM 0E70 PACKET  00000000034A1230 UDP Rcv 8.8.8.8         a1f2 R Q [8081   DR  NOERROR] A      (3)api(6)openai(3)com(0)',
      '3/1/2025 10:00:32 PM 0E70 PACKET  00000000033397A0 UDP Snd 10.161.60.71    5b47 R Q [8081   DR  NOERROR] A      (3)api(6)openai(3)com(0)',
      // a dynamic update (opcode U) naming a zone is not a look-up
      '3/1/2025 10:00:40 PM 0E70 PACKET  00000000033397B0 UDP Rcv 10.161.60.72    0c01   U [0028       NOERROR] SOA    (6)openai(3)com(0)',
      '3/1/2025 10:00:41 PM 0E70 PACKET  00000000033397C0 TCP Rcv 10.161.60.72    0c02   Q [0001   D   NOERROR] A      (6)claude(2)ai(0)',
    ].join('\r\n') + '\r\n');
    expect(detectFormat(readFileSync(p))?.format).toBe('windows-dns');
    const r = await run({ paths: [p] });
    expect(r.cov.problemCount).toBe(0);
    expect(table(r.obs)).toEqual({
      'ip:10.161.60.71 api.openai.com t-openai': [2, undefined, undefined, '2025-03-01T22:00:32.000Z'],
      'ip:10.161.60.72 claude.ai t-anthropic': [1, undefined, undefined, '2025-03-01T22:00:41.000Z'],
    });
  });

  it('Cloudflare Gateway HTTP (Logpush gateway_http): HTTPHost, URL path, Email, Action block, all Datetime forms', async () => {
    const h = (o: Record<string, unknown>) =>
      JSON.stringify({ AccountID: 'e1836771179f98aabb828da5ea69a348', Action: 'allow', Datetime: '2023-05-03T20:55:05Z', DestinationIP: '104.18.7.192', DestinationPort: 443, DeviceID: '083a8354-d56c-11ed-9771-6a842b100cff', DeviceName: 'zt-test-vm1', Email: 'user@example.com', HTTPHost: 'api.openai.com', HTTPMethod: 'POST', HTTPStatusCode: 200, HTTPVersion: 'HTTP/2', PolicyName: 'allow ai', SourceIP: '198.51.100.7', SourceInternalIP: '10.0.0.8', SourcePort: 50000, URL: 'https://api.openai.com/v1/responses', UserAgent: 'curl/8', ...o });
    const p = file('gw-http.jsonl', [
      h({}),
      h({ Datetime: '1683147306' }), // unix seconds as a string
      h({ Datetime: '1683147307000000000', HTTPHost: 'api.cloudflare.com', URL: 'https://api.cloudflare.com/client/v4/accounts/abc/ai/run/@cf/meta/llama' }), // unix ns
      h({ HTTPHost: 'api.cloudflare.com', URL: 'https://api.cloudflare.com/client/v4/zones' }), // shared host, other path
      h({ HTTPHost: 'claude.ai', URL: 'https://claude.ai/api/organizations', Action: 'block' }),
      h({ HTTPHost: '', URL: 'https://huggingface.co/api/models', Email: '', SourceInternalIP: '' }), // no host header: URL; no user: source IP
    ].join('\n'));
    expect(detectFormat(readFileSync(p))?.format).toBe('cloudflare-http');
    const r = await run({ paths: [p] });
    expect(r.cov.problemCount).toBe(0);
    expect(table(r.obs)).toEqual({
      'user:user@example.com api.openai.com t-openai': [2, undefined, undefined, '2023-05-03T20:55:05.000Z'],
      'user:user@example.com api.cloudflare.com t-edge-ai': [1, undefined, undefined, '2023-05-03T20:55:07.000Z'],
      'user:user@example.com claude.ai t-anthropic !attempt': [1, undefined, undefined, '2023-05-03T20:55:05.000Z'],
      'ip:198.51.100.7 huggingface.co t-hub': [1, undefined, undefined, '2023-05-03T20:55:05.000Z'],
    });
  });

  it('W3C extended, ProxySG default #Fields: cs-host + cs-uri-path (path rules), cs-bytes out / sc-bytes in, DENIED attempts', async () => {
    const fields = 'date time time-taken c-ip cs-username cs-auth-group x-exception-id sc-filter-result cs-categories cs(Referer) sc-status s-action cs-method rs(Content-Type) cs-uri-scheme cs-host cs-uri-port cs-uri-path cs-uri-query cs-uri-extension cs(User-Agent) s-ip sc-bytes cs-bytes x-virus-id';
    const row = (host: string, path: string, filter: string, action: string, user: string, sc: number, cs: number, t = '10:00:01') =>
      `2025-03-01 ${t} 120 10.0.0.5 ${user} - - ${filter} "Technology/Internet" - 200 ${action} POST application/json https ${host} 443 ${path} - - "Mozilla/5.0 (X11)" 192.0.2.1 ${sc} ${cs} -`;
    const p = file('sg.log', [
      '#Software: SGOS 7.3.1.1',
      '#Version: 1.0',
      '#Start-Date: 2025-03-01 10:00:00',
      '#Date: 2025-03-01 10:00:00',
      `#Fields: ${fields}`,
      row('api.openai.com', '/v1/chat/completions', 'OBSERVED', 'TCP_NC_MISS', 'CORP\\alice', 5120, 900),
      row('api.openai.com', '/v1/files', 'PROXIED', 'TCP_TUNNELED', 'CORP\\alice', 80, 20, '10:05:00'),
      row('api.cloudflare.com', '/client/v4/accounts/abc/ai/run/x', 'OBSERVED', 'TCP_NC_MISS', 'bob', 10, 11),
      row('api.cloudflare.com', '/client/v4/zones', 'OBSERVED', 'TCP_NC_MISS', 'bob', 10, 11),
      row('claude.ai', '/', 'DENIED', 'TCP_DENIED', 'bob', 1500, 300),
    ].join('\n') + '\n');
    expect(detectFormat(readFileSync(p))?.format).toBe('w3c');
    const r = await run({ paths: [p] });
    expect(r.cov.problemCount).toBe(0);
    expect(table(r.obs)).toEqual({
      'user:corp\\alice api.openai.com t-openai': [2, 920, 5200, '2025-03-01T10:00:01.000Z'],
      'user:bob api.cloudflare.com t-edge-ai': [1, 11, 10, '2025-03-01T10:00:01.000Z'],
      'user:bob claude.ai t-anthropic !attempt': [1, 300, 1500, '2025-03-01T10:00:01.000Z'],
    });
  });

  it('AWS VPC flow logs (IP-only) fail with a clear "not a host-bearing format" reason, file and stdin', async () => {
    const v2 = '2 123456789010 eni-1235b8ca123456789 172.31.16.139 104.18.7.192 20641 443 6 20 4249 1418530010 1418530070 ACCEPT OK\n2 123456789010 eni-1235b8ca123456789 - - - - - - - 1431280876 1431280934 - NODATA\n';
    const withHeader = 'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status vpc-id flow-direction\n5 123456789010 eni-1235b8ca123456789 10.0.0.5 104.18.7.192 50041 443 6 52 9000 1640000066 1640000297 ACCEPT OK vpc-0a1b egress\n';
    for (const [name, text] of [['v2.log', v2], ['custom.log', withHeader]]) {
      const r = await run({ paths: [file(name, text)] });
      expect(r.obs).toEqual([]);
      expect(r.cov.failed).toHaveLength(1);
      expect(r.cov.failed[0].reason).toMatch(new RegExp(`${name}:1: AWS VPC flow log: IP addresses and ports only, no host names, so not a host-bearing format`));
    }
    const s = await runStdin(v2);
    expect(s.cov.failed[0].reason).toMatch(/^stdin:1: AWS VPC flow log: .*Route 53 Resolver query logs/);
  });
});

describe('real corpus samples: detected format and malformed lines per file', () => {
  // [detected format (undefined = refused), malformed lines]; `failed` = the unit fails with a reason
  const want: Record<string, [string | undefined, number]> = {
    'zscaler-nss-web/nss_web_json.elastic-test.log': ['zscaler', 0],
    'aws-route53-resolver/aws_vpcdns.panther-tests.jsonl': ['route53', 0],
    'aws-route53-resolver/route53_resolver.elastic-test-selected.jsonl': ['route53', 0],
    'infoblox-bind/nios-named-syslog.elastic-test-selected.log': ['bind', 0],
    'cloudflare-gateway/gateway_dns.elastic-test.jsonl': ['cloudflare-dns', 0],
    'cloudflare-gateway/gateway_http.elastic-test.jsonl': ['cloudflare-http', 0],
    'aws-vpc-flow/v2-default.elastic-test.log': [undefined, 0],
    'aws-vpc-flow/v5-all-fields.elastic-test.log': [undefined, 0],
    'squid/access.native.elastic-test-first40.log': ['squid', 0],
    'squid/access.extended-logformat.elastic-test.log': [undefined, 0], // custom logformat: refused (README, Known gaps)
    'zeek-tsv/conn.rita-proxy.log': ['zeek', 0],
    'zeek-tsv/conn.wrccdc.log': ['zeek', 0],
    'zeek-tsv/dns.rita-proxy.log': ['zeek', 0],
    'zeek-tsv/dns.wrccdc-excerpt.log': ['zeek', 0],
    'zeek-tsv/http.rita-proxy.log': ['zeek', 0],
    'zeek-tsv/http.rita-rolling.15-16.log.gz': ['zeek', 0],
    'zeek-tsv/ssl.rita-proxy.log': ['zeek', 0],
    'zeek-tsv/ssl.rita-rolling.15-16.log.gz': ['zeek', 0],
    'zeek-tsv/ssl.wrccdc-excerpt.log': ['zeek', 0],
    'zeek-json/conn.elastic-test.log': ['zeek-json', 0],
    'zeek-json/conn.rita-all-fields.log': ['zeek-json', 0],
    'zeek-json/dns.rita-all-fields.log': ['zeek-json', 0],
    'zeek-json/dns.wrccdc-excerpt.json': ['zeek-json', 0],
    'zeek-json/http.rita-all-fields.log': ['zeek-json', 0],
    'zeek-json/ssl.rita-all-fields.log': ['zeek-json', 0],
    'zeek-json/ssl.wrccdc-excerpt.json': ['zeek-json', 0],
    'panos/threat-url.elastic-test.log': ['panos', 0],
    'panos/traffic.elastic-test-selected.log': ['panos', 0],
    'cisco-umbrella/dnslogs.elastic-test.csv': ['umbrella-dns', 0],
    'cisco-umbrella/proxylogs.elastic-test-selected.csv': ['umbrella-proxy', 0],
  };
  const dirs = [...new Set(Object.keys(want).map((k) => k.split('/')[0]))];

  it('every network sample file is listed here', () => {
    const present = dirs.flatMap((d) => readdirSync(join(CORPUS, d)).map((f) => `${d}/${f}`)).sort();
    expect(present).toEqual(Object.keys(want).sort());
  });

  it.each(Object.entries(want))('%s', async (rel, [fmt, malformed]) => {
    const p = join(CORPUS, rel);
    let b = readFileSync(p);
    if (rel.endsWith('.gz')) b = gunzipSync(b);
    expect(detectFormat(b.subarray(0, 64 * 1024))?.format).toBe(fmt);
    const r = await run({ paths: [p] });
    expect(r.cov.problemCount).toBe(malformed);
    expect(r.obs).toEqual([]); // no AI hosts in the public samples
    if (fmt) {
      expect(r.cov.failed).toEqual([]);
      expect(r.cov.stats.lines).toBeGreaterThan(0);
    } else if (rel.startsWith('aws-vpc-flow/')) {
      expect(r.cov.failed[0].reason).toContain('not a host-bearing format');
    } else {
      expect(r.cov.failed[0].reason).toContain('unrecognised log format');
    }
  });
});
