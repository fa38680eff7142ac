/**
 * The register's schema, one migration set per backend, versioned together: the same version
 * numbers create the same tables (register, intake, web auth, change digests, team leases) in
 * SQLite and in PostgreSQL. Append new migrations to both; never edit an applied one.
 *
 * SQLite keeps the version numbers the register has always had (1, 100–103, 200), so existing
 * register files upgrade in place.
 */
import { STATUS_SEVERITY } from '../../reconcile/reconcile.js';
import { FINDING_ROWS_MIGRATION } from './sqlite-findings.js';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/**
 * Sort rank of item statuses (most severe first), derived from reconcile's STATUS_SEVERITY order:
 * the four intake-queue statuses, then everything else (sanctioned, candidate) together. The text
 * is part of an index expression, so it stays the same when statuses are added after the queue.
 */
export const RANK_SQL = `CASE status ${STATUS_SEVERITY.slice(0, 4)
  .map((s, i) => `WHEN '${s}' THEN ${i}`)
  .join(' ')} ELSE 4 END`;


/**
 * The register's generation: one counter that every write to items or risk entries moves (a
 * trigger, so no write path can forget it). Readers cache what is costly to count — the register
 * page's totals — per generation, so a count is computed once per change, not once per request,
 * and every replica sees a commit at once.
 */
function generation(d: 'sqlite' | 'postgres'): Migration {
  const table = `CREATE TABLE register_generation (id INTEGER PRIMARY KEY CHECK (id = 1), n BIGINT NOT NULL);
INSERT INTO register_generation (id, n) VALUES (1, 0);`;
  const sql =
    d === 'sqlite'
      ? `${table}
${['items', 'risk_entries']
  .flatMap((t) => ['INSERT', 'UPDATE', 'DELETE'].map((op) => `CREATE TRIGGER ${t}_generation_${op.toLowerCase()} AFTER ${op} ON ${t} BEGIN UPDATE register_generation SET n = n + 1 WHERE id = 1; END;`))
  .join('\n')}`
      : `${table}
CREATE FUNCTION register_generation_bump() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN UPDATE register_generation SET n = n + 1 WHERE id = 1; RETURN NULL; END $$;
${['items', 'risk_entries'].map((t) => `CREATE TRIGGER ${t}_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON ${t} FOR EACH STATEMENT EXECUTE FUNCTION register_generation_bump();`).join('\n')}`;
  return { version: 600, name: 'register-generation', sql };
}

/** Leases (per-source locks shared by every runner), schedule ticks, sign-in throttling. */
const TEAM_SQL = `
CREATE TABLE leases (
  name TEXT PRIMARY KEY,
  holder TEXT NOT NULL,
  acquired_at TEXT NOT NULL,
  expires_at TEXT NOT NULL
);
CREATE TABLE schedule_ticks (
  job TEXT NOT NULL,
  tick_at TEXT NOT NULL,
  holder TEXT NOT NULL,
  claimed_at TEXT NOT NULL,
  PRIMARY KEY (job, tick_at)
);
CREATE TABLE login_failures (
  key TEXT NOT NULL,
  at TEXT NOT NULL
);
CREATE INDEX login_failures_key ON login_failures(key, at);
CREATE INDEX findings_state_signal ON findings(state, signal);
CREATE INDEX findings_last_scan ON findings(last_scan_id, scanner);
`;

/**
 * 400–499 (ledger): the decision log is keyed (key_id names the MAC key), policies and the catalog
 * of record are projections of it (src/register/projections.ts).
 */
const LEDGER_SQL = `
ALTER TABLE audit_log ADD COLUMN key_id TEXT;
CREATE TABLE settings (
  name TEXT PRIMARY KEY,
  value TEXT NOT NULL,
  set_by TEXT NOT NULL,
  set_at TEXT NOT NULL
);
CREATE TABLE catalog_versions (
  version INTEGER PRIMARY KEY,
  sha256 TEXT NOT NULL,
  catalog TEXT NOT NULL,
  source TEXT,
  imported_by TEXT NOT NULL,
  imported_at TEXT NOT NULL,
  diff TEXT NOT NULL
);
CREATE INDEX audit_log_action ON audit_log(action);
`;

function ledger(): Migration {
  return { version: 400, name: 'ledger-keyed-log-settings-catalog-versions', sql: LEDGER_SQL };
}

/**
 * Register-page indexes (900–949): the owner filter reads its entries' item ids from the index
 * alone; in PostgreSQL the item-order indexes also carry the filtered columns (INCLUDE), so a page's
 * ids — and a keyset seek — come from index-only scans, as in SQLite's covering indexes.
 */
function registerPageIndexes(d: 'sqlite' | 'postgres'): Migration {
  const sql =
    d === 'sqlite'
      ? 'CREATE INDEX IF NOT EXISTS risk_q_owner ON risk_entries(owner, item_id);'
      : `CREATE INDEX risk_q_owner ON risk_entries(owner, item_id) INCLUDE (tier, status, inherent_score);
CREATE INDEX items_q_id ON items(id) INCLUDE (state, status, category, sources, name);
DROP INDEX items_q_rank;
CREATE INDEX items_q_rank ON items(state, (${RANK_SQL}), name, id) INCLUDE (status, category, sources);
DROP INDEX items_q_name;
CREATE INDEX items_q_name ON items(state, name, id) INCLUDE (status, category, sources);
DROP INDEX items_q_last;
CREATE INDEX items_q_last ON items(state, last_detected_at DESC, id) INCLUDE (status, category, sources);
DROP INDEX items_q_first;
CREATE INDEX items_q_first ON items(state, first_detected_at DESC, id) INCLUDE (status, category, sources);
DROP INDEX risk_q_order;
CREATE INDEX risk_q_order ON risk_entries(tier, inherent_score DESC, item_id) INCLUDE (owner, status);
DROP INDEX risk_q_score;
CREATE INDEX risk_q_score ON risk_entries(inherent_score DESC, item_id) INCLUDE (tier, owner, status);
CREATE INDEX risk_q_item ON risk_entries(item_id) INCLUDE (tier, inherent_score, owner, status);`;
  return { version: 900, name: 'register-page-indexes', sql };
}

/**
 * Web (950–974): governance records and settings move the register generation too, so what the
 * register page shows from them (the overdue / reviews-due panel) is cached per generation, as the
 * totals are.
 */
function governanceGeneration(d: 'sqlite' | 'postgres'): Migration {
  return { version: 950, name: 'governance-moves-register-generation', sql: generationTriggers(d, ['governance_entries', 'governance_settings']) };
}

/** Triggers that move the register generation on every write to these tables. */
function generationTriggers(d: 'sqlite' | 'postgres', tables: string[]): string {
  return d === 'sqlite'
    ? tables.flatMap((t) => ['INSERT', 'UPDATE', 'DELETE'].map((op) => `CREATE TRIGGER ${t}_generation_${op.toLowerCase()} AFTER ${op} ON ${t} BEGIN UPDATE register_generation SET n = n + 1 WHERE id = 1; END;`)).join('\n')
    : tables.map((t) => `CREATE TRIGGER ${t}_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON ${t} FOR EACH STATEMENT EXECUTE FUNCTION register_generation_bump();`).join('\n');
}

/** Web (951): the policy (the `settings` projection) moves the register generation, so the item page caches it per generation. */
function policyGeneration(d: 'sqlite' | 'postgres'): Migration {
  return { version: 951, name: 'policy-moves-register-generation', sql: generationTriggers(d, ['settings']) };
}

/** Sign-in: a failure row is written before the password is checked, tagged with its attempt (removed when right). */
function signinAttempts(): Migration {
  return { version: 700, name: 'signin-pending-attempts', sql: `
ALTER TABLE login_failures ADD COLUMN attempt TEXT;
CREATE INDEX login_failures_attempt ON login_failures(attempt);
` };
}

/**
 * 800–849 (ledger): users, tokens, risk-entry decisions and the governance tables became
 * projections of the decision log. A register upgraded from before holds rows no entry explains:
 * each such table is marked here, and the first writable open records a `ledger.baseline` entry
 * per existing row (src/register/baseline.ts), after which the log determines them.
 */
function ledgerBaseline(): Migration {
  const tables = ['web_users', 'api_tokens', 'risk_entries', 'governance_entries', 'governance_settings'];
  return {
    version: 800,
    name: 'ledger-baseline-of-decision-tables',
    sql: `CREATE TABLE ledger_baseline_pending (tbl TEXT PRIMARY KEY);
${tables.map((t) => `INSERT INTO ledger_baseline_pending (tbl) SELECT '${t}' WHERE EXISTS (SELECT 1 FROM ${t});`).join('\n')}
`,
  };
}

function team(): Migration {
  return { version: 300, name: 'team-leases-ticks-throttle', sql: TEAM_SQL };
}

// ---- governance (issue 15): versions 500–599 belong to src/governance -------------------------
/** Per-risk-entry governance records and the register's governance settings (same SQL on both backends). */
const GOVERNANCE_SQL = `
CREATE TABLE governance_entries (
  risk_entry_id TEXT PRIMARY KEY,
  item_id TEXT NOT NULL,
  stages TEXT NOT NULL,
  threats TEXT NOT NULL,
  overridden INTEGER NOT NULL DEFAULT 0,
  residual_score INTEGER,
  escalation_level INTEGER NOT NULL DEFAULT 0,
  paused_until TEXT,
  review_due TEXT,
  updated_at TEXT NOT NULL,
  data TEXT NOT NULL
);
CREATE INDEX governance_entries_item ON governance_entries(item_id);
CREATE INDEX governance_entries_paused ON governance_entries(paused_until);
CREATE INDEX governance_entries_escalated ON governance_entries(escalation_level);
CREATE INDEX governance_entries_review ON governance_entries(review_due);
CREATE TABLE governance_settings (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL,
  updated_by TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
`;

function governance(): Migration[] {
  return [{ version: 500, name: 'governance-entries-and-settings', sql: GOVERNANCE_SQL }];
}
// ---- end governance ----------------------------------------------------------------------------

// ---- commit (issue 12): versions 850–899 --------------------------------------------------------
/**
 * The findings table's indexes, each paid on every row a commit writes: only those a query needs.
 * `findings_service` served no query (dropped). `findings_state_signal` served one, the commit's
 * gone candidates (`state = 'active' AND signal <> 'usage' AND scanner IN …`); a partial index on
 * exactly those rows replaces it, so usage findings — the millions of egress and audit rows — cost
 * it nothing. Listing by state reads most of the table either way (bench/results/commit-profile.md
 * has the query plans before and after).
 */
function findingIndexes(): Migration {
  return {
    version: 850,
    name: 'findings-indexes-per-query',
    sql: `
DROP INDEX IF EXISTS findings_service;
DROP INDEX IF EXISTS findings_state_signal;
CREATE INDEX findings_presence ON findings(scanner) WHERE state = 'active' AND signal <> 'usage';
`,
  };
}
// ---- end commit ---------------------------------------------------------------------------------

// ---- commit, narrow findings (issue 12): versions 1000–1099 ---------------------------------------
/**
 * SQLite stores findings narrow (src/register/backends/sqlite-findings.ts): shared columns once per
 * shape, verdict and commit, no index on the random id, `findings` a view of the same columns.
 * PostgreSQL keeps its table: the version is recorded there too, so both backends carry the same
 * schema version (db migrate compares them).
 */
function narrowFindings(dialect: 'sqlite' | 'postgres'): Migration {
  return { version: 1000, name: 'findings-narrow-rows', sql: dialect === 'sqlite' ? FINDING_ROWS_MIGRATION : 'SELECT 1;' };
}
// ---- end commit, narrow findings -----------------------------------------------------------------

export const SQLITE_MIGRATIONS: Migration[] = [
  { version: 1, name: 'core-register', sql: `
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
` },
  { version: 100, name: 'intake-indexes', sql: `
CREATE INDEX IF NOT EXISTS items_state_status ON items(state, status);
CREATE INDEX IF NOT EXISTS items_state_name ON items(state, name);
CREATE INDEX IF NOT EXISTS items_state_last ON items(state, last_detected_at);
CREATE INDEX IF NOT EXISTS items_category ON items(category);
CREATE INDEX IF NOT EXISTS risk_entries_tier ON risk_entries(tier, inherent_score);
CREATE INDEX IF NOT EXISTS risk_entries_owner ON risk_entries(owner);
CREATE INDEX IF NOT EXISTS catalog_decisions_service ON catalog_decisions(service, active);
CREATE INDEX IF NOT EXISTS audit_log_entity ON audit_log(entity_type, entity_id);
` },
  { version: 101, name: 'web-auth', sql: `
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
` },
  { version: 102, name: 'register-covering-indexes', sql: `
CREATE INDEX IF NOT EXISTS items_q_rank ON items(state, (${RANK_SQL}), name, id, status, category, sources, service, vendor);
CREATE INDEX IF NOT EXISTS items_q_name ON items(state, name, id, status, category, sources, service, vendor);
CREATE INDEX IF NOT EXISTS items_q_last ON items(state, last_detected_at DESC, id, status, category, sources);
CREATE INDEX IF NOT EXISTS items_q_first ON items(state, first_detected_at DESC, id, status, category, sources);
CREATE INDEX IF NOT EXISTS risk_q_order ON risk_entries(tier, inherent_score DESC, item_id, owner, status);
CREATE INDEX IF NOT EXISTS risk_q_score ON risk_entries(inherent_score DESC, item_id, tier, owner, status);
CREATE INDEX IF NOT EXISTS risk_q_item ON risk_entries(item_id, tier, inherent_score, owner, status);
ANALYZE;
` },
  { version: 103, name: 'register-search-and-join', sql: `
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
` },
  { version: 200, name: 'source-runs-and-changes', sql: `
CREATE TABLE source_runs (
  run_id TEXT NOT NULL,
  source TEXT NOT NULL,
  scanner TEXT NOT NULL,
  status TEXT NOT NULL,
  at TEXT NOT NULL,
  seq INTEGER NOT NULL,
  baseline_run_id TEXT,
  snapshot TEXT NOT NULL,
  changes TEXT NOT NULL,
  PRIMARY KEY (run_id, source)
);
CREATE INDEX source_runs_source ON source_runs(source, seq);
CREATE TABLE notifications_sent (
  target TEXT NOT NULL,
  event TEXT NOT NULL,
  item_id TEXT NOT NULL,
  status TEXT NOT NULL,
  run_id TEXT NOT NULL,
  at TEXT NOT NULL,
  PRIMARY KEY (target, event, item_id, status)
);
` },
  team(),
  ledger(),
  // ---- governance (500–599)
  ...governance(),
  generation('sqlite'),
  signinAttempts(),
  ledgerBaseline(),
  // ---- commit (850–899)
  findingIndexes(),
  // ---- web (900–949)
  registerPageIndexes('sqlite'),
  // ---- web (950–974)
  governanceGeneration('sqlite'),
  policyGeneration('sqlite'),
  // ---- commit (1000–1099)
  narrowFindings('sqlite'),
];

/**
 * PostgreSQL: the same tables and version numbers. Counts, byte totals and sequence numbers are
 * BIGINT (a proxy log passes 2^31 bytes in an afternoon); JSON stays TEXT, as in SQLite, so rows
 * copy between the two unchanged. Text search uses pg_trgm where the server has it.
 */
export const POSTGRES_MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'core-register',
    sql: `
CREATE TABLE scan_runs (
  id TEXT PRIMARY KEY, started_at TEXT NOT NULL, finished_at TEXT, status TEXT NOT NULL, scanners TEXT NOT NULL,
  coverage TEXT, errors TEXT, summary TEXT, catalog_file TEXT, options TEXT
);
CREATE TABLE findings (
  id TEXT PRIMARY KEY, item_id TEXT NOT NULL, service TEXT NOT NULL, source TEXT NOT NULL, scanner TEXT NOT NULL, kind TEXT NOT NULL,
  value TEXT NOT NULL, signal TEXT NOT NULL, confidence TEXT NOT NULL, subject_kind TEXT NOT NULL, subject_id TEXT NOT NULL,
  subject_name TEXT, locator TEXT NOT NULL, unit TEXT, count BIGINT NOT NULL DEFAULT 1, bytes_out BIGINT, bytes_in BIGINT,
  seen_first TEXT, seen_last TEXT, status TEXT NOT NULL, status_reason TEXT NOT NULL, state TEXT NOT NULL DEFAULT 'active',
  first_detected_at TEXT NOT NULL, last_detected_at TEXT NOT NULL, first_scan_id TEXT NOT NULL, last_scan_id TEXT NOT NULL,
  gone_at TEXT, data TEXT NOT NULL
);
CREATE INDEX findings_item ON findings(item_id);
CREATE INDEX findings_service ON findings(service);
CREATE TABLE items (
  id TEXT PRIMARY KEY, kind TEXT NOT NULL, service TEXT NOT NULL, name TEXT NOT NULL, vendor TEXT NOT NULL, category TEXT NOT NULL,
  artifact_type TEXT, artifact_key TEXT, status TEXT NOT NULL, status_reason TEXT NOT NULL, catalog_entry TEXT,
  state TEXT NOT NULL DEFAULT 'active', sources TEXT NOT NULL, signals TEXT NOT NULL, subject_count BIGINT NOT NULL,
  finding_count BIGINT NOT NULL, event_count BIGINT NOT NULL, bytes_out BIGINT, seen_first TEXT, seen_last TEXT,
  first_detected_at TEXT NOT NULL, last_detected_at TEXT NOT NULL, gone_at TEXT, data TEXT NOT NULL
);
CREATE INDEX items_status ON items(status);
CREATE TABLE risk_entries (
  id TEXT PRIMARY KEY, item_id TEXT NOT NULL UNIQUE, title TEXT NOT NULL, status TEXT NOT NULL, tier INTEGER NOT NULL,
  likelihood INTEGER NOT NULL, impact INTEGER NOT NULL, inherent_score INTEGER NOT NULL, treatment TEXT NOT NULL, owner TEXT,
  review_date TEXT, impact_assessment TEXT NOT NULL, suppressed_until TEXT, created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
  data TEXT NOT NULL
);
CREATE INDEX risk_entries_status ON risk_entries(status);
CREATE TABLE audit_log (
  seq BIGINT PRIMARY KEY, at TEXT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL, entity_type TEXT NOT NULL,
  entity_id TEXT NOT NULL, before_state TEXT, after_state TEXT, rationale TEXT, prev_hash TEXT NOT NULL, hash TEXT NOT NULL
);
CREATE TABLE scanner_state (
  scanner TEXT NOT NULL, state_key TEXT NOT NULL, value TEXT NOT NULL, updated_at TEXT NOT NULL, PRIMARY KEY (scanner, state_key)
);
CREATE TABLE catalog_decisions (
  id TEXT PRIMARY KEY, service TEXT NOT NULL, decision TEXT NOT NULL, entry TEXT NOT NULL, decided_by TEXT NOT NULL,
  decided_at TEXT NOT NULL, risk_entry_id TEXT, active INTEGER NOT NULL DEFAULT 1
);
`,
  },
  {
    version: 100,
    name: 'intake-indexes',
    sql: `
CREATE INDEX items_state_status ON items(state, status);
CREATE INDEX items_state_name ON items(state, name);
CREATE INDEX items_state_last ON items(state, last_detected_at);
CREATE INDEX items_category ON items(category);
CREATE INDEX risk_entries_tier ON risk_entries(tier, inherent_score);
CREATE INDEX risk_entries_owner ON risk_entries(owner);
CREATE INDEX catalog_decisions_service ON catalog_decisions(service, active);
CREATE INDEX audit_log_entity ON audit_log(entity_type, entity_id);
`,
  },
  {
    version: 101,
    name: 'web-auth',
    sql: `
CREATE TABLE web_users (username TEXT PRIMARY KEY, password_hash TEXT NOT NULL, role TEXT NOT NULL, created_at TEXT NOT NULL, disabled INTEGER NOT NULL DEFAULT 0);
CREATE TABLE web_sessions (id_hash TEXT PRIMARY KEY, username TEXT NOT NULL, csrf TEXT NOT NULL, created_at TEXT NOT NULL, expires_at TEXT NOT NULL);
CREATE INDEX web_sessions_user ON web_sessions(username);
CREATE TABLE api_tokens (
  id TEXT PRIMARY KEY, name TEXT NOT NULL, token_hash TEXT NOT NULL UNIQUE, role TEXT NOT NULL, created_at TEXT NOT NULL,
  created_by TEXT NOT NULL, expires_at TEXT, last_used_at TEXT, revoked INTEGER NOT NULL DEFAULT 0
);
`,
  },
  {
    version: 102,
    name: 'register-covering-indexes',
    sql: `
CREATE INDEX items_q_rank ON items(state, (${RANK_SQL}), name, id);
CREATE INDEX items_q_name ON items(state, name, id);
CREATE INDEX items_q_last ON items(state, last_detected_at DESC, id);
CREATE INDEX items_q_first ON items(state, first_detected_at DESC, id);
CREATE INDEX items_q_bytes ON items(state, (COALESCE(bytes_out, 0)) DESC, id);
CREATE INDEX risk_q_order ON risk_entries(tier, inherent_score DESC, item_id);
CREATE INDEX risk_q_score ON risk_entries(inherent_score DESC, item_id);
`,
  },
  {
    version: 103,
    name: 'register-search-and-join',
    // pg_trgm makes ILIKE '%q%' an index scan; a server without the extension (or a role that may
    // not create it) still answers the same query, by a scan.
    sql: `
DO $$ BEGIN
  CREATE EXTENSION IF NOT EXISTS pg_trgm;
  EXECUTE 'CREATE INDEX items_name_trgm ON items USING gin (name gin_trgm_ops)';
  EXECUTE 'CREATE INDEX items_service_trgm ON items USING gin (service gin_trgm_ops)';
  EXECUTE 'CREATE INDEX items_vendor_trgm ON items USING gin (vendor gin_trgm_ops)';
EXCEPTION WHEN OTHERS THEN
  RAISE NOTICE 'pg_trgm not available: register search scans the items table';
END $$;
`,
  },
  {
    version: 200,
    name: 'source-runs-and-changes',
    sql: `
CREATE TABLE source_runs (
  run_id TEXT NOT NULL, source TEXT NOT NULL, scanner TEXT NOT NULL, status TEXT NOT NULL, at TEXT NOT NULL, seq BIGINT NOT NULL,
  baseline_run_id TEXT, snapshot TEXT NOT NULL, changes TEXT NOT NULL, PRIMARY KEY (run_id, source)
);
CREATE INDEX source_runs_source ON source_runs(source, seq);
CREATE TABLE notifications_sent (
  target TEXT NOT NULL, event TEXT NOT NULL, item_id TEXT NOT NULL, status TEXT NOT NULL, run_id TEXT NOT NULL, at TEXT NOT NULL,
  PRIMARY KEY (target, event, item_id, status)
);
`,
  },
  team(),
  ledger(),
  // ---- governance (500–599)
  ...governance(),
  generation('postgres'),
  signinAttempts(),
  ledgerBaseline(),
  // ---- commit (850–899)
  findingIndexes(),
  // ---- web (900–949)
  registerPageIndexes('postgres'),
  // ---- web (950–974)
  governanceGeneration('postgres'),
  policyGeneration('postgres'),
  // ---- commit (1000–1099)
  narrowFindings('postgres'),
];

/** Every table of the register, parents first (the order `db migrate` copies them in). */
export const TABLES = [
  'scan_runs',
  'findings',
  'items',
  'risk_entries',
  'audit_log',
  'scanner_state',
  'catalog_decisions',
  'web_users',
  'web_sessions',
  'api_tokens',
  'source_runs',
  'notifications_sent',
  'leases',
  'schedule_ticks',
  'login_failures',
  'settings',
  'catalog_versions',
  'governance_entries',
  'governance_settings',
] as const;

export const SCHEMA_VERSION = Math.max(...SQLITE_MIGRATIONS.map((m) => m.version));
