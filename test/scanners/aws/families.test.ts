/**
 * Issue 11 item 4 on AWS: a service family the rules lacked (Amazon Personalize: solutions,
 * campaigns, recommenders) is asked for through the Resource Groups Tagging API and named by
 * its rule; its run records and data are not AI inventory. Real SDK clients, loopback AWS.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { awsScanner, optionsSchema } from '../../../scanners/aws/index.js';
import { startAwsLoopback, type AwsLoopback } from '../../../scanners/aws/loopback.js';
import { tagFilters } from '../../../scanners/aws/scan.js';
import { matchAll } from '../../../src/match/match.js';
import { ruleIndex } from '../../../src/rules/load.js';
import { context, sink, withEnv } from './helpers.js';

const rules = ruleIndex([]).index;
const ACCT = '555566667777';
const R = 'eu-west-1';
const arn = (res: string) => `arn:aws:personalize:${R}:${ACCT}:${res}`;
const servers: AwsLoopback[] = [];
afterEach(async () => {
  while (servers.length) await servers.pop()!.close();
});

describe('aws: Amazon Personalize', () => {
  it('asks for the trained models and their serving resources, and names them; datasets and jobs are not inventory', async () => {
    const filters = tagFilters(context({} as never, rules));
    for (const t of ['personalize:solution', 'personalize:campaign', 'personalize:recommender']) expect(filters).toContain(t);
    const tagged = [arn('solution/churn-sims'), arn('campaign/churn-live'), arn('recommender/shop-home'), arn('dataset-group/shop'), arn('batch-inference-job/nightly')].map((a) => ({ ResourceARN: a, Tags: [{ Key: 'owner', Value: 'growth-ml' }] }));
    const lb = await startAwsLoopback({ callerAccount: ACCT, organization: false, accounts: { [ACCT]: { regions: [R], resources: { [R]: { tagged } } } }, faults: { ignoreTagFilters: true } });
    servers.push(lb);
    const s = sink('aws');
    const opts = optionsSchema.parse({ retryDelayScale: 0.002, minSendRate: 200, organization: false, regions: [R] });
    const coverage = await withEnv(lb.env, () => awsScanner.scan(context(opts, rules), s.sink));
    expect(coverage.failed).toEqual([]);
    const found = matchAll(rules, s.observations).map((f) => [f.locator, f.service]).sort();
    expect(found).toEqual([
      [arn('campaign/churn-live'), 'amazon-personalize'],
      [arn('recommender/shop-home'), 'amazon-personalize'],
      [arn('solution/churn-sims'), 'amazon-personalize'],
    ]);
    expect(s.observations.find((o) => o.locator === arn('campaign/churn-live'))!.attrs?.owner).toBe('growth-ml');
  });
});
