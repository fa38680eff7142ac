/**
 * Exit codes as a user's script sees them: the real launcher (bin/shadowscan.mjs, the compiled
 * build) as a child process. 0 complete, 1 --fail-on, 2 nothing scanned / usage, 4 partial
 * coverage — the same for `scan`, `schedule run --once` and (complete) `demo`.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { startAwsLoopback, type AwsEstate, type AwsFaults } from '../../scanners/aws/loopback.js';
import { EXIT } from '../../src/collect/partial.js';
import { tmpDir } from '../helpers/tmp.js';
import { PACKAGE_ROOT as ROOT, runCli } from '../helpers/cli-process.js';

const SQUID = join(ROOT, 'fixtures', 'egress', 'squid-access.log');
const AWS_ESTATE = join(ROOT, 'fixtures', 'demo', 'cloud', 'aws.json');

function cli(args: string[], env: Record<string, string> = {}) {
  return runCli(args, { env });
}

/** A Squid log gzipped and cut in half: the lines before the cut are readable. */
function truncatedGz(dir: string): string {
  const text = readFileSync(SQUID, 'utf8');
  const gz = gzipSync(Array.from({ length: 300 }, () => text).join(''));
  const p = join(dir, 'access.log.gz');
  writeFileSync(p, gz.subarray(0, Math.floor(gz.length / 2)));
  return p;
}

describe('exit codes (the compiled CLI as a child process)', () => {
  it('the codes are distinct', () => {
    expect(new Set(Object.values(EXIT)).size).toBe(Object.keys(EXIT).length);
  });

  it('a truncated .gz egress log: partial, exit 4, and what was read is committed', async () => {
    const d = tmpDir();
    const gz = truncatedGz(d);
    const db = join(d, 'r.db');
    const r = await cli(['scan', '--egress', gz, '--db', db, '--format', 'json', '--quiet']);
    expect(r.err).toMatch(/partial coverage: 1 unit\(s\) failed .*exit 4/);
    expect(r.code).toBe(EXIT.partial);
    const report = JSON.parse(r.out);
    expect(report.findings.length).toBeGreaterThan(0);
    const list = await cli(['register', 'list', '--db', db, '--format', 'json']);
    expect(list.code).toBe(0);
    expect(JSON.parse(list.out).length).toBeGreaterThan(0);
    // the same log complete: exit 0
    const whole = join(d, 'whole.log');
    writeFileSync(whole, readFileSync(SQUID));
    expect((await cli(['scan', '--egress', whole, '--db', join(d, 'w.db'), '--quiet'])).code).toBe(EXIT.ok);
    // --fail-on matched outranks partial; nothing scanned outranks both
    expect((await cli(['scan', '--egress', gz, '--db', join(d, 'f.db'), '--fail-on', 'unsanctioned', '--quiet'])).code).toBe(EXIT.gate);
    const none = await cli(['scan', '--egress', join(d, 'missing.log'), '--db', join(d, 'n.db'), '--quiet']);
    expect(none.code).toBe(EXIT.failed);
  });

  it('schedule run --once: a source read in part exits 4, like scan', async () => {
    const d = tmpDir();
    const gz = truncatedGz(d);
    const cfg = join(d, 'shadowscan.yaml');
    writeFileSync(cfg, `version: 1\ndb: ${join(d, 'r.db')}\nsources:\n  egress:\n    paths: [${gz}]\n`);
    const r = await cli(['schedule', 'run', '--once', '--config', cfg]);
    expect(r.out).toMatch(/egress: \S+ partial/);
    expect(r.code).toBe(EXIT.partial);
    const whole = join(d, 'whole.log');
    writeFileSync(whole, readFileSync(SQUID));
    writeFileSync(cfg, `version: 1\ndb: ${join(d, 'r2.db')}\nsources:\n  egress:\n    paths: [${whole}]\n`);
    const ok = await cli(['schedule', 'run', '--once', '--config', cfg]);
    expect(ok.out).toMatch(/egress: \S+ complete/);
    expect(ok.code).toBe(EXIT.ok);
  });

  it('a failed cloud unit (one AWS region denied) exits 4; the full sweep exits 0', async () => {
    const estate = JSON.parse(readFileSync(AWS_ESTATE, 'utf8')) as AwsEstate;
    const account = Object.keys(estate.accounts)[0];
    const region = estate.accounts[account].regions![0];
    const cases: Array<[AwsFaults, number]> = [[{ denied: [`${account}:${region}`] }, EXIT.partial], [{}, EXIT.ok]];
    for (const [faults, expected] of cases) {
      const lb = await startAwsLoopback({ ...estate, faults });
      try {
        const d = tmpDir();
        mkdirSync(d, { recursive: true });
        const r = await cli(['scan', '--aws', '--db', join(d, 'r.db'), '--format', 'json', '--quiet'], lb.env);
        expect(r.code, r.err).toBe(expected);
        const report = JSON.parse(r.out);
        expect(report.findings.length).toBeGreaterThan(0);
        if (expected === EXIT.partial) expect(r.err).toMatch(/partial coverage: 1 unit\(s\) failed/);
        else expect(r.err).not.toMatch(/partial coverage/);
      } finally {
        await lb.close();
      }
    }
  });
});

describe('the removed lockDir config key', () => {
  it('is refused with one line saying what to do, before anything is scanned — even under /proc', async () => {
    for (const lockDir of ['/proc/1/shadowscan-locks', 'locks']) {
      const d = tmpDir();
      const cfg = join(d, 'shadowscan.yaml');
      writeFileSync(cfg, `version: 1\ndb: ${join(d, 'r.db')}\nlockDir: ${lockDir}\nsources:\n  repo:\n    paths: [${d}]\n`);
      for (const args of [['scan', '--config', cfg, '--quiet'], ['schedule', 'run', '--once', '--config', cfg]]) {
        const r = await runCli(args);
        expect(r.code).toBe(EXIT.failed);
        expect(r.err.trim().split('\n')).toHaveLength(1);
        expect(r.err).toMatch(/shadowscan\.yaml: lockDir: no longer used: every scan takes a lease on its source in the register itself .*remove this key/);
        expect(existsSync(join(d, 'r.db'))).toBe(false);
      }
    }
  });
});
