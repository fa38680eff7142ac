import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { codeParsers, notebookParser } from '../../../../scanners/repo/parsers/code/index.js';
import { find, run } from './helpers.js';

const NB = JSON.stringify(
  {
    cells: [
      { cell_type: 'markdown', metadata: {}, source: ['# Using openai\n', 'import openai\n', 'https://api.openai.com/v1'] },
      {
        cell_type: 'code',
        metadata: {},
        execution_count: 1,
        source: ['!pip install openai anthropic\n', '%matplotlib inline\n', 'import os\n', 'from openai import OpenAI  # import anthropic\n', 'key = os.environ["OPENAI_API_KEY"]'],
        outputs: [{ output_type: 'stream', name: 'stdout', text: ['import anthropic\n'] }],
      },
      { cell_type: 'code', metadata: {}, source: 'import anthropic\nurl = "https://api.openai.com/v1"\n', outputs: [] },
    ],
    metadata: {},
    nbformat: 4,
    nbformat_minor: 5,
  },
  null,
  1,
);

describe('jupyter notebooks', () => {
  it('reads code cells only, with .ipynb lines and cell positions', () => {
    const r = run(notebookParser, 'nb/demo.ipynb', NB);
    const lines = NB.split('\n');
    const lineOf = (needle: string) => lines.findIndex((l) => l.includes(needle)) + 1;
    const imp = find(r, 'import', 'openai');
    expect(imp).toMatchObject({ namespace: 'python', line: lineOf('from openai import OpenAI'), attrs: { cell: 2, cellLine: 4 } });
    expect(find(r, 'package', 'openai')).toMatchObject({ namespace: 'pypi', line: lineOf('!pip install'), attrs: { cell: 2, cellLine: 1 } });
    expect(find(r, 'package', 'anthropic')).toBeDefined();
    expect(find(r, 'env-var', 'OPENAI_API_KEY')?.attrs).toMatchObject({ cell: 2, cellLine: 5 });
    // string source (not an array): the cell's line in the file
    expect(find(r, 'import', 'anthropic')?.attrs).toMatchObject({ cell: 3, cellLine: 1 });
    expect(find(r, 'url', 'https://api.openai.com/v1')?.attrs).toMatchObject({ cell: 3, cellLine: 2 });
    // markdown cells and outputs are never read
    expect(r.obs.filter((o) => o.attrs?.cell === 1)).toEqual([]);
    expect(r.obs.filter((o) => o.kind === 'import').map((o) => o.value).sort()).toEqual(['anthropic', 'openai']);
  });

  it('malformed notebook JSON is a problem, not a crash', () => {
    const r = run(notebookParser, 'nb/broken.ipynb', '{\n "cells": [\n  {"cell_type": "code", "source": ["import openai"\n');
    expect(r.obs).toEqual([]);
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0].message).toMatch(/invalid notebook JSON/);
    expect(run(notebookParser, 'nb/odd.ipynb', '{"nbformat": 4}').problems[0].message).toMatch(/no cells/);
  });
});

describe('robustness', () => {
  const names = [
    'a.py', 'a.ts', 'a.js', 'a.go', 'A.java', 'A.kt', 'A.cs', 'a.rb', 'a.rs', 'a.sh', 'a.vue', 'n.ipynb', 'main.tf', 'main.bicep',
    'docker-compose.yml', 'values.yaml', 'x.json', '.mcp.json', 'config.toml', '.env', 'Dockerfile', 'model.bin', 'model.gguf',
    'model.safetensors', 'm.pt', '.cursor/mcp.json', 'noext',
  ];
  const tokens = [
    'import ', 'from ', 'require(', "'", '"', '`', '"""', "'''", '#', '//', '/*', '*/', '\\', '\n', '{', '}', '(', ')', '[', ']', '${', '$', '=', ':',
    ' - ', 'openai', 'OPENAI_API_KEY', 'https://api.openai.com/v1', 'resource "azurerm_cognitive_account" "x" {', 'FROM ', 'ARG A=', 'image: ',
    'env:', 'mcpServers', 'GGUF', 'PK\u0003\u0004', 'version https://git-lfs.github.com/spec/v1\n', 'using ', 'r#"', '@"', 'process.env.', 'os.environ[',
  ];
  const contentArb = fc.oneof(
    fc.string({ maxLength: 400 }),
    fc.array(fc.constantFrom(...tokens), { maxLength: 80 }).map((a) => a.join('')),
    fc.uint8Array({ maxLength: 600 }).map((u) => Buffer.from(u).toString('latin1')),
  );

  it('no input crashes any parser', () => {
    fc.assert(
      fc.property(fc.constantFrom(...names), contentArb, (relPath, content) => {
        const name = relPath.slice(relPath.lastIndexOf('/') + 1);
        for (const p of codeParsers) {
          if (!p.matches(relPath, name)) continue;
          const r = run(p, relPath, Buffer.from(content, 'latin1'));
          for (const o of r.obs) {
            expect(typeof o.value).toBe('string');
            if (o.line !== undefined) expect(o.line).toBeGreaterThan(0);
          }
        }
      }),
      { numRuns: 600 },
    );
  });

  it('deterministic output', () => {
    const src = 'import openai\nfrom google import genai\nx = os.getenv("OPENAI_API_KEY")\nu = "https://api.openai.com/v1"\n';
    const a = JSON.stringify(codeParsers.map((p) => (p.matches('a.py', 'a.py') ? run(p, 'a.py', src).obs : [])));
    const b = JSON.stringify(codeParsers.map((p) => (p.matches('a.py', 'a.py') ? run(p, 'a.py', src).obs : [])));
    expect(a).toBe(b);
  });

  it('handles a large file quickly', () => {
    const big = Array.from({ length: 20000 }, (_, i) => (i % 50 === 0 ? 'import openai' : `x${i} = "value ${i}" # comment ${i}`)).join('\n');
    const t = Date.now();
    for (const p of codeParsers) if (p.matches('big.py', 'big.py')) run(p, 'big.py', big);
    // generous: catches quadratic blow-ups, not slow CI machines
    expect(Date.now() - t).toBeLessThan(15000);
  });
});
