/**
 * Equivalence of the audit-export scanner across its optimisations: observations, problems
 * (file:line), stats and failed units of the shipped fixtures, the corpus samples and a generated
 * export (Okta, Google token and Entra JSON lines with malformed lines, a BOM, CRLF, a wrapper
 * object and an array on one line; CloudTrail gzip files) are compared, as sorted JSON, with golden
 * files written by the scanner before the lazy JSON-lines records landed
 * (fixtures/audit-equivalence/*.json.gz). The bundled rules decide which apps are kept: after a
 * deliberate change of the catalog or of what the scanner reports, regenerate with UPDATE_GOLDEN=1.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { goldenGz } from '../../helpers/golden-gz.js';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { auditExportScanner } from '../../../scanners/audit-export/index.js';
import { collect, silentLogger } from '../../../src/collect/run.js';
import { ruleIndex } from '../../../src/rules/load.js';
import { tmpDir } from '../../helpers/tmp.js';

const ROOT = process.cwd();
const GOLDEN = join(ROOT, 'fixtures/audit-equivalence');
const { index: rules } = ruleIndex();
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Park–Miller generator: deterministic picks. */
function rng(seed: number): () => number {
  let s = seed % 2147483647 || 1;
  return () => (s = (s * 48271) % 2147483647) / 2147483647;
}

function generated(): string {
  const d = tmpDir('audit-equiv-');
  dirs.push(d);
  const r = rng(4242);
  const apps = ['ChatGPT', 'Claude', 'Otter.ai', 'Perplexity', 'Glean', 'MeetMinutes AI Notetaker', 'Acme Sales GPT', 'OpenAir', 'Chatterbox HR', 'Salesforce', 'Zoom', 'Workday', 'Business App 7'];
  const pick = () => apps[Math.floor(r() * apps.length)];
  const user = () => `user${Math.floor(r() * 150)}@corp.example`;
  const t = (i: number) => new Date(Date.UTC(2026, 0, 1) + i * 37_000).toISOString();
  const okta: string[] = [];
  const google: string[] = [];
  const entra: string[] = [];
  for (let i = 0; i < 3000; i++) {
    const a = pick();
    okta.push(JSON.stringify({ uuid: `o-${i}`, published: t(i), eventType: r() < 0.1 ? 'app.oauth2.as.consent.grant' : 'user.authentication.sso', displayMessage: 'sso', severity: 'INFO', actor: { id: '00u', type: 'User', alternateId: user(), displayName: 'U' }, outcome: { result: r() < 0.05 ? 'FAILURE' : 'SUCCESS' }, target: [{ id: `0oa${a.length}`, type: 'AppInstance', alternateId: a, displayName: a }] }));
    const grant = r() < 0.3;
    google.push(JSON.stringify({ kind: 'admin#reports#activity', id: { time: t(i), uniqueQualifier: String(i), applicationName: 'token', customerId: 'C0' }, actor: { email: user() }, events: [{ type: 'auth', name: grant ? 'authorize' : 'activity', parameters: [{ name: 'client_id', value: `${a.length}-x.apps.googleusercontent.com` }, { name: 'app_name', value: a }, ...(grant ? [{ name: 'scope', multiValue: r() < 0.5 ? ['https://www.googleapis.com/auth/drive.readonly', 'openid'] : ['https://www.googleapis.com/auth/gmail.readonly'] }] : [])] }] }));
    entra.push(JSON.stringify({ id: `si-${i}`, createdDateTime: t(i), userPrincipalName: user(), appDisplayName: a, appId: `00000000-0000-0000-0000-${String(a.length).padStart(12, '0')}`, resourceDisplayName: a, clientAppUsed: 'Browser', status: { errorCode: r() < 0.05 ? 50126 : 0 } }));
    if (i % 997 === 3) {
      okta.push('{"uuid": "cut', 'null', '');
      google.push('not json at all');
      entra.push(`[${entra[entra.length - 1]},${entra[entra.length - 2]}]`, `{"value":[${entra[entra.length - 1]}]}`);
    }
  }
  writeFileSync(join(d, 'okta.jsonl'), '\uFEFF' + okta.join('\n') + '\n');
  writeFileSync(join(d, 'google-token.jsonl'), google.join('\r\n') + '\r\n');
  writeFileSync(join(d, 'entra-signins.jsonl'), entra.join('\n')); // no final newline
  mkdirSync(join(d, 'cloudtrail'));
  for (let f = 0; f < 3; f++) {
    const recs = Array.from({ length: 700 }, (_, k) => {
      const ai = r() < 0.2;
      const who = `role-${Math.floor(r() * 30)}`;
      return { eventVersion: '1.09', userIdentity: { type: 'AssumedRole', arn: `arn:aws:sts::111122223333:assumed-role/${who}/s`, accountId: '111122223333', sessionContext: { sessionIssuer: { type: 'Role', arn: `arn:aws:iam::111122223333:role/${who}`, userName: who } } }, eventTime: t(f * 700 + k).replace(/\.\d{3}Z$/, 'Z'), eventSource: ai ? 'bedrock.amazonaws.com' : 's3.amazonaws.com', eventName: ai ? 'InvokeModel' : 'GetObject', awsRegion: 'us-east-1', sourceIPAddress: '203.0.113.3', requestParameters: ai ? { modelId: 'anthropic.claude-3-5-sonnet-20240620-v1:0' } : { bucketName: 'b' }, requestID: `r${f}-${k}`, eventID: `e${f}-${k}`, eventType: 'AwsApiCall', recipientAccountId: '111122223333' };
    });
    writeFileSync(join(d, 'cloudtrail', `111122223333_CloudTrail_us-east-1_20260101T0${f}00Z_${f}.json.gz`), gzipSync(JSON.stringify({ Records: recs })));
  }
  return d;
}

async function scanNormal(paths: string[], base: string): Promise<unknown> {
  const r = await collect([{ scanner: auditExportScanner, options: { paths } }], { rules, log: silentLogger });
  const rel = (v: unknown) => JSON.parse(JSON.stringify(v).split(base + '/').join('').split(ROOT + '/').join(''));
  const sorted = <T>(xs: T[]) => xs.map((x) => JSON.stringify(rel(x))).sort().map((s) => JSON.parse(s) as unknown);
  const cov = r.coverage[0];
  return { observations: sorted(r.observations), problems: sorted(cov.problems ?? []), problemCount: cov.problemCount, stats: cov.stats, failed: sorted(cov.failed ?? []), errors: r.errors };
}

function golden(name: string, value: unknown): void {
  goldenGz(GOLDEN, name, value);
}

describe('audit-export equivalence with the golden results', () => {
  it('a generated export: JSON lines of three vendors with damaged lines, CloudTrail gzip files', async () => {
    const d = generated();
    const v = (await scanNormal([d], d)) as { observations: unknown[]; problemCount: number };
    expect(v.observations.length).toBeGreaterThan(300);
    expect(v.problemCount).toBeGreaterThan(0);
    golden('generated', v);
  }, 120_000);

  it('the shipped fixtures and the corpus samples', async () => {
    const paths = ['fixtures/audit', 'fixtures/audit-grants', 'fixtures/corpus/audit'].map((p) => join(ROOT, p));
    golden('fixtures', await scanNormal(paths, ROOT));
  }, 120_000);
});
