/**
 * The admin users page in a real browser (Playwright + Debian's Chromium): an admin signs in,
 * sets a user's role, disables and enables them, unlocks them after failed sign-ins; every change
 * lands in the register and in the decision log with the admin as actor, and the log still
 * verifies. A non-admin gets 403; the admin cannot disable or demote their own account.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRegister } from '../../src/register/register.js';
import type { RegisterStore } from '../../src/register/store.js';
import { Auth } from '../../src/web/auth.js';
import { createServer } from '../../src/web/server.js';
import { testRules } from '../intake/helpers.js';
import { tmpDir } from '../helpers/tmp.js';

const CHROMIUM = '/usr/bin/chromium';
const ROOT_PW = 'root has a long passphrase';
const BOB_PW = 'bob has a long passphrase';

process.env.SHADOWSCAN_AUDIT_KEY_FILE = join(tmpDir('shadowscan-admin-keys-'), 'audit.key');

describe.skipIf(!existsSync(CHROMIUM))('the admin users page, in a real browser', () => {
  let register: RegisterStore;
  let app: FastifyInstance;
  let base: string;
  let browser: Browser;

  beforeAll(async () => {
    register = await openRegister(join(tmpDir(), 'r.db'));
    const auth = new Auth(register);
    await auth.addUser('root', ROOT_PW, 'admin', 'local-admin');
    await auth.addUser('bob', BOB_PW, 'viewer', 'local-admin');
    app = await createServer({ register, rules: testRules() });
    base = await app.listen({ port: 0, host: '127.0.0.1' });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await register?.close();
  });

  async function signIn(user: string, pw: string): Promise<Page> {
    const page = await (await browser.newContext()).newPage();
    await page.goto(base + '/login');
    await page.fill('input[name="username"]', user);
    await page.fill('input[name="password"]', pw);
    await Promise.all([page.waitForNavigation(), page.click('button[type="submit"]')]);
    expect(new URL(page.url()).pathname).not.toBe('/login');
    return page;
  }

  const row = (page: Page, user: string) => page.locator(`tr[data-user="${user}"]`);
  const flash = (page: Page) => page.locator('.flash').first().textContent();

  it('an admin sets a role, disables, enables and unlocks a user; each change is a logged decision and the log verifies', async () => {
    const page = await signIn('root', ROOT_PW);
    await expect(page.locator('nav a[href="/admin/users"]').count()).resolves.toBe(1);
    await page.goto(base + '/admin/users');
    expect(await page.locator('tr[data-user]').count()).toBe(2);
    // the admin's own row has no forms
    expect(await row(page, 'root').locator('form').count()).toBe(0);

    await row(page, 'bob').locator('select[name="role"]').selectOption('triager');
    await Promise.all([page.waitForNavigation(), row(page, 'bob').locator('button', { hasText: 'Set role' }).click()]);
    expect(await flash(page)).toBe('bob is now triager');
    expect((await register.getUser('bob'))!.role).toBe('triager');

    await Promise.all([page.waitForNavigation(), row(page, 'bob').locator('button', { hasText: 'Disable' }).click()]);
    expect(await flash(page)).toContain('bob disabled');
    expect((await register.getUser('bob'))!.disabled).toBe(true);
    expect(await row(page, 'bob').textContent()).toContain('disabled');
    await Promise.all([page.waitForNavigation(), row(page, 'bob').locator('button', { hasText: 'Enable' }).click()]);
    expect((await register.getUser('bob'))!.disabled).toBe(false);

    // six failed sign-ins recorded for bob (as the sign-in path records them) lock the account; the page shows it and the unlock clears it
    const since = () => new Date(Date.now() - 3600_000).toISOString();
    for (let i = 0; i < 6; i++) await register.recordLoginFailure(['user:bob'], new Date().toISOString(), since());
    await page.goto(base + '/admin/users');
    expect(await row(page, 'bob').locator('td').nth(4).textContent()).toBe('6');
    expect(await row(page, 'bob').locator('td').nth(3).textContent()).toContain('locked');
    await Promise.all([page.waitForNavigation(), row(page, 'bob').locator('button', { hasText: 'Unlock' }).click()]);
    expect(await flash(page)).toBe('bob unlocked: sign-in failures cleared');
    expect(await register.loginFailures('user:bob', since())).toBe(0);
    expect(await row(page, 'bob').locator('button', { hasText: 'Unlock' }).count()).toBe(0);

    const log = (await register.auditLog({ entityType: 'user', entityId: 'bob' })).map((e) => [e.action, e.actor]);
    expect(log).toEqual([
      ['user.created', 'local-admin'],
      ['user.role-changed', 'user:root'],
      ['user.disabled', 'user:root'],
      ['user.enabled', 'user:root'],
      ['user.unlocked', 'user:root'],
    ]);
    const v = await register.verifyAudit();
    expect(v.problems).toEqual([]);
    await page.context().close();
  });

  it('the admin cannot disable or demote their own account; a non-admin gets 403 and no Users link', async () => {
    const page = await signIn('root', ROOT_PW);
    await page.goto(base + '/admin/users');
    const csrf = await page.locator('input[name="_csrf"]').first().inputValue();
    const res = await page.request.post(base + '/admin/users/root/disable', { form: { _csrf: csrf }, headers: { origin: base } });
    expect(res.status()).toBe(403);
    expect(await res.text()).toContain('you cannot disable or change the role of your own account');
    expect((await register.getUser('root'))!.disabled).toBe(false);
    await page.context().close();

    const bob = await signIn('bob', BOB_PW);
    expect(await bob.locator('nav a[href="/admin/users"]').count()).toBe(0);
    const r = await bob.goto(base + '/admin/users');
    expect(r!.status()).toBe(403);
    await bob.context().close();
  });
});
