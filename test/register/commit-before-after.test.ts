/**
 * The commit after the batching of issue 12 decides and writes what the commit before it did: the
 * same verdicts per finding, items (subjects in the same order, the same basis and reasons),
 * statuses, risk changes, gone marks and audit events, and the register reads back the same
 * findings, items, risk entries and audit trail (which verifies) — on a generated estate with
 * scoped approvals, artifacts, candidates and incremental figures, and on the demo estate, on a
 * real SQLite file and a real PostgreSQL server. The expected values were written by the commit
 * before the change (fixtures/commit/SOURCES.md).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ruleIndex } from '../../src/rules/load.js';
import { BACKENDS } from './backends.js';
import { demoSteps, estateSteps, runSteps, type Step } from './commit-scenario.js';

const before = JSON.parse(readFileSync(join(__dirname, '../../fixtures/commit/before-after.json'), 'utf8')) as Record<string, unknown[]>;
const { index: rules } = ruleIndex([]);
const plain = (x: unknown) => JSON.parse(JSON.stringify(x));

describe.each(BACKENDS)('commit before and after the batching, on $name', (backend) => {
  beforeAll(() => backend.setup());
  afterAll(() => backend.teardown());

  it.each([
    ['estate', () => estateSteps(rules, 400)],
    ['demo', () => demoSteps(rules)],
  ] as Array<[string, () => Step[] | Promise<Step[]>]>)('%s: same judgement and register after every scan', async (name, steps) => {
    const reg = await backend.open(await backend.fresh());
    let after: unknown[];
    try {
      after = plain(await runSteps(reg, rules, await steps()));
    } finally {
      await reg.close();
    }
    // Added to `risk.created` entries after the golden was written, on purpose (issue 14: the risk
    // entry's projection checks the row's likelihood, impact, assessment and review date against
    // its log entry). Everything else of the entry must match the golden.
    const LATER = ['likelihood', 'impact', 'impactAssessment', 'reviewDate'];
    const strip = (v: unknown): void => {
      if (Array.isArray(v)) return v.forEach(strip);
      if (!v || typeof v !== 'object') return;
      const o = v as Record<string, unknown>;
      if (o.action !== 'risk.created' || !o.after) return Object.values(o).forEach(strip);
      // the judgement holds the entry's object, the register read-back its stored JSON text
      const a = (typeof o.after === 'string' ? JSON.parse(o.after) : o.after) as Record<string, unknown>;
      for (const k of LATER) delete a[k];
      if (typeof o.after === 'string') o.after = JSON.stringify(a);
    };
    strip(after!);
    const expected = before[name] as Array<Record<string, unknown>>;
    expect(after.length).toBe(expected.length);
    for (const [i, step] of (after as Array<Record<string, unknown>>).entries()) {
      for (const k of Object.keys(expected[i])) expect({ step: i, part: k, value: step[k] }).toEqual({ step: i, part: k, value: expected[i][k] });
    }
  }, 240_000);
});
