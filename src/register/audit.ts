/**
 * The decision log: one append-only chain of records. Each record's MAC covers its content and
 * the previous record's MAC, so an edited, inserted, reordered or deleted record breaks the chain.
 *
 * Records are chained with HMAC-SHA-256 under a key that lives outside the register
 * (src/register/ledger-keys.ts); `key_id` names the key (a fingerprint, never the key). Registers
 * written before keying hold an unkeyed prefix (plain SHA-256, `key_id` NULL): the first keyed
 * record is an `audit.keyed` entry saying from which entry on the chain is keyed, and
 * verification of the prefix says it is unkeyed.
 *
 * Verification (`verifyRecords`, pure) names each break: edited, missing (deleted), inserted,
 * reordered, renumbered, re-chained without the key, unknown key; truncation and rewrites up to a
 * signed checkpoint are checked by src/register/ledger.ts, projections by src/register/projections.ts.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export const GENESIS = '0'.repeat(64);

export interface AuditEvent {
  actor: string;
  action: string;
  entityType: string;
  entityId: string;
  before?: unknown;
  after?: unknown;
  rationale?: string;
  at?: string;
}

export interface AuditRecord {
  seq: number;
  at: string;
  actor: string;
  action: string;
  entity_type: string;
  entity_id: string;
  before_state: string | null;
  after_state: string | null;
  rationale: string | null;
  prev_hash: string;
  hash: string;
  /** Fingerprint of the MAC key the record was chained with; null: an unkeyed record (before keying). */
  key_id?: string | null;
}

/** A MAC key: `id` is its fingerprint (first 16 hex of SHA-256 of the key), safe to store and show. */
export interface MacKey {
  id: string;
  key: Buffer;
}

/** Canonical JSON: object keys sorted, so the hash does not depend on key order. */
export function canonical(v: unknown): string {
  if (v === undefined) return 'null';
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) return '[' + v.map(canonical).join(',') + ']';
  const o = v as Record<string, unknown>;
  return '{' + Object.keys(o).filter((k) => o[k] !== undefined).sort().map((k) => JSON.stringify(k) + ':' + canonical(o[k])).join(',') + '}';
}

function body(r: Omit<AuditRecord, 'hash'>, seq = r.seq, withKey = true): string {
  return canonical({
    seq,
    at: r.at,
    actor: r.actor,
    action: r.action,
    entity_type: r.entity_type,
    entity_id: r.entity_id,
    before_state: r.before_state,
    after_state: r.after_state,
    rationale: r.rationale,
    // unkeyed records keep the body they always had
    ...(withKey && r.key_id ? { key_id: r.key_id } : {}),
  });
}

/** The unkeyed hash (records written before keying). */
export function recordHash(r: Omit<AuditRecord, 'hash'>, seq = r.seq, withKey = true): string {
  return createHash('sha256').update(r.prev_hash + '\n' + body(r, seq, withKey)).digest('hex');
}

/** The keyed MAC of a record. */
export function recordMac(r: Omit<AuditRecord, 'hash'>, key: MacKey, seq = r.seq): string {
  return createHmac('sha256', key.key).update(r.prev_hash + '\n' + body({ ...r, key_id: key.id }, seq)).digest('hex');
}

function eq(a: string, b: string): boolean {
  return a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
}

/** The record that follows `last` in the chain (the backend inserts it in the caller's transaction). */
export function nextRecord(last: { seq: number; hash: string } | undefined, e: AuditEvent, key?: MacKey): AuditRecord {
  const rec: Omit<AuditRecord, 'hash'> = {
    seq: (last?.seq ?? 0) + 1,
    at: e.at ?? new Date().toISOString(),
    actor: e.actor,
    action: e.action,
    entity_type: e.entityType,
    entity_id: e.entityId,
    before_state: e.before === undefined ? null : canonical(e.before),
    after_state: e.after === undefined ? null : canonical(e.after),
    rationale: e.rationale ?? null,
    prev_hash: last?.hash ?? GENESIS,
    key_id: key?.id ?? null,
  };
  return { ...rec, hash: key ? recordMac(rec, key) : recordHash(rec) };
}

export type ProblemKind =
  | 'edited'
  | 'missing'
  | 'inserted'
  | 'reordered'
  | 'renumbered'
  | 'rechained'
  | 'unknown-key'
  | 'link'
  | 'truncated'
  | 'rewritten'
  | 'checkpoint'
  | 'projection';

export interface VerifyProblem {
  /** The entry that broke (the first of a range). */
  seq: number;
  /** Last entry of a range of the same problem. */
  to?: number;
  kind: ProblemKind;
  problem: string;
  /** Projection problems: where. */
  table?: string;
  key?: string;
  column?: string;
}

export interface VerifyResult {
  ok: boolean;
  records: number;
  head: string;
  /** Sequence number of the last record (0 when empty). */
  lastSeq: number;
  problems: VerifyProblem[];
  /** What verification could and could not prove (an unkeyed prefix, a checkpoint checked). */
  notes: string[];
}

export interface Keyring {
  /** Every key the key file holds (rotated-out keys stay, to verify what they chained). */
  keys: Map<string, MacKey>;
  /** Where the keys come from (named in messages). */
  source: string;
}

/**
 * Walks the chain in sequence order (pure: the backend reads the rows, the caller loads the keys)
 * and names every break.
 */
export function verifyRecords(input: Iterable<AuditRecord>, ring: Keyring = { keys: new Map(), source: '(no key file)' }): VerifyResult {
  const rows = [...input];
  const problems: VerifyProblem[] = [];
  const notes: string[] = [];
  const firstKeyed = rows.find((r) => r.key_id || r.action === 'audit.keyed')?.seq;
  const keyedAt = firstKeyed;
  const macOk = (r: AuditRecord, seq = r.seq): boolean | undefined => {
    if (!r.key_id) return eq(recordHash(r, seq), r.hash);
    const k = ring.keys.get(r.key_id);
    if (!k) return undefined;
    return eq(recordMac(r, k, seq), r.hash);
  };
  const plain = (r: AuditRecord) => eq(recordHash(r), r.hash) || eq(recordHash(r, r.seq, false), r.hash);
  const bySeqHash = new Map(rows.map((r) => [r.hash, r.seq]));
  let prevHash = GENESIS;
  let expect = 1;
  let prevBad = false;
  let shift = 0;
  const unknownKeys = new Set<string>();
  // MACs spent looking for where a moved entry was written (bounded: a wholly rewritten chain stays linear)
  const budget = { left: 100_000 };
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    let bad = false;
    if (r.seq > expect) {
      problems.push({ seq: expect, to: r.seq - 1 > expect ? r.seq - 1 : undefined, kind: 'missing', problem: `${range(expect, r.seq - 1)} missing: sequence gap before entry ${r.seq} (deleted)` });
      bad = true;
    }
    const ok = keyedAt !== undefined && r.seq > keyedAt && !r.key_id ? false : macOk(r);
    if (ok === undefined) {
      unknownKeys.add(r.key_id!);
      problems.push({ seq: r.seq, kind: 'unknown-key', problem: `entry ${r.seq}: chained with key ${r.key_id}, which ${ring.source} does not hold — cannot verify it` });
      bad = true;
    } else if (!ok) {
      bad = true;
      const next = rows[i + 1];
      const lastKind = problems.at(-1)?.kind;
      if (prevBad && r.prev_hash === prevHash && (lastKind === 'edited' || lastKind === 'rechained') && problems.at(-1)!.seq === r.seq - 1) {
        // links to the broken entry before it: the tail was re-chained from there without the key
        problems.push({ seq: r.seq, kind: 'rechained', problem: `entry ${r.seq}: re-chained without the key after entry ${r.seq - 1} was changed (links to it, but its MAC is not the key's)` });
      } else if ((keyedAt !== undefined && r.seq > keyedAt && plain(r)) || (r.key_id && plain(r))) {
        problems.push({ seq: r.seq, kind: 'rechained', problem: `entry ${r.seq}: re-chained without the key (a plain SHA-256 where the keyed MAC belongs — edited and re-hashed)` });
      } else if (next && next.prev_hash !== r.hash && next.prev_hash === prevHash) {
        problems.push({ seq: r.seq, kind: 'inserted', problem: `entry ${r.seq}: inserted — not written with the key, and entry ${next.seq} links past it to entry ${rows[i - 1]?.seq ?? 0}` });
        shift++;
        // the chain goes on from the entry before the inserted one
        expect = r.seq + 1;
        prevBad = false;
        continue;
      } else if (shift && macOk(r, r.seq - shift)) {
        problems.push({ seq: r.seq, kind: 'renumbered', problem: `entry ${r.seq}: written as entry ${r.seq - shift} and renumbered (after an insertion)` });
      } else {
        const orig = originalSeq(r, rows, bySeqHash, macOk, budget);
        if (orig !== undefined) problems.push({ seq: r.seq, kind: 'reordered', problem: `entry ${r.seq}: reordered — it was written as entry ${orig}` });
        else problems.push({ seq: r.seq, kind: 'edited', problem: `entry ${r.seq}: edited — content does not match its ${r.key_id ? 'MAC' : 'hash'}` });
      }
    }
    if (!bad && !prevBad && r.prev_hash !== prevHash) {
      problems.push({ seq: r.seq, kind: 'link', problem: `entry ${r.seq}: link to the previous entry broken (an entry before it was edited, inserted or removed)` });
      bad = true;
    }
    prevBad = bad;
    prevHash = r.hash;
    expect = r.seq + 1;
  }
  if (keyedAt !== undefined && keyedAt > 1) notes.push(`entries 1–${keyedAt - 1} were chained without a key (written before keying): verified as an unkeyed hash chain only; keyed from entry ${keyedAt}`);
  else if (keyedAt === undefined && rows.length) notes.push('the chain is unkeyed (no entry written with a key yet): verified as a plain hash chain only');
  return { ok: problems.length === 0, records: rows.length, head: prevHash, lastSeq: rows.at(-1)?.seq ?? 0, problems: collapse(problems), notes };
}

/** The sequence number a record was written with, when it is not its stored one. */
function originalSeq(r: AuditRecord, rows: AuditRecord[], bySeqHash: Map<string, number>, macOk: (r: AuditRecord, seq?: number) => boolean | undefined, budget: { left: number }): number | undefined {
  // its predecessor's position tells where it was written (when the predecessor is still stored)
  const pred = r.prev_hash === GENESIS ? 0 : bySeqHash.get(r.prev_hash);
  if (pred !== undefined && pred + 1 !== r.seq && macOk(r, pred + 1)) return pred + 1;
  if (budget.left < rows.length) return undefined;
  budget.left -= rows.length;
  for (const x of rows) if (x.seq !== r.seq && macOk(r, x.seq)) return x.seq;
  return undefined;
}

function range(a: number, b: number): string {
  return a === b ? `entry ${a}` : `entries ${a}–${b}`;
}

/** Consecutive entries with the same problem become one range (a re-chained tail, a renumbered run). */
function collapse(ps: VerifyProblem[]): VerifyProblem[] {
  const out: VerifyProblem[] = [];
  for (const p of ps) {
    const last = out.at(-1);
    if (last && (p.kind === 'rechained' || p.kind === 'renumbered') && last.kind === p.kind && (last.to ?? last.seq) + 1 === p.seq) {
      last.to = p.seq;
      last.problem = p.kind === 'rechained' ? `entries ${last.seq}–${p.seq}: re-chained without the key (hashes recomputed without the MAC key after an edit)` : `entries ${last.seq}–${p.seq}: renumbered after an insertion`;
      continue;
    }
    out.push(p);
  }
  return out;
}
