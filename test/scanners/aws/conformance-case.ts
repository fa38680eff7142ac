/**
 * Conformance-suite inputs for the cloud scanners (aws, azure, gcp), ready to be spread into
 * test/scanners/conformance-cases.ts: `...cloudCases`. Each starts a loopback provider and
 * points the SDKs at it through their standard environment settings; close() restores env.
 */
import { join } from 'node:path';
import { startAwsLoopback } from '../../../scanners/aws/loopback.js';
import { startAzureLoopback } from '../../../scanners/azure/loopback.js';
import { startGcpLoopback } from '../../../scanners/gcp/loopback.js';
import { DEV, PROD, estate } from './estate.js';

interface CaseInput {
  options: unknown;
  close?: () => Promise<void>;
}

function setEnv(env: Record<string, string>): () => void {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  return () => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
}

async function aws(faults: Parameters<typeof estate>[0]): Promise<CaseInput> {
  const lb = await startAwsLoopback(estate(faults));
  const restore = setEnv(lb.env);
  return { options: { retryDelayScale: 0.002, minSendRate: 200 }, close: async () => (restore(), lb.close()) };
}

const SUB_A = '00000000-0000-0000-0000-00000000000a';
const SUB_B = '00000000-0000-0000-0000-00000000000b';
async function azure(denied: string[]): Promise<CaseInput> {
  const res = (sub: string, name: string, type: string, kind?: string) => ({ id: `/subscriptions/${sub}/resourceGroups/rg/providers/${type}/${name}`, name, type, kind, location: 'eastus' });
  const lb = await startAzureLoopback({
    faults: { denied },
    subscriptions: {
      [SUB_A]: { resources: [res(SUB_A, 'acct-a', 'Microsoft.CognitiveServices/accounts', 'AIServices'), res(SUB_A, 'ws-a', 'Microsoft.MachineLearningServices/workspaces', 'Hub'), res(SUB_A, 'search-a', 'Microsoft.Search/searchServices')] },
      [SUB_B]: { resources: [res(SUB_B, 'acct-b', 'Microsoft.CognitiveServices/accounts', 'AIServices')] },
    },
  });
  const restore = setEnv(lb.env);
  return { options: { retryDelayInMs: 5 }, close: async () => (restore(), lb.close()) };
}

const GCP_FIX = join(process.cwd(), 'fixtures/cloud/gcp');

export const cloudCases = {
  aws: {
    ok: () => aws({}),
    failingUnit: () => aws({ denied: [`${PROD}:eu-west-1`, `${DEV}:eu-west-1:sagemaker`] }),
    allowedWords: [] as string[],
  },
  azure: {
    ok: () => azure([]),
    failingUnit: () => azure([SUB_B]),
  },
  gcp: {
    ok: async (): Promise<CaseInput> => ({ options: { exportFiles: [join(GCP_FIX, 'asset-export.ndjson'), join(GCP_FIX, 'search-all-resources.json')] } }),
    failingUnit: async (): Promise<CaseInput> => {
      const lb = await startGcpLoopback({ scopes: { 'projects/open-project-1': [] }, faults: { denied: ['projects/closed-project-1'] } });
      const restore = setEnv(lb.env);
      return { options: { projects: ['open-project-1', 'closed-project-1'], retryDelayMs: 1 }, close: async () => (restore(), lb.close()) };
    },
  },
};
