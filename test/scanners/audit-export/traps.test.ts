/**
 * Adversarial accuracy trial of the audit scanners: removal events, failed attempts, look-alike
 * app names and awkward export shapes, each written in the vendor's documented record shape (our
 * own records, not copies of the corpus). Each block fails if the rule it guards is broken.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { auditExportScanner } from '../../../scanners/audit-export/index.js';
import { parseEntra, parseGithub, parseGoogle, parseM365, parseOkta, parseSlack } from '../../../scanners/audit-export/parsers/index.js';
import { collect, silentLogger } from '../../../src/collect/run.js';
import { ruleIndex } from '../../../src/rules/load.js';
import { matchAll } from '../../../src/match/match.js';
import { tmpDir } from '../../helpers/tmp.js';

const { index: rules } = ruleIndex();

async function scan(paths: string[], extra: Record<string, unknown> = {}) {
  const r = await collect([{ scanner: auditExportScanner, options: { paths, ...extra } }], { rules, log: silentLogger });
  return { ...r, findings: matchAll(rules, r.observations), cov: r.coverage[0] };
}

const jsonl = (recs: unknown[]) => recs.map((r) => JSON.stringify(r)).join('\n') + '\n';
const pairs = (fs: Array<{ service: string; subject: { id: string }; signal: string; attrs?: Record<string, unknown> }>) =>
  [...new Set(fs.map((f) => `${f.service} ${f.subject.id} ${f.signal}${f.attrs?.success === false ? ' attempt' : ''}`))].sort();

// ---------------------------------------------------------------- record builders (vendor shapes)

let n = 0;
const gToken = (email: string, name: string, app: string, clientId: string, scopes: string[] = []) => ({
  kind: 'admin#reports#activity',
  id: { time: `2026-02-0${1 + (n % 8)}T10:00:00.000Z`, uniqueQualifier: String(++n), applicationName: 'token', customerId: 'C0trap' },
  actor: { callerType: 'USER', email, profileId: '1' },
  events: [{ type: 'auth', name, parameters: [{ name: 'app_name', value: app }, { name: 'client_id', value: clientId }, ...(scopes.length ? [{ name: 'scope', multiValue: scopes }] : [])] }],
});
const gAdmin = (email: string, name: string, app: string, clientId: string) => ({
  kind: 'admin#reports#activity',
  id: { time: '2026-02-02T10:00:00.000Z', uniqueQualifier: String(++n), applicationName: 'admin' },
  actor: { email },
  events: [{ type: 'SECURITY_SETTINGS', name, parameters: [{ name: 'OAUTH2_APP_NAME', value: app }, { name: 'OAUTH2_APP_ID', value: clientId }] }],
});
const gSaml = (email: string, name: string, app: string, failure?: string) => ({
  kind: 'admin#reports#activity',
  id: { time: '2026-02-03T10:00:00.000Z', uniqueQualifier: String(++n), applicationName: 'saml' },
  actor: { email },
  events: [{ type: 'login', name, parameters: [{ name: 'application_name', value: app }, { name: 'initiated_by', value: 'sp' }, ...(failure ? [{ name: 'failure_type', value: failure }] : [])] }],
});
const entraAudit = (upn: string, activity: string, app: string, appId: string, result = 'success') => ({
  id: `dir-${++n}`, category: 'ApplicationManagement', correlationId: `c-${n}`, result, resultReason: '', activityDisplayName: activity,
  activityDateTime: '2026-02-04T10:00:00Z', loggedByService: 'Core Directory', operationType: 'Unassign',
  initiatedBy: { user: { userPrincipalName: upn } },
  targetResources: [{ id: `sp-${n}`, displayName: app, type: 'ServicePrincipal', modifiedProperties: [] }],
  additionalDetails: [{ key: 'AppId', value: appId }],
});
const entraSignIn = (upn: string, app: string, appId: string, errorCode: number) => ({
  id: `si-${++n}`, createdDateTime: '2026-02-05T10:00:00Z', userPrincipalName: upn, appDisplayName: app, appId, clientAppUsed: 'Browser',
  status: { errorCode, failureReason: errorCode ? 'Invalid username or password or Invalid on-premise username or password.' : 'Other.' },
});
const okta = (eventType: string, actor: string, app: string, result = 'SUCCESS', user?: string) => ({
  uuid: `okta-${++n}`, published: '2026-02-06T10:00:00.000Z', eventType, version: '0', severity: 'INFO', displayMessage: eventType,
  actor: { id: '00u1', type: 'User', alternateId: actor, displayName: actor },
  outcome: { result, reason: result === 'SUCCESS' ? null : 'denied by policy' },
  target: [{ id: '0oa1', type: 'AppInstance', alternateId: app, displayName: app }, ...(user ? [{ id: '00u2', type: 'User', alternateId: user, displayName: user }] : [])],
});
const gh = (action: string, actor: string, integration: string, extra: Record<string, unknown> = {}) => ({
  '@timestamp': 1770285600000, _document_id: `gh-${++n}`, action, actor, org: 'trap-org', integration, ...extra,
});
const slack = (action: string, email: string, app: string, id: string) => ({
  id: `sl-${++n}`, date_create: 1770285600, action,
  actor: { type: 'user', user: { id: 'U1', name: email.split('@')[0], email } },
  entity: { type: 'app', app: { id, name: app, is_distributed: true, is_directory_approved: false, scopes: ['chat:write'] } },
  context: { location: { type: 'enterprise', id: 'E1', name: 'Trap', domain: 'trap' }, ua: 'Mozilla/5.0', ip_address: '203.0.113.9' },
});
const m365 = (op: string, user: string, extra: Record<string, unknown>) => ({
  CreationTime: '2026-02-07T10:00:00', Id: `m-${++n}`, Operation: op, OrganizationId: 'org', RecordType: 8, ResultStatus: 'Success', UserKey: user, UserType: 0, Version: 1, Workload: 'AzureActiveDirectory', UserId: user, ...extra,
});

// ---------------------------------------------------------------- 1. removals

describe('removal events never become presence or usage', () => {
  it('parsers flag each vendor\'s removal events', () => {
    const rm = (evs: Array<{ removal?: boolean }>) => evs.map((e) => !!e.removal);
    expect(rm(parseGoogle(gToken('u@x.example', 'revoke', 'ChatGPT', 'c1')))).toEqual([true]);
    expect(rm(parseGoogle(gToken('u@x.example', 'authorize', 'ChatGPT', 'c1')))).toEqual([false]);
    expect(rm(parseGoogle(gAdmin('a@x.example', 'REMOVE_FROM_TRUSTED_OAUTH2_APPS', 'ChatGPT', 'c1')))).toEqual([true]);
    expect(rm(parseGoogle(gAdmin('a@x.example', 'ADD_TO_BLOCKED_OAUTH2_APPS', 'ChatGPT', 'c1')))).toEqual([true]);
    expect(rm(parseGoogle(gAdmin('a@x.example', 'ADD_TO_TRUSTED_OAUTH2_APPS', 'ChatGPT', 'c1')))).toEqual([false]);
    for (const a of ['Remove delegated permission grant', 'Remove service principal', 'Remove app role assignment from user', 'Revoke consent']) expect(rm(parseEntra(entraAudit('u@x.example', a, 'ChatGPT', 'g1'))), a).toEqual([true]);
    expect(rm(parseEntra(entraAudit('u@x.example', 'Consent to application', 'ChatGPT', 'g1')))).toEqual([false]);
    expect(rm(parseM365(m365('Remove delegated permission grant.', 'u@x.example', { ObjectId: 'ChatGPT', Target: [{ ID: 'ChatGPT', Type: 1 }] })))).toEqual([true]);
    for (const t of ['app.oauth2.as.consent.revoke', 'app.oauth2.as.consent.revoke.user', 'application.user_membership.remove', 'group.application_assignment.remove', 'application.lifecycle.deactivate', 'app.oauth2.as.token.revoke']) expect(rm(parseOkta(okta(t, 'u@x.example', 'ChatGPT'))), t).toEqual([true]);
    for (const t of ['app.oauth2.as.consent.grant', 'application.user_membership.add', 'user.authentication.sso']) expect(rm(parseOkta(okta(t, 'u@x.example', 'ChatGPT'))), t).toEqual([false]);
    for (const a of ['integration_installation.destroy', 'integration_installation.suspend', 'oauth_authorization.destroy', 'oauth_access.destroy', 'oauth_application.destroy']) expect(rm(parseGithub(gh(a, 'u', 'Cursor'))), a).toEqual([true]);
    for (const a of ['integration_installation.create', 'integration_installation.repositories_removed', 'oauth_authorization.create']) expect(rm(parseGithub(gh(a, 'u', 'Cursor'))), a).toEqual([false]);
    expect(rm(parseGithub({ ...gh('copilot.cfb_seat_cancelled', 'admin', ''), assignee: 'u' }))).toEqual([true]);
    expect(rm(parseGithub({ ...gh('copilot.cfb_seat_assignment_unassigned', 'admin', ''), assignee: 'u' }))).toEqual([true]);
    expect(rm(parseGithub({ ...gh('copilot.cfb_seat_assignment_created', 'admin', ''), assignee: 'u' }))).toEqual([false]);
    for (const a of ['app_uninstalled', 'app_restricted', 'app_removed_from_whitelist', 'org_app_workspace_removed', 'app_deleted', 'bot_token_downgraded', 'app_resources_removed']) expect(rm(parseSlack(slack(a, 'u@x.example', 'Claude', 'A1'))), a).toEqual([true]);
    for (const a of ['app_installed', 'app_approved', 'app_scopes_expanded', 'org_app_workspace_added']) expect(rm(parseSlack(slack(a, 'u@x.example', 'Claude', 'A1'))), a).toEqual([false]);
  });

  it('a scan of removal-only users reports nothing for them, counts the removals, keeps the real grants', async () => {
    const d = tmpDir();
    writeFileSync(join(d, 'google.jsonl'), jsonl([
      gToken('rita@trap.example', 'revoke', 'ChatGPT', '574890123456-chatgptconnector01.apps.googleusercontent.com', ['https://www.googleapis.com/auth/drive.readonly']),
      gToken('gina@trap.example', 'authorize', 'ChatGPT', '574890123456-chatgptconnector01.apps.googleusercontent.com', ['https://www.googleapis.com/auth/drive.readonly']),
      gAdmin('admin@trap.example', 'ADD_TO_BLOCKED_OAUTH2_APPS', 'Claude', '9-claude.apps.googleusercontent.com'),
      gAdmin('admin@trap.example', 'REMOVE_FROM_TRUSTED_OAUTH2_APPS', 'Perplexity', '9-pplx.apps.googleusercontent.com'),
    ]));
    writeFileSync(join(d, 'entra-audits.json'), JSON.stringify({ value: [
      entraAudit('rita@trap.example', 'Remove delegated permission grant', 'Fireflies.ai Notetaker', 'f7e6d5c4-1111-4222-8333-944455566677'),
      entraAudit('rita@trap.example', 'Remove service principal', 'Glean', 'a1a1a1a1-1111-4222-8333-944455566677'),
    ] }));
    writeFileSync(join(d, 'okta.json'), JSON.stringify([
      okta('app.oauth2.as.consent.revoke', 'rita@trap.example', 'ChatGPT Enterprise'),
      okta('application.user_membership.remove', 'admin@trap.example', 'Glean', 'SUCCESS', 'rita@trap.example'),
    ]));
    writeFileSync(join(d, 'github.jsonl'), jsonl([
      gh('integration_installation.destroy', 'rita-gh', 'Devin AI Integration'),
      gh('oauth_authorization.destroy', 'rita-gh', 'Cursor', { oauth_application_name: 'Cursor' }),
      { ...gh('copilot.cfb_seat_cancelled', 'admin-gh', ''), assignee: 'rita-gh' },
    ]));
    writeFileSync(join(d, 'slack.json'), JSON.stringify({ entries: [
      slack('app_uninstalled', 'rita@trap.example', 'ChatGPT', 'A0CHATGPT'),
      slack('app_restricted', 'admin@trap.example', 'Claude', 'A0CLAUDE'),
      slack('app_removed_from_whitelist', 'admin@trap.example', 'Perplexity', 'A0PPLX'),
    ], response_metadata: { next_cursor: '' } }));
    const r = await scan([d]);
    expect(r.cov.failed).toEqual([]);
    expect(pairs(r.findings)).toEqual(['chatgpt gina@trap.example presence']);
    expect(r.observations.filter((o) => /rita|admin/.test(o.subject.id))).toEqual([]);
    expect(r.cov.stats['events.removal']).toBe(13);
  });
});

// ---------------------------------------------------------------- 2. failures are attempts

describe('failures are attempts, kept apart from use', () => {
  it('Entra error codes, Okta FAILURE / DENY, Google SAML failures, CloudTrail AccessDenied, GitHub install requests', async () => {
    const d = tmpDir();
    writeFileSync(join(d, 'signins.json'), JSON.stringify({ '@odata.context': 'https://graph.microsoft.com/v1.0/$metadata#auditLogs/signIns', value: [
      entraSignIn('fay@trap.example', 'ChatGPT', '0c1d2e3f-0000-4000-8000-00000000c0de', 50126),
      entraSignIn('fay@trap.example', 'ChatGPT', '0c1d2e3f-0000-4000-8000-00000000c0de', 50126),
      entraSignIn('sam@trap.example', 'ChatGPT', '0c1d2e3f-0000-4000-8000-00000000c0de', 0),
    ] }));
    writeFileSync(join(d, 'okta.jsonl'), jsonl([
      okta('user.authentication.sso', 'fay@trap.example', 'Perplexity', 'DENY'),
      okta('user.authentication.sso', 'gus@trap.example', 'Perplexity', 'FAILURE'),
    ]));
    writeFileSync(join(d, 'saml.jsonl'), jsonl([gSaml('fay@trap.example', 'login_failure', 'Glean', 'failure_app_not_configured_for_user')]));
    writeFileSync(join(d, 'trail.json'), JSON.stringify({ Records: [{
      eventVersion: '1.09', eventTime: '2026-02-08T10:00:00Z', eventSource: 'bedrock.amazonaws.com', eventName: 'InvokeModel', awsRegion: 'us-east-1',
      errorCode: 'AccessDenied', errorMessage: 'User is not authorized to perform: bedrock:InvokeModel',
      userIdentity: { type: 'AssumedRole', arn: 'arn:aws:sts::111122223333:assumed-role/fay/s', accountId: '111122223333', sessionContext: { sessionIssuer: { arn: 'arn:aws:iam::111122223333:role/fay' } } },
      requestParameters: { modelId: 'anthropic.claude-3-haiku-20240307-v1:0' }, eventID: 'e-1', recipientAccountId: '111122223333',
    }] }));
    writeFileSync(join(d, 'github.jsonl'), jsonl([gh('integration_installation_request.create', 'fay-gh', 'Devin AI Integration')]));
    const r = await scan([d]);
    expect(pairs(r.findings)).toEqual([
      'aws-bedrock arn:aws:iam::111122223333:role/fay usage attempt',
      'chatgpt fay@trap.example usage attempt',
      'chatgpt sam@trap.example usage',
      'devin fay-gh presence attempt',
      'glean fay@trap.example usage attempt',
      'perplexity fay@trap.example usage attempt',
      'perplexity gus@trap.example usage attempt',
    ]);
    const fay = r.findings.find((f) => f.service === 'chatgpt' && f.subject.id === 'fay@trap.example')!;
    expect(fay.count).toBe(2);
    expect(fay.attrs?.errorCode).toBe('50126');
  });
});

// ---------------------------------------------------------------- 3. look-alikes

const LOOKALIKES = [
  'Gemini', 'Gemini Exchange', 'Jasper Reports', 'JasperSoft', 'Copilot CRM', 'Copilot.com client portal', 'Copilot', 'OtterBox', 'Otter',
  'Writer', 'iA Writer', 'Writer Pro', 'Poetry Foundation', 'Pi Network', 'Cursor Insight', 'Claude Monet Gallery', 'Jean-Claude Bot', 'Notion',
  'Notion Calendar', 'Zoom', 'Zoom for Google Workspace', 'Sora', 'Sora by OverDrive', 'Comet', 'Comet ML', 'Fathom Analytics', 'Mistral Cafe',
];

describe('look-alike app names never become an AI service', () => {
  it('matchSaasApp claims none of them by name', () => {
    for (const name of LOOKALIKES) expect(rules.matchSaasApp({ name }), name).toBeUndefined();
    // the real products still match
    for (const [name, svc] of [['Otter.ai', 'otter'], ['Google Gemini', 'gemini-app'], ['Notion AI', 'notion-ai'], ['Claude', 'claude-ai'], ['Cursor', 'cursor'], ['Poe', 'poe'], ['GitHub Copilot', 'github-copilot'], ['Writer.com', 'writer'], ['Perplexity', 'perplexity']]) {
      expect(rules.matchSaasApp({ name })?.service, name).toBe(svc);
    }
  });

  it('a scan of look-alike grants in every vendor yields no AI service (a candidate for triage at most)', async () => {
    const d = tmpDir();
    writeFileSync(join(d, 'google.jsonl'), jsonl(LOOKALIKES.map((a, i) => gToken(`u${i}@trap.example`, 'authorize', a, `${i}-lookalike.apps.googleusercontent.com`, ['openid', 'email']))));
    writeFileSync(join(d, 'okta.json'), JSON.stringify(LOOKALIKES.map((a, i) => okta('user.authentication.sso', `u${i}@trap.example`, a))));
    writeFileSync(join(d, 'slack.json'), JSON.stringify({ entries: LOOKALIKES.map((a, i) => slack('app_installed', `u${i}@trap.example`, a, `A0LOOK${i}`)) }));
    writeFileSync(join(d, 'signins.json'), JSON.stringify({ value: LOOKALIKES.map((a, i) => entraSignIn(`u${i}@trap.example`, a, `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, 0)) }));
    writeFileSync(join(d, 'gh.jsonl'), jsonl([...LOOKALIKES.map((a, i) => gh('integration_installation.create', `u${i}`, a)), gh('integration_installation.create', 'u99', 'ChatGPT Exporter')]));
    const r = await scan([d], { allApps: true });
    expect(r.cov.failed).toEqual([]);
    expect(r.findings.filter((f) => f.service !== 'unknown-ai-app').map((f) => `${f.service}:${f.value}`)).toEqual([]);
    // a third-party app built on an AI product name is a triage candidate, never the product
    expect(r.findings.filter((f) => f.value === 'ChatGPT Exporter').map((f) => f.service)).toEqual(['unknown-ai-app']);
  });

  it('an M365 interaction with a third-party AI app is not Microsoft 365 Copilot', () => {
    const rec = { CreationTime: '2026-02-07T10:00:00', Id: 'x', Operation: 'AIAppInteraction', RecordType: 402, Workload: 'Copilot', UserId: 'u@x.example', UserKey: 'u@x.example',
      CopilotEventData: { AppHost: 'ChatGPT Enterprise', AppIdentity: 'ChatGPT Enterprise', Contexts: [], AccessedResources: [] } };
    const [ev] = parseM365(rec);
    expect(ev.value).toBe('ChatGPT Enterprise');
    expect([ev.value, ...(ev.altNames ?? [])].map((n) => rules.matchSaasApp({ name: n })?.service)).not.toContain('m365-copilot');
    const copilot = parseM365({ ...rec, Operation: 'CopilotInteraction', CopilotEventData: { AppHost: 'Word' } })[0];
    expect([copilot.value, ...(copilot.altNames ?? [])].some((n) => rules.matchSaasApp({ name: n })?.service === 'm365-copilot')).toBe(true);
  });
});

// ---------------------------------------------------------------- 4. export shapes

describe('export shapes: wrappers, CSV downloads, gzip, damaged records', () => {
  it('Google Admin console OAuth log CSV: authorize is presence, revoke a removal, display dates read', async () => {
    const d = tmpDir();
    writeFileSync(join(d, 'oauth-log-events.csv'), [
      'Event name,Event description,User,Application name,Client ID,Scope,Date,IP address',
      'Authorize,"hana@trap.example authorized access to Claude for https://www.googleapis.com/auth/drive.readonly, openid",hana@trap.example,Claude,11-claude.apps.googleusercontent.com,"https://www.googleapis.com/auth/drive.readonly openid","Feb 9, 2026, 10:00:00 AM GMT+1",203.0.113.5',
      'Revoke,"ivan@trap.example revoked access to Claude",ivan@trap.example,Claude,11-claude.apps.googleusercontent.com,openid,2026-02-09T11:00:00Z,203.0.113.6',
      'Authorize,x,jo@trap.example,Jasper Reports Server,12-jasper.apps.googleusercontent.com,openid,2026-02-09T12:00:00Z,203.0.113.7',
    ].join('\r\n') + '\r\n');
    const r = await scan([d]);
    expect(r.cov.failed).toEqual([]);
    expect(r.cov.problemCount).toBe(0);
    expect(pairs(r.findings)).toEqual(['claude-ai hana@trap.example presence']);
    const hana = r.findings[0];
    expect(hana.firstSeen).toBe('2026-02-09T09:00:00.000Z');
    expect(hana.attrs?.scopeRisk).toBe('medium');
    expect(hana.locator).toBe(`${join(d, 'oauth-log-events.csv')}:2`);
    expect(r.cov.stats['events.removal']).toBe(1);
  });

  it('Entra portal sign-in CSV with BOM: failures by error code and status', async () => {
    const d = tmpDir();
    writeFileSync(join(d, 'InteractiveSignIns_2026-02-01_2026-02-09.csv'), '\uFEFF' + [
      'Date (UTC),Request ID,User agent,Correlation ID,User ID,User,Username,Application,Application ID,Resource,IP address,Status,Sign-in error code,Failure reason',
      '2026-02-09T10:00:00Z,r1,Mozilla,c1,u1,Kim,kim@trap.example,ChatGPT,0c1d2e3f-0000-4000-8000-00000000c0de,OpenAI,203.0.113.1,Success,0,Other.',
      '2026-02-09T10:05:00Z,r2,Mozilla,c2,u2,Lee,lee@trap.example,ChatGPT,0c1d2e3f-0000-4000-8000-00000000c0de,OpenAI,203.0.113.2,Failure,50126,"Invalid username or password, or invalid on-premises username or password."',
      '2026-02-09T10:06:00Z,r3,Mozilla,c3,u3,Max,max@trap.example,ChatGPT,0c1d2e3f-0000-4000-8000-00000000c0de,OpenAI,203.0.113.3,Interrupted,,',
    ].join('\n'));
    const r = await scan([d]);
    expect(pairs(r.findings)).toEqual(['chatgpt kim@trap.example usage', 'chatgpt lee@trap.example usage attempt', 'chatgpt max@trap.example usage attempt']);
  });

  it('JSON array, {items}, {value}, gzip JSON lines; malformed records reported with file:line, never a crash', async () => {
    const d = tmpDir();
    writeFileSync(join(d, 'okta-array.json'), JSON.stringify([okta('user.authentication.sso', 'nia@trap.example', 'Glean')], null, 2));
    writeFileSync(join(d, 'google-items.json'), JSON.stringify({ kind: 'admin#reports#activities', items: [gToken('nia@trap.example', 'authorize', 'Otter.ai', '1-otter.apps.googleusercontent.com')], nextPageToken: '' }, null, 2));
    writeFileSync(join(d, 'entra-value.json'), JSON.stringify({ value: [entraSignIn('nia@trap.example', 'Perplexity', 'p-1', 0)] }));
    writeFileSync(join(d, 'slack.jsonl.gz'), gzipSync(jsonl([slack('app_installed', 'nia@trap.example', 'Granola', 'A0GRAN')])));
    writeFileSync(join(d, 'damaged.jsonl'), [
      JSON.stringify(okta('user.authentication.sso', 'oli@trap.example', 'Glean')),
      '{"uuid": "cut-off", "eventType": "user.authentication.sso", ',
      '[1, 2]',
      'null',
      JSON.stringify({ eventType: 'user.authentication.sso', published: '2026-02-06T10:00:00Z', uuid: 'no-target' }),
      JSON.stringify({ eventType: 7, uuid: 'weird-types', target: 'not-an-array', actor: 'x' }),
      JSON.stringify(okta('user.authentication.sso', 'oli@trap.example', 'Glean')),
    ].join('\n') + '\n');
    writeFileSync(join(d, 'truncated.json.gz'), gzipSync(JSON.stringify({ value: [entraSignIn('pat@trap.example', 'Glean', 'g-1', 0)] })).subarray(0, 40));
    writeFileSync(join(d, 'broken.json'), '{"value": [ {"appDisplayName": "Glean", ');
    const r = await scan([d]);
    expect(pairs(r.findings)).toEqual([
      'glean nia@trap.example usage',
      'glean oli@trap.example usage',
      'granola nia@trap.example presence',
      'otter nia@trap.example presence',
      'perplexity nia@trap.example usage',
    ]);
    expect(r.findings.find((f) => f.subject.id === 'oli@trap.example')!.count).toBe(2);
    const probs = r.cov.problems.map((p) => p.locator);
    expect(probs).toContain(`${join(d, 'damaged.jsonl')}:2`);
    expect(probs).toContain(`${join(d, 'damaged.jsonl')}:3`);
    expect(probs).toContain(`${join(d, 'damaged.jsonl')}:4`);
    // a damaged JSON document: the damaged record's line and column
    expect(probs).toContain(`${join(d, 'broken.json')}:1:13`);
    expect(r.cov.units).toContain(join(d, 'damaged.jsonl'));
    // a truncated gzip fails alone; the other files are still read
    expect(r.cov.failed.map((f) => f.unit).filter((u) => !u.endsWith('truncated.json.gz') && !u.endsWith('broken.json'))).toEqual([]);
  });
});
