/** The JSON API under /api (bearer tokens or a session with its CSRF token). */
import { catalogToYaml } from '../../catalog/catalog.js';
import { approve, decline, falsePositive, reopen, requestIntake, suppress, triage, type ActionResult, type ApproveInput, type DeclineInput, type TriageInput } from '../../intake/actions.js';
import { BLOCKLIST_FORMATS, BLOCKLIST_MEDIA, type BlocklistFormat } from '../../intake/blocklist.js';
import { effectiveCatalog } from '../../intake/catalog.js';
import { IntakeError, TRANSITIONS, type IntakeAction } from '../../intake/machine.js';
import { queryRegister } from '../../intake/query.js';
import { type WebContext } from './context.js';

export function apiRoutes(w: WebContext): void {
  const { app, register, ctx, need, registerQuery, itemView, blocklists } = w;
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
    return { total: res.total, totalIsLowerBound: res.capped, offset: q.after || q.before ? undefined : q.offset, limit: q.limit, next: res.next, prev: res.prev, items: res.rows };
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
}
