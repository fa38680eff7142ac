import { describe, expect, it } from 'vitest';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
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

  it("the table header counts this run's items, not the whole register's", async () => {
    const db = join(tmpDir(), 'h.db');
    const a = repoWith({ 'requirements.txt': 'openai==1.40.0\nanthropic==0.30.0\nmistralai==1.0.0\n' });
    // another repository (another subject): the first scan's items stay active in the register
    const b = join(tmpDir(), 'other-service');
    mkdirSync(b, { recursive: true });
    writeFileSync(join(b, 'package.json'), '{ "dependencies": { "ollama": "^0.5.0" } }\n');
    expect(await main(['scan', '--repo', a, '--db', db, '--quiet'], io())).toBe(0);
    const x = io();
    expect(await main(['scan', '--repo', b, '--db', db, '--quiet'], x)).toBe(0);
    const header = x.out_.split('\n').find((l) => l.startsWith('items:'))!;
    expect(header).toMatch(/^items: 1 in this run — declined-but-in-use 0, unsanctioned 1, approval-expired 0, out-of-scope 0, sanctioned 0$/);
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
  it('a scan that could scan nothing exits 2; partial coverage warns and exits 4', async () => {
    let x = io();
    expect(await main(['scan', '--repo', '/nonexistent/path', '--db', join(tmpDir(), 'x.db'), '--quiet'], x)).toBe(2);
    expect(x.err_).toMatch(/scan failed: repo: .*nothing to scan/);
    const repo = repoWith({ 'requirements.txt': 'openai==1.40\n' });
    x = io();
    expect(await main(['scan', '--repo', repo, '--repo', '/nonexistent/other', '--db', join(tmpDir(), 'y.db'), '--quiet'], x)).toBe(4);
    expect(x.err_).toMatch(/partial coverage: 1 unit\(s\) failed/);
    expect(x.out_).toMatch(/OpenAI API/);
  });
});

describe('cli: the mistakes a new user makes get one line and exit 2 (or 1)', () => {
  it('commander errors (unknown option, bad choice, missing argument) are one line starting "shadowscan:"', async () => {
    for (const [args, re] of [
      [['scan', '--repoo', '.'], /^shadowscan: unknown option '--repoo' \(did you mean --repo\?\) — run with --help for usage$/],
      [['scan', '--repo', '.', '--format', 'xml'], /^shadowscan: option '--format <format>' argument 'xml' is invalid\. Allowed choices are table, json, csv, sarif, markdown — run with --help/],
      [['register', 'show'], /^shadowscan: missing required argument 'id' — run with --help for usage$/],
      [['scna'], /^shadowscan: unknown command 'scna' \(did you mean scan\?\)/],
      [['serve', '--port', 'abc'], /^shadowscan: option '--port <n>' argument 'abc' is invalid\. expected a port number 0–65535, got "abc"/],
    ] as Array<[string[], RegExp]>) {
      const x = io();
      expect(await main(args, x)).toBe(2);
      expect(x.err_.endsWith('\n')).toBe(true);
      expect(x.err_.trimEnd().split('\n')).toHaveLength(1);
      expect(x.err_.trimEnd()).toMatch(re);
    }
  });

  it('--output into a folder that does not exist fails before scanning, in one line', async () => {
    const repo = repoWith({ 'requirements.txt': 'openai==1.40.0\n' });
    const db = join(tmpDir(), 'x.db');
    const x = io();
    expect(await main(['scan', '--repo', repo, '--db', db, '--format', 'json', '--output', join(tmpDir(), 'nodir', 'out.json'), '--quiet'], x)).toBe(2);
    expect(x.err_).toMatch(/^shadowscan: .*nodir\/out\.json: cannot write the output: folder .*nodir does not exist\n$/);
    expect(x.err_).not.toMatch(/at writeFileSync|internal error/);
  });

  it('a scan in which every unit failed (a log in an unknown format) exits 2, naming the file', async () => {
    const d = tmpDir();
    writeFileSync(join(d, 'weird.log'), 'hello world this is not a log\nfoo bar\n');
    const x = io();
    expect(await main(['scan', '--egress', join(d, 'weird.log'), '--db', join(d, 'x.db'), '--quiet'], x)).toBe(2);
    expect(x.err_).toMatch(/scan failed: nothing could be scanned \(1 unit\(s\) failed; first: .*weird\.log:1: unrecognised log format/);
    // an empty repository folder is complete coverage of nothing, not a failure
    mkdirSync(join(d, 'empty'));
    expect(await main(['scan', '--repo', join(d, 'empty'), '--db', join(d, 'y.db'), '--quiet'], io())).toBe(0);
  });

  it('--db: a missing register, a folder, a read-only file name the path and what was expected', async () => {
    const d = tmpDir();
    let x = io();
    expect(await main(['register', 'list', '--db', join(d, 'sub', 'none.db')], x)).toBe(2);
    expect(x.err_).toMatch(/none\.db: no such register database \(a scan creates it/);
    expect(existsSync(join(d, 'sub'))).toBe(false); // a read-only command creates no folder
    x = io();
    expect(await main(['scan', '--repo', repoWith({ 'a.txt': 'x\n' }), '--db', d, '--quiet'], x)).toBe(2);
    expect(x.err_).toMatch(/: is a folder \(expected a register database file\)\n$/);
    if (process.getuid?.() !== 0) {
      const ro = join(d, 'ro');
      mkdirSync(ro);
      chmodSync(ro, 0o555);
      x = io();
      expect(await main(['scan', '--repo', repoWith({ 'a.txt': 'x\n' }), '--db', join(ro, 'x.db'), '--quiet'], x)).toBe(2);
      expect(x.err_).toMatch(/folder .*ro is not writable — give a --db in a writable folder/);
    }
  });

  it('rules test: a rule file that does not load is a problem found (exit 1), named by file and field', async () => {
    const d = tmpDir();
    writeFileSync(join(d, 'acme-ai.yaml'), 'id: acme-ai\nname: Acme AI\nvendor: Acme\ncategory: llm-api\nmatch:\n  packages: { pypy: [acme-ai] }\n');
    const x = io();
    expect(await main(['rules', 'test', '--rules', d], x)).toBe(1);
    expect(x.err_).toMatch(/acme-ai\.yaml: match\.packages\.pypy: Invalid enum value/);
    expect(x.out_).toMatch(/rules could not be loaded — 1 problem\(s\)/);
  });

  it('serve on a busy port: one line, exit 2', async () => {
    const busy = createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
    const port = (busy.address() as AddressInfo).port;
    try {
      const x = io();
      expect(await main(['serve', '--db', join(tmpDir(), 'x.db'), '--port', String(port)], x)).toBe(2);
      expect(x.err_).toMatch(new RegExp(`shadowscan: cannot listen on 127\\.0\\.0\\.1:${port}: the port is already in use`));
      expect(x.err_).not.toMatch(/internal error|EADDRINUSE/);
    } finally {
      busy.close();
    }
  });

  it('diff on a register without recorded changes says which runs record them', async () => {
    const db = join(tmpDir(), 'x.db');
    expect(await main(['scan', '--repo', repoWith({ 'requirements.txt': 'openai==1.40.0\n' }), '--db', db, '--quiet'], io())).toBe(0);
    const x = io();
    expect(await main(['diff', '--db', db], x)).toBe(0);
    expect(x.out_).toMatch(/No recorded runs\. Changes are recorded by `shadowscan scan --config FILE` and `shadowscan schedule run`/);
  });
});
