/**
 * A generated estate and its scan sequence, for the commit's before/after test
 * (commit-before-after.test.ts): what the register holds after each scan, as plain JSON without
 * wall-clock values or keyed hashes. The fixture fixtures/commit/before-after.json was written by
 * this module running on the commit as it was before the batched commit (see that folder's
 * SOURCES.md); the test runs it on today's commit and both backends and compares.
 *
 * The estate has what the judge must keep apart: several scanners and sources, artifacts (their
 * own items), repository mentions only (candidates), credentials, incremental egress figures,
 * findings without a count, subjects with names, upper case, punctuation and non-ASCII letters
 * (collation order), approvals with scopes (verdicts per subject: out of scope, expired), a
 * declined service, and several verdicts of one status with different reasons in one item.
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Catalog } from '../../src/catalog/catalog.js';
import { demoRuns, DEMO_DIR } from '../../src/cli/commands/demo.js';
import { collect, silentLogger } from '../../src/collect/run.js';
import { loadCatalogFor } from '../../src/pipeline.js';
import type { Coverage, Finding, Subject } from '../../src/core/types.js';
import { matchAll, sha256 } from '../../src/match/match.js';
import { commitScan, startRun } from '../../src/register/commit.js';
import type { RegisterStore } from '../../src/register/register.js';
import type { RuleIndex } from '../../src/rules/compile.js';

const USERS: Subject[] = [
  { kind: 'user', id: 'alice@example.com' },
  { kind: 'user', id: 'Bob.Stone@Example.com', name: 'Bob Stone' },
  { kind: 'user', id: 'zoë@example.com' },
  { kind: 'user', id: 'carol_o-neil@example.com' },
  { kind: 'user', id: 'dave@other.example' },
  { kind: 'user', id: '10.0.0.7' },
  { kind: 'user', id: 'Émile@example.com', name: 'Émile' },
  { kind: 'user', id: 'user 42' },
];
const REPOS: Subject[] = [
  { kind: 'repo', id: 'org/api' },
  { kind: 'repo', id: 'org/Web-App' },
  { kind: 'repo', id: 'other/tool' },
];
const ACCOUNTS: Subject[] = [
  { kind: 'account', id: '111122223333', name: 'prod' },
  { kind: 'account', id: '444455556666' },
];

/** The row a commit writes for `f`, as the SQLite backend returns it. */
export function findingRow(f: Finding, data: string) {
  return {
    id: f.id, service: f.service, source: f.source, scanner: f.scanner, kind: f.kind, value: f.value, signal: f.signal, confidence: f.confidence,
    subject_kind: f.subject.kind, subject_id: f.subject.id, subject_name: f.subject.name ?? null, locator: f.locator, count: f.count ?? 1,
    bytes_out: f.bytesOut ?? null, bytes_in: f.bytesIn ?? null, seen_first: f.firstSeen ?? null, seen_last: f.lastSeen ?? null, data,
  };
}

/** About `n` findings over the first services of the rules. */
export function generatedEstate(rules: RuleIndex, n: number): Finding[] {
  const services = rules.services.slice(0, 9);
  const out: Finding[] = [];
  const base = (s: (typeof services)[number], o: Omit<Finding, 'id' | 'service' | 'serviceName' | 'vendor' | 'category' | 'match'>, rule: string): Finding => ({
    ...o,
    id: sha256(`${s.id}\u0000${o.scanner}\u0000${o.kind}\u0000${o.value}\u0000${o.subject.kind}:${o.subject.id}\u0000${o.locator}`).slice(0, 32),
    service: s.id,
    serviceName: s.name,
    vendor: s.vendor,
    category: s.category,
    match: { rule, pattern: o.value },
  });
  for (let i = 0; out.length < n; i++) {
    const s = services[i % services.length];
    const u = USERS[(i * 7) % USERS.length];
    const day = String(1 + (i % 28)).padStart(2, '0');
    switch (i % 6) {
      case 0:
      case 1:
        // egress: incremental figures, bytes both ways, one log file per day
        out.push(base(s, { kind: 'host', value: `api.${s.id}.example`, source: 'network', scanner: 'egress', signal: 'usage', confidence: 'inferred', subject: u, locator: `/logs/access-${day}.log:${i + 1}`, count: 1 + (i % 5), bytesOut: i % 3 ? 100 * i : undefined, bytesIn: 40 * i, firstSeen: `2026-11-${day}T08:00:00.000Z`, lastSeen: `2026-11-${day}T17:00:00.000Z`, attrs: { increment: true, daysActive: 1 + (i % 4) } }, 'domain'));
        break;
      case 2: {
        // repository: a declared dependency, or a mention in a test file (a candidate on its own)
        const r = REPOS[i % REPOS.length];
        const test = i % 4 === 2;
        out.push(base(s, { kind: 'package', value: `${s.id}-sdk`, namespace: 'npm', source: 'repo', scanner: 'repo', signal: 'presence', confidence: 'declared', subject: r, locator: `${test ? 'test/fixtures' : 'src'}/m${i % 11}.ts:${1 + (i % 40)}`, snippet: `import x from "${s.id}-sdk"`, attrs: { role: test ? 'test' : 'runtime', direct: i % 5 !== 0, unit: r.id } }, 'package'));
        break;
      }
      case 3:
        // a credential in a repository: no count, a masked value
        out.push(base(s, { kind: 'credential', value: `sk-…${String(1000 + i).slice(-4)}`, source: 'repo', scanner: 'repo', signal: 'credential', confidence: 'declared', subject: REPOS[(i + 1) % REPOS.length], locator: `.env.${i % 7}:${1 + (i % 3)}`, attrs: { role: 'config', unit: REPOS[(i + 1) % REPOS.length].id } }, 'credential'));
        break;
      case 4: {
        // cloud: a deployed model, its own item (artifact)
        const a = ACCOUNTS[i % ACCOUNTS.length];
        const key = `arn:aws:sagemaker:eu-west-1:${a.id}:endpoint/${s.id}-${i % 4}`;
        out.push(base(s, { kind: 'saas-app', value: key, source: 'cloud', scanner: 'aws', signal: 'presence', confidence: 'declared', subject: a, locator: key, artifact: { type: 'sagemaker-endpoint', key, name: `${s.id}-${i % 4}`, attrs: { region: 'eu-west-1' } }, attrs: { unit: `${a.id}:eu-west-1` } }, 'cloud-resource'));
        break;
      }
      default:
        // SaaS audit events: subjects with names, no bytes
        out.push(base(s, { kind: 'audit-event', value: `${s.id}.login`, source: 'saas', scanner: 'audit', signal: 'usage', confidence: 'declared', subject: USERS[(i * 3) % USERS.length], locator: `audit:${s.id}:${i}`, count: i % 2 ? undefined : 2, firstSeen: `2026-11-${day}T09:00:00.000Z`, lastSeen: `2026-11-${day}T09:30:00.000Z` }, 'audit-event'));
    }
  }
  // the same identity seen twice is one finding
  return [...new Map(out.map((f) => [f.id, f])).values()];
}

/** Scoped, expiring and declined entries over the estate's services. */
export function estateCatalog(rules: RuleIndex): Catalog {
  const s = rules.services.slice(0, 9).map((x) => x.id);
  const owner = { business: 'IT' };
  return {
    version: 1,
    approved: [
      { id: `${s[0]}-example`, service: s[0], owner, scope: { users: ['*@example.com'], repos: ['org/*'], accounts: ['111122223333'] }, approvedBy: 'ciso@example.com', approvedOn: '2026-01-10', lifecycle: 'active' },
      { id: `${s[1]}-open`, service: s[1], owner, approvedBy: 'ciso@example.com', approvedOn: '2026-02-01', expires: '2027-01-31', lifecycle: 'active' },
      { id: `${s[2]}-models`, service: s[2], owner, scope: { resources: [`arn:aws:sagemaker:*:111122223333:*`] }, approvedBy: 'ciso@example.com', approvedOn: '2026-03-01', lifecycle: 'active' },
      { id: `${s[3]}-org`, service: s[3], owner, scope: { repos: ['org/*'], users: ['alice@example.com', 'Bob.*'] }, approvedBy: 'ciso@example.com', approvedOn: '2026-03-01', expires: '2026-12-31', lifecycle: 'active' },
    ],
    declined: [{ service: s[4], treatment: 'avoid', rationale: 'no company data', declinedBy: 'ciso@example.com', declinedOn: '2026-05-05', block: true }],
  } as Catalog;
}

function coverageOf(findings: Finding[], scanners: string[]): Coverage[] {
  return scanners.map((scanner) => {
    const units = new Set<string>();
    for (const f of findings) if (f.scanner === scanner) units.add(typeof f.attrs?.unit === 'string' ? f.attrs.unit : f.locator.replace(/(:\d+){1,2}$/, ''));
    return { scanner, scanned: units.size, skipped: [], failed: [], units: [...units].sort(), problemCount: 0, problems: [], stats: {} };
  });
}

/** What the register holds, without wall-clock values and keyed hashes. */
async function state(reg: RegisterStore) {
  const items = await reg.queryItems({ state: 'all', sort: 'name' });
  const rows = await reg.itemsByIds(items.rows.map((r) => r.id));
  return {
    findings: (await reg.listFindings({ state: 'all' })).sort((a, b) => a.id.localeCompare(b.id)),
    items: items.rows.map((r) => rows.get(r.id)),
    risks: await reg.listRisks(),
    // the trail by time, then action and entity: the order of one scan's gone marks was the order
    // an index returned them in before (now: finding id), so sequence numbers are not compared
    audit: (await reg.auditLog({ order: 'asc', limit: 100_000 }))
      .map((r) => ({ at: r.at, actor: r.actor, action: r.action, entity: `${r.entity_type}:${r.entity_id}`, before: r.before_state, after: r.after_state, rationale: r.rationale }))
      .sort((a, b) => a.at.localeCompare(b.at) || a.action.localeCompare(b.action) || a.entity.localeCompare(b.entity)),
    verified: (await reg.verifyAudit()).ok,
  };
}

export interface Step {
  findings: Finding[];
  now: Date;
  catalog: Catalog;
  scanners: string[];
  coverage?: Coverage[];
}

/**
 * Four scans of the estate: everything; a month later a part of it (presence findings gone under
 * complete coverage, incremental figures added, a catalog that declines one more service); the
 * repository scanner alone (the other sources' items keep what they were judged); everything again.
 */
export function estateSteps(rules: RuleIndex, n: number): Step[] {
  const all = generatedEstate(rules, n);
  const catalog = estateCatalog(rules);
  const scanners = ['egress', 'repo', 'aws', 'audit'];
  const later = all.filter((f, i) => !(f.signal !== 'usage' && i % 9 === 0)).map((f, i) => (f.attrs?.increment === true && i % 4 === 0 ? { ...f, count: 3, bytesIn: 7 } : f));
  const s5 = rules.services[5].id;
  const laterCatalog: Catalog = { ...catalog, declined: [...catalog.declined, { service: s5, treatment: 'avoid', rationale: 'retired vendor', declinedBy: 'ciso@example.com', declinedOn: '2027-01-02', block: true }] };
  return [
    { findings: all, now: new Date('2026-12-01T09:00:00Z'), catalog, scanners },
    { findings: later, now: new Date('2027-01-15T09:00:00Z'), catalog: laterCatalog, scanners },
    { findings: all.filter((f) => f.scanner === 'repo'), now: new Date('2027-01-16T09:00:00Z'), catalog: laterCatalog, scanners: ['repo'] },
    { findings: all, now: new Date('2027-02-01T09:00:00Z'), catalog, scanners },
  ];
}

/** The checkout's folder, written as `<root>` (the demo's locators are absolute paths). */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Commits each step into `reg`; per step, the commit's result as a report renders it and the register's state (plain JSON). */
export async function runSteps(reg: RegisterStore, rules: RuleIndex, steps: Step[]): Promise<unknown[]> {
  const out: unknown[] = [];
  for (const s of steps) {
    const runId = await startRun(reg, { scanners: s.scanners, startedAt: s.now.toISOString() });
    const coverage = s.coverage ?? coverageOf(s.findings, s.scanners);
    const c = await commitScan(reg, { runId, findings: s.findings, coverage, errors: {}, state: {}, scannerVersions: {}, catalog: s.catalog, rules, now: s.now });
    out.push({
      summary: c.summary,
      verdicts: c.findings.map((f) => [f.id, c.judgement.verdicts.get(f.id)?.status, c.judgement.verdicts.get(f.id)?.reason]),
      items: c.judgement.items.map((x) => ({ id: x.item.id, status: x.verdict.status, reason: x.verdict.reason, entry: x.verdict.entry, basis: x.basis, touched: x.touched, isNew: x.isNew, first: x.firstDetectedAt, findings: x.item.findingIds, subjects: x.item.subjects, sources: x.item.sources, signals: x.item.signals, count: x.item.count, bytesOut: x.item.bytesOut, seen: [x.item.firstSeen, x.item.lastSeen] })),
      statuses: c.judgement.statuses,
      riskChanges: c.judgement.riskChanges,
      gone: c.judgement.gone,
      audit: c.judgement.audit,
      register: await state(reg),
    });
  }
  return JSON.parse(JSON.stringify(out).split(ROOT).join('<root>'));
}

/** The bundled demo estate (every scanner, the demo catalog): scanned, then months later (approvals expired), with its own coverage. */
export async function demoSteps(rules: RuleIndex): Promise<Step[]> {
  const setup = await demoRuns();
  try {
    const res = await collect(setup.runs, { rules, now: () => new Date('2026-11-28T09:00:00Z'), log: silentLogger, full: true, state: {} });
    const findings = matchAll(rules, res.observations);
    const catalog = loadCatalogFor(rules, join(DEMO_DIR, 'catalog.yaml'));
    const scanners = res.coverage.map((c) => c.scanner);
    const some = findings.filter((_, i) => i % 5 !== 0);
    return [
      { findings, now: new Date('2026-11-28T09:00:00Z'), catalog, scanners, coverage: res.coverage },
      { findings: some, now: new Date('2027-03-15T09:00:00Z'), catalog, scanners, coverage: res.coverage },
      { findings, now: new Date('2027-03-16T09:00:00Z'), catalog, scanners, coverage: res.coverage },
    ];
  } finally {
    await setup.close();
  }
}
