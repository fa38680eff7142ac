/**
 * Every approval path holds the tier's review cycle (issue 15): the plain `intake approve` (library,
 * CLI) caps the expiry at the tier's review date — with a warning — schedules the review in the
 * governance record and ends a pause, in the approval's own transaction; a plain decline ends a
 * pause too. Both backends, real registers; the block lists are rendered from the register.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blocklistCatalog } from '../../src/governance/blocklist.js';
import { governanceView, pause } from '../../src/governance/governance.js';
import { addMonths } from '../../src/governance/settings.js';
import { approve, decline, triage, type IntakeContext } from '../../src/intake/actions.js';
import { BLOCKLIST_FORMATS, blockPlan, renderBlocklist } from '../../src/intake/blocklist.js';
import { effectiveCatalog } from '../../src/intake/catalog.js';
import type { Register } from '../../src/register/register.js';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';
import { FIXTURES, seed, testCatalog, testRules } from '../intake/helpers.js';
import { BACKENDS } from '../register/backends.js';

const CREATED = new Date('2026-04-21T09:00:00Z');
const NOW = new Date('2026-04-23T10:00:00Z');
const LOW = { consequence: 'low' as const, affected: 'internal' as const, significantDecisions: false };

describe.each(BACKENDS)('the review cycle on every approval path, register on $name', (backend) => {
  let register: Register;
  let spec: string;
  let ctx: IntakeContext;
  const rules = testRules();
  const blocked = async (domain: string) => {
    const plan = blockPlan(await blocklistCatalog(register, await effectiveCatalog(testCatalog(), register), NOW), rules, NOW);
    return BLOCKLIST_FORMATS.filter((f) => renderBlocklist(f, plan).includes(domain));
  };
  const renders = async () => {
    const plan = blockPlan(await blocklistCatalog(register, await effectiveCatalog(testCatalog(), register), NOW), rules, NOW);
    // the entries of every format, without its comment lines (which name declined services not blocked)
    return BLOCKLIST_FORMATS.map((f) => renderBlocklist(f, plan).split('\n').filter((l) => !/^\s*(#|;|\/\/)/.test(l)).join('\n'));
  };
  const actions = async (id: string) => (await register.auditLog({ entityId: id })).map((r) => r.action);

  beforeAll(async () => {
    await backend.setup();
    spec = await backend.fresh();
    register = await seed(spec, CREATED);
    ctx = { register, baseCatalog: testCatalog(), knownServices: new Set(rules.services.map((s) => s.id)), now: () => NOW };
  });
  afterAll(async () => {
    await register?.close();
    await backend.teardown();
  });

  it('intake approve caps a later expiry at the tier review date with a warning, schedules the review and ends the pause — one transaction', async () => {
    const t = await triage(ctx, 'svc-deepseek', { answers: LOW, owner: 'Support lead', rationale: 'support bot pilot' }, 'gl');
    const id = t.risk.id;
    await pause(ctx, id, { until: '2026-06-30', reason: 'customer data seen in uploads' }, 'rita');
    expect(await blocked('deepseek.com')).toEqual([...BLOCKLIST_FORMATS]);
    const v = await governanceView(register, id, NOW);
    const months = v.settings.tiers[String(t.risk.tier) as '1'].reviewMonths;
    const reviewDate = addMonths('2026-04-23', months);
    const before = await actions(id);

    const res = await approve(ctx, id, { expires: '2029-12-31', rationale: 'pilot with the enterprise contract', acceptance: { role: v.acceptanceRole, rationale: 'residual accepted for the pilot' } }, 'rita');
    expect(res.to).toBe('approved');
    expect(res.warnings).toContain(`approval expiry 2029-12-31 capped at the tier ${t.risk.tier} review date ${reviewDate} (review every ${months} months)`);
    // the catalog entry, the risk entry and the governance review all carry the capped date
    const cat = await effectiveCatalog(testCatalog(), register);
    expect(cat.approved.find((a) => a.service === 'deepseek')?.expires).toBe(reviewDate);
    expect((await register.getRisk(id))!.reviewDate).toBe(reviewDate);
    const g = (await register.governance().get(id))!;
    expect(g.review?.due).toBe(reviewDate);
    expect(g.pause?.ended).toMatchObject({ by: 'rita', reason: `decision ${res.decisionId}: approved` });
    expect(await blocked('deepseek.com')).toEqual([]);
    // in the decision log, inside the approval's entries
    expect((await actions(id)).slice(before.length).filter((a) => a !== 'governance.residual-accepted')).toEqual(['catalog.approved', 'governance.decided', 'risk.approve']);
    expect((await register.verifyAudit()).ok).toBe(true);
  });

  it('an expiry within the review cycle is kept; none given means the review date', async () => {
    const t = await triage(ctx, 'svc-otter-ai', { answers: LOW, owner: 'Head of Sales', rationale: 'meeting notes' }, 'gl');
    const v = await governanceView(register, t.risk.id, NOW);
    const acceptance = { role: v.acceptanceRole, rationale: 'accepted' };
    const res = await approve(ctx, t.risk.id, { expires: '2026-05-31', rationale: 'trial month', acceptance }, 'rita');
    expect(res.warnings.filter((w) => /capped/.test(w))).toEqual([]);
    expect((await register.governance().get(t.risk.id))!.review?.due).toBe('2026-05-31');
  });

  it('the CLI approves without --expires: the tier review date', async () => {
    const t = await triage(ctx, 'svc-cloudflare-workers-ai', { answers: LOW, owner: 'Platform', rationale: 'edge inference' }, 'gl');
    const v = await governanceView(register, t.risk.id, NOW);
    const months = v.settings.tiers[String(t.risk.tier) as '1'].reviewMonths;
    const today = new Date().toISOString().slice(0, 10);
    const io = { out: '', err: '' };
    const code = await main(['intake', 'approve', t.risk.id, '--rationale', 'edge inference pilot', '--accept-role', v.acceptanceRole, '--accept-rationale', 'accepted', '--actor', 'local-admin', '--db', spec, '--catalog', join(FIXTURES, 'catalog.yaml'), '--rules', join(FIXTURES, 'rules')], { out: (x) => (io.out += x), err: (x) => (io.err += x), isTTY: false });
    const r = { code, ...io };
    expect(r.code, r.err).toBe(0);
    expect((await register.getRisk(t.risk.id))!.reviewDate).toBe(addMonths(today, months));
  });

  it('a plain decline ends the pause too (the decline decides the block lists from then on)', async () => {
    const t = await triage(ctx, 'svc-azure-openai', { answers: LOW, owner: 'Research', rationale: 'search assistant' }, 'gl');
    const open = await renders();
    await pause(ctx, t.risk.id, { until: '2026-06-30', reason: 'pending review' }, 'rita');
    expect(await renders()).not.toEqual(open);
    const res = await decline(ctx, t.risk.id, { treatment: 'avoid', rationale: 'no DPA', block: false }, 'rita');
    const g = (await register.governance().get(t.risk.id))!;
    expect(g.pause?.ended).toMatchObject({ by: 'rita', reason: `decision ${res.decisionId}: declined` });
    expect(await renders()).toEqual(open);
    expect((await register.verifyAudit()).ok).toBe(true);
  });
});
