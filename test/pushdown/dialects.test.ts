/**
 * The dialect shims produce SQL their engines' grammar accepts: the Trino, Athena, BigQuery and
 * PostgreSQL queries (egress and audit, every field mapped, a window) parse with
 * node-sql-parser's grammar for that dialect. DuckDB's is executed for real in the other tests.
 */
import { describe, expect, it } from 'vitest';
import pkg from 'node-sql-parser';
import { compileQuery } from '../../src/pushdown/compile.js';
import { ruleIndex } from '../../src/rules/load.js';
import { pdRules } from './helpers.js';

const parser = new pkg.Parser();
/** node-sql-parser's PostgreSQL grammar lacks `WITH x AS NOT MATERIALIZED (…)` (PostgreSQL ≥ 12 has it): the hint is the only thing removed before parsing. */
const forGrammar = (q: string, grammar: string) => (grammar === 'postgresql' ? q.replace(/ AS NOT MATERIALIZED \(/g, ' AS (') : q);
const window = { from: new Date('2026-12-01T00:00:00Z'), to: new Date('2026-12-02T00:00:00Z') };
const cases = [
  ['trino', 'trino', 'lake.proxy_logs'],
  ['athena', 'athena', 'lake.proxy_logs'],
  ['bigquery', 'bigquery', '`acme.logs.proxy`'],
  ['postgres', 'postgresql', 'proxy_logs'],
] as const;

describe('SQL dialects parse', () => {
  for (const [target, grammar, from] of cases) {
    it(`${target}: egress (url and host forms) and audit`, () => {
      for (const rules of [pdRules(), ruleIndex().index]) {
        for (const map of [{ url: 'url', user: 'login', clientIp: 'src', bytesOut: 'sent', bytesIn: 'recv', action: 'act' }, { host: 'dest_host', path: 'uri_path' }]) {
          const q = compileQuery(rules, { target, source: 'egress', from, map, timeType: 'epoch-s', window }).query;
          const ast = parser.astify(forGrammar(q, grammar), { database: grammar });
          expect(JSON.stringify(ast)).toContain('"rules"');
        }
        const a = compileQuery(rules, { target, source: 'audit', from, map: { errorCode: 'error_code' }, timeType: 'iso', window }).query;
        expect(() => parser.astify(forGrammar(a, grammar), { database: grammar })).not.toThrow();
      }
    });
  }
  it('a broken query does not parse (the check can fail)', () => {
    const q = compileQuery(pdRules(), { target: 'trino', source: 'egress', from: 'lake.proxy_logs', window }).query;
    expect(() => parser.astify(q.replace('GROUP BY subject, host, path_group, failed', 'GROUP subject'), { database: 'trino' })).toThrow();
  });
});
