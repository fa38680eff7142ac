/**
 * The repo scanner reads a file without a stat from the walk (scan.ts readFile): one read of
 * FIRST_READ_BYTES, the size taken from it when the file ends inside it, else from an fstat, then
 * the rest. Every file size around the boundaries (the sniffed head, the first read, the text
 * limit, a limit below the first read) must give the parsers exactly the file — its whole text,
 * its size as stat reports it, its first 4 KiB as head — and a too-large file its exact size in
 * the skip reason. Fails if the rest were read over the first part, if a file ending exactly at
 * the first read were cut or read twice, or if a size came from the read where the file goes on.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FIRST_READ_BYTES, HEAD_BYTES, SNIFF_BYTES, scanFile, type Ev } from '../../../scanners/repo/scan.js';
import type { FileParser } from '../../../scanners/repo/parsers/types.js';
import { rmTree, testRules, tree } from './helpers.js';

const made: string[] = [];
afterEach(() => {
  while (made.length) rmTree(made.pop()!);
});

/** Printable, position-dependent bytes: a part read twice or at the wrong offset shows. */
function content(n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = 0x21 + ((i * 7 + Math.floor(i / 251)) % 90);
  for (let i = 97; i < n; i += 97) b[i] = 0x0a;
  return b;
}

interface Seen {
  text?: string;
  size: number;
  head: string;
}

function scanOne(root: string, rel: string, maxFileBytes: number): { seen: Seen[]; ev: Ev[] } {
  const seen: Seen[] = [];
  const textSpy: FileParser = { id: 'text-spy', matches: () => true, parse: (i) => void seen.push({ text: i.text, size: i.size, head: i.head!.toString('latin1') }) };
  const binSpy: FileParser = { id: 'bin-spy', binary: true, matches: () => true, parse: (i) => void seen.push({ size: i.size, head: i.head!.toString('latin1') }) };
  const ev = scanFile({ s: { subject: { kind: 'repo', id: 'r' }, prefix: '' }, f: { abs: join(root, rel), rel } }, testRules(), maxFileBytes, [textSpy, binSpy], undefined, false);
  return { seen, ev };
}

/** A fresh tree holding one file of content(n) per size n, named `<stem><n>.<ext>`. */
function files(stem: string, ext: string): string {
  const spec: Record<string, Buffer> = {};
  for (const n of SIZES) spec[`${stem}${n}.${ext}`] = content(n);
  const root = tree(spec);
  made.push(root);
  return root;
}

const SIZES = [0, 1, HEAD_BYTES, SNIFF_BYTES - 1, SNIFF_BYTES, SNIFF_BYTES + 1, FIRST_READ_BYTES - 1, FIRST_READ_BYTES, FIRST_READ_BYTES + 1, 2 * FIRST_READ_BYTES + 13, 5 * FIRST_READ_BYTES + 7];

describe('repo scanner: reading a file without a stat', () => {
  it('gives the parsers the whole text, the stat size and the head, for every size around the boundaries', () => {
    const root = files('t', 'txt');
    for (const n of SIZES) {
      const rel = `t${n}.txt`;
      const bytes = content(n);
      const { seen, ev } = scanOne(root, rel, 1 << 21);
      expect(statSync(join(root, rel)).size).toBe(n);
      // the binary spy runs first (path, head, size), then the text parser with the whole text
      expect(seen).toEqual([
        { size: n, head: bytes.subarray(0, HEAD_BYTES).toString('latin1') },
        { text: bytes.toString('latin1'), size: n, head: bytes.subarray(0, HEAD_BYTES).toString('latin1') },
      ]);
      expect(ev.filter((e) => e.t === 'stat' && e.name === 'bytesRead')).toEqual([{ t: 'stat', name: 'bytesRead', delta: n }]);
      expect(ev.at(-1)).toEqual({ t: 'scanned' });
    }
  });

  it('a file over maxFileBytes (above and below the first read) is skipped with its exact size; binary parsers see its head', () => {
    const root = files('t', 'txt');
    for (const max of [1000, SNIFF_BYTES, FIRST_READ_BYTES, FIRST_READ_BYTES + 1, 3 * FIRST_READ_BYTES]) {
      for (const n of SIZES) {
        const bytes = content(n);
        const { seen, ev } = scanOne(root, `t${n}.txt`, max);
        if (n <= max) {
          expect(seen.map((s) => s.text?.length)).toEqual([undefined, n]);
          continue;
        }
        expect(seen).toEqual([{ size: n, head: bytes.subarray(0, Math.min(n, HEAD_BYTES)).toString('latin1') }]);
        expect(ev.at(-1)).toEqual({ t: 'skipped', reason: `larger than maxFileBytes (${n} > ${max} bytes)` });
      }
    }
  });

  it('a binary extension is read for its head only, with the size stat reports', () => {
    const root = files('b', 'png');
    for (const n of SIZES) {
      const bytes = content(n);
      const { seen, ev } = scanOne(root, `b${n}.png`, 1 << 21);
      expect(seen).toEqual([{ size: n, head: bytes.subarray(0, Math.min(n, HEAD_BYTES)).toString('latin1') }]);
      expect(ev.some((e) => e.t === 'stat' && e.name === 'bytesRead')).toBe(false);
    }
  });
});
