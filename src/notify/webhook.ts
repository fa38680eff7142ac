/**
 * Webhook delivery: POST JSON, retried with exponential back-off on network errors, 408, 425,
 * 429 and 5xx (honouring Retry-After up to a cap); other 4xx fail at once. `sleep` and `fetch`
 * are injectable for tests. Never logs the URL (it is often the secret) or the headers.
 */
import { createHash } from 'node:crypto';
import type { WebhookTarget } from '../config.js';

export type Sleep = (ms: number) => Promise<void>;
export const realSleep: Sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export interface DeliveryResult {
  ok: boolean;
  attempts: number;
  status?: number;
  error?: string;
  /** Delays slept between attempts (ms). */
  delays: number[];
}

export interface DeliverOptions {
  fetch?: typeof fetch;
  sleep?: Sleep;
  /** First back-off delay (ms); doubles each retry. Default 1000. */
  baseDelayMs?: number;
  maxDelayMs?: number;
}

/** A stable, non-secret name for a target (its name, or a hash of its URL). */
export function targetKey(t: Pick<WebhookTarget, 'name' | 'url'>): string {
  return t.name ?? 'webhook-' + createHash('sha256').update(t.url).digest('hex').slice(0, 12);
}

const RETRY_STATUS = new Set([408, 425, 429, 500, 502, 503, 504]);

export async function deliver(target: Pick<WebhookTarget, 'url' | 'headers' | 'retries' | 'timeoutMs'>, body: string, opts: DeliverOptions = {}): Promise<DeliveryResult> {
  const f = opts.fetch ?? fetch;
  const sleep = opts.sleep ?? realSleep;
  const base = opts.baseDelayMs ?? 1000;
  const max = opts.maxDelayMs ?? 60_000;
  const delays: number[] = [];
  let last: DeliveryResult = { ok: false, attempts: 0, delays };
  for (let attempt = 0; attempt <= target.retries; attempt++) {
    let retryAfterMs: number | undefined;
    try {
      const res = await f(target.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'shadowscan-notify', ...target.headers },
        body,
        signal: AbortSignal.timeout(target.timeoutMs),
        redirect: 'error',
      });
      await res.arrayBuffer().catch(() => undefined);
      last = { ok: res.ok, attempts: attempt + 1, status: res.status, delays };
      if (res.ok) return last;
      last.error = `HTTP ${res.status}`;
      if (!RETRY_STATUS.has(res.status)) return last;
      const ra = res.headers.get('retry-after');
      if (ra) {
        const s = Number(ra);
        retryAfterMs = Number.isFinite(s) ? s * 1000 : Math.max(0, Date.parse(ra) - Date.now());
      }
    } catch (e) {
      // Error messages of fetch may include the URL: keep only the cause's code / name.
      const err = e as Error & { cause?: { code?: string } };
      last = { ok: false, attempts: attempt + 1, error: err.cause?.code ?? err.name ?? 'network error', delays };
    }
    if (attempt < target.retries) {
      const d = Math.min(max, retryAfterMs !== undefined ? Math.max(retryAfterMs, base) : base * 2 ** attempt);
      delays.push(d);
      await sleep(d);
    }
  }
  return last;
}
