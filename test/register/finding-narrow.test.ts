/**
 * SQLite's narrow findings (migration 1000, src/register/backends/sqlite-findings.ts): the rows a
 * commit writes are split into shapes, verdicts, commits and per-finding rows, and the `findings`
 * view joins them back. These tests hold the view to PostgreSQL's table — the same commits give
 * the same rows, column for column, `data` byte for byte — and the migration to the rows it moved.
 */
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { EMPTY_CATALOG, type Catalog } from '../../src/catalog/catalog.js';
import type { Coverage, Finding, Observation } from '../../src/core/types.js';
import { matchAll } from '../../src/match/match.js';
import { commitScan, startRun } from '../../src/register/commit.js';
import { openRegister, type RegisterStore } from '../../src/register/register.js';
import { SqliteConn } from '../../src/register/backends/sqlite.js';
import { findingReader } from '../../src/register/backends/ops.js';
import { migrate } from '../../src/register/backends/sql-store.js';
import { SQLITE_MIGRATIONS } from '../../src/register/backends/schema.js';
import { cov, obs } from '../helpers/findings.js';
import { smallIndex } from '../helpers/rules.js';
import { tmpDir } from '../helpers/tmp.js';
import { postgresBackend, sqliteBackend } from './backends.js';

const rules = smallIndex();
const APPROVE_BETA: Catalog = { version: 1, approved: [{ service: 'beta-ai', owner: { business: 'Head of X' }, approvedBy: 'ciso', approvedOn: '2026-01-01', expires: '2027-12-31', lifecycle: 'active' }], declined: [] };

async function commit(reg: RegisterStore, observations: Observation[], coverage: Coverage[], now: string, catalog: Catalog = EMPTY_CATALOG, extra: (f: Finding[]) => Finding[] = (f) => f) {
  const runId = await startRun(reg, { scanners: coverage.map((c) => c.scanner), startedAt: now });
  await commitScan(reg, { runId, findings: extra(matchAll(rules, observations)), coverage, errors: {}, state: {}, scannerVersions: {}, catalog, rules, now: new Date(now) });
}

const A = obs({ kind: 'package', namespace: 'npm', value: 'alpha-ai', locator: 'package.json:4' });
const A2 = obs({ kind: 'env-var', value: 'ALPHA_API_KEY', locator: '.env.example:1', confidence: 'inferred', subject: { kind: 'repo', id: 'r1', name: 'Repo One' } });
const B = (user: string, count: number) =>
  obs({ kind: 'host', value: 'app.beta-notes.test', source: 'network', scanner: 'egress', signal: 'usage', confidence: 'inferred', subject: { kind: 'user', id: user }, locator: `proxy.log:${count}`, count, bytesOut: 1000 * count, attrs: { increment: true } });

/** A history that exercises every column: re-scans with new figures, a gone finding, a verdict changed by the catalog, a match of its own, no count. */
async function history(reg: RegisterStore) {
  await commit(reg, [A, A2, B('alice', 3), B('bob', 1)], [cov('repo', ['package.json', '.env.example']), cov('egress', ['proxy.log'])], '2026-11-01T10:00:00.000Z', EMPTY_CATALOG, (fs) =>
    fs.map((f) => (f.kind === 'env-var' ? { ...f, match: { rule: f.match.rule, pattern: f.match.pattern, note: 'own' } as Finding['match'], snippet: 'ALPHA_API_KEY=…' } : f.kind === 'package' ? { ...f, count: undefined } : f)),
  );
  // the .env finding is gone (its file was covered, the finding not seen); alice's figures grow
  await commit(reg, [A, B('alice', 2)], [cov('repo', ['package.json', '.env.example']), cov('egress', ['proxy.log'])], '2026-11-02T10:00:00.000Z');
  // beta approved: bob's finding, not seen this time, keeps its row with a new verdict (setFindingVerdicts)
  await commit(reg, [A, B('alice', 1)], [cov('repo', ['package.json', '.env.example']), cov('egress', ['proxy.log'])], '2026-11-03T10:00:00.000Z', APPROVE_BETA);
}

const norm = (rows: unknown[]) => JSON.parse(JSON.stringify(rows, (_k, v) => (typeof v === 'bigint' ? Number(v) : v)));

describe('SQLite narrow findings', () => {
  const pgb = postgresBackend();
  beforeAll(() => pgb.setup());
  afterAll(() => pgb.teardown());

  it("the view gives PostgreSQL's rows, column for column, after the same commits", async () => {
    const out: Record<string, unknown[]> = {};
    for (const b of [sqliteBackend(), pgb]) {
      const spec = await b.fresh();
      const reg = await b.open(spec);
      await history(reg);
      await reg.close();
      const raw = await b.raw(spec);
      out[b.name] = norm(await raw.all('SELECT * FROM findings ORDER BY id'));
      await raw.close();
    }
    const rows = out.sqlite as Array<Record<string, unknown>>;
    // the history did what it says: four findings, one gone, the egress rows judged again, a row without count, data of its own
    expect(rows).toHaveLength(4);
    expect(rows.filter((r) => r.state === 'gone').map((r) => r.value)).toEqual(['ALPHA_API_KEY']);
    expect(rows.filter((r) => r.signal === 'usage').map((r) => [r.subject_id, r.status, r.last_detected_at])).toEqual(
      expect.arrayContaining([
        ['alice', 'sanctioned', '2026-11-03T10:00:00.000Z'],
        ['bob', 'sanctioned', '2026-11-01T10:00:00.000Z'],
      ]),
    );
    expect(rows.find((r) => r.subject_id === 'alice')).toMatchObject({ count: 6, first_detected_at: '2026-11-01T10:00:00.000Z' });
    expect(rows.find((r) => r.kind === 'env-var')!.data).toContain('"note":"own"');
    expect(out.sqlite).toEqual(out.postgres);
  });

  it('stores shared values once: one shape, verdict and commit row for many findings; no index on the id', async () => {
    const spec = await sqliteBackend().fresh();
    const reg = await openRegister(spec);
    await commit(reg, Array.from({ length: 50 }, (_, i) => B(`user${i}`, 1)), [cov('egress', ['proxy.log'])], '2026-11-01T10:00:00.000Z');
    await reg.close();
    const db = new Database(spec, { readonly: true });
    try {
      const n = (t: string) => db.prepare(`SELECT COUNT(*) FROM ${t}`).pluck().get();
      expect([n('finding_rows'), n('finding_shapes'), n('finding_verdicts'), n('finding_commits')]).toEqual([50, 1, 1, 1]);
      const indexed = db.prepare("SELECT name FROM pragma_index_list('finding_rows')").pluck().all() as string[];
      for (const ix of indexed) expect(db.prepare('SELECT name FROM pragma_index_info(?)').pluck().all(ix)).not.toContain('id');
    } finally {
      db.close();
    }
  });

  it('an upsert the commit did not look up first updates stored ids and never stores an id twice', async () => {
    const spec = await sqliteBackend().fresh();
    const reg = await openRegister(spec);
    await commit(reg, [A, B('alice', 3)], [cov('repo', ['package.json']), cov('egress', ['proxy.log'])], '2026-11-01T10:00:00.000Z');
    const [fa, fb] = (await reg.listFindings()).sort((x, y) => x.kind.localeCompare(y.kind));
    const w = (f: Finding, locator: string) => ({ finding: { ...f, locator }, itemId: 'svc-x', unit: null, status: 'unsanctioned', statusReason: 'r' });
    const fresh = { ...fb, id: 'ffff-new', subject: { kind: 'user', id: 'carol' } } as Finding;
    // no findingFigures first; a stored id, a new id, and the new id again in the same call
    const rows = [w(fb, 'proxy.log:99'), w(fresh, 'proxy.log:1'), w(fresh, 'proxy.log:2')];
    await reg.transaction((tx) => tx.upsertFindings({ length: rows.length, at: (i) => rows[i] }, 'run-x', '2026-11-05T00:00:00.000Z'));
    const after = await reg.listFindings();
    expect(after.map((f) => f.id).sort()).toEqual([fa.id, fb.id, 'ffff-new'].sort());
    expect(after.find((f) => f.id === fb.id)).toMatchObject({ locator: 'proxy.log:99', lastDetectedAt: '2026-11-05T00:00:00.000Z', firstDetectedAt: '2026-11-01T10:00:00.000Z' });
    expect(after.find((f) => f.id === 'ffff-new')).toMatchObject({ locator: 'proxy.log:2', firstDetectedAt: '2026-11-05T00:00:00.000Z' });
    await reg.close();
  });

  it('new rows go in batches: a call longer than a batch stores each row once, in order, numbered after the largest row id; an id repeated while its row waits in a batch updates it', async () => {
    const spec = await sqliteBackend().fresh();
    const reg = await openRegister(spec);
    await commit(reg, [A, B('alice', 3)], [cov('repo', ['package.json']), cov('egress', ['proxy.log'])], '2026-11-01T10:00:00.000Z');
    const [, fb] = (await reg.listFindings()).sort((x, y) => x.kind.localeCompare(y.kind));
    const w = (f: Finding, locator: string) => ({ finding: { ...f, locator }, itemId: 'svc-x', unit: null, status: 'unsanctioned', statusReason: 'r' });
    const mk = (i: number) => ({ ...fb, id: `new-${String(i).padStart(3, '0')}`, subject: { kind: 'user', id: `u${i}` } }) as Finding;
    // 70 new ids (more than two batches); new-005 again after its batch went, new-064 again while its batch still waits
    const rows = Array.from({ length: 70 }, (_, i) => w(mk(i), `proxy.log:${i}`));
    rows.splice(40, 0, w(mk(5), 'proxy.log:again-5'));
    rows.splice(66, 0, w(mk(64), 'proxy.log:again-64'));
    await reg.transaction((tx) => tx.upsertFindings({ length: rows.length, at: (i) => rows[i] }, 'run-b', '2026-11-05T00:00:00.000Z'));
    await reg.close();
    const db = new Database(spec, { readonly: true });
    try {
      const stored = db.prepare("SELECT rid, id, locator FROM finding_rows WHERE id LIKE 'new-%' ORDER BY rid").all() as Array<{ rid: number; id: string; locator: string }>;
      const before = db.prepare("SELECT max(rid) FROM finding_rows WHERE id NOT LIKE 'new-%'").pluck().get() as number;
      expect(stored.map((r) => r.id)).toEqual(Array.from({ length: 70 }, (_, i) => mk(i).id));
      expect(stored.map((r) => r.rid)).toEqual(Array.from({ length: 70 }, (_, i) => before + 1 + i));
      expect(stored.find((r) => r.id === 'new-005')!.locator).toBe('proxy.log:again-5');
      expect(stored.find((r) => r.id === 'new-064')!.locator).toBe('proxy.log:again-64');
      expect(stored.find((r) => r.id === 'new-069')!.locator).toBe('proxy.log:69');
      expect(db.prepare('SELECT COUNT(*) FROM finding_rows').pluck().get()).toBe(72);
    } finally {
      db.close();
    }
  });

  it('an upsert after the commit looked its ids up: a stored id updated, ids found absent inserted once, an id not looked up found by its own pass', async () => {
    const spec = await sqliteBackend().fresh();
    const reg = await openRegister(spec);
    await commit(reg, [A, B('alice', 3)], [cov('repo', ['package.json']), cov('egress', ['proxy.log'])], '2026-11-01T10:00:00.000Z');
    const [fa, fb] = (await reg.listFindings()).sort((x, y) => x.kind.localeCompare(y.kind));
    const w = (f: Finding, locator: string) => ({ finding: { ...f, locator }, itemId: 'svc-x', unit: null, status: 'unsanctioned', statusReason: 'r' });
    const absent = { ...fb, id: '0123456789abcdef0123456789abcdef', subject: { kind: 'user', id: 'carol' } } as Finding;
    const other = { ...fb, id: 'not-looked-up', subject: { kind: 'user', id: 'dave' } } as Finding;
    const rows = [w(fb, 'proxy.log:99'), w(absent, 'proxy.log:1'), w(absent, 'proxy.log:2'), w(fa, 'package.json:7'), w(other, 'proxy.log:5')];
    await reg.transaction(async (tx) => {
      // the commit's order: figures of its ids first (fa is not among them: looked up by the upsert's own pass)
      const figures = await tx.findingFigures([fb.id, absent.id]);
      expect([...figures.keys()]).toEqual([fb.id]);
      await tx.upsertFindings({ length: rows.length, at: (i) => rows[i] }, 'run-y', '2026-11-06T00:00:00.000Z');
    });
    const after = await reg.listFindings();
    expect(after.map((f) => f.id).sort()).toEqual([fa.id, fb.id, absent.id, 'not-looked-up'].sort());
    expect(after.find((f) => f.id === fb.id)).toMatchObject({ locator: 'proxy.log:99', firstDetectedAt: '2026-11-01T10:00:00.000Z', lastDetectedAt: '2026-11-06T00:00:00.000Z' });
    expect(after.find((f) => f.id === absent.id)).toMatchObject({ locator: 'proxy.log:2', firstDetectedAt: '2026-11-06T00:00:00.000Z' });
    expect(after.find((f) => f.id === fa.id)).toMatchObject({ locator: 'package.json:7', firstDetectedAt: '2026-11-01T10:00:00.000Z' });
    await reg.close();
  });

  it("the commit's read of the other active findings gives what the view's rows read through findingReader, key for key, odd rows included", async () => {
    const spec = await sqliteBackend().fresh();
    const reg = await openRegister(spec);
    await history(reg);
    await reg.close();
    const db = new Database(spec);
    // odd rows, as a register can hold them: a shape sharing nothing (rows moved by migration 1000,
    // data the whole finding), own data that does not parse, own data repeating a shared field, own data with an id
    const base = db.prepare("SELECT * FROM finding_rows WHERE signal = 'usage' LIMIT 1").get() as Record<string, unknown>;
    const shapeNone = Number(db.prepare("INSERT INTO finding_shapes (service, source, scanner, kind, confidence, subject_kind, data0) VALUES ('beta-ai', 'network', 'egress', 'host', 'inferred', 'user', '{')").run().lastInsertRowid);
    const cols = Object.keys(base).filter((c) => c !== 'rid');
    const add = (over: Record<string, unknown>) => db.prepare(`INSERT INTO finding_rows (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`).run(...cols.map((c) => (c in over ? over[c] : base[c])));
    add({ id: 'old-1', subject_id: 'carol', shape: shapeNone, data: '{"id":"old-1","service":"beta-ai","kind":"host","value":"app.beta-notes.test"}' });
    add({ id: 'old-2', subject_id: 'dave', shape: shapeNone, data: '{"serviceName":"Beta","attrs":{"x":1}}' });
    add({ id: 'bad-1', subject_id: 'erin', data: '{"attrs":' });
    add({ id: 'dup-1', subject_id: 'finn', data: '{"vendor":"Someone else","attrs":{}}' });
    add({ id: 'idd-1', subject_id: 'gus', data: '{"id":"idd-1","kind":"host"}' });
    add({ id: 'num-1', subject_id: 'hal', subject_name: 'Hal', data: '{"7":"seven","attrs":{"a":[1,2]},"count":null}' });
    db.close();
    const cols2 = 'status, status_reason, id, service, source, scanner, kind, value, signal, confidence, subject_kind, subject_id, subject_name, locator, count, bytes_out, bytes_in, seen_first, seen_last, data';
    const view = new Database(spec, { readonly: true });
    const read = findingReader();
    const want = (view.prepare(`SELECT ${cols2} FROM findings WHERE state = 'active'`).all() as Array<Record<string, unknown>>).map((r) => ({ finding: read(r), status: r.status, statusReason: r.status_reason }));
    view.close();
    const reg2 = await openRegister(spec);
    const got = await reg2.transaction((tx) => tx.otherActiveFindings('run-none'));
    await reg2.close();
    expect(want.length).toBe(9);
    expect(got).toEqual(want);
    // key for key: reports and dumps print findings in their keys' order
    expect(JSON.stringify(got)).toBe(JSON.stringify(want));
  });

  it('migration 1000 moves the rows of the wide table: the view reads what the table held', async () => {
    const file = join(tmpDir(), 'old.db');
    const db = new Database(file);
    const old = new SqliteConn(db);
    await migrate(old, SQLITE_MIGRATIONS.filter((m) => m.version < 1000), ['BEGIN IMMEDIATE']);
    const cols = 'id, item_id, service, source, scanner, kind, value, signal, confidence, subject_kind, subject_id, subject_name, locator, unit, count, bytes_out, bytes_in, seen_first, seen_last, status, status_reason, state, first_detected_at, last_detected_at, first_scan_id, last_scan_id, gone_at, data';
    const ins = db.prepare(`INSERT INTO findings (${cols}) VALUES (${cols.split(',').map(() => '?').join(', ')})`);
    // a row as commits write it (data: the fields no column holds), a row of an older register
    // (data: the whole finding), a gone row; two runs, two verdicts, two shapes
    ins.run('a1', 'svc-alpha-ai', 'alpha-ai', 'repo', 'repo', 'package', 'alpha-ai', 'presence', 'declared', 'repo', 'r1', null, 'package.json:4', 'r1', 1, null, null, null, null, 'unsanctioned', 'no catalog entry', 'active', '2026-10-01T00:00:00.000Z', '2026-10-02T00:00:00.000Z', 'run-1', 'run-2', null, '{"serviceName":"Alpha","match":{"rule":"npm","pattern":"alpha-ai"},"attrs":{"unit":"r1"}}');
    ins.run('b2', 'svc-beta-notes', 'beta-notes', 'network', 'egress', 'host', 'app.beta-notes.test', 'usage', 'inferred', 'user', 'alice', 'Alice', 'proxy.log:3', null, 7, 7000, 12, '2026-09-30T00:00:00.000Z', '2026-10-01T00:00:00.000Z', 'approved', 'catalog entry beta', 'active', '2026-10-01T00:00:00.000Z', '2026-10-01T00:00:00.000Z', 'run-1', 'run-1', null, '{"id":"b2","service":"beta-notes","kind":"host","value":"app.beta-notes.test"}');
    ins.run('c3', 'svc-alpha-ai', 'alpha-ai', 'repo', 'repo', 'env-var', 'ALPHA_API_KEY', 'presence', 'inferred', 'repo', 'r1', null, '.env:1', null, 1, null, null, null, null, 'unsanctioned', 'no catalog entry', 'gone', '2026-10-01T00:00:00.000Z', '2026-10-01T00:00:00.000Z', 'run-1', 'run-1', '2026-10-02T00:00:00.000Z', '{}');
    const before = db.prepare('SELECT * FROM findings ORDER BY id').all();
    db.close();
    // opened read-only it is not migrated: its findings table is read as it is, by the statements that do not need the narrow rows
    const ro = await openRegister(file, { readonly: true });
    expect([...(await ro.findingsOfRun('run-2')).keys()]).toEqual(['a1']);
    expect((await ro.diffFindings({ runId: 'run-1', scanner: 'egress' })).map((r) => r.id)).toEqual(['b2']);
    expect((await ro.diffFindings({ ids: ['a1', 'c3', 'zz'] })).map((r) => r.id)).toEqual(['a1']);
    await ro.close();
    const reg = await openRegister(file);
    const moved = await reg.listFindings({ state: 'all' });
    await reg.close();
    const after = new Database(file, { readonly: true });
    try {
      expect(after.prepare("SELECT type FROM sqlite_master WHERE name = 'findings'").pluck().get()).toBe('view');
      expect(after.prepare('SELECT * FROM findings ORDER BY id').all()).toEqual(before);
    } finally {
      after.close();
    }
    expect(moved.map((f) => [f.id, f.state, f.status])).toEqual([
      ['c3', 'gone', 'unsanctioned'],
      ['a1', 'active', 'unsanctioned'],
      ['b2', 'active', 'approved'],
    ]);
  });

  it('migration 1000 fails, and leaves the register as it was, when a row cannot be moved', async () => {
    const file = join(tmpDir(), 'odd.db');
    const db = new Database(file);
    await migrate(new SqliteConn(db), SQLITE_MIGRATIONS.filter((m) => m.version < 1000), ['BEGIN IMMEDIATE']);
    // a row the narrow tables cannot hold (a NULL status: possible only in a file edited outside shadowscan)
    db.unsafeMode(true); // defensive mode off: the schema text may be edited
    db.pragma('writable_schema = ON');
    db.prepare("UPDATE sqlite_master SET sql = replace(sql, 'status TEXT NOT NULL', 'status TEXT') WHERE type = 'table' AND name = 'findings'").run();
    db.pragma('writable_schema = OFF');
    db.close();
    const odd = new Database(file);
    odd.prepare(`INSERT INTO findings (id, item_id, service, source, scanner, kind, value, signal, confidence, subject_kind, subject_id, locator, status, status_reason, first_detected_at, last_detected_at, first_scan_id, last_scan_id, data)
      VALUES ('x1', 'svc-a', 'a', 'repo', 'repo', 'package', 'a', 'presence', 'declared', 'repo', 'r1', 'p.json:1', NULL, 'why', 't', 't', 'run-1', 'run-1', '{}')`).run();
    odd.close();
    // one line naming the file and the row's fault; the migration's transaction is rolled back
    await expect(openRegister(file)).rejects.toThrow(/odd\.db: .*NOT NULL constraint failed: finding_verdicts\.status/);
    const after = new Database(file, { readonly: true });
    try {
      expect(after.prepare("SELECT type FROM sqlite_master WHERE name = 'findings'").pluck().get()).toBe('table');
      expect(after.prepare('SELECT id FROM findings').pluck().all()).toEqual(['x1']);
      expect(after.prepare("SELECT COUNT(*) FROM sqlite_master WHERE name = 'finding_rows'").pluck().get()).toBe(0);
    } finally {
      after.close();
    }
  });
});
