/**
 * Evidence weighing across a repository: an SDK switched to another provider in code (rules'
 * `code` sections) is evidence of that provider, not of the SDK's default one — unless something
 * else in the repository shows the default service is used too.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { Finding } from '../../src/core/types.js';
import { matchAll } from '../../src/match/match.js';
import { RuleIndex } from '../../src/rules/compile.js';
import { loadRules } from '../../src/rules/load.js';
import { rmTree, runScan, tree } from '../scanners/repo/helpers.js';

const loaded = loadRules([]);
const rules = new RuleIndex(loaded.services, loaded.modelFormats);
const roots: string[] = [];
afterAll(() => roots.forEach(rmTree));

async function services(spec: Record<string, string>): Promise<string[]> {
  const root = tree(spec);
  roots.push(root);
  const { observations } = await runScan({ paths: [root] }, { rules });
  return [...new Set(matchAll(rules, observations).map((f: Finding) => f.service))].sort();
}

const AZURE_PY = 'import os\nfrom openai import AzureOpenAI\n\nclient = AzureOpenAI(azure_endpoint=os.environ["AZURE_OPENAI_ENDPOINT"], api_version="2024-06-01")\n';

describe('provider switches weigh against the SDK default', () => {
  it('Python: the openai package used only through AzureOpenAI is Azure OpenAI, not OpenAI', async () => {
    expect(await services({ 'requirements.txt': 'openai>=1.30\n', 'app/llm.py': AZURE_PY })).toEqual(['azure-openai']);
  });

  it('TypeScript and Go: the same rule, from package.json / go.mod and the code', async () => {
    expect(await services({ 'package.json': '{ "dependencies": { "openai": "^4.50.0" } }\n', 'src/llm.ts': "import { AzureOpenAI } from 'openai';\nexport const c = new AzureOpenAI({ endpoint: process.env.AZURE_OPENAI_ENDPOINT });\n" })).toEqual(['azure-openai']);
    expect(await services({ 'go.mod': 'module x\n\ngo 1.22\n\nrequire github.com/sashabaranov/go-openai v1.36.0\n', 'llm.go': 'package llm\n\nimport openai "github.com/sashabaranov/go-openai"\n\nfunc New(k, u string) *openai.Client {\n\treturn openai.NewClientWithConfig(openai.DefaultAzureConfig(k, u))\n}\n' })).toEqual(['azure-openai']);
  });

  it('the default client in the same file keeps OpenAI (a switchable client)', async () => {
    expect(await services({ 'llm.py': 'from openai import AzureOpenAI, OpenAI\n\ndef client(azure):\n    return AzureOpenAI() if azure else OpenAI()\n' })).toEqual(['azure-openai', 'openai-api']);
    expect(await services({ 'llm.go': 'package llm\n\nimport openai "github.com/sashabaranov/go-openai"\n\nfunc New(k, u string, az bool) *openai.Client {\n\tc := openai.DefaultConfig(k)\n\tif az {\n\t\tc = openai.DefaultAzureConfig(k, u)\n\t}\n\treturn openai.NewClientWithConfig(c)\n}\n' })).toEqual(['azure-openai', 'openai-api']);
  });

  it('other evidence of OpenAI in the repository keeps it: an env var, another file importing the SDK, the API host', async () => {
    expect(await services({ 'requirements.txt': 'openai\n', 'app/llm.py': AZURE_PY, '.env.example': 'OPENAI_API_KEY=\n' })).toEqual(['azure-openai', 'openai-api']);
    expect(await services({ 'app/llm.py': AZURE_PY, 'app/other.py': 'import openai\n\nresp = openai.chat.completions.create(model="gpt-4o", messages=[])\n' })).toEqual(['azure-openai', 'openai-api']);
    expect(await services({ 'app/llm.py': AZURE_PY, 'config.yaml': 'base_url: https://api.openai.com/v1\n' })).toEqual(['azure-openai', 'openai-api']);
  });

  it("another provider's API URL set as the SDK's base URL decides the provider", async () => {
    // go-openai pointed at DeepSeek (the demo's billing-go), Python openai at a local Ollama, async-openai at Ollama
    expect(await services({ 'go.mod': 'module x\n\ngo 1.22\n\nrequire github.com/sashabaranov/go-openai v1.29.0\n', 'main.go': 'package main\n\nimport (\n\t"os"\n\n\topenai "github.com/sashabaranov/go-openai"\n)\n\nfunc main() {\n\tc := openai.DefaultConfig(os.Getenv("DEEPSEEK_API_KEY"))\n\tc.BaseURL = "https://api.deepseek.com/v1"\n\t_ = openai.NewClientWithConfig(c)\n}\n' })).toEqual(['deepseek']);
    expect(await services({ 'requirements.txt': 'openai\n', 'chat.py': 'from openai import OpenAI\n\nclient = OpenAI(base_url="http://localhost:11434/v1", api_key="ollama")\n' })).toEqual(['ollama']);
    expect(await services({ 'Cargo.toml': '[package]\nname = "x"\nversion = "0.1.0"\n\n[dependencies]\nasync-openai = "0.27"\n', 'src/main.rs': 'use async_openai::{config::OpenAIConfig, Client};\n\nfn main() {\n    let config = OpenAIConfig::new().with_api_base("http://localhost:11434/v1");\n    let _c = Client::with_config(config);\n}\n' })).toEqual(['ollama']);
  });

  it('a URL that is not a base-URL setting does not switch anything (a file using two providers)', async () => {
    expect(await services({ 'both.py': 'import anthropic\nfrom openai import OpenAI\n\nDOCS = "https://api.anthropic.com/v1/messages"\noa = OpenAI()\n' })).toEqual(['anthropic-api', 'openai-api']);
    // the default client built elsewhere in the repository keeps OpenAI
    expect(await services({ 'chat.py': 'from openai import OpenAI\n\nlocal = OpenAI(base_url="http://localhost:11434/v1")\n', 'cloud.py': 'from openai import OpenAI\n\nremote = OpenAI()\n' })).toEqual(['ollama', 'openai-api']);
  });

  it('without any switch nothing changes', async () => {
    expect(await services({ 'requirements.txt': 'openai\n', 'app.py': 'import openai\n' })).toEqual(['openai-api']);
  });

  it('repositories are weighed apart: a switch in one clone does not touch another', async () => {
    const root = tree({ 'a/.git/HEAD': 'ref: refs/heads/main\n', 'a/llm.py': AZURE_PY, 'b/.git/HEAD': 'ref: refs/heads/main\n', 'b/requirements.txt': 'openai\n' });
    roots.push(root);
    const { observations } = await runScan({ paths: [root] }, { rules });
    const bySubject = (s: string) => [...new Set(matchAll(rules, observations).filter((f) => f.subject.id === s).map((f) => f.service))].sort();
    expect(bySubject('a')).toEqual(['azure-openai']);
    expect(bySubject('b')).toEqual(['openai-api']);
  });

  it("the SDK's base URL taken from another provider's endpoint variable decides the provider; tests importing the SDK do not keep the default", async () => {
    const chat = 'import os\nfrom openai import AsyncOpenAI\n\nendpoint = os.getenv("AZURE_OPENAI_ENDPOINT")\nclient = AsyncOpenAI(base_url=f"{endpoint}/openai/v1/", api_key=token)\n';
    const test = 'import openai\n\ndef test_chat(monkeypatch):\n    monkeypatch.setattr(openai, "AsyncOpenAI", object)\n';
    expect(await services({ 'pyproject.toml': '[project]\nname = "x"\ndependencies = ["openai>=1.108"]\n', 'src/app/chat.py': chat, 'tests/test_chat.py': test })).toEqual(['azure-openai']);
    // a key variable is not an endpoint: OpenAI stays
    expect(await services({ 'pyproject.toml': '[project]\nname = "x"\ndependencies = ["openai>=1.108"]\n', 'src/app/chat.py': 'import os\nfrom openai import AsyncOpenAI\n\nkey = os.getenv("AZURE_OPENAI_API_KEY")\nclient = AsyncOpenAI()\n' })).toContain('openai-api');
  });

  it('a provider block keyed by name with a local base URL is that provider, whatever the port; a remote URL or an unknown key is not', async () => {
    const cfg = 'apis:\n  localai:\n    base-url: http://localhost:8080\n  lmstudio:\n    base_url: "http://127.0.0.1:1234/v1"\n  myproxy:\n    base-url: http://localhost:9999\n  ollama:\n    base-url: https://ollama.example.org/api\n';
    expect(await services({ 'config_template.yml': cfg })).toEqual(['lm-studio', 'localai']);
    expect(await services({ 'settings.json': '{ "providers": { "LocalAI": { "endpoint": "http://localai:8080" } } }' })).toEqual(['localai']);
  });

  it('a platform binding in a serverless runtime config is evidence of the bound AI service (wrangler.toml, wrangler.jsonc, per environment)', async () => {
    expect(await services({ 'wrangler.toml': 'name = "w"\nmain = "src/index.ts"\n\n[ai]\nbinding = "AI"\n\n[[kv_namespaces]]\nbinding = "KV"\nid = "x"\n' })).toEqual(['cloudflare-workers-ai']);
    expect(await services({ 'wrangler.jsonc': '{\n  // worker\n  "name": "w",\n  "env": { "production": { "ai": { "binding": "AI" } } },\n}\n' })).toEqual(['cloudflare-workers-ai']);
    expect(await services({ 'wrangler.toml': 'name = "w"\n[[kv_namespaces]]\nbinding = "KV"\nid = "x"\n' })).toEqual([]);
  });

  it('a vendor SDK routed through a cloud platform by its client constructor is that platform (AnthropicBedrock, AnthropicVertex)', async () => {
    expect(await services({ 'requirements.txt': 'anthropic[bedrock]\n', 'app.py': 'from anthropic import AnthropicBedrock\n\nclient = AnthropicBedrock(aws_region="us-east-1")\n' })).toEqual(['aws-bedrock']);
    expect(await services({ 'requirements.txt': 'anthropic[vertex]\n', 'app.py': 'from anthropic import AnthropicVertex\n\nclient = AnthropicVertex(region="us-east5", project_id="p")\n' })).toEqual(['google-vertex-ai']);
    expect(await services({ 'requirements.txt': 'anthropic\n', 'app.py': 'from anthropic import Anthropic, AnthropicBedrock\n\na = Anthropic()\nb = AnthropicBedrock()\n' })).toEqual(['anthropic-api', 'aws-bedrock']);
  });

  it('Spring AI configuration in application.properties / application.yml names the provider (relaxed binding), not other Spring keys', async () => {
    expect(await services({ 'src/main/resources/application.properties': 'server.port=8080\nspring.ai.openai.api-key=${OPENAI_KEY}\n# spring.ai.anthropic.api-key=x\n' })).toEqual(['openai-api']);
    expect(await services({ 'src/main/resources/application.yml': 'spring:\n  ai:\n    azure:\n      openai:\n        endpoint: https://x\n    ollama:\n      base-url: http://localhost:11434\n  datasource:\n    url: jdbc:x\n' })).toEqual(['azure-openai', 'ollama']);
  });
});
