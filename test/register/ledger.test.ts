/**
 * The tamper suite: a register with scans, a catalog import, a policy and intake decisions, then
 * every kind of tampering an attacker with write access to the database can do — edit, delete
 * (first, middle, last, last N, all), insert, reorder, re-chain without the key, edit each
 * projected table — each caught by `audit verify` (with a signed checkpoint for truncation) and
 * named correctly. Both backends: a real SQLite file and a real PostgreSQL server on loopback.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHmac, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { importCatalog } from '../../src/catalog/record.js';
import { main } from '../../src/cli/main.js';
import { approve, decline, falsePositive, requestIntake, suppress, triage, type IntakeContext } from '../../src/intake/actions.js';
import { setPolicy } from '../../src/intake/policy.js';
import { recordImpactAssessment, updateSettings } from '../../src/governance/governance.js';
import { canonical, nextRecord, recordHash, type AuditRecord } from '../../src/register/audit.js';
import { makeCheckpoint, rotateKey, verifyLedger, type Checkpoint } from '../../src/register/ledger.js';
import { loadKeyring } from '../../src/register/ledger-keys.js';
import { Auth } from '../../src/web/auth.js';
import type { RegisterStore } from '../../src/register/store.js';
import { tmpDir } from '../helpers/tmp.js';
import { seed, testCatalog } from '../intake/helpers.js';
import { BACKENDS, type Raw } from './backends.js';

const KEYS = tmpDir('shadowscan-ledger-keys-');
process.env.SHADOWSCAN_AUDIT_KEY_FILE = join(KEYS, 'audit.key');
process.env.SHADOWSCAN_CHECKPOINT_KEY_FILE = join(KEYS, 'checkpoint.key');

const NOW = new Date('2026-04-22T10:00:00Z');
const answers = { consequence: 'medium' as const, affected: 'internal' as const, significantDecisions: false };

const AUDIT_COLS = 'seq, at, actor, action, entity_type, entity_id, before_state, after_state, rationale, prev_hash, hash, key_id';
const toRec = (r: any): AuditRecord => ({ ...r, seq: Number(r.seq) });

describe.each(BACKENDS)('the decision log on $name', (backend) => {
  beforeAll(() => backend.setup(), 120_000);
  afterAll(() => backend.teardown());

  /** A register with a scan, a catalog version, a policy, a decline and an approval; its checkpoint. */
  async function build(): Promise<{ spec: string; reg: RegisterStore; raw: Raw; n: number; cp: Checkpoint; rows: () => Promise<AuditRecord[]> }> {
    const spec = await backend.fresh();
    const reg = await seed(spec);
    await importCatalog(reg, testCatalog(), { actor: 'local-admin', source: 'catalog.yaml', now: NOW });
    await setPolicy(reg, 'separation-of-duties', true, 'local-admin');
    const ctx: IntakeContext = { register: reg, baseCatalog: testCatalog(), now: () => NOW };
    const risks = await reg.listRisks();
    const ds = risks.find((r) => r.service === 'deepseek')!;
    const ot = risks.find((r) => r.service === 'otter-ai')!;
    // users, a token, governance decisions: every table the log determines holds a row
    const auth = new Auth(reg);
    await auth.addUser('rita', 'correct horse battery staple', 'reviewer', 'local-admin');
    await auth.addUser('gl', 'another long passphrase', 'triager', 'local-admin');
    await auth.addUser('gone', 'another long passphrase', 'viewer', 'local-admin');
    await auth.setUserDisabled('gl', true, 'local-admin');
    await auth.setUserDisabled('gl', false, 'local-admin');
    await auth.removeUser('gone', 'local-admin');
    const t1 = await auth.createToken('ci-bot', 'viewer', { actor: 'local-admin', expiresDays: 30 });
    const t2 = await auth.createToken('old-bot', 'triager', { actor: 'local-admin' });
    await auth.revokeToken(t2.id, 'local-admin');
    await auth.bearer(t1.token); // last-used time: not a decision
    await updateSettings(ctx, ['tiers.1.appetite=4'], 'local-admin', 'tighter appetite for tier 1');
    await recordImpactAssessment(ctx, ds.id, { purpose: 'support replies', affectedPeople: 'customers', potentialHarms: 'data leaves the region', mitigations: 'none yet', decision: 'do-not-proceed', decisionRationale: 'region' }, 'user:gl');
    // a suppression and a false-positive mark on two other entries
    const others = risks.filter((r) => r.id !== ds.id && r.id !== ot.id);
    await suppress(ctx, others[0].id, { reason: 'pilot ends in May', until: '2026-12-31' }, 'user:gl');
    await falsePositive(ctx, others[1].id, { reason: 'a look-alike domain', until: '2026-09-30' }, 'user:gl');
    await triage(ctx, ds.id, { answers, owner: 'Security' }, 'user:gl');
    await decline(ctx, ds.id, { treatment: 'avoid', rationale: 'data leaves the region' }, 'user:rita');
    await triage(ctx, ot.id, { answers, owner: 'Sales' }, 'user:gl');
    await requestIntake(ctx, ot.id, {}, 'user:gl');
    // residual risk above the tier's appetite: accepted with the approval, in its transaction
    await approve(ctx, ot.id, { expires: '2027-01-31', rationale: 'meeting notes, internal only', acceptance: { role: 'governance-lead', rationale: 'internal meeting notes only' } }, 'user:rita');
    const raw = await backend.raw(spec);
    const rows = async () => (await raw.all(`SELECT ${AUDIT_COLS} FROM audit_log ORDER BY seq`)).map(toRec);
    const n = (await rows()).length;
    const cp = await makeCheckpoint(reg, reg.location, NOW);
    const v = await verifyLedger(reg, { checkpoint: cp, publicKey: { pem: cp.publicKey, from: 'test' } });
    expect(v.problems).toEqual([]);
    expect(v.ok).toBe(true);
    return { spec, reg, raw, n, cp, rows };
  }

  const verify = (reg: RegisterStore, cp?: Checkpoint) => verifyLedger(reg, cp ? { checkpoint: cp, publicKey: { pem: cp.publicKey, from: 'test' } } : {});
  const kinds = (v: Awaited<ReturnType<typeof verify>>) => v.problems.map((p) => `${p.kind}@${p.seq}${p.to ? `-${p.to}` : ''}`);
  /** The chain's problems (entries), without the projection differences the same tampering causes. */
  const chain = (v: Awaited<ReturnType<typeof verify>>) => kinds(v).filter((k) => !k.startsWith('projection@'));
  /** Projection differences as `table key column`. */
  const projDiffs = (v: Awaited<ReturnType<typeof verify>>) => v.problems.filter((p) => p.kind === 'projection').map((p) => `${p.table} ${p.key}${p.column ? ` ${p.column}` : ''}`);

  /** Moves rows to new sequence numbers without tripping the primary key mid-update. */
  async function renumber(raw: Raw, where: string, expr: string): Promise<void> {
    await raw.run(`UPDATE audit_log SET seq = -(${expr}) WHERE ${where}`);
    await raw.run('UPDATE audit_log SET seq = -seq WHERE seq < 0');
  }

  it('every decision is a keyed entry; the projections match; the key file is private and never in the register', async () => {
    const { reg, raw, rows } = await build();
    const all = await rows();
    const ring = loadKeyring();
    const keyId = [...ring.keys.keys()].at(-1)!;
    expect(all.every((r) => r.key_id === keyId)).toBe(true);
    expect(statSync(process.env.SHADOWSCAN_AUDIT_KEY_FILE!).mode & 0o777).toBe(0o600);
    const keyHex = ring.keys.get(keyId)!.key.toString('hex');
    expect(JSON.stringify(all)).not.toContain(keyHex);
    expect(all.map((r) => r.action)).toEqual(expect.arrayContaining(['catalog.imported', 'policy.set', 'catalog.declined', 'catalog.approved', 'risk.request-intake']));
    const dec = await raw.all('SELECT id, decision, active FROM catalog_decisions ORDER BY id');
    expect(dec.map((d) => [d.id, d.decision, Number(d.active)])).toEqual([['DEC-0001', 'declined', 1], ['DEC-0002', 'approved', 1]]);
    expect((await raw.all('SELECT name, value FROM settings')).map((r) => [r.name, r.value])).toEqual([['separation-of-duties', 'true']]);
    await raw.close();
    await reg.close();
  });

  it('an edited entry is named; the chain after it still links', async () => {
    const { reg, raw } = await build();
    await raw.run("UPDATE audit_log SET actor = 'user:mallory' WHERE seq = 5");
    const v = await verify(reg);
    expect(v.ok).toBe(false);
    expect(kinds(v)).toEqual(['edited@5']);
    expect(v.problems[0].problem).toBe('entry 5: edited — content does not match its MAC');
    await raw.close();
    await reg.close();
  });

  it('deleting the first or a middle entry is named as missing', async () => {
    const { reg, raw, rows } = await build();
    const entries = await rows();
    await raw.run('DELETE FROM audit_log WHERE seq = 1');
    expect(chain(await verify(reg))).toEqual(['missing@1']);
    await raw.run('DELETE FROM audit_log WHERE seq IN (6, 7)');
    const v = await verify(reg);
    expect(chain(v)).toEqual(['missing@1', 'missing@6-7']);
    // a deleted entry that created a risk entry leaves its row without an entry: named as inserted
    for (const e of entries.filter((r) => [1, 6, 7].includes(r.seq) && r.action === 'risk.created')) expect(projDiffs(v)).toContain(`risk_entries ${e.entity_id}`);
    expect(v.problems[1].problem).toBe('entries 6–7 missing: sequence gap before entry 8 (deleted)');
    await raw.close();
    await reg.close();
  });

  it('deleting the last entry, the last N or all of them: truncation is proved by the checkpoint', async () => {
    const { reg, raw, n, cp } = await build();
    await raw.run('DELETE FROM audit_log WHERE seq = $1', [n]);
    let v = await verify(reg, cp);
    expect(chain(v)).toEqual([`truncated@${n}`]);
    // the last entry is the approval of the risk entry: the row says approved, the log no longer does
    expect(projDiffs(v)).toEqual(expect.arrayContaining([expect.stringMatching(/^risk_entries AIR-\d+ status$/)]));
    expect(v.problems.find((p) => p.kind === 'truncated')!.problem).toBe(`truncated after entry ${n - 1}: the checkpoint of ${NOW.toISOString()} covers ${n} entries (entry ${n} removed)`);
    // the last 4 include the approval: its projection row has no entry left either
    await raw.run('DELETE FROM audit_log WHERE seq > $1', [n - 4]);
    v = await verify(reg, cp);
    expect(v.problems.find((p) => p.kind === 'truncated')).toMatchObject({ seq: n - 3, to: n, problem: expect.stringMatching(new RegExp(`^truncated after entry ${n - 4}:`)) });
    expect(v.problems.some((p) => p.kind === 'projection' && p.table === 'catalog_decisions' && p.key === 'DEC-0002')).toBe(true);
    await raw.run('DELETE FROM audit_log');
    v = await verify(reg, cp);
    expect(v.records).toBe(0);
    expect(v.problems.find((p) => p.kind === 'truncated')!.problem).toMatch(/^truncated after entry 0:/);
    // every projection row is now without its entry
    expect([...new Set(v.problems.filter((p) => p.kind === 'projection').map((p) => p.table))].sort()).toEqual(['api_tokens', 'catalog_decisions', 'catalog_versions', 'governance_entries', 'governance_settings', 'risk_entries', 'settings', 'web_users']);
    expect(v.problems.filter((p) => p.table === 'risk_entries').length).toBe((await reg.listRisks()).length);
    await raw.close();
    await reg.close();
  });

  it('truncating entries that drive no projection passes a plain chain walk — the checkpoint catches it', async () => {
    const { reg, raw, rows } = await build();
    // an unlock clears sign-in failures: the entry drives no projection
    await new Auth(reg).unlockUser('rita', 'local-admin');
    const cp = await makeCheckpoint(reg, reg.location, NOW);
    const last = (await rows()).at(-1)!;
    expect(last.action).toBe('user.unlocked');
    await raw.run('DELETE FROM audit_log WHERE seq = $1', [last.seq]);
    expect((await verify(reg)).ok).toBe(true);
    const v = await verify(reg, cp);
    expect(kinds(v)).toEqual([`truncated@${last.seq}`]);
    await raw.close();
    await reg.close();
  });

  it('an inserted entry is named, and the entries it pushed down are named as renumbered', async () => {
    const { reg, raw, n, rows } = await build();
    const before = (await rows())[3];
    await renumber(raw, 'seq >= 5', 'seq + 1');
    const forged = { ...before, seq: 5, actor: 'user:mallory', action: 'risk.triage', rationale: 'forged', prev_hash: before.hash, hash: randomBytes(32).toString('hex') };
    await raw.run(`INSERT INTO audit_log (${AUDIT_COLS}) VALUES (${AUDIT_COLS.split(', ').map((_, i) => `$${i + 1}`).join(', ')})`, AUDIT_COLS.split(', ').map((c) => (forged as any)[c] ?? null));
    const v = await verify(reg);
    expect(kinds(v)).toEqual(['inserted@5', `renumbered@6-${n + 1}`]);
    expect(v.problems[0].problem).toBe('entry 5: inserted — not written with the key, and entry 6 links past it to entry 4');
    await raw.close();
    await reg.close();
  });

  it('reordered entries are named with the position they were written at', async () => {
    const { reg, raw } = await build();
    await raw.run('UPDATE audit_log SET seq = -1 WHERE seq = 4');
    await raw.run('UPDATE audit_log SET seq = 4 WHERE seq = 6');
    await raw.run('UPDATE audit_log SET seq = 6 WHERE seq = -1');
    const v = await verify(reg);
    expect(kinds(v)).toEqual(['reordered@4', 'reordered@6']);
    expect(v.problems.map((p) => p.problem)).toEqual(['entry 4: reordered — it was written as entry 6', 'entry 6: reordered — it was written as entry 4']);
    await raw.close();
    await reg.close();
  });

  it('an entry edited and the chain re-computed without the key (plain SHA-256, or another key) is named', async () => {
    const { reg, raw, n, rows } = await build();
    let prev = (await rows())[3].hash;
    for (const r of (await rows()).slice(4)) {
      const x = { ...r, prev_hash: prev, rationale: r.seq === 5 ? 'rewritten' : r.rationale };
      x.hash = recordHash(x);
      await raw.run('UPDATE audit_log SET rationale = $1, prev_hash = $2, hash = $3 WHERE seq = $4', [x.rationale, x.prev_hash, x.hash, r.seq]);
      prev = x.hash;
    }
    let v = await verify(reg);
    expect(kinds(v)).toEqual([`rechained@5-${n}`]);
    expect(v.problems[0].problem).toBe(`entries 5–${n}: re-chained without the key (hashes recomputed without the MAC key after an edit)`);
    // an attacker's own key instead of a plain hash: the edit, then the re-chained tail
    const theirs = randomBytes(32);
    prev = (await rows())[3].hash;
    for (const r of (await rows()).slice(4)) {
      const x = { ...r, prev_hash: prev };
      const body = canonical({ seq: x.seq, at: x.at, actor: x.actor, action: x.action, entity_type: x.entity_type, entity_id: x.entity_id, before_state: x.before_state, after_state: x.after_state, rationale: x.rationale, key_id: x.key_id });
      x.hash = createHmac('sha256', theirs).update(x.prev_hash + '\n' + body).digest('hex');
      await raw.run('UPDATE audit_log SET prev_hash = $1, hash = $2 WHERE seq = $3', [x.prev_hash, x.hash, r.seq]);
      prev = x.hash;
    }
    v = await verify(reg);
    expect(kinds(v)).toEqual(['edited@5', `rechained@6-${n}`]);
    await raw.close();
    await reg.close();
  });

  it('an edit of each projected table is named by table, key and column; deleted and inserted rows too', async () => {
    const { reg, raw } = await build();
    // deactivating the decline empties the block list — the log still says it is active
    await raw.run("UPDATE catalog_decisions SET active = 0 WHERE decision = 'declined'");
    let v = await verify(reg);
    expect(v.problems).toEqual([{ seq: 0, kind: 'projection', table: 'catalog_decisions', key: 'DEC-0001', column: 'active', problem: 'projection catalog_decisions differs: row DEC-0001 column active is "0", the log says "1"' }]);
    await raw.run("UPDATE catalog_decisions SET active = 1 WHERE decision = 'declined'");
    await raw.run("DELETE FROM catalog_decisions WHERE decision = 'approved'");
    v = await verify(reg);
    expect(v.problems.map((p) => p.problem)).toEqual(['projection catalog_decisions differs: row DEC-0002 is in the log but not in the table (deleted)']);
    await raw.run("INSERT INTO catalog_decisions (id, service, decision, entry, decided_by, decided_at, risk_entry_id, active) VALUES ('DEC-0002', 'otter-ai', 'approved', '{}', 'user:x', '2026-01-01', 'AIR-0001', 1)");
    v = await verify(reg);
    expect(v.problems.map((p) => `${p.table} ${p.key} ${p.column}`)).toEqual(expect.arrayContaining(['catalog_decisions DEC-0002 entry', 'catalog_decisions DEC-0002 decided_by', 'catalog_decisions DEC-0002 decided_at']));
    await raw.run("DELETE FROM catalog_decisions WHERE decided_by = 'user:x'");
    await raw.close();
    await reg.close();

    const b = await build();
    await b.raw.run("UPDATE settings SET value = 'false' WHERE name = 'separation-of-duties'");
    v = await verify(b.reg);
    expect(v.problems.map((p) => `${p.kind} ${p.table} ${p.key} ${p.column}`)).toEqual(['projection settings separation-of-duties value']);
    await b.raw.run("UPDATE settings SET value = 'true' WHERE name = 'separation-of-duties'");
    await b.raw.run("INSERT INTO settings (name, value, set_by, set_at) VALUES ('approve-tier-1', '[\"admin\"]', 'local-admin', '2026-01-01')");
    v = await verify(b.reg);
    expect(v.problems.map((p) => p.problem)).toEqual(['projection settings differs: row approve-tier-1 is in the table but not in the log (inserted)']);
    await b.raw.run("DELETE FROM settings WHERE name = 'approve-tier-1'");
    await b.raw.run(`UPDATE catalog_versions SET catalog = '{"version":1,"approved":[],"declined":[]}' WHERE version = 1`);
    v = await verify(b.reg);
    expect(v.problems.map((p) => `${p.kind} ${p.table} ${p.key} ${p.column}`)).toEqual(['projection catalog_versions 1 catalog']);
    await b.raw.close();
    await b.reg.close();
  });

  it('users, tokens, risk-entry decisions and governance tables: an edit, a delete and an insert behind the log are each named (table, key, column)', async () => {
    const { reg, raw } = await build();
    const risk = (await reg.listRisks()).find((r) => r.service === 'otter-ai')!;
    const ds = (await reg.listRisks()).find((r) => r.service === 'deepseek')!;
    /** Runs a tampering, expects exactly these differences, then restores. */
    const tamper = async (sql: string[], restore: string[], want: string[]) => {
      for (const q of sql) await raw.run(q);
      const v = await verify(reg);
      expect(chain(v)).toEqual([]);
      expect(projDiffs(v).sort()).toEqual([...want].sort());
      for (const q of restore) await raw.run(q);
      expect((await verify(reg)).problems).toEqual([]);
    };
    const u = (await raw.all("SELECT * FROM web_users WHERE username = 'rita'"))[0];
    const tok = (await raw.all("SELECT * FROM api_tokens WHERE name = 'old-bot'"))[0];
    const rk = (await raw.all('SELECT * FROM risk_entries WHERE id = $1', [risk.id]))[0];
    const g = (await raw.all('SELECT * FROM governance_entries WHERE risk_entry_id = $1', [ds.id]))[0];
    const gs = (await raw.all("SELECT * FROM governance_settings WHERE key = 'settings'"))[0];
    const ins = (table: string, row: Record<string, unknown>) => `INSERT INTO ${table} (${Object.keys(row).join(', ')}) VALUES (${Object.values(row).map((v) => (v === null || v === undefined ? 'NULL' : typeof v === 'number' ? String(v) : `'${String(v).replace(/'/g, "''")}'`)).join(', ')})`;

    // ---- web_users: role raised, password hash swapped (a known password planted), disabled flag, deleted, inserted
    await tamper(["UPDATE web_users SET role = 'admin' WHERE username = 'rita'"], ["UPDATE web_users SET role = 'reviewer' WHERE username = 'rita'"], ['web_users rita role']);
    const planted = (await raw.all("SELECT password_hash FROM web_users WHERE username = 'gl'"))[0].password_hash;
    await tamper([`UPDATE web_users SET password_hash = '${planted}' WHERE username = 'rita'`], [`UPDATE web_users SET password_hash = '${u.password_hash}' WHERE username = 'rita'`], ['web_users rita password']);
    await tamper(["UPDATE web_users SET disabled = 1 WHERE username = 'rita'"], ["UPDATE web_users SET disabled = 0 WHERE username = 'rita'"], ['web_users rita disabled']);
    await tamper(["DELETE FROM web_users WHERE username = 'rita'"], [ins('web_users', u)], ['web_users rita']);
    await tamper([ins('web_users', { ...u, username: 'mallory', role: 'admin' })], ["DELETE FROM web_users WHERE username = 'mallory'"], ['web_users mallory']);
    // ---- api_tokens: un-revoked, role raised, expiry removed, hash swapped, deleted, inserted
    await tamper([`UPDATE api_tokens SET revoked = 0 WHERE id = '${tok.id}'`], [`UPDATE api_tokens SET revoked = 1 WHERE id = '${tok.id}'`], [`api_tokens ${tok.id} revoked`]);
    await tamper([`UPDATE api_tokens SET role = 'admin', token_hash = 'ab' WHERE id = '${tok.id}'`], [`UPDATE api_tokens SET role = '${tok.role}', token_hash = '${tok.token_hash}' WHERE id = '${tok.id}'`], [`api_tokens ${tok.id} role`, `api_tokens ${tok.id} token`]);
    const ci = (await raw.all("SELECT * FROM api_tokens WHERE name = 'ci-bot'"))[0];
    await tamper([`UPDATE api_tokens SET expires_at = NULL WHERE id = '${ci.id}'`], [`UPDATE api_tokens SET expires_at = '${ci.expires_at}' WHERE id = '${ci.id}'`], [`api_tokens ${ci.id} expires_at`]);
    await tamper([`DELETE FROM api_tokens WHERE id = '${tok.id}'`], [ins('api_tokens', tok)], [`api_tokens ${tok.id}`]);
    await tamper([ins('api_tokens', { ...tok, id: 'tok-forged', token_hash: 'f'.repeat(64), revoked: 0 })], ["DELETE FROM api_tokens WHERE id = 'tok-forged'"], ['api_tokens tok-forged']);
    // ---- risk_entries: the status and owner columns, the decision in the JSON, the JSON copy of a column, deleted, inserted
    await tamper([`UPDATE risk_entries SET status = 'approved' WHERE id = '${ds.id}'`], [`UPDATE risk_entries SET status = 'declined' WHERE id = '${ds.id}'`], [`risk_entries ${ds.id} status`]);
    await tamper([`UPDATE risk_entries SET owner = 'Mallory' WHERE id = '${risk.id}'`], [`UPDATE risk_entries SET owner = '${rk.owner}' WHERE id = '${risk.id}'`], [`risk_entries ${risk.id} owner`]);
    const data = JSON.parse(rk.data);
    const forged = { ...data, owner: 'Mallory', decision: { ...data.decision, expires: '2099-12-31', conditions: undefined } };
    await tamper([`UPDATE risk_entries SET data = '${JSON.stringify(forged).replace(/'/g, "''")}' WHERE id = '${risk.id}'`], [`UPDATE risk_entries SET data = '${rk.data.replace(/'/g, "''")}' WHERE id = '${risk.id}'`], [`risk_entries ${risk.id} owner`, `risk_entries ${risk.id} decision`]);
    await tamper([`DELETE FROM risk_entries WHERE id = '${risk.id}'`], [ins('risk_entries', rk)], [`risk_entries ${risk.id}`]);
    await tamper([ins('risk_entries', { ...rk, id: 'AIR-9999', item_id: 'forged-item', status: 'approved' })], ["DELETE FROM risk_entries WHERE id = 'AIR-9999'"], ['risk_entries AIR-9999']);
    // ---- suppressions and false-positive marks: the expiry column, the mark in the JSON
    const [sup, fp] = (await reg.listRisks()).filter((r) => r.status === 'suppressed' || r.status === 'false-positive').sort((a) => (a.status === 'suppressed' ? -1 : 1));
    expect([sup.status, fp.status]).toEqual(['suppressed', 'false-positive']);
    const fpRow = (await raw.all('SELECT data FROM risk_entries WHERE id = $1', [fp.id]))[0];
    await tamper([`UPDATE risk_entries SET suppressed_until = '2099-12-31' WHERE id = '${sup.id}'`], [`UPDATE risk_entries SET suppressed_until = '2026-12-31' WHERE id = '${sup.id}'`], [`risk_entries ${sup.id} suppressed_until`]);
    const fpData = JSON.parse(fpRow.data);
    await tamper([`UPDATE risk_entries SET data = '${JSON.stringify({ ...fpData, falsePositive: { ...fpData.falsePositive, until: undefined } }).replace(/'/g, "''")}' WHERE id = '${fp.id}'`], [`UPDATE risk_entries SET data = '${fpRow.data.replace(/'/g, "''")}' WHERE id = '${fp.id}'`], [`risk_entries ${fp.id} decision`]);
    // ---- governance_entries: the decision in the record, an index column, deleted, inserted
    const gd = JSON.parse(g.data);
    await tamper([`UPDATE governance_entries SET data = '${JSON.stringify({ ...gd, impactAssessment: { ...gd.impactAssessment, decision: 'proceed' } }).replace(/'/g, "''")}' WHERE risk_entry_id = '${ds.id}'`], [`UPDATE governance_entries SET data = '${g.data.replace(/'/g, "''")}' WHERE risk_entry_id = '${ds.id}'`], [`governance_entries ${ds.id} record`]);
    await tamper([`UPDATE governance_entries SET escalation_level = 3 WHERE risk_entry_id = '${ds.id}'`], [`UPDATE governance_entries SET escalation_level = ${g.escalation_level} WHERE risk_entry_id = '${ds.id}'`], [`governance_entries ${ds.id} escalation_level`]);
    await tamper([`DELETE FROM governance_entries WHERE risk_entry_id = '${ds.id}'`], [ins('governance_entries', g)], [`governance_entries ${ds.id}`]);
    // a decision planted on an entry nobody decided on, which has only the derived stages and threats the scan commit stores
    const open = (await reg.listRisks()).find((r) => r.id !== risk.id && r.id !== ds.id)!;
    const plain = (await raw.all('SELECT * FROM governance_entries WHERE risk_entry_id = $1', [open.id]))[0];
    const unplant = [`DELETE FROM governance_entries WHERE risk_entry_id = '${open.id}'`, ...(plain ? [ins('governance_entries', plain)] : [])];
    await tamper([`DELETE FROM governance_entries WHERE risk_entry_id = '${open.id}'`, ins('governance_entries', { ...g, risk_entry_id: open.id, item_id: open.itemId })], unplant, [`governance_entries ${open.id}`]);
    // ---- governance_settings: edited, deleted, inserted
    await tamper([`UPDATE governance_settings SET value = '${gs.value.replace('"appetite":4', '"appetite":25')}' WHERE key = 'settings'`], [`UPDATE governance_settings SET value = '${gs.value}' WHERE key = 'settings'`], ['governance_settings settings value']);
    await tamper(["DELETE FROM governance_settings WHERE key = 'settings'"], [ins('governance_settings', gs)], ['governance_settings settings']);
    await tamper([ins('governance_settings', { ...gs, key: 'shadow' })], ["DELETE FROM governance_settings WHERE key = 'shadow'"], ['governance_settings shadow']);
    await raw.close();
    await reg.close();
  });

  it('a write out of step with its log entry does not commit: the row and the entry stay as they were', async () => {
    const { reg, raw, rows } = await build();
    const before = (await rows()).length;
    const u = (await reg.getUser('rita'))!;
    // a write path that changes the role but records another one in the log
    await expect(reg.transaction(async (tx) => {
      await tx.upsertUser({ ...u, role: 'admin' });
      await tx.appendAudit({ actor: 'local-admin', action: 'user.updated', entityType: 'user', entityId: 'rita', after: { role: 'reviewer', disabled: false, password: (await import('../../src/register/projections.js')).hashMarker(u.passwordHash) } });
    })).rejects.toThrow('write out of step with the decision log (not committed): web_users row rita column role is "admin", the log says "reviewer"');
    expect((await reg.getUser('rita'))!.role).toBe('reviewer');
    expect((await rows()).length).toBe(before);
    // a row changed with no entry at all is caught by verify
    await reg.transaction((tx) => tx.upsertUser({ ...u, role: 'admin' }));
    expect(projDiffs(await verify(reg))).toEqual(['web_users rita role']);
    await raw.close();
    await reg.close();
  });

  it('a forged or altered checkpoint does not verify; a rewritten head is named', async () => {
    const { reg, raw, cp } = await build();
    const forged = { ...cp, seq: cp.seq - 2 };
    expect(kinds(await verify(reg, forged))).toEqual([`checkpoint@${cp.seq - 2}`]);
    const other = await makeCheckpoint(reg, reg.location, NOW, join(tmpDir(), 'other.key'));
    const v = await verifyLedger(reg, { checkpoint: other, publicKey: { pem: cp.publicKey, from: 'the trusted key' } });
    expect(v.problems[0].problem).toMatch(/signature does not verify with the public key from the trusted key/);
    // the head entry rewritten (even with a valid-looking MAC it no longer matches the checkpoint)
    await raw.run('UPDATE audit_log SET hash = $1 WHERE seq = $2', ['f'.repeat(64), cp.seq]);
    expect(kinds(await verify(reg, cp))).toEqual([`edited@${cp.seq}`, `rewritten@${cp.seq}`]);
    await raw.close();
    await reg.close();
  });

  it('an unkeyed chain from before is keyed from entry N (recorded); its old part verifies unkeyed and says so; rotation names the new key only', async () => {
    const spec = await backend.fresh();
    const reg = await (await import('../../src/register/register.js')).openRegister(spec);
    const raw = await backend.raw(spec);
    let last: AuditRecord | undefined;
    for (let i = 0; i < 3; i++) {
      last = nextRecord(last, { at: NOW.toISOString(), actor: 'cli:old', action: 'risk.triage', entityType: 'risk', entityId: `AIR-000${i + 1}`, after: { status: 'triaged' }, rationale: 'before keying' });
      await raw.run(`INSERT INTO audit_log (${AUDIT_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`, [last.seq, last.at, last.actor, last.action, last.entity_type, last.entity_id, last.before_state, last.after_state, last.rationale, last.prev_hash, last.hash, null]);
    }
    await reg.appendAudit({ actor: 'local-admin', action: 'risk.triage', entityType: 'risk', entityId: 'AIR-0004', rationale: 'after keying' });
    const all = (await raw.all(`SELECT ${AUDIT_COLS} FROM audit_log ORDER BY seq`)).map(toRec);
    expect(all.map((r) => [r.seq, r.action, r.key_id === null])).toEqual([[1, 'risk.triage', true], [2, 'risk.triage', true], [3, 'risk.triage', true], [4, 'audit.keyed', false], [5, 'risk.triage', false]]);
    expect(all[3].rationale).toBe('keyed from entry 4: entries 1–3 stay chained without a key');
    let v = await verify(reg);
    expect(v.ok).toBe(true);
    expect(v.notes).toEqual(['entries 1–3 were chained without a key (written before keying): verified as an unkeyed hash chain only; keyed from entry 4']);
    // a keyed entry stripped of its key id and re-hashed plainly is re-chaining, not legacy
    const x = { ...all[4], key_id: null, rationale: 'changed' };
    x.hash = recordHash(x);
    await raw.run('UPDATE audit_log SET key_id = NULL, rationale = $1, hash = $2 WHERE seq = 5', [x.rationale, x.hash]);
    expect(kinds(await verify(reg))).toEqual(['rechained@5']);
    await raw.run('UPDATE audit_log SET key_id = $1, rationale = $2, hash = $3 WHERE seq = 5', [all[4].key_id, all[4].rationale, all[4].hash]);
    // rotation: a new key in the key file, an entry naming its fingerprint, old entries still verify
    const keyFile = process.env.SHADOWSCAN_AUDIT_KEY_FILE!;
    const r = await rotateKey(reg, 'local-admin');
    await reg.appendAudit({ actor: 'local-admin', action: 'risk.triage', entityType: 'risk', entityId: 'AIR-0005', rationale: 'after rotation' });
    const ring = loadKeyring();
    expect([...ring.keys.keys()]).toContain(r.to);
    expect([...ring.keys.keys()]).toContain(r.from);
    const rot = (await raw.all(`SELECT ${AUDIT_COLS} FROM audit_log WHERE action = 'audit.key-rotated'`)).map(toRec).at(-1)!;
    expect(JSON.parse(rot.after_state!)).toEqual({ keyId: r.to });
    expect(rot.key_id).toBe(r.to);
    expect(JSON.stringify(rot)).not.toContain(ring.keys.get(r.to)!.key.toString('hex'));
    v = await verify(reg);
    expect(v.problems).toEqual([]);
    // a verifier without the old key cannot vouch for what it chained, and says so
    const only = readFileSync(keyFile, 'utf8').split('\n').filter((l) => l && !l.startsWith('#')).at(-1)!;
    const partial = join(tmpDir(), 'audit.key');
    writeFileSync(partial, only + '\n', { mode: 0o600 });
    process.env.SHADOWSCAN_AUDIT_KEY_FILE = partial;
    try {
      v = await verify(reg);
      expect(v.problems[0]).toMatchObject({ kind: 'unknown-key', seq: 4 });
    } finally {
      process.env.SHADOWSCAN_AUDIT_KEY_FILE = keyFile;
    }
    await raw.close();
    await reg.close();
  });

  it('CLI: audit checkpoint --out, then audit verify --checkpoint --public-key names a truncation (exit 1)', async () => {
    const { spec, reg, raw, n } = await build();
    await reg.close();
    const dir = tmpDir();
    const run = async (args: string[]) => {
      const io = { out: '', err: '' };
      const code = await main(args, { out: (s) => (io.out += s), err: (s) => (io.err += s), isTTY: false });
      return { code, ...io };
    };
    const c = await run(['audit', 'checkpoint', '--db', spec, '--out', join(dir, 'cp.json')]);
    expect(c.code).toBe(0);
    expect(c.err).toMatch(new RegExp(`^checkpoint: entry ${n}, head [0-9a-f]{16}…, signed by [0-9a-f]{16}`));
    const pub = process.env.SHADOWSCAN_CHECKPOINT_KEY_FILE + '.pub';
    // --webhook POSTs the same signed JSON to a loopback receiver
    let received = '';
    const srv = createServer((req, res) => {
      req.on('data', (d) => (received += d));
      req.on('end', () => res.writeHead(204).end());
    });
    await new Promise<void>((ok) => srv.listen(0, '127.0.0.1', ok));
    const w = await run(['audit', 'checkpoint', '--db', spec, '--webhook', `http://127.0.0.1:${(srv.address() as AddressInfo).port}/checkpoints`]);
    srv.close();
    expect(w.code, w.err).toBe(0);
    const hooked = JSON.parse(received) as Checkpoint;
    expect(hooked).toMatchObject({ format: 'shadowscan-checkpoint/1', seq: n });
    const rr = await backend.open(spec);
    expect((await verifyLedger(rr, { checkpoint: hooked, publicKey: { pem: readFileSync(pub, 'utf8'), from: pub } })).ok).toBe(true);
    await rr.close();
    let v = await run(['audit', 'verify', '--db', spec, '--checkpoint', join(dir, 'cp.json'), '--public-key', pub]);
    expect(v.code).toBe(0);
    expect(v.out).toMatch(/audit log intact: \d+ records/);
    await raw.run('DELETE FROM audit_log WHERE seq > $1', [n - 2]);
    v = await run(['audit', 'verify', '--db', spec, '--checkpoint', join(dir, 'cp.json'), '--public-key', pub]);
    expect(v.code).toBe(1);
    expect(v.out).toContain(`truncated after entry ${n - 2}: the checkpoint of `);
    expect(v.out).toMatch(/audit log TAMPERED/);
    // a checkpoint file that is not one: one line, exit 2
    writeFileSync(join(dir, 'bad.json'), '{"format":"x"}');
    v = await run(['audit', 'verify', '--db', spec, '--checkpoint', join(dir, 'bad.json')]);
    expect(v.code).toBe(2);
    expect(v.err).toBe(`shadowscan: ${join(dir, 'bad.json')}: not a shadowscan checkpoint (expected shadowscan-checkpoint/1 with seq, head, at, keyId, signature)\n`);
    await raw.close();
  });
});
