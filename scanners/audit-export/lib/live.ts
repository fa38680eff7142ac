/** Options every live-pull scanner shares, and the per-scan HTTP client. */
import { z } from 'zod';
import type { ScanContext, Sink } from '../../../src/core/types.js';
import { HttpClient, retrySchema } from './http.js';

export const liveOptions = {
  /** First run (no stored cursor): how far back to read. */
  lookbackDays: z.number().int().min(1).max(400).default(30),
  retry: retrySchema,
  /** Stop a unit after this many pages (safety valve). */
  maxPages: z.number().int().min(1).default(100_000),
  /** Per-request timeout. */
  timeoutMs: z.number().int().min(100).default(60_000),
  /** Unknown-AI-app keyword file (default rules/unknown-ai-app.yaml). */
  candidatesFile: z.string().min(1).optional(),
};

export function httpClient(vendor: string, ctx: ScanContext<{ retry: z.infer<typeof retrySchema>; timeoutMs: number }>, sink: Sink): HttpClient {
  return new HttpClient({
    vendor,
    retry: ctx.options.retry,
    timeoutMs: ctx.options.timeoutMs,
    signal: ctx.signal,
    onRetry: (status, waitMs) => {
      sink.stat(status === 429 || status === 403 ? 'http.rateLimited' : 'http.retried', 1);
      ctx.log.debug(`${vendor}: retrying`, { status, waitMs });
    },
  });
}

/** Base URL: option, then environment variable, then the vendor's default. Trailing slashes dropped. */
export function baseUrl(option: string | undefined, envNames: string[], dflt: string): string {
  for (const v of [option, ...envNames.map((e) => process.env[e])]) if (v && v.trim()) return v.trim().replace(/\/+$/, '');
  return dflt.replace(/\/+$/, '');
}
