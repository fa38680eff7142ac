/**
 * Shared by the remote-engine tests: the same events as Parquet, what DuckDB answers for a
 * window (what each loopback engine answers with), and the check that a scan through the remote
 * engine gives the findings a DuckDB scan of the same data gives.
 */
import { writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { expect } from 'vitest';
import { collect } from '../../src/collect/run.js';
import { egressQueryScanner } from '../../scanners/egress-query/index.js';
import { compileQuery } from '../../src/pushdown/compile.js';
import { DuckdbRunner } from '../../src/pushdown/runners/duckdb.js';
import type { RawRow } from '../../src/pushdown/rows.js';
import type { Window } from '../../src/pushdown/types.js';
import { findingTable, makeEvents, pdRules, proxyCsv, tmp } from './helpers.js';

export const NOW = () => new Date('2025-03-05T00:00:00Z');
/** the proxy export's columns (its time column is `ts`) */
export const MAP = { url: 'url', action: 'result_code', clientIp: 'client_ip', bytesIn: 'bytes_in' };

export class RemoteData {
  private constructor(
    readonly parquet: string,
    private db: DuckdbRunner,
  ) {}

  static async create(events: number, seed: number): Promise<RemoteData> {
    const dir = tmp();
    const db = new DuckdbRunner({ threads: 1 });
    const parquet = join(dir, 'proxy.parquet');
    writeFileSync(join(dir, 'proxy.csv'), proxyCsv(makeEvents(events, seed)));
    await db.run(`COPY (SELECT * FROM read_csv('${join(dir, 'proxy.csv')}')) TO '${parquet}' (FORMAT parquet)`, new AbortController().signal);
    return new RemoteData(parquet, db);
  }

  /** The aggregated rows for a window, as the compiled query returns them (DuckDB over the same data). */
  async answer(window: Window): Promise<RawRow[]> {
    const q = compileQuery(pdRules(), { target: 'duckdb', source: 'egress', from: `read_parquet('${this.parquet}')`, map: { ...MAP, time: 'ts' }, window });
    return (await this.db.run(q.query, new AbortController().signal)).rows;
  }

  scan(engine: string, from: string, extra: Record<string, unknown> = {}) {
    return collect([{ scanner: egressQueryScanner, options: { queries: [{ engine, from, map: MAP }], ...extra } }], { rules: pdRules(), now: NOW, state: {} });
  }

  /** Scans through `engine` and through DuckDB; the findings must be equal (and not few). */
  async expectSameAsDuckdb(engine: string, from: string, extra: Record<string, unknown> = {}) {
    const remote = await this.scan(engine, from, extra);
    expect(remote.coverage[0].failed).toEqual([]);
    const local = await this.scan('duckdb', `read_parquet('${this.parquet}')`, extra);
    const want = findingTable(pdRules(), local.observations);
    expect(want.length).toBeGreaterThan(20);
    expect(findingTable(pdRules(), remote.observations)).toEqual(want);
    return remote;
  }

  close(): Promise<void> {
    return this.db.close();
  }
}

export async function listen(server: Server | import('node:https').Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as AddressInfo).port;
}

export function closeServer(server: Server | import('node:https').Server): Promise<void> {
  return new Promise((r) => server.close(() => r()));
}
