/**
 * Adversarial cases for the AWS scanner, against the loopback AWS and the bundled rules:
 * look-alike resources (an `ai` tag on another service's resource, run records and aliases,
 * foundation-model ARNs inside provisioned throughput), governance facts (invocation logging
 * on / off / unknown, guardrail attached / not / unknown, owner tag keys, created time), and
 * coverage (one denied operation, one denied region, gone only where a unit was fully covered).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { awsScanner, optionsSchema } from '../../../scanners/aws/index.js';
import { startAwsLoopback, type AwsEstate, type AwsLoopback } from '../../../scanners/aws/loopback.js';
import { matchAll } from '../../../src/match/match.js';
import { runScan } from '../../../src/pipeline.js';
import { ruleIndex } from '../../../src/rules/load.js';
import type { Observation } from '../../../src/core/types.js';
import { tmpDir } from '../../helpers/tmp.js';
import { context, sink, withEnv } from './helpers.js';

const ACCT = '444455556666';
const E1 = 'us-east-1';
const W2 = 'us-west-2';
const EU = 'eu-central-1';
const arn = (region: string, res: string, svc = 'bedrock') => `arn:aws:${svc}:${region}:${ACCT}:${res}`;
const FM = (id: string) => `arn:aws:bedrock:${E1}::foundation-model/${id}`;
const GR = 'gr0a1b2c3d4e';
const AGENT_G = 'AGENTGRD01';
const AGENT_N = 'AGENTNOG02';

function agentObj(region: string, id: string, name: string, guardrail?: string): Record<string, unknown> {
  return {
    agentId: id,
    agentName: name,
    agentArn: arn(region, `agent/${id}`),
    agentVersion: 'DRAFT',
    agentStatus: 'PREPARED',
    foundationModel: 'anthropic.claude-3-haiku-20240307-v1:0',
    agentResourceRoleArn: `arn:aws:iam::${ACCT}:role/AmazonBedrockExecutionRoleForAgents_x`,
    idleSessionTTLInSeconds: 600,
    createdAt: '2025-02-02T10:00:00Z',
    updatedAt: '2025-02-03T10:00:00Z',
    ...(guardrail ? { guardrailConfiguration: { guardrailIdentifier: guardrail, guardrailVersion: '1' } } : {}),
  };
}

function regionResources(region: string, logging: boolean): AwsEstate['accounts'][string]['resources'] extends infer R ? R extends Record<string, infer V> ? V : never : never {
  return {
    provisionedThroughputs: [
      // provisioned throughput for a foundation model: modelArn IS the foundation-model ARN
      { provisionedModelName: 'pt-base', provisionedModelArn: arn(region, 'provisioned-model/ptbase00001'), modelArn: FM('anthropic.claude-3-haiku-20240307-v1:0:200k'), desiredModelArn: FM('anthropic.claude-3-haiku-20240307-v1:0:200k'), foundationModelArn: FM('anthropic.claude-3-haiku-20240307-v1:0:200k'), modelUnits: 1, desiredModelUnits: 1, status: 'InService', commitmentDuration: 'OneMonth', creationTime: '2025-01-05T00:00:00Z', lastModifiedTime: '2025-01-05T00:00:00Z' },
    ],
    guardrails: [{ id: GR, arn: arn(region, `guardrail/${GR}`), status: 'READY', name: 'pii-filter', version: '1', createdAt: '2025-01-01T00:00:00Z', updatedAt: '2025-01-01T00:00:00Z' }],
    ...(logging ? { invocationLogging: { cloudWatchConfig: { logGroupName: '/bedrock/invocations', roleArn: `arn:aws:iam::${ACCT}:role/bedrock-logging` }, textDataDeliveryEnabled: true, imageDataDeliveryEnabled: false, embeddingDataDeliveryEnabled: false } } : {}),
    agents: [agentObj(region, AGENT_G, 'support-agent', GR), agentObj(region, AGENT_N, 'raw-agent')],
    sagemakerEndpoints: [{ EndpointName: 'churn', EndpointArn: arn(region, 'endpoint/churn', 'sagemaker'), CreationTime: 1740787200, LastModifiedTime: 1740787200, EndpointStatus: 'InService' }],
    tagged: [
      // tags for resources the list APIs also return
      { ResourceARN: arn(region, `agent/${AGENT_G}`), Tags: [{ Key: 'Owner', Value: 'alice@example.com' }, { Key: 'team', Value: 'support' }] },
      { ResourceARN: arn(region, `agent/${AGENT_N}`), Tags: [{ Key: 'cost-center', Value: 'cc-4711' }] },
      { ResourceARN: arn(region, 'endpoint/churn', 'sagemaker'), Tags: [{ Key: 'CostCenter', Value: 'cc-0815' }] },
      // look-alikes: another service's resource with an "ai" tag; run records and an alias
      { ResourceARN: `arn:aws:s3:::genai-training-data-${region}`, Tags: [{ Key: 'ai', Value: 'true' }, { Key: 'owner', Value: 'ml-team' }] },
      { ResourceARN: arn(region, 'function:chatbot-ai', 'lambda'), Tags: [{ Key: 'ai', Value: 'true' }] },
      { ResourceARN: arn(region, 'training-job/churn-2025-03-01', 'sagemaker'), Tags: [{ Key: 'ai', Value: 'true' }] },
      { ResourceARN: arn(region, `agent-alias/${AGENT_G}/ALIAS00001`), Tags: [{ Key: 'ai', Value: 'true' }] },
      { ResourceARN: arn(region, 'model-customization-job/amazon.titan-text-express-v1:0:8k/job0000001'), Tags: [{ Key: 'ai', Value: 'true' }] },
      // a tagged resource of another AI service the rules name (found only through tagging)
      { ResourceARN: arn(region, 'index/0a1b2c3d-0000-0000-0000-000000000001', 'kendra'), Tags: [{ Key: 'owner', Value: 'search-team' }] },
    ],
  };
}

function trapEstate(faults: AwsEstate['faults'] = {}, mutate?: (e: AwsEstate) => void): AwsEstate {
  const e: AwsEstate = {
    callerAccount: ACCT,
    organization: false,
    faults,
    accounts: {
      [ACCT]: {
        name: 'workloads',
        regions: [E1, W2, EU],
        notOptedIn: ['me-south-1'],
        resources: { [E1]: regionResources(E1, true), [W2]: regionResources(W2, false), [EU]: regionResources(EU, true) },
      },
    },
  };
  mutate?.(e);
  return e;
}

const rules = ruleIndex([]).index;
const servers: AwsLoopback[] = [];
afterEach(async () => {
  while (servers.length) await servers.pop()!.close();
});

async function run(e: AwsEstate, options: Record<string, unknown> = {}) {
  const lb = await startAwsLoopback(e);
  servers.push(lb);
  const s = sink('aws');
  const opts = optionsSchema.parse({ retryDelayScale: 0.002, minSendRate: 200, organization: false, ...options });
  const coverage = await withEnv(lb.env, () => awsScanner.scan(context(opts, rules), s.sink));
  return { coverage, observations: s.observations, lb };
}

const byArn = (obs: Observation[], a: string) => obs.find((o) => o.locator === a);

describe('aws traps: look-alikes (bundled rules)', () => {
  it('an ai tag on another service, run records, aliases and a foundation model in provisioned throughput are not AI inventory', async () => {
    // the endpoint ignores ResourceTypeFilters: the scanner must still keep only the asked-for types
    const { coverage, observations } = await run(trapEstate({ ignoreTagFilters: true }), { regions: [E1] });
    expect(coverage.failed).toEqual([]);
    const values = new Set(observations.map((o) => o.value));
    for (const v of ['s3', 'lambda:function', 'sagemaker:training-job', 'bedrock:agent-alias', 'bedrock:model-customization-job']) expect(values.has(v), v).toBe(false);
    expect(observations.some((o) => o.locator.includes(':foundation-model/'))).toBe(false);
    const findings = matchAll(rules, observations);
    const svc = new Map(findings.map((f) => [f.locator, f.service]));
    expect(svc.get(arn(E1, 'provisioned-model/ptbase00001'))).toBe('aws-bedrock');
    expect(svc.get(arn(E1, `agent/${AGENT_G}`))).toBe('aws-bedrock');
    expect(svc.get(arn(E1, `guardrail/${GR}`))).toBe('aws-bedrock');
    expect(svc.get(arn(E1, 'endpoint/churn', 'sagemaker'))).toBe('aws-sagemaker');
    expect(svc.get(arn(E1, 'index/0a1b2c3d-0000-0000-0000-000000000001', 'kendra'))).toBe('amazon-kendra');
    // the foundation model is a fact on the provisioned throughput, not an item of its own
    expect(findings.some((f) => /foundation-model/.test(f.locator))).toBe(false);
    expect(byArn(observations, arn(E1, 'provisioned-model/ptbase00001'))!.attrs).toMatchObject({ modelId: 'anthropic.claude-3-haiku-20240307-v1:0:200k', modelUnits: 1, commitment: 'OneMonth' });
  });

  it('the bundled rules claim run records and aliases of AI services for no service', () => {
    for (const t of ['sagemaker:training-job', 'sagemaker:processing-job', 'sagemaker:endpoint-config', 'sagemaker:app', 'sagemaker:user-profile', 'bedrock:agent-alias', 'bedrock:model-invocation-job', 'bedrock:evaluation-job', 'bedrock:foundation-model', 'bedrock:inference-profile', 's3', 'lambda:function'])
      expect(rules.matchCloudResource('aws', t), t).toBeUndefined();
    for (const t of ['bedrock:custom-model', 'bedrock:imported-model', 'bedrock:provisioned-model', 'bedrock:application-inference-profile', 'bedrock:guardrail', 'bedrock:agent', 'bedrock:knowledge-base'])
      expect(rules.matchCloudResource('aws', t)?.service, t).toBe('aws-bedrock');
    for (const t of ['sagemaker:endpoint', 'sagemaker:model', 'sagemaker:notebook-instance', 'sagemaker:domain']) expect(rules.matchCloudResource('aws', t)?.service, t).toBe('aws-sagemaker');
  });
});

describe('aws traps: governance facts', () => {
  it('invocation logging on / off per region; guardrail attached or not; owner from Owner, then cost-center; created time', async () => {
    const { coverage, observations } = await run(trapEstate(), { regions: [E1, W2] });
    expect(coverage.failed).toEqual([]);
    expect(coverage.units).toEqual([`aws:${ACCT}:${E1}`, `aws:${ACCT}:${W2}`]);
    const g = byArn(observations, arn(E1, `agent/${AGENT_G}`))!;
    expect(g.attrs).toMatchObject({ invocationLogging: true, guardrail: `${GR}:1`, guardrailAttached: true, owner: 'alice@example.com', createdAt: '2025-02-02T10:00:00.000Z', unit: `aws:${ACCT}:${E1}` });
    expect(byArn(observations, arn(E1, `agent/${AGENT_N}`))!.attrs).toMatchObject({ guardrail: null, guardrailAttached: false, owner: 'cc-4711' });
    expect(byArn(observations, arn(W2, `agent/${AGENT_G}`))!.attrs).toMatchObject({ invocationLogging: false });
    expect(byArn(observations, arn(E1, 'endpoint/churn', 'sagemaker'))!.attrs).toMatchObject({ owner: 'cc-0815' });
    // invocation logging is a Bedrock fact; provisioned throughput has no guardrail field
    expect(byArn(observations, arn(E1, 'endpoint/churn', 'sagemaker'))!.attrs).not.toHaveProperty('invocationLogging');
    expect(byArn(observations, arn(E1, 'provisioned-model/ptbase00001'))!.attrs).not.toHaveProperty('guardrailAttached');
  });

  it('a logging configuration that delivers no kind of data is logging off', async () => {
    const quiet = trapEstate({}, (e) => {
      e.accounts[ACCT]!.resources![E1]!.invocationLogging = { s3Config: { bucketName: 'bedrock-logs', keyPrefix: 'x/' }, textDataDeliveryEnabled: false, imageDataDeliveryEnabled: false, embeddingDataDeliveryEnabled: false, videoDataDeliveryEnabled: false };
    });
    const { observations } = await run(quiet, { regions: [E1] });
    expect(byArn(observations, arn(E1, `agent/${AGENT_G}`))!.attrs?.invocationLogging).toBe(false);
    // one kind delivered (or flags absent) is on
    const some = trapEstate({}, (e) => {
      e.accounts[ACCT]!.resources![E1]!.invocationLogging = { s3Config: { bucketName: 'bedrock-logs' }, textDataDeliveryEnabled: false, imageDataDeliveryEnabled: true };
    });
    expect(byArn((await run(some, { regions: [E1] })).observations, arn(E1, `agent/${AGENT_G}`))!.attrs?.invocationLogging).toBe(true);
  });

  it('AccessDenied on GetModelInvocationLoggingConfiguration is unknown (null), not off; the unit is partial, its resources still land', async () => {
    const { coverage, observations } = await run(trapEstate({ deniedOps: [`${ACCT}:${E1}:bedrock:GET /logging/modelinvocations`] }), { regions: [E1, W2] });
    expect(coverage.failed).toEqual([{ unit: `aws:${ACCT}:${E1}`, reason: expect.stringMatching(/^access denied \(bedrock:GetModelInvocationLoggingConfiguration\)/) }]);
    expect(coverage.units).toEqual([`aws:${ACCT}:${W2}`]);
    const e1 = observations.filter((o) => o.attrs?.region === E1 && o.value.startsWith('bedrock:'));
    expect(e1.length).toBeGreaterThanOrEqual(4);
    for (const o of e1) expect(o.attrs?.invocationLogging, o.locator).toBeNull();
    expect(byArn(observations, arn(W2, `agent/${AGENT_G}`))!.attrs?.invocationLogging).toBe(false);
  });

  it('GetAgent denied: the agent is still reported from ListAgents; a guardrail the summary shows is kept, else unknown', async () => {
    const { coverage, observations } = await run(
      trapEstate({ deniedOps: [`${ACCT}:${E1}:bedrock:GET /agents/{id}`] }, (e) => {
        // ListAgents summaries carry guardrailConfiguration only for the agent that has one
        const a = e.accounts[ACCT].resources![E1].agents!;
        a.push(agentObj(E1, 'AGENTNEW03', 'new-agent'));
      }),
      { regions: [E1] },
    );
    expect(coverage.failed).toEqual([{ unit: `aws:${ACCT}:${E1}`, reason: expect.stringMatching(/access denied \(bedrock:GetAgent\)/) }]);
    expect(byArn(observations, arn(E1, `agent/${AGENT_G}`))!.attrs).toMatchObject({ guardrail: `${GR}:1`, guardrailAttached: true, owner: 'alice@example.com' });
    expect(byArn(observations, arn(E1, 'agent/AGENTNEW03'))!.attrs).toMatchObject({ guardrail: null, guardrailAttached: null, name: 'new-agent' });
    expect(matchAll(rules, observations).some((f) => f.locator === arn(E1, 'agent/AGENTNEW03') && f.service === 'aws-bedrock')).toBe(true);
  });
});

describe('aws traps: coverage and gone', () => {
  it('a denied region, an opt-in region and expired credentials fail or skip that unit only; nothing there is marked gone; a fully covered unit does mark gone', async () => {
    const db = join(tmpDir(), 'r.db');
    const scanWith = async (e: AwsEstate, options: Record<string, unknown> = {}) => {
      const lb = await startAwsLoopback(e);
      servers.push(lb);
      return withEnv(lb.env, () => runScan({ runs: [{ scanner: awsScanner, options: { retryDelayScale: 0.002, minSendRate: 200, organization: false, regions: [E1, W2, EU, 'me-south-1'], ...options } }], db }));
    };
    let r = await scanWith(trapEstate());
    const cov = () => r.coverage.find((c) => c.scanner === 'aws')!;
    expect(cov().units).toEqual([`aws:${ACCT}:${EU}`, `aws:${ACCT}:${E1}`, `aws:${ACCT}:${W2}`]);
    expect(cov().skipped).toEqual([{ unit: `aws:${ACCT}:me-south-1`, reason: 'opt-in region not enabled for this account' }]);
    const first = r.summary.findings.total;
    expect(first).toBeGreaterThan(12);

    // us-east-1 denied, eu-central-1 expired: both fail; nothing of theirs goes, us-west-2 lands
    r = await scanWith(trapEstate({ denied: [`${ACCT}:${E1}`], expired: [`${ACCT}:${EU}`] }));
    // (DescribeRegions goes to us-east-1, denied too: the listed regions are tried, and the
    // not-enabled opt-in region fails as such instead of being skipped)
    expect(cov().failed.map((f) => f.unit).sort()).toEqual([`aws:${ACCT}:${EU}`, `aws:${ACCT}:me-south-1`, `aws:${ACCT}:${E1}`]);
    expect(cov().failed.find((f) => f.unit.endsWith('me-south-1'))!.reason).toMatch(/region not enabled/);
    expect(cov().failed.find((f) => f.unit.endsWith(EU))!.reason).toMatch(/^credential expired/);
    expect(cov().units).toEqual([`aws:${ACCT}:${W2}`]);
    expect(r.summary.findings.gone).toBe(0);

    // a throttled-out region is also partial
    r = await scanWith(trapEstate({ throttledOps: [`${ACCT}:${W2}:sagemaker:ListEndpoints`] }), { maxAttempts: 2 });
    expect(cov().failed).toEqual([{ unit: `aws:${ACCT}:${W2}`, reason: expect.stringMatching(/^throttled after retries \(sagemaker:ListEndpoints\)/) }]);
    expect(cov().units).toEqual([`aws:${ACCT}:${EU}`, `aws:${ACCT}:${E1}`]);
    expect(r.summary.findings.gone).toBe(0);

    // an agent deleted in us-west-2 while us-east-1 is denied: only the fully covered unit marks gone
    r = await scanWith(
      trapEstate({ denied: [`${ACCT}:${E1}`] }, (e) => {
        const w = e.accounts[ACCT].resources![W2];
        w.agents = w.agents!.filter((a) => a.agentId !== AGENT_N);
        w.tagged = w.tagged!.filter((t) => !t.ResourceARN.endsWith(AGENT_N));
      }),
    );
    expect(r.summary.findings.gone).toBe(1);
  }, 60_000);
});
