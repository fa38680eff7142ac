/**
 * The register and the repo scanner together: evidence removed from a repository is marked gone
 * after a complete re-scan, and never by a scan that did not cover it.
 */
import { describe, expect, it } from 'vitest';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runScan } from '../../src/pipeline.js';
import { scannerById } from '../../scanners/index.js';
import { Register } from '../../src/register/register.js';
import { tmpDir } from '../helpers/tmp.js';

describe('gone after complete coverage', () => {
  it('marks removed evidence gone; a scan of another repo does not', async () => {
    const root = tmpDir();
    const a = join(root, 'svc-a');
    const b = join(root, 'svc-b');
    mkdirSync(a);
    mkdirSync(b);
    writeFileSync(join(a, 'requirements.txt'), 'anthropic==0.34\nrequests==2.32\n');
    writeFileSync(join(a, 'app.py'), 'import anthropic\n');
    writeFileSync(join(b, 'requirements.txt'), 'requests==2.32\n');
    const repo = scannerById('repo')!;
    const db = join(root, 'r.db');
    const scan = (paths: string[]) => runScan({ runs: [{ scanner: repo, options: { paths } }], db });
    let r = await scan([a, b]);
    expect(r.items.map((i) => i.service)).toEqual(['anthropic-api']);
    // a scan that covers only svc-b says nothing about svc-a
    r = await scan([b]);
    expect(r.summary.findings.gone).toBe(0);
    // remove the import; the manifest still declares it
    rmSync(join(a, 'app.py'));
    r = await scan([a, b]);
    expect(r.summary.findings.gone).toBe(1);
    expect(r.summary.items.gone).toBe(0);
    writeFileSync(join(a, 'requirements.txt'), 'requests==2.32\n');
    r = await scan([a, b]);
    expect(r.summary.findings.gone).toBe(1);
    expect(r.summary.items.gone).toBe(1);
    const reg = await Register.open(db);
    const { rows: items } = await reg.queryItems({ state: 'all' });
    expect(items.map((i) => [i.service, i.state])).toEqual([['anthropic-api', 'gone']]);
    expect((await reg.verifyAudit()).ok).toBe(true);
    await reg.close();
  });
});
