import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RecordingSink } from '../../../src/collect/sink.js';
import { silentLogger } from '../../../src/collect/run.js';
import type { Coverage, Observation, ScanContext } from '../../../src/core/types.js';
import { RuleIndex } from '../../../src/rules/compile.js';
import { loadRules } from '../../../src/rules/load.js';
import { optionsSchema, type RepoOptions } from '../../../scanners/repo/index.js';
import { scan, type ScanDeps } from '../../../scanners/repo/scan.js';
import type { FileParser, ParsedObservation } from '../../../scanners/repo/parsers/types.js';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const FIXTURES = join(ROOT, 'fixtures/repo');

let cached: RuleIndex | undefined;
/** The test-only rules (fictional Acme services) — independent of the bundled catalog. */
export function testRules(): RuleIndex {
  if (!cached) {
    const l = loadRules([join(FIXTURES, 'rules')], { builtin: false });
    cached = new RuleIndex(l.services, l.modelFormats);
  }
  return cached;
}

export interface ParserRun {
  obs: ParsedObservation[];
  problems: Array<{ message: string; line?: number }>;
}

/** Runs one parser on a fixture file (path relative to fixtures/repo/manifests). */
export function runParser(p: FileParser, fixture: string, relPath?: string): ParserRun {
  const file = join(FIXTURES, 'manifests', fixture);
  const text = readFileSync(file, 'utf8');
  return runParserText(p, text, relPath ?? fixture.split('/').pop()!);
}

export function runParserText(p: FileParser, text: string, relPath: string): ParserRun {
  const out: ParserRun = { obs: [], problems: [] };
  const name = relPath.slice(relPath.lastIndexOf('/') + 1);
  p.parse({ relPath, name, text, size: Buffer.byteLength(text), rules: testRules(), emit: (o) => out.obs.push(o), problem: (message, line) => out.problems.push({ message, line }) });
  return out;
}

/** Creates files under a new temp folder: { 'a/b.txt': 'content' | Buffer }. */
export function tree(spec: Record<string, string | Buffer>, root = mkdtempSync(join(tmpdir(), 'shadowscan-repo-'))): string {
  for (const [p, content] of Object.entries(spec)) {
    const f = join(root, p);
    mkdirSync(dirname(f), { recursive: true });
    writeFileSync(f, content);
  }
  return root;
}

export function rmTree(root: string): void {
  rmSync(root, { recursive: true, force: true });
}

/** Every file under `dir` smaller than `maxBytes`, recursively, in directory order. */
export function filesUnder(dir: string, maxBytes = 1 << 20): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    const st = statSync(p);
    if (st.isDirectory()) out.push(...filesUnder(p, maxBytes));
    else if (st.size < maxBytes) out.push(p);
  }
  return out;
}

export interface ScanResult {
  observations: Observation[];
  coverage: Coverage;
  progress: number;
}

export async function runScan(options: Partial<RepoOptions> & { paths: string[] }, opts: { rules?: RuleIndex; signal?: AbortSignal; deps?: ScanDeps; onObserve?: (o: Observation) => void; debug?: (msg: string) => void } = {}): Promise<ScanResult> {
  const observations: Observation[] = [];
  let progress = 0;
  const sink = new RecordingSink(
    'repo',
    (o) => {
      observations.push(o);
      opts.onObserve?.(o);
    },
    () => progress++,
  );
  const ctx: ScanContext<RepoOptions> = {
    options: optionsSchema.parse(options),
    rules: opts.rules ?? testRules(),
    signal: opts.signal ?? new AbortController().signal,
    now: () => new Date('2025-01-01T00:00:00Z'),
    log: opts.debug ? { ...silentLogger, debug: opts.debug } : silentLogger,
    state: { get: () => undefined, set: () => undefined },
    full: false,
  };
  const coverage = await scan(ctx, sink, opts.deps);
  return { observations, coverage, progress };
}

/** A fictional key in the shape of the test rule `acme-llm-key` (assembled so no full key sits in source). */
export const ACME_KEY = 'acmk-' + 'Zx81qLmN0pQrStUv' + 'WxYz7205318946AbCdEfGhIj';

/** Adds a `.git` folder with a config whose origin is `url` (git is not needed). */
export function fakeGit(dir: string, url?: string): void {
  mkdirSync(join(dir, '.git', 'info'), { recursive: true });
  writeFileSync(join(dir, '.git', 'HEAD'), 'ref: refs/heads/main\n');
  writeFileSync(
    join(dir, '.git', 'config'),
    `[core]\n\trepositoryformatversion = 0\n${url ? `[remote "origin"]\n\turl = ${url}\n\tfetch = +refs/heads/*:refs/remotes/origin/*\n` : ''}[branch "main"]\n\tremote = origin\n`,
  );
}
