/**
 * The same events read four ways give the same findings (subject, service, host, rule, count,
 * bytes, first / last seen): a Squid access.log and a Zeek ssl.log + conn.log through the egress
 * file scanner, and CSV / Parquet / JSON through DuckDB with the compiled query. The Parquet and
 * JSON files are DuckDB's own conversion of the CSV.
 */
import { describe, expect, it, beforeAll } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { collect } from '../../src/collect/run.js';
import { egressScanner } from '../../scanners/egress/index.js';
import { egressQueryScanner } from '../../scanners/egress-query/index.js';
import { DuckdbRunner } from '../../src/pushdown/runners/duckdb.js';
import { LOOKALIKES, findingTable, makeEvents, pdRules, proxyCsv, squidLog, tmp, zeekLogs, type Ev } from './helpers.js';

const NOW = () => new Date('2025-03-10T00:00:00Z');

async function fileScan(paths: string[]) {
  const r = await collect([{ scanner: egressScanner, options: { paths, workers: 0 } }], { rules: pdRules(), now: NOW, state: {} });
  expect(r.coverage[0].failed).toEqual([]);
  return r.observations;
}

async function queryScan(from: string, map?: Record<string, string>) {
  const r = await collect([{ scanner: egressQueryScanner, options: { queries: [{ engine: 'duckdb', from, ...(map ? { map } : {}) }] } }], { rules: pdRules(), now: NOW, state: {} });
  expect(r.coverage[0].failed).toEqual([]);
  expect(r.coverage[0].scanned).toBe(1);
  return r;
}

async function convert(csv: string, dir: string, name: string): Promise<{ parquet: string; json: string }> {
  const db = new DuckdbRunner({ threads: 1 });
  const parquet = join(dir, `${name}.parquet`);
  const json = join(dir, `${name}.jsonl`);
  const sig = new AbortController().signal;
  await db.run(`COPY (SELECT * FROM read_csv('${csv}')) TO '${parquet}' (FORMAT parquet)`, sig);
  await db.run(`COPY (SELECT * FROM read_csv('${csv}')) TO '${json}' (FORMAT json)`, sig);
  await db.close();
  return { parquet, json };
}

describe('push-down equivalence: file scanner vs DuckDB over the same events', () => {
  let evs: Ev[];
  let dir: string;
  beforeAll(() => {
    evs = makeEvents(4000);
    dir = tmp();
  });

  it('Squid access.log = CSV = Parquet = JSON through DuckDB (URLs, paths, denials, bytes in)', async () => {
    writeFileSync(join(dir, 'access.log'), squidLog(evs));
    writeFileSync(join(dir, 'proxy.csv'), proxyCsv(evs));
    const { parquet, json } = await convert(join(dir, 'proxy.csv'), dir, 'proxy');
    const rules = pdRules();
    const want = findingTable(rules, await fileScan([join(dir, 'access.log')]));
    // the set covers every kind of rule, attempts, and the path rules both ways
    const services = new Set(want.map((l) => l.split(' ')[2]));
    expect([...services].sort()).toEqual(['p-alpha', 'p-beta', 'p-code', 'p-gamma', 'p-platform']);
    expect(want.some((l) => l.includes(' attempt '))).toBe(true);
    expect(want.some((l) => l.includes('api.platform.test/client/v4/accounts/{account}/ai/'))).toBe(true);
    expect(want.some((l) => l.includes('code.test/code'))).toBe(true);
    // the look-alike paths (/codex, /client/v4/zones) and hosts never make a finding
    expect(want.some((l) => /notalpha|evil|codex|zones/.test(l))).toBe(false);
    expect(want.length).toBeGreaterThan(40);
    const map = { url: 'url', action: 'result_code' };
    for (const from of [`read_csv('${join(dir, 'proxy.csv')}')`, `read_parquet('${parquet}')`, `read_json('${json}')`]) {
      const r = await queryScan(from, map);
      expect(findingTable(rules, r.observations), from).toEqual(want);
    }
  });

  it('Zeek ssl.log + conn.log = Parquet through DuckDB (SNI, bytes out and in)', async () => {
    const z = zeekLogs(evs);
    writeFileSync(join(dir, 'ssl.log'), z.ssl);
    writeFileSync(join(dir, 'conn.log'), z.conn);
    writeFileSync(join(dir, 'tls.csv'), z.csv);
    const { parquet } = await convert(join(dir, 'tls.csv'), dir, 'tls');
    const rules = pdRules();
    const want = findingTable(rules, await fileScan([join(dir, 'ssl.log'), join(dir, 'conn.log')]));
    expect(want.length).toBeGreaterThan(20);
    expect(want.every((l) => !/ - - /.test(l))).toBe(true); // bytes out and in joined from conn.log
    // columns found by name: ts, client_ip, server_name, bytes_out, bytes_in
    const r = await queryScan(`read_parquet('${parquet}')`);
    expect(findingTable(rules, r.observations)).toEqual(want);
  });

  it('look-alike hosts give nothing', async () => {
    const csv = ['ts,client_ip,host', ...LOOKALIKES.map((h, i) => `2025-03-01T00:00:0${i % 10}Z,10.0.0.9,${h}`)].join('\n') + '\n';
    writeFileSync(join(dir, 'lookalikes.csv'), csv);
    const r = await queryScan(`read_csv('${join(dir, 'lookalikes.csv')}')`);
    expect(r.observations).toEqual([]);
    expect(r.coverage[0].stats.rowsReturned).toBe(0);
  });
});
