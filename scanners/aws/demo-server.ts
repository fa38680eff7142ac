/**
 * The demo estate's cloud: a recorded AWS account and Azure subscription served on loopback
 * (fixtures/demo/cloud/*.json) plus a Cloud Asset Inventory export, so `npm start` shows
 * cloud items without credentials. The demo runner calls startDemoCloud(), applies `env` to
 * process.env for the duration of the scan, runs the cloud scanners with `options`, then
 * close()s.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startAwsLoopback, type AwsEstate } from './loopback.js';
import { startAzureLoopback, type AzureEstate } from '../azure/loopback.js';

export const DEMO_CLOUD_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../fixtures/demo/cloud');

export interface DemoCloud {
  /** AWS_ENDPOINT_URL + static demo keys + AWS_REGION; AZURE_RESOURCE_MANAGER_ENDPOINT + AZURE_ACCESS_TOKEN + SHADOWSCAN_AZURE_CA_FILE. */
  env: Record<string, string>;
  /** Options for the aws, azure and gcp scanners (validated by their schemas). */
  options: { aws: Record<string, unknown>; azure: Record<string, unknown>; gcp: Record<string, unknown> };
  close(): Promise<void>;
}

export async function startDemoCloud(): Promise<DemoCloud> {
  const aws = await startAwsLoopback(JSON.parse(readFileSync(join(DEMO_CLOUD_DIR, 'aws.json'), 'utf8')) as AwsEstate);
  const azure = await startAzureLoopback(JSON.parse(readFileSync(join(DEMO_CLOUD_DIR, 'azure.json'), 'utf8')) as AzureEstate).catch(async (e) => {
    await aws.close();
    throw e;
  });
  return {
    env: { ...aws.env, ...azure.env },
    options: {
      aws: { endpoint: aws.url, organization: false },
      azure: { endpoint: azure.url, caFile: azure.caFile },
      gcp: { exportFiles: [join(DEMO_CLOUD_DIR, 'gcp-assets.ndjson')] },
    },
    close: async () => {
      await Promise.all([aws.close(), azure.close()]);
    },
  };
}
