/**
 * MCP (Model Context Protocol) client configs: JSON / YAML / TOML files with a server map
 * (`mcpServers`, `servers` in a file whose path mentions mcp, `mcp.servers`, `mcp_servers`,
 * `context_servers`). Each server's remote URL becomes a `url` observation and its launcher
 * command a `package` (npx / bunx / pnpm dlx → npm; uvx / pipx → pypi) or `container-image`
 * (docker / podman run). Everything is emitted: the matcher decides what is AI.
 */
import { parse as parseToml } from 'smol-toml';
import type { AttrValue } from '../../../../src/core/types.js';
import type { FileParser, ParseInput } from '../types.js';
import { normalizeUrl } from './languages.js';
import { parseStructured } from './structured.js';
import { Lines, extOf, safeSnippet } from './util.js';

const MARKERS = /["'\[\s.]?(mcpServers|mcp_servers|context_servers)\b/;

export function isMcpConfigText(relPath: string, text: string): boolean {
  if (MARKERS.test(text)) return true;
  return /mcp/i.test(relPath) && /["'\[\s]servers\b/.test(text);
}

const EXTS = new Set(['.json', '.jsonc', '.json5', '.yaml', '.yml', '.toml']);

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function serverMaps(root: unknown, relPath: string): Array<[string, Obj]> {
  const out: Array<[string, Obj]> = [];
  const addMap = (m: unknown) => {
    if (isObj(m)) for (const [k, v] of Object.entries(m)) if (isObj(v)) out.push([k, v]);
    if (Array.isArray(m)) m.forEach((v, i) => { if (isObj(v)) out.push([typeof v.name === 'string' ? v.name : String(i), v]); });
  };
  const visit = (o: unknown, depth: number) => {
    if (!isObj(o) || depth > 5) return;
    for (const [k, v] of Object.entries(o)) {
      if (k === 'mcpServers' || k === 'mcp_servers' || k === 'context_servers') addMap(v);
      else if (k === 'servers' && (depth === 0 ? /mcp/i.test(relPath) : true) && looksLikeServers(v)) addMap(v);
      else if (k === 'mcp' && isObj(v)) visit(v, depth + 1);
      else visit(v, depth + 1);
    }
  };
  visit(root, 0);
  return out;
}

function looksLikeServers(v: unknown): boolean {
  const vals = isObj(v) ? Object.values(v) : Array.isArray(v) ? v : [];
  return vals.some((s) => isObj(s) && (typeof s.command === 'string' || typeof s.url === 'string' || typeof s.serverUrl === 'string' || typeof s.httpUrl === 'string'));
}

function loadConfig(input: ParseInput, text: string): unknown {
  const e = extOf(input.name);
  if (e === '.toml') {
    try {
      return parseToml(text);
    } catch (err) {
      input.problem(`invalid TOML: ${(err as Error).message.split('\n')[0]}`);
      return undefined;
    }
  }
  const s = parseStructured(input.name, text);
  if (!s) return undefined;
  if (s.error && !s.docs.length) {
    input.problem(`invalid ${e === '.json' || e === '.jsonc' || e === '.json5' ? 'JSON' : 'YAML'}: ${s.error.message}`, new Lines(text).lineAt(s.error.offset));
    return undefined;
  }
  return s.docs[0]?.toJS({ maxAliasCount: 100 });
}

const VALUE_OPTS = new Set(['-p', '--package', '--from', '--with', '-e', '--env', '-v', '--volume', '--name', '--network', '--env-file', '--mount', '--entrypoint', '-w', '--workdir', '-u', '--user', '--python', '--index-url', '--registry', '--cache', '--platform', '-l', '--label', '--add-host', '--cpus', '--memory', '-m']);

function firstPositional(args: string[], from = 0): { value?: string; pkgOpt?: string } {
  let pkgOpt: string | undefined;
  for (let i = from; i < args.length; i++) {
    const a = args[i];
    const eq = /^(--package|--from)=(.+)$/.exec(a);
    if (eq) { pkgOpt ??= eq[2]; continue; }
    if (a === '-p' || a === '--package' || a === '--from') { pkgOpt ??= args[i + 1]; i++; continue; }
    if (VALUE_OPTS.has(a)) { i++; continue; }
    if (a.startsWith('-')) continue;
    return { value: a, pkgOpt };
  }
  return { pkgOpt };
}

function npmName(spec: string): string | undefined {
  const m = /^((?:@[\w.-]+\/)?[\w.-]+)(?:@[^/]*)?$/.exec(spec.replace(/^npm:/, ''));
  return m ? m[1] : undefined;
}
function pypiName(spec: string): string | undefined {
  const m = /^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?(?:[=<>~!@].*)?$/.exec(spec);
  return m ? m[1] : undefined;
}

export interface Launch {
  kind: 'package' | 'container-image' | 'import';
  namespace?: string;
  value: string;
  shown: string;
}

/** What a launcher command runs: a package, an image or a module. */
export function launchTarget(command: string, args: string[]): Launch | undefined {
  const parts = [...command.trim().split(/\s+/), ...args.map(String)];
  const base = (parts[0] ?? '').split(/[\\/]/).pop()!.replace(/\.(cmd|exe)$/i, '').toLowerCase();
  const show = (n: number) => parts.slice(0, n).join(' ');
  let rest = 1;
  let eco: 'npm' | 'pypi' | 'docker' | 'python' | undefined;
  if (base === 'npx' || base === 'bunx' || base === 'pnpx') eco = 'npm';
  else if ((base === 'pnpm' || base === 'yarn') && parts[1] === 'dlx') { eco = 'npm'; rest = 2; }
  else if (base === 'npm' && (parts[1] === 'exec' || parts[1] === 'x')) { eco = 'npm'; rest = 2; }
  else if (base === 'uvx') eco = 'pypi';
  else if (base === 'uv' && parts[1] === 'tool' && parts[2] === 'run') { eco = 'pypi'; rest = 3; }
  else if (base === 'uv' && parts[1] === 'run') { eco = 'pypi'; rest = 2; }
  else if (base === 'pipx' && parts[1] === 'run') { eco = 'pypi'; rest = 2; }
  else if ((base === 'docker' || base === 'podman') && parts[1] === 'run') { eco = 'docker'; rest = 2; }
  else if (/^python(\d(\.\d+)?)?$/.test(base) && parts[1] === '-m' && parts[2]) return { kind: 'import', namespace: 'python', value: parts[2], shown: show(3) };
  if (!eco || eco === 'python') return undefined;
  const { value, pkgOpt } = firstPositional(parts, rest);
  const spec = pkgOpt ?? value;
  if (!spec) return undefined;
  const idx = parts.indexOf(spec);
  const shown = show(idx >= 0 ? idx + 1 : parts.length);
  if (eco === 'docker') return /^[\w.\-/:@]+$/.test(spec) ? { kind: 'container-image', value: spec, shown } : undefined;
  const name = eco === 'npm' ? npmName(spec) : pypiName(spec);
  return name ? { kind: 'package', namespace: eco, value: name, shown } : undefined;
}

export const mcpConfigParser: FileParser = {
  id: 'mcp-config',
  // isMcpConfigText, the first test of parse: MARKERS' names or `servers` (mcp_servers and context_servers hold it)
  needs: ['mcpServers', 'servers'],
  matches(_relPath, name) {
    return EXTS.has(extOf(name));
  },
  parse(input) {
    const text = input.text;
    if (!text || !isMcpConfigText(input.relPath, text)) return;
    const root = loadConfig(input, text);
    if (root === undefined) return;
    const lines = new Lines(text);
    const lineOf = (needle: string, from = 0): { line?: number; at: number } => {
      const i = text.indexOf(needle, from);
      return i < 0 ? { at: from } : { line: lines.lineAt(i), at: i };
    };
    for (const [name, server] of serverMaps(root, input.relPath)) {
      const decl = lineOf(`"${name}"`).line !== undefined ? lineOf(`"${name}"`) : lineOf(name);
      const attrs: Record<string, AttrValue> = { mcpServer: name };
      const transport = typeof server.type === 'string' ? server.type : typeof server.transport === 'string' ? server.transport : undefined;
      if (transport) attrs.transport = transport;
      for (const key of ['url', 'serverUrl', 'httpUrl', 'endpoint']) {
        const raw = server[key];
        if (typeof raw !== 'string' || !/^https?:\/\//i.test(raw)) continue;
        const { url } = normalizeUrl(raw);
        const at = lineOf(raw, decl.at);
        input.emit({ kind: 'url', value: url, signal: 'presence', confidence: 'declared', line: at.line ?? decl.line, snippet: safeSnippet(`${key}: ${url}`), attrs: { ...attrs } });
      }
      if (typeof server.command === 'string') {
        const args = Array.isArray(server.args) ? server.args.filter((a): a is string => typeof a === 'string') : [];
        const t = launchTarget(server.command, args);
        if (t) {
          const at = lineOf(t.value, decl.at);
          input.emit({ kind: t.kind, value: t.value, namespace: t.namespace, signal: 'presence', confidence: 'declared', line: at.line ?? decl.line, snippet: safeSnippet(t.shown), attrs: { ...attrs, command: server.command } });
        }
      }
    }
  },
};
