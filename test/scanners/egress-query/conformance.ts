/** Conformance-suite inputs for the egress-query scanner (spread into test/scanners/conformance-cases.ts). */
import { join } from 'node:path';
import type { ConformanceCase } from '../conformance-cases.js';

const CSV = join(process.cwd(), 'fixtures/pushdown/proxy-export.csv');

export const egressQueryCases: Record<string, ConformanceCase> = {
  'egress-query': {
    ok: async () => ({ options: { queries: [{ engine: 'duckdb', from: `read_csv('${CSV}')` }] } }),
    failingUnit: async () => ({
      options: { queries: [{ engine: 'duckdb', from: `read_csv('${CSV}')` }, { engine: 'duckdb', from: `read_parquet('${join(process.cwd(), 'fixtures/pushdown/missing-*.parquet')}')` }] },
    }),
    allowedWords: [],
  },
};
