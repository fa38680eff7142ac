/**
 * Login CSRF in a real browser (Playwright + Debian's Chromium): a page served from another port
 * of the same loopback host plants the pre-login cookie (cookies are not isolated by port, and
 * Chromium treats http://127.0.0.1 as a secure context, so even a `__Host-` cookie can be planted
 * there) with a real pre-login pair the attacker fetched for itself, then posts the login form
 * with the attacker's credentials. The victim's browser must not end up signed in as the attacker.
 */
import { existsSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRegister } from '../../src/register/register.js';
import type { RegisterStore } from '../../src/register/store.js';
import { Auth } from '../../src/web/auth.js';
import { createServer } from '../../src/web/server.js';
import { testRules } from '../intake/helpers.js';
import { tmpDir } from '../helpers/tmp.js';

const CHROMIUM = '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
const MALLORY_PW = 'mallory owns this password';

describe.skipIf(!haveChromium)('login CSRF from another loopback port, in a real browser', () => {
  let register: RegisterStore;
  let app: FastifyInstance;
  let base: string;
  let evil: Server;
  let evilBase: string;
  let browser: Browser;
  const pages = new Map<string, string>();
  let planted = '';

  beforeAll(async () => {
    register = await openRegister(join(tmpDir(), 'r.db'));
    await new Auth(register).addUser('mallory', MALLORY_PW, 'admin');
    app = await createServer({ register, rules: testRules() });
    base = await app.listen({ port: 0, host: '127.0.0.1' });
    evil = createHttpServer((req, res) => {
      res.setHeader('content-type', 'text/html; charset=utf-8');
      // cookies are not isolated by port: a response from this port can overwrite the app's
      if (req.url === '/plant') res.setHeader('set-cookie', `__Host-ss_prelogin=${planted}; Secure; HttpOnly; Path=/; SameSite=Lax`);
      res.end(pages.get(req.url ?? '/') ?? 'nothing here');
    });
    await new Promise<void>((r) => evil.listen(0, '127.0.0.1', r));
    evilBase = `http://127.0.0.1:${(evil.address() as { port: number }).port}`;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise((r) => evil?.close(r));
    await app?.close();
    await register?.close();
  });

  it('a page on another port plants the pre-login cookie and posts the login form: refused, the victim stays signed out', async () => {
    // the attacker's own, perfectly valid pre-login pair
    const res = await fetch(base + '/login');
    const cookie = /__Host-ss_prelogin=([^;]+)/.exec(res.headers.getSetCookie().join('\n'))![1];
    const token = /name="_csrf" value="([^"]+)"/.exec(await res.text())![1];
    planted = cookie;
    pages.set('/plant', '<!doctype html><p>hello</p>');
    pages.set(
      '/post',
      `<!doctype html><form id="f" method="post" action="${base}/login">
<input name="_csrf" value="${token}"><input name="username" value="mallory"><input name="password" value="${MALLORY_PW}"><input name="next" value="/register"></form>
<script>document.getElementById('f').submit();</script>`,
    );

    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    // the victim has the app open (its own pre-login cookie) …
    await page.goto(base + '/login');
    // … and visits the attacker's page on another port, which overwrites that cookie
    await page.goto(evilBase + '/plant');
    expect((await ctx.cookies(base)).find((c) => c.name === '__Host-ss_prelogin')?.value).toBe(cookie);

    const answer = page.waitForResponse((r) => r.url() === `${base}/login` && r.request().method() === 'POST');
    await page.goto(evilBase + '/post');
    const posted = await answer;
    expect(posted.status()).toBe(403);
    expect(await posted.text()).toMatch(/cross-site request refused/);
    expect((await ctx.cookies(base)).find((c) => c.name === '__Host-ss_session')).toBeUndefined();
    // the app still shows the victim the sign-in page, not mallory's register
    await page.goto(base + '/register');
    expect(page.url()).toContain('/login');

    // a fetch() from the attacker's page is refused the same way (it carries Origin and Sec-Fetch-Site)
    await page.goto(evilBase + '/plant');
    const viaFetch = await page.evaluate(async ([url, t, pw]) => {
      const r = await fetch(url, { method: 'POST', credentials: 'include', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `_csrf=${encodeURIComponent(t)}&username=mallory&password=${encodeURIComponent(pw)}`, mode: 'no-cors' }).catch(() => undefined);
      return r?.type;
    }, [`${base}/login`, token, MALLORY_PW] as const);
    expect(viaFetch === 'opaque' || viaFetch === undefined).toBe(true);
    expect((await ctx.cookies(base)).find((c) => c.name === '__Host-ss_session')).toBeUndefined();

    // the genuine form on the app's own page signs in (the check refuses the other origin, not sign-in)
    await page.goto(base + '/login');
    await page.fill('input[name=username]', 'mallory');
    await page.fill('input[name=password]', MALLORY_PW);
    const [mine] = await Promise.all([page.waitForResponse((r) => r.url() === `${base}/login` && r.request().method() === 'POST'), page.click('button[type=submit]')]);
    expect(mine.status(), JSON.stringify(await mine.request().allHeaders()) + (await mine.text().catch(() => "")).replace(/\s+/g, " ").slice(0, 600)).toBe(303);
    await page.waitForURL(/\/register/);
    expect((await ctx.cookies(base)).find((c) => c.name === '__Host-ss_session')).toBeTruthy();
    await ctx.close();
  });
});
