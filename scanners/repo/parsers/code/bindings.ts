/**
 * Platform bindings of serverless / edge runtimes: Cloudflare's wrangler.toml / wrangler.json(c)
 * declare the services a Worker is bound to (`[ai]`, `[[vectorize]]`, `[[kv_namespaces]]` …), at the
 * top level and per environment (`[env.production.ai]`). Each binding type becomes an
 * `iac-resource` with namespace `platform-binding` and value `cloudflare:<type>`; the rules say
 * which bindings are AI services.
 */
import { parse as parseToml } from 'smol-toml';
import type { FileParser } from '../types.js';
import { lexCached } from './lex.js';
import { Lines, safeSnippet } from './util.js';

/** Wrangler keys that are bindings (Cloudflare's configuration reference, "Bindings"). */
const BINDINGS = new Set([
  'ai', 'vectorize', 'kv_namespaces', 'd1_databases', 'r2_buckets', 'durable_objects', 'queues', 'services', 'browser', 'hyperdrive',
  'analytics_engine_datasets', 'dispatch_namespaces', 'mtls_certificates', 'send_email', 'workflows', 'images', 'version_metadata',
]);

export const wranglerParser: FileParser = {
  id: 'platform-bindings',
  matches: (_p, name) => /^wrangler\.(toml|json|jsonc)$/.test(name),
  parse(input) {
    const text = input.text;
    if (!text) return;
    let doc: Record<string, unknown>;
    try {
      doc = (input.name.endsWith('.toml') ? parseToml(text) : JSON.parse(lexCached(text, 'jsonc').code.replace(/,(\s*[}\]])/g, '$1'))) as Record<string, unknown>;
    } catch (e) {
      input.problem(`invalid ${input.name.endsWith('.toml') ? 'TOML' : 'JSON'}: ${(e as Error).message.split('\n')[0].slice(0, 120)}`, (e as { line?: number }).line ?? 1);
      return;
    }
    const lines = new Lines(text);
    const found = new Map<string, string[]>();
    const visit = (o: unknown, where: string) => {
      if (!o || typeof o !== 'object' || Array.isArray(o)) return;
      for (const [k, v] of Object.entries(o as Record<string, unknown>)) {
        if (BINDINGS.has(k) && v !== null && v !== undefined) (found.get(k) ?? found.set(k, []).get(k)!).push(where || 'top');
      }
      const env = (o as Record<string, unknown>).env;
      if (!where && env && typeof env === 'object') for (const [name, e] of Object.entries(env as Record<string, unknown>)) visit(e, `env.${name}`);
    };
    visit(doc, '');
    for (const [type, envs] of found) {
      const value = `cloudflare:${type}`;
      if (!input.rules.matchIac('platform-binding', value)) continue;
      const at = text.search(new RegExp(`^\\s*\\[{1,2}(?:env\\.[\\w-]+\\.)?${type}\\]{1,2}|"${type}"\\s*:`, 'm'));
      const line = at >= 0 ? lines.lineAt(at) : 1;
      input.emit({ kind: 'iac-resource', value, namespace: 'platform-binding', signal: 'presence', confidence: 'declared', line, snippet: safeSnippet(lines.line(line)), attrs: { platform: 'cloudflare', binding: type, environments: envs } });
    }
  },
};
