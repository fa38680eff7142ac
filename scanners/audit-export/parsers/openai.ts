/**
 * OpenAI Admin API audit logs (`GET /v1/organization/audit_logs`: `data[]` items of
 * `object: organization.audit_log`, page envelope `{"object":"list","data":[…]}`). They describe
 * the organisation's OpenAI **API platform** account (platform.openai.com: logins, API keys,
 * projects, service accounts, members) — not ChatGPT workspaces, which have their own
 * Compliance API — so every event is a `saas-app` event named "OpenAI Platform" (openai-api's
 * `saas.appNames`).
 *
 * `login.*` / `logout.*` are usage of the platform; `*.failed` are attempts (success = false);
 * deletions / archivals / removals (`api_key.deleted`, `project.archived`, `user.deleted` …) are
 * removals (counted, never observations); every other event (`api_key.created`,
 * `project.created`, `invite.sent` …) is presence of the acting user in the org.
 */
import type { AuditEvent, RecordParser } from '../lib/types.js';
import { arr, get, gs, isoTime, obj, type Rec } from '../lib/util.js';

const USAGE = /^(login|logout)\./;
const REMOVAL = /\.(deleted|archived|removed|revoked)$/;

export const parseOpenAi: RecordParser = (rec) => {
  const type = gs(rec, 'type');
  if (!type) return [];
  const actor = obj(rec.actor) ?? {};
  const email = gs(actor, 'session.user.email', 'api_key.user.email');
  const sa = gs(actor, 'api_key.service_account.id');
  const userId = gs(actor, 'session.user.id', 'api_key.user.id');
  const subject = email ? { kind: 'user', id: email.toLowerCase() }
    : sa ? { kind: 'principal', id: sa, name: 'OpenAI service account' }
    : userId ? { kind: 'user', id: userId } : undefined;
  if (!subject) return [];
  // the type-specific object: `api_key_created` (as exported) or `api_key.created` (as documented)
  const detail = obj(rec[type.replace(/\./g, '_')]) ?? obj(rec[type]);
  const scopes = arr(get(detail, 'data.scopes')).filter((s): s is string => typeof s === 'string');
  return [{
    kind: 'saas-app', value: 'OpenAI Platform',
    signal: USAGE.test(type) ? 'usage' : 'presence', removal: REMOVAL.test(type) || undefined,
    subject, time: isoTime(rec.effective_at), success: !/\.failed$/.test(type), eventId: gs(rec, 'id'),
    key: type,
    attrs: {
      vendor: 'openai', event: type, actorType: gs(actor, 'type'), objectId: gs(detail, 'id'),
      apiKeyId: gs(actor, 'api_key.id'), project: gs(rec, 'project.name', 'project.id'),
      keyScopes: scopes.length ? scopes : undefined,
      failureReason: gs(detail, 'error_code'),
    } as AuditEvent['attrs'],
  }];
};

export function isOpenAi(rec: Rec): boolean {
  if (rec.object === 'organization.audit_log') return true;
  return typeof rec.type === 'string' && dottedName(rec.type) && rec.effective_at !== undefined && obj(rec.actor) !== undefined;
}

/** `api_key.created`, `project.service_account.updated`: dotted lower-case words (a linear check, no nested quantifier). */
function dottedName(t: string): boolean {
  return /^[a-z_]+\.[a-z_.]*$/.test(t) && !t.endsWith('.') && !t.includes('..');
}
