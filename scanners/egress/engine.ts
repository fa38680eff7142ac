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
  /** attempts (blocked requests, failed DNS answers) are aggregated apart */
  fail: boolean;
  /** every event came from a DNS line that named its server (see RangeResult.resolvers) */
  dnsOnly: boolean;
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
  /** index of that range within its file (a thread's aggregate spans its ranges of a file) */
  range: number;
  uids?: string[];
}

/** A thread's aggregates of one file, handed to the main thread. */
export interface AggBatch {
  file: number;
  aggs: Agg[];
}

/**
 * Per-thread aggregates across every range the thread parses, per file: each distinct
 * (subject, host[, path rule]) is sent to the main thread once per thread instead of once per
 * range. Bounded: past `cap` aggregates the table hands them all to `spill` (a message to the
 * main thread, or a direct merge there) and starts empty — the main thread merges any number of
 * batches, so a range with millions of distinct pairs never exhausts a worker's heap.
 */
export class AggTable {
  private files = new Map<number, Map<string, Agg>>();
  size = 0;
  /** batches handed over before the end because the table was full */
  spills = 0;

  constructor(
    readonly cap: number,
    private spill: (batches: AggBatch[]) => void,
  ) {}

  map(file: number): Map<string, Agg> {
    let m = this.files.get(file);
    if (!m) this.files.set(file, (m = new Map()));
    return m;
  }

  /** Called after aggregates (or join uids) were added: hands everything over when full. */
  added(units = 1): void {
    if ((this.size += units) >= this.cap) {
      this.spills++;
      this.flush();
    }
  }

  /** Hands every aggregate held to `spill` and empties the table (the maps stay, empty). */
  flush(): void {
    const out = this.drain();
    if (out.length) this.spill(out);
  }

  drain(): AggBatch[] {
    const out: AggBatch[] = [];
    for (const [file, m] of this.files) {
      if (m.size) out.push({ file, aggs: [...m.values()] });
      m.clear();
    }
    this.size = 0;
    return out;
  }
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
  /** lines dropped as the same event seen twice (DNS sensors, retransmissions) */
  duplicates?: number;
  /** DNS servers asked on candidate lines: their own queries are made on behalf of clients */
  resolvers?: string[];
  /** resolvers not remembered because the bounded set was full (counted overflow) */
  resolversDropped?: number;
  /** times the bounded duplicate window was emptied to stay within its bound (counted overflow) */
  duplicateWindowResets?: number;
}

/** Two lines with the same duplicate key this close together (ms) are one event. */
export const DUP_WINDOW_MS = 5000;

export const PROBLEM_SAMPLE = 20;
/** Bounds of the per-thread sets (each overflow is counted in a stat, never silent). */
export const MAX_RESOLVERS = 10_000;
export const MAX_DUP_KEYS = 100_000;
/** A file whose first data lines are all malformed is not the declared / detected format. */
export const NOT_FORMAT_LINES = 20;

/** Host decision cache: 0 not a candidate, 1 candidate, 2 candidate whose rules need the path. */
export class HostFilter {
  private cache = new Map<string, number>();
  /** Raw host bytes → decision, shared by every engine of this thread. */
  readonly bytes = new ByteHostCache();
  private pathHosts = new Set<string>();
  private pathSuffixes: string[] = [];

  /** Bitmap over hashes of each rule's last `tailLabels` literal labels; 0 labels = filter off. */
  private tailBits = new Uint8Array(8192);
  private tailLabels = 2;

  constructor(private rules: RuleIndex) {
    const tails: string[] = [];
    for (const d of rules.domainRules()) {
      let lit = d.pattern;
      if (d.kind === 'template') {
        const labels = d.pattern.split('.');
        let k = labels.length;
        while (k > 0 && !labels[k - 1].includes('{')) k--;
        lit = labels.slice(k).join('.');
      }
      tails.push(lit);
      if (!d.paths?.length) continue;
      if (d.kind === 'host') this.pathHosts.add(d.pattern);
      else this.pathSuffixes.push(lit);
    }
    for (const t of tails) this.tailLabels = Math.min(this.tailLabels, t ? t.split('.').length : 0);
    for (const t of tails) {
      if (!this.tailLabels) break;
      const b = Buffer.from(t, 'latin1');
      const h = tailHash(b, 0, b.length, this.tailLabels);
      if (h === -1) {
        this.tailLabels = 0; // not plain ASCII: no pre-filter
        break;
      }
      this.tailBits[h >>> 3] |= 1 << (h & 7);
    }
  }

  /**
   * Cheap pre-filter on raw host bytes: false only when no rule can match (the host's last
   * labels hash to an empty bit). Case and a trailing dot are ignored; anything unusual
   * (non-ASCII, brackets, escapes) answers true and takes the full path.
   */
  maybe(buf: Buffer, s: number, e: number): boolean {
    if (!this.tailLabels) return true;
    const h = tailHash(buf, s, e, this.tailLabels);
    if (h === -1) return true;
    return (this.tailBits[h >>> 3] & (1 << (h & 7))) !== 0;
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

/**
 * Host decisions keyed by the raw host bytes of a line (open addressing, FNV-1a), so the common
 * case — a host seen before — costs one hash over ~20 bytes and one compare, with no string
 * allocated. Bounded: cleared when full.
 */
export class ByteHostCache {
  private mask: number;
  private slots: Int32Array;
  private hashes: Int32Array;
  private offs: Int32Array;
  private lens: Int32Array;
  private states: Int8Array;
  hosts: string[] = [];
  private arena: Buffer;
  private used = 0;
  private n = 0;
  private cap: number;

  constructor(bits = 17) {
    this.mask = (1 << bits) - 1;
    this.cap = 1 << (bits - 1);
    this.slots = new Int32Array(1 << bits).fill(-1);
    this.hashes = new Int32Array(this.cap);
    this.offs = new Int32Array(this.cap);
    this.lens = new Int32Array(this.cap);
    this.states = new Int8Array(this.cap);
    this.arena = Buffer.allocUnsafe(this.cap * 32);
  }

  /** Entry index for buf[s, e), or -1 (then `lastHash` / `lastSlot` are set for insert). */
  lastHash = 0;
  lastSlot = 0;
  find(buf: Buffer, s: number, e: number): number {
    let h = 0x811c9dc5 | 0;
    for (let i = s; i < e; i++) h = Math.imul(h ^ buf[i], 16777619);
    const len = e - s;
    let slot = h & this.mask;
    for (;;) {
      const ix = this.slots[slot];
      if (ix < 0) break;
      if (this.hashes[ix] === h && this.lens[ix] === len) {
        const o = this.offs[ix];
        let k = 0;
        const a = this.arena;
        while (k < len && a[o + k] === buf[s + k]) k++;
        if (k === len) return ix;
      }
      slot = (slot + 1) & this.mask;
    }
    this.lastHash = h;
    this.lastSlot = slot;
    return -1;
  }

  state(ix: number): number {
    return this.states[ix];
  }

  /** Inserts after a failed find() of the same bytes. */
  insert(buf: Buffer, s: number, e: number, host: string, state: number): void {
    const len = e - s;
    if (this.n >= this.cap || this.used + len > this.arena.length || len > 255) {
      if (len > 255) return;
      this.clear();
      this.find(buf, s, e);
    }
    const ix = this.n++;
    buf.copy(this.arena, this.used, s, e);
    this.hashes[ix] = this.lastHash;
    this.offs[ix] = this.used;
    this.lens[ix] = len;
    this.states[ix] = state;
    this.hosts[ix] = host;
    this.used += len;
    this.slots[this.lastSlot] = ix;
  }

  private clear(): void {
    this.slots.fill(-1);
    this.n = 0;
    this.used = 0;
    this.hosts = [];
  }
}

export interface EngineOptions {
  /** Zeek ssl/http with a conn.log in the same run: remember uids of candidate lines. */
  collectUids?: boolean;
  /** Zeek conn.log in join mode: uid → aggregate key; conn lines only add bytes. */
  joinUids?: Map<string, string>;
  /** Stop after NOT_FORMAT_LINES bad lines with no good one (declared / detected format is wrong). */
  strictStart?: boolean;
  /** Aggregate into this thread's table (file `file`, range `range`) instead of a map of the engine's own. */
  table?: AggTable;
  file?: number;
  range?: number;
}

export class Engine {
  private aggs: Map<string, Agg>;
  private table: AggTable | undefined;
  private range: number;
  private rec: Rec = newRec();
  lines = 0;
  events = 0;
  bad = 0;
  good = 0;
  problems: Array<[number, string]> = [];
  consumed = 0;
  notFormat = false;
  duplicates = 0;
  resolversDropped = 0;
  duplicateWindowResets = 0;
  private dups = new Map<string, number>();
  private resolvers = new Set<string>();
  private carry: Buffer | null = null;
  private joined = new Map<string, [number, number]>();

  constructor(
    private parser: LineParser,
    private rules: RuleIndex,
    private filter: HostFilter,
    private opts: EngineOptions = {},
  ) {
    this.table = opts.table;
    this.aggs = opts.table ? opts.table.map(opts.file ?? 0) : new Map();
    this.range = opts.range ?? 0;
  }

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
    r.host = '';
    r.pathStr = '';
    r.ps = -1;
    r.pe = -1;
    const code = p.locate(buf, s, e, r);
    if (code !== HOST) {
      if (code === BAD) this.badLine(ln, p.err);
      else this.good++;
      return;
    }
    this.good++;
    let host: string;
    let urlPath = '';
    let st: number;
    if (r.host) {
      if (r.pathStr === '\u0000url') {
        const u = splitUrl(r.host);
        host = validHost(u.host);
        urlPath = u.path;
        r.pathStr = '';
      } else host = r.host.length < 256 ? hostFromString(r.host) : '';
      if (!host) return;
      st = this.filter.state(host);
    } else {
      if (!this.filter.maybe(buf, r.hs, r.he)) return;
      const c = this.filter.bytes;
      const ix = c.find(buf, r.hs, r.he);
      if (ix >= 0) {
        st = c.state(ix);
        if (st === 0) return;
        host = c.hosts[ix];
      } else {
        host = hostFromBytes(buf, r.hs, r.he);
        st = host ? this.filter.state(host) : 0;
        c.insert(buf, r.hs, r.he, host, st);
      }
    }
    if (st === 0 || !host) return;
    // the fill-side fields of resetRec() (parsers/types.ts), written out here on purpose: calling
    // a shared reset from this function measured 5–10 % slower on a 300 MB Squid slice (V8 does
    // not inline it into this large function). Keep the two lists in step.
    r.user = '';
    r.ip = '';
    r.ts = NaN;
    r.out = -1;
    r.inb = -1;
    r.uid = '';
    r.fail = false;
    r.drop = false;
    r.dup = '';
    r.resolver = '';
    p.fill(buf, s, e, r);
    if (r.drop) return;
    if (r.dup && this.isDuplicate(r.dup, r.ts)) return;
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
    const fail = r.fail;
    const key = subject + '\u0001' + host + '\u0001' + pathKey + (fail ? '\u0001!' : '');
    let a = this.aggs.get(key);
    let added = false;
    if (!a) {
      a = { subject, host, pathKey, path, fail, dnsOnly: true, count: 0, first: NaN, last: NaN, out: 0, inb: 0, hasOut: false, hasIn: false, days: [], line: ln, range: this.range };
      this.aggs.set(key, a);
      added = true;
    } else if (this.range < a.range) {
      // the earliest range's line locates the aggregate (ranges normally come in order)
      a.range = this.range;
      a.line = ln;
    }
    a.count++;
    if (r.resolver) {
      const rv = r.resolver.toLowerCase();
      if (this.resolvers.size < MAX_RESOLVERS) this.resolvers.add(rv);
      else if (!this.resolvers.has(rv)) this.resolversDropped++;
    } else a.dnsOnly = false;
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
    let units = added ? 1 : 0;
    if (this.opts.collectUids && r.uid && r.uid !== '-') {
      (a.uids ??= []).push(r.uid);
      units++; // uids grow with events: they count toward the table's bound too
    }
    // last: a full table hands this aggregate over too, complete
    if (units && this.table) this.table.added(units);
  }

  /** True when the same key was seen within DUP_WINDOW_MS (or either time is unknown). */
  private isDuplicate(k: string, ts: number): boolean {
    const prev = this.dups.get(k);
    if (prev !== undefined && (prev !== prev || ts !== ts || Math.abs(ts - prev) <= DUP_WINDOW_MS)) {
      this.duplicates++;
      return true;
    }
    if (this.dups.size > MAX_DUP_KEYS) {
      this.dups.clear();
      this.duplicateWindowResets++;
    }
    this.dups.set(k, ts);
    return false;
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
      aggs: this.table ? [] : [...this.aggs.values()],
      lines: this.lines,
      events: this.events,
      bad: this.bad,
      good: this.good,
      problems: this.problems,
      consumed: this.consumed,
      joined: this.joined.size ? [...this.joined].map(([k, [o, i]]) => [k, o, i]) : undefined,
      notFormat: this.notFormat,
      duplicates: this.duplicates || undefined,
      resolversDropped: this.resolversDropped || undefined,
      duplicateWindowResets: this.duplicateWindowResets || undefined,
      resolvers: this.resolvers.size ? [...this.resolvers] : undefined,
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

/**
 * FNV-1a over the last `labels` labels of buf[s, e), lower-cased, trailing dots ignored, reduced
 * to 16 bits; -1 when a byte is outside [A-Za-z0-9._-] (the caller then takes the slow path).
 */
export function tailHash(buf: Buffer, s: number, e: number, labels: number): number {
  while (e > s && buf[e - 1] === 46) e--;
  let i = e;
  let dots = 0;
  while (i > s) {
    const c = buf[i - 1];
    if (c === 46) {
      if (++dots === labels) break;
    } else if (!((c >= 97 && c <= 122) || (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || c === 45 || c === 95)) return -1;
    i--;
  }
  let h = 0x811c9dc5 | 0;
  for (let k = i; k < e; k++) {
    let c = buf[k];
    if (c >= 65 && c <= 90) c |= 32;
    h = Math.imul(h ^ c, 16777619);
  }
  return (h ^ (h >>> 16)) & 0xffff;
}
