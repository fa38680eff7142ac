/**
 * Decision-log benchmark: `shadowscan audit verify` on a SQLite register holding N risk entries
 * (default 100,000), each created as a scan commit creates it (the row and its `risk.created`
 * entry in one transaction, 5,000 per transaction), plus D intake decisions (default 1,000 triage
 * actions through the intake API). Verify replays every projection from the log (risk entries,
 * users, tokens, governance, catalog decisions, settings, catalog versions) and compares it with
 * the stored tables.
 *
 * Same run, yardsticks:
 *  - verify: a bare better-sqlite3 child that reads the same audit rows and risk rows, computes one
 *    HMAC-SHA-256 per entry and parses each risk entry's JSON — the floor of reading and MACing;
 *  - write path: the same 100k rows and entries into a second fresh register under an action no
 *    projection reads, so the difference is the cost of checking each row against its entry
 *    before COMMIT.
 *
 * With --postgres the SQLite register is copied into PostgreSQL (`db migrate`, Debian's server
 * started by the benchmark on loopback) and verify is measured there too, in the same run, against
 * a bare node-postgres client reading the same rows.
 *
 *   node bin/run-ts.mjs bench/ledger.ts [--risks 100000] [--decisions 1000] [--postgres] [--out bench/results/ledger.md]
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { triage } from '../src/intake/actions.js';
import { openRegister } from '../src/register/register.js';
import type { RiskEntry } from '../src/register/store.js';
import { startPostgres } from '../test/helpers/postgres.js';
import { arg, machine, timed } from './lib.js';

const here = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(here, '..');
const DATA = join(here, '.data', 'ledger');
const N = arg('risks', 100_000);
const D = Math.min(arg('decisions', 1000), N);
const BATCH = 5000;
const OUT = process.argv.includes('--out') ? process.argv[process.argv.indexOf('--out') + 1] : join(here, 'results', 'ledger.md');

rmSync(DATA, { recursive: true, force: true });
mkdirSync(DATA, { recursive: true });
process.env.SHADOWSCAN_AUDIT_KEY_FILE = join(DATA, 'audit.key');

const AT = '2026-06-01T08:00:00.000Z';
function risk(i: number): RiskEntry {
  const id = `AIR-${String(i + 1).padStart(6, '0')}`;
  const tier = 1 + (i % 3);
  const likelihood = 1 + (i % 5);
  const impact = 1 + ((i * 7) % 5);
  return {
    id, itemId: `art-${i.toString(16).padStart(8, '0')}`, title: `Unsanctioned AI system: model-${i}`, status: 'needs-intake', tier, likelihood, likelihoodReason: 'usage seen in egress logs', impact, impactReason: 'internal data',
    inherentScore: likelihood * impact, band: 'medium', treatment: 'modify', treatmentReason: 'default', impactAssessment: 'not-required', impactAssessmentReason: 'no trigger', triage: { consequence: 'medium', affected: 'internal', significantDecisions: false },
    tierReason: 'default', references: [], service: `svc-${i % 200}`, vendor: 'Vendor', category: 'llm-api', evidenceSummary: '3 network findings across 2 subjects (alice, bob)', subjects: ['user:alice', 'user:bob'],
    firstSeen: AT, lastSeen: AT, reviewDate: '2026-07-01', createdAt: AT, updatedAt: AT,
  };
}

/** Writes N risk entries as a scan commit does; `action`: the entry's action (a projected one, or one no projection reads). */
async function build(file: string, action: string): Promise<{ ms: number; cpuMs: number }> {
  const store = await openRegister(file);
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < N; i += BATCH) {
    await store.transaction(async (tx) => {
      for (let k = i; k < Math.min(N, i + BATCH); k++) {
        const e = risk(k);
        await tx.insertRisk(e);
        await tx.appendAudit({ at: AT, actor: 'system:scan:run-1', action, entityType: 'risk', entityId: e.id, after: { status: e.status, tier: e.tier, score: e.inherentScore, treatment: e.treatment, likelihood: e.likelihood, impact: e.impact, impactAssessment: e.impactAssessment, reviewDate: e.reviewDate }, rationale: 'no catalog entry approves this service' });
      }
    });
  }
  const ms = performance.now() - t0;
  const c = process.cpuUsage(c0);
  if (action === 'risk.created') {
    const answers = { consequence: 'high' as const, affected: 'external' as const, significantDecisions: false };
    const ctx = { register: store, now: () => new Date('2026-06-02T08:00:00Z') };
    for (let k = 0; k < D; k++) await triage(ctx, risk(Math.floor((k * N) / D)).id, { answers, owner: `team-${k % 20}`, rationale: 'bench triage' }, 'user:gl');
  }
  await store.close();
  return { ms, cpuMs: (c.user + c.system) / 1000 };
}

const YARDSTICK = `
const Database = require(${JSON.stringify(join(ROOT, 'node_modules/better-sqlite3'))});
const { createHmac } = require('node:crypto');
const db = new Database(process.argv[1], { readonly: true });
const key = Buffer.alloc(32, 7);
let n = 0;
for (const r of db.prepare('SELECT * FROM audit_log ORDER BY seq').iterate()) { createHmac('sha256', key).update(r.prev_hash + '\\n' + JSON.stringify(r)).digest('hex'); n++; }
let m = 0;
for (const r of db.prepare('SELECT id, status, tier, owner, data FROM risk_entries').iterate()) { JSON.parse(r.data); m++; }
console.log(n + ' entries, ' + m + ' risk entries');
`;

const PG_YARDSTICK = `
const pg = require(${JSON.stringify(join(ROOT, 'node_modules/pg'))});
const { createHmac } = require('node:crypto');
(async () => {
  const c = new pg.Client({ connectionString: process.argv[1] });
  await c.connect();
  const key = Buffer.alloc(32, 7);
  const a = await c.query('SELECT * FROM audit_log ORDER BY seq');
  for (const r of a.rows) createHmac('sha256', key).update(r.prev_hash + '\\n' + JSON.stringify(r)).digest('hex');
  const b = await c.query('SELECT id, status, tier, owner, data FROM risk_entries');
  for (const r of b.rows) JSON.parse(r.data);
  console.log(a.rows.length + ' entries, ' + b.rows.length + ' risk entries');
  await c.end();
})();
`;

const env = { ...process.env, SHADOWSCAN_AUDIT_KEY_FILE: join(DATA, 'audit.key') };
/** Times `audit verify` and its yardstick on a register. */
async function verifyOf(spec: string, yardstick: string) {
  const verify = await timed(process.execPath, [join(ROOT, 'bin/shadowscan.mjs'), 'audit', 'verify', '--db', spec], { cwd: ROOT, env });
  if (verify.code !== 0 || !/audit log intact/.test(verify.stdout)) throw new Error(`audit verify failed (exit ${verify.code}): ${verify.stdout.slice(0, 400)} ${verify.stderr.slice(0, 400)}`);
  const yard = await timed(process.execPath, ['-e', yardstick, spec], { cwd: ROOT, env });
  if (yard.code !== 0) throw new Error(`yardstick failed: ${yard.stderr}`);
  return { verify, yard };
}

const load0 = loadavg()[0];
// the yardstick first: module loading and JIT warm-up fall on it, not on the measured path
const unchecked = await build(join(DATA, 'unchecked.db'), 'bench.risk-written');
const built = await build(join(DATA, 'ledger.db'), 'risk.created');
const lite = await verifyOf(join(DATA, 'ledger.db'), YARDSTICK);
let post: Awaited<ReturnType<typeof verifyOf>> | undefined;
if (process.argv.includes('--postgres')) {
  const server = await startPostgres();
  try {
    const url = await server.createDatabase('ledgerbench');
    const copy = await timed(process.execPath, [join(ROOT, 'bin/shadowscan.mjs'), 'db', 'migrate', '--from', join(DATA, 'ledger.db'), '--to', url], { cwd: ROOT, env });
    if (copy.code !== 0) throw new Error(`db migrate failed: ${copy.stderr.slice(0, 400)}`);
    post = await verifyOf(url, PG_YARDSTICK);
  } finally {
    await server.stop();
  }
}
const load1 = loadavg()[0];

const s = (ms: number) => (ms / 1000).toFixed(2);
const rows = (name: string, m: Awaited<ReturnType<typeof verifyOf>>) => `| **${name}** | | | |
| \`shadowscan audit verify\` (whole process: open, chain of every entry, every projection replayed and compared) | ${s(m.verify.ms)} s | ${s(m.verify.cpuMs)} s | ${m.verify.maxRssMb.toFixed(0)} MB |
| yardstick: a bare client reading the same entries with one HMAC-SHA-256 each, and the risk entries with their JSON parsed | ${s(m.yard.ms)} s | ${s(m.yard.cpuMs)} s | ${m.yard.maxRssMb.toFixed(0)} MB |
| **ratio** verify / yardstick | **${(m.verify.ms / m.yard.ms).toFixed(1)}×** wall | **${(m.verify.cpuMs / m.yard.cpuMs).toFixed(1)}×** CPU | |
`;
const writes = `| **writing (SQLite, in-process)** | | | |
| the ${N.toLocaleString('en')} rows with their entries, each row checked against its entry before COMMIT | ${s(built.ms)} s | ${s(built.cpuMs)} s | |
| yardstick: the same writes under an action no projection reads (no check) | ${s(unchecked.ms)} s | ${s(unchecked.cpuMs)} s | |
| **ratio** checked / unchecked write | **${(built.ms / unchecked.ms).toFixed(2)}×** wall | **${(built.cpuMs / unchecked.cpuMs).toFixed(2)}×** CPU | |
`;
const verifyOut = lite.verify.stdout;
const md = `## Decision log: audit verify at ${N.toLocaleString('en')} risk entries

\`node bin/run-ts.mjs bench/ledger.ts --risks ${N} --decisions ${D}${post ? ' --postgres' : ''}\` on ${machine()}; load average ${load0.toFixed(1)} → ${load1.toFixed(1)} during the run.

Input: a SQLite register${post ? ' (and its copy in PostgreSQL by `shadowscan db migrate`)' : ''} with ${N.toLocaleString('en')} risk entries, each written as a scan commit writes it (the row and its \`risk.created\` entry, ${BATCH.toLocaleString('en')} per transaction), then ${D.toLocaleString('en')} triage decisions through the intake API — ${verifyOut.match(/(\d+) records/)?.[1] ?? '?'} log entries. No entry per finding: a scan's log entries are per item and per risk entry created or reopened.

| what | wall | CPU | peak RSS |
|---|---|---|---|
${rows('SQLite', lite)}${post ? rows('PostgreSQL', post) : ''}${writes}`;
mkdirSync(dirname(OUT), { recursive: true });
writeFileSync(OUT, md);
process.stdout.write(md);
rmSync(DATA, { recursive: true, force: true });
