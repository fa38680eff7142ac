/**
 * Splunk through its REST API: the compiled SPL goes to `POST /services/search/v2/jobs/export`
 * (output_mode=json), which streams one JSON object per line (`{"preview":false,"result":{…}}`,
 * `{"messages":[…]}` for warnings and errors). The window travels in the search itself
 * (earliest / latest). Authentication: a bearer token from SPLUNK_TOKEN (or SPLUNK_USERNAME /
 * SPLUNK_PASSWORD for basic auth); the URL from the options or SPLUNK_URL. Throttling (429, 503)
 * is retried with back-off honouring Retry-After; any other error is an EngineError.
 */
import { EngineError, sleep, type QueryRunner, type RunResult } from './types.js';
import type { RawRow } from '../rows.js';

export interface SplunkOptions {
  url?: string;
  app?: string;
  maxAttempts?: number;
  /** first back-off delay, ms */
  retryMs?: number;
}

export class SplunkRunner implements QueryRunner {
  readonly engine = 'splunk';
  constructor(private o: SplunkOptions = {}) {}

  private auth(): string {
    const token = process.env.SPLUNK_TOKEN;
    if (token) return `Bearer ${token}`;
    const u = process.env.SPLUNK_USERNAME;
    const p = process.env.SPLUNK_PASSWORD;
    if (u && p) return `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;
    throw new EngineError(this.engine, 'no credentials: set SPLUNK_TOKEN (an authentication token) or SPLUNK_USERNAME and SPLUNK_PASSWORD');
  }

  async run(query: string, signal: AbortSignal): Promise<RunResult> {
    const base = (this.o.url ?? process.env.SPLUNK_URL ?? '').replace(/\/+$/, '');
    if (!base) throw new EngineError(this.engine, 'no Splunk URL: set SPLUNK_URL (https://host:8089) or the splunk.url option');
    const path = this.o.app ? `/servicesNS/-/${encodeURIComponent(this.o.app)}/search/v2/jobs/export` : '/services/search/v2/jobs/export';
    const body = new URLSearchParams({ search: query, output_mode: 'json' });
    const max = this.o.maxAttempts ?? 5;
    let delay = this.o.retryMs ?? 500;
    for (let attempt = 1; ; attempt++) {
      let res: Response;
      try {
        res = await fetch(base + path, { method: 'POST', headers: { Authorization: this.auth(), 'Content-Type': 'application/x-www-form-urlencoded' }, body, signal });
      } catch (e) {
        if (e instanceof EngineError) throw e;
        throw new EngineError(this.engine, `${base}: ${(e as Error).message}`, { cause: e });
      }
      if ((res.status === 429 || res.status === 503) && attempt < max) {
        await res.body?.cancel();
        const ra = Number(res.headers.get('retry-after'));
        await sleep(Number.isFinite(ra) && ra > 0 ? Math.min(ra * 1000, 30_000) : delay, signal);
        delay *= 2;
        continue;
      }
      const text = await res.text();
      if (!res.ok) throw new EngineError(this.engine, `HTTP ${res.status}: ${messagesOf(text) || text.slice(0, 200)}`);
      return parseExport(text);
    }
  }
}

function messagesOf(text: string): string {
  try {
    const j = JSON.parse(text) as { messages?: Array<{ type?: string; text?: string }> };
    return (j.messages ?? []).map((m) => `${m.type ?? ''} ${m.text ?? ''}`.trim()).join('; ');
  } catch {
    return '';
  }
}

/** The export stream: final (non-preview) results; an ERROR / FATAL message fails the query. */
export function parseExport(text: string): RunResult {
  const rows: RawRow[] = [];
  const errors: string[] = [];
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (!t) continue;
    let j: { preview?: boolean; result?: Record<string, unknown>; messages?: Array<{ type?: string; text?: string }> };
    try {
      j = JSON.parse(t);
    } catch {
      throw new EngineError('splunk', `export stream: not JSON: ${t.slice(0, 120)}`);
    }
    for (const m of j.messages ?? []) if (m.type === 'ERROR' || m.type === 'FATAL') errors.push(m.text ?? m.type);
    if (j.result && !j.preview) {
      const r: RawRow = {};
      for (const [k, v] of Object.entries(j.result)) r[k] = Array.isArray(v) ? String(v[0]) : (v as string | number | null);
      rows.push(r);
    }
  }
  if (errors.length) throw new EngineError('splunk', errors.join('; '));
  return { rows, stats: {} };
}
