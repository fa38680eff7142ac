/**
 * Many runners, one register: 8 runner processes scan 40 overlapping sources (the same users and
 * AI hosts across sources) for two schedule ticks into one PostgreSQL register, while a web
 * replica serves the API and intake decisions are made through it. Afterwards: every source was
 * scanned exactly once per tick, nothing is duplicated (the concurrent result equals a sequential
 * scan of the same data into SQLite), no decision is lost, and the audit chain verifies.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import type { FastifyInstance } from 'fastify';
import { runScan } from '../../src/pipeline.js';
import { openRegister, type RegisterStore } from '../../src/register/register.js';
import { ruleIndex } from '../../src/rules/load.js';
import { Auth } from '../../src/web/auth.js';
import { createServer } from '../../src/web/server.js';
import { scannerById } from '../../scanners/index.js';
import { startPostgres, type PgServer } from '../helpers/postgres.js';
import { tmpDir } from '../helpers/tmp.js';

const RUNNERS = 8;
const SOURCES = Array.from({ length: 40 }, (_, i) => `proxy-${String(i).padStart(2, '0')}`);
const TICKS = ['2026-12-07T01:00:00.000Z', '2026-12-07T02:00:00.000Z'];
const HOSTS = ['api.openai.com', 'claude.ai', 'api.anthropic.com', 'chat.deepseek.com', 'api.mistral.ai', 'gemini.google.com', 'www.perplexity.ai', 'api.cohere.com', 'example.com', 'intranet.corp.test'];

function rng(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

/** 40 Squid access logs drawn from the same 30 users and 10 hosts (8 AI, 2 not): every AI item is seen by many sources. */
function writeLogs(dir: string): void {
  const r = rng(11);
  for (const [k, s] of SOURCES.entries()) {
    let t = 1796000000 + k * 3600;
    const lines: string[] = [];
    for (let i = 0; i < 60; i++) {
      const u = Math.floor(r() * 30);
      const host = HOSTS[Math.floor(r() * HOSTS.length)];
      t += 1 + Math.floor(r() * 20);
      lines.push(`${t}.${String(i).padStart(3, '0')}    ${100 + i} 10.0.${k}.${u + 1} TCP_TUNNEL/200 ${1000 + Math.floor(r() * 90000)} CONNECT ${host}:443 user${u} HIER_DIRECT/203.0.113.9 -`);
    }
    writeFileSync(join(dir, `${s}.log`), lines.join('\n') + '\n');
  }
}

function shuffled<T>(xs: T[], seed: number): T[] {
  const r = rng(seed);
  const a = [...xs];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

function runner(url: string, dir: string, seed: number): Promise<{ code: number | null; lines: string[]; err: string }> {
  const p = spawn(process.execPath, ['bin/run-ts.mjs', 'test/register/runner-child.ts', url, TICKS.join(','), dir, ...shuffled(SOURCES, seed)], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  p.stdout.on('data', (d) => (out += d));
  p.stderr.on('data', (d) => (err += d));
  return new Promise((res) => p.on('close', (code) => res({ code, lines: out.split('\n').filter(Boolean), err })));
}

describe('8 runners, 40 overlapping sources, one PostgreSQL register, a web replica and intake decisions', () => {
  let server: PgServer;
  beforeAll(async () => {
    server = await startPostgres();
  });
  afterAll(() => server?.stop());

  it('scans every source once per tick, duplicates nothing, loses no decision, keeps the chain intact', async () => {
    const dir = tmpDir();
    writeLogs(dir);
    const url = await server.createDatabase();
    const web: RegisterStore = await openRegister(url);
    const { index: rules } = ruleIndex([]);
    const app: FastifyInstance = await createServer({ register: web, rules });
    const base = await app.listen({ port: 0, host: '127.0.0.1' });
    const token = (await new Auth(web).createToken('reviewer-bot', 'admin')).token;
    const h = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };

    const runs = Array.from({ length: RUNNERS }, (_, i) => runner(url, dir, 100 + i));
    let finished = false;
    const all = Promise.all(runs).finally(() => (finished = true));

    // intake decisions through the web replica while the runners commit
    const decided = new Map<string, { decisionId: string; action: string }>();
    const triaged = new Set<string>();
    while (!finished) {
      const reg = (await (await fetch(`${base}/api/register?limit=100`, { headers: h })).json()) as { items: Array<{ id: string; riskEntryId?: string; riskStatus?: string }> };
      for (const it of reg.items) {
        if (!it.riskEntryId || decided.has(it.id) || decided.size >= 6) continue;
        if (!triaged.has(it.id)) {
          const t = await fetch(`${base}/api/items/${it.id}/triage`, { method: 'POST', headers: h, body: JSON.stringify({ answers: { consequence: 'medium', affected: 'internal', significantDecisions: false }, owner: 'IT' }) });
          if (t.status === 200) triaged.add(it.id);
          continue;
        }
        const action = decided.size % 2 ? 'decline' : 'approve';
        // residual risk above the tier's appetite: accepted with the approval (the role the settings name for tier 2)
        const body = action === 'approve' ? { expires: '2027-12-31', rationale: 'approved during the scans', acceptance: { role: 'governance-lead', rationale: 'accepted during the scans' } } : { treatment: 'avoid', rationale: 'declined during the scans' };
        const res = await fetch(`${base}/api/items/${it.id}/${action}`, { method: 'POST', headers: h, body: JSON.stringify(body) });
        expect(res.status, await res.clone().text()).toBe(200);
        decided.set(it.id, { decisionId: ((await res.json()) as { decisionId: string }).decisionId, action });
      }
      await new Promise((r) => setTimeout(r, 150));
    }
    const results = await all;
    for (const r of results) expect(r.code, r.err.slice(-2000)).toBe(0);
    expect(decided.size).toBeGreaterThanOrEqual(2);

    // every source scanned exactly once per tick, by some runner
    const scanned = results.flatMap((r) => r.lines.filter((l) => l.startsWith('scanned ')).map((l) => l.split(' ').slice(1, 3).join(' ')));
    expect(scanned.length).toBe(SOURCES.length * TICKS.length);
    expect(new Set(scanned).size).toBe(SOURCES.length * TICKS.length);
    expect(results.filter((r) => r.lines.length > 0).length).toBeGreaterThan(1); // the work was shared

    const c = new pg.Client({ connectionString: url });
    await c.connect();
    const one = async (sql: string) => Number((await c.query(sql)).rows[0].n);
    expect(await one("SELECT COUNT(*) AS n FROM scan_runs WHERE status = 'complete'")).toBe(SOURCES.length * TICKS.length);
    expect(await one('SELECT COUNT(*) AS n FROM scan_runs')).toBe(SOURCES.length * TICKS.length);
    expect(await one('SELECT COUNT(*) AS n FROM schedule_ticks')).toBe(SOURCES.length * TICKS.length);
    expect(await one("SELECT COUNT(*) AS n FROM leases WHERE name LIKE 'source:%'")).toBe(0); // every lease released
    // one risk entry per item, numbered without gaps or repeats
    const risks = (await c.query('SELECT id, item_id FROM risk_entries ORDER BY id')).rows as Array<{ id: string; item_id: string }>;
    expect(new Set(risks.map((r) => r.item_id)).size).toBe(risks.length);
    expect(risks.map((r) => r.id)).toEqual(risks.map((_, i) => `AIR-${String(i + 1).padStart(4, '0')}`));
    // no lost decision: each one the API answered is active in the register and in the audit chain
    const decisions = (await c.query('SELECT id, decision, active FROM catalog_decisions')).rows as Array<{ id: string; decision: string; active: number }>;
    for (const d of decided.values()) expect(decisions.find((x) => x.id === d.decisionId)).toMatchObject({ decision: d.action === 'approve' ? 'approved' : 'declined', active: 1 });
    const audited = (await c.query("SELECT after_state FROM audit_log WHERE action IN ('catalog.approved', 'catalog.declined')")).rows.map((r) => JSON.parse(r.after_state).decision);
    expect(audited.sort()).toEqual([...decided.values()].map((d) => d.decisionId).sort());
    // each approval above the appetite carries its acceptance, written in the approval's transaction
    const accepted = (await c.query("SELECT entity_id, after_state FROM audit_log WHERE action = 'governance.residual-accepted'")).rows.map((r) => [r.entity_id, JSON.parse(r.after_state).acceptance.role]);
    // (the triage answers make every decided entry tier 2: appetite 9)
    const approvedRisks = (await c.query("SELECT d.risk_entry_id AS id, r.inherent_score AS score, r.tier FROM catalog_decisions d JOIN risk_entries r ON r.id = d.risk_entry_id WHERE d.decision = 'approved'")).rows;
    expect(approvedRisks.every((r) => Number(r.tier) === 2)).toBe(true);
    expect(accepted.map((a) => a[0]).sort()).toEqual(approvedRisks.filter((r) => Number(r.score) > 9).map((r) => r.id).sort());
    expect(accepted.every((a) => a[1] === 'governance-lead')).toBe(true);
    // items decided during the scans keep their decision's status
    for (const [itemId, d] of decided) {
      const st = (await c.query('SELECT status FROM items WHERE id = $1', [itemId])).rows[0].status;
      expect(st, itemId).toBe(d.action === 'approve' ? 'sanctioned' : 'declined-but-in-use');
    }
    const pgFindings = (await c.query('SELECT id, count, bytes_out FROM findings ORDER BY id')).rows.map((r) => [r.id, Number(r.count), Number(r.bytes_out)]);
    const pgItems = (await c.query('SELECT id FROM items ORDER BY id')).rows.map((r) => r.id);
    await c.end();
    expect((await web.verifyAudit()).ok).toBe(true);
    await app.close();
    await web.close();

    // the same data scanned by one process, one source after another, into SQLite
    const seq = await openRegister(join(tmpDir(), 'sequential.db'));
    const egress = scannerById('egress')!;
    for (const tick of TICKS) for (const s of SOURCES) await runScan({ runs: [{ scanner: egress, options: { paths: [join(dir, `${s}.log`)] } }], source: s, db: seq, now: new Date(tick) });
    const sqFindings = (await seq.listFindings({ state: 'all' })).map((f) => [f.id, f.count ?? 1, f.bytesOut ?? 0]).sort((a, b) => String(a[0]).localeCompare(String(b[0])));
    expect(pgFindings.length).toBeGreaterThan(50);
    expect(pgFindings).toEqual(sqFindings);
    expect(pgItems).toEqual((await seq.queryItems({ state: 'all', sort: 'name' })).rows.map((i) => i.id).sort());
    await seq.close();
  }, 600_000);
});
