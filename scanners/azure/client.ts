/**
 * I/O for the Azure scanner: the official ARM clients (@azure/arm-resources-subscriptions,
 * @azure/arm-resources, @azure/arm-cognitiveservices) with
 * - credentials from DefaultAzureCredential (env, workload identity, managed identity, Azure
 *   CLI …), or a bearer token from an environment variable (CI pipelines, the demo), or an
 *   injected TokenCredential (the SDK's own extension point);
 * - the resource-manager endpoint from an option or AZURE_RESOURCE_MANAGER_ENDPOINT
 *   (sovereign clouds, loopback tests); token scope follows the endpoint;
 * - an extra trusted CA (option or SHADOWSCAN_AZURE_CA_FILE) for TLS-inspecting proxies and
 *   the loopback server;
 * - the SDK's retry policy (honours Retry-After on 429) and one shared in-flight request limit
 *   per HTTP attempt (p-limit).
 */
import { readFileSync } from 'node:fs';
import type { TokenCredential } from '@azure/core-auth';
import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import { DefaultAzureCredential } from '@azure/identity';
import { ResourceManagementClient } from '@azure/arm-resources';
import { SubscriptionClient } from '@azure/arm-resources-subscriptions';
import { CognitiveServicesManagementClient } from '@azure/arm-cognitiveservices';
import pLimit, { type LimitFunction } from 'p-limit';

export const DEFAULT_ARM_ENDPOINT = 'https://management.azure.com';

export interface AzureClientSettings {
  endpoint?: string;
  caFile?: string;
  accessTokenEnv: string;
  maxRetries: number;
  retryDelayInMs: number;
  maxRetryDelayInMs: number;
  maxConcurrentRequests: number;
  credential?: TokenCredential;
  onAttempt?: () => void;
}

/** A credential that returns a fixed bearer token (from `az account get-access-token`, a CI step …). */
export function staticTokenCredential(token: string): TokenCredential {
  return { getToken: async () => ({ token, expiresOnTimestamp: Date.now() + 3600_000 }) };
}

export class AzureClients {
  readonly endpoint: string;
  readonly credential: TokenCredential;
  readonly limit: LimitFunction;
  private options: Record<string, unknown>;

  constructor(s: AzureClientSettings) {
    this.endpoint = (s.endpoint ?? process.env.AZURE_RESOURCE_MANAGER_ENDPOINT ?? DEFAULT_ARM_ENDPOINT).replace(/\/+$/, '');
    const token = process.env[s.accessTokenEnv];
    this.credential = s.credential ?? (token ? staticTokenCredential(token) : new DefaultAzureCredential());
    this.limit = pLimit(s.maxConcurrentRequests);
    const caFile = s.caFile ?? process.env.SHADOWSCAN_AZURE_CA_FILE;
    const tlsSettings = caFile ? { ca: [readFileSync(caFile, 'utf8')] } : undefined;
    const limit = this.limit;
    const attemptPolicy: PipelinePolicy = {
      name: 'shadowscanAttempt',
      sendRequest(request, next) {
        if (tlsSettings) request.tlsSettings = tlsSettings;
        return limit(() => {
          s.onAttempt?.();
          return next(request);
        });
      },
    };
    this.options = {
      endpoint: this.endpoint,
      retryOptions: { maxRetries: s.maxRetries, retryDelayInMs: s.retryDelayInMs, maxRetryDelayInMs: s.maxRetryDelayInMs },
      additionalPolicies: [{ policy: attemptPolicy, position: 'perRetry' }],
      userAgentOptions: { userAgentPrefix: 'shadowscan' },
    };
  }

  subscriptions(): SubscriptionClient {
    return new SubscriptionClient(this.credential, this.options);
  }
  resources(subscriptionId: string): ResourceManagementClient {
    return new ResourceManagementClient(this.credential, subscriptionId, this.options);
  }
  cognitive(subscriptionId: string): CognitiveServicesManagementClient {
    return new CognitiveServicesManagementClient(this.credential, subscriptionId, this.options);
  }
}
