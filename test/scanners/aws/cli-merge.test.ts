/**
 * Command-line AWS flags merge with the config file's aws source instead of replacing it: a
 * flag for the in-flight limit keeps the config's accounts, regions and retry settings.
 * Checked on the merge itself and end to end (`shadowscan scan --config … --aws-concurrency`
 * against the loopback AWS, the real SDK clients and a real SQLite register).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { main, type Io } from '../../../src/cli/main.js';
import { cliScannerRuns, loadConfig } from '../../../src/config.js';
import { UsageError } from '../../../src/core/errors.js';
import { awsScanner } from '../../../scanners/aws/index.js';
import { startAwsLoopback, type AwsLoopback } from '../../../scanners/aws/loopback.js';
import { tmpDir } from '../../helpers/tmp.js';
import { DEV, MGMT, PROD, estate } from './estate.js';
import { withEnv } from './helpers.js';

function io(): Io & { out_: string; err_: string } {
  const o = { out_: '', err_: '', isTTY: false } as Io & { out_: string; err_: string };
  o.out = (s) => void (o.out_ += s);
  o.err = (s) => void (o.err_ += s);
  return o;
}

function configFile(body: string): string {
  const f = join(tmpDir(), 'shadowscan.yaml');
  writeFileSync(f, body);
  return f;
}

const servers: AwsLoopback[] = [];
afterEach(async () => {
  while (servers.length) await servers.pop()!.close();
});

describe('aws flags merge with the config file', () => {
  const cfgText = `sources:\n  aws:\n    accounts: ['${DEV}']\n    regions: [us-east-1]\n    maxAttempts: 9\n    maxThrottleAttempts: 20\n    regionConcurrency: 40\n`;

  it('a concurrency flag keeps the config\'s accounts, regions and retries', () => {
    const cfg = loadConfig(configFile(cfgText));
    const runs = cliScannerRuns({ awsConcurrency: '7' }, cfg, [awsScanner]);
    expect(runs).toHaveLength(1);
    expect(runs[0].options).toMatchObject({ accounts: [DEV], regions: ['us-east-1'], maxAttempts: 9, maxThrottleAttempts: 20, regionConcurrency: 40, maxConcurrentRequests: 7 });
    // a flag naming an option the config also sets wins for that option only
    const r2 = cliScannerRuns({ awsMaxAttempts: '3', awsRegions: ['eu-west-1'] }, cfg, [awsScanner]);
    expect(r2[0].options).toMatchObject({ accounts: [DEV], regions: ['eu-west-1'], maxAttempts: 3, maxThrottleAttempts: 20 });
    // no aws flag: the config's source is not a command-line run (the config runs it as is)
    expect(cliScannerRuns({}, cfg, [awsScanner])).toEqual([]);
    // without a config, the flags and the defaults
    expect(cliScannerRuns({ aws: true, awsConcurrency: '5' }, undefined, [awsScanner])[0].options).toMatchObject({ maxConcurrentRequests: 5, maxAttempts: 6 });
  });

  it('a bad flag value is a one-line usage error naming the option', () => {
    const cfg = loadConfig(configFile(cfgText));
    expect(() => cliScannerRuns({ awsConcurrency: 'many' }, cfg, [awsScanner])).toThrow(UsageError);
    expect(() => cliScannerRuns({ awsConcurrency: 'many' }, cfg, [awsScanner])).toThrow(/^aws options \(.*sources\.aws \+ command-line flags\): maxConcurrentRequests: expected number, got nan$/);
  });

  it('end to end: scan --config with --aws-concurrency sweeps only the config\'s account', async () => {
    const lb = await startAwsLoopback(estate({}));
    servers.push(lb);
    const d = tmpDir();
    const cfg = configFile(cfgText);
    const out = join(d, 'report.json');
    const x = io();
    const code = await withEnv(lb.env, () => main(['scan', '--config', cfg, '--aws-concurrency', '2', '--db', join(d, 'r.sqlite'), '--format', 'json', '--output', out, '--quiet'], x));
    // nothing on stderr but the notice that this fresh register has no catalog of record yet
    expect(x.err_.split('\n').filter((l) => l && !/no catalog of record in the register/.test(l))).toEqual([]);
    expect(code).toBe(0);
    const report = JSON.parse(readFileSync(out, 'utf8'));
    const cov = report.coverage.find((c: { scanner: string }) => c.scanner === 'aws');
    expect(cov.units).toEqual([`aws:${DEV}:us-east-1`]);
    // the other organization accounts were never asked about
    expect(lb.stats.log.some((l) => l.includes(PROD) || l.startsWith('organizations:'))).toBe(false);
    expect(lb.stats.log.some((l) => l.includes(MGMT) && !l.startsWith('sts:'))).toBe(false);
  }, 60_000);
});
