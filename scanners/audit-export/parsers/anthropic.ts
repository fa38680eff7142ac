/**
 * Anthropic Compliance / activity API events (`id`, `created_at`, `type`, `actor`,
 * `organization_id`, type-specific fields). Claude app activity — chats, files, projects,
 * artifacts, SSO logins, MCP servers and integrations, org settings — is the `saas-app` "Claude"
 * (claude-ai); API, admin and service keys, workspaces and platform settings are "Anthropic
 * Console" (anthropic-api). Both names come from the rules' `saas.appNames`.
 *
 * Chats / files / projects / artifacts and SSO logins are usage; keys, MCP servers
 * (`attrs.mcpServer`), integrations (`attrs.integration`) and other admin events are presence;
 * `*_deleted` / `*_revoked` / `*_removed` / `*_disconnected` / `*_deactivated` are removals;
 * `*_failed` are attempts (success = false).
 */
import type { AuditEvent, RecordParser } from '../lib/types.js';
import { gs, isoTime, obj, type Rec } from '../lib/util.js';

const PLATFORM = /(^|_)(api_key|service_key|workspace|platform|admin_key)/;
const USAGE = /^(claude_(chat|file|project|artifact|message|conversation)|sso_login|login)/;
const REMOVAL = /_(deleted|revoked|removed|disconnected|deactivated)$/;

export const parseAnthropic: RecordParser = (rec) => {
  const type = gs(rec, 'type');
  if (!type) return [];
  const actor = obj(rec.actor) ?? {};
  const email = gs(actor, 'email_address', 'email');
  const keyId = gs(actor, 'api_key_id');
  const userId = gs(actor, 'user_id');
  const ip = gs(actor, 'ip_address');
  const subject = email ? { kind: 'user', id: email.toLowerCase() }
    : keyId ? { kind: 'principal', id: keyId, name: 'Anthropic API key' }
    : userId ? { kind: 'user', id: userId }
    : ip ? { kind: 'ip', id: ip } : undefined;
  if (!subject) return [];
  const mcpServer = gs(rec, 'mcp_server_name', 'mcp_server_id');
  const integration = gs(rec, 'integration_type', 'integration_name');
  return [{
    kind: 'saas-app', value: PLATFORM.test(type) ? 'Anthropic Console' : 'Claude',
    signal: USAGE.test(type) ? 'usage' : 'presence', removal: REMOVAL.test(type) || undefined,
    subject, time: isoTime(rec.created_at), success: !/_failed$/.test(type), eventId: gs(rec, 'id'),
    key: `${type}|${mcpServer ?? ''}|${integration ?? ''}`,
    attrs: {
      vendor: 'anthropic', event: type, actorType: gs(actor, 'type'), org: gs(rec, 'organization_id'),
      mcpServer, integration,
    } as AuditEvent['attrs'],
  }];
};

export function isAnthropic(rec: Rec): boolean {
  if (typeof rec.type !== 'string' || rec.created_at === undefined || rec.action !== undefined || rec.eventType !== undefined) return false;
  const actor = obj(rec.actor);
  if (!actor) return false;
  return /_actor$/.test(String(actor.type ?? '')) || rec.organization_id !== undefined || /^activity_/.test(String(rec.id ?? ''));
}
