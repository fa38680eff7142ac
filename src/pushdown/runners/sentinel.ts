/**
 * Microsoft Sentinel / Log Analytics through the official `@azure/monitor-query-logs`
 * LogsQueryClient: the compiled KQL goes to `POST {endpoint}/workspaces/{id}/query` with the
 * window as the API's timespan too. Credentials: DefaultAzureCredential (environment, workload
 * identity, managed identity, Azure CLI), or a bearer token in AZURE_ACCESS_TOKEN. The workspace
 * from the options or SENTINEL_WORKSPACE_ID; the endpoint from the options or
 * AZURE_LOG_ANALYTICS_ENDPOINT (sovereign clouds; loopback tests), with an extra trusted CA from
 * SHADOWSCAN_AZURE_CA_FILE for TLS-inspecting proxies. A partial result fails the unit (its
 * window is asked again) rather than under-count; the SDK retries 429 / 5xx honouring Retry-After.
 */
import { readFileSync } from 'node:fs';
import type { TokenCredential } from '@azure/core-auth';
import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import { DefaultAzureCredential } from '@azure/identity';
import { LogsQueryClient, type LogsTable } from '@azure/monitor-query-logs';
import { EngineError, type QueryRunner, type RunResult } from './types.js';
import type { RawRow } from '../rows.js';
import type { Window } from '../types.js';

export interface SentinelOptions {
  workspaceId?: string;
  /** e.g. https://api.loganalytics.azure.cn/v1 (default: the public cloud's) */
  endpoint?: string;
  caFile?: string;
  credential?: TokenCredential;
  /** server time-out, seconds (the service allows up to 600) */
  serverTimeoutSeconds?: number;
}

export class SentinelRunner implements QueryRunner {
  readonly engine = 'sentinel';
  private client?: LogsQueryClient;
  constructor(private o: SentinelOptions = {}) {}

  private connect(): LogsQueryClient {
    if (this.client) return this.client;
    const token = process.env.AZURE_ACCESS_TOKEN;
    const credential: TokenCredential = this.o.credential ?? (token ? { getToken: async () => ({ token, expiresOnTimestamp: Date.now() + 3600_000 }) } : new DefaultAzureCredential());
    const caFile = this.o.caFile ?? process.env.SHADOWSCAN_AZURE_CA_FILE;
    const tls = caFile ? { ca: [readFileSync(caFile, 'utf8')] } : undefined;
    const trust: PipelinePolicy = {
      name: 'shadowscanTrustedCa',
      sendRequest(request, next) {
        if (tls) request.tlsSettings = tls;
        return next(request);
      },
    };
    const endpoint = this.o.endpoint ?? process.env.AZURE_LOG_ANALYTICS_ENDPOINT;
    this.client = new LogsQueryClient(credential, { ...(endpoint ? { endpoint } : {}), additionalPolicies: [{ policy: trust, position: 'perRetry' }] });
    return this.client;
  }

  async run(query: string, signal: AbortSignal, window?: Window): Promise<RunResult> {
    const ws = this.o.workspaceId ?? process.env.SENTINEL_WORKSPACE_ID;
    if (!ws) throw new EngineError(this.engine, 'no workspace: set SENTINEL_WORKSPACE_ID or the sentinel.workspaceId option (the Log Analytics workspace id, a GUID)');
    const client = this.connect();
    const end = window?.to ?? new Date();
    const timespan = window?.from ? { startTime: window.from, endTime: end } : { duration: 'P3650D', endTime: end };
    try {
      const r = await client.queryWorkspace(ws, query, timespan, { abortSignal: signal, serverTimeoutInSeconds: this.o.serverTimeoutSeconds ?? 600 });
      if (r.status !== 'Success') {
        const err = 'partialError' in r ? r.partialError : 'error' in r ? (r as { error?: { code?: string; message?: string } }).error : undefined;
        throw new EngineError(this.engine, `${r.status}: ${err?.code ?? ''} ${err?.message ?? ''}`.trim() + ' (not counted, the window will be asked again)');
      }
      return { rows: tableRows(r.tables[0]), stats: {} };
    } catch (e) {
      if (e instanceof EngineError) throw e;
      const err = e as Error & { statusCode?: number; code?: string };
      throw new EngineError(this.engine, `${err.statusCode ? `HTTP ${err.statusCode}: ` : ''}${err.code ? `${err.code}: ` : ''}${err.message}`, { cause: e });
    }
  }
}

function tableRows(t: LogsTable | undefined): RawRow[] {
  if (!t) return [];
  const names = t.columnDescriptors.map((c) => c.name ?? '');
  return t.rows.map((row) => Object.fromEntries(names.map((n, i) => {
    const v = row[i];
    return [n, v instanceof Date ? v.getTime() : (v as RawRow[string])];
  })));
}
