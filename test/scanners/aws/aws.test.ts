/**
 * The AWS scanner against a loopback AWS: the real SDK v3 clients, the real protocols
 * (query/XML, EC2 query, JSON 1.1, REST-JSON), paging, throttling, AccessDenied in one region,
 * expired credentials, opt-in regions, endpoint overrides.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { awsScanner, optionsSchema } from '../../../scanners/aws/index.js';
import { startAwsLoopback, type AwsLoopback } from '../../../scanners/aws/loopback.js';
import { arnToken, parseArn } from '../../../scanners/aws/scan.js';
import { matchAll } from '../../../src/match/match.js';
import { ScanError } from '../../../src/core/errors.js';
import { DEV, MGMT, PROD, estate } from './estate.js';
import { context, sink, testRules, withEnv } from './helpers.js';

const rules = testRules();
const servers: AwsLoopback[] = [];
afterEach(async () => {
  while (servers.length) await servers.pop()!.close();
});

async function run(faults: Parameters<typeof estate>[0], options: Record<string, unknown> = {}, mutate?: (e: ReturnType<typeof estate>) => void, env: Record<string, string | undefined> = {}) {
  const e = estate(faults);
  mutate?.(e);
  const lb = await startAwsLoopback(e);
  servers.push(lb);
  const s = sink('aws');
  const opts = optionsSchema.parse({ retryDelayScale: 0.002, minSendRate: 200, ...options });
  const coverage = await withEnv({ ...lb.env, ...env }, () => awsScanner.scan(context(opts, rules), s.sink));
  return { coverage, observations: s.observations, lb };
}

describe('aws scanner', () => {
  it('sweeps every organization account × enabled region, through paging and throttling', async () => {
    const { coverage, observations, lb } = await run({ pageSize: 1, throttleFirst: 1 });
    expect(coverage.failed).toEqual([]);
    expect(coverage.units).toEqual([
      `aws:${MGMT}:eu-west-1`, `aws:${MGMT}:us-east-1`, `aws:${DEV}:eu-west-1`, `aws:${DEV}:us-east-1`, `aws:${PROD}:eu-west-1`, `aws:${PROD}:us-east-1`,
    ]);
    expect(lb.stats.throttled).toBeGreaterThan(50);
    // every page was fetched (pageSize 1): both custom models, both agents in us-east-1
    const values = observations.map((o) => o.value);
    expect(values.filter((v) => v === 'bedrock:custom-model')).toHaveLength(2);
    expect(values.filter((v) => v === 'bedrock:agent')).toHaveLength(3);
    expect(new Set(values)).toEqual(new Set([
      'bedrock:agent', 'bedrock:application-inference-profile', 'bedrock:custom-model', 'bedrock:guardrail', 'bedrock:imported-model', 'bedrock:knowledge-base',
      'bedrock:provisioned-model', 'kendra:index', 'sagemaker:domain', 'sagemaker:endpoint', 'sagemaker:model', 'sagemaker:notebook-instance',
    ]));
    // system-defined inference profiles (what a region offers) are not inventory
    expect(observations.some((o) => o.locator.includes(':inference-profile/'))).toBe(false);
    // untagged-type resources outside the rules' types are not asked for
    expect(observations.some((o) => o.locator.includes(':ec2:'))).toBe(false);
    for (const o of observations) {
      expect(o).toMatchObject({ kind: 'cloud-resource', namespace: 'aws', source: 'cloud', scanner: 'aws', signal: 'presence', confidence: 'declared' });
      expect(o.subject.kind).toBe('account');
      expect(o.artifact).toMatchObject({ type: 'cloud-resource', key: o.locator });
      expect(o.attrs?.arn).toBe(o.locator);
      expect(o.value).toBe(arnToken(o.locator));
    }
    const findings = matchAll(rules, observations);
    expect(findings).toHaveLength(observations.length);
    expect(new Set(findings.map((f) => f.service))).toEqual(new Set(['test-model-platform', 'test-ml-platform', 'test-search']));
  }, 30_000);

  it('records governance facts: invocation logging, guardrails, owner tags, created time, model ids', async () => {
    const { observations } = await run({});
    const by = (suffix: string) => observations.find((o) => o.locator.endsWith(suffix))!;
    const helpdesk = by('agent/AGENT00001');
    expect(helpdesk.attrs).toMatchObject({ account: DEV, region: 'us-east-1', guardrail: 'gr12345678ab:1', guardrailAttached: true, invocationLogging: true, modelId: 'anthropic.claude-3-haiku-20240307-v1:0', createdAt: '2025-02-02T00:00:00.000Z' });
    expect(helpdesk.subject).toEqual({ kind: 'account', id: DEV, name: 'dev' });
    expect(by('agent/AGENT00002').attrs).toMatchObject({ guardrail: null, guardrailAttached: false, modelId: 'amazon.nova-lite-v1:0' });
    expect(by('agent/AGENT00003').attrs).toMatchObject({ region: 'eu-west-1', invocationLogging: false });
    const custom = by('abcd1234efgh');
    expect(custom.attrs).toMatchObject({ owner: 'ml-team@example.com', modelId: 'amazon.titan-text-express-v1:0:8k', customizationType: 'FINE_TUNING' });
    expect(custom.firstSeen).toBe('2025-01-10T09:00:00.000Z');
    expect(by('endpoint/churn-model').attrs).toMatchObject({ owner: 'data-science', createdAt: '2025-01-01T00:00:00.000Z' });
    expect(by('endpoint/churn-model').attrs).not.toHaveProperty('invocationLogging');
    expect(by('knowledge-base/KB00000001').attrs).toMatchObject({ modelId: 'amazon.titan-embed-text-v2:0' });
    expect(by('provisioned-model/pq1w2e3r4t5y').attrs).toMatchObject({ modelId: 'amazon.titan-text-express-v1:0:8k', modelUnits: 1 });
  });

  it('reports AccessDenied in one region as that unit failing; the rest of the sweep lands', async () => {
    const { coverage, observations } = await run({ denied: [`${PROD}:eu-west-1`] });
    expect(coverage.failed).toHaveLength(1);
    expect(coverage.failed[0].unit).toBe(`aws:${PROD}:eu-west-1`);
    expect(coverage.failed[0].reason).toMatch(/^access denied \(/);
    expect(coverage.units).toContain(`aws:${PROD}:us-east-1`);
    expect(coverage.units).not.toContain(`aws:${PROD}:eu-west-1`);
    expect(observations.some((o) => o.locator.endsWith('endpoint/fraud'))).toBe(true);
    expect(observations.some((o) => o.locator.endsWith('endpoint/hidden'))).toBe(false);
  });

  it('a partially denied unit (one service) is failed but keeps what it saw', async () => {
    const { coverage, observations } = await run({ denied: [`${DEV}:us-east-1:sagemaker`] });
    expect(coverage.failed.map((f) => f.unit)).toEqual([`aws:${DEV}:us-east-1`]);
    expect(coverage.failed[0].reason).toContain('sagemaker:ListEndpoints');
    expect(coverage.failed[0].reason).not.toContain('bedrock:');
    expect(observations.some((o) => o.value === 'bedrock:custom-model')).toBe(true);
    // the list API was denied; only what the tagging API still showed (a tagged endpoint) is there
    expect(observations.filter((o) => o.locator.includes(`sagemaker:us-east-1:${DEV}`)).map((o) => o.value)).toEqual(['sagemaker:endpoint']);
  });

  it('an expired credential in one unit fails that unit only', async () => {
    const { coverage } = await run({ expired: [`${DEV}:eu-west-1`] });
    expect(coverage.failed).toEqual([{ unit: `aws:${DEV}:eu-west-1`, reason: expect.stringMatching(/^credential expired/) }]);
    expect(coverage.units).toHaveLength(5);
  });

  it('throws only when nothing can be scanned (the caller credential is expired)', async () => {
    await expect(run({ callerExpired: true })).rejects.toThrow(ScanError);
    await expect(run({ callerExpired: true })).rejects.toThrow(/GetCallerIdentity.*expired/);
  });

  it('an account whose role cannot be assumed is one failed unit', async () => {
    const { coverage } = await run({ denyAssume: [PROD] }, { roleName: 'AuditRead' });
    expect(coverage.failed).toEqual([{ unit: `aws:${PROD}`, reason: expect.stringContaining(`cannot assume arn:aws:iam::${PROD}:role/AuditRead`) }]);
    expect(coverage.units).toHaveLength(4);
  });

  it('listed accounts and regions; an opt-in region the account has not enabled is skipped', async () => {
    const { coverage, lb } = await run({}, { accounts: [DEV], regions: ['us-east-1', 'ap-east-1'] });
    expect(coverage.units).toEqual([`aws:${DEV}:us-east-1`]);
    expect(coverage.skipped).toEqual([{ unit: `aws:${DEV}:ap-east-1`, reason: 'opt-in region not enabled for this account' }]);
    expect(lb.stats.byOp['organizations:ListAccounts']).toBeUndefined();
  });

  it('a region that answers like a disabled opt-in region fails as such', async () => {
    // DescribeRegions unavailable → the listed regions are used as given
    const { coverage } = await run({ denied: [`${DEV}:us-east-1:ec2`] }, { accounts: [DEV], regions: ['us-east-1', 'ap-east-1'] });
    expect(coverage.failed).toEqual([{ unit: `aws:${DEV}:ap-east-1`, reason: expect.stringContaining('region not enabled') }]);
    expect(coverage.units).toEqual([`aws:${DEV}:us-east-1`]);
    expect(coverage.problems[0].message).toMatch(/DescribeRegions failed/);
  });

  it('without Organizations, scans the caller account and says so', async () => {
    const { coverage } = await run({}, {}, (e) => (e.organization = false));
    expect(coverage.units).toEqual([`aws:${MGMT}:eu-west-1`, `aws:${MGMT}:us-east-1`]);
    expect(coverage.problems[0].message).toMatch(/AWSOrganizationsNotInUseException/);
  });

  it('survives random throttling (adaptive retry) with no lost units', async () => {
    const { coverage, lb } = await run({ throttleRate: 0.3, seed: 7 }, { maxAttempts: 12 });
    expect(coverage.failed).toEqual([]);
    expect(coverage.units).toHaveLength(6);
    expect(lb.stats.throttled).toBeGreaterThan(10);
  }, 30_000);

  it('honours AWS_ENDPOINT_URL_<SERVICE> over AWS_ENDPOINT_URL (the SDK setting)', async () => {
    const other = estate({});
    other.accounts[DEV].resources!['us-east-1'] = { sagemakerEndpoints: [{ EndpointName: 'from-second-server', EndpointArn: `arn:aws:sagemaker:us-east-1:${DEV}:endpoint/from-second-server`, CreationTime: 1730000000, LastModifiedTime: 1730000000, EndpointStatus: 'InService' }] };
    const second = await startAwsLoopback(other);
    servers.push(second);
    const { observations } = await run({}, { accounts: [DEV], regions: ['us-east-1'], tagging: false }, undefined, { AWS_ENDPOINT_URL_SAGEMAKER: second.url });
    const endpoints = observations.filter((o) => o.value === 'sagemaker:endpoint').map((o) => o.attrs?.name);
    expect(endpoints).toEqual(['from-second-server']);
    expect(second.stats.byOp['sagemaker:ListEndpoints']).toBe(1);
    expect(observations.some((o) => o.value === 'bedrock:custom-model')).toBe(true);
  });

  it('is deterministic', async () => {
    const a = await run({ throttleRate: 0.2, seed: 1 }, { maxAttempts: 12 });
    const b = await run({ throttleRate: 0.2, seed: 2 }, { maxAttempts: 12 });
    expect(b.observations).toEqual(a.observations);
    expect(b.coverage.units).toEqual(a.coverage.units);
  }, 30_000);

  it('honours an aborted signal without throwing', async () => {
    const lb = await startAwsLoopback(estate({}));
    servers.push(lb);
    const ac = new AbortController();
    ac.abort();
    const s = sink('aws');
    const cov = await withEnv(lb.env, () => awsScanner.scan(context(optionsSchema.parse({}), rules, ac.signal), s.sink));
    expect(cov.units).toEqual([]);
    expect(lb.stats.requests).toBe(0);
  });

  it('parses ARNs into service:resource-type tokens', () => {
    expect(arnToken('arn:aws:bedrock:us-east-1:1:custom-model/a.b-v1:0/xyz')).toBe('bedrock:custom-model');
    expect(arnToken('arn:aws:sagemaker:us-east-1:1:notebook-instance/nb')).toBe('sagemaker:notebook-instance');
    expect(arnToken('arn:aws:s3:::bucket')).toBe('s3');
    expect(arnToken('arn:aws:logs:us-east-1:1:log-group:/x')).toBe('logs:log-group');
    expect(parseArn('not-an-arn')).toBeUndefined();
  });

  it('builds options from CLI flags, and only when asked', () => {
    expect(awsScanner.optionsFromCli!({})).toBeUndefined();
    expect(awsScanner.optionsFromCli!({ aws: true })).toMatchObject({ organization: true, roleName: 'ShadowscanReadOnly' });
    expect(awsScanner.optionsFromCli!({ awsAccounts: ['111111111111,222222222222'], awsRegions: ['us-east-1'], awsRoleName: 'Audit' })).toMatchObject({ accounts: ['111111111111', '222222222222'], regions: ['us-east-1'], roleName: 'Audit' });
    expect(() => awsScanner.optionsFromCli!({ awsAccounts: ['12'] })).toThrow(/12-digit/);
  });
});
