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
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider, RetryErrorInfo, StandardRetryToken } from '@smithy/types';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import pLimit, { type LimitFunction } from 'p-limit';

export interface AwsClientSettings {
  /** Explicit endpoint for every service (else the SDK's AWS_ENDPOINT_URL* settings apply). */
  endpoint?: string;
  /** Attempts per call on errors other than throttling (5xx, timeouts, connection resets). */
  maxAttempts: number;
  /** Attempts per call while the service answers with its throttling error. */
  maxThrottleAttempts: number;
  /** Multiplies the SDK back-off delays (1 = SDK defaults; tests use a small value). */
  retryDelayScale: number;
  /** Floor of the adaptive client-side send rate (requests/second) after throttling. */
  minSendRate: number;
  /** In-flight HTTP requests across the whole sweep. */
  maxConcurrentRequests: number;
  /** Counts every HTTP attempt (stats). */
  onAttempt?: () => void;
  /** Aborts every request and back-off wait of the sweep. */
  signal?: AbortSignal;
}

type AnyClient = { middlewareStack: { add: (...a: any[]) => void }; send: (...a: any[]) => Promise<any>; destroy(): void; config: any };
type Creds = AwsCredentialIdentity | AwsCredentialIdentityProvider;

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

function abortError(): Error {
  return Object.assign(new Error('Request aborted'), { name: 'AbortError' });
}

/**
 * The SDK's adaptive retry (client-side rate limiting, full-jitter exponential back-off, retry
 * quota) with two attempt limits: throttling is the service asking us to slow down, so a
 * throttled call keeps trying (up to `maxThrottleAttempts`, the back-off growing each time)
 * while other retryable errors stop at `maxAttempts`. A back-off wait ends early on abort.
 */
export class SweepRetryStrategy {
  readonly mode = 'adaptive';
  private inner: AdaptiveRetryStrategy;
  constructor(private s: Pick<AwsClientSettings, 'maxAttempts' | 'maxThrottleAttempts' | 'retryDelayScale' | 'minSendRate' | 'signal'>) {
    const max = Math.max(s.maxAttempts, s.maxThrottleAttempts);
    this.inner = new AdaptiveRetryStrategy(max, {
      maxAttempts: max,
      backoff: scaledBackoff(s.retryDelayScale),
      rateLimiter: new DefaultRateLimiter({ minFillRate: s.minSendRate, minCapacity: Math.max(1, Math.ceil(s.minSendRate)) }),
    });
  }
  acquireInitialRetryToken(scope: string) {
    return this.inner.acquireInitialRetryToken(scope);
  }
  async refreshRetryTokenForRetry(token: StandardRetryToken, info: RetryErrorInfo) {
    const limit = info.errorType === 'THROTTLING' ? this.s.maxThrottleAttempts : this.s.maxAttempts;
    if (token.getRetryCount() + 1 >= limit) throw new Error('No retry token available');
    const signal = this.s.signal;
    if (!signal) return this.inner.refreshRetryTokenForRetry(token, info);
    if (signal.aborted) throw abortError();
    let onAbort!: () => void;
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => reject(abortError());
      signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      return await Promise.race([this.inner.refreshRetryTokenForRetry(token, info), aborted]);
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }
  recordSuccess(token: StandardRetryToken) {
    this.inner.recordSuccess(token);
  }
  async maxAttempts() {
    return Math.max(this.s.maxAttempts, this.s.maxThrottleAttempts);
  }
}

type ServiceId = 'sts' | 'organizations' | 'ec2' | 'bedrock' | 'bedrockAgent' | 'sagemaker' | 'tagging';
const CLIENTS: Record<ServiceId, new (config: any) => AnyClient> = {
  sts: STSClient,
  organizations: OrganizationsClient,
  ec2: EC2Client,
  bedrock: BedrockClient,
  bedrockAgent: BedrockAgentClient,
  sagemaker: SageMakerClient,
  tagging: ResourceGroupsTaggingAPIClient,
};

/** Settings every client of one service shares, resolved once per sweep from the SDK's own sources. */
interface Resolved {
  useFipsEndpoint: boolean;
  useDualstackEndpoint: boolean;
  userAgentAppId?: string;
  defaultsMode?: string;
  /** AWS_ENDPOINT_URL_<SERVICE> / AWS_ENDPOINT_URL / the profile's endpoint_url, if set. */
  endpoint?: string;
}

/**
 * Builds the sweep's SDK clients. Per-request CPU is kept low by doing once what the SDK would
 * otherwise redo per client or per call:
 * - one HTTP handler (keep-alive agents) shared by every client: warm connections;
 * - the settings the SDK resolves from the environment and the shared config file (FIPS,
 *   dual-stack, configured endpoint URLs, app id, defaults mode) resolved once per service by
 *   `init()` and handed to every client as values, so a client does not walk the provider
 *   chains again (each missed link costs an Error with a stack trace);
 * - the middleware stack resolved once per command type and client (`cacheMiddleware`);
 * - one client per service and (account, region), reused for every call of that unit.
 */
export class AwsClientFactory {
  readonly limit: LimitFunction;
  private handler: NodeHttpHandler;
  private resolved = new Map<ServiceId, Resolved>();
  constructor(private settings: AwsClientSettings) {
    this.limit = pLimit(settings.maxConcurrentRequests);
    const sockets = Math.max(50, settings.maxConcurrentRequests * 2);
    this.handler = new NodeHttpHandler({
      httpAgent: new HttpAgent({ keepAlive: true, maxSockets: sockets }),
      httpsAgent: new HttpsAgent({ keepAlive: true, maxSockets: sockets }),
    });
  }

  /** Resolves the shared settings of every service once (reads env / shared config, no network). */
  async init(region: string): Promise<void> {
    await Promise.all(
      (Object.keys(CLIENTS) as ServiceId[]).map(async (id) => {
        const probe = new CLIENTS[id]({ region, requestHandler: this.handler, ...(this.settings.endpoint ? { endpoint: this.settings.endpoint } : {}) });
        const c = probe.config;
        const r: Resolved = {
          useFipsEndpoint: !!(await c.useFipsEndpoint()),
          useDualstackEndpoint: !!(await c.useDualstackEndpoint()),
          userAgentAppId: await c.userAgentAppId?.(),
          defaultsMode: await c.defaultsMode?.(),
        };
        if (!this.settings.endpoint && !c.isCustomEndpoint) {
          const configured = await c.serviceConfiguredEndpoint?.();
          if (configured) r.endpoint = configured;
        }
        this.resolved.set(id, r);
      }),
    );
  }

  private config(id: ServiceId, region: string, credentials?: Creds) {
    const s = this.settings;
    const r = this.resolved.get(id);
    const endpoint = s.endpoint ?? r?.endpoint;
    return {
      region,
      requestHandler: this.handler,
      cacheMiddleware: true,
      maxAttempts: Math.max(s.maxAttempts, s.maxThrottleAttempts),
      ...(credentials ? { credentials } : {}),
      ...(r
        ? {
            useFipsEndpoint: r.useFipsEndpoint,
            useDualstackEndpoint: r.useDualstackEndpoint,
            ...(r.userAgentAppId ? { userAgentAppId: r.userAgentAppId } : {}),
            ...(r.defaultsMode ? { defaultsMode: r.defaultsMode } : {}),
            // the configured endpoint (if any) was resolved once: do not look it up again per client
            ...(endpoint ? {} : { ignoreConfiguredEndpointUrls: true }),
          }
        : {}),
      ...(endpoint ? { endpoint } : {}),
      retryStrategy: new SweepRetryStrategy(s),
    };
  }

  private make<C extends AnyClient>(id: ServiceId, region: string, credentials?: Creds): C {
    const c = new CLIENTS[id](this.config(id, region, credentials)) as C;
    const limit = this.limit;
    const onAttempt = this.settings.onAttempt;
    const signal = this.settings.signal;
    // deserialize step: below the retry loop, so the slot covers one HTTP attempt only.
    c.middlewareStack.add(
      (next: (a: unknown) => Promise<unknown>) => (args: unknown) =>
        limit(() => {
          if (signal?.aborted) throw abortError();
          onAttempt?.();
          return next(args);
        }),
      { step: 'deserialize', name: 'shadowscanConcurrencyLimit', priority: 'low' },
    );
    return c;
  }

  sts(region: string, credentials?: Creds): STSClient {
    return this.make('sts', region, credentials);
  }
  organizations(region: string, credentials?: Creds): OrganizationsClient {
    return this.make('organizations', region, credentials);
  }
  ec2(region: string, credentials?: Creds): EC2Client {
    return this.make('ec2', region, credentials);
  }
  bedrock(region: string, credentials?: Creds): BedrockClient {
    return this.make('bedrock', region, credentials);
  }
  bedrockAgent(region: string, credentials?: Creds): BedrockAgentClient {
    return this.make('bedrockAgent', region, credentials);
  }
  sagemaker(region: string, credentials?: Creds): SageMakerClient {
    return this.make('sagemaker', region, credentials);
  }
  tagging(region: string, credentials?: Creds): ResourceGroupsTaggingAPIClient {
    return this.make('tagging', region, credentials);
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

export async function callerIdentity(f: AwsClientFactory, region: string, creds: AwsCredentialIdentityProvider) {
  const out = await f.sts(region, creds).send(new GetCallerIdentityCommand({}));
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

/** The organization's accounts, one page at a time (ListAccounts answers at most 20 per page). */
export async function* organizationAccountPages(f: AwsClientFactory, region: string, creds: AwsCredentialIdentityProvider): AsyncGenerator<Array<{ id: string; name?: string; status?: string }>> {
  for await (const page of paginateListAccounts({ client: f.organizations(region, creds) }, {})) {
    const out: Array<{ id: string; name?: string; status?: string }> = [];
    for (const a of page.Accounts ?? []) if (a.Id) out.push({ id: a.Id, name: a.Name, status: a.State ?? a.Status });
    yield out;
  }
}

export async function describeRegions(f: AwsClientFactory, region: string, creds: AwsCredentialIdentityProvider) {
  const out = await f.ec2(region, creds).send(new DescribeRegionsCommand({ AllRegions: true }));
  return (out.Regions ?? []).map((r) => ({ name: r.RegionName ?? '', optIn: r.OptInStatus ?? 'opt-in-not-required' })).filter((r) => r.name);
}
