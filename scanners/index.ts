/**
 * The scanner registry: every scanner folder under scanners/ is listed here explicitly.
 * test/scanners/registry.test.ts checks that folders on disk and this list agree and runs the
 * shared conformance suite over each entry.
 */
import type { ScannerModule } from '../src/core/types.js';
import { awsScanner } from './aws/index.js';
import { azureScanner } from './azure/index.js';
import { egressScanner } from './egress/index.js';
import { gcpScanner } from './gcp/index.js';
import { repoScanner } from './repo/index.js';

export const scanners: ScannerModule[] = [
  // one line per scanner folder, kept sorted by id
  awsScanner,
  azureScanner,
  egressScanner,
  gcpScanner,
  repoScanner,
];

export function scannerById(id: string): ScannerModule | undefined {
  return scanners.find((s) => s.id === id);
}
