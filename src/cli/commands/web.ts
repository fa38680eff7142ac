/**
 * CLI: `shadowscan serve`, `shadowscan user add|list`, `shadowscan token create|list|revoke`.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { isIP } from 'node:net';
import { UsageError } from '../../core/errors.js';
import { DB_HELP, dbSpec, Register } from '../../index.js';
import { ruleIndex } from '../../rules/load.js';
import { loadCatalog } from '../../catalog/catalog.js';
import type { Io } from '../io.js';
import { catalogFromRuns } from '../../intake/catalog.js';
import { LOCAL_ADMIN, setPolicy } from '../../intake/policy.js';
import { currentCatalog } from '../../catalog/record.js';
import { Auth, ROLES } from '../../web/auth.js';

const collectRepeat = (v: string, prev: string[] = []) => [...prev, v];

async function readPassword(io: Io, envVar: string): Promise<string> {
  const env = process.env[envVar];
  if (env) return env;
  if (process.stdin.isTTY) io.err('Password (input is echoed; pipe it or set ' + envVar + ' to avoid that): ');
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) {
    chunks.push(c as Buffer);
    if (process.stdin.isTTY && Buffer.concat(chunks).includes(10)) break;
  }
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '').split(/\r?\n/)[0];
}

/** `--port`: an integer 0–65535, else a one-line usage error. */
export function parsePort(v: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v.trim()) || !Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError(`expected a port number 0–65535, got "${v}"`);
  return n;
}

export function webCommand(program: Command, io: Io): void {
  program
    .command('serve')
    .description('Start the web app (register, triage, intake, catalog, scans, block lists) and the JSON API.')
    .option('--db <spec>', DB_HELP)
    .option('--port <n>', 'port (0–65535; 0 = any free port)', parsePort, 8080)
    .option('--host <addr>', 'address to listen on', '127.0.0.1')
    .option('--catalog <file>', 'catalog file (default: the catalog of record, `catalog import`)')
    .option('--rules <dir>', 'extra rule folder (repeatable)', collectRepeat)
    .option('--separation-of-duties', 'record the separation-of-duties policy in the register (then every process on it enforces it; see `policy set`)')
    .option('--secure-cookies', 'mark cookies Secure (when served behind HTTPS)')
    .action(async (o) => {
      const register = await Register.open(o.db);
      const { index } = ruleIndex(o.rules ?? []);
      const known = new Set(index.services.map((s) => s.id));
      const base = o.catalog ? { catalog: loadCatalog(o.catalog, known), file: o.catalog as string } : await catalogFromRuns(register, known);
      // the flag records the policy in the register: every process on it enforces it from then on
      if (o.separationOfDuties) await setPolicy(register, 'separation-of-duties', true, LOCAL_ADMIN, 'set by serve --separation-of-duties');
      const auth = new Auth(register);
      if ((await auth.listUsers()).length === 0) io.err(`warning: no user accounts yet — create one: shadowscan user add NAME --role admin${o.db ? ` --db ${o.db}` : ''}\n`);
      const loopback = o.host === 'localhost' || (isIP(o.host) && (o.host.startsWith('127.') || o.host === '::1'));
      if (!loopback && !o.secureCookies) io.err('warning: listening beyond loopback without --secure-cookies: put it behind HTTPS\n');
      // the web server (fastify and its plugins) loads only for `web`, not for every command
      const { createServer } = await import('../../web/server.js');
      // the catalog of record is read per request (imports apply at once); a register without one keeps its latest scan's file
      const followsRecord = !o.catalog && !!(await currentCatalog(register));
      const app = await createServer({ register, rules: index, baseCatalog: followsRecord ? undefined : base.catalog, baseCatalogFile: base.file, separationOfDuties: !!o.separationOfDuties, secureCookies: !!o.secureCookies });
      let url: string;
      try {
        url = await app.listen({ port: o.port, host: o.host });
      } catch (e) {
        await app.close().catch(() => undefined);
        await register.close();
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EADDRINUSE') throw new UsageError(`cannot listen on ${o.host}:${o.port}: the port is already in use (another shadowscan serve?) — choose another with --port`);
        if (code === 'EACCES') throw new UsageError(`cannot listen on ${o.host}:${o.port}: permission denied (ports below 1024 need privileges) — choose another with --port`);
        if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') throw new UsageError(`cannot listen on ${o.host}:${o.port}: --host ${o.host} is not an address of this machine`);
        throw e;
      }
      io.out(`shadowscan web app on ${url}  (db ${register.location}${base.file ? `, catalog ${base.file}` : ''}${o.separationOfDuties ? ', separation of duties on' : ''}) — Ctrl-C to stop\n`);
      const stop = async () => {
        await app.close();
        await register.close();
        process.exit(0);
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });

  const user = program.command('user').description('Local web accounts.');
  user
    .command('add <name>')
    .description('Create a user (or reset its password and role). Password from $SHADOWSCAN_PASSWORD or stdin.')
    .addOption(new Option('--role <role>', 'role').choices([...ROLES]).makeOptionMandatory())
    .option('--db <spec>', DB_HELP)
    .option('--password-env <var>', 'environment variable holding the password', 'SHADOWSCAN_PASSWORD')
    .action(async (name: string, o) => {
      const password = await readPassword(io, o.passwordEnv);
      if (!password) throw new UsageError(`no password: set $${o.passwordEnv} or pipe it on stdin`);
      const register = await Register.open(o.db);
      try {
        await new Auth(register).addUser(name, password, o.role, `cli:${name}`);
        io.out(`user ${name} (${o.role}) saved in ${register.location}\n`);
      } finally {
        await register.close();
      }
    });
  user
    .command('list')
    .option('--db <spec>', DB_HELP)
    .action(async (o) => {
      const register = await Register.open(o.db);
      try {
        for (const u of await new Auth(register).listUsers()) io.out(`${u.username.padEnd(24)}${u.role.padEnd(10)}${u.createdAt}${u.disabled ? ' (disabled)' : ''}\n`);
      } finally {
        await register.close();
      }
    });

  const token = program.command('token').description('API bearer tokens (stored hashed; shown once).');
  token
    .command('create')
    .description('Create a bearer token for the JSON API.')
    .addOption(new Option('--role <role>', 'role').choices([...ROLES]).makeOptionMandatory())
    .option('--name <name>', 'label (appears as token:NAME in the audit log)', 'api')
    .option('--expires-days <n>', 'expire after N days', (v) => parseInt(v, 10))
    .option('--db <spec>', DB_HELP)
    .action(async (o) => {
      const register = await Register.open(o.db);
      try {
        const t = await new Auth(register).createToken(o.name, o.role, { expiresDays: o.expiresDays });
        io.err(`token ${t.id} (${o.role}) created; it is shown once — store it now:\n`);
        io.out(t.token + '\n');
      } finally {
        await register.close();
      }
    });
  token
    .command('list')
    .option('--db <spec>', DB_HELP)
    .action(async (o) => {
      const register = await Register.open(o.db);
      try {
        for (const t of await new Auth(register).listTokens()) io.out(`${t.id.padEnd(16)}${t.name.padEnd(20)}${t.role.padEnd(10)}${t.createdAt}${t.revoked ? ' revoked' : ''}\n`);
      } finally {
        await register.close();
      }
    });
  token
    .command('revoke <id>')
    .option('--db <spec>', DB_HELP)
    .action(async (id: string, o) => {
      const register = await Register.open(o.db);
      try {
        if (!(await new Auth(register).revokeToken(id))) throw new UsageError(`no token ${id}`);
        io.out(`token ${id} revoked\n`);
      } finally {
        await register.close();
      }
    });
}
