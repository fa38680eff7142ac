/**
 * Seeded inputs for the lexer's equivalence test (lex-fast.test.ts): texts built from the
 * pieces a lexer reacts to (quotes, triple quotes, escapes, comment openers and closers, template
 * interpolation, verbatim and raw string prefixes, Ruby block comments, regex literals, line
 * breaks, non-ASCII spaces) and plain words, short and long. The same seed gives the same texts.
 */
import { createHash } from 'node:crypto';
import type { Lexed, LexStyle } from '../../../scanners/repo/parsers/code/lex.js';

export const LEX_STYLES: LexStyle[] = ['js', 'c', 'csharp', 'go', 'rust', 'python', 'ruby', 'shell', 'php', 'hash', 'hcl', 'jsonc'];

const PIECES = [
  '"', "'", '`', '"""', "'''", '\\', '\\\\', '\\"', "\\'", '\n', '\r\n', '\r', ' ', '\t', '\u00a0', '\u2028',
  '//', '/*', '*/', '#', ' #', '--', '<!--', '${', '{', '}', '$"', '@"', '$@"', '@$"', 'r"', 'r#"', '"#', 'br"', "b'", "'a'", "'\\n'",
  '=begin', '\n=begin\n', '\n=end', 'return /', '= /', '/[/]/g', '(', ')', ';', ',', '=', 'x', 'import', 'from', 'openai', 'é', '€', 'f"', 'rb"',
];

/** A seeded generator of numbers in [0, 1) (an LCG: reproducible inputs for property tests). */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** `count` texts for a style: most of up to 40 pieces, some of a few KiB (long comments and strings). */
export function lexInputs(style: LexStyle, count: number, seed = 20261207): string[] {
  const r = rng(seed + LEX_STYLES.indexOf(style) * 7919);
  const out: string[] = [];
  for (let t = 0; t < count; t++) {
    const long = t % 10 === 9;
    const n = long ? 200 + Math.floor(r() * 600) : Math.floor(r() * 40);
    let s = '';
    for (let k = 0; k < n; k++) {
      const p = r();
      s += p < 0.7 ? PIECES[Math.floor(r() * PIECES.length)] : p < 0.9 ? 'word'.repeat(1 + Math.floor(r() * 3)) : ' '.repeat(Math.floor(r() * 50));
    }
    out.push(s);
  }
  return out;
}

/** A short digest of what lex returns (blanked code, bare text, string spans). */
export function lexDigest(l: Lexed): string {
  return createHash('sha256').update(JSON.stringify([l.code, l.bare, l.strings])).digest('hex').slice(0, 16);
}
