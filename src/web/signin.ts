/**
 * Sign-in hardening (OWASP ASVS L2, V2/V3/V4): signed pre-login tokens, signed device cookies,
 * per-account and per-client throttling with exponential back-off, a bound on concurrent password
 * checks, and the Origin / Sec-Fetch-Site check every cookie-authenticated POST passes.
 *
 * - The failure is written BEFORE the password is checked (a pending row, removed when the
 *   password was right), in one write transaction with the throttle check: parallel guesses see
 *   each other, so at most LOGIN_MAX_FAILURES are checked before the back-off starts.
 * - Keys: `user:NAME` and `ip:ADDR` for a client the server does not know; `device:ID` alone for
 *   a client that signed in to that account before (a signed device cookie). A flood against
 *   `admin` therefore never locks admin's own browsers out; `shadowscan user unlock` clears it.
 * - The signing key: $SHADOWSCAN_WEB_SECRET (share it between replicas), else random per process
 *   (a restart then forgets pre-login tokens and known devices; nothing else).
 */
import { createHmac, randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import type { FastifyRequest } from 'fastify';
import type { RegisterOps, RegisterStore } from '../register/store.js';
import { AuthError, randomToken, safeEqual } from './auth.js';

/** Failures per key inside the window before the back-off starts. */
export const LOGIN_MAX_FAILURES = 5;
/** Failures older than this no longer count. */
export const LOGIN_WINDOW_MS = 60 * 60_000;
/** After the free failures: wait BASE × 2^(failures − MAX), at most CAP, after the latest failure. */
export const LOGIN_BACKOFF_BASE_MS = 30_000;
export const LOGIN_BACKOFF_CAP_MS = 15 * 60_000;
/** How long a known-device cookie lasts. */
export const DEVICE_TTL_S = 180 * 86400;

export interface CookieNames {
  session: string;
  prelogin: string;
  device: string;
}

/**
 * `__Host-` names (Secure, Path=/, no Domain: no other host or port can set them over HTTPS, and
 * browsers treat http://localhost and http://127.0.0.1 as secure, so loopback dev works over plain
 * http). `insecure` is for plain http beyond loopback only: no prefix, no Secure flag.
 */
export function cookieNames(insecure = false): CookieNames {
  const p = insecure ? '' : '__Host-';
  return { session: `${p}ss_session`, prelogin: `${p}ss_prelogin`, device: `${p}ss_device` };
}

export class Signer {
  private readonly key: Buffer;

  constructor(secret?: string) {
    if (secret !== undefined && secret.length < 32) throw new AuthError('SHADOWSCAN_WEB_SECRET: expected at least 32 characters (e.g. openssl rand -base64 32)');
    this.key = secret ? Buffer.from(secret, 'utf8') : randomBytes(32);
  }

  mac(purpose: string, value: string): string {
    return createHmac('sha256', this.key).update(`${purpose}\n${value}`).digest('base64url');
  }

  /** A fresh pre-login cookie value and the form token bound to it. */
  prelogin(): { cookie: string; token: string } {
    const cookie = randomToken();
    return { cookie, token: this.mac('prelogin', cookie) };
  }

  preloginOk(cookie: string | undefined, token: string | undefined): boolean {
    if (!cookie || !token || cookie.length > 200) return false;
    return safeEqual(token, this.mac('prelogin', cookie));
  }

  /** A device cookie for `username`: `ID.MAC(ID, username)`. */
  device(username: string, id = randomToken(16)): string {
    return `${id}.${this.mac('device', `${id}\n${username.toLowerCase()}`)}`;
  }

  /** The device id when `cookie` was issued by this server to a client that signed in as `username`. */
  deviceOf(cookie: string | undefined, username: string): string | undefined {
    if (!cookie || cookie.length > 200) return undefined;
    const dot = cookie.indexOf('.');
    if (dot <= 0) return undefined;
    const id = cookie.slice(0, dot);
    return safeEqual(cookie, this.device(username, id)) ? id : undefined;
  }
}

/**
 * A counting semaphore that never queues more than `queue` waiters (the rest are refused at once),
 * and a budget of password checks per second for clients the server does not know (a token bucket
 * holding at most one second's worth): a distributed flood — every attempt a new account from a new
 * address, so no throttle key trips — still costs at most `perSecond` password hashes a second.
 * Known devices are not charged to the budget.
 */
export class LoginGate {
  private active = 0;
  private readonly waiters: Array<() => void> = [];
  private tokens: number;
  private refilledAt = Date.now();

  constructor(
    readonly slots = Math.max(1, Math.floor(availableParallelism() / 2)),
    readonly queue = 2 * slots,
    readonly perSecond = 4 * Math.max(1, Math.floor(availableParallelism() / 2)),
  ) {
    this.tokens = perSecond;
  }

  /** Takes one password check from the budget; false when it is spent for now. */
  spend(now = Date.now()): boolean {
    this.tokens = Math.min(this.perSecond, this.tokens + ((now - this.refilledAt) / 1000) * this.perSecond);
    this.refilledAt = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Resolves to a release function, or undefined at once when the slots and the queue are full. */
  async enter(): Promise<(() => void) | undefined> {
    if (this.active < this.slots) {
      this.active++;
      return this.release;
    }
    if (this.waiters.length >= this.queue) return undefined;
    await new Promise<void>((r) => this.waiters.push(r));
    return this.release;
  }

  private readonly release = () => {
    const next = this.waiters.shift();
    if (next) next();
    else this.active--;
  };
}

/** Milliseconds `key` must still wait, from its failures and latest failure. */
export function backoffMs(t: { failures: number; lastAt?: string }, now: Date): number {
  if (t.failures < LOGIN_MAX_FAILURES || !t.lastAt) return 0;
  const delay = Math.min(LOGIN_BACKOFF_BASE_MS * 2 ** (t.failures - LOGIN_MAX_FAILURES), LOGIN_BACKOFF_CAP_MS);
  return Math.max(0, Date.parse(t.lastAt) + delay - now.getTime());
}

async function waitOf(ops: Pick<RegisterOps, 'loginThrottle'>, keys: string[], since: string, now: Date): Promise<number> {
  let wait = 0;
  for (const k of keys) wait = Math.max(wait, backoffMs(await ops.loginThrottle(k, since), now));
  return wait;
}

/**
 * Claims one password check for `keys`: in one write transaction, checks the back-off and records
 * a pending failure. Returns the attempt id (pass it to endLoginAttempt when the password was
 * right) or how long to wait. A read-only look first keeps a flood of throttled attempts off the
 * writers' lock.
 */
export async function claimLoginAttempt(register: RegisterStore, keys: string[], now: Date): Promise<{ attempt?: string; waitMs: number }> {
  const since = new Date(now.getTime() - LOGIN_WINDOW_MS).toISOString();
  const first = await waitOf(register, keys, since, now);
  if (first > 0) return { waitMs: first };
  return register.transaction(async (tx) => {
    const waitMs = await waitOf(tx, keys, since, now);
    if (waitMs > 0) return { waitMs };
    const attempt = randomToken(12);
    await tx.recordLoginFailure(keys, now.toISOString(), since, attempt);
    return { attempt, waitMs: 0 };
  });
}

/** The throttle keys of a sign-in: the known device alone, else the account and the client address. */
export function throttleKeys(username: string, ip: string, deviceId: string | undefined): string[] {
  return deviceId ? [`device:${deviceId}`] : [`user:${username.toLowerCase()}`, `ip:${ip}`];
}

/**
 * Why a state-changing request made with ambient credentials (cookies) is refused, or undefined:
 * a `Sec-Fetch-Site` other than same-origin / none, or an `Origin` other than this server's
 * (scheme, host and port; behind a proxy that needs trustProxy for X-Forwarded-Proto/Host).
 * Requests without either header (non-browser clients) still need the CSRF token.
 */
export function crossSiteReason(req: FastifyRequest): string | undefined {
  const site = req.headers['sec-fetch-site'];
  if (typeof site === 'string' && site !== 'same-origin' && site !== 'none') return `cross-site request refused (Sec-Fetch-Site: ${site})`;
  const origin = req.headers.origin;
  if (origin === undefined) return undefined;
  // a browser whose referrer policy is no-referrer sends `Origin: null` even to its own origin;
  // Sec-Fetch-Site (set by the browser, not by pages) then vouches for it
  if (origin === 'null' && site === 'same-origin') return undefined;
  let self: string;
  try {
    self = new URL(`${req.protocol}://${req.host}`).origin;
  } catch {
    return 'cross-site request refused (unparseable Host header)';
  }
  let got: string;
  try {
    got = new URL(String(origin)).origin;
  } catch {
    return `cross-site request refused (Origin: ${String(origin).slice(0, 80)})`;
  }
  return got === self ? undefined : `cross-site request refused (Origin ${got} is not ${self})`;
}
