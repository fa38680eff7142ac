/**
 * Extra migrations of the intake / web extension (versions 100+, outside the core's range).
 * Applied with `register.migrate(INTAKE_MIGRATIONS)`; each runs once, in its own transaction.
 */
import type { Migration } from '../register/migrations.js';
import type { Register } from '../register/register.js';

/** Sort rank of item statuses (most severe first) — the register's default order. */
export const RANK_SQL = "CASE status WHEN 'declined-but-in-use' THEN 0 WHEN 'unsanctioned' THEN 1 WHEN 'approval-expired' THEN 2 WHEN 'out-of-scope' THEN 3 ELSE 4 END";

export const INTAKE_MIGRATIONS: Migration[] = [
  {
    version: 100,
    name: 'intake-indexes',
    sql: `
CREATE INDEX IF NOT EXISTS items_state_status ON items(state, status);
CREATE INDEX IF NOT EXISTS items_state_name ON items(state, name);
CREATE INDEX IF NOT EXISTS items_state_last ON items(state, last_detected_at);
CREATE INDEX IF NOT EXISTS items_category ON items(category);
CREATE INDEX IF NOT EXISTS risk_entries_tier ON risk_entries(tier, inherent_score);
CREATE INDEX IF NOT EXISTS risk_entries_owner ON risk_entries(owner);
CREATE INDEX IF NOT EXISTS catalog_decisions_service ON catalog_decisions(service, active);
CREATE INDEX IF NOT EXISTS audit_log_entity ON audit_log(entity_type, entity_id);
`,
  },
  {
    version: 101,
    name: 'web-auth',
    sql: `
CREATE TABLE web_users (
  username TEXT PRIMARY KEY,
  password_hash TEXT NOT NULL,
  role TEXT NOT NULL,
  created_at TEXT NOT NULL,
  disabled INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE web_sessions (
  id_hash TEXT PRIMARY KEY,
  username TEXT NOT NULL,
  csrf TEXT NOT NULL,
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL
);
CREATE INDEX web_sessions_user ON web_sessions(username);
CREATE TABLE api_tokens (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  token_hash TEXT NOT NULL UNIQUE,
  role TEXT NOT NULL,
  created_at TEXT NOT NULL,
  created_by TEXT NOT NULL,
  expires_at TEXT,
  last_used_at TEXT,
  revoked INTEGER NOT NULL DEFAULT 0
);
`,
  },
  {
    version: 102,
    name: 'register-covering-indexes',
    // Covering indexes for the register page at 100,000+ items: the list is paged from an index
    // alone (items rows are wide: they carry JSON), then only the page's rows are read.
    sql: `
CREATE INDEX IF NOT EXISTS items_q_rank ON items(state, (${RANK_SQL}), name, id, status, category, sources, service, vendor);
CREATE INDEX IF NOT EXISTS items_q_name ON items(state, name, id, status, category, sources, service, vendor);
CREATE INDEX IF NOT EXISTS items_q_last ON items(state, last_detected_at DESC, id, status, category, sources);
CREATE INDEX IF NOT EXISTS items_q_first ON items(state, first_detected_at DESC, id, status, category, sources);
CREATE INDEX IF NOT EXISTS risk_q_order ON risk_entries(tier, inherent_score DESC, item_id, owner, status);
CREATE INDEX IF NOT EXISTS risk_q_score ON risk_entries(inherent_score DESC, item_id, tier, owner, status);
CREATE INDEX IF NOT EXISTS risk_q_item ON risk_entries(item_id, tier, inherent_score, owner, status);
ANALYZE;
`,
  },
  {
    version: 103,
    name: 'register-search-and-join',
    // Text search over name / service / vendor without a full scan: an FTS5 trigram index (any
    // substring of 3+ characters, case-insensitive, like LIKE '%q%'), kept in step by triggers
    // that fire only when an indexed column changes (a scan's upsert rewrites every item).
    // The risk-entry-driven lists (tier, owner, risk status) check item columns per entry: a
    // covering index by id keeps that an index-only lookup instead of reading the wide row.
    sql: `
CREATE INDEX IF NOT EXISTS items_q_id ON items(id, state, status, sources, category, service, name);
CREATE VIRTUAL TABLE items_fts USING fts5(name, service, vendor, content='items', content_rowid='rowid', tokenize='trigram');
CREATE TRIGGER items_fts_ai AFTER INSERT ON items BEGIN
  INSERT INTO items_fts(rowid, name, service, vendor) VALUES (new.rowid, new.name, new.service, new.vendor);
END;
CREATE TRIGGER items_fts_ad AFTER DELETE ON items BEGIN
  INSERT INTO items_fts(items_fts, rowid, name, service, vendor) VALUES ('delete', old.rowid, old.name, old.service, old.vendor);
END;
CREATE TRIGGER items_fts_au AFTER UPDATE OF name, service, vendor ON items
WHEN old.name IS NOT new.name OR old.service IS NOT new.service OR old.vendor IS NOT new.vendor BEGIN
  INSERT INTO items_fts(items_fts, rowid, name, service, vendor) VALUES ('delete', old.rowid, old.name, old.service, old.vendor);
  INSERT INTO items_fts(rowid, name, service, vendor) VALUES (new.rowid, new.name, new.service, new.vendor);
END;
INSERT INTO items_fts(items_fts) VALUES ('rebuild');
ANALYZE;
`,
  },
];

/** Applies the extension's migrations (idempotent). */
export function ensureIntakeSchema(register: Register): void {
  register.migrate(INTAKE_MIGRATIONS);
}
