/**
 * Adversarial trial of AI credential detection with the bundled rules: real-looking keys in
 * .env / YAML / JSON / notebooks / logs are found and attributed to one service; placeholders,
 * documentation values, truncated keys, keys inside longer tokens and values near (but not bound
 * to) a vendor keyword are not; only prefix + last 4 + fingerprint ever leave the scanner.
 */
import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { loadRules } from '../../src/rules/load.js';
import { RuleIndex, literalPrefix } from '../../src/rules/compile.js';
import { isPlaceholderSecret, redactSecret } from '../../src/core/secrets.js';
import { main, type Io } from '../../src/cli/main.js';
import { tmpDir } from '../helpers/tmp.js';

const loaded = loadRules([]);
const index = new RuleIndex(loaded.services, loaded.modelFormats);

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const URLSAFE = ALNUM + '_-';
const HEX = '0123456789abcdef';
const LOWER = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** Deterministic, uniformly random strings (SHA-256 stream with rejection sampling). */
function rnd(n: number, seed: string, cs = ALNUM): string {
  let out = '';
  for (let ctr = 0; out.length < n; ctr++) {
    for (const b of createHash('sha256').update(`${seed}:${ctr}`).digest()) {
      if (b < 256 - (256 % cs.length)) out += cs[b % cs.length];
      if (out.length === n) break;
    }
  }
  return out;
}

const K = {
  openaiProj: (s: string) => `sk-proj-${rnd(74, s + 'a', URLSAFE)}T3BlbkFJ${rnd(74, s + 'b', URLSAFE)}`,
  openaiSvc: (s: string) => `sk-svcacct-${rnd(74, s + 'a', URLSAFE)}T3BlbkFJ${rnd(74, s + 'b', URLSAFE)}`,
  openaiAdmin: (s: string) => `sk-admin-${rnd(58, s + 'a', URLSAFE)}T3BlbkFJ${rnd(58, s + 'b', URLSAFE)}`,
  anthropic: (s: string) => `sk-ant-api03-${rnd(93, s, URLSAFE)}AA`,
  anthropicAdmin: (s: string) => `sk-ant-admin01-${rnd(93, s, URLSAFE)}AA`,
  aiza: (s: string) => `AIzaSy${rnd(33, s, URLSAFE)}`,
  hf: (s: string) => `hf_${rnd(34, s, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz')}`,
  groq: (s: string) => `gsk_${rnd(52, s)}`,
  replicate: (s: string) => `r8_${rnd(37, s, URLSAFE)}`,
  pplx: (s: string) => `pplx-${rnd(48, s)}`,
  xai: (s: string) => `xai-${rnd(80, s, ALNUM + '_')}`,
  openrouter: (s: string) => `sk-or-v1-${rnd(64, s, HEX)}`,
  langsmith: (s: string) => `lsv2_sk_${rnd(32, s + 'a', HEX)}_${rnd(10, s + 'b', HEX)}`,
  pinecone: (s: string) => `pcsk_${rnd(6, s + 'a')}_${rnd(63, s + 'b')}`,
  together: (s: string) => `tgp_v1_${rnd(43, s, URLSAFE)}`,
  fireworks: (s: string) => `fw_${rnd(24, s)}`,
  elevenlabs: (s: string) => `sk_${rnd(48, s, HEX)}`,
  deepseek: (s: string) => `sk-${rnd(32, s, HEX)}`,
  hex: (n: number, s: string) => rnd(n, s, HEX),
  /** Azure's 84-char identifiable AI key: 52 + JQQJ99 + date + 12 + AAA<svc> + ACOG + 4. */
  azure84: (s: string, svc = 'A') => `${rnd(52, s + 'a')}JQQJ99BF${rnd(12, s + 'b')}AAA${svc}ACOG${rnd(4, s + 'c')}`,
  bedrock: (s: string) => `ABSKQmVkcm9ja0FQSUtleS${rnd(110, s, ALNUM + '+/')}`,
};

const claims = (text: string) => index.scanSecrets(text).map((h) => `${h.service}/${h.patternId}`);
const services = (text: string) => index.scanSecrets(text).map((h) => h.service);

describe('placeholders and documentation values never become findings', () => {
  it('flags hand-written values and no random key', () => {
    for (const p of [
      'sk-proj-EXAMPLE' + rnd(60, 'e', URLSAFE),
      'gsk_' + 'x'.repeat(52),
      'sk-' + '0'.repeat(32),
      'sk-' + '1234567890abcdef'.repeat(2),
      'sk-proj-' + 'abc123'.repeat(12),
      'AIzaSyYOUR_API_KEY' + rnd(21, 'y'),
      'pplx-' + rnd(20, 'r') + 'REDACTED' + rnd(20, 's'),
      'abcdefghijklmnopqrstuvwxyz0123456789abcd',
    ]) {
      expect(isPlaceholderSecret(p), p).toBe(true);
    }
    // a live key is never taken for a placeholder (every alphabet in use, 3000 keys)
    const keys = Array.from({ length: 500 }, (_, i) => [K.openaiProj(`p${i}`), K.anthropic(`a${i}`), K.hex(32, `h${i}`), K.hex(40, `g${i}`), rnd(32, `m${i}`, LOWER), K.azure84(`z${i}`)]).flat();
    expect(keys.filter(isPlaceholderSecret)).toEqual([]);
  });

  it.each([
    ['sk-proj-abc123...', 'OPENAI_API_KEY=sk-proj-abc123...'],
    ['EXAMPLE inside a full-length key', `OPENAI_API_KEY=sk-proj-EXAMPLE${rnd(67, 'ex', URLSAFE)}T3BlbkFJ${rnd(74, 'ey', URLSAFE)}`],
    ['repeated characters, full length', `ANTHROPIC_API_KEY=sk-ant-api03-${'x'.repeat(93)}AA`],
    ['repeated unit', `GROQ_API_KEY=gsk_${'aB3'.repeat(17)}a`],
    ['counting digits', `DEEPSEEK_API_KEY=sk-${'1234567890abcdef'.repeat(2)}`],
    ['zeros', `OPENROUTER_API_KEY=sk-or-v1-${'0'.repeat(64)}`],
    ['sk-xxxxxxxx', 'OPENAI_API_KEY=sk-xxxxxxxx'],
    ['sk-...', 'OPENAI_API_KEY=sk-...'],
    ['your-api-key-here', 'OPENAI_API_KEY=your-api-key-here'],
    ['<OPENAI_API_KEY>', 'OPENAI_API_KEY=<OPENAI_API_KEY>'],
    ['${OPENAI_API_KEY}', 'OPENAI_API_KEY=${OPENAI_API_KEY}'],
    ['process.env', 'const client = new OpenAI({ apiKey: process.env.OPENAI_API_KEY });'],
    ['AIza placeholder', 'GEMINI_API_KEY=AIzaSyXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX'],
    ['a dummy Anthropic key in a test', `client = Anthropic(api_key="sk-ant-api03-dummy${rnd(88, 'd', URLSAFE)}AA")`],
  ])('%s', (_n, text) => {
    expect(claims(text)).toEqual([]);
  });
});

describe('shape traps: truncated keys, longer tokens, other vendors', () => {
  it.each([
    ['truncated project key', `OPENAI_API_KEY=${K.openaiProj('t').slice(0, 120)}`],
    ['truncated Anthropic key', `ANTHROPIC_API_KEY=${K.anthropic('t').slice(0, 80)}`],
    ['project key inside a longer URL-safe blob', `blob=${K.openaiProj('b')}_${rnd(12, 'bb')}`],
    ['Anthropic key followed by more URL-safe characters', `token=${K.anthropic('c')}-${rnd(6, 'cc')}`],
    ['Anthropic key inside an SRI hash', `integrity="sha512-${rnd(20, 'i')}${K.anthropic('i')}"`],
    ['Anthropic prefix in a URL-encoded placeholder', 'https://console.anthropic.com/search?q=sk-ant-api03-%3Cyour-key%3E&page=2'],
    ['URL-encoded dashes', `q=sk%2Dant%2Dapi03%2D${rnd(93, 'u')}AA`],
    ['AIza key one character too long', `GEMINI_API_KEY=${K.aiza('l')}-x`],
    ['Stripe live key', `STRIPE_SECRET_KEY=sk_live_${rnd(99, 's')}`],
    ['Stripe test key', `STRIPE_SECRET_KEY=sk_test_${rnd(24, 's2')}`],
    ['sk- 48 alnum without the OpenAI marker and no vendor word', `SOME_TOKEN=sk-${rnd(48, 'n')}`],
    ['Azure-style key with another provider signature (Web PubSub)', `WEBPUBSUB_KEY=${rnd(52, 'w')}JQQJ99BAAC${rnd(10, 'w2')}AAAAAWPS${rnd(4, 'w3')}`],
  ])('%s', (_n, text) => {
    expect(claims(text)).toEqual([]);
  });
});

describe('keyword-bound keys must be bound to their keyword', () => {
  it.each([
    ['a SHA next to a Mistral import', `from mistralai import Mistral\nsha = "${rnd(32, 'sha')}"`],
    ['a commit hash under an Azure OpenAI endpoint', `AZURE_OPENAI_ENDPOINT=https://contoso.openai.azure.com/\nBUILD_SHA=${K.hex(32, 'build')}`],
    ['a git pin of the Deepgram SDK', `deepgram-sdk @ git+https://github.com/deepgram/deepgram-python-sdk@${K.hex(40, 'pin')}`],
    ['a URL path segment after the keyword', `mistral: https://github.com/mistralai/client-python/blob/${rnd(32, 'path')}/README.md`],
    ['a Maps key with a Gemini comment on the next line', `FIREBASE_API_KEY=${K.aiza('maps')}\n# chat uses gemini`],
    ['a Maps key with no Gemini word near it', `const MAPS_API_KEY = "${K.aiza('maps2')}";`],
    ['a hash call argument in a Mistral module', `import mistralai\ndigest = hashlib.md5("${rnd(32, 'md5')}")`],
    ['a request id in a Cohere log', `import cohere\nrequest_id = "${rnd(40, 'req')}"`],
    ['a DashScope-shaped key with only a DeepSeek model name two lines up', `model: deepseek-chat\n\nchecksum: sk-${K.hex(32, 'ck')}`],
    ['an etag under a Cognitive Services endpoint', `endpoint: https://contoso.cognitiveservices.azure.com/\netag: ${K.hex(32, 'etag')}`],
    ['a W&B run id', `wandb.init(project="x")\nrun_id = "${K.hex(40, 'run')}"`],
  ])('%s', (_n, text) => {
    expect(claims(text)).toEqual([]);
  });

  it.each([
    ['mistral', `MISTRAL_API_KEY=${rnd(32, 'm1')}`],
    ['mistral', `[providers.mistral]\napi_key = "${rnd(32, 'm2')}"`],
    ['cohere', `co = cohere.ClientV2("${rnd(40, 'c1')}")`],
    ['deepseek', `client = OpenAI(api_key="${K.deepseek('d1')}", base_url="https://api.deepseek.com")`],
    ['alibaba-qwen', `DASHSCOPE_API_KEY=${K.deepseek('q1')}`],
    ['azure-openai', `AZURE_OPENAI_API_KEY=${K.hex(32, 'az1')}`],
    ['azure-openai', `OPENAI_API_BASE=https://contoso.openai.azure.com/\nOPENAI_API_KEY=${K.hex(32, 'az2')}`],
    ['google-gemini-api', `curl "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.0-flash:generateContent?key=${K.aiza('g1')}"`],
    ['google-gemini-api', `gemini:\n  api_key: "${K.aiza('g2')}"`],
    ['elevenlabs', `curl -H "xi-api-key: ${K.hex(32, 'x1')}" https://api.elevenlabs.io/v1/voices`],
    ['weights-and-biases', `machine api.wandb.ai\n  login user\n  password ${K.hex(40, 'w1')}`],
    ['kaggle', `{"username":"jdoe","key":"${K.hex(32, 'k1')}"} # ~/.kaggle/kaggle.json`],
    ['deepgram', `POST https://api.deepgram.com/v1/listen Authorization: Token ${K.hex(40, 'dg1')}`],
  ])('%s', (service, text) => {
    expect(services(text)).toEqual([service]);
  });

  it('hex keys pass the entropy floors of AssemblyAI, Deepgram and Clarifai (they are hex in practice)', () => {
    let missed = 0;
    for (let i = 0; i < 300; i++) {
      if (services(`ASSEMBLYAI_API_KEY=${K.hex(32, `aai${i}`)}`).join() !== 'assemblyai') missed++;
      if (services(`aai.settings.api_key = "${K.hex(32, `aas${i}`)}"`).join() !== 'assemblyai') missed++;
      if (services(`DEEPGRAM_API_KEY=${K.hex(40, `dg${i}`)}`).join() !== 'deepgram') missed++;
      if (services(`CLARIFAI_PAT=${K.hex(32, `cl${i}`)}`).join() !== 'clarifai') missed++;
    }
    expect(missed).toBe(0);
  });
});

describe("Azure's 84-character identifiable AI keys", () => {
  it('are claimed by azure-openai next to an Azure OpenAI name, else by azure-ai-services on the ACOG signature', () => {
    expect(claims(`AZURE_OPENAI_API_KEY=${K.azure84('o1')}`)).toEqual(['azure-openai/azure-openai-key-v2']);
    expect(claims(`client = AzureOpenAI(\n    api_key="${K.azure84('o2', 'B')}",\n)`)).toEqual(['azure-openai/azure-openai-key-v2']);
    expect(claims(`SPEECH_KEY=${K.azure84('s1', 'Y')}\nSPEECH_REGION=westeurope`)).toEqual(['azure-ai-services/azure-ai-services-key-v2']);
    expect(claims(`key = "${K.azure84('s2', 'L')}"`)).toEqual(['azure-ai-services/azure-ai-services-key-v2']);
    expect(claims(`key = "${K.azure84('s3').slice(0, 83)}"`)).toEqual([]);
  });
});

describe('formats: .env, YAML, JSON, notebooks, logs', () => {
  it.each([
    ['openai-api', '.env', (k: string) => `OPENAI_API_KEY=${k}`, K.openaiProj('f1')],
    ['openai-api', 'yaml', (k: string) => `llm:\n  provider: openai\n  api_key: ${k}\n`, K.openaiSvc('f2')],
    ['openai-api', 'json', (k: string) => `{"openai": {"apiKey": "${k}"}}`, K.openaiAdmin('f3')],
    ['openai-api', 'notebook', (k: string) => `{"cells": [{"cell_type": "code", "source": ["import os\\n", "os.environ[\\"OPENAI_API_KEY\\"] = \\"${k}\\"\\n"]}]}`, K.openaiProj('f4')],
    ['anthropic-api', 'log', (k: string) => `2025-03-02T10:14:07Z DEBUG request headers={'x-api-key': '${k}', 'anthropic-version': '2023-06-01'}`, K.anthropic('f5')],
    ['anthropic-api', 'mcp json', (k: string) => `{"mcpServers": {"x": {"env": {"ANTHROPIC_ADMIN_KEY": "${k}"}}}}`, K.anthropicAdmin('f6')],
    ['huggingface', 'notebook', (k: string) => `{"source": ["from huggingface_hub import login\\n", "login(token=\\"${k}\\")"]}`, K.hf('f7')],
    ['groq', 'yaml', (k: string) => `groq:\n  key: "${k}"`, K.groq('f8')],
    ['replicate', '.env', (k: string) => `REPLICATE_API_TOKEN=${k}`, K.replicate('f9')],
    ['perplexity', 'log', (k: string) => `Authorization: Bearer ${k}`, K.pplx('f10')],
    ['xai', '.env', (k: string) => `XAI_API_KEY=${k}`, K.xai('f11')],
    ['openrouter', 'json', (k: string) => `{"OPENROUTER_API_KEY":"${k}"}`, K.openrouter('f12')],
    ['langchain-langsmith', '.env', (k: string) => `LANGSMITH_API_KEY=${k}`, K.langsmith('f13')],
    ['pinecone', 'yaml', (k: string) => `pinecone_api_key: ${k}`, K.pinecone('f14')],
    ['together-ai', '.env', (k: string) => `TOGETHER_API_KEY=${k}`, K.together('f15')],
    ['fireworks-ai', '.env', (k: string) => `FIREWORKS_API_KEY=${k}`, K.fireworks('f16')],
    ['elevenlabs', '.env', (k: string) => `ELEVENLABS_API_KEY=${k}`, K.elevenlabs('f17')],
    ['aws-bedrock', '.env', (k: string) => `AWS_BEARER_TOKEN_BEDROCK=${k}`, K.bedrock('f18')],
    ['google-gemini-api', '.env', (k: string) => `GEMINI_API_KEY=${k}`, K.aiza('f19')],
  ])('%s in %s', (service, _fmt, wrap, key) => {
    const hits = index.scanSecrets(wrap(key));
    expect(hits.map((h) => h.service)).toEqual([service]);
    const h = hits[0];
    expect(h.secret.length).toBe(key.length);
    expect(h.secret.fingerprint).toBe('sha256:' + createHash('sha256').update(key).digest('hex'));
    expect(JSON.stringify(hits)).not.toContain(key);
  });
});

describe('the kept prefix is the vendor prefix, never random key characters', () => {
  it('keeps the literal prefix of the rule, and 4 characters for a rule without one', () => {
    // '_' and '-' in the first 16 characters of the random part used to extend the prefix
    const proj = `sk-proj-Ab_Cd-${rnd(68, 'pp', URLSAFE)}T3BlbkFJ${rnd(74, 'pq', URLSAFE)}`;
    expect(index.scanSecrets(`OPENAI_API_KEY=${proj}`)[0].secret.prefix).toBe('sk-proj-');
    const ant = `sk-ant-api03-a_${rnd(91, 'aa', URLSAFE)}AA`;
    expect(index.scanSecrets(`k=${ant}`)[0].secret.prefix).toBe('sk-ant-api03-');
    const uuid = 'c069fa21-70ef-4ecc-a260-94f7877aac11';
    expect(index.scanSecrets(`AI21_API_KEY=${uuid}`)[0].secret.prefix).toBe('c069');
    expect(index.scanSecrets(`LANGSMITH_API_KEY=${K.langsmith('lp')}`)[0].secret.prefix).toBe('lsv2_sk_');
    expect(index.scanSecrets(`TAVILY_API_KEY=tvly-dev-${rnd(32, 'tv')}`)[0].secret.prefix).toBe('tvly-dev-');
    // the old guess is unchanged for callers without a rule
    expect(redactSecret('abc-def-ghi-jkl-mno-pqr').prefix).toBe('abc-def');
    expect(String(literalPrefix('\\b(sk-(?:proj|svcacct|admin|None)-[A-Za-z0-9_-]{58,74}T3BlbkFJ)'))).toBe('/^sk-(?:proj|svcacct|admin|None)-/');
    expect(literalPrefix('\\b([a-f0-9]{32})\\b')).toBeNull();
  });
});

function capture(): Io & { text: () => string } {
  let buf = '';
  return { out: (s) => void (buf += s), err: (s) => void (buf += s), isTTY: false, text: () => buf };
}

describe('end to end: a repo of real-looking keys and traps', () => {
  it('finds exactly the planted services and prints no key', async () => {
    const dir = tmpDir();
    const repo = join(dir, 'repo');
    const real = {
      openai: K.openaiProj('e2e-openai'),
      anthropic: K.anthropic('e2e-anthropic'),
      groq: K.groq('e2e-groq'),
      gemini: K.aiza('e2e-gemini'),
      mistral: rnd(32, 'e2e-mistral'),
      azure: K.azure84('e2e-azure'),
      hf: K.hf('e2e-hf'),
      deepgram: K.hex(40, 'e2e-deepgram'),
    };
    const files: Record<string, string> = {
      '.env': `OPENAI_API_KEY=${real.openai}\nGROQ_API_KEY=${real.groq}\n`,
      'config/llm.yaml': `gemini:\n  api_key: "${real.gemini}"\nmistral:\n  api_key: ${real.mistral}\n`,
      'notebooks/explore.ipynb': JSON.stringify({ cells: [{ cell_type: 'code', source: ['from huggingface_hub import login\n', `login(token="${real.hf}")\n`] }] }),
      'logs/app.log': `2025-03-02T10:14:07Z DEBUG POST https://api.anthropic.com/v1/messages headers={'x-api-key': '${real.anthropic}'}\n`,
      'src/speech.py': `from openai import AzureOpenAI\nclient = AzureOpenAI(\n    api_key="${real.azure}",\n    azure_endpoint="https://contoso.openai.azure.com/",\n)\n`,
      'src/transcribe.ts': `const deepgram = createClient("${real.deepgram}");\n`,
      // traps: none of these is a credential
      '.env.example': 'OPENAI_API_KEY=sk-proj-abc123...\nANTHROPIC_API_KEY=<ANTHROPIC_API_KEY>\nGROQ_API_KEY=${GROQ_API_KEY}\nGEMINI_API_KEY=your-api-key-here\n',
      'docs/setup.md': `Export a key like \`sk-proj-EXAMPLE${rnd(67, 'doc', URLSAFE)}T3BlbkFJ${rnd(74, 'doc2', URLSAFE)}\` and \`gsk_${'x'.repeat(52)}\`.\n`,
      'src/client.ts': 'export const client = new OpenAI({ apiKey: process.env.OPENAI_API_KEY });\n',
      'src/maps.js': `const MAPS_API_KEY = "${K.aiza('e2e-maps')}";\n`,
      'src/versions.py': `import mistralai\nsha = "${rnd(32, 'e2e-sha')}"\nSTRIPE_KEY = "sk_live_${rnd(99, 'e2e-stripe')}"\n`,
      'package-lock.json': `{"integrity": "sha512-${rnd(20, 'sri')}${K.anthropic('e2e-sri')}"}\n`,
    };
    for (const [p, content] of Object.entries(files)) {
      mkdirSync(dirname(join(repo, p)), { recursive: true });
      writeFileSync(join(repo, p), content);
    }
    const out = join(dir, 'report.json');
    const io = capture();
    expect(await main(['scan', '--repo', repo, '--db', join(dir, 'reg.db'), '--format', 'json', '--output', out, '--quiet'], io)).toBe(0);
    const text = readFileSync(out, 'utf8');
    const json = JSON.parse(text);
    const creds: Array<{ service: string; value: string; attrs: Record<string, string> }> = json.findings.filter((f: { signal: string }) => f.signal === 'credential');
    expect(creds.map((c) => c.service).sort()).toEqual(['anthropic-api', 'azure-openai', 'deepgram', 'google-gemini-api', 'groq', 'huggingface', 'mistral', 'openai-api']);
    for (const c of creds) expect(c.attrs.fingerprint).toMatch(/^sha256:[0-9a-f]{64}$/);
    for (const key of Object.values(real)) {
      expect(text.includes(key)).toBe(false);
      expect(io.text().includes(key)).toBe(false);
      // nor any long run of it past the prefix
      expect(text.includes(key.slice(10, 30))).toBe(false);
    }
  });
});
