/**
 * Record-level isolation for JSON documents: the records of an array (a top-level array, or the
 * array under a wrapper key such as `Records` / `items` / `data`) are read element by element, so
 * a damaged element, a `null`, a number or a file cut short loses only what is damaged.
 *
 * The fast path is one `JSON.parse`. When that fails, a tolerant scanner walks the text: it finds
 * each element's extent by bracket depth (string-aware), parses it alone, and after a damaged
 * element resynchronises at the next `{` that starts a complete object which the caller accepts as
 * a record (so the nested objects of a damaged record are not taken for records). The resync work
 * is bounded (a few passes over the text), so hostile input cannot make it quadratic.
 * Vendor-neutral: the caller says what a record is.
 */
import { obj, type Rec } from './util.js';

export interface TolerantHooks {
  /** A malformed record or structure: 1-based line and column. */
  problem(line: number, column: number, message: string): void;
  /** Is this object itself a record (vs. a wrapper)? Also the test for accepting a resync point. */
  isRecord(o: Rec): boolean;
  arrayKeys: string[];
  /** The document ends inside the record array (a truncated object or download): byte offset where it ends. */
  truncated?(offset: number): void;
}

export interface DocRecord {
  rec: Rec;
  line: number;
}

/**
 * JSON.parse messages quote the offending text (`Unexpected token 'x', "…" is not valid JSON`):
 * a record's content (a prompt) must not reach a problem report, so the quote is cut.
 */
export function jsonError(e: Error): string {
  return e.message.replace(/, .*is not valid JSON$/s, ' (not valid JSON)').replace(/"[^"]{40,}"/g, '"…"').slice(0, 200);
}

/** Line / column of text positions, for positions asked in (mostly) increasing order. */
class Lines {
  private pos = 0;
  private line = 1;
  private lineStart = 0;
  constructor(private text: string) {}
  at(p: number): [number, number] {
    if (p < this.pos) {
      this.pos = 0;
      this.line = 1;
      this.lineStart = 0;
    }
    for (let i = this.text.indexOf('\n', this.pos); i !== -1 && i < p; i = this.text.indexOf('\n', i + 1)) {
      this.line++;
      this.lineStart = i + 1;
    }
    this.pos = p;
    return [this.line, p - this.lineStart + 1];
  }
}

const WS = new Set([' ', '\t', '\n', '\r', '\uFEFF']);

function skipWs(t: string, i: number): number {
  while (i < t.length && WS.has(t[i])) i++;
  return i;
}

/** End of the string starting at `i` (the opening quote): index after the closing quote, or -1. */
function stringEnd(t: string, i: number): number {
  let j = i + 1;
  for (;;) {
    const q = t.indexOf('"', j);
    if (q < 0) return -1;
    let bs = 0;
    for (let k = q - 1; k > i && t.charCodeAt(k) === 92; k--) bs++;
    if (bs % 2 === 0) return q + 1;
    j = q + 1;
  }
}

/**
 * Extent of the JSON value starting at `i`: index after it, or -1 when the text ends first.
 * `budget` counts characters examined (shared across calls); when it is spent the scan gives up (-2).
 */
function valueEnd(t: string, i: number, budget: { left: number }): number {
  const c = t[i];
  if (c === '"') return stringEnd(t, i);
  if (c !== '{' && c !== '[') {
    let j = i;
    while (j < t.length && !WS.has(t[j]) && t[j] !== ',' && t[j] !== ']' && t[j] !== '}') j++;
    return j;
  }
  let depth = 0;
  let j = i;
  while (j < t.length) {
    if (--budget.left < 0) return -2;
    const ch = t.charCodeAt(j);
    if (ch === 34) {
      const e = stringEnd(t, j);
      if (e < 0) return -1;
      budget.left -= e - j;
      j = e;
      continue;
    }
    if (ch === 123 || ch === 91) depth++;
    else if (ch === 125 || ch === 93) {
      depth--;
      if (depth === 0) return j + 1;
      if (depth < 0) return j; // unbalanced: let the parse report it
    }
    j++;
  }
  return -1;
}

/** Finds the `[` of the record array under a wrapper key at depth 1 of a top-level object. */
function wrapperArrayStart(t: string, start: number, keys: string[]): number {
  const wanted = new Set(keys);
  let depth = 0;
  let i = start;
  while (i < t.length) {
    const ch = t[i];
    if (ch === '"') {
      const e = stringEnd(t, i);
      if (e < 0) return -1;
      if (depth === 1 && wanted.has(t.slice(i + 1, e - 1))) {
        const colon = skipWs(t, e);
        if (t[colon] === ':') {
          const v = skipWs(t, colon + 1);
          if (t[v] === '[') return v;
        }
      }
      i = e;
      continue;
    }
    if (ch === '{' || ch === '[') depth++;
    else if (ch === '}' || ch === ']') depth--;
    i++;
  }
  return -1;
}

/**
 * The records of one JSON document. Never throws for bad input: damage is reported through
 * `hooks.problem` and every undamaged record is returned.
 */
export function documentRecords(text: string, hooks: TolerantHooks): DocRecord[] {
  const t = text;
  const s0 = skipWs(t, 0);
  if (s0 >= t.length) return [];
  let doc: unknown;
  let parsed = false;
  try {
    doc = JSON.parse(t.charCodeAt(0) === 0xfeff ? t.slice(1) : t);
    parsed = true;
  } catch {
    /* damaged: the tolerant path below */
  }
  const lines = new Lines(t);
  if (parsed) return fromParsed(doc, t, lines, hooks);
  let s = s0;
  if (t[s] !== '[' && t[s] !== '{') {
    // junk before the document (a stray line written by a pipeline): skip to the first line that opens one
    const m = /\n[ \t]*[[{]/.exec(t.slice(s, s + 65536));
    if (m) {
      const [l, c] = lines.at(s);
      hooks.problem(l, c, 'content before the JSON document skipped');
      s = skipWs(t, s + m.index + 1);
    }
  }
  let arrayAt = -1;
  if (t[s] === '[') arrayAt = s;
  else if (t[s] === '{') arrayAt = wrapperArrayStart(t, s, hooks.arrayKeys);
  if (arrayAt < 0) {
    // no record array: a single record, damaged — or not JSON at all
    let msg = 'invalid JSON document';
    try {
      JSON.parse(t);
    } catch (e) {
      msg = `invalid JSON document: ${jsonError(e as Error)}`;
    }
    const [l, c] = lines.at(s);
    hooks.problem(l, c, msg);
    return [];
  }
  return tolerantArray(t, arrayAt, lines, hooks);
}

function fromParsed(doc: unknown, t: string, lines: Lines, hooks: TolerantHooks): DocRecord[] {
  let recs: unknown[];
  const o = obj(doc);
  if (Array.isArray(doc)) recs = doc;
  else if (o && hooks.isRecord(o)) recs = [o];
  else if (o) recs = wrapped(o, hooks.arrayKeys) ?? [o];
  else {
    hooks.problem(1, 1, 'expected a JSON object or array of records');
    return [];
  }
  // best-effort line numbers: find each record's first id-like string value in order
  let pos = 0;
  const out: DocRecord[] = [];
  let n = 0;
  for (const r of recs) {
    n++;
    const ro = obj(r);
    if (!ro) {
      const [l, c] = lines.at(pos);
      hooks.problem(l, c, `record ${n}: expected a JSON object, got ${r === null ? 'null' : Array.isArray(r) ? 'an array' : typeof r}`);
      continue;
    }
    const probe = firstString(ro);
    if (probe) {
      const at = t.indexOf(JSON.stringify(probe), pos);
      if (at >= 0) pos = at;
    }
    out.push({ rec: ro, line: lines.at(pos)[0] });
  }
  return out;
}

function wrapped(o: Rec, keys: string[]): unknown[] | undefined {
  for (const k of keys) {
    const v = o[k];
    if (Array.isArray(v)) return v;
  }
  return undefined;
}

function firstString(o: Rec): string | undefined {
  for (const k of ['eventID', 'id', 'uuid', '_document_id', 'Id', 'EventId', 'eventTime', 'published', 'created_at', 'requestId', 'correlationId', 'time', 'timestamp']) {
    const v = o[k];
    if (typeof v === 'string' && v) return v;
  }
  return undefined;
}

function tolerantArray(t: string, arrayAt: number, lines: Lines, hooks: TolerantHooks): DocRecord[] {
  const out: DocRecord[] = [];
  // total characters examined by all element scans and resyncs: a few passes over the text
  const budget = { left: 4 * t.length + (1 << 20) };
  let i = arrayAt + 1;
  let n = 0;
  const report = (p: number, msg: string) => {
    const [l, c] = lines.at(p);
    hooks.problem(l, c, msg);
  };
  /** Next position after `from` where a complete object accepted as a record starts, or -1. */
  const resync = (from: number): number => {
    for (let q = t.indexOf('{', from); q !== -1; q = t.indexOf('{', q + 1)) {
      if (budget.left < 0) return -1;
      // a record starts after "," or "[", or at the start of a line (after a damaged line)
      let p = q - 1;
      let newline = false;
      while (p >= 0 && WS.has(t[p])) {
        if (t[p] === '\n') newline = true;
        p--;
      }
      if (p >= 0 && t[p] !== ',' && t[p] !== '[' && !newline) continue;
      const e = valueEnd(t, q, budget);
      if (e === -2) return -1;
      if (e < 0) continue;
      try {
        const o = obj(JSON.parse(t.slice(q, e)));
        if (o && hooks.isRecord(o)) return q;
      } catch {
        /* not a complete object here */
      }
    }
    return -1;
  };
  const damaged = (at: number, msg: string): boolean => {
    report(at, msg);
    const q = resync(at + 1);
    if (q < 0) {
      if (budget.left < 0) report(at, 'stopped looking for further records after damage (work budget spent)');
      return false;
    }
    i = q;
    return true;
  };
  for (;;) {
    i = skipWs(t, i);
    if (i >= t.length) {
      report(i, 'truncated: the document ends inside the record array');
      hooks.truncated?.(Buffer.byteLength(t.slice(0, i)));
      return out;
    }
    if (t[i] === ']') {
      // the end of the array — or a stray bracket with records after it
      const q = resync(i + 1);
      if (q < 0) return out;
      report(i, 'unexpected "]" inside the record array; the records after it are read');
      i = q;
      continue;
    }
    if (t[i] === ',') { i++; continue; }
    n++;
    const start = i;
    const e = valueEnd(t, i, budget);
    if (e === -2) {
      report(start, `record ${n}: stopped reading after damage (work budget spent)`);
      return out;
    }
    if (e === -1) {
      // the text ends inside this element: a truncated file, or a stray quote / bracket in it
      if (!damaged(start, `record ${n}: unterminated (the document ends inside it)`)) {
        hooks.truncated?.(Buffer.byteLength(t));
        return out;
      }
      continue;
    }
    let v: unknown;
    try {
      v = JSON.parse(t.slice(start, e));
    } catch (err) {
      if (!damaged(start, `record ${n}: malformed JSON: ${jsonError(err as Error)}`)) return out;
      continue;
    }
    const o = obj(v);
    if (!o) report(start, `record ${n}: expected a JSON object, got ${v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v}`);
    else out.push({ rec: o, line: lines.at(start)[0] });
    i = skipWs(t, e);
    if (i < t.length && t[i] !== ',' && t[i] !== ']') {
      // a missing comma or junk after the element: the next record may start right here
      report(i, `record ${n}: expected "," or "]" after it`);
      const q = resync(i);
      if (q < 0) return out;
      i = q;
    }
  }
}
