/**
 * The commit's derivation keeps, per item, only the findings deriveThreats would not skip: the
 * stored stages and threats equal those of threatsOfItem over every active finding of the item,
 * in the order the judge saw them (this run's, then the others) — on random findings with
 * repeated kinds and signals and rising, falling and missing byte counts.
 */
import { describe, expect, it } from 'vitest';
import { derivedOfCommit, threatsOfItem, type CommitFinding } from '../../src/governance/derived.js';
import { itemIdFor } from '../../src/resolve/resolve.js';

const KINDS = ['host', 'url', 'package', 'credential', 'env-var', 'import', 'saas-app', 'cloud-resource', 'audit-event'];
const SIGNALS = ['presence', 'usage', 'credential'];

describe('derivedOfCommit', () => {
  it.each([1, 2, 3, 4, 5])('seed %i: the threats of every finding of each item, in order', (s) => {
    let seed = s;
    const rnd = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
    const mk = (): CommitFinding => {
      const f: CommitFinding = { kind: KINDS[rnd(KINDS.length)], signal: SIGNALS[rnd(3)], service: ['a', 'b', 'c'][rnd(3)] };
      const b = rnd(4);
      // the thresholds of rules/governance/threats.yaml lie between these
      if (b) f.bytesOut = [0, 1_000, 10_000_000, 5_000_000_000][rnd(4)] + rnd(1000);
      if (rnd(5) === 0) f.artifact = { type: 'model', key: `m${rnd(3)}` } as CommitFinding['artifact'];
      return f;
    };
    const run = Array.from({ length: 600 }, mk);
    const others = Array.from({ length: 300 }, mk);
    const ids = [...new Set([...run, ...others].map((f) => itemIdFor(f)))];
    const items = ids.map((id, i) => ({ item: { id, category: ['llm-api', 'image-generation', 'ml-platform'][i % 3] }, verdict: { status: ['unsanctioned', 'sanctioned', 'declined-but-in-use'][i % 3] } }));
    const risks = new Map(ids.filter((_, i) => i % 4 !== 3).map((id, i) => [id, { id: `AIR-${i}`, itemId: id }]));
    const want = items
      .filter((x) => risks.has(x.item.id))
      .map((x) => ({ riskEntryId: risks.get(x.item.id)!.id, itemId: x.item.id, threats: threatsOfItem([...run, ...others].filter((f) => itemIdFor(f) === x.item.id), { category: x.item.category, status: x.verdict.status }) }));
    const got = derivedOfCommit(items, risks, run, others);
    expect(got).toEqual(want);
    // not vacuous: items have several threats, some with reasons joined from several rules
    expect(got.some((e) => e.threats.length > 2)).toBe(true);
  });
});
