/**
 * Local accounts (argon2id password hashes), server-side sessions (only a hash of the cookie
 * value is stored), per-session CSRF tokens, hashed API bearer tokens and the role model.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { ShadowscanError } from '../core/errors.js';
import type { RegisterStore } from '../register/register.js';
import type { Permission } from '../intake/machine.js';
import { MAX_TOKEN_DAYS, positiveInt } from '../core/validate.js';

/** How stale a token's recorded last use may get before a request records it again. */
const TOKEN_TOUCH_MS = 60_000;
import { hashMarker } from '../register/projections.js';

/** The native argon2 binding loads when a password is hashed or checked, not with every CLI command. */
const argon2 = () => import('@node-rs/argon2');

export const ROLES = ['viewer', 'triager', 'reviewer', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** viewer reads; triager triages (governance lead); reviewer decides intake; admin does all. */
export const ROLE_PERMISSIONS: Record<Role, Permission[]> = {
  viewer: ['view'],
  triager: ['view', 'triage'],
  reviewer: ['view', 'decide'],
  admin: ['view', 'triage', 'decide', 'admin'],
};

export class AuthError extends ShadowscanError {}

export interface Principal {
  kind: 'session' | 'token';
  /** The audit actor: `user:alice` or `token:ci-bot`. */
  actor: string;
  name: string;
  role: Role;
  csrf?: string;
  sessionHash?: string;
}

export const SESSION_TTL_MS = 12 * 3600_000;
const MIN_PASSWORD = 12;

export const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
export const randomToken = (bytes = 32) => randomBytes(bytes).toString('base64url');

export function can(role: Role, p: Permission): boolean {
  return ROLE_PERMISSIONS[role]?.includes(p) ?? false;
}

export function safeEqual(a: string | undefined, b: string | undefined): boolean {
  if (!a || !b) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function checkRole(role: string): Role {
  if (!ROLES.includes(role as Role)) throw new AuthError(`unknown role "${role}" (expected one of: ${ROLES.join(', ')})`);
  return role as Role;
}

/**
 * How long a web replica reuses a session it looked up, for reads (GET / HEAD): a sign-out, a
 * disabled account or a role change made on another replica (or by the CLI) reaches this one
 * within this time; on this replica at once; and every state-changing request looks the session
 * up again, so it is refused at once everywhere.
 */
export const SESSION_CACHE_MS = 1_000;

type SessionCache = Map<string, { p: Principal; expiresAt: string; at: number }>;
/** One session cache per store: every Auth on a store (the server's, an admin command's) drops what any of them changed. */
const SESSION_CACHES = new WeakMap<RegisterStore, SessionCache>();

export class Auth {
  /** Sessions looked up recently (by the cookie's hash; `at`: monotonic ms), used when `cacheMs` > 0. */
  private readonly cache: SessionCache;

  constructor(
    readonly register: RegisterStore,
    private readonly cacheMs = 0,
  ) {
    let c = SESSION_CACHES.get(register);
    if (!c) SESSION_CACHES.set(register, (c = new Map()));
    this.cache = c;
  }

  /** Drops the cached sessions of a user whose account this process changed. */
  private forget(username: string): void {
    for (const [h, c] of this.cache) if (c.p.name === username) this.cache.delete(h);
  }

  async addUser(username: string, password: string, role: string, actor = 'cli'): Promise<void> {
    const r = checkRole(role);
    if (!/^[A-Za-z0-9._@-]{1,64}$/.test(username)) throw new AuthError(`user name "${username}": expected 1–64 letters, digits, . _ @ -`);
    if (password.length < MIN_PASSWORD) throw new AuthError(`password: expected at least ${MIN_PASSWORD} characters`);
    const h = await (await argon2()).hash(password);
    const at = new Date().toISOString();
    await this.register.transaction(async (tx) => {
      const existing = await tx.getUser(username);
      await tx.upsertUser({ username, passwordHash: h, role: r, createdAt: existing?.createdAt ?? at, disabled: false });
      if (existing) await tx.deleteSessionsOf(username);
      // the audit log records who holds which role (never the password)
      await tx.appendAudit({ at, actor, action: existing ? 'user.updated' : 'user.created', entityType: 'user', entityId: username, before: existing ? { role: existing.role, disabled: existing.disabled, password: hashMarker(existing.passwordHash) } : undefined, after: { role: r, disabled: false, password: hashMarker(h) }, rationale: existing ? 'password and role reset' : 'local account created' });
    });
    this.forget(username); // after the commit (a lookup racing it is bounded by cacheMs, as on another replica)
  }

  /**
   * Disables (or enables) a user: a disabled user cannot sign in and its sessions end. The one
   * place a user's enabled state is written; its log entry determines the row (web_users projection).
   */
  async setUserDisabled(username: string, disabled: boolean, actor = 'cli'): Promise<void> {
    const at = new Date().toISOString();
    await this.register.transaction(async (tx) => {
      const u = await tx.getUser(username);
      if (!u) throw new AuthError(`no user "${username}" (see: shadowscan user list)`);
      await tx.upsertUser({ ...u, disabled });
      if (disabled) await tx.deleteSessionsOf(username);
      await tx.appendAudit({ at, actor, action: disabled ? 'user.disabled' : 'user.enabled', entityType: 'user', entityId: username, before: { disabled: u.disabled }, after: { disabled }, rationale: disabled ? 'account disabled' : 'account enabled' });
    });
    this.forget(username); // after the commit (a lookup racing it is bounded by cacheMs, as on another replica)
  }

  /** Changes a user's role (its sessions take the new role at once: a session reads the role from the account). */
  async setUserRole(username: string, role: string, actor = 'cli'): Promise<void> {
    const r = checkRole(role);
    const at = new Date().toISOString();
    await this.register.transaction(async (tx) => {
      const u = await tx.getUser(username);
      if (!u) throw new AuthError(`no user "${username}" (see: shadowscan user list)`);
      if (u.role === r) return;
      await tx.upsertUser({ ...u, role: r });
      await tx.appendAudit({ at, actor, action: 'user.role-changed', entityType: 'user', entityId: username, before: { role: u.role }, after: { role: r }, rationale: `role ${u.role} → ${r}` });
    });
    this.forget(username); // after the commit (a lookup racing it is bounded by cacheMs, as on another replica)
  }

  /** Removes a user and its sessions (the audit log keeps its history). */
  async removeUser(username: string, actor = 'cli'): Promise<void> {
    const at = new Date().toISOString();
    await this.register.transaction(async (tx) => {
      const u = await tx.getUser(username);
      if (!u) throw new AuthError(`no user "${username}" (see: shadowscan user list)`);
      await tx.deleteUser(username);
      await tx.appendAudit({ at, actor, action: 'user.removed', entityType: 'user', entityId: username, before: { role: u.role, disabled: u.disabled }, rationale: 'account removed' });
    });
    this.forget(username); // after the commit (a lookup racing it is bounded by cacheMs, as on another replica)
  }

  /** An admin's unlock: clears the account's sign-in failures (the back-off starts over). */
  async unlockUser(username: string, actor = 'cli'): Promise<void> {
    if (!(await this.register.getUser(username))) throw new AuthError(`no user "${username}" (see: shadowscan user list)`);
    await this.register.transaction(async (tx) => {
      await tx.clearLoginFailures(`user:${username.toLowerCase()}`);
      await tx.appendAudit({ at: new Date().toISOString(), actor, action: 'user.unlocked', entityType: 'user', entityId: username, rationale: 'sign-in failures cleared' });
    });
  }

  async listUsers(): Promise<Array<{ username: string; role: Role; createdAt: string; disabled: boolean }>> {
    return (await this.register.listUsers()).map((u) => ({ username: u.username, role: u.role as Role, createdAt: u.createdAt, disabled: u.disabled }));
  }

  /** Verifies a password; returns the role or undefined. Runs argon2 even for unknown users (timing). */
  async checkPassword(username: string, password: string): Promise<Role | undefined> {
    const row = await this.register.getUser(username);
    const h = row?.passwordHash ?? DUMMY_HASH;
    let ok = false;
    try {
      ok = await (await argon2()).verify(h, password);
    } catch {
      ok = false;
    }
    return ok && row && !row.disabled ? (row.role as Role) : undefined;
  }

  async createSession(username: string, now = new Date()): Promise<{ cookie: string; csrf: string; expiresAt: string }> {
    const cookie = randomToken();
    const csrf = randomToken();
    const expiresAt = new Date(now.getTime() + SESSION_TTL_MS).toISOString();
    // in a transaction: with SQLite, one that waits for a scan's write lock without stopping the server
    await this.register.transaction(async (tx) => {
      await tx.purgeSessions(now.toISOString());
      await tx.insertSession({ idHash: sha256(cookie), username, csrf, createdAt: now.toISOString(), expiresAt });
    });
    return { cookie, csrf, expiresAt };
  }

  /**
   * The principal of a session cookie. `cached`: a lookup made by this process within `cacheMs`
   * may answer (reads only; see SESSION_CACHE_MS).
   */
  async session(cookie: string | undefined, now = new Date(), opts: { cached?: boolean } = {}): Promise<Principal | undefined> {
    if (!cookie || cookie.length > 200) return undefined;
    const h = sha256(cookie);
    const nowIso = now.toISOString();
    if (opts.cached && this.cacheMs > 0) {
      const c = this.cache.get(h);
      if (c && performance.now() - c.at < this.cacheMs && c.expiresAt >= nowIso) return { ...c.p };
    }
    const r = await this.register.getSession(h);
    if (!r || r.disabled || r.expiresAt < nowIso) {
      this.cache.delete(h);
      return undefined;
    }
    const p: Principal = { kind: 'session', actor: `user:${r.username}`, name: r.username, role: r.role as Role, csrf: r.csrf, sessionHash: h };
    if (this.cacheMs > 0) {
      if (this.cache.size >= 10_000) this.cache.clear(); // bounded
      this.cache.set(h, { p, expiresAt: r.expiresAt, at: performance.now() });
    }
    return { ...p };
  }

  async endSession(sessionHash: string): Promise<void> {
    await this.register.transaction((tx) => tx.deleteSession(sessionHash));
    this.cache.delete(sessionHash);
  }

  async createToken(name: string, role: string, opts: { actor?: string; expiresDays?: number } = {}): Promise<{ id: string; token: string }> {
    const r = checkRole(role);
    if (!/^[A-Za-z0-9._@-]{1,64}$/.test(name)) throw new AuthError(`token name "${name}": expected 1–64 letters, digits, . _ @ -`);
    const token = 'sst_' + randomToken();
    const id = 'tok-' + randomToken(6);
    const at = new Date();
    if (opts.expiresDays !== undefined) positiveInt(String(opts.expiresDays), '--expires-days', MAX_TOKEN_DAYS, AuthError);
    const expiresAt = opts.expiresDays ? new Date(at.getTime() + opts.expiresDays * 86400_000).toISOString() : undefined;
    await this.register.transaction(async (tx) => {
      await tx.insertToken({ id, name, tokenHash: sha256(token), role: r, createdAt: at.toISOString(), createdBy: opts.actor ?? 'cli', expiresAt, revoked: false });
      await tx.appendAudit({ at: at.toISOString(), actor: opts.actor ?? 'cli', action: 'token.created', entityType: 'token', entityId: id, after: { name, role: r, expiresAt: expiresAt ?? null, token: hashMarker(sha256(token)) }, rationale: 'API token created' });
    });
    return { id, token };
  }

  async bearer(token: string | undefined, now = new Date()): Promise<Principal | undefined> {
    if (!token || !token.startsWith('sst_') || token.length > 200) return undefined;
    const r = await this.register.tokenByHash(sha256(token));
    if (!r || r.revoked || (r.expiresAt && r.expiresAt < now.toISOString())) return undefined;
    // last use to the minute: a token polling the API writes once a minute, not once a request
    if (!r.lastUsedAt || Date.parse(r.lastUsedAt) <= now.getTime() - TOKEN_TOUCH_MS) await this.register.touchToken(r.id, now.toISOString());
    return { kind: 'token', actor: `token:${r.name}`, name: r.name, role: r.role as Role };
  }

  /** The one place a token is revoked (recorded in the audit log). */
  async revokeToken(id: string, actor = 'cli'): Promise<boolean> {
    return this.register.transaction(async (tx) => {
      const ok = await tx.revokeToken(id);
      if (ok) await tx.appendAudit({ at: new Date().toISOString(), actor, action: 'token.revoked', entityType: 'token', entityId: id, rationale: 'API token revoked' });
      return ok;
    });
  }

  async listTokens(): Promise<Array<{ id: string; name: string; role: string; createdAt: string; expiresAt?: string; lastUsedAt?: string; revoked: boolean }>> {
    return (await this.register.listTokens()).map((t) => ({ id: t.id, name: t.name, role: t.role, createdAt: t.createdAt, expiresAt: t.expiresAt, lastUsedAt: t.lastUsedAt, revoked: t.revoked }));
  }
}

/** An argon2id hash of a random string, verified against for unknown users. */
const DUMMY_HASH = '$argon2id$v=19$m=19456,t=2,p=1$c2hhZG93c2Nhbi1kdW1teQ$2o3YbW3R6cTq5lYwGqS5b7mI7gH6cU8Gm2m7p1E3m8Q';
