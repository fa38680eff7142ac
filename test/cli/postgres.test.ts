/**
 * The CLI on the team register: `--db postgres://…` and SHADOWSCAN_DATABASE_URL select the
 * PostgreSQL backend for scan, register, audit and intake commands; `db migrate` moves a SQLite
 * register up, printing the rows per table and verifying the copy. A real PostgreSQL server,
 * started by the test.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { main, type Io } from '../../src/cli/main.js';
import { startPostgres, type PgServer } from '../helpers/postgres.js';
import { tmpDir } from '../helpers/tmp.js';

function io(): Io & { out_: string; err_: string } {
  const x = { out_: '', err_: '', isTTY: false } as Io & { out_: string; err_: string };
  x.out = (s: string) => void (x.out_ += s);
  x.err = (s: string) => void (x.err_ += s);
  return x;
}

describe('CLI with a PostgreSQL register', () => {
  let pg: PgServer;
  beforeAll(async () => {
    pg = await startPostgres();
  });
  afterAll(() => pg?.stop());

  it('scan, register list, intake and audit verify through --db and SHADOWSCAN_DATABASE_URL', async () => {
    const url = await pg.createDatabase();
    let x = io();
    expect(await main(['scan', '--egress', 'fixtures/egress/squid-access.log', '--db', url, '--format', 'json', '--quiet'], x), x.err_).toBe(0);
    const report = JSON.parse(x.out_);
    expect(report.run.db).toBe(url); // no password in this URL; a password would be masked
    expect(report.items.length).toBeGreaterThan(0);
    const prev = process.env.SHADOWSCAN_DATABASE_URL;
    process.env.SHADOWSCAN_DATABASE_URL = url;
    try {
      x = io();
      expect(await main(['register', 'list', '--format', 'json'], x), x.err_).toBe(0);
      const items = JSON.parse(x.out_) as Array<{ id: string; riskEntryId?: string }>;
      expect(items.map((i) => i.id).sort()).toEqual(report.items.filter((i: { status: string }) => i.status !== 'sanctioned').map((i: { id: string }) => i.id).sort());
      const entry = items[0].riskEntryId!;
      x = io();
      expect(await main(['intake', 'triage', entry, '--consequence', 'high', '--affected', 'external', '--significant-decisions', 'no', '--actor', 'local-admin'], x), x.err_ + x.out_).toBe(0);
      x = io();
      expect(await main(['audit', 'verify'], x)).toBe(0);
      expect(x.out_).toMatch(/audit log intact: \d+ records/);
    } finally {
      if (prev === undefined) delete process.env.SHADOWSCAN_DATABASE_URL;
      else process.env.SHADOWSCAN_DATABASE_URL = prev;
    }
  });

  it('db migrate copies a SQLite register into PostgreSQL and verifies it; a non-empty target is refused', async () => {
    const file = join(tmpDir(), 'r.db');
    let x = io();
    expect(await main(['scan', '--egress', 'fixtures/egress/squid-access.log', '--db', file, '--quiet'], x), x.err_).toBe(0);
    const url = await pg.createDatabase();
    x = io();
    expect(await main(['db', 'migrate', '--from', `sqlite:${file}`, '--to', url], x), x.err_).toBe(0);
    expect(x.out_).toMatch(/^findings\s+(\d+)\s+\1$/m);
    expect(x.out_).toMatch(/^audit_log\s+(\d+)\s+\1$/m);
    expect(x.out_).toMatch(/audit chain on the copy: intact — \d+ records, head [0-9a-f]{64} \(same as the source\)/);
    x = io();
    expect(await main(['register', 'list', '--db', url, '--format', 'json'], x)).toBe(0);
    const viaPg = x.out_;
    x = io();
    expect(await main(['register', 'list', '--db', file, '--format', 'json'], x)).toBe(0);
    expect(viaPg).toBe(x.out_);
    x = io();
    expect(await main(['db', 'migrate', '--from', file, '--to', url], x)).toBe(2);
    expect(x.err_).toMatch(/already holds \d+ row\(s\) — db migrate copies into an empty register only/);
  });

  it('an unreachable server is one line, exit 2', async () => {
    const x = io();
    expect(await main(['register', 'list', '--db', 'postgres://nobody:secret-pw@127.0.0.1:1/none'], x)).toBe(2);
    expect(x.err_).toMatch(/^shadowscan: postgres:\/\/nobody:\*\*\*\*@127\.0\.0\.1:1\/none: cannot connect to PostgreSQL/);
    expect(x.err_).not.toContain('secret-pw');
  });
});
