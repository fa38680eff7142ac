import { describe, expect, it } from 'vitest';
import { find, runAll, values } from './helpers.js';

describe('terraform', () => {
  it('emits known resource and data types with kind', () => {
    const tf = [
      '# resource "azurerm_cognitive_account" "commented" {}',
      'resource "azurerm_cognitive_account" "oai" {',
      '  name = "x"',
      '  kind = "OpenAI"',
      '  network_acls {',
      '    kind = "nested"',
      '  }',
      '}',
      'resource "aws_s3_bucket" "b" {}',
      'data "aws_bedrock_foundation_model" "m" {',
      '  model_id = "x"',
      '}',
      '/* resource "aws_bedrock_agent" "c" {} */',
    ].join('\n');
    const r = runAll('infra/main.tf', tf);
    const iac = r.obs.filter((o) => o.kind === 'iac-resource');
    expect(iac.map((o) => `${o.value}@${o.line}`)).toEqual(['azurerm_cognitive_account@2', 'aws_bedrock_foundation_model@10']);
    expect(iac[0].attrs).toMatchObject({ kind: 'OpenAI', name: 'oai', block: 'resource' });
    expect(iac[1].attrs).toMatchObject({ block: 'data', name: 'm' });
    expect(iac.every((o) => o.namespace === 'terraform' && o.confidence === 'declared')).toBe(true);
  });
});

describe('bicep and ARM', () => {
  it('bicep resources with kind', () => {
    const bicep = [
      "// resource c 'Microsoft.CognitiveServices/accounts@2023-05-01' = {",
      "resource oai 'Microsoft.CognitiveServices/accounts@2023-05-01' = {",
      "  name: 'x'",
      "  kind: 'OpenAI'",
      '  properties: {}',
      "  resource dep 'deployments' = { name: 'gpt' }",
      '}',
      "resource speech 'Microsoft.CognitiveServices/accounts@2023-05-01' = {",
      "  kind: 'SpeechServices'",
      '}',
      "resource st 'Microsoft.Storage/storageAccounts@2023-01-01' = { kind: 'StorageV2' }",
    ].join('\n');
    const r = runAll('infra/main.bicep', bicep);
    const cr = r.obs.filter((o) => o.kind === 'cloud-resource');
    expect(cr.map((o) => `${o.value}@${o.line}`)).toEqual(['Microsoft.CognitiveServices/accounts@2']);
    expect(cr[0]).toMatchObject({ namespace: 'azure', attrs: { kind: 'OpenAI', apiVersion: '2023-05-01', tool: 'bicep', name: 'oai' } });
  });

  it('ARM templates', () => {
    const arm = JSON.stringify(
      {
        $schema: 'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#',
        resources: [
          { type: 'Microsoft.CognitiveServices/accounts', apiVersion: '2023-05-01', name: 'oai', kind: 'OpenAI' },
          { type: 'Microsoft.Storage/storageAccounts', name: 's' },
        ],
      },
      null,
      2,
    );
    const r = runAll('infra/azuredeploy.json', arm);
    const cr = r.obs.filter((o) => o.kind === 'cloud-resource');
    expect(cr.map((o) => `${o.value}@${o.line}`)).toEqual(['Microsoft.CognitiveServices/accounts@5']);
    expect(cr[0].attrs).toMatchObject({ kind: 'OpenAI', tool: 'arm' });
  });
});

describe('cloudformation', () => {
  it('emits AI resource types (YAML with intrinsic tags)', () => {
    const cfn = [
      'AWSTemplateFormatVersion: "2010-09-09"',
      'Resources:',
      '  Endpoint:',
      '    Type: AWS::SageMaker::Endpoint',
      '    Properties:',
      '      EndpointConfigName: !GetAtt Cfg.EndpointConfigName',
      '  Agent:',
      '    Type: AWS::Bedrock::Agent',
      '    Properties: { AgentName: !Sub "${AWS::StackName}-a" }',
      '  Bucket:',
      '    Type: AWS::S3::Bucket',
    ].join('\n');
    const r = runAll('cfn/stack.yaml', cfn);
    const iac = r.obs.filter((o) => o.kind === 'iac-resource');
    expect(iac.map((o) => `${o.value}@${o.line}`)).toEqual(['AWS::SageMaker::Endpoint@4', 'AWS::Bedrock::Agent@8']);
    expect(iac[0]).toMatchObject({ namespace: 'cloudformation', attrs: { logicalId: 'Endpoint', awsType: 'sagemaker:endpoint' } });
  });
});

describe('container images', () => {
  it('Dockerfile: multi-stage, --platform, ARG defaults, COPY --from', () => {
    const df = [
      'ARG BASE=ollama/ollama',
      'ARG TAG=0.3.0',
      'FROM --platform=$BUILDPLATFORM ${BASE}:${TAG} AS runtime',
      '# FROM vllm/vllm-openai',
      'FROM python:3.12 AS build',
      'FROM runtime',
      'COPY --from=build /a /b',
      'COPY --from=ghcr.io/ggml-org/llama.cpp:server /app /app',
      'FROM \\',
      '  vllm/vllm-openai:latest',
      'FROM ${MISSING:-ollama/ollama}',
    ].join('\n');
    const r = runAll('docker/Dockerfile.gpu', df);
    const imgs = r.obs.filter((o) => o.kind === 'container-image');
    expect(imgs.map((o) => `${o.value}@${o.line}`)).toEqual(['ollama/ollama:0.3.0@3', 'ghcr.io/ggml-org/llama.cpp:server@8', 'vllm/vllm-openai:latest@9', 'ollama/ollama@11']);
    expect(imgs[0].attrs?.written).toBe('${BASE}:${TAG}');
    expect(imgs.every((o) => o.signal === 'presence' && o.confidence === 'declared')).toBe(true);
  });

  it('Helm values repository/tag pairs and CI image maps', () => {
    const helmValues = 'image:\n  registry: docker.io\n  repository: ollama/ollama\n  tag: "0.3"\nsidecar:\n  image:\n    repository: busybox\n';
    const r = runAll('chart/values.yaml', helmValues);
    expect(r.obs.filter((o) => o.kind === 'container-image').map((o) => `${o.value}@${o.line}`)).toEqual(['docker.io/ollama/ollama:0.3@3']);
    const gl = 'serve:\n  image:\n    name: vllm/vllm-openai:v1\n  script: [echo]\n';
    expect(values(runAll('.gitlab-ci.yml', gl), 'container-image')).toEqual(['vllm/vllm-openai:v1']);
  });
});

describe('IaC values from parameters and variables (followed one level)', () => {
  it('a Bicep kind taken from a param default or a var is the kind', () => {
    const bicep = [
      "param kind string = 'OpenAI'",
      "var otherKind = 'SpeechServices'",
      "param noDefault string",
      "resource a 'Microsoft.CognitiveServices/accounts@2023-05-01' = {",
      '  name: name',
      '  kind: kind',
      '}',
      "resource b 'Microsoft.CognitiveServices/accounts@2023-05-01' = {",
      '  kind: otherKind',
      '}',
      "resource c 'Microsoft.CognitiveServices/accounts@2023-05-01' = {",
      '  kind: noDefault',
      '}',
    ].join('\n');
    const cr = runAll('infra/ai.bicep', bicep).obs.filter((o) => o.kind === 'cloud-resource');
    // the rule names only the OpenAI kind: b (SpeechServices) and c (unknown) are not emitted
    expect(cr.map((o) => `${o.attrs?.name}:${o.attrs?.kind ?? ''}@${o.line}`)).toEqual(['a:OpenAI@4']);
  });

  it('a Terraform kind from var.x (default in the same file) or local.x is the kind; a nested default is not', () => {
    const tf = [
      'variable "kind" {',
      '  type    = string',
      '  default = "OpenAI"',
      '}',
      'locals {',
      '  k2 = "OpenAI"',
      '}',
      'variable "nodefault" {',
      '  validation {',
      '    default = "OpenAI"',
      '  }',
      '}',
      'resource "azurerm_cognitive_account" "a" {',
      '  kind = var.kind',
      '}',
      'resource "azurerm_cognitive_account" "b" {',
      '  kind = local.k2',
      '}',
      'resource "azurerm_cognitive_account" "c" {',
      '  kind = var.nodefault',
      '}',
    ].join('\n');
    const iac = runAll('infra/main.tf', tf).obs.filter((o) => o.kind === 'iac-resource');
    expect(iac.map((o) => `${o.attrs?.name}:${o.attrs?.kind ?? '-'}`)).toEqual(['a:OpenAI', 'b:OpenAI', 'c:-']);
  });
});

describe('Pulumi', () => {
  it('YAML programs: bridged tokens map to the Terraform type, azure-native to the Azure type, with kind', () => {
    const y = [
      'name: infra',
      'runtime: yaml',
      'resources:',
      '  oai:',
      '    type: azure-native:cognitiveservices:Account',
      '    properties:',
      '      kind: OpenAI',
      '  agent:',
      '    type: aws:bedrock/agentAgent:AgentAgent',
      '  bucket:',
      '    type: aws:s3/bucket:Bucket',
      '  acct:',
      '    type: azure:cognitive/account:Account',
      '    properties:',
      '      kind: OpenAI',
    ].join('\n');
    const r = runAll('Pulumi.yaml', y).obs.filter((o) => o.kind === 'iac-resource' || o.kind === 'cloud-resource');
    expect(r.map((o) => `${o.kind}:${o.namespace}:${o.value}:${o.attrs?.kind ?? ''}@${o.line}`)).toEqual([
      'cloud-resource:azure:Microsoft.cognitiveservices/accounts:OpenAI@5',
      'iac-resource:terraform:aws_bedrock_agent_agent:@9',
      'iac-resource:terraform:azurerm_cognitive_account:OpenAI@13',
    ]);
    expect(r.every((o) => o.attrs?.tool === 'pulumi' && typeof o.attrs?.pulumiType === 'string')).toBe(true);
  });

  it('TypeScript and Python programs: provider resources built through the imported alias; other code is not Pulumi', () => {
    const ts = ['import * as pulumi from "@pulumi/pulumi";', 'import * as azure_native from "@pulumi/azure-native";', 'import * as aws from "@pulumi/aws";', '', 'const a = new azure_native.cognitiveservices.Account("oai", {', '  kind: "OpenAI",', '});', 'const m = new aws.bedrock.CustomModel("m", {});', 'const b = new aws.s3.Bucket("b");'].join('\n');
    expect(runAll('infra/index.ts', ts).obs.filter((o) => o.attrs?.tool === 'pulumi').map((o) => `${o.value}@${o.line}`)).toEqual(['Microsoft.cognitiveservices/accounts@5', 'aws_bedrock_custom_model@8']);
    const py = ['import pulumi', 'import pulumi_azure_native as azure_native', '', 'acct = azure_native.cognitiveservices.Account("oai", kind="OpenAI")'].join('\n');
    expect(runAll('__main__.py', py).obs.filter((o) => o.attrs?.tool === 'pulumi').map((o) => `${o.value}:${o.attrs?.kind}@${o.line}`)).toEqual(['Microsoft.cognitiveservices/accounts:OpenAI@4']);
    // `aws.bedrock.X(` without a Pulumi import is not a Pulumi resource
    expect(runAll('app.ts', 'const aws = sdk;\nnew aws.bedrock.AgentAgent("x");\n// pulumi').obs.filter((o) => o.attrs?.tool === 'pulumi')).toEqual([]);
  });
});

describe('platform bindings', () => {
  it('a malformed wrangler.toml is a problem with its line, not a crash', () => {
    const r = runAll('wrangler.toml', 'name = "w"\n[ai\nbinding = "AI"\n');
    expect(r.obs.filter((o) => o.kind === 'iac-resource')).toEqual([]);
    expect(r.problems.map((p) => p.message)).toEqual([expect.stringMatching(/^invalid TOML/)]);
  });
});
