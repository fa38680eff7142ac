/**
 * Two web replicas on one register, as two `serve` processes behind a load balancer: each its own
 * store connection and its own server, one real browser (Playwright + Debian's Chromium) signed in
 * through one replica and browsing both. A replica reuses a session lookup for reads for at most
 * SESSION_CACHE_MS: a sign-out, a disabled account or a demotion made through the other replica or
 * by another process is refused on this one after that time — on the replica that made it, at
 * once — and a state-changing request looks the session up again, so a demoted user's form post is
 * refused at once on a replica that still holds the session. The register page's overdue panel (cached per register generation)
 * follows a governance change made by another process, and the item page's policy and governance settings (cached per
 * generation) a policy or settings change. Both backends.
 */
import type { FastifyInstance } from 'fastify';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sweep, updateSettings } from '../../src/governance/governance.js';
import { requestIntake } from '../../src/intake/actions.js';
import { setPolicy } from '../../src/intake/policy.js';
import type { RegisterStore } from '../../src/register/register.js';
import { Auth, SESSION_CACHE_MS } from '../../src/web/auth.js';
import { createServer } from '../../src/web/server.js';
import { CHROMIUM, haveChromium, PW, WEB_NOW } from '../helpers/web-app.js';
import { seed, testRules } from '../intake/helpers.js';
import { BACKENDS } from '../register/backends.js';

const afterCacheTime = () => new Promise((r) => setTimeout(r, SESSION_CACHE_MS + 150));

describe.skipIf(!haveChromium).each(BACKENDS)('two web replicas on one $name register', (backend) => {
  let regA: RegisterStore;
  let regB: RegisterStore;
  /** Another process on the register (the CLI's `user disable`, a governance sweep). */
  let other: RegisterStore;
  let appA: FastifyInstance;
  let appB: FastifyInstance;
  let A: string;
  let B: string;
  let browser: Browser;

  beforeAll(async () => {
    await backend.setup();
    const spec = await backend.fresh();
    regA = await seed(spec);
    regB = await backend.open(spec);
    other = await backend.open(spec);
    const auth = new Auth(other);
    for (const [u, role] of [['alice', 'viewer'], ['dave', 'viewer'], ['tom', 'triager'], ['gina', 'admin']] as const) await auth.addUser(u, PW, role);
    appA = await createServer({ register: regA, rules: testRules(), now: () => WEB_NOW });
    appB = await createServer({ register: regB, rules: testRules(), now: () => WEB_NOW });
    A = await appA.listen({ port: 0, host: '127.0.0.1' });
    B = await appB.listen({ port: 0, host: '127.0.0.1' });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await appA?.close();
    await appB?.close();
    for (const r of [regA, regB, other]) await r?.close();
    await backend.teardown();
  });

  /** Signs in through replica A; the session cookie goes to both replicas (cookies do not depend on the port). */
  async function signIn(user: string): Promise<Page> {
    const page = await (await browser.newContext()).newPage();
    await page.goto(A + '/login');
    await page.fill('input[name=username]', user);
    await page.fill('input[name=password]', PW);
    await Promise.all([page.waitForURL(/\/register/), page.click('button[type=submit]')]);
    return page;
  }

  /** Opens `url`; where the browser ended up and with which status. */
  async function visit(page: Page, url: string): Promise<{ path: string; status: number }> {
    const res = await page.goto(url);
    return { path: new URL(page.url()).pathname, status: res?.status() ?? 0 };
  }

  it('a sign-out on one replica: refused there at once, and on the other after the cache time', async () => {
    const page = await signIn('alice');
    expect(await visit(page, B + '/register')).toEqual({ path: '/register', status: 200 }); // B has looked the session up
    await page.goto(A + '/register');
    await Promise.all([page.waitForURL(/\/login/), page.click('form[action="/logout"] button')]);
    expect((await visit(page, A + '/register')).path).toBe('/login');
    await afterCacheTime();
    expect((await visit(page, B + '/register')).path).toBe('/login');
  });

  it('an account disabled by another process: refused on both replicas after the cache time', async () => {
    const page = await signIn('dave');
    expect(await visit(page, A + '/register')).toEqual({ path: '/register', status: 200 });
    expect(await visit(page, B + '/register')).toEqual({ path: '/register', status: 200 });
    await new Auth(other).setUserDisabled('dave', true, 'cli:test');
    await afterCacheTime();
    expect((await visit(page, A + '/register')).path).toBe('/login');
    expect((await visit(page, B + '/register')).path).toBe('/login');
  });

  it('a demotion by an admin: a form posted on a replica that still holds the session is refused at once, its pages after the cache time', async () => {
    const item = (await regA.queryItems({ limit: 50 })).rows.find((r) => r.riskStatus === 'needs-intake');
    expect(item).toBeDefined();
    const tom = await signIn('tom');
    // an admin changes alice's role through replica A's users page (the page itself works across replicas)
    const gina = await signIn('gina');
    await gina.goto(A + '/admin/users');
    const row = gina.locator('tr', { hasText: 'alice' });
    await row.locator('select[name=role]').selectOption('reviewer');
    await Promise.all([gina.waitForNavigation(), row.locator('button', { hasText: 'Set role' }).click()]);
    expect((await other.getUser('alice'))?.role).toBe('reviewer');
    // tom opens the triage form on B (B now holds his session as a triager), then is demoted elsewhere
    const triage = `${B}/items/${encodeURIComponent(item!.id)}/triage`;
    expect(await visit(tom, triage)).toEqual({ path: new URL(triage).pathname, status: 200 });
    await new Auth(other).setUserRole('tom', 'viewer', 'cli:test');
    // the post is checked against the register, not against B's recent lookup
    const [res] = await Promise.all([tom.waitForResponse((r) => r.request().method() === 'POST'), tom.click('#triage-form button[type=submit]')]);
    expect(res.status()).toBe(403);
    expect(await tom.content()).toContain('role viewer may not do this');
    await afterCacheTime();
    expect((await visit(tom, triage)).status).toBe(403);
    expect((await visit(tom, B + '/register')).status).toBe(200); // still a viewer
  });

  it("the register page's overdue panel follows a governance change made by another process", async () => {
    const page = await signIn('alice');
    expect(await page.locator('#overdue').count()).toBe(0);
    expect(await visit(page, B + '/register')).toEqual({ path: '/register', status: 200 });
    expect(await page.locator('#overdue').count()).toBe(0);
    // weeks later, a sweep (another process) escalates the entries nobody triaged
    const r = await sweep({ register: other, now: () => new Date(WEB_NOW.getTime() + 60 * 86_400_000) }, { actor: 'system:test' });
    expect(r.escalated.length).toBeGreaterThan(0);
    for (const base of [A, B]) {
      await page.goto(base + '/register');
      expect(await page.locator('#overdue tbody tr').count(), base).toBe(r.escalated.length);
    }
  });
  it("the item page follows a policy change, then a governance settings change, made by another process", async () => {
    const item = (await regA.queryItems({ limit: 50 })).rows.find((r) => r.riskStatus === 'needs-intake' && r.tier !== undefined);
    expect(item).toBeDefined();
    await requestIntake({ register: other, now: () => WEB_NOW }, item!.id, { rationale: 'needs a decision' }, 'local-admin');
    const page = await signIn('alice');
    const url = (base: string) => `${base}/items/${encodeURIComponent(item!.id)}`;
    const sod = () => page.locator('text=Separation of duties').count();
    const appetite = async () => (await page.locator('#gov-acceptance').textContent())?.trim().split(/\s/)[0];
    const before: Record<string, string | undefined> = {};
    for (const base of [A, B]) {
      expect(await visit(page, url(base))).toEqual({ path: new URL(url(base)).pathname, status: 200 });
      expect(await sod(), base).toBe(0);
      before[base] = await appetite();
    }
    expect(before[A]).toBe(before[B]);
    await setPolicy(other, 'separation-of-duties', true, 'local-admin');
    for (const base of [A, B]) {
      await page.goto(url(base));
      expect(await sod(), base).toBe(1);
      expect(await appetite(), base).toBe(before[A]);
    }
    const next = before[A] === '2' ? 3 : 2;
    await updateSettings({ register: other, now: () => WEB_NOW }, [`tiers.${item!.tier}.appetite=${next}`], 'local-admin', 'stricter for the test');
    for (const base of [A, B]) {
      await page.goto(url(base));
      expect(await appetite(), base).toBe(String(next));
    }
  });
});
