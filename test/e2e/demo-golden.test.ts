/**
 * End to end on the bundled demo estate: the real scanners, rules, reconcile and register on a
 * real SQLite file. JSON and SARIF outputs are compared with golden files; regenerate them only
 * with UPDATE_GOLDEN=1 (and review the diff).
 */
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runScan, type ScanReport } from '../../src/pipeline.js';
import { demoRuns, DEMO_DIR } from '../../src/cli/commands/demo.js';
import { render } from '../../src/report/index.js';
import { tmpDir } from '../helpers/tmp.js';

const GOLDEN = join(process.cwd(), 'test/e2e/golden');
const NOW = new Date('2026-11-28T09:00:00Z');

/** Replaces what legitimately varies between runs (wall-clock times, temp paths, durations). */
export function normalise(text: string, db: string): string {
  return text
    .split(db).join('<db>')
    .split(process.cwd()).join('<root>')
    .replace(/"finished": "[^"]+"/g, '"finished": "<time>"')
    .replace(/"(durationMs|elapsedMs|ms)": \d+(\.\d+)?/g, '"$1": 0');
}

async function demoScan(db: string): Promise<ScanReport> {
  const setup = await demoRuns();
  try {
    return await runScan({ runs: setup.runs, catalogFile: join(DEMO_DIR, 'catalog.yaml'), db, now: NOW });
  } finally {
    await setup.close();
  }
}

function golden(name: string, actual: string): void {
  const file = join(GOLDEN, name);
  if (process.env.UPDATE_GOLDEN === '1' || !existsSync(file)) {
    if (process.env.CI && !existsSync(file)) throw new Error(`missing golden file ${name}`);
    writeFileSync(file, actual);
  }
  expect(actual).toBe(readFileSync(file, 'utf8'));
}

describe('demo estate end to end', () => {
  it('matches the JSON and SARIF goldens', async () => {
    const db = join(tmpDir(), 'demo.db');
    const report = await demoScan(db);
    golden('demo.json', normalise(render('json', report), db));
    golden('demo.sarif', normalise(render('sarif', report), db));
  });

  it('reports what the repositories really use and nothing merely mentioned in prose', async () => {
    const db = join(tmpDir(), 'demo.db');
    const report = await demoScan(db);
    const repoFindings = report.findings.filter((f) => f.source === 'repo');
    const bySubject = (id: string) => new Set(repoFindings.filter((f) => f.subject.id === id).map((f) => f.service));
    expect(bySubject('payments-api')).toEqual(new Set(['openai-api']));
    expect(bySubject('web-frontend').has('anthropic-api')).toBe(true);
    expect(bySubject('web-frontend').has('openai-api')).toBe(true);
    expect(bySubject('billing-go').has('deepseek')).toBe(true);
    // prose only: README / comments / docstrings name services that are not used
    expect(bySubject('legacy-crm')).toEqual(new Set());
    for (const f of repoFindings) expect(f.locator).not.toMatch(/README\.md/);
    expect(bySubject('payments-api').has('google-gemini-api')).toBe(false);
    expect(bySubject('web-frontend').has('mistral')).toBe(false);
    // every finding carries its locator, signal and confidence
    for (const f of report.findings) {
      expect(f.locator.length).toBeGreaterThan(0);
      expect(['presence', 'usage', 'credential']).toContain(f.signal);
      expect(['declared', 'inferred']).toContain(f.confidence);
    }
    const status = Object.fromEntries(report.items.filter((i) => i.kind === 'service').map((i) => [i.service, i.status]));
    expect(status['deepseek']).toBe('declined-but-in-use');
    expect(status['anthropic-api']).toBe('approval-expired');
    expect(status['openai-api']).toBe('out-of-scope');
    const model = report.items.find((i) => i.artifact?.type === 'model-file');
    expect(model?.artifact?.key).toMatch(/churn-q4\.gguf$/);
    for (const it of report.items.filter((i) => i.status !== 'sanctioned')) expect(it.riskEntry).toMatch(/^AIR-\d{4}$/);
  });

  it('a second scan of the same estate changes nothing but last-seen times', async () => {
    const db = join(tmpDir(), 'demo.db');
    const a = await demoScan(db);
    const b = await demoScan(db);
    expect(b.summary.items.new).toBe(0);
    expect(b.summary.findings.new).toBe(0);
    expect(b.summary.riskEntries.created).toBe(0);
    expect(b.items.map((i) => [i.id, i.status, i.riskEntry])).toEqual(a.items.map((i) => [i.id, i.status, i.riskEntry]));
  });
});
