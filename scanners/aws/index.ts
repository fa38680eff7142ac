/**
 * AWS scanner: every account (Organizations or a listed set) × every enabled region; the
 * resources the services' control planes hold, as neutral `cloud-resource` observations.
 * Scanners know sources, not AI: which resource types matter is the rules' business.
 */
import { z } from 'zod';
import type { ScannerModule } from '../../src/core/types.js';

const accountId = z.string().regex(/^\d{12}$/, 'expected a 12-digit AWS account id');
const regionName = z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, 'expected an AWS region name such as us-east-1');

export const optionsSchema = z
  .object({
    /** Accounts to scan; default: every ACTIVE account of the organization (or the caller's only). */
    accounts: z.array(accountId).optional(),
    /** List accounts through AWS Organizations when `accounts` is not given. */
    organization: z.boolean().default(true),
    /** Read-only role assumed in each account other than the caller's. */
    roleName: z.string().min(1).default('ShadowscanReadOnly'),
    externalId: z.string().min(1).optional(),
    sessionName: z.string().min(2).max(64).default('shadowscan'),
    sessionDurationSeconds: z.number().int().min(900).max(43_200).default(3600),
    /** Regions to scan; default: every region enabled in each account. */
    regions: z.array(regionName).optional(),
    /** Region for STS, Organizations and EC2 DescribeRegions; default AWS_REGION or us-east-1. */
    homeRegion: regionName.optional(),
    /** Shared-config profile for the base credentials (else the SDK's default chain). */
    profile: z.string().min(1).optional(),
    /** One endpoint for every service (else AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_<SERVICE> apply). */
    endpoint: z.string().url().optional(),
    /** Query the Resource Groups Tagging API for tagged resources of the types the rules name. */
    tagging: z.boolean().default(true),
    /** Tag keys (case-insensitive) whose value names the owner, first match wins. */
    ownerTagKeys: z.array(z.string().min(1)).default(['owner', 'Owner', 'owner-email', 'created-by', 'CreatedBy', 'contact', 'team', 'cost-center', 'CostCenter', 'cost_center']),
    maxConcurrentRequests: z.number().int().min(1).max(1000).default(32),
    accountConcurrency: z.number().int().min(1).max(100).default(8),
    regionConcurrency: z.number().int().min(1).max(5000).default(128),
    /** Attempts per API call on errors other than throttling (5xx, timeouts, resets). */
    maxAttempts: z.number().int().min(1).max(20).default(6),
    /**
     * Attempts per API call while the service throttles (adaptive client-side rate plus
     * full-jitter exponential back-off): at 30 % throttling 15 attempts leave a call failing
     * with odds 0.3^15 ≈ 1.4e-8, so a 100 × 17 sweep (≈ 22,000 calls) loses no unit.
     */
    maxThrottleAttempts: z.number().int().min(1).max(30).default(15),
    /** Scales the SDK's retry back-off (1 = SDK defaults). */
    retryDelayScale: z.number().min(0).max(10).default(1),
    /** Floor of the adaptive client-side rate (req/s) after a throttle (SDK default 0.5). */
    minSendRate: z.number().min(0.1).max(1000).default(2),
  })
  .strict();
export type AwsOptions = z.infer<typeof optionsSchema>;

function list(v: unknown): string[] | undefined {
  if (v === undefined || v === null || v === false) return undefined;
  const arr = Array.isArray(v) ? v : [v];
  const out = arr.flatMap((x) => String(x).split(',')).map((s) => s.trim()).filter(Boolean);
  return out.length ? out : undefined;
}

/** A numeric flag as given ("abc" stays NaN so validation names the flag's option). */
function num(v: unknown): number | undefined {
  return v === undefined || v === null || v === false ? undefined : Number(v);
}

/**
 * Only the options the AWS flags set (no defaults): merged over the config file's aws source,
 * so `--aws-concurrency 64` keeps the config's accounts, regions and retries.
 */
export function awsCliOverrides(v: Record<string, unknown>): Record<string, unknown> | undefined {
  const accounts = list(v.awsAccounts);
  const regions = list(v.awsRegions);
  const numeric = {
    maxConcurrentRequests: num(v.awsConcurrency),
    accountConcurrency: num(v.awsAccountConcurrency),
    regionConcurrency: num(v.awsRegionConcurrency),
    maxAttempts: num(v.awsMaxAttempts),
    maxThrottleAttempts: num(v.awsMaxThrottleAttempts),
  };
  const strings = {
    roleName: v.awsRoleName,
    externalId: v.awsExternalId,
    profile: v.awsProfile,
  };
  const out: Record<string, unknown> = {};
  if (accounts) out.accounts = accounts;
  if (regions) out.regions = regions;
  for (const [k, x] of Object.entries(numeric)) if (x !== undefined) out[k] = x;
  for (const [k, x] of Object.entries(strings)) if (typeof x === 'string') out[k] = x;
  if (!v.aws && !Object.keys(out).length) return undefined;
  return out;
}

export const awsScanner: ScannerModule<AwsOptions> = {
  id: 'aws',
  title: 'AWS accounts and regions (control-plane resources)',
  source: 'cloud',
  tags: ['cloud', 'aws', 'inventory'],
  version: '0.1.0',
  optionsSchema,
  cli: [
    { flags: '--aws', description: 'scan AWS: the organization\'s accounts (or the caller\'s) across every enabled region' },
    { flags: '--aws-accounts <ids>', description: 'AWS account ids to scan (comma-separated or repeated)', repeatable: true },
    { flags: '--aws-role-name <name>', description: 'read-only role assumed in each account (default ShadowscanReadOnly)' },
    { flags: '--aws-external-id <id>', description: 'external id for the role assumption' },
    { flags: '--aws-regions <regions>', description: 'regions to scan (default: every enabled region)', repeatable: true },
    { flags: '--aws-profile <name>', description: 'shared-config profile for the base credentials' },
    { flags: '--aws-concurrency <n>', description: 'in-flight AWS API requests across the sweep (default 32)' },
    { flags: '--aws-account-concurrency <n>', description: 'accounts set up (role, regions) at once (default 8)' },
    { flags: '--aws-region-concurrency <n>', description: 'account × region units in progress at once (default 128)' },
    { flags: '--aws-max-attempts <n>', description: 'attempts per API call on errors other than throttling (default 6)' },
    { flags: '--aws-max-throttle-attempts <n>', description: 'attempts per API call while the service throttles (default 15)' },
  ],
  optionsFromCli(v) {
    const o = awsCliOverrides(v);
    return o === undefined ? undefined : optionsSchema.parse(o);
  },
  cliOverrides: (v) => awsCliOverrides(v),
  // The SDK clients load only when this scanner runs: importing them costs seconds at start-up.
  scan: async (ctx, sink) => (await import('./scan.js')).scan(ctx, sink),
};
export default awsScanner;
