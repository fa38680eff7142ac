/**
 * Seeds a real register file through the real matcher and scan commit: hand-made observations
 * from every source (including attacker-controlled values) → matchAll → commitScan.
 */
import Database from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadCatalog, type Catalog } from '../../src/catalog/catalog.js';
import type { Coverage, Observation } from '../../src/core/types.js';
import { matchAll } from '../../src/match/match.js';
import { commitScan, startRun } from '../../src/register/commit.js';
import { Register } from '../../src/register/register.js';
import { RuleIndex } from '../../src/rules/compile.js';
import { loadRules } from '../../src/rules/load.js';

export const FIXTURES = resolve(dirname(fileURLToPath(import.meta.url)), 'fixtures');
export const XSS = '<img src=x onerror=alert(1)>';
export const XSS_USER = '"><script>alert(2)</script>';

export function testRules(): RuleIndex {
  const l = loadRules([join(FIXTURES, 'rules')], { builtin: false });
  return new RuleIndex(l.services, l.modelFormats);
}

export function testCatalog(): Catalog {
  return loadCatalog(join(FIXTURES, 'catalog.yaml'));
}

export function tmpDb(name = 'register.db'): string {
  return join(mkdtempSync(join(tmpdir(), 'shadowscan-intake-')), name);
}

const T0 = '2026-04-01T08:00:00Z';
const T1 = '2026-04-20T17:30:00Z';

export function observations(): Observation[] {
  const net = (host: string, ip: string, user: string, count: number, bytes: number, path?: string): Observation => ({
    kind: 'host', value: host, source: 'network', scanner: 'fixture-egress', signal: 'usage', confidence: 'inferred',
    subject: { kind: 'user', id: user, name: user }, locator: `proxy-2026-04-20.log:${count}`, count, bytesOut: bytes, firstSeen: T0, lastSeen: T1,
    attrs: { clientIp: ip, ...(path ? { path } : {}) },
  });
  const repo = (kind: Observation['kind'], value: string, ns: string | undefined, repoName: string, file: string): Observation => ({
    kind, value, namespace: ns, source: 'repo', scanner: 'fixture-repo', signal: 'presence', confidence: 'declared',
    subject: { kind: 'repo', id: repoName, name: repoName }, locator: `${repoName}/${file}:3`, snippet: `${value}`,
  });
  return [
    net('api.deepseek.com', '10.0.4.17', 'carol@test.example', 412, 96 * 1024 * 1024),
    net('chat.deepseek.com', '10.0.4.22', 'dave@test.example', 57, 3 * 1024 * 1024),
    // attacker-controlled host name and user name (a log line can say anything)
    net(`${XSS}.deepseek.com`, '10.0.9.9', XSS_USER, 1, 512),
    net('acme-prod.openai.azure.com', '10.0.2.5', 'svc-bot@test.example', 1200, 40 * 1024 * 1024),
    net('gateway.ai.cloudflare.com', '10.0.7.1', 'erin@test.example', 9, 20480),
    {
      kind: 'saas-app', value: 'Otter.ai', source: 'saas', scanner: 'fixture-audit', signal: 'presence', confidence: 'declared',
      subject: { kind: 'user', id: 'frank@test.example', name: 'frank@test.example' }, locator: 'google-workspace/token-audit.json#evt-1', firstSeen: T0, lastSeen: T0,
      attrs: { scopes: ['calendar.readonly'] },
    },
    {
      kind: 'saas-app', value: 'Otter.ai', source: 'saas', scanner: 'fixture-audit', signal: 'presence', confidence: 'declared',
      subject: { kind: 'user', id: 'grace@test.example', name: `${XSS} grace` }, locator: `google-workspace/token-audit.json#${XSS}`, firstSeen: T0, lastSeen: T1,
    },
    repo('package', 'openai', 'pypi', 'payments-api', 'requirements.txt'),
    repo('package', 'openai', 'npm', 'web-frontend', 'package.json'),
    repo('env-var', 'DEEPSEEK_API_KEY', undefined, XSS, '.env.example'),
    repo('env-var', 'AZURE_OPENAI_ENDPOINT', undefined, 'infra', 'terraform/main.tf'),
  ];
}

export function coverage(): Coverage[] {
  return [
    { scanner: 'fixture-egress', scanned: 1, skipped: [], failed: [], units: ['proxy-2026-04-20.log'], problemCount: 2, problems: [{ locator: 'proxy-2026-04-20.log:77', message: `malformed line: ${XSS}` }], stats: { lines: 1681 } },
    { scanner: 'fixture-audit', scanned: 1, skipped: [{ unit: 'okta/system-log.json', reason: 'no Okta export in this run' }], failed: [], units: ['google-workspace/token-audit.json'], problemCount: 0, problems: [], stats: {} },
    { scanner: 'fixture-repo', scanned: 4, skipped: [], failed: [{ unit: 'legacy-crm', reason: 'permission denied' }], units: ['payments-api', 'web-frontend', 'infra', XSS], problemCount: 0, problems: [], stats: {} },
  ];
}

/** Opens (creating) a register file and commits one scan of the fixture observations. */
export async function seed(file: string, now = new Date('2026-04-21T09:00:00Z'), rules = testRules(), catalog = testCatalog()): Promise<Register> {
  const register = await Register.open(file);
  const runId = await startRun(register, { scanners: ['fixture-egress', 'fixture-audit', 'fixture-repo'], catalogFile: join(FIXTURES, 'catalog.yaml'), startedAt: now.toISOString() });
  const findings = matchAll(rules, observations());
  await commitScan(register, {
    runId, findings, coverage: coverage(), errors: {}, state: {}, scannerVersions: { 'fixture-egress': '1', 'fixture-audit': '1', 'fixture-repo': '1' },
    catalog: catalog, rules, now,
  });
  return register;
}

/** A second scan (the same observations), as a scheduled re-scan would commit. */
export async function rescan(register: Register, now: Date, rules = testRules(), catalog = testCatalog(), extra: Observation[] = []) {
  const runId = await startRun(register, { scanners: ['fixture-egress'], startedAt: now.toISOString() });
  return (await commitScan(register, { runId, findings: matchAll(rules, [...observations(), ...extra]), coverage: coverage(), errors: {}, state: {}, scannerVersions: {}, catalog, rules, now })).summary;
}

const raws = new Map<string, Database.Database>();
/** The test's own SQLite connection to a register file (for reading and tampering beside the store). */
export function rawDb(register: Register): Database.Database {
  let db = raws.get(register.location);
  if (!db || !db.open) raws.set(register.location, (db = new Database(register.location)));
  return db;
}
