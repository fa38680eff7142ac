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
];

/** Applies the extension's migrations (idempotent). */
export function ensureIntakeSchema(register: Register): void {
  register.migrate(INTAKE_MIGRATIONS);
}
