/**
 * JSON lines are decoded a chunk at a time (one decode per 1 MiB read, split as a string): the
 * records, their line numbers and the problems must be exactly those of decoding every line on
 * its own — with multi-byte characters, CRLF, invalid UTF-8, blank and damaged lines, and lines
 * longer than a read chunk, wherever the chunk boundaries fall.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { readRecords, type ReadHooks } from '../../../scanners/audit-export/lib/records.js';
import { tmpDir } from '../../helpers/tmp.js';

/** The reference: every line decoded on its own, parsed on its own. */
function reference(bytes: Buffer): { recs: Array<[number, unknown]>; problems: number[] } {
  const recs: Array<[number, unknown]> = [];
  const problems: number[] = [];
  let n = 0;
  for (let p = 0; p < bytes.length; ) {
    let nl = bytes.indexOf(10, p);
    if (nl < 0) nl = bytes.length;
    n++;
    let t = bytes.toString('utf8', p, nl);
    if (t.endsWith('\r')) t = t.slice(0, -1);
    t = t.trim();
    p = nl + 1;
    if (!t) continue;
    try {
      recs.push([n, JSON.parse(t)]);
    } catch {
      problems.push(n);
    }
  }
  return { recs, problems };
}

describe('JSON lines decoding', () => {
  it('gives the records, line numbers and problems of line-by-line decoding (plain and gzip)', async () => {
    let seed = 7;
    const r = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    const words = ['app', 'Zoom', 'ünïcødé', '日本語のアプリ', '🙂 emoji', 'tab\there', 'quote \\" inside'];
    const lines: Buffer[] = [];
    for (let i = 0; i < 40_000; i++) {
      const x = r();
      if (x < 0.01) lines.push(Buffer.from(''));
      else if (x < 0.02) lines.push(Buffer.from('{"broken": '));
      else if (x < 0.025) lines.push(Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xe2, 0x82, 0x22, 0x7d])); // invalid UTF-8 inside a string
      else if (x < 0.026) lines.push(Buffer.from(JSON.stringify({ id: i, big: 'x'.repeat(1_500_000) }))); // longer than a read chunk
      else lines.push(Buffer.from(JSON.stringify({ id: i, app: words[Math.floor(r() * words.length)], pad: 'p'.repeat(Math.floor(r() * 300)) }) + (r() < 0.2 ? '\r' : '')));
    }
    const bytes = Buffer.concat(lines.flatMap((l) => [l, Buffer.from('\n')]));
    const want = reference(bytes);
    expect(want.recs.length).toBeGreaterThan(30_000);
    const dir = tmpDir();
    for (const [name, content] of [['a.jsonl', bytes], ['a.jsonl.gz', gzipSync(bytes)]] as const) {
      const file = join(dir, name);
      writeFileSync(file, content);
      const problems: number[] = [];
      const hooks: ReadHooks = { problem: (line) => void problems.push(line), isRecord: () => true, arrayKeys: [] };
      const recs: Array<[number, unknown]> = [];
      for await (const x of readRecords(file, hooks, 'jsonl')) recs.push([x.line, x.rec]);
      expect(recs.length, name).toBe(want.recs.length);
      expect(recs, name).toEqual(want.recs);
      expect(problems, name).toEqual(want.problems);
    }
  });
});
