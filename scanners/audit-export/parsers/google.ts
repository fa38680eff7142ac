/**
 * Google Workspace Admin SDK Reports API activities (`admin#reports#activity`): the API's own
 * shape (`events: [{ name, parameters: [...] }]`) and the flattened shapes SIEM exports write
 * (`events` as one object; `name` / `parameters` at top level).
 *
 * - token:  authorize → presence (a grant); activity / request → usage; revoke → a removal (the
 *           user or an admin took the grant away: counted, never presence). App = `app_name`,
 *           client id = `client_id`, scopes = `scope` / `scope_data`.
 * - saml / login: an event that names an application (`application_name`) → usage (SSO into the app).
 * - admin:  events that name an app (`APP_NAME`, `APPLICATION_NAME`, `OAUTH2_APP_NAME`, `API_CLIENT_NAME`) → presence;
 *           events that remove, untrust or block an app → removals.
 * - any other report (per-product activity): value = the report's applicationName, usage.
 */
import type { AuditEvent, RecordParser } from '../lib/types.js';
import { arr, get, gs, isoTime, obj, scopeList, str, type Rec } from '../lib/util.js';

interface GEvent {
  type?: string;
  name?: string;
  params: Map<string, unknown>;
}

function paramValue(p: Rec): unknown {
  if ('value' in p) return p.value;
  if ('multiValue' in p) return p.multiValue;
  if ('boolValue' in p) return p.boolValue;
  if ('intValue' in p) return p.intValue;
  if ('multiIntValue' in p) return p.multiIntValue;
  if ('multiMessageValue' in p) return p.multiMessageValue;
  if ('messageValue' in p) return p.messageValue;
  return undefined;
}

function params(v: unknown): Map<string, unknown> {
  const m = new Map<string, unknown>();
  if (Array.isArray(v)) {
    for (const p of v) {
      const o = obj(p);
      const n = o && str(o.name);
      if (n) m.set(n.toLowerCase(), paramValue(o));
    }
  } else {
    const o = obj(v);
    if (o) for (const [k, x] of Object.entries(o)) m.set(k.toLowerCase(), x);
  }
  return m;
}

export function googleEvents(rec: Rec): GEvent[] {
  const ev = rec.events;
  if (Array.isArray(ev)) return ev.map((e) => ({ type: gs(e, 'type'), name: gs(e, 'name'), params: params(get(e, 'parameters')) }));
  if (obj(ev)) return [{ type: gs(ev, 'type'), name: gs(ev, 'name'), params: params(get(ev, 'parameters')) }];
  if (rec.name || rec.parameters) return [{ type: str(rec.type), name: str(rec.name), params: params(rec.parameters) }];
  return [];
}

/** Scopes from `scope` (list) or `scope_data` (multiMessageValue of { scope_name }). */
function scopesOf(p: Map<string, unknown>): string[] {
  const fromData: string[] = [];
  for (const m of arr(p.get('scope_data'))) {
    for (const q of arr(get(m, 'parameter'))) if (gs(q, 'name') === 'scope_name') { const v = gs(q, 'value'); if (v) fromData.push(v); }
    const direct = gs(m, 'scope_name');
    if (direct) fromData.push(direct);
  }
  return scopeList(p.get('scope'), p.get('scopes'), fromData);
}

/** Admin events that install, trust, block or authorise a third-party app (not settings of Google's own apps). */
const ADMIN_APP_EVENT = /^(ADD_APPLICATION|REMOVE_APPLICATION|ADD_TO_TRUSTED_OAUTH2_APPS|ADD_TO_BLOCKED_OAUTH2_APPS|REMOVE_FROM_BLOCKED_OAUTH2_APPS|AUTHORIZE_API_CLIENT_ACCESS|REMOVE_API_CLIENT_ACCESS|ADD_APPLICATION_TO_WHITELIST|REMOVE_APPLICATION_FROM_WHITELIST|.*OAUTH2_APP.*|INSTALL_.*|UNINSTALL_.*)$/i;
/** Token / admin events that grant access (`authorize`, and its variants in other exports: grant, consent, approve, allow …). */
const SIGNAL_PRESENCE = /^(authori[sz]e|grant|add|install|create|consent|approve|allow)/i;
/** Token events that take a grant away (Reports API token events: authorize, revoke, request, activity). */
const TOKEN_REMOVAL = /^(revoke|deauthorize|delete|remove)/i;
/** Admin events that take an app away: remove / untrust / block / uninstall / revoke (unblocking is not one). */
const ADMIN_REMOVAL = /^(REMOVE_(?!FROM_BLOCKED)|DELETE_|UNINSTALL_|REVOKE_|UNTRUST_|ADD_TO_BLOCKED|BLOCK_)/i;

export const parseGoogle: RecordParser = (rec) => {
  const app = (gs(rec, 'id.applicationName', 'applicationName') ?? '').toLowerCase();
  const time = isoTime(get(rec, 'id.time') ?? rec.time);
  const eventId = gs(rec, 'id.uniqueQualifier');
  const out: AuditEvent[] = [];
  // who acted: a user (email, else profile id); a service account or API key (callerType KEY);
  // else the customer — a grant is never dropped for want of an actor
  const userId = gs(rec, 'actor.email') ?? gs(rec, 'actor.profileId');
  const key = gs(rec, 'actor.key');
  const customer = gs(rec, 'id.customerId', 'customerId');
  const subject = userId ? { kind: 'user', id: userId.toLowerCase() } : key ? { kind: 'principal', id: key } : customer ? { kind: 'tenant', id: customer } : undefined;
  if (!subject) return out;
  for (const e of googleEvents(rec)) {
    const p = e.params;
    const name = e.name ?? '';
    // the shared fields are written out in each event: an object spread (`...base`) cost more
    // than the rest of this parser together (measured on 50 000 token events: 390 ms vs 20 ms)
    if (app === 'token') {
      const appName = str(p.get('app_name')) ?? '';
      const clientId = str(p.get('client_id'));
      if (!appName && !clientId) continue;
      const scopes = scopesOf(p);
      out.push({
        subject, time, eventId, kind: 'saas-app', value: appName, success: true,
        signal: SIGNAL_PRESENCE.test(name) ? 'presence' : 'usage', removal: TOKEN_REMOVAL.test(name) || undefined,
        attrs: { vendor: 'google', clientId, event: name, scopes: scopes.length ? scopes : undefined, clientType: str(p.get('client_type')), apiName: str(p.get('api_name')) } as AuditEvent['attrs'],
      });
    } else if (app === 'login' || app === 'saml') {
      const appName = str(p.get('application_name')) ?? str(p.get('app_name'));
      if (!appName) continue;
      out.push({
        subject, time, eventId, kind: 'saas-app', value: appName, signal: 'usage',
        success: !/fail/i.test(name) && !str(p.get('failure_type')),
        attrs: { vendor: 'google', event: name, appId: str(p.get('saml_sp_entity_id')) ?? str(p.get('sp_entity_id')) } as AuditEvent['attrs'],
      });
    } else if (app === 'admin') {
      if (!ADMIN_APP_EVENT.test(name) || /SETTING/i.test(name)) continue;
      const appName = str(p.get('oauth2_app_name')) ?? str(p.get('application_name')) ?? str(p.get('app_name'));
      const clientId = str(p.get('oauth2_app_id')) ?? str(p.get('api_client_name')) ?? str(p.get('app_id'));
      if (!appName && !clientId) continue;
      const scopes = scopeList(p.get('api_scopes'), p.get('oauth2_app_scopes'));
      out.push({
        subject, time, eventId, kind: 'saas-app', value: appName ?? '', signal: 'presence', success: true, removal: ADMIN_REMOVAL.test(name) || undefined,
        attrs: { vendor: 'google', clientId, event: name, scopes: scopes.length ? scopes : undefined } as AuditEvent['attrs'],
      });
    } else if (app) {
      out.push({
        subject, time, eventId, kind: 'saas-app', value: app, signal: 'usage', success: !/fail|denied|block/i.test(name),
        attrs: { vendor: 'google', event: name, feature: str(p.get('app_name')), action: str(p.get('action')) } as AuditEvent['attrs'],
      });
    }
  }
  return out;
};

export function isGoogle(rec: Rec): boolean {
  return rec.kind === 'admin#reports#activity' || !!gs(rec, 'id.applicationName');
}
