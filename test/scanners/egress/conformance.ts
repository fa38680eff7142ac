/** Conformance-suite inputs for the egress scanner (spread into test/scanners/conformance-cases.ts). */
import { join } from 'node:path';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import type { ConformanceCase } from '../conformance-cases.js';

const DEMO = join(process.cwd(), 'fixtures/demo/egress');

export const egressCases: Record<string, ConformanceCase> = {
  egress: {
    ok: async () => ({ options: { paths: [join(DEMO, 'access.log'), join(DEMO, 'dns.log')], identity: join(DEMO, 'identity.csv'), workers: 0 } }),
    failingUnit: async () => {
      const d = mkdtempSync(join(tmpdir(), 'egress-conf-'));
      writeFileSync(join(d, 'garbage.log'), Buffer.from([0, 1, 2, 3, 255, 254, 10, 0, 0]));
      return { options: { paths: [join(DEMO, 'access.log'), join(d, 'garbage.log'), join(d, 'missing.log')], workers: 0 } };
    },
    allowedWords: [],
  },
};
