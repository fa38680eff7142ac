/**
 * The anchor search of the pre-filter (AnchorSet.kinds): texts from SPLIT_BYTES (1 KiB) on are
 * searched in four parts side by side, words and token keywords are tested where the automaton
 * finds them. Compared with a brute-force search (substring, word regex, token test) on random
 * long texts with anchors placed across the parts' seams, on every fixture file with the bundled
 * rules, and for every `want` (the answer is exact for the wanted kinds).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isKeywordToken } from '../../../src/rules/compile.js';
import { ruleIndex } from '../../../src/rules/load.js';
import { ANCHOR_KINDS, AnchorSet, CREDENTIAL_KIND, HOST_PLACEHOLDER, hostPlaceholder, isWordAt, ruleAnchors, type Anchor, type AnchorKind } from '../../../scanners/repo/prefilter.js';
import { ROOT, filesUnder } from './helpers.js';

const KINDS = Object.keys(ANCHOR_KINDS) as AnchorKind[];
const enc = (s: string) => Buffer.from(s, 'utf8');

/** The kinds a one-pass search must report, found the slow way. */
function reference(text: string, anchors: Anchor[], words: Anchor[], creds: Array<{ keyword: string; token: boolean }>): number {
  const lower = text.replace(/[A-Z]/g, (c) => c.toLowerCase());
  let k = 0;
  for (const a of anchors) if (lower.includes(a.text.toLowerCase())) k |= ANCHOR_KINDS[a.kind];
  for (const w of words) if (new RegExp(`(?<![A-Za-z0-9_])${w.text}(?![A-Za-z0-9_])`, 'i').test(text)) k |= ANCHOR_KINDS[w.kind];
  for (const { keyword, token } of creds) {
    for (let i = lower.indexOf(keyword); i >= 0; i = lower.indexOf(keyword, i + 1)) {
      if (!token || isKeywordToken(text, i, keyword.length)) {
        k |= CREDENTIAL_KIND;
        break;
      }
    }
  }
  return k;
}

describe('anchor search in four parts (AnchorSet.kinds)', () => {
  const lit = fc.stringMatching(/^[a-zA-Z0-9_.:-]{1,9}$/);
  const anchor = fc.record({ text: lit, kind: fc.constantFrom(...KINDS) });
  const word = fc.record({ text: fc.stringMatching(/^[a-z0-9_]{1,3}$/), kind: fc.constantFrom(...KINDS) });
  const cred = fc.record({ keyword: fc.stringMatching(/^[a-z_-]{2,6}$/), token: fc.boolean() });

  it('equals a brute-force search on random texts of 0–6 KiB with anchors across the seams (property)', () => {
    let split = 0;
    fc.assert(
      fc.property(
        fc.array(anchor, { minLength: 1, maxLength: 8 }),
        fc.array(word, { maxLength: 3 }),
        fc.array(cred, { maxLength: 3 }),
        fc.integer({ min: 0, max: 6000 }),
        fc.array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: -9, max: 1 }), fc.nat(20), fc.boolean()), { maxLength: 12 }),
        fc.integer({ min: 0, max: 127 }),
        (anchors, words, creds, len, places, want) => {
          const set = new AnchorSet(anchors, words, creds);
          // filler without letters an anchor could use, then anchors, words and keywords written near
          // the quarter points (where the parts meet) or at either end, in either case
          const filler = ' ;\n(){}=+*'.repeat(Math.ceil(len / 10) + 1).slice(0, len);
          let text = filler;
          const all = [...anchors.map((a) => a.text), ...words.map((w) => w.text), ...creds.map((c) => c.keyword)];
          for (const [frac, shift, pick, upper] of places) {
            const quarter = Math.round(frac * 4) / 4;
            const piece = all[pick % all.length];
            // written over the filler: the text keeps its length, so the seams stay where they were aimed
            const at = Math.max(0, Math.min(text.length - piece.length, Math.floor(quarter * text.length) + shift));
            if (at < 0) continue;
            text = text.slice(0, at) + (upper ? piece.toUpperCase() : piece) + text.slice(at + piece.length);
          }
          if (text.length >= 1024) split++;
          const ref = reference(text, anchors, words, creds);
          expect(set.kinds(enc(text), 127), text.length > 200 ? `${text.length} chars` : text).toBe(ref);
          expect(set.kinds(enc(text), want) & want).toBe(ref & want);
        },
      ),
      { numRuns: 1500, seed: 11 },
    );
    expect(split).toBeGreaterThan(500);
  });

  it('an anchor ending on any byte of a long text is found (every seam, every position near it)', () => {
    const set = new AnchorSet([{ text: 'needle-x', kind: 'hosts' }], [{ text: 'ab', kind: 'imports' }], [{ keyword: 'kw', token: true }]);
    for (const n of [1024, 1025, 1026, 1027, 4096, 5001]) {
      const base = '.'.repeat(n);
      const near = (at: number) => at < 40 || at > n - 40 || [1, 2, 3].some((k) => Math.abs(at - (k * n) / 4) < 16) || at % 97 === 0;
      for (let at = 0; at + 8 <= n; at++) {
        if (!near(at)) continue;
        expect(set.kinds(enc(base.slice(0, at) + 'NEEDLE-X' + base.slice(at + 8))), `${n}@${at}`).toBe(ANCHOR_KINDS.hosts);
        expect(set.kinds(enc(base.slice(0, at) + ' ab ' + base.slice(at + 4))), `${n}@${at}`).toBe(ANCHOR_KINDS.imports);
        expect(set.kinds(enc(base.slice(0, at) + 'xab_' + base.slice(at + 4))), `${n}@${at}`).toBe(0);
        expect(set.kinds(enc(base.slice(0, at) + 'KW_x' + base.slice(at + 4))), `${n}@${at}`).toBe(CREDENTIAL_KIND);
      }
    }
  });

  it('the byte word test is the word regex (ASCII and multi-byte neighbours)', () => {
    const alphabet = fc.constantFrom(...'abzAZ09_-. é€ıK\u212a'.split(''));
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 4 }), fc.constantFrom('ai', 'go', 'mcp', 'x_1'), fc.array(alphabet, { maxLength: 4 }), (pre, w, post) => {
        const p = pre.join('');
        const text = p + w + post.join('');
        const re = new RegExp(`^${[...p].map((c) => c.replace(/[.\\-]/g, '\\$&')).join('')}(?<![A-Za-z0-9_])${w}(?![A-Za-z0-9_])`);
        expect(isWordAt(enc(text), Buffer.byteLength(p), w.length), text).toBe(re.test(text));
      }),
      { numRuns: 2000, seed: 5 },
    );
  });

  it('every fixture file, the bundled rules: the kinds found are the brute-force kinds', () => {
    const rules = ruleIndex().index;
    const { anchors, words } = ruleAnchors(rules);
    const creds = rules.credentialKeywords().map((c) => ({ keyword: c.keyword.toLowerCase(), token: c.token }));
    const set = new AnchorSet(anchors, words, creds);
    let files = 0;
    let long = 0;
    let found = 0;
    for (const p of filesUnder(join(ROOT, 'fixtures'))) {
      const buf = readFileSync(p);
      const ref = reference(buf.toString('latin1'), anchors, words, creds);
      files++;
      if (buf.length >= 1024) long++;
      if (ref) found++;
      expect(set.kinds(buf, 127), p).toBe(ref);
    }
    expect(files).toBeGreaterThan(150);
    expect(long).toBeGreaterThan(30);
    expect(found).toBeGreaterThan(50);
  }, 120_000);

  it('the byte host-placeholder test is the regex on the latin1 text (property, and every fixture)', () => {
    const piece = fc.oneof(
      fc.constantFrom('://', 'https://', '{', '<', '$', '${x}', '/', ' ', '\t', '\n', '"', "'", '`', 'a.b', '\u00a0', '\u0085', 'é'),
      fc.string({ maxLength: 6 }),
      fc.constantFrom('x'.repeat(255), 'x'.repeat(257), 'x'.repeat(258), 'y'.repeat(300)),
    );
    let yes = 0;
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 10 }), fc.boolean(), (parts, latin1) => {
        const buf = Buffer.from(parts.join(''), latin1 ? 'latin1' : 'utf8');
        const want = HOST_PLACEHOLDER.test(buf.toString('latin1'));
        if (want) yes++;
        expect(hostPlaceholder(buf), JSON.stringify(buf.toString('latin1'))).toBe(want);
      }),
      { numRuns: 5000, seed: 3 },
    );
    expect(yes).toBeGreaterThan(100);
    // the 260-byte bound, either side
    for (const n of [259, 260, 261]) expect(hostPlaceholder(Buffer.from(`https://${'h'.repeat(n - 5)}{x}`)), String(n)).toBe(HOST_PLACEHOLDER.test(`https://${'h'.repeat(n - 5)}{x}`));
    for (const p of filesUnder(join(ROOT, 'fixtures'))) {
      const buf = readFileSync(p);
      expect(hostPlaceholder(buf), p).toBe(HOST_PLACEHOLDER.test(buf.toString('latin1')));
    }
  });
});
