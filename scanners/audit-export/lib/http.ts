/**
 * Vendor-neutral JSON over HTTP for live audit pulls: global fetch, retries with back-off on
 * 429 (Retry-After seconds or date, or the reset headers several APIs send) and 5xx / network
 * errors, clear errors for expired credentials and malformed pages. Credentials travel only in
 * request headers and never appear in errors or logs.
 */
import { z } from 'zod';

export const retrySchema = z
  .object({
    /** Retries after the first attempt. */
    max: z.number().int().min(0).max(20).default(5),
    /** First back-off; doubles each retry. */
    baseMs: z.number().int().min(0).default(500),
    /** Cap for any single wait (also caps a server's Retry-After). */
    capMs: z.number().int().min(0).default(120_000),
  })
  .strict()
  .default({});
export type RetryOptions = z.infer<typeof retrySchema>;

export class AuthError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AuthError';
  }
}

export class HttpError extends Error {
  constructor(message: string, readonly status: number) {
    super(message);
    this.name = 'HttpError';
  }
}

export class MalformedResponseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MalformedResponseError';
  }
}

export interface HttpClientOptions {
  /** Label used in messages (`okta`, `graph` …). */
  vendor: string;
  retry: RetryOptions;
  signal?: AbortSignal;
  /** Injected for tests; defaults to a real timer. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  fetch?: typeof fetch;
  /** Per-request timeout. */
  timeoutMs?: number;
  /** Called for each retry (for stats). */
  onRetry?: (status: number | 'network', waitMs: number) => void;
}

export interface JsonResponse<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
  url: string;
}

export function realSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason ?? new Error('aborted'));
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => { clearTimeout(t); reject(signal.reason ?? new Error('aborted')); }, { once: true });
  });
}

/** Wait asked by the server: Retry-After (seconds or HTTP date), or an epoch-seconds reset header. */
export function serverWaitMs(h: Headers, now = Date.now()): number | undefined {
  const ra = h.get('retry-after');
  if (ra) {
    if (/^\d+(\.\d+)?$/.test(ra.trim())) return Math.round(Number(ra) * 1000);
    const d = Date.parse(ra);
    if (!Number.isNaN(d)) return Math.max(0, d - now);
  }
  for (const k of ['x-rate-limit-reset', 'x-ratelimit-reset']) {
    const v = h.get(k);
    if (v && /^\d+$/.test(v)) {
      const n = Number(v);
      const ms = n > 1e11 ? n : n * 1000;
      return Math.max(0, ms - now);
    }
  }
  return undefined;
}

/** Removes query values that could carry secrets from a URL shown in messages. */
export function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    for (const k of [...u.searchParams.keys()]) if (/token|key|secret|sig|code|password|auth/i.test(k) && !/^(pagetoken|nexttoken)$/i.test(k)) u.searchParams.set(k, '***');
    u.username = '';
    u.password = '';
    return u.toString();
  } catch {
    return '(invalid url)';
  }
}

export class HttpClient {
  private sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  private f: typeof fetch;
  requests = 0;
  constructor(private o: HttpClientOptions) {
    this.sleep = o.sleep ?? realSleep;
    this.f = o.fetch ?? globalThis.fetch;
  }

  async json<T = unknown>(url: string, init: { method?: string; headers?: Record<string, string>; body?: string; okStatuses?: number[] } = {}): Promise<JsonResponse<T>> {
    const { retry, vendor } = this.o;
    let attempt = 0;
    for (;;) {
      if (this.o.signal?.aborted) throw new Error('aborted');
      let res: Response;
      try {
        this.requests++;
        const signals = [this.o.signal, AbortSignal.timeout(this.o.timeoutMs ?? 60_000)].filter((s): s is AbortSignal => !!s);
        res = await this.f(url, { method: init.method ?? 'GET', headers: { accept: 'application/json', ...init.headers }, body: init.body, signal: AbortSignal.any(signals) });
      } catch (e) {
        if (this.o.signal?.aborted) throw e;
        if (attempt >= retry.max) throw new HttpError(`${vendor}: ${safeUrl(url)}: network error after ${attempt + 1} attempts: ${(e as Error).message}`, 0);
        const wait = Math.min(retry.capMs, retry.baseMs * 2 ** attempt);
        this.o.onRetry?.('network', wait);
        await this.sleep(wait, this.o.signal);
        attempt++;
        continue;
      }
      const s = res.status;
      const rateLimited = s === 429 || (s === 403 && (res.headers.get('x-ratelimit-remaining') === '0' || res.headers.has('retry-after')));
      if (rateLimited || s >= 500) {
        await res.body?.cancel().catch(() => {});
        if (attempt >= retry.max) throw new HttpError(`${vendor}: ${safeUrl(url)}: HTTP ${s} after ${attempt + 1} attempts${rateLimited ? ' (rate limited)' : ''}`, s);
        const asked = serverWaitMs(res.headers);
        const wait = Math.min(retry.capMs, asked ?? retry.baseMs * 2 ** attempt);
        this.o.onRetry?.(s, wait);
        await this.sleep(wait, this.o.signal);
        attempt++;
        continue;
      }
      if (s === 401 || (s === 403 && !init.okStatuses?.includes(403))) {
        await res.body?.cancel().catch(() => {});
        throw new AuthError(s === 401
          ? `${vendor}: HTTP 401 Unauthorized — the credentials are invalid or the access token has expired; renew them and re-run`
          : `${vendor}: HTTP 403 Forbidden — the credentials lack the permission to read ${new URL(url).pathname}`);
      }
      const text = await res.text();
      if (s >= 400 && !init.okStatuses?.includes(s)) {
        throw new HttpError(`${vendor}: ${safeUrl(url)}: HTTP ${s}: ${text.slice(0, 200).replace(/\s+/g, ' ')}`, s);
      }
      let body: unknown = undefined;
      if (text.trim()) {
        try {
          body = JSON.parse(text);
        } catch (e) {
          throw new MalformedResponseError(`${vendor}: ${safeUrl(url)}: malformed JSON page (${(e as Error).message})`);
        }
      }
      return { status: s, headers: res.headers, body: body as T, url };
    }
  }
}

/** The `rel="next"` target of an RFC 8288 Link header. */
export function linkNext(h: string | null | undefined): string | undefined {
  if (!h) return undefined;
  for (const part of h.split(/,(?=\s*<)/)) {
    const m = /<([^>]*)>\s*;(.*)$/.exec(part.trim());
    if (m && /\brel\s*=\s*"?([^";]*\s)?next(\s[^";]*)?"?/i.test(m[2])) return m[1];
  }
  return undefined;
}
