/**
 * Web benchmark: 100,000 register items (inserted directly with SQL in one transaction:
 * items, risk entries, 1–4 findings each, hash-chained audit records), then p50 / p95 / p99 of
 * the register page (several filters / sorts / deep pages) and of item pages, over N sequential
 * requests from an in-process HTTP client against the real server on loopback.
 *
 *   node bin/run-ts.mjs bench/web.ts [--items 100000] [--requests 300] [--out bench/results/web.md]
 */
import { mkdtempSync, writeFileSync, statSync } from 'node:fs';
import { cpus, totalmem, tmpdir, platform, release } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Register } from '../src/register/register.js';
import { GENESIS, recordHash } from '../src/register/audit.js';
import { ruleIndex } from '../src/rules/load.js';
import { Auth } from '../src/web/auth.js';
import { createServer } from '../src/web/server.js';

const arg = (name: string, d: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : d;
};
const N_ITEMS = Number(arg('items', '100000'));
const N_REQ = Number(arg('requests', '300'));
const OUT = arg('out', 'bench/results/web.md');

const SERVICES = [
  ['openai-api', 'OpenAI API', 'OpenAI', 'llm-api'],
  ['anthropic-api', 'Anthropic API', 'Anthropic', 'llm-api'],
  ['deepseek', 'DeepSeek', 'DeepSeek', 'chat-assistant'],
  ['otter-ai', 'Otter.ai', 'Otter.ai', 'meeting-assistant'],
  ['hugging-face', 'Hugging Face', 'Hugging Face', 'model-hub'],
  ['ollama', 'Ollama', 'Ollama', 'local-runtime'],
  ['amazon-bedrock', 'Amazon Bedrock', 'AWS', 'llm-platform'],
  ['azure-openai', 'Azure OpenAI', 'Microsoft', 'llm-api'],
  ['cursor', 'Cursor', 'Anysphere', 'code-assistant'],
  ['perplexity', 'Perplexity', 'Perplexity', 'chat-assistant'],
  ['grammarly', 'Grammarly', 'Grammarly', 'writing-assistant'],
  ['fireflies', 'Fireflies.ai', 'Fireflies', 'meeting-assistant'],
] as const;
const STATUSES = ['unsanctioned', 'unsanctioned', 'unsanctioned', 'out-of-scope', 'approval-expired', 'declined-but-in-use', 'sanctioned'];
const RISK = ['needs-intake', 'needs-intake', 'triaged', 'intake-requested', 'suppressed', 'declined-but-in-use'];
const SOURCES = ['repo', 'network', 'saas', 'cloud'];

function rnd(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

async function seed(file: string): Promise<string[]> {
  const register = await Register.open(file);
  const db = register.db;
  const r = rnd(42);
  const pick = <T>(a: readonly T[]) => a[Math.floor(r() * a.length)];
  const ids: string[] = [];
  const t0 = performance.now();
  const day = (n: number) => new Date(Date.UTC(2026, 0, 1) + n * 86400_000).toISOString();
  db.transaction(() => {
    const insItem = db.prepare(`INSERT INTO items (id, kind, service, name, vendor, category, artifact_type, artifact_key, status, status_reason, catalog_entry, state, sources, signals, subject_count, finding_count, event_count, bytes_out, seen_first, seen_last, first_detected_at, last_detected_at, gone_at, data)
      VALUES (?, 'artifact', ?, ?, ?, ?, 'model-file', ?, ?, ?, NULL, 'active', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?)`);
    const insRisk = db.prepare('INSERT INTO risk_entries (id, item_id, title, status, tier, likelihood, impact, inherent_score, treatment, owner, review_date, impact_assessment, suppressed_until, created_at, updated_at, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
    const insFinding = db.prepare(`INSERT INTO findings (id, item_id, service, source, scanner, kind, value, signal, confidence, subject_kind, subject_id, subject_name, locator, unit, count, bytes_out, bytes_in, seen_first, seen_last, status, status_reason, state, first_detected_at, last_detected_at, first_scan_id, last_scan_id, gone_at, data)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'inferred', ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, '', 'active', ?, ?, 'run-1', 'run-1', NULL, ?)`);
    const insAudit = db.prepare('INSERT INTO audit_log (seq, at, actor, action, entity_type, entity_id, before_state, after_state, rationale, prev_hash, hash) VALUES (@seq, @at, @actor, @action, @entity_type, @entity_id, @before_state, @after_state, @rationale, @prev_hash, @hash)');
    let prev = GENESIS;
    let seq = 0;
    const audit = (at: string, action: string, entityType: string, entityId: string, after: string, rationale: string) => {
      const rec = { seq: ++seq, at, actor: 'system:scan:run-1', action, entity_type: entityType, entity_id: entityId, before_state: null, after_state: after, rationale, prev_hash: prev };
      const hash = recordHash(rec);
      insAudit.run({ ...rec, hash });
      prev = hash;
    };
    db.prepare("INSERT INTO scan_runs (id, started_at, finished_at, status, scanners, coverage, errors, summary) VALUES ('run-1', ?, ?, 'complete', '{}', '[]', '{}', NULL)").run(day(0), day(0));
    for (let i = 0; i < N_ITEMS; i++) {
      const [svc, svcName, vendor, category] = pick(SERVICES);
      const id = `art-${(i * 2654435761 >>> 0).toString(16).padStart(8, '0')}${i.toString(16).padStart(6, '0')}`;
      ids.push(id);
      const status = pick(STATUSES);
      const nf = 1 + Math.floor(r() * 4);
      const sources = [...new Set(Array.from({ length: nf }, () => pick(SOURCES)))];
      const first = Math.floor(r() * 200);
      const last = first + Math.floor(r() * 100);
      const bytes = sources.includes('network') ? Math.floor(r() * 500 * 1024 * 1024) : null;
      const subjects = Array.from({ length: nf }, (_, k) => ({ kind: k % 2 ? 'repo' : 'user', id: k % 2 ? `repo-${(i + k) % 3000}` : `user${(i * 7 + k) % 20000}@corp.example`, name: undefined as string | undefined }));
      const key = `git@github.com:corp/repo-${i % 3000}.git#models/model-${i}.gguf`;
      const name = `model-${i}.gguf (${svcName})`;
      insItem.run(id, svc, name, vendor, category, key, status, status === 'sanctioned' ? `approval ${svc} by ciso@corp.example` : 'no catalog entry approves this service', JSON.stringify(sources), JSON.stringify(['presence', 'usage'].slice(0, 1 + (i % 2))), subjects.length, nf, nf * 3, bytes, day(first), day(last), day(first), day(last), JSON.stringify({ subjects, artifact: { type: 'model-file', key }, findingIds: [] }));
      for (let k = 0; k < nf; k++) {
        const src = sources[k % sources.length];
        const fid = `${id}-f${k}`;
        const subj = subjects[k];
        const locator = `${subj.kind === 'repo' ? subj.id : 'proxy-2026-03-01.log'}/models/model-${i}.gguf:${k + 1}`;
        const f = { id: fid, kind: 'model-artifact', value: 'gguf', source: src, scanner: src === 'repo' ? 'repo' : 'egress', signal: 'presence', confidence: 'inferred', subject: subj, locator, count: 3, bytesOut: bytes ?? undefined, firstSeen: day(first), lastSeen: day(last), service: svc, serviceName: svcName, vendor, category, match: { rule: 'model-format', pattern: 'gguf' }, artifact: { type: 'model-file', key } };
        insFinding.run(fid, id, svc, src, f.scanner, f.kind, f.value, f.signal, subj.kind, subj.id, null, locator, locator.replace(/:\d+$/, ''), 3, bytes, day(first), day(last), status, day(0), day(0), JSON.stringify(f));
      }
      audit(day(0), 'item.detected', 'item', id, JSON.stringify({ service: svc, status }), 'no catalog entry approves this service');
      if (status !== 'sanctioned') {
        const rid = `AIR-${String(i + 1).padStart(6, '0')}`;
        const L = 2 + Math.floor(r() * 4);
        const I = 2 + Math.floor(r() * 4);
        const tier = 1 + Math.floor(r() * 3);
        const owner = r() < 0.6 ? `owner${i % 40}@corp.example` : null;
        const rs = pick(RISK);
        const entry = {
          id: rid, itemId: id, title: `Unsanctioned AI system: ${name}`, status: rs, tier, likelihood: L, likelihoodReason: 'the model exists and can be run', impact: I, impactReason: 'reaches code', inherentScore: L * I, band: L * I >= 20 ? 'critical' : L * I >= 10 ? 'high' : L * I >= 5 ? 'medium' : 'low',
          treatment: 'modify', treatmentReason: 'approve with conditions', owner: owner ?? undefined, reviewDate: day(last + 30).slice(0, 10), impactAssessment: 'not-required', impactAssessmentReason: 'no trigger', triage: { consequence: 'medium', affected: 'internal', significantDecisions: false }, tierReason: 'Q1 moderate',
          references: [{ framework: 'ISO/IEC 42001', id: '6.1.2', title: 'AI risk assessment' }, { framework: 'ISO/IEC 42001 Annex A', id: 'A.4.2', title: 'Resource documentation' }, { framework: 'NIST AI RMF', id: 'GOVERN 1.6', title: 'inventory' }, { framework: 'EU AI Act', id: 'Art. 4', title: 'AI literacy' }],
          service: svc, vendor, category, evidenceSummary: `${nf} findings`, subjects: subjects.map((s) => `${s.kind}:${s.id}`), firstSeen: day(first), lastSeen: day(last), createdAt: day(0), updatedAt: day(0), suppressedUntil: rs === 'suppressed' ? day(last + 60).slice(0, 10) : undefined,
        };
        insRisk.run(rid, id, entry.title, rs, tier, L, I, L * I, 'modify', owner, entry.reviewDate, 'not-required', entry.suppressedUntil ?? null, day(0), day(0), JSON.stringify(entry));
        audit(day(0), 'risk.created', 'risk', rid, JSON.stringify({ status: 'needs-intake', tier }), 'no catalog entry approves this service');
      }
    }
  })();
  const seconds = (performance.now() - t0) / 1000;
  console.error(`seeded ${N_ITEMS} items in ${seconds.toFixed(1)} s`);
  await register.close();
  return ids;
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'shadowscan-bench-web-'));
  const file = join(dir, 'bench.db');
  const t0 = performance.now();
  const ids = await seed(file);
  const seedS = (performance.now() - t0) / 1000;
  const register = await Register.open(file);
  const tMig = performance.now();
  const app = await createServer({ register, rules: ruleIndex([]).index });
  const migS = (performance.now() - tMig) / 1000;
  const base = await app.listen({ port: 0, host: '127.0.0.1' });
  const auth = new Auth(register);
  await auth.addUser('bench', 'bench-password-123', 'viewer');
  const s = auth.createSession('bench');
  const headers = { cookie: `ss_session=${s.cookie}` };
  const r = rnd(7);
  const cases: Array<{ name: string; url: () => string }> = [
    { name: 'register (default: intake queue, by status)', url: () => '/register' },
    { name: 'register, sort by tier', url: () => '/register?sort=tier' },
    { name: 'register, filter tier 1 + source network', url: () => '/register?tier=1&source=network' },
    { name: 'register, filter owner + category', url: () => `/register?owner=owner${Math.floor(r() * 40)}%40corp.example&category=llm-api` },
    { name: 'register, page 1000 (offset 49,950)', url: () => '/register?page=1000' },
    { name: 'register, search "model-4242"', url: () => '/register?q=model-4242' },
    { name: 'item page (random item)', url: () => `/items/${ids[Math.floor(r() * ids.length)]}` },
    { name: 'API /api/register (JSON)', url: () => '/api/register' },
  ];
  const results: Array<{ name: string; p50: number; p95: number; p99: number; max: number; bytes: number }> = [];
  for (const c of cases) {
    for (let i = 0; i < 10; i++) await (await fetch(base + c.url(), { headers })).text(); // warm-up
    const times: number[] = [];
    let bytes = 0;
    for (let i = 0; i < N_REQ; i++) {
      const t = performance.now();
      const res = await fetch(base + c.url(), { headers });
      const body = await res.text();
      times.push(performance.now() - t);
      if (res.status !== 200) throw new Error(`${c.name}: HTTP ${res.status}`);
      bytes = body.length;
    }
    results.push({ name: c.name, p50: pct(times, 50), p95: pct(times, 95), p99: pct(times, 99), max: Math.max(...times), bytes });
    console.error(`${c.name.padEnd(48)} p50 ${pct(times, 50).toFixed(1)} ms  p95 ${pct(times, 95).toFixed(1)} ms`);
  }
  await app.close();
  await register.close();
  const cpu = cpus();
  const md = `# Web benchmark: register and item pages at ${N_ITEMS.toLocaleString('en')} items

Command: \`node bin/run-ts.mjs bench/web.ts --items ${N_ITEMS} --requests ${N_REQ}\`

Machine: ${cpu[0]?.model ?? 'unknown'} × ${cpu.length} vCPU, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM, ${platform()} ${release()}, Node ${process.version}; run ${new Date().toISOString().slice(0, 10)}.

Data: ${N_ITEMS.toLocaleString('en')} active items (model artifacts across ${SERVICES.length} services, every reconcile status), a risk entry for every non-sanctioned item,
1–4 findings per item, two hash-chained audit records per item — inserted directly with SQL in one transaction
(${seedS.toFixed(1)} s); the intake migrations (indexes) then applied on the full table in ${migS.toFixed(1)} s. Database file ${(statSync(file).size / 2 ** 20).toFixed(0)} MiB.

Method: the real fastify server on loopback with a logged-in viewer session; ${N_REQ} sequential requests per case after 10 warm-up
requests, timed end to end by an in-process HTTP client (Node's fetch: request → full body), so the figures include HTML rendering,
the session lookup and HTTP. Target: p95 < 100 ms.

| Case | p50 ms | p95 ms | p99 ms | max ms | page size |
|---|---:|---:|---:|---:|---:|
${results.map((x) => `| ${x.name} | ${x.p50.toFixed(1)} | ${x.p95.toFixed(1)} | ${x.p99.toFixed(1)} | ${x.max.toFixed(1)} | ${(x.bytes / 1024).toFixed(0)} KiB |`).join('\n')}

Result: ${results.every((x) => x.p95 < 100) ? 'every case is under the 100 ms p95 target' : 'NOT every case meets the 100 ms p95 target: ' + results.filter((x) => x.p95 >= 100).map((x) => x.name).join(', ')}.

How the register query stays fast (src/intake/query.ts, migrations 100–103 in src/intake/migrations.ts): it reads only the list's
columns (no per-row JSON) and pages the item ids from covering indexes (\`items_q_*\`, \`risk_q_*\`) before reading the page's rows.
A list sorted by a risk column walks the risk entries in that order; a list filtered on a risk column but sorted by an item column
walks the items in order and looks each entry up, so a page stops as soon as its rows are found. Text search goes through an FTS5
trigram index over name / service / vendor (the same matches as \`LIKE '%q%'\`). Counts are exact for item-only filters and capped
at 1,000 when the risk entries are joined.
The item page's history query uses \`audit_log(entity_type, entity_id)\`.
`;
  writeFileSync(OUT, md);
  console.error(`wrote ${OUT}`);
}

await main();
