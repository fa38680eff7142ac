/**
 * Adversarial trial: vendor-shaped lines (structure taken from real exports, hosts swapped) with
 * look-alikes, blocked requests, failed DNS answers, resolver duplicates and malformed lines.
 * Every assertion is exact (subject, host, count, bytes, attempt flag).
 */
import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Observation } from '../../../src/core/types.js';
import { run, tmp } from './helpers.js';
import { detectFormat } from '../../../scanners/egress/parsers/index.js';
import { parseTime } from '../../../scanners/egress/time.js';

/** `kind:id host` plus ` !attempt` for attrs.success === false. */
function keyed(obs: Observation[]): Record<string, Observation> {
  const out: Record<string, Observation> = {};
  for (const o of obs) {
    const k = `${o.subject.kind}:${o.subject.id} ${o.value}${o.attrs?.success === false ? ' !attempt' : ''}`;
    expect(out[k], `duplicate key ${k}`).toBeUndefined();
    out[k] = o;
  }
  return out;
}

/** [count, bytesOut, bytesIn] of each observation, for exact comparisons. */
function cbb(obs: Observation[]): Record<string, [number | undefined, number | undefined, number | undefined]> {
  const out: Record<string, [number | undefined, number | undefined, number | undefined]> = {};
  for (const [k, o] of Object.entries(keyed(obs))) out[k] = [o.count, o.bytesOut, o.bytesIn];
  return out;
}

function file(name: string, body: string): string {
  const f = join(tmp('egress-traps-'), name);
  writeFileSync(f, body);
  return f;
}

// ------------------------------------------------------------------ Squid native
const sq = (t: string, ip: string, result: string, bytes: number, method: string, url: string, user: string, peer = 'HIER_DIRECT/192.0.2.1', type = '-') =>
  `${t}    120 ${ip} ${result} ${bytes} ${method} ${url} ${user} ${peer} ${type}`;

describe('Squid native: traps', () => {
  it('case, trailing dot, userinfo, IPv6/IP literals, look-alikes, denied = attempt, garbage line located', async () => {
    const lines = [
      sq('1740787200.000', '10.1.0.1', 'TCP_TUNNEL/200', 1000, 'CONNECT', 'api.openai.com.:443', 'alice'),
      sq('1740787201.000', '10.1.0.1', 'TCP_TUNNEL/200', 2000, 'CONNECT', 'API.OpenAI.com:443', 'alice'),
      sq('1740787202.000', '10.1.0.1', 'TCP_MISS/200', 300, 'GET', 'https://user:pw@api.openai.com/v1/models', 'alice'),
      sq('1740787203.000', '10.1.0.1', 'TCP_MISS/200', 400, 'GET', 'http://api.openai.com@evil.example/x', 'alice'),
      sq('1740787204.000', '10.1.0.1', 'TCP_TUNNEL/200', 500, 'CONNECT', 'notopenai.com:443', 'alice'),
      sq('1740787205.000', '10.1.0.1', 'TCP_TUNNEL/200', 600, 'CONNECT', 'openai.com.evil.net:443', 'alice'),
      sq('1740787206.000', '10.1.0.1', 'TCP_TUNNEL/200', 700, 'CONNECT', '[2606:4700::1]:443', 'alice'),
      sq('1740787207.000', '10.1.0.1', 'TCP_TUNNEL/200', 800, 'CONNECT', '162.159.140.245:443', 'alice'),
      sq('1740787208.000', '10.1.0.1', 'TCP_DENIED/403', 3900, 'CONNECT', 'chatgpt.com:443', 'alice', 'HIER_NONE/-', 'text/html'),
      sq('1740787209.000', '10.1.0.1', 'TCP_TUNNEL/200', 900, 'CONNECT', 'xn--bcher-ki-65a.example:443', 'alice'),
      sq('1740787210.000', '10.1.0.1', 'TCP_MISS/200', 50, 'GET', 'http://api.openai.com.evil.net./', 'alice'),
      'this is not a squid line',
      sq('1740787211.000', '10.1.0.1', 'TCP_TUNNEL/200', 100, 'CONNECT', 'api.openai.com:443', 'ALICE'),
      sq('1740787212.000', '10.1.0.2', 'NONE_NONE/000', 0, 'CONNECT', 'api.openai.com:443', '-', 'HIER_NONE/-'),
      // the proxy-authentication challenge before the authenticated retry: not an event
      sq('1740787213.000', '10.1.0.3', 'TCP_DENIED/407', 3600, 'CONNECT', 'claude.ai:443', '-', 'HIER_NONE/-', 'text/html'),
      sq('1740787213.100', '10.1.0.3', 'TCP_TUNNEL/200', 5000, 'CONNECT', 'claude.ai:443', 'bob'),
    ];
    const f = file('access.log', lines.join('\n') + '\n');
    const r = await run({ paths: [f] });
    expect(cbb(r.obs)).toEqual({
      'user:alice api.openai.com': [4, undefined, 3400],
      'user:alice chatgpt.com !attempt': [1, undefined, 3900],
      'user:alice xn--bcher-ki-65a.example': [1, undefined, 900],
      'ip:10.1.0.2 api.openai.com': [1, undefined, 0],
      'user:bob claude.ai': [1, undefined, 5000],
    });
    expect(keyed(r.obs)['user:alice chatgpt.com !attempt'].attrs).toMatchObject({ success: false });
    expect(keyed(r.obs)['user:alice api.openai.com'].attrs?.success).toBeUndefined();
    expect(r.cov.problemCount).toBe(1);
    expect(r.cov.problems[0].locator).toBe(`${f}:12`);
  });
});

// ------------------------------------------------------------------ Zeek dns.log (TSV and JSON)
const ZEEK_DNS_HEAD = [
  '#separator \\x09',
  '#set_separator\t,',
  '#empty_field\t(empty)',
  '#unset_field\t-',
  '#path\tdns',
  '#open\t2025-03-01-00-00-00',
  '#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\ttrans_id\trtt\tquery\tqclass\tqclass_name\tqtype\tqtype_name\trcode\trcode_name\tAA\tTC\tRD\tRA\tZ\tanswers\tTTLs\trejected',
  '#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tcount\tinterval\tstring\tcount\tstring\tcount\tstring\tcount\tstring\tbool\tbool\tbool\tbool\tcount\tvector[string]\tvector[interval]\tbool',
];
const zd = (ts: string, uid: string, orig: string, resp: string, trans: number, query: string, rcode: string, rd = 'T') =>
  [ts, uid, orig, '41772', resp, '53', 'udp', String(trans), '0.000870', query, '1', 'C_INTERNET', '1', 'A', rcode === 'NOERROR' ? '0' : rcode === '-' ? '-' : rcode === 'NXDOMAIN' ? '3' : '5', rcode, 'F', 'F', rd, 'T', '0', '-', '-', 'F'].join('\t');

describe('Zeek dns.log: duplicates, resolver recursion, failed answers', () => {
  const rows = [
    zd('1740787200.865716', 'CqKst53mF3det3eDV9', '10.47.1.100', '10.0.0.100', 36329, 'api.openai.com', 'NOERROR'),
    zd('1740787200.865717', 'CqKst53mF3det3eDV9', '10.47.1.100', '10.0.0.100', 36329, 'api.openai.com', 'NOERROR'), // the sensor saw it twice
    zd('1740787260.100000', 'CZZ1a3mF3det3eDV9', '10.47.1.100', '10.0.0.100', 36330, 'api.openai.com', 'NOERROR'),
    zd('1740787200.902404', 'COC7wE3iVSCjvdHT3b', '10.0.0.100', '192.55.83.30', 23392, 'api.openai.com', 'NOERROR', 'F'), // the resolver asking an authority
    zd('1740787201.000000', 'CA1', '10.47.1.101', '10.0.0.100', 1, 'chatgpt.com', 'NXDOMAIN'),
    zd('1740787202.000000', 'CA2', '10.47.1.101', '10.0.0.100', 2, 'claude.ai', 'REFUSED'),
    zd('1740787203.000000', 'CA3', '10.47.1.101', '10.0.0.100', 3, 'Claude.AI.', 'NOERROR'),
    zd('1740787204.000000', 'CA4', '10.47.1.101', '10.0.0.100', 4, 'notopenai.com', 'NOERROR'),
    zd('1740787205.000000', 'CA5', '10.47.1.101', '10.0.0.100', 5, 'openai.com.evil.net', 'NOERROR'),
    zd('1740787206.000000', 'CA6', '10.47.1.101', '10.0.0.100', 6, 'huggingface.co', '-'), // no answer seen: a query, outcome unknown
  ];

  it('TSV', async () => {
    const f = file('dns.log', [...ZEEK_DNS_HEAD, ...rows, 'short\tline', '#close\t2025-03-02-00-00-00'].join('\n') + '\n');
    const r = await run({ paths: [f] });
    expect(cbb(r.obs)).toEqual({
      'ip:10.47.1.100 api.openai.com': [2, undefined, undefined],
      'ip:10.47.1.101 chatgpt.com !attempt': [1, undefined, undefined],
      'ip:10.47.1.101 claude.ai !attempt': [1, undefined, undefined],
      'ip:10.47.1.101 claude.ai': [1, undefined, undefined],
      'ip:10.47.1.101 huggingface.co': [1, undefined, undefined],
    });
    expect(r.cov.problemCount).toBe(1);
    expect(r.cov.problems[0].locator).toBe(`${f}:${ZEEK_DNS_HEAD.length + rows.length + 1}`);
  });

  it('a forwarding resolver (RD=T upstream) is not a user: an IP that answers DNS in the run is a resolver', async () => {
    const fwd = [
      zd('1740787300.000000', 'CF1', '10.47.1.102', '10.0.0.100', 7, 'chatgpt.com', 'NOERROR'),
      zd('1740787300.010000', 'CF2', '10.0.0.100', '8.8.8.8', 8, 'chatgpt.com', 'NOERROR'), // the resolver forwarding it, RD=T
      zd('1740787301.000000', 'CF3', '10.0.0.100', '8.8.8.8', 9, 'www.example.com', 'NOERROR'),
    ];
    const f = file('dns.log', [...ZEEK_DNS_HEAD, ...fwd].join('\n') + '\n');
    const r = await run({ paths: [f] });
    expect(cbb(r.obs)).toEqual({ 'ip:10.47.1.102 chatgpt.com': [1, undefined, undefined] });
    expect(r.cov.stats.resolverForwarded).toBe(1);
    // alone (the resolver never seen answering), the forwarded query stays attributed to its sender
    const g = file('dns.log', [...ZEEK_DNS_HEAD, fwd[1]].join('\n') + '\n');
    expect(Object.keys(keyed((await run({ paths: [g] })).obs))).toEqual(['ip:10.0.0.100 chatgpt.com']);
  });

  it('JSON (json-streaming-logs shape)', async () => {
    const cols = ZEEK_DNS_HEAD[6].split('\t').slice(1);
    const json = rows.map((row) => {
      const v = row.split('\t');
      const o: Record<string, unknown> = { _path: 'dns', _write_ts: '2025-03-01T00:00:00.000000Z' };
      cols.forEach((c, i) => {
        if (v[i] === '-') return; // unset fields are absent in Zeek JSON
        if (['AA', 'TC', 'RD', 'RA', 'rejected'].includes(c)) o[c] = v[i] === 'T';
        else if (['id.orig_p', 'id.resp_p', 'trans_id', 'qclass', 'qtype', 'rcode', 'Z'].includes(c)) o[c] = Number(v[i]);
        else if (c === 'ts') o[c] = new Date(Number(v[i]) * 1000).toISOString();
        else o[c] = v[i];
      });
      return JSON.stringify(o);
    });
    const f = file('dns.json', json.join('\n') + '\n{"_path":"dns","ts":\n');
    expect(detectFormat(Buffer.from(json.join('\n')))).toEqual({ format: 'zeek-json', kind: 'dns' });
    const r = await run({ paths: [f] });
    expect(cbb(r.obs)).toEqual({
      'ip:10.47.1.100 api.openai.com': [2, undefined, undefined],
      'ip:10.47.1.101 chatgpt.com !attempt': [1, undefined, undefined],
      'ip:10.47.1.101 claude.ai !attempt': [1, undefined, undefined],
      'ip:10.47.1.101 claude.ai': [1, undefined, undefined],
      'ip:10.47.1.101 huggingface.co': [1, undefined, undefined],
    });
    expect(r.cov.problems.map((p) => p.locator)).toEqual([`${f}:${rows.length + 1}`]);
  });
});

// ------------------------------------------------------------------ Zscaler NSS web (JSON feed)
const zs = (o: Record<string, string>) =>
  `{ "sourcetype" : "zscalernss-web", "event" :${JSON.stringify({ time: 'Sat Mar  1 07:07:07 2025', login: 'henry@example.com', proto: 'HTTPS', eurl: 'www.example.com/', action: 'Allowed', appname: 'General Browsing', reqsize: '100', respsize: '1000', urlcat: 'Web Search', cip: '10.80.0.9', sip: '104.18.32.47', reqmethod: 'GET', respcode: '200', ua: 'Mozilla/5.0 "quoted" \\"login\\":x', ereferer: 'None', ...o })}}`;

describe('Zscaler NSS web: traps', () => {
  it('blocked = attempt; CONNECT host:443; look-alikes; referer naming an AI host is not the destination', async () => {
    const lines = [
      zs({ eurl: 'chatgpt.com/backend-api/conversation', reqmethod: 'POST', reqsize: '6000', respsize: '65000' }),
      zs({ eurl: 'chatgpt.com:443', reqmethod: 'CONNECT', proto: 'HTTP_PROXY', reqsize: '600', respsize: '65' }),
      zs({ eurl: 'claude.ai/new', action: 'Blocked', respcode: '403', reqsize: '218', respsize: '14230' }),
      zs({ eurl: 'notopenai.com/', ereferer: 'https://chatgpt.com/' }),
      zs({ eurl: 'openai.com.evil.net/login' }),
      zs({ eurl: 'www.example.com/?next=https://api.openai.com/v1' }),
      zs({ eurl: 'API.OPENAI.COM/v1/chat/completions', login: 'Henry@Example.com', time: 'Sun Mar  2 07:07:07 2025', reqsize: '10', respsize: '20' }),
      '{ "sourcetype" : "zscalernss-web", "event" :{"time":"Sat Mar  1 07:07:07 2025","login":"henry@example.com","eurl":',
    ];
    const f = file('nss.log', lines.join('\n') + '\n');
    expect(detectFormat(Buffer.from(lines.join('\n')))?.format).toBe('zscaler');
    const r = await run({ paths: [f] });
    expect(cbb(r.obs)).toEqual({
      'user:henry@example.com chatgpt.com': [2, 6600, 65065],
      'user:henry@example.com claude.ai !attempt': [1, 218, 14230],
      'user:henry@example.com api.openai.com': [1, 10, 20],
    });
    expect(keyed(r.obs)['user:henry@example.com chatgpt.com'].firstSeen).toBe('2025-03-01T07:07:07.000Z');
    expect(keyed(r.obs)['user:henry@example.com api.openai.com'].firstSeen).toBe('2025-03-02T07:07:07.000Z');
    expect(r.cov.problems.map((p) => p.locator)).toEqual([`${f}:8`]);
  });
});

// ------------------------------------------------------------------ PAN-OS
const panThreat = (hdr: string, time: string, src: string, user: string, action: string, url: string, tail = '') =>
  `${hdr}1,${time},012801096514,THREAT,url,2049,${time},${src},104.18.32.47,192.168.1.63,104.18.32.47,allow-web,${user},,ssl,vsys1,trust,untrust,ethernet1/2,ethernet1/1,send_to_mac,${time},28191,1,52984,443,37679,443,0x403000,tcp,${action},${url},(9999),computer-and-internet-info,informational,client-to-server,7726,0x0,192.168.0.0-192.168.255.255,United States,0,,0,,,0,,,,,,,,0,0,0,0,0,,PA-440,,,,,0,,0,,N/A,N/A,AppThreat-0-0,0x0,0,4294967295,,${tail}`;
const panTraffic = (hdr: string, time: string, src: string, dst: string, user: string, action: string, sent: number, recv: number) =>
  `${hdr}1,${time},012801096514,TRAFFIC,end,2049,${time},${src},${dst},192.168.1.63,${dst},new_outbound_from_trust,${user},,ssl,vsys1,trust,untrust,ethernet1/2,ethernet1/1,send_to_mac,${time},24138,1,55114,443,51990,443,0x40001c,tcp,${action},${sent + recv},${sent},${recv},11,${time},1,computer-and-internet-info,0,32091114,0x0,192.168.0.0-192.168.255.255,United States,0,6,5,tcp-fin,0,0,0,0,,PA-440,from-policy,,,0,,0,,N/A,0,0,0,0`;

describe('PAN-OS: traps', () => {
  it('BSD and RFC 5424 syslog headers, quoted URL with a comma, domain\\user, block-url = attempt, 10.x tail', async () => {
    const bsd = 'Mar  1 10:44:36 PA-440 ';
    const ietf = '<14>1 2025-03-01T10:44:36+00:00 PA-440 - - - - ';
    const lines = [
      panThreat(bsd, '2025/03/01 10:44:36', '192.168.15.224', 'example\\ivan', 'alert', '"chatgpt.com/c/a,b"'),
      panThreat(ietf, '2025/03/01 10:44:37', '192.168.15.224', 'example\\ivan', 'alert', '"chatgpt.com:443/"', ',"",0,,,,'),
      panThreat(bsd, '2025/03/01 10:44:38', '192.168.15.224', 'example\\ivan', 'block-url', '"claude.ai/"'),
      panThreat(bsd, '2025/03/01 10:44:39', '192.168.15.225', '', 'alert', '"notopenai.com/"'),
      panThreat(bsd, '2025/03/01 10:44:40', '192.168.15.225', '', 'alert', '"openai.com.evil.net/"'),
      panThreat('', '2025/03/01 10:44:41', '192.168.15.225', '', 'continue', '"api.openai.com/v1/models"'),
      panTraffic(bsd, '2025/03/01 10:45:07', '192.168.15.207', '175.16.199.1', '', 'allow', 539, 1035),
      'Mar  1 10:45:08 PA-440 1,2025/03/01 10:45:08,012801096514,THREAT,url,2049',
    ];
    const f = file('pan.log', lines.join('\n') + '\n');
    expect(detectFormat(Buffer.from(lines[1]))?.format).toBe('panos');
    const r = await run({ paths: [f] });
    expect(cbb(r.obs)).toEqual({
      'user:example\\ivan chatgpt.com': [2, undefined, undefined],
      'user:example\\ivan claude.ai !attempt': [1, undefined, undefined],
      'ip:192.168.15.225 api.openai.com': [1, undefined, undefined],
    });
    expect(keyed(r.obs)['user:example\\ivan chatgpt.com'].firstSeen).toBe('2025-03-01T10:44:36.000Z');
    expect(r.cov.problems.map((p) => p.locator)).toEqual([`${f}:8`]);
  });
});

// ------------------------------------------------------------------ Cisco Umbrella
const umbProxy = (ts: string, ident: string, ip: string, verdict: string, url: string, req: string, resp: string, sep = ',') =>
  [`"${ts}"`, `"${ident}"`, `"${ip}"`, '"198.51.100.91"', ' "104.18.32.47"', '"application/json"', `"${verdict}"`, `"${url}"`, '""', '"Mozilla/5.0 (Macintosh; Intel Mac OS X 14_3)"', '"200"', `"${req}"`, `"${resp}"`, '""', '""', '"Generative AI"', '""', '""', '""', '""', '""', '"AD Users"', '""', `"${ident}, ADSite,Network"`, '"AD Users, Site, Network"', '"POST"', '""', '""', '"x"', '""', '""', '""', '""', '""'].join(sep);
const umbDns = (ts: string, ident: string, ip: string, action: string, rcode: string, domain: string) =>
  `"${ts}","${ident}","${ident},Default Site","${ip}","81.2.69.144","${action}","1 (A)","${rcode}","${domain}","Software/Technology,Generative AI","AD Users","AD Users,Sites",""`;

describe('Cisco Umbrella: traps', () => {
  it('proxy: BLOCKED = attempt, "Last, First (email)" identity, commas inside quoted fields, exact sizes', async () => {
    const lines = [
      umbProxy('2025-03-01 09:52:53', 'Doe, Jane (jane.doe@example.com)', '10.90.0.5', 'ALLOWED', 'https://chatgpt.com/backend-api/conversation?a=1,2', '7000', '1489'),
      umbProxy('2025-03-01 09:53:53', 'Doe, Jane (jane.doe@example.com)', '10.90.0.5', 'ALLOWED', 'https://chatgpt.com/', '100', '200'),
      umbProxy('2025-03-01 09:54:53', 'Doe, Jane (jane.doe@example.com)', '10.90.0.5', 'BLOCKED', 'https://claude.ai/api/x', '300', '0'),
      umbProxy('2025-03-01 09:55:53', 'Doe, Jane (jane.doe@example.com)', '10.90.0.5', 'ALLOWED', 'https://notopenai.com/', '1', '1'),
      umbProxy('2025-03-01 09:56:53', 'JUDY-LAPTOP', '10.90.0.6', 'ALLOWED', 'http://openai.com.evil.net/', '1', '1'),
      umbProxy('2025-03-01 09:57:53', 'JUDY-LAPTOP', '10.90.0.6', 'ALLOWED', 'https://api.openai.com:443/v1/responses', '5', '6'),
      '"2025-03-01 09:58:53","JUDY-LAPTOP","10.90.0.6"',
    ];
    const f = file('proxy.csv', lines.join('\n') + '\n');
    const r = await run({ paths: [f] });
    expect(cbb(r.obs)).toEqual({
      'user:jane.doe@example.com chatgpt.com': [2, 7100, 1689],
      'user:jane.doe@example.com claude.ai !attempt': [1, 300, 0],
      'user:judy-laptop api.openai.com': [1, 5, 6],
    });
    expect(r.cov.problems.map((p) => p.locator)).toEqual([`${f}:7`]);
  });

  it('DNS: Blocked and NXDOMAIN = attempts, 10-column rows with blanks after commas, trailing dots', async () => {
    const lines = [
      umbDns('2025-03-01 09:49:54', 'kim', '10.91.0.1', 'Allowed', 'NOERROR', 'claude.ai.'),
      '"2025-03-01 09:49:55","kim", "kim,Kim Machine", "10.91.0.1","81.2.69.144","Allowed","1 (A)", "NOERROR","API.Anthropic.com.", "Software/Technology,Generative AI"',
      umbDns('2025-03-01 09:50:54', 'kim', '10.91.0.1', 'Blocked', 'NOERROR', 'chatgpt.com.'),
      umbDns('2025-03-01 09:51:54', 'kim', '10.91.0.1', 'Allowed', 'NXDOMAIN', 'nope.openai.com.'),
      umbDns('2025-03-01 09:52:54', 'kim', '10.91.0.1', 'Allowed', 'NOERROR', 'claude.ai.evil.example.'),
      umbDns('2025-03-01 09:53:54', 'kim', '10.91.0.1', 'Allowed', 'NOERROR', 'notopenai.com.'),
    ];
    const f = file('dns.csv', lines.join('\n') + '\n');
    const r = await run({ paths: [f] });
    expect(cbb(r.obs)).toEqual({
      'user:kim claude.ai': [1, undefined, undefined],
      'user:kim api.anthropic.com': [1, undefined, undefined],
      'user:kim chatgpt.com !attempt': [1, undefined, undefined],
      'user:kim nope.openai.com !attempt': [1, undefined, undefined],
    });
    expect(keyed(r.obs)['user:kim claude.ai'].firstSeen).toBe('2025-03-01T09:49:54.000Z');
  });

  it('DNS with a header row (dashboard export) is read as CSV with the same user, client and attempt', async () => {
    const head = 'Timestamp,Most Granular Identity,Identities,Internal IP,External IP,Action,Query Type,Response Code,Domain,Categories';
    const body = [head, umbDns('2025-03-01 09:49:54', 'Doe, Jane (jane@example.com)', '10.91.0.1', 'Blocked', 'NOERROR', 'claude.ai.'), umbDns('2025-03-01 09:49:55', 'kim', '10.91.0.2', 'Allowed', 'NOERROR', 'claude.ai.')].join('\n');
    expect(detectFormat(Buffer.from(body))?.format).toBe('csv');
    const r = await run({ paths: [file('export.csv', body + '\n')] });
    expect(cbb(r.obs)).toEqual({ 'user:jane@example.com claude.ai !attempt': [1, undefined, undefined], 'user:kim claude.ai': [1, undefined, undefined] });
  });
});

// ------------------------------------------------------------------ Cloudflare Gateway
describe('Cloudflare Gateway: traps', () => {
  const http = (o: Record<string, unknown>) =>
    JSON.stringify({ AccountID: 'e18', Action: 'allow', Datetime: '2025-03-01T20:55:05Z', DestinationIP: '160.79.104.10', DestinationPort: 443, DeviceName: 'zt-vm-leo', Email: 'leo@example.com', HTTPHost: 'claude.ai', HTTPMethod: 'POST', HTTPStatusCode: 200, PolicyName: 'Allow all', Referer: 'https://chatgpt.com/', SourceInternalIP: '10.92.0.7', SourceIP: '67.43.156.2', URL: 'https://claude.ai/api/x', UserAgent: 'Mozilla/5.0', ...o });
  const dns = (o: Record<string, unknown>) =>
    JSON.stringify({ ColoCode: 'ORD', Datetime: '2025-03-01T22:49:53Z', DeviceName: 'zt-vm-mia', Email: 'mia@example.com', QueryCategoryNames: ['Technology'], QueryName: 'huggingface.co', QueryNameReversed: 'co.huggingface', QueryTypeName: 'A', RCode: 0, ResolvedIPs: ['18.244.202.60'], ResolverDecision: 'allowedOnNoPolicyMatch', SrcIP: '10.93.0.2', SrcPort: 0, ...o });

  it('HTTP: block = attempt, nanosecond Datetime strings, HTTPHost beats a Referer naming another AI host', async () => {
    const lines = [
      http({}),
      http({ Datetime: '1740862505000000000' }),
      http({ Action: 'block', HTTPHost: 'chatgpt.com', URL: 'https://chatgpt.com/' }),
      http({ HTTPHost: 'notopenai.com', URL: 'https://notopenai.com/' }),
      http({ HTTPHost: '', URL: 'https://api.openai.com/v1/models', Email: '' }),
    ];
    const f = file('http.jsonl', lines.join('\n') + '\n');
    const r = await run({ paths: [f] });
    expect(cbb(r.obs)).toEqual({
      'user:leo@example.com claude.ai': [2, undefined, undefined],
      'user:leo@example.com chatgpt.com !attempt': [1, undefined, undefined],
      'ip:10.92.0.7 api.openai.com': [1, undefined, undefined],
    });
    expect(keyed(r.obs)['user:leo@example.com claude.ai'].lastSeen).toBe('2025-03-01T20:55:05.000Z');
  });

  it('DNS: blocked decisions and non-zero RCode = attempts', async () => {
    const lines = [
      dns({}),
      dns({ QueryName: 'chatgpt.com', ResolverDecision: 'blockedByCategory', ResolvedIPs: [] }),
      dns({ QueryName: 'missing.openai.com', RCode: 3, ResolvedIPs: [] }),
      dns({ QueryName: 'huggingface.co.evil.example' }),
    ];
    const f = file('dns.jsonl', lines.join('\n') + '\n');
    const r = await run({ paths: [f] });
    expect(cbb(r.obs)).toEqual({
      'user:mia@example.com huggingface.co': [1, undefined, undefined],
      'user:mia@example.com chatgpt.com !attempt': [1, undefined, undefined],
      'user:mia@example.com missing.openai.com !attempt': [1, undefined, undefined],
    });
  });
});

// ------------------------------------------------------------------ Route 53, BIND, Windows DNS
describe('DNS servers: traps', () => {
  it('Route 53 Resolver: NXDOMAIN and DNS Firewall BLOCK = attempts', async () => {
    const r53 = (o: Record<string, unknown>) =>
      JSON.stringify({ version: '1.100000', account_id: '111122223333', region: 'us-east-1', vpc_id: 'vpc-0a1b2c3d', query_timestamp: '2025-03-01T22:46:23Z', query_name: 'api.openai.com.', query_type: 'A', query_class: 'IN', rcode: 'NOERROR', answers: [{ Rdata: '162.159.140.245', Type: 'A', Class: 'IN' }], srcaddr: '172.31.86.159', srcport: '48701', transport: 'UDP', srcids: { instance: 'i-0abc' }, ...o });
    const lines = [
      r53({}),
      r53({ query_name: 'API.OpenAI.com.' }),
      r53({ query_name: 'typo.openai.com.', rcode: 'NXDOMAIN', answers: [] }),
      r53({ query_name: 'claude.ai.', firewall_rule_action: 'BLOCK', rcode: 'NXDOMAIN', answers: [] }),
      r53({ query_name: 'claude.ai.', firewall_rule_action: 'ALERT' }),
      r53({ query_name: 'openai.com.evil.net.' }),
    ];
    const r = await run({ paths: [file('r53.jsonl', lines.join('\n') + '\n')] });
    expect(cbb(r.obs)).toEqual({
      'ip:172.31.86.159 api.openai.com': [2, undefined, undefined],
      'ip:172.31.86.159 typo.openai.com !attempt': [1, undefined, undefined],
      'ip:172.31.86.159 claude.ai !attempt': [1, undefined, undefined],
      'ip:172.31.86.159 claude.ai': [1, undefined, undefined],
    });
  });

  it('BIND / Infoblox: NXDOMAIN response = attempt; rewrites and errors are not queries', async () => {
    const lines = [
      '<30>Mar  1 23:51:31 ns1.example.net named[11042]: 01-Mar-2025 23:51:31.043 client 192.168.0.21#57398 UDP: query: chatgpt.com IN A response: NOERROR +ED chatgpt.com 300 IN A 104.18.32.47;',
      '<30>Mar  1 23:51:32 ns1.example.net named[11042]: 01-Mar-2025 23:51:32.043 client 192.168.0.21#57399 UDP: query: gone.openai.com IN A response: NXDOMAIN +ED',
      '<30>Mar  1 23:51:33 ns1.example.net named[11042]: client @0x7f1dd4114af0 192.168.0.22#59735 (API.Anthropic.COM): query: API.Anthropic.COM IN A + (192.168.0.1)',
      '<30>Mar  1 23:51:34 ns1.example.net named[11042]: client @0x7f1dd4114af0 192.168.0.22#59736 (notopenai.com): view internal: query: notopenai.com IN A + (192.168.0.1)',
      "<30>Mar  1 23:51:35 ns1.example.net named[29914]: client @0x7ff42c168b50 192.168.0.22#50460 (claude.ai): rewriting query name 'claude.ai' to 'x.claude.ai', type A",
      '<30>Mar  1 23:51:36 ns1.example.net named[11042]: client @0x7f1dd4114af0 2001:db8::5#59737 (claude.ai): view internal: query: claude.ai IN AAAA +E(0)K (2001:db8::53)',
    ];
    const r = await run({ paths: [file('named.log', lines.join('\n') + '\n')] });
    expect(cbb(r.obs)).toEqual({
      'ip:192.168.0.21 chatgpt.com': [1, undefined, undefined],
      'ip:192.168.0.21 gone.openai.com !attempt': [1, undefined, undefined],
      'ip:192.168.0.22 api.anthropic.com': [1, undefined, undefined],
      'ip:2001:db8::5 claude.ai': [1, undefined, undefined],
    });
  });

  it('Windows DNS debug log: day-first locale dates and 24-hour clocks', async () => {
    expect(parseTime('13/03/2025 10:00:32')).toBe(Date.UTC(2025, 2, 13, 10, 0, 32));
    expect(parseTime('3/13/2025 10:00:32 PM')).toBe(Date.UTC(2025, 2, 13, 22, 0, 32));
    const body = [
      'DNS Server log file creation at 13/03/2025 09:00:00',
      '',
      '13/03/2025 10:00:32 0E70 PACKET  00000000033397A0 UDP Rcv 10.161.60.71    5b47   Q [0001   D   NOERROR] A      (3)api(6)openai(3)com(0)',
      '13/03/2025 10:00:32 0E70 PACKET  00000000033397A0 UDP Snd 10.161.60.71    5b47 R Q [8081   DR  NOERROR] A      (3)api(6)openai(3)com(0)',
      '13/03/2025 10:00:33 0E70 PACKET  00000000033397A0 UDP Rcv 10.161.60.71    5b48   Q [0001   D   NOERROR] A      (9)notopenai(3)com(0)',
    ].join('\r\n');
    const r = await run({ paths: [file('dns.log', body + '\r\n')] });
    expect(cbb(r.obs)).toEqual({ 'ip:10.161.60.71 api.openai.com': [1, undefined, undefined] });
    expect(r.obs[0].firstSeen).toBe('2025-03-13T10:00:32.000Z');
  });
});

// ------------------------------------------------------------------ W3C / generic CSV
describe('W3C and generic CSV: traps', () => {
  it('ProxySG W3C: DENIED = attempt, cs-host with port', async () => {
    const body = [
      '#Software: SGOS 7.3.1.1',
      '#Fields: date time time-taken c-ip cs-username cs-auth-group s-supplier-name sc-status s-action cs-method cs-uri-scheme cs-host cs-uri-port cs-uri-path cs-uri-query cs-bytes sc-bytes sc-filter-result cs(User-Agent)',
      '2025-03-01 10:15:02 120 10.60.0.4 frank - api.openai.com 200 TCP_TUNNELED CONNECT tcp api.openai.com:443 443 / - 2100 8200 OBSERVED "Mozilla/5.0 (Windows NT 10.0; Win64; x64)"',
      '2025-03-01 10:15:03 120 10.60.0.4 frank - - 403 TCP_DENIED GET https chatgpt.com 443 /c - 500 900 DENIED "Mozilla/5.0"',
      '2025-03-01 10:15:04 120 10.60.0.4 frank - notopenai.com 200 TCP_NC_MISS GET https notopenai.com 443 / - 1 1 OBSERVED "Mozilla/5.0"',
    ].join('\n');
    const r = await run({ paths: [file('sg.log', body + '\n')] });
    expect(cbb(r.obs)).toEqual({
      'user:frank api.openai.com': [1, 2100, 8200],
      'user:frank chatgpt.com !attempt': [1, 500, 900],
    });
  });

  it('generic CSV: an action column marks blocked rows as attempts; quoted commas', async () => {
    const body = ['timestamp,src_ip,user,url,bytes_out,bytes_in,action', '2025-03-01T08:00:00Z,10.70.0.3,grace,"https://api.openai.com/v1/x?a=1,2",1500,4000,allow', '2025-03-01T08:01:00Z,10.70.0.3,grace,https://claude.ai/,10,20,blocked'].join('\n');
    const r = await run({ paths: [file('g.csv', body + '\n')] });
    expect(cbb(r.obs)).toEqual({ 'user:grace api.openai.com': [1, 1500, 4000], 'user:grace claude.ai !attempt': [1, 10, 20] });
  });
});

// ------------------------------------------------------------------ not the declared format
describe('a file that is not its declared format fails naming the file and the first bad line', () => {
  const cases: Array<[string, string]> = [
    ['zscaler', 'just some text'],
    ['panos', 'no commas here'],
    ['umbrella-dns', '"2025-03-01 09:49:54"'],
    ['bind', 'named: query: example.com IN A'],
    ['cloudflare-dns', 'not json'],
    ['w3c', 'data before fields'],
  ];
  it.each(cases)('%s', async (format, line) => {
    const f = file(`x.${format}`, `${line}\n`.repeat(30));
    const r = await run({ paths: [f], format: format as never });
    expect(r.cov.failed).toHaveLength(1);
    expect(r.cov.failed[0].reason).toMatch(new RegExp(`x\\.${format}:1: not a ${format} log: `));
    expect(r.obs).toEqual([]);
  });
});
