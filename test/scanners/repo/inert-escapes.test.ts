/**
 * The pre-filter skips decoding a structured file's escapes when none can add a kind
 * (prefilter.ts inertEscapes): then structuredKinds, which decodes them (decodeEscapes) and searches
 * the decoded text again, must find no kind the bytes lack. Checked on random texts built from the
 * bundled rules' own anchors and words, split and surrounded by every form of escape (inert ones —
 * `\n`, `\"`, `\\`, `\t` — and ones that decode to an anchor's letter, URL punctuation, a
 * placeholder, the Kelvin sign, nothing, or join lines), `://` and placeholders: fails if an escape
 * decoding to an anchor letter, a line continuation, `\u212a`, or an escape before a word anchor
 * were taken as inert. And the scan gives the same observations with the fast path as without it.
 */
import { describe, expect, it } from 'vitest';
import { ruleIndex } from '../../../src/rules/load.js';
import { ANCHOR_KINDS, CREDENTIAL_KIND, inertEscapes, prefilter, ruleAnchors, structuredKinds } from '../../../scanners/repo/prefilter.js';
import { rng } from './lex-inputs.js';

const rules = ruleIndex().index;
const ALL = 63;

const ESCAPES = ['\\n', '\\"', '\\\\', '\\t', '\\r', "\\'", '\\/', '\\.', '\\x41', '\\x6f', '\\u0061', '\\u00e9', '\\u212a', '\\U0001F600', '\\UFFFFFFFF', '\\\r\n  ', '\\\n', '\\\r', '\\é', '\\K', '\\0', '\\_', '\\:', '\\{', '\\$', '\\u003a', '\\u002f', '\\x7b', '\\x', '\\u12', '\\'];
const FILLER = [' ', 'a', 'Z', '9', '_', '-', '=', ':', '"', "'", '\n', 'é', '://', 'https://', '{', '<', '$', 'x', 'q'];

describe('repo pre-filter: inert escapes', () => {
  const { anchors, words } = ruleAnchors(rules);
  const lits = [...anchors.map((a) => a.text), ...words.map((w) => w.text)];

  it('when every escape is inert, the decoded text holds no kind the bytes lack (random texts from the rules)', () => {
    const r = rng(20261207);
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)];
    let inert = 0;
    let added = 0;
    let addedRejected = 0;
    for (let n = 0; n < 6000; n++) {
      let text = '';
      const parts = 2 + Math.floor(r() * 10);
      for (let k = 0; k < parts; k++) {
        const x = r();
        if (x < 0.3) {
          // an anchor, maybe upper-cased, maybe split by an escape
          let lit = pick(lits);
          if (r() < 0.3) lit = lit.toUpperCase();
          if (r() < 0.35 && lit.length > 1) {
            const at = 1 + Math.floor(r() * (lit.length - 1));
            lit = lit.slice(0, at) + pick(ESCAPES) + lit.slice(at);
          }
          text += lit;
        } else if (x < 0.4 && words.length) text += pick(['\\n', '\\t', '\\u00e9', '\\x41', '\\"']) + pick(words).text;
        else if (x < 0.65) text += pick(ESCAPES);
        else text += pick(FILLER);
      }
      const buf = Buffer.from(text, 'utf8');
      const want = r() < 0.5 ? ALL : pick([ANCHOR_KINDS.hosts | ANCHOR_KINDS['env-vars'], ANCHOR_KINDS.imports, ANCHOR_KINDS['env-vars'] | ANCHOR_KINDS.images]);
      const pf = prefilter(rules, buf, want | CREDENTIAL_KIND);
      if (!pf.escapes || (pf.kinds & want) === want) continue;
      const decodedKinds = structuredKinds(rules, pf, buf.toString('utf8'), want) & want;
      const adds = (decodedKinds & ~pf.kinds) !== 0;
      const fast = inertEscapes(rules, buf, pf, want);
      if (adds) {
        added++;
        expect({ text, want, fast }).toEqual({ text, want, fast: false });
        addedRejected++;
      }
      if (fast) inert++;
    }
    // not vacuous: many texts take the fast path, and many where decoding adds a kind exist (all rejected)
    expect(inert).toBeGreaterThan(300);
    expect(added).toBeGreaterThan(100);
    expect(addedRejected).toBe(added);
  });

  it('the everyday escapes of YAML / JSON text are inert; the others are not', () => {
    const pf = (s: string) => prefilter(rules, Buffer.from(s), ALL | CREDENTIAL_KIND);
    const inert = (s: string) => inertEscapes(rules, Buffer.from(s), pf(s), ALL);
    expect(inert('description: "line one\\nline two \\"quoted\\" C:\\\\dir\\ttab"')).toBe(true);
    expect(inert('key: "\\u0041"')).toBe(false); // decodes to a letter an anchor may hold
    expect(inert('a: "x\\\n  y"')).toBe(false); // joins lines
    expect(inert('url: "https\\u003a//example"')).toBe(false); // URL punctuation
    expect(inert('a: "\\u212a"')).toBe(false); // Kelvin sign
    expect(inert('see https://x.example/\\n')).toBe(false); // `://` and hosts not found
    // an escape ending in a letter before a word anchor: the word's test passes only once decoded
    const w = words[0].text;
    const s = `a: "x\\n${w} y"`;
    expect(structuredKinds(rules, pf(s), s, ALL) & ANCHOR_KINDS.imports & ~pf(s).kinds).toBe(ANCHOR_KINDS.imports);
    expect(inert(s)).toBe(false);
    expect(inert(`a: "x\\"${w} y"`)).toBe(true);
  });
});
