/**
 * Repository-scan benchmark: generates a tree of ≥ 50,000 files (a monorepo of many packages in
 * several languages, ~3 % using AI SDKs), then times `shadowscan scan --repo` (child process,
 * peak RSS) next to ripgrep searching the same tree for the same literal strings (every package,
 * import name, env var and domain in the rules), in the same run, and reports the ratio.
 *   node bin/run-ts.mjs bench/repo.ts [--files 50000] [--repos DIR] [--runs 2]
 * --repos DIR: a tree of real repositories instead (the accuracy corpus: bench/accuracy/clone.sh
 * or materialise.sh write one clone per folder). Whole process: the CLI is a child process from
 * start to exit, its register commit included; `shadowscan --version` is timed in the same run
 * (start-up) and the figures are given with and without it.
 */
import { existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { ruleIndex } from '../src/rules/load.js';
import { arg, machine, timed } from './lib.js';

const FILES = arg('files', 50_000);
const reposArg = process.argv.indexOf('--repos');
const REPOS = reposArg >= 0 ? process.argv[reposArg + 1] : undefined;
const ROOT = REPOS ?? join(process.cwd(), 'bench/.data/repo-tree');
const RUNS = arg('runs', 2);
const out = join(process.cwd(), 'bench/results/repo.md');

function rng(seed: number) {
  let x = seed;
  return () => ((x = (x * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
}

function generate(): { files: number; bytes: number } {
  if (existsSync(join(ROOT, '.complete')) && Number(readdirSync(ROOT).length) > 0) {
    const meta = JSON.parse(readFileSync(join(ROOT, '.complete'), 'utf8'));
    if (meta.files >= FILES) return meta;
  }
  rmSync(ROOT, { recursive: true, force: true });
  const r = rng(42);
  let files = 0;
  let bytes = 0;
  const filler = (n: number) => Array.from({ length: n }, (_, i) => `    value_${i} = compute(value_${i - 1 < 0 ? 0 : i - 1}, ${Math.floor(r() * 1000)})  # step ${i}`).join('\n');
  const put = (p: string, c: string) => {
    mkdirSync(join(p, '..'), { recursive: true });
    writeFileSync(p, c);
    files++;
    bytes += Buffer.byteLength(c);
  };
  let pkg = 0;
  while (files < FILES) {
    const dir = join(ROOT, `packages/pkg-${String(pkg).padStart(4, '0')}`);
    const ai = r() < 0.03;
    const lang = ['py', 'ts', 'go', 'java'][pkg % 4];
    if (lang === 'py') put(join(dir, 'requirements.txt'), `requests==2.32.0\nnumpy==2.1.0\n${ai ? 'openai==1.40.0\n' : ''}`);
    if (lang === 'ts') put(join(dir, 'package.json'), JSON.stringify({ name: `pkg-${pkg}`, dependencies: { express: '^4.19.0', ...(ai ? { '@anthropic-ai/sdk': '^0.30.0' } : {}) } }, null, 2));
    if (lang === 'go') put(join(dir, 'go.mod'), `module example.com/pkg${pkg}\n\ngo 1.22\n\nrequire github.com/go-chi/chi/v5 v5.1.0\n`);
    if (lang === 'java') put(join(dir, 'pom.xml'), `<project><modelVersion>4.0.0</modelVersion><groupId>com.example</groupId><artifactId>pkg${pkg}</artifactId><version>1</version></project>\n`);
    put(join(dir, 'README.md'), `# pkg-${pkg}\n\nInternal package. ${'Lorem ipsum dolor sit amet. '.repeat(8)}\n`);
    for (let i = 0; i < 48 && files < FILES; i++) {
      const ext = lang === 'py' ? 'py' : lang === 'ts' ? 'ts' : lang === 'go' ? 'go' : 'java';
      const aiFile = ai && i === 0;
      let body: string;
      if (ext === 'py') body = `${aiFile ? 'from openai import OpenAI\n' : 'import json\n'}import os\n\ndef handler_${i}(event):\n${filler(20 + Math.floor(r() * 60))}\n    return os.environ.get("HOME")\n`;
      else if (ext === 'ts') body = `${aiFile ? "import Anthropic from '@anthropic-ai/sdk';\n" : "import express from 'express';\n"}export function handler${i}(x: number): number {\n${filler(20 + Math.floor(r() * 60)).replace(/#/g, '//')}\n  return x;\n}\n`;
      else if (ext === 'go') body = `package pkg\n\nimport (\n\t"fmt"\n)\n\nfunc Handler${i}() {\n${filler(20 + Math.floor(r() * 60)).replace(/#/g, '//')}\n\tfmt.Println("ok")\n}\n`;
      else body = `package com.example;\n\nimport java.util.List;\n\npublic class Handler${i} {\n${filler(20 + Math.floor(r() * 60)).replace(/#/g, '//')}\n}\n`;
      put(join(dir, `src/mod${Math.floor(i / 8)}/file_${i}.${ext}`), body);
    }
    pkg++;
  }
  const meta = { files, bytes };
  writeFileSync(join(ROOT, '.complete'), JSON.stringify(meta));
  return meta;
}

function patterns(): string[] {
  const { index } = ruleIndex();
  const set = new Set<string>();
  for (const s of index.services) {
    for (const list of Object.values(s.match.packages)) for (const p of list ?? []) set.add(p);
    for (const list of Object.values(s.match.imports)) for (const p of list ?? []) set.add(p);
    for (const v of s.match.envVars) set.add(v);
  }
  for (const d of index.domainRules()) if (d.kind !== 'template') set.add(d.pattern);
  return [...set].filter((p) => p.length >= 3).sort();
}

/** Files and bytes of a tree as ripgrep sees it (no .git, no hidden, honouring .gitignore): the same files both tools read. */
function census(dir: string): { files: number; bytes: number } {
  let files = 0;
  let bytes = 0;
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.name === '.git') continue;
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) {
        files++;
        bytes += lstatSync(p).size;
      }
    }
  };
  walk(dir);
  return { files, bytes };
}

const { files, bytes } = REPOS ? census(ROOT) : generate();
const pats = patterns();
const patFile = join(process.cwd(), 'bench/.data/repo-patterns.txt');
writeFileSync(patFile, pats.join('\n') + '\n');
const db = join(process.cwd(), 'bench/.data/repo-bench.db');
const load0 = loadavg()[0];
// warm the page cache for both
await timed('rg', ['-F', '-c', '-f', patFile, ROOT]);
type Run = Awaited<ReturnType<typeof timed>>;
const best = (a: Run | undefined, b: Run) => (!a || b.ms < a.ms ? b : a);
let rgRun: Run | undefined;
let ss: Run | undefined;
let start: Run | undefined;
for (let i = 0; i < RUNS; i++) {
  rgRun = best(rgRun, await timed('rg', ['-F', '-c', '-f', patFile, ROOT]));
  start = best(start, await timed(process.execPath, ['bin/shadowscan.mjs', '--version']));
  rmSync(db, { force: true });
  const s = await timed(process.execPath, ['bin/shadowscan.mjs', 'scan', '--repo', ROOT, '--db', db, '--format', 'json', '--output', '/dev/null', '--quiet']);
  if (s.code !== 0 && s.code !== 1) throw new Error('shadowscan failed: ' + s.stderr);
  ss = best(ss, s);
  console.error(`run ${i + 1}: rg ${(rgRun.ms / 1000).toFixed(2)} s, shadowscan ${(s.ms / 1000).toFixed(2)} s (cpu ${(s.cpuMs / 1000).toFixed(1)} s, ${s.maxRssMb.toFixed(0)} MB), --version ${(start.ms / 1000).toFixed(2)} s`);
}
const mb = bytes / 2 ** 20;
const sec = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const line = (name: string, t: Run) => `| ${name} | ${sec(t.ms)} | ${sec(t.cpuMs)} | ${Math.round(files / (t.ms / 1000)).toLocaleString('en')} | ${(mb / (t.ms / 1000)).toFixed(1)} | ${t.maxRssMb.toFixed(0)} MB |`;
const ratio = rgRun!.ms / ss!.ms;
const ratioNet = rgRun!.ms / Math.max(1, ss!.ms - start!.ms);
const input = REPOS
  ? `a folder of ${readdirSync(ROOT).filter((n) => !n.endsWith('.missing')).length} real public repositories pinned by commit (the accuracy corpus, \`${ROOT}\`): ${files.toLocaleString('en')} files, ${mb.toFixed(1)} MiB`
  : `generated monorepo of ${files.toLocaleString('en')} files, ${mb.toFixed(1)} MiB, ~3 % of packages using AI SDKs (\`bench/.data/repo-tree\`)`;
const md = `## Repository scan${REPOS ? ' (real repositories)' : ''}

Command: \`node bin/run-ts.mjs bench/repo.ts ${REPOS ? `--repos ${REPOS}` : `--files ${FILES}`} --runs ${RUNS}\` (best of ${RUNS}), run on ${new Date().toISOString().slice(0, 10)}.
Machine: ${machine()}; load average at start ${load0.toFixed(1)} (shared machine: wall figures are pessimistic, compare the ratio).
Input: ${input}.
Baseline: \`rg -F -c -f <${pats.length} literal strings: every package, import, env var and domain in the rules>\` on the same tree, same run, warm page cache.
Whole process: \`shadowscan scan --repo\` as a child process from start to exit (walk, read and parse in worker threads, secrets, match, reconcile, SQLite commit); \`shadowscan --version\` in the same run is the start-up (the compiled build in dist/).

| tool | wall | CPU (user+sys) | files/s | MiB/s | peak RSS |
|---|---|---|---|---|---|
${line('ripgrep (literal search only)', rgRun!)}
${line('shadowscan --version (start-up only)', start!)}
${line('shadowscan scan --repo (whole process)', ss!)}

Ratio ripgrep wall / shadowscan wall: **${ratio.toFixed(2)}×** whole process; **${ratioNet.toFixed(2)}×** without the start-up (${sec(ss!.ms - start!.ms)}).
Ratio ripgrep CPU / shadowscan CPU: **${(rgRun!.cpuMs / ss!.cpuMs).toFixed(2)}×** whole process (the figure that survives a loaded machine).
`;
writeFileSync(out, md);
process.stdout.write(md);
