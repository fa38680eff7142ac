/**
 * I/O for the AWS scanner: official SDK v3 clients, built per (account, region), with
 * - adaptive retry (client-side rate limiting + back-off on throttling),
 * - one shared in-flight request limit (p-limit) around each HTTP attempt, so back-off waits
 *   never hold a slot,
 * - the SDK's own endpoint settings (AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_<SERVICE>) or an
 *   explicit endpoint option, so the same code runs against AWS or a loopback server.
 */
import { STSClient, GetCallerIdentityCommand, AssumeRoleCommand } from '@aws-sdk/client-sts';
import { OrganizationsClient, paginateListAccounts } from '@aws-sdk/client-organizations';
import { EC2Client, DescribeRegionsCommand } from '@aws-sdk/client-ec2';
import { BedrockClient } from '@aws-sdk/client-bedrock';
import { BedrockAgentClient } from '@aws-sdk/client-bedrock-agent';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import { AdaptiveRetryStrategy, DefaultRateLimiter } from '@smithy/core/retry';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import pLimit, { type LimitFunction } from 'p-limit';

export interface AwsClientSettings {
  /** Explicit endpoint for every service (else the SDK's AWS_ENDPOINT_URL* settings apply). */
  endpoint?: string;
  maxAttempts: number;
  /** Multiplies the SDK back-off delays (1 = SDK defaults; tests use a small value). */
  retryDelayScale: number;
  /** Floor of the adaptive client-side send rate (requests/second) after throttling. */
  minSendRate: number;
  /** In-flight HTTP requests across the whole sweep. */
  maxConcurrentRequests: number;
  /** Counts every HTTP attempt (stats). */
  onAttempt?: () => void;
}

type AnyClient = { middlewareStack: { add: (...a: any[]) => void }; send: (...a: any[]) => Promise<any>; destroy(): void };

/** SDK back-off (full jitter, exponential, capped) with a scale factor for tests / benches. */
function scaledBackoff(scale: number) {
  let base = 100;
  return {
    setDelayBase(d: number) {
      base = d;
    },
    computeNextBackoffDelay(attempt: number) {
      return Math.floor(Math.min(20_000, Math.random() * 2 ** attempt * base) * scale);
    },
  };
}

export class AwsClientFactory {
  readonly limit: LimitFunction;
  /**
   * One HTTP handler (keep-alive agents) shared by every client of the sweep: thousands of
   * short-lived per-unit clients reuse warm connections instead of opening their own.
   */
  private handler: NodeHttpHandler;
  constructor(private settings: AwsClientSettings) {
    this.limit = pLimit(settings.maxConcurrentRequests);
    const sockets = Math.max(50, settings.maxConcurrentRequests * 2);
    this.handler = new NodeHttpHandler({
      httpAgent: new HttpAgent({ keepAlive: true, maxSockets: sockets }),
      httpsAgent: new HttpsAgent({ keepAlive: true, maxSockets: sockets }),
    });
  }

  private config(region: string, credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider) {
    const s = this.settings;
    return {
      region,
      requestHandler: this.handler,
      ...(credentials ? { credentials } : {}),
      ...(s.endpoint ? { endpoint: s.endpoint } : {}),
      retryStrategy: new AdaptiveRetryStrategy(s.maxAttempts, {
        maxAttempts: s.maxAttempts,
        backoff: scaledBackoff(s.retryDelayScale),
        rateLimiter: new DefaultRateLimiter({ minFillRate: s.minSendRate, minCapacity: Math.max(1, Math.ceil(s.minSendRate)) }),
      }),
    };
  }

  private track<C extends AnyClient>(c: C): C {
    const limit = this.limit;
    const onAttempt = this.settings.onAttempt;
    // deserialize step: below the retry loop, so the slot covers one HTTP attempt only.
    c.middlewareStack.add(
      (next: (a: unknown) => Promise<unknown>) => (args: unknown) =>
        limit(() => {
          onAttempt?.();
          return next(args);
        }),
      { step: 'deserialize', name: 'shadowscanConcurrencyLimit', priority: 'low' },
    );
    return c;
  }

  sts(region: string, credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider): STSClient {
    return this.track(new STSClient(this.config(region, credentials)));
  }
  organizations(region: string, credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider): OrganizationsClient {
    return this.track(new OrganizationsClient(this.config(region, credentials)));
  }
  ec2(region: string, credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider): EC2Client {
    return this.track(new EC2Client(this.config(region, credentials)));
  }
  bedrock(region: string, credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider): BedrockClient {
    return this.track(new BedrockClient(this.config(region, credentials)));
  }
  bedrockAgent(region: string, credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider): BedrockAgentClient {
    return this.track(new BedrockAgentClient(this.config(region, credentials)));
  }
  sagemaker(region: string, credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider): SageMakerClient {
    return this.track(new SageMakerClient(this.config(region, credentials)));
  }
  tagging(region: string, credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider): ResourceGroupsTaggingAPIClient {
    return this.track(new ResourceGroupsTaggingAPIClient(this.config(region, credentials)));
  }

  /** Closes the shared connections (clients are not destroyed one by one: they share the handler). */
  destroyAll(): void {
    this.handler.destroy();
  }
}

/** The caller's base credentials: the SDK's default chain (env, SSO, profile, IMDS …). */
export function baseCredentials(profile?: string): AwsCredentialIdentityProvider {
  return fromNodeProviderChain(profile ? { profile } : {});
}

export async function callerIdentity(f: AwsClientFactory, region: string, creds: AwsCredentialIdentityProvider, abortSignal?: AbortSignal) {
  const out = await f.sts(region, creds).send(new GetCallerIdentityCommand({}), { abortSignal });
  return { account: out.Account ?? '', arn: out.Arn ?? '' };
}

/**
 * A refreshing provider for a role in another account: assumes it on first use and again when
 * the session is within five minutes of expiry.
 */
export function assumeRoleProvider(
  f: AwsClientFactory,
  region: string,
  base: AwsCredentialIdentityProvider,
  roleArn: string,
  sessionName: string,
  externalId: string | undefined,
  durationSeconds: number,
): AwsCredentialIdentityProvider {
  const sts = f.sts(region, base);
  let cached: AwsCredentialIdentity | undefined;
  let inflight: Promise<AwsCredentialIdentity> | undefined;
  return async () => {
    if (cached && (!cached.expiration || cached.expiration.getTime() - Date.now() > 300_000)) return cached;
    inflight ??= sts
      .send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: sessionName, DurationSeconds: durationSeconds, ...(externalId ? { ExternalId: externalId } : {}) }))
      .then((out) => {
        const c = out.Credentials;
        if (!c?.AccessKeyId || !c.SecretAccessKey) throw new Error(`AssumeRole ${roleArn} returned no credentials`);
        cached = { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken, expiration: c.Expiration };
        return cached;
      })
      .finally(() => {
        inflight = undefined;
      });
    return inflight;
  };
}

export async function listOrganizationAccounts(f: AwsClientFactory, region: string, creds: AwsCredentialIdentityProvider) {
  const out: Array<{ id: string; name?: string; status?: string }> = [];
  for await (const page of paginateListAccounts({ client: f.organizations(region, creds) }, {})) {
    for (const a of page.Accounts ?? []) if (a.Id) out.push({ id: a.Id, name: a.Name, status: a.State ?? a.Status });
  }
  return out;
}

export async function describeRegions(f: AwsClientFactory, region: string, creds: AwsCredentialIdentityProvider, abortSignal?: AbortSignal) {
  const out = await f.ec2(region, creds).send(new DescribeRegionsCommand({ AllRegions: true }), { abortSignal });
  return (out.Regions ?? []).map((r) => ({ name: r.RegionName ?? '', optIn: r.OptInStatus ?? 'opt-in-not-required' })).filter((r) => r.name);
}
