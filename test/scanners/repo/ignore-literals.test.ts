/**
 * The walk skips the `ignore` package's test for a .gitignore whose every rule holds a literal
 * the path lacks (walk.ts IgnoreLiterals): the test would answer "neither ignored nor re-included".
 * That is exact only if no rule (nor a folder above the path) can match without its literal:
 * checked against the package itself on random .gitignore files (names, wildcards, `**`, bracket
 * classes, negations, anchors, comments, escapes, trailing spaces and CRs, upper case, non-ASCII)
 * and random paths over the same names — fails if a literal were taken across a wildcard or a
 * bracket, kept a trailing space the package drops, or ignored case.
 */
import ignore from 'ignore';
import { describe, expect, it } from 'vitest';
import { IgnoreLiterals, ignoreLineLiteral } from '../../../scanners/repo/walk.js';
import { rng } from './lex-inputs.js';

const NAMES = ['build', 'Build', 'dist', 'a', 'b', 'x.log', 'debug', 'node', 'out', '.env', 'tmp', 'é', 'ç.txt', 'foo bar'];
const PIECES = ['*', '**', '?', '[Dd]', '[bB]', '[Bu]', '[a-z]', '[!a]', '[]x]', '[', ']', '\\*', '\\ ', '\\#', '\\!', '\\\\', '\\a', '.', '-', '#', '!'];

function pick<T>(r: () => number, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)];
}

function randomLine(r: () => number): string {
  const k = r();
  if (k < 0.05) return '';
  if (k < 0.1) return `# ${pick(r, NAMES)}`;
  let s = r() < 0.2 ? '!' : '';
  if (r() < 0.3) s += '/';
  const parts = 1 + Math.floor(r() * 3);
  for (let i = 0; i < parts; i++) {
    if (i) s += '/';
    const bits = 1 + Math.floor(r() * 3);
    for (let j = 0; j < bits; j++) s += r() < 0.75 ? pick(r, NAMES) : pick(r, PIECES);
  }
  if (r() < 0.2) s += '/';
  if (r() < 0.1) s += '  ';
  if (r() < 0.05) s += '\r';
  return s;
}

function randomPath(r: () => number): string {
  const depth = 1 + Math.floor(r() * 4);
  const segs: string[] = [];
  for (let i = 0; i < depth; i++) {
    let seg = pick(r, NAMES);
    if (r() < 0.3) seg += pick(r, ['', '.log', '1', 'x', '-old', '.txt']);
    if (r() < 0.15) seg = seg.toUpperCase();
    segs.push(seg);
  }
  return segs.join('/') + (r() < 0.3 ? '/' : '');
}

describe('repo walk: .gitignore literals', () => {
  it('a path the package ignores or re-includes holds a literal of the file (random files and paths)', () => {
    const r = rng(42);
    let files = 0;
    let decided = 0;
    let skipped = 0;
    for (let n = 0; n < 2000; n++) {
      const text = Array.from({ length: 1 + Math.floor(r() * 6) }, () => randomLine(r)).join(r() < 0.2 ? '\r\n' : '\n');
      const lits = IgnoreLiterals.of(text);
      if (!lits) continue;
      files++;
      const ig = ignore({ allowRelativePaths: true }).add(text);
      for (let k = 0; k < 200; k++) {
        const p = randomPath(r);
        const res = ig.test(p);
        const holds = lits.anyIn(p.toLowerCase());
        if (res.ignored || res.unignored) {
          decided++;
          expect({ text, p, holds }).toEqual({ text, p, holds: true });
        } else if (!holds) skipped++;
      }
    }
    // the property is not vacuous: many files have literals, many paths are decided, many skipped
    expect(files).toBeGreaterThan(100);
    expect(decided).toBeGreaterThan(1000);
    expect(skipped).toBeGreaterThan(10000);
  });

  it('literals of single lines: runs between wildcards, classes and slashes; none where a line could match without one', () => {
    expect(ignoreLineLiteral('*.log')).toBe('.log');
    expect(ignoreLineLiteral('[Dd]ebug/')).toBe('debug');
    expect(ignoreLineLiteral('[Aa][Rr][Mm]/')).toBe('arm');
    expect(ignoreLineLiteral('Generated\\ Files/')).toBe('generated files');
    expect(ignoreLineLiteral('[abc]def[xy]')).toBe('def');
    expect(ignoreLineLiteral('!/Build/**/cache  ')).toBe('cache');
    expect(ignoreLineLiteral('glean-core/python/*.so')).toBe('.so');
    expect(ignoreLineLiteral('docs/**')).toBe('docs');
    expect(ignoreLineLiteral('# a comment')).toBe('');
    expect(ignoreLineLiteral('   ')).toBe('');
    expect(ignoreLineLiteral('foo\r')).toBe('foo');
    expect(ignoreLineLiteral('*')).toBeUndefined();
    expect(ignoreLineLiteral('**/')).toBeUndefined();
    expect(ignoreLineLiteral('\\#x')).toBe('#x');
    expect(ignoreLineLiteral('\\a')).toBeUndefined();
    expect(ignoreLineLiteral('a[b')).toBeUndefined();
    expect(ignoreLineLiteral('[!a]b')).toBeUndefined();
    expect(ignoreLineLiteral('ç.txt')).toBeUndefined();
    expect(ignoreLineLiteral(' \r')).toBeUndefined();
    expect(IgnoreLiterals.of('*.log\n*\n')).toBeUndefined();
    const set = IgnoreLiterals.of('*.log\nnode_modules/\n~\n')!;
    expect([set.anyIn('a/b.log'), set.anyIn('x/node_modules/'), set.anyIn('x~'), set.anyIn('src/app.ts')]).toEqual([true, true, true, false]);
  });
});
