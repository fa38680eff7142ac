import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { openRegister } from '../../src/register/register.js';
import { acquireSourceLock, sourceLockHolder } from '../../src/schedule/lock.js';
import { tmpDir } from '../helpers/tmp.js';

const ROOT = resolve(__dirname, '../..');

function child(lockDir: string, source: string): { lines: string[]; firstLine: Promise<string>; done: Promise<number>; release: () => void } {
  const p = spawn(process.execPath, [join(ROOT, 'bin/run-ts.mjs'), join(ROOT, 'test/schedule/lock-child.ts'), lockDir, source], { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] });
  const lines: string[] = [];
  let first: (s: string) => void;
  const firstLine = new Promise<string>((r) => (first = r));
  let buf = '';
  p.stdout.on('data', (d) => {
    buf += d;
    const parts = buf.split('\n');
    buf = parts.pop()!;
    for (const l of parts) {
      if (!lines.length) first(l);
      lines.push(l);
    }
  });
  const done = new Promise<number>((r) => p.on('close', (code) => r(code ?? -1)));
  return { lines, firstLine, done, release: () => void p.stdin.end('release\n') };
}

describe('cross-process source lease in the register', () => {
  it('two real processes: one holds the lock, the other finds the source busy; free again after release', async () => {
    const dir = join(tmpDir(), 'r.db');
    const store = await openRegister(dir);
    const a = child(dir, 'repo');
    expect(await a.firstLine).toBe('acquired');
    const b = child(dir, 'repo');
    expect(await b.firstLine).toBe('busy');
    // another source is independent
    const c = child(dir, 'egress');
    expect(await c.firstLine).toBe('acquired');
    // and this process sees it held too
    expect(await acquireSourceLock(store, 'repo', { holder: 'this-test' })).toBeUndefined();
    expect(await sourceLockHolder(store, 'repo')).toMatch(/:\d+:/);
    expect(await b.done).toBe(0);
    a.release();
    c.release();
    expect(await a.done).toBe(0);
    expect(a.lines).toEqual(['acquired', 'released']);
    await c.done;
    const release = await acquireSourceLock(store, 'repo', { holder: 'this-test' });
    expect(release).toBeTypeOf('function');
    await release!();
    expect(await sourceLockHolder(store, 'repo')).toBeUndefined();
    await store.close();
  });
});
