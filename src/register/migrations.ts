/**
 * Numbered migrations. SQL kept to what both SQLite and PostgreSQL accept (TEXT / INTEGER /
 * REAL, ON CONFLICT upserts, JSON stored as TEXT), so a PostgreSQL register can reuse it.
 * Append new migrations; never edit an applied one.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const migrations: Migration[] = [
  {
    version: 1,
    name: 'core-register',
    sql: `
CREATE TABLE scan_runs (
  id TEXT PRIMARY KEY,
  started_at TEXT NOT NULL,
  finished_at TEXT,
  status TEXT NOT NULL,
  scanners TEXT NOT NULL,
  coverage TEXT,
  errors TEXT,
  summary TEXT,
  catalog_file TEXT,
  options TEXT
);
CREATE TABLE findings (
  id TEXT PRIMARY KEY,
  item_id TEXT NOT NULL,
  service TEXT NOT NULL,
  source TEXT NOT NULL,
  scanner TEXT NOT NULL,
  kind TEXT NOT NULL,
  value TEXT NOT NULL,
  signal TEXT NOT NULL,
  confidence TEXT NOT NULL,
  subject_kind TEXT NOT NULL,
  subject_id TEXT NOT NULL,
  subject_name TEXT,
  locator TEXT NOT NULL,
  unit TEXT,
  count INTEGER NOT NULL DEFAULT 1,
  bytes_out INTEGER,
  bytes_in INTEGER,
  seen_first TEXT,
  seen_last TEXT,
  status TEXT NOT NULL,
  status_reason TEXT NOT NULL,
  state TEXT NOT NULL DEFAULT 'active',
  first_detected_at TEXT NOT NULL,
  last_detected_at TEXT NOT NULL,
  first_scan_id TEXT NOT NULL,
  last_scan_id TEXT NOT NULL,
  gone_at TEXT,
  data TEXT NOT NULL
);
CREATE INDEX findings_item ON findings(item_id);
CREATE INDEX findings_service ON findings(service);
CREATE TABLE items (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  service TEXT NOT NULL,
  name TEXT NOT NULL,
  vendor TEXT NOT NULL,
  category TEXT NOT NULL,
  artifact_type TEXT,
  artifact_key TEXT,
  status TEXT NOT NULL,
  status_reason TEXT NOT NULL,
  catalog_entry TEXT,
  state TEXT NOT NULL DEFAULT 'active',
  sources TEXT NOT NULL,
  signals TEXT NOT NULL,
  subject_count INTEGER NOT NULL,
  finding_count INTEGER NOT NULL,
  event_count INTEGER NOT NULL,
  bytes_out INTEGER,
  seen_first TEXT,
  seen_last TEXT,
  first_detected_at TEXT NOT NULL,
  last_detected_at TEXT NOT NULL,
  gone_at TEXT,
  data TEXT NOT NULL
);
CREATE INDEX items_status ON items(status);
CREATE TABLE risk_entries (
  id TEXT PRIMARY KEY,
  item_id TEXT NOT NULL UNIQUE,
  title TEXT NOT NULL,
  status TEXT NOT NULL,
  tier INTEGER NOT NULL,
  likelihood INTEGER NOT NULL,
  impact INTEGER NOT NULL,
  inherent_score INTEGER NOT NULL,
  treatment TEXT NOT NULL,
  owner TEXT,
  review_date TEXT,
  impact_assessment TEXT NOT NULL,
  suppressed_until TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  data TEXT NOT NULL
);
CREATE INDEX risk_entries_status ON risk_entries(status);
CREATE TABLE audit_log (
  seq INTEGER PRIMARY KEY,
  at TEXT NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  entity_type TEXT NOT NULL,
  entity_id TEXT NOT NULL,
  before_state TEXT,
  after_state TEXT,
  rationale TEXT,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
);
CREATE TABLE scanner_state (
  scanner TEXT NOT NULL,
  state_key TEXT NOT NULL,
  value TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (scanner, state_key)
);
CREATE TABLE catalog_decisions (
  id TEXT PRIMARY KEY,
  service TEXT NOT NULL,
  decision TEXT NOT NULL,
  entry TEXT NOT NULL,
  decided_by TEXT NOT NULL,
  decided_at TEXT NOT NULL,
  risk_entry_id TEXT,
  active INTEGER NOT NULL DEFAULT 1
);
`,
  },
];
