/**
 * Register-page totals are cached per register generation (migration 600): every write to items
 * or risk entries moves the generation — a commit, an intake decision, a write by another
 * process or replica, even a raw UPDATE — and the next page counts again. Both backends.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EMPTY_CATALOG } from '../../src/catalog/catalog.js';
import type { Coverage, Observation } from '../../src/core/types.js';
import { triage } from '../../src/intake/actions.js';
import { matchAll } from '../../src/match/match.js';
import { commitScan, startRun } from '../../src/register/commit.js';
import type { RegisterStore } from '../../src/register/register.js';
import { cov, obs } from '../helpers/findings.js';
import { smallIndex } from '../helpers/rules.js';
import { BACKENDS } from './backends.js';

const rules = smallIndex();
const A = obs({ kind: 'package', namespace: 'npm', value: 'alpha-ai', locator: 'package.json:4' });
const B = obs({ kind: 'host', value: 'app.beta-notes.test', source: 'network', scanner: 'egress', signal: 'usage', confidence: 'inferred', subject: { kind: 'user', id: 'alice' }, locator: 'proxy.log:10' });

async function commit(reg: RegisterStore, observations: Observation[], coverage: Coverage[]) {
  const runId = await startRun(reg, { scanners: coverage.map((c) => c.scanner) });
  await commitScan(reg, { runId, findings: matchAll(rules, observations), coverage, errors: {}, state: {}, scannerVersions: {}, catalog: EMPTY_CATALOG, rules, now: new Date('2026-11-01T10:00:00Z') });
}

describe.each(BACKENDS)('register page totals on $name', (backend) => {
  beforeAll(() => backend.setup());
  afterAll(() => backend.teardown());

  it('follow every write to items and risk entries, from this store, another replica or raw SQL', async () => {
    const spec = await backend.fresh();
    const web = await backend.open(spec); // the serving replica, which caches
    const runner = await backend.open(spec); // another process writing the register
    const gen = async () => {
      const raw = await backend.raw(spec);
      try {
        return Number((await raw.all('SELECT n FROM register_generation WHERE id = 1'))[0].n);
      } finally {
        await raw.close();
      }
    };
    try {
      const g0 = await gen();
      await commit(runner, [A], [cov('repo', ['package.json'])]);
      expect(await gen()).toBeGreaterThan(g0);
      expect((await web.queryItems({ limit: 10 })).total).toBe(1);
      expect((await web.queryItems({ limit: 10 })).total).toBe(1); // served from the cache: same answer

      // a commit by the other replica: a new item
      await commit(runner, [A, B], [cov('repo', ['package.json']), cov('egress', ['proxy.log'])]);
      expect((await web.queryItems({ limit: 10 })).total).toBe(2);

      // a risk-column filter (capped count through the join), then an intake decision elsewhere
      expect((await web.queryItems({ limit: 10, owner: 'Data team' })).total).toBe(0);
      await triage({ register: runner, now: () => new Date('2026-11-03T00:00:00Z') }, 'svc-alpha-ai', { answers: { consequence: 'low', affected: 'internal', significantDecisions: false }, owner: 'Data team' }, 'user:tri');
      expect((await web.queryItems({ limit: 10, owner: 'Data team' })).total).toBe(1);

      // a raw write that no store method made still moves the generation
      const g1 = await gen();
      const raw = await backend.raw(spec);
      await raw.run("UPDATE items SET state = 'gone' WHERE id = 'svc-beta-ai'");
      await raw.run("UPDATE risk_entries SET owner = 'Sales' WHERE item_id = 'svc-alpha-ai'");
      await raw.close();
      expect(await gen()).toBeGreaterThan(g1);
      expect((await web.queryItems({ limit: 10 })).total).toBe(1);
      expect((await web.queryItems({ limit: 10, owner: 'Data team' })).total).toBe(0);
      expect((await web.queryItems({ limit: 10, owner: 'Sales' })).total).toBe(1);
      // inside a transaction the count is of what the transaction sees (no cache)
      await web.transaction(async (tx) => {
        await tx.setItemStatus('svc-alpha-ai', 'sanctioned', 'test');
        expect((await tx.queryItems({ limit: 10, status: ['sanctioned'] })).total).toBe(1);
      });
      expect((await web.queryItems({ limit: 10, status: ['sanctioned'] })).total).toBe(1);
    } finally {
      await web.close();
      await runner.close();
    }
  }, 120_000);
});
