/**
 * The register: a real SQLite file (better-sqlite3), numbered migrations, one transaction per
 * scan commit, idempotent upserts by stable fingerprint. Behind one asynchronous interface so a
 * PostgreSQL engine can be added without rewriting callers.
 */
import Database from 'better-sqlite3';
import { accessSync, constants as fsConstants, existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, resolve as resolvePath } from 'node:path';
import { RegisterError } from '../core/errors.js';
import type { Coverage, Finding, ItemStatus } from '../core/types.js';
import { locatorPath } from '../match/match.js';
import { itemIdFor, resolve as resolveItems, type Item } from '../resolve/resolve.js';
import type { Reconciler, Verdict } from '../reconcile/reconcile.js';
import type { RuleIndex } from '../rules/compile.js';
import { assess, type RiskAssessment } from '../risk/assess.js';
import { appendAudit, verifyAudit, type AuditEvent, type AuditRecord, type VerifyResult } from './audit.js';
import { migrations } from './migrations.js';

/** Statuses that put an item in the intake queue. */
export const QUEUE_STATUSES: ItemStatus[] = ['unsanctioned', 'out-of-scope', 'approval-expired', 'declined-but-in-use'];

export interface RunMeta {
  scanners: string[];
  catalogFile?: string;
  options?: unknown;
  startedAt?: string;
}

export interface CommitInput {
  runId: string;
  findings: Finding[];
  coverage: Coverage[];
  errors: Record<string, string>;
  state: Record<string, Record<string, unknown>>;
  scannerVersions: Record<string, string>;
  reconciler: Reconciler;
  rules: RuleIndex;
  now: Date;
  /** A full re-read (`--full`): figures replace stored ones even for incremental findings. */
  full?: boolean;
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

export interface ItemRow {
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
  owner?: string;
  subjects: Array<{ kind: string; id: string; name?: string }>;
  artifact?: Item['artifact'];
}

export interface ItemFilter {
  status?: string[];
  state?: 'active' | 'gone' | 'all';
  source?: string;
  category?: string;
  service?: string;
  tier?: number;
  owner?: string;
  q?: string;
  sort?: 'name' | 'status' | 'tier' | 'score' | 'last-seen' | 'first-detected';
  limit?: number;
  offset?: number;
}

type Row = Record<string, any>;

const j = (v: unknown) => JSON.stringify(v ?? null);
const pj = <T>(s: string | null | undefined, d: T): T => (s ? (JSON.parse(s) as T) : d);

/** One-line reasons a register file cannot be opened, before SQLite's terse "unable to open database file". */
function checkDbPath(file: string, path: string, readonly: boolean): void {
  if (existsSync(path) && statSync(path).isDirectory()) throw new RegisterError(`${file}: is a folder (expected a register database file)`);
  if (readonly) {
    if (!existsSync(path)) throw new RegisterError(`${file}: no such register database (a scan creates it: shadowscan scan … --db ${file})`);
    return;
  }
  const dir = dirname(path);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new RegisterError(`${file}: cannot create the folder ${dir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { cause: e });
  }
  const writable = (p: string) => {
    try {
      accessSync(p, fsConstants.W_OK);
      return true;
    } catch {
      return false;
    }
  };
  // SQLite writes the file and, in WAL mode, -wal / -shm files next to it
  if (existsSync(path) && !writable(path)) throw new RegisterError(`${file}: the register database is read-only (no write permission) — give a writable --db`);
  if (!writable(dir)) throw new RegisterError(`${file}: folder ${dir} is not writable — give a --db in a writable folder`);
}

export class Register {
  readonly file: string;
  /** The underlying connection, for extensions of this module (web sessions, intake). */
  readonly db: Database.Database;

  private constructor(file: string, db: Database.Database) {
    this.file = file;
    this.db = db;
  }

  static async open(file: string, opts: { readonly?: boolean } = {}): Promise<Register> {
    const path = file === ':memory:' ? file : resolvePath(file);
    if (path !== ':memory:') checkDbPath(file, path, opts.readonly ?? false);
    let db: Database.Database;
    try {
      db = new Database(path, { readonly: opts.readonly ?? false, fileMustExist: opts.readonly ?? false });
    } catch (e) {
      throw new RegisterError(`${file}: cannot open database: ${(e as Error).message}`, { cause: e });
    }
    try {
      if (!opts.readonly) {
        db.pragma('journal_mode = WAL');
        db.pragma('synchronous = NORMAL');
      }
      db.pragma('foreign_keys = ON');
      db.pragma('busy_timeout = 5000');
      const reg = new Register(path, db);
      if (!opts.readonly) reg.migrate();
      return reg;
    } catch (e) {
      db.close();
      if (e instanceof RegisterError) throw e;
      throw new RegisterError(`${file}: not a shadowscan register: ${(e as Error).message}`, { cause: e });
    }
  }

  /** Applies pending migrations (each in its own transaction). Extra migrations can be passed by extensions. */
  migrate(extra: Array<{ version: number; name: string; sql: string }> = []): void {
    this.db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
    const applied = new Set((this.db.prepare('SELECT version FROM schema_migrations').all() as Row[]).map((r) => r.version as number));
    for (const m of [...migrations, ...extra].sort((a, b) => a.version - b.version)) {
      if (applied.has(m.version)) continue;
      this.db.transaction(() => {
        this.db.exec(m.sql);
        this.db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(m.version, m.name, new Date().toISOString());
      })();
    }
  }

  async close(): Promise<void> {
    this.db.close();
  }

  // ------------------------------------------------------------------ runs

  async startRun(meta: RunMeta): Promise<string> {
    const startedAt = meta.startedAt ?? new Date().toISOString();
    // Runs left 'running' by a killed process are marked aborted (their transaction never committed).
    this.db.prepare("UPDATE scan_runs SET status = 'aborted' WHERE status = 'running'").run();
    const n = (this.db.prepare('SELECT COUNT(*) AS n FROM scan_runs').get() as Row).n as number;
    const id = `run-${startedAt.replace(/[-:.TZ]/g, '').slice(0, 14)}-${String(n + 1).padStart(4, '0')}`;
    this.db
      .prepare("INSERT INTO scan_runs (id, started_at, status, scanners, catalog_file, options) VALUES (?, ?, 'running', ?, ?, ?)")
      .run(id, startedAt, j(meta.scanners), meta.catalogFile ?? null, j(meta.options ?? {}));
    return id;
  }

  async getState(scanner: string): Promise<Record<string, unknown>> {
    const rows = this.db.prepare('SELECT state_key, value FROM scanner_state WHERE scanner = ?').all(scanner) as Row[];
    return Object.fromEntries(rows.map((r) => [r.state_key, JSON.parse(r.value)]));
  }

  async getAllState(): Promise<Record<string, Record<string, unknown>>> {
    const rows = this.db.prepare('SELECT scanner, state_key, value FROM scanner_state').all() as Row[];
    const out: Record<string, Record<string, unknown>> = {};
    for (const r of rows) (out[r.scanner] ??= {})[r.state_key] = JSON.parse(r.value);
    return out;
  }

  /** Clears stored offsets / cursors (for `--full`). */
  async clearState(scanner?: string): Promise<void> {
    if (scanner) this.db.prepare('DELETE FROM scanner_state WHERE scanner = ?').run(scanner);
    else this.db.prepare('DELETE FROM scanner_state').run();
  }

  /**
   * Commits a scan in ONE transaction: findings upserted by fingerprint (first detection kept),
   * presence findings no longer seen marked gone only where this run fully covered their unit,
   * every active item re-resolved and reconciled, risk entries created or reopened, state saved,
   * audit records appended. A crash before COMMIT leaves the previous state intact.
   */
  async commitScan(input: CommitInput): Promise<CommitSummary> {
    const { runId, now } = input;
    const at = now.toISOString();
    const actor = `system:scan:${runId}`;
    const failedScanners = new Set(Object.keys(input.errors));
    const status: CommitSummary['status'] =
      failedScanners.size === input.coverage.length && input.coverage.length > 0 ? 'failed' : failedScanners.size > 0 || input.coverage.some((c) => c.failed.length > 0) ? 'partial' : 'complete';

    const tx = this.db.transaction((): CommitSummary => {
      const summary: CommitSummary = { runId, status, findings: { total: input.findings.length, new: 0, gone: 0 }, items: { total: 0, new: 0, gone: 0, byStatus: {} }, riskEntries: { created: 0, reopened: 0 } };
      const getFinding = this.db.prepare('SELECT id, count, bytes_out, bytes_in, seen_first, seen_last, state, first_detected_at, first_scan_id FROM findings WHERE id = ?');
      const upsert = this.db.prepare(`INSERT INTO findings (id, item_id, service, source, scanner, kind, value, signal, confidence, subject_kind, subject_id, subject_name, locator, unit, count, bytes_out, bytes_in, seen_first, seen_last, status, status_reason, state, first_detected_at, last_detected_at, first_scan_id, last_scan_id, gone_at, data)
        VALUES (@id, @item_id, @service, @source, @scanner, @kind, @value, @signal, @confidence, @subject_kind, @subject_id, @subject_name, @locator, @unit, @count, @bytes_out, @bytes_in, @seen_first, @seen_last, 'unsanctioned', '', 'active', @at, @at, @run, @run, NULL, @data)
        ON CONFLICT (id) DO UPDATE SET locator = excluded.locator, unit = excluded.unit, count = excluded.count, bytes_out = excluded.bytes_out, bytes_in = excluded.bytes_in, seen_first = excluded.seen_first, seen_last = excluded.seen_last,
          state = 'active', gone_at = NULL, last_detected_at = excluded.last_detected_at, last_scan_id = excluded.last_scan_id, data = excluded.data, subject_name = excluded.subject_name`);
      const seenIds = new Set<string>();
      for (const f of input.findings) {
        seenIds.add(f.id);
        const prev = getFinding.get(f.id) as Row | undefined;
        let merged = f;
        if (prev && f.attrs?.increment === true && !input.full) {
          // An incremental scanner (log offsets, API cursors) reports only events it had not read
          // before and marks them `increment`: add them to what was seen. Otherwise the scanner
          // reports the whole truth for the finding and it replaces the stored figures.
          merged = {
            ...f,
            count: (prev.count ?? 0) + (f.count ?? 1),
            bytesOut: f.bytesOut !== undefined || prev.bytes_out !== null ? (prev.bytes_out ?? 0) + (f.bytesOut ?? 0) : undefined,
            bytesIn: f.bytesIn !== undefined || prev.bytes_in !== null ? (prev.bytes_in ?? 0) + (f.bytesIn ?? 0) : undefined,
            firstSeen: minStr(prev.seen_first, f.firstSeen),
            lastSeen: maxStr(prev.seen_last, f.lastSeen),
          };
        }
        if (!prev) summary.findings.new++;
        upsert.run({
          id: f.id,
          item_id: itemIdFor(merged),
          service: f.service,
          source: f.source,
          scanner: f.scanner,
          kind: f.kind,
          value: f.value,
          signal: f.signal,
          confidence: f.confidence,
          subject_kind: f.subject.kind,
          subject_id: f.subject.id,
          subject_name: f.subject.name ?? null,
          locator: f.locator,
          unit: unitOf(f),
          count: merged.count ?? 1,
          bytes_out: merged.bytesOut ?? null,
          bytes_in: merged.bytesIn ?? null,
          seen_first: merged.firstSeen ?? null,
          seen_last: merged.lastSeen ?? null,
          at,
          run: runId,
          data: j(merged),
        });
      }

      // ---- gone: presence / credential findings of scanners that ran, in units fully covered now
      const coveredUnits = new Map<string, Set<string>>();
      const failedUnits = new Map<string, Set<string>>();
      for (const c of input.coverage) {
        if (failedScanners.has(c.scanner)) continue;
        coveredUnits.set(c.scanner, new Set(c.units));
        failedUnits.set(c.scanner, new Set(c.failed.map((u) => u.unit)));
      }
      const candidates = this.db.prepare("SELECT id, scanner, unit, subject_id, locator, item_id FROM findings WHERE state = 'active' AND signal <> 'usage'").all() as Row[];
      const markGone = this.db.prepare("UPDATE findings SET state = 'gone', gone_at = ? WHERE id = ?");
      for (const r of candidates) {
        if (seenIds.has(r.id)) continue;
        const units = coveredUnits.get(r.scanner);
        if (!units) continue;
        const unit = r.unit ?? locatorPath(r.locator);
        const failed = failedUnits.get(r.scanner)!;
        // Scanners name units either like the finding's locator path, by subject, or `subject:path`.
        const keys = [unit, r.subject_id, `${r.subject_id}:${unit}`];
        if (keys.some((k) => failed.has(k))) continue;
        if (keys.some((k) => units.has(k))) {
          markGone.run(at, r.id);
          summary.findings.gone++;
          appendAudit(this.db, { at, actor, action: 'finding.gone', entityType: 'finding', entityId: r.id, after: { state: 'gone' }, rationale: `not seen in ${runId}, which fully covered ${unit}` });
        }
      }

      // ---- items: re-resolve every item from its active findings, reconcile, register
      const active = (this.db.prepare("SELECT data FROM findings WHERE state = 'active'").all() as Row[]).map((r) => JSON.parse(r.data) as Finding);
      const verdicts = new Map<string, Verdict>();
      const updFinding = this.db.prepare('UPDATE findings SET status = ?, status_reason = ? WHERE id = ? AND (status <> ? OR status_reason <> ?)');
      for (const f of active) {
        const v = input.reconciler.finding(f);
        verdicts.set(f.id, v);
        updFinding.run(v.status, v.reason, f.id, v.status, v.reason);
      }
      const items = resolveItems(active);
      const getItem = this.db.prepare('SELECT id, status, state, first_detected_at FROM items WHERE id = ?');
      const upItem = this.db.prepare(`INSERT INTO items (id, kind, service, name, vendor, category, artifact_type, artifact_key, status, status_reason, catalog_entry, state, sources, signals, subject_count, finding_count, event_count, bytes_out, seen_first, seen_last, first_detected_at, last_detected_at, gone_at, data)
        VALUES (@id, @kind, @service, @name, @vendor, @category, @artifact_type, @artifact_key, @status, @status_reason, @catalog_entry, 'active', @sources, @signals, @subject_count, @finding_count, @event_count, @bytes_out, @seen_first, @seen_last, @at, @last, NULL, @data)
        ON CONFLICT (id) DO UPDATE SET name = excluded.name, status = excluded.status, status_reason = excluded.status_reason, catalog_entry = excluded.catalog_entry, state = 'active', sources = excluded.sources, signals = excluded.signals,
          subject_count = excluded.subject_count, finding_count = excluded.finding_count, event_count = excluded.event_count, bytes_out = excluded.bytes_out, seen_first = excluded.seen_first, seen_last = excluded.seen_last,
          last_detected_at = CASE WHEN @touched = 1 THEN excluded.last_detected_at ELSE items.last_detected_at END, gone_at = NULL, data = excluded.data`);
      const touchedItems = new Set(input.findings.map((f) => itemIdFor(f)));
      const liveIds = new Set<string>();
      const findingsById = new Map(active.map((f) => [f.id, f]));
      for (const it of items) {
        liveIds.add(it.id);
        const v = input.reconciler.item(it, verdicts);
        const prev = getItem.get(it.id) as Row | undefined;
        if (!prev) summary.items.new++;
        summary.items.byStatus[v.status] = (summary.items.byStatus[v.status] ?? 0) + 1;
        upItem.run({
          id: it.id,
          kind: it.kind,
          service: it.service,
          name: it.name,
          vendor: it.vendor,
          category: it.category,
          artifact_type: it.artifact?.type ?? null,
          artifact_key: it.artifact?.key ?? null,
          status: v.status,
          status_reason: v.reason,
          catalog_entry: v.entry ?? null,
          sources: j(it.sources),
          signals: j(it.signals),
          subject_count: it.subjects.length,
          finding_count: it.findingIds.length,
          event_count: it.count,
          bytes_out: it.bytesOut ?? null,
          seen_first: it.firstSeen ?? null,
          seen_last: it.lastSeen ?? null,
          at,
          last: at,
          touched: touchedItems.has(it.id) || !prev ? 1 : 0,
          data: j({ subjects: it.subjects, artifact: it.artifact, findingIds: it.findingIds }),
        });
        if (!prev) {
          appendAudit(this.db, { at, actor, action: 'item.detected', entityType: 'item', entityId: it.id, after: { service: it.service, status: v.status }, rationale: v.reason });
        } else if (prev.status !== v.status || prev.state !== 'active') {
          appendAudit(this.db, { at, actor, action: 'item.status-changed', entityType: 'item', entityId: it.id, before: { status: prev.status, state: prev.state }, after: { status: v.status, state: 'active' }, rationale: v.reason });
        }
        this.syncRiskEntry(it, v, input.rules, findingsById, at, actor, summary, touchedItems.has(it.id));
      }
      // items whose findings are all gone
      const activeItems = this.db.prepare("SELECT id FROM items WHERE state = 'active'").all() as Row[];
      const goneItem = this.db.prepare("UPDATE items SET state = 'gone', gone_at = ? WHERE id = ?");
      for (const r of activeItems) {
        if (liveIds.has(r.id)) continue;
        goneItem.run(at, r.id);
        summary.items.gone++;
        appendAudit(this.db, { at, actor, action: 'item.gone', entityType: 'item', entityId: r.id, before: { state: 'active' }, after: { state: 'gone' }, rationale: 'every finding of this item is gone after complete coverage' });
      }
      summary.items.total = items.length;

      // ---- scanner state (offsets / cursors)
      const setState = this.db.prepare('INSERT INTO scanner_state (scanner, state_key, value, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (scanner, state_key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at');
      for (const [scanner, kv] of Object.entries(input.state)) for (const [k, v] of Object.entries(kv)) setState.run(scanner, k, j(v), at);

      this.db
        .prepare('UPDATE scan_runs SET finished_at = ?, status = ?, coverage = ?, errors = ?, summary = ?, scanners = ? WHERE id = ?')
        .run(new Date().toISOString(), status, j(input.coverage), j(input.errors), j(summary), j(input.scannerVersions), runId);
      return summary;
    });
    return tx();
  }

  private syncRiskEntry(it: Item, v: Verdict, rules: RuleIndex, findings: Map<string, Finding>, at: string, actor: string, summary: CommitSummary, seenNow: boolean): void {
    const existing = this.db.prepare('SELECT * FROM risk_entries WHERE item_id = ?').get(it.id) as Row | undefined;
    const inQueue = QUEUE_STATUSES.includes(v.status);
    if (!existing) {
      if (!inQueue) return;
      const svc = rules.get(it.service);
      const fs = it.findingIds.map((id) => findings.get(id)).filter((f): f is Finding => !!f);
      const a = assess(it, svc, v.status, { hasCredential: fs.some((f) => f.signal === 'credential') });
      const n = (this.db.prepare('SELECT COUNT(*) AS n FROM risk_entries').get() as Row).n as number;
      const id = `AIR-${String(n + 1).padStart(4, '0')}`;
      const review = new Date(Date.parse(at) + 30 * 86400_000).toISOString().slice(0, 10);
      const entry: RiskEntry = {
        id,
        itemId: it.id,
        title: `${v.status === 'declined-but-in-use' ? 'Declined' : v.status === 'approval-expired' ? 'Expired approval' : v.status === 'out-of-scope' ? 'Out-of-scope use of' : 'Unsanctioned'} ${it.kind === 'artifact' ? 'AI system' : 'AI service'}: ${it.name}`,
        status: 'needs-intake',
        tier: a.tier,
        likelihood: a.likelihood,
        likelihoodReason: a.likelihoodReason,
        impact: a.impact,
        impactReason: a.impactReason,
        inherentScore: a.inherentScore,
        band: a.band,
        treatment: a.treatment,
        treatmentReason: a.treatmentReason,
        impactAssessment: a.impactAssessment,
        impactAssessmentReason: a.impactAssessmentReason,
        triage: a.triage,
        tierReason: a.tierReason,
        references: a.references,
        service: it.service,
        vendor: it.vendor,
        category: it.category,
        evidenceSummary: evidenceSummary(it, fs),
        subjects: it.subjects.map((s) => `${s.kind}:${s.name ?? s.id}`),
        firstSeen: it.firstSeen,
        lastSeen: it.lastSeen,
        reviewDate: review,
        createdAt: at,
        updatedAt: at,
      };
      this.insertRisk(entry);
      summary.riskEntries.created++;
      appendAudit(this.db, { at, actor, action: 'risk.created', entityType: 'risk', entityId: id, after: { status: 'needs-intake', tier: a.tier, score: a.inherentScore, treatment: a.treatment }, rationale: v.reason });
      return;
    }
    // Reopen: an approved entry whose item is back in the queue (expired approval, out of scope).
    const data = JSON.parse(existing.data) as RiskEntry;
    let newStatus: string | undefined;
    if (inQueue && ['approved', 'closed'].includes(existing.status)) newStatus = 'needs-intake';
    // A declined service is raised again only when this run actually saw it (usage history never goes away).
    if (v.status === 'declined-but-in-use' && existing.status === 'declined' && seenNow) newStatus = 'declined-but-in-use';
    let reason = v.reason;
    if (existing.status === 'suppressed' && existing.suppressed_until && existing.suppressed_until < at.slice(0, 10) && inQueue) newStatus = 'needs-intake';
    if (existing.status === 'false-positive' && inQueue) {
      const fp = (data as RiskEntry & { falsePositive?: { at: string; until?: string; evidence?: string[] } }).falsePositive;
      if (fp?.until && fp.until < at.slice(0, 10)) {
        newStatus = 'needs-intake';
        reason = `the false-positive mark expired on ${fp.until}; ${v.reason}`;
      } else if (fp?.evidence) {
        // new kinds of evidence since the mark: the mark judged other evidence than this
        const known = new Set(fp.evidence);
        const fresh = it.findingIds
          .map((fid) => findings.get(fid))
          .filter((f): f is Finding => !!f && !known.has(`${f.source}/${f.signal}/${f.kind}`));
        if (fresh.length) {
          newStatus = 'needs-intake';
          const kinds = [...new Set(fresh.map((f) => `${f.source}/${f.signal}/${f.kind}`))].sort();
          reason = `new kind of evidence since the false-positive mark of ${fp.at.slice(0, 10)}: ${kinds.join(', ')} (e.g. ${fresh[0].locator})`;
        }
      }
    }
    if (!newStatus || newStatus === existing.status) return;
    const before = { status: existing.status };
    data.status = newStatus;
    data.updatedAt = at;
    this.db.prepare('UPDATE risk_entries SET status = ?, updated_at = ?, data = ? WHERE id = ?').run(newStatus, at, j(data), existing.id);
    summary.riskEntries.reopened++;
    appendAudit(this.db, { at, actor, action: 'risk.reopened', entityType: 'risk', entityId: existing.id, before, after: { status: newStatus }, rationale: reason });
  }

  /** Inserts a risk entry row (used by the scan commit and by imports). */
  insertRisk(e: RiskEntry): void {
    this.db
      .prepare(
        'INSERT INTO risk_entries (id, item_id, title, status, tier, likelihood, impact, inherent_score, treatment, owner, review_date, impact_assessment, suppressed_until, created_at, updated_at, data) VALUES (@id, @itemId, @title, @status, @tier, @likelihood, @impact, @inherentScore, @treatment, @owner, @reviewDate, @impactAssessment, @suppressedUntil, @createdAt, @updatedAt, @data)',
      )
      .run({ ...e, owner: e.owner ?? null, reviewDate: e.reviewDate ?? null, suppressedUntil: e.suppressedUntil ?? null, data: j(e) });
  }

  /** Writes an updated risk entry (all columns from the object) — used by intake / triage. */
  updateRisk(e: RiskEntry): void {
    this.db
      .prepare('UPDATE risk_entries SET title = @title, status = @status, tier = @tier, likelihood = @likelihood, impact = @impact, inherent_score = @inherentScore, treatment = @treatment, owner = @owner, review_date = @reviewDate, impact_assessment = @impactAssessment, suppressed_until = @suppressedUntil, updated_at = @updatedAt, data = @data WHERE id = @id')
      .run({ ...e, owner: e.owner ?? null, reviewDate: e.reviewDate ?? null, suppressedUntil: e.suppressedUntil ?? null, data: j(e) });
  }

  // ------------------------------------------------------------------ reads

  async listItems(f: ItemFilter = {}): Promise<{ total: number; items: ItemRow[] }> {
    const where: string[] = [];
    const args: unknown[] = [];
    const state = f.state ?? 'active';
    if (state !== 'all') {
      where.push('i.state = ?');
      args.push(state);
    }
    if (f.status?.length) {
      where.push(`i.status IN (${f.status.map(() => '?').join(',')})`);
      args.push(...f.status);
    }
    if (f.source) {
      where.push("i.sources LIKE ? ESCAPE '\\'");
      args.push(likeContains(`"${f.source}"`));
    }
    if (f.category) {
      where.push('i.category = ?');
      args.push(f.category);
    }
    if (f.service) {
      where.push('i.service = ?');
      args.push(f.service);
    }
    if (f.tier) {
      where.push('r.tier = ?');
      args.push(f.tier);
    }
    if (f.owner) {
      where.push('r.owner = ?');
      args.push(f.owner);
    }
    if (f.q) {
      where.push("(i.name LIKE ? ESCAPE '\\' OR i.service LIKE ? ESCAPE '\\' OR i.vendor LIKE ? ESCAPE '\\')");
      const like = likeContains(f.q);
      args.push(like, like, like);
    }
    const order =
      {
        name: 'i.name ASC',
        status: "CASE i.status WHEN 'declined-but-in-use' THEN 0 WHEN 'unsanctioned' THEN 1 WHEN 'approval-expired' THEN 2 WHEN 'out-of-scope' THEN 3 ELSE 4 END, i.name",
        tier: 'COALESCE(r.tier, 9) ASC, COALESCE(r.inherent_score, 0) DESC, i.name',
        score: 'COALESCE(r.inherent_score, 0) DESC, i.name',
        'last-seen': 'i.last_detected_at DESC, i.name',
        'first-detected': 'i.first_detected_at DESC, i.name',
      }[f.sort ?? 'status'] ?? 'i.name';
    const w = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const total = (this.db.prepare(`SELECT COUNT(*) AS n FROM items i LEFT JOIN risk_entries r ON r.item_id = i.id ${w}`).get(...args) as Row).n as number;
    const rows = this.db
      .prepare(`SELECT i.*, r.id AS risk_id, r.status AS risk_status, r.tier AS tier, r.owner AS owner FROM items i LEFT JOIN risk_entries r ON r.item_id = i.id ${w} ORDER BY ${order} LIMIT ? OFFSET ?`)
      .all(...args, f.limit ?? 1_000_000, f.offset ?? 0) as Row[];
    return { total, items: rows.map(toItemRow) };
  }

  async getItem(id: string): Promise<{ item: ItemRow; findings: Finding[]; findingStates: Record<string, { state: string; status: string; statusReason: string; firstDetectedAt: string; lastDetectedAt: string }>; risk?: RiskEntry; history: AuditRecord[] } | undefined> {
    const row = this.db.prepare('SELECT i.*, r.id AS risk_id, r.status AS risk_status, r.tier AS tier, r.owner AS owner FROM items i LEFT JOIN risk_entries r ON r.item_id = i.id WHERE i.id = ?').get(id) as Row | undefined;
    if (!row) return undefined;
    const frows = this.db.prepare('SELECT * FROM findings WHERE item_id = ? ORDER BY source, locator').all(id) as Row[];
    const risk = this.db.prepare('SELECT data FROM risk_entries WHERE item_id = ?').get(id) as Row | undefined;
    const riskData = risk ? (JSON.parse(risk.data) as RiskEntry) : undefined;
    const history = this.db
      .prepare("SELECT * FROM audit_log WHERE (entity_type = 'item' AND entity_id = ?) OR (entity_type = 'risk' AND entity_id = ?) ORDER BY seq")
      .all(id, riskData?.id ?? '') as AuditRecord[];
    return {
      item: toItemRow(row),
      findings: frows.map((r) => JSON.parse(r.data) as Finding),
      findingStates: Object.fromEntries(frows.map((r) => [r.id, { state: r.state, status: r.status, statusReason: r.status_reason, firstDetectedAt: r.first_detected_at, lastDetectedAt: r.last_detected_at }])),
      risk: riskData,
      history,
    };
  }

  /** Stored figures and verdicts of the findings a run saw (columns only: no JSON decoding). */
  async findingsOfRun(runId: string): Promise<Map<string, { count: number; bytesOut?: number; bytesIn?: number; status: string; statusReason: string }>> {
    const rows = this.db.prepare('SELECT id, count, bytes_out, bytes_in, status, status_reason FROM findings WHERE last_scan_id = ?').all(runId) as Row[];
    return new Map(rows.map((r) => [r.id, { count: r.count, bytesOut: r.bytes_out ?? undefined, bytesIn: r.bytes_in ?? undefined, status: r.status, statusReason: r.status_reason }]));
  }

  /** Items (with their risk entries) by id, in chunks. */
  async itemsByIds(ids: string[]): Promise<Map<string, ItemRow & { score?: number; treatment?: string }>> {
    const out = new Map<string, ItemRow & { score?: number; treatment?: string }>();
    for (let i = 0; i < ids.length; i += 500) {
      const chunk = ids.slice(i, i + 500);
      const rows = this.db
        .prepare(`SELECT i.*, r.id AS risk_id, r.status AS risk_status, r.tier AS tier, r.owner AS owner, r.inherent_score AS score, r.treatment AS treatment FROM items i LEFT JOIN risk_entries r ON r.item_id = i.id WHERE i.id IN (${chunk.map(() => '?').join(',')})`)
        .all(...chunk) as Row[];
      for (const r of rows) out.set(r.id, { ...toItemRow(r), score: r.score ?? undefined, treatment: r.treatment ?? undefined });
    }
    return out;
  }

  async getRisk(idOrItem: string): Promise<RiskEntry | undefined> {
    const r = this.db.prepare('SELECT data FROM risk_entries WHERE id = ? OR item_id = ?').get(idOrItem, idOrItem) as Row | undefined;
    return r ? (JSON.parse(r.data) as RiskEntry) : undefined;
  }

  async listRisks(f: { status?: string[] } = {}): Promise<RiskEntry[]> {
    const rows = f.status?.length
      ? (this.db.prepare(`SELECT data FROM risk_entries WHERE status IN (${f.status.map(() => '?').join(',')}) ORDER BY id`).all(...f.status) as Row[])
      : (this.db.prepare('SELECT data FROM risk_entries ORDER BY id').all() as Row[]);
    return rows.map((r) => JSON.parse(r.data) as RiskEntry);
  }

  async listFindings(f: { itemId?: string; state?: 'active' | 'gone' | 'all' } = {}): Promise<Array<Finding & { status: string; statusReason: string; state: string; firstDetectedAt: string; lastDetectedAt: string }>> {
    const where: string[] = [];
    const args: unknown[] = [];
    if (f.itemId) {
      where.push('item_id = ?');
      args.push(f.itemId);
    }
    if ((f.state ?? 'active') !== 'all') {
      where.push('state = ?');
      args.push(f.state ?? 'active');
    }
    const rows = this.db.prepare(`SELECT * FROM findings ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY service, locator, id`).all(...args) as Row[];
    return rows.map((r) => ({ ...(JSON.parse(r.data) as Finding), status: r.status, statusReason: r.status_reason, state: r.state, firstDetectedAt: r.first_detected_at, lastDetectedAt: r.last_detected_at }));
  }

  async listRuns(limit = 100): Promise<Array<{ id: string; startedAt: string; finishedAt?: string; status: string; scanners: unknown; coverage: Coverage[]; errors: Record<string, string>; summary?: CommitSummary }>> {
    const rows = this.db.prepare('SELECT * FROM scan_runs ORDER BY started_at DESC, id DESC LIMIT ?').all(limit) as Row[];
    return rows.map((r) => ({ id: r.id, startedAt: r.started_at, finishedAt: r.finished_at ?? undefined, status: r.status, scanners: pj(r.scanners, []), coverage: pj(r.coverage, []), errors: pj(r.errors, {}), summary: pj(r.summary, undefined) }));
  }

  async appendAudit(e: AuditEvent): Promise<AuditRecord> {
    return this.db.transaction(() => appendAudit(this.db, e))();
  }

  async auditLog(f: { entityId?: string; limit?: number } = {}): Promise<AuditRecord[]> {
    return f.entityId
      ? (this.db.prepare('SELECT * FROM audit_log WHERE entity_id = ? ORDER BY seq').all(f.entityId) as AuditRecord[])
      : (this.db.prepare('SELECT * FROM audit_log ORDER BY seq DESC LIMIT ?').all(f.limit ?? 1000) as AuditRecord[]);
  }

  async verifyAudit(): Promise<VerifyResult> {
    return verifyAudit(this.db);
  }

  /** Runs fn in one transaction (synchronous body; for extensions such as intake). */
  async transaction<T>(fn: (db: Database.Database) => T): Promise<T> {
    return this.db.transaction(() => fn(this.db))();
  }
}

function unitOf(f: Finding): string {
  const u = f.attrs?.unit;
  return typeof u === 'string' && u ? u : locatorPath(f.locator);
}

/** A LIKE pattern matching `s` anywhere, with `%`, `_` and `\\` in `s` taken literally (ESCAPE '\\'). */
export function likeContains(s: string): string {
  return `%${s.replace(/[\\%_]/g, (c) => '\\' + c)}%`;
}

function minStr(a: string | null | undefined, b: string | undefined): string | undefined {
  if (!a) return b;
  if (!b) return a;
  return a < b ? a : b;
}
function maxStr(a: string | null | undefined, b: string | undefined): string | undefined {
  if (!a) return b;
  if (!b) return a;
  return a > b ? a : b;
}

function toItemRow(r: Row): ItemRow {
  const data = pj<{ subjects?: ItemRow['subjects']; artifact?: Item['artifact'] }>(r.data, {});
  return {
    id: r.id,
    kind: r.kind,
    service: r.service,
    name: r.name,
    vendor: r.vendor,
    category: r.category,
    artifactType: r.artifact_type ?? undefined,
    artifactKey: r.artifact_key ?? undefined,
    status: r.status,
    statusReason: r.status_reason,
    catalogEntry: r.catalog_entry ?? undefined,
    state: r.state,
    sources: pj(r.sources, []),
    signals: pj(r.signals, []),
    subjectCount: r.subject_count,
    findingCount: r.finding_count,
    eventCount: r.event_count,
    bytesOut: r.bytes_out ?? undefined,
    seenFirst: r.seen_first ?? undefined,
    seenLast: r.seen_last ?? undefined,
    firstDetectedAt: r.first_detected_at,
    lastDetectedAt: r.last_detected_at,
    goneAt: r.gone_at ?? undefined,
    riskEntryId: r.risk_id ?? undefined,
    riskStatus: r.risk_status ?? undefined,
    tier: r.tier ?? undefined,
    owner: r.owner ?? undefined,
    subjects: data.subjects ?? [],
    artifact: data.artifact,
  };
}

function evidenceSummary(it: Item, fs: Finding[]): string {
  const bySource = new Map<string, number>();
  for (const f of fs) bySource.set(f.source, (bySource.get(f.source) ?? 0) + 1);
  const parts = [...bySource.entries()].map(([s, n]) => `${n} ${s} finding${n === 1 ? '' : 's'}`);
  const subj = it.subjects.slice(0, 5).map((s) => s.name ?? s.id);
  const more = it.subjects.length > 5 ? ` and ${it.subjects.length - 5} more` : '';
  const bytes = it.bytesOut ? `; ${formatBytes(it.bytesOut)} sent` : '';
  return `${parts.join(', ')} across ${it.subjects.length} subject${it.subjects.length === 1 ? '' : 's'} (${subj.join(', ')}${more})${bytes}`;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const u = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = -1;
  do {
    v /= 1024;
    i++;
  } while (v >= 1024 && i < u.length - 1);
  return `${v.toFixed(1)} ${u[i]}`;
}
