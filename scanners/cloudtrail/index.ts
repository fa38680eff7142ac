/**
 * cloudtrail: who invokes which cloud AI service — CloudTrail `LookupEvents` per region for the
 * event sources the rules name, and trail log files in S3. Emits `audit-event` observations.
 */
import { z } from 'zod';
import type { ScannerModule } from '../../src/core/types.js';

export const optionsSchema = z
  .object({
    // us-east-1, ap-southeast-2, us-gov-west-1, us-isob-east-1 (bounded parts: linear-time)
    regions: z.array(z.string().regex(/^[a-z]{2}-[a-z]+(?:-[a-z]+){0,2}-\d+$/)).default([]),
    /** Use LookupEvents (management events, 90 days). */
    lookup: z.boolean().default(true),
    /** Event sources to look up (default: every aws event source in the rules). */
    eventSources: z.array(z.string().min(1)).default([]),
    /** Trail buckets to read log files from (`prefix` like AWSLogs/<account>/CloudTrail/<region>/). */
    trails: z.array(z.object({ bucket: z.string().min(3), prefix: z.string().optional(), region: z.string().optional() }).strict()).default([]),
    /** Endpoint override (tests, VPC endpoints); otherwise AWS_ENDPOINT_URL* are honoured by the SDK. */
    endpoint: z.string().url().optional(),
    forcePathStyle: z.boolean().optional(),
    maxAttempts: z.number().int().min(1).max(20).default(5),
    /** First run: how far back (LookupEvents itself keeps 90 days; trail files in S3 may go further). */
    lookbackDays: z.number().int().min(1).max(400).default(30),
    maxPages: z.number().int().min(1).default(100_000),
  })
  .strict();
export type CloudTrailOptions = z.infer<typeof optionsSchema>;

export const cloudTrailScanner: ScannerModule<CloudTrailOptions> = {
  id: 'cloudtrail',
  title: 'AWS CloudTrail (LookupEvents and trail files in S3)',
  source: 'cloud',
  tags: ['cloud', 'aws', 'audit', 'live'],
  version: '1.0.0',
  // resumes from a stored cursor: each run reports only events it had not read before
  incremental: true,
  optionsSchema,
  cli: [
    { flags: '--cloudtrail-region <region>', description: 'look up CloudTrail events in REGION (AWS default credential chain)', repeatable: true },
    { flags: '--cloudtrail-bucket <bucket[/prefix]>', description: 'read CloudTrail log files from an S3 bucket', repeatable: true },
  ],
  optionsFromCli(v) {
    const regions = (v.cloudtrailRegion as string[] | undefined) ?? [];
    const buckets = (v.cloudtrailBucket as string[] | undefined) ?? [];
    if (!regions.length && !buckets.length) return undefined;
    return optionsSchema.parse({
      regions,
      lookup: regions.length > 0,
      trails: buckets.map((b) => { const i = b.indexOf('/'); return i < 0 ? { bucket: b } : { bucket: b.slice(0, i), prefix: b.slice(i + 1) }; }),
    });
  },
  // The SDK clients load only when this scanner runs: importing them costs seconds at start-up.
  scan: async (ctx, sink) => (await import('./scan.js')).scan(ctx, sink),
};
export default cloudTrailScanner;
