/**
 * Policies live in the register, not in process flags: each is a `policy.set` entry of the
 * decision log (who, when, the value), and the `settings` projection is the current policy. Every
 * process on the register — a second `serve`, the CLI, the API — enforces the same policy.
 *
 * - `separation-of-duties` (on/off): whoever requested intake cannot approve or decline it;
 * - `require-rationale` (on/off): triage and intake requests need a written rationale too;
 * - `approve-tier-1`, `approve-tier-2`, `approve-tier-3` (role list): who may approve or decline
 *   an entry of that tier (default: any role with the decide permission).
 *
 * Actors: the CLI acts as a named local user (`--actor NAME`: a web account, recorded as
 * `user:NAME`, whose role must allow the action) or as `local-admin`, recorded as such.
 */
import { UsageError } from '../core/errors.js';
import { appendEntry } from '../register/ledger.js';
import type { RegisterOps, RegisterStore } from '../register/store.js';
import { can, ROLES, type Role } from '../web/auth.js';
import { IntakeError, type Permission } from './machine.js';

export const LOCAL_ADMIN = 'local-admin';

export interface Policy {
  separationOfDuties: boolean;
  requireRationale: boolean;
  /** Roles that may approve / decline per tier (undefined: any role with `decide`). */
  approvers: Partial<Record<1 | 2 | 3, Role[]>>;
}

export const POLICY_NAMES = ['separation-of-duties', 'require-rationale', 'approve-tier-1', 'approve-tier-2', 'approve-tier-3'] as const;
export type PolicyName = (typeof POLICY_NAMES)[number];

/** Parses a policy value as typed on the command line or sent by a form. */
export function parsePolicyValue(name: string, raw: string): boolean | Role[] {
  if (!(POLICY_NAMES as readonly string[]).includes(name)) throw new UsageError(`unknown policy "${name}" (expected one of: ${POLICY_NAMES.join(', ')})`);
  const v = raw.trim().toLowerCase();
  if (name === 'separation-of-duties' || name === 'require-rationale') {
    if (['on', 'true', 'yes'].includes(v)) return true;
    if (['off', 'false', 'no'].includes(v)) return false;
    throw new UsageError(`policy ${name}: expected on or off, got "${raw}"`);
  }
  const roles = v.split(',').map((x) => x.trim()).filter(Boolean);
  if (!roles.length) throw new UsageError(`policy ${name}: expected a comma-separated list of roles (${ROLES.join(', ')})`);
  for (const r of roles) {
    if (!ROLES.includes(r as Role)) throw new UsageError(`policy ${name}: unknown role "${r}" (expected ${ROLES.join(', ')})`);
    if (!can(r as Role, 'decide')) throw new UsageError(`policy ${name}: role "${r}" cannot decide intake at all`);
  }
  return roles as Role[];
}

/** The current policy: the settings projection of the log. */
export async function readPolicy(ops: Pick<RegisterOps, 'projectionRows'>): Promise<Policy> {
  const rows = await ops.projectionRows('settings', ['name', 'value']);
  const v = new Map(rows.map((r) => [String(r.name), JSON.parse(String(r.value)) as unknown]));
  const approvers: Policy['approvers'] = {};
  for (const t of [1, 2, 3] as const) {
    const x = v.get(`approve-tier-${t}`);
    if (Array.isArray(x)) approvers[t] = x as Role[];
  }
  return { separationOfDuties: v.get('separation-of-duties') === true, requireRationale: v.get('require-rationale') === true, approvers };
}

export async function policyRows(ops: Pick<RegisterOps, 'projectionRows'>): Promise<Array<{ name: string; value: unknown; setBy: string; setAt: string }>> {
  return (await ops.projectionRows('settings', ['name', 'value', 'set_by', 'set_at'])).map((r) => ({ name: String(r.name), value: JSON.parse(String(r.value)), setBy: String(r.set_by), setAt: String(r.set_at) })).sort((a, b) => a.name.localeCompare(b.name));
}

/** Records a policy value (a log entry); no entry when it already has that value. */
export async function setPolicy(store: RegisterStore, name: string, raw: string | boolean, actor: string, rationale?: string): Promise<{ changed: boolean; value: unknown }> {
  const value = typeof raw === 'boolean' ? raw : parsePolicyValue(name, raw);
  if (typeof raw === 'boolean') parsePolicyValue(name, raw ? 'on' : 'off');
  return store.transaction(async (tx) => {
    const cur = (await policyRows(tx)).find((r) => r.name === name);
    if (cur && JSON.stringify(cur.value) === JSON.stringify(value)) return { changed: false, value };
    await appendEntry(tx, { actor, action: 'policy.set', entityType: 'policy', entityId: name, before: cur ? { value: cur.value } : undefined, after: { value }, rationale: rationale?.trim() || `policy ${name} set to ${Array.isArray(value) ? value.join(',') : value ? 'on' : 'off'}` });
    return { changed: true, value };
  });
}

/** The role an actor holds: `local-admin` is admin; `user:NAME` and `token:NAME` as stored; anything else none. */
export async function actorRole(ops: Pick<RegisterOps, 'getUser' | 'listTokens'>, actor: string): Promise<Role | undefined> {
  if (actor === LOCAL_ADMIN) return 'admin';
  if (actor.startsWith('user:')) {
    const u = await ops.getUser(actor.slice(5));
    return u && !u.disabled ? (u.role as Role) : undefined;
  }
  if (actor.startsWith('token:')) {
    const t = (await ops.listTokens()).find((x) => x.name === actor.slice(6) && !x.revoked);
    return t ? (t.role as Role) : undefined;
  }
  return undefined;
}

/**
 * The CLI's `--actor`: a known, enabled web account whose role allows `permission` (recorded as
 * `user:NAME`), or `local-admin` (recorded as such). Anything else is a usage error (exit 2).
 */
export async function resolveCliActor(ops: Pick<RegisterOps, 'getUser'>, name: string | undefined, permission: Permission): Promise<string> {
  const n = (name ?? LOCAL_ADMIN).trim();
  if (n === LOCAL_ADMIN) return LOCAL_ADMIN;
  const u = await ops.getUser(n.startsWith('user:') ? n.slice(5) : n);
  if (!u) throw new UsageError(`--actor ${n}: unknown user (expected a web account from \`shadowscan user list\`, or ${LOCAL_ADMIN})`);
  if (u.disabled) throw new UsageError(`--actor ${n}: the account is disabled`);
  if (!can(u.role as Role, permission)) throw new UsageError(`--actor ${n}: role ${u.role} may not ${permission}`);
  return `user:${u.username}`;
}

/** Throws (403) when the policy names approvers for the entry's tier and the actor's role is not one of them. */
export async function checkApprover(tx: Pick<RegisterOps, 'getUser' | 'listTokens'>, policy: Policy, tier: number, actor: string, riskId: string, verb: string): Promise<void> {
  const roles = policy.approvers[tier as 1 | 2 | 3];
  if (!roles) return;
  const role = await actorRole(tx, actor);
  if (!role || !roles.includes(role)) throw new IntakeError(`${riskId}: policy approve-tier-${tier} — only ${roles.join(', ')} may ${verb} a tier-${tier} entry (${actor} is ${role ?? 'no known role'})`, 403);
}
