/**
 * Reads audit exports into records: JSON documents (an array, or an object wrapping one —
 * `Records`, `items`, `value`, `entries` …), JSON lines, CSV with a header row, each optionally
 * gzip-compressed (sniffed by magic bytes, not by extension). Vendor-neutral.
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createGunzip, gunzipSync } from 'node:zlib';
import { Readable } from 'node:stream';
import { obj, type Rec } from './util.js';

export type Container = 'json' | 'jsonl' | 'csv';

export interface RawRecord {
  rec: Rec;
  /** 1-based line where the record starts (best effort for JSON documents). */
  line: number;
}

export interface ReadHooks {
  problem(line: number, message: string): void;
  /** For JSON documents: is this object itself a record (vs. a wrapper)? */
  isRecord(o: Rec): boolean;
  /** Maps a CSV row (header → cell) to a record. */
  csvRow?(row: Record<string, string>): Rec | undefined;
  arrayKeys: string[];
  /** bytes read (compressed size on disk) */
  bytes?(n: number): void;
}

async function head(path: string, n = 4096): Promise<Buffer> {
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
const TIME_PREFIX = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:?\d\d)?\s+(?=\{)/;

/**
 * JSON.parse messages quote the offending text (`Unexpected token 'x', "…" is not valid JSON`):
 * a record's content (a prompt) must not reach a problem report, so the quote is cut.
 */
function jsonError(e: Error): string {
  return e.message.replace(/, .*is not valid JSON$/s, ' (not valid JSON)').slice(0, 200);
}

/** Sniffs the container from the first bytes of the (decompressed) text. */
export function sniffContainer(text: string): Container {
  const t = text.replace(/^\uFEFF/, '').trimStart();
  if (t.startsWith('[')) return 'json';
  if (TIME_PREFIX.test(t)) return 'jsonl';
  if (t.startsWith('{')) {
    // JSON lines: the first line is a complete object and another object follows on the next line
    const nl = t.indexOf('\n');
    if (nl > 0) {
      const first = t.slice(0, nl).trim();
      const rest = t.slice(nl + 1).trimStart();
      if (first.endsWith('}') && rest.startsWith('{')) {
        try {
          JSON.parse(first);
          return 'jsonl';
        } catch {
          /* a pretty-printed document */
        }
      }
    }
    return 'json';
  }
  return 'csv';
}

/** Lines of a (possibly gzip) file, in batches (one promise per chunk, not per line). */
async function* lineBatches(path: string, gz: boolean, hooks: ReadHooks): AsyncGenerator<string[]> {
  const s = createReadStream(path, { highWaterMark: 1 << 20 });
  if (hooks.bytes) s.on('data', (c) => hooks.bytes!(c.length));
  const input: Readable = gz ? s.pipe(createGunzip()) : s;
  if (gz) s.on('error', (e) => input.destroy(e));
  let rest = '';
  for await (const chunk of input) {
    const text = rest + (chunk as Buffer).toString('utf8');
    const parts = text.split('\n');
    rest = parts.pop() ?? '';
    for (let i = 0; i < parts.length; i++) if (parts[i].endsWith('\r')) parts[i] = parts[i].slice(0, -1);
    yield parts;
  }
  if (rest) yield [rest.endsWith('\r') ? rest.slice(0, -1) : rest];
}

async function* lines(path: string, gz: boolean, hooks: ReadHooks): AsyncGenerator<string> {
  for await (const batch of lineBatches(path, gz, hooks)) yield* batch;
}

/** Reads records from a file; container sniffed unless given. */
export async function* readRecordBatches(path: string, hooks: ReadHooks, container?: Container): AsyncGenerator<RawRecord[]> {
  const h = await head(path);
  const gz = isGzip(h);
  let c = container;
  if (!c) {
    const sample = gz ? gunzipHead(path) : Promise.resolve(h.toString('utf8'));
    c = sniffContainer(await sample);
  }
  if (c === 'jsonl') {
    let n = 0;
    for await (const batch of lineBatches(path, gz, hooks)) {
      const out: RawRecord[] = [];
      for (const line of batch) {
        n++;
        let t = line.trim();
        if (!t || t.startsWith('#')) continue;
        if (t[0] !== '{') t = t.replace(TIME_PREFIX, '');
        let v: unknown;
        try {
          v = JSON.parse(t);
        } catch (e) {
          hooks.problem(n, `invalid JSON: ${jsonError(e as Error)}`);
          continue;
        }
        const o = obj(v);
        if (!o) { hooks.problem(n, 'expected a JSON object'); continue; }
        if (hooks.isRecord(o)) out.push({ rec: o, line: n });
        else {
          const inner = wrapped(o, hooks.arrayKeys);
          if (inner) for (const r of inner) out.push({ rec: r, line: n });
          else out.push({ rec: o, line: n });
        }
      }
      yield out;
    }
    return;
  }
  if (c === 'csv') {
    for await (const r of readCsv(lines(path, gz, hooks), hooks)) yield [r];
    return;
  }
  const { readFile } = await import('node:fs/promises');
  const buf = await readFile(path);
  hooks.bytes?.(buf.length);
  const text = (gz ? gunzipSync(buf) : buf).toString('utf8').replace(/^\uFEFF/, '');
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    hooks.problem(1, `invalid JSON document: ${jsonError(e as Error)}`);
    return;
  }
  let recs: unknown[];
  if (Array.isArray(doc)) recs = doc;
  else if (obj(doc) && hooks.isRecord(doc as Rec)) recs = [doc];
  else recs = (obj(doc) && wrapped(doc as Rec, hooks.arrayKeys)) || [doc];
  // best-effort line numbers: find each record's first string value in order
  let pos = 0;
  let line = 1;
  const out: RawRecord[] = [];
  for (const r of recs) {
    const o = obj(r);
    if (!o) { hooks.problem(line, 'expected a JSON object'); continue; }
    const probe = firstString(o);
    if (probe) {
      const at = text.indexOf(JSON.stringify(probe), pos);
      if (at >= 0) {
        for (let i = text.indexOf('\n', pos); i !== -1 && i < at; i = text.indexOf('\n', i + 1)) line++;
        pos = at;
      }
    }
    out.push({ rec: o, line });
  }
  yield out;
}

/** Reads records one by one (convenience over the batches). */
export async function* readRecords(path: string, hooks: ReadHooks, container?: Container): AsyncGenerator<RawRecord> {
  for await (const b of readRecordBatches(path, hooks, container)) yield* b;
}

function firstString(o: Rec): string | undefined {
  for (const k of ['eventID', 'id', 'uuid', '_document_id', 'Id', 'EventId', 'eventTime', 'published', 'created_at', 'requestId', 'correlationId', 'time', 'timestamp']) {
    const v = o[k];
    if (typeof v === 'string' && v) return v;
  }
  return undefined;
}

function wrapped(o: Rec, keys: string[]): Rec[] | undefined {
  for (const k of keys) {
    const v = o[k];
    if (Array.isArray(v) && v.every((x) => obj(x))) return v as Rec[];
  }
  return undefined;
}

async function gunzipHead(path: string): Promise<string> {
  // decompress just enough to sniff
  const s = createReadStream(path).pipe(createGunzip());
  let out = '';
  try {
    for await (const chunk of s) {
      out += chunk.toString('utf8');
      if (out.length > 8192) break;
    }
  } catch {
    /* truncated gzip: sniff what we have */
  } finally {
    s.destroy();
  }
  return out;
}

// ---------------------------------------------------------------- CSV

/** Splits CSV text lines into rows (RFC 4180: quoted fields may hold commas, quotes and newlines). */
async function* csvRows(src: AsyncIterable<string>): AsyncGenerator<{ cells: string[]; line: number }> {
  let cells: string[] = [];
  let cell = '';
  let quoted = false;
  let n = 0;
  let start = 1;
  for await (const raw of src) {
    n++;
    const line = n === 1 ? raw.replace(/^\uFEFF/, '') : raw;
    if (!quoted) start = n;
    for (let i = 0; i < line.length; i++) {
      const ch = line[i];
      if (quoted) {
        if (ch === '"') {
          if (line[i + 1] === '"') { cell += '"'; i++; } else quoted = false;
        } else cell += ch;
      } else if (ch === '"' && cell.trim() === '') { quoted = true; cell = ''; }
      else if (ch === ',') { cells.push(cell); cell = ''; }
      else cell += ch;
    }
    if (quoted) { cell += '\n'; continue; }
    cells.push(cell);
    if (cells.length > 1 || cells[0].trim() !== '') yield { cells, line: start };
    cells = [];
    cell = '';
  }
  if (quoted) { cells.push(cell); yield { cells, line: start }; }
}

async function* readCsv(src: AsyncIterable<string>, hooks: ReadHooks): AsyncGenerator<RawRecord> {
  let header: string[] | undefined;
  for await (const { cells, line } of csvRows(src)) {
    if (!header) { header = cells.map((h) => h.trim()); continue; }
    const row: Record<string, string> = {};
    header.forEach((h, i) => { if (h) row[h] = (cells[i] ?? '').trim(); });
    const rec = hooks.csvRow ? hooks.csvRow(row) : unflatten(row);
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
