import { describe, expect, it } from 'vitest';
import { find, runAll, values } from './helpers.js';

const SECRET = 'sk-proj-Zq8xLm3Vb7Nc2Kd9Wf4Hg6Jt1Ry5Ue0Ai3Os8Pl';

describe('URLs and hosts', () => {
  it('finds known URLs in code strings, not in comments, docstrings or prose', () => {
    const src = [
      'BASE = "https://api.openai.com/v1"',                       // 1
      '# see https://api.openai.com/v1/chat',                       // 2 comment
      '"""Docs: https://api.llm-one.test/v2"""',                   // 3 docstring
      'endpoint = f"https://{resource}.openai.azure.com/openai"',  // 4 template
      'other = "https://example.com/api"',                          // 5 unknown
      'msg = "Please get a key from https://api.llm-one.test today"', // 6 prose string
      'host = "api.llm-one.test"',                                  // 7 bare host
    ].join('\n');
    const r = runAll('client.py', src);
    const got = r.obs.filter((o) => o.kind === 'url' || o.kind === 'host').map((o) => `${o.kind}:${o.value}@${o.line}`);
    expect(got).toEqual(['url:https://api.openai.com/v1@1', 'url:https://x.openai.azure.com/openai@4', 'host:api.llm-one.test@7']);
    expect(find(r, 'url', 'https://x.openai.azure.com/openai')?.attrs?.template).toBe(true);
  });

  it('reads config files but never markdown or text', () => {
    const yaml = 'llm:\n  # base: https://api.openai.com/v1\n  base_url: https://api.openai.com/v1/\n  host: api.llm-one.test\n';
    const r = runAll('config/app.yaml', yaml);
    expect(r.obs.filter((o) => o.kind === 'url' || o.kind === 'host').map((o) => `${o.kind}:${o.value}@${o.line}`)).toEqual(['url:https://api.openai.com/v1/@3', 'host:api.llm-one.test@4']);
    expect(runAll('README.md', 'Call https://api.openai.com/v1 with `import openai`').obs).toEqual([]);
    expect(runAll('notes.txt', 'OPENAI_API_KEY=abc https://api.openai.com/v1').obs).toEqual([]);
    expect(runAll('docs/index.rst', '.. code:: import openai').obs).toEqual([]);
  });

  it('Dart: single- and double-quoted strings, not comments', () => {
    const dart = ["abstract class Strings {", "  /// Docs: 'https://api.openai.com/v1/docs'", "  static const defaultBaseUrl = 'https://api.openai.com';", '  static const other = "https://api.llm-one.test/v2";', '  // https://api.openai.com/v1', '}'].join('\n');
    const urls = runAll('lib/src/strings.dart', dart).obs.filter((o) => o.kind === 'url' || o.kind === 'host');
    expect(urls.map((o) => `${o.value}@${o.line}`)).toEqual(['https://api.openai.com@3', 'https://api.llm-one.test/v2@4']);
  });

  it('shell scripts: bare URLs on command lines', () => {
    const r = runAll('run.sh', 'curl https://api.openai.com/v1/models -H "Authorization: Bearer $OPENAI_API_KEY"\n# curl https://api.llm-one.test\n');
    expect(values(r, 'url')).toEqual(['https://api.openai.com/v1/models']);
    expect(values(r, 'env-var')).toEqual(['OPENAI_API_KEY']);
  });

  it('redacts query secrets and user-info in snippets', () => {
    const r = runAll('a.js', `const u = "https://user:hunter2@api.openai.com/v1?api_key=${SECRET}";`);
    const o = find(r, 'url', 'https://api.openai.com/v1?api_key=' + SECRET) ?? r.obs.find((x) => x.kind === 'url');
    expect(o).toBeDefined();
    expect(JSON.stringify(r.obs)).not.toContain('hunter2');
    expect(o!.snippet).not.toContain(SECRET);
  });
});

describe('environment variables in code', () => {
  it('finds reads across languages', () => {
    const cases: Array<[string, string]> = [
      ['a.py', 'k = os.environ["OPENAI_API_KEY"]\nb = os.getenv("ANTHROPIC_API_KEY")\nc = os.environ.get(\'GEMINI_API_KEY\', "")'],
      ['a.ts', 'const k = process.env.OPENAI_API_KEY;\nconst b = process.env["ANTHROPIC_API_KEY"];\nconst { GEMINI_API_KEY, OTHER } = process.env;'],
      ['a.go', 'k := os.Getenv("OPENAI_API_KEY")\nb, _ := os.LookupEnv("ANTHROPIC_API_KEY")\nc := os.Getenv("GEMINI_API_KEY")'],
      ['A.java', 'String k = System.getenv("OPENAI_API_KEY");\nString b = System.getenv("ANTHROPIC_API_KEY");\nString c = System.getenv("GEMINI_API_KEY");'],
      ['A.cs', 'var k = Environment.GetEnvironmentVariable("OPENAI_API_KEY");\nvar b = Environment.GetEnvironmentVariable("ANTHROPIC_API_KEY");\nvar c = Environment.GetEnvironmentVariable(@"GEMINI_API_KEY");'],
      ['a.rb', 'k = ENV["OPENAI_API_KEY"]\nb = ENV.fetch("ANTHROPIC_API_KEY")\nc = ENV[\'GEMINI_API_KEY\']'],
    ];
    for (const [file, src] of cases) {
      const r = runAll(file, src);
      const env = r.obs.filter((o) => o.kind === 'env-var');
      expect(env.map((o) => `${o.value}@${o.line}`), file).toEqual(['OPENAI_API_KEY@1', 'ANTHROPIC_API_KEY@2', 'GEMINI_API_KEY@3']);
      expect(env.every((o) => o.confidence === 'inferred' && o.signal === 'presence'), file).toBe(true);
    }
  });

  it('ignores comments, unknown names and prose', () => {
    const r = runAll('a.py', '# os.environ["OPENAI_API_KEY"]\nx = os.getenv("HOME")\nraise Error("set OPENAI_API_KEY first")\n');
    expect(values(r, 'env-var')).toEqual([]);
  });

  it('never shows an assigned value', () => {
    const r = runAll('a.py', `os.environ["OPENAI_API_KEY"] = "${SECRET}"\nOPENAI_API_KEY = "plainvalue123"\nclient = X(api_key="${SECRET}")\nkey = os.getenv("OPENAI_API_KEY")`);
    expect(JSON.stringify(r.obs)).not.toContain(SECRET);
    expect(JSON.stringify(r.obs)).not.toContain('plainvalue123');
    expect(find(r, 'env-var', 'OPENAI_API_KEY')?.snippet).toContain('***');
  });
});

describe('environment variables in config', () => {
  it('.env files: names only, values redacted', () => {
    const r = runAll('.env.example', `# OPENAI_BASE_URL=commented\nOPENAI_API_KEY=${SECRET}\nexport ANTHROPIC_API_KEY="abc"\nHOME=/root\n`);
    const env = r.obs.filter((o) => o.kind === 'env-var');
    expect(env.map((o) => `${o.value}@${o.line}:${o.snippet}:${o.confidence}`)).toEqual(['OPENAI_API_KEY@2:OPENAI_API_KEY=***:declared', 'ANTHROPIC_API_KEY@3:ANTHROPIC_API_KEY=***:declared']);
    expect(JSON.stringify(r.obs)).not.toContain(SECRET);
  });

  it('docker compose environment (list and map forms)', () => {
    const compose = [
      'services:',
      '  api:',
      '    image: vllm/vllm-openai:v0.5.0',
      '    environment:',
      `      - OPENAI_API_KEY=${SECRET}`,
      '      - ANTHROPIC_API_KEY',
      '  worker:',
      '    environment:',
      '      GEMINI_API_KEY: ${GEMINI_API_KEY:-none}',
      '      AZURE_OPENAI_ENDPOINT: https://x.openai.azure.com',
    ].join('\n');
    const r = runAll('docker-compose.yml', compose);
    expect(r.obs.filter((o) => o.kind === 'env-var').map((o) => `${o.value}@${o.line}`).sort()).toEqual(
      ['OPENAI_API_KEY@5', 'ANTHROPIC_API_KEY@6', 'GEMINI_API_KEY@9', 'AZURE_OPENAI_ENDPOINT@10'].sort(),
    );
    expect(JSON.stringify(r.obs)).not.toContain(SECRET);
    expect(find(r, 'container-image', 'vllm/vllm-openai:v0.5.0')?.line).toBe(3);
  });

  it('kubernetes env entries and GitHub Actions secrets', () => {
    const k8s = 'apiVersion: apps/v1\nkind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n          image: ollama/ollama:0.3\n          env:\n            - name: OPENAI_API_KEY\n              valueFrom:\n                secretKeyRef: { name: s, key: k }\n---\napiVersion: v1\nkind: Pod\n';
    const r = runAll('deploy/app.yaml', k8s);
    expect(find(r, 'env-var', 'OPENAI_API_KEY')?.line).toBe(10);
    expect(find(r, 'container-image', 'ollama/ollama:0.3')?.line).toBe(8);
    const gha = 'on: push\nenv:\n  GEMINI_API_KEY: ${{ secrets.GEMINI_API_KEY }}\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo hi\n        env:\n          KEY: ${{ secrets.ANTHROPIC_API_KEY }}\n';
    const g = runAll('.github/workflows/ci.yml', gha);
    expect(g.obs.filter((o) => o.kind === 'env-var').map((o) => `${o.value}@${o.line}`).sort()).toEqual(['ANTHROPIC_API_KEY@10', 'GEMINI_API_KEY@3']);
  });

  it('falls back to lines for templated YAML (Helm)', () => {
    const helm = 'env:\n  - name: OPENAI_API_KEY\n    value: {{ .Values.key | quote }}\nimage: {{ .Values.image }}\n  image: "ollama/ollama:latest"\n';
    const r = runAll('chart/templates/dep.yaml', helm);
    expect(find(r, 'env-var', 'OPENAI_API_KEY')?.line).toBe(2);
    expect(find(r, 'container-image', 'ollama/ollama:latest')?.line).toBe(5);
  });

  it('Dockerfile ENV / ARG', () => {
    const r = runAll('Dockerfile', 'FROM python:3.12\nARG OPENAI_API_KEY\nENV ANTHROPIC_API_KEY=abc GEMINI_API_KEY=def\n# ENV OPENAI_BASE_URL=x\nRUN echo $HOME\n');
    expect(r.obs.filter((o) => o.kind === 'env-var').map((o) => `${o.value}@${o.line}`).sort()).toEqual(['ANTHROPIC_API_KEY@3', 'GEMINI_API_KEY@3', 'OPENAI_API_KEY@2']);
    expect(JSON.stringify(r.obs)).not.toMatch(/abc|def/);
  });
});

describe('Spring Boot configuration', () => {
  it('properties and YAML keys are read as the environment variables Spring binds them to', async () => {
    const { springEnvName } = await import('../../../../scanners/repo/parsers/code/env-vars.js');
    expect(springEnvName('spring.ai.openai.api-key')).toBe('SPRING_AI_OPENAI_APIKEY');
    expect(springEnvName('spring.ai.list[0].url')).toBe('SPRING_AI_LIST_0_URL');
  });
});
