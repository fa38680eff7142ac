/**
 * Sign-in hardening over real HTTP against the real server on both real register backends (a
 * SQLite file, a PostgreSQL server on loopback): atomic failure counting under a parallel burst,
 * known-device sign-in while the account is throttled, the admin unlock, the bound on concurrent
 * password checks, trustProxy, Origin / Sec-Fetch-Site checks, signed pre-login tokens and
 * `__Host-` cookies, disabled and removed users.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RegisterStore } from '../../src/register/store.js';
import { Auth } from '../../src/web/auth.js';
import { createServer, type ServerOptions } from '../../src/web/server.js';
import { LOGIN_MAX_FAILURES } from '../../src/web/signin.js';
import { testRules } from '../intake/helpers.js';
import { BACKENDS } from '../register/backends.js';

const PW = 'correct horse battery staple';

interface Jar {
  [name: string]: string;
}

function absorb(jar: Jar, res: Response): void {
  for (const c of res.headers.getSetCookie()) {
    const [pair] = c.split(';');
    const i = pair.indexOf('=');
    const v = pair.slice(i + 1);
    if (v === '' || /Max-Age=0|Expires=Thu, 01 Jan 1970/i.test(c)) delete jar[pair.slice(0, i)];
    else jar[pair.slice(0, i)] = v;
  }
}

const cookieHeader = (jar: Jar) => Object.entries(jar).map(([k, v]) => `${k}=${v}`).join('; ');

describe.each(BACKENDS)('sign-in hardening, register on $name', (backend) => {
  let register: RegisterStore;
  let auth: Auth;
  const servers: FastifyInstance[] = [];

  beforeAll(async () => {
    await backend.setup();
    register = await backend.open(await backend.fresh());
    auth = new Auth(register);
    for (const u of ['alice', 'bob', 'carol', 'dave', 'erin']) await auth.addUser(u, PW, 'viewer');
  });

  afterAll(async () => {
    for (const s of servers) await s.close();
    await register?.close();
    await backend.teardown();
  });

  async function serve(opts: Partial<ServerOptions> = {}): Promise<string> {
    // no per-second budget unless a test sets one: the throttle and the slots are tested on their own
    const app = await createServer({ register, rules: testRules(), secret: 'test-secret-test-secret-test-secret!', loginChecksPerSecond: 1e6, ...opts });
    servers.push(app);
    return app.listen({ port: 0, host: '127.0.0.1' });
  }

  /** GET /login: a pre-login cookie in the jar and its signed form token. */
  async function preLogin(base: string, jar: Jar): Promise<string> {
    const res = await fetch(base + '/login', { headers: { cookie: cookieHeader(jar) } });
    absorb(jar, res);
    return /name="_csrf" value="([^"]+)"/.exec(await res.text())![1];
  }

  async function postLogin(base: string, jar: Jar, form: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
    const res = await fetch(base + '/login', {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookieHeader(jar), ...headers },
      body: new URLSearchParams(form).toString(),
    });
    absorb(jar, res);
    return res;
  }

  async function login(base: string, jar: Jar, username: string, password = PW, headers: Record<string, string> = {}): Promise<Response> {
    const csrf = await preLogin(base, jar);
    return postLogin(base, jar, { _csrf: csrf, username, password }, headers);
  }

  it('200 parallel wrong passwords: at most 5 are checked; the right user from a known client still gets in; an admin unlock lets anyone in again', async () => {
    // no concurrency bound here: the throttle alone must hold
    // behind a trusted proxy, so each party is its own client address
    const base = await serve({ loginConcurrency: 1000, loginQueue: 0, trustProxy: '127.0.0.1' });
    const from = (ip: string) => ({ 'x-forwarded-for': ip });
    const known: Jar = {};
    expect((await login(base, known, 'alice', PW, from('203.0.113.10'))).status).toBe(303);
    expect(known['__Host-ss_device']).toBeTruthy();
    delete known['__Host-ss_session'];

    const attacker: Jar = {};
    const csrf = await preLogin(base, attacker);
    const statuses = await Promise.all(Array.from({ length: 200 }, (_, i) => postLogin(base, { ...attacker }, { _csrf: csrf, username: 'alice', password: `wrong guess ${i}` }, from('203.0.113.66')).then((r) => r.status)));
    const checked = statuses.filter((s) => s === 401).length;
    expect(checked).toBeGreaterThan(0);
    expect(checked).toBeLessThanOrEqual(LOGIN_MAX_FAILURES);
    expect(statuses.filter((s) => s === 429).length).toBe(200 - checked);
    // every checked attempt left its failure row; none of the refused ones did
    expect(await register.loginFailures('user:alice', '1970-01-01')).toBe(checked);

    // the right password from an unknown client is throttled too (the account is in back-off) …
    const stranger: Jar = {};
    const r1 = await login(base, stranger, 'alice', PW, from('203.0.113.77'));
    expect(r1.status).toBe(429);
    expect(Number(r1.headers.get('retry-after'))).toBeGreaterThan(0);
    // … but the client that signed in before gets in
    const r2 = await login(base, known, 'alice', PW, from('203.0.113.10'));
    expect(r2.status).toBe(303);
    expect(known['__Host-ss_session']).toBeTruthy();
    // a device cookie of another account does not help
    const bobsDevice: Jar = {};
    expect((await login(base, bobsDevice, 'bob', PW, from('203.0.113.11'))).status).toBe(303);
    delete bobsDevice['__Host-ss_session'];
    expect((await login(base, bobsDevice, 'alice', PW, from('203.0.113.11'))).status).toBe(429);
    // an admin unlock ends the back-off for everyone
    await auth.unlockUser('alice', 'test');
    expect((await login(base, {}, 'alice', PW, from('203.0.113.78'))).status).toBe(303);
  });

  it('login work is bounded: beyond the concurrent checks and the queue, 429 at once', async () => {
    const base = await serve({ loginConcurrency: 1, loginQueue: 0, trustProxy: true as unknown as number });
    const jar: Jar = {};
    const csrf = await preLogin(base, jar);
    // distinct accounts and clients: the throttle does not refuse any of them, only the gate can
    const res = await Promise.all(Array.from({ length: 40 }, (_, i) => postLogin(base, { ...jar }, { _csrf: csrf, username: `nobody-${i}`, password: 'x'.repeat(20) }, { 'x-forwarded-for': `10.1.${i}.1` })));
    const bodies = await Promise.all(res.map((r) => r.text()));
    const gated = res.filter((r, i) => r.status === 429 && bodies[i].includes('right now')).length;
    expect(gated).toBeGreaterThan(0);
    expect(res.filter((r) => r.status === 401).length + gated).toBe(40);
    expect(res.find((r) => r.status === 429)!.headers.get('retry-after')).toBe('1');
  });

  it('a distributed flood (new account, new address each time) gets at most the per-second budget of password checks; a known device still gets in', async () => {
    const base = await serve({ loginConcurrency: 1000, loginQueue: 0, loginChecksPerSecond: 3, trustProxy: '127.0.0.1' });
    const known: Jar = {};
    expect((await login(base, known, 'dave', PW, { 'x-forwarded-for': '198.18.0.1' })).status).toBe(303);
    delete known['__Host-ss_session'];
    const jar: Jar = {};
    const csrf = await preLogin(base, jar);
    const t0 = performance.now();
    const res = await Promise.all(Array.from({ length: 30 }, (_, i) => postLogin(base, { ...jar }, { _csrf: csrf, username: `drone-${i}`, password: 'x'.repeat(20) }, { 'x-forwarded-for': `198.18.1.${i + 1}` })));
    const seconds = (performance.now() - t0) / 1000;
    const checked = res.filter((r) => r.status === 401).length;
    expect(checked).toBeGreaterThan(0);
    // the bucket's 3, plus what it refilled (3 a second) while the burst lasted — on a loaded machine
    // the burst can take seconds; without the budget all 30 would be checked
    expect(checked).toBeLessThanOrEqual(3 + Math.ceil(seconds * 3) + 1);
    expect(seconds < 8, `the burst took ${seconds.toFixed(1)} s: too slow to show the budget`).toBe(true);
    expect(res.filter((r) => r.status === 429).length).toBe(30 - checked);
    // the budget is spent, yet the client that signed in before is not charged to it
    expect((await login(base, known, 'dave', PW, { 'x-forwarded-for': '198.18.0.1' })).status).toBe(303);
  });

  it('X-Forwarded-For is ignored unless trustProxy is set', async () => {
    const plain = await serve({ loginConcurrency: 1000 });
    // 10 accounts from one socket address claiming 10 addresses: the per-client throttle still counts one client
    const jar: Jar = {};
    const csrf = await preLogin(plain, jar);
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) statuses.push((await postLogin(plain, { ...jar }, { _csrf: csrf, username: `ghost-a${i}`, password: 'wrong password 1' }, { 'x-forwarded-for': `192.0.2.${i + 1}` })).status);
    expect(statuses.filter((s) => s === 401)).toHaveLength(LOGIN_MAX_FAILURES);
    expect(statuses.slice(LOGIN_MAX_FAILURES).every((s) => s === 429)).toBe(true);
    const failures = await register.loginFailures('ip:127.0.0.1', '1970-01-01');
    expect(failures).toBeGreaterThanOrEqual(LOGIN_MAX_FAILURES);
    await register.clearLoginFailures('ip:127.0.0.1');

    const proxied = await serve({ loginConcurrency: 1000, trustProxy: '127.0.0.1' });
    const jar2: Jar = {};
    const csrf2 = await preLogin(proxied, jar2);
    const s2: number[] = [];
    for (let i = 0; i < 10; i++) s2.push((await postLogin(proxied, { ...jar2 }, { _csrf: csrf2, username: `ghost-b${i}`, password: 'wrong password 2' }, { 'x-forwarded-for': `198.51.100.${i + 1}` })).status);
    expect(s2.every((s) => s === 401)).toBe(true);
    expect(await register.loginFailures('ip:198.51.100.3', '1970-01-01')).toBe(1);
    await register.clearLoginFailures('ip:127.0.0.1');
  });

  it('Origin and Sec-Fetch-Site are checked on every POST, login included; bearer-token calls are exempt', async () => {
    const base = await serve({ loginConcurrency: 1000 });
    const self = new URL(base).origin;
    const cases: Array<[Record<string, string>, number]> = [
      [{ origin: 'http://127.0.0.1:1' }, 403],
      [{ origin: 'http://evil.example' }, 403],
      [{ origin: 'null' }, 403],
      [{ origin: self.replace('http:', 'https:') }, 403],
      [{ 'sec-fetch-site': 'same-site' }, 403],
      [{ 'sec-fetch-site': 'cross-site' }, 403],
      [{ 'sec-fetch-site': 'same-origin', origin: 'http://localhost:9' }, 403],
      [{ origin: self, 'sec-fetch-site': 'same-origin' }, 303],
      [{}, 303],
    ];
    for (const [headers, want] of cases) {
      const jar: Jar = {};
      const r = await login(base, jar, 'carol', PW, headers);
      expect({ headers, status: r.status }).toEqual({ headers, status: want });
      if (want === 403) {
        expect(await r.text()).toMatch(/cross-site request refused/);
        expect(jar['__Host-ss_session']).toBeUndefined();
      }
    }
    // a signed-in POST with a valid CSRF token but a foreign Origin: refused
    const jar: Jar = {};
    await login(base, jar, 'carol');
    const me = (await (await fetch(base + "/api/me", { headers: { cookie: cookieHeader(jar) } })).json()) as { csrf: string };
    const out = await fetch(base + '/logout', { method: 'POST', redirect: 'manual', headers: { cookie: cookieHeader(jar), origin: 'http://127.0.0.1:2', 'content-type': 'application/x-www-form-urlencoded' }, body: `_csrf=${me.csrf}` });
    expect(out.status).toBe(403);
    expect((await fetch(base + '/api/me', { headers: { cookie: cookieHeader(jar) } })).status).toBe(200);
    // a bearer token carries no ambient credential: a foreign Origin is not refused for it
    const tok = (await auth.createToken('origin-test', 'admin')).token;
    const api = await fetch(base + '/api/items/nope/triage', { method: 'POST', headers: { authorization: `Bearer ${tok}`, origin: 'http://evil.example', 'content-type': 'application/json' }, body: '{}' });
    expect(api.status).not.toBe(403);
  });

  it('the pre-login token is signed and bound to its cookie; cookies carry the __Host- prefix', async () => {
    const base = await serve({ loginConcurrency: 1000 });
    // the old double submit (cookie = form token) is refused
    const forged = await postLogin(base, { '__Host-ss_prelogin': 'planted-value' }, { _csrf: 'planted-value', username: 'dave', password: PW });
    expect(forged.status).toBe(403);
    // a valid token with another client's cookie is refused
    const a: Jar = {};
    const b: Jar = {};
    const tokenA = await preLogin(base, a);
    await preLogin(base, b);
    expect((await postLogin(base, b, { _csrf: tokenA, username: 'dave', password: PW })).status).toBe(403);
    // a server with another key does not accept this one's pair
    const other = await serve({ secret: 'another-secret-another-secret-another' });
    const c: Jar = {};
    const tokenC = await preLogin(base, c);
    expect((await postLogin(other, c, { _csrf: tokenC, username: 'dave', password: PW })).status).toBe(403);
    // the matching pair signs in; the cookies are __Host-, Secure, HttpOnly, SameSite=Strict, Path=/
    const d: Jar = {};
    const res = await login(base, d, 'dave');
    expect(res.status).toBe(303);
    const set = res.headers.getSetCookie();
    for (const name of ['__Host-ss_session', '__Host-ss_device']) {
      const c1 = set.find((x) => x.startsWith(name + '='))!;
      expect(c1).toMatch(/; Secure/);
      expect(c1).toMatch(/; HttpOnly/);
      expect(c1).toMatch(/; SameSite=Strict/);
      expect(c1).toMatch(/; Path=\//);
      expect(c1).not.toMatch(/Domain=/i);
    }
    // a signing key too short to be one is refused in one line
    await expect(createServer({ register, rules: testRules(), secret: 'short' })).rejects.toThrow(/SHADOWSCAN_WEB_SECRET: expected at least 32 characters/);
    // plain http beyond loopback (development): plain names, no Secure
    const insecure = await serve({ insecureCookies: true });
    const e: Jar = {};
    const r2 = await login(insecure, e, 'dave');
    expect(r2.status).toBe(303);
    expect(e.ss_session).toBeTruthy();
    expect(r2.headers.getSetCookie().find((x) => x.startsWith('ss_session='))).not.toMatch(/Secure/);
  });

  it('a disabled user cannot sign in and its sessions end; enabled again it can; a removed user is gone', async () => {
    const base = await serve({ loginConcurrency: 1000 });
    const jar: Jar = {};
    expect((await login(base, jar, 'erin')).status).toBe(303);
    expect((await fetch(base + '/api/me', { headers: { cookie: cookieHeader(jar) } })).status).toBe(200);
    await auth.setUserDisabled('erin', true, 'test');
    expect((await fetch(base + '/api/me', { headers: { cookie: cookieHeader(jar) } })).status).toBe(401);
    expect((await login(base, {}, 'erin')).status).toBe(401);
    await auth.setUserDisabled('erin', false, 'test');
    expect((await login(base, {}, 'erin')).status).toBe(303);
    await auth.removeUser('erin', 'test');
    expect((await auth.listUsers()).map((u) => u.username)).not.toContain('erin');
    expect((await login(base, {}, 'erin')).status).toBe(401);
    await expect(auth.removeUser('erin', 'test')).rejects.toThrow(/no user "erin"/);
    const actions = (await register.auditLog({ entityId: 'erin', entityType: 'user', order: 'asc' })).map((r) => r.action);
    expect(actions).toEqual(['user.created', 'user.disabled', 'user.enabled', 'user.removed']);
  });
});
