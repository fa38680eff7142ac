/**
 * A loopback AWS control plane for tests, the benchmark and the demo: a node:http server that
 * answers the real SDK clients in each service's documented protocol — query/XML (STS, EC2),
 * JSON 1.1 with X-Amz-Target (Organizations, SageMaker, Resource Groups Tagging API) and
 * REST-JSON (Bedrock, Bedrock Agent). Requests are routed by the SigV4 credential scope
 * (service, region) and the access key (which account). It is data-driven: an `AwsEstate`
 * says which accounts, regions and resources exist, and which faults to inject.
 *
 * Point the SDK at it with AWS_ENDPOINT_URL=http://127.0.0.1:PORT (the SDK's own setting).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface AwsRegionEstate {
  customModels?: Array<Record<string, unknown>>;
  importedModels?: Array<Record<string, unknown>>;
  provisionedThroughputs?: Array<Record<string, unknown>>;
  inferenceProfiles?: Array<Record<string, unknown>>;
  guardrails?: Array<Record<string, unknown>>;
  /** GetModelInvocationLoggingConfiguration loggingConfig; absent = logging off. */
  invocationLogging?: Record<string, unknown>;
  /** Full Agent objects (GetAgent shape); ListAgents renders summaries. */
  agents?: Array<Record<string, unknown>>;
  /** Full KnowledgeBase objects (GetKnowledgeBase shape). */
  knowledgeBases?: Array<Record<string, unknown>>;
  sagemakerEndpoints?: Array<Record<string, unknown>>;
  sagemakerModels?: Array<Record<string, unknown>>;
  notebookInstances?: Array<Record<string, unknown>>;
  domains?: Array<Record<string, unknown>>;
  /** Resource Groups Tagging API ResourceTagMappingList entries. */
  tagged?: Array<{ ResourceARN: string; Tags: Array<{ Key: string; Value: string }> }>;
}

export interface AwsAccountEstate {
  name?: string;
  /** Enabled regions (DescribeRegions). */
  regions: string[];
  /** Opt-in regions this account has not enabled. */
  notOptedIn?: string[];
  resources?: Record<string, AwsRegionEstate>;
}

export interface AwsFaults {
  /** Milliseconds added to every response. */
  latencyMs?: number;
  /** Fraction (0..1) of requests answered with the service's throttling error. */
  throttleRate?: number;
  /** Deterministic throttling: the first N requests per (service op, account, region) are throttled. */
  throttleFirst?: number;
  /** `account:region` (or `account:region:service`) pairs answering AccessDenied. */
  denied?: string[];
  /**
   * One operation denied: `account:region:<op>` where <op> is the stats key (`bedrock:GET
   * /logging/modelinvocations`, `bedrock:GET /agents/{id}/`, `sagemaker:ListModels` …).
   */
  deniedOps?: string[];
  /** One operation always throttled (same key form as deniedOps). */
  throttledOps?: string[];
  /** GetResources ignores ResourceTypeFilters (returns every tagged resource). */
  ignoreTagFilters?: boolean;
  /** `account:region` pairs answering ExpiredToken. */
  expired?: string[];
  /** Accounts where AssumeRole is denied. */
  denyAssume?: string[];
  /** The caller's own credential is expired (GetCallerIdentity fails). */
  callerExpired?: boolean;
  /** Organizations ListAccounts is denied (not the management account). */
  denyOrganizations?: boolean;
  /** Maximum items per page, whatever the client asks (forces paging). */
  pageSize?: number;
  /** Random seed for throttling (deterministic runs). */
  seed?: number;
  /** Extra milliseconds for one operation (stats key, e.g. `organizations:ListAccounts`). */
  opLatencyMs?: Record<string, number>;
}

export interface AwsEstate {
  callerAccount: string;
  callerArn?: string;
  /** Accounts listed by Organizations (and the caller's). */
  accounts: Record<string, AwsAccountEstate>;
  /** When false, Organizations answers AWSOrganizationsNotInUseException. */
  organization?: boolean;
  faults?: AwsFaults;
}

export interface AwsLoopback {
  url: string;
  /** Environment for the SDK (endpoint, static test credentials, region). */
  env: Record<string, string>;
  /** `log`: the first 10,000 requests in arrival order, as `opKey account region`. */
  stats: { requests: number; throttled: number; byOp: Record<string, number>; log: string[] };
  close(): Promise<void>;
}

const ASSUMED_PREFIX = 'ASIALOOPBACK';

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function xmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

type Protocol = 'query' | 'ec2' | 'json' | 'rest';

interface Ctx {
  service: string;
  region: string;
  account: string;
  accessKey: string;
  protocol: Protocol;
  op: string;
  res: ServerResponse;
}

function page<T>(items: T[], token: string | undefined, max: number | undefined, limit: number | undefined): { items: T[]; next?: string } {
  const start = token ? Number(token.replace(/^p/, '')) || 0 : 0;
  const size = Math.max(1, Math.min(max ?? 1000, limit ?? 1000));
  const slice = items.slice(start, start + size);
  return { items: slice, next: start + size < items.length ? `p${start + size}` : undefined };
}

export async function startAwsLoopback(estate: AwsEstate): Promise<AwsLoopback> {
  const faults = estate.faults ?? {};
  const rnd = mulberry32(faults.seed ?? 42);
  const stats = { requests: 0, throttled: 0, byOp: {} as Record<string, number>, log: [] as string[] };
  const throttleCounts = new Map<string, number>();

  function sendError(c: Ctx, status: number, code: string, message: string): void {
    const { res } = c;
    if (c.protocol === 'query') {
      res.writeHead(status, { 'content-type': 'text/xml' });
      res.end(`<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>${code}</Code><Message>${xmlEscape(message)}</Message></Error><RequestId>00000000-0000-0000-0000-000000000000</RequestId></ErrorResponse>`);
    } else if (c.protocol === 'ec2') {
      res.writeHead(status, { 'content-type': 'text/xml' });
      res.end(`<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error><Code>${code}</Code><Message>${xmlEscape(message)}</Message></Error></Errors><RequestID>00000000-0000-0000-0000-000000000000</RequestID></Response>`);
    } else if (c.protocol === 'json') {
      res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': 'req' });
      res.end(JSON.stringify({ __type: code, message }));
    } else {
      res.writeHead(status, { 'content-type': 'application/json', 'x-amzn-errortype': `${code}:http://internal.amazon.com/coral/com.amazon.bedrock/`, 'x-amzn-requestid': 'req' });
      res.end(JSON.stringify({ message }));
    }
  }

  function throttleError(c: Ctx): void {
    if (c.protocol === 'query') return sendError(c, 400, 'Throttling', 'Rate exceeded');
    if (c.protocol === 'ec2') return sendError(c, 503, 'RequestLimitExceeded', 'Request limit exceeded.');
    if (c.service === 'tagging') return sendError(c, 400, 'ThrottledException', 'Rate exceeded');
    if (c.service === 'organizations') return sendError(c, 400, 'TooManyRequestsException', 'AWS Organizations can\'t complete your request because another request is already in progress.');
    if (c.protocol === 'json') return sendError(c, 400, 'ThrottlingException', 'Rate exceeded');
    return sendError(c, 429, 'ThrottlingException', 'Too many requests, please wait before trying again.');
  }

  function sendJson(c: Ctx, body: unknown): void {
    c.res.writeHead(200, { 'content-type': c.protocol === 'json' ? 'application/x-amz-json-1.1' : 'application/json', 'x-amzn-requestid': 'req' });
    c.res.end(JSON.stringify(body));
  }

  function sendXml(c: Ctx, xml: string): void {
    c.res.writeHead(200, { 'content-type': 'text/xml' });
    c.res.end(xml);
  }

  function regionEstate(c: Ctx): AwsRegionEstate {
    return estate.accounts[c.account]?.resources?.[c.region] ?? {};
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const auth = String(req.headers.authorization ?? '');
    const m = /Credential=([^/]+)\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/.exec(auth);
    const accessKey = m?.[1] ?? '';
    const region = m?.[2] ?? 'us-east-1';
    const service = m?.[3] ?? '';
    const account = accessKey.startsWith(ASSUMED_PREFIX) ? accessKey.slice(ASSUMED_PREFIX.length, ASSUMED_PREFIX.length + 12) : estate.callerAccount;
    const url = new URL(req.url ?? '/', 'http://x');
    const target = String(req.headers['x-amz-target'] ?? '');
    let protocol: Protocol;
    let op: string;
    let form: URLSearchParams | undefined;
    let json: Record<string, any> = {};
    if (target) {
      protocol = 'json';
      op = target.split('.').pop() ?? '';
      json = body ? JSON.parse(body) : {};
    } else if (service === 'sts' || service === 'ec2') {
      protocol = service === 'ec2' ? 'ec2' : 'query';
      form = new URLSearchParams(body);
      op = form.get('Action') ?? '';
    } else {
      protocol = 'rest';
      op = `${req.method} ${url.pathname}`;
      if (body) json = JSON.parse(body);
    }
    const c: Ctx = { service, region, account, accessKey, protocol, op, res };
    stats.requests++;
    const opKey = `${service}:${protocol === 'rest' ? op.replace(/\/[A-Z0-9]{10}\/?$/, '/{id}') : op}`;
    stats.byOp[opKey] = (stats.byOp[opKey] ?? 0) + 1;
    if (stats.log.length < 10_000) stats.log.push(`${opKey} ${account} ${region}`);
    const latency = (faults.latencyMs ?? 0) + (faults.opLatencyMs?.[opKey] ?? 0);
    if (latency) await new Promise((r) => setTimeout(r, latency));

    if (!m) return sendError(c, 403, protocol === 'rest' || protocol === 'json' ? 'MissingAuthenticationTokenException' : 'MissingAuthenticationToken', 'Request is missing Authentication Token');
    // throttling
    const tkey = `${opKey}:${account}:${region}`;
    const tn = throttleCounts.get(tkey) ?? 0;
    if ((faults.throttleFirst && tn < faults.throttleFirst) || (faults.throttleRate && rnd() < faults.throttleRate)) {
      throttleCounts.set(tkey, tn + 1);
      stats.throttled++;
      return throttleError(c);
    }
    throttleCounts.set(tkey, tn + 1);
    if (faults.throttledOps?.includes(`${account}:${region}:${opKey}`)) {
      stats.throttled++;
      return throttleError(c);
    }

    if (service === 'sts') return sts(c, form!);
    if (faults.expired?.includes(`${account}:${region}`)) {
      if (protocol === 'ec2') return sendError(c, 400, 'RequestExpired', 'Request has expired.');
      return sendError(c, 403, protocol === 'json' ? 'ExpiredTokenException' : 'ExpiredTokenException', 'The security token included in the request is expired');
    }
    if (faults.denied?.includes(`${account}:${region}`) || faults.denied?.includes(`${account}:${region}:${service}`)) {
      if (protocol === 'ec2') return sendError(c, 403, 'UnauthorizedOperation', 'You are not authorized to perform this operation.');
      return sendError(c, 403, 'AccessDeniedException', `User: arn:aws:sts::${account}:assumed-role/reader/shadowscan is not authorized to perform: ${service}:${op}`);
    }
    if (faults.deniedOps?.includes(`${account}:${region}:${opKey}`)) return sendError(c, 403, 'AccessDeniedException', `User: arn:aws:sts::${account}:assumed-role/reader/shadowscan is not authorized to perform: ${opKey}`);
    const acct = estate.accounts[account];
    if (acct?.notOptedIn?.includes(region) && service !== 'ec2') {
      return sendError(c, 403, protocol === 'json' ? 'UnrecognizedClientException' : 'UnrecognizedClientException', 'The security token included in the request is invalid.');
    }
    switch (service) {
      case 'ec2':
        return ec2(c, form!);
      case 'organizations':
        return organizations(c, json);
      case 'sagemaker':
        return sagemaker(c, json);
      case 'tagging':
        return tagging(c, json);
      case 'bedrock':
        return bedrock(c, url, json);
      default:
        return sendError(c, 400, 'UnknownOperationException', `loopback: no service ${service}`);
    }
  }

  function sts(c: Ctx, form: URLSearchParams): void {
    const base = c.accessKey.startsWith(ASSUMED_PREFIX) ? c.account : estate.callerAccount;
    if (faults.callerExpired && !c.accessKey.startsWith(ASSUMED_PREFIX)) return sendError(c, 403, 'ExpiredToken', 'The security token included in the request is expired');
    if (c.op === 'GetCallerIdentity') {
      const arn = c.accessKey.startsWith(ASSUMED_PREFIX) ? `arn:aws:sts::${base}:assumed-role/reader/shadowscan` : (estate.callerArn ?? `arn:aws:iam::${base}:user/scanner`);
      return sendXml(c, `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Arn>${arn}</Arn><UserId>AIDALOOPBACK</UserId><Account>${base}</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>00000000-0000-0000-0000-000000000001</RequestId></ResponseMetadata></GetCallerIdentityResponse>`);
    }
    if (c.op === 'AssumeRole') {
      const roleArn = form.get('RoleArn') ?? '';
      const target = /^arn:[^:]+:iam::(\d{12}):role\/(.+)$/.exec(roleArn);
      if (!target) return sendError(c, 400, 'ValidationError', `invalid RoleArn ${roleArn}`);
      const acct = target[1];
      if (!estate.accounts[acct] || faults.denyAssume?.includes(acct)) {
        return sendError(c, 403, 'AccessDenied', `User: ${estate.callerArn ?? 'arn:aws:iam::' + estate.callerAccount + ':user/scanner'} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`);
      }
      const exp = new Date(Date.now() + 3600_000).toISOString();
      return sendXml(c, `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult><Credentials><AccessKeyId>${ASSUMED_PREFIX}${acct}</AccessKeyId><SecretAccessKey>loopbackSecret</SecretAccessKey><SessionToken>loopbackSession</SessionToken><Expiration>${exp}</Expiration></Credentials><AssumedRoleUser><AssumedRoleId>AROALOOPBACK:${xmlEscape(form.get('RoleSessionName') ?? '')}</AssumedRoleId><Arn>arn:aws:sts::${acct}:assumed-role/${xmlEscape(target[2])}/${xmlEscape(form.get('RoleSessionName') ?? '')}</Arn></AssumedRoleUser></AssumeRoleResult><ResponseMetadata><RequestId>00000000-0000-0000-0000-000000000002</RequestId></ResponseMetadata></AssumeRoleResponse>`);
    }
    return sendError(c, 400, 'InvalidAction', `loopback: no STS action ${c.op}`);
  }

  function ec2(c: Ctx, form: URLSearchParams): void {
    if (c.op !== 'DescribeRegions') return sendError(c, 400, 'InvalidAction', `loopback: no EC2 action ${c.op}`);
    const acct = estate.accounts[c.account];
    if (!acct) return sendError(c, 401, 'AuthFailure', 'AWS was not able to validate the provided access credentials');
    const all = form.get('AllRegions') === 'true';
    const items = [
      ...acct.regions.map((r) => ({ r, s: 'opt-in-not-required' })),
      ...(all ? (acct.notOptedIn ?? []).map((r) => ({ r, s: 'not-opted-in' })) : []),
    ];
    const xml = items
      .map((i) => `<item><regionName>${i.r}</regionName><regionEndpoint>ec2.${i.r}.amazonaws.com</regionEndpoint><optInStatus>${i.s}</optInStatus></item>`)
      .join('');
    return sendXml(c, `<?xml version="1.0" encoding="UTF-8"?><DescribeRegionsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>00000000-0000-0000-0000-000000000003</requestId><regionInfo>${xml}</regionInfo></DescribeRegionsResponse>`);
  }

  function organizations(c: Ctx, json: Record<string, any>): void {
    if (c.op !== 'ListAccounts') return sendError(c, 400, 'UnknownOperationException', c.op);
    if (estate.organization === false) return sendError(c, 400, 'AWSOrganizationsNotInUseException', 'Your account is not a member of an organization.');
    if (faults.denyOrganizations) return sendError(c, 400, 'AccessDeniedException', 'You don\'t have permissions to access this resource.');
    const all = Object.entries(estate.accounts).map(([id, a]) => ({
      Id: id,
      Arn: `arn:aws:organizations::${estate.callerAccount}:account/o-loopback/${id}`,
      Email: `aws+${id}@example.com`,
      Name: a.name ?? id,
      Status: 'ACTIVE',
      State: 'ACTIVE',
      JoinedMethod: 'CREATED',
      JoinedTimestamp: 1700000000,
    }));
    // ListAccounts answers at most 20 accounts per page (MaxResults 1–20, AWS API reference)
    const p = page(all, json.NextToken, Math.min(20, json.MaxResults ?? 20), faults.pageSize);
    return sendJson(c, { Accounts: p.items, NextToken: p.next });
  }

  function sagemaker(c: Ctx, json: Record<string, any>): void {
    const r = regionEstate(c);
    const lists: Record<string, [string, Array<Record<string, unknown>> | undefined]> = {
      ListEndpoints: ['Endpoints', r.sagemakerEndpoints],
      ListModels: ['Models', r.sagemakerModels],
      ListNotebookInstances: ['NotebookInstances', r.notebookInstances],
      ListDomains: ['Domains', r.domains],
    };
    const l = lists[c.op];
    if (!l) return sendError(c, 400, 'UnknownOperationException', c.op);
    const p = page(l[1] ?? [], json.NextToken, json.MaxResults, faults.pageSize);
    return sendJson(c, { [l[0]]: p.items, NextToken: p.next });
  }

  function tagging(c: Ctx, json: Record<string, any>): void {
    if (c.op !== 'GetResources') return sendError(c, 400, 'UnknownOperationException', c.op);
    const filters: string[] = json.ResourceTypeFilters ?? [];
    const items = (regionEstate(c).tagged ?? []).filter((t) => {
      if (!filters.length || faults.ignoreTagFilters) return true;
      const parts = t.ResourceARN.split(':');
      const svc = parts[2];
      const type = parts.slice(5).join(':').split(/[/:]/)[0];
      return filters.some((f) => f === svc || f === `${svc}:${type}`);
    });
    const p = page(items, json.PaginationToken, json.ResourcesPerPage, faults.pageSize);
    return sendJson(c, { ResourceTagMappingList: p.items, PaginationToken: p.next ?? '' });
  }

  function bedrock(c: Ctx, url: URL, json: Record<string, any>): void {
    const r = regionEstate(c);
    const q = url.searchParams;
    const path = url.pathname;
    const get = (items: Array<Record<string, unknown>> | undefined, key: string) => {
      const p = page(items ?? [], q.get('nextToken') ?? undefined, q.get('maxResults') ? Number(q.get('maxResults')) : undefined, faults.pageSize);
      return sendJson(c, { [key]: p.items, nextToken: p.next });
    };
    if (c.op === 'GET /custom-models') return get(r.customModels, 'modelSummaries');
    if (c.op === 'GET /imported-models') return get(r.importedModels, 'modelSummaries');
    if (c.op === 'GET /provisioned-model-throughputs') return get(r.provisionedThroughputs, 'provisionedModelSummaries');
    if (c.op === 'GET /inference-profiles') {
      const type = q.get('type');
      return get((r.inferenceProfiles ?? []).filter((p) => !type || p.type === type), 'inferenceProfileSummaries');
    }
    if (c.op === 'GET /guardrails') return get(r.guardrails, 'guardrails');
    if (c.op === 'GET /logging/modelinvocations') return sendJson(c, r.invocationLogging ? { loggingConfig: r.invocationLogging } : {});
    if (c.op === 'POST /agents/') {
      const p = page(r.agents ?? [], json.nextToken, json.maxResults, faults.pageSize);
      const summaries = p.items.map((a) => ({
        agentId: a.agentId,
        agentName: a.agentName,
        agentStatus: a.agentStatus,
        description: a.description,
        updatedAt: a.updatedAt,
        latestAgentVersion: a.agentVersion,
        guardrailConfiguration: a.guardrailConfiguration,
      }));
      return sendJson(c, { agentSummaries: summaries, nextToken: p.next });
    }
    if (c.op === 'POST /knowledgebases/') {
      const p = page(r.knowledgeBases ?? [], json.nextToken, json.maxResults, faults.pageSize);
      return sendJson(c, { knowledgeBaseSummaries: p.items.map((k) => ({ knowledgeBaseId: k.knowledgeBaseId, name: k.name, description: k.description, status: k.status, updatedAt: k.updatedAt })), nextToken: p.next });
    }
    let mm = /^\/agents\/([^/]+)\/$/.exec(path);
    if (req(c, 'GET') && mm) {
      const a = (r.agents ?? []).find((x) => x.agentId === mm![1]);
      return a ? sendJson(c, { agent: a }) : sendError(c, 404, 'ResourceNotFoundException', 'agent not found');
    }
    mm = /^\/knowledgebases\/([^/]+)$/.exec(path);
    if (req(c, 'GET') && mm) {
      const k = (r.knowledgeBases ?? []).find((x) => x.knowledgeBaseId === mm![1]);
      return k ? sendJson(c, { knowledgeBase: k }) : sendError(c, 404, 'ResourceNotFoundException', 'knowledge base not found');
    }
    return sendError(c, 404, 'UnknownOperationException', `loopback: no route ${c.op}`);
  }

  function req(c: Ctx, method: string): boolean {
    return c.op.startsWith(method + ' ');
  }

  const server: Server = createServer((rq, rs) => {
    handle(rq, rs).catch((e) => {
      if (!rs.headersSent) rs.writeHead(500, { 'content-type': 'application/json' });
      rs.end(JSON.stringify({ message: String(e) }));
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    env: {
      AWS_ENDPOINT_URL: url,
      AWS_ACCESS_KEY_ID: 'AKIALOOPBACKTEST0001',
      AWS_SECRET_ACCESS_KEY: 'loopback-secret-not-a-real-key',
      AWS_REGION: 'us-east-1',
    },
    stats,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
