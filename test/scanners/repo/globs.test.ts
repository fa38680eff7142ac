/**
 * Exclude globs: one compiled matcher (scanners/repo/globs.ts) answers exactly as one picomatch
 * matcher per glob, and 200,000 globs scan a tree inside a 160 MB heap (they ran out of memory).
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import picomatch from 'picomatch';
import { compileGlobs } from '../../../scanners/repo/globs.js';
import { ROOT, rmTree, tree } from './helpers.js';

describe('compileGlobs', () => {
  it('answers as picomatch does, glob by glob, on random globs and paths', () => {
    let seed = 12;
    const r = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff; // deterministic
    const seg = ['src', 'a', 'b', '.git', 'gen', 'node_modules', 'x.ts', 'y.js', '.env', 'build', 'a.b', 'fixtures'];
    const parts = [...seg, '*', '**', '?', '*.ts', '{a,b}', '[ab]', '!(a)', '*.{js,ts}', '@(src|gen)', 'a*', '\\*'];
    const pick = <T,>(xs: T[]) => xs[Math.floor(r() * xs.length)];
    const globs: string[] = ['!src/**', './a/b', 'a/b/', 'src', '**', '[z-a]', '(a|b)/c'];
    for (let i = 0; i < 400; i++) globs.push(Array.from({ length: 1 + Math.floor(r() * 4) }, () => pick(parts)).join('/'));
    const paths: string[] = [];
    for (let i = 0; i < 600; i++) paths.push(Array.from({ length: 1 + Math.floor(r() * 4) }, () => pick(seg)).join('/'));
    paths.push(...globs.filter((g) => !g.startsWith('!')).slice(0, 50)); // a path equal to a glob
    const ref = globs.map((g) => picomatch(g, { dot: true }));
    let compared = 0;
    let matched = 0;
    // one glob at a time (bucket logic) and groups of globs (chunked alternations)
    for (let i = 0; i < globs.length; i++) {
      const one = compileGlobs([globs[i]]);
      for (const p of paths) {
        const want = ref[i](p);
        expect(one(p), `${globs[i]} on ${p}`).toBe(want);
        compared++;
        if (want) matched++;
      }
    }
    const groups = [globs.slice(1, 120), globs.slice(120, 260), globs.slice(260)];
    for (const g of groups) {
      const all = compileGlobs(g);
      const refs = g.map((x) => picomatch(x, { dot: true }));
      for (const p of paths) expect(all(p), p).toBe(refs.some((m) => m(p)));
    }
    expect(compared).toBeGreaterThan(200_000);
    expect(matched).toBeGreaterThan(1000); // the comparison covered matches, not only misses
  });

  it('200,000 exclude globs: the scan finishes in a 160 MB heap and skips what they name', () => {
    const root = tree({
      'src/app.ts': 'x',
      'src/part-4/skip.ts': 'x', // src/part-{i}/*.ts with i % 3 === 1
      'src/part-5/keep.ts': 'x',
      'gen/module-3/a.txt': 'x', // gen/module-{i}/** with i % 3 === 0
      'gen/module-4/a.txt': 'x',
      'deep/x/cache-199997/blob.bin': 'x', // **/cache-{i}/*.bin with i % 3 === 2
      'deep/x/cache-199998/blob.bin': 'x',
      'keep/skip-me.txt': 'x',
      'keep/keep-me.txt': 'x',
    });
    try {
      const child = spawnSync(process.execPath, ['--max-old-space-size=160', join(ROOT, 'bin/run-ts.mjs'), join(ROOT, 'test/scanners/repo/many-globs-child.ts'), root, '200000'], { encoding: 'utf8', cwd: ROOT });
      expect(child.stderr).not.toMatch(/heap out of memory/i);
      expect(child.status).toBe(0);
      const res = JSON.parse(child.stdout.trim().split('\n').pop()!) as { skipped: string[]; scanned: number; heapMb: number };
      const name = root.split('/').pop();
      expect(res.skipped).toEqual(
        [`${name}:deep/x/cache-199997/blob.bin`, `${name}:gen/module-3/`, `${name}:keep/skip-me.txt`, `${name}:src/part-4/skip.ts`].map((u) => `${u}: excluded by option`).sort(),
      );
      expect(res.scanned).toBe(5);
    } finally {
      rmTree(root);
    }
  });
});
