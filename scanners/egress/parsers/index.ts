/**
 * Format ids, content sniffing and the parser factory. Detection reads only the first lines
 * of a file (already decompressed) — never its name.
 */
import { BindQueryParser, WindowsDnsParser } from './dns.js';
import { PanOsParser, csvParser, tokenize, umbrellaDnsParser, umbrellaProxyParser, w3cParser, colsFromHeader } from './delimited.js';
import { AUTO_NAMES, JSON_PRESETS, JsonLinesParser, mapToLists } from './json.js';
import { SquidParser } from './squid.js';
import { ZeekTsvParser, zeekKindFromFields } from './zeek.js';
import type { FieldMap, LineParser, ParserState } from './types.js';

export const FORMATS = [
  'squid',
  'zeek',
  'zeek-json',
  'w3c',
  'csv',
  'tsv',
  'jsonl',
  'zscaler',
  'panos',
  'umbrella-proxy',
  'umbrella-dns',
  'cloudflare-http',
  'cloudflare-dns',
  'route53',
  'bind',
  'windows-dns',
] as const;
export type FormatId = (typeof FORMATS)[number];

export interface Detected {
  format: FormatId;
  /** Zeek JSON: which log (ssl, dns, http, conn). */
  kind?: string;
}

function lines(head: Buffer, max = 30): string[] {
  const text = head.toString('utf8');
  const out: string[] = [];
  for (const l of text.split('\n')) {
    const t = l.replace(/\r$/, '');
    if (t.trim()) out.push(t);
    if (out.length >= max) break;
  }
  return out;
}

/** Share of control bytes (NUL included) in [s, e) of `b`. */
function controlShare(b: Buffer, s: number, e: number): number {
  if (e <= s) return 0;
  let bad = 0;
  for (let i = s; i < e; i++) {
    const c = b[i];
    if (c < 9 || (c > 13 && c < 32) || c === 127) bad++;
  }
  return bad / (e - s);
}

/**
 * Printable-text check: binary content (a pcap, an image, a compressed blob) has many control
 * bytes everywhere. Text when the first line is printable (later garbage lines are just
 * malformed), or when the head as a whole is (a damaged first line of a text log).
 */
function looksText(head: Buffer): boolean {
  if (!head.length) return false;
  const nl = head.indexOf(10);
  const n = Math.min(nl < 0 ? head.length : nl, 4096);
  if (n > 0 && head.subarray(0, n).indexOf(0) < 0 && controlShare(head, 0, n) < 0.05) return true;
  return controlShare(head, 0, Math.min(head.length, 64 * 1024)) < 0.05;
}

/**
 * The Zeek log a JSON record belongs to: its `_path` when that is a log we read, else inferred from
 * its fields — a damaged or unexpected `_path` on a record with HTTP fields is still an HTTP record
 * (a vote for a log we cannot read would parse the whole file with the wrong fields, silently).
 */
export function zeekJsonKind(o: Record<string, unknown>): string | undefined {
  if (typeof o._path === 'string' && Object.hasOwn(JSON_PRESETS, `zeek-json:${o._path}`)) return o._path;
  if ('server_name' in o || 'ja3' in o || 'cipher' in o) return 'ssl';
  if ('query' in o || 'qtype_name' in o) return 'dns';
  if ('uri' in o || 'method' in o) return 'http';
  if ('conn_state' in o || 'orig_bytes' in o) return 'conn';
  return undefined;
}

function jsonFormat(o: Record<string, unknown>): Detected | undefined {
  if ('id.orig_h' in o || '_path' in o) {
    const kind = zeekJsonKind(o);
    return { format: 'zeek-json', kind };
  }
  const ev = (o.event && typeof o.event === 'object' ? o.event : o) as Record<string, unknown>;
  if (o.sourcetype === 'zscalernss-web' || ('eurl' in ev && ('login' in ev || 'cip' in ev))) return { format: 'zscaler' };
  if ('QueryName' in o && ('SrcIP' in o || 'ResolverDecision' in o)) return { format: 'cloudflare-dns' };
  if ('HTTPHost' in o) return { format: 'cloudflare-http' };
  if ('query_name' in o && 'srcaddr' in o) return { format: 'route53' };
  const keys = Object.keys(o).map((k) => k.toLowerCase());
  if ([...(AUTO_NAMES.host ?? []), ...(AUTO_NAMES.url ?? [])].some((k) => keys.includes(k))) return { format: 'jsonl' };
  return undefined;
}

const SQUID_RE = /^\d{9,11}\.\d{1,3}\s+-?\d+\s+\S+\s+[A-Z_]+\/\d{3}\s+\d+\s+\S+\s+\S+/;
const UMBRELLA_TS = /^"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}",/;

const PANOS_RE = /(?:^|\s)\d+,\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2},[^,]*,(TRAFFIC|THREAT),/;
const BIND_CLIENT = /\bclient (@0x[0-9a-f]+ )?[0-9a-fA-F.:]+#\d+/;

function umbrellaKind(line: string): FormatId | undefined {
  if (!UMBRELLA_TS.test(line)) return undefined;
  const buf = Buffer.from(line);
  const st = new Int32Array(64);
  const en = new Int32Array(64);
  const n = tokenize(buf, 0, buf.length, 44, true, st, en);
  const f = (i: number) => (i < n ? buf.toString('utf8', st[i], en[i]) : '');
  if (/^https?:\/\//i.test(f(7))) return 'umbrella-proxy';
  if (/^\d+ \(/.test(f(6))) return 'umbrella-dns';
  return undefined;
}

/** The format most of the votes went to (ties: the first counted). */
function winner<T>(votes: Map<T, number>): T | undefined {
  let best: T | undefined;
  let n = 0;
  for (const [k, v] of votes) if (v > n) { best = k; n = v; }
  return best;
}

/**
 * Sniffs the format from the first bytes of a file's content (a byte-order mark already cut).
 * Decided by a vote over the first lines that parse, not by the first line alone: a damaged,
 * truncated or `null` first line does not make a file unreadable.
 */
export function detectFormat(head: Buffer): Detected | undefined {
  if (!looksText(head)) return undefined;
  const ls = lines(head);
  if (!ls.length) return undefined;
  const first = ls[0];
  const top = ls.slice(0, 10);
  if (top.some((l) => l.startsWith('#separator') || l.startsWith('#fields\t'))) return { format: 'zeek' };
  if (top.some((l) => /^#(Software|Version|Fields|Date|Start-Date|Remark):/.test(l))) return { format: 'w3c' };
  if (first.startsWith('DNS Server log') || ls.some((l) => / PACKET\s+[0-9A-Fa-f]+ (UDP|TCP) (Rcv|Snd) /.test(l))) return { format: 'windows-dns' };
  // one vote per line that is a record of a known shape: JSON objects by their fields, text lines
  // by their layout; junk, `null` and damaged lines give none
  const votes = new Map<string, number>();
  const kinds = new Map<string, Detected>();
  const vote = (d: Detected) => {
    const k = `${d.format}:${d.kind ?? ''}`;
    kinds.set(k, d);
    votes.set(k, (votes.get(k) ?? 0) + 1);
  };
  const lineFormat = (l: string): FormatId | undefined => {
    if (SQUID_RE.test(l)) return 'squid';
    // PAN-OS CSV after any syslog header (BSD `Mar  1 10:44:36 fw `, RFC 5424 `<14>1 2025-… fw - - - - `) or none
    if (PANOS_RE.test(l)) return 'panos';
    if (BIND_CLIENT.test(l) && / query: /.test(l)) return 'bind';
    return umbrellaKind(l);
  };
  for (const l of ls) {
    if (l.trimStart().startsWith('{')) {
      let o: unknown;
      try {
        o = JSON.parse(l);
      } catch {
        continue;
      }
      if (!o || typeof o !== 'object' || Array.isArray(o)) continue;
      const d = jsonFormat(o as Record<string, unknown>);
      if (d) vote(d);
      continue;
    }
    const f = lineFormat(l);
    if (f) vote({ format: f });
  }
  // a first line that is no record but a header naming a host or URL column: generic CSV / TSV
  // (an Umbrella dashboard export has one, its S3 export does not)
  if (!lineFormat(first) && !first.trimStart().startsWith('{')) {
    const header = headerFormat(first);
    if (header) return header;
  }
  const w = winner(votes);
  return w ? kinds.get(w) : undefined;
}

/** Generic CSV / TSV with a header naming a host or URL column. */
function headerFormat(first: string): Detected | undefined {
  for (const [format, delim] of [['tsv', '\t'], ['csv', ',']] as const) {
    if (!first.includes(delim)) continue;
    const header = first.split(delim).map((h) => h.replace(/^"|"$/g, '').replace(/^#/, ''));
    const c = colsFromHeader(header, AUTO_NAMES);
    if (c.host >= 0 || c.url >= 0) return { format };
  }
  return undefined;
}

/**
 * Logs the scanner knows but cannot use: they carry no host name, so no rule can match them.
 * Returns why (the unit fails with that reason instead of "unrecognised"), else undefined.
 * - AWS VPC flow logs (default v2 `version account-id interface-id srcaddr dstaddr srcport
 *   dstport protocol packets bytes start end action log-status`, custom formats with a header
 *   line of field names): IP addresses and ports only.
 */
export function notHostBearing(head: Buffer): string | undefined {
  if (!looksText(head)) return undefined;
  const ls = lines(head, 5);
  if (!ls.length) return undefined;
  const fields = ls[0].trim().split(/\s+/);
  const header = fields.includes('srcaddr') && fields.includes('dstaddr') && (fields.includes('interface-id') || fields.includes('log-status') || fields.includes('flow-direction'));
  const record = ls.some((l) => /^\d{1,2} (?:\d+|-) (?:eni-[0-9a-z]+|-) \S+ \S+ (?:\d+|-) (?:\d+|-) (?:\d+|-) (?:\d+|-) (?:\d+|-) (?:\d+|-) (?:\d+|-) (?:ACCEPT|REJECT|-) (?:OK|NODATA|SKIPDATA)\b/.test(l));
  if (header || record) {
    return 'AWS VPC flow log: IP addresses and ports only, no host names, so not a host-bearing format the egress scanner can attribute; scan the Route 53 Resolver query logs (or DNS / proxy logs) of the same VPCs instead';
  }
  return undefined;
}

export interface ParserOptions {
  map?: FieldMap;
  state?: ParserState;
  kind?: string;
}

export function createParser(format: FormatId, o: ParserOptions = {}): LineParser {
  const st = o.state;
  switch (format) {
    case 'squid':
      return new SquidParser();
    case 'zeek':
      return new ZeekTsvParser(st);
    case 'zeek-json': {
      const kind = st?.kind ?? o.kind ?? 'ssl';
      const preset = JSON_PRESETS[`zeek-json:${kind}`] ?? JSON_PRESETS['zeek-json:ssl'];
      return new JsonLinesParser('zeek-json', preset, kind);
    }
    case 'zscaler':
    case 'cloudflare-http':
    case 'cloudflare-dns':
    case 'route53':
      return new JsonLinesParser(format, o.map ? mapToLists(o.map, undefined) : JSON_PRESETS[format]);
    case 'jsonl':
      return new JsonLinesParser('jsonl', mapToLists(o.map, AUTO_NAMES));
    case 'w3c':
      return w3cParser(o.map, st);
    case 'csv':
    case 'tsv':
      return csvParser(format, o.map, st);
    case 'umbrella-dns':
      return umbrellaDnsParser();
    case 'umbrella-proxy':
      return umbrellaProxyParser();
    case 'panos':
      return new PanOsParser();
    case 'bind':
      return new BindQueryParser();
    case 'windows-dns':
      return new WindowsDnsParser();
  }
}

export { zeekKindFromFields };
