/**
 * End to end in a real browser: Playwright driving Debian's Chromium against the real server on
 * a real register (SQLite file and PostgreSQL server, the same scenario on each) seeded through the real matcher and scan commit (and, when the repo scanner
 * loads, a real scan of the demo repositories). Screenshots of the main pages go to
 * docs/screenshots/.
 */
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Register } from '../../src/register/register.js';
import { CHROMIUM, haveChromium, SHOTS, startWebApp, text, type WebApp } from '../helpers/web-app.js';
import { XSS, XSS_USER } from '../intake/helpers.js';
import { BACKENDS } from '../register/backends.js';

// Screenshots are test artifacts (test-results/screenshots); the README's copies in docs/screenshots
// are refreshed only on request: UPDATE_SCREENSHOTS=1 npm test.
if (!haveChromium) console.warn(`skipping browser tests: ${CHROMIUM} is absent (apt-get install -y chromium)`);

// One browser session walks the reviewer's day in order (later steps use earlier state): never shuffled.
describe.skipIf(!haveChromium).each(BACKENDS)('web app in a real browser, register on $name', (backend) => {
 describe('the reviewer\'s day, in order', { shuffle: false }, () => {
  let web: WebApp;
  let register: Register;
  let spec: string;
  let base: string;
  let dialogs: string[];
  let adminToken: string;
  let viewerToken: string;

  beforeAll(async () => {
    web = await startWebApp(backend, { users: { gl: 'triager', rita: 'reviewer', val: 'viewer', admin: 'admin' }, tokens: { 'ci-admin': 'admin', 'ci-viewer': 'viewer' } });
    ({ register, spec, base, problems: dialogs } = web);
    adminToken = web.tokens['ci-admin'];
    viewerToken = web.tokens['ci-viewer'];
  });

  afterAll(async () => {
    if (web) await web.close();
    else await backend.teardown();
  });

  const login = (user: string) => web.login(user);
  const shot = (page: Page, name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

  it('rejects a wrong password and shows the login page', async () => {
    const ctx = await web.browser.newContext();
    const page = await ctx.newPage();
    await page.goto(base + '/login');
    await shot(page, 'login');
    await page.fill('input[name=username]', 'gl');
    await page.fill('input[name=password]', 'wrong password!!');
    await page.click('button[type=submit]');
    expect(await text(page.getByRole('alert'))).toContain('Unknown user name or wrong password');
    const cookies = await ctx.cookies();
    expect(cookies.find((c) => c.name === '__Host-ss_session')).toBeUndefined();
    await ctx.close();
  });

  it('log in, triage, approve, decline; the catalog and the block lists change', async () => {
    // ---- the governance lead triages
    const gl = await login('gl');
    const cookie = (await gl.ctx.cookies()).find((c) => c.name === '__Host-ss_session')!;
    expect(cookie.httpOnly).toBe(true);
    expect(cookie.sameSite).toBe('Strict');
    const p = gl.page;
    expect(await p.locator('#register tbody tr').count()).toBe(5);
    await shot(p, 'register');
    // filter by source
    await p.selectOption('select[name=source]', 'saas');
    await Promise.all([p.waitForURL(/source=saas/), p.click('form.filters button[type=submit]')]);
    expect(await p.locator('#register tbody tr').count()).toBe(1);
    expect(await text(p.locator('#register tbody tr').first())).toContain('Otter.ai');

    await p.goto(base + '/items/svc-otter-ai/triage');
    await shot(p, 'triage');
    await p.check('input[name=consequence][value=high]');
    await p.check('input[name=affected][value=internal]');
    await p.check('input[name=significantDecisions][value=no]');
    await p.fill('input[name=owner]', 'Head of Sales');
    await p.selectOption('select[name=treatment]', 'modify');
    await p.fill('input[name=treatmentReason]', 'enterprise plan with SSO and no training on our data');
    await p.fill('textarea[name=rationale]', 'Sales call notes; two users today');
    await Promise.all([p.waitForURL(/\/items\/svc-otter-ai$/), p.click('#triage-form button[type=submit]')]);
    expect(await text(p.locator('.flash.ok'))).toContain('needs-intake → triaged');
    await Promise.all([p.waitForURL(/\/items\/svc-otter-ai$/), p.click('button:has-text("Request intake decision")')]);
    expect(await text(p.locator('.flash.ok'))).toContain('triaged → intake-requested');
    // a triager has no intake-decision button, and the server refuses the page
    expect(await p.locator('a:has-text("Intake decision")').count()).toBe(0);
    expect((await p.goto(base + '/items/svc-otter-ai/intake'))!.status()).toBe(403);

    // triage DeepSeek too (with the XSS-laden evidence)
    await p.goto(base + '/items/svc-deepseek/triage');
    await p.check('input[name=consequence][value=high]');
    await p.check('input[name=affected][value=external]');
    await p.fill('input[name=owner]', 'CISO office');
    await Promise.all([p.waitForURL(/\/items\/svc-deepseek$/), p.click('#triage-form button[type=submit]')]);
    expect(await text(p.locator('#risk'))).toContain('Tier');

    // ---- the reviewer decides
    const rv = await login('rita');
    const q = rv.page;
    await q.goto(base + '/items/svc-otter-ai');
    await Promise.all([q.waitForURL(/\/intake$/), q.click('a:has-text("Intake decision")')]);
    await shot(q, 'intake');
    await q.fill('input[name="scope.users"]', 'frank@test.example, grace@test.example');
    await q.fill('textarea[name=conditions]', 'SSO only; no customer data in meetings it records');
    await q.fill('input[name=expires]', '2027-04-01');
    await q.fill('#approve-form textarea[name=rationale]', 'Pilot for the sales team');
    // residual risk above the tier's appetite: the form says so; accepted with the approval by the role the settings name
    expect(await text(q.locator('#approve-acceptance'))).toMatch(/Residual risk \d+ is above the tier 2 appetite 9: the governance-lead role must accept it with this approval\./);
    await q.fill('#approve-form input[name=acceptRole]', 'governance-lead');
    await q.fill('#approve-form textarea[name=acceptRationale]', 'Pilot limited to the sales team; SSO only');
    await Promise.all([q.waitForURL(/\/items\/svc-otter-ai$/), q.click('#approve-form button[type=submit]')]);
    expect(await text(q.locator('.flash.ok'))).toContain('intake-requested → approved; item unsanctioned → sanctioned');
    expect(await text(q.locator('h1 .badge').first())).toBe('sanctioned');

    await q.goto(base + '/items/svc-deepseek/intake');
    await q.selectOption('#decline-form select[name=treatment]', 'avoid');
    await q.fill('#decline-form textarea[name=rationale]', 'Data residency outside approved regions; no enterprise terms');
    await Promise.all([q.waitForURL(/\/items\/svc-deepseek$/), q.click('#decline-form button[type=submit]')]);
    expect(await text(q.locator('.flash.ok'))).toContain('triaged → declined');
    expect(await text(q.locator('#risk'))).toContain('declined');
    await shot(q, 'item');

    // ---- the catalog gained the approval and the decline
    await q.goto(base + '/catalog');
    expect(await text(q.locator('#approved tr[data-service="otter-ai"]'))).toContain('Head of Sales');
    expect(await text(q.locator('#approved tr[data-service="otter-ai"]'))).toContain('register DEC-0001');
    expect(await text(q.locator('#declined tr[data-service="deepseek"]'))).toContain('Data residency');
    await shot(q, 'catalog');
    const yaml = await (await q.request.get(base + '/catalog/export.yaml')).text();
    expect(yaml).toMatch(/service: otter-ai/);
    expect(yaml).toMatch(/declined:\n {2}- service: deepseek/);

    // ---- block lists
    await q.goto(base + '/blocklists');
    expect(await text(q.locator('#bl-squid pre'))).toContain('.deepseek.com');
    expect(await text(q.locator('#bl-rpz pre'))).toContain('*.deepseek.com CNAME .');
    expect(await text(q.locator('#bl-pac pre'))).toContain('FindProxyForURL');
    expect(await text(q.locator('#bl-hosts pre'))).toContain('deepseek.com');
    await shot(q, 'blocklists');
    const squid = await q.request.get(base + '/blocklists/squid');
    expect(squid.headers()['content-disposition']).toContain('shadow-ai.squid.txt');

    await q.goto(base + '/scans');
    expect(await text(q.locator('.run').first())).toContain('fixture-egress');
    await shot(q, 'scans');
    await q.goto(base + '/audit');
    expect(await text(q.locator('main'))).toContain('Hash chain intact');
    await shot(q, 'audit');
    await gl.ctx.close();
    await rv.ctx.close();
  });

  it('XSS payloads from logs and repositories stay inert text', async () => {
    const { ctx, page } = await login('val');
    await page.goto(base + '/items/svc-deepseek');
    expect(await text(page.locator('#evidence'))).toContain(`${XSS}.deepseek.com`);
    expect(await text(page.locator('#evidence'))).toContain(XSS_USER);
    expect(await page.getByText(`repo: ${XSS}`, { exact: false }).first().isVisible()).toBe(true);
    expect(await page.locator('main img').count()).toBe(0);
    expect(await page.locator('main script').count()).toBe(0);
    await page.goto(base + '/items/svc-otter-ai');
    expect(await text(page.locator('main'))).toContain(`${XSS} grace`);
    await page.goto(base + '/scans');
    expect(await text(page.locator('main'))).toContain(`malformed line: ${XSS}`);
    await page.goto(base + `/register?q=${encodeURIComponent(XSS)}`);
    expect(await page.locator('input[name=q]').inputValue()).toBe(XSS);
    expect(await page.locator('img').count()).toBe(0);
    await page.waitForTimeout(300);
    expect(dialogs).toEqual([]);
    const res = await page.request.get(base + '/items/svc-deepseek');
    expect(res.headers()['content-security-policy']).toContain("default-src 'none'");
    expect(await res.text()).not.toContain('<img src=x');
    await ctx.close();
  });

  it('rejects a state-changing request without the CSRF token (403)', async () => {
    const { ctx, page } = await login('admin');
    const noToken = await page.request.post(base + '/items/svc-azure-openai/triage', { form: { consequence: 'low', affected: 'internal', significantDecisions: 'no' } });
    expect(noToken.status()).toBe(403);
    expect(await noToken.text()).toContain('CSRF');
    const wrong = await page.request.post(base + '/items/svc-azure-openai/triage', { form: { _csrf: 'forged', consequence: 'low', affected: 'internal', significantDecisions: 'no' } });
    expect(wrong.status()).toBe(403);
    const api = await page.request.post(base + '/api/items/svc-azure-openai/triage', { data: { answers: { consequence: 'low', affected: 'internal', significantDecisions: false } } });
    expect(api.status()).toBe(403);
    expect((await register.getRisk('svc-azure-openai'))!.status).toBe('needs-intake');
    // with the session's token (from the page) the same API call passes
    const me = await (await page.request.get(base + '/api/me')).json();
    const ok = await page.request.post(base + '/api/items/svc-azure-openai/triage', { data: { answers: { consequence: 'low', affected: 'internal', significantDecisions: false }, owner: 'Cloud team' }, headers: { 'x-csrf-token': me.csrf } });
    expect(ok.status()).toBe(200);
    await ctx.close();
  });

  it('a viewer cannot approve (403), in the UI and on the server', async () => {
    const { ctx, page } = await login('val');
    await page.goto(base + '/items/svc-azure-openai');
    expect(await page.locator('a:has-text("Intake decision")').count()).toBe(0);
    expect(await page.locator('a:has-text("Triage")').count()).toBe(0);
    expect((await page.goto(base + '/items/svc-azure-openai/intake'))!.status()).toBe(403);
    await page.goto(base + '/register');
    const csrf = await page.locator('header form input[name=_csrf]').getAttribute('value');
    const r = await page.request.post(base + '/items/svc-azure-openai/approve', { form: { _csrf: csrf!, expires: '2027-01-01', rationale: 'viewer tries', ownerBusiness: 'x' } });
    expect(r.status()).toBe(403);
    expect(await r.text()).toContain('role viewer may not do this');
    expect((await register.getRisk('svc-azure-openai'))!.status).not.toBe('approved');
    await ctx.close();
  });

  it('JSON API with bearer tokens (no CSRF needed; roles enforced)', async () => {
    const h = (t: string) => ({ authorization: `Bearer ${t}`, 'content-type': 'application/json' });
    const reg = await fetch(base + '/api/register?sort=score', { headers: h(viewerToken) });
    expect(reg.status).toBe(200);
    const body = (await reg.json()) as { total: number; items: Array<{ id: string }> };
    expect(body.total).toBeGreaterThan(0);
    const deny = await fetch(base + '/api/items/svc-azure-openai/approve', { method: 'POST', headers: h(viewerToken), body: JSON.stringify({ expires: '2027-01-01', rationale: 'x' }) });
    expect(deny.status).toBe(403);
    const ok = await fetch(base + '/api/items/svc-azure-openai/approve', { method: 'POST', headers: h(adminToken), body: JSON.stringify({ expires: '2027-01-01', rationale: 'tenant-hosted', scope: { users: ['svc-bot@test.example'], repos: ['infra'] } }) });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ to: 'approved', item: { after: 'sanctioned' } });
    const illegal = await fetch(base + '/api/items/svc-azure-openai/approve', { method: 'POST', headers: h(adminToken), body: JSON.stringify({ expires: '2027-01-01', rationale: 'again' }) });
    expect(illegal.status).toBe(409);
    expect(((await illegal.json()) as { error: string }).error).toMatch(/cannot approve an entry in state "approved"/);
    expect((await fetch(base + '/api/register', { headers: { authorization: 'Bearer sst_nope' } })).status).toBe(401);
    expect((await fetch(base + '/api/register')).status).toBe(401);
    const hist = await register.auditLog({ entityId: (await register.getRisk('svc-azure-openai'))!.id });
    expect(hist.some((r) => r.actor === 'token:ci-admin' && r.action === 'risk.approve')).toBe(true);
  });

  it('the audit page reports a tampered row', async () => {
    // the test's own connection edits a row behind the store's back
    const raw = await backend.raw(spec);
    const seq = Number((await raw.all("SELECT seq FROM audit_log WHERE action = 'risk.approve' ORDER BY seq LIMIT 1"))[0].seq);
    const orig = (await raw.all('SELECT rationale FROM audit_log WHERE seq = $1', [seq]))[0].rationale as string;
    await raw.run('UPDATE audit_log SET rationale = $1 WHERE seq = $2', ['nothing to see here', seq]);
    try {
      const { ctx, page } = await login('val');
      await page.goto(base + '/audit');
      expect(await text(page.locator('main'))).toContain('TAMPERED');
      expect(await text(page.locator('main'))).toContain(`entry ${seq}: edited — content does not match its MAC`);
      await ctx.close();
    } finally {
      await raw.run('UPDATE audit_log SET rationale = $1 WHERE seq = $2', [orig, seq]);
      await raw.close();
    }
    expect((await register.verifyAudit()).ok).toBe(true);
  });
});
});
