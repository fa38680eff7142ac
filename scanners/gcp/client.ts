/**
 * I/O for the GCP scanner: Cloud Asset Inventory `searchAllResources` over fetch, with a
 * bearer token from an environment variable (GOOGLE_OAUTH_ACCESS_TOKEN by default, as other
 * tools use) or google-auth-library's Application Default Credentials; base URL overridable
 * (SHADOWSCAN_GCP_ASSET_ENDPOINT) so tests hit a loopback server. Retries 429 / 5xx with
 * exponential back-off and jitter, honouring Retry-After; one shared in-flight limit.
 */
import { GoogleAuth } from 'google-auth-library';
import pLimit, { type LimitFunction } from 'p-limit';

export const DEFAULT_ASSET_ENDPOINT = 'https://cloudasset.googleapis.com';

export class GcpHttpError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly reason?: string,
  ) {
    super(message);
    this.name = 'GcpHttpError';
  }
}

export interface GcpClientSettings {
  endpoint?: string;
  accessTokenEnv: string;
  maxRetries: number;
  retryDelayMs: number;
  maxConcurrentRequests: number;
  onAttempt?: () => void;
}

export interface SearchResult {
  name?: string;
  assetType?: string;
  project?: string;
  displayName?: string;
  description?: string;
  location?: string;
  labels?: Record<string, string>;
  createTime?: string;
  updateTime?: string;
  state?: string;
  parentFullResourceName?: string;
  additionalAttributes?: Record<string, unknown>;
}

export class AssetClient {
  readonly endpoint: string;
  private limit: LimitFunction;
  private tokenPromise?: Promise<string>;
  constructor(private s: GcpClientSettings) {
    this.endpoint = (s.endpoint ?? process.env.SHADOWSCAN_GCP_ASSET_ENDPOINT ?? DEFAULT_ASSET_ENDPOINT).replace(/\/+$/, '');
    this.limit = pLimit(s.maxConcurrentRequests);
  }

  token(): Promise<string> {
    const env = process.env[this.s.accessTokenEnv];
    if (env) return Promise.resolve(env);
    this.tokenPromise ??= new GoogleAuth({ scopes: ['https://www.googleapis.com/auth/cloud-platform'] })
      .getAccessToken()
      .then((t) => {
        if (!t) throw new Error('Application Default Credentials returned no access token');
        return t;
      });
    return this.tokenPromise;
  }

  private async get(url: string, signal: AbortSignal): Promise<any> {
    for (let attempt = 0; ; attempt++) {
      const token = await this.token();
      const res = await this.limit(() => {
        this.s.onAttempt?.();
        return fetch(url, { headers: { authorization: `Bearer ${token}`, accept: 'application/json' }, signal });
      });
      const text = await res.text();
      if (res.ok) return text ? JSON.parse(text) : {};
      let reason: string | undefined;
      let message = text.slice(0, 300);
      try {
        const j = JSON.parse(text);
        message = j.error?.message ?? message;
        reason = j.error?.status ?? j.error?.errors?.[0]?.reason;
      } catch {
        /* not JSON */
      }
      if ((res.status === 429 || res.status >= 500) && attempt < this.s.maxRetries) {
        const ra = Number(res.headers.get('retry-after'));
        const backoff = Math.random() * 2 ** attempt * this.s.retryDelayMs;
        await new Promise((r) => setTimeout(r, Number.isFinite(ra) && ra > 0 ? Math.max(ra * 1000, backoff) : backoff));
        continue;
      }
      throw new GcpHttpError(`HTTP ${res.status}${reason ? ' ' + reason : ''}: ${message}`, res.status, reason);
    }
  }

  /** searchAllResources over a scope (projects/ID, folders/ID, organizations/ID), all pages. */
  async searchAll(scope: string, assetTypes: string[], signal: AbortSignal): Promise<SearchResult[]> {
    const out: SearchResult[] = [];
    let pageToken = '';
    do {
      const q = new URLSearchParams();
      for (const t of assetTypes) q.append('assetTypes', t);
      q.set('pageSize', '500');
      if (pageToken) q.set('pageToken', pageToken);
      const body = await this.get(`${this.endpoint}/v1/${scope}:searchAllResources?${q}`, signal);
      if (body.results !== undefined && !Array.isArray(body.results)) throw new GcpHttpError('malformed searchAllResources page: results is not an array', 200, 'MALFORMED_RESPONSE');
      out.push(...((body.results ?? []) as SearchResult[]));
      pageToken = typeof body.nextPageToken === 'string' ? body.nextPageToken : '';
    } while (pageToken && !signal.aborted);
    // stopped before the last page: not a complete read
    if (pageToken) throw Object.assign(new Error('aborted before the last page'), { name: 'AbortError' });
    return out;
  }
}
