/** The estate of the cloud benchmark: accounts × regions with a few SageMaker endpoints scattered (every 7th unit). */
import type { AwsEstate } from '../scanners/aws/loopback.js';

export const REGION_NAMES = ['us-east-1', 'us-east-2', 'us-west-1', 'us-west-2', 'ca-central-1', 'eu-west-1', 'eu-west-2', 'eu-west-3', 'eu-central-1', 'eu-north-1', 'ap-south-1', 'ap-northeast-1', 'ap-northeast-2', 'ap-northeast-3', 'ap-southeast-1', 'ap-southeast-2', 'sa-east-1'];

export function buildEstate(o: { accounts: number; regions: number; latencyMs: number; throttleRate: number; seed: number; pageSize?: number }): AwsEstate {
  const regions = REGION_NAMES.slice(0, o.regions);
  const accounts: AwsEstate['accounts'] = {};
  for (let i = 0; i < o.accounts; i++) {
    const id = String(100000000000 + i);
    const resources: Record<string, any> = {};
    regions.forEach((r, j) => {
      if ((i * regions.length + j) % 7 === 0)
        resources[r] = { sagemakerEndpoints: [{ EndpointName: `ep-${i}-${j}`, EndpointArn: `arn:aws:sagemaker:${r}:${id}:endpoint/ep-${i}-${j}`, CreationTime: 1730000000, LastModifiedTime: 1730000000, EndpointStatus: 'InService' }] };
    });
    accounts[id] = { name: `acct-${i}`, regions, resources };
  }
  return { callerAccount: '100000000000', accounts, faults: { latencyMs: o.latencyMs, throttleRate: o.throttleRate, seed: o.seed } };
}
