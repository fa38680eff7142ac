/**
 * Egress scan: resolve inputs → sniff each file's format → decide where to start (stored
 * identity + offset) → parse ranges (worker threads for big inputs) → merge aggregates per
 * (subject, host[, path rule]) → one `host` observation each. Scanners know sources, not AI:
 * which hosts matter is asked of ctx.rules only.
 */
import { open, stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { createGunzip } from 'node:zlib';
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { unitPartial } from '../../src/collect/partial.js';
import { ScanError } from '../../src/core/errors.js';
import type { Coverage, Observation, ScanContext, Sink, Subject } from '../../src/core/types.js';
import { AggTable, Engine, HostFilter, PROBLEM_SAMPLE, type Agg, type AggBatch } from './engine.js';
import { HEAD_BYTES, MAX_STATE_ENTRIES, STATE_KEY, findState, headHash, resolveInputs, type FileState } from './files.js';
import { createParser, detectFormat, notHostBearing, type Detected, type FormatId } from './parsers/index.js';
import { readStream, runTask, type RangeTask, type TaskResult } from './reader.js';
import { Pool } from './pool.js';
import { newRec, type ParserState } from './parsers/types.js';
import type { EgressOptions } from './options.js';
import { loadIdentity, type IdentityMap } from './identity.js';

const SNIFF_BYTES = 64 * 1024;
const MiB = 1024 * 1024;
/** Aggregates (and join uids) a thread holds before handing them to the file folds (options.spillAggs). */
export const SPILL_AGGS = 20_000;
/**
 * Zeek uids remembered for the conn.log byte join (ssl / http lines of AI hosts): bounded, the
 * uids past it are counted (`joinUidsDropped`) and their connections' bytes are not joined.
 */
export const MAX_JOIN_UIDS = 1_000_000;

/** The conn.log join of a scan: uid → aggregate key, and the uids past the bound. */
interface JoinUids {
  map: Map<string, string>;
  dropped: number;
}

/** I/O that tests may replace. */
export interface EgressIo {
  stdin: () => Readable;
}

const defaultIo: EgressIo = { stdin: () => process.stdin };

interface FilePlan {
  index: number;
  path: string;
  gz: boolean;
  size: number;
  detected: Detected;
  state?: ParserState;
  start: number;
  lineBase: number;
  head: Buffer;
  kind: string;
  prior?: FileState;
  /** Range results not folded yet (a range waits here only until every range before it is in). */
  results: Array<TaskResult | undefined>;
  ranges: RangeTask[];
  fold: FileFold;
}

/**
 * A file's range results folded in order as they arrive (counters, problems, line counts), and
 * its aggregates merged as threads hand them over (any order: each carries its range and its line
 * within that range, turned into a file line by finishFile). Memory holds one file-level
 * aggregate, bounded by distinct subject × host, never anything per line.
 */
interface FileFold {
  /** index of the next range to fold */
  next: number;
  aggs: Map<string, GlobalAgg>;
  /** lines of each folded range, in order (for the aggregates' locators) */
  rangeLines: number[];
  lineOffset: number;
  lines: number;
  consumed: number;
  events: number;
  bad: number;
  good: number;
  duplicates: number;
  resolversDropped: number;
  duplicateWindowResets: number;
  problems: Array<[string, string]>;
  /** the first range's verdict and first problem (the not-this-format check) */
  notFormat: boolean;
  firstProblem?: [number, string];
  truncated?: string;
  contentBytes?: number;
  /** conn join: aggregate key → [bytesOut, bytesIn] */
  joined: Map<string, [number, number]>;
}

function newFold(lineBase: number): FileFold {
  return { next: 0, aggs: new Map(), rangeLines: [], lineOffset: lineBase, lines: 0, consumed: 0, events: 0, bad: 0, good: 0, duplicates: 0, resolversDropped: 0, duplicateWindowResets: 0, problems: [], notFormat: false, joined: new Map() };
}

/** Folds every result that is next in range order; earlier-finished later ranges wait. */
function foldReady(p: FilePlan, subjects: Subjects, join: JoinUids | undefined, resolvers: Set<string>): void {
  const f = p.fold;
  while (f.next < p.results.length && p.results[f.next]) {
    const r = p.results[f.next]!;
    p.results[f.next] = undefined;
    if (f.next === 0) {
      f.notFormat = !!r.notFormat;
      f.firstProblem = r.problems[0];
      f.truncated = r.truncated;
      f.contentBytes = r.contentBytes;
    }
    f.next++;
    // the file's first PROBLEM_SAMPLE problems, as one thread reading the whole file samples them
    for (const [ln, msg] of r.problems) if (f.problems.length < PROBLEM_SAMPLE) f.problems.push([`${p.path}:${f.lineOffset + ln}`, msg]);
    f.rangeLines.push(r.lines);
    foldAggs(p, r.aggs, subjects, join);
    for (const [key, out, inb] of r.joined ?? []) {
      const j = f.joined.get(key);
      if (j) {
        j[0] += out;
        j[1] += inb;
      } else f.joined.set(key, [out, inb]);
    }
    f.events += r.events;
    f.bad += r.bad;
    f.good += r.good;
    f.duplicates += r.duplicates ?? 0;
    f.resolversDropped += r.resolversDropped ?? 0;
    f.duplicateWindowResets += r.duplicateWindowResets ?? 0;
    for (const ip of r.resolvers ?? []) resolvers.add(ip);
    f.lineOffset += r.lines;
    f.lines += r.lines;
    f.consumed += r.consumed;
  }
}

/** Merges aggregates handed over by a thread (or a range result) into the file's fold. */
function foldAggs(p: FilePlan, aggs: Agg[], subjects: Subjects, join: JoinUids | undefined): void {
  for (const a of aggs) {
    const key = mergeAgg(p.fold.aggs, a, p.path, p.index, a.range, a.line, subjects);
    if (join && a.uids) {
      for (const u of a.uids) {
        if (join.map.size < MAX_JOIN_UIDS || join.map.has(u)) join.map.set(u, key);
        else join.dropped++;
      }
    }
  }
}

/** Length of a UTF-8 byte-order mark at the start of the content (0 or 3). */
export function bomLength(b: Buffer): number {
  return b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf ? 3 : 0;
}

function isGzipMagic(b: Buffer): boolean {
  return b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;
}

/** Longest line detection looks at; a longer one (junk, a binary blob) does not hide the lines after it. */
const SNIFF_LINE = 16 * 1024;
/** How far detection reads past junk lines at the start (a 10 MB garbage line) before giving up. */
const SNIFF_MAX = 256 << 20;

/**
 * The first lines of sane length (≤ SNIFF_LINE) of a file's content, up to SNIFF_BYTES of them,
 * read as a stream past any longer lines (junk, a binary blob), within SNIFF_MAX bytes.
 */
async function saneLines(path: string, gz: boolean, bom: number): Promise<Buffer> {
  const src = createReadStream(path, { highWaterMark: 1 << 20 });
  const z = gz ? createGunzip() : undefined;
  if (z) src.on('error', (e) => z.destroy(e));
  const input = (z ? src.pipe(z) : src) as AsyncIterable<Buffer>;
  const out: Buffer[] = [];
  let kept = 0;
  let seen = 0;
  let line: Buffer[] = [];
  let lineLen = 0;
  let skipping = false;
  try {
    for await (const c0 of input) {
      const c = seen === 0 ? c0.subarray(bom) : c0;
      seen += c0.length;
      let s = 0;
      for (let nl = c.indexOf(10, s); nl !== -1; nl = c.indexOf(10, s)) {
        if (!skipping && lineLen + nl + 1 - s <= SNIFF_LINE) {
          out.push(...line, c.subarray(s, nl + 1));
          kept += lineLen + nl + 1 - s;
        }
        line = [];
        lineLen = 0;
        skipping = false;
        s = nl + 1;
        if (kept >= SNIFF_BYTES) return Buffer.concat(out);
      }
      if (!skipping) {
        line.push(c.subarray(s));
        lineLen += c.length - s;
        if (lineLen > SNIFF_LINE) { skipping = true; line = []; lineLen = 0; }
      }
      if (seen >= SNIFF_MAX) break;
    }
  } catch {
    /* truncated: what we have */
  } finally {
    src.destroy();
    z?.destroy();
  }
  if (!skipping && lineLen) out.push(...line);
  return Buffer.concat(out);
}

/**
 * Detection over a head whose first lines may be junk longer than the head: when nothing is
 * recognised and the head holds a line longer than SNIFF_LINE, detect on the first lines of sane
 * length further on.
 */
async function detectPastJunk(path: string, gz: boolean, content: Buffer, bom: number): Promise<{ detected?: Detected; content: Buffer }> {
  const d = detectFormat(content);
  if (d) return { detected: d, content };
  // a line (complete, or running past the head) longer than SNIFF_LINE
  let longLine = false;
  for (let s = 0; !longLine && s < content.length; ) {
    const e = content.indexOf(10, s);
    longLine = (e < 0 ? content.length : e) - s > SNIFF_LINE;
    if (e < 0) break;
    s = e + 1;
  }
  if (!longLine) return { content };
  const lines = await saneLines(path, gz, bom);
  const d2 = detectFormat(lines);
  return d2 ? { detected: d2, content: lines } : { content };
}

async function readHead(path: string, gz: boolean, size = SNIFF_BYTES): Promise<Buffer> {
  const SNIFF_BYTES = size;
  if (!gz) {
    const fh = await open(path, 'r');
    try {
      const b = Buffer.alloc(SNIFF_BYTES);
      const { bytesRead } = await fh.read(b, 0, SNIFF_BYTES, 0);
      return b.subarray(0, bytesRead);
    } finally {
      await fh.close();
    }
  }
  const chunks: Buffer[] = [];
  let n = 0;
  const src = createReadStream(path, { highWaterMark: 64 * 1024 });
  const z = createGunzip();
  src.on('error', (e) => z.destroy(e));
  try {
    for await (const c of src.pipe(z) as AsyncIterable<Buffer>) {
      chunks.push(c);
      n += c.length;
      if (n >= SNIFF_BYTES) break;
    }
  } catch {
    /* truncated: what we have is the head */
  } finally {
    src.destroy();
    z.destroy();
  }
  return Buffer.concat(chunks).subarray(0, SNIFF_BYTES);
}

/** Runs the head through a parser so header-driven formats (Zeek, W3C, CSV) know their columns. */
function primeState(format: FormatId, head: Buffer, o: EgressOptions, kind?: string): ParserState {
  const p = createParser(format, { map: o.map, kind });
  const r = newRec();
  let s = 0;
  for (let k = 0; k < 200 && s < head.length; k++) {
    const nl = head.indexOf(10, s);
    const e = nl < 0 ? head.length : nl;
    p.locate(head, s, e, r);
    if (nl < 0) break;
    s = nl + 1;
  }
  const st = p.snapshot();
  st.kind ??= kind ?? p.logKind;
  return st;
}

/** Splits [start, size) of a plain file at line boundaries into ranges of about `chunk` bytes. */
async function splitRanges(path: string, start: number, size: number, chunk: number): Promise<number[]> {
  const cuts = [start];
  if (size - start <= chunk) return [start, size];
  const fh = await open(path, 'r');
  try {
    const b = Buffer.alloc(64 * 1024);
    for (let at = start + chunk; at < size; ) {
      let pos = at;
      let cut = -1;
      while (pos < size) {
        const { bytesRead } = await fh.read(b, 0, b.length, pos);
        if (!bytesRead) break;
        const nl = b.subarray(0, bytesRead).indexOf(10);
        if (nl >= 0) {
          cut = pos + nl + 1;
          break;
        }
        pos += bytesRead;
      }
      if (cut < 0 || cut >= size) break;
      cuts.push(cut);
      at = cut + chunk;
    }
  } finally {
    await fh.close();
  }
  cuts.push(size);
  return cuts;
}

function firstLineOf(head: Buffer): string {
  const nl = head.indexOf(10);
  const s = head.subarray(0, nl < 0 ? Math.min(head.length, 120) : Math.min(nl, 120)).toString('utf8');
  return s.replace(/[^\x20-\x7e]/g, '?');
}

export async function scanEgress(ctx: ScanContext<EgressOptions>, sink: Sink, io: EgressIo = defaultIo): Promise<Coverage> {
  const o = ctx.options;
  const rules = ctx.rules;
  const filter = new HostFilter(rules);
  const identity: IdentityMap | undefined = o.identity ? loadIdentity(o.identity) : undefined;
  const subjects = newSubjects(identity);

  const { files, missing } = await resolveInputs(o.paths);
  for (const m of missing) sink.unitFailed(m, 'no such file or directory (or the glob matched nothing)');
  if (!files.length) throw new ScanError(`egress: nothing to scan: ${o.paths.join(', ')} matched no file`);

  const stored = (ctx.state.get<FileState[]>(STATE_KEY) ?? []).slice();
  const nextState = new Map<string, FileState>(); // id → entry written by this scan
  const nowIso = ctx.now().toISOString();

  // ---------------------------------------------------------------- plan
  const plans: FilePlan[] = [];
  let stdinWanted = false;
  for (const [index, path] of files.entries()) {
    if (path === '-') {
      stdinWanted = true;
      continue;
    }
    if (ctx.signal.aborted) break;
    try {
      const st = await stat(path);
      const magic = await readHead(path, false);
      const gz = isGzipMagic(magic);
      const head = gz ? await readHead(path, true) : magic;
      if (!head.length) {
        sink.unitSkipped(path, 'empty file');
        continue;
      }
      // a UTF-8 byte-order mark (Windows exports) is not content: detection and reading start after it
      const bom = bomLength(head);
      let content = head.subarray(bom);
      let detected: Detected | undefined = o.format ? { format: o.format } : undefined;
      if (!detected) ({ detected, content } = await detectPastJunk(path, gz, content, bom));
      if (!detected) {
        const why = notHostBearing(content);
        if (why) sink.unitFailed(path, `${path}:1: ${why}`);
        else sink.unitFailed(path, `${path}:1: unrecognised log format (first line: "${firstLineOf(content)}"); set --egress-format`);
        continue;
      }
      const pstate = primeState(detected.format, content, o, detected.kind);
      const kind = pstate.kind ?? detected.kind ?? '';
      const contentLen = gz ? head.length : st.size;
      const prior = ctx.full ? undefined : findState(stored, head, contentLen);
      let start = 0;
      let lineBase = 0;
      if (prior && (gz || prior.offset <= st.size)) {
        if (gz && prior.gz && prior.complete) {
          sink.unitSkipped(path, 'unchanged since the last scan (same content identity)');
          nextState.set(prior.id, { ...prior, path, seen: nowIso });
          sink.stat('filesUnchanged', 1);
          continue;
        }
        start = prior.offset;
        lineBase = prior.lines;
      }
      if (start < bom) start = bom;
      if (!gz && start >= st.size) {
        sink.unitScanned(path);
        sink.stat('filesUnchanged', 1);
        if (prior) nextState.set(prior.id, { ...prior, path, seen: nowIso });
        continue;
      }
      plans.push({ index, path, gz, size: st.size, detected, state: pstate, start, lineBase, head, kind, prior, results: [], ranges: [], fold: newFold(lineBase) });
    } catch (e) {
      sink.unitFailed(path, `${path}: ${(e as Error).message}`);
    }
  }

  // ---------------------------------------------------------------- tasks
  const isZeek = (p: FilePlan) => p.detected.format === 'zeek' || p.detected.format === 'zeek-json';
  const hasConn = plans.some((p) => isZeek(p) && p.kind === 'conn');
  const hasJoinable = plans.some((p) => isZeek(p) && (p.kind === 'ssl' || p.kind === 'http'));
  const joinMode = hasConn && hasJoinable;

  const chunk = Math.max(1, o.chunkMiB ?? 32) * MiB;
  // The main thread parses too, so `workers: N` uses N + 1 cores. Default: one worker on a
  // machine with two or more cores — about 1.5× the throughput of the main thread alone, with
  // peak RSS still under 256 MB (main thread alone ~140 MB, each worker isolate ~80 MB more;
  // measured in bench/results/egress.md). More workers are opt-in.
  const workers = Math.min(o.workers ?? (availableParallelism() >= 2 ? 1 : 0), Math.max(1, availableParallelism() * 2));
  const totalBytes = plans.reduce((n, p) => n + (p.gz ? p.size : p.size - p.start), 0);
  const usePool = workers > 0 && totalBytes >= (o.parallelMinMiB ?? 64) * MiB;

  for (const p of plans) {
    const base: Omit<RangeTask, 'start' | 'end' | 'final'> = {
      path: p.path,
      format: p.detected.format,
      state: p.state,
      map: o.map,
      kind: p.kind,
      gz: p.gz,
      collectUids: joinMode && (p.kind === 'ssl' || p.kind === 'http'),
      file: p.index,
    };
    if (p.gz) {
      p.ranges.push({ ...base, start: p.start, end: Infinity, final: true, strictStart: true, range: 0 });
      continue;
    }
    const cuts = usePool ? await splitRanges(p.path, p.start, p.size, chunk) : [p.start, p.size];
    for (let k = 0; k + 1 < cuts.length; k++) {
      p.ranges.push({ ...base, start: cuts[k], end: cuts[k + 1], final: k + 2 === cuts.length, strictStart: k === 0, range: k });
    }
  }

  // Every thread (this one too) aggregates all its ranges in one table and hands the aggregates
  // over in batches: when the table is full, and when a phase's ranges are all parsed.
  const byIndex = new Map(plans.map((p) => [p.index, p]));
  const join: JoinUids = { map: new Map(), dropped: 0 };
  const onAggs = (batches: AggBatch[]) => {
    for (const b of batches) {
      const p = byIndex.get(b.file);
      if (p) foldAggs(p, b.aggs, subjects, joinMode ? join : undefined);
    }
  };
  const spillAggs = Math.max(1, o.spillAggs ?? SPILL_AGGS);
  const local = new AggTable(spillAggs, onAggs);
  const runLocal = (t: RangeTask) => runTask(t, rules, filter, ctx.signal, local);
  let pool: Pool | undefined;
  if (usePool) {
    try {
      pool = await Pool.start(Math.max(1, Math.min(workers, plans.reduce((n, p) => n + p.ranges.length, 0) - 1)), rules, { local: runLocal, onAggs, spillAggs });
    } catch (e) {
      ctx.log.warn('egress: worker threads unavailable, parsing in the main thread', { error: (e as Error).message });
    }
  }
  const onAbort = () => void pool?.close();
  ctx.signal.addEventListener('abort', onAbort, { once: true });

  let done = 0;
  const runAll = async (list: FilePlan[], joinUids?: Map<string, string>) => {
    const jobs: Array<Promise<void>> = [];
    for (const p of list) {
      p.results = new Array(p.ranges.length);
      p.ranges.forEach((t, k) => {
        const task = joinUids ? { ...t, joinUids, collectUids: false } : t;
        const run = async () => {
          const r = pool ? await pool.run(task) : await runLocal(task);
          p.results[k] = r;
          foldReady(p, subjects, joinMode ? join : undefined, resolvers);
          done += t.gz ? p.size : t.end - t.start;
          sink.progress(done, totalBytes, 'egress');
        };
        jobs.push(pool ? run() : jobs.length ? jobs[jobs.length - 1].then(run) : run());
      });
    }
    const settled = await Promise.allSettled(jobs);
    const err = settled.find((s) => s.status === 'rejected') as PromiseRejectedResult | undefined;
    if (err && !ctx.signal.aborted) throw err.reason;
    // the aggregates every thread still holds
    local.flush();
    await pool?.drain();
  };

  const phase1 = plans.filter((p) => !(joinMode && isZeek(p) && p.kind === 'conn'));
  const phase2 = plans.filter((p) => joinMode && isZeek(p) && p.kind === 'conn');
  const global = new Map<string, GlobalAgg>();
  const resolvers = new Set<string>();
  try {
    await runAll(phase1);
    for (const p of phase1) finishFile(p, sink, global, nextState, nowIso);
    if (phase2.length && !ctx.signal.aborted) {
      if (join.dropped) sink.stat('joinUidsDropped', join.dropped);
      await runAll(phase2, join.map);
      for (const p of phase2) {
        for (const [key, [out, inb]] of p.fold.joined) {
          const g = global.get(key);
          if (!g) continue;
          g.connOut += out;
          g.connIn += inb;
          g.joined = true;
        }
        finishFile(p, sink, global, nextState, nowIso);
      }
    }
    if (stdinWanted && !ctx.signal.aborted) await scanStdin(ctx, sink, io, filter, global, resolvers, subjects);
  } finally {
    ctx.signal.removeEventListener('abort', onAbort);
    await pool?.close();
  }

  // ---------------------------------------------------------------- emit
  emit(ctx, sink, global, resolvers);

  // keep entries not touched by this scan (other files, older rotations), newest first, bounded
  for (const e of stored) if (!nextState.has(e.id)) nextState.set(e.id, e);
  const entries = [...nextState.values()].sort((a, b) => (a.seen < b.seen ? 1 : a.seen > b.seen ? -1 : 0)).slice(0, MAX_STATE_ENTRIES);
  ctx.state.set(STATE_KEY, entries);
  return sink.coverage();
}

interface GlobalAgg {
  subject: Subject;
  host: string;
  path: string;
  /** an attempt (blocked / failed): emitted with attrs.success = false */
  fail: boolean;
  /** the raw client IP while every event came from DNS lines naming their server ('' otherwise) */
  dnsIp: string;
  count: number;
  first: number;
  last: number;
  out: number;
  inb: number;
  hasOut: boolean;
  hasIn: boolean;
  connOut: number;
  connIn: number;
  joined: boolean;
  /** distinct days (UTC day numbers); few per aggregate */
  days: number[];
  file: string;
  fileIndex: number;
  /** the earliest event's range within its file (0 once finishFile made `line` a file line) */
  range: number;
  line: number;
}

function mapSubject(raw: string, identity?: IdentityMap): Subject {
  const v = raw.slice(2);
  if (raw.startsWith('u:')) {
    const id = v.toLowerCase();
    return id === v ? { kind: 'user', id } : { kind: 'user', id, name: v };
  }
  const ip = v.toLowerCase();
  const m = identity?.get(ip);
  if (m?.user) return { kind: 'user', id: m.user.toLowerCase(), name: m.user.toLowerCase() === m.user ? undefined : m.user };
  if (m?.host) return { kind: 'host', id: m.host.toLowerCase() };
  return { kind: 'ip', id: ip || 'unknown' };
}

function subjectKey(s: Subject): string {
  return `${s.kind}\u0001${s.id}`;
}

/** Raw subject (`u:…` / `i:…`) → mapped subject and its key, computed once per distinct raw subject. */
interface Subjects {
  identity?: IdentityMap;
  map: Map<string, { subject: Subject; key: string }>;
}

function newSubjects(identity?: IdentityMap): Subjects {
  return { identity, map: new Map() };
}

function mergeAgg(global: Map<string, GlobalAgg>, a: Agg, file: string, fileIndex: number, range: number, line: number, subjects: Subjects): string {
  let sub = subjects.map.get(a.subject);
  if (!sub) {
    const subject = mapSubject(a.subject, subjects.identity);
    sub = { subject, key: subjectKey(subject) };
    subjects.map.set(a.subject, sub);
  }
  const key = sub.key + '\u0001' + a.host + '\u0001' + a.pathKey + (a.fail ? '\u0001!' : '');
  let g = global.get(key);
  if (!g) {
    g = { subject: sub.subject, host: a.host, path: a.path, fail: !!a.fail, dnsIp: a.subject.startsWith('i:') ? a.subject.slice(2).toLowerCase() : '', count: 0, first: NaN, last: NaN, out: 0, inb: 0, hasOut: false, hasIn: false, connOut: 0, connIn: 0, joined: false, days: [], file, fileIndex, range, line };
    global.set(key, g);
  }
  if (!a.dnsOnly) g.dnsIp = '';
  addInto(g, a, file, fileIndex, range, line);
  return key;
}

/** Merges one file's aggregate into the scan-wide one. */
function mergeFileAgg(global: Map<string, GlobalAgg>, key: string, a: GlobalAgg): void {
  const g = global.get(key);
  if (!g) global.set(key, a);
  else {
    if (g.dnsIp !== a.dnsIp) g.dnsIp = '';
    addInto(g, a, a.file, a.fileIndex, a.range, a.line);
  }
}

/** Adds counts, bytes, times and days; the earliest file / range / line stays the locator. */
function addInto(g: GlobalAgg, a: Pick<Agg, 'count' | 'first' | 'last' | 'out' | 'inb' | 'hasOut' | 'hasIn' | 'days'>, file: string, fileIndex: number, range: number, line: number): void {
  if (fileIndex < g.fileIndex || (fileIndex === g.fileIndex && (range < g.range || (range === g.range && line < g.line)))) {
    g.file = file;
    g.fileIndex = fileIndex;
    g.range = range;
    g.line = line;
  }
  g.count += a.count;
  if (a.first === a.first && !(g.first <= a.first)) g.first = a.first;
  if (a.last === a.last && !(g.last >= a.last)) g.last = a.last;
  g.out += a.out;
  g.inb += a.inb;
  g.hasOut ||= a.hasOut;
  g.hasIn ||= a.hasIn;
  const days = g.days;
  for (const d of a.days) if (!days.includes(d)) days.push(d);
}

function finishFile(p: FilePlan, sink: Sink, global: Map<string, GlobalAgg>, nextState: Map<string, FileState>, nowIso: string): void {
  const f = p.fold;
  if (f.next !== p.ranges.length) {
    sink.unitFailed(p.path, `${p.path}: scan interrupted`);
    return;
  }
  const label = p.detected.format;
  // not this format: the first range saw only malformed lines
  if (f.notFormat || (f.good === 0 && f.bad > 0)) {
    const [ln, msg] = f.firstProblem ?? [1, 'malformed'];
    sink.unitFailed(p.path, `${p.path}:${p.lineBase + ln}: not a ${label} log: ${msg}`);
    return;
  }
  for (const [where, msg] of f.problems) sink.problem(where, msg);
  // locators: (range, line within the range) → line of the file
  const rangeStart = new Array<number>(f.rangeLines.length);
  for (let k = 0, at = p.lineBase; k < f.rangeLines.length; k++) {
    rangeStart[k] = at;
    at += f.rangeLines[k];
  }
  for (const [key, a] of f.aggs) {
    a.line += rangeStart[a.range] ?? p.lineBase;
    a.range = 0;
    mergeFileAgg(global, key, a);
  }
  sink.stat('lines', f.lines);
  sink.stat('events', f.events);
  sink.stat('malformed', f.bad);
  if (f.duplicates) sink.stat('duplicates', f.duplicates);
  if (f.resolversDropped) sink.stat('resolversDropped', f.resolversDropped);
  if (f.duplicateWindowResets) sink.stat('duplicateWindowResets', f.duplicateWindowResets);
  const consumed = f.consumed;
  const lines = f.lines;
  sink.stat('bytes', p.gz ? (f.contentBytes ?? 0) : consumed);
  sink.stat('files', 1);
  // problemCount must be exact: report the unsampled remainder as problems too (the sink samples)
  for (let k = f.problems.length; k < f.bad; k++) sink.problem(`${p.path}`, 'malformed line (not sampled)');

  const headLen = Math.min(HEAD_BYTES, p.head.length);
  const id = headHash(p.head, headLen);
  const entry: FileState = {
    id,
    headLen,
    offset: p.start + consumed,
    lines: p.lineBase + lines,
    path: p.path,
    gz: p.gz,
    complete: p.gz && !f.truncated ? true : undefined,
    seen: nowIso,
  };
  if (p.prior && p.prior.id !== id) nextState.delete(p.prior.id);
  nextState.set(id, entry);
  if (p.gz && f.truncated) {
    unitPartial(sink, p.path, `${p.path}: truncated or corrupt gzip after ${entry.offset} bytes of content (${f.truncated}); the lines read were kept, the rest is missing`);
  } else sink.unitScanned(p.path);
}

async function scanStdin(ctx: ScanContext<EgressOptions>, sink: Sink, io: EgressIo, filter: HostFilter, global: Map<string, GlobalAgg>, resolvers: Set<string>, subjects: Subjects): Promise<void> {
  const src = io.stdin();
  // sniff: buffer the first chunk(s)
  const it = (src as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  const pre: Buffer[] = [];
  let n = 0;
  let ended = false;
  while (n < SNIFF_BYTES) {
    const r = await it.next();
    if (r.done) {
      ended = true;
      break;
    }
    const c = typeof r.value === 'string' ? Buffer.from(r.value) : (r.value as Buffer);
    pre.push(c);
    n += c.length;
  }
  let head = Buffer.concat(pre);
  let gz = false;
  if (isGzipMagic(head)) gz = true;
  async function* rest(): AsyncGenerator<Buffer> {
    for (const c of pre) yield c;
    if (!ended) for (let r = await it.next(); !r.done; r = await it.next()) yield typeof r.value === 'string' ? Buffer.from(r.value) : (r.value as Buffer);
  }
  let stream: Readable = (await import('node:stream')).Readable.from(rest());
  if (gz) {
    const z = createGunzip();
    stream.on('error', (e) => z.destroy(e));
    stream = stream.pipe(z);
    // the head of the decompressed content is only needed for detection
    const chunks: Buffer[] = [];
    let m = 0;
    const zi = (stream as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
    let zdone = false;
    while (m < SNIFF_BYTES) {
      const r = await zi.next().catch(() => ({ done: true, value: undefined }));
      if (r.done) {
        zdone = true;
        break;
      }
      chunks.push(r.value as Buffer);
      m += (r.value as Buffer).length;
    }
    head = Buffer.concat(chunks);
    const pre2 = chunks;
    async function* rest2(): AsyncGenerator<Buffer> {
      for (const c of pre2) yield c;
      if (!zdone) for (let r = await zi.next(); !r.done; r = await zi.next()) yield r.value as Buffer;
    }
    stream = (await import('node:stream')).Readable.from(rest2());
  }
  const o = ctx.options;
  const bom = bomLength(head);
  head = head.subarray(bom);
  const detected = o.format ? { format: o.format } : detectFormat(head);
  if (!detected) {
    const why = notHostBearing(head);
    if (why) sink.unitFailed('-', `stdin:1: ${why}`);
    else sink.unitFailed('-', `stdin:1: unrecognised log format (first line: "${firstLineOf(head)}"); set --egress-format`);
    return;
  }
  const parser = createParser(detected.format, { map: o.map, kind: (detected as Detected).kind });
  const engine = new Engine(parser, ctx.rules, filter, { strictStart: true });
  const r = await readStream(stream, engine, bom, ctx.signal);
  const res = engine.result();
  if (res.notFormat || (res.good === 0 && res.bad > 0)) {
    const [ln, msg] = res.problems[0] ?? [1, 'malformed'];
    sink.unitFailed('-', `stdin:${ln}: not a ${detected.format} log: ${msg}`);
    return;
  }
  for (const [ln, msg] of res.problems) sink.problem(`stdin:${ln}`, msg);
  for (let k = res.problems.length; k < res.bad; k++) sink.problem('stdin', 'malformed line (not sampled)');
  for (const a of res.aggs) mergeAgg(global, a, 'stdin', Number.MAX_SAFE_INTEGER, 0, a.line, subjects);
  for (const ip of res.resolvers ?? []) resolvers.add(ip);
  sink.stat('lines', res.lines);
  sink.stat('events', res.events);
  sink.stat('malformed', res.bad);
  if (res.duplicates) sink.stat('duplicates', res.duplicates);
  if (res.resolversDropped) sink.stat('resolversDropped', res.resolversDropped);
  if (res.duplicateWindowResets) sink.stat('duplicateWindowResets', res.duplicateWindowResets);
  sink.stat('bytes', r.contentBytes);
  if (r.truncated) unitPartial(sink, '-', `stdin: truncated or corrupt input after ${r.contentBytes} bytes (${r.truncated}); the lines read were kept`);
  else sink.unitScanned('-');
}

/**
 * A client IP that also answered DNS queries in this run is a resolver: its DNS aggregates are
 * queries forwarded on behalf of its clients (already counted for them), not its own use.
 */
function emit(ctx: ScanContext<EgressOptions>, sink: Sink, global: Map<string, GlobalAgg>, resolvers: Set<string>): void {
  let forwarded = 0;
  for (const [k, g] of global) {
    if (g.dnsIp && resolvers.has(g.dnsIp)) {
      forwarded += g.count;
      global.delete(k);
    }
  }
  if (forwarded) sink.stat('resolverForwarded', forwarded);
  // distinct hosts per (subject, matched rule service): the service id is opaque here
  const svcHosts = new Map<string, Set<string>>();
  const svcOf = new Map<GlobalAgg, string>();
  // one rule lookup per distinct (host, path), not per aggregate (a host has one per subject)
  const svcByHost = new Map<string, string>();
  for (const g of global.values()) {
    const hk = g.path ? g.host + '\u0000' + g.path : g.host;
    let svc = svcByHost.get(hk);
    if (svc === undefined) {
      svc = ctx.rules.matchHost(g.host, g.path || undefined)?.service ?? '';
      svcByHost.set(hk, svc);
    }
    svcOf.set(g, svc);
    const k = subjectKey(g.subject) + '\u0001' + svc;
    let set = svcHosts.get(k);
    if (!set) svcHosts.set(k, (set = new Set()));
    set.add(g.host);
  }
  const list = [...global.values()].sort((a, b) =>
    a.subject.kind !== b.subject.kind ? (a.subject.kind < b.subject.kind ? -1 : 1)
    : a.subject.id !== b.subject.id ? (a.subject.id < b.subject.id ? -1 : 1)
    : a.host !== b.host ? (a.host < b.host ? -1 : 1)
    : a.path !== b.path ? (a.path < b.path ? -1 : 1)
    : Number(a.fail) - Number(b.fail),
  );
  let aggregates = 0;
  for (const g of list) {
    const attrs: Record<string, string | number | boolean> = {
      daysActive: g.days.length,
      distinctHosts: svcHosts.get(subjectKey(g.subject) + '\u0001' + svcOf.get(g))?.size ?? 1,
    };
    if (g.path) attrs.path = g.path;
    if (g.fail) attrs.success = false; // an attempt: blocked / denied / failed DNS answer
    const ob: Observation = {
      kind: 'host',
      value: g.host,
      source: 'network',
      scanner: 'egress',
      signal: 'usage',
      confidence: 'inferred',
      subject: { ...g.subject }, // one mapped subject is shared by its aggregates: each observation gets its own
      locator: `${g.file}:${g.line}`,
      count: g.count,
      attrs,
    };
    if (g.first === g.first) ob.firstSeen = new Date(g.first).toISOString();
    if (g.last === g.last) ob.lastSeen = new Date(g.last).toISOString();
    if (g.joined) {
      ob.bytesOut = g.connOut;
      ob.bytesIn = g.connIn;
    } else {
      if (g.hasOut) ob.bytesOut = g.out;
      if (g.hasIn) ob.bytesIn = g.inb;
    }
    sink.observe(ob);
    aggregates++;
  }
  sink.stat('observations', aggregates);
}

