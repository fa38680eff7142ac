/**
 * Register commit benchmark: one scan whose commit writes N distinct findings (default 1,000,000:
 * 10,000 users × 100 AI hosts in a Squid access.log), run as a user runs it — the CLI from start
 * to exit, `shadowscan scan --egress LOG --db …` — into a fresh SQLite file and, in the same run,
 * into a fresh PostgreSQL database (Debian's server started by the benchmark on loopback).
 *
 *   node bin/run-ts.mjs bench/commit.ts [--findings 1000000] [--out bench/results/commit.md]
 */
import { closeSync, existsSync, mkdirSync, openSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openRegister } from '../src/register/register.js';
import { RuleIndex } from '../src/rules/compile.js';
import { loadRules } from '../src/rules/load.js';
import { startPostgres } from '../test/helpers/postgres.js';
import { arg, machine, timed } from './lib.js';

const here = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(here, '..');
const DATA = join(here, '.data');
const N = arg('findings', 1_000_000);
const OUT = process.argv.includes('--out') ? process.argv[process.argv.indexOf('--out') + 1] : join(here, 'results', 'commit.md');

function aiHosts(r: RuleIndex, n: number): string[] {
  const out: string[] = [];
  for (const d of r.domainRules()) {
    if (d.paths?.length || d.kind === 'template') continue;
    for (const h of d.kind === 'suffix' ? [`api.${d.pattern}`, `www.${d.pattern}`] : [d.pattern]) if (r.hostCandidate(h) && !out.includes(h)) out.push(h);
    if (out.length >= n) break;
  }
  return out.slice(0, n);
}

function generate(file: string, users: number, hosts: string[]): void {
  if (existsSync(file) && statSync(file).size > 0) return;
  mkdirSync(dirname(file), { recursive: true });
  const fd = openSync(file, 'w');
  let t = 1796000000;
  for (let u = 0; u < users; u++) {
    let chunk = '';
    for (const [k, h] of hosts.entries()) {
      t += k % 3 === 0 ? 1 : 0;
      chunk += `${t}.${String(k).padStart(3, '0')}    120 10.${(u >> 8) & 255}.${u & 255}.${1 + (k % 200)} TCP_TUNNEL/200 ${1000 + ((u * 31 + k) % 50000)} CONNECT ${h}:443 user${u} HIER_DIRECT/203.0.113.9 -\n`;
    }
    writeSync(fd, chunk);
  }
  closeSync(fd);
}

async function count(spec: string): Promise<number> {
  const reg = await openRegister(spec, { readonly: true });
  try {
    return (await reg.listRuns(1))[0]?.summary?.findings.total ?? 0;
  } finally {
    await reg.close();
  }
}

async function main() {
  const l = loadRules();
  const r = new RuleIndex(l.services, l.modelFormats);
  const hosts = aiHosts(r, 100);
  const users = Math.ceil(N / hosts.length);
  const log = join(DATA, `commit-${users}x${hosts.length}.log`);
  generate(log, users, hosts);
  const mb = statSync(log).size / 2 ** 20;
  const pg = await startPostgres();
  const rows: Array<{ backend: string; ms: number; rss: number; findings: number }> = [];
  try {
    const sqliteFile = join(DATA, 'commit-bench.db');
    for (const s of ['', '-wal', '-shm']) rmSync(sqliteFile + s, { force: true });
    const pgUrl = await pg.createDatabase('commitbench');
    for (const [backend, spec] of [['SQLite (file)', sqliteFile], ['PostgreSQL (loopback)', pgUrl]] as const) {
      const t = await timed(process.execPath, [join(ROOT, 'bin/shadowscan.mjs'), 'scan', '--egress', log, '--egress-workers', '0', '--db', spec, '--quiet'], { cwd: ROOT });
      if (t.code !== 0) throw new Error(`${backend}: exit ${t.code}: ${t.stderr.slice(-2000)}`);
      const findings = await count(spec);
      rows.push({ backend, ms: t.ms, rss: t.maxRssMb, findings });
      console.error(`${backend}: ${(t.ms / 1000).toFixed(1)} s, peak RSS ${t.maxRssMb.toFixed(0)} MB, ${findings.toLocaleString('en')} findings`);
    }
  } finally {
    await pg.stop();
  }
  const base = rows[0].ms;
  const md = `## Register commit: ${N.toLocaleString('en')} findings, SQLite vs PostgreSQL

Command: \`node bin/run-ts.mjs bench/commit.ts --findings ${N}\` (the whole CLI process: \`shadowscan scan --egress LOG --egress-workers 0 --db SPEC --quiet\`, from start to exit, into a fresh register). The egress parsing worker is turned off because its 48 MB heap limit fails a range that holds hundreds of thousands of distinct user × host pairs (exit 2, \"JS heap out of memory\" — a known limit of the worker, reported separately).

Machine: ${machine()}; run ${new Date().toISOString().slice(0, 10)}. PostgreSQL: Debian's server on 127.0.0.1, started by the benchmark (fsync off, as a test server).

Input: a Squid access.log of ${(users * hosts.length).toLocaleString('en')} lines (${mb.toFixed(0)} MiB): ${users.toLocaleString('en')} users × ${hosts.length} AI hosts from the rules, one line per pair, so the commit writes one finding per line.

| Register | Wall s | Peak RSS MB | Findings committed | vs SQLite |
|---|---:|---:|---:|---:|
${rows.map((x) => `| ${x.backend} | ${(x.ms / 1000).toFixed(1)} | ${x.rss.toFixed(0)} | ${x.findings.toLocaleString('en')} | ${(x.ms / base).toFixed(2)}× |`).join('\n')}

The SQLite backend runs one prepared single-row statement per finding inside one transaction; the PostgreSQL backend sends multi-row \`INSERT … ON CONFLICT\` batches (up to 60,000 parameters each) and \`UPDATE … FROM unnest(…)\` for the verdicts, inside one transaction that holds the register's advisory write lock.
`;
  mkdirSync(dirname(OUT), { recursive: true });
  writeFileSync(OUT, md);
  console.error(`wrote ${OUT}`);
}

await main();
