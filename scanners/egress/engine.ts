/**
 * The per-range engine: splits Buffers into lines (memchr via Buffer.indexOf), asks the parser
 * for the host, drops every host the rules cannot match after one map lookup, and aggregates
 * the rest per (raw subject, host[, path rule]). Runs the same in the main thread and in
 * workers; its result is plain data (structured-clone friendly) merged by scan.ts.
 */
import { splitUrl } from '../../src/core/host.js';
import type { RuleIndex } from '../../src/rules/compile.js';
import { NL, hostFromBytes, pathFromBytes, validHost } from './bytes.js';
import { dayOf } from './time.js';
import { BAD, HOST, newRec, resetRec, type LineParser, type Rec } from './parsers/types.js';
import type { ZeekTsvParser } from './parsers/zeek.js';

export interface Agg {
  /** raw subject: `u:<user>` or `i:<ip>` ('i:' when the log has neither) */
  subject: string;
  host: string;
  /** the rule pattern when the match needed a path ('' otherwise) */
  pathKey: string;
  path: string;
  count: number;
  first: number;
  last: number;
  out: number;
  inb: number;
  hasOut: boolean;
  hasIn: boolean;
  days: number[];
  /** line (relative to the range's first line) and order of the range that saw it first */
  line: number;
  uids?: string[];
}

export interface RangeResult {
  aggs: Agg[];
  lines: number;
  events: number;
  bad: number;
  /** first bad lines (relative line, message) */
  problems: Array<[number, string]>;
  /** good (parsed, not BAD) non-empty lines */
  good: number;
  /** bytes of content consumed (up to the end of the last complete line) */
  consumed: number;
  /** conn join: aggregate key → [bytesOut, bytesIn] */
  joined?: Array<[string, number, number]>;
  /** true when the range stopped early because it is not this format */
  notFormat?: boolean;
}

export const PROBLEM_SAMPLE = 20;
/** A file whose first data lines are all malformed is not the declared / detected format. */
export const NOT_FORMAT_LINES = 20;

/** Host decision cache: 0 not a candidate, 1 candidate, 2 candidate whose rules need the path. */
export class HostFilter {
  private cache = new Map<string, number>();
  private pathHosts = new Set<string>();
  private pathSuffixes: string[] = [];

  constructor(private rules: RuleIndex) {
    for (const d of rules.domainRules()) {
      if (!d.paths?.length) continue;
      if (d.kind === 'host') this.pathHosts.add(d.pattern);
      else if (d.kind === 'suffix') this.pathSuffixes.push(d.pattern);
      else {
        // template: the literal tail after the last placeholder
        const labels = d.pattern.split('.');
        let k = labels.length;
        while (k > 0 && !labels[k - 1].includes('{')) k--;
        this.pathSuffixes.push(labels.slice(k).join('.'));
      }
    }
  }

  state(host: string): number {
    let v = this.cache.get(host);
    if (v !== undefined) return v;
    v = 0;
    if (host && this.rules.hostCandidate(host)) {
      v = 1;
      if (this.pathHosts.has(host)) v = 2;
      else for (const s of this.pathSuffixes) if (host === s || host.endsWith('.' + s)) v = 2;
    }
    if (this.cache.size > 500_000) this.cache.clear();
    this.cache.set(host, v);
    return v;
  }
}

export interface EngineOptions {
  /** Zeek ssl/http with a conn.log in the same run: remember uids of candidate lines. */
  collectUids?: boolean;
  /** Zeek conn.log in join mode: uid → aggregate key; conn lines only add bytes. */
  joinUids?: Map<string, string>;
  /** Stop after NOT_FORMAT_LINES bad lines with no good one (declared / detected format is wrong). */
  strictStart?: boolean;
}

export class Engine {
  private aggs = new Map<string, Agg>();
  private rec: Rec = newRec();
  lines = 0;
  events = 0;
  bad = 0;
  good = 0;
  problems: Array<[number, string]> = [];
  consumed = 0;
  notFormat = false;
  private carry: Buffer | null = null;
  private joined = new Map<string, [number, number]>();

  constructor(
    private parser: LineParser,
    private rules: RuleIndex,
    private filter: HostFilter,
    private opts: EngineOptions = {},
  ) {}

  /**
   * Feeds a chunk of content. Complete lines are processed; a trailing partial line is kept
   * for the next chunk (or processed by end()). Returns false once the range proved not to be
   * the parser's format (caller stops reading).
   */
  feed(chunk: Buffer): boolean {
    let buf = chunk;
    if (this.carry) {
      buf = Buffer.concat([this.carry, chunk]);
      this.carry = null;
    }
    const s = this.process(buf, 0, buf.length);
    if (s < buf.length && !this.notFormat) this.carry = Buffer.from(buf.subarray(s)); // copy: the caller may reuse its buffer
    return !this.notFormat;
  }

  /**
   * Processes the complete lines of buf[start, end); returns the offset just after the last
   * complete line (the caller keeps the rest). Stops early when notFormat is set.
   */
  process(buf: Buffer, start: number, end: number): number {
    let s = start;
    while (s < end) {
      const nl = buf.indexOf(NL, s);
      if (nl < 0 || nl >= end) break;
      this.line(buf, s, nl);
      this.consumed += nl + 1 - s;
      s = nl + 1;
      if (this.notFormat) break;
    }
    return s;
  }

  /** A line longer than the read buffer: counted as malformed and dropped. */
  longLine(size: number): void {
    this.lines++;
    this.consumed += size;
    this.badLine(this.lines, `line longer than ${size} bytes`);
  }

  /** Processes buf[start, end) as the final, unterminated line. */
  last(buf: Buffer, start: number, end: number): void {
    if (end > start) {
      this.line(buf, start, end);
      this.consumed += end - start;
    }
  }

  /** Processes the unterminated last line, if any. */
  end(): void {
    if (this.carry && this.carry.length) {
      const b = this.carry;
      this.carry = null;
      this.line(b, 0, b.length);
      this.consumed += b.length;
    }
  }

  /** Bytes held back as an incomplete last line. */
  get pending(): number {
    return this.carry ? this.carry.length : 0;
  }

  private line(buf: Buffer, s: number, e: number): void {
    const ln = ++this.lines;
    if (e > s && buf[e - 1] === 13) e--;
    if (e <= s) return;
    const p = this.parser;
    if (this.opts.joinUids) {
      this.joinLine(buf, s, e);
      return;
    }
    const r = this.rec;
    resetRec(r);
    const code = p.locate(buf, s, e, r);
    if (code !== HOST) {
      if (code === BAD) this.badLine(ln, p.err);
      else this.good++;
      return;
    }
    this.good++;
    let host: string;
    let urlPath = '';
    if (r.host) {
      if (r.pathStr === '\u0000url') {
        const u = splitUrl(r.host);
        host = validHost(u.host);
        urlPath = u.path;
        r.pathStr = '';
      } else host = r.host.length < 256 ? hostFromString(r.host) : '';
    } else host = hostFromBytes(buf, r.hs, r.he);
    if (!host) return;
    const st = this.filter.state(host);
    if (st === 0) return;
    p.fill(buf, s, e, r);
    let pathKey = '';
    let path = '';
    if (st === 2) {
      path = urlPath || r.pathStr || (r.ps >= 0 ? pathFromBytes(buf, r.ps, r.pe) : '');
      const hit = this.rules.matchHost(host, path || undefined);
      if (!hit) return; // a shared host whose AI rules need a path this line does not have
      if ((hit.specificity ?? 1) === 0) pathKey = hit.pattern;
      else path = '';
    }
    this.events++;
    const subject = r.user ? 'u:' + r.user : 'i:' + r.ip;
    const key = subject + '\u0001' + host + '\u0001' + pathKey;
    let a = this.aggs.get(key);
    if (!a) {
      a = { subject, host, pathKey, path, count: 0, first: NaN, last: NaN, out: 0, inb: 0, hasOut: false, hasIn: false, days: [], line: ln };
      this.aggs.set(key, a);
    }
    a.count++;
    const ts = r.ts;
    if (ts === ts) {
      if (!(a.first <= ts)) a.first = ts;
      if (!(a.last >= ts)) a.last = ts;
      const d = dayOf(ts);
      if (!a.days.includes(d)) a.days.push(d);
    }
    if (r.out >= 0) {
      a.out += r.out;
      a.hasOut = true;
    }
    if (r.inb >= 0) {
      a.inb += r.inb;
      a.hasIn = true;
    }
    if (this.opts.collectUids && r.uid && r.uid !== '-') (a.uids ??= []).push(r.uid);
  }

  private joinLine(buf: Buffer, s: number, e: number): void {
    const p = this.parser as ZeekTsvParser & LineParser;
    let uid: string;
    let out = -1;
    let inb = -1;
    if (p.format === 'zeek') {
      uid = p.uidOf(buf, s, e);
      if (!uid) return;
      const key = this.opts.joinUids!.get(uid);
      if (!key) return;
      [out, inb] = p.connBytes(buf, s, e);
    } else {
      const r = this.rec;
      resetRec(r);
      const code = p.locate(buf, s, e, r);
      if (code === BAD) {
        this.badLine(this.lines, p.err);
        return;
      }
      p.fill(buf, s, e, r);
      uid = r.uid;
      if (!uid || !this.opts.joinUids!.has(uid)) return;
      out = r.out;
      inb = r.inb;
    }
    this.good++;
    const key = this.opts.joinUids!.get(uid)!;
    const j = this.joined.get(key) ?? [0, 0];
    if (out > 0) j[0] += out;
    if (inb > 0) j[1] += inb;
    this.joined.set(key, j);
  }

  private badLine(ln: number, msg: string): void {
    this.bad++;
    if (this.problems.length < PROBLEM_SAMPLE) this.problems.push([ln, msg]);
    if (this.opts.strictStart && this.good === 0 && this.bad >= NOT_FORMAT_LINES) this.notFormat = true;
  }

  result(): RangeResult {
    return {
      aggs: [...this.aggs.values()],
      lines: this.lines,
      events: this.events,
      bad: this.bad,
      good: this.good,
      problems: this.problems,
      consumed: this.consumed,
      joined: this.joined.size ? [...this.joined].map(([k, [o, i]]) => [k, o, i]) : undefined,
      notFormat: this.notFormat,
    };
  }
}

/** Host from a string field (JSON value, DNS name): fast path for already-normal names. */
function hostFromString(h: string): string {
  let simple = true;
  for (let i = 0; i < h.length; i++) {
    const c = h.charCodeAt(i);
    if ((c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 45 || c === 46 || c === 95) continue;
    simple = false;
    break;
  }
  if (simple && h.charCodeAt(h.length - 1) !== 46) return h;
  return validHost(splitUrl(h).host);
}
