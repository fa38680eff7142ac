/**
 * Linear time by construction: every regular expression in the code that reads untrusted input
 * (log and audit parsers, the readers, masking, config loading) is checked the way rule patterns
 * are (safe-regex2: no nested quantifiers / star height > 1). The expressions are taken from the
 * source with the TypeScript parser — regex literals and `new RegExp("…")` with a literal — so a
 * new parser regex is checked without anyone listing it. A flagged one must be rewritten, or be
 * proven linear here by timing-free evidence: a bounded hostile input it answers (see HOSTILE).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import safeRegex from 'safe-regex2';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOTS = [
  'scanners/egress', 'scanners/audit-export', 'scanners/cloudtrail', 'scanners/okta', 'scanners/github-audit', 'scanners/slack-audit',
  'src/core', 'src/match', 'src/collect', 'src/catalog', 'src/config.ts', 'src/rules/load.ts',
];

function tsFiles(p: string): string[] {
  const abs = join(process.cwd(), p);
  if (statSync(abs).isFile()) return [p];
  return readdirSync(abs).flatMap((n) => tsFiles(join(p, n))).filter((f) => f.endsWith('.ts'));
}

interface Found { file: string; line: number; source: string; flags: string }

function regexesOf(file: string): Found[] {
  const text = readFileSync(join(process.cwd(), file), 'utf8');
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const out: Found[] = [];
  const visit = (n: ts.Node) => {
    if (n.kind === ts.SyntaxKind.RegularExpressionLiteral) {
      const lit = n.getText(sf);
      const end = lit.lastIndexOf('/');
      out.push({ file, line: sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1, source: lit.slice(1, end), flags: lit.slice(end + 1) });
    } else if (ts.isNewExpression(n) && n.expression.getText(sf) === 'RegExp' && n.arguments?.[0] && ts.isStringLiteralLike(n.arguments[0])) {
      out.push({ file, line: sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1, source: n.arguments[0].text, flags: '' });
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
}

/**
 * safe-regex2 counts any quantifier on a group holding a quantifier (star height), also `(\.\d+)?`
 * or `(:\d+){1,2}`, which repeat at most a constant number of times and so cannot make matching
 * super-linear. Such bounded repetitions (`?`, `{m,n}` with n ≤ 3) of a group are unrolled to the
 * group itself before the check; an unbounded one over a quantified group still fails.
 */
export function unrollBounded(src: string): string {
  let out = '';
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (c === '\\') { out += c + (src[i + 1] ?? ''); i++; continue; }
    out += c;
    if (c !== ')') continue;
    const q = src[i + 1];
    if (q === '?' ) { i++; continue; }
    const m = /^\{(\d+)(?:,(\d+))?\}/.exec(src.slice(i + 1));
    if (m && Number(m[2] ?? m[1]) <= 3) i += m[0].length;
  }
  return out;
}

it('unrolling keeps unbounded nesting visible', () => {
  expect(unrollBounded('^\\d+(\\.\\d+)?$')).toBe('^\\d+(\\.\\d+)$');
  expect(unrollBounded('(:\\d+){1,2}$')).toBe('(:\\d+)$');
  expect(safeRegex(new RegExp(unrollBounded('^(a+)+$')))).toBe(false);
  expect(safeRegex(new RegExp(unrollBounded('^(a+){2,9}$')))).toBe(false);
});

describe('regular expressions over untrusted input are linear-time safe', () => {
  const all = ROOTS.flatMap(tsFiles).flatMap(regexesOf);

  it('finds the parsers\' regexes (the scan works)', () => {
    expect(all.length).toBeGreaterThan(50);
    expect(all.some((r) => r.file.startsWith('scanners/egress/parsers/'))).toBe(true);
  });

  it('none has nested unbounded quantifiers (safe-regex2, after unrolling bounded repetitions)', () => {
    const unsafe = all.filter((r) => !safeRegex(new RegExp(unrollBounded(r.source), r.flags.replace(/[gy]/g, ''))));
    expect(unsafe.map((r) => `${r.file}:${r.line} /${r.source}/`)).toEqual([]);
  });
});
