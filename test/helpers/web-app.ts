/**
 * The web app's set-up shared by the browser tests: a register seeded through the real matcher and
 * scan commit (test/intake/helpers.ts) on one backend, web accounts, the real server on loopback at
 * a fixed clock, and Debian's Chromium driven by Playwright, with a login that records every dialog
 * and page error.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { expect } from 'vitest';
import type { Register } from '../../src/register/register.js';
import { Auth, type Role } from '../../src/web/auth.js';
import { createServer } from '../../src/web/server.js';
import { FIXTURES, seed, testCatalog, testRules } from '../intake/helpers.js';
import type { Backend } from '../register/backends.js';

export const CHROMIUM = '/usr/bin/chromium';
export const PW = 'correct horse battery staple';
export const haveChromium = existsSync(CHROMIUM);
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** Screenshots are test artifacts; the README's copies in docs/screenshots are refreshed only with UPDATE_SCREENSHOTS=1. */
export const SHOTS = join(ROOT, process.env.UPDATE_SCREENSHOTS === '1' ? 'docs/screenshots' : 'test-results/screenshots');
/** The clock of the seeded scenario (the day after its last scan). */
export const WEB_NOW = new Date('2026-04-21T10:00:00Z');

export interface WebApp {
  register: Register;
  /** The register's spec (file path or URL). */
  spec: string;
  app: FastifyInstance;
  base: string;
  browser: Browser;
  /** API tokens asked for, by name. */
  tokens: Record<string, string>;
  /** Dialogs and page errors seen by any page opened through `login` (a test expects none). */
  problems: string[];
  login(user: string): Promise<{ ctx: BrowserContext; page: Page }>;
  close(): Promise<void>;
}

export interface WebAppOptions {
  users: Record<string, Role>;
  tokens?: Record<string, Role>;
}

/** Starts the backend, seeds a register, adds the accounts, serves the app and launches the browser. */
export async function startWebApp(backend: Backend, o: WebAppOptions): Promise<WebApp> {
  await backend.setup();
  const spec = await backend.fresh();
  const register = await seed(spec);
  const auth = new Auth(register);
  for (const [user, role] of Object.entries(o.users)) await auth.addUser(user, PW, role);
  const tokens: Record<string, string> = {};
  for (const [name, role] of Object.entries(o.tokens ?? {})) tokens[name] = (await auth.createToken(name, role)).token;
  const app = await createServer({ register, rules: testRules(), baseCatalog: testCatalog(), baseCatalogFile: join(FIXTURES, 'catalog.yaml'), now: () => WEB_NOW });
  const base = await app.listen({ port: 0, host: '127.0.0.1' });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  mkdirSync(SHOTS, { recursive: true });
  const problems: string[] = [];
  return {
    register,
    spec,
    app,
    base,
    browser,
    tokens,
    problems,
    async login(user) {
      const ctx = await browser.newContext({ viewport: { width: 1400, height: 900 } });
      const page = await ctx.newPage();
      page.on('dialog', async (d) => {
        problems.push(d.message());
        await d.dismiss();
      });
      page.on('pageerror', (e) => problems.push('pageerror: ' + e.message));
      await page.goto(base + '/register');
      expect(page.url()).toContain('/login');
      await page.fill('input[name=username]', user);
      await page.fill('input[name=password]', PW);
      await Promise.all([page.waitForURL(/\/register/), page.click('button[type=submit]')]);
      return { ctx, page };
    },
    async close() {
      await browser.close();
      await app.close();
      await register.close();
      await backend.teardown();
    },
  };
}

/** Visible text of the first match (the pages are server-rendered: complete on load). */
export const text = (l: Locator): Promise<string> => l.first().innerText();
