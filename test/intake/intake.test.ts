import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';
import { catalogToYaml, validateCatalog } from '../../src/catalog/catalog.js';
import type { Observation, ScannerModule } from '../../src/core/types.js';
import { rawDb } from './helpers.js';
import { approve, blockPlan, decline, effectiveCatalog, falsePositive, IntakeError, nextStatus, queryRegister, renderBlocklist, reopen, requestIntake, suppress, triage, type IntakeContext } from '../../src/intake/index.js';
import { runScan } from '../../src/pipeline.js';
import type { Register } from '../../src/register/register.js';
import { main } from '../../src/cli/main.js';
import { FIXTURES, rescan, seed, testCatalog, testRules, tmpDb } from './helpers.js';

const NOW = new Date('2026-04-21T09:00:00Z');
let open: Register[] = [];
afterEach(async () => {
  for (const r of open) await r.close().catch(() => {});
  open = [];
});

async function setup(opts: Partial<IntakeContext> = {}) {
  const file = tmpDb();
  const register = await seed(file, NOW);
  open.push(register);
  const ctx: IntakeContext = { register, baseCatalog: testCatalog(), knownServices: new Set(testRules().services.map((s) => s.id)), now: () => NOW, ...opts };
  const risk = async (service: string) => (await register.getRisk(`svc-${service}`))!;
  return { file, register, ctx, risk };
}

const answers = { consequence: 'medium', affected: 'internal', significantDecisions: false } as const;

async function rejects(p: Promise<unknown>, status: number, re: RegExp) {
  const e = await p.then(() => undefined, (x) => x);
  expect(e, 'expected a rejection').toBeInstanceOf(IntakeError);
  expect((e as IntakeError).status).toBe(status);
  expect((e as Error).message).toMatch(re);
}

describe('intake state machine (real SQLite file)', () => {
  it('rejects illegal transitions with a clear error', () => {
    expect(nextStatus('triage', 'needs-intake', 'AIR-1')).toBe('triaged');
    expect(nextStatus('triage', 'intake-requested', 'AIR-1')).toBe('intake-requested');
    expect(() => nextStatus('approve', 'needs-intake', 'AIR-1')).toThrow(/cannot approve an entry in state "needs-intake" \(allowed from: triaged, intake-requested, declined, declined-but-in-use\) — triage it first/);
    expect(() => nextStatus('reopen', 'triaged', 'AIR-1')).toThrow(/cannot reopen/);
  });

  it('triage → request intake → approve: catalog decision, item sanctioned at once, audit records', async () => {
    const { register, ctx, risk } = await setup();
    const otter = await risk('otter-ai');
    expect(otter.status).toBe('needs-intake');
    await rejects(approve(ctx, otter.id, { expires: '2027-04-01', rationale: 'ok', owner: { business: 'x' } }, 'user:rita'), 409, /triage it first/);

    // an override without a reason is rejected, nothing written
    await rejects(triage(ctx, otter.id, { answers, likelihood: 2 }, 'user:gl'), 400, /likelihood .* a reason is required/);
    expect((await register.getRisk(otter.id))!.status).toBe('needs-intake');

    const t = await triage(ctx, otter.id, { answers: { consequence: 'high', affected: 'internal', significantDecisions: false }, owner: 'Head of Sales', likelihood: 3, likelihoodReason: 'two users only', treatment: 'modify', treatmentReason: 'enterprise plan with SSO', rationale: 'meeting notes of sales calls' }, 'user:gl');
    expect(t.from).toBe('needs-intake');
    expect(t.to).toBe('triaged');
    expect(t.risk.tier).toBe(2);
    expect(t.risk.likelihood).toBe(3);
    expect(t.risk.inherentScore).toBe(3 * t.risk.impact);
    expect(t.risk.owner).toBe('Head of Sales');
    expect(t.risk.impactAssessment).toBe('not-required');

    await requestIntake(ctx, otter.id, {}, 'user:gl');
    // residual risk (no treatment yet: the inherent score) above the tier 2 appetite: refused
    // without an acceptance, and with one by a role other than the one the settings name; nothing written
    expect(t.risk.inherentScore).toBeGreaterThan(9);
    const input = { scope: { users: ['frank@test.example', 'grace@test.example'] }, expires: '2027-04-01', conditions: { maxDataClassification: 'internal' as const, notes: 'SSO only' }, rationale: 'sales enablement pilot' };
    const logged = async () => (await register.auditLog({ entityId: otter.id })).length;
    const n = await logged();
    await rejects(approve(ctx, otter.id, input, 'user:rita'), 409, new RegExp(`^${otter.id}: residual risk ${t.risk.inherentScore} is above the tier 2 appetite 9: the governance-lead role must accept it before approval`));
    await rejects(approve(ctx, otter.id, { ...input, acceptance: { role: 'reviewer', rationale: 'fine' } }, 'user:rita'), 403, /only the governance-lead role may accept it \(given: reviewer\)/);
    await rejects(approve(ctx, otter.id, { ...input, acceptance: { role: 'governance-lead', rationale: ' ' } }, 'user:rita'), 400, /rationale for accepting the residual risk is required/);
    expect(await logged()).toBe(n);
    expect((await register.getRisk(otter.id))!.status).toBe('intake-requested');
    const a = await approve(ctx, otter.id, { ...input, acceptance: { role: 'governance-lead', rationale: 'residual risk accepted by the governance lead' } }, 'user:rita');
    expect(a.to).toBe('approved');
    expect(a.decisionId).toBe('DEC-0001');
    expect(a.item).toMatchObject({ id: 'svc-otter-ai', before: 'unsanctioned', after: 'sanctioned' });
    expect(a.warnings).toEqual([]);
    const item = await register.getItem('svc-otter-ai');
    expect(item!.item.status).toBe('sanctioned');
    expect(item!.item.catalogEntry).toBe('otter-ai');

    const rows = rawDb(register).prepare('SELECT * FROM catalog_decisions').all() as any[];
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ service: 'otter-ai', decision: 'approved', decided_by: 'user:rita', risk_entry_id: otter.id, active: 1 });
    const cat = (await effectiveCatalog(testCatalog(), register));
    expect(cat.approved.map((x) => x.id ?? x.service)).toEqual(['openai-api', 'otter-ai']);
    expect(cat.approved[1]).toMatchObject({ owner: { business: 'Head of Sales' }, scope: { users: ['frank@test.example', 'grace@test.example'] }, expires: '2027-04-01', approvedBy: 'user:rita', riskTier: 2 });

    // a re-scan reconciles against file catalog + decisions: stays sanctioned, no reopen
    const s = await rescan(register, new Date('2026-04-22T09:00:00Z'));
    expect(s.riskEntries.reopened).toBe(0);
    expect((await register.getItem('svc-otter-ai'))!.item.status).toBe('sanctioned');

    // every action is in the audit log with actor, before, after, rationale; the chain verifies
    const log = await register.auditLog({ entityId: otter.id });
    const actions = log.map((r) => r.action);
    // the acceptance is recorded in the approval's own transaction, just before it
    expect(actions).toEqual(['risk.created', 'risk.triage', 'risk.request-intake', 'governance.residual-accepted', 'catalog.approved', 'governance.decided', 'risk.approve']);
    const acc = log.find((r) => r.action === 'governance.residual-accepted')!;
    expect(acc.actor).toBe('user:rita');
    expect(JSON.parse(acc.after_state!).acceptance).toMatchObject({ role: 'governance-lead', by: 'user:rita', rationale: 'residual risk accepted by the governance lead', residualScore: t.risk.inherentScore, appetite: 9 });
    const tri = log.find((r) => r.action === 'risk.triage')!;
    expect(tri.actor).toBe('user:gl');
    expect(JSON.parse(tri.before_state!)).toMatchObject({ status: 'needs-intake' });
    expect(JSON.parse(tri.after_state!)).toMatchObject({ status: 'triaged', owner: 'Head of Sales', treatment: 'modify' });
    expect(tri.rationale).toBe('meeting notes of sales calls');
    expect((await register.verifyAudit()).ok).toBe(true);
  });

  it('separation of duties: the requester cannot approve', async () => {
    const { ctx, risk } = await setup({ separationOfDuties: true });
    const d = await risk('fixture-ai').catch(() => undefined);
    void d;
    const az = await risk('azure-openai');
    await triage(ctx, az.id, { answers, owner: 'Cloud team' }, 'user:gl');
    await requestIntake(ctx, az.id, { rationale: 'please decide' }, 'user:gl');
    await rejects(approve(ctx, az.id, { expires: '2027-01-01', rationale: 'mine' }, 'user:gl'), 403, /separation of duties — user:gl requested this intake and cannot approve it/);
    await rejects(decline(ctx, az.id, { treatment: 'avoid', rationale: 'mine' }, 'user:gl'), 403, /separation of duties/);
    const ok = await approve(ctx, az.id, { expires: '2027-01-01', rationale: 'approved by someone else' }, 'user:rita');
    expect(ok.to).toBe('approved');
  });

  it('decline → declined service, block lists; seen again → declined-but-in-use (not re-queued as new)', async () => {
    const { register, ctx, risk } = await setup();
    const ds = await risk('deepseek');
    await triage(ctx, ds.id, { answers: { consequence: 'high', affected: 'external', significantDecisions: false } }, 'user:gl');
    const d = await decline(ctx, ds.id, { treatment: 'avoid', rationale: 'data residency outside approved regions' }, 'user:rita');
    expect(d.to).toBe('declined');
    expect(d.item?.after).toBe('declined-but-in-use');
    const cat = (await effectiveCatalog(testCatalog(), register));
    expect(cat.declined).toEqual([expect.objectContaining({ service: 'deepseek', treatment: 'avoid', declinedBy: 'user:rita', block: true })]);

    const before = (rawDb(register).prepare('SELECT COUNT(*) AS n FROM risk_entries').get() as any).n;
    const s = await rescan(register, new Date('2026-04-23T09:00:00Z'));
    expect(s.riskEntries.created).toBe(0);
    expect((rawDb(register).prepare('SELECT COUNT(*) AS n FROM risk_entries').get() as any).n).toBe(before);
    expect((await register.getRisk(ds.id))!.status).toBe('declined-but-in-use');
    expect((await register.getItem('svc-deepseek'))!.item.status).toBe('declined-but-in-use');

    // also decline the template and the path-only services
    for (const svc of ['azure-openai', 'cloudflare-workers-ai']) {
      const r = await risk(svc);
      await triage(ctx, r.id, { answers }, 'user:gl');
      await decline(ctx, r.id, { treatment: 'avoid', rationale: 'not approved' }, 'user:rita');
    }
    const plan = blockPlan((await effectiveCatalog(testCatalog(), register)), testRules(), NOW);
    expect(plan.entries.map((e) => `${e.match}:${e.domain}`)).toEqual(['suffix:deepseek.com', 'host:gateway.ai.cloudflare.com', 'suffix:openai.azure.com']);
    expect(plan.skipped).toEqual(expect.arrayContaining([expect.objectContaining({ service: 'cloudflare-workers-ai', why: expect.stringMatching(/path-only rule/) })]));
    const squid = renderBlocklist('squid', plan);
    expect(squid.split('\n').filter((l) => l && !l.startsWith('#'))).toEqual(['.deepseek.com', 'gateway.ai.cloudflare.com', '.openai.azure.com']);
    const rpz = renderBlocklist('rpz', plan);
    expect(rpz).toMatch(/^\$TTL 300$/m);
    expect(rpz).toMatch(/^deepseek\.com CNAME \.$/m);
    expect(rpz).toMatch(/^\*\.deepseek\.com CNAME \.$/m);
    expect(rpz).toMatch(/^gateway\.ai\.cloudflare\.com CNAME \.$/m);
    expect(rpz).not.toMatch(/^\*\.gateway/m);
    const pac = renderBlocklist('pac', plan);
    // the PAC file is real JavaScript: evaluate it with the PAC helper it uses
    const fn = new Function('dnsDomainIs', `${pac}; return FindProxyForURL;`)((h: string, d: string) => h.endsWith(d)) as (u: string, h: string) => string;
    expect(fn('https://api.deepseek.com/v1', 'api.deepseek.com')).toBe('PROXY 127.0.0.1:9');
    expect(fn('https://deepseek.com/', 'DeepSeek.com')).toBe('PROXY 127.0.0.1:9');
    expect(fn('https://notdeepseek.com/', 'notdeepseek.com')).toBe('DIRECT');
    expect(fn('https://api.openai.com/', 'api.openai.com')).toBe('DIRECT');
    expect(renderBlocklist('hosts', plan).split('\n').filter((l) => l && !l.startsWith('#'))).toEqual(['deepseek.com', 'gateway.ai.cloudflare.com', 'openai.azure.com']);
  });

  it('declining out-of-scope use keeps the approved scope and does not block the service', async () => {
    const { register, ctx, risk } = await setup();
    const oa = await risk('openai-api');
    expect((await register.getItem('svc-openai-api'))!.item.status).toBe('out-of-scope');
    await triage(ctx, oa.id, { answers }, 'user:gl');
    const d = await decline(ctx, oa.id, { treatment: 'avoid', rationale: 'web-frontend must go through the payments gateway' }, 'user:rita');
    expect(d.item?.after).toBe('out-of-scope');
    expect(d.warnings.join()).toMatch(/not put on block lists/);
    expect(blockPlan((await effectiveCatalog(testCatalog(), register)), testRules(), NOW).entries).toEqual([]);
  });

  it('suppress with expiry keeps the item visible; false positive; reopen', async () => {
    const { register, ctx, risk } = await setup();
    const cf = await risk('cloudflare-workers-ai');
    await rejects(suppress(ctx, cf.id, { reason: 'pilot', until: '2026-01-01' }, 'user:gl'), 400, /in the past/);
    const s = await suppress(ctx, cf.id, { reason: 'pilot ends in May', until: '2026-05-31' }, 'user:gl');
    expect(s.to).toBe('suppressed');
    const q = await queryRegister(register, {});
    expect(q.rows.find((r) => r.id === 'svc-cloudflare-workers-ai')).toMatchObject({ riskStatus: 'suppressed', suppressedUntil: '2026-05-31', status: 'unsanctioned' });
    await rejects(approve(ctx, cf.id, { expires: '2027-01-01', rationale: 'x' }, 'user:rita'), 409, /cannot approve an entry in state "suppressed"/);
    const fp = await falsePositive(ctx, cf.id, { reason: 'gateway used for non-AI caching' }, 'user:gl');
    expect(fp.from).toBe('suppressed');
    expect(fp.to).toBe('false-positive');
    const ro = await reopen(ctx, cf.id, { rationale: 'it is AI after all' }, 'user:gl');
    expect(ro.to).toBe('needs-intake');
    expect(ro.risk.suppressedUntil).toBeUndefined();
    // an expired suppression returns to the queue on the next scan (core behaviour)
    await suppress(ctx, cf.id, { reason: 'short', until: '2026-04-25' }, 'user:gl');
    await rescan(register, new Date('2026-05-02T00:00:00Z'));
    expect((await register.getRisk(cf.id))!.status).toBe('needs-intake');
  });

  it('a false-positive mark holds on re-scans of the same evidence, and reopens when it expires or a new kind of evidence appears', async () => {
    const { register, ctx, risk } = await setup();
    const audit = () => rawDb(register).prepare("SELECT rationale FROM audit_log WHERE action = 'risk.reopened' ORDER BY seq").all() as Array<{ rationale: string }>;
    // 1. expiry: the same evidence, scanned after the mark's expiry date
    const cf = await risk('cloudflare-workers-ai');
    const fp = await falsePositive(ctx, cf.id, { reason: 'edge cache, not inference', until: '2026-05-31' }, 'user:gl');
    expect(fp.risk.falsePositive?.evidence).toEqual(['network/usage/host']);
    await rescan(register, new Date('2026-05-02T00:00:00Z'));
    expect((await register.getRisk(cf.id))!.status).toBe('false-positive');
    await rescan(register, new Date('2026-06-02T00:00:00Z'));
    expect((await register.getRisk(cf.id))!.status).toBe('needs-intake');
    expect(audit().at(-1)!.rationale).toMatch(/false-positive mark expired on 2026-05-31/);
    // 2. new kind of evidence: the service now also shows up in code
    const ds = await risk('deepseek');
    await falsePositive(ctx, ds.id, { reason: 'look-alike proxy host' }, 'user:gl');
    await rescan(register, new Date('2026-06-03T00:00:00Z'));
    expect((await register.getRisk(ds.id))!.status).toBe('false-positive'); // same kinds: the mark holds
    const code: Observation = { kind: 'host', value: 'api.deepseek.com', source: 'repo', scanner: 'fixture-repo', signal: 'presence', confidence: 'declared', subject: { kind: 'repo', id: 'payments-api', name: 'payments-api' }, locator: 'payments-api/src/llm.py:12' };
    await rescan(register, new Date('2026-06-04T00:00:00Z'), undefined, undefined, [code]);
    expect((await register.getRisk(ds.id))!.status).toBe('needs-intake');
    expect(audit().at(-1)!.rationale).toMatch(/new kind of evidence since the false-positive mark of 2026-04-21: repo\/presence\/host \(e\.g\. payments-api\/src\/llm\.py:12\)/);
  });

  it('register search: the trigram index finds what LIKE finds, stays in step with renames and new items, and short terms still work', async () => {
    const { register } = await setup();
    const db = rawDb(register);
    const ids = async (q: string, extra: object = {}) => (await queryRegister(register, { q, status: [], state: 'all', ...extra })).rows.map((r) => r.id).sort();
    const like = (q: string) =>
      (db.prepare("SELECT id FROM items WHERE name LIKE ? OR service LIKE ? OR vendor LIKE ? OR id = ? ORDER BY id").all(`%${q}%`, `%${q}%`, `%${q}%`, q) as Array<{ id: string }>).map((r) => r.id);
    for (const q of ['deep', 'DeepSeek', 'seek', 'OTTER', 'cloudflare', 'openai', 'Azure Open', 'svc-otter-ai', 'nothing-like-this'])
      expect(await ids(q), q).toEqual(like(q));
    expect((await ids('deep')).length).toBeGreaterThan(0);
    expect((await ids('ai')).length).toBeGreaterThan(0); // 2 characters: below the trigram length, LIKE fallback
    expect(await ids('ai')).toEqual(like('ai'));
    expect(await ids('"x" OR 1')).toEqual([]); // FTS query syntax is quoted away
    // a rename reaches the index (the trigger fires only on a real change)
    db.prepare("UPDATE items SET name = 'Zebra Gateway' WHERE id = 'svc-cloudflare-workers-ai'").run();
    expect(await ids('zebra')).toEqual(['svc-cloudflare-workers-ai']);
    expect(await ids('Workers AI')).toEqual(like('Workers AI'));
    // a later scan's upserts keep it consistent
    await rescan(register, new Date('2026-04-22T00:00:00Z'));
    expect(await ids('deepseek')).toEqual(like('deepseek'));
    // FTS5's own check of the index against the items table (throws when they disagree)
    expect(() => db.prepare("INSERT INTO items_fts(items_fts, rank) VALUES ('integrity-check', 1)").run()).not.toThrow();
    // a risk-column filter joined with an item-column filter
    const t = await queryRegister(register, { source: 'network', riskStatus: ['needs-intake', 'triaged'] });
    expect(t.rows.length).toBeGreaterThan(0);
    expect(t.rows.every((r) => r.sources.includes('network') && ['needs-intake', 'triaged'].includes(r.riskStatus!))).toBe(true);
  });

  it('an expired approval returns to the queue on the next scan', async () => {
    const { register, ctx, risk } = await setup();
    const az = await risk('azure-openai');
    await triage(ctx, az.id, { answers, owner: 'Cloud team' }, 'user:gl');
    await approve(ctx, az.id, { expires: '2026-06-30', rationale: 'until the platform review' }, 'user:rita');
    expect((await register.getItem('svc-azure-openai'))!.item.status).toBe('sanctioned');
    await rescan(register, new Date('2026-07-02T00:00:00Z'));
    expect((await register.getItem('svc-azure-openai'))!.item.status).toBe('approval-expired');
    expect((await register.getRisk(az.id))!.status).toBe('needs-intake');
    // a decline at re-review retires the expired approval in the effective catalog
    await triage(ctx, az.id, { answers }, 'user:gl');
    const later = { ...ctx, now: () => new Date('2026-07-03T00:00:00Z') };
    await decline(later, az.id, { treatment: 'avoid', rationale: 'moved to the sanctioned gateway' }, 'user:rita');
    const cat = (await effectiveCatalog(testCatalog(), register));
    expect(cat.approved.find((a) => a.service === 'azure-openai')).toBeUndefined(); // the register's approval was superseded
    expect((await register.getItem('svc-azure-openai'))!.item.status).toBe('declined-but-in-use');
  });

  it('triage flags an AI system impact assessment when triggers apply', async () => {
    const { ctx, risk } = await setup();
    const r = await risk('otter-ai');
    const t = await triage(ctx, r.id, { answers: { consequence: 'medium', affected: 'internal', significantDecisions: true }, triggers: { domain: 'employment' } }, 'user:gl');
    expect(t.risk.tier).toBe(1);
    expect(t.risk.impactAssessment).toBe('required');
    expect(t.warnings.join()).toMatch(/impact assessment required: decisions that materially affect people, employment use/);
    expect(t.risk.references.map((x) => x.id)).toEqual(expect.arrayContaining(['6.1.4', 'A.5.2', 'A.5.4', 'Art. 26']));
    const t2 = await triage(ctx, r.id, { answers: { consequence: 'medium', affected: 'internal', significantDecisions: true }, requestImpactAssessment: true }, 'user:gl');
    expect(t2.risk.impactAssessment).toBe('requested');
    expect(t2.warnings).toEqual([]);
  });

  it('audit verify catches a tampered row (edited directly in SQLite) and a deleted one', async () => {
    const { file, register, ctx, risk } = await setup();
    const r = await risk('deepseek');
    await triage(ctx, r.id, { answers, rationale: 'original rationale' }, 'user:gl');
    await decline(ctx, r.id, { treatment: 'avoid', rationale: 'declined' }, 'user:rita');
    expect((await register.verifyAudit()).ok).toBe(true);
    const seq = (rawDb(register).prepare("SELECT seq FROM audit_log WHERE action = 'catalog.declined'").get() as any).seq as number;
    await register.close();
    open = [];
    const raw = new Database(file);
    raw.prepare('UPDATE audit_log SET actor = ? WHERE seq = ?').run('user:someone-else', seq);
    raw.close();
    const io = { out: '', err: '' };
    const code = await main(['audit', 'verify', '--db', file], { out: (s) => (io.out += s), err: (s) => (io.err += s), isTTY: false });
    expect(code).toBe(1);
    expect(io.out).toContain(`entry ${seq}: edited — content does not match its MAC`);
    expect(io.out).toMatch(/audit log TAMPERED/);
    const raw2 = new Database(file);
    raw2.prepare('UPDATE audit_log SET actor = ? WHERE seq = ?').run('user:rita', seq); // restore
    raw2.prepare('DELETE FROM audit_log WHERE seq = ?').run(seq - 1);
    raw2.close();
    const io2 = { out: '' };
    expect(await main(['audit', 'verify', '--db', file], { out: (s) => (io2.out += s), err: () => {}, isTTY: false })).toBe(1);
    expect(io2.out).toContain(`entry ${seq - 1} missing: sequence gap before entry ${seq} (deleted)`);
  });

  it('catalog export writes valid catalog YAML with the decisions (CLI)', async () => {
    const { file, register, ctx, risk } = await setup();
    const ot = await risk('otter-ai');
    await triage(ctx, ot.id, { answers, owner: 'Head of Sales' }, 'user:gl');
    await approve(ctx, ot.id, { scope: { users: ['frank@test.example'] }, expires: '2027-04-01', rationale: 'pilot', acceptance: { role: 'governance-lead', rationale: 'pilot limited to one user' } }, 'user:rita');
    const ds = await risk('deepseek');
    await triage(ctx, ds.id, { answers }, 'user:gl');
    await decline(ctx, ds.id, { treatment: 'avoid', rationale: 'residency' }, 'user:rita');
    await register.close();
    open = [];
    let out = '';
    const code = await main(['catalog', 'export', '--db', file, '--catalog', join(FIXTURES, 'catalog.yaml'), '--rules', join(FIXTURES, 'rules')], { out: (s) => (out += s), err: () => {}, isTTY: false });
    expect(code).toBe(0);
    const cat = validateCatalog(parse(out), 'export.yaml');
    expect(cat.organisation).toBe('Test Corp');
    expect(cat.approved.map((a) => a.service)).toEqual(['openai-api', 'otter-ai']);
    expect(cat.declined.map((d) => d.service)).toEqual(['deepseek']);
    expect(catalogToYaml(cat)).toBe(out);

    let bl = '';
    expect(await main(['blocklist', '--format', 'squid', '--db', file, '--catalog', join(FIXTURES, 'catalog.yaml'), '--rules', join(FIXTURES, 'rules')], { out: (s) => (bl += s), err: () => {}, isTTY: false })).toBe(0);
    expect(bl).toMatch(/^\.deepseek\.com$/m);
  });

  it('CLI intake actions: triage, approve, illegal transition exits 2 with one line', async () => {
    const { file, register, risk } = await setup();
    const az = await risk('azure-openai');
    await register.close();
    open = [];
    const run = async (args: string[]) => {
      const io = { out: '', err: '' };
      const code = await main([...args, '--db', file, '--catalog', join(FIXTURES, 'catalog.yaml'), '--rules', join(FIXTURES, 'rules'), '--actor', actor], { out: (s) => (io.out += s), err: (s) => (io.err += s), isTTY: false });
      return { code, ...io };
    };
    let actor = 'user:cli-test';
    // --actor must be a known user with the role the action needs, or local-admin
    const unknown = await run(['intake', 'triage', az.id, '--consequence', 'high', '--affected', 'internal', '--significant-decisions', 'no']);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toBe('shadowscan: --actor user:cli-test: unknown user (expected a web account from `shadowscan user list`, or local-admin)\n');
    actor = 'local-admin';
    const bad = await run(['intake', 'approve', az.id, '--expires', '2027-01-01', '--rationale', 'x']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/^shadowscan: AIR-\d+: cannot approve an entry in state "needs-intake"/);
    const t = await run(['intake', 'triage', az.id, '--consequence', 'high', '--affected', 'internal', '--significant-decisions', 'no', '--owner', 'Cloud team']);
    expect(t.code).toBe(0);
    expect(t.out).toMatch(/needs-intake → triaged/);
    // residual risk within the tier's appetite: no acceptance needed (refusals: test/governance/residual-gate.test.ts)
    const a = await run(['intake', 'approve', az.id, '--expires', '2027-01-01', '--rationale', 'tenant-hosted', '--scope-users', 'svc-bot@test.example', '--scope-repos', 'infra']);
    expect(a.out).toMatch(/triaged → approved; item svc-azure-openai unsanctioned → sanctioned \(DEC-0001\)/);
  });

  it('runScan reconciles against the file catalog merged with the register decisions', async () => {
    const file = tmpDb();
    const scanner: ScannerModule<{ host: string }> = {
      id: 'fixture-scanner', title: 'fixture', source: 'network', tags: [], version: '1', optionsSchema: z.object({ host: z.string() }),
      async scan(ctx, sink) {
        sink.observe({ kind: 'host', value: ctx.options.host, source: 'network', scanner: 'fixture-scanner', signal: 'usage', confidence: 'inferred', subject: { kind: 'user', id: 'zoe@test.example' }, locator: 'log:1', count: 3 });
        sink.unitScanned('log');
        return sink.coverage();
      },
    };
    const runs = [{ scanner, options: { host: 'api.fixture-ai.example' } }];
    const rulesDirs = [join(FIXTURES, 'rules')];
    const rep = await runScan({ runs, rulesDirs, catalog: testCatalog(), db: file, now: NOW });
    const item = rep.items.find((i) => i.service === 'fixture-ai')!;
    expect(item.status).toBe('unsanctioned');
    const { Register } = await import('../../src/register/register.js');
    const register = await Register.open(file);
    open.push(register);
    const ctx: IntakeContext = { register, baseCatalog: testCatalog(), now: () => NOW };
    await triage(ctx, item.riskEntry!, { answers, owner: 'Zoe' }, 'user:gl');
    await decline(ctx, item.riskEntry!, { treatment: 'avoid', rationale: 'no' }, 'user:rita');
    const rep2 = await runScan({ runs, rulesDirs, catalog: testCatalog(), db: register, now: new Date('2026-04-22T00:00:00Z') });
    expect(rep2.items.find((i) => i.service === 'fixture-ai')).toMatchObject({ status: 'declined-but-in-use', riskStatus: 'declined-but-in-use' });
  });
});
