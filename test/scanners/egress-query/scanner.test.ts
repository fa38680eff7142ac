/**
 * The egress-query scanner: watermarks make scheduled runs read only what is new (half-open
 * windows, nothing counted twice), a failed query is one failed unit and keeps its watermark,
 * and the CLI flags it declares build its options.
 */
import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { collect } from '../../../src/collect/run.js';
import { egressQueryScanner, parseQuerySpec } from '../../../scanners/egress-query/index.js';
import { findingTable, makeEvents, pdRules, proxyCsv, tmp } from '../../pushdown/helpers.js';

async function run(options: unknown, now: string, state: Record<string, Record<string, unknown>> = {}, full = false) {
  const r = await collect([{ scanner: egressQueryScanner, options }], { rules: pdRules(), now: () => new Date(now), state, full });
  return { ...r, cov: r.coverage[0], next: { 'egress-query': { ...(state['egress-query'] ?? {}), ...r.state['egress-query'] } } };
}

/**
 * Sums counts and bytes per finding identity (subject, service, host, success): what several
 * increments add up to. The matched pattern is left out: a host whose rule lists two paths
 * (`/serving-endpoints/`, `/api/2.0/serving-endpoints`) yields one finding, shown with the path
 * seen first, and a window may hold only one of the two paths.
 */
function totals(lines: string[]): Map<string, [number, number]> {
  const m = new Map<string, [number, number]>();
  for (const l of lines) {
    const p = l.split(' ');
    const k = [...p.slice(0, 4), p[5]].join(' ');
    const v = m.get(k) ?? [0, 0];
    v[0] += Number(p[6]);
    v[1] += Number(p[8]);
    m.set(k, v);
  }
  return m;
}

describe('egress-query scanner', () => {
  const evs = makeEvents(3000, 11);
  const dir = tmp();
  writeFileSync(join(dir, 'proxy.csv'), proxyCsv(evs));
  const options = { queries: [{ engine: 'duckdb', from: `read_csv('${join(dir, 'proxy.csv')}')`, map: { url: 'url', action: 'result_code' } }] };

  it('incremental windows: three runs at day boundaries add up to one full run, never overlapping', async () => {
    const full = await run(options, '2025-03-05T00:00:00Z');
    const want = totals(findingTable(pdRules(), full.observations));
    let state: Record<string, Record<string, unknown>> = {};
    const parts: string[] = [];
    const windows: string[] = [];
    for (const now of ['2025-03-02T00:00:00Z', '2025-03-03T00:00:00Z', '2025-03-05T00:00:00Z']) {
      const r = await run(options, now, state);
      expect(r.cov.failed).toEqual([]);
      parts.push(...findingTable(pdRules(), r.observations));
      windows.push(String(r.observations[0].attrs?.window));
      state = r.next;
    }
    expect(windows).toEqual(['../2025-03-02T00:00:00.000Z', '2025-03-02T00:00:00.000Z/2025-03-03T00:00:00.000Z', '2025-03-03T00:00:00.000Z/2025-03-05T00:00:00.000Z']);
    expect(totals(parts)).toEqual(want);
    // a fourth run at the same instant has nothing to ask
    const again = await run(options, '2025-03-05T00:00:00Z', state);
    expect(again.observations).toEqual([]);
    expect(again.cov.skipped[0].reason).toMatch(/empty window/);
    // --full ignores the watermark
    const refull = await run(options, '2025-03-05T00:00:00Z', state, true);
    expect(totals(findingTable(pdRules(), refull.observations))).toEqual(want);
  });

  it('since and lag bound the window', async () => {
    const r = await run({ ...options, since: '2025-03-02', lag: '12h' }, '2025-03-03T12:00:00Z');
    expect(r.cov.units[0]).toMatch(/^duckdb#[0-9a-f]{12}:2025-03-02T00:00:00\.000Z\/2025-03-03T00:00:00\.000Z$/);
    const inWindow = evs.filter((e) => e.ms >= Date.UTC(2025, 2, 2) && e.ms < Date.UTC(2025, 2, 3));
    for (const o of r.observations) {
      expect(o.firstSeen! >= '2025-03-02T00:00:00.000Z' && o.lastSeen! < '2025-03-03T00:00:00.000Z').toBe(true);
    }
    expect(r.observations.reduce((n, o) => n + (o.count ?? 0), 0)).toBeLessThan(inWindow.length);
    expect(r.observations.length).toBeGreaterThan(5);
  });

  it('a failing query is one failed unit; the others land; its watermark does not move', async () => {
    const bad = { engine: 'duckdb', from: `read_parquet('${join(dir, 'missing-*.parquet')}')`, map: { time: 'ts', host: 'host' }, timeType: 'timestamp' };
    const r = await run({ queries: [bad, ...options.queries] }, '2025-03-05T00:00:00Z');
    expect(r.cov.failed).toHaveLength(1);
    expect(r.cov.failed[0].reason).toMatch(/duckdb: .*missing-\*\.parquet/i);
    expect(r.cov.scanned).toBe(1);
    expect(r.observations.length).toBeGreaterThan(5);
    expect(Object.keys(r.next['egress-query'].watermarks as object)).toHaveLength(1);
  });

  it('an unmappable source names the columns it has', async () => {
    writeFileSync(join(dir, 'odd.csv'), 'when,who\n2025-03-01T00:00:00Z,x\n');
    const r = await run({ queries: [{ engine: 'duckdb', from: `read_csv('${join(dir, 'odd.csv')}')` }] }, '2025-03-05T00:00:00Z');
    expect(r.cov.failed[0].reason).toMatch(/no column for time.*columns: when, who/);
  });

  it('declares its CLI flags and builds options from them', () => {
    const flags = egressQueryScanner.cli!.map((c) => c.flags.split(' ')[0]);
    expect(flags).toContain('--egress-query');
    expect(flags).toContain('--audit-query');
    const o = egressQueryScanner.optionsFromCli!({
      egressQuery: [`duckdb:read_parquet('logs/2026/12/*.parquet')`, 'athena:lake.proxy'],
      auditQuery: ['athena:lake.cloudtrail'],
      egressQueryMap: ['host=dest_host,user=login', 'bytesOut=sent'],
      auditQueryMap: ['subject=principal_arn'],
      egressQuerySince: '30d',
      athenaWorkgroup: 'security',
      athenaOutput: 's3://results/shadowscan/',
    });
    expect(o).toEqual({
      queries: [
        { engine: 'duckdb', from: "read_parquet('logs/2026/12/*.parquet')", source: 'egress', map: { host: 'dest_host', user: 'login', bytesOut: 'sent' } },
        { engine: 'athena', from: 'lake.proxy', source: 'egress', map: { host: 'dest_host', user: 'login', bytesOut: 'sent' } },
        { engine: 'athena', from: 'lake.cloudtrail', source: 'audit', map: { subject: 'principal_arn' } },
      ],
      since: '30d',
      athena: { workgroup: 'security', outputLocation: 's3://results/shadowscan/' },
    });
    expect(egressQueryScanner.optionsSchema.safeParse(o).success).toBe(true);
    expect(egressQueryScanner.optionsFromCli!({})).toBeUndefined();
    expect(egressQueryScanner.optionsFromCli!({ egressQuery: ['sentinel:CommonSecurityLog', 'bigquery:`acme.logs.proxy`'], sentinelWorkspace: 'ws-1', bigqueryProject: 'acme-sec', egressQueryLag: '15m', egressQueryTime: 'epoch-s' })).toEqual({
      queries: [
        { engine: 'sentinel', from: 'CommonSecurityLog', source: 'egress', timeType: 'epoch-s' },
        { engine: 'bigquery', from: '`acme.logs.proxy`', source: 'egress', timeType: 'epoch-s' },
      ],
      lag: '15m',
      sentinel: { workspaceId: 'ws-1' },
      bigquery: { projectId: 'acme-sec' },
    });
    expect(() => parseQuerySpec('oracle:x', 'egress')).toThrow(/ENGINE one of duckdb, athena, bigquery, splunk, sentinel, elastic/);
    expect(() => parseQuerySpec('duckdb:', 'egress')).toThrow(/nothing to read/);
    expect(() => egressQueryScanner.optionsFromCli!({ egressQuery: ['duckdb:t'], egressQueryMap: ['hostname=x'] })).toThrow(/unknown egress field "hostname"/);
    expect(() => egressQueryScanner.optionsFromCli!({ egressQuery: ['duckdb:t'], egressQueryMap: ['host=x; drop table y'] })).toThrow(/not a column name/);
  });
});
