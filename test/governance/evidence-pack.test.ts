/**
 * The evidence pack validates: every linked file exists, the SoA lists the 38 Annex A controls with
 * the ids of standards.md (fixture copy), the exported decision log verifies — on both backends —
 * and the validator catches a missing file, a tampered log record and a script in a page.
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main, type Io } from '../../src/cli/main.js';
import { validateEvidencePack, writeEvidencePack, REGISTER_PACK_COLUMNS } from '../../src/export/index.js';
import { overrideThreats, recordImpactAssessment, recordTreatment, pause } from '../../src/governance/governance.js';
import type { IntakeContext } from '../../src/intake/actions.js';
import type { Register } from '../../src/register/register.js';
import { tmpDir } from '../helpers/tmp.js';
import { seed, testCatalog } from '../intake/helpers.js';
import { BACKENDS } from '../register/backends.js';

const CONTROLS = readFileSync(join(__dirname, 'fixtures/annex-a-controls.tsv'), 'utf8').split('\n').filter((l) => /^A\./.test(l)).map((l) => l.split('\t')[0]);

function io(): Io & { out_: string; err_: string } {
  const o = { out_: '', err_: '', isTTY: false } as Io & { out_: string; err_: string };
  o.out = (s) => void (o.out_ += s);
  o.err = (s) => void (o.err_ += s);
  return o;
}

describe.each(BACKENDS)('evidence pack on $name', (backend) => {
  let register: Register;
  let spec: string;
  const now = new Date('2026-04-22T12:00:00Z');

  beforeAll(async () => {
    await backend.setup();
    spec = await backend.fresh();
    register = await seed(spec, new Date('2026-04-21T09:00:00Z'));
    const ctx: IntakeContext = { register, baseCatalog: testCatalog(), now: () => now };
    await overrideThreats(ctx, 'svc-otter-ai', { threats: [{ stage: 'operation-and-monitoring', threat: 'information-disclosure', reason: 'meeting recordings leave the tenant' }], rationale: 'calendar scope only' }, 'gl');
    const r = (await register.getRisk('svc-otter-ai'))!;
    await recordTreatment(ctx, 'svc-otter-ai', { controls: ['A.9.2', 'A.6.2.6'], residualLikelihood: 1, residualImpact: Math.min(r.impact, 2), reason: 'SSO and recording disabled' }, 'gl');
    await recordImpactAssessment(ctx, 'svc-otter-ai', { purpose: 'sales call notes', affectedPeople: 'customers on calls', potentialHarms: 'recording without consent', mitigations: 'consent banner', decision: 'proceed-with-conditions', decisionRationale: 'consent first' }, 'rita');
    await pause(ctx, 'svc-deepseek', { until: '2026-05-01', reason: 'uploads under review' }, 'rita');
  });
  afterAll(async () => {
    await register?.close();
    await backend.teardown();
  });

  it('writes a folder and a zip that validate: links, 38 controls, verified decision log', async () => {
    const dir = join(tmpDir(), 'pack');
    const res = await writeEvidencePack(register, dir, { now, catalog: testCatalog(), zip: true, from: '2026-04-01' });
    expect(CONTROLS).toHaveLength(38);
    const v = validateEvidencePack(dir, CONTROLS);
    expect(v.problems).toEqual([]);
    expect(v.ok).toBe(true);
    expect(v.controls).toEqual(CONTROLS);
    expect(v.links.length).toBeGreaterThanOrEqual(10);
    expect(v.logRecords).toBeGreaterThan(5);
    expect(res.verification.exported.ok && res.verification.register.ok).toBe(true);
    expect(res.verification.exported.head).toBe(res.verification.register.head);
    // the register carries lifecycle, STRIDE, inherent and residual risk
    const csv = readFileSync(join(dir, 'register.csv'), 'utf8');
    expect(csv.split('\r\n')[0]).toBe(REGISTER_PACK_COLUMNS.join(','));
    const otter = csv.split('\r\n').find((l) => l.includes('Otter.ai'))!;
    expect(otter).toContain('operation-and-monitoring/information-disclosure: meeting recordings leave the tenant');
    expect(otter).toContain('override');
    expect(otter).toContain('SSO and recording disabled');
    expect(otter).toContain('proceed-with-conditions by rita');
    expect(csv).toContain('until 2026-05-01');
    // the SoA cites the treatment's controls and the impact assessment
    const soa = readFileSync(join(dir, 'soa.csv'), 'utf8');
    expect(soa.split('\r\n').find((l) => l.startsWith('A.6.2.6,'))).toMatch(/evidenced.*Otter\.ai\): residual/);
    expect(soa.split('\r\n').find((l) => l.startsWith('A.5.3,'))).toMatch(/impact assessment proceed-with-conditions/);
    // scan coverage of the period and the catalog of record
    expect(readFileSync(join(dir, 'coverage.csv'), 'utf8')).toContain('legacy-crm: permission denied');
    expect(readFileSync(join(dir, 'catalog.yaml'), 'utf8')).toContain('openai-api');
    // the index has no scripts, and the XSS-laden evidence is text
    const pages = ['index.html', 'register.html', 'soa.html', 'coverage.html'].map((f) => readFileSync(join(dir, f), 'utf8')).join('\n');
    expect(pages).not.toMatch(/<script|<img/i);
    // the zip holds the same files, intact
    if (existsSync('/usr/bin/unzip')) {
      const t = execFileSync('unzip', ['-t', res.zip!], { encoding: 'utf8' });
      expect(t).toContain('No errors detected');
      const listed = execFileSync('unzip', ['-Z1', res.zip!], { encoding: 'utf8' }).trim().split('\n').sort();
      expect(listed).toEqual(res.files.map((f) => f.name).sort());
      const out = join(tmpDir(), 'unzipped');
      execFileSync('unzip', ['-q', res.zip!, '-d', out]);
      expect(validateEvidencePack(out, CONTROLS).ok).toBe(true);
    }
  });

  it('the validator catches a missing linked file, a tampered log record, a script and a wrong control list', async () => {
    const dir = join(tmpDir(), 'pack');
    await writeEvidencePack(register, dir, { now, catalog: testCatalog() });
    rmSync(join(dir, 'coverage.html'));
    const log = readFileSync(join(dir, 'decision-log.jsonl'), 'utf8').split('\n');
    const rec = JSON.parse(log[2]);
    rec.actor = 'mallory';
    log[2] = JSON.stringify(rec);
    writeFileSync(join(dir, 'decision-log.jsonl'), log.join('\n'));
    appendFileSync(join(dir, 'soa.html'), '<script>alert(1)</script>');
    const v = validateEvidencePack(dir, [...CONTROLS, 'A.11.2']);
    expect(v.ok).toBe(false);
    expect(v.problems).toContain('index.html links coverage.html, which does not exist');
    expect(v.problems).toContain(`decision-log.jsonl: record ${rec.seq}: entry ${rec.seq}: edited — content does not match its MAC`);
    expect(v.problems).toContain('soa.html: contains script');
    expect(v.problems).toContain('soa.csv: missing Annex A controls: A.11.2');
    expect(v.problems).toContain('decision-log.jsonl: SHA-256 does not match the manifest');
  });

  it('shadowscan export --format evidence-pack writes the pack; a broken register chain fails with exit code 1', async () => {
    const dir = join(tmpDir(), 'cli-pack');
    const x = io();
    expect(await main(['export', '--format', 'evidence-pack', '--db', spec, '--output', dir, '--zip', '--now', now.toISOString()], x)).toBe(0);
    expect(x.out_).toMatch(/evidence pack written to .*cli-pack and .*cli-pack\.zip: 11 files, 38 Annex A controls, 1 scan runs, decision log verified/);
    expect(validateEvidencePack(dir, CONTROLS).ok).toBe(true);
    const y = io();
    expect(await main(['export', '--format', 'evidence-pack', '--db', spec], y)).toBe(2);
    expect(y.err_).toContain('give --output DIR');
    // tamper with the register's log: the pack says so and the command fails
    const raw = await backend.raw(spec);
    await raw.run(`UPDATE audit_log SET actor = 'mallory' WHERE seq = 2`);
    await raw.close();
    const z = io();
    const dir2 = join(tmpDir(), 'cli-pack2');
    expect(await main(['export', '--format', 'evidence-pack', '--db', spec, '--output', dir2], z)).toBe(1);
    expect(z.out_).toContain('FAILED verification');
    expect(readFileSync(join(dir2, 'index.html'), 'utf8')).toContain('VERIFICATION FAILED');
    expect(validateEvidencePack(dir2, CONTROLS).problems).toContain('decision-log.jsonl: record 2: entry 2: edited — content does not match its MAC');
  });
});
