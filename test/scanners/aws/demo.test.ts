/** The demo cloud: recorded estates on loopback; the three cloud scanners see items without credentials. */
import { describe, expect, it } from 'vitest';
import { startDemoCloud } from '../../../scanners/aws/demo-server.js';
import { awsScanner, optionsSchema as awsOptions } from '../../../scanners/aws/index.js';
import { azureScanner, optionsSchema as azureOptions } from '../../../scanners/azure/index.js';
import { gcpScanner, optionsSchema as gcpOptions } from '../../../scanners/gcp/index.js';
import { context, sink, testRules, withEnv } from './helpers.js';

describe('demo cloud', () => {
  it('serves a recorded AWS account, Azure subscription and GCP export', async () => {
    const demo = await startDemoCloud();
    const rules = testRules();
    try {
      await withEnv({ ...demo.env, AWS_PROFILE: undefined }, async () => {
        const a = sink('aws');
        const ca = await awsScanner.scan(context(awsOptions.parse(demo.options.aws), rules), a.sink);
        expect(ca.failed).toEqual([]);
        expect(ca.units).toEqual(['aws:123456789012:eu-west-1', 'aws:123456789012:us-east-1']);
        expect(a.observations.length).toBeGreaterThanOrEqual(10);
        const z = sink('azure');
        const cz = await azureScanner.scan(context(azureOptions.parse(demo.options.azure), rules), z.sink);
        expect(cz.failed).toEqual([]);
        expect(z.observations.length).toBe(6);
        const g = sink('gcp');
        await gcpScanner.scan(context(gcpOptions.parse(demo.options.gcp), rules), g.sink);
        expect(g.observations.length).toBe(3);
      });
    } finally {
      await demo.close();
    }
  });
});
