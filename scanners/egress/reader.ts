/**
 * Reading content into an Engine with bounded memory: plain-file byte ranges (positional reads
 * into one reused buffer), gzip files (streaming gunzip; a truncated stream keeps what was read)
 * and any other stream (stdin).
 */
import { open } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';
import type { RuleIndex } from '../../src/rules/compile.js';
import { Engine, HostFilter, type AggTable, type EngineOptions, type RangeResult } from './engine.js';
import { createParser, type FormatId } from './parsers/index.js';
import type { FieldMap, ParserState } from './parsers/types.js';

export const READ_BUF = 4 << 20;

/** One read buffer per thread (tasks of a thread run one at a time): memory stays flat. */
let sharedBuf: Buffer | undefined;
let sharedBusy = false;

export interface RangeTask {
  path: string;
  format: FormatId;
  state?: ParserState;
  map?: FieldMap;
  kind?: string;
  /** plain: byte range (start at a line boundary); gz: decompressed bytes to skip */
  start: number;
  end: number;
  gz: boolean;
  /** process an unterminated final line (the range ends at end of file) */
  final: boolean;
  collectUids?: boolean;
  joinUids?: Map<string, string>;
  strictStart?: boolean;
  /** the file's index in the scan and this range's index within the file (aggregate locators) */
  file?: number;
  range?: number;
}

export interface TaskResult extends RangeResult {
  /** gzip: decompressed bytes seen in total, and the error that cut the stream short */
  contentBytes?: number;
  truncated?: string;
  /** gzip: the first bytes of content (for identity) */
  error?: string;
}

export function engineFor(task: RangeTask, rules: RuleIndex, filter: HostFilter, table?: AggTable): Engine {
  const parser = createParser(task.format, { state: task.state, map: task.map, kind: task.kind });
  const eo: EngineOptions = { collectUids: task.collectUids, joinUids: task.joinUids, strictStart: task.strictStart, table, file: task.file, range: task.range };
  return new Engine(parser, rules, filter, eo);
}

/** Reads [start, end) of a plain file into the engine, reusing one buffer. */
export async function readRange(task: RangeTask, engine: Engine, signal?: AbortSignal): Promise<void> {
  const fh = await open(task.path, 'r');
  const own = sharedBusy;
  const buf = own ? Buffer.allocUnsafe(READ_BUF) : (sharedBuf ??= Buffer.allocUnsafe(READ_BUF));
  if (!own) sharedBusy = true;
  try {
    let pos = task.start;
    let fill = 0; // bytes of a partial line kept at the front of buf
    while (pos < task.end) {
      if (signal?.aborted) return;
      const want = Math.min(buf.length - fill, task.end - pos);
      const { bytesRead } = await fh.read(buf, fill, want, pos);
      if (bytesRead === 0) break;
      pos += bytesRead;
      const n = fill + bytesRead;
      const done = engine.process(buf, 0, n);
      if (engine.notFormat) return;
      fill = n - done;
      if (fill === buf.length) {
        // a single line longer than the buffer: treat it as malformed and drop it
        engine.longLine(READ_BUF);
        fill = 0;
      } else if (fill > 0) buf.copyWithin(0, done, n);
    }
    if (fill > 0 && task.final) engine.last(buf, 0, fill);
  } finally {
    if (buf === sharedBuf) sharedBusy = false;
    await fh.close();
  }
}

/** Streams a gzip file (or any stream) into the engine; skips the first `skip` content bytes. */
export async function readStream(
  source: Readable,
  engine: Engine,
  skip: number,
  signal?: AbortSignal,
): Promise<{ contentBytes: number; truncated?: string }> {
  let seen = 0;
  let truncated: string | undefined;
  try {
    for await (const chunk of source as AsyncIterable<Buffer>) {
      if (signal?.aborted) break;
      let c = chunk;
      if (seen < skip) {
        const drop = Math.min(skip - seen, c.length);
        seen += drop;
        c = c.subarray(drop);
        if (!c.length) continue;
      }
      seen += c.length;
      if (!engine.feed(c)) break;
    }
  } catch (e) {
    truncated = (e as Error).message;
  }
  if (!truncated) engine.end();
  return { contentBytes: seen, truncated };
}

export function gunzipFile(path: string): Readable {
  const src = createReadStream(path, { highWaterMark: 1 << 20 });
  const gz = createGunzip({ chunkSize: 1 << 20 });
  src.on('error', (e) => gz.destroy(e));
  return src.pipe(gz);
}

/**
 * Runs one task start to end (used by workers and by the in-thread path). With a table, the
 * aggregates go there (the result carries none); without, they come back in the result.
 */
export async function runTask(task: RangeTask, rules: RuleIndex, filter: HostFilter, signal?: AbortSignal, table?: AggTable): Promise<TaskResult> {
  const engine = engineFor(task, rules, filter, table);
  if (task.gz) {
    const r = await readStream(gunzipFile(task.path), engine, task.start, signal);
    return { ...engine.result(), contentBytes: r.contentBytes, truncated: r.truncated };
  }
  await readRange(task, engine, signal);
  return engine.result();
}
