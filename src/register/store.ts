/**
 * The register's one asynchronous store interface. Two backends implement it (src/register/
 * backends/): SQLite, the embedded default, and PostgreSQL, the team register shared by many
 * runners and web replicas. No SQL lives outside the backends and no caller holds a database
 * handle: everything the program keeps goes through these methods.
 */
import type { Coverage, Finding, ItemStatus } from '../core/types.js';
import type { Item } from '../resolve/resolve.js';
import type { RiskAssessment } from '../risk/assess.js';
import type { GovernanceRecord } from '../governance/record.js';
import type { GovernanceOps } from './backends/governance-ops.js';
import type { AuditEvent, AuditRecord, VerifyResult } from './audit.js';
import type { ProjRow } from './projections.js';

export interface RunMeta {
  scanners: string[];
  catalogFile?: string;
  options?: unknown;
  startedAt?: string;
}

export interface CommitSummary {
  runId: string;
  status: 'complete' | 'partial' | 'failed';
  findings: { total: number; new: number; gone: number };
  items: { total: number; new: number; gone: number; byStatus: Record<string, number> };
  riskEntries: { created: number; reopened: number };
}

export interface RiskEntry {
  id: string;
  itemId: string;
  title: string;
  status: string;
  tier: number;
  likelihood: number;
  likelihoodReason: string;
  impact: number;
  impactReason: string;
  inherentScore: number;
  band: string;
  treatment: string;
  treatmentReason: string;
  owner?: string;
  reviewDate?: string;
  impactAssessment: string;
  impactAssessmentReason: string;
  triage: RiskAssessment['triage'];
  tierReason: string;
  references: RiskAssessment['references'];
  service: string;
  vendor: string;
  category: string;
  evidenceSummary: string;
  subjects: string[];
  firstSeen?: string;
  lastSeen?: string;
  suppressedUntil?: string;
  suppressionReason?: string;
  decision?: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
}

/** One item as every list shows it: the CLI, the web pages, the API and the exports. */
export interface ItemSummary {
  id: string;
  kind: string;
  service: string;
  name: string;
  vendor: string;
  category: string;
  artifactType?: string;
  artifactKey?: string;
  status: ItemStatus;
  statusReason: string;
  catalogEntry?: string;
  state: 'active' | 'gone';
  sources: string[];
  signals: string[];
  subjectCount: number;
  findingCount: number;
  eventCount: number;
  bytesOut?: number;
  seenFirst?: string;
  seenLast?: string;
  firstDetectedAt: string;
  lastDetectedAt: string;
  goneAt?: string;
  riskEntryId?: string;
  riskStatus?: string;
  tier?: number;
  score?: number;
  treatment?: string;
  owner?: string;
  suppressedUntil?: string;
}

/** An item with the JSON it carries (subjects, artifact): `getItem`, exports. */
export interface ItemRow extends ItemSummary {
  subjects: Array<{ kind: string; id: string; name?: string }>;
  artifact?: Item['artifact'];
}

export const ITEM_SORTS = ['status', 'tier', 'score', 'name', 'last-seen', 'first-detected', 'bytes'] as const;
export type ItemSort = (typeof ITEM_SORTS)[number];

/** The one filter of the register, used by the CLI, the web pages, the API and the exports. */
export interface ItemQuery {
  /** Item statuses (reconcile verdicts); undefined or empty: every status. */
  status?: string[];
  /** Risk-entry (intake) statuses. */
  riskStatus?: string[];
  tier?: number;
  source?: string;
  category?: string;
  owner?: string;
  service?: string;
  q?: string;
  state?: 'active' | 'gone' | 'all';
  sort?: ItemSort;
  /** Page size; undefined: every matching item. */
  limit?: number;
  offset?: number;
  /** Keyset paging: the page after / before a page's `next` / `prev` cursor (offset is then ignored). */
  after?: string;
  before?: string;
}

export interface Page<T> {
  total: number;
  /** True when `total` is a lower bound (counting every match of a join costs too much). */
  capped: boolean;
  rows: T[];
  /** Paged queries: cursors for the next / previous page (ItemQuery.after / before), when there is one. */
  next?: string;
  prev?: string;
  /**
   * The register generation the page was read in (moves with every write to items, risk entries
   * and governance records), when the store knows it: what a caller may cache alongside the page.
   */
  generation?: number;
}

export interface FindingState {
  state: string;
  status: string;
  statusReason: string;
  firstDetectedAt: string;
  lastDetectedAt: string;
}

export type StoredFinding = Finding & { status: string; statusReason: string; state: string; firstDetectedAt: string; lastDetectedAt: string; itemId: string };

export interface ItemDetail {
  item: ItemRow;
  findings: Finding[];
  findingStates: Record<string, FindingState>;
  risk?: RiskEntry;
  history: AuditRecord[];
}

/**
 * What the web's item page reads (`itemPage`): the item's detail, the risk entry's stored
 * governance record (absent: none stored yet) and the register generation the item row was read
 * in (absent: a register without the counter), which a caller may cache settings against.
 */
export interface ItemPageData extends ItemDetail {
  governance?: GovernanceRecord;
  generation?: number;
}

export interface RunRow {
  id: string;
  startedAt: string;
  finishedAt?: string;
  status: string;
  scanners: unknown;
  coverage: Coverage[];
  errors: Record<string, string>;
  summary?: CommitSummary;
  catalogFile?: string;
}

export interface DecisionRow {
  id: string;
  service: string;
  decision: 'approved' | 'declined';
  entry: unknown;
  decidedBy: string;
  decidedAt: string;
  riskEntryId?: string;
  active: boolean;
}

/** What the store holds of a finding before a commit merges this run's figures in. */
export interface StoredFigures {
  count: number;
  bytesOut?: number;
  bytesIn?: number;
  seenFirst?: string;
  seenLast?: string;
}

/**
 * Rows read by index: an array, or rows built as they are consumed (a million rows need not exist
 * at once). The consumer reads each row once, in order, and is done with it before it asks for the
 * next, so a source may hand back the same object each time, refilled (the commit also groups each
 * finding by item as its row is asked for).
 */
export type RowSource<T> = { readonly length: number; at(i: number): T | undefined };

/** A finding row as a commit writes it. */
export interface FindingWrite {
  finding: Finding;
  itemId: string;
  /** the scanner's unit (attrs.unit), or null: the locator's path is the unit (see unitOf) */
  unit: string | null;
  /** The finding's verdict (the commit's reconciler, reused by the judge), written with the row. */
  status: string;
  statusReason: string;
}

export interface GoneCandidate {
  id: string;
  scanner: string;
  unit: string;
  subjectId: string;
}

export interface ItemWrite {
  item: Item;
  status: ItemStatus;
  statusReason: string;
  catalogEntry?: string;
  /** This run's time when it saw the item, else the time stored before (the judge's prior items). */
  lastDetectedAt: string;
}

export interface PriorItem {
  status: string;
  /** The stored reason and deciding catalog entry (an item a run does not cover keeps them). */
  statusReason?: string;
  catalogEntry?: string;
  state: string;
  lastDetectedAt: string;
  firstDetectedAt: string;
}

export interface UserRow {
  username: string;
  passwordHash: string;
  role: string;
  createdAt: string;
  disabled: boolean;
}

export interface SessionRow {
  username: string;
  csrf: string;
  expiresAt: string;
  role: string;
  disabled: boolean;
}

export interface TokenRow {
  id: string;
  name: string;
  role: string;
  createdAt: string;
  createdBy: string;
  expiresAt?: string;
  lastUsedAt?: string;
  revoked: boolean;
}

export interface SourceRunRow {
  runId: string;
  source: string;
  scanner: string;
  status: string;
  at: string;
  seq: number;
  baselineRunId?: string;
  snapshot: string;
  changes: string;
}

export interface DiffFindingRow {
  id: string;
  itemId: string;
  subjectKind: string;
  subjectId: string;
  subjectName?: string;
}

export interface LeaseInfo {
  name: string;
  holder: string;
  acquiredAt: string;
  expiresAt: string;
}

/**
 * Every operation on the register. Inside `transaction(fn)` the same operations run on one
 * connection in one transaction (`fn` gets them as `tx`).
 */
export interface RegisterOps {
  // ---- runs
  startRun(meta: RunMeta, runId: string): Promise<void>;
  abortRunningRuns(): Promise<void>;
  countRuns(): Promise<number>;
  finishRun(runId: string, r: { status: string; coverage: Coverage[]; errors: Record<string, string>; summary: CommitSummary; scanners: Record<string, string> }): Promise<void>;
  listRuns(limit?: number): Promise<RunRow[]>;
  getRun(runId: string): Promise<RunRow | undefined>;
  latestCatalogFile(): Promise<string | undefined>;

  // ---- scanner state
  getState(scanner: string): Promise<Record<string, unknown>>;
  getAllState(): Promise<Record<string, Record<string, unknown>>>;
  setState(state: Record<string, Record<string, unknown>>, at: string): Promise<void>;
  clearState(scanner?: string): Promise<void>;

  // ---- findings
  /** Does the register hold any finding? (A fresh register has no stored figures to read.) */
  hasFindings(): Promise<boolean>;
  findingFigures(ids: string[]): Promise<Map<string, StoredFigures>>;
  /** Rows by index (an array, or rows built as the batch that holds them is sent). */
  upsertFindings(rows: RowSource<FindingWrite>, runId: string, at: string): Promise<void>;
  goneCandidates(scanners: string[]): Promise<GoneCandidate[]>;
  markFindingsGone(ids: string[], at: string): Promise<void>;
  activeFindings(): Promise<Finding[]>;
  /** Active findings this run did not write (last scan another run), with their stored verdicts. */
  otherActiveFindings(runId: string): Promise<Array<{ finding: Finding; status: string; statusReason: string }>>;
  activeFindingsOfItem(itemId: string): Promise<Finding[]>;
  setFindingVerdicts(v: Array<{ id: string; status: string; reason: string }>): Promise<void>;
  listFindings(f?: { itemId?: string; state?: 'active' | 'gone' | 'all' }): Promise<StoredFinding[]>;
  findingsOfRun(runId: string): Promise<Map<string, { count: number; bytesOut?: number; bytesIn?: number; status: string; statusReason: string }>>;
  evidenceKinds(itemId: string): Promise<string[]>;
  /** Up to `limit` active findings of an item, credentials first, then usage. */
  topEvidence(itemId: string, limit: number): Promise<Array<{ source: string; kind: string; value: string; locator: string; signal: string }>>;
  diffFindings(f: { runId: string; scanner: string } | { ids: string[] }): Promise<DiffFindingRow[]>;

  // ---- items
  priorItems(): Promise<Map<string, PriorItem>>;
  upsertItems(rows: ItemWrite[], at: string): Promise<void>;
  markItemsGone(ids: string[], at: string): Promise<void>;
  setItemStatus(itemId: string, status: string, reason: string, catalogEntry?: string): Promise<void>;
  queryItems(q: ItemQuery): Promise<Page<ItemSummary>>;
  itemsByIds(ids: string[]): Promise<Map<string, ItemRow>>;
  getItem(id: string): Promise<ItemDetail | undefined>;
  /** An item (by its id or its risk entry's) for its page: row, risk entry, governance record and generation in one statement, then its findings and history. */
  itemPage(idOrRisk: string): Promise<ItemPageData | undefined>;
  itemFacets(): Promise<{ categories: string[]; owners: string[] }>;
  serviceInUse(service: string): Promise<boolean>;

  // ---- risk entries
  getRisk(idOrItem: string): Promise<RiskEntry | undefined>;
  risksByItem(): Promise<Map<string, RiskEntry>>;
  listRisks(f?: { status?: string[] }): Promise<RiskEntry[]>;
  countRisks(): Promise<number>;
  insertRisk(e: RiskEntry): Promise<void>;
  updateRisk(e: RiskEntry): Promise<void>;

  // ---- catalog decisions
  listDecisions(f?: { activeOnly?: boolean; service?: string }): Promise<DecisionRow[]>;
  countDecisions(): Promise<number>;

  // ---- audit log (append-only hash chain)
  appendAudit(e: AuditEvent): Promise<AuditRecord>;
  auditLog(f?: { entityId?: string; entityType?: string; limit?: number; order?: 'asc' | 'desc' }): Promise<AuditRecord[]>;
  entityHistory(itemId: string, riskId?: string): Promise<AuditRecord[]>;
  /** The chain and every projection replayed from it (src/register/ledger.ts). */
  verifyAudit(): Promise<VerifyResult>;
  /** The stored rows of a projected table (src/register/projections.ts). */
  projectionRows(table: string, columns: string[], keys?: string[]): Promise<ProjRow[]>;
  /** Decision tables of an upgraded register waiting for their baseline entries (src/register/baseline.ts). */
  pendingBaselines(): Promise<string[]>;
  baselineDone(table: string): Promise<void>;
  /** Writes rows of a projected table — only `appendEntry` calls it. */
  writeProjection(table: string, key: string[], columns: string[], upserts: ProjRow[], deletes: ProjRow[]): Promise<void>;

  // ---- web users, sessions, tokens, login throttling
  getUser(username: string): Promise<UserRow | undefined>;
  listUsers(): Promise<UserRow[]>;
  upsertUser(u: UserRow): Promise<void>;
  deleteSessionsOf(username: string): Promise<void>;
  insertSession(s: { idHash: string; username: string; csrf: string; createdAt: string; expiresAt: string }): Promise<void>;
  getSession(idHash: string): Promise<SessionRow | undefined>;
  deleteSession(idHash: string): Promise<void>;
  purgeSessions(before: string): Promise<void>;
  insertToken(t: TokenRow & { tokenHash: string }): Promise<void>;
  tokenByHash(tokenHash: string): Promise<TokenRow | undefined>;
  touchToken(id: string, at: string): Promise<void>;
  revokeToken(id: string): Promise<boolean>;
  listTokens(): Promise<TokenRow[]>;
  /** Removes a user and its sessions; false when there was none. */
  deleteUser(username: string): Promise<boolean>;
  /**
   * Records a failed sign-in for each key; returns the failures per key since `since`. With
   * `attempt`, the rows are a pending failure written before the password is checked, removed by
   * endLoginAttempt when it was right.
   */
  recordLoginFailure(keys: string[], at: string, since: string, attempt?: string): Promise<number[]>;
  loginFailures(key: string, since: string): Promise<number>;
  /** Failures of `key` since `since` and the time of the latest one (sign-in back-off). */
  loginThrottle(key: string, since: string): Promise<{ failures: number; lastAt?: string }>;
  /** The password was right: the attempt's pending failure rows go. */
  endLoginAttempt(attempt: string): Promise<void>;
  clearLoginFailures(key: string): Promise<void>;

  // ---- change digests (diff) and notifications
  sourceRuns(source: string): Promise<SourceRunRow[]>;
  saveSourceRun(r: Omit<SourceRunRow, 'seq'>): Promise<void>;
  sourceRunChanges(runId?: string, source?: string): Promise<string[]>;
  wasNotified(target: string, event: string, itemId: string, status: string): Promise<boolean>;
  recordNotifications(rows: Array<{ target: string; event: string; itemId: string; status: string; runId: string; at: string }>): Promise<void>;

  // ---- governance records and settings (src/governance; tables of migrations 500–599)
  governance(): GovernanceOps;
}

export interface TableDump {
  table: string;
  columns: string[];
  rows: unknown[][];
}

export interface RegisterStore extends RegisterOps {
  readonly kind: 'sqlite' | 'postgres';
  /** The file path, or the URL without its password. */
  readonly location: string;
  /** Runs `fn` in one transaction on one connection; writes of concurrent runners are serialised. */
  transaction<T>(fn: (tx: RegisterOps) => Promise<T>): Promise<T>;
  close(): Promise<void>;

  // ---- leases (per-source locks across processes and machines) and schedule ticks
  /** Takes the lease when free or expired (or already ours); false when another holder has it. */
  acquireLease(name: string, holder: string, ttlMs: number): Promise<boolean>;
  renewLease(name: string, holder: string, ttlMs: number): Promise<boolean>;
  releaseLease(name: string, holder: string): Promise<void>;
  getLease(name: string): Promise<LeaseInfo | undefined>;
  /** Claims one run of a scheduled job at one tick; exactly one replica gets true. */
  claimTick(job: string, tickAt: string, holder: string): Promise<boolean>;

  // ---- copying a register (db migrate)
  tables(): string[];
  dumpTable(table: string, batch: number): AsyncIterable<TableDump>;
  loadTable(dump: TableDump): Promise<void>;
  /** The bulk path: every dump in one transaction (into empty tables: indexes and triggers rebuilt once at the end); rows loaded per table. */
  loadTables(dumps: Iterable<TableDump> | AsyncIterable<TableDump>): Promise<{ rows: Record<string, number> }>;
  countRows(table: string): Promise<number>;
  schemaVersion(): Promise<number>;
  /** Refreshes the planner's statistics (after a bulk load; SQLite also does it on close). */
  analyze(): Promise<void>;
}

/** Statuses that put an item in the intake queue. */
export const QUEUE_STATUSES: ItemStatus[] = ['unsanctioned', 'out-of-scope', 'approval-expired', 'declined-but-in-use'];
