/**
 * audit-export on the AI platforms' own logs: Bedrock model-invocation logs, Azure OpenAI
 * diagnostic logs, OpenAI Admin API audit logs, Anthropic Compliance activity. Fixtures in
 * fixtures-ai/ are written from the vendors' documented field names (not copied from the corpus);
 * when ../shared/corpus is present its public samples must parse with no unknown record.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { auditExportScanner, parseAuditFormat } from '../../../scanners/audit-export/index.js';
import { detectVendor } from '../../../scanners/audit-export/parsers/index.js';
import { collect, silentLogger } from '../../../src/collect/run.js';
import type { Finding, Observation } from '../../../src/core/types.js';
import { matchAll } from '../../../src/match/match.js';
import { ruleIndex } from '../../../src/rules/load.js';
import { tmpDir } from '../../helpers/tmp.js';

const { index: rules } = ruleIndex();
const FIX = join(process.cwd(), 'test/scanners/audit-export/fixtures-ai');
/** Public corpus samples copied with their sources (fixtures/corpus/audit/SOURCES.md): tests never read ../shared. */
const CORPUS = join(process.cwd(), 'fixtures/corpus/audit');

async function scan(paths: string[], extra: Record<string, unknown> = {}) {
  const r = await collect([{ scanner: auditExportScanner, options: { paths, ...extra } }], { rules, log: silentLogger });
  return { ...r, findings: matchAll(rules, r.observations) };
}

/** service, subject, signal, count, success — one line per finding. */
const rows = (fs: Finding[]) =>
  fs.map((f) => `${f.service} ${f.subject.kind}:${f.subject.id} ${f.signal} ${f.count ?? 1} ${f.attrs?.success === false ? 'attempt' : 'ok'}`).sort();

const obsOf = (os: Observation[], pred: (o: Observation) => boolean) => os.filter(pred);

describe('AI platform logs (fixtures-ai)', async () => {
  const r = await scan([FIX]);
  const cov = r.coverage[0];

  it('reads every file, detects every vendor, fails and complains about nothing', () => {
    expect(r.errors).toEqual({});
    expect(cov.failed).toEqual([]);
    expect(cov.scanned).toBe(5);
    expect(cov.problemCount).toBe(0);
    expect(cov.stats['records.unknown']).toBeUndefined();
    expect(cov.stats).toMatchObject({ 'files.bedrock': 2, 'files.azure-openai': 1, 'files.openai': 1, 'files.anthropic': 1, 'events.removal': 3 });
  });

  it('Bedrock invocation logs: usage of aws-bedrock per principal, errors as attempts', () => {
    expect(rows(r.findings.filter((f) => f.service === 'aws-bedrock'))).toEqual([
      // 3 Converse calls of two SSO sessions of one role (S3 delivery + gzip CloudWatch export), plus one mistral call
      'aws-bedrock principal:arn:aws:iam::444455556666:role/AWSReservedSSO_DataScience_0a1b2c usage 1 attempt',
      'aws-bedrock principal:arn:aws:iam::444455556666:role/AWSReservedSSO_DataScience_0a1b2c usage 5 ok',
      'aws-bedrock principal:arn:aws:iam::444455556666:user/ci-release-bot usage 1 ok',
    ]);
    const ana = obsOf(r.observations, (o) => o.subject.name === 'arn:aws:sts::444455556666:assumed-role/AWSReservedSSO_DataScience_0a1b2c/ana.lopez@corp.example' && o.attrs?.modelId === 'anthropic.claude-3-5-haiku-20241022-v1:0');
    // one observation per (session, model): 2 calls in the S3 file + 1 in the CloudWatch export, tokens summed
    expect(ana).toHaveLength(1);
    expect(ana[0]).toMatchObject({ kind: 'audit-event', namespace: 'aws', value: 'bedrock.amazonaws.com', signal: 'usage', count: 3 });
    expect(ana[0].attrs).toMatchObject({ vendor: 'bedrock', eventName: 'Converse', account: '444455556666', region: 'eu-central-1', inputTokens: 210, outputTokens: 70, success: true });
    expect(ana[0].firstSeen).toBe('2026-02-02T09:00:00.000Z');
    expect(ana[0].lastSeen).toBe('2026-02-03T08:00:00.000Z');
    const throttled = r.observations.find((o) => o.attrs?.errorCode === 'ThrottlingException')!;
    expect(throttled.attrs).toMatchObject({ eventName: 'InvokeModel', modelId: 'amazon.titan-embed-text-v2:0', success: false });
  });

  it('Azure OpenAI diagnostic logs: caller object id, else masked IP; 4xx an attempt; other Cognitive Services records yield nothing', () => {
    expect(rows(r.findings.filter((f) => f.service === 'azure-openai'))).toEqual([
      'azure-openai ip:198.51.100.*** usage 1 attempt',
      // the second record's `properties` is a JSON string: same caller, deployment and model
      'azure-openai principal:9f3c1b2a-7d4e-4e8b-a1c2-0d9e8f7a6b5c usage 2 ok',
    ]);
    const o = r.observations.find((x) => x.subject.id === '9f3c1b2a-7d4e-4e8b-a1c2-0d9e8f7a6b5c')!;
    expect(o).toMatchObject({ kind: 'saas-app', value: 'Azure OpenAI', count: 2 });
    expect(o.attrs).toMatchObject({ vendor: 'azure-openai', event: 'ChatCompletions_Create', account: 'contoso-oai-weu', deployment: 'gpt4o-prod', modelId: 'gpt-4o', modelVersion: '2024-11-20', region: 'westeurope' });
    expect(r.observations.some((x) => String(x.attrs?.account ?? '').includes('speech'))).toBe(false);
  });

  it('OpenAI audit log page: logins usage, failed login an attempt, key / project creation presence, deletion a removal', () => {
    expect(rows(r.findings.filter((f) => f.service === 'openai-api'))).toEqual([
      'openai-api principal:svc_acct_fx9 presence 1 ok',
      'openai-api user:carla.mendes@corp.example usage 1 attempt',
      'openai-api user:carla.mendes@corp.example usage 2 ok',
      'openai-api user:dev.ops@corp.example presence 1 ok',
      'openai-api user:erik.karlsson@corp.example presence 1 ok',
    ]);
    const key = r.observations.find((o) => o.attrs?.event === 'api_key.created')!;
    expect(key).toMatchObject({ value: 'OpenAI Platform', attrs: { vendor: 'openai', objectId: 'key_fx_a1', keyScopes: ['api.model.request'] } });
    expect(r.observations.some((o) => o.attrs?.event === 'api_key.deleted')).toBe(false);
    expect(r.observations.find((o) => o.attrs?.event === 'login.failed')!.attrs?.failureReason).toBe('invalid_mfa');
  });

  it('Anthropic activity: chats usage of claude-ai, keys presence of anthropic-api, MCP servers / integrations named, deletions removals', () => {
    expect(rows(r.findings.filter((f) => f.service === 'claude-ai' || f.service === 'anthropic-api'))).toEqual([
      'anthropic-api user:hana.s@corp.example presence 1 ok',
      'claude-ai ip:198.51.100.77 usage 1 attempt',
      'claude-ai user:fatima.z@corp.example presence 1 ok',
      'claude-ai user:fatima.z@corp.example usage 3 ok',
      'claude-ai user:gustav.b@corp.example presence 1 ok',
    ]);
    expect(r.observations.find((o) => o.attrs?.event === 'mcp_server_created')!.attrs).toMatchObject({ vendor: 'anthropic', mcpServer: 'Jira Cloud' });
    expect(r.observations.find((o) => o.attrs?.event === 'integration_user_connected')!.attrs).toMatchObject({ integration: 'google_drive' });
    expect(r.observations.some((o) => /_deleted|_revoked/.test(String(o.attrs?.event)))).toBe(false);
  });

  it('--audit-format accepts the new vendor ids', () => {
    expect(parseAuditFormat('bedrock:jsonl')).toEqual({ vendor: 'bedrock', format: 'jsonl' });
    expect(parseAuditFormat('azure-openai')).toEqual({ vendor: 'azure-openai' });
    expect(parseAuditFormat('openai')).toEqual({ vendor: 'openai' });
    expect(parseAuditFormat('anthropic:json')).toEqual({ vendor: 'anthropic', format: 'json' });
  });
});

describe('AI platform logs: privacy, containers, malformed input', () => {
  const PROMPT = 'CANARY-PROMPT-4417 please summarise the merger terms for Project Falcon';
  const ANSWER = 'CANARY-ANSWER-9052 the merger terms are';
  const record = (extra: Record<string, unknown> = {}) => ({
    schemaType: 'ModelInvocationLog', schemaVersion: '1.0', timestamp: '2026-03-01T10:00:00Z', accountId: '777788889999', region: 'us-east-1', requestId: 'req-canary',
    identity: { arn: 'arn:aws:sts::777788889999:assumed-role/analyst/ivy@corp.example' }, operation: 'InvokeModel', modelId: 'anthropic.claude-3-7-sonnet-20250219-v1:0',
    input: { inputContentType: 'application/json', inputBodyJson: { anthropic_version: 'bedrock-2023-05-31', messages: [{ role: 'user', content: PROMPT }], system: PROMPT }, inputTokenCount: 33 },
    output: { outputContentType: 'application/json', outputBodyJson: { content: [{ type: 'text', text: ANSWER }], usage: { input_tokens: 33, output_tokens: 12 } }, outputTokenCount: 12 },
    ...extra,
  });

  it('never keeps a Bedrock prompt or response body anywhere in the output — also from a malformed line (reported as file:line)', async () => {
    const d = tmpDir();
    const f = join(d, 'invocations.jsonl');
    // line 2: a record cut inside the prompt; line 3: a prompt written unquoted (JSON.parse quotes such text in its message)
    const cut = JSON.stringify(record()).slice(0, JSON.stringify(record()).indexOf('Project Falcon') + 8);
    const unquoted = `{"schemaType":"ModelInvocationLog","input":{"inputBodyJson":{"prompt": ${PROMPT}}}}`;
    writeFileSync(f, `${JSON.stringify(record())}\n${cut}\n${unquoted}\n${JSON.stringify(record({ requestId: 'req-2' }))}\n`);
    const r = await scan([f]);
    const out = JSON.stringify({ observations: r.observations, findings: r.findings, coverage: r.coverage, errors: r.errors });
    expect(out).not.toContain('CANARY');
    expect(out).not.toContain('Project Falcon');
    expect(r.coverage[0].problems.map((p) => p.locator)).toEqual([`${f}:2`, `${f}:3`]);
    expect(rows(r.findings)).toEqual(['aws-bedrock principal:arn:aws:iam::777788889999:role/analyst usage 2 ok']);
    expect(r.observations[0].attrs).toMatchObject({ inputTokens: 66, outputTokens: 24 });
  });

  it('reads a gzip S3 object (one record per line) and CloudWatch Logs API results (`events[].message`)', async () => {
    const d = tmpDir();
    writeFileSync(join(d, '20260301T1000Z_abc.json.gz'), gzipSync(`${JSON.stringify(record())}\n${JSON.stringify(record({ requestId: 'r2', modelId: 'amazon.nova-pro-v1:0' }))}\n`));
    writeFileSync(join(d, 'get-log-events.json'), JSON.stringify({ events: [{ timestamp: 1772359200000, message: JSON.stringify(record({ requestId: 'r3' })), ingestionTime: 1772359201000 }], nextForwardToken: 'f/1' }));
    const r = await scan([d]);
    expect(r.coverage[0].failed).toEqual([]);
    expect(r.coverage[0].problemCount).toBe(0);
    expect(r.coverage[0].stats['files.bedrock']).toBe(2);
    expect(rows(r.findings)).toEqual(['aws-bedrock principal:arn:aws:iam::777788889999:role/analyst usage 3 ok']);
    expect(r.observations.map((o) => o.attrs?.modelId).sort()).toEqual(['amazon.nova-pro-v1:0', 'anthropic.claude-3-7-sonnet-20250219-v1:0']);
    expect(JSON.stringify(r.observations)).not.toContain('CANARY');
  });

  it('Azure `properties` as a JSON string reads like an object; an Entra diagnostic record in the same file stays Entra', async () => {
    const d = tmpDir();
    const f = join(d, 'PT1H.json');
    const base = {
      time: '2026-03-02T08:00:00Z', category: 'RequestResponse', operationName: 'Responses_Create', resultSignature: '200', callerIpAddress: '203.0.113.9',
      resourceId: '/SUBSCRIPTIONS/0000/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.COGNITIVESERVICES/ACCOUNTS/FABRIKAM-AI',
    };
    const props = { apiName: 'Azure OpenAI API version 2025-04-01-preview', objectId: '', modelDeploymentName: 'o4-mini', modelName: 'o4-mini', modelVersion: '2025-04-16' };
    const entra = { time: '2026-03-02T08:00:00Z', category: 'SignInLogs', operationName: 'Sign-in activity', resourceId: '/tenants/t/providers/Microsoft.aadiam', properties: { userPrincipalName: 'ivy@corp.example', appDisplayName: 'Some App', appId: '00000000-0000-0000-0000-00000000abcd', status: { errorCode: 0 } } };
    writeFileSync(f, [{ ...base, properties: JSON.stringify(props) }, { ...base, properties: props }, entra].map((x) => JSON.stringify(x)).join('\n') + '\n');
    expect(detectVendor(entra)).toBe('entra');
    const r = await scan([f]);
    // unmasked caller IP: masked here
    expect(rows(r.findings)).toEqual(['azure-openai ip:203.0.113.*** usage 2 ok']);
    expect(r.observations.find((o) => o.value === 'Azure OpenAI')!.attrs).toMatchObject({ deployment: 'o4-mini', modelId: 'o4-mini', event: 'Responses_Create' });
    expect(r.coverage[0].stats['files.azure-openai+entra']).toBe(1);
  });
});

describe('public corpus samples of the AI platforms (fixtures/corpus/audit)', () => {
  const expected: Record<string, string> = { 'aws-bedrock-invocation': 'bedrock', 'azure-openai-diagnostic': 'azure-openai', 'openai-audit': 'openai', 'anthropic-activity': 'anthropic' };

  it('every record of every sample is detected as its vendor', () => {
    for (const [dir, vendor] of Object.entries(expected)) {
      for (const f of readdirSync(join(CORPUS, dir))) {
        const lines = readFileSync(join(CORPUS, dir, f), 'utf8').split('\n').filter((l) => l.trim());
        expect(lines.map((l) => detectVendor(JSON.parse(l))).filter((v) => v !== vendor), `${dir}/${f}`).toEqual([]);
      }
    }
  });

  it('each sample file scans with 0 unknown records and no problem, into its service', async () => {
    const service: Record<string, string[]> = { 'aws-bedrock-invocation': ['aws-bedrock'], 'azure-openai-diagnostic': ['azure-openai'], 'openai-audit': ['openai-api'], 'anthropic-activity': ['claude-ai', 'anthropic-api'] };
    for (const dir of Object.keys(expected)) {
      for (const f of readdirSync(join(CORPUS, dir))) {
        const r = await scan([join(CORPUS, dir, f)]);
        const cov = r.coverage[0];
        expect(cov.failed, `${dir}/${f}`).toEqual([]);
        expect(cov.stats['records.unknown'] ?? 0, `${dir}/${f}`).toBe(0);
        expect(cov.problemCount, `${dir}/${f}`).toBe(0);
        expect(r.findings.length, `${dir}/${f}`).toBeGreaterThan(0);
        expect([...new Set(r.findings.map((x) => x.service))].every((s) => service[dir].includes(s)), `${dir}/${f}`).toBe(true);
        // the Bedrock sample carries prompts and answers: none may reach the output
        expect(JSON.stringify(r)).not.toMatch(/suspicious question|shouldn't ask/);
      }
    }
  });
});

describe('one call logged by two sources counts once', () => {
  it('a Bedrock call in both CloudTrail and the invocation log (same request id) is one event', async () => {
    const d = tmpDir();
    const role = 'arn:aws:iam::444455556666:role/AWSReservedSSO_DataScience_0a1b2c';
    const inv = (id: string) => ({ schemaType: 'ModelInvocationLog', schemaVersion: '1.0', timestamp: '2026-02-02T09:00:00Z', accountId: '444455556666', region: 'eu-central-1', requestId: id, identity: { arn: 'arn:aws:sts::444455556666:assumed-role/AWSReservedSSO_DataScience_0a1b2c/ana.lopez@corp.example' }, operation: 'Converse', modelId: 'anthropic.claude-3-5-haiku-20241022-v1:0', input: { inputTokenCount: 10 }, output: { outputTokenCount: 5 } });
    const ct = (id: string, requestID: string) => ({ eventVersion: '1.09', eventTime: '2026-02-02T09:00:00Z', eventSource: 'bedrock.amazonaws.com', eventName: 'Converse', awsRegion: 'eu-central-1', requestID, eventID: id, recipientAccountId: '444455556666', requestParameters: { modelId: 'anthropic.claude-3-5-haiku-20241022-v1:0' }, userIdentity: { type: 'AssumedRole', arn: 'arn:aws:sts::444455556666:assumed-role/AWSReservedSSO_DataScience_0a1b2c/ana.lopez@corp.example', accountId: '444455556666', sessionContext: { sessionIssuer: { type: 'Role', arn: role, userName: 'AWSReservedSSO_DataScience_0a1b2c' } } } });
    writeFileSync(join(d, 'invocations.jsonl'), [inv('req-1'), inv('req-2'), inv('req-3')].map((x) => JSON.stringify(x)).join('\n') + '\n');
    // the trail has req-1 and req-2 (the same calls) and req-9 (a call the invocation log missed)
    writeFileSync(join(d, 'trail.json'), JSON.stringify({ Records: [ct('e1', 'req-1'), ct('e2', 'req-2'), ct('e9', 'req-9')] }));
    const r = await scan([d]);
    expect(r.coverage[0].failed).toEqual([]);
    const bedrock = r.findings.filter((f) => f.service === 'aws-bedrock' && f.signal === 'usage');
    expect(bedrock.reduce((n, f) => n + (f.count ?? 1), 0)).toBe(4);
    expect(r.coverage[0].stats['events.sameRequest']).toBe(2);
  });
});
