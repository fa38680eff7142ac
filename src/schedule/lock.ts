/**
 * Per-source leases in the register, so two shadowscan processes — two `schedule run`s on two
 * machines, a cron job and a CI runner, or two plain `scan`s — never scan the same source of one
 * register at once. A lease row names its holder and an expiry; the holder renews it while it
 * scans, so a killed runner's lease lapses after its time-to-live and the next run takes over.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Logger } from '../core/types.js';
import type { RegisterStore } from '../register/register.js';

export interface SourceLockOptions {
  /** A lease not renewed for this long is taken over (ms). Default 60 s. */
  ttlMs?: number;
  /** Wait up to this long for a held lease (ms); 0 = give up at once. */
  waitMs?: number;
  log?: Logger;
  /** Who holds it (default: this process). */
  holder?: string;
}

export type Release = () => Promise<void>;

/** A lease's time-to-live: SHADOWSCAN_LEASE_TTL_MS, else 60 s. */
export function leaseTtl(opts: SourceLockOptions = {}): number {
  const env = Number(process.env.SHADOWSCAN_LEASE_TTL_MS);
  return Math.max(opts.ttlMs ?? (Number.isFinite(env) && env > 0 ? env : 60_000), 1000);
}

export const leaseName = (source: string) => `source:${source}`;

/** This process's holder id: host, pid and a random part (a restarted pid is another holder). */
export const HOLDER = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;

/** Takes the source's lease in the register; undefined when another runner holds it. */
export async function acquireSourceLock(store: RegisterStore, source: string, opts: SourceLockOptions = {}): Promise<Release | undefined> {
  const ttl = leaseTtl(opts);
  const name = leaseName(source);
  const holder = opts.holder ?? HOLDER;
  const deadline = Date.now() + (opts.waitMs ?? 0);
  while (!(await store.acquireLease(name, holder, ttl))) {
    if (Date.now() >= deadline) return undefined;
    await new Promise((r) => setTimeout(r, Math.min(500, Math.max(50, deadline - Date.now()))));
  }
  let lost = false;
  const timer = setInterval(() => {
    store.renewLease(name, holder, ttl).then(
      (ok) => {
        if (!ok && !lost) {
          lost = true;
          opts.log?.warn(`lease for source ${source} was taken over (not renewed within ${ttl} ms)`);
        }
      },
      (e: Error) => opts.log?.warn(`lease for source ${source}: renewal failed: ${e.message}`),
    );
  }, Math.max(250, Math.floor(ttl / 3)));
  timer.unref();
  return async () => {
    clearInterval(timer);
    try {
      await store.releaseLease(name, holder);
    } catch {
      /* the register is gone: the lease lapses by itself */
    }
  };
}

/** Who holds the source's lease now, if anyone (expired leases count as free). */
export async function sourceLockHolder(store: RegisterStore, source: string): Promise<string | undefined> {
  const l = await store.getLease(leaseName(source));
  return l && l.expiresAt >= new Date().toISOString() ? l.holder : undefined;
}
