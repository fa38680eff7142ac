/**
 * Push-down test helpers: a rules folder with every kind of domain rule (host, suffix, template
 * with whole-label and in-label placeholders, path rules with and without a trailing slash and
 * with a placeholder segment), a deterministic event set with look-alikes, and writers that
 * render the same events as a Squid access.log, a Zeek ssl.log + conn.log, and CSV (which DuckDB
 * itself converts to Parquet and JSON).
 */
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadRules } from '../../src/rules/load.js';
import { RuleIndex } from '../../src/rules/compile.js';
import { matchAll } from '../../src/match/match.js';
import type { Observation } from '../../src/core/types.js';

const RULES: Record<string, string> = {
  'p-alpha': `id: p-alpha
name: Alpha LLM
vendor: Vendor A
category: llm-api
match:
  domains:
    - host: api.alpha.test
    - suffix: alpha.test
`,
  'p-beta': `id: p-beta
name: Beta Cloud AI
vendor: Vendor B
category: llm-api
match:
  domains:
    - template: "{resource}.beta-ai.test"
    - template: "inference.{region}-gpu.cloud.test"
`,
  'p-platform': `id: p-platform
name: Platform AI
vendor: Vendor C
category: llm-api
match:
  domains:
    - host: api.platform.test
      shared: true
      paths: ["/client/v4/accounts/{account}/ai/"]
    - suffix: work.platform.test
      paths: ["/serving-endpoints/", "/api/2.0/serving-endpoints"]
`,
  'p-code': `id: p-code
name: Code Assistant
vendor: Vendor D
category: coding-assistant
match:
  domains:
    - host: code.test
      paths: ["/code"]
`,
  'p-cloud-ai': `id: p-cloud-ai
name: Cloud AI Platform
vendor: Vendor F
category: llm-api
match:
  cloud:
    aws:
      eventSources: [bedrock.amazonaws.com, comprehend.amazonaws.com]
`,
  'p-gamma': `id: p-gamma
name: Gamma Notes
vendor: Vendor E
category: meeting-assistant
match:
  domains:
    - suffix: gamma-notes.test
`,
};

let cached: RuleIndex | undefined;
export function pdRules(): RuleIndex {
  if (cached) return cached;
  const dir = mkdtempSync(join(tmpdir(), 'pushdown-rules-'));
  mkdirSync(join(dir, 'services'));
  for (const [id, y] of Object.entries(RULES)) writeFileSync(join(dir, 'services', `${id}.yaml`), y);
  const loaded = loadRules([dir], { builtin: false });
  cached = new RuleIndex(loaded.services, loaded.modelFormats);
  return cached;
}

/** Hosts that must never match (look-alikes of the rules above). */
export const LOOKALIKES = [
  'alpha.test.evil.net', 'notalpha.test', 'xalpha.test', 'api.alpha.test.example', 'alpha.testing',
  'beta-ai.test', 'a.b.beta-ai.test', 'res.beta-ai.test.evil.net', 'inference.eu_west-gpu.cloud.test', 'inference.gpu.cloud.test',
  'gamma-notes.test.evil.net', 'notgamma-notes.test', 'code.test.evil.net', 'platform.test',
];

export interface Ev {
  ms: number;
  ip: string;
  /** as written in the log (case, trailing dot, port vary) */
  host: string;
  /** '' for a tunnel (CONNECT): no path */
  path: string;
  bytesOut: number;
  bytesIn: number;
  denied: boolean;
}

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TUNNEL_HOSTS = ['api.alpha.test', 'API.Alpha.test.', 'chat.alpha.test', 'alpha.test', 'myres.beta-ai.test', 'inference.eu-west-1-gpu.cloud.test', 'us.gamma-notes.test', 'www.example.org', 'cdn.example.net', ...LOOKALIKES];
const PATH_EVENTS: Array<[string, string]> = [
  ['api.platform.test', '/client/v4/accounts/abc123/ai/run/model'],
  ['api.platform.test', '/client/v4/zones'],
  ['api.platform.test', '/client/v4/accounts/abc123/ai'],
  ['ws1.work.platform.test', '/serving-endpoints/chat/invocations'],
  ['ws1.work.platform.test', '/api/2.0/serving-endpoints'],
  ['ws1.work.platform.test', '/api/2.0/clusters/list'],
  ['code.test', '/code'],
  ['code.test', '/code/session/1'],
  ['code.test', '/codex'],
  ['chat.alpha.test', '/v1/chat'],
  ['notalpha.test', '/v1/chat'],
];

/** `n` events over three days from 2025-03-01, millisecond times, 6 client IPs. */
export function makeEvents(n: number, seed = 7): Ev[] {
  const r = rng(seed);
  const t0 = Date.UTC(2025, 2, 1);
  const out: Ev[] = [];
  for (let i = 0; i < n; i++) {
    const ms = t0 + Math.floor(r() * 3 * 86_400_000);
    const ip = `10.40.0.${1 + Math.floor(r() * 6)}`;
    const withPath = r() < 0.3;
    const [host, path] = withPath ? PATH_EVENTS[Math.floor(r() * PATH_EVENTS.length)] : [TUNNEL_HOSTS[Math.floor(r() * TUNNEL_HOSTS.length)], ''];
    out.push({ ms, ip, host, path, bytesOut: Math.floor(r() * 5000), bytesIn: Math.floor(r() * 90000), denied: r() < 0.05 });
  }
  return out.sort((a, b) => a.ms - b.ms);
}

/** Squid native: `time.ms elapsed client result/status bytes method URL user hierarchy type`. */
export function squidLog(evs: Ev[]): string {
  return evs
    .map((e) => {
      const ts = (e.ms / 1000).toFixed(3);
      const result = e.denied ? 'TCP_DENIED/403' : e.path ? 'TCP_MISS/200' : 'TCP_TUNNEL/200';
      const url = e.path ? `https://${e.host}${e.path}` : `${e.host}:443`;
      const method = e.path ? 'POST' : 'CONNECT';
      return `${ts}    120 ${e.ip} ${result} ${e.bytesIn} ${method} ${url} - HIER_DIRECT/192.0.2.1 -`;
    })
    .join('\n') + '\n';
}

/** The same events as CSV with the columns a proxy export has (the URL as Squid logs it). */
export function proxyCsv(evs: Ev[]): string {
  const rows = evs.map((e) => [new Date(e.ms).toISOString(), e.ip, e.path ? `https://${e.host}${e.path}` : `${e.host}:443`, e.denied ? 'TCP_DENIED/403' : 'TCP_MISS/200', e.bytesIn].join(','));
  return ['ts,client_ip,url,result_code,bytes_in', ...rows].join('\n') + '\n';
}

const ZEEK_HEAD = (path: string, fields: string[], types: string[]) =>
  ['#separator \\x09', '#set_separator\t,', '#empty_field\t(empty)', '#unset_field\t-', `#path\t${path}`, '#open\t2025-03-01-00-00-00', `#fields\t${fields.join('\t')}`, `#types\t${types.join('\t')}`].join('\n') + '\n';

/** Zeek ssl.log (SNI) and conn.log (bytes) for the TLS events: no paths, no proxy decisions. */
export function zeekLogs(evs: Ev[]): { ssl: string; conn: string; csv: string } {
  const tls = evs.filter((e) => !e.path && !e.denied);
  let ssl = ZEEK_HEAD('ssl', ['ts', 'uid', 'id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p', 'version', 'server_name', 'established'], ['time', 'string', 'addr', 'port', 'addr', 'port', 'string', 'string', 'bool']);
  let conn = ZEEK_HEAD('conn', ['ts', 'uid', 'id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p', 'proto', 'service', 'duration', 'orig_bytes', 'resp_bytes', 'conn_state'], ['time', 'string', 'addr', 'port', 'addr', 'port', 'enum', 'string', 'interval', 'count', 'count', 'string']);
  const csv = ['ts,client_ip,server_name,bytes_out,bytes_in'];
  tls.forEach((e, i) => {
    const ts = (e.ms / 1000).toFixed(6);
    const host = e.host.replace(/:\d+$/, '');
    ssl += `${ts}\tC${i}\t${e.ip}\t${40000 + (i % 20000)}\t192.0.2.1\t443\tTLSv13\t${host}\tT\n`;
    conn += `${ts}\tC${i}\t${e.ip}\t${40000 + (i % 20000)}\t192.0.2.1\t443\ttcp\tssl\t0.5\t${e.bytesOut}\t${e.bytesIn}\tSF\n`;
    csv.push([new Date(e.ms).toISOString(), e.ip, host, e.bytesOut, e.bytesIn].join(','));
  });
  return { ssl, conn, csv: csv.join('\n') + '\n' };
}

/** Findings reduced to what must be identical between two ways of reading the same data. */
export function findingTable(rules: RuleIndex, obs: Observation[]): string[] {
  return matchAll(rules, obs)
    .map((f) => [f.subject.kind, f.subject.id, f.service, f.value, f.match.pattern, f.attrs?.success === false ? 'attempt' : 'ok', f.count, f.bytesOut ?? '-', f.bytesIn ?? '-', f.firstSeen ?? '-', f.lastSeen ?? '-'].join(' '))
    .sort();
}

export function tmp(prefix = 'pushdown-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}
