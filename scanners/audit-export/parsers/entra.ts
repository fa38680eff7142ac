/**
 * Microsoft Entra ID: Graph `auditLogs/signIns`, `auditLogs/directoryAudits`, `servicePrincipals`,
 * `oauth2PermissionGrants` objects, and the same records as Azure Monitor diagnostic exports
 * (`{ category: 'SignInLogs' | 'AuditLogs' | …, properties: {…} }`) and portal CSV downloads
 * (mapped to the Graph shape by the CSV reader).
 */
import type { AuditEvent, ParseContext, RecordParser } from '../lib/types.js';
import { arr, get, gs, isoTime, obj, scopeList, str, type Rec } from '../lib/util.js';
import { GRANT_ACTIVITY, REMOVAL_ACTIVITY, grantTarget, learnServicePrincipals } from '../../entra/activities.js';


/**
 * Directory audit activities that grant an app access (to a user, a group, a service principal
 * or the tenant) and those that take it away: the list from Microsoft's audit activity
 * reference, kept with the Entra scanner (scanners/entra/activities.ts).
 */
export { GRANT_ACTIVITY, REMOVAL_ACTIVITY } from '../../entra/activities.js';

function signInSuccess(p: Rec, outer?: Rec): boolean {
  const code = get(p, 'status.errorCode');
  if (code !== undefined && code !== null && code !== '') return Number(code) === 0;
  const rt = str(outer?.resultType) ?? str(p.resultType);
  if (rt !== undefined) return rt === '0' || /^success$/i.test(rt);
  const r = str(p.result) ?? str(p.status);
  if (r !== undefined) return /^success/i.test(r);
  return true;
}

function signIn(p: Rec, outer?: Rec): AuditEvent[] {
  const upn = gs(p, 'userPrincipalName', 'userDisplayName');
  const spName = gs(p, 'servicePrincipalName');
  const subject = upn
    ? { kind: 'user', id: upn.toLowerCase() }
    : spName || gs(p, 'servicePrincipalId')
      ? { kind: 'principal', id: (gs(p, 'servicePrincipalId') ?? spName)!, name: spName }
      : undefined;
  const value = gs(p, 'appDisplayName') ?? spName ?? '';
  const appId = gs(p, 'appId');
  if (!subject || (!value && !appId)) return [];
  return [{
    kind: 'saas-app', value, signal: 'usage', subject,
    time: isoTime(p.createdDateTime ?? outer?.time),
    success: signInSuccess(p, outer),
    eventId: gs(p, 'id') ?? gs(outer, 'correlationId'),
    attrs: {
      vendor: 'entra', appId, event: str(outer?.category) ?? 'signIn',
      resource: gs(p, 'resourceDisplayName'), errorCode: str(get(p, 'status.errorCode')) === '0' ? undefined : str(get(p, 'status.errorCode')),
    } as AuditEvent['attrs'],
  }];
}

/** Scopes written in audit modified properties: `ConsentAction.Permissions` ("… Scope: Mail.Read offline_access, …") or `DelegatedPermissionGrant.Scope`. */
function auditScopes(targets: unknown[]): string[] {
  const found: string[] = [];
  for (const t of targets) {
    for (const m of arr(get(t, 'modifiedProperties'))) {
      const name = (gs(m, 'displayName', 'Name') ?? '').toLowerCase();
      const nv = gs(m, 'newValue', 'NewValue') ?? '';
      if (name.endsWith('permissions')) for (const x of nv.matchAll(/Scope:\s*([^,\]]*)/g)) found.push(...x[1].split(/\s+/));
      else if (name.endsWith('scope')) found.push(...nv.replace(/["[\]]/g, ' ').split(/\s+/));
    }
  }
  return scopeList(found.filter((s) => /^[\w.:/-]+$/.test(s)));
}

function directoryAudit(p: Rec, outer?: Rec, ctx?: ParseContext): AuditEvent[] {
  const activity = gs(p, 'activityDisplayName', 'operationName') ?? '';
  const targets = arr(p.targetResources);
  learnServicePrincipals(targets, ctx?.servicePrincipals);
  const removal = REMOVAL_ACTIVITY.test(activity);
  if (!removal && !GRANT_ACTIVITY.test(activity)) return [];
  const g = grantTarget(activity, targets, arr(p.additionalDetails), ctx?.servicePrincipals);
  // the initiator: a user (UPN, else object id), an app (name, else service principal id), else the tenant
  const upn = gs(p, 'initiatedBy.user.userPrincipalName') ?? gs(outer, 'identity');
  const userId = gs(p, 'initiatedBy.user.id');
  const initiatorApp = gs(p, 'initiatedBy.app.displayName') ?? gs(p, 'initiatedBy.app.servicePrincipalId');
  const subject = upn ? { kind: 'user', id: upn.toLowerCase() } : userId ? { kind: 'user', id: userId.toLowerCase() } : initiatorApp ? { kind: 'principal', id: initiatorApp } : { kind: 'tenant', id: ctx?.tenant ?? 'tenant' };
  // a grant needs the app that receives the access; a removal is counted even when the record
  // names only the API it was to (the app is then unknown)
  if (!g.value && !g.appId && !removal) return [];
  if (!g.value && !g.appId) g.value = g.resource ?? '';
  const scopes = scopeList(auditScopes(targets), g.appRoles);
  const result = gs(p, 'result') ?? gs(outer, 'resultType') ?? 'success';
  return [{
    kind: 'saas-app', value: g.value, signal: 'presence', subject, removal: removal || undefined,
    time: isoTime(p.activityDateTime ?? outer?.time),
    success: /^success/i.test(result),
    eventId: gs(p, 'id') ?? gs(p, 'correlationId') ?? gs(outer, 'correlationId'),
    attrs: {
      vendor: 'entra', appId: g.appId, servicePrincipalId: g.servicePrincipalId, event: activity, scopes: scopes.length ? scopes : undefined,
      // a user's own consent names no principal: the grantee is the consenting user
      resource: g.resource, grantee: g.grantee ?? (g.granteeKind === 'user' ? subject.id : undefined), granteeKind: g.granteeKind, failureReason: gs(p, 'resultReason'),
    } as AuditEvent['attrs'],
  }];
}

function servicePrincipal(p: Rec, ctx?: ParseContext): AuditEvent[] {
  const value = gs(p, 'displayName', 'appDisplayName') ?? '';
  const appId = gs(p, 'appId');
  if (!value && !appId) return [];
  const tenant = ctx?.tenant ?? gs(p, 'appOwnerOrganizationId') ?? 'tenant';
  return [{
    kind: 'saas-app', value, signal: 'presence', subject: { kind: 'tenant', id: tenant },
    time: isoTime(p.createdDateTime), success: get(p, 'accountEnabled') !== false,
    eventId: gs(p, 'id'),
    attrs: { vendor: 'entra', appId, event: 'servicePrincipal', publisher: gs(p, 'verifiedPublisher.displayName', 'publisherName'), spType: gs(p, 'servicePrincipalType') } as AuditEvent['attrs'],
  }];
}

function permissionGrant(p: Rec, ctx?: ParseContext): AuditEvent[] {
  const spId = gs(p, 'clientId') ?? '';
  const sp = ctx?.servicePrincipals?.get(spId);
  const scopes = scopeList(p.scope);
  const all = /^allprincipals$/i.test(gs(p, 'consentType') ?? '');
  const principal = gs(p, 'principalId');
  const subject = all || !principal ? { kind: 'tenant', id: ctx?.tenant ?? 'tenant' } : { kind: 'user', id: principal.toLowerCase() };
  return [{
    kind: 'saas-app', value: sp?.name ?? '', signal: 'presence', subject, success: true,
    eventId: gs(p, 'id'),
    attrs: { vendor: 'entra', appId: sp?.appId, servicePrincipalId: spId, event: 'oauth2PermissionGrant', consentType: gs(p, 'consentType'), scopes: scopes.length ? scopes : undefined } as AuditEvent['attrs'],
  }];
}

const SIGNIN_CATEGORY = /signinlogs$/i;

export const parseEntra: RecordParser = (rec, ctx) => {
  const props = obj(get(rec, 'properties'));
  const category = gs(rec, 'category');
  if (props && category) {
    if (SIGNIN_CATEGORY.test(category)) return signIn(props, rec);
    return directoryAudit(props, rec, ctx);
  }
  if (isServicePrincipal(rec)) return servicePrincipal(rec, ctx);
  if (isPermissionGrant(rec)) return permissionGrant(rec, ctx);
  if (rec.activityDisplayName !== undefined && rec.targetResources !== undefined) return directoryAudit(rec, undefined, ctx);
  return signIn(rec);
};

export function isServicePrincipal(rec: Rec): boolean {
  return rec.servicePrincipalType !== undefined || (Array.isArray(rec.servicePrincipalNames) && rec.appId !== undefined);
}

export function isPermissionGrant(rec: Rec): boolean {
  return rec.consentType !== undefined && rec.clientId !== undefined && rec.resourceId !== undefined;
}

export function isEntra(rec: Rec): boolean {
  const category = gs(rec, 'category');
  if (category && obj(get(rec, 'properties')) && (/microsoft\.aadiam/i.test(gs(rec, 'resourceId') ?? '') || SIGNIN_CATEGORY.test(category) || /^(auditlogs|applicationmanagement|userManagement)$/i.test(category))) return true;
  if (isServicePrincipal(rec) || isPermissionGrant(rec)) return true;
  if (rec.activityDisplayName !== undefined && rec.targetResources !== undefined) return true;
  return (rec.appDisplayName !== undefined || rec.appId !== undefined) && (rec.userPrincipalName !== undefined || rec.createdDateTime !== undefined) && rec.eventType === undefined;
}
