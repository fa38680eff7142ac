/**
 * Absolute http(s) URLs (and bare host names in config values) that a rule knows. In source
 * code only string literals count (a URL in a comment or a docstring is prose); in config files
 * the whole text minus comments counts. Markdown / reStructuredText / plain text are never read.
 */
import type { FileParser } from '../types.js';
import { emitHits } from './emit.js';
import { lexCached, type LexStyle } from './lex.js';
import { bareHostHit, lexSource, sourceLangOf, urlHitsIn, urlsInSource, type Hit } from './languages.js';
import { isMcpConfigText } from './mcp.js';
import { Lines, extOf } from './util.js';

export const sourceUrlsParser: FileParser = {
  id: 'source-urls',
  matches(_relPath, name) {
    return sourceLangOf(name) !== undefined;
  },
  parse(input) {
    const text = input.text;
    if (!text || !text.includes('http') && !text.includes('.')) return;
    const lang = sourceLangOf(input.name)!;
    const lexed = lexSource(text, lang);
    emitHits(input, urlsInSource(lexed, lang, input.rules), new Lines(text));
  },
};

const LOCKFILES = new Set([
  'package-lock.json', 'npm-shrinkwrap.json', 'yarn.lock', 'pnpm-lock.yaml', 'bun.lock', 'poetry.lock', 'pdm.lock', 'uv.lock',
  'cargo.lock', 'composer.lock', 'go.sum', 'gemfile.lock', 'packages.lock.json', 'pipfile.lock', 'conda-lock.yml',
]);

const CONFIG_STYLE: Record<string, LexStyle> = {
  '.json': 'jsonc', '.jsonc': 'jsonc', '.json5': 'jsonc', '.bicep': 'jsonc',
  '.yaml': 'hash', '.yml': 'hash', '.toml': 'hash', '.ini': 'hash', '.cfg': 'hash', '.conf': 'hash',
  '.properties': 'hash', '.env': 'hash', '.tf': 'hcl', '.tfvars': 'hcl', '.hcl': 'hcl', '.xml': 'hash', '.config': 'hash',
};

/** Style for a config file, or undefined when the file is not config. */
export function configStyle(name: string): LexStyle | undefined {
  const lower = name.toLowerCase();
  if (LOCKFILES.has(lower)) return undefined;
  if (lower === '.env' || lower.startsWith('.env.') || lower.endsWith('.env')) return 'hash';
  if (lower === 'dockerfile' || lower.startsWith('dockerfile.') || lower.endsWith('.dockerfile') || lower === 'containerfile') return 'hash';
  return CONFIG_STYLE[extOf(lower)];
}

const HOST_KEY_RE = /^[ \t]*(?:-[ \t]*)?["']?([\w.-]{1,100})["']?[ \t]*[:=][ \t]*["']?([^\s"',#;]{1,300})["']?[ \t]*,?[ \t]*$/gm;
const HOST_KEY_WORD = /host|url|uri|endpoint|base|domain|server|api|address|addr/i;

export const configUrlsParser: FileParser = {
  id: 'config-urls',
  matches(_relPath, name) {
    return configStyle(name) !== undefined;
  },
  parse(input) {
    const text = input.text;
    if (!text) return;
    const style = configStyle(input.name);
    if (!style) return;
    if (isMcpConfigText(input.relPath, text)) return; // the MCP parser reports this file's URLs
    const code = lexCached(text, style).code;
    const hits: Hit[] = [];
    urlHitsIn(code, 0, input.rules, hits);
    HOST_KEY_RE.lastIndex = 0;
    let m: RegExpExecArray | null;
    while ((m = HOST_KEY_RE.exec(code))) {
      if (m[2].includes('://') || !HOST_KEY_WORD.test(m[1])) continue;
      const h = bareHostHit(m[2], m.index + m[0].indexOf(m[2]), input.rules);
      if (h) hits.push({ ...h, attrs: { ...(h.attrs ?? {}), key: m[1] } });
    }
    emitHits(input, hits, new Lines(text));
  },
};
