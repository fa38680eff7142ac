import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadRules } from '../../../../src/rules/load.js';
import { RuleIndex } from '../../../../src/rules/compile.js';
import type { FileParser, ParsedObservation } from '../../../../scanners/repo/parsers/types.js';
import { codeParsers } from '../../../../scanners/repo/parsers/code/index.js';

/** A small, self-contained rules folder so the tests do not depend on the bundled catalog. */
const SERVICES: Record<string, string> = {
  'llm-one': `
id: llm-one
name: LLM One
vendor: One Inc
category: llm-api
match:
  domains:
    - host: api.llm-one.test
    - suffix: llm-one.test
      shared: true
    - host: api.openai.com
  apiBaseUrls: [https://api.openai.com/v1]
  packages:
    npm: [openai, "@openai/agents"]
    pypi: [openai]
  imports:
    python: [openai]
  envVars: [OPENAI_API_KEY, OPENAI_BASE_URL]
  images: [vllm/vllm-openai, "ghcr.io/ggml-org/*"]
`,
  'cloud-llm': `
id: cloud-llm
name: Cloud LLM
vendor: Cloud Corp
category: llm-api
match:
  domains:
    - template: "{resource}.openai.azure.com"
  envVars: [AZURE_OPENAI_API_KEY, AZURE_OPENAI_ENDPOINT]
  cloud:
    azure:
      - type: Microsoft.CognitiveServices/accounts
        kinds: [OpenAI]
    aws:
      resourceTypes: ["sagemaker:endpoint", bedrock]
  iac:
    terraform: [azurerm_cognitive_account, "aws_bedrock*"]
`,
  'gen-sdk': `
id: gen-sdk
name: Gen SDK
vendor: Gen
category: llm-api
match:
  packages:
    npm: ["@google/genai", "@anthropic-ai/sdk"]
    go: [github.com/google/generative-ai-go]
    nuget: [Anthropic.SDK]
    rubygems: [anthropic]
    cargo: [async-openai]
    pypi: [anthropic, mcp-server-fetch]
  imports:
    python: [google.genai, anthropic]
    java: [com.anthropic]
    csharp: [Anthropic]
  envVars: [ANTHROPIC_API_KEY, GEMINI_API_KEY]
`,
  'local-runtime': `
id: local-runtime
name: Local Runtime
vendor: Local
category: model-runtime
match:
  images: [ollama/ollama]
  modelFormats: [gguf]
  agentConfigs: [".cursor/mcp.json", ".mcp.json", "mcp.json", ".github/copilot-instructions.md", "AGENTS.md", ".cursor/rules/**"]
  packages:
    npm: ["@modelcontextprotocol/server-filesystem"]
`,
};

const FORMATS = `
formats:
  - id: gguf
    name: GGUF
    extensions: [.gguf]
    magic: [{ offset: 0, hex: "47475546" }]
  - id: safetensors
    name: safetensors
    extensions: [.safetensors]
    magic: [{ offset: 8, hex: "7b" }]
  - id: pytorch
    name: PyTorch
    extensions: [.pt, .pth, .bin, .ckpt]
    magic: [{ offset: 0, hex: "504b0304" }]
    zipEntries: [data.pkl]
    executesCode: true
  - id: keras
    name: Keras v3
    extensions: [.keras]
    magic: [{ offset: 0, hex: "504b0304" }]
    zipEntries: [metadata.json]
  - id: pickle
    name: Pickle
    extensions: [.pkl, .pickle, .joblib]
    magic: [{ offset: 0, hex: "8002" }, { offset: 0, hex: "8003" }, { offset: 0, hex: "8004" }, { offset: 0, hex: "8005" }]
    executesCode: true
  - id: hdf5
    name: HDF5
    extensions: [.h5, .hdf5]
    magic: [{ offset: 0, hex: "894844460d0a1a0a" }, { offset: 512, hex: "894844460d0a1a0a" }]
  - id: tflite
    name: TFLite
    extensions: [.tflite]
    magic: [{ offset: 4, hex: "54464c33" }]
  - id: onnx
    name: ONNX
    extensions: [.onnx]
    extensionOnly: true
`;

let cached: RuleIndex | undefined;
export function rules(): RuleIndex {
  if (cached) return cached;
  const dir = mkdtempSync(join(tmpdir(), 'code-parsers-rules-'));
  mkdirSync(join(dir, 'services'));
  for (const [id, y] of Object.entries(SERVICES)) writeFileSync(join(dir, 'services', `${id}.yaml`), y.trimStart());
  writeFileSync(join(dir, 'model-formats.yaml'), FORMATS.trimStart());
  const loaded = loadRules([dir], { builtin: false });
  cached = new RuleIndex(loaded.services, loaded.modelFormats);
  return cached;
}

export interface Result {
  obs: Array<ParsedObservation & { parser: string }>;
  problems: Array<{ parser: string; message: string; line?: number }>;
}

function baseName(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}

/** Runs one parser on a file (text or bytes). */
export function run(parser: FileParser, relPath: string, content: string | Buffer, into?: Result): Result {
  const res = into ?? { obs: [], problems: [] };
  const name = baseName(relPath);
  const buf = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  parser.parse({
    relPath,
    name,
    text: parser.binary ? undefined : buf.toString('utf8'),
    head: buf.subarray(0, 4096),
    size: buf.length,
    rules: rules(),
    emit: (o) => res.obs.push({ ...o, parser: parser.id }),
    problem: (message, line) => res.problems.push({ parser: parser.id, message, line }),
  });
  return res;
}

/** Runs every code parser whose filter accepts the path, as the walker does. */
export function runAll(relPath: string, content: string | Buffer): Result {
  const res: Result = { obs: [], problems: [] };
  for (const p of codeParsers) if (p.matches(relPath, baseName(relPath))) run(p, relPath, content, res);
  return res;
}

export function values(r: Result, kind?: string): string[] {
  return r.obs.filter((o) => !kind || o.kind === kind).map((o) => o.value);
}

export function find(r: Result, kind: string, value: string): (ParsedObservation & { parser: string }) | undefined {
  return r.obs.find((o) => o.kind === kind && o.value === value);
}
