/**
 * Validation everywhere (issue 14 item 6): real calendar dates, positive bounded integers, and one
 * line + exit 2 for every bad file, path or database, with nothing created on a failed run. Runs
 * the real CLI in process (main) against real SQLite files.
 */
import Database from 'better-sqlite3';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main, type Io } from '../../src/cli/main.js';
import { calendarDate, calendarDateProblem, existingPathOrGlob, positiveInt } from '../../src/core/validate.js';
import { approve, falsePositive, requestIntake, suppress, triage } from '../../src/intake/actions.js';
import { openRegister } from '../../src/register/register.js';
import { Auth } from '../../src/web/auth.js';
import { FIXTURES, seed, testCatalog, testRules } from '../intake/helpers.js';
import { tmpDir } from '../helpers/tmp.js';

function io(): Io & { out_: string; err_: string } {
  const o = { out_: '', err_: '', isTTY: false } as Io & { out_: string; err_: string };
  o.out = (s) => void (o.out_ += s);
  o.err = (s) => void (o.err_ += s);
  return o;
}

/** Runs the CLI; expects exit 2 and exactly one error line matching `re`. */
async function fails(args: string[], re: RegExp): Promise<void> {
  const x = io();
  const code = await main(args, x);
  expect({ args, code, err: x.err_ }).toMatchObject({ code: 2 });
  const lines = x.err_.trim().split('\n');
  expect({ args, lines }).toMatchObject({ lines: [expect.stringMatching(re)] });
}

describe('calendar dates, integers and paths (src/core/validate.ts)', () => {
  it('accepts real dates only', () => {
    for (const ok of ['2027-02-28', '2028-02-29', '2000-02-29', '2026-12-31', '1970-01-01']) expect(calendarDateProblem(ok)).toBeUndefined();
    const bad: Record<string, RegExp> = {
      '2027-13-45': /month 13/,
      '9999-99-99': /year 9999/,
      '2027-02-30': /day 30 does not exist in 2027-02/,
      '2027-02-29': /day 29/,
      '1900-02-29': /year 1900/,
      '2100-02-29': /day 29/,
      '2027-04-31': /day 31/,
      '2027-00-10': /month 00/,
      '2027-1-1': /expected a date YYYY-MM-DD/,
      '27-01-01': /expected a date/,
      '2027-01-01x': /expected a date/,
    };
    for (const [s, re] of Object.entries(bad)) expect(() => calendarDate(s, '--x')).toThrow(re);
    expect(() => calendarDate('2026-01-01', '--until', { notBefore: '2026-06-01' })).toThrow(/in the past/);
    expect(calendarDate(' 2026-07-01 ', '--until', { notBefore: '2026-06-01' })).toBe('2026-07-01');
  });

  it('accepts whole numbers 1…max only', () => {
    expect(positiveInt('1', '--n', 10)).toBe(1);
    expect(positiveInt('10', '--n', 10)).toBe(10);
    for (const v of ['0', '-1', 'abc', '1.5', '1e3', '', ' ', '11', '0x10', '99999999999999999999']) expect(() => positiveInt(v, '--n', 10)).toThrow(/--n: expected a whole number 1–10/);
  });

  it('paths and globs must exist or match', () => {
    const d = tmpDir();
    writeFileSync(join(d, 'access.log.1'), 'x');
    expect(existingPathOrGlob(join(d, 'access.log.1'), '--egress')).toBeTruthy();
    expect(existingPathOrGlob(join(d, 'access.log*'), '--egress')).toBeTruthy();
    expect(existingPathOrGlob('-', '--egress')).toBe('-');
    expect(() => existingPathOrGlob(join(d, 'nope.log'), '--egress')).toThrow(/--egress .*nope.log: no such file or folder/);
    expect(() => existingPathOrGlob(join(d, 'error.log*'), '--egress')).toThrow(/matched no file/);
    expect(() => existingPathOrGlob(join(d, 'nope', '*.log'), '--egress')).toThrow(/no such file or folder/);
  });
});

describe('every named flag and catalog field refuses impossible input with one line and exit 2', () => {
  it('catalog dates: 2027-13-45, 9999-99-99, 2027-02-30 (approvedOn, expires, declinedOn)', async () => {
    const d = tmpDir();
    const base = readFileSync(join(FIXTURES, 'catalog.yaml'), 'utf8');
    const cases: Array<[string, string, RegExp]> = [
      ['expires: 2099-01-01', 'expires: 2027-13-45', /approved\.0\.expires: "2027-13-45" is not a real date \(month 13/],
      ['expires: 2099-01-01', 'expires: 9999-99-99', /approved\.0\.expires: "9999-99-99" is not a real date/],
      ['approvedOn: 2026-01-01', 'approvedOn: 2027-02-30', /approved\.0\.approvedOn: "2027-02-30" is not a real date \(day 30/],
      ['declined: []', 'declined:\n  - service: deepseek\n    declinedBy: ciso@test.example\n    declinedOn: 2026-02-31\n    reason: data residency\n    treatment: block', /declined\.0\.declinedOn: "2026-02-31" is not a real date/],
    ];
    for (const [from, to, re] of cases) {
      const f = join(d, `c-${cases.findIndex((c) => c[1] === to)}.yaml`);
      writeFileSync(f, base.replace(from, to));
      const x = io();
      expect(await main(['catalog', 'validate', f], x)).toBe(2);
      expect(x.err_).toMatch(re);
    }
    // the fixture itself is valid (the edits above are what fails)
    expect(await main(['catalog', 'validate', join(FIXTURES, 'catalog.yaml')], io())).toBe(0);
  });

  it('intake dates: approve --expires, suppress / false-positive --until, triage --review-date; scores; nothing changes', async () => {
    const db = join(tmpDir(), 'r.db');
    const reg = await seed(db);
    await reg.close();
    const before = readFileSync(db);
    await fails(['intake', 'approve', 'svc-azure-openai', '--expires', '2027-02-30', '--rationale', 'x', '--db', db], /--expires: "2027-02-30" is not a real date \(day 30/);
    await fails(['intake', 'suppress', 'svc-azure-openai', '--reason', 'x', '--until', '2027-13-45', '--db', db], /--until: "2027-13-45" is not a real date/);
    await fails(['intake', 'false-positive', 'svc-azure-openai', '--reason', 'x', '--until', '9999-99-99', '--db', db], /--until: "9999-99-99" is not a real date/);
    await fails(['intake', 'triage', 'svc-azure-openai', '--review-date', '2026-04-31', '--db', db], /--review-date: "2026-04-31" is not a real date/);
    await fails(['intake', 'triage', 'svc-azure-openai', '--likelihood', '0', '--db', db], /--likelihood: expected a whole number 1–5, got "0"/);
    await fails(['intake', 'triage', 'svc-azure-openai', '--impact', 'abc', '--db', db], /--impact: expected a whole number 1–5, got "abc"/);
    expect(readFileSync(db).equals(before)).toBe(true);
  });

  it('the intake library (web forms, API) refuses impossible dates too', async () => {
    const reg = await seed(join(tmpDir(), 'r.db'));
    try {
      const ctx = { register: reg, baseCatalog: testCatalog(), knownServices: new Set(testRules().services.map((s) => s.id)), now: () => new Date('2026-04-21T10:00:00Z'), separationOfDuties: false };
      await triage(ctx, 'svc-azure-openai', { answers: { consequence: 'low', affected: 'internal', significantDecisions: false }, owner: 'Cloud team', rationale: 'tenant-hosted' }, 'user:t');
      await requestIntake(ctx, 'svc-azure-openai', { rationale: 'please decide' }, 'user:t');
      await expect(approve(ctx, 'svc-azure-openai', { expires: '2027-02-30', rationale: 'x' }, 'user:t')).rejects.toThrow(/"2027-02-30" is not a real date/);
      await expect(falsePositive(ctx, 'svc-azure-openai', { reason: 'x', until: '2027-13-45' }, 'user:t')).rejects.toThrow(/"2027-13-45" is not a real date/);
      await expect(suppress(ctx, 'svc-azure-openai', { reason: 'x', until: '2026-02-29' }, 'user:t')).rejects.toThrow(/"2026-02-29" is not a real date/);
      expect((await reg.getItem('svc-azure-openai'))?.item.status).not.toBe('sanctioned');
    } finally {
      await reg.close();
    }
  });

  it('token create --expires-days 0 | abc | -1 | 1.5 | 99999: refused, no token made', async () => {
    const db = join(tmpDir(), 'r.db');
    for (const v of ['0', 'abc', '-1', '1.5', '99999']) await fails(['token', 'create', '--role', 'viewer', '--expires-days', v, '--db', db], /--expires-days: expected a whole number 1–3650/);
    expect(existsSync(db)).toBe(false);
    const x = io();
    expect(await main(['token', 'create', '--role', 'viewer', '--expires-days', '30', '--db', db], x)).toBe(0);
    const reg = await openRegister(db);
    const [t] = await new Auth(reg).listTokens();
    const days = (Date.parse(t.expiresAt!) - Date.parse(t.createdAt)) / 86400_000;
    expect(days).toBe(30);
    await expect(new Auth(reg).createToken('lib', 'viewer', { expiresDays: 0 })).rejects.toThrow(/--expires-days/);
    await reg.close();
  });

  it('schedule list --count 0 | abc: refused', async () => {
    await fails(['schedule', 'list', '--config', 'x.yaml', '--count', '0'], /--count: expected a whole number 1–1000/);
    await fails(['schedule', 'list', '--config', 'x.yaml', '--count', 'abc'], /--count: expected a whole number/);
  });

  it('bad databases: a non-SQLite --db in register list, audit verify without an audit table, user / token commands on a missing register', async () => {
    const d = tmpDir();
    const junk = join(d, 'junk.db');
    writeFileSync(junk, 'this is not a database at all, just text\n'.repeat(10));
    await fails(['register', 'list', '--db', junk], /not a register database \(not an SQLite file\)/);
    const foreign = join(d, 'foreign.db');
    const db = new Database(foreign);
    db.exec('CREATE TABLE something (a TEXT)');
    db.close();
    await fails(['audit', 'verify', '--db', foreign], /not a shadowscan register: no such table: audit_log/);
    const missing = join(d, 'missing.db');
    for (const args of [['user', 'list'], ['token', 'list'], ['token', 'revoke', 'tok-x'], ['user', 'disable', 'bob'], ['user', 'remove', 'bob'], ['user', 'unlock', 'bob']]) {
      await fails([...args, '--db', missing], /missing\.db: no such register database/);
    }
    expect(existsSync(missing)).toBe(false);
  });

  it('missing --repo / --egress / --audit / --egress-identity paths: exit 2, one line, no database file', async () => {
    const d = tmpDir();
    mkdirSync(join(d, 'logs'));
    const db = join(d, 'new.db');
    await fails(['scan', '--repo', join(d, 'no-repo'), '--db', db, '--quiet'], /--repo .*no-repo: no such file or folder/);
    await fails(['scan', '--egress', join(d, 'no.log'), '--db', db, '--quiet'], /--egress .*no\.log: no such file or folder/);
    await fails(['scan', '--egress', join(d, 'logs', 'access.log*'), '--db', db, '--quiet'], /matched no file/);
    await fails(['scan', '--audit', join(d, 'no-export'), '--db', db, '--quiet'], /--audit .*no-export: no such file or folder/);
    await fails(['scan', '--repo', d, '--egress-identity', join(d, 'who.csv'), '--db', db, '--quiet'], /--egress-identity .*who\.csv: no such file or folder/);
    await fails(['scan', '--repo', join(d, 'gone-1'), '--egress', join(d, 'gone-2'), '--db', db, '--quiet'], /nothing to scan \((?=.*--repo .*gone-1: no such file or folder)(?=.*--egress .*gone-2: no such)/);
    expect(readdirSync(d).sort()).toEqual(['logs']);
    // one good and one missing source path: the missing one is a failed unit, the rest lands (partial coverage)
    const x = io();
    writeFileSync(join(d, 'logs', 'requirements.txt'), 'openai==1.40\n');
    // exit 4: completed with partial coverage (README, exit codes)
    expect(await main(['scan', '--repo', join(d, 'logs'), '--repo', join(d, 'gone'), '--db', db, '--quiet'], x)).toBe(4);
    expect(x.err_).toMatch(/partial coverage: 1 unit\(s\) failed/);
    expect(existsSync(db)).toBe(true);
  });
});
