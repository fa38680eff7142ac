/**
 * The scanner registry: every scanner folder under scanners/ is listed here explicitly.
 * test/scanners/registry.test.ts checks that folders on disk and this list agree and runs the
 * shared conformance suite over each entry.
 */
import type { ScannerModule } from '../src/core/types.js';
import { auditExportScanner } from './audit-export/index.js';
import { awsScanner } from './aws/index.js';
import { azureScanner } from './azure/index.js';
import { cloudTrailScanner } from './cloudtrail/index.js';
import { egressScanner } from './egress/index.js';
import { egressQueryScanner } from './egress-query/index.js';
import { entraScanner } from './entra/index.js';
import { gcpScanner } from './gcp/index.js';
import { githubAuditScanner } from './github-audit/index.js';
import { googleWorkspaceScanner } from './google-workspace/index.js';
import { oktaScanner } from './okta/index.js';
import { repoScanner } from './repo/index.js';
import { slackAuditScanner } from './slack-audit/index.js';

export const scanners: ScannerModule[] = [
  // one line per scanner folder, kept sorted by id
  auditExportScanner,
  awsScanner,
  azureScanner,
  cloudTrailScanner,
  egressScanner,
  egressQueryScanner,
  entraScanner,
  gcpScanner,
  githubAuditScanner,
  googleWorkspaceScanner,
  oktaScanner,
  repoScanner,
  slackAuditScanner,
];

export function scannerById(id: string): ScannerModule | undefined {
  return scanners.find((s) => s.id === id);
}
