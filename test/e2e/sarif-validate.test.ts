/**
 * SARIF 2.1.0 checked by Microsoft's SARIF multitool (the validator GitHub's own docs point to),
 * with the SARIF spec rules and GitHub code-scanning ingestion rules: no error or warning allowed.
 */
import { describe, expect, it } from 'vitest';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { runScan } from '../../src/pipeline.js';
import { demoRuns, DEMO_DIR } from '../../src/cli/commands/demo.js';
import { render } from '../../src/report/index.js';
import { tmpDir } from '../helpers/tmp.js';

const TOOL = join(process.cwd(), 'node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool');

describe('SARIF output', () => {
  it('passes the SARIF multitool validator (SARIF + GitHub rules)', async () => {
    expect(existsSync(TOOL)).toBe(true);
    chmodSync(TOOL, 0o755);
    const dir = tmpDir();
    const setup = await demoRuns();
    const report = await runScan({ runs: setup.runs, catalogFile: join(DEMO_DIR, 'catalog.yaml'), db: join(dir, 'd.db') });
    await setup.close();
    const sarifFile = join(dir, 'out.sarif');
    writeFileSync(sarifFile, render('sarif', report));
    const sarif = JSON.parse(readFileSync(sarifFile, 'utf8'));
    expect(sarif.version).toBe('2.1.0');
    expect(sarif.runs[0].results.length).toBeGreaterThan(5);
    const out = join(dir, 'validation.sarif');
    execFileSync(TOOL, ['validate', sarifFile, '-o', out, '--log', 'ForceOverwrite', '--rule-kind', 'Gh;Sarif', '--level', 'Error;Warning;Note'], { env: { ...process.env, DOTNET_SYSTEM_GLOBALIZATION_INVARIANT: '1' }, stdio: 'pipe' });
    const v = JSON.parse(readFileSync(out, 'utf8'));
    const results = v.runs[0].results as Array<{ ruleId: string; level?: string; message: { id: string; arguments: string[] } }>;
    // SARIF's default level is 'warning'
    const serious = results.filter((r) => (r.level ?? 'warning') === 'error' || (r.level ?? 'warning') === 'warning');
    expect(serious.map((r) => `${r.ruleId} ${r.message.arguments?.join(' ')}`)).toEqual([]);
    // sanity: the validator did run its rules (it always leaves notes for optional properties)
    expect(results.length).toBeGreaterThan(0);
  });
});
