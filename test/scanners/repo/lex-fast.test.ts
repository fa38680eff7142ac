/**
 * The lexer's native searches (indexOf / sticky regexes to the next character that matters in a
 * string, comment or template; spaces sliced from one run; `\s` by code unit) give what the
 * character-by-character lexer gave: digests of its output on seeded inputs (every style),
 * recorded from the lexer before the change (fixtures/repo/lex/reference.json, see its `source`).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isSpace, lex } from '../../../scanners/repo/parsers/code/lex.js';
import { ROOT } from './helpers.js';
import { LEX_STYLES, lexDigest, lexInputs } from './lex-inputs.js';

const reference = JSON.parse(readFileSync(join(ROOT, 'fixtures/repo/lex/reference.json'), 'utf8')) as { styles: Record<string, string> };

describe('lexer fast paths', () => {
  it.each(LEX_STYLES)('%s: the same blanked code, bare text and string spans as the character-by-character lexer', (style) => {
    const want = reference.styles[style].split(' ');
    const texts = lexInputs(style, want.length);
    expect(texts.length).toBe(250);
    const got = texts.map((t) => lexDigest(lex(t, style)));
    const diff = got.findIndex((g, i) => g !== want[i]);
    expect(diff, diff >= 0 ? `${style} #${diff}: ${JSON.stringify(texts[diff]).slice(0, 300)}` : '').toBe(-1);
  });

  it('isSpace is the \\s class on every UTF-16 code unit', () => {
    for (let c = 0; c < 0x10000; c++) if (isSpace(c) !== /\s/.test(String.fromCharCode(c))) expect(c.toString(16)).toBe('no difference');
  });
});
