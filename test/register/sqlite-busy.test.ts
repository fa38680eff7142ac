/**
 * A write transaction on a SQLite register while another process holds the file's write lock (a
 * scan's commit, for seconds): the wait is asynchronous — this process keeps running timers and
 * serving reads from the register meanwhile — and the write lands once the lock is released.
 * SQLite's own busy wait would sleep on the one thread that does all of that.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { openRegister } from '../../src/register/register.js';
import { tmpDir } from '../helpers/tmp.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

describe('SQLite register: waiting for another process', () => {
  it("waits for another process's write lock without blocking: a timer and a read run meanwhile, then the write lands", async () => {
    const file = join(tmpDir(), 'r.db');
    const reg = await openRegister(file);
    // another process takes the write lock and holds it until told to let go
    const holder = spawn(
      process.execPath,
      ['-e', `const D = require('better-sqlite3'); const d = new D(${JSON.stringify(file)}); d.exec('BEGIN IMMEDIATE'); process.stdout.write('locked'); process.stdin.once('data', () => { d.exec('ROLLBACK'); d.close(); process.exit(0); });`],
      { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] },
    );
    try {
      await once(holder.stdout, 'data');
      const order: string[] = [];
      const write = reg.transaction((tx) => tx.setState({ 'egress@test': { offset: 42 } }, '2026-12-07T10:00:00.000Z')).then(() => order.push('write'));
      // a timer fires and the register answers a read while the write waits
      await new Promise((r) => setTimeout(r, 30));
      order.push('timer');
      await reg.listRuns(1);
      order.push('read');
      holder.stdin.write('go\n');
      await write;
      expect(order).toEqual(['timer', 'read', 'write']);
      expect(await reg.getState('egress@test')).toEqual({ offset: 42 });
    } finally {
      holder.kill();
      await reg.close();
    }
  }, 90_000);
});
