/**
 * Accuracy benchmark: scans every repository of bench/accuracy/labels.yaml (a folder of clones at
 * their pinned commits) with the repo scanner and the bundled rules, and scores the predicted
 * items — services per repository whose evidence basis is `usage` (src/resolve/basis.ts) —
 * against the hand labels. Prints precision / recall overall, per split (dev / holdout), per
 * ecosystem and per signal, and writes bench/results/accuracy.md.
 *
 *   npm run bench:accuracy -- --repos DIR [--split dev|holdout] [--verbose]
 *
 * DIR holds one folder per repository, named `<owner>+<name>` (bench/accuracy/clone.sh clones
 * them; bench/accuracy/materialise.sh writes them from local mirrors) or `<name>`.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { collect, silentLogger } from '../../src/collect/run.js';
import type { Finding } from '../../src/core/types.js';
import { matchAll } from '../../src/match/match.js';
import { evidenceBasis } from '../../src/resolve/basis.js';
import { ruleIndex } from '../../src/rules/load.js';
import { repoScanner } from '../../scanners/repo/index.js';

const HERE = dirname(fileURLToPath(import.meta.url));

interface LabelService {
  id: string;
  evidence: string;
  signal: string;
}
interface Label {
  repo: string;
  commit: string;
  ecosystem: string;
  split: 'dev' | 'holdout';
  control?: boolean;
  services: LabelService[];
  ignore?: Array<{ id: string; reason: string }>;
}

function argOf(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const KIND_SIGNAL: Record<string, string> = {
  package: 'dependency', import: 'import', url: 'api-url', host: 'api-url', 'env-var': 'env-var', 'iac-resource': 'iac',
  'container-image': 'image', 'agent-config': 'agent-config', credential: 'credential', 'model-artifact': 'model', literal: 'request-contract',
};

export interface Tally {
  tp: number;
  fp: number;
  fn: number;
}
const tally = (): Tally => ({ tp: 0, fp: 0, fn: 0 });
export const precision = (t: Tally) => (t.tp + t.fp ? t.tp / (t.tp + t.fp) : 1);
export const recall = (t: Tally) => (t.tp + t.fn ? t.tp / (t.tp + t.fn) : 1);

function repoDir(root: string, repo: string): string | undefined {
  const [, owner, name] = repo.split('/');
  for (const c of [`${owner}+${name}`, name]) if (existsSync(join(root, c))) return join(root, c);
  return undefined;
}

async function main(): Promise<void> {
  const reposRoot = resolve(argOf('repos') ?? join(HERE, '../.data/accuracy-repos'));
  const onlySplit = argOf('split');
  const verbose = process.argv.includes('--verbose');
  const labels = (parse(readFileSync(join(HERE, 'labels.yaml'), 'utf8')) as Label[]).filter((l) => !onlySplit || l.split === onlySplit);
  const { index: rules } = ruleIndex();
  const groups = new Map<string, Tally>();
  const add = (key: string, k: keyof Tally) => {
    const t = groups.get(key) ?? tally();
    t[k]++;
    groups.set(key, t);
  };
  const misses: string[] = [];
  const missing: string[] = [];
  const started = Date.now();
  let findingsTotal = 0;
  let candidates = 0;
  for (const l of labels) {
    const dir = repoDir(reposRoot, l.repo);
    if (!dir) {
      missing.push(l.repo);
      continue;
    }
    const res = await collect([{ scanner: repoScanner, options: { paths: [dir] } }], { rules, log: silentLogger });
    const findings = matchAll(rules, res.observations);
    findingsTotal += findings.length;
    const byService = new Map<string, Finding[]>();
    for (const f of findings) (byService.get(f.service) ?? byService.set(f.service, []).get(f.service)!).push(f);
    const predicted = new Map<string, { reason: string; signal: string }>();
    for (const [svc, fs] of byService) {
      const b = evidenceBasis(fs);
      if (b.basis === 'usage') {
        const kind = b.reason.startsWith('declared dependency') ? 'package' : fs.find((f) => b.reason.endsWith(` at ${f.locator}`))?.kind ?? fs[0].kind;
        predicted.set(svc, { reason: b.reason, signal: KIND_SIGNAL[kind] ?? kind });
      } else {
        candidates++;
        if (verbose && l.services.some((s) => s.id === svc)) misses.push(`  candidate ${l.repo} ${svc}: ${b.reason}`);
      }
    }
    const ignored = new Set((l.ignore ?? []).map((i) => i.id));
    const want = new Map(l.services.map((s) => [s.id, s]));
    const keys = (signal: string) => ['all', `split:${l.split}`, `eco:${l.ecosystem}`, `signal:${signal}`, ...(l.control ? ['controls'] : [])];
    for (const [svc, s] of want) {
      const k: keyof Tally = predicted.has(svc) ? 'tp' : 'fn';
      for (const key of keys(s.signal)) add(key, k);
      if (k === 'fn') misses.push(`FN ${l.split} ${l.repo} ${svc} (${s.evidence})`);
    }
    for (const [svc, p] of predicted) {
      if (want.has(svc) || ignored.has(svc)) continue;
      for (const key of keys(p.signal)) add(key, 'fp');
      misses.push(`FP ${l.split} ${l.repo} ${svc}: ${p.reason}`);
    }
  }
  const secs = (Date.now() - started) / 1000;
  const row = (name: string, t: Tally) => `| ${name} | ${t.tp} | ${t.fp} | ${t.fn} | ${precision(t).toFixed(3)} | ${recall(t).toFixed(3)} |`;
  const head = '| group | TP | FP | FN | precision | recall |\n|---|---:|---:|---:|---:|---:|';
  const section = (prefix: string) =>
    [...groups.entries()].filter(([k]) => k.startsWith(prefix)).sort(([a], [b]) => a.localeCompare(b)).map(([k, t]) => row(k.slice(prefix.length), t)).join('\n');
  const repos = labels.length - missing.length;
  const eco = new Set(labels.map((l) => l.ecosystem)).size;
  const controls = labels.filter((l) => l.control).length;
  const md = [
    `### Repository accuracy (\`npm run bench:accuracy\`)`,
    '',
    `${repos} public repositories pinned by commit (${controls} look-alike controls, ${eco} ecosystems), labelled by hand before scanning (bench/accuracy/labels.yaml, rules in bench/accuracy/LABELS.md). An item is a service per repository; predictions are items whose evidence basis is \`usage\`. ${findingsTotal} findings, ${candidates} candidate items (not predictions); scan ${secs.toFixed(1)} s.`,
    '',
    head,
    row('**all**', groups.get('all') ?? tally()),
    section('split:'),
    ...(groups.has('controls') ? [row('controls (look-alikes)', groups.get('controls')!)] : []),
    '',
    '**Per ecosystem**',
    '',
    head,
    section('eco:'),
    '',
    '**Per signal** (a miss counts under the label\'s signal, a false positive under the evidence it was predicted from)',
    '',
    head,
    section('signal:'),
    '',
  ].join('\n');
  console.log(md);
  if (misses.length) console.log(['Misses:', ...misses.sort()].join('\n'));
  if (missing.length) console.error(`bench:accuracy: ${missing.length} repositories not found under ${reposRoot}: ${missing.join(', ')} (run bench/accuracy/clone.sh or materialise.sh)`);
  if (!onlySplit && !missing.length) {
    mkdirSync(join(HERE, '../results'), { recursive: true });
    writeFileSync(join(HERE, '../results/accuracy.md'), md + (misses.length ? `\nMisses:\n\n${misses.sort().map((m) => `- ${m}`).join('\n')}\n` : ''));
  }
  if (missing.length) process.exitCode = 1;
}

await main();
