/** A small AWS estate in the services' documented response shapes, for the loopback server. */
import type { AwsEstate } from '../../../scanners/aws/loopback.js';

export const MGMT = '111111111111';
export const DEV = '222222222222';
export const PROD = '333333333333';

const arn = (region: string, account: string, svc: string, res: string) => `arn:aws:${svc}:${region}:${account}:${res}`;

export function estate(faults: AwsEstate['faults'] = {}): AwsEstate {
  const r = 'us-east-1';
  return {
    callerAccount: MGMT,
    callerArn: `arn:aws:iam::${MGMT}:user/scanner`,
    faults,
    accounts: {
      [MGMT]: { name: 'management', regions: ['eu-west-1', 'us-east-1'], notOptedIn: ['ap-east-1'] },
      [DEV]: {
        name: 'dev',
        regions: ['eu-west-1', 'us-east-1'],
        notOptedIn: ['ap-east-1'],
        resources: {
          [r]: {
            customModels: [
              { modelArn: arn(r, DEV, 'bedrock', 'custom-model/amazon.titan-text-express-v1:0:8k/abcd1234efgh'), modelName: 'support-tuned', creationTime: '2025-01-10T09:00:00Z', baseModelArn: 'arn:aws:bedrock:us-east-1::foundation-model/amazon.titan-text-express-v1:0:8k', baseModelName: 'Titan Text G1 - Express', customizationType: 'FINE_TUNING', ownerAccountId: DEV },
              { modelArn: arn(r, DEV, 'bedrock', 'custom-model/amazon.titan-embed-text-v2:0/zzzz9999'), modelName: 'embed-tuned', creationTime: '2025-02-01T00:00:00Z', baseModelArn: 'arn:aws:bedrock:us-east-1::foundation-model/amazon.titan-embed-text-v2:0', customizationType: 'CONTINUED_PRE_TRAINING' },
            ],
            importedModels: [{ modelArn: arn(r, DEV, 'bedrock', 'imported-model/k2l3m4n5o6p7'), modelName: 'llama-import', creationTime: '2025-03-01T00:00:00Z', modelArchitecture: 'llama3' }],
            provisionedThroughputs: [
              { provisionedModelName: 'pt-support', provisionedModelArn: arn(r, DEV, 'bedrock', 'provisioned-model/pq1w2e3r4t5y'), modelArn: arn(r, DEV, 'bedrock', 'custom-model/amazon.titan-text-express-v1:0:8k/abcd1234efgh'), desiredModelArn: arn(r, DEV, 'bedrock', 'custom-model/amazon.titan-text-express-v1:0:8k/abcd1234efgh'), foundationModelArn: 'arn:aws:bedrock:us-east-1::foundation-model/amazon.titan-text-express-v1:0:8k', modelUnits: 1, desiredModelUnits: 1, status: 'InService', commitmentDuration: 'OneMonth', creationTime: '2025-01-11T00:00:00Z', lastModifiedTime: '2025-01-11T00:00:00Z' },
            ],
            inferenceProfiles: [
              { inferenceProfileName: 'team-a-profile', inferenceProfileArn: arn(r, DEV, 'bedrock', 'application-inference-profile/ip0a1b2c3d4e'), inferenceProfileId: 'ip0a1b2c3d4e', models: [{ modelArn: 'arn:aws:bedrock:us-east-1::foundation-model/meta.llama3-8b-instruct-v1:0' }], status: 'ACTIVE', type: 'APPLICATION', createdAt: '2025-04-01T00:00:00Z', updatedAt: '2025-04-01T00:00:00Z' },
              { inferenceProfileName: 'US Meta Llama', inferenceProfileArn: `arn:aws:bedrock:us-east-1:${DEV}:inference-profile/us.meta.llama3-8b-instruct-v1:0`, inferenceProfileId: 'us.meta.llama3-8b-instruct-v1:0', models: [], status: 'ACTIVE', type: 'SYSTEM_DEFINED' },
            ],
            guardrails: [{ id: 'gr12345678ab', arn: arn(r, DEV, 'bedrock', 'guardrail/gr12345678ab'), status: 'READY', name: 'pii-filter', version: 'DRAFT', createdAt: '2025-01-05T00:00:00Z', updatedAt: '2025-01-05T00:00:00Z' }],
            invocationLogging: { cloudWatchConfig: { logGroupName: '/bedrock/invocations', roleArn: `arn:aws:iam::${DEV}:role/bedrock-logging` }, textDataDeliveryEnabled: true, imageDataDeliveryEnabled: false, embeddingDataDeliveryEnabled: false },
            agents: [
              { agentId: 'AGENT00001', agentName: 'helpdesk', agentArn: arn(r, DEV, 'bedrock', 'agent/AGENT00001'), agentVersion: 'DRAFT', agentStatus: 'PREPARED', foundationModel: 'anthropic.claude-3-haiku-20240307-v1:0', idleSessionTTLInSeconds: 600, agentResourceRoleArn: `arn:aws:iam::${DEV}:role/agent`, createdAt: '2025-02-02T00:00:00Z', updatedAt: '2025-02-03T00:00:00Z', guardrailConfiguration: { guardrailIdentifier: 'gr12345678ab', guardrailVersion: '1' } },
              { agentId: 'AGENT00002', agentName: 'sales-bot', agentArn: arn(r, DEV, 'bedrock', 'agent/AGENT00002'), agentVersion: 'DRAFT', agentStatus: 'NOT_PREPARED', foundationModel: `arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-lite-v1:0`, idleSessionTTLInSeconds: 600, agentResourceRoleArn: `arn:aws:iam::${DEV}:role/agent`, createdAt: '2025-02-04T00:00:00Z', updatedAt: '2025-02-04T00:00:00Z' },
            ],
            knowledgeBases: [
              { knowledgeBaseId: 'KB00000001', name: 'handbook', knowledgeBaseArn: arn(r, DEV, 'bedrock', 'knowledge-base/KB00000001'), roleArn: `arn:aws:iam::${DEV}:role/kb`, knowledgeBaseConfiguration: { type: 'VECTOR', vectorKnowledgeBaseConfiguration: { embeddingModelArn: 'arn:aws:bedrock:us-east-1::foundation-model/amazon.titan-embed-text-v2:0' } }, storageConfiguration: { type: 'OPENSEARCH_SERVERLESS' }, status: 'ACTIVE', createdAt: '2025-02-05T00:00:00Z', updatedAt: '2025-02-05T00:00:00Z' },
            ],
            sagemakerEndpoints: [{ EndpointName: 'churn-model', EndpointArn: arn(r, DEV, 'sagemaker', 'endpoint/churn-model'), CreationTime: 1735689600, LastModifiedTime: 1735689600, EndpointStatus: 'InService' }],
            sagemakerModels: [{ ModelName: 'churn-xgb', ModelArn: arn(r, DEV, 'sagemaker', 'model/churn-xgb'), CreationTime: 1735689000 }],
            notebookInstances: [{ NotebookInstanceName: 'ds-notebook', NotebookInstanceArn: arn(r, DEV, 'sagemaker', 'notebook-instance/ds-notebook'), NotebookInstanceStatus: 'InService', InstanceType: 'ml.t3.medium', CreationTime: 1735000000, LastModifiedTime: 1735000000 }],
            domains: [{ DomainArn: arn(r, DEV, 'sagemaker', 'domain/d-abc123def456'), DomainId: 'd-abc123def456', DomainName: 'studio', Status: 'InService', CreationTime: 1734000000, LastModifiedTime: 1734000000, Url: 'https://d-abc123def456.studio.us-east-1.sagemaker.aws' }],
            tagged: [
              { ResourceARN: arn(r, DEV, 'bedrock', 'custom-model/amazon.titan-text-express-v1:0:8k/abcd1234efgh'), Tags: [{ Key: 'Owner', Value: 'ml-team@example.com' }, { Key: 'env', Value: 'dev' }] },
              { ResourceARN: arn(r, DEV, 'sagemaker', 'endpoint/churn-model'), Tags: [{ Key: 'team', Value: 'data-science' }] },
              { ResourceARN: arn(r, DEV, 'kendra', 'index/0123abcd-4567-89ef-0123-456789abcdef'), Tags: [{ Key: 'owner', Value: 'search-team' }] },
              { ResourceARN: arn(r, DEV, 'ec2', 'instance/i-0123456789abcdef0'), Tags: [{ Key: 'owner', Value: 'ops' }] },
            ],
          },
          'eu-west-1': {
            agents: [{ agentId: 'AGENT00003', agentName: 'eu-assistant', agentArn: arn('eu-west-1', DEV, 'bedrock', 'agent/AGENT00003'), agentVersion: 'DRAFT', agentStatus: 'PREPARED', foundationModel: 'mistral.mistral-large-2402-v1:0', idleSessionTTLInSeconds: 600, agentResourceRoleArn: `arn:aws:iam::${DEV}:role/agent`, createdAt: '2025-03-03T00:00:00Z', updatedAt: '2025-03-03T00:00:00Z' }],
          },
        },
      },
      [PROD]: {
        name: 'prod',
        regions: ['eu-west-1', 'us-east-1'],
        resources: {
          'us-east-1': { sagemakerEndpoints: [{ EndpointName: 'fraud', EndpointArn: arn('us-east-1', PROD, 'sagemaker', 'endpoint/fraud'), CreationTime: 1730000000, LastModifiedTime: 1730000000, EndpointStatus: 'InService' }] },
          'eu-west-1': { sagemakerEndpoints: [{ EndpointName: 'hidden', EndpointArn: arn('eu-west-1', PROD, 'sagemaker', 'endpoint/hidden'), CreationTime: 1730000000, LastModifiedTime: 1730000000, EndpointStatus: 'InService' }] },
        },
      },
    },
  };
}
