/**
 * Okta System Log events (`/api/v1/logs`): apps appear as `target[]` entries of type
 * `AppInstance` (displayName = catalog app, alternateId = the org's label). SSO / OAuth
 * authorisations are usage; assignments, consents and lifecycle changes are presence; revocations,
 * unassignments, deactivations are removals (counted, never presence). Outcome FAILURE / DENY are
 * attempts (success = false).
 */
import type { AuditEvent, RecordParser } from '../lib/types.js';
import { arr, get, gs, isoTime, scopeList, type Rec } from '../lib/util.js';

const APP_TYPE = /^(AppInstance|PublicClientApp|ClientApp|Application)$/i;
const PRESENCE = /^(application\.|app\.oauth2\.(as\.)?consent\.|app\.oauth2\.consent|group\.application_assignment)/i;
const OK = /^(SUCCESS|ALLOW|UNKNOWN)$/i;
/**
 * Events that take an app away from a user or the org: consent / token revocations
 * (`app.oauth2.as.consent.revoke*`, `app.oauth2.*.token.revoke`), unassignments
 * (`application.user_membership.remove`, `group.application_assignment.remove`), deprovisioning and
 * app lifecycle deactivate / delete. They prove neither presence nor use: counted as removals.
 */
const REMOVAL = /\.(revoke|remove|delete|deactivate|deprovision|unassign|destroy)(\.|$)/i;

export const parseOkta: RecordParser = (rec) => {
  const type = gs(rec, 'eventType') ?? '';
  const targets = arr(get(rec, 'target'));
  const app = targets.find((t) => APP_TYPE.test(gs(t, 'type') ?? ''));
  if (!app) return [];
  const value = gs(app, 'displayName') ?? gs(app, 'alternateId') ?? '';
  const label = gs(app, 'alternateId');
  const presence = PRESENCE.test(type);
  const actorType = gs(rec, 'actor.type') ?? '';
  const targetUser = targets.find((t) => /^(User|AppUser)$/i.test(gs(t, 'type') ?? ''));
  // an assignment names the assigned user as a target; otherwise the actor is the user
  const who = (presence && /membership|assignment/i.test(type) && targetUser ? gs(targetUser, 'alternateId') : undefined)
    ?? (/user/i.test(actorType) || !actorType ? gs(rec, 'actor.alternateId') : undefined)
    ?? gs(targetUser, 'alternateId') ?? gs(rec, 'actor.alternateId');
  if (!who) return [];
  const dd = get(rec, 'debugContext.debugData');
  const scopes = scopeList(get(dd, 'grantedScopes'), get(dd, 'scopes'), get(dd, 'requestedScopes'));
  const result = gs(rec, 'outcome.result') ?? 'SUCCESS';
  return [{
    kind: 'saas-app', value, altNames: label && label !== value ? [label] : undefined,
    signal: presence ? 'presence' : 'usage', removal: REMOVAL.test(type) || undefined,
    subject: { kind: 'user', id: who.toLowerCase() },
    time: isoTime(get(rec, 'published')), success: OK.test(result), eventId: gs(rec, 'uuid'),
    attrs: {
      vendor: 'okta', appId: gs(app, 'id'), clientId: gs(dd, 'clientId'), event: type, label,
      scopes: scopes.length ? scopes : undefined, failureReason: OK.test(result) ? undefined : gs(rec, 'outcome.reason'),
    } as AuditEvent['attrs'],
  }];
};

export function isOkta(rec: Rec): boolean {
  return typeof get(rec, 'eventType') === 'string' && get(rec, 'action') === undefined && ['published', 'uuid', 'displayMessage', 'severity'].some((k) => get(rec, k) !== undefined);
}
