/**
 * The last line of defence for "secrets are never stored": every string a scanner hands over —
 * an observation's value, subject (a Squid user column, a CloudTrail userName or role session
 * name, an audit objectId), locator and file name, snippet, attributes, and the coverage's unit
 * names, reasons and problem messages — passes through the same credential detector as code
 * (`RuleIndex.scanSecrets`); whatever it recognises is replaced by its display form
 * (prefix…last4). A subject that had to be masked carries a note (`attrs.masked`).
 *
 * This cannot restore a key a scanner cut in half before masking: scanners mask the full text
 * first and cut snippets afterwards (maskSpans in src/core/secrets.ts).
 */
import type { AttrValue, Coverage, Observation } from '../core/types.js';
import type { RuleIndex } from '../rules/compile.js';

type Scanner = Pick<RuleIndex, 'scanSecrets'>;

/** `text` with every credential the rules recognise replaced by its display form. */
export function maskText(rules: Scanner, text: string): string {
  if (!text) return text;
  const hits = rules.scanSecrets(text);
  if (!hits.length) return text;
  let out = text;
  for (const h of [...hits].sort((a, b) => b.index - a.index)) out = out.slice(0, h.index) + h.secret.display + out.slice(h.index + h.secret.length);
  return out;
}

function maskAttrs(rules: Scanner, a: Record<string, AttrValue>): Record<string, AttrValue> | undefined {
  let out: Record<string, AttrValue> | undefined;
  for (const [k, v] of Object.entries(a)) {
    let m: AttrValue = v;
    if (typeof v === 'string') m = maskText(rules, v);
    else if (Array.isArray(v)) {
      const arr = v.map((x) => maskText(rules, x));
      if (arr.some((x, i) => x !== v[i])) m = arr;
    }
    if (m !== v) (out ??= { ...a })[k] = m;
  }
  return out;
}

/** The observation with every recognised credential masked (the same object when there was none). */
export function maskObservation(rules: Scanner, o: Observation): Observation {
  const masked: string[] = [];
  const f = (field: string, s: string | undefined): string | undefined => {
    if (s === undefined) return s;
    const m = maskText(rules, s);
    if (m !== s) masked.push(field);
    return m;
  };
  const value = o.kind === 'credential' ? o.value : f('value', o.value)!;
  const namespace = f('namespace', o.namespace);
  const locator = f('locator', o.locator)!;
  const snippet = f('snippet', o.snippet);
  const subjectId = f('subject', o.subject.id)!;
  const subjectName = f('subject.name', o.subject.name);
  const attrs = o.attrs ? maskAttrs(rules, o.attrs) : undefined;
  if (attrs) masked.push('attrs');
  let artifact = o.artifact;
  if (artifact) {
    const key = maskText(rules, artifact.key);
    const name = artifact.name === undefined ? undefined : maskText(rules, artifact.name);
    const aa = artifact.attrs ? maskAttrs(rules, artifact.attrs) : undefined;
    if (key !== artifact.key || name !== artifact.name || aa) {
      masked.push('artifact');
      artifact = { ...artifact, key, ...(name !== undefined ? { name } : {}), ...(aa ? { attrs: aa } : {}) };
    }
  }
  if (!masked.length) return o;
  const out: Observation = { ...o, value, locator, subject: { ...o.subject, id: subjectId, ...(subjectName !== undefined ? { name: subjectName } : {}) } };
  if (namespace !== undefined) out.namespace = namespace;
  if (snippet !== undefined) out.snippet = snippet;
  if (artifact) out.artifact = artifact;
  // the note: which fields held something shaped like a credential (the subject above all)
  out.attrs = { ...(attrs ?? o.attrs ?? {}), masked: masked.sort() };
  return out;
}

/** Coverage with credentials masked in unit names (file names), reasons and problem messages. */
export function maskCoverage(rules: Scanner, c: Coverage): Coverage {
  const m = (s: string) => maskText(rules, s);
  return {
    ...c,
    units: c.units.map(m),
    skipped: c.skipped.map((u) => ({ unit: m(u.unit), reason: m(u.reason) })),
    failed: c.failed.map((u) => ({ unit: m(u.unit), reason: m(u.reason) })),
    problems: c.problems.map((p) => ({ locator: m(p.locator), message: m(p.message) })),
  };
}

/** Any JSON-like value with credentials masked in every string (object keys included). */
export function maskDeep<T>(rules: Scanner, v: T): T {
  if (typeof v === 'string') return maskText(rules, v) as T;
  if (Array.isArray(v)) return v.map((x) => maskDeep(rules, x)) as T;
  if (v && typeof v === 'object' && !(v instanceof Date)) {
    return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [maskText(rules, k), maskDeep(rules, x)])) as T;
  }
  return v;
}
