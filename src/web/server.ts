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
import { catalogToYaml, type Catalog } from '../catalog/catalog.js';
import type { RegisterStore } from '../register/register.js';
import type { RuleIndex } from '../rules/compile.js';
import { approve, decline, falsePositive, parseList, reopen, requestIntake, suppress, triage, type ActionResult, type ApproveInput, type DeclineInput, type IntakeContext, type IntakeRisk, type TriageInput } from '../intake/actions.js';
import { BLOCKLIST_FORMATS, BLOCKLIST_MEDIA, blockPlan, renderBlocklist, type BlocklistFormat } from '../intake/blocklist.js';
import { effectiveCatalog } from '../intake/catalog.js';
export { catalogFromRuns } from '../intake/catalog.js';
import { IntakeError, TRANSITIONS, type IntakeAction, type Permission } from '../intake/machine.js';
import { facets, ITEM_STATUSES, QUEUE, queryRegister, SORTS, type RegisterQuery } from '../intake/query.js';
import { Auth, can, randomToken, safeEqual, SESSION_TTL_MS, type Principal } from './auth.js';
import * as V from './views.js';

const STATIC_DIR = join(dirname(fileURLToPath(import.meta.url)), 'static');
export const PAGE_SIZE = 50;
/** Sign-in throttling: this many failures per user name and address within the window answer 429. */
const LOGIN_MAX_FAILURES = 5;
const LOGIN_WINDOW_MS = 5 * 60_000;

export interface ServerOptions {
  register: RegisterStore;
  rules: RuleIndex;
  /** The catalog file merged with the register's decisions. */
  baseCatalog?: Catalog;
  baseCatalogFile?: string;
  separationOfDuties?: boolean;
  /** Set the Secure flag on cookies (serve behind HTTPS). */
  secureCookies?: boolean;
  now?: () => Date;
  logger?: boolean;
}

const CSP = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
const SESSION_COOKIE = 'ss_session';
const PRELOGIN_COOKIE = 'ss_prelogin';

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
}

export async function createServer(opts: ServerOptions): Promise<FastifyInstance> {
  const { register, rules } = opts;
  const auth = new Auth(register);
  const now = opts.now ?? (() => new Date());
  const knownServices = new Set(rules.services.map((s) => s.id));
  const ctx: IntakeContext = { register, baseCatalog: opts.baseCatalog, knownServices, now, separationOfDuties: !!opts.separationOfDuties };
  const css = readFileSync(join(STATIC_DIR, 'app.css'), 'utf8');
  const flashes = new Map<string, V.Flash[]>();

  const app = Fastify({ logger: opts.logger ?? false, bodyLimit: 256 * 1024, trustProxy: false });
  await app.register(cookie);
  await app.register(formbody);

  const cookieOpts = { httpOnly: true, sameSite: 'strict' as const, path: '/', secure: !!opts.secureCookies };

  // ---- security headers + principal
  app.addHook('onRequest', async (req, reply) => {
    reply.header('Content-Security-Policy', CSP);
    reply.header('X-Content-Type-Options', 'nosniff');
    reply.header('X-Frame-Options', 'DENY');
    reply.header('Referrer-Policy', 'no-referrer');
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
      req.principal = await auth.session(req.cookies[SESSION_COOKIE], now());
    }
  });

  // ---- CSRF on every state-changing request made with cookie authentication
  app.addHook('preHandler', async (req, reply) => {
    if (['GET', 'HEAD', 'OPTIONS'].includes(req.method)) return;
    const p = req.principal;
    if (p?.kind === 'token') return; // no ambient credentials: exempt
    const body = (req.body ?? {}) as Record<string, unknown>;
    const sent = (typeof body._csrf === 'string' ? body._csrf : undefined) ?? (req.headers['x-csrf-token'] as string | undefined);
    const expected = p?.kind === 'session' ? p.csrf : req.routeOptions.url === '/login' ? req.cookies[PRELOGIN_COOKIE] : undefined;
    if (!safeEqual(sent, expected)) {
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

  // ------------------------------------------------------------------ static + auth
  app.get('/static/app.css', async (_req, reply) => reply.type('text/css; charset=utf-8').header('Cache-Control', 'public, max-age=300').send(css));
  app.get('/favicon.ico', async (_req, reply) => reply.code(204).send());
  app.get('/', async (_req, reply) => reply.redirect('/register', 303));

  app.get('/login', async (req, reply) => {
    const q = req.query as Record<string, string>;
    const token = randomToken();
    reply.setCookie(PRELOGIN_COOKIE, token, { ...cookieOpts, maxAge: 600 });
    return page(reply, V.loginPage({ csrf: token, next: safeNext(q.next) }));
  });

  app.post('/login', async (req, reply) => {
    const b = (req.body ?? {}) as Record<string, string>;
    const username = String(b.username ?? '').trim();
    const key = `${username}|${req.ip}`;
    // failures live in the register, so every web replica behind a load balancer counts the same
    const since = new Date(now().getTime() - LOGIN_WINDOW_MS).toISOString();
    if ((await register.loginFailures(key, since)) >= LOGIN_MAX_FAILURES) {
      return page(reply, V.loginPage({ csrf: req.cookies[PRELOGIN_COOKIE] ?? '', next: safeNext(b.next), error: 'Too many failed attempts: try again in a few minutes.' }), 429);
    }
    const role = await auth.checkPassword(username, String(b.password ?? ''));
    if (!role) {
      await register.recordLoginFailure([key], now().toISOString(), since);
      return page(reply, V.loginPage({ csrf: req.cookies[PRELOGIN_COOKIE] ?? '', next: safeNext(b.next), error: 'Unknown user name or wrong password.' }), 401);
    }
    await register.clearLoginFailures(key);
    const s = await auth.createSession(username, now());
    reply.clearCookie(PRELOGIN_COOKIE, { path: '/' });
    reply.setCookie(SESSION_COOKIE, s.cookie, { ...cookieOpts, maxAge: Math.floor(SESSION_TTL_MS / 1000) });
    return reply.redirect(safeNext(b.next), 303);
  });

  app.post('/logout', async (req, reply) => {
    if (req.principal?.sessionHash) await auth.endSession(req.principal.sessionHash);
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return reply.redirect('/login', 303);
  });

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
    const cat = (await effectiveCatalog(ctx.baseCatalog, register));
    const plan = blockPlan(cat, rules, now());
    return Object.fromEntries(BLOCKLIST_FORMATS.map((f) => [f, renderBlocklist(f, plan)])) as Record<BlocklistFormat, string>;
  }

  // ------------------------------------------------------------------ pages
  /** Filter drop-down values (distinct categories / owners), refreshed at most once a minute. */
  let facetCache: { at: number; v: Awaited<ReturnType<typeof facets>> } | undefined;
  app.get('/register', async (req, reply) => {
    const me = need(req, reply, 'view');
    if (!me) return reply;
    const q = registerQuery(req.query as Record<string, string>);
    const res = await queryRegister(register, { ...q, limit: PAGE_SIZE, offset: (q.page - 1) * PAGE_SIZE });
    if (!facetCache || facetCache.at < Date.now() - 60_000) facetCache = { at: Date.now(), v: await facets(register) };
    return page(reply, V.registerPage(me, q, res, facetCache!.v, PAGE_SIZE));
  });

  app.get('/items/:id', async (req, reply) => {
    const me = need(req, reply, 'view');
    if (!me) return reply;
    const v = await itemView((req.params as { id: string }).id);
    if (!v) return deny(req, reply, 404, 'no such item');
    const fl = me.sessionHash ? flashes.get(me.sessionHash) ?? [] : [];
    if (me.sessionHash) flashes.delete(me.sessionHash);
    return page(reply, V.itemPage(me, v, fl, { separationOfDuties: !!ctx.separationOfDuties }));
  });

  app.get('/items/:id/triage', async (req, reply) => {
    const me = need(req, reply, 'triage');
    if (!me) return reply;
    const v = await itemView((req.params as { id: string }).id);
    if (!v?.risk) return deny(req, reply, 404, 'no risk entry for this item');
    return page(reply, V.triagePage(me, v));
  });

  app.get('/items/:id/intake', async (req, reply) => {
    const me = need(req, reply, 'decide');
    if (!me) return reply;
    const v = await itemView((req.params as { id: string }).id);
    if (!v?.risk) return deny(req, reply, 404, 'no risk entry for this item');
    return page(reply, V.intakePage(me, v, { expires: new Date(now().getTime() + 365 * 86400_000).toISOString().slice(0, 10) }));
  });

  // ---- form actions: POST /items/:id/<action>
  const FORM_ACTIONS: Record<IntakeAction, (id: string, b: Record<string, string>, actor: string) => Promise<ActionResult>> = {
    triage: (id, b, a) => triage(ctx, id, triageFromForm(b), a),
    'request-intake': (id, b, a) => requestIntake(ctx, id, { rationale: b.rationale }, a),
    approve: (id, b, a) => approve(ctx, id, approveFromForm(b), a),
    decline: (id, b, a) => decline(ctx, id, { treatment: b.treatment as DeclineInput['treatment'], rationale: b.rationale, block: b.block === 'on' || b.block === 'true' }, a),
    suppress: (id, b, a) => suppress(ctx, id, { reason: b.reason, until: b.until }, a),
    'false-positive': (id, b, a) => falsePositive(ctx, id, { reason: b.reason, until: b.until }, a),
    reopen: (id, b, a) => reopen(ctx, id, { rationale: b.rationale || 'reopened' }, a),
  };

  for (const action of Object.keys(FORM_ACTIONS) as IntakeAction[]) {
    app.post(`/items/:id/${action}`, async (req, reply) => {
      const me = need(req, reply, TRANSITIONS[action].permission);
      if (!me) return reply;
      const id = (req.params as { id: string }).id;
      const b = (req.body ?? {}) as Record<string, string>;
      try {
        const res = await FORM_ACTIONS[action](id, b, me.actor);
        const msgs: V.Flash[] = [{ kind: 'ok', text: `${res.risk.id}: ${TRANSITIONS[action].label} — ${res.from} → ${res.to}${res.item && res.item.before !== res.item.after ? `; item ${res.item.before} → ${res.item.after}` : ''}${res.decisionId ? ` (${res.decisionId})` : ''}` }];
        for (const w of res.warnings) msgs.push({ kind: 'warn', text: w });
        if (me.sessionHash) flashes.set(me.sessionHash, msgs);
        return reply.redirect(`/items/${encodeURIComponent(res.risk.itemId)}`, 303);
      } catch (e) {
        if (e instanceof IntakeError || (e as Error)?.name === 'ZodError') {
          const status = e instanceof IntakeError ? e.status : 400;
          const v = await itemView(id);
          const msg = (e as Error).message;
          if (v?.risk && status === 400 && action === 'triage') return page(reply, V.triagePage(me, v, msg), 400);
          if (v?.risk && status === 400 && (action === 'approve' || action === 'decline')) return page(reply, V.intakePage(me, v, { expires: b.expires ?? '' }, msg), 400);
          return page(reply, V.errorPage(me, status, msg, `/items/${encodeURIComponent(v?.item.id ?? id)}`), status);
        }
        throw e;
      }
    });
  }

  app.get('/catalog', async (req, reply) => {
    const me = need(req, reply, 'view');
    if (!me) return reply;
    const cat = (await effectiveCatalog(ctx.baseCatalog, register));
    return page(reply, V.catalogPage(me, cat, (await register.listDecisions()), now(), opts.baseCatalogFile));
  });

  app.get('/catalog/export.yaml', async (req, reply) => {
    if (!need(req, reply, 'view')) return reply;
    const y = '# shadowscan catalog export: the catalog file merged with intake decisions from the register\n' + catalogToYaml((await effectiveCatalog(ctx.baseCatalog, register)));
    return reply.type('application/yaml; charset=utf-8').header('Content-Disposition', 'attachment; filename="catalog.yaml"').send(y);
  });

  app.get('/scans', async (req, reply) => {
    const me = need(req, reply, 'view');
    if (!me) return reply;
    return page(reply, V.scansPage(me, await register.listRuns(50)));
  });

  app.get('/blocklists', async (req, reply) => {
    const me = need(req, reply, 'view');
    if (!me) return reply;
    return page(reply, V.blocklistsPage(me, await blocklists()));
  });

  app.get('/blocklists/:format', async (req, reply) => {
    if (!need(req, reply, 'view')) return reply;
    const f = (req.params as { format: string }).format as BlocklistFormat;
    if (!BLOCKLIST_FORMATS.includes(f)) return deny(req, reply, 404, `unknown block list format (expected ${BLOCKLIST_FORMATS.join(', ')})`);
    return reply.type(BLOCKLIST_MEDIA[f].type).header('Content-Disposition', `attachment; filename="${BLOCKLIST_MEDIA[f].file}"`).send((await blocklists())[f]);
  });

  app.get('/audit', async (req, reply) => {
    const me = need(req, reply, 'view');
    if (!me) return reply;
    return page(reply, V.auditPage(me, await register.verifyAudit(), await register.auditLog({ limit: 200 })));
  });

  // ------------------------------------------------------------------ JSON API
  app.get('/api/me', async (req, reply) => {
    const me = need(req, reply, 'view');
    if (!me) return reply;
    return { actor: me.actor, role: me.role, kind: me.kind, csrf: me.kind === 'session' ? me.csrf : undefined };
  });

  app.get('/api/register', async (req, reply) => {
    if (!need(req, reply, 'view')) return reply;
    const q = registerQuery(req.query as Record<string, string>);
    const res = await queryRegister(register, q);
    return { total: res.total, totalIsLowerBound: res.capped, offset: q.offset, limit: q.limit, items: res.rows };
  });

  app.get('/api/items/:id', async (req, reply) => {
    if (!need(req, reply, 'view')) return reply;
    const v = await itemView((req.params as { id: string }).id);
    if (!v) return reply.code(404).send({ error: 'no such item' });
    return v;
  });

  const API_ACTIONS: Record<IntakeAction, (id: string, b: any, actor: string) => Promise<ActionResult>> = {
    triage: (id, b, a) => triage(ctx, id, b as TriageInput, a),
    'request-intake': (id, b, a) => requestIntake(ctx, id, b ?? {}, a),
    approve: (id, b, a) => approve(ctx, id, b as ApproveInput, a),
    decline: (id, b, a) => decline(ctx, id, b as DeclineInput, a),
    suppress: (id, b, a) => suppress(ctx, id, b, a),
    'false-positive': (id, b, a) => falsePositive(ctx, id, b, a),
    reopen: (id, b, a) => reopen(ctx, id, b, a),
  };
  for (const action of Object.keys(API_ACTIONS) as IntakeAction[]) {
    app.post(`/api/items/:id/${action}`, async (req, reply) => {
      const me = need(req, reply, TRANSITIONS[action].permission);
      if (!me) return reply;
      try {
        const { _csrf, ...body } = (req.body ?? {}) as Record<string, unknown>;
        void _csrf;
        return await API_ACTIONS[action]((req.params as { id: string }).id, body, me.actor);
      } catch (e) {
        if (e instanceof IntakeError) return reply.code(e.status).send({ error: e.message });
        if ((e as Error)?.name === 'ZodError') return reply.code(400).send({ error: (e as Error).message });
        throw e;
      }
    });
  }

  app.get('/api/catalog', async (req, reply) => {
    if (!need(req, reply, 'view')) return reply;
    return { catalog: (await effectiveCatalog(ctx.baseCatalog, register)), decisions: (await register.listDecisions()) };
  });
  app.get('/api/catalog.yaml', async (req, reply) => {
    if (!need(req, reply, 'view')) return reply;
    return reply.type('application/yaml; charset=utf-8').send(catalogToYaml((await effectiveCatalog(ctx.baseCatalog, register))));
  });
  app.get('/api/blocklist/:format', async (req, reply) => {
    if (!need(req, reply, 'view')) return reply;
    const f = (req.params as { format: string }).format as BlocklistFormat;
    if (!BLOCKLIST_FORMATS.includes(f)) return reply.code(404).send({ error: `unknown format (expected ${BLOCKLIST_FORMATS.join(', ')})` });
    return reply.type(BLOCKLIST_MEDIA[f].type).send((await blocklists())[f]);
  });
  app.get('/api/runs', async (req, reply) => {
    if (!need(req, reply, 'view')) return reply;
    return register.listRuns(100);
  });
  app.get('/api/audit/verify', async (req, reply) => {
    if (!need(req, reply, 'view')) return reply;
    return register.verifyAudit();
  });

  app.setNotFoundHandler((req, reply) => deny(req, reply, 404, 'not found'));
  app.setErrorHandler((err: Error & { statusCode?: number }, req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status === 500) req.log.error(err);
    return deny(req, reply, status, status === 500 ? 'internal error (see the server log)' : err.message);
  });

  return app;
}

function safeNext(n: unknown): string {
  const s = typeof n === 'string' ? n : '';
  return /^\/(?![/\\])[^\s]*$/.test(s) && !s.startsWith('/login') ? s : '/register';
}

function triageFromForm(b: Record<string, string>): TriageInput {
  const num = (v: string | undefined) => (v && /^\d+$/.test(v) ? Number(v) : undefined);
  return {
    answers: { consequence: b.consequence as TriageInput['answers']['consequence'], affected: b.affected as TriageInput['answers']['affected'], significantDecisions: b.significantDecisions === 'yes' },
    owner: b.owner,
    likelihood: num(b.likelihood),
    likelihoodReason: b.likelihoodReason,
    impact: num(b.impact),
    impactReason: b.impactReason,
    treatment: (b.treatment || undefined) as TriageInput['treatment'],
    treatmentReason: b.treatmentReason,
    requestImpactAssessment: b.requestImpactAssessment === 'on',
    triggers: { materialDecisions: b.materialDecisions === 'on', rightsConcerns: b.rightsConcerns === 'on', domain: (b.domain || '') as NonNullable<TriageInput['triggers']>['domain'] },
    reviewDate: b.reviewDate || undefined,
    rationale: b.rationale,
  };
}

function approveFromForm(b: Record<string, string>): ApproveInput {
  const scope: Record<string, string[]> = {};
  for (const k of ['repos', 'users', 'accounts', 'hosts', 'departments', 'resources']) {
    const l = parseList(b[`scope.${k}`]);
    if (l.length) scope[k] = l;
  }
  return {
    scope,
    conditions: { maxDataClassification: (b.maxDataClassification || undefined) as NonNullable<ApproveInput['conditions']>['maxDataClassification'], notes: b.conditions },
    expires: b.expires,
    owner: { business: b.ownerBusiness, technical: b.ownerTechnical },
    humanOversight: (b.humanOversight || undefined) as ApproveInput['humanOversight'],
    rationale: b.rationale,
  };
}
