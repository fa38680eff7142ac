/**
 * An item's subjects are in the order `(kind + id).localeCompare` gives, whether they are compared
 * by code units (ids of lower-case letters, digits and `_ - . @` only) or by the collator (any
 * other character among them).
 */
import { describe, expect, it } from 'vitest';
import type { Finding } from '../../src/core/types.js';
import { resolve } from '../../src/resolve/resolve.js';

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
});
