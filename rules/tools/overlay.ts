/**
 * Hand-curated facts layered over ../shared/reference/ai-services.json by bootstrap.ts.
 * Kept as the record of the curation decisions; the YAML files in rules/services are the product
 * and may since have been edited directly.
 */
import { exampleKey as K, exampleUuid as U } from './example-key.js';

export interface Cred {
  id: string;
  description?: string;
  keywords: string[];
  pattern: string;
  context?: string[];
  contextWindow?: number;
  minEntropy?: number;
  examples: { match: string[]; noMatch: string[] };
}

export interface Overlay {
  name?: string;
  vendor?: string;
  category?: string;
  description?: string;
  status?: 'active' | 'deprecated' | 'retired';
  /** Domain list replacing the reference's: 'host', '.suffix', '{x}.template', or an object. */
  domains?: Array<string | { host?: string; suffix?: string; template?: string; paths?: string[]; shared?: boolean; note?: string }>;
  apiBaseUrls?: string[];
  addPackages?: Partial<Record<'npm' | 'pypi' | 'maven' | 'go' | 'nuget' | 'cargo' | 'rubygems', string[]>>;
  dropPackages?: string[];
  /** python import names replacing the ones derived from PyPI names */
  pyImports?: string[];
  imports?: Partial<Record<'javascript' | 'go' | 'java' | 'csharp' | 'ruby' | 'rust', string[]>>;
  envVars?: string[];
  dropEnv?: string[];
  credentials?: Cred[];
  aws?: { resourceTypes?: string[]; eventSources?: string[] };
  azure?: Array<{ type: string; kinds?: string[] }>;
  gcp?: { assetTypes?: string[]; services?: string[] };
  appNames?: string[];
  images?: string[];
  terraform?: string[];
  agentConfigs?: string[];
  modelFormats?: string[];
  risk?: Record<string, unknown>;
  references?: string[];
  /** reference `unverified` entries now confirmed (removed) */
  verified?: string[];
  /** extra unverified notes */
  unverified?: string[];
}

const env = (name: string, v: string) => `${name}=${v}`;
const hexK = (seed: string, n: number) => K(seed, 'hex', n);

// ---------------------------------------------------------------- shared counter-examples
const placeholderLines = ['API_KEY=your-api-key-here', 'API_KEY=<YOUR_KEY>'];

export const overlays: Record<string, Overlay> = {
  'openai-api': {
    description: "OpenAI's developer platform (GPT, embeddings, images, audio, Assistants / Responses APIs).",
    domains: [
      'api.openai.com',
      'platform.openai.com',
      { suffix: 'openai.com', shared: true, note: 'openai.com also serves ChatGPT and Sora; the more specific host rules of those services win.' },
    ],
    addPackages: { go: ['github.com/sashabaranov/go-openai'] },
    pyImports: ['openai'],
    imports: { java: ['com.openai'] },
    envVars: ['OPENAI_API_KEY', 'OPENAI_BASE_URL', 'OPENAI_ORG_ID', 'OPENAI_PROJECT_ID', 'OPENAI_ADMIN_KEY'],
    credentials: [
      {
        id: 'openai-project-key',
        description: 'Project, service-account and admin keys embed the base64 marker T3BlbkFJ ("OpenAI").',
        keywords: ['T3BlbkFJ'],
        pattern: '\\b(sk-(?:proj|svcacct|admin|None)-[A-Za-z0-9_-]{58,74}T3BlbkFJ[A-Za-z0-9_-]{58,74})',
        examples: {
          match: [
            env('OPENAI_API_KEY', `sk-proj-${K('openai-proj-a', 'urlsafe', 74)}T3BlbkFJ${K('openai-proj-b', 'urlsafe', 74)}`),
            `client = OpenAI(api_key="sk-admin-${K('openai-admin-a', 'urlsafe', 58)}T3BlbkFJ${K('openai-admin-b', 'urlsafe', 58)}")`,
            `OPENAI_API_KEY: sk-svcacct-${K('openai-svc-a', 'urlsafe', 74)}T3BlbkFJ${K('openai-svc-b', 'urlsafe', 74)}`,
          ],
          noMatch: ['sk-proj-XXXXXXXXXXXXXXXX', 'OPENAI_API_KEY=sk-...your key here...', `sk-proj-${K('openai-short', 'alnum', 20)}T3BlbkFJ${K('openai-short2', 'alnum', 20)}`],
        },
      },
      {
        id: 'openai-legacy-key',
        description: 'Legacy user key: sk- + 20 + T3BlbkFJ + 20 alphanumerics (51 chars).',
        keywords: ['T3BlbkFJ'],
        pattern: '\\b(sk-[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20})\\b',
        examples: {
          match: [`key: sk-${K('openai-legacy-a', 'alnum', 20)}T3BlbkFJ${K('openai-legacy-b', 'alnum', 20)}`],
          noMatch: [`sk-${K('openai-legacy-nomarker', 'alnum', 48)}`, 'sk-XXXXXXXXXXXXXXXXXXXXT3BlbkFJ'],
        },
      },
    ],
    appNames: ['OpenAI', 'OpenAI Platform'],
    risk: { trainsOnCustomerData: 'opt-in', retention: '30 days abuse monitoring; zero-retention on request', dataResidency: ['us', 'eu'], enterpriseTerms: 'yes', hosting: 'saas', dataAccess: ['prompts', 'files'] },
    references: ['https://platform.openai.com/docs/api-reference', 'https://central.sonatype.com/artifact/com.openai/openai-java'],
    verified: ['packages.maven', 'packages.go', 'packages.nuget'],
  },
  chatgpt: {
    description: "OpenAI's chat assistant (web, desktop and mobile apps, ChatGPT Enterprise / Team / Edu).",
    domains: [
      { suffix: 'chatgpt.com', shared: true, note: 'chatgpt.com/codex is the Codex cloud agent (openai-codex, path rule); sora.chatgpt.com is Sora.' },
      'chat.openai.com',
      '.oaistatic.com',
      '.oaiusercontent.com',
    ],
    appNames: ['ChatGPT', 'ChatGPT Enterprise', 'ChatGPT Edu'],
    risk: { trainsOnCustomerData: 'opt-out', enterpriseTerms: 'yes', hosting: 'saas', dataAccess: ['prompts', 'files', 'images', 'voice'], notes: 'Consumer plans train on conversations unless the user opts out; Team / Enterprise / Edu do not by default.' },
  },
  'openai-codex': {
    description: "OpenAI's coding agent: the open-source Codex CLI and the cloud agent in ChatGPT. AGENTS.md is a cross-tool standard that Codex introduced; other agents read it too.",
    domains: [{ host: 'chatgpt.com', paths: ['/codex', '/backend-api/codex/'], shared: true, note: 'Codex cloud UI and the Codex CLI back end when signed in with ChatGPT.' }],
    dropEnv: ['OPENAI_API_KEY'],
    agentConfigs: ['AGENTS.md', 'AGENTS.override.md', '.codex/config.toml', '.codex/agents/*.toml', '.agents/skills/**'],
    appNames: ['OpenAI Codex', 'ChatGPT Codex Connector'],
    risk: { hosting: 'saas', dataAccess: ['code', 'prompts', 'shell'] },
    unverified: ['domains:chatgpt.com/backend-api/codex/ path', 'agentConfigs:AGENTS.override.md', 'saas.appNames:ChatGPT Codex Connector'],
  },
  'openai-sora': {
    description: "OpenAI's video generation app.",
    domains: ['.sora.com', 'sora.chatgpt.com'],
    appNames: ['Sora'],
    risk: { dataAccess: ['prompts', 'images', 'video'] },
  },
  'anthropic-api': {
    description: "Anthropic's developer platform (Claude Messages API, Admin API, console).",
    domains: [
      'api.anthropic.com',
      'console.anthropic.com',
      'platform.claude.com',
      { suffix: 'anthropic.com', shared: true, note: 'Anthropic corporate domain; API and console hosts are exact rules above.' },
    ],
    dropPackages: ['@anthropic-ai/bedrock-sdk', '@anthropic-ai/vertex-sdk'],
    addPackages: { nuget: ['Anthropic'] },
    imports: { java: ['com.anthropic'] },
    credentials: [
      {
        id: 'anthropic-api-key',
        description: 'sk-ant-api03- + 93 URL-safe chars + AA (108 chars).',
        keywords: ['sk-ant-api03-'],
        pattern: '\\b(sk-ant-api03-[A-Za-z0-9_-]{93}AA)',
        examples: {
          match: [env('ANTHROPIC_API_KEY', `sk-ant-api03-${K('ant-api', 'urlsafe', 93)}AA`), `client = anthropic.Anthropic(api_key="sk-ant-api03-${K('ant-api-2', 'urlsafe', 93)}AA")`],
          noMatch: ['ANTHROPIC_API_KEY=sk-ant-api03-...', `sk-ant-api03-${K('ant-short', 'urlsafe', 40)}AA`],
        },
      },
      {
        id: 'anthropic-admin-key',
        description: 'sk-ant-admin01- + 93 URL-safe chars + AA (110 chars).',
        keywords: ['sk-ant-admin01-'],
        pattern: '\\b(sk-ant-admin01-[A-Za-z0-9_-]{93}AA)',
        examples: {
          match: [env('ANTHROPIC_ADMIN_KEY', `sk-ant-admin01-${K('ant-admin', 'urlsafe', 93)}AA`)],
          noMatch: ['sk-ant-admin01-XXXXXXXX', `sk-ant-admin01-${K('ant-admin-bad', 'urlsafe', 93)}ZZ`],
        },
      },
    ],
    appNames: ['Anthropic', 'Anthropic Console'],
    risk: { trainsOnCustomerData: 'no', enterpriseTerms: 'yes', hosting: 'saas', dataAccess: ['prompts', 'files'] },
    references: ['https://rubygems.org/gems/anthropic'],
    verified: ['packages.maven', 'packages.go', 'packages.rubygems'],
  },
  'claude-ai': {
    description: "Anthropic's Claude assistant (web, desktop and mobile apps; Team / Enterprise plans).",
    domains: [{ suffix: 'claude.ai', shared: true, note: 'claude.ai/code is Claude Code on the web (claude-code, path rule).' }, '.claude.com', '.claudeusercontent.com'],
    agentConfigs: ['claude_desktop_config.json'],
    appNames: ['Claude', 'Claude for Work'],
    risk: { trainsOnCustomerData: 'opt-out', enterpriseTerms: 'yes', hosting: 'saas', dataAccess: ['prompts', 'files'], notes: 'Consumer plans: the user chooses whether chats train models; commercial plans do not train by default.' },
  },
  'claude-code': {
    description: "Anthropic's agentic coding tool (CLI, IDE extensions, Claude Code on the web, Agent SDK).",
    domains: [{ host: 'claude.ai', paths: ['/code'], shared: true, note: 'Claude Code on the web; the CLI itself calls api.anthropic.com (anthropic-api).' }],
    dropEnv: ['ANTHROPIC_API_KEY'],
    credentials: [
      {
        id: 'claude-code-oauth-token',
        description: 'Claude Code OAuth access token: sk-ant-oat01- + 95 URL-safe chars (108 chars).',
        keywords: ['sk-ant-oat01-'],
        pattern: '\\b(sk-ant-oat01-[A-Za-z0-9_-]{95})',
        examples: {
          match: [env('CLAUDE_CODE_OAUTH_TOKEN', `sk-ant-oat01-${K('claude-oat', 'urlsafe', 93)}AA`)],
          noMatch: ['CLAUDE_CODE_OAUTH_TOKEN=sk-ant-oat01-xxxx', `sk-ant-oat01-${K('claude-oat-short', 'urlsafe', 50)}`],
        },
      },
      {
        id: 'claude-code-refresh-token',
        description: 'Claude Code OAuth refresh token: sk-ant-ort01- + at least 40 URL-safe chars.',
        keywords: ['sk-ant-ort01-'],
        pattern: '\\b(sk-ant-ort01-[A-Za-z0-9_-]{40,200})',
        examples: {
          match: [`"refreshToken": "sk-ant-ort01-${K('claude-ort', 'urlsafe', 93)}AA"`],
          noMatch: ['"refreshToken": "sk-ant-ort01-short"'],
        },
      },
    ],
    agentConfigs: ['CLAUDE.md', 'CLAUDE.local.md', '.claude/CLAUDE.md', '.claude/rules/*.md', '.claude/settings.json', '.claude/settings.local.json', '.claude/agents/**', '.claude/commands/**', '.claude/skills/**', '.claude-plugin/marketplace.json', '.mcp.json'],
    appNames: ['Claude Code'],
    risk: { hosting: 'saas', dataAccess: ['code', 'prompts', 'shell'] },
    unverified: ['credentials:claude-code-oauth-token length (gitleaks PR rule only)', 'credentials:claude-code-refresh-token length'],
  },
  'google-gemini-api': {
    description: 'Gemini Developer API (Google AI Studio keys).',
    domains: ['generativelanguage.googleapis.com', 'aistudio.google.com', 'ai.google.dev'],
    pyImports: ['google.genai', 'google.generativeai'],
    imports: { java: ['com.google.genai'] },
    dropEnv: ['GOOGLE_API_KEY', 'GOOGLE_GENAI_USE_VERTEXAI'],
    credentials: [
      {
        id: 'google-api-key-gemini',
        description: 'Generic Google API key (AIza + 35). Claimed only next to a Gemini word, since the same format serves Maps, Firebase and every other Google API.',
        keywords: ['AIza'],
        pattern: '\\b(AIza[0-9A-Za-z_-]{35})',
        context: ['gemini', 'generativelanguage', 'genai', 'aistudio'],
        examples: {
          match: [env('GEMINI_API_KEY', `AIzaSy${K('gemini-key', 'urlsafe', 33)}`), `genai.configure(api_key="AIzaSy${K('gemini-key-2', 'urlsafe', 33)}")`],
          noMatch: [`MAPS_API_KEY=AIzaSy${K('maps-key', 'urlsafe', 33)}`, 'GEMINI_API_KEY=AIza...'],
        },
      },
    ],
    gcp: { services: ['generativelanguage.googleapis.com'] },
    appNames: ['Google AI Studio'],
    risk: { trainsOnCustomerData: 'yes', enterpriseTerms: 'yes', hosting: 'saas', dataAccess: ['prompts', 'files'], notes: 'Unpaid (free tier) use may be used to improve products; paid use is not (Gemini API terms).' },
    references: ['https://ai.google.dev/gemini-api/docs/sdks'],
    verified: ['packages.go'],
  },
  'gemini-app': {
    name: 'Gemini app',
    description: "Google's Gemini assistant (gemini.google.com, mobile apps, Gemini in Workspace).",
    domains: ['gemini.google.com'],
    appNames: ['Google Gemini', 'Gemini for Google Workspace'],
    risk: { dataAccess: ['prompts', 'files', 'mail'] },
  },
  'gemini-cli': {
    description: "Google's open-source terminal coding agent. With an API key it calls generativelanguage.googleapis.com (google-gemini-api); signed in with Google it uses the Code Assist back end (gemini-code-assist).",
    domains: [],
    dropEnv: ['GEMINI_API_KEY'],
    envVars: ['GEMINI_CLI_SYSTEM_SETTINGS_PATH'],
    agentConfigs: ['GEMINI.md', '.gemini/settings.json', '.gemini/skills/**', '.gemini/commands/**'],
    risk: { hosting: 'saas', dataAccess: ['code', 'prompts', 'shell'] },
    unverified: ['envVars:GEMINI_CLI_SYSTEM_SETTINGS_PATH', 'agentConfigs:.gemini/commands/**'],
  },
  'google-vertex-ai': {
    description: "Google Cloud's ML platform: Gemini and partner models, Model Garden, Agent Engine, Vertex AI Search / Agent Builder, Workbench and Colab Enterprise.",
    domains: ['aiplatform.googleapis.com', '{region}-aiplatform.googleapis.com'],
    addPackages: { npm: ['@anthropic-ai/vertex-sdk'] },
    pyImports: ['vertexai', 'google.cloud.aiplatform'],
    imports: { java: ['com.google.cloud.vertexai', 'com.google.cloud.aiplatform'] },
    dropEnv: ['GOOGLE_CLOUD_PROJECT', 'GOOGLE_CLOUD_LOCATION'],
    envVars: ['GOOGLE_GENAI_USE_VERTEXAI'],
    gcp: {
      assetTypes: ['BatchPredictionJob', 'CachedContent', 'CustomJob', 'Dataset', 'DeploymentResourcePool', 'Endpoint', 'Featurestore', 'FeatureGroup', 'FeatureOnlineStore', 'HyperparameterTuningJob', 'Index', 'IndexEndpoint', 'MetadataStore', 'Model', 'ModelDeploymentMonitoringJob', 'NotebookRuntime', 'NotebookRuntimeTemplate', 'PipelineJob', 'ReasoningEngine', 'Schedule', 'SpecialistPool', 'Tensorboard', 'TrainingPipeline', 'TuningJob']
        .map((t) => `aiplatform.googleapis.com/${t}`)
        .concat(['discoveryengine.googleapis.com/Engine', 'notebooks.googleapis.com/Instance']),
      services: ['aiplatform.googleapis.com', 'discoveryengine.googleapis.com', 'visionai.googleapis.com', 'notebooks.googleapis.com', 'ml.googleapis.com'],
    },
    terraform: ['google_vertex_ai_*', 'google_discovery_engine_*', 'google_colab_*', 'google_workbench_instance', 'google_notebooks_*'],
    risk: { trainsOnCustomerData: 'no', enterpriseTerms: 'yes', hosting: 'cloud-tenant', dataAccess: ['prompts', 'files', 'datasets'] },
    unverified: ['cloud.gcp.assetTypes:notebooks.googleapis.com/Instance', 'cloud.gcp.services:notebooks/ml (service-usage names)', 'iac.terraform:google_notebooks_*'],
  },
  'google-notebooklm': { domains: ['notebooklm.google.com'], appNames: ['NotebookLM'], risk: { dataAccess: ['files', 'prompts'] } },
  'gemini-code-assist': {
    description: 'Gemini Code Assist / Gemini for Google Cloud (IDE assistant, Business AI Code).',
    domains: ['cloudaicompanion.googleapis.com', 'businessaicode.googleapis.com', 'cloudcode-pa.googleapis.com'],
    gcp: { services: ['cloudaicompanion.googleapis.com', 'businessaicode.googleapis.com'] },
    terraform: ['google_gemini_*'],
    appNames: ['Gemini Code Assist'],
    risk: { enterpriseTerms: 'yes', hosting: 'saas', dataAccess: ['code', 'prompts'] },
    unverified: ['domains:cloudcode-pa.googleapis.com (Code Assist back end used by IDE plugins and Gemini CLI sign-in)'],
  },
  'aws-bedrock': {
    description: 'Amazon Bedrock: foundation models (Anthropic, Meta, Mistral, Amazon Nova, …), agents, knowledge bases, guardrails, the OpenAI-compatible bedrock-mantle endpoint.',
    domains: ['bedrock.{region}.amazonaws.com', 'bedrock-runtime.{region}.amazonaws.com', 'bedrock-runtime-fips.{region}.amazonaws.com', 'bedrock-agent.{region}.amazonaws.com', 'bedrock-agent-runtime.{region}.amazonaws.com', 'bedrock-mantle.{region}.api.aws'],
    apiBaseUrls: ['https://bedrock-runtime.{region}.amazonaws.com', 'https://bedrock-mantle.{region}.api.aws/v1'],
    dropPackages: ['boto3'],
    addPackages: { npm: ['@anthropic-ai/bedrock-sdk'], go: ['github.com/aws/aws-sdk-go-v2/service/bedrockagentruntime', 'github.com/aws/aws-sdk-go-v2/service/bedrockagent'], maven: ['software.amazon.awssdk:bedrock', 'com.anthropic:anthropic-java-bedrock'], nuget: ['Anthropic.Bedrock'] },
    pyImports: ['langchain_aws'],
    imports: { java: ['software.amazon.awssdk.services.bedrockruntime', 'software.amazon.awssdk.services.bedrock'] },
    credentials: [
      {
        id: 'aws-bedrock-api-key',
        description: 'Long-term Bedrock API key: ABSK + base64("BedrockAPIKey-…-at-<account>:<secret>").',
        keywords: ['ABSKQmVkcm9ja0FQSUtleS'],
        pattern: '\\b(ABSKQmVkcm9ja0FQSUtleS[A-Za-z0-9+/]{40,400}={0,2})',
        examples: {
          match: [
            env('AWS_BEARER_TOKEN_BEDROCK', `ABSK${Buffer.from(`BedrockAPIKey-${K('bedrock-id', 'lower-alnum', 4)}-at-${K('bedrock-acct', 'digits', 12)}:${K('bedrock-secret', 'base64', 56)}`).toString('base64')}`),
          ],
          noMatch: ['AWS_BEARER_TOKEN_BEDROCK=ABSKQmVkcm9ja0FQSUtleS0...', `ABSK${K('absk-random', 'base64', 120)}`],
        },
      },
      {
        id: 'aws-bedrock-short-term-key',
        description: 'Short-term Bedrock API key: bedrock-api-key- + base64 of a presigned bedrock.amazonaws.com URL.',
        keywords: ['bedrock-api-key-'],
        pattern: '\\b(bedrock-api-key-YmVkcm9jay5hbWF6b25hd3MuY29t[A-Za-z0-9+/]{20,4000}={0,2})',
        examples: {
          match: [`export AWS_BEARER_TOKEN_BEDROCK=bedrock-api-key-${Buffer.from(`bedrock.amazonaws.com/?Action=CallWithBearerToken&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=ASIA${K('bedrock-st', 'upper-hex', 16)}&X-Amz-Signature=${hexK('bedrock-sig', 64)}&Version=1`).toString('base64')}`],
          noMatch: ['AWS_BEARER_TOKEN_BEDROCK=bedrock-api-key-xxxxxxxx', `bedrock-api-key-${K('bedrock-st-random', 'base64', 80)}`],
        },
      },
    ],
    aws: { resourceTypes: ['bedrock'], eventSources: ['bedrock.amazonaws.com', 'bedrock-mantle.amazonaws.com'] },
    terraform: ['aws_bedrock_*', 'aws_bedrockagent_*'],
    risk: { trainsOnCustomerData: 'no', enterpriseTerms: 'yes', hosting: 'cloud-tenant', dataAccess: ['prompts', 'files'] },
    verified: ['envVars'],
    unverified: ['domains:bedrock-runtime-fips.{region}.amazonaws.com', 'packages.maven:software.amazon.awssdk:bedrock', 'packages.go:bedrockagent/bedrockagentruntime'],
  },
  'aws-bedrock-agentcore': {
    domains: ['bedrock-agentcore.{region}.amazonaws.com', 'bedrock-agentcore-control.{region}.amazonaws.com'],
    addPackages: { go: ['github.com/aws/aws-sdk-go-v2/service/bedrockagentcore'] },
    aws: { resourceTypes: ['bedrock-agentcore'], eventSources: ['bedrock-agentcore.amazonaws.com'] },
    terraform: ['aws_bedrockagentcore_*'],
    risk: { enterpriseTerms: 'yes', hosting: 'cloud-tenant', dataAccess: ['prompts', 'tools'] },
    unverified: ['cloud.aws.resourceTypes:bedrock-agentcore', 'cloud.aws.eventSources:bedrock-agentcore.amazonaws.com (control plane)'],
  },
  'aws-sagemaker': {
    domains: ['api.sagemaker.{region}.amazonaws.com', 'runtime.sagemaker.{region}.amazonaws.com', 'runtime-fips.sagemaker.{region}.amazonaws.com'],
    dropPackages: ['boto3'],
    aws: { resourceTypes: ['sagemaker'], eventSources: ['sagemaker.amazonaws.com'] },
    terraform: ['aws_sagemaker_*'],
    risk: { enterpriseTerms: 'yes', hosting: 'cloud-tenant', dataAccess: ['datasets', 'models', 'prompts'], notes: 'CloudTrail does not record SageMaker Runtime InvokeEndpoint.' },
  },
  'amazon-q-developer': {
    domains: ['q.{region}.amazonaws.com', 'codewhisperer.{region}.amazonaws.com'],
    aws: { resourceTypes: ['codewhisperer', 'q'], eventSources: ['codewhisperer.amazonaws.com', 'q.amazonaws.com'] },
    agentConfigs: ['.amazonq/rules/**', '.amazonq/mcp.json'],
    appNames: ['Amazon Q Developer', 'Amazon CodeWhisperer'],
    risk: { enterpriseTerms: 'yes', hosting: 'saas', dataAccess: ['code', 'prompts'], notes: 'IDE / CLI activity is CloudTrail data events (need data-event logging, Pro tier).' },
    unverified: ['cloud.aws.eventSources:q.amazonaws.com', 'cloud.aws.resourceTypes:q'],
  },
  'amazon-q-business': {
    aws: { resourceTypes: ['qbusiness'], eventSources: ['qbusiness.amazonaws.com'] },
    terraform: ['aws_qbusiness_*'],
    appNames: ['Amazon Q Business'],
    risk: { enterpriseTerms: 'yes', hosting: 'cloud-tenant', dataAccess: ['files', 'mail', 'chat', 'prompts'] },
    unverified: ['cloud.aws.eventSources:qbusiness.amazonaws.com'],
  },
  'amazon-comprehend': { dropPackages: ['boto3'], aws: { resourceTypes: ['comprehend'], eventSources: ['comprehend.amazonaws.com'] }, terraform: ['aws_comprehend_*'], risk: { hosting: 'cloud-tenant', dataAccess: ['documents'] }, unverified: ['cloud.aws.eventSources'] },
  'amazon-rekognition': { dropPackages: ['boto3'], aws: { resourceTypes: ['rekognition'], eventSources: ['rekognition.amazonaws.com'] }, terraform: ['aws_rekognition_*'], risk: { hosting: 'cloud-tenant', dataAccess: ['images', 'video'] }, unverified: ['cloud.aws.eventSources'] },
  'amazon-textract': { dropPackages: ['boto3'], aws: { resourceTypes: ['textract'], eventSources: ['textract.amazonaws.com'] }, risk: { hosting: 'cloud-tenant', dataAccess: ['documents'] }, unverified: ['cloud.aws.eventSources'] },
  'amazon-transcribe': { dropPackages: ['boto3'], aws: { resourceTypes: ['transcribe'], eventSources: ['transcribe.amazonaws.com'] }, terraform: ['aws_transcribe_*'], risk: { hosting: 'cloud-tenant', dataAccess: ['voice'] }, unverified: ['cloud.aws.eventSources'] },
  'amazon-polly': { dropPackages: ['boto3'], aws: { resourceTypes: ['polly'], eventSources: ['polly.amazonaws.com'] }, risk: { hosting: 'cloud-tenant', dataAccess: ['text'] }, unverified: ['cloud.aws.eventSources'] },
  'amazon-translate': { dropPackages: ['boto3'], aws: { resourceTypes: ['translate'], eventSources: ['translate.amazonaws.com'] }, risk: { hosting: 'cloud-tenant', dataAccess: ['documents', 'text'] }, unverified: ['cloud.aws.eventSources'] },
  'amazon-kendra': { dropPackages: ['boto3'], aws: { resourceTypes: ['kendra'], eventSources: ['kendra.amazonaws.com'] }, terraform: ['aws_kendra_*'], risk: { hosting: 'cloud-tenant', dataAccess: ['documents'] }, unverified: ['cloud.aws.eventSources'] },
  'amazon-lex': {
    domains: ['lex.{region}.amazonaws.com', 'runtime-v2-lex.{region}.amazonaws.com', 'models-v2-lex.{region}.amazonaws.com'],
    dropPackages: ['boto3'],
    aws: { resourceTypes: ['lex'], eventSources: ['lex.amazonaws.com'] },
    terraform: ['aws_lex_*', 'aws_lexv2models_*'],
    risk: { hosting: 'cloud-tenant', dataAccess: ['chat', 'voice'] },
    unverified: ['cloud.aws.eventSources'],
  },
  'azure-openai': {
    description: 'Azure OpenAI in Azure AI Foundry Models: OpenAI models deployed in an Azure subscription.',
    domains: [
      '{resource}.openai.azure.com',
      { template: '{resource}.cognitiveservices.azure.com', paths: ['/openai/'], shared: true, note: 'Custom-subdomain Cognitive Services endpoint; only /openai/ paths are Azure OpenAI.' },
      { template: '{resource}.services.ai.azure.com', paths: ['/openai/'], shared: true, note: 'AI Foundry resource endpoint; /openai/ paths are the Azure OpenAI API.' },
    ],
    apiBaseUrls: ['https://{resource}.openai.azure.com/openai'],
    dropPackages: ['openai'],
    addPackages: { nuget: ['Microsoft.SemanticKernel.Connectors.AzureOpenAI'] },
    imports: { java: ['com.azure.ai.openai'] },
    credentials: [
      {
        id: 'azure-openai-key',
        description: 'Azure OpenAI / Cognitive Services key: 32 lower-case hex, no prefix; claimed only next to an Azure OpenAI endpoint or variable.',
        keywords: ['openai.azure.com', 'azure_openai', 'azureopenai'],
        pattern: '\\b([a-f0-9]{32})\\b',
        context: ['openai.azure.com', 'azure_openai', 'azureopenai'],
        contextWindow: 160,
        examples: {
          match: [env('AZURE_OPENAI_API_KEY', hexK('azure-openai', 32)), `endpoint = "https://contoso.openai.azure.com/"\napi_key = "${hexK('azure-openai-2', 32)}"`],
          noMatch: ['AZURE_OPENAI_API_KEY=<your-key>', env('AZURE_OPENAI_API_KEY', K('azure-openai-upper', 'upper-hex', 32)), `commit ${hexK('azure-openai-sha', 32)}`],
        },
      },
    ],
    azure: [{ type: 'Microsoft.CognitiveServices/accounts', kinds: ['OpenAI'] }, { type: 'Microsoft.CognitiveServices/accounts/deployments' }],
    terraform: ['azurerm_cognitive_deployment'],
    appNames: ['Azure OpenAI'],
    risk: { trainsOnCustomerData: 'no', enterpriseTerms: 'yes', hosting: 'cloud-tenant', dataAccess: ['prompts', 'files'] },
    references: ['https://learn.microsoft.com/en-us/java/api/overview/azure/ai-openai-readme'],
    verified: ['packages.maven', 'packages.nuget'],
    unverified: ['apiBaseUrls:/openai/v1'],
  },
  'azure-ai-foundry': {
    description: 'Azure AI Foundry (new Foundry resources of kind AIServices with projects; classic hubs are ML workspaces of kind Hub/Project).',
    domains: ['ai.azure.com', { template: '{resource}.services.ai.azure.com', shared: true, note: 'Foundry resource endpoint; its /openai/ paths belong to azure-openai.' }],
    pyImports: ['azure.ai.projects', 'azure.ai.inference', 'azure.ai.agents'],
    azure: [
      { type: 'Microsoft.CognitiveServices/accounts', kinds: ['AIServices'] },
      { type: 'Microsoft.CognitiveServices/accounts/projects' },
      { type: 'Microsoft.MachineLearningServices/workspaces', kinds: ['Hub', 'Project'] },
    ],
    terraform: ['azurerm_ai_foundry*', 'azurerm_ai_services', 'azurerm_cognitive_account_project'],
    appNames: ['Azure AI Foundry', 'Microsoft Foundry'],
    risk: { trainsOnCustomerData: 'no', enterpriseTerms: 'yes', hosting: 'cloud-tenant', dataAccess: ['prompts', 'files', 'datasets'] },
  },
  'azure-ai-services': {
    description: 'Azure AI services (Cognitive Services): Speech, Language, Vision, Document Intelligence, Translator, Content Safety …',
    domains: [
      { template: '{resource}.cognitiveservices.azure.com', shared: true, note: 'Any Cognitive Services account; /openai/ paths belong to azure-openai.' },
      '{region}.api.cognitive.microsoft.com',
      '{region}.stt.speech.microsoft.com',
      '{region}.tts.speech.microsoft.com',
      'api.cognitive.microsofttranslator.com',
    ],
    pyImports: ['azure.cognitiveservices.speech', 'azure.ai.textanalytics', 'azure.ai.documentintelligence', 'azure.ai.formrecognizer', 'azure.ai.vision.imageanalysis', 'azure.ai.contentsafety'],
    credentials: [
      {
        id: 'azure-cognitive-services-key',
        description: 'Cognitive Services key: 32 hex, no prefix; claimed only next to a Cognitive Services endpoint or variable.',
        keywords: ['cognitiveservices', 'cognitive.microsoft.com', 'speech_key', 'azure_ai_'],
        pattern: '\\b([a-fA-F0-9]{32})\\b',
        context: ['cognitiveservices', 'cognitive.microsoft.com', 'speech_key', 'azure_ai_'],
        contextWindow: 160,
        examples: {
          match: [`SPEECH_KEY=${hexK('azure-speech', 32)}\nSPEECH_REGION=westeurope`, `endpoint: https://contoso.cognitiveservices.azure.com/\nkey: ${hexK('azure-cog', 32)}`],
          noMatch: ['SPEECH_KEY=your-speech-key', `SPEECH_KEY=${hexK('azure-speech-short', 24)}`],
        },
      },
    ],
    azure: [{ type: 'Microsoft.CognitiveServices/accounts' }],
    terraform: ['azurerm_cognitive_*'],
    risk: { enterpriseTerms: 'yes', hosting: 'cloud-tenant', dataAccess: ['documents', 'voice', 'images', 'text'] },
    unverified: ['domains:api.cognitive.microsofttranslator.com'],
  },
  'azure-machine-learning': {
    domains: ['ml.azure.com', '{region}.api.azureml.ms', '{endpoint}.{region}.inference.ml.azure.com'],
    pyImports: ['azure.ai.ml', 'azureml'],
    azure: [{ type: 'Microsoft.MachineLearningServices/workspaces' }, { type: 'Microsoft.MachineLearningServices/registries' }, { type: 'Microsoft.MachineLearningServices/workspaces/onlineEndpoints' }, { type: 'Microsoft.MachineLearningServices/workspaces/serverlessEndpoints' }, { type: 'Microsoft.MachineLearningServices/workspaces/batchEndpoints' }],
    terraform: ['azurerm_machine_learning_*'],
    risk: { enterpriseTerms: 'yes', hosting: 'cloud-tenant', dataAccess: ['datasets', 'models'] },
    unverified: ['cloud.azure:endpoint and registry resource types'],
  },
  'azure-ai-search': {
    domains: ['{service}.search.windows.net'],
    pyImports: ['azure.search.documents'],
    azure: [{ type: 'Microsoft.Search/searchServices' }],
    terraform: ['azurerm_search_service'],
    risk: { enterpriseTerms: 'yes', hosting: 'cloud-tenant', dataAccess: ['documents', 'embeddings'] },
    verified: ['packages.nuget'],
  },
  'microsoft-copilot': {
    description: 'Microsoft Copilot (consumer / Bing chat; Copilot app).',
    domains: ['copilot.microsoft.com', 'copilot.cloud.microsoft', 'sydney.bing.com'],
    appNames: ['Microsoft Copilot', 'Bing Chat'],
    risk: { dataAccess: ['prompts', 'files'] },
  },
  'm365-copilot': {
    description: 'Microsoft 365 Copilot (Copilot Chat in the M365 app, Copilot in Word / Excel / Outlook / Teams). Audit: unified audit log RecordType 261, Operation CopilotInteraction, Workload Copilot.',
    domains: [
      { host: 'm365.cloud.microsoft', paths: ['/chat'], note: 'The M365 home serves every user; Copilot Chat is under /chat.' },
      { host: 'substrate.office.com', paths: ['/m365copilot/'], note: 'Substrate serves Outlook / Teams / search back ends; only the Copilot chat hub path is Copilot.' },
    ],
    appNames: ['Microsoft 365 Copilot', 'Copilot for Microsoft 365', 'Microsoft Copilot Studio', 'Copilot Studio'],
    risk: { trainsOnCustomerData: 'no', enterpriseTerms: 'yes', hosting: 'saas', dataAccess: ['mail', 'files', 'calendar', 'meetings', 'chat'] },
    unverified: ['domains:substrate.office.com/m365Copilot/ path'],
  },
  'github-copilot': {
    description: 'GitHub Copilot (IDE completions and chat, Copilot coding agent, Copilot CLI, Copilot on github.com).',
    domains: [
      '.githubcopilot.com',
      'copilot-proxy.githubusercontent.com',
      'copilot-telemetry.githubusercontent.com',
      'origin-tracker.githubusercontent.com',
      'copilot.github.com',
      { host: 'github.com', paths: ['/copilot'], note: 'github.com alone is not Copilot; only the Copilot chat path is.' },
      { host: 'api.github.com', paths: ['/copilot_internal/'], note: 'Copilot token exchange used by IDE plugins.' },
    ],
    agentConfigs: ['.github/copilot-instructions.md', '.github/instructions/*.instructions.md', '.github/prompts/*.prompt.md', '.github/agents/**', '.github/chatmodes/*.chatmode.md', '.github/workflows/copilot-setup-steps.yml', '.vscode/mcp.json'],
    appNames: ['GitHub Copilot', 'GitHub Copilot Chat', 'GitHub Copilot Plugin'],
    risk: { trainsOnCustomerData: 'no', enterpriseTerms: 'yes', hosting: 'saas', dataAccess: ['code', 'prompts'], notes: 'Business / Enterprise: prompts and suggestions not retained for training; individual plans have settings.' },
    unverified: ['domains:origin-tracker.githubusercontent.com', 'domains:api.github.com/copilot_internal/ path', 'agentConfigs:.github/chatmodes', 'agentConfigs:.vscode/mcp.json (VS Code MCP, used by Copilot agent mode)'],
  },
  'github-models': {
    domains: ['models.github.ai', 'models.inference.ai.azure.com'],
    dropEnv: ['GITHUB_TOKEN'],
    risk: { hosting: 'saas', dataAccess: ['prompts'] },
  },
  mistral: {
    domains: ['api.mistral.ai', 'codestral.mistral.ai', 'chat.mistral.ai', 'console.mistral.ai', '.mistral.ai'],
    pyImports: ['mistralai'],
    credentials: [
      {
        id: 'mistral-api-key',
        description: '32 alphanumerics, no prefix; claimed only next to "mistral" / "codestral".',
        keywords: ['mistral', 'codestral'],
        pattern: '\\b([A-Za-z0-9]{32})\\b',
        context: ['mistral', 'codestral'],
        minEntropy: 4.1,
        examples: {
          match: [env('MISTRAL_API_KEY', K('mistral-key', 'alnum', 32)), `client = Mistral(api_key="${K('mistral-key-2', 'alnum', 32)}")`],
          noMatch: ['MISTRAL_API_KEY=your_mistral_api_key_here', env('MISTRAL_API_KEY', hexK('mistral-hex', 32)), env('MISTRAL_MODEL', 'mistral-large-latest-2411-0000000')],
        },
      },
    ],
    agentConfigs: ['.vibe/config.toml'],
    appNames: ['Mistral AI', 'Le Chat'],
    risk: { enterpriseTerms: 'yes', dataResidency: ['eu'], dataAccess: ['prompts', 'files'] },
  },
  cohere: {
    domains: ['api.cohere.com', 'api.cohere.ai', 'dashboard.cohere.com', '.cohere.com', '.cohere.ai'],
    imports: { java: ['com.cohere'] },
    credentials: [
      {
        id: 'cohere-api-key',
        description: '40 alphanumerics, no prefix; claimed only next to "cohere" / CO_API_KEY.',
        keywords: ['cohere', 'co_api_key'],
        pattern: '\\b([A-Za-z0-9]{40})\\b',
        context: ['cohere', 'co_api_key'],
        minEntropy: 4.3,
        examples: {
          match: [env('CO_API_KEY', K('cohere-key', 'alnum', 40)), `co = cohere.ClientV2("${K('cohere-key-2', 'alnum', 40)}")`],
          noMatch: ['CO_API_KEY=<your-cohere-api-key>', `cohere==5.0.0 --hash=sha1:${hexK('cohere-sha', 40)}`],
        },
      },
    ],
    appNames: ['Cohere'],
    risk: { enterpriseTerms: 'yes', dataAccess: ['prompts', 'documents'] },
  },
  groq: {
    domains: ['api.groq.com', 'console.groq.com', '.groq.com'],
    credentials: [
      {
        id: 'groq-api-key',
        description: 'gsk_ + 52 alphanumerics (56 chars).',
        keywords: ['gsk_'],
        pattern: '\\b(gsk_[A-Za-z0-9]{52})\\b',
        examples: { match: [env('GROQ_API_KEY', `gsk_${K('groq', 'alnum', 52)}`)], noMatch: ['GROQ_API_KEY=gsk_...', `gsk_${K('groq-short', 'alnum', 30)}`] },
      },
    ],
    appNames: ['Groq'],
    risk: { dataAccess: ['prompts'] },
    unverified: ['credentials:groq-api-key length (one gitleaks PR uses 48)'],
  },
  xai: {
    domains: ['api.x.ai', 'console.x.ai', '.x.ai'],
    credentials: [
      {
        id: 'xai-api-key',
        description: 'xai- + 80 [A-Za-z0-9_] (84 chars).',
        keywords: ['xai-'],
        pattern: '\\b(xai-[A-Za-z0-9_]{80})\\b',
        examples: { match: [env('XAI_API_KEY', `xai-${K('xai', 'alnum', 80)}`)], noMatch: ['XAI_API_KEY=xai-xxxxxxxx', `xai-${K('xai-short', 'alnum', 40)}`] },
      },
    ],
    appNames: ['xAI'],
    risk: { dataAccess: ['prompts'] },
  },
  grok: {
    description: "xAI's Grok assistant (grok.com, apps, and Grok inside X).",
    domains: ['.grok.com', { host: 'x.com', paths: ['/i/grok'], note: 'x.com alone is the social network; only the Grok path is Grok.' }],
    appNames: ['Grok'],
    risk: { dataAccess: ['prompts', 'files', 'images'] },
  },
  deepseek: {
    domains: ['api.deepseek.com', 'chat.deepseek.com', 'platform.deepseek.com', '.deepseek.com'],
    credentials: [
      {
        id: 'deepseek-api-key',
        description: 'sk- + 32 lower-case hex (35 chars); the shape is shared (DashScope), so "deepseek" must be nearby.',
        keywords: ['deepseek'],
        pattern: '\\b(sk-[a-f0-9]{32})\\b',
        context: ['deepseek'],
        contextWindow: 120,
        examples: {
          match: [env('DEEPSEEK_API_KEY', `sk-${hexK('deepseek', 32)}`), `client = OpenAI(api_key="sk-${hexK('deepseek-2', 32)}", base_url="https://api.deepseek.com")`],
          noMatch: [env('DEEPSEEK_API_KEY', `sk-${K('deepseek-legacy-openai', 'alnum', 48)}`), env('DASHSCOPE_API_KEY', `sk-${hexK('deepseek-dashscope', 32)}`), 'DEEPSEEK_API_KEY=sk-xxxxxxxxxxxxxxxx'],
        },
      },
    ],
    appNames: ['DeepSeek'],
    risk: { trainsOnCustomerData: 'unknown', dataResidency: ['cn'], dataAccess: ['prompts', 'files'] },
  },
  perplexity: {
    domains: ['api.perplexity.ai', '.perplexity.ai'],
    pyImports: ['perplexity'],
    credentials: [
      {
        id: 'perplexity-api-key',
        description: 'pplx- + 48 alphanumerics (53 chars).',
        keywords: ['pplx-'],
        pattern: '\\b(pplx-[A-Za-z0-9]{48})\\b',
        examples: { match: [env('PERPLEXITY_API_KEY', `pplx-${K('pplx', 'alnum', 48)}`)], noMatch: ['PERPLEXITY_API_KEY=pplx-...', `pplx-${K('pplx-short', 'alnum', 20)}`] },
      },
    ],
    appNames: ['Perplexity', 'Perplexity AI', 'Comet'],
    risk: { dataAccess: ['prompts', 'files'] },
    unverified: ['saas.appNames:Comet (Perplexity browser)', 'imports.python:perplexity'],
  },
  openrouter: {
    domains: ['.openrouter.ai'],
    credentials: [
      {
        id: 'openrouter-api-key',
        description: 'sk-or-v1- + 64 lower-case hex (73 chars).',
        keywords: ['sk-or-v1-'],
        pattern: '\\b(sk-or-v1-[a-f0-9]{64})\\b',
        examples: { match: [env('OPENROUTER_API_KEY', `sk-or-v1-${hexK('openrouter', 64)}`)], noMatch: ['OPENROUTER_API_KEY=sk-or-v1-xxx', `sk-or-v1-${K('openrouter-upper', 'upper-hex', 64)}`] },
      },
    ],
    appNames: ['OpenRouter'],
    risk: { hosting: 'saas', dataAccess: ['prompts'] },
  },
  'together-ai': {
    domains: ['api.together.xyz', '.together.xyz', 'api.together.ai', '.together.ai'],
    envVars: ['TOGETHER_API_KEY', 'TOGETHER_AI_API_KEY', 'TOGETHERAI_API_KEY'],
    credentials: [
      {
        id: 'together-api-key',
        description: 'tgp_v1_ + URL-safe characters (community-observed prefix; length not pinned).',
        keywords: ['tgp_v1_'],
        pattern: '\\b(tgp_v1_[A-Za-z0-9_-]{30,80})',
        minEntropy: 4,
        examples: { match: [env('TOGETHER_API_KEY', `tgp_v1_${K('together', 'urlsafe', 43)}`)], noMatch: ['TOGETHER_API_KEY=tgp_v1_xxxxxxxx', 'TOGETHER_API_KEY=tgp_v1_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'] },
      },
    ],
    appNames: ['Together AI'],
    risk: { dataAccess: ['prompts'] },
  },
  'fireworks-ai': {
    domains: ['api.fireworks.ai', '.fireworks.ai'],
    credentials: [
      {
        id: 'fireworks-api-key',
        description: 'fw_ + alphanumerics (community-observed prefix; length not pinned).',
        keywords: ['fw_'],
        pattern: '\\b(fw_[A-Za-z0-9]{20,48})\\b',
        minEntropy: 4,
        examples: { match: [env('FIREWORKS_API_KEY', `fw_${K('fireworks', 'alnum', 24)}`)], noMatch: ['FIREWORKS_API_KEY=fw_xxxxxxxxxxxxxxxxxxxxxxxx', 'def fw_update_firmware_version_handler():'] },
      },
    ],
    pyImports: ['fireworks'],
    risk: { dataAccess: ['prompts'] },
  },
  replicate: {
    domains: ['api.replicate.com', '.replicate.com', '.replicate.delivery'],
    credentials: [
      {
        id: 'replicate-api-token',
        description: 'r8_ + 37 [0-9A-Za-z_-] (40 chars).',
        keywords: ['r8_'],
        pattern: '\\b(r8_[A-Za-z0-9_-]{37})(?![A-Za-z0-9_-])',
        minEntropy: 4,
        examples: { match: [env('REPLICATE_API_TOKEN', `r8_${K('replicate', 'alnum', 37)}`)], noMatch: ['REPLICATE_API_TOKEN=r8_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx', `r8_${K('replicate-short', 'alnum', 20)}`] },
      },
    ],
    appNames: ['Replicate'],
    risk: { dataAccess: ['prompts', 'images'] },
  },
  huggingface: {
    name: 'Hugging Face',
    domains: ['.huggingface.co', '.hf.co', 'api-inference.huggingface.co', 'router.huggingface.co'],
    pyImports: ['huggingface_hub', 'transformers'],
    credentials: [
      {
        id: 'huggingface-user-token',
        description: 'hf_ + 34 alphanumerics (37 chars).',
        keywords: ['hf_'],
        pattern: '\\b(hf_[A-Za-z0-9]{34})\\b',
        minEntropy: 3.8,
        examples: { match: [env('HF_TOKEN', `hf_${K('hf-user', 'letters', 34)}`), `login(token="hf_${K('hf-user-2', 'alnum', 34)}")`], noMatch: ['HF_TOKEN=hf_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx', `hf_${K('hf-short', 'letters', 20)}`, 'hf_hub_download_and_cache_the_model_config'] },
      },
      {
        id: 'huggingface-org-token',
        description: 'api_org_ + 34 alphanumerics.',
        keywords: ['api_org_'],
        pattern: '\\b(api_org_[A-Za-z0-9]{34})\\b',
        minEntropy: 3.8,
        examples: { match: [env('HUGGING_FACE_HUB_TOKEN', `api_org_${K('hf-org', 'letters', 34)}`)], noMatch: ['api_org_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'] },
      },
    ],
    appNames: ['Hugging Face'],
    risk: { hosting: 'saas', dataAccess: ['models', 'datasets', 'prompts'] },
  },
  ai21: {
    domains: ['api.ai21.com', 'studio.ai21.com', '.ai21.com'],
    credentials: [
      {
        id: 'ai21-api-key',
        description: 'UUID, no prefix; claimed only next to "ai21".',
        keywords: ['ai21'],
        pattern: '\\b([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\\b',
        context: ['ai21'],
        examples: { match: [env('AI21_API_KEY', U('ai21'))], noMatch: ['AI21_API_KEY=your-ai21-key', `REQUEST_ID=${U('ai21-other')}`] },
      },
    ],
    risk: { dataAccess: ['prompts'] },
  },
  cerebras: {
    domains: ['api.cerebras.ai', 'cloud.cerebras.ai', 'inference.cerebras.ai'],
    pyImports: ['cerebras.cloud.sdk'],
    credentials: [
      {
        id: 'cerebras-api-key',
        description: 'csk- + alphanumerics (community-observed prefix; length not pinned).',
        keywords: ['csk-'],
        pattern: '\\b(csk-[a-z0-9]{40,60})\\b',
        minEntropy: 4,
        examples: { match: [env('CEREBRAS_API_KEY', `csk-${K('cerebras', 'lower-alnum', 48)}`)], noMatch: ['CEREBRAS_API_KEY=csk-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'] },
      },
    ],
    risk: { dataAccess: ['prompts'] },
    unverified: ['domains:inference.cerebras.ai'],
  },
  sambanova: { domains: ['api.sambanova.ai', 'cloud.sambanova.ai', '.sambanova.ai'], risk: { dataAccess: ['prompts'] } },
  'nvidia-nim': {
    description: 'NVIDIA API catalog / hosted NIM endpoints (build.nvidia.com) and NIM containers. ngc.nvidia.com, nvcr.io and authn.nvidia.com serve all NVIDIA software and are deliberately not claimed.',
    domains: ['integrate.api.nvidia.com', 'ai.api.nvidia.com', 'build.nvidia.com'],
    credentials: [
      {
        id: 'nvidia-api-key',
        description: 'nvapi- + 64 [A-Za-z0-9_-] (70 chars).',
        keywords: ['nvapi-'],
        pattern: '\\b(nvapi-[A-Za-z0-9_-]{64})(?![A-Za-z0-9_-])',
        examples: { match: [env('NVIDIA_API_KEY', `nvapi-${K('nvapi', 'urlsafe', 64)}`)], noMatch: ['NVIDIA_API_KEY=nvapi-xxxx', `nvapi-${K('nvapi-short', 'urlsafe', 30)}`] },
      },
    ],
    images: ['nvcr.io/nim/*'],
    risk: { dataAccess: ['prompts'] },
    unverified: ['domains:ai.api.nvidia.com', 'images:nvcr.io/nim/* path pattern'],
  },
  deepinfra: { domains: ['api.deepinfra.com', '.deepinfra.com'], risk: { dataAccess: ['prompts'] } },
  'moonshot-kimi': { domains: ['api.moonshot.ai', 'api.moonshot.cn', '.moonshot.ai', '.moonshot.cn', '.kimi.com'], appNames: ['Kimi'], risk: { dataResidency: ['cn'], dataAccess: ['prompts', 'files'] } },
  'zhipu-zai': { domains: ['open.bigmodel.cn', '.bigmodel.cn', 'api.z.ai', '.z.ai', '.chatglm.cn'], risk: { dataResidency: ['cn'], dataAccess: ['prompts'] } },
  'alibaba-qwen': {
    description: 'Alibaba Cloud Model Studio / DashScope (Qwen models), the Qwen chat app and Qwen Code.',
    domains: ['dashscope.aliyuncs.com', 'dashscope-intl.aliyuncs.com', '.qwen.ai', 'tongyi.aliyun.com'],
    credentials: [
      {
        id: 'dashscope-api-key',
        description: 'sk- + 32 lower-case hex; the shape is shared (DeepSeek), so a DashScope / Qwen word must be nearby.',
        keywords: ['dashscope', 'qwen', 'bailian'],
        pattern: '\\b(sk-[a-f0-9]{32})\\b',
        context: ['dashscope', 'qwen', 'bailian'],
        contextWindow: 120,
        examples: { match: [env('DASHSCOPE_API_KEY', `sk-${hexK('dashscope', 32)}`)], noMatch: [env('DEEPSEEK_API_KEY', `sk-${hexK('dashscope-deepseek', 32)}`), 'DASHSCOPE_API_KEY=sk-xxx'] },
      },
    ],
    agentConfigs: ['.qwen/settings.json', 'QWEN.md'],
    risk: { dataResidency: ['cn', 'sg'], dataAccess: ['prompts'] },
    unverified: ['agentConfigs:QWEN.md', 'credentials:dashscope-api-key shape'],
  },
  'baidu-qianfan': { domains: ['qianfan.baidubce.com', 'aip.baidubce.com', 'yiyan.baidu.com'], risk: { dataResidency: ['cn'], dataAccess: ['prompts'] } },
  minimax: { domains: ['api.minimax.io', 'api.minimaxi.com', '.minimax.io', '.minimaxi.com'], risk: { dataAccess: ['prompts'] } },
  'voyage-ai': {
    domains: ['api.voyageai.com', '.voyageai.com'],
    credentials: [
      {
        id: 'voyage-api-key',
        description: 'pa- / al- + 43 URL-safe base64 chars; the prefixes are short, so "voyage" must be nearby.',
        keywords: ['voyage'],
        pattern: '\\b((?:pa|al)-[A-Za-z0-9_-]{43})(?![A-Za-z0-9_-])',
        context: ['voyage'],
        minEntropy: 4,
        examples: { match: [env('VOYAGE_API_KEY', `pa-${K('voyage', 'base64url', 43)}`)], noMatch: ['VOYAGE_API_KEY=pa-xxxxx', `css: al-${K('voyage-css', 'base64url', 43)}`] },
      },
    ],
    risk: { dataAccess: ['documents', 'embeddings'] },
  },
  'jina-ai': {
    domains: ['api.jina.ai', 'r.jina.ai', 's.jina.ai', '.jina.ai'],
    credentials: [
      {
        id: 'jina-api-key',
        description: 'jina_ + 60 alphanumerics.',
        keywords: ['jina_'],
        pattern: '\\b(jina_[A-Za-z0-9]{60})\\b',
        examples: { match: [env('JINA_API_KEY', `jina_${K('jina', 'alnum', 60)}`)], noMatch: ['JINA_API_KEY=jina_xxx', `jina_${K('jina-short', 'alnum', 30)}`] },
      },
    ],
    risk: { dataAccess: ['documents', 'embeddings'] },
  },
  upstage: { domains: ['api.upstage.ai', 'console.upstage.ai', '.upstage.ai'], risk: { dataAccess: ['prompts', 'documents'] } },
  writer: { domains: ['api.writer.com', '.writer.com'], pyImports: ['writerai'], appNames: ['Writer'], risk: { dataAccess: ['prompts', 'documents'] }, unverified: ['imports.python:writerai'] },
  reka: { domains: ['api.reka.ai', 'chat.reka.ai', '.reka.ai'], pyImports: ['reka'], risk: { dataAccess: ['prompts', 'images', 'video'] } },
  'aleph-alpha': { domains: ['api.aleph-alpha.com', '.aleph-alpha.com'], pyImports: ['aleph_alpha_client'], risk: { dataResidency: ['eu'], dataAccess: ['prompts'] } },
  'meta-llama': { name: 'Meta AI / Llama API', domains: ['.meta.ai', 'api.llama.com', '.llama.com'], pyImports: ['llama_api_client'], appNames: ['Meta AI'], risk: { dataAccess: ['prompts'] } },
  'ibm-watsonx': {
    description: 'IBM watsonx.ai. dataplatform.cloud.ibm.com and iam.cloud.ibm.com serve every IBM Cloud service and are deliberately not claimed.',
    domains: ['{region}.ml.cloud.ibm.com'],
    pyImports: ['ibm_watsonx_ai'],
    risk: { enterpriseTerms: 'yes', hosting: 'saas', dataAccess: ['prompts', 'datasets'] },
  },
  'oci-generative-ai': {
    domains: ['inference.generativeai.{region}.oci.oraclecloud.com', 'generativeai.{region}.oci.oraclecloud.com'],
    dropPackages: ['oci'],
    terraform: ['oci_generative_ai_*'],
    risk: { enterpriseTerms: 'yes', hosting: 'cloud-tenant', dataAccess: ['prompts'] },
    unverified: ['iac.terraform:oci_generative_ai_*', 'domains:generativeai.{region}.oci.oraclecloud.com (control plane)'],
  },
  'cloudflare-workers-ai': {
    description: 'Cloudflare Workers AI and AI Gateway. api.cloudflare.com is claimed only under the account-scoped /ai/ path.',
    domains: [
      'gateway.ai.cloudflare.com',
      { host: 'api.cloudflare.com', paths: ['/client/v4/accounts/{account}/ai/'], note: 'General Cloudflare API host; only the Workers AI path is AI use.' },
    ],
    apiBaseUrls: ['https://api.cloudflare.com/client/v4/accounts/{account_id}/ai/run', 'https://gateway.ai.cloudflare.com/v1'],
    dropEnv: ['CLOUDFLARE_API_TOKEN', 'CLOUDFLARE_ACCOUNT_ID'],
    terraform: ['cloudflare_ai_gateway*', 'cloudflare_workers_ai*'],
    risk: { hosting: 'saas', dataAccess: ['prompts'] },
    verified: ['apiBaseUrls'],
    unverified: ['iac.terraform:cloudflare_ai_gateway*', 'iac.terraform:cloudflare_workers_ai*'],
  },
  'vercel-ai-sdk': {
    description: "Vercel's AI SDK (npm `ai`, `@ai-sdk/*` providers) and AI Gateway.",
    domains: ['ai-gateway.vercel.sh'],
    addPackages: { npm: ['@ai-sdk/gateway', '@ai-sdk/react'] },
    risk: { hosting: 'library', dataAccess: ['prompts'] },
  },
  litellm: {
    description: 'LiteLLM proxy / SDK (BerriAI): an OpenAI-compatible gateway in front of 100+ providers.',
    apiBaseUrls: [],
    credentials: [
      {
        id: 'litellm-virtual-key',
        description: 'LiteLLM virtual key: sk- + 22 URL-safe chars; claimed only next to "litellm".',
        keywords: ['litellm'],
        pattern: '\\b(sk-[A-Za-z0-9_-]{22})(?![A-Za-z0-9_-])',
        context: ['litellm'],
        minEntropy: 3.8,
        examples: { match: [env('LITELLM_API_KEY', `sk-${K('litellm', 'base64url', 22)}`)], noMatch: [env('LITELLM_MASTER_KEY', 'sk-1234'), env('LITELLM_API_KEY', `sk-${hexK('litellm-ds', 32)}`)] },
      },
    ],
    envVars: ['LITELLM_MASTER_KEY', 'LITELLM_API_KEY', 'LITELLM_PROXY_API_KEY'],
    images: ['ghcr.io/berriai/litellm', 'ghcr.io/berriai/litellm-database'],
    risk: { hosting: 'self-hosted', dataAccess: ['prompts'] },
    unverified: ['apiBaseUrls:http://localhost:4000 (dropped: any local service on port 4000 would match)', 'images', 'envVars:LITELLM_PROXY_API_KEY'],
  },
  portkey: { domains: ['api.portkey.ai', '.portkey.ai'], pyImports: ['portkey_ai'], risk: { dataAccess: ['prompts'] } },
  helicone: {
    domains: ['.helicone.ai'],
    credentials: [
      {
        id: 'helicone-api-key',
        description: 'sk-helicone- + key body (community-observed prefix; length not pinned).',
        keywords: ['sk-helicone-'],
        pattern: '\\b(sk-helicone-[A-Za-z0-9-]{20,80})',
        minEntropy: 3.8,
        examples: { match: [env('HELICONE_API_KEY', `sk-helicone-${K('helicone-a', 'lower-alnum', 7)}-${K('helicone-b', 'lower-alnum', 7)}-${K('helicone-c', 'lower-alnum', 7)}-${K('helicone-d', 'lower-alnum', 7)}`)], noMatch: ['HELICONE_API_KEY=sk-helicone-xxxx'] },
      },
    ],
    risk: { dataAccess: ['prompts', 'completions'] },
  },
  'langchain-langsmith': {
    name: 'LangChain / LangSmith',
    domains: ['api.smith.langchain.com', 'smith.langchain.com', 'eu.api.smith.langchain.com'],
    credentials: [
      {
        id: 'langsmith-api-key',
        description: 'lsv2_pt_ (personal) / lsv2_sk_ (service) + 32 hex + _ + 10 hex (51 chars).',
        keywords: ['lsv2_'],
        pattern: '\\b(lsv2_(?:pt|sk)_[a-f0-9]{32}_[a-f0-9]{10})\\b',
        examples: { match: [env('LANGSMITH_API_KEY', `lsv2_pt_${hexK('langsmith', 32)}_${hexK('langsmith-2', 10)}`), env('LANGCHAIN_API_KEY', `lsv2_sk_${hexK('langsmith-sk', 32)}_${hexK('langsmith-sk2', 10)}`)], noMatch: ['LANGSMITH_API_KEY=lsv2_pt_...', `ls__${hexK('langsmith-legacy', 32)}`] },
      },
    ],
    appNames: ['LangSmith'],
    risk: { hosting: 'library', dataAccess: ['prompts', 'completions'] },
    unverified: ['domains:eu.api.smith.langchain.com'],
  },
  llamaindex: {
    domains: ['cloud.llamaindex.ai', 'api.cloud.llamaindex.ai', '.llamaindex.ai'],
    pyImports: ['llama_index', 'llama_parse', 'llama_cloud'],
    credentials: [
      {
        id: 'llamacloud-api-key',
        description: 'llx- + alphanumerics (community-observed prefix; length not pinned).',
        keywords: ['llx-'],
        pattern: '\\b(llx-[A-Za-z0-9]{40,60})\\b',
        minEntropy: 4,
        examples: { match: [env('LLAMA_CLOUD_API_KEY', `llx-${K('llamacloud', 'alnum', 48)}`)], noMatch: ['LLAMA_CLOUD_API_KEY=llx-...'] },
      },
    ],
    risk: { hosting: 'library', dataAccess: ['documents', 'prompts'] },
  },
  langfuse: {
    domains: ['.langfuse.com'],
    credentials: [
      {
        id: 'langfuse-key',
        description: 'Secret sk-lf- / public pk-lf- key followed by a UUID.',
        keywords: ['sk-lf-', 'pk-lf-'],
        pattern: '\\b((?:sk|pk)-lf-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\\b',
        examples: { match: [env('LANGFUSE_SECRET_KEY', `sk-lf-${U('langfuse-sk')}`), env('LANGFUSE_PUBLIC_KEY', `pk-lf-${U('langfuse-pk')}`)], noMatch: ['LANGFUSE_SECRET_KEY=sk-lf-...', 'LANGFUSE_SECRET_KEY=sk-lf-replace-me'] },
      },
    ],
    risk: { dataAccess: ['prompts', 'completions'] },
    unverified: ['credentials:langfuse-key UUID body (the reference does not pin the length)'],
  },
  braintrust: {
    domains: ['api.braintrust.dev', '.braintrust.dev'],
    credentials: [
      {
        id: 'braintrust-api-key',
        description: 'sk- + 48 alphanumerics (legacy OpenAI length without T3BlbkFJ); claimed only next to "braintrust".',
        keywords: ['braintrust'],
        pattern: '\\b(sk-(?![A-Za-z0-9]{20}T3BlbkFJ)[A-Za-z0-9]{48})\\b',
        context: ['braintrust'],
        examples: { match: [env('BRAINTRUST_API_KEY', `sk-${K('braintrust', 'alnum', 48)}`)], noMatch: [env('BRAINTRUST_API_KEY', `sk-${K('bt-openai-a', 'alnum', 20)}T3BlbkFJ${K('bt-openai-b', 'alnum', 20)}`), env('STABILITY_API_KEY', `sk-${K('bt-stability', 'alnum', 48)}`)] },
      },
    ],
    risk: { dataAccess: ['prompts', 'completions'] },
  },
  'weights-and-biases': {
    domains: ['api.wandb.ai', '.wandb.ai'],
    credentials: [
      {
        id: 'wandb-api-key',
        description: '40 hex, no prefix; claimed only next to "wandb".',
        keywords: ['wandb'],
        pattern: '\\b([a-f0-9]{40})\\b',
        context: ['wandb'],
        examples: { match: [env('WANDB_API_KEY', hexK('wandb', 40)), `machine api.wandb.ai\n  login user\n  password ${hexK('wandb-netrc', 40)}`], noMatch: ['WANDB_API_KEY=<your-wandb-key>', env('WANDB_API_KEY', hexK('wandb-short', 32))] },
      },
    ],
    appNames: ['Weights & Biases', 'Weights and Biases'],
    risk: { dataAccess: ['datasets', 'models', 'prompts'] },
  },
  mlflow: {
    envVars: ['MLFLOW_TRACKING_URI', 'MLFLOW_TRACKING_TOKEN', 'MLFLOW_TRACKING_USERNAME'],
    images: ['ghcr.io/mlflow/mlflow'],
    agentConfigs: ['MLmodel'],
    risk: { hosting: 'self-hosted', dataAccess: ['models', 'datasets'] },
    unverified: ['images:ghcr.io/mlflow/mlflow', 'envVars:MLFLOW_TRACKING_USERNAME'],
  },
  databricks: {
    name: 'Databricks Mosaic AI (model serving)',
    description: 'Databricks model serving / Mosaic AI. Workspace hosts serve every Databricks use, so only serving-endpoint paths count; the PAT (dapi…) and DATABRICKS_* variables are platform-wide and deliberately not claimed.',
    domains: [
      { suffix: 'cloud.databricks.com', paths: ['/serving-endpoints/', '/api/2.0/serving-endpoints'], note: 'AWS workspaces; serving endpoints only.' },
      { suffix: 'azuredatabricks.net', paths: ['/serving-endpoints/', '/api/2.0/serving-endpoints'], note: 'Azure workspaces; serving endpoints only.' },
      { suffix: 'gcp.databricks.com', paths: ['/serving-endpoints/', '/api/2.0/serving-endpoints'], note: 'GCP workspaces; serving endpoints only.' },
    ],
    dropPackages: ['databricks-sdk'],
    addPackages: { pypi: ['databricks-langchain', 'databricks-vectorsearch', 'databricks-agents'] },
    dropEnv: ['DATABRICKS_HOST', 'DATABRICKS_TOKEN'],
    terraform: ['databricks_model_serving', 'databricks_vector_search_*'],
    risk: { enterpriseTerms: 'yes', hosting: 'cloud-tenant', dataAccess: ['datasets', 'prompts'] },
    unverified: ['iac.terraform:databricks_model_serving / databricks_vector_search_*', 'keyPrefixes:dapi (platform-wide, not claimed)'],
  },
  modal: {
    domains: ['.modal.com', '.modal.run'],
    credentials: [
      {
        id: 'modal-token',
        description: 'Token id ak- / secret as- + 22 alphanumerics; claimed only next to "modal".',
        keywords: ['modal'],
        pattern: '\\b((?:ak|as)-[A-Za-z0-9]{22})\\b',
        context: ['modal'],
        examples: { match: [`${env('MODAL_TOKEN_ID', `ak-${K('modal-id', 'alnum', 22)}`)}\n${env('MODAL_TOKEN_SECRET', `as-${K('modal-secret', 'alnum', 22)}`)}`], noMatch: ['MODAL_TOKEN_ID=ak-xxxx', `region = "as-${K('modal-region', 'alnum', 22)}"`] },
      },
    ],
    risk: { hosting: 'saas', dataAccess: ['code', 'models', 'datasets'] },
  },
  baseten: { domains: ['.baseten.co'], risk: { dataAccess: ['prompts', 'models'] } },
  kaggle: {
    domains: ['.kaggle.com'],
    credentials: [
      {
        id: 'kaggle-api-key',
        description: 'kaggle.json key: 32 hex; claimed only next to "kaggle".',
        keywords: ['kaggle'],
        pattern: '\\b([a-f0-9]{32})\\b',
        context: ['kaggle'],
        examples: { match: [`{"username":"jdoe","key":"${hexK('kaggle', 32)}"} # ~/.kaggle/kaggle.json`, env('KAGGLE_KEY', hexK('kaggle-2', 32))], noMatch: ['KAGGLE_KEY=xxxxxxxx'] },
      },
    ],
    appNames: ['Kaggle'],
    risk: { dataAccess: ['datasets', 'models', 'code'] },
  },
  modelscope: { domains: ['.modelscope.cn', '.modelscope.ai'], risk: { dataResidency: ['cn'], dataAccess: ['models', 'datasets'] }, unverified: ['domains:modelscope.ai'] },
  civitai: { domains: ['.civitai.com'], risk: { dataAccess: ['models', 'images'] } },
  ollama: {
    domains: ['.ollama.com', '.ollama.ai'],
    apiBaseUrls: ['http://localhost:11434/api', 'http://localhost:11434/v1', 'http://127.0.0.1:11434/api', 'http://127.0.0.1:11434/v1'],
    images: ['ollama/ollama'],
    agentConfigs: ['Modelfile'],
    addPackages: { nuget: ['OllamaSharp'] },
    risk: { trainsOnCustomerData: 'no', retention: 'local', hosting: 'self-hosted', dataAccess: ['prompts', 'models'] },
  },
  'lm-studio': { domains: ['.lmstudio.ai'], apiBaseUrls: ['http://localhost:1234/v1', 'http://127.0.0.1:1234/v1'], risk: { trainsOnCustomerData: 'no', retention: 'local', hosting: 'self-hosted', dataAccess: ['prompts', 'models'] } },
  vllm: { apiBaseUrls: ['http://localhost:8000/v1'], images: ['vllm/vllm-openai'], risk: { trainsOnCustomerData: 'no', hosting: 'self-hosted', dataAccess: ['prompts', 'models'] }, unverified: ['apiBaseUrls:http://localhost:8000/v1 (port 8000 is also common for other dev servers)'] },
  'llama-cpp': {
    apiBaseUrls: [],
    images: ['ghcr.io/ggml-org/llama.cpp', 'ghcr.io/ggerganov/llama.cpp'],
    pyImports: ['llama_cpp', 'gguf'],
    risk: { trainsOnCustomerData: 'no', hosting: 'self-hosted', dataAccess: ['prompts', 'models'] },
    unverified: ['apiBaseUrls:http://localhost:8080/v1 (dropped: shared by llama.cpp, LocalAI and TGI defaults)'],
  },
  localai: { domains: ['.localai.io'], apiBaseUrls: [], images: ['localai/localai', 'quay.io/go-skynet/local-ai'], risk: { trainsOnCustomerData: 'no', hosting: 'self-hosted', dataAccess: ['prompts', 'models'] }, unverified: ['images', 'apiBaseUrls:http://localhost:8080/v1 (dropped: ambiguous)'] },
  'hf-tgi': {
    name: 'Hugging Face Text Generation Inference',
    apiBaseUrls: [],
    images: ['ghcr.io/huggingface/text-generation-inference', 'ghcr.io/huggingface/text-embeddings-inference'],
    risk: { trainsOnCustomerData: 'no', hosting: 'self-hosted', dataAccess: ['prompts', 'models'] },
    unverified: ['images:ghcr.io/huggingface/text-embeddings-inference', 'apiBaseUrls:http://localhost:8080/v1 (dropped: ambiguous)'],
  },
  'nvidia-triton': {
    description: 'NVIDIA Triton Inference Server / TensorRT-LLM containers. nvcr.io is the registry of all NVIDIA software and is deliberately not claimed as a domain.',
    domains: [],
    images: ['nvcr.io/nvidia/tritonserver', 'nvcr.io/nvidia/tensorrt-llm/release', 'nvcr.io/nvidia/tensorrtllm-backend'],
    risk: { trainsOnCustomerData: 'no', hosting: 'self-hosted', dataAccess: ['prompts', 'models'] },
    unverified: ['images:nvcr.io/nvidia/tensorrtllm-backend'],
  },
  sglang: { apiBaseUrls: ['http://localhost:30000/v1'], images: ['lmsysorg/sglang'], risk: { trainsOnCustomerData: 'no', hosting: 'self-hosted', dataAccess: ['prompts', 'models'] }, unverified: ['images'] },
  'open-webui': { images: ['ghcr.io/open-webui/open-webui'], risk: { hosting: 'self-hosted', dataAccess: ['prompts', 'files'] }, unverified: ['images'] },
  pinecone: {
    domains: ['api.pinecone.io', 'app.pinecone.io', '.pinecone.io'],
    credentials: [
      {
        id: 'pinecone-api-key',
        description: 'pcsk_ + 5–6 alphanumerics + _ + 63 alphanumerics.',
        keywords: ['pcsk_'],
        pattern: '\\b(pcsk_[A-Za-z0-9]{5,6}_[A-Za-z0-9]{63})\\b',
        examples: { match: [env('PINECONE_API_KEY', `pcsk_${K('pinecone-id', 'alnum', 6)}_${K('pinecone', 'alnum', 63)}`)], noMatch: ['PINECONE_API_KEY=pcsk_xxxxx_xxxx', `pcsk_${K('pinecone-bad', 'alnum', 12)}_${K('pinecone-bad2', 'alnum', 63)}`] },
      },
    ],
    risk: { dataAccess: ['embeddings', 'documents'] },
  },
  weaviate: { domains: ['.weaviate.cloud', '.weaviate.network', '.weaviate.io'], images: ['cr.weaviate.io/semitechnologies/weaviate', 'semitechnologies/weaviate'], risk: { dataAccess: ['embeddings', 'documents'] }, unverified: ['images'] },
  qdrant: { domains: ['.cloud.qdrant.io'], images: ['qdrant/qdrant'], risk: { dataAccess: ['embeddings', 'documents'] }, unverified: ['images'] },
  'milvus-zilliz': { domains: ['.zillizcloud.com', '.zilliz.com'], images: ['milvusdb/milvus'], risk: { dataAccess: ['embeddings', 'documents'] }, unverified: ['images'] },
  chroma: { domains: ['.trychroma.com'], images: ['chromadb/chroma'], risk: { dataAccess: ['embeddings', 'documents'] }, unverified: ['images'] },
  elevenlabs: {
    domains: ['api.elevenlabs.io', '.elevenlabs.io'],
    credentials: [
      {
        id: 'elevenlabs-api-key',
        description: 'v2 key: sk_ + 48 hex (51 chars).',
        keywords: ['sk_'],
        pattern: '\\b(sk_[a-f0-9]{48})\\b',
        examples: { match: [env('ELEVENLABS_API_KEY', `sk_${hexK('elevenlabs', 48)}`)], noMatch: ['ELEVENLABS_API_KEY=sk_xxx', `sk_${K('elevenlabs-alnum', 'alnum', 48)}`] },
      },
      {
        id: 'elevenlabs-legacy-key',
        description: 'v1 key: 32 hex; claimed only next to "elevenlabs" / xi-api-key.',
        keywords: ['elevenlabs', 'xi-api-key', 'eleven_api_key'],
        pattern: '\\b([a-f0-9]{32})\\b',
        context: ['elevenlabs', 'xi-api-key', 'eleven_api_key'],
        examples: { match: [`curl -H "xi-api-key: ${hexK('elevenlabs-v1', 32)}" https://api.elevenlabs.io/v1/voices`], noMatch: ['xi-api-key: <key>'] },
      },
    ],
    appNames: ['ElevenLabs'],
    risk: { dataAccess: ['voice', 'text'] },
  },
  assemblyai: {
    domains: ['api.assemblyai.com', '.assemblyai.com'],
    credentials: [
      {
        id: 'assemblyai-api-key',
        description: '32 lower-case alphanumerics; claimed only next to "assemblyai".',
        keywords: ['assemblyai'],
        pattern: '\\b([a-z0-9]{32})\\b',
        context: ['assemblyai'],
        minEntropy: 3.8,
        examples: { match: [env('ASSEMBLYAI_API_KEY', K('assemblyai', 'lower-alnum', 32))], noMatch: ['ASSEMBLYAI_API_KEY=your_assemblyai_api_key'] },
      },
    ],
    risk: { dataAccess: ['voice', 'meetings'] },
  },
  deepgram: {
    domains: ['api.deepgram.com', '.deepgram.com'],
    credentials: [
      {
        id: 'deepgram-api-key',
        description: '40 lower-case alphanumerics; claimed only next to "deepgram".',
        keywords: ['deepgram'],
        pattern: '\\b([a-z0-9]{40})\\b',
        context: ['deepgram'],
        minEntropy: 3.8,
        examples: { match: [env('DEEPGRAM_API_KEY', K('deepgram', 'lower-alnum', 40))], noMatch: ['DEEPGRAM_API_KEY=your-deepgram-api-key-here-please-1234'] },
      },
    ],
    pyImports: ['deepgram'],
    risk: { dataAccess: ['voice', 'meetings'] },
  },
  cartesia: {
    domains: ['api.cartesia.ai', '.cartesia.ai'],
    credentials: [
      {
        id: 'cartesia-api-key',
        description: 'sk_car_ + alphanumerics.',
        keywords: ['sk_car_'],
        pattern: '\\b(sk_car_[A-Za-z0-9]{20,40})\\b',
        examples: { match: [env('CARTESIA_API_KEY', `sk_car_${K('cartesia', 'alnum', 22)}`)], noMatch: ['CARTESIA_API_KEY=sk_car_xxx'] },
      },
    ],
    risk: { dataAccess: ['voice', 'text'] },
  },
  speechmatics: { domains: ['asr.api.speechmatics.com', '.speechmatics.com'], pyImports: ['speechmatics'], risk: { dataAccess: ['voice'] } },
  rev: { domains: ['.rev.ai', 'www.rev.com', 'api.rev.com'], pyImports: ['rev_ai'], risk: { dataAccess: ['voice', 'meetings'] }, unverified: ['domains:api.rev.com'] },
  'whisper-local': {
    name: 'Whisper (local)',
    description: 'OpenAI Whisper and faster-whisper run locally.',
    pyImports: ['whisper', 'faster_whisper'],
    risk: { trainsOnCustomerData: 'no', retention: 'local', hosting: 'library', dataAccess: ['voice'] },
  },
  otter: { domains: ['.otter.ai'], appNames: ['Otter.ai', 'Otter', 'OtterPilot'], risk: { dataAccess: ['meetings', 'voice', 'calendar'] } },
  fireflies: { domains: ['.fireflies.ai'], appNames: ['Fireflies.ai', 'Fireflies', 'Fireflies.ai Notetaker'], risk: { dataAccess: ['meetings', 'voice', 'calendar'] } },
  'read-ai': { domains: ['.read.ai'], appNames: ['Read AI', 'Read.ai'], risk: { dataAccess: ['meetings', 'voice', 'calendar', 'mail'] } },
  fathom: { domains: ['.fathom.video'], appNames: ['Fathom Notetaker', 'Fathom AI Notetaker', 'Fathom Video'], risk: { dataAccess: ['meetings', 'voice', 'calendar'] } },
  granola: { domains: ['.granola.ai'], appNames: ['Granola'], risk: { dataAccess: ['meetings', 'voice', 'calendar'] } },
  tldv: { domains: ['.tldv.io'], appNames: ['tl;dv'], risk: { dataAccess: ['meetings', 'voice', 'calendar'] } },
  'stability-ai': {
    domains: ['api.stability.ai', 'platform.stability.ai', '.stability.ai'],
    pyImports: ['stability_sdk'],
    credentials: [
      {
        id: 'stability-api-key',
        description: 'sk- + 48 alphanumerics (legacy OpenAI length without T3BlbkFJ); claimed only next to "stability".',
        keywords: ['stability'],
        pattern: '\\b(sk-(?![A-Za-z0-9]{20}T3BlbkFJ)[A-Za-z0-9]{48})\\b',
        context: ['stability'],
        examples: { match: [env('STABILITY_API_KEY', `sk-${K('stability', 'alnum', 48)}`)], noMatch: [env('STABILITY_API_KEY', `sk-${K('st-openai-a', 'alnum', 20)}T3BlbkFJ${K('st-openai-b', 'alnum', 20)}`), env('STABILITY_API_KEY', 'sk-xxxxxxxx'), env('OPENAI_API_KEY', `sk-${K('st-no-context', 'alnum', 48)}`)] },
      },
    ],
    risk: { dataAccess: ['prompts', 'images'] },
  },
  midjourney: { domains: ['.midjourney.com'], appNames: ['Midjourney', 'Midjourney Bot'], risk: { dataAccess: ['prompts', 'images'] } },
  runway: { domains: ['.runwayml.com'], appNames: ['RunwayML', 'Runway ML'], risk: { dataAccess: ['prompts', 'images', 'video'] } },
  'luma-ai': { domains: ['.lumalabs.ai'], appNames: ['Luma AI', 'Luma Dream Machine'], risk: { dataAccess: ['prompts', 'images', 'video'] } },
  pika: { domains: ['.pika.art'], appNames: ['Pika', 'Pika Labs'], risk: { dataAccess: ['prompts', 'images', 'video'] } },
  ideogram: { domains: ['.ideogram.ai'], appNames: ['Ideogram'], risk: { dataAccess: ['prompts', 'images'] } },
  'leonardo-ai': { domains: ['.leonardo.ai'], appNames: ['Leonardo.Ai', 'Leonardo AI'], risk: { dataAccess: ['prompts', 'images'] } },
  'black-forest-labs': { domains: ['.bfl.ai', '.bfl.ml'], risk: { dataAccess: ['prompts', 'images'] } },
  'fal-ai': {
    domains: ['.fal.ai', '.fal.run', '.fal.media'],
    credentials: [
      {
        id: 'fal-api-key',
        description: '<UUID key id>:<32 hex secret>, sent as Authorization: Key …',
        keywords: ['fal'],
        pattern: '\\b([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}:[0-9a-f]{32})\\b',
        examples: { match: [env('FAL_KEY', `${U('fal')}:${hexK('fal-secret', 32)}`)], noMatch: [env('FAL_KEY', U('fal-only-id')), 'FAL_KEY=your-fal-key'] },
      },
    ],
    risk: { dataAccess: ['prompts', 'images', 'video'] },
    unverified: ['domains:fal.media (generated media CDN)'],
  },
  heygen: { domains: ['.heygen.com'], appNames: ['HeyGen'], risk: { dataAccess: ['prompts', 'video', 'voice'] } },
  synthesia: { domains: ['.synthesia.io'], appNames: ['Synthesia'], risk: { dataAccess: ['prompts', 'video', 'voice'] } },
  suno: { domains: ['.suno.com', '.suno.ai'], appNames: ['Suno'], risk: { dataAccess: ['prompts', 'audio'] }, unverified: ['domains:suno.ai'] },
  'adobe-firefly': {
    description: 'Adobe Firefly. adobe.com / adobe.io serve every Adobe product and are not claimed; only Firefly hosts are.',
    domains: ['firefly.adobe.com', 'firefly-api.adobe.io'],
    appNames: ['Adobe Firefly'],
    risk: { trainsOnCustomerData: 'no', enterpriseTerms: 'yes', dataAccess: ['prompts', 'images'] },
  },
  cursor: {
    domains: ['.cursor.com', '.cursor.sh'],
    agentConfigs: ['.cursorrules', '.cursor/rules/**', '.cursor/mcp.json', '.cursor/skills/**', '.cursor/agents/**', '.cursor/commands/**', '.cursorignore', '.cursorindexingignore'],
    appNames: ['Cursor'],
    risk: { trainsOnCustomerData: 'opt-out', enterpriseTerms: 'yes', dataAccess: ['code', 'prompts', 'shell'], notes: 'Privacy Mode (on by default for Business) stops code being stored or trained on.' },
    unverified: ['agentConfigs:.cursor/commands/**, .cursorindexingignore'],
  },
  windsurf: {
    domains: ['.windsurf.com', '.codeium.com', '.codeiumdata.com'],
    agentConfigs: ['.windsurfrules', '.windsurf/rules/**', '.windsurf/mcp_config.json', '.windsurf/skills/**', '.windsurf/workflows/**', '.codeiumignore'],
    appNames: ['Windsurf', 'Codeium'],
    risk: { dataAccess: ['code', 'prompts', 'shell'] },
    unverified: ['agentConfigs:.windsurfrules', 'agentConfigs:.windsurf/workflows/**, .codeiumignore'],
  },
  tabnine: { domains: ['.tabnine.com'], appNames: ['Tabnine'], risk: { trainsOnCustomerData: 'no', dataAccess: ['code'] } },
  'sourcegraph-cody-amp': {
    name: 'Sourcegraph Cody / Amp',
    description: 'Sourcegraph Cody and the Amp coding agent. sourcegraph.com is code search too, so only the Cody completions path and the Cody gateway are claimed.',
    domains: ['cody-gateway.sourcegraph.com', { host: 'sourcegraph.com', paths: ['/.api/completions/'], note: 'Sourcegraph code search is not AI use; only the LLM completions API path is.' }, '.ampcode.com'],
    credentials: [
      {
        id: 'sourcegraph-access-token',
        description: 'sgp_ + (16 hex instance id | local) + _ + 40 hex.',
        keywords: ['sgp_'],
        pattern: '\\b(sgp_(?:[a-f0-9]{16}|local)_[a-f0-9]{40})\\b',
        examples: { match: [env('SRC_ACCESS_TOKEN', `sgp_${hexK('sgp-inst', 16)}_${hexK('sgp', 40)}`), env('SRC_ACCESS_TOKEN', `sgp_local_${hexK('sgp-local', 40)}`)], noMatch: ['SRC_ACCESS_TOKEN=sgp_xxxx', `sgp_${hexK('sgp-inst-short', 8)}_${hexK('sgp-2', 40)}`] },
      },
      {
        id: 'sourcegraph-access-token-legacy',
        description: 'Older access token: sgp_ + 40 hex.',
        keywords: ['sgp_'],
        pattern: '\\b(sgp_[a-f0-9]{40})\\b',
        examples: { match: [env('SRC_ACCESS_TOKEN', `sgp_${hexK('sgp-old', 40)}`)], noMatch: [`sgp_${hexK('sgp-old-short', 30)}`] },
      },
      {
        id: 'cody-gateway-key',
        description: 'Cody gateway key: slk_ + 64 hex.',
        keywords: ['slk_'],
        pattern: '\\b(slk_[a-f0-9]{64})\\b',
        examples: { match: [`CODY_GATEWAY_TOKEN=slk_${hexK('slk', 64)}`], noMatch: ['slk_xxxx'] },
      },
    ],
    appNames: ['Sourcegraph Cody', 'Amp Code'],
    risk: { dataAccess: ['code', 'prompts'] },
    unverified: ['domains:sourcegraph.com/.api/completions/ path'],
  },
  continue: { domains: ['.continue.dev'], agentConfigs: ['.continue/**', '.continuerc.json'], appNames: ['Continue.dev'], risk: { hosting: 'library', dataAccess: ['code', 'prompts'] } },
  cline: { domains: ['.cline.bot'], agentConfigs: ['.clinerules', '.clinerules/**', '.clineignore'], appNames: ['Cline'], risk: { hosting: 'library', dataAccess: ['code', 'prompts', 'shell'] }, unverified: ['agentConfigs:.clineignore'] },
  'roo-code': { domains: ['.roocode.com'], agentConfigs: ['.roo/**', '.roomodes', '.rooignore'], appNames: ['Roo Code'], risk: { hosting: 'library', dataAccess: ['code', 'prompts', 'shell'] }, unverified: ['agentConfigs:.roomodes, .rooignore'] },
  'kilo-code': { domains: ['.kilocode.ai'], agentConfigs: ['.kilocode/**'], appNames: ['Kilo Code'], risk: { hosting: 'library', dataAccess: ['code', 'prompts', 'shell'] } },
  aider: { domains: ['.aider.chat'], agentConfigs: ['.aider.conf.yml', '.aiderignore', '.aider.chat.history.md', '.aider.input.history', '.aider.tags.cache.v*/**'], risk: { hosting: 'library', dataAccess: ['code', 'prompts'] }, unverified: ['agentConfigs:history and cache file names'] },
  'jetbrains-ai-junie': {
    name: 'JetBrains AI Assistant / Junie',
    domains: [],
    agentConfigs: ['.junie/guidelines.md', '.junie/mcp/mcp.json', '.junie/**', '.aiassistant/rules/**', '.aiignore'],
    appNames: ['JetBrains AI Assistant', 'JetBrains AI', 'Junie'],
    risk: { dataAccess: ['code', 'prompts'] },
    unverified: ['agentConfigs:.aiignore', 'domains (JetBrains AI service hosts not confirmed)'],
  },
  kiro: { domains: ['.kiro.dev'], agentConfigs: ['.kiro/steering/**', '.kiro/specs/**', '.kiro/settings/mcp.json', '.kiro/hooks/**'], appNames: ['Kiro'], risk: { dataAccess: ['code', 'prompts', 'shell'] }, unverified: ['agentConfigs:.kiro/hooks/**'] },
  'augment-code': { domains: ['.augmentcode.com'], agentConfigs: ['.augment/rules/**', '.augment-guidelines', '.augmentignore'], appNames: ['Augment Code'], risk: { dataAccess: ['code', 'prompts'] }, unverified: ['agentConfigs:.augment-guidelines, .augmentignore'] },
  devin: { domains: ['.devin.ai'], appNames: ['Devin', 'Devin AI', 'Devin AI Integration'], risk: { dataAccess: ['code', 'prompts', 'shell'] } },
  v0: { name: 'v0 (Vercel)', domains: ['.v0.dev', '.v0.app'], appNames: ['v0', 'v0 by Vercel'], risk: { dataAccess: ['code', 'prompts'] } },
  lovable: { domains: ['.lovable.dev'], appNames: ['Lovable'], risk: { dataAccess: ['code', 'prompts'] } },
  'bolt-new': { domains: ['.bolt.new'], appNames: ['Bolt.new', 'StackBlitz Bolt'], risk: { dataAccess: ['code', 'prompts'] } },
  'character-ai': { domains: ['.character.ai'], appNames: ['Character.AI'], risk: { dataAccess: ['prompts'] } },
  poe: { domains: ['.poe.com'], appNames: ['Poe'], risk: { dataAccess: ['prompts', 'files'] } },
  'you-com': { domains: ['.you.com', '.ydc-index.io'], appNames: ['You.com'], risk: { dataAccess: ['prompts'] } },
  manus: { domains: ['.manus.im'], appNames: ['Manus'], risk: { dataAccess: ['prompts', 'files', 'browsing'] } },
  'notion-ai': {
    description: 'Notion AI. notion.so and api.notion.com serve all Notion use and are deliberately not claimed; Notion AI shows as the notion.ai host or in the Notion audit log.',
    domains: ['.notion.ai'],
    appNames: ['Notion AI'],
    risk: { dataAccess: ['documents', 'prompts'] },
  },
  grammarly: { domains: ['.grammarly.com', '.grammarly.io'], appNames: ['Grammarly', 'GrammarlyGO'], risk: { dataAccess: ['text', 'mail', 'documents'] }, unverified: ['domains:grammarly.io'] },
  'atlassian-rovo': {
    description: 'Atlassian Rovo / Atlassian Intelligence. api.atlassian.com is the general Atlassian API host and is deliberately not claimed.',
    domains: ['rovo.atlassian.com'],
    appNames: ['Rovo', 'Atlassian Rovo', 'Atlassian Intelligence'],
    risk: { enterpriseTerms: 'yes', dataAccess: ['documents', 'tickets', 'prompts'] },
  },
  'wispr-flow': { domains: ['.wisprflow.ai', '.wisprflow.com'], appNames: ['Wispr Flow'], risk: { dataAccess: ['voice', 'text'] } },
  deepl: {
    domains: ['.deepl.com'],
    credentials: [
      {
        id: 'deepl-api-key',
        description: 'UUID, with :fx for Free keys; claimed only next to "deepl".',
        keywords: ['deepl'],
        pattern: '\\b([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(?::fx)?)(?![A-Za-z0-9])',
        context: ['deepl'],
        examples: { match: [env('DEEPL_AUTH_KEY', `${U('deepl')}:fx`), `translator = deepl.Translator("${U('deepl-pro')}")`], noMatch: ['DEEPL_AUTH_KEY=your-auth-key:fx'] },
      },
    ],
    appNames: ['DeepL'],
    risk: { dataAccess: ['documents', 'text'] },
    unverified: ['credentials:deepl-api-key :fx suffix'],
  },
  glean: { domains: ['.glean.com', '{tenant}-be.glean.com'], appNames: ['Glean'], risk: { enterpriseTerms: 'yes', dataAccess: ['documents', 'mail', 'chat', 'tickets'] } },
  tavily: {
    domains: ['api.tavily.com', '.tavily.com'],
    pyImports: ['tavily'],
    credentials: [
      {
        id: 'tavily-api-key',
        description: 'tvly- (optionally tvly-dev- / tvly-prod-) + 32 alphanumerics.',
        keywords: ['tvly-'],
        pattern: '\\b(tvly-(?:dev-|prod-)?[A-Za-z0-9]{32})\\b',
        examples: { match: [env('TAVILY_API_KEY', `tvly-${K('tavily', 'alnum', 32)}`), env('TAVILY_API_KEY', `tvly-dev-${K('tavily-dev', 'alnum', 32)}`)], noMatch: ['TAVILY_API_KEY=tvly-...'] },
      },
    ],
    risk: { dataAccess: ['prompts', 'browsing'] },
    unverified: ['credentials:tavily dev-/prod- infix'],
  },
  firecrawl: {
    domains: ['api.firecrawl.dev', '.firecrawl.dev'],
    pyImports: ['firecrawl'],
    credentials: [
      {
        id: 'firecrawl-api-key',
        description: 'fc- + 32 hex.',
        keywords: ['fc-'],
        pattern: '\\b(fc-[a-f0-9]{32})\\b',
        examples: { match: [env('FIRECRAWL_API_KEY', `fc-${hexK('firecrawl', 32)}`)], noMatch: ['FIRECRAWL_API_KEY=fc-YOUR_API_KEY', `fc-${K('firecrawl-alnum', 'alnum', 32)}`] },
      },
    ],
    risk: { dataAccess: ['browsing'] },
  },
  exa: { domains: ['api.exa.ai', '.exa.ai'], pyImports: ['exa_py'], risk: { dataAccess: ['prompts', 'browsing'] } },
  browserbase: {
    domains: ['api.browserbase.com', '.browserbase.com'],
    credentials: [
      {
        id: 'browserbase-api-key',
        description: 'bb_live_ / bb_test_ + 27 URL-safe chars.',
        keywords: ['bb_live_', 'bb_test_'],
        pattern: '\\b(bb_(?:live|test)_[A-Za-z0-9_-]{27})(?![A-Za-z0-9_-])',
        examples: { match: [env('BROWSERBASE_API_KEY', `bb_live_${K('browserbase', 'urlsafe', 27)}`)], noMatch: ['BROWSERBASE_API_KEY=bb_live_xxx'] },
      },
    ],
    risk: { dataAccess: ['browsing'] },
  },
  composio: {
    domains: ['backend.composio.dev', '.composio.dev'],
    credentials: [
      {
        id: 'composio-api-key',
        description: 'Project key ak_ / consumer key ck_ + 20 chars; the prefixes are short, so "composio" must be nearby.',
        keywords: ['composio'],
        pattern: '\\b((?:ak|ck)_[A-Za-z0-9_-]{20})(?![A-Za-z0-9_-])',
        context: ['composio'],
        minEntropy: 3.5,
        examples: { match: [env('COMPOSIO_API_KEY', `ak_${K('composio', 'alnum', 20)}`)], noMatch: ['COMPOSIO_API_KEY=ak_xxxxxxxxxxxxxxxxxxxx', `STRIPE_KEY=ak_${K('composio-other', 'alnum', 20)}`] },
      },
    ],
    appNames: ['Composio'],
    risk: { dataAccess: ['tools', 'mail', 'files'] },
  },
  'mcp-sdk': {
    name: 'Model Context Protocol SDK',
    description: 'Model Context Protocol SDKs and servers. Tool-specific MCP config files (.mcp.json, .cursor/mcp.json …) are claimed by their tools.',
    addPackages: { pypi: ['fastmcp'], nuget: ['ModelContextProtocol'] },
    pyImports: ['mcp', 'fastmcp'],
    risk: { hosting: 'library', dataAccess: ['tools'] },
  },
  crewai: { domains: ['app.crewai.com', '.crewai.com'], risk: { hosting: 'library', dataAccess: ['prompts', 'tools'] } },
  'autogen-ag2': { pyImports: ['autogen_agentchat', 'autogen', 'ag2'], risk: { hosting: 'library', dataAccess: ['prompts', 'tools'] } },
  'volcengine-ark': { domains: ['ark.{region}.volces.com'], envVars: ['VOLCENGINE_API_KEY', 'ARK_API_KEY'], risk: { dataResidency: ['cn'], dataAccess: ['prompts'] }, unverified: ['envVars:ARK_API_KEY'] },
  'friendli-ai': { domains: ['api.friendli.ai', '.friendli.ai'], risk: { dataAccess: ['prompts'] } },
  'anyscale-endpoints': {
    status: 'deprecated',
    domains: ['api.endpoints.anyscale.com'],
    credentials: [
      {
        id: 'anyscale-api-key',
        description: 'esecret_ + alphanumerics (community-observed prefix).',
        keywords: ['esecret_'],
        pattern: '\\b(esecret_[A-Za-z0-9]{20,40})\\b',
        minEntropy: 3.8,
        examples: { match: [env('ANYSCALE_API_KEY', `esecret_${K('anyscale', 'alnum', 26)}`)], noMatch: ['ANYSCALE_API_KEY=esecret_xxx'] },
      },
    ],
    risk: { dataAccess: ['prompts'] },
  },
  'snowflake-cortex': {
    description: 'Snowflake Cortex AI. Account hosts serve every Snowflake use, so only the Cortex REST path counts; SNOWFLAKE_* variables are platform-wide and not claimed.',
    domains: [{ suffix: 'snowflakecomputing.com', paths: ['/api/v2/cortex/'], note: 'Snowflake account hosts; only the Cortex REST API path is AI use.' }],
    apiBaseUrls: [],
    dropEnv: ['SNOWFLAKE_ACCOUNT_ID', 'SNOWFLAKE_JWT'],
    addPackages: { pypi: ['snowflake-ml-python'] },
    pyImports: ['snowflake.cortex', 'snowflake.ml'],
    risk: { enterpriseTerms: 'yes', hosting: 'cloud-tenant', dataAccess: ['datasets', 'prompts'] },
  },
  clarifai: {
    domains: ['api.clarifai.com', '.clarifai.com'],
    credentials: [
      {
        id: 'clarifai-pat',
        description: '32 alphanumerics; claimed only next to "clarifai".',
        keywords: ['clarifai'],
        pattern: '\\b([A-Za-z0-9]{32})\\b',
        context: ['clarifai'],
        minEntropy: 3.6,
        examples: { match: [env('CLARIFAI_PAT', hexK('clarifai', 32))], noMatch: ['CLARIFAI_PAT=YOUR_PAT_HERE'] },
      },
    ],
    risk: { dataAccess: ['images', 'prompts'] },
  },
  'eden-ai': { domains: ['api.edenai.run', '.edenai.run', '.edenai.co'], risk: { dataAccess: ['prompts', 'documents'] } },
  mem0: { domains: ['api.mem0.ai', '.mem0.ai'], pyImports: ['mem0'], risk: { dataAccess: ['prompts', 'memory'] } },
};

/** Services beyond the reference list. */
export interface ExtraService extends Overlay {
  id: string;
  name: string;
  vendor: string;
  category: string;
  packages?: Partial<Record<'npm' | 'pypi' | 'maven' | 'go' | 'nuget' | 'cargo' | 'rubygems', string[]>>;
}

export const extras: ExtraService[] = [
  {
    id: 'langchain4j',
    references: ['https://github.com/langchain4j/langchain4j', 'Maven Central (artifact names resolved)'],
    name: 'LangChain4j',
    vendor: 'LangChain4j project',
    category: 'ai-framework',
    description: 'Java LLM framework (independent of LangChain Inc.).',
    packages: { maven: ['dev.langchain4j:langchain4j', 'dev.langchain4j:langchain4j-core', 'dev.langchain4j:langchain4j-open-ai', 'dev.langchain4j:langchain4j-anthropic', 'dev.langchain4j:langchain4j-google-ai-gemini', 'dev.langchain4j:langchain4j-ollama', 'dev.langchain4j:langchain4j-mcp'] },
    imports: { java: ['dev.langchain4j'] },
    risk: { hosting: 'library', dataAccess: ['prompts'] },
  },
  {
    id: 'spring-ai',
    references: ['https://github.com/spring-projects/spring-ai', 'Maven Central (artifact names resolved)'],
    name: 'Spring AI',
    vendor: 'Broadcom (Spring)',
    category: 'ai-framework',
    packages: { maven: ['org.springframework.ai:spring-ai-bom', 'org.springframework.ai:spring-ai-starter-model-anthropic', 'org.springframework.ai:spring-ai-starter-model-google-genai'] },
    imports: { java: ['org.springframework.ai'] },
    risk: { hosting: 'library', dataAccess: ['prompts'] },
  },
  {
    id: 'semantic-kernel',
    references: ['https://github.com/microsoft/semantic-kernel', 'NuGet / PyPI (package names served)'],
    name: 'Semantic Kernel / Microsoft.Extensions.AI',
    vendor: 'Microsoft',
    category: 'ai-framework',
    packages: { nuget: ['Microsoft.SemanticKernel', 'Microsoft.SemanticKernel.Core', 'Microsoft.SemanticKernel.Abstractions', 'Microsoft.SemanticKernel.Connectors.OpenAI', 'Microsoft.Extensions.AI', 'Microsoft.Extensions.AI.Abstractions', 'Microsoft.Extensions.AI.OpenAI'], pypi: ['semantic-kernel'] },
    pyImports: ['semantic_kernel'],
    risk: { hosting: 'library', dataAccess: ['prompts'] },
  },
];
