/**
 * The web app: fastify, server-rendered pages, a JSON API under /api. Thin shell over the intake
 * library. Security: argon2id passwords, HttpOnly SameSite=Strict session cookies, a CSRF token
 * on every state-changing request made with a cookie, roles enforced here (403), a strict CSP
 * (no script at all), every value escaped by the template layer.
 */
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Catalog } from '../catalog/catalog.js';
import type { RegisterStore } from '../register/register.js';
import type { RuleIndex } from '../rules/compile.js';
import { type IntakeContext, type IntakeRisk } from '../intake/actions.js';
import { BLOCKLIST_FORMATS, blockPlan, renderBlocklist, type BlocklistFormat } from '../intake/blocklist.js';
import { blocklistCatalog } from '../governance/blocklist.js';
import { effectiveCatalog } from '../intake/catalog.js';
export { catalogFromRuns } from '../intake/catalog.js';
import { type Permission } from '../intake/machine.js';
import { ITEM_STATUSES, QUEUE, SORTS, type RegisterQuery } from '../intake/query.js';
import { Auth, can, safeEqual, SESSION_CACHE_MS, type Principal } from './auth.js';
import * as V from './views.js';
import { apiRoutes } from './routes/api.js';
import { authRoutes } from './routes/auth.js';
import { pageRoutes } from './routes/pages.js';
import { PAGE_SIZE, type WebContext } from './routes/context.js';
import { cookieNames, crossSiteReason, LoginGate, Signer } from './signin.js';

export { PAGE_SIZE } from './routes/context.js';

const STATIC_DIR = join(dirname(fileURLToPath(import.meta.url)), 'static');

export interface ServerOptions {
  register: RegisterStore;
  rules: RuleIndex;
  /** The catalog file merged with the register's decisions. */
  baseCatalog?: Catalog;
  baseCatalogFile?: string;
  separationOfDuties?: boolean;
  /**
   * Cookies are `__Host-` prefixed and Secure by default (browsers accept them over HTTPS and from
   * http://localhost / 127.0.0.1). `insecureCookies`: plain names without Secure, for plain http
   * beyond loopback only (development).
   */
  insecureCookies?: boolean;
  /** @deprecated cookies are always Secure unless insecureCookies; accepted and ignored. */
  secureCookies?: boolean;
  /**
   * Which proxies to believe for X-Forwarded-For / -Proto / -Host (fastify's trustProxy: a hop
   * count, or addresses / CIDR ranges). Unset: those headers are ignored and the client address
   * is the socket's.
   */
  trustProxy?: number | string | string[];
  /** The key that signs pre-login tokens and device cookies (default $SHADOWSCAN_WEB_SECRET, else random per process). */
  secret?: string;
  /** Password checks running at once, and how many more may wait; the rest get 429 at once. */
  loginConcurrency?: number;
  loginQueue?: number;
  /** Password checks per second for clients without a known-device cookie (default 4 per slot). */
  loginChecksPerSecond?: number;
  now?: () => Date;
  logger?: boolean;
  /** How long this replica reuses a session lookup for reads (default SESSION_CACHE_MS; 0: look up every request). */
  sessionCacheMs?: number;
}

const CSP = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
}

export async function createServer(opts: ServerOptions): Promise<FastifyInstance> {
  const { register, rules } = opts;
  const auth = new Auth(register, opts.sessionCacheMs ?? SESSION_CACHE_MS);
  const now = opts.now ?? (() => new Date());
  const knownServices = new Set(rules.services.map((s) => s.id));
  const ctx: IntakeContext = { register, baseCatalog: opts.baseCatalog, knownServices, now, separationOfDuties: !!opts.separationOfDuties };
  const css = readFileSync(join(STATIC_DIR, 'app.css'), 'utf8');
  const flashes = new Map<string, V.Flash[]>();

  const app = Fastify({ logger: opts.logger ?? false, bodyLimit: 256 * 1024, trustProxy: (opts.trustProxy ?? false) as string | boolean }); // a number = trusted hops (fastify accepts it; its types omit it)
  await app.register(cookie);
  await app.register(formbody);

  const cookieOpts = { httpOnly: true, sameSite: 'strict' as const, path: '/', secure: !opts.insecureCookies };
  const cookies = cookieNames(!!opts.insecureCookies);
  const signer = new Signer(opts.secret ?? process.env.SHADOWSCAN_WEB_SECRET);
  const loginGate = new LoginGate(opts.loginConcurrency, opts.loginQueue, opts.loginChecksPerSecond);

  // ---- security headers + principal
  app.addHook('onRequest', async (req, reply) => {
    reply.header('Content-Security-Policy', CSP);
    reply.header('X-Content-Type-Options', 'nosniff');
    reply.header('X-Frame-Options', 'DENY');
    // same-origin, not no-referrer: with no-referrer the browser sends `Origin: null` on our own forms
    reply.header('Referrer-Policy', 'same-origin');
    reply.header('Cross-Origin-Opener-Policy', 'same-origin');
    reply.header('Cache-Control', 'no-store');
    const authz = req.headers.authorization;
    if (authz && /^Bearer\s+/i.test(authz)) {
      req.principal = await auth.bearer(authz.replace(/^Bearer\s+/i, '').trim(), now());
      if (!req.principal) {
        reply.code(401).header('WWW-Authenticate', 'Bearer').send({ error: 'invalid or expired bearer token' });
        return reply;
      }
    } else {
      // reads may reuse this replica's recent lookup of the session; a state-changing request looks it up again
      req.principal = await auth.session(req.cookies[cookies.session], now(), { cached: req.method === 'GET' || req.method === 'HEAD' });
    }
  });

  // ---- Origin / Sec-Fetch-Site, then CSRF, on every state-changing request made with cookies (login included)
  app.addHook('preHandler', async (req, reply) => {
    if (['GET', 'HEAD', 'OPTIONS'].includes(req.method)) return;
    const p = req.principal;
    if (p?.kind === 'token') return; // no ambient credentials: exempt
    const cross = crossSiteReason(req);
    if (cross) return deny(req, reply, 403, cross);
    const body = (req.body ?? {}) as Record<string, unknown>;
    const sent = (typeof body._csrf === 'string' ? body._csrf : undefined) ?? (req.headers['x-csrf-token'] as string | undefined);
    const ok = p?.kind === 'session' ? safeEqual(sent, p.csrf) : req.routeOptions.url === '/login' && signer.preloginOk(req.cookies[cookies.prelogin], sent);
    if (!ok) {
      return deny(req, reply, 403, 'missing or invalid CSRF token');
    }
  });

  function isApi(req: FastifyRequest): boolean {
    return req.url.startsWith('/api/');
  }

  function deny(req: FastifyRequest, reply: FastifyReply, status: number, message: string) {
    if (isApi(req)) return reply.code(status).send({ error: message });
    return reply.code(status).type('text/html; charset=utf-8').send(V.errorPage(req.principal, status, message));
  }

  /** Returns the principal or sends 401 / redirect / 403. */
  function need(req: FastifyRequest, reply: FastifyReply, perm: Permission): Principal | undefined {
    const p = req.principal;
    if (!p) {
      if (isApi(req)) reply.code(401).send({ error: 'authentication required (session cookie or bearer token)' });
      else reply.redirect(`/login?next=${encodeURIComponent(req.url)}`, 303);
      return undefined;
    }
    if (!can(p.role, perm)) {
      deny(req, reply, 403, `role ${p.role} may not do this (needs permission "${perm}")`);
      return undefined;
    }
    return p;
  }

  const page = (reply: FastifyReply, htmlText: string, code = 200) => reply.code(code).type('text/html; charset=utf-8').send(htmlText);

  // ------------------------------------------------------------------ helpers
  function registerQuery(q: Record<string, string | undefined>): RegisterQuery & { page: number; statusParam?: string; riskParam?: string } {
    const statusParam = q.status || undefined;
    const status = !statusParam || statusParam === 'queue' ? QUEUE : statusParam === 'all' ? [] : statusParam.split(',').filter((s) => (ITEM_STATUSES as string[]).includes(s));
    const riskParam = q.risk || undefined;
    const page = Math.max(1, Math.min(1_000_000, parseInt(q.page ?? '1', 10) || 1));
    const limit = Math.max(1, Math.min(500, parseInt(q.limit ?? String(PAGE_SIZE), 10) || PAGE_SIZE));
    const tier = q.tier && /^[123]$/.test(q.tier) ? Number(q.tier) : undefined;
    const sort = (SORTS as readonly string[]).includes(q.sort ?? '') ? (q.sort as RegisterQuery['sort']) : 'status';
    return {
      status,
      statusParam,
      riskParam,
      riskStatus: riskParam ? riskParam.split(',') : undefined,
      tier,
      source: q.source || undefined,
      category: q.category || undefined,
      owner: q.owner || undefined,
      q: q.q || undefined,
      sort,
      state: q.state === 'all' || q.state === 'gone' ? q.state : 'active',
      limit,
      offset: (page - 1) * limit,
      // keyset paging (the pages' Next / Previous links): the neighbouring page's cursor; page= is then only shown
      after: q.after || undefined,
      before: q.after ? undefined : q.before || undefined,
      page,
    };
  }

  async function itemView(id: string): Promise<V.ItemView | undefined> {
    const got = await register.getItem(id);
    if (!got) {
      const risk = await register.getRisk(id);
      return risk ? itemView(risk.itemId) : undefined;
    }
    return { ...got, risk: got.risk as IntakeRisk | undefined };
  }

  async function blocklists(): Promise<Record<BlocklistFormat, string>> {
    // governance pauses are temporary block-list entries (src/governance/blocklist.ts)
    const cat = await blocklistCatalog(register, await effectiveCatalog(ctx.baseCatalog, register), now());
    const plan = blockPlan(cat, rules, now());
    return Object.fromEntries(BLOCKLIST_FORMATS.map((f) => [f, renderBlocklist(f, plan)])) as Record<BlocklistFormat, string>;
  }

  const w: WebContext = { app, register, rules, ctx, auth, now, css, baseCatalogFile: opts.baseCatalogFile, flashes, cookieOpts, cookies, signer, loginGate, need, deny, page, isApi, registerQuery, itemView, blocklists };
  authRoutes(w);
  pageRoutes(w);
  apiRoutes(w);

  app.setNotFoundHandler((req, reply) => deny(req, reply, 404, 'not found'));
  app.setErrorHandler((err: Error & { statusCode?: number }, req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status === 500) req.log.error(err);
    return deny(req, reply, status, status === 500 ? 'internal error (see the server log)' : err.message);
  });

  return app;
}

