import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Register } from '../../src/register/register.js';
import { Reconciler } from '../../src/reconcile/reconcile.js';
import { EMPTY_CATALOG, type Catalog } from '../../src/catalog/catalog.js';
import { matchAll } from '../../src/match/match.js';
import type { Coverage, Observation } from '../../src/core/types.js';
import { smallIndex } from '../helpers/rules.js';
import { obs, cov } from '../helpers/findings.js';
import { tmpDir } from '../helpers/tmp.js';

const rules = smallIndex();

async function commit(reg: Register, observations: Observation[], coverage: Coverage[], opts: { errors?: Record<string, string>; catalog?: Catalog; now?: Date; full?: boolean } = {}) {
  const runId = await reg.startRun({ scanners: coverage.map((c) => c.scanner) });
  const now = opts.now ?? new Date('2026-11-01T10:00:00Z');
  return reg.commitScan({ runId, findings: matchAll(rules, observations), coverage, errors: opts.errors ?? {}, state: {}, scannerVersions: {}, reconciler: new Reconciler(opts.catalog ?? EMPTY_CATALOG, now), rules, now, full: opts.full });
}

const A = obs({ kind: 'package', namespace: 'npm', value: 'alpha-ai', locator: 'package.json:4' });
const A2 = obs({ kind: 'env-var', value: 'ALPHA_API_KEY', locator: '.env.example:1', confidence: 'inferred' });
const B = obs({ kind: 'host', value: 'app.beta-notes.test', source: 'network', scanner: 'egress', signal: 'usage', confidence: 'inferred', subject: { kind: 'user', id: 'alice' }, locator: 'proxy.log:10', count: 3, bytesOut: 1000, attrs: { increment: true } });

function snapshot(file: string) {
  const db = new Database(file, { readonly: true });
  const q = (sql: string) => db.prepare(sql).all();
  const out = {
    findings: q('SELECT id, item_id, state, status, first_detected_at, first_scan_id, count, bytes_out FROM findings ORDER BY id'),
    items: q('SELECT id, status, state, first_detected_at, finding_count FROM items ORDER BY id'),
    risks: q('SELECT id, item_id, status, tier, inherent_score, data FROM risk_entries ORDER BY id'),
    audit: q('SELECT seq, action, entity_id FROM audit_log ORDER BY seq'),
  };
  db.close();
  return out;
}

describe('register on a real SQLite file', () => {
  it('re-running the same scan changes nothing but last-seen times', async () => {
    const file = join(tmpDir(), 'r.db');
    const reg = await Register.open(file);
    const s1 = await commit(reg, [A, A2], [cov('repo', ['package.json', '.env.example'])]);
    expect(s1.findings.new).toBe(2);
    expect(s1.items.new).toBe(1);
    expect(s1.riskEntries.created).toBe(1);
    const before = snapshot(file);
    const s2 = await commit(reg, [A, A2], [cov('repo', ['package.json', '.env.example'])], { now: new Date('2026-11-02T10:00:00Z') });
    expect(s2.findings.new).toBe(0);
    expect(s2.items.new).toBe(0);
    expect(s2.riskEntries.created).toBe(0);
    expect(snapshot(file)).toEqual(before);
    const last = reg.db.prepare('SELECT last_detected_at, last_scan_id FROM findings').all() as Array<{ last_detected_at: string; last_scan_id: string }>;
    expect(last.every((r) => r.last_detected_at === '2026-11-02T10:00:00.000Z')).toBe(true);
    await reg.close();
  });

  it('keeps first detection across re-scans and with a moved line', async () => {
    const file = join(tmpDir(), 'r.db');
    const reg = await Register.open(file);
    await commit(reg, [A], [cov('repo', ['package.json'])], { now: new Date('2026-10-01T00:00:00Z') });
    const moved = { ...A, locator: 'package.json:40' };
    await commit(reg, [moved], [cov('repo', ['package.json'])], { now: new Date('2026-10-05T00:00:00Z') });
    const rows = reg.db.prepare('SELECT first_detected_at, last_detected_at, locator FROM findings').all() as any[];
    expect(rows).toHaveLength(1);
    expect(rows[0].first_detected_at).toBe('2026-10-01T00:00:00.000Z');
    expect(rows[0].last_detected_at).toBe('2026-10-05T00:00:00.000Z');
    expect(rows[0].locator).toBe('package.json:40');
    await reg.close();
  });

  it('partial coverage never resolves an item; complete coverage does', async () => {
    const file = join(tmpDir(), 'r.db');
    const reg = await Register.open(file);
    await commit(reg, [A], [cov('repo', ['package.json'])]);
    // the unit holding the finding failed this time
    let s = await commit(reg, [], [cov('repo', [], ['package.json'])]);
    expect(s.findings.gone).toBe(0);
    expect(s.items.gone).toBe(0);
    // the scanner failed altogether
    s = await commit(reg, [], [cov('repo', [])], { errors: { repo: 'bad credentials' } });
    expect(s.findings.gone).toBe(0);
    // a scan of other units only
    s = await commit(reg, [], [cov('repo', ['other.json'])]);
    expect(s.findings.gone).toBe(0);
    expect((await reg.listItems()).items).toHaveLength(1);
    // now the unit was fully covered and the finding is not there
    s = await commit(reg, [], [cov('repo', ['package.json'])]);
    expect(s.findings.gone).toBe(1);
    expect(s.items.gone).toBe(1);
    const { items } = await reg.listItems({ state: 'all' });
    expect(items[0].state).toBe('gone');
    // it comes back
    s = await commit(reg, [A], [cov('repo', ['package.json'])]);
    expect((await reg.listItems()).items[0].state).toBe('active');
    expect((await reg.verifyAudit()).ok).toBe(true);
    await reg.close();
  });

  it('usage from incremental log scans accumulates; a full re-read replaces', async () => {
    const file = join(tmpDir(), 'r.db');
    const reg = await Register.open(file);
    await commit(reg, [B], [cov('egress', ['proxy.log'])]);
    await commit(reg, [{ ...B, count: 2, bytesOut: 500 }], [cov('egress', ['proxy.log'])]);
    let row = reg.db.prepare('SELECT count, bytes_out, state FROM findings').get() as any;
    expect(row).toEqual({ count: 5, bytes_out: 1500, state: 'active' });
    // usage is history: not marked gone when a later scan does not see it
    await commit(reg, [], [cov('egress', ['proxy.log'])]);
    row = reg.db.prepare('SELECT state FROM findings').get() as any;
    expect(row.state).toBe('active');
    await commit(reg, [{ ...B, count: 5, bytesOut: 1500 }], [cov('egress', ['proxy.log'])], { full: true });
    row = reg.db.prepare('SELECT count, bytes_out FROM findings').get() as any;
    expect(row).toEqual({ count: 5, bytes_out: 1500 });
    await reg.close();
  });

  it('reconciles with the catalog and reopens an expired approval', async () => {
    const file = join(tmpDir(), 'r.db');
    const reg = await Register.open(file);
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
    const hist = await reg.auditLog({ entityId: 'svc-alpha-ai' });
    expect(hist.map((h) => h.action)).toEqual(['item.detected', 'item.status-changed']);
    await reg.close();
  });

  it('creates a complete risk entry with correct standard references', async () => {
    const file = join(tmpDir(), 'r.db');
    const reg = await Register.open(file);
    await commit(reg, [B], [cov('egress', ['proxy.log'])]);
    const r = (await reg.listRisks())[0];
    expect(r).toMatchObject({ id: 'AIR-0001', status: 'needs-intake', service: 'beta-ai', category: 'meeting-assistant' });
    expect(r.likelihood).toBeGreaterThanOrEqual(4);
    expect(r.likelihoodReason).toMatch(/observed in use/);
    expect(r.impactReason).toMatch(/meetings/);
    expect(r.inherentScore).toBe(r.likelihood * r.impact);
    expect([1, 2, 3]).toContain(r.tier);
    const ids = r.references.map((x) => x.id);
    for (const id of ['6.1.2', '6.1.3', '8.2', 'A.4.4', 'A.10.3', 'A.9.2', 'GOVERN 1.6', 'GOVERN 6.1', 'MAP 4.1', 'MANAGE 3.1']) expect(ids).toContain(id);
    expect(r.references.find((x) => x.id === 'A.10.3')!.title).toBe('Suppliers');
    expect(r.references.find((x) => x.id === 'A.4.4')!.title).toBe('Tooling resources');
    await reg.close();
  });

  it('audit verify reports an edited, a deleted and an inserted record', async () => {
    const file = join(tmpDir(), 'r.db');
    const reg = await Register.open(file);
    await commit(reg, [A, B], [cov('repo', ['package.json']), cov('egress', ['proxy.log'])]);
    expect((await reg.verifyAudit()).ok).toBe(true);
    const n = (await reg.verifyAudit()).records;
    expect(n).toBeGreaterThanOrEqual(4);
    reg.db.prepare("UPDATE audit_log SET rationale = 'nothing to see' WHERE seq = 2").run();
    let v = await reg.verifyAudit();
    expect(v.ok).toBe(false);
    expect(v.problems.some((p) => p.seq === 2 && /edited/.test(p.problem))).toBe(true);
    await reg.close();

    const file2 = join(tmpDir(), 'r.db');
    const reg2 = await Register.open(file2);
    await commit(reg2, [A, B], [cov('repo', ['package.json']), cov('egress', ['proxy.log'])]);
    reg2.db.prepare('DELETE FROM audit_log WHERE seq = 2').run();
    v = await reg2.verifyAudit();
    expect(v.ok).toBe(false);
    expect(v.problems.some((p) => p.seq === 3)).toBe(true);
    await reg2.close();
  });

  it('a process killed mid-commit leaves the database consistent and the next scan completes', async () => {
    const dir = tmpDir();
    const file = join(dir, 'r.db');
    const reg = await Register.open(file);
    await commit(reg, [A], [cov('repo', ['package.json'])]);
    await reg.close();
    const child = spawn(process.execPath, ['bin/run-ts.mjs', 'test/register/kill-child.ts', file, '60000'], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    await new Promise<void>((res, rej) => {
      child.stdout.on('data', (d) => {
        out += d;
        if (out.includes('committing')) setTimeout(() => { child.kill('SIGKILL'); res(); }, 150);
      });
      child.on('exit', () => (out.includes('committing') ? res() : rej(new Error('child exited early: ' + err))));
    });
    await new Promise((r) => child.on('exit', r));
    expect(out).not.toContain('committed');
    const db = new Database(file);
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    expect((db.prepare('SELECT COUNT(*) n FROM findings').get() as any).n).toBe(1);
    expect((db.prepare("SELECT COUNT(*) n FROM scan_runs WHERE status = 'running'").get() as any).n).toBe(1);
    db.close();
    const reg2 = await Register.open(file);
    const s = await commit(reg2, [A, A2], [cov('repo', ['package.json', '.env.example'])]);
    expect(s.status).toBe('complete');
    const runs = await reg2.listRuns();
    expect(runs.map((r) => r.status).sort()).toEqual(['aborted', 'complete', 'complete']);
    expect((await reg2.verifyAudit()).ok).toBe(true);
    await reg2.close();
  });
});

describe('register queries', () => {
  it('takes % and _ in a search literally', async () => {
    const file = join(tmpDir(), 'r.db');
    const reg = await Register.open(file);
    await commit(reg, [A, B], [cov('repo', ['package.json']), cov('egress', ['proxy.log'])]);
    expect((await reg.listItems({ q: 'Alpha' })).items.map((i) => i.service)).toEqual(['alpha-ai']);
    expect((await reg.listItems({ q: '%' })).items).toEqual([]);
    expect((await reg.listItems({ q: '_' })).items).toEqual([]);
    expect((await reg.listItems({ source: 'network' })).items.map((i) => i.service)).toEqual(['beta-ai']);
    await reg.close();
  });
});
