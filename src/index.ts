/**
 * shadowscan library API. The CLI (src/cli) and the web app (src/web) are thin shells over it.
 */
export type * from './core/types.js';
export * from './core/errors.js';
export { redactSecret, type RedactedSecret } from './core/secrets.js';
export { normalizeHost, splitUrl } from './core/host.js';
export { RuleIndex, type RuleHit, type SecretHit } from './rules/compile.js';
export { loadRules, ruleIndex, BUILTIN_RULES_DIR } from './rules/load.js';
export { serviceSchema, modelFormatSchema, type ServiceRule, type ModelFormat } from './rules/schema.js';
export { collect, validateOptions, type ScannerRun, type CollectResult } from './collect/run.js';
export { RecordingSink } from './collect/sink.js';
export { matchAll, matchObservation, fingerprint } from './match/match.js';
export { resolve, itemIdFor, type Item } from './resolve/resolve.js';
export { Reconciler, inScope, STATUS_SEVERITY, type Verdict } from './reconcile/reconcile.js';
export { loadCatalog, validateCatalog, catalogToYaml, catalogSchema, EMPTY_CATALOG, type Catalog, type ApprovedEntry, type DeclinedEntry } from './catalog/catalog.js';
export { assess, tierFromTriage, treatmentFor, type RiskAssessment, type TriageAnswers, type Treatment } from './risk/assess.js';
export { ANNEX_A, ISO42001_CLAUSES, NIST_AI_RMF, EU_AI_ACT } from './risk/standards.js';
export {
  Register,
  openRegister,
  dbSpec,
  DB_HELP,
  isPostgresUrl,
  DB_ENV,
  QUEUE_STATUSES,
  ITEM_SORTS,
  type RegisterStore,
  type RegisterOps,
  type RiskEntry,
  type ItemRow,
  type ItemSummary,
  type ItemQuery,
  type Page,
  type CommitSummary,
} from './register/register.js';
export { verifyRecords, canonical, recordHash, type AuditRecord, type AuditEvent, type VerifyResult } from './register/audit.js';
export { appendEntry, verifyLedger, makeCheckpoint, readCheckpoint, rotateKey, type Checkpoint } from './register/ledger.js';
export { registerProjection, projections, project, type Projection } from './register/projections.js';
export { importCatalog, currentCatalog, catalogDiff, type CatalogVersion } from './catalog/record.js';
export { readPolicy, setPolicy, resolveCliActor, LOCAL_ADMIN, POLICY_NAMES, type Policy } from './intake/policy.js';
export { judge, mergeFigures, decideGone, runStatus, type Judgement, type JudgeInput } from './register/judge.js';
export { commitScan, startRun, type CommitInput, type CommitResult } from './register/commit.js';
export { migrateRegister, type MigrateResult } from './register/copy.js';
export { acquireSourceLock, sourceLockHolder } from './schedule/lock.js';
export { runScan, VERSION, type ScanReport, type ScanOptions, type ReportItem, type ReportFinding } from './pipeline.js';
export { render, FORMATS, type Format } from './report/index.js';
export { loadConfig, configSchema, checkOutputPaths, FAIL_ON, type Config } from './config.js';
export { scanners, scannerById } from '../scanners/index.js';
export {
  governanceView, overrideThreats, resetThreats, recordTreatment, acceptResidual, pause, endPause, recordImpactAssessment, updateSettings, governedApprove, governedDecline,
  sweep as governanceSweep, overdueEntries, reviewsDue, activePauses, deadlinesOf, loadSettings as loadGovernanceSettings, PENDING_STATUSES,
  type GovernanceView, type GovernedApproveInput, type TreatmentInput, type SweepResult, type Deadlines,
} from './governance/governance.js';
export { deriveThreats, threatMap, LIFECYCLE_STAGES, STRIDE, type Threat, type LifecycleStage, type StrideThreat } from './governance/mapping.js';
export { defaultSettings as defaultGovernanceSettings, type GovernanceSettings } from './governance/settings.js';
export type { GovernanceRecord, ImpactAssessment } from './governance/record.js';
export { blocklistCatalog } from './governance/blocklist.js';
export { writeEvidencePack, validateEvidencePack, type EvidencePackResult, type PackValidation } from './export/index.js';
