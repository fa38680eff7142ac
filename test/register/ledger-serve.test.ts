/**
 * Policies live in the register: two real `shadowscan serve` processes on one register (SQLite
 * file, PostgreSQL on loopback), one started with --separation-of-duties, one without. The
 * requester cannot approve or decline their own request on either; another reviewer can.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';
import { tmpDir } from '../helpers/tmp.js';
import { BACKENDS } from './backends.js';

const KEYS = tmpDir('shadowscan-ledger-keys-');
process.env.SHADOWSCAN_AUDIT_KEY_FILE = join(KEYS, 'audit.key');

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = { out: '', err: '' };
  const code = await main(args, { out: (s) => (io.out += s), err: (s) => (io.err += s), isTTY: false });
  return { code, ...io };
}

/** Starts `shadowscan serve` on a free port; resolves with its URL once it listens. */
function serve(db: string, flags: string[]): Promise<{ url: string; proc: ChildProcess }> {
  const proc = spawn(process.execPath, ['bin/shadowscan.mjs', 'serve', '--db', db, '--port', '0', ...flags], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'pipe'], env: process.env });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`serve did not start: ${out} ${err}`)), 60_000);
    proc.stdout!.on('data', (d) => {
      out += d;
      const m = /web app on (http:\/\/[^\s]+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ url: m[1], proc });
      }
    });
    proc.stderr!.on('data', (d) => (err += d));
    proc.once('exit', (code) => reject(new Error(`serve exited ${code}: ${err}`)));
  });
}

describe.each(BACKENDS)('separation of duties held by the register on $name', (backend) => {
  const procs: ChildProcess[] = [];
  beforeAll(() => backend.setup(), 120_000);
  afterAll(async () => {
    for (const p of procs) if (p.exitCode === null) p.kill('SIGTERM');
    await backend.teardown();
  });

  it('two serve processes, only one with --separation-of-duties: the requester cannot decide on either', async () => {
    const db = await backend.fresh();
    expect((await run(['scan', '--egress', 'fixtures/demo/egress/access.log', '--db', db, '--now', '2026-04-21T09:00:00Z', '--quiet', '--format', 'json'])).code).toBe(0);
    const alice = (await run(['token', 'create', '--name', 'alice', '--role', 'admin', '--db', db])).out.trim();
    const rita = (await run(['token', 'create', '--name', 'rita', '--role', 'reviewer', '--db', db])).out.trim();
    const s1 = await serve(db, ['--separation-of-duties']);
    procs.push(s1.proc);
    const s2 = await serve(db, []);
    procs.push(s2.proc);
    const api = async (base: string, token: string, path: string, body?: unknown) => {
      const res = await fetch(base + path, { method: body ? 'POST' : 'GET', headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
      return { status: res.status, json: (await res.json()) as any };
    };
    const item = await api(s2.url, alice, '/api/items/svc-chatgpt');
    expect(item.status).toBe(200);
    const id = item.json.risk.id as string;
    expect((await api(s2.url, alice, `/api/items/${id}/triage`, { answers: { consequence: 'medium', affected: 'internal', significantDecisions: false }, owner: 'IT' })).status).toBe(200);
    expect((await api(s2.url, alice, `/api/items/${id}/request-intake`, { rationale: 'please decide' })).status).toBe(200);
    const msg = `${id}: separation of duties — token:alice requested this intake and cannot approve it`;
    // the server started without the flag enforces the register's policy
    const a2 = await api(s2.url, alice, `/api/items/${id}/approve`, { expires: '2027-06-30', rationale: 'self-approval' });
    expect(a2).toEqual({ status: 403, json: { error: msg } });
    const a1 = await api(s1.url, alice, `/api/items/${id}/approve`, { expires: '2027-06-30', rationale: 'self-approval' });
    expect(a1).toEqual({ status: 403, json: { error: msg } });
    const d2 = await api(s2.url, alice, `/api/items/${id}/decline`, { treatment: 'avoid', rationale: 'self-decline' });
    expect(d2.status).toBe(403);
    expect(d2.json.error).toContain('cannot decline it');
    // another reviewer decides, on the flag-less server
    const ok = await api(s2.url, rita, `/api/items/${id}/approve`, { expires: '2027-06-30', rationale: 'reviewed by someone else', owner: { business: 'IT' }, acceptance: { role: 'governance-lead', rationale: 'residual risk accepted by the governance lead' } });
    expect(ok.status, JSON.stringify(ok.json)).toBe(200);
    expect(ok.json.to).toBe('approved');
    // the policy is an entry of the log, set by the flagged server's start
    const pol = await run(['policy', 'show', '--db', db]);
    expect(pol.out).toMatch(/^separation-of-duties: on {2}\(set by local-admin at /m);
    // a catalog imported while both run applies at once on both (the catalog of record is read per request)
    const before = await fetch(`${s2.url}/api/blocklist/hosts`, { headers: { authorization: `Bearer ${alice}` } });
    expect(await before.text()).toMatch(/declined services: \(none\)/);
    expect((await run(['catalog', 'import', 'fixtures/demo/catalog.yaml', '--db', db])).code).toBe(0);
    for (const s of [s1, s2]) {
      const bl = await fetch(`${s.url}/api/blocklist/hosts`, { headers: { authorization: `Bearer ${alice}` } });
      expect(bl.status).toBe(200);
      expect(await bl.text()).toMatch(/declined services: deepseek\n[^]*^deepseek\.com$/m);
    }
    const v = await run(['audit', 'verify', '--db', db]);
    expect(v.code, v.out).toBe(0);
    for (const p of [s1.proc, s2.proc]) p.kill('SIGTERM');
  }, 180_000);
});
