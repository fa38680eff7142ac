/**
 * Compiles validated rules once into lookup indexes: domain map (exact, suffix at label
 * boundaries, templates), package map per ecosystem, import prefixes per language, env vars,
 * credential keywords → patterns, cloud types, SaaS identities, images, IaC types, agent config
 * globs and model formats. Every lookup is pure; scanners may use it as a pre-filter.
 */
import picomatch from 'picomatch';
import { normalizeHost, splitUrl } from '../core/host.js';
import { isPlaceholderSecret, redactSecret, type RedactedSecret } from '../core/secrets.js';
import type { CredentialRule, ModelFormat, ServiceRule } from './schema.js';

export interface RuleHit {
  service: string;
  /** Kind of rule that matched (domain, package, …). */
  rule: string;
  /** The rule value that matched. */
  pattern: string;
  /**
   * For domains: 0 when a rule with paths matched (whatever its host kind: the path is part of the
   * match, so callers keep it), otherwise 1 exact, 2 template, 3 suffix (lower is more specific).
   */
  specificity?: number;
}

export interface SecretHit {
  service: string;
  patternId: string;
  secret: RedactedSecret;
  /** Offset of the secret in the scanned text (for line computation by the caller). */
  index: number;
  /** 1-based line number in the scanned text. */
  line: number;
}

interface DomainEntry {
  service: string;
  pattern: string;
  paths?: string[];
  kind: 'host' | 'suffix' | 'template';
  shared: boolean;
  /** template labels: '' is a whole-label placeholder, a RegExp a label with a placeholder inside (`{region}-aiplatform`) */
  labels?: Array<string | RegExp>;
}

interface CompiledCredential {
  service: string;
  rule: CredentialRule;
  re: RegExp;
  context?: string[];
  window: number;
  /** The literal start of the secret (`sk-proj-`, `gsk_`), null when the pattern has none. */
  prefixRe: RegExp | null;
}

export function normalizePypi(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

export function normalizeAppName(name: string): string {
  return name
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\u2019'’`]/g, '')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/** Words that may follow an app name without changing which app it is ("ChatGPT for Slack"). */
const APP_NAME_TAIL = new Set([
  'app', 'apps', 'for', 'slack', 'google', 'workspace', 'gmail', 'drive', 'microsoft', 'teams', 'outlook', 'office', '365',
  'connector', 'integration', 'plugin', 'add', 'on', 'addon', 'extension', 'desktop', 'web', 'mobile', 'ios', 'android',
  'enterprise', 'business', 'team', 'pro', 'chrome', 'github', 'okta', 'sso', 'saml', 'oidc', 'bot', 'the', 'and',
]);

export function shannonEntropy(s: string): number {
  if (!s) return 0;
  const counts = new Map<string, number>();
  for (const ch of s) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let h = 0;
  for (const n of counts.values()) {
    const p = n / s.length;
    h -= p * Math.log2(p);
  }
  return h;
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Parses an image reference to its repository: drops tag / digest, normalises Docker Hub. */
export function imageRepository(ref: string): string {
  let r = ref.trim().toLowerCase();
  const at = r.indexOf('@');
  if (at >= 0) r = r.slice(0, at);
  const lastSlash = r.lastIndexOf('/');
  const colon = r.lastIndexOf(':');
  if (colon > lastSlash) r = r.slice(0, colon);
  for (const p of ['docker.io/library/', 'index.docker.io/library/', 'docker.io/', 'index.docker.io/', 'registry-1.docker.io/']) {
    if (r.startsWith(p)) { r = r.slice(p.length); break; }
  }
  if (r.startsWith('library/')) r = r.slice('library/'.length);
  return r;
}

export class RuleIndex {
  readonly services: ReadonlyArray<ServiceRule>;
  readonly modelFormats: ReadonlyArray<ModelFormat>;
  private byId = new Map<string, ServiceRule>();
  private exact = new Map<string, DomainEntry[]>();
  private suffix = new Map<string, DomainEntry[]>();
  /** templates keyed by their trailing literal suffix (e.g. 'openai.azure.com') */
  private templates = new Map<string, DomainEntry[]>();
  private hostCache = new Map<string, DomainEntry[] | null>();
  private apiBases: Array<{ service: string; host: string; labels?: Array<string | RegExp>; port?: string; path: string; pattern: string }> = [];
  /** A package / import may be claimed by several services (a framework and the provider it adapts). */
  private packages = new Map<string, RuleHit[]>();
  private packagePrefixes: Array<{ eco: string; prefix: string; hit: RuleHit }> = [];
  private imports = new Map<string, RuleHit[]>();
  /** language → code-symbol rules (see matchSchema.code) */
  private codeSymbols = new Map<string, Array<{ import: string; symbols: string[]; service: string }>>();
  private envVars = new Map<string, RuleHit>();
  /** `AZURE_OPENAI_*`: every variable with that prefix (exact names win, then the longest prefix). */
  private envVarPrefixes: Array<{ prefix: string; hit: RuleHit }> = [];
  private credentials: CompiledCredential[] = [];
  private keywordRe: RegExp | null = null;
  private credentialsByKeyword = new Map<string, CompiledCredential[]>();
  /**
   * Keywords that are context, not part of the secret (`fal` for a `<uuid>:<hex>` key): they
   * count only as a token (isKeywordToken), so `false` does not wake the fal-ai pattern. A keyword
   * some credential's example secret contains (`T3BlbkFJ`, `AIza`, `sk-ant-api03-`) counts anywhere.
   */
  private tokenKeywords = new Set<string>();
  private awsTypes = new Map<string, RuleHit>();
  private awsEventSources = new Map<string, RuleHit>();
  private azureTypes = new Map<string, Array<{ service: string; kinds?: string[]; pattern: string }>>();
  private gcpTypes = new Map<string, RuleHit>();
  private gcpServices = new Map<string, RuleHit>();
  private appIds = new Map<string, RuleHit>();
  private appNames = new Map<string, RuleHit>();
  private images = new Map<string, RuleHit>();
  private imagePrefixes: Array<{ prefix: string; hit: RuleHit }> = [];
  private iacExact = new Map<string, RuleHit>();
  private iacPrefixes: Array<{ tool: string; prefix: string; hit: RuleHit }> = [];
  private agentGlobs: Array<{ test: (p: string) => boolean; hit: RuleHit }> = [];
  /** Every agent glob as one regex (file-name globs, path globs): one test per file, not one per glob. */
  private agentAny?: { name: RegExp | null; path: RegExp | null };
  private formatService = new Map<string, RuleHit>();
  private configKeys = new Map<string, RuleHit>();
  /** literal → the dialect rules naming it (see matchSchema.dialects) */
  private dialectLiterals = new Map<string, Array<{ service: string; of: string; literals: string[] }>>();

  constructor(services: ServiceRule[], modelFormats: ModelFormat[] = []) {
    this.services = services;
    this.modelFormats = modelFormats;
    for (const s of services) {
      this.byId.set(s.id, s);
      this.compileService(s);
    }
    for (const [kw, list] of this.credentialsByKeyword) if (!list.some((c) => keywordInSecret(c, kw))) this.tokenKeywords.add(kw);
    const kws = [...this.credentialsByKeyword.keys()].sort((a, b) => b.length - a.length);
    this.keywordRe = kws.length ? new RegExp(kws.map(escapeRe).join('|'), 'gi') : null;
  }

  get(id: string): ServiceRule | undefined {
    return this.byId.get(id);
  }

  private compileService(s: ServiceRule): void {
    const m = s.match;
    for (const d of m.domains) {
      const shared = d.shared ?? false;
      if (d.host) {
        const h = normalizeHost(d.host);
        push(this.exact, h, { service: s.id, pattern: h, paths: d.paths, kind: 'host', shared });
      } else if (d.suffix) {
        const h = normalizeHost(d.suffix);
        push(this.suffix, h, { service: s.id, pattern: h, paths: d.paths, kind: 'suffix', shared });
      } else if (d.template) {
        const t = d.template.toLowerCase().replace(/\.$/, '');
        const labels = t.split('.').map(templateLabel);
        let k = labels.length;
        while (k > 0 && typeof labels[k - 1] === 'string' && labels[k - 1] !== '') k--;
        const tail = labels.slice(k).join('.');
        push(this.templates, tail, { service: s.id, pattern: t, paths: d.paths, kind: 'template', shared, labels });
      }
    }
    for (const u of m.apiBaseUrls) {
      // Placeholders in the host (`https://{resource}.openai.azure.com/openai`) match one label each.
      const rawHost = u.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '').split(/[/?#]/)[0];
      if (rawHost.includes('{')) {
        const h = rawHost.toLowerCase();
        const path = u.slice(u.indexOf(rawHost) + rawHost.length).replace(/[?#].*$/, '');
        this.apiBases.push({ service: s.id, host: h, labels: h.split('.').map(templateLabel), path: path.replace(/\/+$/, ''), pattern: u });
      } else {
        const { host, path } = splitUrl(u);
        this.apiBases.push({ service: s.id, host, port: explicitPort(u), path: path.replace(/\/+$/, ''), pattern: u });
      }
    }
    for (const [eco, names] of Object.entries(m.packages)) {
      for (const n of names ?? []) {
        const hit = { service: s.id, rule: 'package', pattern: `${eco}:${n}` };
        // `group:*` (maven) or `@scope/*` (npm): every package under that prefix
        if (n.endsWith('*')) this.packagePrefixes.push({ eco, prefix: pkgKey(eco, n.slice(0, -1)), hit });
        else addHit(this.packages, pkgKey(eco, n), hit);
      }
    }
    const addImport = (lang: string, mod: string) => {
      const key = `${lang}:${lang === 'csharp' || lang === 'python' ? mod.toLowerCase() : mod}`;
      addHit(this.imports, key, { service: s.id, rule: 'import', pattern: `${lang}:${mod}` });
    };
    for (const [lang, mods] of Object.entries(m.imports)) for (const mod of mods ?? []) addImport(lang, mod);
    for (const n of m.packages.npm ?? []) addImport('javascript', n);
    for (const n of m.packages.go ?? []) addImport('go', n);
    for (const n of m.packages.nuget ?? []) addImport('csharp', n);
    for (const n of m.packages.pypi ?? []) if (!m.imports.python?.length) addImport('python', n.toLowerCase().replace(/-/g, '_'));
    for (const n of m.packages.rubygems ?? []) addImport('ruby', n);
    for (const n of m.packages.cargo ?? []) addImport('rust', n.replace(/-/g, '_'));
    for (const [lang, list] of Object.entries(m.code)) {
      for (const c of list ?? []) {
        push(this.codeSymbols, lang, { import: c.import, symbols: c.symbols, service: s.id });
        // the observation value is `<import>#<Symbol>`: resolved like any import, exact key only
        for (const sym of c.symbols) addHit(this.imports, `${lang}:${lang === 'csharp' || lang === 'python' ? `${c.import}#${sym}`.toLowerCase() : `${c.import}#${sym}`}`, { service: s.id, rule: 'code-symbol', pattern: `${lang}:${c.import}#${sym}` });
      }
    }
    for (const v of m.envVars) {
      const hit = { service: s.id, rule: 'env-var', pattern: v };
      if (v.endsWith('*')) this.envVarPrefixes.push({ prefix: v.slice(0, -1).toUpperCase(), hit });
      else this.envVars.set(v.toUpperCase(), hit);
    }
    for (const c of m.credentials) {
      const cc: CompiledCredential = {
        service: s.id,
        rule: c,
        re: new RegExp(c.pattern, 'g'),
        context: c.context?.map((w) => w.toLowerCase()),
        window: c.contextWindow ?? 80,
        prefixRe: literalPrefix(c.pattern),
      };
      this.credentials.push(cc);
      for (const kw of c.keywords) push(this.credentialsByKeyword, kw.toLowerCase(), cc);
    }
    for (const t of m.cloud.aws.resourceTypes) this.awsTypes.set(t.toLowerCase(), { service: s.id, rule: 'cloud-resource', pattern: `aws:${t}` });
    for (const e of m.cloud.aws.eventSources) this.awsEventSources.set(e.toLowerCase(), { service: s.id, rule: 'audit-event', pattern: e });
    for (const a of m.cloud.azure) push(this.azureTypes, a.type.toLowerCase(), { service: s.id, kinds: a.kinds?.map((k) => k.toLowerCase()), pattern: a.kinds ? `${a.type}[${a.kinds.join(',')}]` : a.type });
    for (const t of m.cloud.gcp.assetTypes) this.gcpTypes.set(t.toLowerCase(), { service: s.id, rule: 'cloud-resource', pattern: `gcp:${t}` });
    for (const t of m.cloud.gcp.services) this.gcpServices.set(t.toLowerCase(), { service: s.id, rule: 'audit-event', pattern: t });
    for (const id of m.saas.appIds) this.appIds.set(id.toLowerCase(), { service: s.id, rule: 'saas-app', pattern: id });
    for (const n of m.saas.appNames) this.appNames.set(normalizeAppName(n), { service: s.id, rule: 'saas-app', pattern: n });
    for (const img of m.images) {
      const hit = { service: s.id, rule: 'container-image', pattern: img };
      if (img.endsWith('/*')) this.imagePrefixes.push({ prefix: imageRepository(img.slice(0, -2)) + '/', hit });
      else this.images.set(imageRepository(img), hit);
    }
    for (const [tool, list] of [['terraform', m.iac.terraform], ['cloudformation', m.iac.cloudformation], ['platform-binding', m.iac.bindings]] as const) {
      for (const t of list) {
        const hit = { service: s.id, rule: 'iac-resource', pattern: `${tool}:${t}` };
        const kind = /^(.*)\[([^\]]+)\]$/.exec(t);
        if (kind) this.iacExact.set(`${tool}:${kind[1]}[${kind[2].toLowerCase()}]`, hit);
        else if (t.endsWith('*')) this.iacPrefixes.push({ tool, prefix: t.slice(0, -1), hit });
        else this.iacExact.set(`${tool}:${t}`, hit);
      }
    }
    for (const g of m.agentConfigs) {
      // Compiled on first use: most runs never test a file against these (start-up cost).
      let isMatch: ((p: string) => boolean) | undefined;
      const glob = (p: string) => (isMatch ??= picomatch(g, { dot: true, nocase: false }))(p);
      // A glob without a slash matches the file name at any depth (like .gitignore).
      const test = g.includes('/') ? glob : (p: string) => glob(p.slice(p.lastIndexOf('/') + 1));
      this.agentGlobs.push({ test, hit: { service: s.id, rule: 'agent-config', pattern: g } });
    }
    for (const k of m.configKeys) if (!this.configKeys.has(k)) this.configKeys.set(k, { service: s.id, rule: 'provider-config', pattern: k });
    for (const d of m.dialects) for (const l of d.literals) push(this.dialectLiterals, l, { service: s.id, of: d.of, literals: d.literals });
    for (const f of m.modelFormats) if (!this.formatService.has(f)) this.formatService.set(f, { service: s.id, rule: 'model-format', pattern: f });
  }

  // ---------------------------------------------------------------- domains

  private hostEntries(host: string): DomainEntry[] | null {
    const cached = this.hostCache.get(host);
    if (cached !== undefined) return cached;
    const out: DomainEntry[] = [];
    const ex = this.exact.get(host);
    if (ex) out.push(...ex);
    const labels = host.split('.');
    for (let i = 0; i < labels.length; i++) {
      const tail = i === 0 ? host : labels.slice(i).join('.');
      const sx = this.suffix.get(tail);
      if (sx) out.push(...sx);
      const tp = this.templates.get(tail);
      if (tp) for (const t of tp) if (templateMatches(t.labels!, labels)) out.push(t);
    }
    const res = out.length ? out : null;
    if (this.hostCache.size > 200_000) this.hostCache.clear();
    this.hostCache.set(host, res);
    return res;
  }

  /** True when any domain rule could match this (already normalised) host, path aside. */
  hostCandidate(host: string): boolean {
    return this.hostEntries(host) !== null;
  }

  /**
   * Matches a host (raw or normalised) and optional URL path. Exact host beats template beats
   * suffix; a longer suffix beats a shorter one; a rule with paths needs a matching path.
   */
  matchHost(rawHost: string, path?: string): RuleHit | undefined {
    const host = normalizeHost(rawHost);
    if (!host) return undefined;
    const entries = this.hostEntries(host);
    if (!entries) return undefined;
    let best: RuleHit | undefined;
    let bestScore = Infinity;
    for (const e of entries) {
      if (e.paths) {
        if (!path || !e.paths.some((p) => pathHasPrefix(path, p))) continue;
      }
      const base = e.kind === 'host' ? 1 : e.kind === 'template' ? 2 : 3;
      // path rules are more specific; longer suffixes more specific
      const score = base * 1000 - (e.paths ? 500 : 0) - e.pattern.length;
      if (score < bestScore) {
        bestScore = score;
        best = { service: e.service, rule: 'domain', pattern: e.paths ? `${e.pattern}${e.paths.find((p) => pathHasPrefix(path!, p))}` : e.pattern, specificity: e.paths ? 0 : base };
      }
    }
    return best;
  }

  /** Matches an absolute URL: API base URLs first, then its host (and path). */
  matchUrl(url: string): RuleHit | undefined {
    const { host, path } = splitUrl(url);
    if (!host) return undefined;
    const p = path.replace(/\/+$/, '');
    const port = explicitPort(url);
    const labels = host.split('.');
    for (const b of this.apiBases) {
      // A base URL that names a port (local servers: Ollama 11434, LM Studio 1234) needs that port.
      if (b.port !== undefined && b.port !== port) continue;
      const hostOk = b.labels ? templateMatches(b.labels, labels) : b.host === host;
      if (hostOk && (b.path === '' || pathHasPrefix(p, b.path))) {
        return { service: b.service, rule: 'api-base-url', pattern: b.pattern };
      }
    }
    return this.matchHost(host, path || undefined);
  }

  /** Every domain rule, for block lists, Sigma rules and benchmarks. */
  domainRules(): Array<{ service: string; kind: 'host' | 'suffix' | 'template'; pattern: string; paths?: string[]; shared: boolean }> {
    const out: Array<{ service: string; kind: 'host' | 'suffix' | 'template'; pattern: string; paths?: string[]; shared: boolean }> = [];
    for (const m of [this.exact, this.suffix, this.templates]) for (const list of m.values()) for (const e of list) out.push({ service: e.service, kind: e.kind, pattern: e.pattern, paths: e.paths, shared: e.shared });
    return out;
  }

  // ---------------------------------------------------------------- code

  /** The primary service claiming a package (see matchPackageAll for every claimant). */
  matchPackage(ecosystem: string, name: string): RuleHit | undefined {
    return this.matchPackageAll(ecosystem, name)[0];
  }

  /** Every service claiming a package: exact name (versioned Go modules folded), else every prefix rule that matches (longest first). */
  matchPackageAll(ecosystem: string, name: string): RuleHit[] {
    const key = pkgKey(ecosystem, name);
    let hits = this.packages.get(key);
    if (!hits && ecosystem === 'go') {
      // versioned module paths: github.com/x/y/v2 → github.com/x/y
      const base = name.replace(/\/v\d+$/, '');
      if (base !== name) hits = this.packages.get(pkgKey('go', base));
    }
    if (hits) return hits;
    // Every service with a matching prefix (a framework's `group:*` and a provider's `group:artifact-*`), longest first.
    const found = this.packagePrefixes.filter((p) => p.eco === ecosystem && key.startsWith(p.prefix)).sort((a, b) => b.prefix.length - a.prefix.length);
    const out: RuleHit[] = [];
    for (const p of found) if (!out.some((h) => h.service === p.hit.service)) out.push(p.hit);
    return out;
  }

  /** The primary service for an imported module (see matchImportAll). */
  matchImport(language: string, module: string): RuleHit | undefined {
    return this.matchImportAll(language, module)[0];
  }

  /** Every service claiming an imported module, or its nearest claimed parent at the language's separator. */
  matchImportAll(language: string, module: string): RuleHit[] {
    const sep = language === 'python' || language === 'java' || language === 'csharp' ? '.' : language === 'rust' ? '::' : '/';
    let m = language === 'python' || language === 'csharp' ? module.toLowerCase() : module;
    if (language === 'go') m = m.replace(/\/v\d+(?=\/|$)/, '');
    for (;;) {
      const hits = this.imports.get(`${language}:${m}`);
      if (hits) return hits;
      const i = m.lastIndexOf(sep);
      if (i <= 0) return [];
      m = m.slice(0, i);
      if (language === 'javascript' && m.startsWith('@') && !m.includes('/')) return [];
    }
  }

  /** Code-symbol rules of a language: an import and the identifiers that switch it to a service. */
  codeSymbolRules(language: string): ReadonlyArray<{ import: string; symbols: string[]; service: string }> {
    return this.codeSymbols.get(language) ?? [];
  }

  matchEnvVar(name: string): RuleHit | undefined {
    const n = name.toUpperCase();
    const hit = this.envVars.get(n);
    if (hit) return hit;
    let best: { prefix: string; hit: RuleHit } | undefined;
    for (const p of this.envVarPrefixes) if (n.length > p.prefix.length && n.startsWith(p.prefix) && (!best || p.prefix.length > best.prefix.length)) best = p;
    return best?.hit;
  }

  /**
   * Finds credentials in text. Only redacted forms leave this method: the full secret is
   * never returned, logged or stored.
   */
  scanSecrets(text: string): SecretHit[] {
    if (!this.keywordRe) return [];
    const present = new Set<CompiledCredential>();
    this.keywordRe.lastIndex = 0;
    let km: RegExpExecArray | null;
    while ((km = this.keywordRe.exec(text))) {
      const kw = km[0].toLowerCase();
      if (this.tokenKeywords.has(kw) && !isKeywordToken(text, km.index, kw.length)) {
        this.keywordRe.lastIndex = km.index + 1; // a keyword overlapping this one may start inside it
        continue;
      }
      for (const c of this.credentialsByKeyword.get(kw) ?? []) present.add(c);
    }
    if (!present.size) return [];
    const hits: SecretHit[] = [];
    const seen = new Set<string>();
    let lower: string | undefined;
    // More specific (longer keyword) patterns first so a generic `sk-` pattern does not claim a project key.
    const ordered = [...present].sort((a, b) => maxLen(b.rule.keywords) - maxLen(a.rule.keywords));
    for (const c of ordered) {
      c.re.lastIndex = 0;
      let m: RegExpExecArray | null;
      while ((m = c.re.exec(text))) {
        if (m[0].length === 0) { c.re.lastIndex++; continue; }
        const secret = m[1] ?? m[0];
        const index = m.index + (m[1] !== undefined ? m[0].indexOf(m[1]) : 0);
        if (!boundaryOk(text, index, secret.length)) continue;
        if (c.rule.minEntropy !== undefined && shannonEntropy(secret) < c.rule.minEntropy) continue;
        // documentation values and hand-written stand-ins (`sk-proj-EXAMPLE…`, `gsk_xxxx…`, `sk-1234567890abcdef…`)
        if (isPlaceholderSecret(secret)) continue;
        if (c.context) {
          lower ??= text.toLowerCase();
          if (!contextBound(lower, index, secret.length, c.context, c.window)) continue;
        }
        const key = `${index}:${secret.length}`;
        if (seen.has(key) || [...seen].some((k) => overlaps(k, index, secret.length))) continue;
        seen.add(key);
        hits.push({ service: c.service, patternId: c.rule.id, secret: redactSecret(secret, c.prefixRe?.exec(secret)?.[0] ?? ''), index, line: lineAt(text, index) });
      }
    }
    return hits.sort((a, b) => a.index - b.index);
  }

  /**
   * The credential keywords (lower case) scanSecrets looks for, and whether each counts only as
   * a token (isKeywordToken): a text holding none of them, so counted, has no credential hit.
   */
  credentialKeywords(): Array<{ keyword: string; token: boolean }> {
    return [...this.credentialsByKeyword.keys()].map((keyword) => ({ keyword, token: this.tokenKeywords.has(keyword) }));
  }

  /** Tests one credential rule against one string (used by `rules test` and the corpus test). */
  credentialRuleMatches(serviceId: string, patternId: string, text: string): boolean {
    return this.scanSecrets(text).some((h) => h.service === serviceId && h.patternId === patternId);
  }

  // ---------------------------------------------------------------- cloud / saas

  matchCloudResource(provider: string, type: string, kind?: string): RuleHit | undefined {
    const t = type.toLowerCase();
    if (provider === 'aws') {
      const hit = this.awsTypes.get(t);
      if (hit) return hit;
      const svc = t.split(':')[0];
      return this.awsTypes.get(svc);
    }
    if (provider === 'azure') {
      const list = this.azureTypes.get(t);
      if (!list) return undefined;
      const k = kind?.toLowerCase();
      const specific = list.find((e) => e.kinds && k && e.kinds.includes(k));
      const any = list.find((e) => !e.kinds);
      const e = specific ?? any;
      return e ? { service: e.service, rule: 'cloud-resource', pattern: `azure:${e.pattern}` } : undefined;
    }
    if (provider === 'gcp') return this.gcpTypes.get(t);
    return undefined;
  }

  /** CloudTrail eventSource (provider aws) or GCP serviceName (provider gcp). */
  matchAuditEvent(provider: string, source: string): RuleHit | undefined {
    const s = source.toLowerCase();
    if (provider === 'aws') return this.awsEventSources.get(s);
    if (provider === 'gcp') return this.gcpServices.get(s);
    return undefined;
  }

  /**
   * Matches a SaaS app by id (exact) or by name. Names match when, after normalisation, the
   * app's name equals a rule name, or is the rule name followed only by generic words
   * ("ChatGPT for Slack"). A look-alike ("ChatGPTBuddy", "Not Copilot Tools") does not match.
   */
  matchSaasApp(app: { name?: string; ids?: string[] }): RuleHit | undefined {
    for (const id of app.ids ?? []) {
      if (!id) continue;
      const hit = this.appIds.get(id.toLowerCase());
      if (hit) return hit;
    }
    if (!app.name) return undefined;
    const n = normalizeAppName(app.name);
    if (!n) return undefined;
    const exact = this.appNames.get(n);
    if (exact) return exact;
    const words = n.split(' ');
    for (let k = words.length - 1; k >= 1; k--) {
      const head = words.slice(0, k).join(' ');
      const hit = this.appNames.get(head);
      if (hit && words.slice(k).every((w) => APP_NAME_TAIL.has(w))) return hit;
    }
    return undefined;
  }

  matchImage(ref: string): RuleHit | undefined {
    const repo = imageRepository(ref);
    const hit = this.images.get(repo);
    if (hit) return hit;
    for (const p of this.imagePrefixes) if (repo.startsWith(p.prefix)) return p.hit;
    return undefined;
  }

  /** IaC resource type (and its `kind` where the resource has one): kind-specific rule, exact type, longest prefix. */
  matchIac(tool: string, type: string, kind?: string): RuleHit | undefined {
    if (kind) {
      const k = this.iacExact.get(`${tool}:${type}[${kind.toLowerCase()}]`);
      if (k) return k;
    }
    const hit = this.iacExact.get(`${tool}:${type}`);
    if (hit) return hit;
    let best: { prefix: string; hit: RuleHit } | undefined;
    for (const p of this.iacPrefixes) if (p.tool === tool && type.startsWith(p.prefix) && (!best || p.prefix.length > best.prefix.length)) best = p;
    return best?.hit;
  }

  /** A provider-map key (`localai`, `LM-Studio` → `lm-studio`) naming a service. */
  /** String literals the repo scanner reports from source code (request-contract names of API dialects). */
  contractLiterals(): readonly string[] {
    return (this.contractLiteralList ??= [...this.dialectLiterals.keys()].sort());
  }
  private contractLiteralList?: string[];

  /** The dialect rules a literal belongs to: the service it suggests, the API it is a variant of, and all its literals. */
  matchLiteral(literal: string): ReadonlyArray<{ service: string; of: string; literals: string[] }> {
    return this.dialectLiterals.get(literal) ?? [];
  }

  matchConfigKey(key: string): RuleHit | undefined {
    return this.configKeys.get(key.toLowerCase());
  }

  /** Repo-relative path with forward slashes. */
  matchAgentConfig(relPath: string): RuleHit | undefined {
    // Called for every file of a repository: a combined pre-test answers "no" for almost all of
    // them; only a file that passes is tested glob by glob (the first rule's glob wins).
    const any = (this.agentAny ??= this.agentAnyRegex());
    const name = relPath.slice(relPath.lastIndexOf('/') + 1);
    if (!(any.name?.test(name) || any.path?.test(relPath))) return undefined;
    for (const g of this.agentGlobs) if (g.test(relPath)) return g.hit;
    return undefined;
  }

  private agentAnyRegex(): { name: RegExp | null; path: RegExp | null } {
    const names: string[] = [];
    const paths: string[] = [];
    for (const s of this.services) for (const g of s.match.agentConfigs) (g.includes('/') ? paths : names).push(`(?:${picomatch.makeRe(g, { dot: true, nocase: false }).source})`);
    return { name: names.length ? new RegExp(names.join('|')) : null, path: paths.length ? new RegExp(paths.join('|')) : null };
  }

  matchModelFormat(formatId: string): RuleHit | undefined {
    return this.formatService.get(formatId);
  }
}

/** Adds a hit unless the same service already claims that key. */
function addHit(m: Map<string, RuleHit[]>, k: string, hit: RuleHit): void {
  const l = m.get(k);
  if (!l) m.set(k, [hit]);
  else if (!l.some((h) => h.service === hit.service)) l.push(hit);
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const l = m.get(k);
  if (l) l.push(v);
  else m.set(k, [v]);
}

function pkgKey(eco: string, name: string): string {
  switch (eco) {
    case 'pypi':
      return `pypi:${normalizePypi(name)}`;
    case 'npm':
    case 'nuget':
    case 'cargo':
    case 'rubygems':
    case 'composer':
    case 'swift':
    case 'cocoapods':
    case 'pub':
      return `${eco}:${name.toLowerCase()}`;
    default:
      return `${eco}:${name}`;
  }
}

/** The explicit port of a URL (`http://localhost:11434/v1` → '11434'), undefined when none is written. */
function explicitPort(url: string): string | undefined {
  const rest = url.trim().replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
  const authority = rest.split(/[/?#]/)[0];
  const host = authority.slice(authority.lastIndexOf('@') + 1);
  const m = /:(\d+)$/.exec(host);
  if (!m) return undefined;
  if (host.startsWith('[') && !/\]:\d+$/.test(host)) return undefined;
  return m[1];
}

/**
 * One template label: a literal, '' for a whole-label placeholder (`{resource}`), or an anchored
 * RegExp for a label with a placeholder inside (`{region}-aiplatform`, `{tenant}-be`). A
 * placeholder stands for one or more DNS-label characters, never a dot.
 */
function templateLabel(l: string): string | RegExp {
  if (/^\{[^}]*\}$/.test(l)) return '';
  if (!l.includes('{')) return l;
  const src = l.split(/\{[^}]*\}/).map(escapeRe).join('[a-z0-9-]+');
  return new RegExp(`^${src}$`);
}

function templateMatches(tpl: Array<string | RegExp>, labels: string[]): boolean {
  if (tpl.length !== labels.length) return false;
  for (let i = 0; i < tpl.length; i++) {
    const t = tpl[i];
    if (t === '') {
      if (!labels[i]) return false;
    } else if (typeof t === 'string') {
      if (t !== labels[i]) return false;
    } else if (!t.test(labels[i])) return false;
  }
  return true;
}

/**
 * Path prefix test. A prefix may hold `{name}` placeholders, each standing for exactly one
 * non-empty path segment (`/client/v4/accounts/{account}/ai/`), so an AI path under a shared
 * platform host can be told apart from the rest of the platform's API.
 */
function pathHasPrefix(path: string, prefix: string): boolean {
  const p = path.toLowerCase();
  let x = prefix.toLowerCase();
  if (x.includes('{')) {
    const want = x.split('/');
    const got = p.split('/');
    const trailing = x.endsWith('/');
    if (trailing) want.pop();
    if (got.length < want.length) return false;
    for (let i = 0; i < want.length; i++) {
      const w = want[i];
      const g = got[i];
      if (/^\{[^}]*\}$/.test(w)) {
        if (!g) return false;
      } else if (i === want.length - 1 && !trailing) {
        const q = g.indexOf('?');
        if ((q >= 0 ? g.slice(0, q) : g) !== w) return false;
      } else if (g !== w) return false;
    }
    return trailing ? got.length > want.length : true;
  }
  if (x.endsWith('/')) return p.startsWith(x);
  return p === x || p.startsWith(x + '/') || p.startsWith(x + '?');
}

/** Whether the secret a credential's pattern captures in one of its rule's examples holds the keyword. */
function keywordInSecret(c: CompiledCredential, kw: string): boolean {
  const re = new RegExp(c.rule.pattern, 'g');
  for (const ex of c.rule.examples?.match ?? []) {
    for (const m of ex.matchAll(re)) if ((m[1] ?? m[0]).toLowerCase().includes(kw)) return true;
  }
  return false;
}

const isUpper = (c: number) => c >= 65 && c <= 90;
const isLower = (c: number) => c >= 97 && c <= 122;
const isLetter = (c: number) => isUpper(c) || isLower(c);

/**
 * A context keyword found at `index` is a token of an identifier or a word, not the inside of a
 * longer word: at each end where the keyword has a letter, the text beyond is not a letter, or a
 * case change starts a word there — camelCase (`falKey`, `myFal`) or the end of an acronym
 * (`OpenAIKey`: the upper-case letter that a lower-case one follows). `false`, `FALSE`, `fall`,
 * `nonfal` are not the token `fal`; `FAL_KEY`, `fal.run`, `fal-ai`, `FalClient` are.
 */
export function isKeywordToken(text: string, index: number, len: number): boolean {
  const first = text.charCodeAt(index);
  const last = text.charCodeAt(index + len - 1);
  if (index > 0 && isLetter(first)) {
    const b = text.charCodeAt(index - 1);
    const second = len > 1 ? text.charCodeAt(index + 1) : NaN;
    if (isLetter(b) && !(isLower(b) && isUpper(first)) && !(isUpper(b) && isUpper(first) && isLower(second))) return false;
  }
  if (isLetter(last)) {
    const a = text.charCodeAt(index + len);
    if (isLetter(a) && !(isLower(last) && isUpper(a)) && !(isUpper(a) && isLower(text.charCodeAt(index + len + 1)))) return false;
  }
  return true;
}

function boundaryOk(text: string, index: number, len: number): boolean {
  // The secret must not be the middle of a longer alphanumeric token.
  const alnum = /[A-Za-z0-9]/;
  const before = index > 0 ? text[index - 1] : '';
  const after = text[index + len] ?? '';
  return !(before && alnum.test(before)) && !(after && alnum.test(after));
}

/**
 * The literal start of a credential pattern's secret, as an anchored RegExp: the leading literal
 * characters of group 1 (or of the pattern) and any `(?:a|b)` / `(?:a|b)?` groups of literals
 * (`sk-(?:proj|svcacct|admin|None)-`, `tvly-(?:dev-|prod-)?`). Null when the secret opens with a
 * character class (UUIDs, hex, Azure 84-char keys).
 */
export function literalPrefix(pattern: string): RegExp | null {
  let src = pattern;
  const g = src.indexOf('(');
  if (g >= 0 && src[g + 1] !== '?') src = src.slice(g + 1);
  else src = src.replace(/^(?:\\b|\^)+/, '');
  let out = '';
  let i = 0;
  while (i < src.length) {
    const ch = src[i];
    if (/[A-Za-z0-9_-]/.test(ch)) {
      if (/[?*+{]/.test(src[i + 1] ?? '')) break;
      out += ch;
      i++;
    } else if (src.startsWith('(?:', i)) {
      const close = src.indexOf(')', i);
      if (close < 0 || !/^[A-Za-z0-9_|-]+$/.test(src.slice(i + 3, close)) || /[*+{]/.test(src[close + 1] ?? '')) break;
      const end = src[close + 1] === '?' ? close + 2 : close + 1;
      out += src.slice(i, end);
      i = end;
    } else break;
  }
  return out ? new RegExp('^' + out) : null;
}

/** A name that says "this value is a credential" (`api_key`, `Authorization`, `password`, `SPEECH_KEY`). */
const CREDENTIAL_NAME = /key|token|secret|passw|pwd|auth|credential|bearer|(?:^|[_.])pat(?:$|[_.])/;

/**
 * A contextual credential (no distinctive prefix) is bound to its service when:
 * - it stands alone (not inside a path, hash or longer token: the character before it is a
 *   quote, space or an assignment / call / list separator), and
 * - the name it is assigned to (`MISTRAL_API_KEY=`, `"xi-api-key": `) holds a context word; or
 *   that name is a credential name (`api_key`, `key`, `Authorization: Bearer`, netrc `password`)
 *   or absent (a value opening its line), and a context word sits on the same line or within
 *   `window` characters before it; a call argument (`createClient("…")`) needs the word on its line.
 * So a random hex / base64 value elsewhere in the file (`sha = "…"`, `commit=…`, a URL path,
 * `MAPS_API_KEY=` two lines above a Gemini comment) is not claimed.
 */
function contextBound(lower: string, index: number, len: number, words: string[], window: number): boolean {
  const prev = index > 0 ? lower[index - 1] : '';
  if (prev && !/[\s"'`=:(,[{<>]/.test(prev)) return false;
  const lineStart = lower.lastIndexOf('\n', index - 1) + 1;
  let lineEnd = lower.indexOf('\n', index + len);
  if (lineEnd < 0) lineEnd = lower.length;
  const norm = (s: string) => s.replace(/-/g, '_');
  const name = norm(assignedName(lower.slice(Math.max(lineStart, index - 160), index)));
  const line = lower.slice(lineStart, lineEnd);
  // a call argument: the context word must be on the call's line (`cohere.ClientV2("…")`)
  if (name === '(') return words.some((w) => line.includes(w));
  if (name && words.some((w) => name.includes(norm(w)))) return true;
  if (name && !CREDENTIAL_NAME.test(name)) return false;
  const before = lower.slice(Math.max(0, index - window), index);
  return words.some((w) => line.includes(w) || before.includes(w));
}

/**
 * The name a value is assigned to, from the text before it on its line: `X=`, `X: `, `X := `,
 * `X => `, `"X": "`, `X Bearer `, `password ` (netrc); '(' for a call argument; '' when the
 * value opens the line.
 */
function assignedName(before: string): string {
  let s = before.replace(/[\s"'`\\]+$/, '');
  // an auth scheme between the header name and the value: `Authorization: Bearer <v>`
  s = s.replace(/(?:^|[\s"'])(?:bearer|token|key|basic)$/, '').replace(/[\s"'`\\]+$/, '');
  // a call argument (`createClient("…")`, `cohere.ClientV2("…")`): the function is not the value's name
  if (s.endsWith('(')) return '(';
  s = s.replace(/(?:=>|:=|[=:,?])$/, '').replace(/[\s"'`\\\]]+$/, '');
  const m = /[a-z0-9_.$-]+$/.exec(s);
  return m && /[a-z]/.test(m[0]) ? m[0] : '';
}

function overlaps(key: string, index: number, len: number): boolean {
  const [i, l] = key.split(':').map(Number);
  return index < i + l && i < index + len;
}

function maxLen(a: string[]): number {
  return a.reduce((m, s) => Math.max(m, s.length), 0);
}

export function lineAt(text: string, index: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < index; i = text.indexOf('\n', i + 1)) line++;
  return line;
}
