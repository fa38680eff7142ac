/**
 * Delimited logs: W3C extended (`#Fields:` header, space-separated, quoted values), generic
 * CSV / TSV with a header line and a field mapping, Cisco Umbrella proxy and DNS CSV (no header,
 * every field quoted) and Palo Alto PAN-OS syslog CSV (TRAFFIC and THREAT/url).
 * Fields are tokenised into byte ranges; strings are made only for candidate lines.
 */
import { QUOTE, isBlockedAction, isDnsFailure, isUnset, parseUint, urlParts, userOf } from '../bytes.js';
import { parseTime } from '../time.js';
import { AUTO_NAMES, mapToLists, type FieldMapList } from './json.js';
import { BAD, HOST, SKIP, type FieldMap, type LineParser, type ParserState, type Rec } from './types.js';

/** Column roles (0-based; -1 = absent). `date` + `time` are joined (W3C). */
interface Cols {
  host: number;
  url: number;
  path: number;
  user: number;
  ip: number;
  time: number;
  date: number;
  out: number;
  in: number;
  /** decision column (blocked / denied → attempt) */
  action: number;
  /** DNS response code column (≠ NOERROR → attempt) */
  rcode: number;
  min: number;
}

const NONE: Cols = { host: -1, url: -1, path: -1, user: -1, ip: -1, time: -1, date: -1, out: -1, in: -1, action: -1, rcode: -1, min: 1 };

/**
 * Splits [s, e) into fields. Quoted fields (`"a, b"`) keep their inner range; blanks after a
 * delimiter are skipped for quoted CSV (Umbrella writes `"a", "b"`). Returns the field count.
 */
export function tokenize(buf: Buffer, s: number, e: number, delim: number, quotes: boolean, st: Int32Array, en: Int32Array): number {
  let n = 0;
  let i = s;
  const max = st.length;
  while (n < max) {
    if (quotes && delim !== 32) while (i < e && buf[i] === 32) i++;
    if (quotes && i < e && buf[i] === QUOTE) {
      let j = i + 1;
      for (;;) {
        while (j < e && buf[j] !== QUOTE) j++;
        if (j + 1 < e && buf[j + 1] === QUOTE) {
          j += 2; // "" escape
          continue;
        }
        break;
      }
      st[n] = i + 1;
      en[n] = Math.min(j, e);
      n++;
      i = j + 1;
      while (i < e && buf[i] !== delim) i++;
    } else {
      let j = i;
      while (j < e && buf[j] !== delim) j++;
      st[n] = i;
      en[n] = j;
      n++;
      i = j;
    }
    if (i >= e) break;
    i++; // delimiter
    if (delim === 32) while (i < e && buf[i] === 32) i++;
    if (i >= e) {
      // trailing delimiter: one empty field
      if (n < max && delim !== 32) {
        st[n] = en[n] = e;
        n++;
      }
      break;
    }
  }
  return n;
}

function field(buf: Buffer, st: Int32Array, en: Int32Array, n: number, c: number): string {
  if (c < 0 || c >= n) return '';
  const v = buf.toString('utf8', st[c], en[c]);
  return isUnset(v) ? '' : v;
}

/** Resolves role → column from header names (case-insensitive), or from 1-based numbers. */
export function colsFromHeader(header: string[], lists: FieldMapList): Cols {
  const lower = header.map((h) => h.trim().toLowerCase());
  const pick = (names?: string[]): number => {
    for (const n of names ?? []) {
      if (/^\d+$/.test(n)) return Number(n) - 1;
      const i = lower.indexOf(n.toLowerCase());
      if (i >= 0) return i;
    }
    return -1;
  };
  const c: Cols = {
    host: pick(lists.host),
    url: pick(lists.url),
    path: pick(lists.path),
    user: pick(lists.user),
    ip: pick(lists.ip),
    time: pick(lists.time),
    date: pick(['date']),
    out: pick(lists.out),
    in: pick(lists.in),
    action: pick(lists.action),
    rcode: pick(lists.rcode),
    min: 1,
  };
  c.min = Math.max(c.host, c.url) + 1;
  return c;
}

export interface DelimitedConfig {
  format: string;
  delim: number;
  quotes: boolean;
  /** 'first-line' (CSV/TSV header), 'w3c' (`#Fields:` directive) or 'none' (fixed columns). */
  header: 'first-line' | 'w3c' | 'none';
  cols?: Cols;
  lists?: FieldMapList;
}

export class DelimitedParser implements LineParser {
  readonly format: string;
  err = '';
  private cfg: DelimitedConfig;
  private header: string[] | null = null;
  private cols: Cols;
  private st = new Int32Array(256);
  private en = new Int32Array(256);
  private n = 0;
  private u = new Int32Array(3);

  constructor(cfg: DelimitedConfig, state?: ParserState) {
    this.cfg = cfg;
    this.format = cfg.format;
    this.cols = cfg.cols ?? NONE;
    if (state?.header) this.setHeader(state.header);
  }

  private setHeader(h: string[]): void {
    this.header = h;
    this.cols = colsFromHeader(h, this.cfg.lists ?? AUTO_NAMES);
  }

  locate(buf: Buffer, s: number, e: number, r: Rec): number {
    if (e > s && buf[e - 1] === 13) e--;
    if (s >= e) return SKIP;
    const cfg = this.cfg;
    if (buf[s] === 35) {
      if (cfg.header === 'w3c') {
        const line = buf.toString('utf8', s, e);
        if (line.startsWith('#Fields:')) this.setHeader(line.slice(8).trim().split(/\s+/));
      }
      if (cfg.header !== 'first-line' || this.header) return SKIP;
    }
    if (cfg.header === 'first-line' && !this.header) {
      const n = tokenize(buf, s, e, cfg.delim, cfg.quotes, this.st, this.en);
      const names: string[] = [];
      for (let k = 0; k < n; k++) names.push(buf.toString('utf8', this.st[k], this.en[k]).replace(/^#/, ''));
      this.setHeader(names);
      return SKIP;
    }
    if (cfg.header === 'w3c' && !this.header) {
      this.err = 'data line before the #Fields: directive';
      return BAD;
    }
    const n = (this.n = tokenize(buf, s, e, cfg.delim, cfg.quotes, this.st, this.en));
    const c = this.cols;
    if (c.host < 0 && c.url < 0) {
      this.err = 'no host or URL column in the mapping';
      return BAD;
    }
    if (n < c.min) {
      this.err = `expected at least ${c.min} fields, got ${n}`;
      return BAD;
    }
    if (c.host >= 0 && c.host < n && this.en[c.host] > this.st[c.host]) {
      const hs = this.st[c.host];
      const he = this.en[c.host];
      if (!(he - hs === 1 && buf[hs] === 45)) {
        urlParts(buf, hs, he, this.u); // Host headers may carry a port
        r.hs = this.u[0];
        r.he = this.u[1];
        if (r.he > r.hs) return HOST;
      }
    }
    if (c.url >= 0 && c.url < n && this.en[c.url] > this.st[c.url]) {
      urlParts(buf, this.st[c.url], this.en[c.url], this.u);
      r.hs = this.u[0];
      r.he = this.u[1];
      if (this.u[2] < this.en[c.url]) {
        r.ps = this.u[2];
        r.pe = this.en[c.url];
      }
      if (r.he > r.hs && !(r.he - r.hs === 1 && buf[r.hs] === 45)) return HOST;
    }
    return SKIP;
  }

  fill(buf: Buffer, _s: number, _e: number, r: Rec): void {
    const { st, en, n } = this;
    const c = this.cols;
    const t = field(buf, st, en, n, c.time);
    const d = field(buf, st, en, n, c.date);
    r.ts = parseTime(d && t ? `${d} ${t}` : t || d);
    r.ip = field(buf, st, en, n, c.ip);
    r.user = userOf(field(buf, st, en, n, c.user));
    if (c.action >= 0 && isBlockedAction(field(buf, st, en, n, c.action))) r.fail = true;
    if (c.rcode >= 0 && isDnsFailure(field(buf, st, en, n, c.rcode))) r.fail = true;
    if (c.out >= 0 && c.out < n) r.out = parseUint(buf, st[c.out], en[c.out]);
    if (c.in >= 0 && c.in < n) r.inb = parseUint(buf, st[c.in], en[c.in]);
    if (c.path >= 0 && c.path < n && buf[st[c.path]] === 47) {
      r.ps = st[c.path];
      r.pe = en[c.path];
    }
  }

  snapshot(): ParserState {
    return { format: this.format, header: this.header ?? undefined };
  }
}

// ---------------------------------------------------------------- presets

/** W3C extended log (Blue Coat / Symantec ProxySG, IIS, Forcepoint …): names from `#Fields:`. */
export function w3cParser(map?: FieldMap, state?: ParserState): DelimitedParser {
  return new DelimitedParser({ format: 'w3c', delim: 32, quotes: true, header: 'w3c', lists: mapToLists(map, AUTO_NAMES) }, state);
}

/**
 * Generic CSV / TSV. A mapping by header names reads the first line as the header; a mapping made
 * only of 1-based column numbers means the export has no header line (Zscaler NSS feeds, whose
 * field order is the customer's feed template, and other headerless appliance exports), so the
 * first line is data.
 */
export function csvParser(format: 'csv' | 'tsv', map?: FieldMap, state?: ParserState): DelimitedParser {
  const lists = mapToLists(map, AUTO_NAMES);
  const delim = format === 'csv' ? 44 : 9;
  const named = map ? Object.values(map).filter((v): v is string => typeof v === 'string' && v !== '') : [];
  if (named.length && named.every((v) => /^\d+$/.test(v))) {
    return new DelimitedParser({ format, delim, quotes: format === 'csv', header: 'none', cols: colsFromHeader([], lists) }, state);
  }
  return new DelimitedParser({ format, delim, quotes: format === 'csv', header: 'first-line', lists }, state);
}

/**
 * Cisco Umbrella DNS log (S3 export, no header): 1 timestamp, 2 most granular identity,
 * 3 identities, 4 internal IP, 5 external IP, 6 action, 7 query type, 8 response code, 9 domain …
 * (10-column v1/v2 rows and 13+ column v3+ rows mixed). Blocked or a response code other than
 * NOERROR → attempt. A `Last, First (email)` identity becomes the email.
 */
export function umbrellaDnsParser(): DelimitedParser {
  return new DelimitedParser({ format: 'umbrella-dns', delim: 44, quotes: true, header: 'none', cols: { ...NONE, time: 0, user: 1, ip: 3, action: 5, rcode: 7, host: 8, min: 9 } });
}

/**
 * Cisco Umbrella proxy log (S3 export, no header): 1 timestamp, 2 identities, 3 internal IP,
 * 4 external IP, 5 destination IP, 6 content type, 7 verdict, 8 URL, 9 referer, 10 user agent,
 * 11 status, 12 request size, 13 response size … (docs.umbrella.com "Web Log Formats"). Action
 * BLOCKED → attempt.
 */
export function umbrellaProxyParser(): DelimitedParser {
  return new DelimitedParser({ format: 'umbrella-proxy', delim: 44, quotes: true, header: 'none', cols: { ...NONE, time: 0, user: 1, ip: 2, action: 6, url: 7, out: 11, in: 12, min: 8 } });
}

/**
 * Palo Alto PAN-OS syslog CSV. TRAFFIC: 8 src, 9 dst, 13 srcuser, 33 bytes_sent,
 * 34 bytes_received (1-based after the syslog header); THREAT subtype url: 32 URL; both: 31 action
 * (deny, drop, reset-*, block-url, block-continue … → attempt; alert, allow, continue → usage).
 * Field order checked against the PAN-OS 9.1–11.1 syslog field descriptions (later versions only
 * append fields).
 * TRAFFIC rows carry only the destination IP, so only IP rules can match them.
 */
export class PanOsParser implements LineParser {
  readonly format = 'panos';
  err = '';
  private st = new Int32Array(128);
  private en = new Int32Array(128);
  private n = 0;
  private kind = 0; // 1 traffic, 2 url
  private u = new Int32Array(3);

  locate(buf: Buffer, s: number, e: number, r: Rec): number {
    if (e > s && buf[e - 1] === 13) e--;
    if (s >= e) return SKIP;
    // syslog header `Nov 30 16:09:08 PA-220 ` (optional `<PRI>`): the CSV starts after the last space before the first comma
    let comma = s;
    while (comma < e && buf[comma] !== 44) comma++;
    if (comma >= e) {
      this.err = 'expected a PAN-OS CSV record';
      return BAD;
    }
    let start = comma;
    while (start > s && buf[start - 1] !== 32) start--;
    const n = (this.n = tokenize(buf, start, e, 44, true, this.st, this.en));
    if (n < 10) {
      this.err = `expected a PAN-OS CSV record, got ${n} fields`;
      return BAD;
    }
    const type = buf.toString('latin1', this.st[3], this.en[3]);
    if (type === 'TRAFFIC') {
      this.kind = 1;
      r.hs = this.st[8];
      r.he = this.en[8];
      return r.he > r.hs ? HOST : SKIP;
    }
    if (type === 'THREAT' && buf.toString('latin1', this.st[4], this.en[4]) === 'url' && n > 31) {
      this.kind = 2;
      urlParts(buf, this.st[31], this.en[31], this.u);
      r.hs = this.u[0];
      r.he = this.u[1];
      if (this.u[2] < this.en[31]) {
        r.ps = this.u[2];
        r.pe = this.en[31];
      }
      return r.he > r.hs ? HOST : SKIP;
    }
    return SKIP;
  }

  fill(buf: Buffer, _s: number, _e: number, r: Rec): void {
    const { st, en, n } = this;
    r.ts = parseTime(field(buf, st, en, n, 1));
    r.ip = field(buf, st, en, n, 7);
    r.user = field(buf, st, en, n, 12);
    if (isBlockedAction(field(buf, st, en, n, 30))) r.fail = true;
    if (this.kind === 1 && n > 33) {
      r.out = parseUint(buf, st[32], en[32]);
      r.inb = parseUint(buf, st[33], en[33]);
    }
  }

  snapshot(): ParserState {
    return { format: this.format };
  }
}
