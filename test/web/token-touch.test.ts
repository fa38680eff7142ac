/**
 * An API token's last use is noted at most once a minute, and noting it never waits for another
 * process's write transaction: a scan's commit holds the SQLite register's write lock for seconds,
 * and better-sqlite3 would wait on the thread that serves every request (the register's busy
 * timeout is a minute) — an API call during a scheduled scan would stall the whole server.
 */
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { openRegister } from '../../src/register/register.js';
import { Auth } from '../../src/web/auth.js';
import { tmpDir } from '../helpers/tmp.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

describe('API token last use', () => {
  it('is noted at most once a minute', async () => {
    const file = join(tmpDir(), 'r.db');
    const reg = await openRegister(file);
    try {
      const auth = new Auth(reg);
      const { id, token } = await auth.createToken('ci', 'viewer');
      const lastUsed = async () => (await auth.listTokens()).find((t) => t.id === id)!.lastUsedAt;
      const t0 = new Date('2026-12-07T10:00:00.000Z');
      expect((await auth.bearer(token, t0))?.name).toBe('ci');
      expect(await lastUsed()).toBe(t0.toISOString());
      // within the minute: the request is served, nothing written
      expect((await auth.bearer(token, new Date(t0.getTime() + 59_000)))?.name).toBe('ci');
      expect(await lastUsed()).toBe(t0.toISOString());
      // a minute on: noted again
      const t1 = new Date(t0.getTime() + 60_000);
      expect((await auth.bearer(token, t1))?.name).toBe('ci');
      expect(await lastUsed()).toBe(t1.toISOString());
    } finally {
      await reg.close();
    }
  });

  it('never waits for another process holding the write lock (SQLite): the request is served, the note skipped', async () => {
    const file = join(tmpDir(), 'r.db');
    const reg = await openRegister(file);
    const other = new Database(file);
    try {
      const auth = new Auth(reg);
      const { id, token } = await auth.createToken('ci', 'viewer');
      // another process's write transaction (a scan's commit in progress)
      other.exec('BEGIN IMMEDIATE');
      const p = await auth.bearer(token, new Date('2026-12-07T10:00:00.000Z'));
      expect(p?.name).toBe('ci');
      other.exec('ROLLBACK');
      // not noted (busy)
      expect((await auth.listTokens()).find((t) => t.id === id)!.lastUsedAt).toBeUndefined();
      // and the register's other writes wait for a writer again afterwards: a child process holds
      // the lock for 300 ms while the revoke (a write that must not be skipped) waits it out
      const child = spawn(process.execPath, ['-e', `const D = require('better-sqlite3'); const d = new D(${JSON.stringify(file)}); d.exec('BEGIN IMMEDIATE'); process.stdout.write('locked'); setTimeout(() => { d.exec('ROLLBACK'); d.close(); }, 300);`], { cwd: ROOT });
      await new Promise<void>((resolve, reject) => {
        child.stdout.once('data', () => resolve());
        child.once('error', reject);
        child.once('exit', (code) => reject(new Error(`lock holder exited (${code}) before locking`)));
      });
      expect(await auth.revokeToken(id, 'test')).toBe(true);
      expect((await auth.listTokens()).find((t) => t.id === id)!.revoked).toBe(true);
    } finally {
      if (other.inTransaction) other.exec('ROLLBACK');
      other.close();
      await reg.close();
    }
  });
});
