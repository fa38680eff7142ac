/**
 * The CSV report carries each row's evidence basis (src/resolve/basis.ts), like the JSON and
 * SARIF reports: `scan --format csv` over a real repository with one service used in source and
 * another only mentioned in a test file (a real SQLite register, the bundled rules).
 */
import { describe, expect, it } from 'vitest';
import { csvRows as parseCsv } from '../../src/export/evidence-pack-validate.js';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { main, type Io } from '../../src/cli/main.js';
import { REGISTER_COLUMNS, registerCsv } from '../../src/report/csv.js';
import { tmpDir } from '../helpers/tmp.js';

function io(): Io & { err_: string } {
  const o = { err_: '', isTTY: false } as Io & { err_: string };
  o.out = () => {};
  o.err = (s) => void (o.err_ += s);
  return o;
}

describe('CSV report: basis', () => {
  it('a used service is a risk row with basis usage; a service only in a test file is a candidate row with its reason', async () => {
    const repo = join(tmpDir(), 'repo');
    mkdirSync(join(repo, 'src'), { recursive: true });
    mkdirSync(join(repo, 'test'), { recursive: true });
    writeFileSync(join(repo, 'package.json'), JSON.stringify({ name: 'app', dependencies: { openai: '^4.0.0' } }, null, 2));
    writeFileSync(join(repo, 'src/chat.ts'), "import OpenAI from 'openai';\nexport const client = new OpenAI();\n");
    writeFileSync(join(repo, 'test/claude.test.ts'), "import Anthropic from '@anthropic-ai/sdk';\nimport { it } from 'vitest';\nit('mocks', () => { new Anthropic({ apiKey: 'test' }); });\n");
    const d = tmpDir();
    const out = join(d, 'report.csv');
    const x = io();
    expect(await main(['scan', '--repo', repo, '--db', join(d, 'r.sqlite'), '--format', 'csv', '--output', out, '--quiet'], x)).toBe(0);
    const [header, ...rows] = parseCsv(readFileSync(out, 'utf8'));
    expect(header).toEqual(REGISTER_COLUMNS);
    for (const r of rows) expect(r).toHaveLength(header.length);
    const col = (r: string[], name: string) => r[header.indexOf(name)];
    const usage = rows.filter((r) => col(r, 'basis') === 'usage');
    const candidates = rows.filter((r) => col(r, 'basis') === 'candidate');
    expect(usage.map((r) => col(r, 'vendor'))).toContain('OpenAI');
    for (const r of usage) expect(col(r, 'risk_id')).toMatch(/^AIR-\d+$/);
    expect(candidates.map((r) => col(r, 'vendor'))).toEqual(['Anthropic']);
    expect(col(candidates[0], 'risk_id')).toBe('');
    expect(col(candidates[0], 'item_status')).toBe('candidate');
    expect(col(candidates[0], 'evidence')).toMatch(/^candidate — .*test/);
    // the evidence roles of each item's findings: the candidate's only from tests, usage from source / manifests
    expect(col(candidates[0], 'evidence_roles').split(' ')).toEqual(['test']);
    const openai = usage.find((r) => col(r, 'vendor') === 'OpenAI')!;
    expect(col(openai, 'evidence_roles').split(' ').some((x) => ['source', 'manifest', 'config'].includes(x))).toBe(true);
  }, 120_000);

  it('without a known basis (register items), the basis follows the item status', () => {
    const csv = registerCsv([], new Map([['i1', { status: 'candidate', name: 'X', statusReason: 'candidate — only in docs' }], ['i2', { status: 'unsanctioned' }]]), { candidates: true });
    const [header, ...rows] = parseCsv(csv);
    expect(rows).toHaveLength(1);
    expect(rows[0][header.indexOf('item_id')]).toBe('i1');
    expect(rows[0][header.indexOf('basis')]).toBe('candidate');
    // the register export (no `candidates`) stays one row per risk entry
    expect(parseCsv(registerCsv([], new Map([['i1', { status: 'candidate' }]])))).toHaveLength(1);
  });
});
