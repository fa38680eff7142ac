/**
 * The register store contract, run against both backends: a real SQLite file and a real
 * PostgreSQL server started by this test on loopback. The same tests, the same expectations.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { EMPTY_CATALOG, type Catalog } from '../../src/catalog/catalog.js';
import type { Coverage, Observation } from '../../src/core/types.js';
import { approve, decline, falsePositive, requestIntake, triage } from '../../src/intake/actions.js';
import { effectiveCatalog } from '../../src/intake/catalog.js';
import { matchAll } from '../../src/match/match.js';
import { commitScan, startRun } from '../../src/register/commit.js';
import { copyRegister } from '../../src/register/copy.js';
import { openRegister, type RegisterStore } from '../../src/register/register.js';
import { acquireSourceLock, sourceLockHolder } from '../../src/schedule/lock.js';
import { Auth } from '../../src/web/auth.js';
import { cov, obs } from '../helpers/findings.js';
import { smallIndex } from '../helpers/rules.js';
import { BACKENDS, postgresBackend, sqliteBackend } from './backends.js';

const rules = smallIndex();

async function commit(reg: RegisterStore, observations: Observation[], coverage: Coverage[], opts: { errors?: Record<string, string>; catalog?: Catalog; now?: Date; full?: boolean } = {}) {
  const now = opts.now ?? new Date('2026-11-01T10:00:00Z');
  const runId = await startRun(reg, { scanners: coverage.map((c) => c.scanner) });
  const r = await commitScan(reg, { runId, findings: matchAll(rules, observations), coverage, errors: opts.errors ?? {}, state: {}, scannerVersions: {}, catalog: opts.catalog ?? EMPTY_CATALOG, rules, now, full: opts.full });
  return r.summary;
}

const A = obs({ kind: 'package', namespace: 'npm', value: 'alpha-ai', locator: 'package.json:4' });
const A2 = obs({ kind: 'env-var', value: 'ALPHA_API_KEY', locator: '.env.example:1', confidence: 'inferred' });
const B = obs({ kind: 'host', value: 'app.beta-notes.test', source: 'network', scanner: 'egress', signal: 'usage', confidence: 'inferred', subject: { kind: 'user', id: 'alice' }, locator: 'proxy.log:10', count: 3, bytesOut: 1000, attrs: { increment: true } });

describe.each(BACKENDS)('register store on $name', (backend) => {
  beforeAll(() => backend.setup());
  afterAll(() => backend.teardown());

  async function fresh() {
    const spec = await backend.fresh();
    return { spec, reg: await backend.open(spec) };
  }

  async function snapshot(spec: string) {
    const raw = await backend.raw(spec);
    const out = {
      findings: await raw.all('SELECT id, item_id, state, status, first_detected_at, first_scan_id, count, bytes_out FROM findings ORDER BY id'),
      items: await raw.all('SELECT id, status, state, first_detected_at, finding_count FROM items ORDER BY id'),
      risks: await raw.all('SELECT id, item_id, status, tier, inherent_score, data FROM risk_entries ORDER BY id'),
      audit: await raw.all('SELECT seq, action, entity_id FROM audit_log ORDER BY seq'),
    };
    await raw.close();
    return JSON.parse(JSON.stringify(out, (_k, v) => (typeof v === 'bigint' ? Number(v) : v)));
  }

  it('re-running the same scan changes nothing but last-seen times', async () => {
    const { spec, reg } = await fresh();
    const s1 = await commit(reg, [A, A2], [cov('repo', ['package.json', '.env.example'])]);
    expect(s1.findings.new).toBe(2);
    expect(s1.items.new).toBe(1);
    expect(s1.riskEntries.created).toBe(1);
    const before = await snapshot(spec);
    const s2 = await commit(reg, [A, A2], [cov('repo', ['package.json', '.env.example'])], { now: new Date('2026-11-02T10:00:00Z') });
    expect(s2.findings.new).toBe(0);
    expect(s2.items.new).toBe(0);
    expect(s2.riskEntries.created).toBe(0);
    expect(await snapshot(spec)).toEqual(before);
    const last = await reg.listFindings();
    expect(last.every((r) => r.lastDetectedAt === '2026-11-02T10:00:00.000Z')).toBe(true);
    await reg.close();
  });

  it('keeps first detection across re-scans and with a moved line', async () => {
    const { reg } = await fresh();
    await commit(reg, [A], [cov('repo', ['package.json'])], { now: new Date('2026-10-01T00:00:00Z') });
    await commit(reg, [{ ...A, locator: 'package.json:40' }], [cov('repo', ['package.json'])], { now: new Date('2026-10-05T00:00:00Z') });
    const rows = await reg.listFindings();
    expect(rows).toHaveLength(1);
    expect(rows[0].firstDetectedAt).toBe('2026-10-01T00:00:00.000Z');
    expect(rows[0].lastDetectedAt).toBe('2026-10-05T00:00:00.000Z');
    expect(rows[0].locator).toBe('package.json:40');
    await reg.close();
  });

  it('partial coverage never resolves an item; complete coverage does', async () => {
    const { reg } = await fresh();
    await commit(reg, [A], [cov('repo', ['package.json'])]);
    let s = await commit(reg, [], [cov('repo', [], ['package.json'])]);
    expect([s.findings.gone, s.items.gone]).toEqual([0, 0]);
    s = await commit(reg, [], [cov('repo', [])], { errors: { repo: 'bad credentials' } });
    expect(s.findings.gone).toBe(0);
    s = await commit(reg, [], [cov('repo', ['other.json'])]);
    expect(s.findings.gone).toBe(0);
    expect((await reg.queryItems({})).rows).toHaveLength(1);
    s = await commit(reg, [], [cov('repo', ['package.json'])]);
    expect([s.findings.gone, s.items.gone]).toEqual([1, 1]);
    expect((await reg.queryItems({ state: 'all' })).rows[0].state).toBe('gone');
    await commit(reg, [A], [cov('repo', ['package.json'])]);
    expect((await reg.queryItems({})).rows[0].state).toBe('active');
    expect((await reg.verifyAudit()).ok).toBe(true);
    await reg.close();
  });

  it('usage from incremental log scans accumulates; a full re-read replaces; byte totals past 2^31 stay exact', async () => {
    const { reg } = await fresh();
    await commit(reg, [B], [cov('egress', ['proxy.log'])]);
    await commit(reg, [{ ...B, count: 2, bytesOut: 500 }], [cov('egress', ['proxy.log'])]);
    let f = (await reg.listFindings())[0];
    expect([f.count, f.bytesOut, f.state]).toEqual([5, 1500, 'active']);
    await commit(reg, [], [cov('egress', ['proxy.log'])]);
    expect((await reg.listFindings())[0].state).toBe('active');
    await commit(reg, [{ ...B, count: 5, bytesOut: 6_000_000_000 }], [cov('egress', ['proxy.log'])], { full: true });
    f = (await reg.listFindings())[0];
    expect([f.count, f.bytesOut]).toEqual([5, 6_000_000_000]);
    const figures = await reg.findingFigures([f.id]);
    expect(figures.get(f.id)!.bytesOut).toBe(6_000_000_000);
    await reg.close();
  });

  it('reconciles with the catalog and reopens an expired approval', async () => {
    const { reg } = await fresh();
    const catalog: Catalog = { version: 1, approved: [{ service: 'alpha-ai', owner: { business: 'Head of X' }, approvedBy: 'ciso', approvedOn: '2026-01-01', expires: '2026-12-31', lifecycle: 'active' }], declined: [] };
    let s = await commit(reg, [A], [cov('repo', ['package.json'])], { catalog, now: new Date('2026-11-01T00:00:00Z') });
    expect(s.items.byStatus).toEqual({ sanctioned: 1 });
    expect(s.riskEntries.created).toBe(0);
    s = await commit(reg, [A], [cov('repo', ['package.json'])], { catalog, now: new Date('2027-01-02T00:00:00Z') });
    expect(s.items.byStatus).toEqual({ 'approval-expired': 1 });
    expect(s.riskEntries.created).toBe(1);
    const risk = (await reg.listRisks())[0];
    expect(risk.status).toBe('needs-intake');
    expect(risk.title).toContain('Expired approval');
    expect((await reg.auditLog({ entityId: 'svc-alpha-ai' })).map((h) => h.action)).toEqual(['item.detected', 'item.status-changed']);
    await reg.close();
  });

  it('creates a complete risk entry with correct standard references', async () => {
    const { reg } = await fresh();
    await commit(reg, [B], [cov('egress', ['proxy.log'])]);
    const r = (await reg.listRisks())[0];
    expect(r).toMatchObject({ id: 'AIR-0001', status: 'needs-intake', service: 'beta-ai', category: 'meeting-assistant' });
    expect(r.inherentScore).toBe(r.likelihood * r.impact);
    const ids = r.references.map((x) => x.id);
    for (const id of ['6.1.2', '6.1.3', '8.2', 'A.4.4', 'A.10.3', 'A.9.2', 'GOVERN 1.6', 'MAP 4.1', 'MANAGE 3.1']) expect(ids).toContain(id);
    await reg.close();
  });

  it('audit verify reports an edited and a deleted record', async () => {
    const { spec, reg } = await fresh();
    await commit(reg, [A, B], [cov('repo', ['package.json']), cov('egress', ['proxy.log'])]);
    expect((await reg.verifyAudit()).ok).toBe(true);
    const raw = await backend.raw(spec);
    await raw.run("UPDATE audit_log SET rationale = 'nothing to see' WHERE seq = 2");
    let v = await reg.verifyAudit();
    expect(v.ok).toBe(false);
    expect(v.problems.some((p) => p.seq === 2 && /edited/.test(p.problem))).toBe(true);
    await raw.run("UPDATE audit_log SET rationale = NULL WHERE seq = 2");
    await raw.run('DELETE FROM audit_log WHERE seq = 3');
    v = await reg.verifyAudit();
    expect(v.problems.some((p) => p.seq === 3 && p.kind === 'missing' && /gap/.test(p.problem))).toBe(true);
    await raw.close();
    await reg.close();
  });

  it('one item query: filters, sorts, search (with % and _ taken literally), pages and counts', async () => {
    const { spec, reg } = await fresh();
    await commit(reg, [A, B], [cov('repo', ['package.json']), cov('egress', ['proxy.log'])]);
    const q = async (f: Parameters<RegisterStore['queryItems']>[0]) => (await reg.queryItems(f)).rows.map((i) => i.service);
    expect(await q({ q: 'Alpha' })).toEqual(['alpha-ai']);
    expect(await q({ q: 'alp' })).toEqual(['alpha-ai']);
    expect(await q({ q: '%' })).toEqual([]);
    expect(await q({ q: '_' })).toEqual([]);
    expect(await q({ source: 'network' })).toEqual(['beta-ai']);
    expect(await q({ sort: 'name' })).toEqual(['alpha-ai', 'beta-ai']);
    expect(await q({ sort: 'bytes' })).toEqual(['beta-ai', 'alpha-ai']);
    expect((await q({ sort: 'tier' })).sort()).toEqual(['alpha-ai', 'beta-ai']);
    const page = await reg.queryItems({ sort: 'name', limit: 1, offset: 1 });
    expect([page.total, page.capped, page.rows.map((r) => r.service)]).toEqual([2, false, ['beta-ai']]);
    const viaRisk = await reg.queryItems({ riskStatus: ['needs-intake'], limit: 10 });
    expect(viaRisk.total).toBe(2);
    expect(viaRisk.rows.every((r) => r.riskEntryId?.startsWith('AIR-') && r.tier !== undefined)).toBe(true);
    expect(await q({ status: ['sanctioned'] })).toEqual([]);
    expect((await reg.itemFacets()).categories.length).toBeGreaterThan(0);
    // planner statistics refreshed on demand (db migrate and bulk loads call it); queries unchanged
    const before = (await reg.queryItems({ sort: 'name' })).rows;
    await reg.analyze();
    const raw = await backend.raw(spec);
    const stats = backend.name === 'sqlite' ? await raw.all("SELECT COUNT(*) AS n FROM sqlite_stat1 WHERE tbl = 'items'") : await raw.all("SELECT COUNT(*) AS n FROM pg_stats WHERE tablename = 'items'");
    expect(Number(stats[0].n)).toBeGreaterThan(0);
    await raw.close();
    expect((await reg.queryItems({ sort: 'name' })).rows).toEqual(before);
    await reg.close();
  });

  it('intake decisions: triage, request, approve with separation of duties, decline; decisions and audit chain in the register', async () => {
    const { reg } = await fresh();
    await commit(reg, [A, B], [cov('repo', ['package.json']), cov('egress', ['proxy.log'])]);
    const ctx = { register: reg, now: () => new Date('2026-11-03T00:00:00Z'), separationOfDuties: true };
    await triage(ctx, 'svc-alpha-ai', { answers: { consequence: 'low', affected: 'internal', significantDecisions: false }, owner: 'Data team' }, 'user:tri');
    await requestIntake(ctx, 'svc-alpha-ai', {}, 'user:tri');
    await expect(approve(ctx, 'svc-alpha-ai', { expires: '2027-06-30', rationale: 'ok' }, 'user:tri')).rejects.toThrow(/separation of duties/);
    const r = await approve(ctx, 'svc-alpha-ai', { expires: '2027-06-30', rationale: 'approved for the data team' }, 'user:rev');
    expect(r.item?.after).toBe('sanctioned');
    expect(r.decisionId).toBe('DEC-0001');
    await triage(ctx, 'svc-beta-ai', { answers: { consequence: 'high', affected: 'external', significantDecisions: false }, owner: 'Sales' }, 'user:tri');
    const d = await decline(ctx, 'svc-beta-ai', { treatment: 'avoid', rationale: 'records meetings' }, 'user:rev');
    expect(d.item?.after).toBe('declined-but-in-use');
    const cat = await effectiveCatalog(undefined, reg);
    expect(cat.approved.map((a) => a.service)).toEqual(['alpha-ai']);
    expect(cat.declined.map((x) => x.service)).toEqual(['beta-ai']);
    expect((await reg.listDecisions({ activeOnly: true })).map((x) => x.id)).toEqual(['DEC-0001', 'DEC-0002']);
    await falsePositive(ctx, 'svc-beta-ai', { reason: 'look-alike' }, 'user:tri').catch(() => undefined);
    // the next scan judges against the catalog of record (file + decisions)
    const s = await commit(reg, [A, B], [cov('repo', ['package.json']), cov('egress', ['proxy.log'])], { now: new Date('2026-11-04T00:00:00Z') });
    expect(s.items.byStatus).toEqual({ sanctioned: 1, 'declined-but-in-use': 1 });
    expect((await reg.verifyAudit()).ok).toBe(true);
    await reg.close();
  });

  it('web users, sessions, tokens and sign-in throttling live in the register', async () => {
    const { spec, reg } = await fresh();
    const auth = new Auth(reg);
    await auth.addUser('alice', 'correct horse battery', 'reviewer');
    expect(await auth.checkPassword('alice', 'correct horse battery')).toBe('reviewer');
    expect(await auth.checkPassword('alice', 'wrong password!!')).toBeUndefined();
    const s = await auth.createSession('alice');
    // a second replica (another connection to the same register) sees the session
    const other = await backend.open(spec);
    const p = await new Auth(other).session(s.cookie);
    expect(p?.actor).toBe('user:alice');
    const t = await auth.createToken('ci', 'viewer');
    expect((await new Auth(other).bearer(t.token))?.role).toBe('viewer');
    expect(await auth.revokeToken(t.id)).toBe(true);
    expect(await new Auth(other).bearer(t.token)).toBeUndefined();
    const since = '2026-01-01T00:00:00.000Z';
    for (let i = 0; i < 3; i++) await reg.recordLoginFailure(['alice|1.2.3.4'], '2026-06-01T00:00:00.000Z', since);
    expect(await other.loginFailures('alice|1.2.3.4', since)).toBe(3);
    await other.clearLoginFailures('alice|1.2.3.4');
    expect(await reg.loginFailures('alice|1.2.3.4', since)).toBe(0);
    await auth.endSession(p!.sessionHash!);
    expect(await new Auth(other).session(s.cookie)).toBeUndefined();
    expect((await reg.auditLog({ entityType: 'user' })).map((a) => a.action)).toEqual(['user.created']);
    await other.close();
    await reg.close();
  });

  it('leases: one holder per source across connections, an expired lease is taken over, schedule ticks are claimed once', async () => {
    const { spec, reg } = await fresh();
    const other = await backend.open(spec);
    expect(await reg.acquireLease('source:repo', 'runner-1', 60_000)).toBe(true);
    expect(await other.acquireLease('source:repo', 'runner-2', 60_000)).toBe(false);
    expect(await reg.acquireLease('source:repo', 'runner-1', 60_000)).toBe(true); // re-entrant for its holder
    expect(await other.renewLease('source:repo', 'runner-2', 60_000)).toBe(false);
    await reg.releaseLease('source:repo', 'runner-1');
    expect(await other.acquireLease('source:repo', 'runner-2', 1000)).toBe(true);
    await new Promise((r) => setTimeout(r, 1100));
    expect(await reg.acquireLease('source:repo', 'runner-1', 60_000)).toBe(true); // runner-2 stopped renewing
    // the lock helper: a second taker waits, then gets it when the first releases
    const release = await acquireSourceLock(reg, 'egress', { ttlMs: 5000, holder: 'runner-a' });
    expect(release).toBeDefined();
    expect(await sourceLockHolder(other, 'egress')).toBe('runner-a');
    expect(await acquireSourceLock(other, 'egress', { waitMs: 0, holder: 'runner-b' })).toBeUndefined();
    setTimeout(() => void release!(), 300);
    const r2 = await acquireSourceLock(other, 'egress', { waitMs: 5000, holder: 'runner-b' });
    expect(r2).toBeDefined();
    await r2!();
    const claims = await Promise.all([reg.claimTick('egress', '2026-12-07T00:00:00.000Z', 'a'), other.claimTick('egress', '2026-12-07T00:00:00.000Z', 'b')]);
    expect(claims.filter(Boolean)).toHaveLength(1);
    expect(await reg.claimTick('egress', '2026-12-07T01:00:00.000Z', 'a')).toBe(true);
    await other.close();
    await reg.close();
  });

  it('change digests and notification records', async () => {
    const { reg } = await fresh();
    await reg.saveSourceRun({ runId: 'run-1', source: 'repo', scanner: 'repo', status: 'complete', at: '2026-11-01T00:00:00.000Z', snapshot: '{"findings":[],"items":{}}', changes: '{"runId":"run-1"}' });
    await reg.saveSourceRun({ runId: 'run-2', source: 'repo', scanner: 'repo', status: 'partial', at: '2026-11-02T00:00:00.000Z', snapshot: '{"findings":[],"items":{}}', changes: '{"runId":"run-2"}' });
    expect((await reg.sourceRuns('repo')).map((r) => [r.runId, r.seq])).toEqual([['run-2', 2], ['run-1', 1]]);
    expect(await reg.sourceRunChanges()).toEqual(['{"runId":"run-2"}']);
    expect(await reg.sourceRunChanges('run-1', 'repo')).toEqual(['{"runId":"run-1"}']);
    const n = { target: 't', event: 'new-item', itemId: 'svc-x', status: 'unsanctioned', runId: 'run-2', at: '2026-11-02T00:00:00.000Z' };
    await reg.recordNotifications([n, n]);
    expect(await reg.wasNotified('t', 'new-item', 'svc-x', 'unsanctioned')).toBe(true);
    expect(await reg.wasNotified('t', 'new-item', 'svc-x', 'sanctioned')).toBe(false);
    await reg.close();
  });

  it('a process killed mid-commit leaves the register consistent and the next scan completes', async () => {
    const { spec, reg } = await fresh();
    await commit(reg, [A], [cov('repo', ['package.json'])]);
    await reg.close();
    const child = spawn(process.execPath, ['bin/run-ts.mjs', 'test/register/kill-child.ts', spec, '60000'], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    await new Promise<void>((res, rej) => {
      child.stdout.on('data', (d) => {
        out += d;
        if (out.includes('committing')) setTimeout(() => { child.kill('SIGKILL'); res(); }, 400);
      });
      child.on('exit', () => (out.includes('committing') ? res() : rej(new Error('child exited early: ' + err))));
    });
    await new Promise((r) => (child.exitCode !== null ? r(undefined) : child.on('exit', r)));
    expect(out).not.toContain('committed');
    const raw = await backend.raw(spec);
    expect(Number((await raw.all('SELECT COUNT(*) AS n FROM findings'))[0].n)).toBe(1);
    expect(Number((await raw.all("SELECT COUNT(*) AS n FROM scan_runs WHERE status = 'running'"))[0].n)).toBe(1);
    // the killed runner's lease lapses (the child took one with a 1 s time-to-live)
    const lease = (await raw.all("SELECT holder, expires_at FROM leases WHERE name = 'source:repo'"))[0];
    expect(lease).toBeDefined();
    await raw.close();
    const reg2 = await backend.open(spec);
    await new Promise((r) => setTimeout(r, 1100));
    expect(await acquireSourceLock(reg2, 'repo', { waitMs: 0 })).toBeDefined();
    const s = await commit(reg2, [A, A2], [cov('repo', ['package.json', '.env.example'])]);
    expect(s.status).toBe('complete');
    expect((await reg2.listRuns()).map((r) => r.status).sort()).toEqual(['aborted', 'complete', 'complete']);
    expect((await reg2.verifyAudit()).ok).toBe(true);
    await reg2.close();
  });
});

describe('db migrate: a SQLite register copied into PostgreSQL', () => {
  const pgb = postgresBackend();
  const sq = sqliteBackend();
  beforeAll(() => pgb.setup());
  afterAll(() => pgb.teardown());

  it('copies every table with its audit chain; the copy verifies with the same head and answers the same queries', async () => {
    const from = await sq.fresh();
    const src = await openRegister(from);
    await commit(src, [A, A2, B], [cov('repo', ['package.json', '.env.example']), cov('egress', ['proxy.log'])]);
    await triage({ register: src }, 'svc-beta-ai', { answers: { consequence: 'high', affected: 'external', significantDecisions: false }, owner: 'Sales' }, 'user:tri');
    await decline({ register: src }, 'svc-beta-ai', { treatment: 'avoid', rationale: 'no' }, 'user:rev');
    await new Auth(src).addUser('alice', 'correct horse battery', 'admin');
    const to = await pgb.fresh();
    const dst = await openRegister(to);
    const r = await copyRegister(src, dst, { batch: 2 });
    expect(r.tables.every((t) => t.source === t.copied)).toBe(true);
    expect(r.tables.find((t) => t.table === 'findings')!.copied).toBe(3);
    expect(r.audit.ok).toBe(true);
    expect(r.audit.head).toBe((await src.verifyAudit()).head);
    expect((await dst.queryItems({ sort: 'name' })).rows).toEqual((await src.queryItems({ sort: 'name' })).rows);
    expect(await dst.listRisks()).toEqual(await src.listRisks());
    expect(await new Auth(dst).checkPassword('alice', 'correct horse battery')).toBe('admin');
    // a second copy into a register that is not empty is refused
    await expect(copyRegister(src, dst)).rejects.toThrow(/already holds/);
    await dst.close();
    await src.close();
  });
});
