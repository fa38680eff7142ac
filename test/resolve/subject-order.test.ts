/**
 * An item's subjects are in the order `(kind + id).localeCompare` gives, whether they are compared
 * by code units (ids of lower-case letters, digits and `_ - . @` only) or by the collator (any
 * other character among them).
 */
import { describe, expect, it } from 'vitest';
import type { Finding } from '../../src/core/types.js';
import { NumberSet, resolve } from '../../src/resolve/resolve.js';
import fc from 'fast-check';

function finding(i: number, id: string): Finding {
  return { kind: 'host', value: 'api.x.example', source: 'network', scanner: 'egress', signal: 'usage', confidence: 'inferred', subject: { kind: 'user', id }, locator: `l:${i}`, id: `f${i}`, service: 'x', serviceName: 'X', vendor: 'X', category: 'llm-api', match: { rule: 'domain', pattern: 'api.x.example' } };
}

describe('subject order', () => {
  let seed = 11;
  const rnd = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
  const ids = (chars: string, n: number) => Array.from({ length: n }, () => Array.from({ length: 1 + rnd(9) }, () => chars[rnd(chars.length)]).join(''));

  it.each([
    ['code units', 'ab09z_-.@'],
    ['collator', 'ab09z_-.@A É/'],
  ])('by %s: the localeCompare order', (_, chars) => {
    const subjects = ids(chars, 3000);
    const got = resolve(subjects.map((s, i) => finding(i, s)))[0].subjects.map((s) => s.id);
    const want = [...new Set(subjects)].sort((a, b) => ('user' + a).localeCompare('user' + b));
    expect(got).toEqual(want);
  });

  it('many items, some with code-unit ids only and some not, subjects of several kinds shared between them: each item in its own localeCompare order', () => {
    const plainIds = ids('ab09z_-.@', 6000);
    const otherIds = ids('ab09z_-.@A É/', 400);
    const fs: Finding[] = [];
    let i = 0;
    // 'big' holds more than 4,096 subjects (ranks of more than one 8-bit radix digit)
    const many = Array.from({ length: 5000 }, (_, k) => `u${k * 7919 % 5003}.${plainIds[k % plainIds.length]}`);
    for (const [svc, pool] of [['p', plainIds], ['q', otherIds], ['r', [...plainIds.slice(0, 200), ...otherIds.slice(0, 50)]], ['big', many]] as const) {
      for (const id of pool) {
        const f = finding(i++, id);
        fs.push({ ...f, service: svc, subject: { kind: rnd(3) ? 'user' : 'ip', id } });
      }
    }
    // interleaved, as a commit adds them
    fs.sort(() => rnd(3) - 1);
    for (const item of resolve(fs)) {
      const mine = fs.filter((f) => 'svc-' + f.service === item.id);
      const seen = new Map<string, Finding['subject']>();
      for (const f of mine) if (!seen.has(f.subject.kind + '\u0000' + f.subject.id)) seen.set(f.subject.kind + '\u0000' + f.subject.id, f.subject);
      const want = [...seen.values()].map((s, k) => ({ s, k })).sort((a, b) => (a.s.kind + a.s.id).localeCompare(b.s.kind + b.s.id) || a.k - b.k).map((x) => x.s);
      expect([item.id, item.subjects]).toEqual([item.id, want]);
      if (item.id === 'svc-big') expect(item.subjects.length).toBeGreaterThan(4096);
    }
  });
});

describe('subject order: ties', () => {
  it('ids the collator holds equal (é composed and decomposed) stay in the order each item saw them', () => {
    const composed = 'jos\u00e9';
    const decomposed = 'jose\u0301';
    expect(composed.localeCompare(decomposed)).toBe(0);
    const fs = [
      { ...finding(1, decomposed), service: 'a' },
      { ...finding(2, composed), service: 'b' },
      { ...finding(3, composed), service: 'a' },
      { ...finding(4, decomposed), service: 'b' },
      { ...finding(5, 'zed'), service: 'a' },
    ];
    const items = resolve(fs);
    expect(items.map((i) => [i.id, i.subjects.map((s) => s.id)])).toEqual([
      ['svc-a', [decomposed, composed, 'zed']],
      ['svc-b', [composed, decomposed]],
    ]);
  });
});

describe('NumberSet', () => {
  it('agrees with a Set of numbers: dense (bits), sparse (a Set from part way), repeats', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.nat(300), fc.nat(5000), fc.nat(2_000_000)), { maxLength: 400 }), (xs) => {
        const s = new NumberSet();
        const ref = new Set<number>();
        for (const x of xs) {
          expect(s.add(x)).toBe(!ref.has(x));
          ref.add(x);
        }
        expect(s.size).toBe(ref.size);
        for (const x of [...xs, 0, 31, 32, 4095, 1_999_999]) expect(s.has(x)).toBe(ref.has(x));
      }),
      { numRuns: 300 },
    );
  });
});
