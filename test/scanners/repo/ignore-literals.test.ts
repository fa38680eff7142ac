/**
 * The walk asks the `ignore` package about a path with only the .gitignore lines that could match
 * it — those whose literal the path holds, and those without one (walk.ts IgnoreFile) — and not at
 * all when there are none. That is exact only if no line (nor its match on a folder above the path)
 * can match without its literal: checked against the package given the whole file, on random
 * .gitignore files (names, wildcards, `**`, bracket classes, negations, anchors, comments, escapes,
 * trailing spaces and CRs, CRLF, upper case, non-ASCII) and random paths over the same names —
 * fails if a literal were taken across a wildcard or a bracket, kept a trailing space the package
 * drops, ignored case, or the lines kept lost their order or their last CR.
 */
import ignore from 'ignore';
import { describe, expect, it } from 'vitest';
import { IgnoreFile, ignoreLineLiteral } from '../../../scanners/repo/walk.js';
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
  it('answers as the package given the whole file (random files and paths)', () => {
    const r = rng(42);
    let decided = 0;
    let skipped = 0;
    for (let n = 0; n < 1200; n++) {
      let text = Array.from({ length: 1 + Math.floor(r() * 6) }, () => randomLine(r)).join(r() < 0.2 ? '\r\n' : '\n');
      if (r() < 0.1) text += pick(r, ['\n', '\r', '\r\n', '\r\r\n']);
      const file = new IgnoreFile(text);
      const ig = ignore({ allowRelativePaths: true }).add(text);
      for (let k = 0; k < 100; k++) {
        const p = randomPath(r);
        const want = ig.test(p);
        const got = file.test(p);
        expect({ text, p, ignored: got?.ignored ?? false, unignored: got?.unignored ?? false }).toEqual({ text, p, ignored: want.ignored, unignored: want.unignored });
        if (want.ignored || want.unignored) decided++;
        if (!got) skipped++;
      }
    }
    // not vacuous: many paths are decided, many never reach the package
    expect(decided).toBeGreaterThan(1500);
    expect(skipped).toBeGreaterThan(15000);
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
    const file = new IgnoreFile('# build\n*.log\nnode_modules/\n~\n!keep.log\n');
    expect([file.linesFor('a/b.log'), file.linesFor('x/node_modules/'), file.linesFor('x~'), file.linesFor('keep.log'), file.linesFor('src/app.ts')]).toEqual([[1], [2], [3], [1, 4], []]);
    expect(file.test('src/app.ts')).toBeUndefined();
    expect(new IgnoreFile('*\n').linesFor('anything')).toEqual([0]);
  });
});
