/**
 * The decision log as a ledger: appending entries that drive projected tables, verifying the
 * chain, the projections and a signed checkpoint, rotating the MAC key.
 *
 * - `appendEntry(tx, event)` appends one keyed entry and applies it to every projection that
 *   reads its action (src/register/projections.ts) — the only way projected tables are written.
 * - `verifyLedger(ops, { checkpoint })` walks the chain (src/register/audit.ts), replays every
 *   projection from the log and compares it with the stored table, and, given a checkpoint,
 *   proves that no entry up to it was removed (truncation included) or rewritten.
 * - `makeCheckpoint` signs {sequence number, head, time, key id} with Ed25519 (node:crypto).
 */
import { createPublicKey, sign, verify as verifySig } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { RegisterError } from '../core/errors.js';
import { canonical, verifyRecords, type AuditEvent, type AuditRecord, type VerifyResult } from './audit.js';
import { checkpointKeyFile, loadKeyring, publicKeyId, rotateMacKey, signingKey } from './ledger-keys.js';
import { diffProjection, fromStored, project, projections, projectionsFor, reads, rowKey, storedColumns, type ProjectionDiff, type ProjRow } from './projections.js';
import type { RegisterOps, RegisterStore } from './store.js';

/** Appends one entry and applies it to the projections that read its action (in the caller's transaction). */
export async function appendEntry(tx: RegisterOps, e: AuditEvent): Promise<AuditRecord> {
  const rec = await tx.appendAudit(e);
  for (const p of projectionsFor(rec.action)) {
    if (p.mode === 'check') continue; // checked before COMMIT (checkEntries)
    const stored = await tx.projectionRows(p.table, p.columns);
    const before = new Map(stored.map((r) => [rowKey(p, r), JSON.stringify(r)]));
    const rows = new Map(stored.map((r) => [rowKey(p, r), { ...r }]));
    p.apply(rows, rec);
    const upserts: ProjRow[] = [];
    for (const [k, r] of rows) if (before.get(k) !== JSON.stringify(r)) upserts.push(r);
    const deletes = [...before.keys()].filter((k) => !rows.has(k)).map((k) => stored.find((r) => rowKey(p, r) === k)!);
    await tx.writeProjection(p.table, p.key, p.columns, upserts, deletes);
  }
  return rec;
}

/**
 * Before COMMIT: the rows of checked projections (src/register/projections.ts, mode `check`) that
 * this transaction's entries name must be what the log says. The stored rows are read once per
 * table (by key, in batches), each entry is applied in order, and any difference fails the
 * transaction with table, key and column — a write path out of step with its log entry never
 * commits.
 */
export async function checkEntries(tx: RegisterOps, recs: AuditRecord[]): Promise<void> {
  if (!recs.length) return;
  for (const p of projections()) {
    if (p.mode !== 'check' || !p.scope) continue;
    // a baseline entry names the table it is for
    const mine = recs.filter((r) => reads(p, r.action) && (r.action !== 'ledger.baseline' || r.entity_type === p.table));
    if (!mine.length) continue;
    const keys = [...new Set(mine.flatMap((r) => p.scope!(r)))];
    if (!keys.length) continue;
    const stored = fromStored(p, await tx.projectionRows(p.table, storedColumns(p), keys));
    const rows = new Map(stored.map((r) => [rowKey(p, r), { ...r }]));
    for (const r of mine) p.apply(rows, r);
    const inScope = new Set(keys);
    const want = new Map([...rows].filter(([k]) => inScope.has(k)));
    const diffs = diffProjection(p, want, stored);
    if (diffs.length) {
      throw new RegisterError(`write out of step with the decision log (not committed): ${diffs.slice(0, 3).map(describe).join('; ')}${diffs.length > 3 ? ` and ${diffs.length - 3} more` : ''}`);
    }
  }
}

function describe(d: ProjectionDiff): string {
  return d.what === 'missing' ? `${d.table} row ${d.key} is in the log but was not written` : d.what === 'extra' ? `${d.table} row ${d.key} was written without its entry` : `${d.table} row ${d.key} column ${d.column} is ${show(d.stored)}, the log says ${show(d.expected)}`;
}

// ------------------------------------------------------------------ checkpoints

export const CHECKPOINT_FORMAT = 'shadowscan-checkpoint/1';

export interface Checkpoint {
  format: typeof CHECKPOINT_FORMAT;
  /** Sequence number of the last entry covered. */
  seq: number;
  /** Its MAC (the chain head at that point). */
  head: string;
  at: string;
  /** Fingerprint of the signing key. */
  keyId: string;
  /** Where the register was (informational; not signed). */
  register?: string;
  /** Ed25519 signature (base64) of the canonical {format, seq, head, at, keyId}. */
  signature: string;
  /** The signer's public key (SPKI PEM), for convenience; verify against a key you trust (--public-key). */
  publicKey: string;
}

const payload = (c: Pick<Checkpoint, 'format' | 'seq' | 'head' | 'at' | 'keyId'>) => Buffer.from(canonical({ format: c.format, seq: c.seq, head: c.head, at: c.at, keyId: c.keyId }));

export async function makeCheckpoint(ops: RegisterOps, location: string, now = new Date(), keyFile = checkpointKeyFile()): Promise<Checkpoint> {
  const last = (await ops.auditLog({ limit: 1, order: 'desc' }))[0];
  const k = signingKey(keyFile);
  const base = { format: CHECKPOINT_FORMAT, seq: last?.seq ?? 0, head: last?.hash ?? '0'.repeat(64), at: now.toISOString(), keyId: k.id } as const;
  return { ...base, register: location, signature: sign(null, payload(base), k.privateKey).toString('base64'), publicKey: k.publicKeyPem };
}

export function readCheckpoint(file: string): Checkpoint {
  let c: Checkpoint;
  try {
    c = JSON.parse(readFileSync(file, 'utf8')) as Checkpoint;
  } catch (e) {
    throw new RegisterError(`cannot read checkpoint ${file}: ${(e as Error).message.split('\n')[0]}`);
  }
  if (c?.format !== CHECKPOINT_FORMAT || !Number.isInteger(c.seq) || c.seq < 0 || typeof c.head !== 'string' || typeof c.signature !== 'string' || typeof c.keyId !== 'string' || typeof c.at !== 'string') {
    throw new RegisterError(`${file}: not a shadowscan checkpoint (expected ${CHECKPOINT_FORMAT} with seq, head, at, keyId, signature)`);
  }
  return c;
}

/** The public key to check a checkpoint with: the given file, else this machine's signing key. */
export function trustedPublicKey(file?: string): { pem: string; from: string } | undefined {
  if (file) {
    try {
      const pem = readFileSync(file, 'utf8');
      createPublicKey(pem);
      return { pem, from: file };
    } catch (e) {
      throw new RegisterError(`cannot read public key ${file}: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  const local = checkpointKeyFile();
  if (existsSync(local + '.pub')) return { pem: readFileSync(local + '.pub', 'utf8'), from: local + '.pub' };
  return undefined;
}

// ------------------------------------------------------------------ verification

export interface LedgerVerifyOptions {
  checkpoint?: Checkpoint;
  publicKey?: { pem: string; from: string };
}

export async function verifyLedger(ops: RegisterOps, opts: LedgerVerifyOptions = {}): Promise<VerifyResult> {
  const rows = await ops.auditLog({ order: 'asc', limit: Number.MAX_SAFE_INTEGER });
  const v = verifyRecords(rows, loadKeyring());
  // ---- projections: replayed from the log, compared with the stored tables
  for (const p of projections()) {
    const diffs = diffProjection(p, project(p, rows), fromStored(p, await ops.projectionRows(p.table, storedColumns(p))));
    for (const d of diffs) {
      const problem =
        d.what === 'missing'
          ? `projection ${d.table} differs: row ${d.key} is in the log but not in the table (deleted)`
          : d.what === 'extra'
            ? `projection ${d.table} differs: row ${d.key} is in the table but not in the log (inserted)`
            : `projection ${d.table} differs: row ${d.key} column ${d.column} is ${show(d.stored)}, the log says ${show(d.expected)}`;
      v.problems.push({ seq: 0, kind: 'projection', problem, table: d.table, key: d.key, column: d.column });
    }
  }
  // ---- an upgraded register whose decision tables have no baseline entries yet (migration 800)
  const pending = await ops.pendingBaselines().catch(() => ['(all)']);
  if (pending.length) v.notes.push(`the register was upgraded and ${pending[0] === '(all)' ? 'its decision tables have' : `${pending.join(', ')} ha${pending.length === 1 ? 's' : 've'}`} no baseline entries yet: they are recorded the next time a command opens it for writing (a scan, serve, an intake or user change), so differences in those tables may be rows from before the upgrade`);
  // ---- checkpoint: nothing up to it removed or rewritten
  const c = opts.checkpoint;
  if (c) {
    const pk = opts.publicKey ?? { pem: c.publicKey, from: 'the checkpoint itself (untrusted: pass --public-key)' };
    let good = false;
    try {
      good = publicKeyId(pk.pem) === c.keyId && verifySig(null, payload(c), createPublicKey(pk.pem), Buffer.from(c.signature, 'base64'));
    } catch {
      good = false;
    }
    if (!good) v.problems.push({ seq: c.seq, kind: 'checkpoint', problem: `checkpoint of ${c.at} (entry ${c.seq}): signature does not verify with the public key from ${pk.from} — the checkpoint is forged or altered` });
    else {
      v.notes.push(`checkpoint of ${c.at} signed by ${c.keyId} (public key from ${pk.from}) covers entries 1–${c.seq}`);
      const at = rows.find((r) => r.seq === c.seq);
      if (v.lastSeq < c.seq) {
        v.problems.push({ seq: v.lastSeq + 1, to: c.seq > v.lastSeq + 1 ? c.seq : undefined, kind: 'truncated', problem: `truncated after entry ${v.lastSeq}: the checkpoint of ${c.at} covers ${c.seq} entries (${v.lastSeq + 1 === c.seq ? `entry ${c.seq}` : `entries ${v.lastSeq + 1}–${c.seq}`} removed)` });
      } else if (c.seq > 0 && !at) {
        // the gap is already reported as missing entries
      } else if (c.seq > 0 && at && at.hash !== c.head) {
        v.problems.push({ seq: c.seq, kind: 'rewritten', problem: `entry ${c.seq} does not match the checkpoint head of ${c.at}: the chain up to it was rewritten` });
      }
    }
  }
  v.ok = v.problems.length === 0;
  return v;
}

function show(s: string | null | undefined): string {
  if (s === null || s === undefined) return 'NULL';
  return s.length > 80 ? JSON.stringify(s.slice(0, 77) + '...') : JSON.stringify(s);
}

// ------------------------------------------------------------------ key rotation

/** Adds a new MAC key to the key file and records the rotation (naming the new key's fingerprint, never the key). */
export async function rotateKey(store: RegisterStore, actor: string, rationale?: string): Promise<{ from: string; to: string; seq: number }> {
  const { from, to } = rotateMacKey();
  const rec = await store.transaction((tx) =>
    appendEntry(tx, { actor, action: 'audit.key-rotated', entityType: 'audit', entityId: 'mac-key', before: { keyId: from.id }, after: { keyId: to.id }, rationale: rationale ?? `decision-log MAC key rotated: ${from.id} → ${to.id}` }),
  );
  return { from: from.id, to: to.id, seq: rec.seq };
}
