/**
 * Acceptance (issue 7), tried as a new user would: the README's config example
 * (docs/examples/shadowscan.yaml) pointed at a copy of a demo repository, run twice with a
 * change in between, reports exactly that change, notifies a local webhook once, and every
 * export passes its validator.
 */
import { describe, expect, it } from 'vitest';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { parse, stringify } from 'yaml';
import { main, type Io } from '../../src/cli/main.js';
import { validateCycloneDx, validateOcsfLines, validateSigmaYaml } from '../../src/export/index.js';
import { tmpDir } from '../helpers/tmp.js';
import { webhookServer } from '../notify/helpers.js';

const ROOT = resolve(__dirname, '../..');
const EXAMPLE = join(ROOT, 'docs/examples/shadowscan.yaml');

function capture(): Io & { stdout: string; stderr: string } {
  const io = { stdout: '', stderr: '', isTTY: false, out: (s: string) => void (io.stdout += s), err: (s: string) => void (io.stderr += s) };
  return io;
}

describe('acceptance: README config example, two runs, one change', () => {
  it('reports exactly the change, notifies once, and every export validates', async () => {
    const tmp = tmpDir();
    // a demo repository the user can change
    const repos = join(tmp, 'repos');
    cpSync(join(ROOT, 'fixtures/demo/repos/ml-research'), join(repos, 'ml-research'), { recursive: true });

    // the README example, with its relative paths kept pointing at the demo estate, and the
    // repo source / db / outputs moved to the temporary folder
    const cfg = parse(readFileSync(EXAMPLE, 'utf8'));
    const fromExample = (p: string) => (isAbsolute(p) ? p : resolve(dirname(EXAMPLE), p));
    cfg.catalog = fromExample(cfg.catalog);
    cfg.db = join(tmp, 'shadowscan.db');
    cfg.sources.repo.paths = [repos];
    const out = join(tmp, 'out');
    cfg.outputs = [
      ...cfg.outputs.map((o: { format: string; path: string }) => ({ ...o, path: join(out, o.path.split('/').pop()!) })),
      { format: 'sigma', path: join(out, 'rules.sigma.yml') },
      { format: 'register-csv', path: join(out, 'register.csv') },
      { format: 'soa-csv', path: join(out, 'soa.csv') },
      { format: 'diff-json', path: join(out, 'changes.json') },
    ];
    const file = join(tmp, 'shadowscan.yaml');
    writeFileSync(file, stringify(cfg));

    const hook = await webhookServer();
    process.env.SHADOWSCAN_WEBHOOK_URL = hook.url;
    try {
      // run 1: the baseline
      const io1 = capture();
      expect(await main(['scan', '--config', file, '--format', 'json', '--quiet'], io1), io1.stderr).toBe(0);
      const first = JSON.parse(io1.stdout);
      expect(first.items.length).toBeGreaterThan(0);
      expect(first.items.some((i: { service: string }) => i.service === 'mistral')).toBe(false);
      expect(hook.requests).toHaveLength(0); // the baseline run records, it does not notify

      // the change: someone adds an AI SDK import
      mkdirSync(join(repos, 'ml-research/src'), { recursive: true });
      writeFileSync(join(repos, 'ml-research/src/assistant.py'), 'from mistralai import Mistral\n\nclient = Mistral()\n');

      // run 2, with a CI gate on new items
      const io2 = capture();
      expect(await main(['scan', '--config', file, '--format', 'json', '--quiet', '--fail-on', 'new'], io2)).toBe(1);
      expect(io2.stderr).toContain('--fail-on matched: 1 new item(s)');

      // exactly that change
      const io3 = capture();
      expect(await main(['diff', '--db', cfg.db, '--format', 'json'], io3)).toBe(0);
      const [changes] = JSON.parse(io3.stdout).runs;
      expect(changes.source).toBe('repo');
      expect(changes.baseline).toBe(false);
      expect(changes.newItems.map((i: { service: string; status: string }) => [i.service, i.status])).toEqual([['mistral', 'unsanctioned']]);
      expect(changes.newSubjects).toEqual([]);
      expect(changes.statusChanged).toEqual([]);
      expect(changes.goneItems).toEqual([]);
      const md = readFileSync(join(out, 'changes.md'), 'utf8');
      expect(md).toContain('### New items (1)');
      expect(md).toMatch(/Mistral/);

      // notified once, about that item, in Slack format as configured
      expect(hook.requests).toHaveLength(1);
      const msg = JSON.parse(hook.requests[0].body);
      expect(msg.text).toContain('1 new unsanctioned AI item');
      expect(JSON.stringify(msg.blocks)).toMatch(/Mistral/);

      // a third run with no change: no new items, no second notification
      expect(await main(['scan', '--config', file, '--quiet', '--format', 'json', '--fail-on', 'new'], capture())).toBe(0);
      const io4 = capture();
      await main(['diff', '--db', cfg.db, '--format', 'json'], io4);
      expect(JSON.parse(io4.stdout).runs[0].newItems).toEqual([]);
      expect(hook.requests).toHaveLength(1);

      // every export passes its validator
      expect(await validateCycloneDx(readFileSync(join(out, 'ai-bom.cdx.json'), 'utf8'))).toBeNull();
      expect(validateOcsfLines(readFileSync(join(out, 'findings.ocsf.jsonl'), 'utf8'))).toEqual([]);
      expect(validateSigmaYaml(readFileSync(join(out, 'rules.sigma.yml'), 'utf8')).problems).toEqual([]);
      const sarif = JSON.parse(readFileSync(join(out, 'shadowscan.sarif'), 'utf8'));
      expect(sarif.version).toBe('2.1.0');
      expect(readFileSync(join(out, 'soa.md'), 'utf8').split('\n').filter((l) => /^\| A\./.test(l))).toHaveLength(38);
      expect(readFileSync(join(out, 'soa.csv'), 'utf8').split('\r\n').filter(Boolean)).toHaveLength(39);
      expect(readFileSync(join(out, 'register.csv'), 'utf8')).toMatch(/^risk_id,/);
      // the CLI export command agrees with the configured output
      const io5 = capture();
      expect(await main(['export', '--format', 'cyclonedx', '--db', cfg.db, '--catalog', cfg.catalog], io5)).toBe(0);
      expect(await validateCycloneDx(io5.stdout)).toBeNull();
    } finally {
      delete process.env.SHADOWSCAN_WEBHOOK_URL;
      await hook.close();
    }
  });
});
