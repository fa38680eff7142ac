/**
 * Residual-risk acceptance is a gate of EVERY approval path (issue 15), on both backends: the
 * `intake approve` CLI (--accept-role / --accept-rationale), the intake approve form in a real
 * browser (acceptRole / acceptRationale) and the JSON API (`acceptance`). Without an acceptance,
 * with an incomplete one or with a role other than the one the settings name, the approval is
 * refused and nothing is written; with it, the acceptance is recorded in the approval's own
 * transaction, just before the decision, and the decision log verifies.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { updateSettings } from '../../src/governance/governance.js';
import { triage, type IntakeContext } from '../../src/intake/actions.js';
import type { RiskEntry } from '../../src/register/store.js';
import { haveChromium, startWebApp, text, WEB_NOW, type WebApp } from '../helpers/web-app.js';
import { FIXTURES, testCatalog } from '../intake/helpers.js';
import { BACKENDS } from '../register/backends.js';

const answers = { consequence: 'medium' as const, affected: 'internal' as const, significantDecisions: false };

describe.skipIf(!haveChromium).each(BACKENDS)('residual-risk acceptance on every approval path, register on $name', (backend) => {
  let web: WebApp;
  /** Three entries triaged to tier 2 (governance-lead accepts above its appetite), one per path. */
  let entries: RiskEntry[];

  beforeAll(async () => {
    web = await startWebApp(backend, { users: { gl: 'triager', rita: 'reviewer' }, tokens: { 'rv-bot': 'reviewer' } });
    const ctx: IntakeContext = { register: web.register, baseCatalog: testCatalog(), now: () => WEB_NOW };
    // a strict appetite for tier 2, set the product's way (a decision-log entry): every entry is above it
    await updateSettings(ctx, ['tiers.2.appetite=2'], 'local-admin', 'strict appetite while the AI policy is drafted');
    const pending = (await web.register.listRisks()).filter((r) => r.status === 'needs-intake').slice(0, 3);
    expect(pending).toHaveLength(3);
    entries = [];
    for (const r of pending) entries.push((await triage(ctx, r.id, { answers, owner: 'IT' }, 'user:gl')).risk);
    for (const e of entries) {
      expect(e.tier).toBe(2);
      expect(e.inherentScore).toBeGreaterThan(2);
    }
  });
  afterAll(async () => {
    if (web) await web.close();
    else await backend.teardown();
  });

  const actions = async (id: string) => (await web.register.auditLog({ entityId: id, order: 'asc' })).map((r) => r.action);
  const refusal = (e: RiskEntry) => `${e.id}: residual risk ${e.inherentScore} is above the tier 2 appetite 2: the governance-lead role must accept it before approval`;

  it('CLI: intake approve is refused without --accept-role and --accept-rationale, and with the wrong role; accepted with them', async () => {
    const e = entries[0];
    const run = async (args: string[]) => {
      const io = { out: '', err: '' };
      const code = await main([...args, '--db', web.spec, '--catalog', join(FIXTURES, 'catalog.yaml'), '--rules', join(FIXTURES, 'rules'), '--actor', 'local-admin'], { out: (s) => (io.out += s), err: (s) => (io.err += s), isTTY: false });
      return { code, ...io };
    };
    const approve = ['intake', 'approve', e.id, '--expires', '2027-01-31', '--rationale', 'used by IT only'];
    const before = await actions(e.id);
    const none = await run(approve);
    expect(none.code).toBe(2);
    expect(none.err).toBe(`shadowscan: ${refusal(e)} (with the approval: acceptance role and rationale, e.g. --accept-role governance-lead --accept-rationale "…"; or shadowscan governance accept)\n`);
    const wrong = await run([...approve, '--accept-role', 'reviewer', '--accept-rationale', 'looks fine']);
    expect(wrong.code).toBe(2);
    expect(wrong.err).toBe(`shadowscan: ${e.id}: residual risk ${e.inherentScore} is above the tier 2 appetite 2; only the governance-lead role may accept it (given: reviewer)\n`);
    const noWhy = await run([...approve, '--accept-role', 'governance-lead']);
    expect(noWhy.code).toBe(2);
    expect(noWhy.err).toBe('shadowscan: rationale for accepting the residual risk is required\n');
    // refusals write nothing
    expect(await actions(e.id)).toEqual(before);
    expect((await web.register.getRisk(e.id))!.status).toBe('triaged');

    const ok = await run([...approve, '--accept-role', 'governance-lead', '--accept-rationale', 'IT-only use; reviewed with the CISO']);
    expect(ok.code, ok.err).toBe(0);
    expect(ok.out).toMatch(/triaged → approved/);
    expect((await actions(e.id)).slice(before.length)).toEqual(['governance.residual-accepted', 'catalog.approved', 'governance.decided', 'risk.approve']);
    const g = (await web.register.governance().get(e.id))!;
    expect(g.acceptance).toMatchObject({ role: 'governance-lead', by: 'local-admin', rationale: 'IT-only use; reviewed with the CISO', residualScore: e.inherentScore, appetite: 2 });
  });

  it('API: POST /api/items/:id/approve answers 409 without `acceptance`, 400 when incomplete, 403 for the wrong role; 200 with it', async () => {
    const e = entries[1];
    const post = async (body: unknown) => {
      const r = await fetch(`${web.base}/api/items/${e.itemId}/approve`, { method: 'POST', headers: { authorization: `Bearer ${web.tokens['rv-bot']}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      return { status: r.status, json: (await r.json()) as any };
    };
    const approve = { expires: '2027-01-31', rationale: 'used by IT only' };
    const before = await actions(e.id);
    const none = await post(approve);
    expect(none.status).toBe(409);
    expect(none.json.error).toContain(refusal(e));
    const partial = await post({ ...approve, acceptance: { role: 'governance-lead' } });
    expect(partial.status).toBe(400);
    expect(partial.json.error).toBe('rationale for accepting the residual risk is required');
    const wrong = await post({ ...approve, acceptance: { role: 'admin', rationale: 'I am the admin' } });
    expect(wrong.status).toBe(403);
    expect(wrong.json.error).toContain('only the governance-lead role may accept it (given: admin)');
    expect(await actions(e.id)).toEqual(before);

    const ok = await post({ ...approve, acceptance: { role: 'governance-lead', rationale: 'IT-only use' } });
    expect(ok.status, JSON.stringify(ok.json)).toBe(200);
    expect(ok.json.to).toBe('approved');
    expect((await actions(e.id)).slice(before.length)).toEqual(['governance.residual-accepted', 'catalog.approved', 'governance.decided', 'risk.approve']);
    const g = await (await fetch(`${web.base}/api/items/${e.itemId}/governance`, { headers: { authorization: `Bearer ${web.tokens['rv-bot']}` } })).json() as any;
    expect(g.record.acceptance).toMatchObject({ role: 'governance-lead', by: 'token:rv-bot', rationale: 'IT-only use', residualScore: e.inherentScore });
    expect(g.needsAcceptance).toBe(false);
  });

  it('web form: the approve form says acceptance is needed, shows the refusal, and approves with the role and rationale', async () => {
    const e = entries[2];
    const { ctx, page: p } = await web.login('rita');
    await p.goto(`${web.base}/items/${e.itemId}/intake`);
    expect(await text(p.locator('#approve-acceptance'))).toContain(`Residual risk ${e.inherentScore} is above the tier 2 appetite 2: the governance-lead role must accept it with this approval.`);
    const before = await actions(e.id);
    const submit = async (role: string, why: string) => {
      await p.fill('#approve-form input[name=expires]', '2027-01-31');
      await p.fill('#approve-form textarea[name=rationale]', 'used by IT only');
      await p.fill('#approve-form input[name=acceptRole]', role);
      await p.fill('#approve-form textarea[name=acceptRationale]', why);
      await Promise.all([p.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith('/approve')), p.click('#approve-form button[type=submit]')]);
      await p.waitForLoadState('load');
    };
    // without an acceptance: the form again, with the reason
    await submit('', '');
    expect(await text(p.getByRole('alert'))).toContain(refusal(e));
    expect(await p.locator('#approve-form').count()).toBe(1);
    await submit('reviewer', 'looks fine');
    expect(await text(p.getByRole('alert'))).toContain('only the governance-lead role may accept it (given: reviewer)');
    expect(await actions(e.id)).toEqual(before);

    await Promise.all([p.waitForURL(new RegExp(`/items/${e.itemId}$`)), submit('governance-lead', 'IT-only use, agreed with the governance lead')]);
    expect(await text(p.locator('.flash.ok'))).toContain('triaged → approved');
    expect(await text(p.locator('#gov-acceptance'))).toContain('residual accepted by user:rita as governance-lead: IT-only use, agreed with the governance lead');
    expect((await actions(e.id)).slice(before.length)).toEqual(['governance.residual-accepted', 'catalog.approved', 'governance.decided', 'risk.approve']);
    expect((await web.register.verifyAudit()).ok).toBe(true);
    expect(web.problems).toEqual([]);
    await ctx.close();
  });
});
