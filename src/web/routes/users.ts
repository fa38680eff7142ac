/**
 * The admin page for local accounts: GET /admin/users lists them (role, created, enabled, recent
 * sign-in failures); POST /admin/users/:name/{disable,enable,unlock,role} change one. Admins only;
 * each change is a decision-log entry with the admin as actor (the web_users projection), and an
 * admin cannot disable or demote their own account (no lock-out of the last admin by a slip).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ShadowscanError } from '../../core/errors.js';
import { ROLES, type Principal } from '../auth.js';
import { html, path } from '../html.js';
import { LOGIN_MAX_FAILURES, LOGIN_WINDOW_MS } from '../signin.js';
import { badge, layout, type Flash } from '../views.js';
import type { WebContext } from './context.js';

export interface UserView {
  username: string;
  role: string;
  createdAt: string;
  disabled: boolean;
  failures: number;
}

export function usersPage(me: Principal, users: UserView[], flash: Flash[]): string {
  const csrf = me.csrf ?? '';
  const body = html`<h1>Users</h1>
<p class="muted">Local accounts. Every change is an entry of the decision log (actor: you). Also: <code>shadowscan user list|add|disable|enable|unlock|remove</code>.</p>
<table class="grid" id="users"><thead><tr><th>User</th><th>Role</th><th>Created</th><th>State</th><th>Sign-in failures (last hour)</th><th>Actions</th></tr></thead><tbody>
${users.map((u) => {
    const self = u.username === me.name;
    return html`<tr data-user="${u.username}"><td>${u.username}${self ? html` <span class="muted">(you)</span>` : ''}</td>
<td>${self ? html`<span class="badge">${u.role}</span>` : html`<form method="post" action="${path`/admin/users/${u.username}/role`}" class="inline"><input type="hidden" name="_csrf" value="${csrf}"><label class="sr">role of ${u.username} <select name="role">${ROLES.map((r) => html`<option value="${r}" ${r === u.role ? 'selected' : ''}>${r}</option>`)}</select></label><button type="submit" class="secondary">Set role</button></form>`}</td>
<td>${u.createdAt.slice(0, 10)}</td>
<td>${u.disabled ? badge('declined') : badge('sanctioned')} ${u.disabled ? 'disabled' : 'enabled'}${u.failures >= LOGIN_MAX_FAILURES ? html` ${badge('out-of-scope')} locked` : ''}</td>
<td>${u.failures}</td>
<td>${self ? html`<span class="muted">–</span>` : html`<form method="post" action="${path`/admin/users/${u.username}/${u.disabled ? 'enable' : 'disable'}`}" class="inline"><input type="hidden" name="_csrf" value="${csrf}"><button type="submit" class="secondary">${u.disabled ? 'Enable' : 'Disable'}</button></form>`}
${u.failures > 0 ? html`<form method="post" action="${path`/admin/users/${u.username}/unlock`}" class="inline"><input type="hidden" name="_csrf" value="${csrf}"><button type="submit" class="secondary">Unlock</button></form>` : ''}</td></tr>`;
  })}
</tbody></table>`;
  return layout('Users', body, { me, active: '/admin/users', flash });
}

export function userRoutes(w: WebContext): void {
  const { app, register, auth, now, flashes, need, deny, page } = w;

  async function views(): Promise<UserView[]> {
    const since = new Date(now().getTime() - LOGIN_WINDOW_MS).toISOString();
    const out: UserView[] = [];
    for (const u of await auth.listUsers()) out.push({ ...u, failures: (await register.loginThrottle(`user:${u.username.toLowerCase()}`, since)).failures });
    return out;
  }

  app.get('/admin/users', async (req, reply) => {
    const me = need(req, reply, 'admin');
    if (!me) return reply;
    const fl = me.sessionHash ? (flashes.get(me.sessionHash) ?? []) : [];
    if (me.sessionHash) flashes.delete(me.sessionHash);
    return page(reply, usersPage(me, await views(), fl));
  });

  const ACTIONS: Record<string, (name: string, body: Record<string, unknown>, me: Principal) => Promise<string>> = {
    disable: async (name, _b, me) => (await auth.setUserDisabled(name, true, me.actor), `${name} disabled: cannot sign in, sessions ended`),
    enable: async (name, _b, me) => (await auth.setUserDisabled(name, false, me.actor), `${name} enabled`),
    unlock: async (name, _b, me) => (await auth.unlockUser(name, me.actor), `${name} unlocked: sign-in failures cleared`),
    role: async (name, b, me) => {
      await auth.setUserRole(name, String(b.role ?? ''), me.actor);
      return `${name} is now ${String(b.role)}`;
    },
  };

  app.post('/admin/users/:name/:action', async (req: FastifyRequest, reply: FastifyReply) => {
    const me = need(req, reply, 'admin');
    if (!me) return reply;
    const { name, action } = req.params as { name: string; action: string };
    const run = ACTIONS[action];
    if (!run) return deny(req, reply, 404, `unknown user action "${action}" (expected ${Object.keys(ACTIONS).join(', ')})`);
    if (name === me.name && action !== 'unlock') return deny(req, reply, 403, 'you cannot disable or change the role of your own account (ask another admin)');
    let msg: Flash;
    try {
      msg = { kind: 'ok', text: await run(name, (req.body ?? {}) as Record<string, unknown>, me) };
    } catch (e) {
      if (!(e instanceof ShadowscanError)) throw e;
      msg = { kind: 'warn', text: e.message };
    }
    if (me.sessionHash) flashes.set(me.sessionHash, [msg]);
    return reply.redirect('/admin/users', 303);
  });
}
