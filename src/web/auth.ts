/**
 * Local accounts (argon2id password hashes), server-side sessions (only a hash of the cookie
 * value is stored), per-session CSRF tokens, hashed API bearer tokens and the role model.
 */
import { hash as argonHash, verify as argonVerify } from '@node-rs/argon2';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { ShadowscanError } from '../core/errors.js';
import type { Register } from '../register/register.js';
import { ensureIntakeSchema } from '../intake/migrations.js';
import { appendAudit } from '../register/audit.js';
import type { Permission } from '../intake/machine.js';

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

type Row = Record<string, any>;

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

export class Auth {
  constructor(readonly register: Register) {
    ensureIntakeSchema(register);
  }

  private get db() {
    return this.register.db;
  }

  async addUser(username: string, password: string, role: string, actor = 'cli'): Promise<void> {
    const r = checkRole(role);
    if (!/^[A-Za-z0-9._@-]{1,64}$/.test(username)) throw new AuthError(`user name "${username}": expected 1–64 letters, digits, . _ @ -`);
    if (password.length < MIN_PASSWORD) throw new AuthError(`password: expected at least ${MIN_PASSWORD} characters`);
    const h = await argonHash(password);
    const at = new Date().toISOString();
    await this.register.transaction((db) => {
      const existing = db.prepare('SELECT role FROM web_users WHERE username = ?').get(username) as Row | undefined;
      if (existing) {
        db.prepare('UPDATE web_users SET password_hash = ?, role = ?, disabled = 0 WHERE username = ?').run(h, r, username);
        db.prepare('DELETE FROM web_sessions WHERE username = ?').run(username);
      } else db.prepare('INSERT INTO web_users (username, password_hash, role, created_at) VALUES (?, ?, ?, ?)').run(username, h, r, at);
      // the audit log records who holds which role (never the password)
      appendAudit(db, { at, actor, action: existing ? 'user.updated' : 'user.created', entityType: 'user', entityId: username, before: existing ? { role: existing.role } : undefined, after: { role: r }, rationale: existing ? 'password and role reset' : 'local account created' });
    });
  }

  listUsers(): Array<{ username: string; role: Role; createdAt: string; disabled: boolean }> {
    return (this.db.prepare('SELECT username, role, created_at, disabled FROM web_users ORDER BY username').all() as Row[]).map((r) => ({ username: r.username, role: r.role, createdAt: r.created_at, disabled: r.disabled === 1 }));
  }

  /** Verifies a password; returns the role or undefined. Runs argon2 even for unknown users (timing). */
  async checkPassword(username: string, password: string): Promise<Role | undefined> {
    const row = this.db.prepare('SELECT password_hash, role, disabled FROM web_users WHERE username = ?').get(username) as Row | undefined;
    const h = row?.password_hash ?? DUMMY_HASH;
    let ok = false;
    try {
      ok = await argonVerify(h, password);
    } catch {
      ok = false;
    }
    return ok && row && row.disabled === 0 ? (row.role as Role) : undefined;
  }

  createSession(username: string, now = new Date()): { cookie: string; csrf: string; expiresAt: string } {
    const cookie = randomToken();
    const csrf = randomToken();
    const expiresAt = new Date(now.getTime() + SESSION_TTL_MS).toISOString();
    this.db.prepare('DELETE FROM web_sessions WHERE expires_at < ?').run(now.toISOString());
    this.db.prepare('INSERT INTO web_sessions (id_hash, username, csrf, created_at, expires_at) VALUES (?, ?, ?, ?, ?)').run(sha256(cookie), username, csrf, now.toISOString(), expiresAt);
    return { cookie, csrf, expiresAt };
  }

  session(cookie: string | undefined, now = new Date()): Principal | undefined {
    if (!cookie || cookie.length > 200) return undefined;
    const h = sha256(cookie);
    const r = this.db.prepare('SELECT s.username, s.csrf, s.expires_at, u.role, u.disabled FROM web_sessions s JOIN web_users u ON u.username = s.username WHERE s.id_hash = ?').get(h) as Row | undefined;
    if (!r || r.disabled === 1 || r.expires_at < now.toISOString()) return undefined;
    return { kind: 'session', actor: `user:${r.username}`, name: r.username, role: r.role, csrf: r.csrf, sessionHash: h };
  }

  endSession(sessionHash: string): void {
    this.db.prepare('DELETE FROM web_sessions WHERE id_hash = ?').run(sessionHash);
  }

  async createToken(name: string, role: string, opts: { actor?: string; expiresDays?: number } = {}): Promise<{ id: string; token: string }> {
    const r = checkRole(role);
    if (!/^[A-Za-z0-9._@-]{1,64}$/.test(name)) throw new AuthError(`token name "${name}": expected 1–64 letters, digits, . _ @ -`);
    const token = 'sst_' + randomToken();
    const id = 'tok-' + randomToken(6);
    const at = new Date();
    const expiresAt = opts.expiresDays ? new Date(at.getTime() + opts.expiresDays * 86400_000).toISOString() : null;
    await this.register.transaction((db) => {
      db.prepare('INSERT INTO api_tokens (id, name, token_hash, role, created_at, created_by, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)').run(id, name, sha256(token), r, at.toISOString(), opts.actor ?? 'cli', expiresAt);
      appendAudit(db, { at: at.toISOString(), actor: opts.actor ?? 'cli', action: 'token.created', entityType: 'token', entityId: id, after: { name, role: r, expiresAt }, rationale: 'API token created' });
    });
    return { id, token };
  }

  bearer(token: string | undefined, now = new Date()): Principal | undefined {
    if (!token || !token.startsWith('sst_') || token.length > 200) return undefined;
    const r = this.db.prepare('SELECT id, name, role, expires_at, revoked FROM api_tokens WHERE token_hash = ?').get(sha256(token)) as Row | undefined;
    if (!r || r.revoked === 1 || (r.expires_at && r.expires_at < now.toISOString())) return undefined;
    this.db.prepare('UPDATE api_tokens SET last_used_at = ? WHERE id = ?').run(now.toISOString(), r.id);
    return { kind: 'token', actor: `token:${r.name}`, name: r.name, role: r.role };
  }

  revokeToken(id: string): boolean {
    return this.db.prepare('UPDATE api_tokens SET revoked = 1 WHERE id = ?').run(id).changes > 0;
  }

  listTokens(): Array<{ id: string; name: string; role: string; createdAt: string; lastUsedAt?: string; revoked: boolean }> {
    return (this.db.prepare('SELECT * FROM api_tokens ORDER BY created_at').all() as Row[]).map((r) => ({ id: r.id, name: r.name, role: r.role, createdAt: r.created_at, lastUsedAt: r.last_used_at ?? undefined, revoked: r.revoked === 1 }));
  }
}

/** An argon2id hash of a random string, verified against for unknown users. */
const DUMMY_HASH = '$argon2id$v=19$m=19456,t=2,p=1$c2hhZG93c2Nhbi1kdW1teQ$2o3YbW3R6cTq5lYwGqS5b7mI7gH6cU8Gm2m7p1E3m8Q';
