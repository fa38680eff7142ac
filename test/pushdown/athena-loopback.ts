/**
 * A loopback Amazon Athena for tests: a node:http server speaking the service's JSON 1.1
 * protocol (`X-Amz-Target: AmazonAthena.<Operation>`) as documented in the Athena API
 * reference: StartQueryExecution → QueryExecutionId; GetQueryExecution → QueryExecution with
 * Status.State QUEUED → RUNNING → SUCCEEDED / FAILED (AthenaError) and Statistics;
 * GetQueryResults → ResultSet (a header row first on the first page, `Data[].VarCharValue`,
 * null cells without VarCharValue, ResultSetMetadata.ColumnInfo) paged with NextToken;
 * errors as `{"__type": "InvalidRequestException", "Message": …}` and throttling as
 * `TooManyRequestsException`. What a query answers is up to the test (`answer`).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Cell = string | number | bigint | boolean | null | undefined;

export interface AthenaFaults {
  /** the first N calls of each operation answer TooManyRequestsException */
  throttleFirst?: number;
  /** GetQueryExecution answers QUEUED / RUNNING this many times before the final state */
  pendingPolls?: number;
  /** rows per GetQueryResults page (header included on the first) */
  pageSize?: number;
}

export interface AthenaLoopback {
  url: string;
  env: Record<string, string>;
  /** every call: operation and parsed body */
  calls: Array<{ op: string; body: Record<string, unknown> }>;
  close(): Promise<void>;
}

interface Exec {
  id: string;
  query: string;
  polls: number;
  rows?: Array<Record<string, Cell>>;
  columns?: string[];
  error?: string;
}

export async function startAthena(answer: (query: string, req: Record<string, unknown>) => Promise<{ columns: string[]; rows: Array<Record<string, Cell>> } | { error: string }>, faults: AthenaFaults = {}): Promise<AthenaLoopback> {
  const execs = new Map<string, Exec>();
  const calls: AthenaLoopback['calls'] = [];
  const perOp = new Map<string, number>();
  let seq = 0;
  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': `req-${++seq}` });
    res.end(JSON.stringify(body));
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const target = String(req.headers['x-amz-target'] ?? '');
      const op = target.replace(/^AmazonAthena\./, '');
      let body: Record<string, unknown> = {};
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
      } catch {
        return send(res, 400, { __type: 'SerializationException', Message: 'bad JSON' });
      }
      if (!String(req.headers.authorization ?? '').startsWith('AWS4-HMAC-SHA256 Credential=')) return send(res, 403, { __type: 'UnrecognizedClientException', message: 'The security token included in the request is invalid.' });
      calls.push({ op, body });
      const n = (perOp.get(op) ?? 0) + 1;
      perOp.set(op, n);
      if (faults.throttleFirst && n <= faults.throttleFirst) return send(res, 400, { __type: 'TooManyRequestsException', Message: 'Rate exceeded', Reason: 'CONCURRENT_QUERY_LIMIT_EXCEEDED' });
      if (op === 'StartQueryExecution') {
        const q = String(body.QueryString ?? '');
        if (!q) return send(res, 400, { __type: 'InvalidRequestException', Message: 'QueryString is required', AthenaErrorCode: 'INVALID_INPUT' });
        if (body.WorkGroup === 'missing') return send(res, 400, { __type: 'InvalidRequestException', Message: 'WorkGroup missing is not found.', AthenaErrorCode: 'INVALID_INPUT' });
        const id = `${String(seq).padStart(8, '0')}-aaaa-bbbb-cccc-loopback0000`;
        const ex: Exec = { id, query: q, polls: 0 };
        execs.set(id, ex);
        const a = await answer(q, body);
        if ('error' in a) ex.error = a.error;
        else {
          ex.rows = a.rows;
          ex.columns = a.columns;
        }
        return send(res, 200, { QueryExecutionId: id });
      }
      const ex = execs.get(String(body.QueryExecutionId ?? ''));
      if (!ex) return send(res, 400, { __type: 'InvalidRequestException', Message: `QueryExecution ${String(body.QueryExecutionId)} was not found`, AthenaErrorCode: 'INVALID_INPUT' });
      if (op === 'GetQueryExecution') {
        ex.polls++;
        const pending = ex.polls <= (faults.pendingPolls ?? 2);
        const state = pending ? (ex.polls === 1 ? 'QUEUED' : 'RUNNING') : ex.error ? 'FAILED' : 'SUCCEEDED';
        const now = Date.now() / 1000;
        return send(res, 200, {
          QueryExecution: {
            QueryExecutionId: ex.id, Query: ex.query, StatementType: 'DML',
            Status: { State: state, SubmissionDateTime: now, ...(state === 'FAILED' ? { StateChangeReason: ex.error, AthenaError: { ErrorCategory: 2, ErrorType: 1301, Retryable: false, ErrorMessage: ex.error } } : {}), ...(pending ? {} : { CompletionDateTime: now }) },
            Statistics: pending ? {} : { EngineExecutionTimeInMillis: 1234, DataScannedInBytes: 987654, TotalExecutionTimeInMillis: 1400 },
            WorkGroup: body.WorkGroup ?? 'primary',
          },
        });
      }
      if (op === 'GetQueryResults') {
        if (!ex.rows || !ex.columns) return send(res, 400, { __type: 'InvalidRequestException', Message: 'Query has not yet finished. Current state: FAILED', AthenaErrorCode: 'INVALID_INPUT' });
        const size = Math.min(Number(body.MaxResults ?? 1000), faults.pageSize ?? 1000);
        const all = [ex.columns.map((c) => ({ VarCharValue: c })), ...ex.rows.map((r) => ex.columns!.map((c) => (r[c] === null || r[c] === undefined ? {} : { VarCharValue: String(r[c]) })))];
        const start = body.NextToken ? Number(Buffer.from(String(body.NextToken), 'base64').toString()) : 0;
        const page = all.slice(start, start + size);
        const next = start + size < all.length ? Buffer.from(String(start + size)).toString('base64') : undefined;
        return send(res, 200, {
          UpdateCount: 0,
          ResultSet: { Rows: page.map((Data) => ({ Data })), ResultSetMetadata: { ColumnInfo: ex.columns.map((c) => ({ CatalogName: 'hive', SchemaName: '', TableName: '', Name: c, Label: c, Type: 'varchar', Precision: 2147483647, Scale: 0, Nullable: 'UNKNOWN', CaseSensitive: true })) } },
          ...(next ? { NextToken: next } : {}),
        });
      }
      if (op === 'StopQueryExecution') return send(res, 200, {});
      return send(res, 400, { __type: 'UnknownOperationException', Message: `unknown operation ${op}` });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    env: { AWS_ENDPOINT_URL: url, AWS_ACCESS_KEY_ID: 'AKIALOOPBACKATHENA01', AWS_SECRET_ACCESS_KEY: 'loopback-secret', AWS_REGION: 'us-east-1' },
    calls,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

export function withEnv(env: Record<string, string>): () => void {
  const prev: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(env)) {
    prev[k] = process.env[k];
    process.env[k] = v;
  }
  return () => {
    for (const [k, v] of Object.entries(prev)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
}
