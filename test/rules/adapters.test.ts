/**
 * Provider adapters, framework / SaaS splits, prefix rules and cross-tool agent configs, checked
 * against the real bundled catalog (RuleIndex from src/rules/load.ts).
 */
import { describe, expect, it } from 'vitest';
import { ruleIndex } from '../../src/rules/load.js';
import { smallIndex } from '../helpers/rules.js';

const { index } = ruleIndex();
const pkg = (eco: string, name: string) => index.matchPackageAll(eco, name).map((h) => h.service).sort();
const imp = (lang: string, mod: string) => index.matchImportAll(lang, mod).map((h) => h.service).sort();

describe('provider adapters are evidence of the framework and of the provider', () => {
  it.each([
    ['npm', '@ai-sdk/openai', ['openai-api', 'vercel-ai-sdk']],
    ['npm', '@ai-sdk/anthropic', ['anthropic-api', 'vercel-ai-sdk']],
    ['npm', '@ai-sdk/google', ['google-gemini-api', 'vercel-ai-sdk']],
    ['npm', '@ai-sdk/google-vertex', ['google-vertex-ai', 'vercel-ai-sdk']],
    ['npm', '@ai-sdk/amazon-bedrock', ['aws-bedrock', 'vercel-ai-sdk']],
    ['npm', '@ai-sdk/azure', ['azure-openai', 'vercel-ai-sdk']],
    ['npm', '@ai-sdk/groq', ['groq', 'vercel-ai-sdk']],
    ['npm', '@ai-sdk/xai', ['vercel-ai-sdk', 'xai']],
    ['npm', 'ollama-ai-provider', ['ollama', 'vercel-ai-sdk']],
    ['npm', '@langchain/openai', ['langchain', 'openai-api']],
    ['npm', '@langchain/anthropic', ['anthropic-api', 'langchain']],
    ['npm', '@langchain/google-genai', ['google-gemini-api', 'langchain']],
    ['npm', '@langchain/mistralai', ['langchain', 'mistral']],
    ['npm', '@langchain/ollama', ['langchain', 'ollama']],
    ['npm', '@langchain/aws', ['aws-bedrock', 'langchain']],
    ['pypi', 'langchain-openai', ['langchain', 'openai-api']],
    ['pypi', 'langchain_anthropic', ['anthropic-api', 'langchain']],
    ['pypi', 'langchain-google-genai', ['google-gemini-api', 'langchain']],
    ['pypi', 'langchain-google-vertexai', ['google-vertex-ai', 'langchain']],
    ['pypi', 'langchain-ollama', ['langchain', 'ollama']],
    ['pypi', 'langchain-huggingface', ['huggingface', 'langchain']],
    ['pypi', 'langchain-aws', ['aws-bedrock', 'langchain']],
    ['pypi', 'langchain-groq', ['groq', 'langchain']],
    ['pypi', 'llama-index-llms-openai', ['llamaindex', 'openai-api']],
    ['pypi', 'llama-index-llms-anthropic', ['anthropic-api', 'llamaindex']],
    ['maven', 'dev.langchain4j:langchain4j-open-ai', ['langchain4j', 'openai-api']],
    ['maven', 'dev.langchain4j:langchain4j-mistral-ai', ['langchain4j', 'mistral']],
    ['maven', 'dev.langchain4j:langchain4j-bedrock', ['aws-bedrock', 'langchain4j']],
    ['maven', 'dev.langchain4j:langchain4j-azure-open-ai', ['azure-openai', 'langchain4j']],
    ['maven', 'org.springframework.ai:spring-ai-starter-model-openai', ['openai-api', 'spring-ai']],
    ['maven', 'org.springframework.ai:spring-ai-starter-model-ollama', ['ollama', 'spring-ai']],
  ])('%s %s → %j', (eco, name, services) => {
    expect(pkg(eco, name)).toEqual(services);
  });

  it('matches adapter imports too', () => {
    expect(imp('python', 'langchain_openai')).toEqual(['langchain', 'openai-api']);
    expect(imp('python', 'langchain_google_genai.chat_models')).toEqual(['google-gemini-api', 'langchain']);
    expect(imp('python', 'langchain_ollama')).toEqual(['langchain', 'ollama']);
    expect(imp('python', 'llama_index.llms.openai')).toEqual(['llamaindex', 'openai-api']);
    expect(imp('python', 'llama_index.core')).toEqual(['llamaindex']);
    expect(imp('java', 'dev.langchain4j.model.mistralai.MistralAiChatModel')).toEqual(['langchain4j', 'mistral']);
    expect(imp('java', 'dev.langchain4j.model.openai.OpenAiChatModel')).toEqual(['langchain4j', 'openai-api']);
    expect(imp('java', 'dev.langchain4j.model.googleai.GoogleAiGeminiChatModel')).toEqual(['google-gemini-api', 'langchain4j']);
    expect(imp('java', 'dev.langchain4j.model.chat.ChatModel')).toEqual(['langchain4j']);
    expect(imp('java', 'org.springframework.ai.openai.OpenAiChatModel')).toEqual(['openai-api', 'spring-ai']);
    expect(imp('javascript', '@ai-sdk/openai')).toEqual(['openai-api', 'vercel-ai-sdk']);
  });

  it('keeps the plain provider SDKs single-service', () => {
    expect(pkg('npm', 'openai')).toEqual(['openai-api']);
    expect(pkg('pypi', 'anthropic')).toEqual(['anthropic-api']);
    expect(pkg('pypi', 'mistralai')).toEqual(['mistral']);
  });
});

describe('prefix rules', () => {
  it('claims every langchain4j artifact for langchain4j', () => {
    expect(pkg('maven', 'dev.langchain4j:langchain4j-easy-rag')).toEqual(['langchain4j']);
    expect(pkg('maven', 'dev.langchain4j:langchain4j-pgvector')).toEqual(['langchain4j']);
    expect(pkg('maven', 'dev.langchain4jx:other')).toEqual([]);
  });

  it('returns every matching prefix rule, longest first (framework group:* and provider artifact-*)', () => {
    const hits = index.matchPackageAll('maven', 'dev.langchain4j:langchain4j-vertex-ai-future-module');
    expect(hits.map((h) => h.service)).toEqual(['google-vertex-ai', 'langchain4j']);
  });

  it('claims the ecosystem prefixes of the frameworks', () => {
    expect(pkg('npm', '@ai-sdk/svelte')).toEqual(['vercel-ai-sdk']);
    expect(pkg('npm', '@langchain/redis')).toEqual(['langchain']);
    expect(pkg('pypi', 'langchain-some-new-integration')).toEqual(['langchain']);
    expect(pkg('pypi', 'llama-index-readers-file')).toEqual(['llamaindex']);
    expect(pkg('maven', 'org.springframework.ai:spring-ai-rag')).toEqual(['spring-ai']);
    expect(pkg('npm', '@langchainx/core')).toEqual([]);
    expect(pkg('pypi', 'langchainx')).toEqual([]);
  });

  it('matches env var prefixes after exact names (AZURE_OPENAI_*, LANGSMITH_*)', () => {
    expect(index.matchEnvVar('AZURE_OPENAI_DEPLOYMENT_NAME')?.service).toBe('azure-openai');
    expect(index.matchEnvVar('azure_openai_api_instance_name')?.service).toBe('azure-openai');
    expect(index.matchEnvVar('AZURE_OPENAI_API_KEY')?.pattern).toBe('AZURE_OPENAI_API_KEY');
    expect(index.matchEnvVar('LANGSMITH_PROJECT')?.service).toBe('langchain-langsmith');
    expect(index.matchEnvVar('AZURE_OPENAI_')).toBeUndefined();
    expect(index.matchEnvVar('AZURE_OPENAIX')).toBeUndefined();
    expect(index.matchEnvVar('AZURE_CLIENT_ID')).toBeUndefined();
  });

  it('compiles env prefixes in small rule sets too (longest prefix wins)', () => {
    const small = smallIndex({
      'p-one': 'id: p-one\nname: P1\nvendor: P\ncategory: llm-api\nmatch:\n  envVars: ["ACME_*"]\n',
      'p-two': 'id: p-two\nname: P2\nvendor: P\ncategory: llm-api\nmatch:\n  envVars: ["ACME_AI_*", ACME_AI_KEY]\n',
    });
    expect(small.matchEnvVar('ACME_TOKEN')?.service).toBe('p-one');
    expect(small.matchEnvVar('ACME_AI_TOKEN')?.service).toBe('p-two');
    expect(small.matchEnvVar('ACME_AI_KEY')?.pattern).toBe('ACME_AI_KEY');
  });
});

describe('LangChain OSS is not LangSmith; LlamaIndex OSS is not LlamaCloud', () => {
  it('files the open-source packages under the framework', () => {
    for (const [eco, n] of [['pypi', 'langchain'], ['pypi', 'langchain-core'], ['pypi', 'langchain-community'], ['pypi', 'langgraph'], ['npm', 'langchain'], ['npm', '@langchain/core'], ['npm', '@langchain/langgraph']]) {
      expect(pkg(eco, n), `${eco}:${n}`).toEqual(['langchain']);
    }
    expect(imp('python', 'langchain_core.messages')).toEqual(['langchain']);
    expect(imp('python', 'langgraph.graph')).toEqual(['langchain']);
    expect(index.get('langchain')?.risk.hosting).toBe('library');
    expect(index.get('langchain')?.category).toBe('ai-framework');
  });

  it('keeps only the SaaS signals in langchain-langsmith', () => {
    expect(pkg('pypi', 'langsmith')).toEqual(['langchain-langsmith']);
    expect(pkg('npm', 'langsmith')).toEqual(['langchain-langsmith']);
    for (const v of ['LANGSMITH_API_KEY', 'LANGSMITH_TRACING', 'LANGCHAIN_API_KEY', 'LANGCHAIN_TRACING_V2', 'LANGCHAIN_ENDPOINT']) expect(index.matchEnvVar(v)?.service, v).toBe('langchain-langsmith');
    expect(index.matchHost('api.smith.langchain.com')?.service).toBe('langchain-langsmith');
    expect(index.matchHost('smith.langchain.com')?.service).toBe('langchain-langsmith');
    expect(index.scanSecrets('LANGSMITH_API_KEY=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').map((h) => h.service)).toEqual(['langchain-langsmith']);
    const ls = index.get('langchain-langsmith')!;
    expect(ls.risk.hosting).toBe('saas');
    const claims = Object.values(ls.match.packages).flat();
    expect(claims).toEqual(['langsmith', 'langsmith']);
  });

  it('splits LlamaCloud from the LlamaIndex framework', () => {
    expect(pkg('pypi', 'llama-index')).toEqual(['llamaindex']);
    expect(pkg('pypi', 'llama-index-core')).toEqual(['llamaindex']);
    expect(pkg('pypi', 'llama-parse')).toEqual(['llamacloud']);
    expect(pkg('pypi', 'llama-cloud-services')).toEqual(['llamacloud']);
    expect(pkg('pypi', 'llama-index-indices-managed-llama-cloud')).toEqual(['llamacloud', 'llamaindex']);
    expect(index.matchEnvVar('LLAMA_CLOUD_API_KEY')?.service).toBe('llamacloud');
    expect(index.matchHost('api.cloud.llamaindex.ai')?.service).toBe('llamacloud');
    expect(index.matchHost('docs.llamaindex.ai')?.service).toBe('llamaindex');
    expect(index.get('llamaindex')?.risk.hosting).toBe('library');
    expect(index.get('llamacloud')?.risk.hosting).toBe('saas');
  });
});

describe('local Ollama base URLs', () => {
  it.each([
    'http://localhost:11434',
    'http://localhost:11434/',
    'http://localhost:11434/api/generate',
    'http://localhost:11434/v1/chat/completions',
    'http://127.0.0.1:11434/api/tags',
    'http://host.docker.internal:11434',
    'http://ollama:11434/api/chat',
  ])('%s → ollama', (url) => {
    expect(index.matchUrl(url)?.service).toBe('ollama');
  });

  it.each(['http://localhost', 'http://localhost:11435', 'http://localhost:8080/v1', 'http://ollama:8080', 'http://ollama.internal:11434', 'http://notollama:11434'])('%s stays unmatched', (url) => {
    expect(index.matchUrl(url)).toBeUndefined();
  });

  it('knows the Ollama variables', () => {
    expect(index.matchEnvVar('OLLAMA_BASE_URL')?.service).toBe('ollama');
    expect(index.matchEnvVar('OLLAMA_HOST')?.service).toBe('ollama');
  });
});

describe('agent and MCP config files', () => {
  it.each([
    ['AGENTS.md', 'ai-coding-agent-config'],
    ['services/api/AGENTS.md', 'ai-coding-agent-config'],
    ['.agents/skills/release/SKILL.md', 'ai-coding-agent-config'],
    ['AGENTS.override.md', 'openai-codex'],
    ['.codex/config.toml', 'openai-codex'],
    ['CLAUDE.md', 'claude-code'],
    ['.claude/settings.json', 'claude-code'],
    ['.claude/settings.local.json', 'claude-code'],
    ['.claude/hooks/pre.sh', 'claude-code'],
    ['.mcp.json', 'claude-code'],
    ['.cursor/rules/style.mdc', 'cursor'],
    ['.cursorrules', 'cursor'],
    ['.github/copilot-instructions.md', 'github-copilot'],
    ['.windsurfrules', 'windsurf'],
    ['.aider.conf.yml', 'aider'],
    ['.aiderignore', 'aider'],
    ['.aider.model.settings.yml', 'aider'],
    ['.continue/config.yaml', 'continue'],
    ['GEMINI.md', 'gemini-cli'],
    ['.gemini/settings.json', 'gemini-cli'],
    ['.gemini/extensions/x/gemini-extension.json', 'gemini-cli'],
  ])('%s → %s', (path, service) => {
    expect(index.matchAgentConfig(path)?.service).toBe(service);
  });

  it('does not attribute AGENTS.md to one tool', () => {
    expect(index.get('ai-coding-agent-config')?.category).toBe('coding-agent');
    expect(index.get('ai-coding-agent-config')?.risk.hosting).toBe('library');
    for (const s of index.services) if (s.id !== 'ai-coding-agent-config') expect(s.match.agentConfigs.filter((g) => /^(AGENTS\.md|\.agents\/)/.test(g)), s.id).toEqual([]);
  });

  it('leaves ordinary files alone', () => {
    for (const p of ['README.md', 'docs/agents.md', 'AGENTS.txt', 'src/agents/index.ts', 'claude.md.bak', '.github/workflows/ci.yml']) expect(index.matchAgentConfig(p), p).toBeUndefined();
  });
});

describe('look-alikes stay unmatched (facts checked in the package lists / npm view)', () => {
  it('PyPI mistral is the OpenStack workflow service, not Mistral AI', () => {
    expect(pkg('pypi', 'mistral')).toEqual([]);
    expect(imp('python', 'mistral')).toEqual([]);
  });

  it('PyPI copilot (a USB file manager) is not GitHub Copilot; npm copilot is a shim that installs @github/copilot', () => {
    expect(pkg('pypi', 'copilot')).toEqual([]);
    expect(pkg('npm', 'copilot')).toEqual(['github-copilot']);
    expect(pkg('npm', 'copilot-cli-tools')).toEqual([]);
  });

  it('generic names stay unclaimed', () => {
    expect(pkg('pypi', 'ai')).toEqual([]);
    expect(pkg('npm', 'llama')).toEqual([]);
    expect(pkg('pypi', 'sentence-transformers')).toEqual(['huggingface']);
    expect(index.matchEnvVar('GOOGLE_API_KEY')).toBeUndefined();
  });
});
