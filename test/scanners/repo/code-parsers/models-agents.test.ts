import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { modelArtifactParser, agentConfigParser, mcpConfigParser } from '../../../../scanners/repo/parsers/code/index.js';
import { find, run, runAll, values } from './helpers.js';

function zipWith(...names: string[]): Buffer {
  const parts: Buffer[] = [];
  for (const n of names) {
    const h = Buffer.alloc(30);
    h.writeUInt32LE(0x04034b50, 0);
    h.writeUInt16LE(Buffer.byteLength(n), 26);
    parts.push(h, Buffer.from(n), Buffer.from('payload'));
  }
  return Buffer.concat(parts);
}

function safetensors(): Buffer {
  const header = Buffer.from(JSON.stringify({ w: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(header.length));
  return Buffer.concat([len, header, Buffer.alloc(4)]);
}

describe('model artifacts', () => {
  const cases: Array<[string, Buffer, string]> = [
    ['models/llama.gguf', Buffer.concat([Buffer.from('GGUF'), Buffer.from([3, 0, 0, 0]), randomBytes(64)]), 'gguf'],
    ['models/renamed-model', Buffer.concat([Buffer.from('GGUF'), randomBytes(64)]), 'gguf'],
    ['models/model.safetensors', safetensors(), 'safetensors'],
    ['models/pytorch_model.bin', zipWith('archive/data.pkl', 'archive/version'), 'pytorch'],
    ['models/m.pt', zipWith('m/data.pkl'), 'pytorch'],
    ['models/m.keras', zipWith('metadata.json', 'config.json', 'model.weights.h5'), 'keras'],
    ['models/clf.pkl', Buffer.concat([Buffer.from([0x80, 0x04, 0x95]), randomBytes(40), Buffer.from('.')]), 'pickle'],
    ['models/m.h5', Buffer.concat([Buffer.from('894844460d0a1a0a', 'hex'), randomBytes(64)]), 'hdf5'],
    ['models/m.tflite', Buffer.concat([Buffer.from([0x1c, 0, 0, 0]), Buffer.from('TFL3'), randomBytes(32)]), 'tflite'],
  ];
  for (const [path, bytes, id] of cases) {
    it(`recognises ${id} by content (${path})`, () => {
      const r = run(modelArtifactParser, path, bytes);
      expect(r.obs).toHaveLength(1);
      const o = r.obs[0];
      expect(o).toMatchObject({ kind: 'model-artifact', value: id, signal: 'presence', confidence: 'declared' });
      expect(o.attrs).toMatchObject({ path, bytes: bytes.length });
      expect(o.artifact).toEqual({ type: 'model-file', key: path, name: path.split('/').pop() });
    });
  }

  it('marks code-executing formats', () => {
    expect(run(modelArtifactParser, 'a.pt', zipWith('a/data.pkl')).obs[0].attrs?.executesCode).toBe(true);
    expect(run(modelArtifactParser, 'a.gguf', Buffer.from('GGUF....')).obs[0].attrs?.executesCode).toBe(false);
  });

  it('does not report files whose bytes are not a model', () => {
    for (let i = 0; i < 20; i++) {
      const junk = randomBytes(4096);
      junk[0] = 0x00; // never a zip / pickle / hdf5 start
      expect(run(modelArtifactParser, 'weights/pytorch_model.bin', junk).obs).toEqual([]);
      expect(run(modelArtifactParser, 'weights/model.pt', junk).obs).toEqual([]);
      expect(run(modelArtifactParser, 'weights/model.safetensors', Buffer.alloc(16)).obs).toEqual([]);
    }
    // a zip that is not a model (a jar) named .bin
    expect(run(modelArtifactParser, 'lib/x.bin', zipWith('META-INF/MANIFEST.MF')).obs).toEqual([]);
    // a pickle opcode at the start of a file with an unrelated extension is not enough
    expect(run(modelArtifactParser, 'data/file.dat', Buffer.from([0x80, 0x04, 1, 2])).obs).toEqual([]);
  });

  it('extension-only formats are inferred', () => {
    const r = run(modelArtifactParser, 'm/model.onnx', Buffer.from([0x08, 0x07, 0x12]));
    expect(r.obs[0]).toMatchObject({ value: 'onnx', confidence: 'inferred' });
  });

  it('Git LFS pointers named like a model are model references', () => {
    const ptr = 'version https://git-lfs.github.com/spec/v1\noid sha256:' + 'a'.repeat(64) + '\nsize 4949453792\n';
    const r = run(modelArtifactParser, 'hf/model-00001-of-00002.safetensors', ptr);
    expect(r.obs[0]).toMatchObject({ value: 'safetensors', confidence: 'inferred', attrs: { lfsPointer: true, bytes: 4949453792, lfsOid: 'sha256:' + 'a'.repeat(64) } });
    expect(run(modelArtifactParser, 'assets/blob.bin', ptr).obs).toEqual([]);
  });

  it('never runs on source files', () => {
    expect(modelArtifactParser.matches('a/b.py', 'b.py')).toBe(false);
    expect(modelArtifactParser.matches('a/b.gguf', 'b.gguf')).toBe(true);
  });
});

describe('agent and MCP configs', () => {
  it('agent configs by rule globs', () => {
    expect(run(agentConfigParser, '.cursor/rules/style.mdc', 'x').obs[0]).toMatchObject({ kind: 'agent-config', value: '.cursor/rules/style.mdc', confidence: 'declared' });
    expect(values(run(agentConfigParser, 'sub/dir/AGENTS.md', 'x'))).toEqual(['sub/dir/AGENTS.md']);
    expect(run(agentConfigParser, 'docs/agents.txt', 'x').obs).toEqual([]);
  });

  it('MCP servers: urls, npm / pypi packages, docker images', () => {
    const cfg = JSON.stringify(
      {
        mcpServers: {
          fs: { command: 'npx', args: ['-y', '@modelcontextprotocol/server-filesystem@1.2.0', '/tmp'] },
          fetch: { command: 'uvx', args: ['mcp-server-fetch'] },
          remote: { type: 'http', url: 'https://mcp.example.net/mcp?token=abc123secret' },
          gh: { command: 'docker', args: ['run', '-i', '--rm', '-e', 'GITHUB_TOKEN', 'ghcr.io/github/github-mcp-server'], env: { OPENAI_API_KEY: 'sk-live-abcdef0123456789abcdef' } },
          local: { command: 'node', args: ['server.js'] },
        },
      },
      null,
      2,
    );
    const r = runAll('.cursor/mcp.json', cfg);
    expect(find(r, 'package', '@modelcontextprotocol/server-filesystem')).toMatchObject({ namespace: 'npm', confidence: 'declared', attrs: { mcpServer: 'fs' } });
    expect(find(r, 'package', 'mcp-server-fetch')).toMatchObject({ namespace: 'pypi', attrs: { mcpServer: 'fetch' } });
    const u = r.obs.find((o) => o.kind === 'url');
    expect(u?.value).toContain('https://mcp.example.net/mcp');
    expect(u?.attrs).toMatchObject({ mcpServer: 'remote', transport: 'http' });
    expect(find(r, 'container-image', 'ghcr.io/github/github-mcp-server')?.attrs?.mcpServer).toBe('gh');
    expect(find(r, 'agent-config', '.cursor/mcp.json')).toBeDefined();
    expect(find(r, 'env-var', 'OPENAI_API_KEY')).toBeDefined();
    const all = JSON.stringify(r.obs);
    expect(all).not.toContain('abc123secret');
    expect(all).not.toContain('sk-live-abcdef0123456789abcdef');
    for (const o of r.obs) if (o.kind !== 'agent-config') expect(o.line, `${o.kind}:${o.value}`).toBeGreaterThan(0);
  });

  it('VS Code style servers map and TOML mcp_servers', () => {
    const vs = '{\n  // comment\n  "servers": {\n    "x": { "type": "stdio", "command": "pnpm", "args": ["dlx", "@openai/agents"] }\n  }\n}\n';
    expect(find(run(mcpConfigParser, '.vscode/mcp.json', vs), 'package', '@openai/agents')?.line).toBe(4);
    const toml = '[mcp_servers.docs]\ncommand = "npx"\nargs = ["-y", "@modelcontextprotocol/server-filesystem"]\n';
    expect(values(run(mcpConfigParser, '.codex/config.toml', toml), 'package')).toEqual(['@modelcontextprotocol/server-filesystem']);
    // a generic "servers" key outside an mcp path is not an MCP config
    expect(run(mcpConfigParser, 'config/app.json', '{"servers": {"a": {"command": "npx", "args": ["x"]}}}').obs).toEqual([]);
  });

  it('malformed MCP JSON is a problem, not a crash', () => {
    const r = run(mcpConfigParser, '.mcp.json', '{"mcpServers": {');
    expect(r.obs).toEqual([]);
    expect(r.problems[0].message).toMatch(/invalid JSON/);
  });
});
