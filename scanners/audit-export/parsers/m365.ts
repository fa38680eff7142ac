/**
 * Office 365 Management Activity API / Purview unified audit log records (`Workload`, `Operation`,
 * `RecordType`, `CreationTime`, `UserId`; Purview CSV exports carry the same JSON in `AuditData`).
 *
 * - AI interaction records (`Operation` ending in `Interaction`, or `AIInteraction…`): value =
 *   `Workload` + the event data's `AppHost`; the workload qualified by the platform ("Microsoft 365 <Workload>"),
 *   the workload alone and the event data's `AppIdentity` are alternative names; usage.
 * - Entra records in the unified log (`UserLoggedIn` / `UserLoginFailed` with `ApplicationId`): usage.
 * - Consent / grant operations (`Consent to application.`, app role assignments to users, groups and
 *   service principals … — the list in scanners/entra/activities.ts): presence; removed grants /
 *   service principals (`Remove delegated permission grant.` …): removals (counted, never presence).
 */
import type { AuditEvent, RecordParser } from '../lib/types.js';
import { arr, get, gs, isoTime, obj, scopeList, str, type Rec } from '../lib/util.js';
import { GRANT_ACTIVITY, REMOVAL_ACTIVITY, modifiedProperties } from '../../entra/activities.js';

const INTERACTION = /Interaction$|^AIInteraction/;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function eventData(rec: Rec): Rec | undefined {
  for (const [k, v] of Object.entries(rec)) if (k.endsWith('EventData') && obj(v)) return v as Rec;
  return undefined;
}

export const parseM365: RecordParser = (rec) => {
  const op = gs(rec, 'Operation') ?? '';
  const workload = gs(rec, 'Workload') ?? '';
  const user = gs(rec, 'UserId', 'UserKey');
  if (!user) return [];
  const subject = { kind: 'user', id: user.toLowerCase() };
  // shared fields written out in each event (an object spread per event is slow: see google.ts)
  const time = isoTime(rec.CreationTime);
  const eventId = gs(rec, 'Id');
  if (INTERACTION.test(op)) {
    const ed = eventData(rec);
    const host = gs(ed, 'AppHost');
    const identity = gs(ed, 'AppIdentity');
    const models = arr(get(ed, 'ModelTransparencyDetails')).map((m) => gs(m, 'ModelName')).filter((x): x is string => !!x);
    const plugins = arr(get(ed, 'AISystemPlugin')).map((m) => gs(m, 'Name', 'Id')).filter((x): x is string => !!x);
    // Interactions with third-party AI apps (Purview `AIAppInteraction`, `ConnectedAIAppInteraction`)
    // share the first-party assistant's workload: they are named by their own app, never by the
    // workload (that would claim the first-party assistant for a third-party app).
    const thirdParty = /^(Connected)?AIAppInteraction$/i.test(op);
    const value = thirdParty ? identity ?? host ?? '' : [workload, host].filter(Boolean).join(' ');
    const altNames = thirdParty ? [host ?? ''].filter((n) => n && n !== value) : [workload && `Microsoft 365 ${workload}`, workload, identity ?? ''].filter(Boolean);
    if (!value) return [];
    return [{
      subject, time, eventId, kind: 'saas-app', value, altNames, signal: 'usage', success: true,
      attrs: {
        vendor: 'm365', event: op, appId: identity, appHost: host, workload,
        models: models.length ? [...new Set(models)].sort() : undefined, plugins: plugins.length ? [...new Set(plugins)].sort() : undefined,
      } as AuditEvent['attrs'],
    }];
  }
  if (/^UserLog(ged)?In$|^UserLoginFailed$/i.test(op)) {
    const appId = gs(rec, 'ApplicationId');
    if (!appId) return [];
    return [{ subject, time, eventId, kind: 'saas-app', value: '', signal: 'usage', success: !/failed/i.test(op), attrs: { vendor: 'entra', appId, event: op, errorCode: gs(rec, 'LogonError') } as AuditEvent['attrs'] }];
  }
  const removal = REMOVAL_ACTIVITY.test(op);
  if (removal || GRANT_ACTIVITY.test(op)) {
    // grants whose object is the API being granted (delegated grants, app roles to a service
    // principal) name the app that receives the access in ServicePrincipal.* properties
    const props = modifiedProperties([{ ModifiedProperties: rec.ModifiedProperties }], ['Name'], ['NewValue'], ['OldValue']);
    const client = props.get('serviceprincipal.displayname');
    const names = client ? [client] : [gs(rec, 'ObjectId'), ...arr(rec.Target).map((t) => gs(t, 'ID'))].filter((x): x is string => !!x && !GUID.test(x) && !/^ServicePrincipal_/i.test(x));
    const appId = client ? props.get('serviceprincipal.appid') : arr(rec.Target).map((t) => gs(t, 'ID')).find((x) => x && GUID.test(x));
    const found: string[] = [];
    for (const m of arr(rec.ModifiedProperties)) {
      const n = (gs(m, 'Name') ?? '').toLowerCase();
      const nv = gs(m, 'NewValue') ?? '';
      if (n.endsWith('permissions')) for (const x of nv.matchAll(/Scope:\s*([^,\]]*)/g)) found.push(...x[1].split(/\s+/));
      else if (n.endsWith('scope')) found.push(...nv.replace(/["[\]]/g, ' ').split(/\s+/));
    }
    const scopes = scopeList(found.filter((s) => /^[\w.:/-]+$/.test(s)));
    if (!names.length && !appId) return [];
    return [{
      subject, time, eventId, kind: 'saas-app', value: names[0] ?? '', altNames: names.slice(1), signal: 'presence', removal: removal || undefined,
      success: !/fail/i.test(gs(rec, 'ResultStatus') ?? ''),
      attrs: { vendor: 'entra', event: op, appId, scopes: scopes.length ? scopes : undefined } as AuditEvent['attrs'],
    }];
  }
  return [];
};

export function isM365(rec: Rec): boolean {
  return get(rec, 'Operation') !== undefined && (get(rec, 'Workload') !== undefined || get(rec, 'RecordType') !== undefined) && get(rec, 'CreationTime') !== undefined;
}

/** Purview audit-search CSV rows carry the record as JSON in `AuditData`. */
export function fromAuditData(row: Rec): Rec | undefined {
  const k = Object.keys(row).find((x) => x.toLowerCase() === 'auditdata');
  const v = k ? str(row[k]) : undefined;
  if (!v || !v.startsWith('{')) return undefined;
  try {
    return obj(JSON.parse(v));
  } catch {
    return undefined;
  }
}
