/** The server-rendered pages and their form actions. */
import { readPolicy, type Policy } from '../../intake/policy.js';
import { catalogToYaml } from '../../catalog/catalog.js';
import { approve, decline, falsePositive, reopen, requestIntake, suppress, triage, type ActionResult, type DeclineInput } from '../../intake/actions.js';
import { BLOCKLIST_FORMATS, BLOCKLIST_MEDIA, type BlocklistFormat } from '../../intake/blocklist.js';
import { effectiveCatalog } from '../../intake/catalog.js';
import { IntakeError, TRANSITIONS, type IntakeAction } from '../../intake/machine.js';
import { facets, queryRegister } from '../../intake/query.js';
import * as V from '../views.js';
import { approveFromForm, triageFromForm } from './forms.js';
import { governanceView, loadSettings, overdueEntries, reviewsDue } from '../../governance/governance.js';
import type { GovernanceSettings } from '../../governance/settings.js';
import { LIFECYCLE_STAGES, STRIDE } from '../../governance/mapping.js';
import { governanceCard, governanceFilters, itemGovernanceView, overduePanel } from '../governance-views.js';
import { governanceRoutes } from './governance.js';
import { userRoutes } from './users.js';
import { PAGE_SIZE, type WebContext } from './context.js';

export function pageRoutes(w: WebContext): void {
  const { app, register, ctx, now, flashes, need, deny, page, registerQuery, itemView, blocklists } = w;
  // ------------------------------------------------------------------ pages
  /** Filter drop-down values (distinct categories / owners), refreshed at most once a minute. */
  let facetCache: { at: number; v: Awaited<ReturnType<typeof facets>> } | undefined;
  /**
   * The overdue / reviews-due panel of page one, per register generation (governance records,
   * settings and risk entries all move it: migration 950) and for at most PANEL_MS, since its
   * deadlines are measured against the clock.
   */
  let panelCache: { gen: number; at: number; v: ReturnType<typeof overduePanel> } | undefined;
  const PANEL_MS = 10_000;
  const panelOf = async (gen: number | undefined) => {
    const t = now().getTime();
    if (gen !== undefined && panelCache?.gen === gen && panelCache.at > t - PANEL_MS && panelCache.at <= t) return panelCache.v;
    const v = overduePanel(await overdueEntries(register, now()), await reviewsDue(register, now()));
    if (gen !== undefined) panelCache = { gen, at: t, v };
    return v;
  };
  app.get('/register', async (req, reply) => {
    const me = need(req, reply, 'view');
    if (!me) return reply;
    const q = registerQuery(req.query as Record<string, string>);
    // governance filters (lifecycle stage, STRIDE threat) and the overdue / escalated entries first
    const raw = req.query as Record<string, string | undefined>;
    const stage = (LIFECYCLE_STAGES as readonly string[]).includes(raw.stage ?? '') ? raw.stage : undefined;
    const threat = (STRIDE as readonly string[]).includes(raw.threat ?? '') ? raw.threat : undefined;
    let res: Awaited<ReturnType<typeof queryRegister>>;
    if (stage || threat) {
      // stages and threats are stored with each entry when it is created or changed: no derivation here
      const ids = new Set((await register.governance().list({ stage, threat })).map((g) => g.itemId));
      const all = (await register.queryItems({ ...q, limit: undefined, offset: undefined, after: undefined, before: undefined })).rows.filter((r) => ids.has(r.id));
      res = { total: all.length, capped: false, rows: all.slice((q.page - 1) * PAGE_SIZE, q.page * PAGE_SIZE) };
    } else res = await queryRegister(register, { ...q, limit: PAGE_SIZE, offset: (q.page - 1) * PAGE_SIZE });
    if (!facetCache || facetCache.at < Date.now() - 60_000) facetCache = { at: Date.now(), v: await facets(register) };
    const panel = q.page === 1 ? await panelOf(res.generation) : undefined;
    return page(reply, V.registerPage(me, q, res, facetCache!.v, PAGE_SIZE, { stage, threat, filters: governanceFilters({ stage, threat }), panel }));
  });

  /**
   * The item page's governance settings and policy, per register generation (governance settings
   * move it: migration 950; the policy: migration 951), read after the generation they are kept for.
   */
  let itemCtxCache: { gen: number; settings: GovernanceSettings; policy: Policy } | undefined;
  const itemCtxOf = async (gen: number | undefined) => {
    if (gen !== undefined && itemCtxCache?.gen === gen) return itemCtxCache;
    const v = { gen: gen ?? -1, settings: await loadSettings(register), policy: await readPolicy(register) };
    if (gen !== undefined) itemCtxCache = v;
    return v;
  };
  app.get('/items/:id', async (req, reply) => {
    const me = need(req, reply, 'view');
    if (!me) return reply;
    // one statement for the item, its risk entry, governance record and generation; then findings and history
    const d = await register.itemPage((req.params as { id: string }).id);
    if (!d) return deny(req, reply, 404, 'no such item');
    const v: V.ItemView = { ...d, risk: d.risk as V.ItemView['risk'] };
    const fl = me.sessionHash ? flashes.get(me.sessionHash) ?? [] : [];
    if (me.sessionHash) flashes.delete(me.sessionHash);
    const c = await itemCtxOf(d.generation);
    const g = itemGovernanceView(d, c.settings, now());
    const gov = g ? governanceCard(me, d.item.id, g) : undefined;
    return page(reply, V.itemPage(me, v, fl, { separationOfDuties: !!ctx.separationOfDuties || c.policy.separationOfDuties }, gov));
  });

  app.get('/items/:id/triage', async (req, reply) => {
    const me = need(req, reply, 'triage');
    if (!me) return reply;
    const v = await itemView((req.params as { id: string }).id);
    if (!v?.risk) return deny(req, reply, 404, 'no risk entry for this item');
    return page(reply, V.triagePage(me, v));
  });

  /** The approve form's residual-risk line: residual against the tier's appetite, and whether acceptance is needed. */
  const acceptanceOf = async (riskId: string): Promise<V.ApproveAcceptance> => {
    const g = await governanceView(register, riskId, now());
    return { residualScore: g.residualScore, appetite: g.appetite, role: g.acceptanceRole, needed: g.needsAcceptance };
  };

  app.get('/items/:id/intake', async (req, reply) => {
    const me = need(req, reply, 'decide');
    if (!me) return reply;
    const v = await itemView((req.params as { id: string }).id);
    if (!v?.risk) return deny(req, reply, 404, 'no risk entry for this item');
    return page(reply, V.intakePage(me, v, { expires: new Date(now().getTime() + 365 * 86400_000).toISOString().slice(0, 10), acceptance: await acceptanceOf(v.risk.id) }));
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
          // a refused approval (a governance gate, the acceptance role, separation of duties): the form again, with the reason
          if (v?.risk && (status === 409 || status === 403) && action === 'approve') return page(reply, V.intakePage(me, v, { expires: b.expires ?? '', acceptance: await acceptanceOf(v.risk.id) }, msg), status);
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
    return page(reply, V.catalogPage(me, cat, (await register.listDecisions()), now(), w.baseCatalogFile));
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

  governanceRoutes(w);
  userRoutes(w);

  app.get('/audit', async (req, reply) => {
    const me = need(req, reply, 'view');
    if (!me) return reply;
    return page(reply, V.auditPage(me, await register.verifyAudit(), await register.auditLog({ limit: 200 })));
  });
}
