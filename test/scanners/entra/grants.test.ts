/**
 * Issue 11 item 5 (Entra): every directory-audit activity that gives a user, a group, a service
 * principal or the tenant access to an app becomes a finding for that app — consents, delegated
 * permission grants, app role assignments to users, groups and service principals, contextual
 * consent, restored consent — from Microsoft's audit activity reference. Records in Graph's
 * `directoryAudit` shape (fixtures/audit-grants/entra-grants.json), pulled by the live `entra` scanner
 * from a loopback Graph, and parsed directly for the cases that need the service-principal
 * inventory. Grants whose target is the API being granted (Microsoft Graph) are attributed to
 * the app that receives the access, never to the API.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { scannerById } from '../../../scanners/index.js';
import { GRANT_ACTIVITIES, GRANT_ACTIVITY, REMOVAL_ACTIVITIES, REMOVAL_ACTIVITY } from '../../../scanners/entra/activities.js';
import { parseEntra } from '../../../scanners/audit-export/parsers/entra.js';
import { parseM365 } from '../../../scanners/audit-export/parsers/m365.js';
import { collect, silentLogger } from '../../../src/collect/run.js';
import { matchAll } from '../../../src/match/match.js';
import { ruleIndex } from '../../../src/rules/load.js';
import { startFake, type FakeServer } from '../audit-export/fake-saas.js';
import { fakeEnv, liveOptions, setEnv } from '../audit-export/fixtures-data.js';

const { index: rules } = ruleIndex();
const PAGE = JSON.parse(readFileSync(resolve(__dirname, '../../../fixtures/audit-grants/entra-grants.json'), 'utf8')) as { value: Array<Record<string, any>> };
const byActivity = (a: string) => PAGE.value.filter((r) => r.activityDisplayName === a);

let cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

describe('entra: every grant of access to an app is a finding', () => {
  it('knows every consent, delegated grant and app role assignment activity of the reference, with and without the unified log\'s trailing period', () => {
    for (const a of ['Consent to application', 'Add delegated permission grant', 'Add app role assignment to service principal', 'Add app role assignment grant to user', 'Add app role assignment to group', 'Grant contextual consent to application', 'Restore consent', 'Add OAuth2PermissionGrant.'])
      expect(GRANT_ACTIVITY.test(a), a).toBe(true);
    for (const a of ['Remove app role assignment from group', 'Remove app role assignment from user', 'Remove app role assignment from service principal', 'Remove delegated permission grant.', 'Revoke consent'])
      expect(REMOVAL_ACTIVITY.test(a), a).toBe(true);
    for (const a of ['Update user', 'Add member to group', 'Add owner to service principal', 'Update application', 'Add service principal credentials']) expect(GRANT_ACTIVITY.test(a) || REMOVAL_ACTIVITY.test(a), a).toBe(false);
    expect(GRANT_ACTIVITIES.some((g) => (REMOVAL_ACTIVITIES as readonly string[]).includes(g))).toBe(false);
  });

  it('pulls the grants through Graph and finds each app with the right grantee', async () => {
    const s: FakeServer = await startFake({ directoryAudits: PAGE.value, servicePrincipals: [], signIns: [], grants: [] }, { pageSize: 3 });
    const restore = setEnv(fakeEnv(s.url));
    cleanup.push(() => s.close(), restore);
    const scanner = scannerById('entra')!;
    const options = { ...(liveOptions('entra', s.url) as Record<string, unknown>), sources: ['directoryAudits'] };
    const r = await collect([{ scanner, options }], { rules, now: () => new Date('2026-02-01T00:00:00Z'), log: silentLogger, state: {} });
    expect(r.coverage[0].failed).toEqual([]);
    const findings = matchAll(rules, r.observations);
    const got = [...new Set(findings.map((f) => `${f.service} ${f.subject.id}`))].sort();
    expect(got).toEqual([
      'chatgpt admin@contoso.example', // app role assignment to a group
      'claude-ai b1000000-0000-4000-8000-0000000000b1', // contextual consent, initiator known by object id only
      'fireflies admin@contoso.example', // app role assignment to a user
      'otter admin@contoso.example', // restored consent
      'otter dana@contoso.example', // consent + the delegated grant written with it
      'perplexity 8f35f4e9-0000-4000-8000-0000000000a2', // app-initiated app role assignment
      'read-ai admin@contoso.example', // application permission to an app (target: Microsoft Graph)
    ]);
    // the API a grant is to is never reported as the app
    expect(r.observations.some((o) => o.value === 'Microsoft Graph')).toBe(false);
    // removals are counted, not presence
    expect(r.coverage[0].stats['events.removal']).toBe(1);
  });

  it('attributes grants whose target is the API to the receiving app, with its grantee and permissions', () => {
    const sp = parseEntra(byActivity('Add app role assignment to service principal').find((r) => r.initiatedBy.user)!)[0];
    expect(sp).toMatchObject({ value: 'Read AI', signal: 'presence', subject: { kind: 'user', id: 'admin@contoso.example' } });
    expect(sp.attrs).toMatchObject({ appId: '5e5e0aaa-1111-4222-8333-944455566602', resource: 'Microsoft Graph', granteeKind: 'servicePrincipal', scopes: ['Mail.Read'] });
    const user = parseEntra(byActivity('Add app role assignment grant to user')[0])[0];
    expect(user.attrs).toMatchObject({ grantee: 'erin@contoso.example', granteeKind: 'user' });
    const group = parseEntra(byActivity('Add app role assignment to group')[0])[0];
    expect(group).toMatchObject({ value: 'ChatGPT Enterprise' });
    expect(group.attrs).toMatchObject({ grantee: 'Sales EMEA', granteeKind: 'group' });
  });

  it('names a delegated grant from the service principal inventory when it is read before the consent', () => {
    const grant = byActivity('Add delegated permission grant')[0];
    // alone, the record names the app only by object id: no finding for an unnamed app, and never "Microsoft Graph"
    expect(parseEntra(grant)).toEqual([]);
    const servicePrincipals = new Map([['0770e000-0000-4000-8000-00000000077e', { name: 'Otter.ai', appId: '0770e0aa-1111-4222-8333-944455566601' }]]);
    const ev = parseEntra(grant, { servicePrincipals, tenant: 'contoso' })[0];
    expect(ev).toMatchObject({ value: 'Otter.ai', subject: { id: 'dana@contoso.example' } });
    expect(ev.attrs).toMatchObject({ appId: '0770e0aa-1111-4222-8333-944455566601', servicePrincipalId: '0770e000-0000-4000-8000-00000000077e', granteeKind: 'user', scopes: ['Calendars.Read', 'User.Read', 'offline_access'] });
  });

  it('the unified audit log: an app role assignment to a service principal names the receiving app, not the API', () => {
    const ev = parseM365({
      CreationTime: '2026-01-21T09:00:00', Id: 'm-1', Operation: 'Add app role assignment to service principal.', OrganizationId: 'o', RecordType: 8, ResultStatus: 'Success', UserKey: 'a0@x', UserType: 0, Version: 1, Workload: 'AzureActiveDirectory',
      ObjectId: 'Microsoft Graph', UserId: 'admin@contoso.example', AzureActiveDirectoryEventType: 1,
      ModifiedProperties: [{ Name: 'AppRole.Value', NewValue: 'Mail.Read', OldValue: '' }, { Name: 'ServicePrincipal.DisplayName', NewValue: 'Read AI', OldValue: '' }, { Name: 'ServicePrincipal.AppId', NewValue: '5e5e0aaa-1111-4222-8333-944455566602', OldValue: '' }],
      Target: [{ ID: 'ServicePrincipal_7a1c0000-0000-4000-8000-00000000c0a1', Type: 2 }, { ID: 'Microsoft Graph', Type: 1 }],
    });
    expect(ev).toHaveLength(1);
    expect(ev[0]).toMatchObject({ value: 'Read AI', signal: 'presence', attrs: { appId: '5e5e0aaa-1111-4222-8333-944455566602' } });
    expect(parseM365({ CreationTime: '2026-01-22T09:00:00', Id: 'm-2', Operation: 'Add app role assignment to group.', RecordType: 8, Workload: 'AzureActiveDirectory', UserId: 'admin@contoso.example', ObjectId: 'ChatGPT Enterprise', Target: [{ ID: 'ChatGPT Enterprise', Type: 1 }] })[0]).toMatchObject({ value: 'ChatGPT Enterprise', signal: 'presence' });
  });
});
