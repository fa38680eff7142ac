/**
 * match: pure. Observations → findings, through the compiled rule index.
 */
import { createHash } from 'node:crypto';
import { imageRepository, normalizePypi, type RuleHit, type RuleIndex } from '../rules/compile.js';
import { normalizeHost } from '../core/host.js';
import type { Finding, Observation } from '../core/types.js';
import { evidenceBasis } from '../resolve/basis.js';

export function sha256(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}

/** Locator without a trailing `:line` (or `:line:col`): fingerprints never include line numbers. */
export function locatorPath(locator: string): string {
  // what `locator.replace(/(:\d+){1,2}$/, '')` does, without a regex: called once per finding
  let end = locator.length;
  for (let n = 0; n < 2; n++) {
    let i = end;
    while (i > 0) {
      const c = locator.charCodeAt(i - 1);
      if (c < 48 || c > 57) break;
      i--;
    }
    if (i === end || i === 0 || locator.charCodeAt(i - 1) !== 58) break;
    end = i - 1;
  }
  return end === locator.length ? locator : locator.slice(0, end);
}

/** Normalised identity of what was observed (so case / tag / version changes do not fork rows). */
export function normalizedValue(o: Observation): string {
  switch (o.kind) {
    case 'host':
      return normalizeHost(o.value);
    case 'package':
      return o.namespace === 'pypi' ? normalizePypi(o.value) : o.value.toLowerCase();
    case 'env-var':
      return o.value.toUpperCase();
    case 'container-image':
      return imageRepository(o.value);
    case 'credential':
      return String(o.attrs?.fingerprint ?? o.value);
    case 'saas-app':
      return String(o.attrs?.clientId ?? o.attrs?.appId ?? o.value).toLowerCase();
    default:
      return o.value;
  }
}

export function lookup(rules: RuleIndex, o: Observation): RuleHit | undefined {
  switch (o.kind) {
    case 'host':
      return rules.matchHost(o.value, typeof o.attrs?.path === 'string' ? o.attrs.path : undefined);
    case 'url': {
      // a local base URL under a key naming a provider (`localai: { base-url: http://localhost:8080 }`):
      // the key says which local server it is, whatever its port
      const byKey = typeof o.attrs?.configKey === 'string' ? rules.matchConfigKey(o.attrs.configKey) : undefined;
      return byKey ?? rules.matchUrl(o.value);
    }
    case 'package':
      return rules.matchPackageAll(o.namespace ?? '', o.value)[0];
    case 'import':
      return rules.matchImportAll(o.namespace ?? '', o.value)[0];
    case 'env-var':
      return rules.matchEnvVar(o.value);
    case 'credential': {
      const svc = o.attrs?.service;
      return typeof svc === 'string' && rules.get(svc) ? { service: svc, rule: 'credential', pattern: String(o.attrs?.pattern ?? '') } : undefined;
    }
    case 'cloud-resource':
      return rules.matchCloudResource(o.namespace ?? '', o.value, typeof o.attrs?.kind === 'string' ? o.attrs.kind : undefined);
    case 'audit-event':
      return rules.matchAuditEvent(o.namespace ?? '', o.value);
    case 'saas-app': {
      const ids = ['clientId', 'appId', 'id'].map((k) => o.attrs?.[k]).filter((x): x is string => typeof x === 'string' && !!x);
      const hit = rules.matchSaasApp({ name: o.value, ids });
      if (hit) return hit;
      // An app no rule knows whose name or scopes look like AI: kept for triage as a candidate.
      if (o.attrs?.candidate === 'unknown-ai-app' && rules.get('unknown-ai-app')) {
        const why = o.attrs?.candidateEvidence;
        return { service: 'unknown-ai-app', rule: 'saas-app-candidate', pattern: Array.isArray(why) ? why.join(',') : typeof why === 'string' ? why : o.value };
      }
      return undefined;
    }
    case 'container-image':
      return rules.matchImage(o.value);
    case 'iac-resource':
      return rules.matchIac(o.namespace ?? 'terraform', o.value, typeof o.attrs?.kind === 'string' ? o.attrs.kind : undefined);
    case 'agent-config':
      return rules.matchAgentConfig(o.value);
    case 'model-artifact':
      return rules.matchModelFormat(o.value);
    default:
      return undefined;
  }
}

/** Every rule hit for a request-contract literal: one per dialect service naming it (weighed later by weighDialects). */
function literalHits(rules: RuleIndex, o: Observation): RuleHit[] {
  const seen = new Set<string>();
  const out: RuleHit[] = [];
  for (const d of rules.matchLiteral(o.value)) {
    if (seen.has(d.service)) continue;
    seen.add(d.service);
    out.push({ service: d.service, rule: 'dialect-literal', pattern: `${d.of}+${d.literals.join('+')}` });
  }
  return out;
}

/**
 * Stable identity of a finding. Never a line number; for code, the file (path without line);
 * for logs, audit and cloud evidence, not the file or event id (daily exports and rotated logs
 * have new names every day): the service, the subject, what was seen and whether it succeeded.
 */
export function fingerprint(o: Observation, service: string): string {
  const where = o.artifact?.key ?? (o.source === 'repo' ? repoPath(o) : '');
  const parts = [
    service,
    o.source,
    o.scanner,
    o.kind,
    o.namespace ?? '',
    normalizedValue(o),
    o.subject.kind,
    o.subject.id,
    where,
    o.signal,
    o.attrs?.success === false ? 'attempt' : '',
  ];
  // the first 16 bytes in hex (= the hex digest's first 32 characters) as a flat string: a slice of
  // the digest would keep the whole 64-character digest alive behind every id and make each
  // comparison, Map lookup and SQLite bind of a million ids walk through to it
  return createHash('sha256').update(parts.join('\u0000')).digest().toString('hex', 0, 16);
}

/**
 * The file of repository evidence, relative to the repository: from the coverage unit
 * (`<subject id>:<path>`) when the scanner gives one — so a clone scanned alone and inside a
 * folder of clones has the same fingerprints — else the locator's path.
 */
function repoPath(o: Observation): string {
  const unit = o.attrs?.unit;
  const head = `${o.subject.id}:`;
  if (typeof unit === 'string' && unit.startsWith(head) && unit.length > head.length) return unit.slice(head.length);
  return locatorPath(o.locator);
}

/** Every rule hit for an observation: packages and imports may be claimed by several services. */
export function lookupAll(rules: RuleIndex, o: Observation): RuleHit[] {
  if (o.kind === 'package') return rules.matchPackageAll(o.namespace ?? '', o.value);
  if (o.kind === 'import') return rules.matchImportAll(o.namespace ?? '', o.value);
  if (o.kind === 'literal') return literalHits(rules, o);
  const hit = lookup(rules, o);
  return hit ? [hit] : [];
}

/** Returns the (primary) finding for an observation, or undefined when no rule matches. */
export function matchObservation(rules: RuleIndex, o: Observation): Finding | undefined {
  return matchObservationAll(rules, o)[0];
}

/** One finding per service the observation is evidence of. */
export function matchObservationAll(rules: RuleIndex, o: Observation): Finding[] {
  const out: Finding[] = [];
  for (const hit of lookupAll(rules, o)) {
    const f = toFinding(rules, o, hit);
    if (f) out.push(f);
  }
  return out;
}

function toFinding(rules: RuleIndex, o: Observation, hit: RuleHit): Finding | undefined {
  const svc = rules.get(hit.service);
  if (!svc) return undefined;
  // what `{ ...o, id, service, … }` builds (the same keys in the same order), one property at a
  // time: V8 gives objects built this way a shared hidden class, where the spread here gave every
  // finding a map of its own (a million maps at a million findings: ~170 bytes each, and GC work)
  const f: Record<string, unknown> = {};
  const src = o as unknown as Record<string, unknown>;
  for (const k in src) f[k] = src[k];
  f.id = fingerprint(o, svc.id);
  f.service = svc.id;
  f.serviceName = svc.name;
  f.vendor = svc.vendor;
  f.category = svc.category;
  f.match = { rule: hit.rule, pattern: hit.pattern };
  return f as unknown as Finding;
}

/**
 * Matches many observations; findings with the same fingerprint are folded (counts and bytes
 * summed, time range widened, first locator kept) so output is deterministic.
 */
export function matchAll(rules: RuleIndex, observations: Iterable<Observation>): Finding[] {
  const byId = new Map<string, Finding>();
  for (const o of observations) for (const f of matchObservationAll(rules, o)) {
    const prev = byId.get(f.id);
    if (!prev) {
      byId.set(f.id, f);
      continue;
    }
    prev.count = (prev.count ?? 1) + (f.count ?? 1);
    if (f.bytesOut !== undefined) prev.bytesOut = (prev.bytesOut ?? 0) + f.bytesOut;
    if (f.bytesIn !== undefined) prev.bytesIn = (prev.bytesIn ?? 0) + f.bytesIn;
    if (f.firstSeen && (!prev.firstSeen || f.firstSeen < prev.firstSeen)) prev.firstSeen = f.firstSeen;
    if (f.lastSeen && (!prev.lastSeen || f.lastSeen > prev.lastSeen)) prev.lastSeen = f.lastSeen;
    if (f.locator < prev.locator) prev.locator = f.locator;
  }
  const kept = weighDialects(rules, weighProviderSwitches(rules, [...byId.values()]));
  return sortForOutput(kept);
}

const collator = new Intl.Collator();

/**
 * Findings in the order `(a.service + a.locator + a.id).localeCompare(b.service + b.locator + b.id)`
 * gives (a stable sort): each key built once and compared with one collator (the comparison
 * localeCompare makes), instead of two concatenations per comparison — 40 million temporary
 * strings for a million findings, each flattened for the collator.
 */
export function sortForOutput(fs: Finding[]): Finding[] {
  const keys: string[] = new Array(fs.length);
  for (let i = 0; i < fs.length; i++) keys[i] = fs[i].service + fs[i].locator + fs[i].id;
  const idx = new Uint32Array(fs.length);
  for (let i = 0; i < idx.length; i++) idx[i] = i;
  idx.sort((x, y) => collator.compare(keys[x], keys[y]) || x - y);
  const out: Finding[] = new Array(fs.length);
  for (let i = 0; i < idx.length; i++) out[i] = fs[idx[i]];
  return out;
}

/**
 * Request-contract literals (rules' `dialects`) are evidence only together: a dialect-literal
 * finding is kept when the same subject's files outside tests / fixtures / docs / examples /
 * UI text hold every literal of one of the dialect's rules and the subject's own code uses the
 * API it is a variant of (a finding of `of` from such a file that is not itself a literal).
 * Otherwise they are dropped: `api-version` alone, or `api-key` + `api-version` in a codebase
 * that does not speak that API (another service's REST contract), is no evidence of the variant.
 */
function weighDialects(rules: RuleIndex, findings: Finding[]): Finding[] {
  if (!findings.some((f) => f.match.rule === 'dialect-literal')) return findings;
  const subjectOf = (f: Finding) => `${f.subject.kind}\u0000${f.subject.id}`;
  const mention = (f: Finding) => typeof f.attrs?.role === 'string' && MENTION.has(f.attrs.role);
  const add = (m: Map<string, Set<string>>, k: string, v: string) => (m.get(k) ?? m.set(k, new Set()).get(k)!).add(v);
  /** subject → literals outside mention files / in any file */
  const inCode = new Map<string, Set<string>>();
  const anywhere = new Map<string, Set<string>>();
  /** subject → services its own code uses (usage-grade evidence other than a literal) */
  const uses = new Map<string, Set<string>>();
  for (const f of findings) {
    const k = subjectOf(f);
    if (f.kind === 'literal') {
      add(anywhere, k, f.value);
      if (!mention(f)) add(inCode, k, f.value);
    } else if (evidenceBasis([f]).basis === 'usage') add(uses, k, f.service);
  }
  return findings.filter((f) => {
    if (f.match.rule !== 'dialect-literal') return true;
    const k = subjectOf(f);
    // a literal in a test / docs file is kept (as a mention: a candidate) when the contract is
    // complete counting those files; in code, only when it is complete in code
    const have = (mention(f) ? anywhere : inCode).get(k) ?? new Set<string>();
    const used = uses.get(k) ?? new Set<string>();
    return rules.matchLiteral(f.value).some((d) => d.service === f.service && used.has(d.of) && d.literals.every((l) => have.has(l)));
  });
}

/** A line that sets an SDK's base URL / endpoint (the URL on it then decides the provider). */
const BASE_URL_SETTING = /base_?url|api_?base|base_?path|endpoint|host_?url/i;

/** An environment variable that holds an endpoint / base URL (not a key). */
const ENDPOINT_VAR = /(?:ENDPOINT|BASE_?URL|API_?BASE|_HOST|_URL)$/i;

/** Evidence from a file that only mentions (tests, fixtures, docs, examples, UI text): it shows no use of the default service. */
const MENTION = new Set(['test', 'fixture', 'docs', 'example', 'ui-text']);

/** `openai`, `async-openai`, `async_openai`, `github.com/x/go-openai/v2` → one comparable module name. */
function sdkName(v: string): string {
  return v.toLowerCase().replace(/-/g, '_').replace(/\/v\d+$/, '');
}

/**
 * An SDK switched to another provider in code — a rule's `code` section (`AzureOpenAI` imported
 * from `openai`, go-openai's `DefaultAzureConfig`), or another provider's API URL set as the
 * SDK's base URL in a file that imports it (`c.BaseURL = "https://api.deepseek.com/v1"`,
 * `OpenAI(base_url="http://localhost:11434/v1")`) — is evidence of that provider, not of the
 * SDK's default one; a default-client symbol in such a URL-switched file does not count either. Within one repository, the default service's findings are dropped when all
 * of them rest on that SDK — its package, or imports of it in files that switch it — and nothing
 * else shows the default service: no env var, host, URL, credential, other SDK, default-client
 * symbol (the default service's own `code` section: `OpenAI(`, `DefaultConfig`), or an import of
 * the SDK in a file without a switch.
 */
export function weighProviderSwitches(rules: RuleIndex, findings: Finding[]): Finding[] {
  const claimants = (lang: string, mod: string) => new Set(rules.matchImportAll(lang, mod).map((h) => h.service));
  const subjectOf = (f: Finding) => `${f.subject.kind}\u0000${f.subject.id}`;
  // subject → module → { languages, files with a switch, services switched to }
  const bySubject = new Map<string, Map<string, { langs: Set<string>; files: Set<string>; to: Set<string> }>>();
  const addSwitch = (f: Finding, raw: string, to: string) => {
    const mod = sdkName(raw);
    const m = bySubject.get(subjectOf(f)) ?? new Map();
    bySubject.set(subjectOf(f), m);
    const e = m.get(mod) ?? { langs: new Set<string>(), files: new Set<string>(), to: new Set<string>() };
    m.set(mod, e);
    e.langs.add(`${f.namespace ?? ''}\u0000${raw}`);
    e.files.add(locatorPath(f.locator));
    e.to.add(to);
  };
  const repo = findings.filter((f) => f.source === 'repo');
  // 1. code symbols of another service on the SDK (AzureOpenAI, DefaultAzureConfig)
  for (const f of repo) {
    if (f.match.rule !== 'code-symbol') continue;
    const raw = f.value.split('#')[0];
    if (!claimants(f.namespace ?? '', raw).has(f.service)) addSwitch(f, raw, f.service);
  }
  // 2. another provider's API URL set as the base URL in a file that imports the SDK
  //    (`c.BaseURL = "https://api.deepseek.com/v1"`, `OpenAI(base_url=…)`, `with_api_base(…)`)
  const baseUrlsByFile = new Map<string, Set<string>>();
  for (const f of repo) {
    // a base URL set in code, or an endpoint variable (`AZURE_OPENAI_ENDPOINT`) read in the file
    const endpointVar = f.kind === 'env-var' && ENDPOINT_VAR.test(f.value);
    if (!endpointVar && ((f.kind !== 'url' && f.kind !== 'host') || !BASE_URL_SETTING.test(f.snippet ?? ''))) continue;
    const k = `${subjectOf(f)}\u0000${locatorPath(f.locator)}`;
    (baseUrlsByFile.get(k) ?? baseUrlsByFile.set(k, new Set()).get(k)!).add(f.service);
  }
  if (baseUrlsByFile.size) {
    for (const f of repo) {
      if (f.kind !== 'import' || f.match.rule === 'code-symbol') continue;
      const urls = baseUrlsByFile.get(`${subjectOf(f)}\u0000${locatorPath(f.locator)}`);
      if (!urls) continue;
      const own = claimants(f.namespace ?? '', f.value);
      for (const to of urls) if (!own.has(to)) addSwitch(f, f.value, to);
    }
  }
  if (!bySubject.size) return findings;
  /** A default-client symbol in a file whose SDK base URL is another provider's: not the default service. */
  const urlSwitched = (f: Finding) => [...(baseUrlsByFile.get(`${subjectOf(f)}\u0000${locatorPath(f.locator)}`) ?? [])].some((s) => s !== f.service);
  const drop = new Set<string>();
  for (const [subject, mods] of bySubject) {
    const mine = findings.filter((f) => f.source === 'repo' && subjectOf(f) === subject);
    for (const [mod, e] of mods) {
      const defaults = new Set<string>();
      for (const lm of e.langs) {
        const [lang, raw] = lm.split('\u0000');
        for (const svc of claimants(lang, raw)) if (!e.to.has(svc)) defaults.add(svc);
      }
      for (const svc of defaults) {
        const evidence = mine.filter((f) => f.service === svc);
        const onlyThisSdk = evidence.every((f) => {
          if (typeof f.attrs?.role === 'string' && MENTION.has(f.attrs.role)) return true;
          // the default client is used — unless its file points the SDK at another provider's URL
          if (f.match.rule === 'code-symbol') return e.files.has(locatorPath(f.locator)) && urlSwitched(f);
          const sdk = sdkName(f.value);
          const ofSdk = sdk === mod || sdk.startsWith(mod + '.') || sdk.startsWith(mod + '/') || sdk.startsWith(mod + '::');
          if (f.kind === 'package') return ofSdk;
          if (f.kind === 'import') return ofSdk && e.files.has(locatorPath(f.locator));
          return false;
        });
        if (evidence.length && onlyThisSdk) for (const f of evidence) drop.add(f.id);
      }
    }
  }
  return drop.size ? findings.filter((f) => !drop.has(f.id)) : findings;
}
