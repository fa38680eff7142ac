/**
 * `shadowscan user …` and `token …` through the real CLI (in process) on a real SQLite register:
 * help descriptions, disable / enable / remove / unlock, token list and revoke, each recorded in
 * the audit log.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main, type Io } from '../../src/cli/main.js';
import { openRegister } from '../../src/register/register.js';
import { Auth } from '../../src/web/auth.js';
import { tmpDir } from '../helpers/tmp.js';

function io(): Io & { out_: string; err_: string } {
  const o = { out_: '', err_: '', isTTY: false } as Io & { out_: string; err_: string };
  o.out = (s) => void (o.out_ += s);
  o.err = (s) => void (o.err_ += s);
  return o;
}

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const x = io();
  const code = await main(args, x);
  return { code, out: x.out_, err: x.err_ };
}

describe('user and token commands', () => {
  it('user list, token list and token revoke have descriptions in help', async () => {
    const user = await run(['user', '--help']);
    expect(user.out).toMatch(/list\s.*List the web accounts/);
    for (const c of ['disable', 'enable', 'remove', 'unlock']) expect(user.out).toMatch(new RegExp(`${c} \\[options\\] <name>\\s+\\S`));
    const token = await run(['token', '--help']);
    expect(token.out).toMatch(/list\s.*List the API tokens/);
    expect(token.out).toMatch(/revoke \[options\] <id>\s+Revoke an API token/);
  });

  it('disable, enable, remove and unlock a user; list and revoke tokens; all audited', async () => {
    const db = join(tmpDir(), 'r.db');
    process.env.SHADOWSCAN_PASSWORD = 'a long enough password';
    try {
      expect((await run(['user', 'add', 'bob', '--role', 'viewer', '--db', db])).code).toBe(0);
    } finally {
      delete process.env.SHADOWSCAN_PASSWORD;
    }
    expect((await run(['user', 'disable', 'bob', '--db', db])).out).toBe('user bob disabled\n');
    expect((await run(['user', 'list', '--db', db])).out).toMatch(/^bob\s+viewer\s+\S+ \(disabled\)\n$/);
    expect((await run(['user', 'enable', 'bob', '--db', db])).code).toBe(0);
    expect((await run(['user', 'list', '--db', db])).out).not.toMatch(/disabled/);
    expect((await run(['user', 'unlock', 'bob', '--db', db])).code).toBe(0);
    const missing = await run(['user', 'disable', 'nobody', '--db', db]);
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/no user "nobody"/);
    expect((await run(['user', 'remove', 'bob', '--db', db])).out).toBe('user bob removed\n');
    expect((await run(['user', 'list', '--db', db])).out).toBe('');

    const created = await run(['token', 'create', '--role', 'viewer', '--name', 'ci', '--expires-days', '7', '--db', db]);
    const id = /token (tok-\S+)/.exec(created.err)![1];
    expect((await run(['token', 'list', '--db', db])).out).toMatch(new RegExp(`^${id}\\s+ci\\s+viewer\\s+\\S+ expires \\S+\\n$`));
    // a use of the token shows in the list (to the minute)
    const token = /^(sst_\S+)$/m.exec(created.out)![1];
    {
      const r = await openRegister(db);
      try {
        expect((await new Auth(r).bearer(token, new Date('2026-12-07T10:15:42.123Z')))?.name).toBe('ci');
      } finally {
        await r.close();
      }
    }
    expect((await run(['token', 'list', '--db', db])).out).toMatch(new RegExp(`^${id}\\s+ci\\s+viewer\\s+\\S+ expires \\S+ last used 2026-12-07T10:15Z\\n$`));
    expect((await run(['token', 'revoke', id, '--db', db])).code).toBe(0);
    expect((await run(['token', 'list', '--db', db])).out).toMatch(/ revoked\n$/);
    expect((await run(['token', 'revoke', 'tok-nope', '--db', db])).code).toBe(2);

    const reg = await openRegister(db);
    const actions = (await reg.auditLog({ order: 'asc' })).map((r) => `${r.action} ${r.entity_id}`);
    await reg.close();
    expect(actions).toEqual(['user.created bob', 'user.disabled bob', 'user.enabled bob', 'user.unlocked bob', 'user.removed bob', `token.created ${id}`, `token.revoked ${id}`]);
  });
});
