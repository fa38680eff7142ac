/**
 * A real PostgreSQL server for the tests: Debian's `postgresql` binaries (initdb into a
 * temporary folder, listening on 127.0.0.1 only, on a free port), started by the test itself and
 * stopped after it. As root (CI), the server runs as the `postgres` (or `nobody`) user, since
 * PostgreSQL refuses to run as root. No mock or in-process substitute stands in for it.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import pg from 'pg';
import { tmpDir } from './tmp.js';

export interface PgServer {
  /** Superuser URL of the `postgres` database. */
  adminUrl: string;
  port: number;
  /** The postmaster's process id (its children are the server's backends). */
  pid: number;
  /** A new empty database; returns its URL. */
  createDatabase(name?: string): Promise<string>;
  stop(): Promise<void>;
}

/** The folder holding initdb / postgres: $SHADOWSCAN_PG_BIN, else the newest /usr/lib/postgresql/N/bin. */
export function pgBinDir(): string {
  const env = process.env.SHADOWSCAN_PG_BIN;
  if (env && existsSync(join(env, 'postgres'))) return env;
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'postgres'))).sort((a, b) => Number(b) - Number(a)) : [];
  if (!versions.length) throw new Error('PostgreSQL server binaries not found: install Debian\'s postgresql package (.ci/run does) or set SHADOWSCAN_PG_BIN');
  return join(root, versions[0], 'bin');
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function runAs(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  for (const user of ['postgres', 'nobody']) {
    try {
      const uid = Number(execFileSync('id', ['-u', user]).toString().trim());
      const gid = Number(execFileSync('id', ['-g', user]).toString().trim());
      return { uid, gid };
    } catch {
      /* next */
    }
  }
  throw new Error('running as root and neither a postgres nor a nobody user exists to run PostgreSQL as');
}

export async function startPostgres(): Promise<PgServer> {
  const bin = pgBinDir();
  const base = tmpDir('shadowscan-pg-');
  const data = join(base, 'data');
  const sock = join(base, 'sock');
  mkdirSync(sock);
  const who = runAs();
  if (who) {
    chmodSync(base, 0o755);
    chownSync(base, who.uid, who.gid);
    chownSync(sock, who.uid, who.gid);
  }
  const opts = { ...(who ?? {}), env: { ...process.env, LC_ALL: 'C', LANG: 'C' } };
  execFileSync(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C'], { ...opts, stdio: 'pipe' });
  const port = await freePort();
  const proc: ChildProcess = spawn(
    join(bin, 'postgres'),
    ['-D', data, '-p', String(port), '-k', sock, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'max_connections=200'],
    { ...opts, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  proc.stderr?.on('data', (d) => (log = (log + d).slice(-4000)));
  const adminUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`postgres exited with ${proc.exitCode}: ${log}`);
    const c = new pg.Client({ connectionString: adminUrl });
    try {
      await c.connect();
      await c.end();
      break;
    } catch {
      await c.end().catch(() => undefined);
      if (Date.now() > deadline) throw new Error(`postgres did not start within 30 s: ${log}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  let n = 0;
  return {
    adminUrl,
    port,
    pid: proc.pid!,
    async createDatabase(name?: string) {
      const db = name ?? `t${process.pid}_${++n}_${Math.random().toString(36).slice(2, 8)}`;
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      try {
        await c.query(`CREATE DATABASE "${db}"`);
      } finally {
        await c.end();
      }
      return `postgres://postgres@127.0.0.1:${port}/${db}`;
    },
    async stop() {
      if (proc.exitCode === null) {
        const exited = new Promise((r) => proc.once('exit', r));
        proc.kill('SIGINT'); // fast shutdown
        await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
        if (proc.exitCode === null) proc.kill('SIGKILL');
      }
      rmSync(base, { recursive: true, force: true });
    },
  };
}
