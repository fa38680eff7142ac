/**
 * Shared by the cloud scanner tests: a rules folder written by the test (so tests do not
 * depend on the bundled catalog), a scan context and the standard recording sink.
 */
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RecordingSink } from '../../../src/collect/sink.js';
import { silentLogger } from '../../../src/collect/run.js';
import type { Observation, ScanContext } from '../../../src/core/types.js';
import { RuleIndex } from '../../../src/rules/compile.js';
import { loadRules } from '../../../src/rules/load.js';

export const TEST_RULES: Record<string, string> = {
  'test-model-platform': `id: test-model-platform
name: Test model platform
vendor: Test vendor A
category: llm-platform
match:
  cloud:
    aws:
      resourceTypes: [bedrock:custom-model, bedrock:imported-model, bedrock:provisioned-model, bedrock:application-inference-profile, bedrock:guardrail, bedrock:agent, bedrock:knowledge-base]
`,
  'test-ml-platform': `id: test-ml-platform
name: Test ML platform
vendor: Test vendor A
category: ml-platform
match:
  cloud:
    aws:
      resourceTypes: [sagemaker:endpoint, sagemaker:model, sagemaker:notebook-instance, sagemaker:domain]
`,
  'test-search': `id: test-search
name: Test enterprise search
vendor: Test vendor A
category: ai-search
match:
  cloud:
    aws:
      resourceTypes: [kendra:index]
    azure:
      - type: Microsoft.Search/searchServices
`,
  'test-azure-models': `id: test-azure-models
name: Test hosted models
vendor: Test vendor B
category: llm-platform
match:
  cloud:
    azure:
      - type: Microsoft.CognitiveServices/accounts
        kinds: [OpenAI, AIServices]
      - type: Microsoft.CognitiveServices/accounts/deployments
`,
  'test-azure-ml': `id: test-azure-ml
name: Test ML workspaces
vendor: Test vendor B
category: ml-platform
match:
  cloud:
    azure:
      - type: Microsoft.MachineLearningServices/workspaces
`,
  'test-gcp-ml': `id: test-gcp-ml
name: Test GCP ML
vendor: Test vendor C
category: ml-platform
match:
  cloud:
    gcp:
      assetTypes: [aiplatform.googleapis.com/Endpoint, aiplatform.googleapis.com/Model, aiplatform.googleapis.com/Dataset, notebooks.googleapis.com/Instance]
`,
};

export function testRules(): RuleIndex {
  const dir = mkdtempSync(join(tmpdir(), 'shadowscan-cloud-rules-'));
  mkdirSync(join(dir, 'services'));
  for (const [id, text] of Object.entries(TEST_RULES)) writeFileSync(join(dir, 'services', `${id}.yaml`), text);
  const loaded = loadRules([dir], { builtin: false });
  return new RuleIndex(loaded.services, loaded.modelFormats);
}

export function context<O>(options: O, rules: RuleIndex, signal?: AbortSignal): ScanContext<O> {
  const state = new Map<string, unknown>();
  return {
    options,
    rules,
    signal: signal ?? new AbortController().signal,
    now: () => new Date('2025-06-01T00:00:00Z'),
    log: silentLogger,
    state: { get: <T>(k: string) => state.get(k) as T | undefined, set: (k, v) => void state.set(k, v) },
    full: false,
  };
}

export function sink(scanner: string): { sink: RecordingSink; observations: Observation[] } {
  const observations: Observation[] = [];
  return { sink: new RecordingSink(scanner, (o) => observations.push(o)), observations };
}

/** Runs fn with env vars set, restoring them afterwards. */
export async function withEnv<T>(env: Record<string, string | undefined>, fn: () => Promise<T>): Promise<T> {
  const saved: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(env)) {
    saved[k] = process.env[k];
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  try {
    return await fn();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}
