/**
 * GitHub organisation / enterprise audit log entries (`action`, `actor`, `created_at` or
 * `@timestamp`, `_document_id`). App installs and OAuth authorisations (`integration_installation.*`,
 * `oauth_application.*`, `oauth_authorization.*`, `oauth_access.*`) → presence with the app's name.
 * Platform feature events (`<feature>.<verb>`, e.g. seat assignments) → presence of
 * "GitHub <feature>", so rules can name platform features without this parser knowing them.
 */
import type { AuditEvent, RecordParser } from '../lib/types.js';
import { gs, isoTime, scopeList, type Rec } from '../lib/util.js';

const APP_PREFIX = /^(integration_installation|integration_installation_request|integration|oauth_application|oauth_authorization|oauth_access|github_app)$/;
const FAILED = /(denied|rejected|blocked|failed)$/;
/**
 * Actions that take an app or a seat away: uninstalls (`integration_installation.destroy`,
 * `.suspend`), deauthorisations (`oauth_authorization.destroy`, `oauth_access.destroy` / `.revoke`),
 * deleted apps, closed install requests, cancelled or unassigned seats (`<product>.cfb_seat_cancelled`,
 * `<product>.cfb_seat_assignment_unassigned`), owners disabling an app's org access
 * (`org.oauth_app_access_denied`). Counted as removals, never presence.
 */
const REMOVAL = /\.(destroy|delete|deleted|remove|removed|revoke|revoked|suspend|close|cancel|disable|disabled)$|_(destroyed|deleted|removed|revoked|cancelled|canceled|unassigned|suspended)$|^org\.oauth_app_access_denied$/;
/** A member asked for an app that is not installed (yet): an attempt, not presence. */
const REQUEST = /^integration_installation_request\.create$|^org\.oauth_app_access_requested$/;

export const parseGithub: RecordParser = (rec) => {
  const action = gs(rec, 'action') ?? '';
  const dot = action.indexOf('.');
  if (dot <= 0) return [];
  const prefix = action.slice(0, dot);
  const actor = gs(rec, 'actor', 'actor_login');
  const assignee = gs(rec, 'assignee', 'assignee_login') ?? (/assign/.test(action) ? gs(rec, 'user') : undefined);
  const who = assignee ?? actor ?? gs(rec, 'user');
  if (!who) return [];
  const base = {
    subject: { kind: 'user', id: who.toLowerCase() },
    time: isoTime(rec['@timestamp'] ?? rec.created_at ?? rec.at_sign_timestamp),
    eventId: gs(rec, '_document_id'),
    success: !FAILED.test(action) && !REQUEST.test(action),
    removal: (REMOVAL.test(action) && !/\.repositories_(added|removed)$/.test(action)) || undefined,
  };
  // owners approving / denying / members requesting an OAuth app's access to the org name the app
  if (APP_PREFIX.test(prefix) || /^org\.oauth_app_access_/.test(action)) {
    const value = gs(rec, 'integration', 'name', 'oauth_application_name', 'oauth_application', 'application_name', 'app', 'programmatic_access_name') ?? '';
    const appId = gs(rec, 'integration_id', 'oauth_application_id', 'application_id', 'app_id');
    if (!value && !appId) return [];
    const scopes = scopeList(rec.scopes);
    return [{
      ...base, kind: 'saas-app', value, signal: 'presence',
      attrs: { vendor: 'github', appId: appId ? `github:${appId}` : undefined, clientId: gs(rec, 'oauth_application_client_id', 'client_id'), event: action, org: gs(rec, 'org'), scopes: scopes.length ? scopes : undefined, actor } as AuditEvent['attrs'],
    }];
  }
  return [{
    ...base, kind: 'saas-app', value: `GitHub ${prefix.replace(/_/g, ' ')}`, signal: 'presence',
    attrs: { vendor: 'github', event: action, org: gs(rec, 'org', 'business'), actor } as AuditEvent['attrs'],
  }];
};

export function isGithub(rec: Rec): boolean {
  if (typeof rec.action !== 'string' || !/^[a-z0-9_]+(\.[a-z0-9_.]+)?$/.test(rec.action)) return false;
  return rec.action.includes('.') || typeof rec.actor === 'string' || rec._document_id !== undefined || rec.org !== undefined || rec.business !== undefined;
}
