/**
 * Inputs for the shared scanner conformance suite: for every registered scanner, a small valid
 * input and an input where one unit fails. Servers / files are real (loopback, temp dirs).
 */
import { join } from 'node:path';
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpDir } from '../helpers/tmp.js';
import { auditCases } from './audit-export/conformance.js';
import { cloudCases } from './aws/conformance-case.js';
import { egressCases } from './egress/conformance.js';
import { egressQueryCases } from './egress-query/conformance.js';

export interface CaseInput {
  options: unknown;
  close?: () => Promise<void>;
}
export interface ConformanceCase {
  ok: () => Promise<CaseInput>;
  /** One unit must fail (reported through the sink), the others still scanned. */
  failingUnit: () => Promise<CaseInput>;
  /** Words that may legitimately appear in this scanner's code (API names of the source it reads). */
  allowedWords?: string[];
}

const DEMO = join(process.cwd(), 'fixtures/demo');

export const cases: Record<string, ConformanceCase> = {
  ...auditCases,
  ...cloudCases,
  ...egressCases,
  ...egressQueryCases,
  repo: {
    ok: async () => ({ options: { paths: [join(DEMO, 'repos/payments-api'), join(DEMO, 'repos/web-frontend')] } }),
    failingUnit: async () => {
      const d = tmpDir();
      mkdirSync(join(d, 'good'));
      writeFileSync(join(d, 'good', 'requirements.txt'), 'requests==2.0\n');
      return { options: { paths: [join(d, 'good'), join(d, 'does-not-exist')] } };
    },
  },
};
