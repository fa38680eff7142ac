/**
 * Upgrading a register written before users, tokens, risk-entry decisions and the governance
 * tables were projections of the decision log: its rows have no entry that explains them (or an
 * entry of the old shape: `user.created` naming only the role). Migration 800 marks the tables
 * that hold rows; the first writable open records one `ledger.baseline` entry per row, after which
 * the register verifies and a later edit is caught like any other. Both backends.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { nextRecord, type AuditRecord } from '../../src/register/audit.js';
import { verifyLedger } from '../../src/register/ledger.js';
import { currentMacKey } from '../../src/register/ledger-keys.js';
import { openRegister } from '../../src/register/register.js';
import { tmpDir } from '../helpers/tmp.js';
import { seed } from '../intake/helpers.js';
import { BACKENDS, type Raw } from './backends.js';

const KEYS = tmpDir('shadowscan-upgrade-keys-');
process.env.SHADOWSCAN_AUDIT_KEY_FILE = join(KEYS, 'audit.key');

const AUDIT_COLS = ['seq', 'at', 'actor', 'action', 'entity_type', 'entity_id', 'before_state', 'after_state', 'rationale', 'prev_hash', 'hash', 'key_id'];
const ARGON = '$argon2id$v=19$m=19456,t=2,p=1$b2xkLXNhbHQtb2xkLXNhbHQ$2o3YbW3R6cTq5lYwGqS5b7mI7gH6cU8Gm2m7p1E3m8Q';
const TOKEN_HASH = 'a'.repeat(64);

describe.each(BACKENDS)('upgrading a register from before the decision tables were projections, on $name', (backend) => {
  beforeAll(() => backend.setup(), 120_000);
  afterAll(() => backend.teardown());

  /** Writes an entry as the old code did (keyed chain, old payloads), straight into the table. */
  async function oldEntry(raw: Raw, e: { action: string; entityType: string; entityId: string; after?: unknown; at: string }): Promise<void> {
    const last = (await raw.all('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1'))[0] as { seq: number; hash: string } | undefined;
    const rec = nextRecord(last ? { seq: Number(last.seq), hash: last.hash } : undefined, { actor: 'cli', rationale: 'old code', ...e }, currentMacKey());
    await raw.run(`INSERT INTO audit_log (${AUDIT_COLS.join(', ')}) VALUES (${AUDIT_COLS.map((_, i) => `$${i + 1}`).join(', ')})`, AUDIT_COLS.map((c) => (rec as unknown as Record<string, unknown>)[c] ?? null));
  }

  it('baseline entries make the upgraded register verify; no hash reaches the log; a later edit is named; a second open adds nothing', async () => {
    const spec = await backend.fresh();
    // a register with a scan's risk entries (written by the scan commit)
    await (await seed(spec)).close();
    const raw = await backend.raw(spec);
    const at = '2026-03-01T09:00:00.000Z';
    // rows the old code wrote: a user and a token with old-shape entries, a user and a risk decision with none, governance rows
    await raw.run('INSERT INTO web_users (username, password_hash, role, created_at, disabled) VALUES ($1, $2, $3, $4, $5)', ['rita', ARGON, 'reviewer', at, 0]);
    await oldEntry(raw, { action: 'user.created', entityType: 'user', entityId: 'rita', after: { role: 'reviewer' }, at });
    await raw.run('INSERT INTO web_users (username, password_hash, role, created_at, disabled) VALUES ($1, $2, $3, $4, $5)', ['old-admin', ARGON.replace('2o3Y', '9x9x'), 'admin', at, 1]);
    await raw.run('INSERT INTO api_tokens (id, name, token_hash, role, created_at, created_by, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)', ['tok-old', 'ci', TOKEN_HASH, 'viewer', at, 'cli', null]);
    await oldEntry(raw, { action: 'token.created', entityType: 'token', entityId: 'tok-old', after: { name: 'ci', role: 'viewer', expiresAt: null }, at });
    const risk = (await raw.all('SELECT id, data FROM risk_entries ORDER BY id'))[0];
    const data = { ...JSON.parse(risk.data), owner: 'Sales', status: 'approved', decision: { decision: 'approved', id: 'DEC-0001', by: 'user:rita', at, expires: '2027-01-31', rationale: 'old approval' } };
    await raw.run('UPDATE risk_entries SET status = $1, owner = $2, data = $3 WHERE id = $4', ['approved', 'Sales', JSON.stringify(data), risk.id]);
    await oldEntry(raw, { action: 'risk.approve', entityType: 'risk', entityId: risk.id, after: { status: 'approved' }, at });
    // the old code stored no derived stages and threats: only rows carrying a decision
    await raw.run('DELETE FROM governance_entries');
    const rec = { riskEntryId: risk.id, itemId: data.itemId, threats: [], threatsSource: 'derived', review: { due: '2027-01-31', scheduledAt: at }, updatedAt: at };
    await raw.run('INSERT INTO governance_entries (risk_entry_id, item_id, stages, threats, overridden, residual_score, escalation_level, paused_until, review_due, updated_at, data) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)', [risk.id, data.itemId, '', '', 0, null, 0, null, '2027-01-31', at, JSON.stringify(rec)]);
    const derived = (await raw.all('SELECT id, item_id FROM risk_entries ORDER BY id'))[1];
    await raw.run('INSERT INTO governance_entries (risk_entry_id, item_id, stages, threats, overridden, residual_score, escalation_level, paused_until, review_due, updated_at, data) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)', [derived.id, derived.item_id, ',use,', ',disclosure,', 0, null, 0, null, null, at, JSON.stringify({ riskEntryId: derived.id, itemId: derived.item_id, threats: [{ stage: 'use', threat: 'disclosure' }], threatsSource: 'derived', updatedAt: at })]);
    await raw.run('INSERT INTO governance_settings (key, value, updated_by, updated_at) VALUES ($1, $2, $3, $4)', ['settings', '{"tiers":{"1":{"appetite":6}}}', 'cli', at]);
    // … and the register is at the schema before migration 800
    await raw.run('DELETE FROM schema_migrations WHERE version = 800');
    await raw.run('DROP TABLE ledger_baseline_pending');

    // what verify says of such a register without the baseline: its rows are not explained by the log
    // (a read-only open neither migrates nor records a baseline)
    const ro = await openRegister(spec, { readonly: true });
    const before = await verifyLedger(ro);
    await ro.close();
    expect(before.problems.filter((p) => p.kind === 'projection').map((p) => `${p.table} ${p.key}${p.column ? ' ' + p.column : ''}`)).toEqual(
      expect.arrayContaining(['web_users rita password', 'web_users old-admin', 'api_tokens tok-old token', `risk_entries ${risk.id} owner`, `risk_entries ${risk.id} decision`, `governance_entries ${risk.id}`, 'governance_settings settings']),
    );

    const n0 = Number((await raw.all('SELECT COUNT(*) AS n FROM audit_log'))[0].n);
    const reg = await openRegister(spec);
    const entries = (await raw.all(`SELECT ${AUDIT_COLS.join(', ')} FROM audit_log WHERE action = 'ledger.baseline' ORDER BY seq`)) as AuditRecord[];
    const risks = Number((await raw.all('SELECT COUNT(*) AS n FROM risk_entries'))[0].n);
    // one entry per row: 2 users, 1 token, every risk entry, 1 governance record with a decision (the derived-only one is not a decision), the settings
    expect(entries.map((e) => e.entity_type).sort()).toEqual([...Array(1).fill('api_tokens'), ...Array(1).fill('governance_entries'), 'governance_settings', ...Array(risks).fill('risk_entries'), 'web_users', 'web_users'].sort());
    expect(entries.every((e) => e.actor === 'system:ledger')).toBe(true);
    expect(Number(entries[0].seq)).toBe(n0 + 1);
    // the log holds fingerprints of the stored hashes, never the hashes
    const text = JSON.stringify(entries);
    expect(text).not.toContain(ARGON);
    expect(text).not.toContain(TOKEN_HASH);
    expect(JSON.parse(entries.find((e) => e.entity_id === 'rita')!.after_state!).password).toMatch(/^sha256:[0-9a-f]{64}$/);
    let v = await verifyLedger(reg);
    expect(v.problems).toEqual([]);
    expect(v.ok).toBe(true);
    expect(await raw.all('SELECT tbl FROM ledger_baseline_pending')).toEqual([]);

    // after the upgrade the log determines the tables: a direct edit is named
    await raw.run("UPDATE web_users SET disabled = 0 WHERE username = 'old-admin'");
    await raw.run('UPDATE risk_entries SET owner = $1 WHERE id = $2', ['Mallory', risk.id]);
    v = await verifyLedger(reg);
    expect(v.problems.map((p) => `${p.table} ${p.key} ${p.column}`)).toEqual(['web_users old-admin disabled', `risk_entries ${risk.id} owner`]);
    await raw.run("UPDATE web_users SET disabled = 1 WHERE username = 'old-admin'");
    await raw.run('UPDATE risk_entries SET owner = $1 WHERE id = $2', ['Sales', risk.id]);
    await reg.close();

    // a second open records nothing more
    const again = await openRegister(spec);
    expect(Number((await raw.all("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'ledger.baseline'"))[0].n)).toBe(entries.length);
    expect((await verifyLedger(again)).ok).toBe(true);
    await again.close();
    await raw.close();
  });

  it('a fresh register has nothing to baseline', async () => {
    const spec = await backend.fresh();
    const reg = await openRegister(spec);
    expect(await reg.pendingBaselines()).toEqual([]);
    expect((await reg.auditLog({ limit: 10 })).length).toBe(0);
    await reg.close();
  });
});
