import { describe, expect, it } from 'vitest';
import { find, runAll, values } from './helpers.js';

describe('python imports', () => {
  it('finds import forms with lines', () => {
    const src = [
      'import os, openai as oa',            // 1
      'from openai import OpenAI',          // 2
      'from google import genai',           // 3
      'from google.genai import types',     // 4
      'import anthropic.types.beta',        // 5
      'try: import anthropic',              // 6
      'except ImportError: pass',           // 7
      'from . import openai',               // 8 relative: local
      'from openai import (',               // 9
      '    OpenAI,',
      '    AsyncOpenAI)',
      'import importlib',
      'm = importlib.import_module("anthropic")', // 13
      'x = 1; import openai',               // 14
    ].join('\n');
    const r = runAll('app/main.py', src);
    const imps = r.obs.filter((o) => o.kind === 'import');
    expect(imps.every((o) => o.namespace === 'python' && o.signal === 'presence' && o.confidence === 'inferred')).toBe(true);
    const got = imps.map((o) => `${o.value}@${o.line}`).sort();
    expect(got).toEqual(
      ['openai@1', 'openai@2', 'google.genai@3', 'google.genai@4', 'anthropic.types.beta@5', 'anthropic@6', 'openai@9', 'anthropic@13', 'openai@14'].sort(),
    );
  });

  it('ignores names in comments, docstrings and strings', () => {
    const src = [
      '"""',
      'import openai',
      'from anthropic import Client',
      '"""',
      '# import openai',
      "s = 'import openai'",
      'def f():',
      "    '''from openai import x'''",
      '    return "from anthropic import y"',
      'text = f"import {openai}"',
    ].join('\n');
    expect(values(runAll('a.py', src), 'import')).toEqual([]);
  });

  it('handles backslash continuation', () => {
    const r = runAll('a.py', 'import os, \\\n    openai\n');
    expect(find(r, 'import', 'openai')?.line).toBe(2);
  });
});

describe('javascript / typescript imports', () => {
  it('finds static, side-effect, require, dynamic and re-export forms', () => {
    const src = [
      "import OpenAI from 'openai';",                 // 1
      "import { GoogleGenAI } from \"@google/genai\";", // 2
      "import '@anthropic-ai/sdk/shims/node';",       // 3
      "const x = require('openai/resources');",       // 4
      "const y = await import('@openai/agents');",    // 5
      "export * from 'openai';",                      // 6
      "import type { Foo } from 'openai';",           // 7
      "import local from './openai';",                // 8 relative
      "import z from 'npm:openai@4.2.0';",            // 9
      'import {',                                     // 10
      '  a,',
      "} from 'openai'",                              // 12
    ].join('\n');
    const r = runAll('src/app.ts', src);
    const got = r.obs.filter((o) => o.kind === 'import').map((o) => `${o.value}@${o.line}`);
    expect(got).toEqual([
      'openai@1', '@google/genai@2', '@anthropic-ai/sdk/shims/node@3', 'openai/resources@4', '@openai/agents@5', 'openai@6', 'openai@7', 'openai@9', 'openai@12',
    ]);
    expect(r.obs.find((o) => o.line === 7)?.attrs?.typeOnly).toBe(true);
    expect(r.obs.every((o) => o.namespace === 'javascript')).toBe(true);
  });

  it('ignores comments, strings, templates and regexes', () => {
    const src = [
      "// import OpenAI from 'openai'",
      "/* require('openai') */",
      "const s = \"import x from 'openai'\";",
      "const t = `require('openai')`;",
      "const re = /'/; const u = 'from';",
      "log('openai');",
      "const from = 'openai';",
      "Array.from('openai');",
    ].join('\n');
    expect(values(runAll('a.js', src), 'import')).toEqual([]);
  });

  it('reads vue script blocks only', () => {
    const src = "<template><p>import x from 'openai'</p></template>\n<script setup>\nimport OpenAI from 'openai'\n</script>\n";
    const r = runAll('c/App.vue', src);
    expect(r.obs.filter((o) => o.kind === 'import').map((o) => o.line)).toEqual([3]);
  });
});

describe('go, java, csharp, ruby, rust imports', () => {
  it('go single and block imports', () => {
    const src = [
      'package main',
      'import "github.com/google/generative-ai-go/genai"',
      'import (',
      '  "fmt"',
      '  gen "github.com/google/generative-ai-go/v2/genai" // comment "github.com/google/generative-ai-go"',
      '  _ `github.com/google/generative-ai-go`',
      ')',
      '// import "github.com/google/generative-ai-go"',
      'var s = "import \\"github.com/google/generative-ai-go\\""',
    ].join('\n');
    const r = runAll('main.go', src);
    expect(r.obs.filter((o) => o.kind === 'import').map((o) => `${o.value}@${o.line}`)).toEqual([
      'github.com/google/generative-ai-go/genai@2',
      'github.com/google/generative-ai-go/v2/genai@5',
      'github.com/google/generative-ai-go@6',
    ]);
  });

  it('java and kotlin imports', () => {
    const java = 'package x;\nimport com.anthropic.client.AnthropicClient;\nimport static com.anthropic.Foo.bar;\nimport com.anthropic.models.*;\n// import com.anthropic.X;\n';
    expect(runAll('A.java', java).obs.map((o) => `${o.value}@${o.line}`)).toEqual(['com.anthropic.client.AnthropicClient@2', 'com.anthropic.Foo.bar@3', 'com.anthropic.models@4']);
    const kt = 'import com.anthropic.client.AnthropicClient as C\n/* import com.anthropic.X */\n';
    expect(values(runAll('A.kt', kt), 'import')).toEqual(['com.anthropic.client.AnthropicClient']);
  });

  it('csharp using directives but not using statements', () => {
    const cs = [
      'using System;',
      'using Anthropic.SDK;',
      'global using static Anthropic.SDK.Messaging;',
      'using Alias = Anthropic.SDK.Models;',
      'class A { void M() {',
      '  using (var x = new Anthropic()) {}',
      '  using var y = Anthropic.Make();',
      '} }',
      '// using Anthropic;',
    ].join('\n');
    expect(runAll('A.cs', cs).obs.map((o) => `${o.value}@${o.line}`)).toEqual(['Anthropic.SDK@2', 'Anthropic.SDK.Messaging@3', 'Anthropic.SDK.Models@4']);
  });

  it('ruby require and rust use', () => {
    expect(runAll('a.rb', "require 'anthropic'\n# require 'anthropic'\nrequire_relative 'anthropic'\n").obs.map((o) => `${o.namespace}:${o.value}@${o.line}`)).toEqual(['ruby:anthropic@1']);
    expect(runAll('a.rs', 'use async_openai::types::Chat;\n// use async_openai;\nuse std::io;\nfn f<\'a>(x: &\'a str) {}\n').obs.map((o) => `${o.namespace}:${o.value}@${o.line}`)).toEqual(['rust:async_openai::types::Chat@1']);
  });
});
