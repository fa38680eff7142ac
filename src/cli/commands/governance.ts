/**
 * CLI: `shadowscan governance show|threats|treatment|accept|pause|unpause|impact-assessment|approve|sweep|settings`
 * — the same governance actions as the web app's governance page (docs/governance.md).
 */
import { Command, Option } from 'commander';
import { loadCatalog, type Catalog } from '../../catalog/catalog.js';
import { loadConfig } from '../../config.js';
import { UsageError } from '../../core/errors.js';
import {
  acceptResidual, endPause, governanceView, governedApprove, IA_DECISIONS, loadSettings, overrideThreats, pause, recordImpactAssessment, recordTreatment, resetThreats, sweep, updateSettings,
  type GovernanceContext, type GovernanceView,
} from '../../governance/governance.js';
import { parseThreatLines } from '../../governance/mapping.js';
import type { GovernanceRecord } from '../../governance/record.js';
import { parseList } from '../../intake/actions.js';
import { catalogFromRuns } from '../../intake/catalog.js';
import { DB_HELP, LOCAL_ADMIN, Register, resolveCliActor } from '../../index.js';
import type { Permission } from '../../intake/machine.js';
import { ruleIndex } from '../../rules/load.js';
import type { Io } from '../io.js';

const repeat = (v: string, prev: string[] = []) => [...prev, v];

function show(io: Io, v: GovernanceView, json: boolean): void {
  if (json) {
    const { settings: _s, ...rest } = v;
    io.out(JSON.stringify(rest, null, 2) + '\n');
    return;
  }
  const r = v.record;
  const lines = [
    `${v.risk.id} ${v.risk.title} — ${v.risk.status}, tier ${v.risk.tier}`,
    `lifecycle stages: ${[...new Set(r.threats.map((t) => t.stage))].join(', ') || '–'} (${r.threatsSource === 'override' ? `set by ${r.threatsOverride?.by}` : 'derived from the evidence'})`,
    ...r.threats.map((t) => `  ${t.stage}/${t.threat}: ${t.reason}`),
    `inherent risk: ${v.risk.likelihood}×${v.risk.impact} = ${v.inherentScore}`,
    `residual risk: ${r.treatment ? `${r.treatment.residualLikelihood}×${r.treatment.residualImpact} = ${r.treatment.residualScore} after ${r.treatment.controls.join(', ') || 'described controls'}: ${r.treatment.reason}` : `${v.residualScore} (no treatment recorded)`}`,
    `appetite (tier ${v.risk.tier}): ${v.appetite}${v.needsAcceptance ? ` — residual above appetite: acceptance by ${v.acceptanceRole} needed` : r.acceptance ? ` — accepted by ${r.acceptance.by} as ${r.acceptance.role}` : ''}`,
    `deadlines: triage by ${v.deadlines.triageDue.slice(0, 10)}, decision by ${v.deadlines.decisionDue.slice(0, 10)}${v.deadlines.overdue ? ` — ${v.deadlines.overdue} OVERDUE` : ''}${r.escalation ? `; escalated to ${r.escalation.role} (level ${r.escalation.level})` : ''}`,
    `pause: ${r.pause ? `${v.pauseActive ? 'ACTIVE' : 'not active'} until ${r.pause.until}: ${r.pause.reason}${r.pause.ended ? ` (ended: ${r.pause.ended.reason})` : ''}` : '–'}`,
    `impact assessment: ${r.impactAssessment ? `${r.impactAssessment.decision} by ${r.impactAssessment.by}` : v.impactAssessmentRequired ? 'REQUIRED before approval' : 'not required'}`,
    `review: ${r.review ? `due ${r.review.due}${r.review.lapsed ? ' (lapsed)' : ''}` : '–'}`,
  ];
  io.out(lines.join('\n') + '\n');
}

export function governanceCommand(program: Command, io: Io, state: { code: number }): void {
  const gov = program.command('governance').description('Lifecycle stages and threats, treatment and residual risk, pause, escalation, reviews, impact assessments.');
  const common = (c: Command) =>
    c
      .option('--db <spec>', DB_HELP)
      .option('--catalog <file>', "catalog file the decisions merge with (default: the latest scan's)")
      .option('--rules <dir>', 'extra rule folder (repeatable)', repeat)
      .option('--actor <name>', `who acts: a web account (user list) whose role allows the action, or ${LOCAL_ADMIN} (recorded as such)`, LOCAL_ADMIN)
      .option('--json', 'JSON output')
      .addOption(new Option('--now <iso>', 'the clock (tests, replays)').hideHelp());
  /** Opens the register and resolves `--actor` as intake does: a known, enabled user whose role has `permission`, or local-admin. */
  const withCtx = async <T>(o: Record<string, any>, permission: Permission, fn: (ctx: GovernanceContext) => Promise<T>): Promise<T> => {
    const register = await Register.open(o.db);
    try {
      o.actor = await resolveCliActor(register, o.actor, permission);
      const known = new Set(ruleIndex(o.rules ?? []).index.services.map((s) => s.id));
      const base: Catalog | undefined = o.catalog ? loadCatalog(o.catalog, known) : (await catalogFromRuns(register, known)).catalog;
      const now = o.now ? new Date(o.now) : undefined;
      if (now && Number.isNaN(now.getTime())) throw new UsageError(`--now: not a time: ${o.now}`);
      return await fn({ register, baseCatalog: base, knownServices: known, now: now ? () => now : undefined });
    } finally {
      await register.close();
    }
  };
  const done = async (ctx: GovernanceContext, id: string, o: Record<string, any>, what: string, _g?: GovernanceRecord) => {
    if (o.json) show(io, await governanceView(ctx.register, id, ctx.now?.() ?? new Date()), true);
    else io.out(`${what}\n`);
  };

  common(gov.command('show <id>').description('Stages, threats, inherent / residual risk, deadlines, pause, review and impact assessment of an entry.')).action(async (id: string, o) =>
    withCtx(o, 'view', async (ctx) => show(io, await governanceView(ctx.register, id, ctx.now?.() ?? new Date()), !!o.json)),
  );

  common(gov.command('threats <id>').description('Override the lifecycle stages and STRIDE threats ("stage/threat: reason", repeatable), or --reset to the evidence.'))
    .option('--set <line>', 'stage/threat: reason (repeatable)', repeat)
    .option('--reset', 'back to the stages and threats derived from the evidence')
    .requiredOption('--rationale <text>', 'why (decision log)')
    .action(async (id: string, o) =>
      withCtx(o, 'triage', async (ctx) => {
        if (o.reset) return done(ctx, id, o, `${id}: stages and threats derived from the evidence again`, await resetThreats(ctx, id, { rationale: o.rationale }, o.actor));
        if (!o.set?.length) throw new UsageError('governance threats: give --set "stage/threat: reason" (repeatable) or --reset');
        const g = await overrideThreats(ctx, id, { threats: parseThreatLines(o.set.join('\n')), rationale: o.rationale }, o.actor);
        return done(ctx, id, o, `${g.riskEntryId}: ${g.threats.length} stage/threat pairs set (decision log)`);
      }),
    );

  common(gov.command('treatment <id>').description('Record the controls applied and the residual likelihood × impact with its reason.'))
    .option('--controls <list>', 'Annex A controls applied, comma-separated (A.9.2,A.10.3)')
    .option('--notes <text>', 'controls in free text')
    .requiredOption('--residual-likelihood <n>', '1–5')
    .requiredOption('--residual-impact <n>', '1–5')
    .requiredOption('--reason <text>', 'why the residual risk is what it is')
    .action(async (id: string, o) =>
      withCtx(o, 'triage', async (ctx) => {
        const g = await recordTreatment(ctx, id, { controls: parseList(o.controls), notes: o.notes, residualLikelihood: o.residualLikelihood, residualImpact: o.residualImpact, reason: o.reason }, o.actor);
        return done(ctx, id, o, `${g.riskEntryId}: residual ${g.treatment!.residualScore} recorded`);
      }),
    );

  common(gov.command('accept <id>').description('Accept the residual risk (above the appetite only as the role the settings name).'))
    .requiredOption('--role <role>', 'the accepting role')
    .requiredOption('--rationale <text>', 'why')
    .action(async (id: string, o) => withCtx(o, 'decide', async (ctx) => done(ctx, id, o, `${id}: residual risk accepted`, await acceptResidual(ctx, id, { role: o.role, rationale: o.rationale }, o.actor))));

  common(gov.command('pause <id>').description('Pause use while the decision is pending: a temporary block-list entry until the date; the decision ends it.'))
    .requiredOption('--until <date>', 'YYYY-MM-DD')
    .requiredOption('--reason <text>', 'why')
    .action(async (id: string, o) => withCtx(o, 'decide', async (ctx) => done(ctx, id, o, `${id}: paused until ${o.until}`, await pause(ctx, id, { until: o.until, reason: o.reason }, o.actor))));

  common(gov.command('unpause <id>').description('End a pause before its expiry.'))
    .requiredOption('--reason <text>', 'why')
    .action(async (id: string, o) => withCtx(o, 'decide', async (ctx) => done(ctx, id, o, `${id}: pause ended`, await endPause(ctx, id, { reason: o.reason }, o.actor))));

  common(gov.command('impact-assessment <id>').description('Record the AI impact assessment (ISO/IEC 42005; ISO/IEC 42001 6.1.4).'))
    .requiredOption('--purpose <text>', 'purpose and intended use')
    .requiredOption('--affected <text>', 'individuals and groups affected')
    .requiredOption('--harms <text>', 'potential harms')
    .requiredOption('--mitigations <text>', 'measures against the harms')
    .addOption(new Option('--decision <d>', 'conclusion').choices([...IA_DECISIONS]).makeOptionMandatory())
    .requiredOption('--rationale <text>', 'why that conclusion')
    .action(async (id: string, o) =>
      withCtx(o, 'decide', async (ctx) =>
        done(ctx, id, o, `${id}: impact assessment recorded (${o.decision})`, await recordImpactAssessment(ctx, id, { purpose: o.purpose, affectedPeople: o.affected, potentialHarms: o.harms, mitigations: o.mitigations, decision: o.decision, decisionRationale: o.rationale }, o.actor)),
      ),
    );

  common(gov.command('approve <id>').description('Approve with the governance checks (impact assessment for Tier 1, residual acceptance above the appetite); review date by tier.'))
    .requiredOption('--rationale <text>', 'why')
    .option('--expires <date>', 'review / expiry date (capped at the tier review date)')
    .option('--owner <name>', 'business owner (default: the risk owner)')
    .option('--accept-role <role>', 'accept the residual risk in the same step, as this role')
    .option('--accept-rationale <text>', 'why the residual risk is accepted')
    .action(async (id: string, o) =>
      withCtx(o, 'decide', async (ctx) => {
        const acceptance = o.acceptRole || o.acceptRationale ? { role: o.acceptRole ?? '', rationale: o.acceptRationale ?? '' } : undefined;
        const r = await governedApprove(ctx, id, { expires: o.expires, owner: o.owner ? { business: o.owner } : undefined, rationale: o.rationale, acceptance }, o.actor);
        if (o.json) io.out(JSON.stringify(r, null, 2) + '\n');
        else io.out(`${r.risk.id}: approve — ${r.from} → ${r.to} (${r.decisionId}); review due ${r.governance.review?.due}\n`);
        for (const w of r.warnings) io.err(`warning: ${w}\n`);
      }),
    );

  common(gov.command('sweep').description('Run the governance clock: escalate overdue entries, list due reviews, expire lapsed ones; notify the webhook targets once.'))
    .option('--config <file>', 'shadowscan.yaml whose notifications.targets receive the events')
    .action(async (o) =>
      withCtx(o, 'decide', async (ctx) => {
        const targets = o.config ? loadConfig(o.config).notifications.targets : [];
        const r = await sweep(ctx, { targets, actor: o.actor });
        if (o.json) io.out(JSON.stringify(r, null, 2) + '\n');
        else {
          for (const e of r.escalated) io.out(`escalated ${e.riskEntryId} to ${e.role} (level ${e.level}): ${e.overdue} overdue since ${e.deadline.slice(0, 10)}\n`);
          for (const d of r.reviewsDue) io.out(`review due ${d.riskEntryId} on ${d.due}\n`);
          for (const l of r.lapsed) io.out(`review lapsed ${l.riskEntryId} (due ${l.due}): item ${l.itemStatus ?? 'unchanged'}\n`);
          io.out(`${r.escalated.length} escalated, ${r.reviewsDue.length} reviews due, ${r.lapsed.length} lapsed, ${r.notifications.filter((n) => n.ok).length} notifications sent\n`);
        }
        const failed = r.notifications.filter((n) => !n.ok);
        for (const f of failed) io.err(`notification to ${f.target} failed: ${f.error}\n`);
        if (failed.length) state.code = 1;
      }),
    );

  common(gov.command('settings').description('Show or change the governance settings (deadlines, appetite, acceptance role, review cycle per tier; escalation path).'))
    .option('--set <key=value>', 'e.g. tiers.1.appetite=8, escalation=triager,ciso,board (repeatable)', repeat)
    .option('--rationale <text>', 'why (required with --set; decision log)')
    .action(async (o) =>
      withCtx(o, o.set?.length ? 'admin' : 'view', async (ctx) => {
        const s = o.set?.length ? await updateSettings(ctx, o.set, o.actor, o.rationale ?? '') : await loadSettings(ctx.register);
        io.out(JSON.stringify(s, null, 2) + '\n');
      }),
    );
}
