/**
 * Test helpers: a small, stable rules folder (the bundled catalog changes in parallel), and a
 * runner that goes through the real collect() with a real state object between runs.
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { afterAll } from 'vitest';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Readable } from 'node:stream';
import { loadRules } from '../../../src/rules/load.js';
import { RuleIndex } from '../../../src/rules/compile.js';
import { collect, type CollectResult } from '../../../src/collect/run.js';
import { RecordingSink } from '../../../src/collect/sink.js';
import type { Observation, Coverage } from '../../../src/core/types.js';
import { egressScanner } from '../../../scanners/egress/index.js';
import { scanEgress } from '../../../scanners/egress/scan.js';
import type { EgressOptions } from '../../../scanners/egress/options.js';

const here = dirname(fileURLToPath(import.meta.url));
export const ROOT = resolve(here, '../../..');
export const FIXTURES = join(ROOT, 'fixtures/egress');
/** Public corpus samples, copied from the project's reference corpus with their sources (fixtures/corpus/egress/SOURCES.md). */
export const CORPUS = resolve(ROOT, 'fixtures/corpus/egress');

const RULES: Record<string, string> = {
  't-openai': `id: t-openai
name: Test OpenAI
vendor: Vendor A
category: llm-api
match:
  domains:
    - host: api.openai.com
    - suffix: openai.com
    - suffix: chatgpt.com
`,
  't-anthropic': `id: t-anthropic
name: Test Anthropic
vendor: Vendor B
category: llm-api
match:
  domains:
    - suffix: anthropic.com
    - suffix: claude.ai
`,
  't-meeting': `id: t-meeting
name: Test Meeting Assistant
vendor: Vendor C
category: meeting-assistant
match:
  domains:
    - suffix: otter.ai
`,
  't-hub': `id: t-hub
name: Test Model Hub
vendor: Vendor D
category: model-hub
match:
  domains:
    - suffix: huggingface.co
`,
  't-azure': `id: t-azure
name: Test Azure OpenAI
vendor: Vendor E
category: llm-api
match:
  domains:
    - template: "{resource}.openai.azure.com"
`,
  't-edge-ai': `id: t-edge-ai
name: Test Edge AI
vendor: Vendor F
category: llm-api
match:
  domains:
    - host: api.cloudflare.com
      shared: true
      paths: ["/client/v4/accounts/{account}/ai/"]
`,
  't-idn': `id: t-idn
name: Test IDN AI
vendor: Vendor G
category: llm-api
match:
  domains:
    - suffix: "bücher-ki.example"
`,
};

let cached: RuleIndex | undefined;
export function testRules(): RuleIndex {
  if (cached) return cached;
  const dir = tmp('egress-rules-');
  mkdirSync(join(dir, 'services'));
  for (const [id, y] of Object.entries(RULES)) writeFileSync(join(dir, 'services', `${id}.yaml`), y);
  const loaded = loadRules([dir], { builtin: false });
  cached = new RuleIndex(loaded.services, loaded.modelFormats);
  return cached;
}

/** Temporary folders of the test file, removed once its tests are done (nothing is left in the temp dir). */
const made: string[] = [];
afterAll(() => {
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
});

export function tmp(prefix = 'egress-'): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  made.push(d);
  return d;
}

export interface RunOpts {
  state?: Record<string, Record<string, unknown>>;
  full?: boolean;
}

/** Through the real collect(): returns observations, coverage and the state to pass to the next run. */
export async function run(options: Partial<EgressOptions> & { paths: string[] }, o: RunOpts = {}): Promise<CollectResult & { cov: Coverage; obs: Observation[]; nextState: Record<string, Record<string, unknown>> }> {
  const r = await collect([{ scanner: egressScanner, options: { workers: 0, ...options } }], {
    rules: testRules(),
    state: o.state,
    full: o.full,
    now: () => new Date('2025-03-01T00:00:00Z'),
  });
  const nextState = { ...(o.state ?? {}) };
  nextState.egress = { ...(o.state?.egress ?? {}), ...r.state.egress };
  return { ...r, cov: r.coverage[0], obs: r.observations, nextState };
}

/** Direct scan with an injected stdin. */
export async function runStdin(data: Buffer | string, options: Partial<EgressOptions> = {}) {
  const obs: Observation[] = [];
  const sink = new RecordingSink('egress', (x) => obs.push(x));
  const store: Record<string, unknown> = {};
  const cov = await scanEgress(
    {
      options: { paths: ['-'], workers: 0, ...options },
      rules: testRules(),
      signal: new AbortController().signal,
      now: () => new Date('2025-03-01T00:00:00Z'),
      log: { debug() {}, info() {}, warn() {} },
      state: { get: (k) => store[k] as never, set: (k, v) => void (store[k] = v) },
      full: false,
    },
    sink,
    { stdin: () => Readable.from([Buffer.isBuffer(data) ? data : Buffer.from(data)]) },
  );
  return { obs, cov };
}

/** Observations keyed `subjectKind:subjectId host` for compact assertions. */
export function byPair(obs: Observation[]): Record<string, Observation> {
  const out: Record<string, Observation> = {};
  for (const x of obs) out[`${x.subject.kind}:${x.subject.id} ${x.value}${x.attrs?.path ? ' ' + x.attrs.path : ''}`] = x;
  return out;
}
