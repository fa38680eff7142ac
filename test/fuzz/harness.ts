/**
 * Fuzz harness shared by the per-reader suites: damage real-format samples the way log pipelines
 * and attackers do (truncate, flip bytes, drop / duplicate lines, insert null / wrong types,
 * BOM, CRLF, very long lines) and check three properties through the real readers:
 *  - no crash: the scan returns its coverage, it never throws;
 *  - no hang: inputs are bounded (at most one 10 MB line), no timing assertion;
 *  - nothing silently lost: every undamaged record lands, and a run that lost anything says so
 *    (a problem, a failed or partial unit).
 * Run budget: FUZZ_SECONDS (npm run fuzz) runs each property for that long; otherwise
 * FUZZ_RUNS runs each (default 25, the bounded run inside `npm test`).
 */
import fc from 'fast-check';

export const FUZZ_SECONDS = Number(process.env.FUZZ_SECONDS ?? 0);
export const FUZZ_RUNS = Number(process.env.FUZZ_RUNS ?? 25);

/** fast-check parameters: a run count for `npm test`, a time budget for `npm run fuzz`. */
export function budget(share = 1): fc.Parameters<unknown> {
  if (FUZZ_SECONDS > 0) return { numRuns: 1_000_000_000, interruptAfterTimeLimit: Math.floor(FUZZ_SECONDS * 1000 * share), markInterruptAsFailure: false, seed: Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31) };
  return { numRuns: FUZZ_RUNS, ...(process.env.FUZZ_SEED ? { seed: Number(process.env.FUZZ_SEED) } : {}) };
}

/** Per-suite tallies printed at the end of a fuzz run (inputs, losses, crashes). */
export const tally: Record<string, { inputs: number; damaged: number; lost: number; silent: number; crashes: number }> = {};
export function count(suite: string, k: 'inputs' | 'damaged' | 'lost' | 'silent' | 'crashes', n = 1): void {
  tally[suite] ??= { inputs: 0, damaged: 0, lost: 0, silent: 0, crashes: 0 };
  tally[suite][k] += n;
}

/** Junk a pipeline or an attacker puts where a record should be. */
export const JUNK = ['null', '42', '"x"', '[]', '{}', '{"a":', '}', ']', '\u0000\u0001\u0002', 'true', '{"eventType": 7, "actor": [], "target": "x", "published": {}}', '"unterminated'];

export type LineOp =
  | { op: 'drop'; at: number }
  | { op: 'dup'; at: number }
  | { op: 'junk'; at: number; junk: string }
  | { op: 'flip'; at: number; pos: number; byte: number }
  | { op: 'cut'; at: number; pos: number }
  | { op: 'long'; at: number; bytes: number };

/** Damage operations on a list of n lines (indexes ≥ first: headers are not damaged). */
export function lineOps(n: number, first = 0, longLines = true): fc.Arbitrary<LineOp[]> {
  const at = fc.integer({ min: first, max: Math.max(first, n - 1) });
  const op: fc.Arbitrary<LineOp> = fc.oneof(
    fc.record({ op: fc.constant('drop' as const), at }),
    fc.record({ op: fc.constant('dup' as const), at }),
    fc.record({ op: fc.constant('junk' as const), at, junk: fc.constantFrom(...JUNK) }),
    fc.record({ op: fc.constant('flip' as const), at, pos: fc.nat(4000), byte: fc.integer({ min: 0, max: 255 }) }),
    fc.record({ op: fc.constant('cut' as const), at, pos: fc.nat(4000) }),
    ...(longLines ? [fc.record({ op: fc.constant('long' as const), at, bytes: fc.constantFrom(70_000, 1_100_000, 10_000_000) })] : []),
  );
  return fc.array(op, { minLength: 1, maxLength: 4 }).map((ops) => {
    // at most one 10 MB line per input, and a cut ends the file: only the first cut counts
    let big = false;
    const out: LineOp[] = [];
    for (const o of ops) {
      if (o.op === 'long' && o.bytes >= 1_000_000) {
        if (big) continue;
        big = true;
      }
      out.push(o);
      if (o.op === 'cut') break;
    }
    return out;
  });
}

export interface Damaged {
  text: Buffer;
  /** Original line index of each surviving intact line (duplicates included). */
  intact: number[];
  /** Each output line: its original index, or -1 for damage. */
  seq: number[];
  /** Lines changed or added (damage), by count. */
  damaged: number;
  /** Original indexes of lines still in the file but changed (flipped, cut): they may land altered. */
  touched: number[];
  /** A cut: the file ends inside a line. */
  cut: boolean;
}

/** Applies line operations; `bom` / `crlf` apply to the whole file. */
export function damageLines(lines: string[], ops: LineOp[], o: { bom?: boolean; crlf?: boolean; longFill?: string } = {}): Damaged {
  // each entry: [original index or -1 for damage, content]
  let cur: Array<[number, Buffer]> = lines.map((l, i) => [i, Buffer.from(l)]);
  let cut = false;
  let damaged = 0;
  const touched: number[] = [];
  for (const op of ops) {
    const i = Math.min(op.at, cur.length - 1);
    if (i < 0) break;
    if (op.op === 'drop') cur.splice(i, 1);
    else if (op.op === 'dup') cur.splice(i, 0, [cur[i][0], cur[i][1]]);
    else if (op.op === 'junk') { cur.splice(i, 0, [-1, Buffer.from(op.junk)]); damaged++; }
    else if (op.op === 'long') { cur.splice(i, 0, [-1, Buffer.from((o.longFill ?? 'x').repeat(Math.ceil(op.bytes / (o.longFill ?? 'x').length)).slice(0, op.bytes))]); damaged++; }
    else if (op.op === 'flip') {
      const b = Buffer.from(cur[i][1]);
      if (!b.length) continue;
      const p = op.pos % b.length;
      if (b[p] === op.byte) continue;
      b[p] = op.byte;
      if (cur[i][0] >= 0) touched.push(cur[i][0]);
      cur[i] = [-1, b];
      damaged++;
      // a flipped byte that is a newline splits the line: both halves are damage, already marked
    } else if (op.op === 'cut') {
      const [orig, b] = cur[i];
      const p = b.length ? op.pos % b.length : 0;
      if (p > 0 && orig >= 0) touched.push(orig);
      cur = cur.slice(0, i);
      if (p > 0) { cur.push([-1, b.subarray(0, p)]); damaged++; }
      cut = true;
      break;
    }
  }
  const nl = o.crlf ? '\r\n' : '\n';
  const parts: Buffer[] = [];
  if (o.bom) parts.push(Buffer.from([0xef, 0xbb, 0xbf]));
  cur.forEach(([, b], k) => {
    parts.push(b);
    if (k < cur.length - 1 || !cut) parts.push(Buffer.from(nl));
  });
  return { text: Buffer.concat(parts), intact: cur.filter(([i]) => i >= 0).map(([i]) => i), seq: cur.map(([i]) => i), damaged, cut, touched };
}

export function printTally(): void {
  const rows = Object.entries(tally).map(([s, t]) => `${s.padEnd(34)} inputs ${String(t.inputs).padStart(7)}  damaged ${String(t.damaged).padStart(7)}  with loss ${String(t.lost).padStart(6)}  silent loss ${String(t.silent).padStart(4)}  crashes ${String(t.crashes).padStart(4)}`);
  if (rows.length) console.log(`fuzz tally (${FUZZ_SECONDS ? `${FUZZ_SECONDS} s per suite` : `${FUZZ_RUNS} runs per property`}):\n${rows.join('\n')}`);
}
