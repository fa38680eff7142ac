/**
 * Slack Audit Logs API entries (`action`, `actor.user`, `entity`, `details`, `date_create`).
 * App events name the app in `entity.app` (id, name, scopes); scopes also appear in
 * `details.new_scopes` / `details.scopes`. Denied / rejected app requests are attempts; uninstalled,
 * removed, restricted apps are removals (counted, never presence).
 */
import type { AuditEvent, RecordParser } from '../lib/types.js';
import { get, gs, isoTime, obj, scopeList, type Rec } from '../lib/util.js';

const FAILED = /denied|rejected|blocked/;
/**
 * Actions that take an app away (Audit Logs API app actions): `app_uninstalled`, `app_deleted`,
 * `app_removed…`, `org_app_workspace_removed`, `app_restricted` (an admin restricted it: the actor
 * is the admin, not a user trying it), `app_removed_from_whitelist`, `bot_token_downgraded`,
 * `app_scopes_…revoked`, `app_resources_removed`. Counted as removals, never presence.
 */
const REMOVAL = /uninstall|_removed|_deleted|_restricted|revoked|downgraded|_remove$|_revoke$/;

export const parseSlack: RecordParser = (rec) => {
  const action = gs(rec, 'action') ?? '';
  const app = obj(get(rec, 'entity.app')) ?? obj(get(rec, 'details.app'));
  if (!app) return [];
  const value = gs(app, 'name') ?? '';
  const appId = gs(app, 'id') ?? gs(rec, 'details.app_id');
  if (!value && !appId) return [];
  const who = gs(rec, 'actor.user.email') ?? gs(rec, 'actor.user.name') ?? gs(rec, 'actor.user.id');
  if (!who) return [];
  const scopes = scopeList(get(app, 'scopes'), get(rec, 'details.new_scopes'), get(rec, 'details.scopes'), get(rec, 'details.bot_scopes'));
  return [{
    kind: 'saas-app', value, signal: 'presence',
    subject: { kind: 'user', id: who.toLowerCase() },
    time: isoTime(rec.date_create), success: !FAILED.test(action), eventId: gs(rec, 'id'), removal: REMOVAL.test(action) || undefined,
    attrs: { vendor: 'slack', appId, event: action, scopes: scopes.length ? scopes : undefined, workspace: gs(rec, 'context.location.domain') } as AuditEvent['attrs'],
  }];
};

export function isSlack(rec: Rec): boolean {
  return typeof rec.action === 'string' && (rec.date_create !== undefined || obj(get(rec, 'actor.user')) !== undefined || (obj(rec.actor) !== undefined && obj(rec.entity) !== undefined));
}
