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
import { isMap, isPair, isScalar } from 'yaml';
import { nodeOffset, parseStructured, walk } from './structured.js';
import { decodeEscapes } from '../../prefilter.js';

export const sourceUrlsParser: FileParser = {
  id: 'source-urls',
  anchored: ['hosts'],
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

const LOCALE_DIRS = new Set(['locales', 'locale', 'i18n', 'l10n', 'lang', 'langs', 'translations', 'messages']);

/** A JSON / YAML / properties file inside a translation folder (`locales/en.json`, `i18n/de.yml`). */
export function isLocaleCatalog(relPath: string): boolean {
  const parts = relPath.toLowerCase().split('/');
  const ext = extOf(parts[parts.length - 1]);
  return ['.json', '.yaml', '.yml', '.properties', '.toml'].includes(ext) && parts.slice(0, -1).some((d) => LOCALE_DIRS.has(d));
}

/**
 * A URL inside a quoted string that reads like a sentence (four words or more): a message or a
 * description (`"help": "Get a key at https://platform.example-ai.com/api-keys"`), not a value.
 */
export function inQuotedProse(code: string, offset: number): boolean {
  const ls = code.lastIndexOf('\n', offset - 1) + 1;
  let le = code.indexOf('\n', offset);
  if (le < 0) le = code.length;
  const line = code.slice(ls, le);
  const at = offset - ls;
  for (const q of ['"', "'"]) {
    const open = line.lastIndexOf(q, at - 1);
    if (open < 0) continue;
    const close = line.indexOf(q, at);
    if (close < 0) continue;
    // the quote before must open a string: an even number of quotes precede it
    if ((line.slice(0, open).split(q).length - 1) % 2 !== 0) continue;
    const body = line.slice(open + 1, close).replace(/\bhttps?:\/\/\S+/g, ' ');
    if (body.trim().split(/\s+/).filter((w) => /\p{L}/u.test(w)).length >= 4) return true;
  }
  return false;
}

// `[ \t]*(?:,[ \t]*)?$`, not `[ \t]*,?[ \t]*$`: two adjacent blank runs that can split a long run of
// spaces any way make a failing match quadratic in the run's length
const HOST_KEY_RE = /^[ \t]*(?:-[ \t]*)?["']?([\w.-]{1,100})["']?[ \t]*[:=][ \t]*["']?([^\s"',#;]{1,300})["']?[ \t]*(?:,[ \t]*)?$/gm;
const HOST_KEY_WORD = /host|url|uri|endpoint|base|domain|server|api|address|addr/i;

export const configUrlsParser: FileParser = {
  id: 'config-urls',
  anchored: ['hosts', 'config-keys'],
  structured: true,
  matches(_relPath, name) {
    return configStyle(name) !== undefined;
  },
  parse(input) {
    const text = input.text;
    if (!text) return;
    const style = configStyle(input.name);
    if (!style) return;
    if (isMcpConfigText(input.relPath, text)) return; // the MCP parser reports this file's URLs
    // translation catalogs are UI text, never configuration
    if (isLocaleCatalog(input.relPath)) return;
    const code = lexCached(text, style).code;
    const found: Hit[] = [];
    urlHitsIn(code, 0, input.rules, found);
    const hits = found.filter((h) => !inQuotedProse(code, h.offset));
    HOST_KEY_RE.lastIndex = 0;
    let m: RegExpExecArray | null;
    while ((m = HOST_KEY_RE.exec(code))) {
      if (m[2].includes('://') || !HOST_KEY_WORD.test(m[1])) continue;
      const h = bareHostHit(m[2], m.index + m[0].indexOf(m[2]), input.rules);
      if (h) hits.push({ ...h, attrs: { ...(h.attrs ?? {}), key: m[1] } });
    }
    // first: a provider block and a known URL on the same line fold into the one that names the provider
    hits.unshift(...providerBlocks(input.name, text));
    emitHits(input, hits, new Lines(text));
  },
};

const URL_KEY = /^(?:base[-_]?url|api[-_]?base|api[-_]?url|base[-_]?path|endpoint|url|host|server[-_]?url|address)$/i;
const LOCAL_HOST = /^(?:localhost|127(?:\.\d{1,3}){3}|0\.0\.0\.0|\[::1\]|host\.docker\.internal|[a-z0-9][a-z0-9-]*)$/i;

const URL_SCHEME = /https?:/gi;
const HOST_LABEL = /[A-Za-z0-9-]*/y;
const NUMERIC_LABEL = /^(?:0x[0-9a-f]*|[0-9]+)$/i;
/** The gate on text as written: a backslash is a slash (WHATWG special URLs). */
function localUrlIn(text: string): boolean {
  URL_SCHEME.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = URL_SCHEME.exec(text))) {
    let i = m.index + m[0].length;
    for (let c = text.charCodeAt(i); c === 47 || c === 92; c = text.charCodeAt(++i)); // '/' '\\'
    let end = i;
    for (; end < text.length; end++) {
      const c = text.charCodeAt(end);
      if (c === 32 || c === 10 || c === 13 || c === 47 || c === 92 || c === 63 || c === 35) break; // space \n \r / \\ ? #
      if (c === 37 || c === 9 || c === 91 || c > 127) return true; // % tab [ non-ASCII
    }
    // the host begins at the authority's start or after an `@` (user info; any of them, to be safe)
    for (let at = i; at > 0 && at <= end; at = text.indexOf('@', at) + 1) {
      HOST_LABEL.lastIndex = at;
      const label = HOST_LABEL.exec(text)![0];
      const after = text.charCodeAt(at + label.length);
      if (after === 64) continue; // `user@`: user info, the host follows
      // a single label (or none): local, or the parser decides; a numeric label may be an IPv4 form of loopback
      if (after !== 46 || NUMERIC_LABEL.test(label)) return true;
      if (label.toLowerCase() === 'host') return true; // host.docker.internal
    }
  }
  return false;
}

/**
 * Cheap gate of providerBlocks (the YAML / JSON parse is its whole cost): could the text hold an
 * http(s) URL whose host LOCAL_HOST accepts? A URL as WHATWG parses it: the scheme, any slashes
 * (or backslashes), the authority up to a space, `/`, `\\`, `?` or `#`; the host after the start or
 * after any `@` in it (user info). No when every such host is a dotted name other than a loopback
 * address (any numeric first label: `127.`, `0.`, `0x7f.`) or `host.docker.internal`; what could
 * decode into a different host — `%` (percent-encoding), a tab (dropped by the URL parser),
 * non-ASCII (IDNA mapping), `[` (IPv6) — answers yes. With backslashes in the text, the same
 * test also runs on the text with its YAML / JSON escapes decoded (`http:\\/\\/\\u006cocalhost`).
 */
export function mayHoldLocalUrl(text: string): boolean {
  return localUrlIn(text) || (text.includes('\\') && localUrlIn(decodeEscapes(text)));
}

/**
 * Provider maps (`apis: { localai: { base-url: http://localhost:8080 } }`): a block whose base URL
 * is on a local host (loopback, a single-label compose service) is emitted as a `url` with the
 * block's key as `attrs.configKey`; the rules decide whether the key names a provider. Files with
 * no URL that could be local (mayHoldLocalUrl) are not parsed (`gate` false: always; tests).
 */
export function providerBlocks(name: string, text: string, gate = true): Hit[] {
  const s = /\.(ya?ml|json|jsonc)$/i.test(name) && (!gate || mayHoldLocalUrl(text)) ? parseStructured(name, text) : undefined;
  if (!s) return [];
  const out: Hit[] = [];
  for (const doc of s.docs) {
    walk(doc.contents, (node, key) => {
      if (!key || !isMap(node) || URL_KEY.test(key)) return;
      for (const it of node.items) {
        if (!isPair(it) || !isScalar(it.key) || !URL_KEY.test(String(it.key.value)) || !isScalar(it.value) || typeof it.value.value !== 'string') continue;
        const v = it.value.value.trim();
        let host: string;
        try {
          host = new URL(v).hostname;
        } catch {
          continue;
        }
        if (!/^https?:/i.test(v) || !LOCAL_HOST.test(host)) continue;
        out.push({ kind: 'url', value: v, offset: nodeOffset(it.value), confidence: 'inferred', attrs: { configKey: key.toLowerCase() } });
        return;
      }
    });
  }
  return out;
}
