import { describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { main, type Io } from '../../src/cli/main.js';
import { tmpDir } from '../helpers/tmp.js';

function io(): Io & { out_: string; err_: string } {
  const o = { out_: '', err_: '', isTTY: false } as Io & { out_: string; err_: string };
  o.out = (s) => void (o.out_ += s);
  o.err = (s) => void (o.err_ += s);
  return o;
}

function repoWith(files: Record<string, string>): string {
  const d = join(tmpDir(), 'repo');
  for (const [p, c] of Object.entries(files)) {
    mkdirSync(join(d, p, '..'), { recursive: true });
    writeFileSync(join(d, p), c);
  }
  return d;
}

describe('cli', () => {
  it('--help everywhere, exit 0', async () => {
    for (const args of [['--help'], ['scan', '--help'], ['register', '--help'], ['register', 'list', '--help'], ['catalog', 'validate', '--help'], ['rules', 'list', '--help'], ['audit', 'verify', '--help']]) {
      const x = io();
      expect(await main(args, x)).toBe(0);
      expect(x.out_).toMatch(/Usage: shadowscan/);
    }
  });

  it('usage errors exit 2 with a one-line message', async () => {
    let x = io();
    expect(await main(['scan'], x)).toBe(2);
    expect(x.err_.trim().split('\n')).toHaveLength(1);
    expect(x.err_).toMatch(/nothing to scan/);
    x = io();
    expect(await main(['scan', '--repo', '.', '--format', 'pdf'], x)).toBe(2);
    expect(x.err_).toMatch(/format/);
    x = io();
    expect(await main(['frobnicate'], x)).toBe(2);
    x = io();
    expect(await main(['scan', '--repo', '.', '--catalog', '/nonexistent/catalog.yaml', '--db', join(tmpDir(), 'x.db')], x)).toBe(2);
    expect(x.err_).toMatch(/\/nonexistent\/catalog\.yaml: cannot read/);
    x = io();
    expect(await main(['scan', '--config', '/nonexistent.yaml'], x)).toBe(2);
  });

  it('--fail-on unsanctioned exits 1 when an unsanctioned item is found, 0 otherwise', async () => {
    const repo = repoWith({ 'requirements.txt': 'openai==1.40.0\n' });
    const clean = repoWith({ 'requirements.txt': 'requests==2.32.0\n', 'README.md': 'We might try OpenAI and Claude later.\n' });
    const db = join(tmpDir(), 'x.db');
    let x = io();
    expect(await main(['scan', '--repo', repo, '--db', db, '--fail-on', 'unsanctioned', '--quiet'], x)).toBe(1);
    expect(x.err_).toMatch(/--fail-on matched: 1 unsanctioned/);
    x = io();
    expect(await main(['scan', '--repo', clean, '--db', join(tmpDir(), 'y.db'), '--fail-on', 'unsanctioned', '--format', 'json', '--quiet'], x)).toBe(0);
    const report = JSON.parse(x.out_);
    expect(report.findings).toEqual([]);
    expect(report.items).toEqual([]);
    expect(report.coverage[0].scanner).toBe('repo');
  });

  it('--config names the same things as the flags', async () => {
    const repo = repoWith({ 'package.json': JSON.stringify({ dependencies: { '@anthropic-ai/sdk': '^0.30.0' } }) });
    const d = tmpDir();
    writeFileSync(join(d, 'shadowscan.yaml'), `version: 1\ndb: reg.db\nformat: json\nsources:\n  repo:\n    paths: [${JSON.stringify(repo)}]\n`);
    const x = io();
    expect(await main(['scan', '--config', join(d, 'shadowscan.yaml'), '--quiet'], x)).toBe(0);
    const report = JSON.parse(x.out_);
    expect(report.items.map((i: { service: string }) => i.service)).toEqual(['anthropic-api']);
    expect(report.run.db).toBe(join(d, 'reg.db'));
    const bad = join(d, 'bad.yaml');
    writeFileSync(bad, 'version: 1\nsources:\n  repo:\n    paths: []\n');
    const y = io();
    expect(await main(['scan', '--config', bad], y)).toBe(2);
    expect(y.err_).toMatch(/paths: expected at least one path/);
  });

  it('register list / show / export and audit verify', async () => {
    const repo = repoWith({ 'requirements.txt': 'anthropic==0.34\n' });
    const db = join(tmpDir(), 'x.db');
    expect(await main(['scan', '--repo', repo, '--db', db, '--quiet'], io())).toBe(0);
    let x = io();
    expect(await main(['register', 'list', '--db', db], x)).toBe(0);
    expect(x.out_).toMatch(/AIR-0001\s+unsanctioned\s+needs-intake/);
    x = io();
    expect(await main(['register', 'show', 'AIR-0001', '--db', db], x)).toBe(0);
    expect(x.out_).toMatch(/A\.10\.3 Suppliers/);
    expect(x.out_).toMatch(/requirements\.txt:1/);
    x = io();
    expect(await main(['register', 'export', '--db', db], x)).toBe(0);
    expect(x.out_.split('\r\n')[0]).toMatch(/^risk_id,title,risk_status/);
    x = io();
    expect(await main(['audit', 'verify', '--db', db], x)).toBe(0);
    expect(x.out_).toMatch(/audit log intact: \d+ records/);
    x = io();
    expect(await main(['register', 'show', 'AIR-9999', '--db', db], x)).toBe(2);
  });

  it('rules list and rules test', async () => {
    let x = io();
    expect(await main(['rules', 'list'], x)).toBe(0);
    expect(x.out_).toMatch(/openai-api/);
    expect(Number(/(\d+) services/.exec(x.out_)![1])).toBeGreaterThanOrEqual(164);
    x = io();
    expect(await main(['rules', 'test'], x)).toBe(0);
    expect(x.out_).toMatch(/all good/);
  });
});

describe('cli exit status of failed and partial scans', () => {
  it('a scan that could scan nothing exits 2; partial coverage warns and exits 0', async () => {
    let x = io();
    expect(await main(['scan', '--repo', '/nonexistent/path', '--db', join(tmpDir(), 'x.db'), '--quiet'], x)).toBe(2);
    expect(x.err_).toMatch(/scan failed: repo: .*nothing to scan/);
    const repo = repoWith({ 'requirements.txt': 'openai==1.40\n' });
    x = io();
    expect(await main(['scan', '--repo', repo, '--repo', '/nonexistent/other', '--db', join(tmpDir(), 'y.db'), '--quiet'], x)).toBe(0);
    expect(x.err_).toMatch(/partial coverage: 1 unit\(s\) failed/);
    expect(x.out_).toMatch(/OpenAI API/);
  });
});
