/**
 * Login flood benchmark: does an unauthenticated login flood starve the API of signed-in users?
 * Real `shadowscan serve` processes, each on its own SQLite register (one admin user, one API
 * token). For each build — the build before the sign-in hardening (`--before DIR`, e.g. a
 * `git archive` of the earlier commit with node_modules linked) and this one — it measures the
 * API's requests/s (GET /api/register, C keep-alive clients) alone (the yardstick), then again
 * while F flood clients POST /login as fast as they can: random user names, each request from a
 * random 127.x.y.z source address (a distributed flood: the per-client throttle never trips, so
 * the bound on concurrent password checks is what is measured), each with a valid pre-login pair.
 *
 * The flood is open-loop (RATE attempts/s whatever the server answers, at most FLOOD in flight).
 *
 *   node bin/run-ts.mjs bench/login.ts [--seconds 8] [--clients 4] [--rate 200] [--flood 64] [--before DIR] [--out bench/results/login.md]
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { arg, machine } from './lib.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SECONDS = arg('seconds', 8);
const CLIENTS = arg('clients', 4);
const FLOOD = arg('flood', 64);
const RATE = arg('rate', 200);
const sarg = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const BEFORE = sarg('before');
const OUT = sarg('out') ?? 'bench/results/login.md';
const PW = 'bench-password-long-enough';

interface Res {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function http(url: string, opts: { method?: string; headers?: Record<string, string>; body?: string; agent?: Agent | false; localAddress?: string } = {}): Promise<Res> {
  return new Promise((ok, fail) => {
    const req = request(url, { method: opts.method ?? 'GET', headers: opts.headers, agent: opts.agent, localAddress: opts.localAddress }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => ok({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', fail);
    req.end(opts.body);
  });
}

async function startServe(root: string, db: string, env: NodeJS.ProcessEnv): Promise<{ base: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [join(root, 'bin/shadowscan.mjs'), 'serve', '--db', db, '--port', '0'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const base = await new Promise<string>((ok, fail) => {
    child.stdout!.on('data', (c) => {
      out += c;
      const m = /on (http:\/\/[\d.:]+)/.exec(out);
      if (m) ok(m[1]);
    });
    child.on('exit', (code) => fail(new Error(`serve exited ${code}: ${out}`)));
  });
  return { base, child };
}

function cli(root: string, args: string[], env: NodeJS.ProcessEnv): string {
  const r = spawnSync(process.execPath, [join(root, 'bin/shadowscan.mjs'), ...args], { cwd: root, env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
}

/** API requests/s for `seconds` with `clients` keep-alive clients. */
async function apiRate(base: string, token: string, seconds: number): Promise<{ rps: number; errors: number }> {
  const agent = new Agent({ keepAlive: true, maxSockets: CLIENTS });
  const end = Date.now() + seconds * 1000;
  let n = 0;
  let errors = 0;
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (Date.now() < end) {
        const r = await http(`${base}/api/register?limit=50`, { headers: { authorization: `Bearer ${token}` }, agent }).catch(() => ({ status: 0 }) as Res);
        if (r.status === 200) n++;
        else errors++;
      }
    }),
  );
  agent.destroy();
  return { rps: n / seconds, errors };
}

/**
 * An open-loop flood: RATE login attempts per second whatever the server answers (an attacker does
 * not wait), at most FLOOD in flight; FLOOD pre-login pairs taken first, then wrong passwords for
 * random user names from random loopback addresses. Counts the answers by status.
 */
async function flood(base: string, until: () => boolean, ready: () => void = () => undefined): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  const pairs = await Promise.all(
    Array.from({ length: FLOOD }, async () => {
      const page = await http(`${base}/login`, { agent: false });
      const csrf = process.argv.includes('--invalid-token') ? 'not-the-token' : (/name="_csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? '');
      const cookie = ([page.headers['set-cookie']].flat().filter(Boolean) as string[]).map((c) => c.split(';')[0]).join('; ');
      return { csrf, cookie };
    }),
  );
  ready();
  let inFlight = 0;
  const pending: Promise<void>[] = [];
  const fire = (i: number) => {
    if (inFlight >= FLOOD) {
      counts['not sent (in flight at the cap)'] = (counts['not sent (in flight at the cap)'] ?? 0) + 1;
      return;
    }
    inFlight++;
    const { csrf, cookie } = pairs[i % pairs.length];
    const ip = `127.${1 + Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 256)}.${1 + Math.floor(Math.random() * 250)}`;
    const user = `u${Math.random().toString(36).slice(2, 10)}`;
    const body = new URLSearchParams({ _csrf: csrf, username: user, password: 'wrong-password-' + user }).toString();
    pending.push(
      http(`${base}/login`, { method: 'POST', agent: false, localAddress: ip, headers: { 'content-type': 'application/x-www-form-urlencoded', cookie }, body })
        .catch(() => ({ status: 0 }) as Res)
        .then((r) => {
          counts[r.status] = (counts[r.status] ?? 0) + 1;
          inFlight--;
        }),
    );
  };
  const t0 = Date.now();
  let sent = 0;
  while (!until()) {
    const due = Math.floor(((Date.now() - t0) / 1000) * RATE);
    while (sent < due) fire(sent++);
    await new Promise((r) => setTimeout(r, 10));
  }
  await Promise.all(pending);
  return counts;
}

interface Row {
  build: string;
  alone: number;
  flooded: number;
  floodRps: number;
  statuses: Record<string, number>;
}

async function measure(label: string, root: string): Promise<Row> {
  const dir = mkdtempSync(join(tmpdir(), 'shadowscan-bench-login-'));
  const db = join(dir, 'r.db');
  const env = { ...process.env, SHADOWSCAN_PASSWORD: PW, SHADOWSCAN_WEB_SECRET: 'bench-secret-bench-secret-bench-secret' };
  cli(root, ['user', 'add', 'admin', '--role', 'admin', '--db', db], env);
  const token = cli(root, ['token', 'create', '--role', 'viewer', '--name', 'bench', '--db', db], env).split('\n').pop()!;
  const { base, child } = await startServe(root, db, env);
  try {
    await apiRate(base, token, 1); // warm-up
    const alone = await apiRate(base, token, SECONDS);
    // the flood runs in its own process (its own event loop): the API client is not starved by it
    const fl = spawn(process.execPath, [join(ROOT, 'bin/run-ts.mjs'), 'bench/login.ts', '--flood-child', base, '--rate', String(RATE), '--flood', String(FLOOD), ...(INVALID ? ['--invalid-token'] : [])], { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] });
    let flOut = '';
    fl.stdout!.on('data', (c) => (flOut += c));
    const done = new Promise<Record<string, number>>((ok) => fl.on('close', (code) => ok(code === 0 ? JSON.parse(flOut.slice(flOut.indexOf('\n') + 1)) : { [`flood process exited ${code}`]: 1 })));
    while (!flOut.includes('ready\n')) await new Promise((r) => setTimeout(r, 50)); // the flood process is up and flooding
    const t0 = Date.now();
    await new Promise((r) => setTimeout(r, 1000)); // let the flood ramp up
    const flooded = await apiRate(base, token, SECONDS);
    fl.stdin!.end('stop\n');
    const statuses = await done;
    const floodRps = Object.entries(statuses).filter(([k]) => /^\d+$/.test(k) && k !== '0').reduce((a, [, b]) => a + b, 0) / ((Date.now() - t0) / 1000);
    console.error(`${label}: API alone ${alone.rps.toFixed(0)} req/s, under flood ${flooded.rps.toFixed(0)} req/s; flood ${floodRps.toFixed(0)} logins/s ${JSON.stringify(statuses)}`);
    return { build: label, alone: alone.rps, flooded: flooded.rps, floodRps, statuses };
  } finally {
    child.kill('SIGTERM');
  }
}

const FLOOD_CHILD = sarg('flood-child');
/** `--invalid-token`: the flood's requests fail the CSRF check (403 before any password work) — the cost of the requests alone. */
const INVALID = process.argv.includes('--invalid-token');
if (FLOOD_CHILD) {
  // the flood process: floods until its stdin ends, then prints the answers by status
  let stop = false;
  process.stdin.on('data', () => (stop = true));
  process.stdin.on('end', () => (stop = true));
  const counts = await flood(FLOOD_CHILD, () => stop, () => process.stdout.write('ready\n'));
  process.stdout.write(JSON.stringify(counts));
} else {
const rows: Row[] = [];
if (BEFORE && existsSync(join(BEFORE, 'bin/shadowscan.mjs'))) rows.push(await measure('before (no gate, unsigned login)', BEFORE));
rows.push(await measure('this build', ROOT));

const table = rows
  .map((r) => `| ${r.build} | ${r.alone.toFixed(0)} | ${r.flooded.toFixed(0)} | ${((r.flooded / r.alone) * 100).toFixed(0)} % | ${r.floodRps.toFixed(0)} | ${Object.entries(r.statuses).map(([s, n]) => `${s}: ${n}`).join(', ')} |`)
  .join('\n');
const md = `## Login flood vs API (\`bench/login.ts\`)

\`node bin/run-ts.mjs bench/login.ts --seconds ${SECONDS} --clients ${CLIENTS} --rate ${RATE} --flood ${FLOOD}${BEFORE ? ' --before DIR' : ''}\` on ${machine()}.
Each build runs as a real \`shadowscan serve\` process on its own SQLite register. API: ${CLIENTS} keep-alive clients on
\`GET /api/register?limit=50\` with a bearer token for ${SECONDS} s, alone (the yardstick) and then under an open-loop flood of
${RATE} \`POST /login\`/s (at most ${FLOOD} in flight) with random user names from random 127.x.y.z addresses, each with a valid pre-login pair.
${BEFORE ? 'The "before" build is the commit before the sign-in hardening, run in the same run.' : ''}

| build | API alone (req/s) | API under flood (req/s) | kept | logins answered/s | login answers |
|---|---|---|---|---|---|
${table}
`;
writeFileSync(OUT, md);
console.log(md);
}
