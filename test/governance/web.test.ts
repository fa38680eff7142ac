/**
 * Governance in a real browser (Playwright + Debian's Chromium) against the real server on a real
 * register, SQLite file and PostgreSQL server: stage / threat filters on the register, the item
 * page's governance card, and the walk triage → pause → impact assessment → approve with residual
 * risk acceptance, with the block lists following the pause and the decision.
 */
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BLOCKLIST_FORMATS } from '../../src/intake/blocklist.js';
import { haveChromium, SHOTS, startWebApp, text, type WebApp } from '../helpers/web-app.js';
import { BACKENDS } from '../register/backends.js';

describe.skipIf(!haveChromium).each(BACKENDS)('governance in a real browser, register on $name', (backend) => {
  let web: WebApp;
  let base: string;
  const login = (user: string) => web.login(user);

  beforeAll(async () => {
    web = await startWebApp(backend, { users: { gl: 'triager', rita: 'reviewer' } });
    base = web.base;
  });
  afterAll(async () => {
    if (web) await web.close();
    else await backend.teardown();
  });

  const lists = async (p: Page) => Object.fromEntries(await Promise.all(BLOCKLIST_FORMATS.map(async (f) => [f, await (await p.request.get(`${base}/blocklists/${f}`)).text()] as const)));

  it('filters the register by lifecycle stage and STRIDE threat', async () => {
    const { ctx, page: p } = await login('gl');
    const all = await p.locator('#register tbody tr').count();
    expect(all).toBeGreaterThan(1);
    await p.selectOption('select[name=threat]', 'repudiation');
    await Promise.all([p.waitForURL(/threat=repudiation/), p.click('form.filters button[type=submit]')]);
    // every unsanctioned item lacks a decision on record: all of the queue
    expect(await p.locator('#register tbody tr').count()).toBe(all);
    await p.selectOption('select[name=threat]', 'spoofing');
    await Promise.all([p.waitForURL(/threat=spoofing/), p.click('form.filters button[type=submit]')]);
    expect(await p.locator('#register tbody tr').count()).toBe(0);
    await p.selectOption('select[name=threat]', '');
    await p.selectOption('select[name=stage]', 'design-and-development');
    await Promise.all([p.waitForURL(/stage=design-and-development/), p.click('form.filters button[type=submit]')]);
    const dev = await p.locator('#register tbody tr').allInnerTexts();
    // repository evidence (env vars, packages) puts DeepSeek and Azure OpenAI at development; the SaaS app is not
    expect(dev.join('\n')).toContain('DeepSeek');
    expect(dev.join('\n')).not.toContain('Otter.ai');
    expect(dev.length).toBeGreaterThan(0);
    expect(dev.length).toBeLessThan(all);
    await ctx.close();
  });

  it('walks triage → pause → impact assessment → approve with residual risk acceptance', async () => {
    // ---- the triager: triage to Tier 1, then threats and treatment
    const gl = await login('gl');
    const p = gl.page;
    await p.goto(base + '/items/svc-deepseek/triage');
    await p.check('input[name=consequence][value=high]');
    await p.check('input[name=affected][value=external]');
    await p.check('input[name=significantDecisions][value=yes]');
    await p.fill('input[name=owner]', 'Support lead');
    await Promise.all([p.waitForURL(/\/items\/svc-deepseek$/), p.click('#triage-form button[type=submit]')]);
    expect(await text(p.locator('.flash.ok'))).toContain('needs-intake → triaged');
    const card = await text(p.locator('#governance'));
    expect(card).toContain('operation-and-monitoring');
    expect(card).toContain('information-disclosure');
    const risk = (await web.register.getRisk('svc-deepseek'))!;
    expect(risk.tier).toBe(1);
    expect(await text(p.locator('#gov-inherent'))).toBe(`${risk.likelihood}×${risk.impact} = ${risk.inherentScore}`);

    await Promise.all([p.waitForURL(/\/governance$/), p.click('a:has-text("Governance actions")')]);
    await p.fill('#threats-form textarea[name=threats]', 'operation-and-monitoring/information-disclosure: support tickets with customer data are pasted in\noperation-and-monitoring/denial-of-service: shared API quota with the support bot');
    await p.fill('#threats-form textarea[name=rationale]', 'what the support team told us');
    await Promise.all([p.waitForURL(/\/governance$/), p.click('#threats-form button[type=submit]')]);
    expect(await text(p.locator('.flash.ok'))).toContain('stages and threats saved');
    expect(await text(p.locator('#gov-threats'))).toContain('shared API quota with the support bot');
    // residual above the Tier 1 appetite (so acceptance is needed), below the inherent risk
    const rl = risk.likelihood - 1;
    const ri = risk.impact;
    expect(rl * ri).toBeGreaterThan(6);
    await p.fill('#treatment-form input[name=controls]', 'A.9.2, A.10.3');
    await p.fill('#treatment-form input[name=residualLikelihood]', String(rl));
    await p.fill('#treatment-form input[name=residualImpact]', String(ri));
    await p.fill('#treatment-form input[name=reason]', 'enterprise terms, no training on our data');
    await Promise.all([p.waitForURL(/\/governance$/), p.click('#treatment-form button[type=submit]')]);
    expect(await text(p.locator('#gov-residual'))).toContain(`${rl}×${ri} = ${rl * ri}`);
    expect(await text(p.locator('#gov-acceptance'))).toContain('acceptance by ai-governance-committee needed');
    // a triager cannot pause or approve
    expect(await p.locator('#pause-form').count()).toBe(0);
    expect((await p.request.post(base + '/items/svc-deepseek/governance/pause', { form: { until: '2026-05-15', reason: 'x' } })).status()).toBe(403);

    // ---- the reviewer: pause, impact assessment, approve with acceptance
    const rv = await login('rita');
    const q = rv.page;
    await q.goto(base + '/items/svc-deepseek/governance');
    for (const [f, t] of Object.entries(await lists(q))) expect(t, f).not.toContain('deepseek.com');
    await q.fill('#pause-form input[name=until]', '2026-05-15');
    await q.fill('#pause-form input[name=reason]', 'customer data seen in uploads');
    await Promise.all([q.waitForURL(/\/governance$/), q.click('#pause-form button[type=submit]')]);
    expect(await text(q.locator('.flash.ok'))).toContain('paused until 2026-05-15');
    expect(await text(q.locator('#gov-pause'))).toMatch(/^paused until 2026-05-15 by user:rita/);
    for (const [f, t] of Object.entries(await lists(q))) expect(t, f).toContain('deepseek.com');

    // approval before the impact assessment is refused
    await q.fill('#gov-approve-form textarea[name=rationale]', 'pilot');
    await q.click('#gov-approve-form button[type=submit]');
    expect(await text(q.getByRole('alert'))).toContain('an AI impact assessment is required before approval (Tier 1)');
    await q.fill('#ia-form textarea[name=purpose]', 'drafting replies to support tickets');
    await q.fill('#ia-form textarea[name=affectedPeople]', 'customers who write to support');
    await q.fill('#ia-form textarea[name=potentialHarms]', 'wrong answers; personal data sent abroad');
    await q.fill('#ia-form textarea[name=mitigations]', 'a human reviews every reply; no attachments');
    await q.selectOption('#ia-form select[name=decision]', 'proceed-with-conditions');
    await q.fill('#ia-form textarea[name=decisionRationale]', 'human in the loop');
    await Promise.all([q.waitForURL(/\/governance$/), q.click('#ia-form button[type=submit]')]);
    expect(await text(q.locator('#gov-ia'))).toContain('proceed-with-conditions by user:rita');
    // residual above appetite without acceptance is refused; the wrong role too
    await q.fill('#gov-approve-form textarea[name=rationale]', 'pilot');
    await q.click('#gov-approve-form button[type=submit]');
    expect(await text(q.getByRole('alert'))).toContain('the ai-governance-committee role must accept it');
    await q.fill('#gov-approve-form input[name=acceptanceRole]', 'reviewer');
    await q.fill('#gov-approve-form textarea[name=acceptanceRationale]', 'fine by me');
    await q.fill('#gov-approve-form textarea[name=rationale]', 'pilot');
    await q.click('#gov-approve-form button[type=submit]');
    expect(await text(q.getByRole('alert'))).toContain('only the ai-governance-committee role may accept it');
    await q.fill('#gov-approve-form input[name=acceptanceRole]', 'ai-governance-committee');
    await q.fill('#gov-approve-form textarea[name=acceptanceRationale]', 'committee accepted a 3-month pilot on 2026-04-20');
    await q.fill('#gov-approve-form textarea[name=rationale]', 'pilot for the support team');
    await Promise.all([q.waitForURL(/\/items\/svc-deepseek$/), q.click('#gov-approve-form button[type=submit]')]);
    expect(await text(q.locator('.flash.ok'))).toContain('triaged → approved');
    expect(await text(q.locator('.flash.ok'))).toContain('review due 2026-10-21');
    expect(await text(q.locator('#gov-acceptance'))).toContain('residual accepted by user:rita as ai-governance-committee');
    expect(await text(q.locator('#gov-pause'))).toContain('ended');
    expect(await text(q.locator('#gov-review'))).toContain('due 2026-10-21');
    for (const [f, t] of Object.entries(await lists(q))) expect(t, f).not.toContain('deepseek.com');
    await q.screenshot({ path: join(SHOTS, `governance-${backend.name}.png`), fullPage: true });
    // the history on the item page shows the governance entries of the decision log
    const hist = await text(q.locator('table.history'));
    for (const a of ['governance.threats-overridden', 'governance.treatment-recorded', 'governance.paused', 'governance.impact-assessed', 'governance.residual-accepted', 'governance.decided']) expect(hist).toContain(a);
    expect((await web.register.verifyAudit()).ok).toBe(true);
    expect(web.problems).toEqual([]);
    await gl.ctx.close();
    await rv.ctx.close();
  });
});
