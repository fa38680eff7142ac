/**
 * The AWS sweep at organisation scale against the loopback AWS (real SDK v3 clients): account
 * pages feed the sweep as they arrive, 30 % throttling with the default retry settings loses no
 * unit, the shared clients still honour per-service endpoint settings, and a sweep aborted
 * mid-way stops with its units skipped rather than failed.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { awsScanner, optionsSchema } from '../../../scanners/aws/index.js';
import { startAwsLoopback, type AwsEstate, type AwsLoopback } from '../../../scanners/aws/loopback.js';
import { context, sink, testRules, withEnv } from './helpers.js';

const rules = testRules();
const servers: AwsLoopback[] = [];
afterEach(async () => {
  while (servers.length) await servers.pop()!.close();
});

const REGIONS = ['eu-west-1', 'us-east-1', 'us-west-2'];

/** `n` member accounts, each with one SageMaker endpoint per region. */
function org(n: number, faults: AwsEstate['faults']): AwsEstate {
  const accounts: AwsEstate['accounts'] = {};
  for (let i = 0; i < n; i++) {
    const id = String(500000000000 + i);
    const resources: Record<string, any> = {};
    for (const r of REGIONS) resources[r] = { sagemakerEndpoints: [{ EndpointName: `ep-${i}`, EndpointArn: `arn:aws:sagemaker:${r}:${id}:endpoint/ep-${i}`, CreationTime: 1730000000, LastModifiedTime: 1730000000, EndpointStatus: 'InService' }] };
    accounts[id] = { name: `acct-${i}`, regions: REGIONS, resources };
  }
  return { callerAccount: '500000000000', accounts, faults };
}

async function sweep(e: AwsEstate, options: Record<string, unknown> = {}, signal?: AbortSignal) {
  const lb = await startAwsLoopback(e);
  servers.push(lb);
  const s = sink('aws');
  // retryDelayScale only shortens the SDK's back-off waits for the test; attempts are the defaults
  const opts = optionsSchema.parse({ retryDelayScale: 0.002, minSendRate: 200, ...options });
  const coverage = await withEnv(lb.env, () => awsScanner.scan(context(opts, rules, signal), s.sink));
  return { coverage, observations: s.observations, lb };
}

describe('aws sweep at organisation scale', () => {
  it('starts sweeping the first page of accounts before Organizations has listed the last', async () => {
    // 45 accounts = 3 ListAccounts pages (20 per page, the API maximum), each page slow to answer
    const { coverage, lb } = await sweep(org(45, { opLatencyMs: { 'organizations:ListAccounts': 400 } }), { tagging: false });
    expect(coverage.failed).toEqual([]);
    expect(coverage.units).toHaveLength(45 * REGIONS.length);
    expect(lb.stats.byOp['organizations:ListAccounts']).toBe(3);
    const lastPage = lb.stats.log.lastIndexOf(lb.stats.log.filter((l) => l.startsWith('organizations:ListAccounts')).at(-1)!);
    const firstUnitCall = lb.stats.log.findIndex((l) => l.startsWith('sagemaker:'));
    const firstAssume = lb.stats.log.findIndex((l) => l.startsWith('sts:AssumeRole'));
    expect(firstAssume).toBeGreaterThan(-1);
    expect(firstAssume).toBeLessThan(lastPage);
    expect(firstUnitCall).toBeLessThan(lastPage);
  }, 60_000);

  it('30 % throttling on every call: with the default retry settings every unit completes (150 units)', async () => {
    // 50 accounts × 3 regions = 150 units, ~2,000 calls, about 600 throttled answers (the former
    // single limit of 6 attempts lost a unit here in most runs: 1 − (1 − 0.3^6)^2000 ≈ 0.77)
    const { coverage, observations, lb } = await sweep(org(50, { throttleRate: 0.3, seed: 11 }));
    expect(optionsSchema.parse({}).maxAttempts).toBe(6);
    expect(lb.stats.throttled / lb.stats.requests).toBeGreaterThan(0.25);
    expect(coverage.failed).toEqual([]);
    expect(coverage.skipped).toEqual([]);
    expect(coverage.units).toHaveLength(150);
    expect(observations.filter((o) => o.value === 'sagemaker:endpoint')).toHaveLength(150);
  }, 120_000);

  it('a call throttled past maxThrottleAttempts fails its unit as throttled; other units land', async () => {
    const e = org(2, { throttledOps: ['500000000001:us-west-2:sagemaker:ListEndpoints'] });
    const { coverage, lb } = await sweep(e, { maxThrottleAttempts: 3, tagging: false });
    expect(coverage.failed).toEqual([{ unit: 'aws:500000000001:us-west-2', reason: expect.stringMatching(/^throttled after retries \(sagemaker:ListEndpoints\)/) }]);
    expect(coverage.units).toHaveLength(5);
    expect(lb.stats.log.filter((l) => l === 'sagemaker:ListEndpoints 500000000001 us-west-2')).toHaveLength(3);
  }, 60_000);

  it('an abort mid-sweep stops the sweep: nothing is reported as failed, nothing lands after', async () => {
    const ac = new AbortController();
    const e = org(10, { latencyMs: 20 });
    const lb = await startAwsLoopback(e);
    servers.push(lb);
    const s = sink('aws');
    const opts = optionsSchema.parse({ retryDelayScale: 0.002, minSendRate: 200, maxConcurrentRequests: 4 });
    const p = withEnv(lb.env, () => awsScanner.scan(context(opts, rules, ac.signal), s.sink));
    // abort once the sweep is under way (the first unit call has reached the server)
    while (!lb.stats.log.some((l) => l.startsWith('sagemaker:'))) await new Promise((r) => setTimeout(r, 5));
    ac.abort();
    const cov = await p;
    const after = lb.stats.requests;
    await new Promise((r) => setTimeout(r, 200));
    expect(lb.stats.requests).toBe(after);
    expect(cov.failed).toEqual([]);
    expect(cov.units.length).toBeLessThan(30);
    expect(cov.skipped.length).toBeGreaterThan(0);
    expect(cov.skipped.every((x) => x.reason === 'aborted')).toBe(true);
  }, 60_000);
});
