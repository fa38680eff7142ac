/**
 * Append-only, hash-chained audit log. Each record's hash covers its content and the previous
 * record's hash, so an edited, inserted or deleted record breaks the chain.
 */
import { createHash } from 'node:crypto';

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
}

/** Canonical JSON: object keys sorted, so the hash does not depend on key order. */
export function canonical(v: unknown): string {
  if (v === undefined) return 'null';
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) return '[' + v.map(canonical).join(',') + ']';
  const o = v as Record<string, unknown>;
  return '{' + Object.keys(o).filter((k) => o[k] !== undefined).sort().map((k) => JSON.stringify(k) + ':' + canonical(o[k])).join(',') + '}';
}

export function recordHash(r: Omit<AuditRecord, 'hash'>): string {
  const body = canonical({
    seq: r.seq,
    at: r.at,
    actor: r.actor,
    action: r.action,
    entity_type: r.entity_type,
    entity_id: r.entity_id,
    before_state: r.before_state,
    after_state: r.after_state,
    rationale: r.rationale,
  });
  return createHash('sha256').update(r.prev_hash + '\n' + body).digest('hex');
}

/** The record that follows `last` in the chain (the backend inserts it in the caller's transaction). */
export function nextRecord(last: { seq: number; hash: string } | undefined, e: AuditEvent): AuditRecord {
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
  };
  return { ...rec, hash: recordHash(rec) };
}

export interface VerifyResult {
  ok: boolean;
  records: number;
  head: string;
  problems: Array<{ seq: number; problem: string }>;
}

/** Walks the chain in sequence order (pure: the backend reads the rows). */
export function verifyRecords(rows: Iterable<AuditRecord>): VerifyResult {
  const problems: VerifyResult['problems'] = [];
  let prevHash = GENESIS;
  let prevSeq = 0;
  let count = 0;
  for (const r of rows) {
    count++;
    if (r.seq !== prevSeq + 1) problems.push({ seq: r.seq, problem: `sequence gap: expected ${prevSeq + 1}, found ${r.seq} (records deleted or inserted)` });
    if (r.prev_hash !== prevHash) problems.push({ seq: r.seq, problem: 'previous-hash link broken (a record before it was edited, inserted or deleted)' });
    const { hash, ...rest } = r;
    const expect = recordHash(rest);
    if (expect !== hash) problems.push({ seq: r.seq, problem: 'content does not match its hash (record edited)' });
    prevHash = hash;
    prevSeq = r.seq;
  }
  return { ok: problems.length === 0, records: count, head: prevHash, problems };
}
