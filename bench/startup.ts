/**
 * Start-up benchmark (issue 12): the whole CLI process, as a user runs it, from start to exit —
 * `--version`, `--help`, a scan of an empty folder (fresh register each run, and again with a
 * register that exists), the same scan with a cold rule cache, and the issue-16 input (one 2 MB
 * requirements line) — next to `node -e 0` as the yardstick, all interleaved round-robin in the
 * same run (hyperfine-like: warm-up, N runs, median). Targets: `--version` ≤ 0.3 s, empty-folder
 * scan ≤ 0.6 s. Also records where the time goes (V8 CPU profiles, summarised) and, once, the
 * TypeScript-through-tsx launcher for comparison.
 *
 *   npm run bench -- startup                 (15 runs per case)
 *   node bin/run-ts.mjs bench/startup.ts --runs 5 [--builders]
 *
 * --builders also measures the builder choice (esbuild bundle vs `tsc` emit, same cases) and
 * writes bench/results/startup-builder.md.
 */
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { arg, machine } from './lib.js';

const ROOT = resolve(import.meta.dirname, '..');
const RUNS = arg('runs', 15);
const work = mkdtempSync(join(tmpdir(), 'shadowscan-startup-'));
const empty = join(work, 'empty');
mkdirSync(empty);
const longLine = join(work, 'long-line');
mkdirSync(longLine);
writeFileSync(join(longLine, 'requirements.txt'), `openai${' '.repeat(2_000_000)}x\n`);

interface Sample {
  wallMs: number;
  cpuMs: number;
  rssMb: number;
  code: number | null;
}

/** One process under GNU time: wall from spawn to exit, user+sys CPU and peak RSS. */
function once(argv: string[], env: NodeJS.ProcessEnv = {}): Promise<Sample> {
  return new Promise((res, rej) => {
    const t0 = performance.now();
    const p = spawn('/usr/bin/time', ['-f', '__T %U %S %M', ...argv], { cwd: work, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d) => (err += d));
    p.on('error', rej);
    p.on('close', (code) => {
      const wallMs = performance.now() - t0;
      const m = /__T ([\d.]+) ([\d.]+) (\d+)/.exec(err);
      if (!m) return rej(new Error(`no timing for ${argv.join(' ')}: ${err.slice(0, 300)}`));
      res({ wallMs, cpuMs: (Number(m[1]) + Number(m[2])) * 1000, rssMb: Number(m[3]) / 1024, code });
    });
  });
}

interface Case {
  name: string;
  argv: () => string[];
  env?: () => NodeJS.ProcessEnv;
  target?: number;
  /** exit codes that are a success for this case */
  ok?: number[];
}

const node = process.execPath;
const cli = (bin: string) => [node, bin];
let dbN = 0;
const freshDb = () => join(work, `fresh-${dbN++}.db`);
const keptDb = join(work, 'kept.db');

function cases(bin: string, label = ''): Case[] {
  return [
    { name: `${label}shadowscan --version`, argv: () => [...cli(bin), '--version'], target: 300 },
    { name: `${label}shadowscan --help`, argv: () => [...cli(bin), '--help'] },
    { name: `${label}scan of an empty folder (new register)`, argv: () => [...cli(bin), 'scan', '--repo', empty, '--db', freshDb(), '--quiet'], target: 600 },
    { name: `${label}scan of an empty folder (existing register)`, argv: () => [...cli(bin), 'scan', '--repo', empty, '--db', keptDb, '--quiet'], target: 600 },
    {
      name: `${label}scan of an empty folder, cold rule cache`,
      argv: () => [...cli(bin), 'scan', '--repo', empty, '--db', freshDb(), '--quiet'],
      env: () => ({ SHADOWSCAN_CACHE_DIR: mkdtempSync(join(work, 'cache-')) }),
    },
    { name: `${label}scan --repo with one 2 MB requirements line (issue 16)`, argv: () => [...cli(bin), 'scan', '--repo', longLine, '--db', freshDb(), '--quiet'], target: 2000 },
  ];
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Round-robin: every case (and the yardstick) once per round, so load changes hit all alike. */
async function measure(list: Case[], runs: number): Promise<Map<string, Sample[]>> {
  const yard: Case = { name: 'yardstick: node -e 0', argv: () => [node, '-e', '0'] };
  const all = [yard, ...list];
  const out = new Map<string, Sample[]>(all.map((c) => [c.name, []]));
  for (const c of all) {
    const w = await once(c.argv(), c.env?.()); // warm-up (page cache, rule cache, build)
    if (!(c.ok ?? [0]).includes(w.code ?? -1)) throw new Error(`${c.name}: exit ${w.code}`);
  }
  for (let r = 0; r < runs; r++) for (const c of all) out.get(c.name)!.push(await once(c.argv(), c.env?.()));
  return out;
}

function table(res: Map<string, Sample[]>, targets: Map<string, number | undefined>): string {
  const yard = res.get('yardstick: node -e 0')!;
  const y = median(yard.map((s) => s.wallMs));
  const yc = median(yard.map((s) => s.cpuMs));
  const rows = ['| Case | Median wall | Min wall | Median CPU (user+sys) | Peak RSS | Wall / yardstick | Target | Met (median) |', '|---|---:|---:|---:|---:|---:|---|---|'];
  for (const [name, ss] of res) {
    const w = median(ss.map((s) => s.wallMs));
    const t = targets.get(name);
    rows.push(
      `| ${name} | ${(w / 1000).toFixed(3)} s | ${(Math.min(...ss.map((s) => s.wallMs)) / 1000).toFixed(3)} s | ${(median(ss.map((s) => s.cpuMs)) / 1000).toFixed(3)} s | ${Math.max(...ss.map((s) => s.rssMb)).toFixed(0)} MB | ${name.startsWith('yardstick') ? '1.00×' : `${(w / y).toFixed(2)}×`} | ${t ? `≤ ${(t / 1000).toFixed(1)} s` : ''} | ${t ? (w <= t ? 'yes' : 'no') : ''} |`,
    );
  }
  rows.push('', `Yardstick median: ${(y / 1000).toFixed(3)} s wall, ${(yc / 1000).toFixed(3)} s CPU.`);
  return rows.join('\n');
}

function loadavg(): string {
  try {
    return execFileSync('cat', ['/proc/loadavg'], { encoding: 'utf8' }).trim().split(' ').slice(0, 3).join(' ');
  } catch {
    return 'unknown';
  }
}

/** CPU profile of one run, summarised per package / chunk by bench/profile-summary.mjs. */
function profile(argv: string[]): string {
  const dir = mkdtempSync(join(work, 'prof-'));
  execFileSync(node, ['--cpu-prof', `--cpu-prof-dir=${dir}`, ...argv.slice(1)], { cwd: work, stdio: 'ignore' });
  const file = join(dir, readdirSync(dir).find((f) => f.endsWith('.cpuprofile'))!);
  return execFileSync(node, [join(ROOT, 'bench', 'profile-summary.mjs'), file, '12'], { encoding: 'utf8' }).trim();
}

const bin = join(ROOT, 'bin', 'shadowscan.mjs');
execFileSync(node, [join(ROOT, 'bin', 'build.mjs'), '--quiet'], { cwd: ROOT, stdio: 'inherit' });
const load0 = loadavg();
const list = cases(bin);
const res = await measure(list, RUNS);
const load1 = loadavg();
// the previous launcher (TypeScript through tsx on every run), a few runs for the before/after
const tsxList: Case[] = [{ name: '--version, TypeScript through tsx (the launcher fallback, SHADOWSCAN_FROM_SOURCE=1)', argv: () => [...cli(bin), '--version'], env: () => ({ SHADOWSCAN_FROM_SOURCE: '1' }) }];
const tsxRes = await measure(tsxList, Math.min(RUNS, 5));
const targets = new Map<string, number | undefined>(list.map((c) => [c.name, c.target]));

const md = [
  '## Start-up (whole process)',
  '',
  `Command: \`npm run bench -- startup\` (\`node bin/run-ts.mjs bench/startup.ts --runs ${RUNS}\`). Machine: ${machine()}; load average ${load0} before, ${load1} after (the machine is shared: compare the ratio to the yardstick, measured in the same rounds).`,
  'The targets are wall times on an otherwise idle machine; under the load above even the yardstick `node -e 0` takes the time shown below (0.15 s on this machine at load average 3), so the comparable figures are the CPU column and the ratio to the yardstick.',
  `Each case is the CLI as a child process (\`node bin/shadowscan.mjs …\`, the compiled build in dist/) from spawn to exit, with its register writes; one warm-up, then ${RUNS} rounds, each running every case once (round-robin). CPU and peak RSS from GNU time. Inputs: an empty folder; a folder with one \`requirements.txt\` of one 2,000,007-byte line.`,
  '',
  table(res, targets),
  '',
  `TypeScript through tsx, as every run was before this build (today's sources, so --version already skips the command modules; same machine, interleaved with its own yardstick, ${Math.min(RUNS, 5)} runs):`,
  '',
  table(tsxRes, new Map()),
  '',
  '### Where the time goes (one profiled run each, `node --cpu-prof`, self time by package / chunk)',
  '',
  '`shadowscan --version`:',
  '',
  '```',
  profile([...cli(bin), '--version']),
  '```',
  '',
  '`scan --repo <empty folder>` (new register):',
  '',
  '```',
  profile([...cli(bin), 'scan', '--repo', empty, '--db', freshDb(), '--quiet']),
  '```',
].join('\n');
mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
const builderFile = join(ROOT, 'bench', 'results', 'startup-builder.md');
const writeResults = () => {
  // the builder comparison (--builders, slow: a full tsc emit) is kept from its last run
  const builder = existsSync(builderFile) ? `\n\n${readFileSync(builderFile, 'utf8').trim().replace(/^## /, '### ')}` : '';
  writeFileSync(join(ROOT, 'bench', 'results', 'startup.md'), `${md}${builder}\n`);
};
process.stdout.write(`${md}\n`);

if (process.argv.includes('--builders')) {
  // tsc emit of the same sources (one file per module, no bundling) against the esbuild bundle
  const out = join(work, 'tsc');
  mkdirSync(out);
  const t0 = performance.now();
  execFileSync(node, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(ROOT, 'tsconfig.json'), '--noEmit', 'false', '--outDir', out, '--rootDir', ROOT, '--sourceMap', 'false'], { cwd: ROOT, stdio: 'inherit' });
  const tscMs = performance.now() - t0;
  for (const d of ['rules', 'fixtures', 'node_modules']) {
    rmSync(join(out, d), { recursive: true, force: true }); // tsc emits rules/tools/*.js: the YAML is needed
    symlinkSync(join(ROOT, d), join(out, d));
  }
  cpSync(join(ROOT, 'package.json'), join(out, 'package.json'));
  const launcher = join(out, 'run.mjs');
  writeFileSync(launcher, "process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';\nconst { main } = await import('./src/cli/main.js');\nprocess.exitCode = await main(process.argv.slice(2));\n");
  const t1 = performance.now();
  execFileSync(node, [join(ROOT, 'bin', 'build.mjs'), '--quiet'], { cwd: ROOT, stdio: 'inherit' });
  const esbuildMs = performance.now() - t1;
  const pick = (l: Case[]) => l.filter((c) => /--version|--help|new register\)$/.test(c.name));
  const both = [...pick(cases(bin, 'esbuild bundle: ')), ...pick(cases(launcher, 'tsc emit: '))];
  const r = await measure(both, RUNS);
  const bmd = [
    '## Builder choice: esbuild bundle vs tsc emit',
    '',
    `Command: \`node bin/run-ts.mjs bench/startup.ts --runs ${RUNS} --builders\`. Machine: ${machine()}; load average ${loadavg()}.`,
    `Build time: esbuild ${(esbuildMs / 1000).toFixed(1)} s (bundle with code splitting, node_modules partly bundled), tsc ${(tscMs / 1000).toFixed(1)} s (one .js per .ts, type-checks too). Same cases, interleaved in the same rounds:`,
    '',
    table(r, new Map()),
  ].join('\n');
  writeFileSync(builderFile, `${bmd}\n`);
  process.stdout.write(`\n${bmd}\n`);
}
writeResults();
rmSync(work, { recursive: true, force: true });
if (existsSync(work)) process.stderr.write(`bench: could not remove ${work}\n`);
