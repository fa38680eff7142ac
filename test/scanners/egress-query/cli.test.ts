/**
 * `shadowscan scan --egress-query duckdb:…` through the real CLI entry point: the scanner's own
 * flags reach it without any CLI change (ScannerModule.cli / optionsFromCli), findings land in
 * the report, and a bad spec is a one-line usage error (exit 2).
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { main, type Io } from '../../../src/cli/main.js';
import { tmpDir } from '../../helpers/tmp.js';

function io(): Io & { out_: string; err_: string } {
  const o = { out_: '', err_: '', isTTY: false } as Io & { out_: string; err_: string };
  o.out = (s) => void (o.out_ += s);
  o.err = (s) => void (o.err_ += s);
  return o;
}

const CSV = join(process.cwd(), 'fixtures/pushdown/proxy-export.csv');

describe('scan --egress-query (CLI)', () => {
  it('runs DuckDB over the file and reports the findings, look-alikes left out', async () => {
    const x = io();
    const db = join(tmpDir(), 'r.db');
    const code = await main(['scan', '--egress-query', `duckdb:read_csv('${CSV}')`, '--egress-query-since', '2026-11-01', '--db', db, '--format', 'json', '--now', '2026-11-28T00:00:00Z'], x);
    expect(x.err_).toBe('');
    expect(code).toBe(0);
    const r = JSON.parse(x.out_) as { findings: Array<{ value: string; subject: { id: string }; count: number; locator: string; attrs: Record<string, unknown> }>; coverage: Array<{ scanner: string; units: string[] }> };
    const hosts = r.findings.map((f) => `${f.subject.id} ${f.value} ${f.count}`).sort();
    expect(hosts).toEqual(['alice api.openai.com 2', 'bob claude.ai 1', 'carol huggingface.co 1', 'carol myres.openai.azure.com 1']);
    expect(r.findings.every((f) => /^duckdb#[0-9a-f]{12}:2026-11-01T00:00:00\.000Z\/2026-11-28T00:00:00\.000Z$/.test(f.locator))).toBe(true);
    expect(r.findings.find((f) => f.value === 'huggingface.co')!.attrs.success).toBe(false);
    expect(r.coverage.find((c) => c.scanner === 'egress-query')!.units).toHaveLength(1);
  });

  it('a bad spec is a one-line usage error', async () => {
    const x = io();
    expect(await main(['scan', '--egress-query', 'oracle:proxy', '--db', join(tmpDir(), 'r.db')], x)).toBe(2);
    expect(x.err_.trim().split('\n')).toHaveLength(1);
    expect(x.err_).toMatch(/--egress-query: expected ENGINE:SOURCE/);
  });
});
