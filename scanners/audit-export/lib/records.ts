/**
 * Reads audit exports into records: JSON documents (an array, or an object wrapping one —
 * `Records`, `items`, `value`, `entries` …), JSON lines, CSV with a header row, each optionally
 * gzip-compressed (sniffed by magic bytes, not by extension). Vendor-neutral.
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { Readable } from 'node:stream';
import { documentRecords, jsonError } from './json-tolerant.js';
import { obj, type Rec } from './util.js';

export type Container = 'json' | 'jsonl' | 'csv';

export interface RawRecord {
  rec: Rec;
  /** 1-based line where the record starts (best effort for JSON documents). */
  line: number;
  /** what `isRecord` named the record when it answered with a name (a JSON line's own object) */
  kind?: string;
}

export interface ReadHooks {
  /** A malformed record: 1-based line (and column, for JSON documents). */
  problem(line: number, message: string, column?: number): void;
  /**
   * Is this object itself a record (vs. a wrapper)? A name (the vendor that recognised it) counts
   * as yes and is kept on the record (RawRecord.kind), so the caller need not recognise it again.
   */
  isRecord(o: Rec): boolean | string | undefined;
  /** Maps a CSV row (header → cell) to a record. */
  csvRow?(row: Record<string, string>): Rec | undefined;
  arrayKeys: string[];
  /** bytes read (compressed size on disk) */
  bytes?(n: number): void;
  /**
   * The content ends early (a truncated or corrupt .gz, a JSON document cut inside its record
   * array): what was read is kept; `offset` is where reading stopped (decompressed bytes).
   */
  truncated?(offset: number, why: string): void;
  /** Longest line kept (bytes); a longer one is skipped and reported. Default 64 MiB. */
  maxLineBytes?: number;
}

/** Bytes of the (decompressed) head used to detect the container. */
export const SNIFF_BYTES = 1 << 20;
export const MAX_LINE_BYTES = 64 << 20;
/** A JSON document is read whole (element-level recovery needs it): beyond this it is refused. */
export const MAX_DOCUMENT_BYTES = 256 << 20;

async function head(path: string, n = SNIFF_BYTES): Promise<Buffer> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(n);
    const { bytesRead } = await fh.read(buf, 0, n, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

function isGzip(b: Buffer): boolean {
  return b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;
}

/**
 * CloudWatch Logs exports to S3 prefix every event with its ingestion time:
 * `2024-04-18T22:54:57.000Z {"schemaType":…}`. Such lines are JSON lines once the prefix is cut.
 */
const TIME_PREFIX = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,9})?(?:Z|[+-]\d\d:?\d\d)?[ \t]+(?=\{)/;

/**
 * Detects the container from the structure of the (decompressed) head, not from a fixed prefix:
 * JSON lines when most complete lines of the head are JSON objects on their own (so a damaged or
 * `null` first line, or a first record longer than the head, still reads as JSON lines); a JSON
 * document when the text starts with `[` or `{` otherwise; else CSV / TSV. `complete` says the
 * head is the whole content (its last line is complete).
 */
/** A line that is one JSON object (optionally after an ISO time stamp). */
function lineObject(line: string): boolean {
  const s = line[0] === '{' ? line : TIME_PREFIX.test(line) ? line.replace(TIME_PREFIX, '') : '';
  if (!s || s[s.length - 1] !== '}') return false;
  try {
    return !!obj(JSON.parse(s));
  } catch {
    return false;
  }
}

export function sniffContainer(text: string, complete = true): Container {
  const t = text.replace(/^\uFEFF/, '');
  const first = t.trimStart()[0];
  const raw = t.split('\n');
  if (!complete) raw.pop();
  // the file's last line without a newline after it may be cut: it can vote for JSON lines (a
  // whole object) but not against them (a cut record is not evidence of another container)
  const unterminated = complete && raw.length > 1 && raw[raw.length - 1].trim() !== '' ? raw.length - 1 : -1;
  let lines = 0;
  let objects = 0;
  for (let i = 0; i < raw.length; i++) {
    let s = raw[i].trim();
    if (!s) continue;
    if (i === unterminated && !lineObject(s)) continue;
    if (++lines > 200) break;
    if (s[0] !== '{') {
      if (!TIME_PREFIX.test(s)) continue;
      s = s.replace(TIME_PREFIX, '');
    }
    if (s[s.length - 1] !== '}') continue;
    try {
      if (obj(JSON.parse(s))) objects++;
    } catch {
      /* a damaged line, or a line of a pretty-printed document */
    }
  }
  if (objects > 0 && objects * 2 >= Math.min(lines, 200)) return 'jsonl';
  if (first === '{' && lines === 0) return 'jsonl'; // one line longer than the head: read line by line
  if (first === '[' || first === '{') return 'json';
  // a junk line (null, a number, a cut line without a delimiter) before a JSON document
  const nonEmpty = raw.map((l) => l.trim()).filter(Boolean).slice(0, 4);
  if (nonEmpty.length > 1 && !/[,\t]/.test(nonEmpty[0]) && nonEmpty.slice(1).some((l) => l[0] === '[' || l[0] === '{')) return 'json';
  return 'csv';
}

/**
 * Lines of a (possibly gzip) file, in batches (one promise per chunk, not per line). Split at the
 * byte level, so a long line costs linear time; a line longer than the limit is skipped and
 * reported. A gzip stream that ends early (truncated, corrupt) ends the lines and is reported
 * through `hooks.truncated` with the decompressed offset.
 */
async function* lineBatches(path: string, gz: boolean, hooks: ReadHooks): AsyncGenerator<string[]> {
  const max = hooks.maxLineBytes ?? MAX_LINE_BYTES;
  const s = createReadStream(path, { highWaterMark: 1 << 20 });
  if (hooks.bytes) s.on('data', (c) => hooks.bytes!(c.length));
  const input: Readable = gz ? s.pipe(createGunzip()) : s;
  if (gz) s.on('error', (e) => input.destroy(e));
  let parts: Buffer[] = [];
  let partLen = 0;
  let skipping = false;
  let line = 0;
  let offset = 0;
  const decode = (b: Buffer) => {
    const str = b.toString('utf8');
    return str.endsWith('\r') ? str.slice(0, -1) : str;
  };
  try {
    for await (const chunk of input as AsyncIterable<Buffer>) {
      const out: string[] = [];
      let p = 0;
      // the lines between the chunk's first and last newline are whole and shorter than the chunk:
      // decoded with one call and split as a string (a newline byte is never inside a UTF-8
      // sequence, so this is the same text as decoding line by line)
      const last = max >= chunk.length ? chunk.lastIndexOf(10) : -1;
      const first = last >= 0 ? chunk.indexOf(10) : -1;
      for (let nl = chunk.indexOf(10, p); nl !== -1; nl = chunk.indexOf(10, p)) {
        if (p === first + 1 && last > first) {
          for (const l of chunk.toString('utf8', p, last).split('\n')) {
            line++;
            out.push(l.endsWith('\r') ? l.slice(0, -1) : l);
          }
          p = last + 1;
          continue;
        }
        line++;
        if (skipping) {
          skipping = false;
          out.push('');
        } else if (partLen + nl - p > max) {
          hooks.problem(line, `line longer than ${max} bytes skipped`);
          out.push('');
        } else if (partLen) {
          parts.push(chunk.subarray(p, nl));
          out.push(decode(Buffer.concat(parts)));
        } else out.push(decode(chunk.subarray(p, nl)));
        parts = [];
        partLen = 0;
        p = nl + 1;
      }
      if (p < chunk.length && !skipping) {
        if (partLen + chunk.length - p > max) {
          hooks.problem(line + 1, `line longer than ${max} bytes skipped`);
          skipping = true;
          parts = [];
          partLen = 0;
        } else {
          parts.push(chunk.subarray(p));
          partLen += chunk.length - p;
        }
      }
      offset += chunk.length;
      if (out.length) yield out;
    }
  } catch (e) {
    hooks.truncated?.(offset, (e as Error).message);
    // the cut last line is still offered: a compact document on one line keeps its complete records
    if (partLen && !skipping) yield [decode(Buffer.concat(parts))];
    return;
  }
  if (partLen && !skipping) yield [decode(Buffer.concat(parts))];
}

async function* lines(path: string, gz: boolean, hooks: ReadHooks): AsyncGenerator<string> {
  for await (const batch of lineBatches(path, gz, hooks)) yield* batch;
}

/** Reads the whole (decompressed) content; a gzip stream that ends early keeps what was read. */
async function readAll(path: string, gz: boolean, hooks: ReadHooks): Promise<string> {
  const chunks: Buffer[] = [];
  let n = 0;
  const s = createReadStream(path, { highWaterMark: 1 << 20 });
  if (hooks.bytes) s.on('data', (c) => hooks.bytes!(c.length));
  const input: Readable = gz ? s.pipe(createGunzip()) : s;
  if (gz) s.on('error', (e) => input.destroy(e));
  try {
    for await (const c of input as AsyncIterable<Buffer>) {
      n += c.length;
      if (n > MAX_DOCUMENT_BYTES) {
        input.destroy();
        throw new Error(`JSON document larger than ${MAX_DOCUMENT_BYTES >> 20} MiB: export it as JSON lines (one record per line) instead`);
      }
      chunks.push(c);
    }
  } catch (e) {
    if (!gz || n > MAX_DOCUMENT_BYTES) throw e;
    hooks.truncated?.(n, (e as Error).message);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** One JSON line → records (a wrapper object on one line gives its elements). */
function lineRecords(t: string, n: number, hooks: ReadHooks, out: RawRecord[]): void {
  let v: unknown;
  try {
    v = JSON.parse(t);
  } catch (e) {
    // a compact JSON document on one line (a wrapper, an array) damaged inside: its elements
    if (t.length > 2 && (t[0] === '[' || t[0] === '{')) {
      const bad: Array<[number, string]> = [];
      const recs = documentRecords(t, {
        isRecord: (o) => !!hooks.isRecord(o),
        arrayKeys: hooks.arrayKeys,
        problem: (_l, c, m) => { bad.push([c, m]); },
      });
      if (recs.length) {
        for (const [c, m] of bad) hooks.problem(n, m, c);
        for (const r of recs) out.push({ rec: r.rec, line: n });
        return;
      }
    }
    hooks.problem(n, `invalid JSON: ${jsonError(e as Error)}`);
    return;
  }
  if (Array.isArray(v)) {
    for (const x of v) {
      const o = obj(x);
      if (o) out.push({ rec: o, line: n });
      else hooks.problem(n, 'expected a JSON object in the array');
    }
    return;
  }
  const o = obj(v);
  if (!o) { hooks.problem(n, `expected a JSON object, got ${v === null ? 'null' : typeof v}`); return; }
  const kind = hooks.isRecord(o);
  if (kind) { out.push({ rec: o, line: n, kind: typeof kind === 'string' ? kind : undefined }); return; }
  const inner = wrappedArray(o, hooks.arrayKeys);
  if (!inner) { out.push({ rec: o, line: n }); return; }
  for (const x of inner) {
    const r = obj(x);
    if (r) out.push({ rec: r, line: n });
    else hooks.problem(n, `expected a JSON object in the record array, got ${x === null ? 'null' : Array.isArray(x) ? 'an array' : typeof x}`);
  }
}

function wrappedArray(o: Rec, keys: string[]): unknown[] | undefined {
  for (const k of keys) {
    const v = o[k];
    if (Array.isArray(v)) return v;
  }
  return undefined;
}

/**
 * The records of a batch of JSON lines, parsed as they are iterated: each record is used and
 * dropped before the next line is parsed (parsing a whole batch first kept thousands of parsed
 * records alive across the consumer's pass, and the garbage collector copied them all into the
 * old generation). `base` is the number of lines before the batch.
 */
function* jsonLineRecords(batch: string[], base: number, hooks: ReadHooks): Generator<RawRecord> {
  const out: RawRecord[] = [];
  for (let i = 0; i < batch.length; i++) {
    const n = base + i + 1;
    let t = batch[i].trim();
    if (n === 1 && t.charCodeAt(0) === 0xfeff) t = t.slice(1).trim();
    if (!t || t.startsWith('#')) continue;
    if (t[0] !== '{') t = t.replace(TIME_PREFIX, '');
    lineRecords(t, n, hooks, out);
    if (out.length === 1) yield out.pop()!;
    else {
      yield* out;
      out.length = 0;
    }
  }
}

/**
 * Reads records from a file; container detected from the content unless given. Each batch is
 * an iterable of records (JSON lines: parsed lazily as it is iterated — iterate a batch before
 * asking for the next).
 */
export async function* readRecordBatches(path: string, hooks: ReadHooks, container?: Container): AsyncGenerator<Iterable<RawRecord>> {
  const h = await head(path);
  const gz = isGzip(h);
  let c = container;
  if (!c) {
    const { text, complete } = gz ? await gunzipHead(path) : { text: h.toString('utf8'), complete: h.length < SNIFF_BYTES };
    const t = text.replace(/^\uFEFF/, '').trimStart();
    // a junk line longer than the head near the start (the head holds fewer than two complete
    // lines and does not open a JSON value): detect on the lines of sane length after it
    // (one record longer than the head that opens a JSON value is left to sniffContainer)
    const completeLines = text.split('\n').length - 1;
    const more = !complete && completeLines < 2 && !(completeLines === 0 && (t[0] === '{' || t[0] === '[')) ? await linesPastJunk(path, gz) : '';
    c = more.trim() ? sniffContainer(more, true) : sniffContainer(text, complete);
  }
  if (c === 'jsonl') {
    let n = 0;
    for await (const batch of lineBatches(path, gz, hooks)) {
      const base = n;
      n += batch.length;
      yield jsonLineRecords(batch, base, hooks);
    }
    return;
  }
  if (c === 'csv') {
    for await (const r of readCsv(lines(path, gz, hooks), hooks)) yield [r];
    return;
  }
  const text = await readAll(path, gz, hooks);
  const recs = documentRecords(text, {
    isRecord: (o) => !!hooks.isRecord(o),
    arrayKeys: hooks.arrayKeys,
    problem: (l, col, m) => hooks.problem(l, m, col),
    truncated: (off) => hooks.truncated?.(off, 'the JSON document ends inside its record array'),
  });
  for (let i = 0; i < recs.length; i += 1000) yield recs.slice(i, i + 1000);
}

/** Reads records one by one (convenience over the batches). */
export async function* readRecords(path: string, hooks: ReadHooks, container?: Container): AsyncGenerator<RawRecord> {
  for await (const b of readRecordBatches(path, hooks, container)) yield* b;
}

/** Complete lines of at most SNIFF_BYTES each, past longer ones, up to 200 lines within 64 MiB of content. */
async function linesPastJunk(path: string, gz: boolean): Promise<string> {
  const s = createReadStream(path, { highWaterMark: 1 << 20 });
  const input: Readable = gz ? s.pipe(createGunzip()) : s;
  if (gz) s.on('error', (e) => input.destroy(e));
  const kept: string[] = [];
  let part: Buffer[] = [];
  let partLen = 0;
  let seen = 0;
  try {
    for await (const chunk of input as AsyncIterable<Buffer>) {
      seen += chunk.length;
      let p = 0;
      for (let nl = chunk.indexOf(10, p); nl !== -1; nl = chunk.indexOf(10, p)) {
        if (partLen + nl - p <= SNIFF_BYTES) kept.push(Buffer.concat([...part, chunk.subarray(p, nl)]).toString('utf8'));
        part = [];
        partLen = 0;
        p = nl + 1;
        if (kept.length >= 200) return kept.join('\n');
      }
      if (partLen <= SNIFF_BYTES) { part.push(chunk.subarray(p)); partLen += chunk.length - p; }
      if (seen > 64 << 20) break;
    }
  } catch {
    /* truncated: what we have */
  } finally {
    s.destroy();
    input.destroy();
  }
  return kept.join('\n');
}

async function gunzipHead(path: string): Promise<{ text: string; complete: boolean }> {
  // decompress just enough to sniff
  const s = createReadStream(path).pipe(createGunzip());
  const chunks: Buffer[] = [];
  let n = 0;
  let complete = true;
  try {
    for await (const chunk of s) {
      chunks.push(chunk as Buffer);
      n += (chunk as Buffer).length;
      if (n >= SNIFF_BYTES) { complete = false; break; }
    }
  } catch {
    /* truncated gzip: sniff what we have (its last line may be cut) */
    complete = false;
  } finally {
    s.destroy();
  }
  return { text: Buffer.concat(chunks).subarray(0, SNIFF_BYTES).toString('utf8'), complete };
}

// ---------------------------------------------------------------- CSV

/** A quoted field spanning more lines than this is taken for a stray quote (see csvRows). */
export const MAX_QUOTED_LINES = 1000;

/**
 * Splits CSV / TSV text lines into rows (RFC 4180: quoted fields may hold delimiters, quotes and
 * newlines). Quote recovery at line boundaries: a row that runs over several lines and then has a
 * different number of cells than the header (or a quoted field left open for MAX_QUOTED_LINES
 * lines, or at the end of the file) is a stray quote — its first line is reported as malformed and
 * the lines after it are read again as rows, so one bad quote loses one row, not the rest.
 */
async function* csvRows(src: AsyncIterable<string>, hooks: ReadHooks): AsyncGenerator<{ cells: string[]; line: number }> {
  const it = src[Symbol.asyncIterator]();
  const again: Array<[string, number]> = [];
  let n = 0;
  let delim = ',';
  let width = 0;
  const next = async (): Promise<[string, number] | undefined> => {
    if (again.length) return again.shift();
    const r = await it.next();
    if (r.done) return undefined;
    n++;
    return [n === 1 ? r.value.replace(/^\uFEFF/, '') : r.value, n];
  };
  for (;;) {
    const first = await next();
    if (!first) return;
    if (!width) {
      // the header decides the delimiter: tabs and no commas = TSV
      const tabs = first[0].split('\t').length;
      if (tabs > 1 && tabs > first[0].split(',').length) delim = '\t';
    }
    const taken: Array<[string, number]> = [first];
    let cells: string[] = [];
    let cell = '';
    let quoted = false;
    let cur: [string, number] | undefined = first;
    while (cur) {
      const line = cur[0];
      for (let i = 0; i < line.length; i++) {
        const ch = line[i];
        if (quoted) {
          if (ch === '"') {
            if (line[i + 1] === '"') { cell += '"'; i++; } else quoted = false;
          } else cell += ch;
        } else if (ch === '"' && delim === ',' && cell.trim() === '') { quoted = true; cell = ''; }
        else if (ch === delim) { cells.push(cell); cell = ''; }
        else cell += ch;
      }
      if (!quoted) break;
      cell += '\n';
      if (taken.length >= MAX_QUOTED_LINES) { cur = undefined; break; }
      cur = await next();
      if (cur) taken.push(cur);
    }
    const open = quoted;
    cells.push(cell);
    const stray = taken.length > 1 && (open || (width > 0 && cells.length !== width));
    if (stray) {
      hooks.problem(first[1], `unbalanced quote: row skipped (a quoted field ${open ? 'is never closed' : `runs over ${taken.length} lines into a row of ${cells.length} cells, the header has ${width}`}); the lines after it are read again`);
      again.unshift(...taken.slice(1));
      continue;
    }
    if (open) hooks.problem(first[1], 'unbalanced quote at the end of the file');
    if (cells.length > 1 || cells[0].trim() !== '') {
      if (!width) width = cells.length;
      yield { cells, line: first[1] };
    }
  }
}

async function* readCsv(src: AsyncIterable<string>, hooks: ReadHooks): AsyncGenerator<RawRecord> {
  let header: string[] | undefined;
  for await (const { cells, line } of csvRows(src, hooks)) {
    if (!header) { header = cells.map((h) => h.trim()); continue; }
    const row: Record<string, string> = {};
    header.forEach((h, i) => { if (h) row[h] = (cells[i] ?? '').trim(); });
    let rec: Rec | undefined;
    try {
      rec = hooks.csvRow ? hooks.csvRow(row) : unflatten(row);
    } catch (e) {
      hooks.problem(line, `CSV row not understood: ${(e as Error).message.slice(0, 120)}`);
      continue;
    }
    if (rec) yield { rec, line };
    else hooks.problem(line, 'CSV row not understood');
  }
}

/** `actor.alternateId` / `target[0].displayName` / `target.0.displayName` columns → nested objects. */
export function unflatten(row: Record<string, string>): Rec {
  const out: Rec = {};
  for (const [k, v] of Object.entries(row)) {
    if (v === '') continue;
    const parts = k.replace(/\[(\d+)\]/g, '.$1').split('.');
    if (parts.some((p) => p === '__proto__' || p === 'constructor' || p === 'prototype')) continue; // no prototype pollution from a header
    let cur: Record<string, unknown> | unknown[] = out;
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i];
      const last = i === parts.length - 1;
      const key: string | number = Array.isArray(cur) ? Number(p) : p;
      if (last) {
        (cur as Record<string | number, unknown>)[key] = v;
      } else {
        const nextIsIndex = /^\d+$/.test(parts[i + 1]);
        let nxt = (cur as Record<string | number, unknown>)[key];
        if (!nxt || typeof nxt !== 'object') {
          nxt = nextIsIndex ? [] : {};
          (cur as Record<string | number, unknown>)[key] = nxt;
        }
        cur = nxt as Record<string, unknown> | unknown[];
      }
    }
  }
  return out;
}
