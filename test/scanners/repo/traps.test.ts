/**
 * Accuracy traps from the adversarial trial on public repositories: look-alikes that must not
 * become findings, and provider switches / declarations that must. Each case runs the real repo
 * scanner on a small tree with the bundled rule catalog and matches the observations.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { matchAll } from '../../../src/match/match.js';
import { RuleIndex } from '../../../src/rules/compile.js';
import { loadRules } from '../../../src/rules/load.js';
import { serviceSchema } from '../../../src/rules/schema.js';
import type { Finding } from '../../../src/core/types.js';
import { rmTree, runScan, tree } from './helpers.js';

const loaded = loadRules([]);
const rules = new RuleIndex(loaded.services, loaded.modelFormats);
const roots: string[] = [];
afterAll(() => roots.forEach(rmTree));

async function findings(spec: Record<string, string>): Promise<Finding[]> {
  const root = tree(spec);
  roots.push(root);
  const { observations } = await runScan({ paths: [root] }, { rules });
  return matchAll(rules, observations);
}
const services = (fs: Finding[]) => [...new Set(fs.map((f) => f.service))].sort();
const of = (fs: Finding[], service: string) => fs.filter((f) => f.service === service);

describe('look-alikes and prose are not findings', () => {
  it('translation catalogs and sentences with URLs in config files', async () => {
    const fs = await findings({
      'locales/en.json': '{ "help": "Connect your account", "endpoint": "https://api.anthropic.com/v1" }\n',
      'config/messages.json': '{ "hint": "Create a key at https://platform.openai.com/account/api-keys first" }\n',
      'README.md': 'Uses https://api.openai.com/v1 and `import anthropic`.\n',
    });
    expect(services(fs)).toEqual([]);
  });

  it('a real endpoint value in config is still found next to prose', async () => {
    const fs = await findings({ 'config/app.json': '{ "hint": "Create a key at the console first", "base": "https://api.anthropic.com/v1" }\n' });
    expect(services(fs)).toEqual(['anthropic-api']);
  });

  it('projects named like AI products (Gemini protocol, OpenStack Mistral, AWS Copilot) are not AI', async () => {
    const fs = await findings({
      'go.mod': 'module x\n\ngo 1.21\n\nrequire github.com/makeworld-the-better-one/go-gemini v0.13.1\n',
      'requirements.txt': 'python-mistralclient>=2.0.0\nmd2gemini<2\n',
      'setup.cfg': '[metadata]\nname = mistral\n[files]\npackages =\n    mistral\n',
      'mistral/api/app.py': 'from mistral import context as ctx\nfrom mistral.services import scheduler\n',
      'client.go': 'package client\n\nimport "github.com/makeworld-the-better-one/go-gemini"\n\nvar c *gemini.Client\n',
    });
    expect(services(fs)).toEqual([]);
  });

  it('a code symbol counts only in a file that imports the SDK, and never in comments or strings', async () => {
    const fs = await findings({
      'a.go': 'package a\n\n// openai.DefaultAzureConfig(key, url) would be Azure\nfunc DefaultAzureConfig() string { return "DefaultAzureConfig" }\n',
      'b.py': 'class AzureOpenAI:  # our own class\n    pass\n',
    });
    expect(services(fs)).toEqual([]);
  });
});

describe('provider switches inside SDKs (rules `code` section)', () => {
  it('go-openai DefaultAzureConfig is Azure OpenAI as well as the SDK', async () => {
    const fs = await findings({
      'llm.go': 'package llm\n\nimport (\n\t"strings"\n\n\t"github.com/sashabaranov/go-openai"\n)\n\nfunc New(token, url string) *openai.Client {\n\tconfig := openai.DefaultConfig(token)\n\tif strings.Contains(url, "azure") {\n\t\tconfig = openai.DefaultAzureConfig(token, url)\n\t}\n\treturn openai.NewClientWithConfig(config)\n}\n',
    });
    expect(services(fs)).toEqual(['azure-openai', 'openai-api']);
    const az = of(fs, 'azure-openai')[0];
    expect(az.value).toBe('github.com/sashabaranov/go-openai#DefaultAzureConfig');
    expect(az.locator).toMatch(/llm\.go:12$/);
    expect(az.match.rule).toBe('code-symbol');
  });

  it('AzureOpenAI from the openai package in Python and TypeScript; AzureConfig in async-openai', async () => {
    const fs = await findings({
      'a.py': 'import openai\nclient = openai.AzureOpenAI(azure_endpoint=endpoint)\n',
      'b.ts': "import { AzureOpenAI } from 'openai';\nexport const c = new AzureOpenAI({ endpoint });\n",
      'c.rs': 'use async_openai::{config::AzureConfig, Client};\nfn main() { let c = Client::with_config(AzureConfig::new()); }\n',
    });
    expect(of(fs, 'azure-openai').map((f) => f.locator).sort()).toEqual(['a.py:2', 'b.ts:1', 'c.rs:1']);
  });

  it('the openai-go azure sub-package is Azure OpenAI', async () => {
    const fs = await findings({ 'm.go': 'package m\n\nimport (\n\t"github.com/openai/openai-go/v2"\n\t"github.com/openai/openai-go/v2/azure"\n)\n' });
    expect(services(fs)).toEqual(['azure-openai', 'openai-api']);
  });

  it('the base URL decides the service behind an OpenAI-compatible client', async () => {
    const fs = await findings({
      'ds.py': 'from openai import OpenAI\nclient = OpenAI(api_key=key, base_url="https://api.deepseek.com")\n',
      'local.rs': 'let api_base = "http://localhost:11434/v1";\n',
    });
    expect(of(fs, 'deepseek')).toHaveLength(1);
    expect(of(fs, 'ollama')).toHaveLength(1);
  });

  it('the schema rejects a code rule without symbols or with a non-identifier symbol', () => {
    const base = { id: 'x', name: 'X', vendor: 'X', category: 'llm-api' };
    expect(serviceSchema.safeParse({ ...base, match: { code: { go: [{ import: 'a/b', symbols: [] }] } } }).success).toBe(false);
    expect(serviceSchema.safeParse({ ...base, match: { code: { go: [{ import: 'a/b', symbols: ['New('] }] } } }).success).toBe(false);
    expect(serviceSchema.safeParse({ ...base, match: { code: { cobol: [{ import: 'a', symbols: ['B'] }] } } }).success).toBe(false);
    expect(serviceSchema.safeParse({ ...base, match: { code: { go: [{ import: 'a/b', symbols: ['New'] }] } } }).success).toBe(true);
  });
});

describe('declarations outside the usual manifests', () => {
  it('pip install in a Dockerfile RUN step (extras and pins stripped)', async () => {
    const fs = await findings({ Dockerfile: 'FROM python:3.12-slim\nRUN apt-get update && pip install --no-cache-dir anthropic==0.30 "langchain[openai]" \\\n    && python -m pip install -U cohere\n' });
    expect(services(fs)).toEqual(['anthropic-api', 'cohere', 'langchain']);
    expect(of(fs, 'cohere')[0].locator).toBe('Dockerfile:2');
  });

  it('a go.mod replace directive pointing at an AI module (local folders ignored)', async () => {
    const fs = await findings({
      'go.mod': 'module x\n\ngo 1.22\n\nrequire example.com/llm v1.0.0\n\nreplace example.com/llm => github.com/sashabaranov/go-openai v1.20.0\n\nreplace (\n\tgithub.com/anthropics/anthropic-sdk-go => ../anthropic-fork\n)\n',
    });
    expect(services(fs)).toEqual(['openai-api']);
    expect(of(fs, 'openai-api')[0].attrs?.replaces).toBe('example.com/llm');
  });

  it('SDK crates and gems: async-openai, ruby-openai, Semantic Kernel OpenAI connector', async () => {
    const fs = await findings({
      'Cargo.toml': '[package]\nname = "x"\nversion = "0.1.0"\n\n[dependencies]\nasync-openai = { path = "../../async-openai" }\n',
      Gemfile: 'source "https://rubygems.org"\ngem "ruby-openai"\n',
      'App.csproj': '<Project Sdk="Microsoft.NET.Sdk"><ItemGroup><PackageReference Include="Microsoft.SemanticKernel.Connectors.OpenAI" Version="1.17.1" /></ItemGroup></Project>\n',
    });
    expect(of(fs, 'openai-api').map((f) => f.locator.split(':')[0]).sort()).toEqual(['App.csproj', 'Cargo.toml', 'Gemfile']);
    expect(of(fs, 'semantic-kernel')).toHaveLength(1);
  });
});

describe('transitive lock-file entries', () => {
  it('are findings with confidence inferred (direct: false); direct ones stay declared', async () => {
    const fs = await findings({
      'package.json': '{ "name": "x", "devDependencies": { "@anthropic-ai/sdk": "^0.20.0" } }\n',
      'package-lock.json': JSON.stringify({
        name: 'x',
        lockfileVersion: 3,
        packages: {
          '': { name: 'x', devDependencies: { '@anthropic-ai/sdk': '^0.20.0' } },
          'node_modules/@anthropic-ai/sdk': { version: '0.20.0', dev: true },
          'node_modules/openai': { version: '4.0.0', dev: true },
        },
      }, null, 1),
    });
    const openai = of(fs, 'openai-api');
    expect(openai).toHaveLength(1);
    expect(openai[0].confidence).toBe('inferred');
    expect(openai[0].attrs?.direct).toBe(false);
    for (const f of of(fs, 'anthropic-api')) expect(f.confidence).toBe('declared');
  });

  it('go.mod // indirect requirements are inferred too', async () => {
    const fs = await findings({ 'go.mod': 'module x\n\ngo 1.22\n\nrequire github.com/sashabaranov/go-openai v1.20.0 // indirect\n' });
    expect(fs.map((f) => [f.service, f.confidence])).toEqual([['openai-api', 'inferred']]);
  });
});

describe('placeholders', () => {
  it('placeholder keys in .env.example are not credentials; the variable names still declare the service', async () => {
    const fs = await findings({ '.env.example': 'OPENAI_API_KEY=sk-xxxxxxxxxxxxxxxxxxxxxxxx\nANTHROPIC_API_KEY=your-api-key-here\n' });
    expect(fs.filter((f) => f.kind === 'credential')).toEqual([]);
    expect(services(fs)).toEqual(['anthropic-api', 'openai-api']);
  });
});

describe('PyPI extras', () => {
  it('an extra that installs an AI SDK is evidence of it; ordinary extras are not', async () => {
    const fs = await findings({
      'requirements.txt': 'langchain[openai]==0.0.350\npydantic-ai-slim[anthropic, logfire]>=0.1\nrequests[socks]\nfastapi[all]\n',
      'pyproject.toml': '[tool.poetry.dependencies]\npython = "^3.11"\ntransformers = { version = "^4.40", extras = ["torch"] }\n',
    });
    expect(services(fs)).toEqual(['anthropic-api', 'huggingface', 'langchain', 'openai-api']);
    const viaExtra = fs.filter((f) => f.attrs?.extraOf).map((f) => `${f.attrs?.extraOf}[${f.value}] ${f.service}`).sort();
    expect(viaExtra).toEqual(['langchain[langchain-openai] langchain', 'langchain[langchain-openai] openai-api', 'pydantic-ai-slim[anthropic] anthropic-api']);
  });
});
