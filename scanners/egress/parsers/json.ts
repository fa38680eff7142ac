/**
 * JSON Lines with a field mapping: Zeek JSON (LogAscii use_json and json-streaming-logs), Zscaler
 * NSS web (JSON feed), Cloudflare Gateway HTTP / DNS (Logpush), AWS Route 53 Resolver query
 * logs, and any JSON Lines export with a mapping. Keys are found by a byte search for
 * `"key"` followed by `:` (nested objects such as NSS `event` need no full parse); only lines
 * whose host is a candidate have their other fields read.
 */
import { QUOTE, findIn, isBlockedAction, isDnsFailure, isUnset, skipBlank } from '../bytes.js';
import { BAD, HOST, SKIP, type FieldMap, type LineParser, type ParserState, type Rec } from './types.js';
import { parseTime } from '../time.js';

interface Keys {
  host: Buffer[];
  url: Buffer[];
  path: Buffer[];
  user: Buffer[];
  ip: Buffer[];
  time: Buffer[];
  out: Buffer[];
  in: Buffer[];
  uid: Buffer[];
  action: Buffer[];
  rcode: Buffer[];
  rd: Buffer[];
  dup: Buffer[];
  resolver: Buffer[];
}

/** Ready-made JSON mappings. Names checked against the vendors' field references (see README). */
export const JSON_PRESETS: Record<string, FieldMapList> = {
  // Zeek (docs.zeek.org: ssl.log server_name, dns.log query, http.log host/uri/username, conn.log orig_bytes/resp_bytes)
  'zeek-json:ssl': { host: ['server_name'], ip: ['id.orig_h'], time: ['ts'], uid: ['uid'] },
  // dns: rcode_name / rcode ≠ NOERROR → attempt; RD false → a resolver's own recursion (dropped);
  // uid + trans_id + query + qtype seen twice within seconds → one event (sensor duplicates)
  'zeek-json:dns': { host: ['query'], ip: ['id.orig_h'], time: ['ts'], uid: ['uid'], rcode: ['rcode_name', 'rcode'], rd: ['RD'], dup: ['uid', 'trans_id', 'query', 'qtype'], resolver: ['id.resp_h'] },
  'zeek-json:http': { host: ['host'], path: ['uri'], user: ['username'], ip: ['id.orig_h'], time: ['ts'], uid: ['uid'], out: ['request_body_len'], in: ['response_body_len'] },
  'zeek-json:conn': { host: ['id.resp_h'], ip: ['id.orig_h'], time: ['ts'], uid: ['uid'], out: ['orig_bytes'], in: ['resp_bytes'] },
  // Zscaler NSS web feed (help.zscaler.com "NSS Feed Output Format: Web Logs"): eurl (URL without
  // scheme), login, cip, reqsize, respsize. Time: epochtime (UTC) when the feed has it; `time`
  // "excludes the time zone" (the feed's zone is in `tz`) and is read as UTC.
  // action Blocked → attempt
  zscaler: { url: ['eurl', 'url'], host: ['hostname', 'host'], user: ['login', 'ologin'], ip: ['cip'], time: ['epochtime', 'time'], out: ['reqsize'], in: ['respsize'], action: ['action'] },
  // Cloudflare Gateway HTTP (Logpush gateway_http): HTTPHost, URL, Email, SourceInternalIP/SourceIP, Datetime
  // Action block → attempt
  'cloudflare-http': { host: ['HTTPHost'], url: ['URL'], user: ['Email'], ip: ['SourceInternalIP', 'SourceIP'], time: ['Datetime'], action: ['Action'] },
  // Cloudflare Gateway DNS (Logpush gateway_dns): QueryName, Email, SrcIP, Datetime
  // ResolverDecision blocked* or RCode ≠ 0 → attempt
  'cloudflare-dns': { host: ['QueryName'], user: ['Email'], ip: ['SrcIP'], time: ['Datetime'], action: ['ResolverDecision'], rcode: ['RCode'] },
  // AWS Route 53 Resolver query logs: query_name, srcaddr, query_timestamp
  // rcode ≠ NOERROR or DNS Firewall firewall_rule_action BLOCK → attempt
  route53: { host: ['query_name'], ip: ['srcaddr'], time: ['query_timestamp'], action: ['firewall_rule_action'], rcode: ['rcode'] },
};

export interface FieldMapList {
  host?: string[];
  url?: string[];
  path?: string[];
  user?: string[];
  ip?: string[];
  time?: string[];
  out?: string[];
  in?: string[];
  uid?: string[];
  /** decision: a blocked / denied value marks an attempt */
  action?: string[];
  /** DNS response code: anything but NOERROR / 0 marks an attempt */
  rcode?: string[];
  /** DNS recursion-desired flag: false → not a client query (dropped) */
  rd?: string[];
  /** fields whose values together identify one event (duplicates within seconds are dropped) */
  dup?: string[];
  /** DNS: the server asked (an IP that answers others' queries is a resolver, not a user) */
  resolver?: string[];
}

/** Common field names used when a generic JSON / CSV export has no explicit mapping. */
export const AUTO_NAMES: FieldMapList = {
  host: ['host', 'hostname', 'domain', 'query', 'query_name', 'qname', 'server_name', 'sni', 'dest_host', 'dst_host', 'destination_host', 'fqdn', 'cs-host', 'cs(host)', 'r-host'],
  url: ['url', 'uri', 'request_url', 'full_url', 'cs-uri', 'cs-url', 'eurl'],
  // `most granular identity` / `internal ip`: Umbrella dashboard CSV exports (with a header row)
  user: ['user', 'username', 'user_name', 'login', 'email', 'user_email', 'cs-username', 'src_user', 'most granular identity', 'policy identity', 'identity'],
  ip: ['client_ip', 'clientip', 'src_ip', 'srcip', 'source_ip', 'srcaddr', 'src', 'c-ip', 'ip', 'internal ip', 'internal client ip', 'client ip', 'source ip'],
  time: ['timestamp', 'time', 'ts', 'datetime', 'date_time', '@timestamp', 'eventtime'],
  out: ['bytes_out', 'bytesout', 'sent_bytes', 'bytes_sent', 'request_bytes', 'req_bytes', 'reqsize', 'cs-bytes', 'upload_bytes'],
  in: ['bytes_in', 'bytesin', 'received_bytes', 'bytes_received', 'response_bytes', 'resp_bytes', 'respsize', 'sc-bytes', 'download_bytes'],
  // W3C proxies split the URL: ProxySG `cs-uri-path`, IIS-style `cs-uri-stem` (needed by path rules)
  path: ['cs-uri-path', 'cs-uri-stem'],
  uid: [],
  action: ['sc-filter-result', 's-action', 'action', 'verdict', 'x-action', 'disposition', 'decision'],
  rcode: ['rcode_name', 'rcode'],
};

/** Turns an explicit mapping (one name per role) into lists, falling back to auto names. */
export function mapToLists(map: FieldMap | undefined, fallback: FieldMapList | undefined): FieldMapList {
  const one = (v?: string) => (v ? [v] : undefined);
  if (!map) return fallback ?? AUTO_NAMES;
  return {
    host: one(map.host),
    url: one(map.url),
    path: one(map.path),
    user: one(map.user),
    ip: one(map.clientIp),
    time: one(map.time),
    out: one(map.bytesOut),
    in: one(map.bytesIn),
    uid: one(map.uid),
    action: one(map.action),
  };
}

function keyBufs(names: string[] | undefined): Buffer[] {
  return (names ?? []).map((n) => Buffer.from(JSON.stringify(n), 'utf8'));
}

export class JsonLinesParser implements LineParser {
  readonly format: string;
  err = '';
  logKind?: string;
  private keys: Keys;
  private lists: FieldMapList;
  private v = new Int32Array(3);

  constructor(format: string, lists: FieldMapList, kind?: string) {
    this.format = format;
    this.lists = lists;
    this.logKind = kind;
    this.keys = {
      host: keyBufs(lists.host),
      url: keyBufs(lists.url),
      path: keyBufs(lists.path),
      user: keyBufs(lists.user),
      ip: keyBufs(lists.ip),
      time: keyBufs(lists.time),
      out: keyBufs(lists.out),
      in: keyBufs(lists.in),
      uid: keyBufs(lists.uid),
      action: keyBufs(lists.action),
      rcode: keyBufs(lists.rcode),
      rd: keyBufs(lists.rd),
      dup: keyBufs(lists.dup),
      resolver: keyBufs(lists.resolver),
    };
  }

  /**
   * Finds the value of the first key present with a set value: v = [start, end, type] (type 1
   * string, 2 escaped string, 3 bare). An empty / `-` / `None` / null value falls through to the
   * next key (Cloudflare `SourceInternalIP: ""` → `SourceIP`; Zscaler `hostname: "None"` → `host`).
   */
  private value(buf: Buffer, s: number, e: number, keys: Buffer[]): boolean {
    const v = this.v;
    for (const k of keys) {
      if (!jsonValue(buf, s, e, k, v)) continue;
      const n = v[1] - v[0];
      if (n === 0) continue;
      if (n <= 6 && isUnset(buf.toString('latin1', v[0], v[1]))) continue;
      return true;
    }
    return false;
  }

  private str(buf: Buffer): string {
    const [vs, ve, t] = this.v;
    if (t === 2) {
      try {
        return JSON.parse(buf.toString('utf8', vs - 1, ve + 1)) as string;
      } catch {
        return buf.toString('utf8', vs, ve);
      }
    }
    return buf.toString('utf8', vs, ve);
  }

  locate(buf: Buffer, s: number, e: number, r: Rec): number {
    let i = skipBlank(buf, s, e);
    while (e > i && (buf[e - 1] === 32 || buf[e - 1] === 9)) e--;
    if (i >= e) return SKIP;
    if (buf[i] !== 123 || buf[e - 1] !== 125) {
      this.err = 'expected a JSON object on the line';
      return BAD;
    }
    if (this.value(buf, i, e, this.keys.host)) {
      const h = this.str(buf);
      if (!isUnset(h)) {
        r.host = h;
        return HOST;
      }
    }
    if (this.value(buf, i, e, this.keys.url)) {
      const u = this.str(buf);
      if (!isUnset(u)) {
        r.host = u; // a URL: the engine splits host / path
        r.pathStr = '\u0000url';
        return HOST;
      }
    }
    return SKIP;
  }

  fill(buf: Buffer, s: number, e: number, r: Rec): void {
    const k = this.keys;
    if (this.value(buf, s, e, k.time)) {
      r.ts = parseTime(this.v[2] === 3 ? Number(buf.toString('latin1', this.v[0], this.v[1])) : this.str(buf));
    }
    if (this.value(buf, s, e, k.ip)) r.ip = clean(this.str(buf));
    if (this.value(buf, s, e, k.user)) r.user = clean(this.str(buf));
    if (r.pathStr !== '\u0000url' && this.value(buf, s, e, k.path)) r.pathStr = this.str(buf);
    else if (r.pathStr !== '\u0000url' && this.value(buf, s, e, k.url)) {
      // host came from a host field; take the path from the URL field when present
      const u = this.str(buf);
      const m = /^(?:[a-z][a-z0-9+.-]*:\/\/)?[^/?#]*(\/[^?#]*)?/i.exec(u);
      if (m?.[1]) r.pathStr = m[1];
    }
    if (this.value(buf, s, e, k.uid)) r.uid = this.str(buf);
    if (this.value(buf, s, e, k.out)) r.out = num(this.str(buf));
    if (this.value(buf, s, e, k.in)) r.inb = num(this.str(buf));
    if (this.value(buf, s, e, k.action) && isBlockedAction(this.str(buf))) r.fail = true;
    if (this.value(buf, s, e, k.rcode) && isDnsFailure(this.str(buf))) r.fail = true;
    if (this.value(buf, s, e, k.rd) && /^(false|f|0)$/i.test(this.str(buf))) r.drop = true;
    if (this.value(buf, s, e, k.resolver)) r.resolver = this.str(buf);
    if (k.dup.length) {
      let d = '';
      for (const key of k.dup) d += (jsonValue(buf, s, e, key, this.v) ? this.str(buf) : '') + '\u0001';
      r.dup = d;
    }
  }

  snapshot(): ParserState {
    return { format: this.format, kind: this.logKind, map: undefined };
  }

  get mapping(): FieldMapList {
    return this.lists;
  }
}

function clean(v: string): string {
  return isUnset(v) ? '' : v;
}

function num(v: string): number {
  if (isUnset(v)) return -1;
  const n = Number(v);
  return Number.isFinite(n) && n >= 0 ? Math.floor(n) : -1;
}

/**
 * Finds `"key"\s*:` in [s, e) (not inside an escaped string) and the value after it.
 * out = [valueStart, valueEnd, type]: 1 plain string (without quotes), 2 string with escapes,
 * 3 bare value (number, true, false, null). Arrays and objects are not values here.
 */
export function jsonValue(buf: Buffer, s: number, e: number, key: Buffer, out: Int32Array): boolean {
  let from = s;
  for (;;) {
    const p = findIn(buf, key, from, e);
    if (p < 0) return false;
    from = p + 1;
    if (p > s && buf[p - 1] === 92) continue; // \"key\" inside a string
    let i = skipBlank(buf, p + key.length, e);
    if (i >= e || buf[i] !== 58) continue;
    i = skipBlank(buf, i + 1, e);
    if (i >= e) return false;
    if (buf[i] === QUOTE) {
      let j = i + 1;
      let esc = false;
      while (j < e) {
        const c = buf[j];
        if (c === 92) {
          esc = true;
          j += 2;
          continue;
        }
        if (c === QUOTE) break;
        j++;
      }
      if (j >= e) return false;
      out[0] = i + 1;
      out[1] = j;
      out[2] = esc ? 2 : 1;
      return true;
    }
    const c = buf[i];
    if (c === 123 || c === 91) {
      // array: take the first string element (e.g. a one-item set)
      if (c === 91) {
        const q = skipBlank(buf, i + 1, e);
        if (q < e && buf[q] === QUOTE) {
          let j = q + 1;
          while (j < e && buf[j] !== QUOTE) j += buf[j] === 92 ? 2 : 1;
          if (j >= e) return false;
          out[0] = q + 1;
          out[1] = j;
          out[2] = 1;
          return true;
        }
      }
      return false;
    }
    let j = i;
    while (j < e) {
      const d = buf[j];
      if (d === 44 || d === 125 || d === 93 || d === 32 || d === 9) break;
      j++;
    }
    out[0] = i;
    out[1] = j;
    out[2] = 3;
    return true;
  }
}
