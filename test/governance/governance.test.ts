/**
 * Governance on a real register (SQLite file and PostgreSQL server): stages / threats derived and
 * overridden, treatment with residual risk and acceptance, the clock (deadlines, escalation,
 * notification once to a real loopback webhook), pause on every block-list format, the impact
 * assessment gate and review lapse — each change a decision-log entry that verifies.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GOVERNANCE_EVENTS, webhookTargetSchema, type WebhookTarget } from '../../src/config.js';
import { blocklistCatalog } from '../../src/governance/blocklist.js';
import {
  acceptResidual, governanceView, governedApprove, overdueEntries, overrideThreats, pause, recordImpactAssessment, recordTreatment, resetThreats, reviewsDue, sweep, updateSettings,
} from '../../src/governance/governance.js';
import { approve, triage, type IntakeContext } from '../../src/intake/actions.js';
import { BLOCKLIST_FORMATS, blockPlan, renderBlocklist } from '../../src/intake/blocklist.js';
import { effectiveCatalog } from '../../src/intake/catalog.js';
import type { Register } from '../../src/register/register.js';
import { seed, testCatalog, testRules } from '../intake/helpers.js';
import { webhookServer, type Hook } from '../notify/helpers.js';
import { BACKENDS } from '../register/backends.js';

const CREATED = '2026-04-21T09:00:00Z'; // a Tuesday: the seed scan creates the risk entries

describe.each(BACKENDS)('governance on $name', (backend) => {
  let register: Register;
  let hook: Hook;
  let clock = new Date('2026-04-21T10:00:00Z');
  let ctx: IntakeContext;
  const rules = testRules();
  const target = (): WebhookTarget => ({ name: 'gov-hook', type: 'webhook', format: 'json', url: hook.url, headers: {}, on: [...GOVERNANCE_EVENTS], retries: 0, timeoutMs: 5000 });
  const lists = async () => {
    const plan = blockPlan(await blocklistCatalog(register, await effectiveCatalog(testCatalog(), register), clock), rules, clock);
    return Object.fromEntries(BLOCKLIST_FORMATS.map((f) => [f, renderBlocklist(f, plan)]));
  };
  const log = async (action: string, entityId?: string) => (await register.auditLog({ order: 'asc' })).filter((r) => r.action === action && (!entityId || r.entity_id === entityId));

  beforeAll(async () => {
    await backend.setup();
    register = await seed(await backend.fresh(), new Date(CREATED));
    hook = await webhookServer();
    ctx = { register, baseCatalog: testCatalog(), knownServices: new Set(rules.services.map((s) => s.id)), now: () => clock };
  });
  afterAll(async () => {
    await hook?.close();
    await register?.close();
    await backend.teardown();
  });

  it('derives stages and threats from the evidence; a triage override is in the decision log with its payload', async () => {
    const v = await governanceView(register, 'svc-deepseek', clock);
    const pairs = v.record.threats.map((t) => `${t.stage}/${t.threat}`);
    // network usage of a chat service, an env var in a repo, no decision on record
    expect(pairs).toContain('operation-and-monitoring/information-disclosure');
    expect(pairs).toContain('design-and-development/information-disclosure');
    expect(pairs).toContain('operation-and-monitoring/repudiation');
    expect(v.record.threatsSource).toBe('derived');

    await expect(overrideThreats(ctx, 'svc-deepseek', { threats: [{ stage: 'deployment', threat: 'tampering', reason: 'x' }], rationale: ' ' }, 'gl')).rejects.toThrow(/rationale/);
    const threats = [{ stage: 'operation-and-monitoring' as const, threat: 'denial-of-service' as const, reason: 'shared API quota with the support bot' }, ...v.record.threats];
    await overrideThreats(ctx, 'svc-deepseek', { threats, rationale: 'support bot shares the quota' }, 'gl');
    const rec = await log('governance.threats-overridden', v.risk.id);
    expect(rec).toHaveLength(1);
    expect(rec[0].actor).toBe('gl');
    expect(rec[0].rationale).toBe('support bot shares the quota');
    const after = JSON.parse(rec[0].after_state!);
    expect(after.threatsSource).toBe('override');
    expect(after.threats.map((t: { threat: string }) => t.threat)).toContain('denial-of-service');
    expect(JSON.parse(rec[0].before_state!).threatsSource).toBe('derived');
    // the register filter by stage / threat finds it; other entries do not have the override
    const byThreat = await register.governance().list({ threat: 'denial-of-service' });
    expect(byThreat.map((g) => g.riskEntryId)).toEqual([v.risk.id]);
    expect((await register.governance().list({ stage: 'operation-and-monitoring' })).map((g) => g.riskEntryId)).toContain(v.risk.id);
    expect(await register.governance().list({ stage: 'retirement' })).toEqual([]);
    // reset: back to the evidence
    await resetThreats(ctx, 'svc-deepseek', { rationale: 'quota split' }, 'gl');
    expect((await governanceView(register, 'svc-deepseek', clock)).record.threats.map((t) => t.threat)).not.toContain('denial-of-service');
    expect((await register.verifyAudit()).ok).toBe(true);
  });

  it('records a treatment with residual risk, and only the named role accepts residual risk above the appetite', async () => {
    const v = await governanceView(register, 'svc-deepseek', clock);
    await expect(recordTreatment(ctx, 'svc-deepseek', { controls: ['A.7.1'], residualLikelihood: 1, residualImpact: 1, reason: 'x' }, 'gl')).rejects.toThrow(/not ISO\/IEC 42001 Annex A controls: A\.7\.1/);
    await expect(recordTreatment(ctx, 'svc-deepseek', { controls: ['A.9.2'], residualLikelihood: 5, residualImpact: 5, reason: 'x' }, 'gl')).rejects.toThrow(/above the inherent risk/);
    const L = Math.max(1, v.risk.likelihood - 1);
    await recordTreatment(ctx, 'svc-deepseek', { controls: ['A.9.2', 'A.10.3'], notes: 'enterprise contract, no training on our data', residualLikelihood: L, residualImpact: v.risk.impact, reason: 'contractual controls lower likelihood' }, 'gl');
    const g = await governanceView(register, 'svc-deepseek', clock);
    expect(g.residualScore).toBe(L * v.risk.impact);
    expect(g.inherentScore).toBe(v.risk.inherentScore);
    const tr = await log('governance.treatment-recorded', v.risk.id);
    expect(JSON.parse(tr[0].after_state!).treatment).toMatchObject({ controls: ['A.9.2', 'A.10.3'], residualLikelihood: L, residualScore: L * v.risk.impact });
    // lower the appetite so the residual risk is above it; the settings change is logged
    await updateSettings(ctx, [`tiers.${v.risk.tier}.appetite=1`], 'admin', 'tighter criteria for the pilot');
    expect((await log('governance.settings-changed'))).toHaveLength(1);
    const g2 = await governanceView(register, 'svc-deepseek', clock);
    expect(g2.needsAcceptance).toBe(true);
    await expect(acceptResidual(ctx, 'svc-deepseek', { role: 'triager', rationale: 'fine' }, 'gl')).rejects.toThrow(new RegExp(`only the ${g2.acceptanceRole} role may accept`));
    await acceptResidual(ctx, 'svc-deepseek', { role: g2.acceptanceRole, rationale: 'pilot for 3 months' }, 'rita');
    expect((await governanceView(register, 'svc-deepseek', clock)).needsAcceptance).toBe(false);
    expect(JSON.parse((await log('governance.residual-accepted', v.risk.id))[0].after_state!).acceptance).toMatchObject({ role: g2.acceptanceRole, by: 'rita', residualScore: g2.residualScore });
  });

  it('escalates overdue entries along the path with an injected clock, notifying each level once', async () => {
    const risk = (await register.getRisk('svc-otter-ai'))!;
    expect(risk.status).toBe('needs-intake');
    const days = (await governanceView(register, risk.id, clock)).settings.tiers[String(risk.tier) as '1'].triageBusinessDays;
    // before the deadline: nothing
    let r = await sweep(ctx, { targets: [target()] });
    expect(r.escalated.find((e) => e.riskEntryId === risk.id)).toBeUndefined();
    expect(hook.requests.filter((q) => q.body.includes(risk.id))).toHaveLength(0);
    // just past the triage deadline (business days from a Tuesday)
    const due = new Date((await governanceView(register, risk.id, clock)).deadlines.triageDue);
    expect((due.getTime() - Date.parse(CREATED)) / 86_400_000).toBeGreaterThanOrEqual(days);
    clock = new Date(due.getTime() + 60_000);
    r = await sweep(ctx, { targets: [target()] });
    expect(r.escalated.find((e) => e.riskEntryId === risk.id)).toMatchObject({ level: 1, role: 'governance-lead', overdue: 'triage' });
    const mine = () => hook.requests.filter((q) => JSON.parse(q.body).riskEntry?.id === risk.id);
    expect(mine()).toHaveLength(1);
    expect(JSON.parse(mine()[0].body)).toMatchObject({ event: 'governance-escalated', level: 1, role: 'governance-lead' });
    // the same clock again, and an hour later: no second escalation, no second notification
    await sweep(ctx, { targets: [target()] });
    clock = new Date(clock.getTime() + 3_600_000);
    r = await sweep(ctx, { targets: [target()] });
    expect(r.escalated.find((e) => e.riskEntryId === risk.id)).toBeUndefined();
    expect(mine()).toHaveLength(1);
    // overdue shows first in the register's overdue list
    const od = await overdueEntries(register, clock);
    expect(od.map((o) => o.risk.id)).toContain(risk.id);
    expect(od[0].escalation?.level).toBeGreaterThanOrEqual(1);
    // another missed period: the committee
    clock = new Date(due.getTime() + (days + 3) * 86_400_000);
    r = await sweep(ctx, { targets: [target()] });
    expect(r.escalated.find((e) => e.riskEntryId === risk.id)).toMatchObject({ level: 2, role: 'ai-governance-committee' });
    expect(mine()).toHaveLength(2);
    const esc = await log('governance.escalated', risk.id);
    expect(esc.map((e) => JSON.parse(e.after_state!).escalation.level)).toEqual([1, 2]);
    expect(esc[0].rationale).toMatch(/triage overdue since .* escalated to governance-lead/);
    clock = new Date('2026-04-21T10:00:00Z');
  });

  it('a failed delivery is retried by the next sweep, and then not sent again', async () => {
    const flaky = await webhookServer([500]);
    try {
      const t = { ...target(), name: 'flaky', url: flaky.url };
      const r1 = await sweep(ctx, { targets: [t] });
      const failed = r1.notifications.filter((n) => !n.ok);
      expect(failed.map((n) => n.event)).toEqual(['governance-escalated']);
      expect(failed[0].error).toBe('HTTP 500');
      const r2 = await sweep(ctx, { targets: [t] });
      expect(r2.notifications.map((n) => [n.event, n.ok])).toEqual([['governance-escalated', true]]);
      expect(JSON.parse(flaky.requests[1].body)).toMatchObject({ event: 'governance-escalated', level: 2 });
      expect((await sweep(ctx, { targets: [t] })).notifications).toEqual([]);
      expect(flaky.requests).toHaveLength(2);
    } finally {
      await flaky.close();
    }
  });

  it("a target hears only the governance events its `on` lists, in its own format (json, slack, teams)", async () => {
    const hooks = await Promise.all([webhookServer(), webhookServer(), webhookServer(), webhookServer()]);
    try {
      const [json, slack, teams, scanOnly] = hooks;
      const targets = [
        webhookTargetSchema.parse({ name: 'esc-json', url: json.url, on: ['governance-escalated'], retries: 0 }),
        webhookTargetSchema.parse({ name: 'esc-slack', url: slack.url, format: 'slack', retries: 0 }), // the default `on`
        webhookTargetSchema.parse({ name: 'esc-teams', url: teams.url, format: 'teams', on: ['governance-escalated', 'governance-review-due'], retries: 0 }),
        webhookTargetSchema.parse({ name: 'scan-only', url: scanOnly.url, on: ['new-unsanctioned', 'declined-in-use'], retries: 0 }),
      ];
      expect(targets[1].on).toEqual(expect.arrayContaining([...GOVERNANCE_EVENTS]));
      const r = await sweep(ctx, { targets });
      const escalated = (await overdueEntries(register, clock)).map((o) => o.risk.id).sort();
      expect(escalated.length).toBeGreaterThan(0);
      // the target that asked for scan events only hears nothing from the governance clock
      expect(scanOnly.requests).toHaveLength(0);
      expect(r.notifications.filter((n) => n.target === 'scan-only')).toEqual([]);
      // json: the generic document, one per escalated entry
      const docs = json.requests.map((q) => JSON.parse(q.body));
      expect(docs.map((d) => d.riskEntry.id).sort()).toEqual(escalated);
      expect(docs.every((d) => d.event === 'governance-escalated' && typeof d.level === 'number' && d.source === 'shadowscan')).toBe(true);
      // slack: an incoming-webhook message (text + blocks), naming the entry
      const msgs = slack.requests.map((q) => JSON.parse(q.body));
      expect(msgs).toHaveLength(escalated.length);
      for (const m of msgs) {
        expect(typeof m.text).toBe('string');
        expect(m.blocks[0]).toMatchObject({ type: 'header', text: { type: 'plain_text' } });
        expect(escalated.some((id) => m.blocks[0].text.text.includes(id))).toBe(true);
        expect(m.event).toBeUndefined();
      }
      // teams: a message carrying an Adaptive Card
      const cards = teams.requests.map((q) => JSON.parse(q.body));
      expect(cards).toHaveLength(escalated.length);
      for (const c of cards) {
        expect(c.type).toBe('message');
        expect(c.attachments[0].contentType).toBe('application/vnd.microsoft.card.adaptive');
        expect(c.attachments[0].content).toMatchObject({ type: 'AdaptiveCard', version: '1.4' });
      }
      // each delivered once: the next sweep posts nothing new to any of them
      await sweep(ctx, { targets });
      expect(hooks.map((h) => h.requests.length)).toEqual([escalated.length, escalated.length, escalated.length, 0]);
    } finally {
      await Promise.all(hooks.map((h) => h.close()));
    }
  });

  it('pause adds the service to every block-list format; the decision removes it; the approval gates hold', async () => {
    const before = await lists();
    for (const f of BLOCKLIST_FORMATS) expect(before[f]).not.toContain('deepseek.com');
    await expect(pause(ctx, 'svc-deepseek', { until: '2026-04-01', reason: 'x' }, 'rita')).rejects.toThrow(/in the past/);
    await pause(ctx, 'svc-deepseek', { until: '2026-05-15', reason: 'customer data seen in uploads' }, 'rita');
    const paused = await lists();
    for (const f of BLOCKLIST_FORMATS) expect(paused[f], f).toContain('deepseek.com');
    expect(JSON.parse((await log('governance.paused'))[0].after_state!).pause).toMatchObject({ until: '2026-05-15', by: 'rita' });
    // the pause expires by itself
    const later = clock;
    clock = new Date('2026-05-16T00:00:01Z');
    for (const [f, text] of Object.entries(await lists())) expect(text, f).not.toContain('deepseek.com');
    clock = later;

    // the decision: triage (tier 1), then approve — refused without an impact assessment
    await triage(ctx, 'svc-deepseek', { answers: { consequence: 'high', affected: 'external', significantDecisions: true }, owner: 'CISO office' }, 'gl');
    const v = await governanceView(register, 'svc-deepseek', clock);
    expect(v.risk.tier).toBe(1);
    await expect(governedApprove(ctx, 'svc-deepseek', { expires: '2027-12-31', rationale: 'pilot' }, 'rita')).rejects.toThrow(/impact assessment is required before approval \(Tier 1\)/);
    // the same gate holds on the plain intake path (CLI `intake approve`, the web intake form, the API)
    await expect(approve(ctx, 'svc-deepseek', { expires: '2026-09-30', owner: { business: 'CISO office' }, rationale: 'pilot' }, 'rita')).rejects.toThrow(/impact assessment is required before approval \(Tier 1\)/);
    expect((await register.getRisk('svc-deepseek'))!.status).toBe('triaged');
    await expect(recordImpactAssessment(ctx, 'svc-deepseek', { purpose: 'support replies', affectedPeople: '', potentialHarms: 'x', mitigations: 'x', decision: 'proceed', decisionRationale: 'x' }, 'rita')).rejects.toThrow(/affected people is required/);
    await recordImpactAssessment(ctx, 'svc-deepseek', { purpose: 'drafting support replies', affectedPeople: 'customers writing to support', potentialHarms: 'wrong answers; personal data to a third country', mitigations: 'human review of every reply; no attachments', decision: 'proceed-with-conditions', decisionRationale: 'human in the loop' }, 'rita');
    expect((await register.getRisk('svc-deepseek'))!.impactAssessment).toBe('completed');
    // residual above appetite: the earlier acceptance is still on record for the same score → approve
    const res = await governedApprove(ctx, 'svc-deepseek', { expires: '2099-01-01', owner: { business: 'CISO office' }, rationale: 'pilot with conditions' }, 'rita');
    expect(res.to).toBe('approved');
    expect(res.warnings.join(' ')).toMatch(/capped at the tier 1 review date 2026-10-21/);
    expect(res.governance.review?.due).toBe('2026-10-21');
    expect(res.governance.pause?.ended?.reason).toMatch(/approved/);
    const decided = await lists();
    for (const f of BLOCKLIST_FORMATS) expect(decided[f], f).not.toContain('deepseek.com');
    expect((await register.verifyAudit()).ok).toBe(true);
  });

  it('a lapsed review makes the item approval-expired with the reason, notified once', async () => {
    clock = new Date('2026-10-05T09:00:00Z');
    let r = await sweep(ctx, { targets: [target()] });
    expect(r.reviewsDue.map((x) => x.riskEntryId)).toContain((await register.getRisk('svc-deepseek'))!.id);
    expect((await reviewsDue(register, clock)).map((x) => [x.risk.itemId, x.due, x.overdue])).toEqual([['svc-deepseek', '2026-10-21', false]]);
    expect(await reviewsDue(register, new Date('2026-08-01T00:00:00Z'))).toEqual([]);
    clock = new Date('2026-10-22T09:00:00Z');
    r = await sweep(ctx, { targets: [target()] });
    const id = (await register.getRisk('svc-deepseek'))!.id;
    expect(r.lapsed).toEqual([{ riskEntryId: id, due: '2026-10-21', itemStatus: 'approval-expired' }]);
    const item = (await register.itemsByIds(['svc-deepseek'])).get('svc-deepseek')!;
    expect(item.status).toBe('approval-expired');
    expect(item.statusReason).toMatch(/expired on 2026-10-21/);
    expect((await log('governance.review-lapsed', id))[0].rationale).toMatch(/review due 2026-10-21 \(tier 1\) lapsed/);
    r = await sweep(ctx, { targets: [target()] });
    expect(r.lapsed).toEqual([]);
    const lapsedNotes = hook.requests.filter((q) => JSON.parse(q.body).event === 'governance-review-lapsed');
    expect(lapsedNotes).toHaveLength(1);
    expect(hook.requests.filter((q) => JSON.parse(q.body).event === 'governance-review-due')).toHaveLength(1);
    expect((await register.verifyAudit()).ok).toBe(true);
  });
});
