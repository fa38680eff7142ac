/**
 * Lints the whole bundled rules catalog: schema, ids, reference coverage, credential examples
 * (through the real RuleIndex.scanSecrets), regex safety, domain ownership, model formats.
 */
import picomatch from 'picomatch';
import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import safeRegex from 'safe-regex2';
import { BUILTIN_RULES_DIR, loadRules } from '../../src/rules/load.js';
import { RuleIndex } from '../../src/rules/compile.js';
import { normalizeHost } from '../../src/core/host.js';

const loaded = loadRules();
const index = new RuleIndex(loaded.services, loaded.modelFormats);
const servicesDir = join(BUILTIN_RULES_DIR, 'services');
// a copy of the reference list (fixtures/reference/SOURCES.md): tests never read ../shared
const referenceFile = resolve(BUILTIN_RULES_DIR, '../fixtures/reference/ai-services.json');
const credentialCases = loaded.services.flatMap((s) => s.match.credentials.map((c) => ({ service: s.id, cred: c })));

describe('rules corpus: files and ids', () => {
  it('loads every service file through the schema', () => {
    const files = readdirSync(servicesDir).filter((f) => /\.ya?ml$/.test(f));
    expect(loaded.services.length).toBe(files.length);
    expect(loaded.services.length).toBeGreaterThanOrEqual(164);
  });

  it('names every file after its id, and ids are unique', () => {
    const ids = loaded.services.map((s) => s.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const s of loaded.services) expect(basename(loaded.files.get(s.id)!).replace(/\.ya?ml$/, '')).toBe(s.id);
  });

  it('covers exactly the reference services (extras allowed)', () => {
    const ref: Array<{ id: string }> = JSON.parse(readFileSync(referenceFile, 'utf8'));
    const ids = new Set(loaded.services.map((s) => s.id));
    const missing = ref.map((r) => r.id).filter((id) => !ids.has(id));
    expect(missing).toEqual([]);
    expect(ref.length).toBe(164);
  });

  it('has the catch-all services the scanners rely on', () => {
    expect(index.get('unknown-ai-app')?.category).toBe('unknown-ai-app');
    expect(index.get('self-hosted-model')?.category).toBe('model-artifact');
  });
});

describe('rules corpus: credentials', () => {
  it('has credential patterns', () => {
    expect(credentialCases.length).toBeGreaterThan(40);
  });

  it.each(credentialCases.map((c) => [`${c.service}/${c.cred.id}`, c] as const))('%s matches its examples, none of its counter-examples, and no other service claims them', (_n, { service, cred }) => {
    for (const ex of cred.examples.match) {
      const hits = index.scanSecrets(ex);
      expect(hits.some((h) => h.service === service && h.patternId === cred.id), `should match: ${ex}`).toBe(true);
      expect(hits.filter((h) => h.service !== service).map((h) => `${h.service}/${h.patternId}`), `claimed by another service: ${ex}`).toEqual([]);
    }
    for (const ex of cred.examples.noMatch) {
      expect(index.credentialRuleMatches(service, cred.id, ex), `should not match: ${ex}`).toBe(false);
    }
  });

  it.each(credentialCases.map((c) => [`${c.service}/${c.cred.id}`, c] as const))('%s is linear-time safe', (_n, { cred }) => {
    expect(safeRegex(cred.pattern), 'safe-regex2 reports catastrophic backtracking').toBe(true);
    expect(cred.pattern, 'no backreferences').not.toMatch(/\\[1-9]|\\k</);
    expect(cred.pattern, 'no lookbehind').not.toMatch(/\(\?<[=!]/);
    // keywords must be able to fire on the examples (the pre-filter is the only way in)
    for (const ex of cred.examples.match) expect(cred.keywords.some((k) => ex.toLowerCase().includes(k.toLowerCase())), ex).toBe(true);
  });

  it('never returns the raw secret', () => {
    const { cred } = credentialCases.find((c) => c.service === 'anthropic-api')!;
    const ex = cred.examples.match[0];
    const secret = ex.slice(ex.indexOf('sk-ant'));
    const hits = index.scanSecrets(ex);
    expect(JSON.stringify(hits)).not.toContain(secret);
  });

  it('resolves the sk- collisions to exactly one service', () => {
    const claim = (text: string) => index.scanSecrets(text).map((h) => h.service);
    const hex32 = '9da5a0b8a254dcf0fda209f2962cd133';
    const alnum48 = 'nZ5PPvs8VYzPxz4uq0Ws779QJ4PhQjui9RAEyCHiIheWn5eX';
    expect(claim(`DEEPSEEK_API_KEY=sk-${hex32}`)).toEqual(['deepseek']);
    expect(claim(`DASHSCOPE_API_KEY=sk-${hex32}`)).toEqual(['alibaba-qwen']);
    expect(claim(`STABILITY_API_KEY=sk-${alnum48}`)).toEqual(['stability-ai']);
    expect(claim(`BRAINTRUST_API_KEY=sk-${alnum48}`)).toEqual(['braintrust']);
    expect(claim(`STABILITY_API_KEY=sk-${alnum48.slice(0, 20)}T3BlbkFJ${alnum48.slice(0, 20)}`)).toEqual(['openai-api']);
    expect(claim(`SOME_KEY=sk-${hex32}`)).toEqual([]);
    expect(claim(`SOME_KEY=sk-${alnum48}`)).toEqual([]);
  });
});

describe('rules corpus: domains', () => {
  const claims = new Map<string, Array<{ service: string; shared: boolean }>>();
  for (const s of loaded.services) {
    for (const d of s.match.domains) {
      const name = normalizeHost(d.host ?? d.suffix ?? '') || d.template!.toLowerCase();
      const list = claims.get(name) ?? [];
      list.push({ service: s.id, shared: d.shared ?? false });
      claims.set(name, list);
    }
  }

  it('lets no two services claim one domain unless every claimant marks it shared', () => {
    const conflicts: string[] = [];
    for (const [name, list] of claims) {
      const services = new Set(list.map((c) => c.service));
      if (services.size > 1 && !list.every((c) => c.shared)) conflicts.push(`${name}: ${[...services].join(', ')}`);
    }
    expect(conflicts).toEqual([]);
  });

  it('marks shared only what is really shared', () => {
    const lonely = [...claims].filter(([, list]) => list.some((c) => c.shared) && new Set(list.map((c) => c.service)).size < 2).map(([n]) => n);
    expect(lonely.filter((n) => n !== 'openai.com' && n !== 'anthropic.com')).toEqual([]);
  });

  it('does not claim generic platform domains without an AI path', () => {
    const generic = ['github.com', 'google.com', 'microsoft.com', 'amazonaws.com', 'azure.com', 'cloudflare.com', 'api.cloudflare.com', 'x.com', 'notion.so', 'api.notion.com', 'api.atlassian.com', 'atlassian.com', 'nvcr.io', 'ngc.nvidia.com', 'nvidia.com', 'sourcegraph.com', 'adobe.com', 'office.com', 'substrate.office.com', 'm365.cloud.microsoft', 'aliyuncs.com', 'githubusercontent.com', 'snowflakecomputing.com', 'cloud.databricks.com', 'azuredatabricks.net', 'api.github.com', 'ibm.com', 'cloud.ibm.com'];
    for (const h of generic) {
      expect(index.matchHost(h), h).toBeUndefined();
      expect(index.matchHost(`www.${h}`), `www.${h}`).toBeUndefined();
      expect(index.matchHost(h, '/settings/profile'), `${h}/settings/profile`).toBeUndefined();
    }
    expect(index.matchHost('docs.google.com')).toBeUndefined();
    expect(index.matchHost('s3.us-east-1.amazonaws.com')).toBeUndefined();
    expect(index.matchHost('myorg.blob.core.windows.net')).toBeUndefined();
  });

  it('claims AI paths on shared platform hosts', () => {
    expect(index.matchHost('api.cloudflare.com', '/client/v4/accounts/0123abcd/ai/run/@cf/meta/llama-3-8b-instruct')?.service).toBe('cloudflare-workers-ai');
    expect(index.matchHost('api.cloudflare.com', '/client/v4/accounts/0123abcd/workers/scripts')).toBeUndefined();
    expect(index.matchHost('api.cloudflare.com', '/client/v4/accounts/ai/')).toBeUndefined();
    expect(index.matchHost('github.com', '/copilot')?.service).toBe('github-copilot');
    expect(index.matchHost('github.com', '/copilotfan/repo')).toBeUndefined();
    expect(index.matchHost('dbc-1234.cloud.databricks.com', '/serving-endpoints/chat/invocations')?.service).toBe('databricks');
    expect(index.matchHost('adb-123.4.azuredatabricks.net', '/api/2.0/serving-endpoints')?.service).toBe('databricks');
    expect(index.matchHost('xy123.eu-west-1.snowflakecomputing.com', '/api/v2/cortex/inference:complete')?.service).toBe('snowflake-cortex');
    expect(index.matchHost('m365.cloud.microsoft', '/chat')?.service).toBe('m365-copilot');
    expect(index.matchHost('x.com', '/i/grok')?.service).toBe('grok');
  });

  it('resolves the OpenAI / Anthropic / Google families to the specific service', () => {
    expect(index.matchHost('api.openai.com')?.service).toBe('openai-api');
    expect(index.matchHost('chat.openai.com')?.service).toBe('chatgpt');
    expect(index.matchHost('chatgpt.com')?.service).toBe('chatgpt');
    expect(index.matchHost('chatgpt.com', '/codex/tasks')?.service).toBe('openai-codex');
    expect(index.matchHost('sora.com')?.service).toBe('openai-sora');
    expect(index.matchHost('sora.chatgpt.com')?.service).toBe('openai-sora');
    expect(index.matchHost('cdn.openai.com')?.service).toBe('openai-api');
    expect(index.matchHost('api.anthropic.com')?.service).toBe('anthropic-api');
    expect(index.matchHost('claude.ai')?.service).toBe('claude-ai');
    expect(index.matchHost('claude.ai', '/code/session_abc')?.service).toBe('claude-code');
    expect(index.matchHost('gemini.google.com')?.service).toBe('gemini-app');
    expect(index.matchHost('generativelanguage.googleapis.com')?.service).toBe('google-gemini-api');
    expect(index.matchHost('us-central1-aiplatform.googleapis.com')?.service).toBe('google-vertex-ai');
    expect(index.matchHost('aiplatform.googleapis.com')?.service).toBe('google-vertex-ai');
    expect(index.matchHost('api.githubcopilot.com')?.service).toBe('github-copilot');
    expect(index.matchHost('api.business.githubcopilot.com')?.service).toBe('github-copilot');
  });

  it('resolves Azure and AWS templates', () => {
    expect(index.matchHost('contoso.openai.azure.com')?.service).toBe('azure-openai');
    expect(index.matchHost('contoso.cognitiveservices.azure.com', '/openai/deployments/gpt-4o/chat/completions')?.service).toBe('azure-openai');
    expect(index.matchHost('contoso.cognitiveservices.azure.com', '/language/:analyze-text')?.service).toBe('azure-ai-services');
    expect(index.matchHost('contoso.services.ai.azure.com', '/api/projects/p1/agents')?.service).toBe('azure-ai-foundry');
    expect(index.matchHost('contoso.services.ai.azure.com', '/openai/v1/responses')?.service).toBe('azure-openai');
    expect(index.matchHost('bedrock-runtime.us-east-1.amazonaws.com')?.service).toBe('aws-bedrock');
    expect(index.matchHost('bedrock-agentcore.eu-west-1.amazonaws.com')?.service).toBe('aws-bedrock-agentcore');
    expect(index.matchHost('bedrock-mantle.eu-north-1.api.aws')?.service).toBe('aws-bedrock');
    expect(index.matchHost('acme-be.glean.com')?.service).toBe('glean');
    expect(index.matchHost('openai.azure.com')).toBeUndefined();
    expect(index.matchHost('bedrock-runtime.amazonaws.com')).toBeUndefined();
    expect(index.matchHost('a.b.openai.azure.com')).toBeUndefined();
  });

  it('rejects look-alike domains and normalises case and trailing dots', () => {
    expect(index.matchHost('notopenai.com')).toBeUndefined();
    expect(index.matchHost('openai.com.evil.net')).toBeUndefined();
    expect(index.matchHost('api-openai.com')).toBeUndefined();
    expect(index.matchHost('api.openai.com.')?.service).toBe('openai-api');
    expect(index.matchHost('API.OpenAI.COM')?.service).toBe('openai-api');
    expect(index.matchHost('api.openai.com:443')?.service).toBe('openai-api');
    expect(index.matchHost('xopenai.azure.com.evil.net')).toBeUndefined();
    expect(index.matchHost('evilgithubcopilot.com')).toBeUndefined();
    expect(index.matchHost('claude.ai.evil.net')).toBeUndefined();
    expect(index.matchHost('x-aiplatform.googleapis.com.evil.net')).toBeUndefined();
    expect(index.matchHost('groq.com')?.service).toBe('groq');
    expect(index.matchHost('grok.com')?.service).toBe('grok');
  });

  it('matches API base URLs, local servers by port', () => {
    expect(index.matchUrl('https://api.openai.com/v1/chat/completions')?.service).toBe('openai-api');
    expect(index.matchUrl('http://localhost:11434/api/generate')?.service).toBe('ollama');
    expect(index.matchUrl('http://localhost:1234/v1/models')?.service).toBe('lm-studio');
    expect(index.matchUrl('http://localhost:3000/api/generate')).toBeUndefined();
    expect(index.matchUrl('http://localhost/v1/chat')).toBeUndefined();
    expect(index.matchUrl('https://contoso.openai.azure.com/openai/deployments/x/chat/completions?api-version=2024-10-21')?.service).toBe('azure-openai');
    expect(index.matchUrl('https://api.cloudflare.com/client/v4/accounts/abc/ai/run/@cf/x')?.service).toBe('cloudflare-workers-ai');
  });

  it('has no API base URL claimed twice', () => {
    const seen = new Map<string, string>();
    const dups: string[] = [];
    for (const s of loaded.services) for (const u of s.match.apiBaseUrls) {
      const k = u.toLowerCase().replace(/\/+$/, '');
      if (seen.has(k) && seen.get(k) !== s.id) dups.push(`${k}: ${seen.get(k)}, ${s.id}`);
      seen.set(k, s.id);
    }
    expect(dups).toEqual([]);
  });
});

describe('rules corpus: other indexes', () => {
  it('has every modelFormats reference defined, and every format resolves to the self-hosted-model service', () => {
    const ids = new Set(loaded.modelFormats.map((f) => f.id));
    for (const s of loaded.services) for (const f of s.match.modelFormats) expect(ids.has(f), `${s.id}: ${f}`).toBe(true);
    for (const f of loaded.modelFormats) expect(index.matchModelFormat(f.id)?.service, f.id).toBe('self-hosted-model');
    for (const f of ['gguf', 'safetensors', 'pytorch-zip', 'pytorch-legacy', 'pickle', 'joblib', 'numpy', 'hdf5', 'keras-v3', 'tflite', 'onnx', 'tensorflow-savedmodel', 'coreml', 'tensorrt', 'llamafile']) expect(ids.has(f), f).toBe(true);
  });

  it('gives every format a way to be recognised', () => {
    for (const f of loaded.modelFormats) expect(f.magic.length > 0 || f.extensionOnly, f.id).toBe(true);
  });

  it('claims no env var or SaaS app name twice, and a package twice only as a library adapter', () => {
    const dup = (pairs: Array<[string, string]>) => {
      const m = new Map<string, string>();
      const out: string[] = [];
      for (const [k, s] of pairs) {
        if (m.has(k) && m.get(k) !== s) out.push(`${k}: ${m.get(k)}, ${s}`);
        m.set(k, s);
      }
      return out;
    };
    const norm = (eco: string, n: string) => (eco === 'pypi' ? n.toLowerCase().replace(/[-_.]+/g, '-') : eco === 'maven' || eco === 'go' ? n : n.toLowerCase());
    // A package may be evidence of several services (a framework's provider adapter: `@ai-sdk/openai` is
    // vercel-ai-sdk and openai-api), but at most one claimant may be something other than a library.
    const pkgClaims = new Map<string, Set<string>>();
    for (const s of loaded.services) for (const [eco, ns] of Object.entries(s.match.packages)) for (const n of ns ?? []) {
      const k = `${eco}:${norm(eco, n)}`;
      pkgClaims.set(k, (pkgClaims.get(k) ?? new Set()).add(s.id));
    }
    const clashes = [...pkgClaims].filter(([, ids]) => [...ids].filter((id) => index.get(id)!.risk.hosting !== 'library').length > 1).map(([k, ids]) => `${k}: ${[...ids].join(', ')}`);
    expect(clashes).toEqual([]);
    expect(dup(loaded.services.flatMap((s) => s.match.envVars.map((v) => [v.toUpperCase(), s.id] as [string, string])))).toEqual([]);
    expect(dup(loaded.services.flatMap((s) => s.match.saas.appNames.map((n) => [n.toLowerCase(), s.id] as [string, string])))).toEqual([]);
  });

  it('does not claim generic libraries or variables', () => {
    for (const [eco, n] of [['pypi', 'boto3'], ['pypi', 'requests'], ['pypi', 'torch'], ['pypi', 'oci'], ['pypi', 'databricks-sdk'], ['npm', 'axios']]) expect(index.matchPackage(eco, n), `${eco}:${n}`).toBeUndefined();
    for (const v of ['GITHUB_TOKEN', 'GOOGLE_API_KEY', 'GOOGLE_CLOUD_PROJECT', 'DATABRICKS_TOKEN', 'CLOUDFLARE_API_TOKEN', 'AWS_ACCESS_KEY_ID']) expect(index.matchEnvVar(v), v).toBeUndefined();
    expect(index.matchImport('python', 'agents')).toBeUndefined();
  });

  it('resolves representative code, cloud, SaaS, image, IaC and agent-config signals', () => {
    expect(index.matchPackage('pypi', 'google_generativeai')?.service).toBe('google-gemini-api');
    expect(index.matchImport('python', 'google.genai.types')?.service).toBe('google-gemini-api');
    expect(index.matchImportAll('python', 'langchain_openai').map((h) => h.service).sort()).toEqual(['langchain', 'openai-api']);
    expect(index.matchImport('java', 'com.anthropic.client.AnthropicClient')?.service).toBe('anthropic-api');
    expect(index.matchImport('java', 'dev.langchain4j.model.chat')?.service).toBe('langchain4j');
    expect(index.matchImport('csharp', 'Azure.AI.OpenAI.Chat')?.service).toBe('azure-openai');
    expect(index.matchPackage('go', 'github.com/openai/openai-go/v3')?.service).toBe('openai-api');
    expect(index.matchCloudResource('azure', 'Microsoft.CognitiveServices/accounts', 'OpenAI')?.service).toBe('azure-openai');
    expect(index.matchCloudResource('azure', 'Microsoft.CognitiveServices/accounts', 'AIServices')?.service).toBe('azure-ai-foundry');
    expect(index.matchCloudResource('azure', 'Microsoft.CognitiveServices/accounts', 'SpeechServices')?.service).toBe('azure-ai-services');
    expect(index.matchCloudResource('aws', 'bedrock:custom-model')?.service).toBe('aws-bedrock');
    expect(index.matchCloudResource('gcp', 'aiplatform.googleapis.com/Endpoint')?.service).toBe('google-vertex-ai');
    expect(index.matchAuditEvent('aws', 'bedrock.amazonaws.com')?.service).toBe('aws-bedrock');
    expect(index.matchAuditEvent('gcp', 'businessaicode.googleapis.com')?.service).toBe('gemini-code-assist');
    expect(index.matchSaasApp({ name: 'ChatGPT' })?.service).toBe('chatgpt');
    expect(index.matchSaasApp({ name: 'Otter.ai' })?.service).toBe('otter');
    expect(index.matchSaasApp({ name: 'ChatGPT Codex Connector' })?.service).toBe('openai-codex');
    expect(index.matchSaasApp({ name: 'Fathom Analytics' })).toBeUndefined();
    expect(index.matchImage('ollama/ollama:0.5.1')?.service).toBe('ollama');
    expect(index.matchImage('nvcr.io/nim/meta/llama3-8b-instruct:1.0')?.service).toBe('nvidia-nim');
    expect(index.matchImage('nvcr.io/nvidia/cuda:12.4.0-base')).toBeUndefined();
    expect(index.matchIac('terraform', 'aws_bedrockagent_agent')?.service).toBe('aws-bedrock');
    expect(index.matchIac('terraform', 'aws_bedrockagentcore_gateway')?.service).toBe('aws-bedrock-agentcore');
    expect(index.matchIac('terraform', 'azurerm_cognitive_deployment')?.service).toBe('azure-openai');
    expect(index.matchIac('terraform', 'azurerm_cognitive_account')?.service).toBe('azure-ai-services');
    // AI systems a tenant owns, not the run records of the same service
    expect(index.matchCloudResource('aws', 'comprehend:document-classifier')?.service).toBe('amazon-comprehend');
    expect(index.matchCloudResource('aws', 'comprehend:entity-recognizer-endpoint')?.service).toBe('amazon-comprehend');
    expect(index.matchCloudResource('aws', 'comprehend:sentiment-detection-job')).toBeUndefined();
    expect(index.matchAgentConfig('CLAUDE.md')?.service).toBe('claude-code');
    expect(index.matchAgentConfig('.cursor/rules/style.mdc')?.service).toBe('cursor');
    expect(index.matchAgentConfig('.github/copilot-instructions.md')?.service).toBe('github-copilot');
    expect(index.matchAgentConfig('README.md')).toBeUndefined();
  });

  it('agent-config matching through the combined pre-test gives exactly the glob-by-glob answer', () => {
    const globs = loaded.services.flatMap((s) => s.match.agentConfigs.map((g) => ({ service: s.id, test: picomatch(g, { dot: true }), slash: g.includes('/') })));
    const slow = (p: string) => globs.find((g) => g.test(g.slash ? p : p.slice(p.lastIndexOf('/') + 1)))?.service;
    // every glob's own literal shape, at the root and nested, plus near misses
    const paths = loaded.services.flatMap((s) => s.match.agentConfigs).flatMap((g) => {
      const lit = g.replace(/\*\*\//g, 'deep/dir/').replace(/\*\*/g, 'x/y').replace(/\*/g, 'name').replace(/[{}]/g, '').split(',')[0];
      return [lit, `pkg/${lit}`, `${lit}.bak`, lit.toUpperCase(), lit.replace(/^\./, '')];
    });
    paths.push('README.md', 'src/index.ts', 'docs/AGENTS.md.txt', '.github/workflows/ci.yml', 'a/b/c/.mcp.json');
    let hits = 0;
    for (const p of paths) {
      expect(index.matchAgentConfig(p)?.service, p).toBe(slow(p));
      if (slow(p)) hits++;
    }
    expect(hits).toBeGreaterThan(20);
  });

  it('keeps references and risk traits present', () => {
    for (const s of loaded.services) {
      if (s.id === 'unknown-ai-app') continue;
      expect(s.references.length, s.id).toBeGreaterThan(0);
    }
  });
});
