/**
 * CLI: `shadowscan intake triage|request|approve|decline|suppress|false-positive|reopen ID …`,
 * `shadowscan catalog export`, `shadowscan blocklist --format …`.
 */
import { Command, Option } from 'commander';
import { writeFileSync } from 'node:fs';
import { catalogToYaml, loadCatalog, type Catalog } from '../../catalog/catalog.js';
import { UsageError } from '../../core/errors.js';
import { dateFlag, positiveIntFlag } from '../../core/validate.js';
import { DB_HELP, dbSpec, Register } from '../../index.js';
import { ruleIndex } from '../../rules/load.js';
import type { Io } from '../io.js';
import { approve, decline, falsePositive, parseList, reopen, requestIntake, SENSITIVE_DOMAINS, suppress, TREATMENTS, triage, type ActionResult, type IntakeContext, type IntakeRisk, type TriageInput } from '../../intake/actions.js';
import { BLOCKLIST_FORMATS, blockPlan, renderBlocklist, type BlocklistFormat } from '../../intake/blocklist.js';
import { blocklistCatalog } from '../../governance/blocklist.js';
import { catalogFromRuns, effectiveCatalog } from '../../intake/catalog.js';
import { TRANSITIONS, type IntakeAction } from '../../intake/machine.js';
import { LOCAL_ADMIN, parsePolicyValue, policyRows, POLICY_NAMES, resolveCliActor, setPolicy } from '../../intake/policy.js';

const collectRepeat = (v: string, prev: string[] = []) => [...prev, v];

async function baseCatalog(register: Register, file: string | undefined, known: Set<string>): Promise<Catalog | undefined> {
  if (file) return loadCatalog(file, known);
  return (await catalogFromRuns(register, known)).catalog;
}

function report(io: Io, r: ActionResult, format: string): void {
  if (format === 'json') {
    io.out(JSON.stringify(r, null, 2) + '\n');
    return;
  }
  io.out(`${r.risk.id}: ${r.action} — ${r.from} → ${r.to}${r.item ? `; item ${r.item.id} ${r.item.before} → ${r.item.after}` : ''}${r.decisionId ? ` (${r.decisionId})` : ''}\n`);
  for (const w of r.warnings) io.err(`warning: ${w}\n`);
}

export function intakeCommand(program: Command, io: Io): void {
  const intake = program.command('intake').description('Triage and decide risk entries (the same actions as the web app).');
  const common = (c: Command) =>
    c
      .option('--db <spec>', DB_HELP)
      .option('--catalog <file>', 'catalog file the decisions merge with (default: the catalog of record, `catalog import`)')
      .option('--rules <dir>', 'extra rule folder (repeatable)', collectRepeat)
      .option('--actor <name>', `who acts: a web account (user list) whose role allows the action, or ${LOCAL_ADMIN} (recorded as such)`, LOCAL_ADMIN)
      .option('--separation-of-duties', 'record the separation-of-duties policy (on for every process on this register) before acting')
      .addOption(new Option('--format <format>', 'output').choices(['text', 'json']).default('text'));
  const withCtx = async <T>(o: Record<string, any>, fn: (ctx: IntakeContext) => Promise<T>, action: IntakeAction): Promise<T> => {
    const register = await Register.open(o.db);
    try {
      // the CLI acts as a named local user whose role allows the action, or as local-admin
      o.actor = await resolveCliActor(register, o.actor, TRANSITIONS[action].permission);
      if (o.separationOfDuties) await setPolicy(register, 'separation-of-duties', true, o.actor, 'set by intake --separation-of-duties');
      const known = new Set(ruleIndex(o.rules ?? []).index.services.map((s) => s.id));
      return await fn({ register, baseCatalog: await baseCatalog(register, o.catalog, known), knownServices: known });
    } finally {
      await register.close();
    }
  };

  common(intake.command('triage <id>').description('Tier via the three triage questions; owner, likelihood / impact, treatment, impact assessment.'))
    .addOption(new Option('--consequence <level>', 'Q1: consequence if it fails or leaks').choices(['low', 'medium', 'high']))
    .addOption(new Option('--affected <who>', 'Q2: who is affected').choices(['internal', 'external', 'public']))
    .addOption(new Option('--significant-decisions <yn>', 'Q3: makes or informs significant decisions about people').choices(['yes', 'no']))
    .option('--owner <name>', 'risk owner')
    .option('--likelihood <n>', 'likelihood 1–5 (with --likelihood-reason when changed)', positiveIntFlag('--likelihood', 5))
    .option('--likelihood-reason <text>')
    .option('--impact <n>', 'impact 1–5 (with --impact-reason when changed)', positiveIntFlag('--impact', 5))
    .option('--impact-reason <text>')
    .addOption(new Option('--treatment <t>', 'treatment (with --treatment-reason when changed)').choices(TREATMENTS))
    .option('--treatment-reason <text>')
    .option('--request-impact-assessment', 'request an AI system impact assessment')
    .option('--material-decisions', 'trigger: decisions that materially affect people')
    .addOption(new Option('--domain <d>', 'trigger: sensitive domain of use').choices([...SENSITIVE_DOMAINS]))
    .option('--rights-concerns', 'trigger: fundamental-rights concerns')
    .option('--review-date <date>', 'YYYY-MM-DD', dateFlag('--review-date'))
    .option('--rationale <text>')
    .action(async (id: string, o) =>
      withCtx(o, async (ctx) => {
        const cur = (await ctx.register.getRisk(id)) as IntakeRisk | undefined;
        const input: TriageInput = {
          answers: {
            consequence: o.consequence ?? cur?.triage.consequence,
            affected: o.affected ?? cur?.triage.affected,
            significantDecisions: o.significantDecisions ? o.significantDecisions === 'yes' : !!cur?.triage.significantDecisions,
          },
          owner: o.owner,
          likelihood: o.likelihood,
          likelihoodReason: o.likelihoodReason,
          impact: o.impact,
          impactReason: o.impactReason,
          treatment: o.treatment,
          treatmentReason: o.treatmentReason,
          requestImpactAssessment: !!o.requestImpactAssessment,
          triggers: { materialDecisions: !!o.materialDecisions, domain: o.domain ?? '', rightsConcerns: !!o.rightsConcerns },
          reviewDate: o.reviewDate,
          rationale: o.rationale,
        };
        report(io, await triage(ctx, id, input, o.actor), o.format);
      }, 'triage'),
    );

  common(intake.command('request <id>').description('Request an intake decision (approve / decline).'))
    .option('--rationale <text>')
    .action(async (id: string, o) => withCtx(o, async (ctx) => report(io, await requestIntake(ctx, id, { rationale: o.rationale }, o.actor), o.format), 'request-intake'));

  common(intake.command('approve <id>').description('Approve with scope, conditions and a review / expiry date; the catalog gains the entry.'))
    .option('--expires <date>', "review / expiry date YYYY-MM-DD (default and latest: the tier's review date)", dateFlag('--expires'))
    .requiredOption('--rationale <text>', 'why')
    .option('--scope-repos <list>', 'comma-separated globs')
    .option('--scope-users <list>')
    .option('--scope-accounts <list>')
    .option('--scope-hosts <list>')
    .option('--scope-departments <list>')
    .option('--scope-resources <list>')
    .option('--owner <name>', 'business owner (default: the risk owner)')
    .option('--technical-owner <name>')
    .addOption(new Option('--max-data-classification <c>').choices(['public', 'internal', 'confidential', 'restricted']))
    .option('--conditions <text>', 'conditions of use')
    .addOption(new Option('--human-oversight <h>').choices(['human-in-the-loop', 'human-on-the-loop', 'human-in-command', 'none']))
    .option('--accept-role <role>', 'residual risk above the tier\'s appetite: accept it with this approval, as this role (the one the governance settings name)')
    .option('--accept-rationale <text>', 'why the residual risk is accepted')
    .action(async (id: string, o) =>
      withCtx(o, async (ctx) => {
        const scope: Record<string, string[]> = {};
        for (const k of ['repos', 'users', 'accounts', 'hosts', 'departments', 'resources']) {
          const l = parseList(o[`scope${k[0].toUpperCase()}${k.slice(1)}`]);
          if (l.length) scope[k] = l;
        }
        const res = await approve(ctx, id, { scope, expires: o.expires, rationale: o.rationale, owner: o.owner ? { business: o.owner, technical: o.technicalOwner } : undefined, conditions: { maxDataClassification: o.maxDataClassification, notes: o.conditions }, humanOversight: o.humanOversight, ...(o.acceptRole || o.acceptRationale ? { acceptance: { role: o.acceptRole ?? '', rationale: o.acceptRationale ?? '' } } : {}) }, o.actor);
        report(io, res, o.format);
      }, 'approve'),
    );

  common(intake.command('decline <id>').description('Decline with a treatment and rationale; the service goes on the block lists.'))
    .addOption(new Option('--treatment <t>').choices(TREATMENTS).default('avoid'))
    .requiredOption('--rationale <text>', 'why')
    .option('--no-block', 'do not put the service on block lists')
    .action(async (id: string, o) => withCtx(o, async (ctx) => report(io, await decline(ctx, id, { treatment: o.treatment, rationale: o.rationale, block: o.block }, o.actor), o.format), 'decline'));

  common(intake.command('suppress <id>').description('Suppress with a reason and an expiry (the item stays visible as suppressed).'))
    .requiredOption('--reason <text>')
    .requiredOption('--until <date>', 'YYYY-MM-DD', dateFlag('--until'))
    .action(async (id: string, o) => withCtx(o, async (ctx) => report(io, await suppress(ctx, id, { reason: o.reason, until: o.until }, o.actor), o.format), 'suppress'));

  common(intake.command('false-positive <id>').description('Mark as a false positive with a reason (and optionally an expiry).'))
    .requiredOption('--reason <text>')
    .option('--until <date>', 'YYYY-MM-DD', dateFlag('--until'))
    .action(async (id: string, o) => withCtx(o, async (ctx) => report(io, await falsePositive(ctx, id, { reason: o.reason, until: o.until }, o.actor), o.format), 'false-positive'));

  common(intake.command('reopen <id>').description('Reopen a suppressed / false-positive entry.'))
    .requiredOption('--rationale <text>')
    .action(async (id: string, o) => withCtx(o, async (ctx) => report(io, await reopen(ctx, id, { rationale: o.rationale }, o.actor), o.format), 'reopen'));

  // ---- catalog export (adds to the core's `catalog` group)
  const cat = program.commands.find((c) => c.name() === 'catalog') ?? program.command('catalog').description('The sanctioned AI catalog.');
  cat
    .command('export')
    .description('Write the catalog file merged with the register\'s intake decisions, as catalog YAML (review it in git).')
    .option('--db <spec>', DB_HELP)
    .option('--catalog <file>', 'base catalog file (default: the catalog of record, `catalog import`)')
    .option('--rules <dir>', 'extra rule folder (repeatable)', collectRepeat)
    .option('--output <file>', 'write to FILE instead of stdout')
    .action(async (o) => {
      const register = await Register.open(o.db, { readonly: true });
      try {
        const known = new Set(ruleIndex(o.rules ?? []).index.services.map((s) => s.id));
        const text = catalogToYaml(await effectiveCatalog(await baseCatalog(register, o.catalog, known), register));
        if (o.output && o.output !== '-') writeFileSync(o.output, text);
        else io.out(text);
      } finally {
        await register.close();
      }
    });

  // ---- block lists
  program
    .command('blocklist')
    .description('Block lists from declined services\' domain rules (Squid dstdomain, DNS RPZ, PAC, plain hosts).')
    .addOption(new Option('--format <format>', 'appliance format').choices([...BLOCKLIST_FORMATS]).default('hosts'))
    .option('--db <spec>', DB_HELP)
    .option('--catalog <file>', 'base catalog file (default: the catalog of record, `catalog import`)')
    .option('--rules <dir>', 'extra rule folder (repeatable)', collectRepeat)
    .option('--pac-proxy <value>', 'PAC result for blocked hosts', 'PROXY 127.0.0.1:9')
    .option('--pac-default <value>', 'PAC result for everything else', 'DIRECT')
    .option('--output <file>', 'write to FILE instead of stdout')
    .action(async (o) => {
      const register = await Register.open(o.db, { readonly: true });
      try {
        const { index } = ruleIndex(o.rules ?? []);
        const known = new Set(index.services.map((s) => s.id));
        const plan = blockPlan(await blocklistCatalog(register, await effectiveCatalog(await baseCatalog(register, o.catalog, known), register), new Date()), index);
        const text = renderBlocklist(o.format as BlocklistFormat, plan, { pacProxy: o.pacProxy, pacDefault: o.pacDefault });
        if (o.output && o.output !== '-') writeFileSync(o.output, text);
        else io.out(text);
      } finally {
        await register.close();
      }
    });
  void UsageError;

  // ---- policies of record (settings entries of the decision log)
  const policy = program.command('policy').description('Policies kept in the register (every process on it enforces them): separation of duties, required rationale, approvers per tier.');
  policy
    .command('show')
    .description('The current policy: each setting, who set it and when.')
    .option('--db <spec>', DB_HELP)
    .action(async (o) => {
      const register = await Register.open(o.db, { readonly: true });
      try {
        const rows = await policyRows(register);
        const byName = new Map(rows.map((r) => [r.name, r]));
        for (const n of POLICY_NAMES) {
          const r = byName.get(n);
          io.out(`${n}: ${r ? (Array.isArray(r.value) ? r.value.join(',') : r.value ? 'on' : 'off') : n.startsWith('approve-') ? '(any role that may decide)' : 'off'}${r ? `  (set by ${r.setBy} at ${r.setAt})` : '  (default)'}\n`);
        }
      } finally {
        await register.close();
      }
    });
  policy
    .command('set <name> <value>')
    .description(`Record a policy value: ${POLICY_NAMES.join(', ')}; on/off, or a comma-separated role list for approve-tier-N.`)
    .option('--db <spec>', DB_HELP)
    .option('--actor <name>', `who sets it: a web account with the admin role, or ${LOCAL_ADMIN}`, LOCAL_ADMIN)
    .option('--rationale <text>')
    .action(async (name: string, value: string, o) => {
      parsePolicyValue(name, value);
      const register = await Register.open(o.db);
      try {
        const actor = await resolveCliActor(register, o.actor, 'admin');
        const r = await setPolicy(register, name, value, actor, o.rationale);
        io.out(`${name}: ${r.changed ? 'set to' : 'already'} ${Array.isArray(r.value) ? r.value.join(',') : r.value ? 'on' : 'off'}\n`);
      } finally {
        await register.close();
      }
    });
}
