/**
 * The item page's reads (`itemPage`: item, risk entry, governance record and generation in one
 * statement, then findings and history) against what the page read before, statement by
 * statement (`getItem`, `governanceView`): the same item, findings, states, risk entry, history
 * and governance view for every item of a seeded register — with and without a stored governance
 * record — by item id and by risk entry id. And the generation it returns moves when another
 * process changes the policy or the governance settings (what the web caches them against).
 * Both backends.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { governanceView, loadSettings, updateSettings } from '../../src/governance/governance.js';
import { setPolicy } from '../../src/intake/policy.js';
import type { RegisterStore } from '../../src/register/register.js';
import { itemGovernanceView } from '../../src/web/governance-views.js';
import { WEB_NOW } from '../helpers/web-app.js';
import { seed } from '../intake/helpers.js';
import { BACKENDS, type Raw } from '../register/backends.js';

describe.each(BACKENDS)('item page reads on $name', (backend) => {
  let reg: RegisterStore;
  let other: RegisterStore;
  let raw: Raw;

  beforeAll(async () => {
    await backend.setup();
    const spec = await backend.fresh();
    reg = await seed(spec);
    other = await backend.open(spec);
    raw = await backend.raw(spec);
  }, 120_000);

  afterAll(async () => {
    await raw?.close();
    for (const r of [reg, other]) await r?.close();
    await backend.teardown();
  });

  async function expectSameAsBefore(withRecord: { yes: number; no: number }) {
    const items = (await reg.queryItems({ state: 'all' })).rows;
    expect(items.length).toBeGreaterThan(3);
    const settings = await loadSettings(reg);
    for (const s of items) {
      const d = await reg.itemPage(s.id);
      const before = await reg.getItem(s.id);
      expect(d, s.id).toBeDefined();
      const { governance, generation, ...detail } = d!;
      expect(detail, s.id).toEqual(before);
      expect(typeof generation).toBe('number');
      if (!before!.risk) {
        expect(governance).toBeUndefined();
        expect(itemGovernanceView(d!, settings, WEB_NOW)).toBeUndefined();
        continue;
      }
      if (governance) withRecord.yes++;
      else withRecord.no++;
      expect(itemGovernanceView(d!, settings, WEB_NOW), s.id).toEqual(await governanceView(reg, before!.risk.id, WEB_NOW));
      // by the risk entry's id: the same item
      const byRisk = await reg.itemPage(before!.risk.id);
      expect(byRisk?.item.id).toBe(s.id);
      expect(byRisk?.risk?.id).toBe(before!.risk.id);
    }
  }

  it('the same item, findings, history and governance view as the statement-by-statement reads', async () => {
    const n = { yes: 0, no: 0 };
    await expectSameAsBefore(n);
    expect(n.yes).toBeGreaterThan(0);
    expect(await reg.itemPage('no-such-item')).toBeUndefined();
  });

  it('entries without a stored governance record: the threats derived from the active findings, as governanceView derives them', async () => {
    const ids = (await raw.all('SELECT risk_entry_id FROM governance_entries ORDER BY risk_entry_id')).map((r) => r.risk_entry_id as string);
    expect(ids.length).toBeGreaterThan(1);
    for (const id of ids.filter((_, i) => i % 2 === 0)) await raw.run('DELETE FROM governance_entries WHERE risk_entry_id = $1', [id]);
    const n = { yes: 0, no: 0 };
    await expectSameAsBefore(n);
    expect(n.yes).toBeGreaterThan(0);
    expect(n.no).toBeGreaterThan(0);
  });

  it('its generation moves when another process changes the policy, and the governance settings', async () => {
    const id = (await reg.queryItems({ limit: 1 })).rows[0].id;
    const g0 = (await reg.itemPage(id))!.generation!;
    expect((await reg.itemPage(id))!.generation).toBe(g0); // reads move nothing
    await setPolicy(other, 'separation-of-duties', true, 'local-admin');
    const g1 = (await reg.itemPage(id))!.generation!;
    expect(g1).toBeGreaterThan(g0);
    await updateSettings({ register: other, now: () => WEB_NOW }, ['tiers.1.appetite=3'], 'local-admin', 'stricter for the test');
    expect((await reg.itemPage(id))!.generation!).toBeGreaterThan(g1);
  });
});
