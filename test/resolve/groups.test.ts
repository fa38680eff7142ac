/**
 * resolveGroups puts each item's findings in id order whether they arrive in it (a commit's own
 * order) or not, and takes an item's names from its first finding in the order given.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Finding } from '../../src/core/types.js';
import { evidenceBasis } from '../../src/resolve/basis.js';
import { hexPrefix, idOrder, ItemGrouper, resolveGroups, sameSubject } from '../../src/resolve/resolve.js';

function finding(id: string, service: string, user: string, name = service.toUpperCase()): Finding {
  return { kind: 'host', value: `api.${service}.example`, source: 'network', scanner: 'egress', signal: 'usage', confidence: 'inferred', subject: { kind: 'user', id: user }, locator: `l:${id}`, id, service, serviceName: name, vendor: 'V', category: 'llm-api', match: { rule: 'domain', pattern: `api.${service}.example` } };
}

describe('resolveGroups', () => {
  let seed = 7;
  const rnd = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
  const fs = Array.from({ length: 2000 }, (_, i) => finding(`${(i * 7919) % 2000}`.padStart(4, '0') + (i % 3 ? '' : 'x'), ['a', 'b', 'c'][rnd(3)], `u${rnd(50)}`));
  // a duplicate id in one item (the earlier one first, as a stable sort leaves them)
  fs.push({ ...fs[5], locator: 'dup' });
  const byId = [...fs].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const want = (groups: ReturnType<typeof resolveGroups>) => groups.map((g) => ({ item: g.item.id, ids: g.findings.map((f) => f.id), locators: g.findings.map((f) => f.locator), findingIds: g.item.findingIds }));

  it.each([
    ['in id order', byId],
    ['shuffled', [...fs].sort(() => rnd(3) - 1)],
    ['reversed', [...byId].reverse()],
  ])('%s: every group in id order, the same groups', (_, input) => {
    const got = want(resolveGroups(input));
    for (const g of got) {
      expect(g.ids).toEqual([...g.ids].sort());
      expect(g.findingIds).toEqual(g.ids);
    }
    expect(got.map((g) => g.item)).toEqual(['svc-a', 'svc-b', 'svc-c']);
    expect(got.map((g) => [...g.ids].sort())).toEqual(want(resolveGroups(byId)).map((g) => g.ids));
    expect(got.reduce((n, g) => n + g.ids.length, 0)).toBe(fs.length);
  });
  it('equal ids keep the order they came in', () => {
    const g = resolveGroups(fs).find((x) => x.findings.some((f) => f.locator === 'dup'))!;
    const i = g.findings.findIndex((f) => f.id === fs[5].id);
    expect(g.findings.slice(i, i + 2).map((f) => f.locator)).toEqual([fs[5].locator, 'dup']);
  });
  it('an item is named by its first finding in the order given, not its lowest id', () => {
    const input = [finding('9', 'a', 'u1', 'Newer A'), finding('1', 'a', 'u2', 'Older A')];
    expect(resolveGroups(input)[0].item.serviceName).toBe('Newer A');
    expect(resolveGroups(input)[0].findings.map((f) => f.id)).toEqual(['1', '9']);
  });
});

describe('ItemGrouper', () => {
  it('findings added one at a time in any order: the groups resolveGroups gives, sources counted in the order of their first id', () => {
    let seed = 3;
    const rnd = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
    const sources = ['network', 'repo', 'saas', 'cloud'] as const;
    const fs = Array.from({ length: 600 }, (_, i) => ({ ...finding(`${(i * 7919) % 600}`.padStart(4, '0'), ['a', 'b'][rnd(2)], `u${rnd(9)}`), source: sources[rnd(4)] }) as Finding);
    const byId = [...fs].sort((a, b) => (a.id < b.id ? -1 : 1));
    for (const input of [fs, [...byId].reverse(), byId]) {
      const g = new ItemGrouper();
      for (const f of input) g.add(f);
      const groups = g.result();
      expect(groups.map((x) => ({ item: x.item, ids: x.findings.map((f) => f.id), basis: x.basis }))).toEqual(resolveGroups(byId).map((x) => ({ item: x.item, ids: x.findings.map((f) => f.id), basis: evidenceBasis(x.findings) })));
      for (const x of groups) {
        // the reference: counts by source over the item's findings in id order, in first-appearance order
        const ref = new Map<string, number>();
        for (const f of x.findings) ref.set(f.source, (ref.get(f.source) ?? 0) + 1);
        expect(x.bySource).toEqual([...ref].map(([source, count]) => ({ source, count })));
      }
    }
  });
});

describe('ItemGrouper with digest ids', () => {
  it('hex digests in any order (the radix path, prefixes read as findings arrive): each item in id order', () => {
    let seed = 5;
    const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 16;
    const hexId = () => Array.from({ length: 32 }, () => '0123456789abcdef'[next() >>> 12]).join('');
    const fs = Array.from({ length: 3000 }, () => finding(hexId(), ['a', 'b', 'c'][next() % 3], `u${next() % 40}`));
    expect(new Set(fs.map((f) => f.id)).size).toBe(fs.length);
    const g = new ItemGrouper();
    for (const f of fs) g.add(f);
    const got = g.result();
    for (const x of got) {
      const ids = x.findings.map((f) => f.id);
      expect(ids).toEqual([...ids].sort());
      expect(x.item.findingIds).toEqual(ids);
    }
    expect(got.reduce((n, x) => n + x.findings.length, 0)).toBe(fs.length);
  });
});

describe('idOrder', () => {
  /** The order the comparison sort gives: code units, equal ids as they came. */
  const reference = (ids: string[]) => ids.map((_, i) => i).sort((x, y) => (ids[x] < ids[y] ? -1 : ids[x] > ids[y] ? 1 : x - y));
  const hex = (len: number) => fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: len, maxLength: len });
  // digests, digests sharing long prefixes, duplicates, upper case, short and non-hex ids
  const id = fc.oneof(
    { weight: 6, arbitrary: hex(32) },
    { weight: 2, arbitrary: fc.tuple(fc.constantFrom('0123456789abc', 'fffffffffffff', '00000000000a0'), hex(19)).map(([p, r]) => p + r) },
    { weight: 1, arbitrary: hex(32).map((h) => h.toUpperCase()) },
    { weight: 1, arbitrary: fc.string({ maxLength: 14 }) },
    { weight: 1, arbitrary: fc.tuple(hex(12), fc.constantFrom('g', 'G', '-', ' ', 'é'), hex(19)).map(([a, b, c]) => a + b + c) },
  );

  it('orders positions exactly as the comparison sort does, on every mix of ids', () => {
    fc.assert(
      fc.property(fc.array(id, { maxLength: 300 }), fc.array(fc.nat(), { maxLength: 20 }), (ids, dups) => {
        const all = [...ids, ...dups.filter(() => ids.length > 0).map((d) => ids[d % ids.length])];
        expect([...idOrder(all)]).toEqual(reference(all));
        // with the prefixes given (as ItemGrouper gives them): the same order
        expect([...idOrder(all, all.map(hexPrefix))]).toEqual(reference(all));
      }),
      { numRuns: 400 },
    );
  });

  it('digests only (the fast path): the same order as the comparison sort, at 50,000 ids', () => {
    let seed = 11;
    const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 16;
    const ids = Array.from({ length: 50_000 }, () => Array.from({ length: 32 }, () => '0123456789abcdef'[next() >>> 12]).join(''));
    expect(new Set(ids).size).toBe(ids.length);
    expect([...idOrder(ids)]).toEqual(reference(ids));
  });

  it('digests that differ in one digit of the first 13 (each digit of the radix keys), or only after them', () => {
    fc.assert(
      fc.property(hex(32), fc.array(fc.tuple(fc.nat(12), fc.constantFrom(...'0123456789abcdef'), fc.boolean()), { minLength: 1, maxLength: 200 }), (base, edits) => {
        // each id: the base with one digit of the first 13 set, or a tail of its own after them
        const ids = edits.map(([at, d, tail], i) => (tail ? base.slice(0, 13) + i.toString(16).padStart(19, '0') : base.slice(0, at) + d + base.slice(at + 1)));
        expect([...idOrder(ids)]).toEqual(reference(ids));
      }),
      { numRuns: 300 },
    );
  });
});

describe('subjects shared across items', () => {
  it('an item lists the first object of an equal subject, and its own object when keys, their order or a value differ', () => {
    const g = new ItemGrouper();
    const a1 = finding('01', 'a', 'alice');
    const b1 = finding('02', 'b', 'alice');
    const b2 = { ...finding('03', 'b', 'bob'), subject: { kind: 'user', id: 'bob', name: 'Bob' } };
    const a2 = { ...finding('04', 'a', 'bob'), subject: { kind: 'user', id: 'bob', name: 'Robert' } };
    const c1 = { ...finding('05', 'c', 'alice'), subject: { id: 'alice', kind: 'user' } };
    const c2 = { ...finding('06', 'c', 'bob'), subject: { kind: 'user', id: 'bob', name: 'Bob', team: 'x' } };
    for (const f of [a1, b1, b2, a2, c1, c2]) g.add(f);
    const items = new Map(g.result().map((x) => [x.item.id, x.item.subjects]));
    const find = (item: string, id: string) => items.get(item)!.find((s) => s.id === id)!;
    // equal: alice in b is the object of a's finding; bob in c carries an extra key: its own
    expect(find('svc-b', 'alice')).toBe(a1.subject);
    expect(find('svc-a', 'alice')).toBe(a1.subject);
    expect(find('svc-b', 'bob')).toBe(b2.subject);
    // another name, another key order, an extra key: the finding's own object
    expect(find('svc-a', 'bob')).toBe(a2.subject);
    expect(find('svc-c', 'alice')).toBe(c1.subject);
    expect(find('svc-c', 'bob')).toBe(c2.subject);
    expect(JSON.stringify(items.get('svc-c'))).toBe('[{"id":"alice","kind":"user"},{"kind":"user","id":"bob","name":"Bob","team":"x"}]');
  });

  it('sameSubject: same keys in the same order with identical values, nothing else', () => {
    expect(sameSubject({ kind: 'user', id: 'a' }, { kind: 'user', id: 'a' })).toBe(true);
    expect(sameSubject({ kind: 'user', id: 'a', name: 'A' }, { kind: 'user', id: 'a', name: 'A' })).toBe(true);
    expect(sameSubject({ kind: 'user', id: 'a' }, { kind: 'user', id: 'a', name: 'A' })).toBe(false);
    expect(sameSubject({ kind: 'user', id: 'a', name: 'A' }, { kind: 'user', id: 'a' })).toBe(false);
    expect(sameSubject({ kind: 'user', id: 'a' }, { id: 'a', kind: 'user' })).toBe(false);
    expect(sameSubject({ kind: 'user', id: 'a', name: undefined }, { kind: 'user', id: 'a' })).toBe(false);
    expect(sameSubject({ kind: 'user', id: 'a', x: { y: 1 } } as never, { kind: 'user', id: 'a', x: { y: 1 } } as never)).toBe(false);
  });
});
