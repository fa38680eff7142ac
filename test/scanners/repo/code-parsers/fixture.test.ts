import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runAll } from './helpers.js';

const ROOT = join(import.meta.dirname, '../../../../fixtures/repo-code/sample');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

describe('fixtures/repo-code/sample', () => {
  it('finds exactly the expected observations', () => {
    const got: string[] = [];
    for (const abs of files(ROOT).sort()) {
      const rel = relative(ROOT, abs).split('\\').join('/');
      const r = runAll(rel, readFileSync(abs));
      for (const o of r.obs) got.push(`${rel}:${o.line ?? '-'} ${o.kind}${o.namespace ? '/' + o.namespace : ''} ${o.value}`);
      expect(r.problems, rel).toEqual([]);
      expect(JSON.stringify(r.obs)).not.toContain('never-shown');
    }
    expect(got.sort()).toEqual(
      [
        '.cursor/mcp.json:- agent-config .cursor/mcp.json',
        '.cursor/mcp.json:3 package/npm @modelcontextprotocol/server-filesystem',
        '.env.example:1 env-var OPENAI_API_KEY',
        'Dockerfile:2 container-image ollama/ollama:0.3.0',
        'app/llm.py:3 import/python openai',
        'app/llm.py:5 env-var OPENAI_API_KEY',
        'app/llm.py:5 url https://api.openai.com/v1',
        'docker-compose.yml:3 container-image vllm/vllm-openai:latest',
        'docker-compose.yml:5 env-var OPENAI_API_KEY',
        'infra/main.tf:1 iac-resource/terraform azurerm_cognitive_account',
        'models/tiny.gguf:- model-artifact gguf',
        'notebooks/demo.ipynb:16 import/python anthropic',
        'web/client.ts:2 import/javascript openai',
        'web/client.ts:3 env-var OPENAI_API_KEY',
      ].sort(),
    );
  });
});
