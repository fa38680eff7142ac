/**
 * Cross-process lock per source (proper-lockfile: an atomic mkdir of `<file>.lock`, refreshed
 * while held and considered stale when its holder stops refreshing it), so two shadowscan
 * processes — two `schedule run`s, or a cron job and the web server — never scan the same
 * source at once.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import lockfile from 'proper-lockfile';
import type { Logger } from '../core/types.js';

export interface SourceLockOptions {
  /** After this long without a refresh the lock is taken over (ms). Default 60 s. */
  staleMs?: number;
  /** Wait up to this long for a held lock (ms); 0 = give up at once. */
  waitMs?: number;
  log?: Logger;
}

export type Release = () => Promise<void>;

export function lockPath(lockDir: string, source: string): string {
  return join(lockDir, `${source.replace(/[^A-Za-z0-9._-]/g, '_')}`);
}

export function defaultLockDir(db: string): string {
  return db === ':memory:' ? join(process.cwd(), '.shadowscan-locks') : `${db}.locks`;
}

/** Takes the source's lock; undefined when another process holds it. */
export async function acquireSourceLock(lockDir: string, source: string, opts: SourceLockOptions = {}): Promise<Release | undefined> {
  mkdirSync(lockDir, { recursive: true });
  const stale = Math.max(opts.staleMs ?? 60_000, 2000);
  const waitMs = opts.waitMs ?? 0;
  try {
    const release = await lockfile.lock(lockPath(lockDir, source), {
      realpath: false,
      stale,
      update: Math.floor(stale / 2),
      retries: waitMs > 0 ? { retries: Math.ceil(waitMs / 500), factor: 1, minTimeout: 500, maxTimeout: 500 } : 0,
      onCompromised: (err) => opts.log?.warn(`lock for source ${source} compromised: ${err.message}`),
    });
    return async () => {
      try {
        await release();
      } catch {
        /* already released or compromised */
      }
    };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ELOCKED') return undefined;
    throw e;
  }
}

export async function isSourceLocked(lockDir: string, source: string, staleMs = 60_000): Promise<boolean> {
  return lockfile.check(lockPath(lockDir, source), { realpath: false, stale: staleMs });
}
