/** Loads the shipped audit fixtures (fixtures/audit) as data for the loopback servers. */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { FakeData } from './fake-saas.js';

export const FIX = join(process.cwd(), 'fixtures/audit');
type Rec = Record<string, unknown>;

const jsonl = (f: string): Rec[] => readFileSync(join(FIX, f), 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as Rec);
const json = (f: string): unknown => JSON.parse(readFileSync(join(FIX, f), 'utf8'));

export const CT_PREFIX = 'AWSLogs/111122223333/CloudTrail/us-east-1/2026/01/15/';

export function cloudTrailRecords(): Rec[] {
  const dir = join(FIX, 'cloudtrail', CT_PREFIX);
  return readdirSync(dir).flatMap((f) => (JSON.parse(gunzipSync(readFileSync(join(dir, f))).toString('utf8')) as { Records: Rec[] }).Records);
}

export function fakeData(): FakeData {
  const google = jsonl('google-token.jsonl');
  const reports = (json('google-reports-response.json') as { items: Rec[] }).items;
  const dir = join(FIX, 'cloudtrail', CT_PREFIX);
  const s3: Record<string, Rec[]> = {};
  for (const f of readdirSync(dir)) s3[CT_PREFIX + f] = (JSON.parse(gunzipSync(readFileSync(join(dir, f))).toString('utf8')) as { Records: Rec[] }).Records;
  return {
    google: { token: google, saml: reports.filter((r) => (r.id as Rec).applicationName === 'saml'), login: [], gemini_in_workspace_apps: reports.filter((r) => (r.id as Rec).applicationName !== 'saml') },
    okta: json('okta-system-log.json') as Rec[],
    github: { 'orgs/demo-org': jsonl('github-audit.jsonl') },
    slack: (json('slack-audit.json') as { entries: Rec[] }).entries,
    signIns: (json('entra-signins.json') as { value: Rec[] }).value,
    directoryAudits: (json('entra-directory-audits.json') as { value: Rec[] }).value,
    servicePrincipals: [
      { id: 'sp-0001', appId: 'a9d1c7b2-33f4-4d1e-9a11-0c6e5d1f8e01', displayName: 'ChatGPT Enterprise', servicePrincipalType: 'Application', accountEnabled: true, appOwnerOrganizationId: '0f0f0f0f-vendor' },
      { id: 'sp-0002', appId: '11112222-3333-4444-5555-666677778888', displayName: 'Chatterbox HR', servicePrincipalType: 'Application', accountEnabled: true },
      { id: 'sp-0003', appId: 'f7e6d5c4-1111-4222-8333-944455566677', displayName: 'Fireflies.ai Notetaker', servicePrincipalType: 'Application', accountEnabled: true },
    ],
    grants: [
      { id: 'grant-0001', clientId: 'sp-0003', consentType: 'Principal', principalId: 'b0000000-0000-0000-0000-00000000000b', resourceId: 'graph-sp', scope: 'Calendars.Read Mail.Read OnlineMeetings.Read offline_access User.Read' },
      { id: 'grant-0002', clientId: 'sp-0001', consentType: 'AllPrincipals', resourceId: 'graph-sp', scope: 'openid profile email' },
    ],
    mgmt: jsonl('m365-unified-audit.jsonl'),
    cloudtrail: cloudTrailRecords(),
    s3: { 'demo-trail-bucket': s3 },
  };
}

/** Credentials for the loopback servers (never real). */
export function fakeEnv(url: string): Record<string, string> {
  return {
    GOOGLE_WORKSPACE_ACCESS_TOKEN: 'test-google-token',
    OKTA_API_TOKEN: 'test-okta-token',
    GITHUB_TOKEN: 'test-github-token',
    SLACK_AUDIT_TOKEN: 'test-slack-token',
    ENTRA_ACCESS_TOKEN: 'test-graph-token',
    O365_MGMT_ACCESS_TOKEN: 'test-mgmt-token',
    AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    AWS_REGION: 'us-east-1',
    SHADOWSCAN_TEST_URL: url,
  };
}

export function setEnv(vars: Record<string, string>): () => void {
  const prev: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(vars)) { prev[k] = process.env[k]; process.env[k] = v; }
  return () => { for (const [k, v] of Object.entries(prev)) { if (v === undefined) delete process.env[k]; else process.env[k] = v; } };
}

/** Live-scanner options pointed at a loopback server, with fast back-off. */
export function liveOptions(id: string, url: string): Record<string, unknown> {
  const retry = { max: 3, baseMs: 1, capMs: 5 };
  switch (id) {
    case 'google-workspace': return { baseUrl: url, applications: ['token', 'saml', 'gemini_in_workspace_apps'], retry, lookbackDays: 400 };
    case 'okta': return { orgUrls: [url], retry, lookbackDays: 400 };
    case 'github-audit': return { baseUrl: url, orgs: ['demo-org'], retry, lookbackDays: 400 };
    case 'slack-audit': return { baseUrl: `${url}/audit/v1`, retry, lookbackDays: 400 };
    case 'entra': return { tenantId: 'demo-tenant', graphUrl: `${url}/v1.0`, managementUrl: `${url}/mgmt`, contentTypes: ['Audit.General'], retry, lookbackDays: 400 };
    case 'cloudtrail': return { regions: ['us-east-1'], endpoint: url, forcePathStyle: true, maxAttempts: 4, lookbackDays: 400, eventSources: ['bedrock.amazonaws.com'], trails: [{ bucket: 'demo-trail-bucket', prefix: 'AWSLogs/' }] };
    default: throw new Error(id);
  }
}
