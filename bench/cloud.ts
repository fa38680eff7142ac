/**
 * Cloud sweep benchmark, whole process: `shadowscan scan --config … --aws-concurrency N` run as
 * a child process exactly as a user runs it (start-up, the sweep with the real SDK v3 clients,
 * matching, the SQLite commit, the report), against the loopback AWS (scanners/aws/loopback.ts)
 * in its own process (bench/cloud-server.ts): accounts × regions with latency on every call and
 * a share of calls throttled. The yardstick, from the same run: the concurrency bound = HTTP
 * attempts (throttled ones included) × latency / in-flight limit, the time the sweep would take
 * if every request slot were busy all the time. Reports wall, CPU (user + system), peak RSS and
 * the wall / bound ratio; checks that no unit is lost. Writes bench/results/cloud.md.
 *
 *   node bin/run-ts.mjs bench/cloud.ts [--accounts 100] [--regions 17] [--latency 50]
 *     [--throttle 0.1] [--concurrency 32,64] [--unit-factor 8] [--min-send-rate 2] [--no-write]
 *     [--baseline DIR]
 *
 * --baseline DIR: also runs DIR's shadowscan (another checkout, e.g. `git archive <commit>`) in
 * the same run, against the same loopback settings, with the in-flight limit in its config file
 * (older versions have no --aws-concurrency flag): a before / after comparison on one machine state.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, platform, release, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const arg = (name: string, def: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
};
const ACCOUNTS = Number(arg('accounts', '100'));
const REGIONS = Number(arg('regions', '17'));
const LATENCY = Number(arg('latency', '50'));
const THROTTLE = Number(arg('throttle', '0.1'));
const CONCURRENCY = arg('concurrency', '32,64').split(',').map(Number);
const MIN_SEND_RATE = Number(arg('min-send-rate', '2'));
/** Units (account×region) in progress at once, as a multiple of the in-flight request limit. */
const UNIT_FACTOR = Number(arg('unit-factor', '8'));
const WRITE = !args.includes('--no-write');
const BASELINE = args.includes('--baseline') ? arg('baseline', '') : undefined;

interface Server {
  env: Record<string, string>;
  stats(): Promise<{ requests: number; throttled: number; cpu: { user: number; system: number } }>;
  close(): Promise<void>;
}

async function startServer(seed: number): Promise<Server> {
  const child = spawn(process.execPath, [join(root, 'bin/run-ts.mjs'), join(root, 'bench/cloud-server.ts'), '--accounts', String(ACCOUNTS), '--regions', String(REGIONS), '--latency', String(LATENCY), '--throttle', String(THROTTLE), '--seed', String(seed)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const first = await lines.next();
  if (first.done) throw new Error('cloud-server exited before listening');
  const { env } = JSON.parse(first.value) as { env: Record<string, string> };
  return {
    env,
    async stats() {
      child.stdin!.write('stats\n');
      const l = await lines.next();
      return JSON.parse(l.value);
    },
    close: () =>
      new Promise<void>((r) => {
        child.on('exit', () => r());
        child.stdin!.end();
      }),
  };
}

interface Row {
  /** which shadowscan: this checkout or the baseline */
  who: string;
  concurrency: number;
  wallMs: number;
  cpuMs: number;
  serverCpuMs: number;
  rssMb: number;
  requests: number;
  throttled: number;
  boundMs: number;
  units: number;
  failed: number;
  resources: number;
  load: number;
  lostReasons: string[];
  exit: number | null;
}

async function once(concurrency: number, dir: string, baseline?: string): Promise<Row> {
  const server = await startServer(concurrency);
  const tag = `${baseline ? 'base' : 'this'}-${concurrency}`;
  const cfg = join(dir, `cloud-${tag}.yaml`);
  // the config names the sweep's shape; the CLI flag sets the in-flight limit and merges with it
  writeFileSync(cfg, `sources:\n  aws:\n    regionConcurrency: ${concurrency * UNIT_FACTOR}\n    accountConcurrency: 32\n    minSendRate: ${MIN_SEND_RATE}\n${baseline ? `    maxConcurrentRequests: ${concurrency}\n` : ''}`);
  const db = join(dir, `cloud-${tag}.sqlite`);
  const out = join(dir, `cloud-${tag}.json`);
  const cli = ['bin/shadowscan.mjs', 'scan', '--config', cfg, ...(baseline ? [] : ['--aws-concurrency', String(concurrency)]), '--db', db, '--format', 'json', '--output', out, '--quiet'];
  const t0 = performance.now();
  const child = spawn('/usr/bin/time', ['-f', '__TIME %U %S %M', process.execPath, ...cli], { cwd: baseline ?? root, env: { ...process.env, ...server.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' }, stdio: ['ignore', 'inherit', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const exit: number | null = await new Promise((r) => child.on('close', r));
  const wallMs = performance.now() - t0;
  const st = await server.stats();
  await server.close();
  const m = /__TIME ([\d.]+) ([\d.]+) (\d+)/.exec(stderr);
  if (!m) throw new Error(`no timing from /usr/bin/time: ${stderr.slice(-2000)}`);
  const report = JSON.parse(readFileSync(out, 'utf8'));
  const cov = (report.coverage as Array<{ scanner: string; units: string[]; failed: Array<{ unit: string; reason: string }>; skipped: Array<{ unit: string; reason: string }>; stats: Record<string, number> }>).find((c) => c.scanner === 'aws')!;
  return {
    who: baseline ? `baseline (${baseline})` : 'this checkout',
    concurrency,
    wallMs,
    cpuMs: (Number(m[1]) + Number(m[2])) * 1000,
    serverCpuMs: (st.cpu.user + st.cpu.system) / 1000,
    rssMb: Number(m[3]) / 1024,
    requests: st.requests,
    throttled: st.throttled,
    boundMs: (st.requests * LATENCY) / concurrency,
    units: cov.units.length,
    failed: cov.failed.length + cov.skipped.length,
    resources: cov.stats.resources ?? 0,
    load: loadavg()[0],
    lostReasons: [...cov.failed, ...cov.skipped].map((f) => `${f.unit}: ${f.reason}`),
    exit,
  };
}

const dir = mkdtempSync(join(tmpdir(), 'shadowscan-cloud-bench-'));
const rows: Row[] = [];
try {
  for (const c of CONCURRENCY) {
    for (const base of BASELINE ? [BASELINE, undefined] : [undefined]) {
      const r = await once(c, dir, base);
      rows.push(r);
      console.log(
        `${r.who}, in-flight ${c}: wall ${(r.wallMs / 1000).toFixed(1)} s, bound ${(r.boundMs / 1000).toFixed(1)} s, ratio ${(r.wallMs / r.boundMs).toFixed(2)}, CPU ${(r.cpuMs / 1000).toFixed(1)} s (${(r.cpuMs / r.requests).toFixed(2)} ms/attempt), peak RSS ${r.rssMb.toFixed(0)} MB, ${r.requests} HTTP attempts (${r.throttled} throttled), units ${r.units}/${ACCOUNTS * REGIONS}, lost ${r.failed}, resources ${r.resources}, exit ${r.exit}, load ${r.load.toFixed(1)}`,
      );
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const expectedUnits = ACCOUNTS * REGIONS;
const lost = rows.some((r) => r.who === 'this checkout' && (r.units !== expectedUnits || r.failed || r.exit !== 0));
for (const r of rows) for (const l of r.lostReasons) console.log(`  lost (in-flight ${r.concurrency}): ${l}`);
const cmd = `node bin/run-ts.mjs bench/cloud.ts ${args.join(' ')}`.trim();
const md = `# Cloud sweep benchmark (AWS scanner, whole process)

Command: \`${cmd}\`

Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, ${platform()} ${release()}, Node ${process.version}. Run ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC.

What runs: \`shadowscan scan --config cloud.yaml --aws-concurrency N --db … --format json --output …\` as a
child process, from its start to its exit (start-up, the sweep with the real SDK v3 clients, matching,
the SQLite commit, the report); the config gives the sweep's shape (units in progress = ${UNIT_FACTOR} × N,
32 accounts set up at once, adaptive-retry rate floor ${MIN_SEND_RATE} req/s) and the CLI flag merges with it.
The loopback AWS (\`scanners/aws/loopback.ts\`, in its own process, \`bench/cloud-server.ts\`) answers in
each service's documented protocol: ${ACCOUNTS} accounts (Organizations ListAccounts, 20 per page;
AssumeRole per account) × ${REGIONS} enabled regions (EC2 DescribeRegions) = ${expectedUnits} units,
13 control-plane calls per unit (Bedrock, Bedrock Agent, SageMaker, tagging), ${LATENCY} ms latency on
every call, ${Math.round(THROTTLE * 100)} % of calls answered with the service's throttling error.

Yardstick (same run): the concurrency bound = HTTP attempts (throttled ones included) × latency /
in-flight limit, the wall time if every request slot were busy all the time. Target: wall ≤ 1.3 × bound.

| shadowscan | in-flight limit | wall (whole process) | bound | wall / bound | CPU (user + sys) | CPU per attempt | peak RSS | HTTP attempts | throttled | units scanned | units lost | resources | loopback server CPU | load avg (1 min) |
|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|
${rows.map((r) => `| ${r.who} | ${r.concurrency} | ${(r.wallMs / 1000).toFixed(1)} s | ${(r.boundMs / 1000).toFixed(1)} s | **${(r.wallMs / r.boundMs).toFixed(2)}** | ${(r.cpuMs / 1000).toFixed(1)} s | ${(r.cpuMs / r.requests).toFixed(2)} ms | ${r.rssMb.toFixed(0)} MB | ${r.requests} | ${r.throttled} | ${r.units} / ${expectedUnits} | ${expectedUnits - r.units} | ${r.resources} | ${(r.serverCpuMs / 1000).toFixed(1)} s | ${r.load.toFixed(1)} |`).join('\n')}

${lost ? `**Units were lost:**\n\n${rows.flatMap((r) => r.lostReasons.map((l) => `- in-flight ${r.concurrency}: ${l}`)).join('\n') || rows.map((r) => `- in-flight ${r.concurrency}: exit ${r.exit}`).join('\n')}` : 'Zero lost units: every account × region was scanned despite the throttling.'}
`;
if (WRITE) {
  const file = join(root, 'bench/results/cloud.md');
  mkdirSync(dirname(file), { recursive: true });
  const prev = (() => {
    try {
      return readFileSync(file, 'utf8');
    } catch {
      return '';
    }
  })();
  const notes = prev.includes('\n## Notes') ? prev.slice(prev.indexOf('\n## Notes')) : '';
  writeFileSync(file, md + notes);
  console.log(`wrote ${file}`);
}
if (lost) process.exitCode = 1;
