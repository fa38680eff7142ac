/** Governance form actions: POST /items/:id/governance/<action>, and the governance page. */
import { acceptResidual, governanceView, governedApprove, overrideThreats, pause, recordImpactAssessment, recordTreatment, type GovernanceView } from '../../governance/governance.js';
import { parseThreatLines } from '../../governance/mapping.js';
import { parseList } from '../../intake/actions.js';
import { IntakeError, type Permission } from '../../intake/machine.js';
import { ShadowscanError } from '../../core/errors.js';
import type { ImpactAssessment } from '../../governance/record.js';
import { governancePage, threatMatrixPage } from '../governance-views.js';
import type * as V from '../views.js';
import type { WebContext } from './context.js';

type Body = Record<string, any>;

export function governanceRoutes(w: WebContext): void {
  const { app, register, ctx, now, flashes, need, deny, page, itemView } = w;

  async function view(id: string): Promise<{ name: string; itemId: string; g: GovernanceView } | undefined> {
    const v = await itemView(id);
    if (!v?.risk) return undefined;
    return { name: v.item.name, itemId: v.item.id, g: await governanceView(register, v.risk.id, now()) };
  }

  app.get('/governance/threats', async (req, reply) => {
    const me = need(req, reply, 'view');
    if (!me) return reply;
    return page(reply, threatMatrixPage(me, await register.governance().list()));
  });

  app.get('/items/:id/governance', async (req, reply) => {
    const me = need(req, reply, 'view');
    if (!me) return reply;
    const v = await view((req.params as { id: string }).id);
    if (!v) return deny(req, reply, 404, 'no risk entry for this item');
    const fl = me.sessionHash ? flashes.get(me.sessionHash) ?? [] : [];
    if (me.sessionHash) flashes.delete(me.sessionHash);
    return page(reply, governancePage(me, v.name, v.itemId, v.g, fl));
  });

  const ACTIONS: Record<string, { perm: Permission; run: (id: string, b: Body, actor: string) => Promise<string> }> = {
    threats: {
      perm: 'triage',
      run: async (id, b, a) => {
        const threats = Array.isArray(b.threats) ? parseThreatLines(b.threats.map((t: { stage?: string; threat?: string; reason?: string }) => `${t.stage}/${t.threat}: ${t.reason ?? ''}`).join('\n')) : parseThreatLines(String(b.threats ?? ''));
        await overrideThreats(ctx, id, { threats, rationale: b.rationale }, a);
        return 'stages and threats saved (decision log)';
      },
    },
    treatment: {
      perm: 'triage',
      run: async (id, b, a) => {
        const g = await recordTreatment(ctx, id, { controls: parseList(b.controls), notes: b.notes, residualLikelihood: b.residualLikelihood, residualImpact: b.residualImpact, reason: b.reason }, a);
        return `treatment recorded: residual ${g.treatment!.residualScore}`;
      },
    },
    accept: { perm: 'decide', run: async (id, b, a) => (await acceptResidual(ctx, id, { role: b.acceptanceRole, rationale: b.acceptanceRationale }, a), 'residual risk accepted') },
    pause: { perm: 'decide', run: async (id, b, a) => (await pause(ctx, id, { until: b.until, reason: b.reason }, a), `use paused until ${b.until}: on the block lists until the decision`) },
    'impact-assessment': {
      perm: 'decide',
      run: async (id, b, a) => (await recordImpactAssessment(ctx, id, { purpose: b.purpose, affectedPeople: b.affectedPeople, potentialHarms: b.potentialHarms, mitigations: b.mitigations, decision: b.decision as ImpactAssessment['decision'], decisionRationale: b.decisionRationale }, a), `impact assessment recorded: ${b.decision}`),
    },
    approve: {
      perm: 'decide',
      run: async (id, b, a) => {
        const acceptance = b.acceptanceRole?.trim() || b.acceptanceRationale?.trim() ? { role: b.acceptanceRole, rationale: b.acceptanceRationale } : undefined;
        const res = await governedApprove(ctx, id, { expires: b.expires, owner: { business: b.ownerBusiness }, rationale: b.rationale, acceptance }, a);
        return [`${res.risk.id}: approve — ${res.from} → ${res.to}${res.item && res.item.before !== res.item.after ? `; item ${res.item.before} → ${res.item.after}` : ''} (${res.decisionId}); review due ${res.governance.review?.due}`, ...res.warnings].join('\n');
      },
    },
  };

  // ---- JSON API: the same actions with JSON bodies; answers the governance view
  app.get('/api/items/:id/governance', async (req, reply) => {
    if (!need(req, reply, 'view')) return reply;
    const v = await view((req.params as { id: string }).id);
    if (!v) return reply.code(404).send({ error: 'no risk entry for this item' });
    const { settings: _s, ...rest } = v.g;
    return rest;
  });
  for (const [action, a] of Object.entries(ACTIONS)) {
    app.post(`/api/items/:id/governance/${action}`, async (req, reply) => {
      const me = need(req, reply, a.perm);
      if (!me) return reply;
      const id = (req.params as { id: string }).id;
      try {
        const { _csrf, ...body } = (req.body ?? {}) as Body;
        void _csrf;
        const message = await a.run(id, body, me.actor);
        const v = await view(id);
        const { settings: _s, ...rest } = v!.g;
        return { message, ...rest };
      } catch (e) {
        if (e instanceof IntakeError) return reply.code(e.status).send({ error: e.message });
        if (e instanceof ShadowscanError) return reply.code(400).send({ error: e.message });
        throw e;
      }
    });
  }

  for (const [action, a] of Object.entries(ACTIONS)) {
    app.post(`/items/:id/governance/${action}`, async (req, reply) => {
      const me = need(req, reply, a.perm);
      if (!me) return reply;
      const id = (req.params as { id: string }).id;
      const b = (req.body ?? {}) as Body;
      try {
        const [first, ...rest] = (await a.run(id, b, me.actor)).split('\n');
        const msgs: V.Flash[] = [{ kind: 'ok', text: first }, ...rest.map((t) => ({ kind: 'warn' as const, text: t }))];
        if (me.sessionHash) flashes.set(me.sessionHash, msgs);
        const v = await itemView(id);
        return reply.redirect(`/items/${encodeURIComponent(v?.item.id ?? id)}${action === 'approve' ? '' : '/governance'}`, 303);
      } catch (e) {
        if (e instanceof IntakeError || e instanceof ShadowscanError) {
          const status = e instanceof IntakeError ? e.status : 400;
          const v = await view(id);
          if (v) return page(reply, governancePage(me, v.name, v.itemId, v.g, [], (e as Error).message), status);
          return deny(req, reply, status, (e as Error).message);
        }
        throw e;
      }
    });
  }
}
