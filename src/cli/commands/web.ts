/**
 * CLI: `shadowscan serve`, `shadowscan user add|list|disable|enable|remove|unlock`,
 * `shadowscan token create|list|revoke`. Each write goes through one Auth method.
 */
import { availableParallelism } from 'node:os';
import { Command, InvalidArgumentError, Option } from 'commander';
import { isIP } from 'node:net';
import { UsageError } from '../../core/errors.js';
import { MAX_TOKEN_DAYS, positiveIntFlag } from '../../core/validate.js';
import { checkRegisterFile } from '../../core/register-file.js';
import { DB_HELP, dbSpec, isPostgresUrl, Register } from '../../index.js';
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

/** `--trust-proxy`: a hop count 1–10, or comma-separated addresses / CIDR ranges of the proxies. */
export function parseTrustProxy(v: string): number | string[] {
  const s = v.trim();
  if (/^\d+$/.test(s)) {
    const n = Number(s);
    if (n < 1 || n > 10) throw new UsageError(`--trust-proxy: expected a hop count 1–10 or proxy addresses, got "${v}"`);
    return n;
  }
  const list = s.split(',').map((x) => x.trim()).filter(Boolean);
  for (const a of list) {
    const [ip, bits, extra] = a.split('/');
    const fam = isIP(ip ?? '');
    const maxBits = fam === 6 ? 128 : 32;
    if (!fam || extra !== undefined || (bits !== undefined && (!/^\d+$/.test(bits) || Number(bits) > maxBits))) throw new UsageError(`--trust-proxy: "${a}" is not an IP address or CIDR range (expected a hop count 1–10 or addresses like 10.0.0.1,10.1.0.0/16)`);
  }
  if (!list.length) throw new UsageError('--trust-proxy: expected a hop count 1–10 or proxy addresses');
  return list;
}

/** `--port`: an integer 0–65535, else a one-line usage error. */
export function parsePort(v: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v.trim()) || !Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError(`expected a port number 0–65535, got "${v}"`);
  return n;
}

/** Opens a register that must already exist (a command that only reads or changes it never creates one). */
async function openExisting(db: string | undefined, readonly = false) {
  const spec = dbSpec(db);
  if (!isPostgresUrl(spec)) checkRegisterFile(spec.replace(/^sqlite:/, ''), { mustExist: true });
  return Register.open(db, { readonly });
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
    .option('--trust-proxy <hops|addrs>', 'believe X-Forwarded-For/-Proto/-Host from these proxies: a hop count, or addresses / CIDR ranges (default: ignore those headers)', parseTrustProxy)
    .option('--insecure-cookies', 'plain cookie names without Secure: only for plain http on a non-loopback address (development)')
    .addOption(new Option('--secure-cookies', 'cookies are always __Host- and Secure now (kept for old scripts)').hideHelp())
    .action(async (o) => {
      // PostgreSQL: a pool of two connections per core — requests beyond it queue in this process
      // instead of competing for the same cores inside the database server
      // instead of competing for the same cores inside the database server; connections stay open
      const register = await Register.open(o.db, { poolSize: Math.max(2, 2 * availableParallelism()), keepConnections: true });
      const { index } = ruleIndex(o.rules ?? []);
      const known = new Set(index.services.map((s) => s.id));
      const base = o.catalog ? { catalog: loadCatalog(o.catalog, known), file: o.catalog as string } : await catalogFromRuns(register, known);
      // the flag records the policy in the register: every process on it enforces it from then on
      if (o.separationOfDuties) await setPolicy(register, 'separation-of-duties', true, LOCAL_ADMIN, 'set by serve --separation-of-duties');
      const auth = new Auth(register);
      if ((await auth.listUsers()).length === 0) io.err(`warning: no user accounts yet — create one: shadowscan user add NAME --role admin${o.db ? ` --db ${o.db}` : ''}\n`);
      const loopback = o.host === 'localhost' || (isIP(o.host) && (o.host.startsWith('127.') || o.host === '::1'));
      if (!loopback && o.insecureCookies) io.err('warning: --insecure-cookies beyond loopback: sessions travel in clear text; use HTTPS for anything but development\n');
      if (!process.env.SHADOWSCAN_WEB_SECRET) io.err('note: SHADOWSCAN_WEB_SECRET is not set: sign-in tokens and known devices are signed with a key of this process only (set it, the same on every replica)\n');
      // the web server (fastify and its plugins) loads only for `web`, not for every command
      const { createServer } = await import('../../web/server.js');
      // the catalog of record is read per request (imports apply at once); a register without one keeps its latest scan's file
      const followsRecord = !o.catalog && !!(await currentCatalog(register));
      const app = await createServer({ register, rules: index, baseCatalog: followsRecord ? undefined : base.catalog, baseCatalogFile: base.file, separationOfDuties: !!o.separationOfDuties, insecureCookies: !!o.insecureCookies, trustProxy: o.trustProxy });
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
    .description('List the web accounts: name, role, created, and whether disabled.')
    .option('--db <spec>', DB_HELP)
    .action(async (o) => {
      const register = await openExisting(o.db, true);
      try {
        for (const u of await new Auth(register).listUsers()) io.out(`${u.username.padEnd(24)}${u.role.padEnd(10)}${u.createdAt}${u.disabled ? ' (disabled)' : ''}\n`);
      } finally {
        await register.close();
      }
    });
  const userAction = (name: string, description: string, run: (auth: Auth, user: string) => Promise<void>, done: string) =>
    user
      .command(`${name} <name>`)
      .description(description)
      .option('--db <spec>', DB_HELP)
      .action(async (u: string, o) => {
        const register = await openExisting(o.db);
        try {
          await run(new Auth(register), u);
          io.out(`user ${u} ${done}\n`);
        } finally {
          await register.close();
        }
      });
  userAction('disable', 'Disable a user: it can no longer sign in and its sessions end (enable undoes it).', (a, u) => a.setUserDisabled(u, true, 'cli'), 'disabled');
  userAction('enable', 'Enable a disabled user again.', (a, u) => a.setUserDisabled(u, false, 'cli'), 'enabled');
  userAction('remove', 'Remove a user and its sessions (the audit log keeps its history).', (a, u) => a.removeUser(u, 'cli'), 'removed');
  userAction('unlock', 'Clear a user\'s failed sign-ins, ending the back-off (an admin\'s unlock).', (a, u) => a.unlockUser(u, 'cli'), 'unlocked');

  const token = program.command('token').description('API bearer tokens (stored hashed; shown once).');
  token
    .command('create')
    .description('Create a bearer token for the JSON API.')
    .addOption(new Option('--role <role>', 'role').choices([...ROLES]).makeOptionMandatory())
    .option('--name <name>', 'label (appears as token:NAME in the audit log)', 'api')
    .option('--expires-days <n>', `expire after N days (1–${MAX_TOKEN_DAYS}; default: never)`, positiveIntFlag('--expires-days', MAX_TOKEN_DAYS))
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
    .description('List the API tokens: id, name, role, created, expiry, revoked (never the token itself).')
    .option('--db <spec>', DB_HELP)
    .action(async (o) => {
      const register = await openExisting(o.db, true);
      try {
        for (const t of await new Auth(register).listTokens()) io.out(`${t.id.padEnd(16)}${t.name.padEnd(20)}${t.role.padEnd(10)}${t.createdAt}${t.expiresAt ? ` expires ${t.expiresAt}` : ''}${t.lastUsedAt ? ` last used ${t.lastUsedAt.slice(0, 16)}Z` : ''}${t.revoked ? ' revoked' : ''}\n`);
      } finally {
        await register.close();
      }
    });
  token
    .command('revoke <id>')
    .description('Revoke an API token by its id (see token list); requests with it get 401 from then on.')
    .option('--db <spec>', DB_HELP)
    .action(async (id: string, o) => {
      const register = await openExisting(o.db);
      try {
        if (!(await new Auth(register).revokeToken(id))) throw new UsageError(`no token ${id}`);
        io.out(`token ${id} revoked\n`);
      } finally {
        await register.close();
      }
    });
}
