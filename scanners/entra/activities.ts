/**
 * Microsoft Entra directory-audit activities that give a user, a group, a service principal or
 * the whole tenant access to an app — and those that take it away — with where each record keeps
 * the app it is about. Shared by the Graph / Azure Monitor parser (`directoryAudits`) and the
 * unified audit log parser (the same activities with a trailing period, `Add OAuth2PermissionGrant.`).
 *
 * Source: Microsoft's audit activity reference, Core Directory service
 * (learn.microsoft.com/entra/identity/monitoring-health/reference-audit-activities; MicrosoftDocs/
 * entra-docs `docs/identity/monitoring-health/reference-audit-activities.md`), categories
 * ApplicationManagement, GroupManagement and UserManagement. `Add app role assignment grant to
 * user` is the name the log writes for the user assignment (the reference lists its removal).
 * Knowledge of a log format: no AI vendor is named here.
 */
import { arr, get, gs, type Rec } from '../audit-export/lib/util.js';

/** Activities that grant access to an app (presence). */
export const GRANT_ACTIVITIES = [
  // ApplicationManagement
  'Consent to application',
  'Add delegated permission grant',
  'Add app role assignment to service principal',
  'Add service principal',
  'Add application',
  'Restore consent',
  'Restore service principal',
  'Restore application',
  // UserManagement
  'Add app role assignment grant to user',
  // GroupManagement (also logged under UserManagement)
  'Add app role assignment to group',
  'Grant contextual consent to application',
  // unified audit log name of the delegated grant
  'Add OAuth2PermissionGrant',
] as const;

/** Activities that take an app's access away: counted as removals, never presence. */
export const REMOVAL_ACTIVITIES = [
  'Remove delegated permission grant',
  'Remove OAuth2PermissionGrant',
  'Remove app role assignment from service principal',
  'Remove app role assignment from user',
  'Remove app role assignment grant from user',
  'Remove app role assignment from group',
  'Remove service principal',
  'Hard delete service principal',
  'Disable service principal',
  'Delete application',
  'Hard delete application',
  'Remove application',
  'Revoke consent',
  'Revoke consent to application',
  'Remove consent',
] as const;

function activityRe(list: readonly string[]): RegExp {
  return new RegExp(`^(${list.map((a) => a.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})\\.?$`, 'i');
}

export const GRANT_ACTIVITY = activityRe(GRANT_ACTIVITIES);
export const REMOVAL_ACTIVITY = activityRe(REMOVAL_ACTIVITIES);

/**
 * Activities whose target service principal is the API being granted (Microsoft Graph, …), not
 * the app that receives the access: the app is in the modified properties
 * (`ServicePrincipal.DisplayName` / `.AppId` / `.ObjectID`, `DelegatedPermissionGrant.ClientId`).
 */
const RESOURCE_TARGET = /delegated permission grant|oauth2permissiongrant|app role assignment (to|from) service principal/i;

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A modified property's value without the JSON quoting the log adds (`"\"x\""` → `x`). */
function unquote(v: string | undefined): string | undefined {
  if (v === undefined) return undefined;
  const t = v.replace(/^[\s"[\]]+|[\s"[\]]+$/g, '');
  return t || undefined;
}

/** Modified properties of every target, by lower-cased name: the new value, else the old one (removals). */
export function modifiedProperties(targets: unknown[], nameKeys = ['displayName', 'Name'], newKeys = ['newValue', 'NewValue'], oldKeys = ['oldValue', 'OldValue']): Map<string, string> {
  const out = new Map<string, string>();
  for (const t of targets) {
    for (const m of arr(get(t, 'modifiedProperties') ?? get(t, 'ModifiedProperties'))) {
      const name = (gs(m, ...nameKeys) ?? '').toLowerCase();
      const v = unquote(gs(m, ...newKeys)) ?? unquote(gs(m, ...oldKeys));
      if (name && v && !out.has(name)) out.set(name, v);
    }
  }
  return out;
}

export interface GrantTarget {
  /** The app's display name ('' when the record names it only by id). */
  value: string;
  appId?: string;
  /** The app's service principal object id. */
  servicePrincipalId?: string;
  /** The API the access is to (Microsoft Graph, …), for grants whose target is that API. */
  resource?: string;
  /** Who receives the access: a user (UPN or object id; none = the consenting user), a group, a service principal, or the tenant. */
  grantee?: string;
  granteeKind?: 'user' | 'group' | 'servicePrincipal' | 'tenant';
  /** Application permissions (app roles) granted, from `AppRole.Value`. */
  appRoles?: string[];
}

/**
 * The app a directory-audit grant or removal is about, and who receives the access. `known`
 * resolves service principal object ids to names (the tenant's service principals, when read).
 */
export function grantTarget(activity: string, targets: unknown[], details: unknown[], known?: Map<string, { name: string; appId?: string }>): GrantTarget {
  const props = modifiedProperties(targets);
  const detail = (key: string) => gs(details.find((d) => (gs(d, 'key') ?? '').toLowerCase() === key), 'value');
  const appRole = props.get('approle.value');
  const appRoles = appRole ? [appRole] : undefined;
  if (RESOURCE_TARGET.test(activity)) {
    const api = targets.find((t) => /serviceprincipal/i.test(gs(t, 'type') ?? '')) ?? targets[0];
    const spId = props.get('delegatedpermissiongrant.clientid') ?? props.get('serviceprincipal.objectid');
    const spKnown = spId ? known?.get(spId) : undefined;
    const consentType = props.get('delegatedpermissiongrant.consenttype');
    const principal = props.get('delegatedpermissiongrant.principalid');
    const toSp = /service principal/i.test(activity);
    return {
      value: props.get('serviceprincipal.displayname') ?? spKnown?.name ?? '',
      appId: props.get('serviceprincipal.appid') ?? spKnown?.appId,
      servicePrincipalId: spId,
      resource: gs(api, 'displayName'),
      ...(toSp ? { grantee: props.get('serviceprincipal.displayname') ?? spId, granteeKind: 'servicePrincipal' as const } : /^allprincipals$/i.test(consentType ?? '') ? { grantee: 'all users', granteeKind: 'tenant' as const } : principal || /^principal$/i.test(consentType ?? '') ? { grantee: principal, granteeKind: 'user' as const } : {}),
      appRoles,
    };
  }
  const app = targets.find((t) => /serviceprincipal|application/i.test(gs(t, 'type') ?? '')) ?? targets[0];
  const spId = /serviceprincipal/i.test(gs(app, 'type') ?? '') ? gs(app, 'id') : undefined;
  const idFromProps = ['appid', 'appaddress', 'applicationid', 'targetid.appid'].map((k) => props.get(k)).find((v) => v && GUID.test(v));
  const user = targets.find((t) => /^user$/i.test(gs(t, 'type') ?? ''));
  const group = targets.find((t) => /^group$/i.test(gs(t, 'type') ?? ''));
  const onBehalfOfAll = /^true$/i.test(props.get('consentcontext.onbehalfofall') ?? '');
  const grantee =
    /to group|contextual consent/i.test(activity) || group
      ? { grantee: gs(group, 'displayName') ?? props.get('group.displayname') ?? gs(group, 'id') ?? props.get('group.objectid'), granteeKind: 'group' as const }
      : /to user|from user/i.test(activity) || user
        ? { grantee: gs(user, 'userPrincipalName') ?? props.get('user.upn') ?? gs(user, 'id') ?? props.get('user.objectid'), granteeKind: 'user' as const }
        : onBehalfOfAll
          ? { grantee: 'all users', granteeKind: 'tenant' as const }
          : {};
  return {
    value: gs(app, 'displayName') ?? (spId ? known?.get(spId)?.name : undefined) ?? '',
    appId: detail('appid') ?? idFromProps ?? (spId ? known?.get(spId)?.appId : undefined),
    servicePrincipalId: spId,
    ...(grantee.grantee ? grantee : {}),
    appRoles,
  };
}

/** Remembers the service principals a record names (id + display name), so later grants can be named. */
export function learnServicePrincipals(targets: unknown[], known: Map<string, { name: string; appId?: string }> | undefined): void {
  if (!known) return;
  for (const t of targets as Rec[]) {
    const id = gs(t, 'id');
    const name = gs(t, 'displayName');
    if (id && name && /serviceprincipal/i.test(gs(t, 'type') ?? '') && !known.has(id)) known.set(id, { name });
  }
  const props = modifiedProperties(targets);
  const id = props.get('serviceprincipal.objectid');
  const name = props.get('serviceprincipal.displayname');
  if (id && name && !known.has(id)) known.set(id, { name, appId: props.get('serviceprincipal.appid') });
}
