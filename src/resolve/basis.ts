/**
 * Evidence basis of an item: does its evidence show that the AI service is **used**, or only
 * that it is mentioned? Pure.
 *
 * Usage-grade evidence: a declared dependency, an import / client construction in source, an API
 * base URL or key variable in runtime code or config, an IaC resource, a container image, an
 * agent config, a CI action, a credential in runtime code or config — and every finding from a
 * non-repository source (network, SaaS, cloud evidence is always usage-grade).
 *
 * Evidence only from test / fixture / docs / example / UI-text files (credentials found only there
 * included), only transitive lock-file entries, or only links to a vendor's web pages makes a
 * **candidate**: kept, shown with its reason, never in the intake queue until usage-grade
 * evidence appears.
 */
import type { Finding } from '../core/types.js';

export type Basis = 'usage' | 'candidate';

export interface EvidenceBasis {
  basis: Basis;
  /** Why: the usage-grade evidence (kind, role, locator), or the roles that make it a candidate. */
  reason: string;
}

/** File roles whose evidence alone is a mention. */
export const MENTION_ROLES: ReadonlySet<string> = new Set(['test', 'fixture', 'docs', 'example', 'ui-text']);

/**
 * A URL that addresses an API rather than a web page: an `api` host label (`api.x.com`,
 * `x-api.y.com`, `api-x.y.com`), a versioned or `/api` path, a non-default port or a loopback /
 * single-label host (a local server, a compose service).
 */
export function looksLikeApiUrl(value: string): boolean {
  let u: URL;
  try {
    u = new URL(value.replace(/\{[^}]*\}/g, 'x'));
  } catch {
    return false;
  }
  const host = u.hostname.toLowerCase();
  if (host.split('.').some((l) => l === 'api' || l.startsWith('api-') || l.endsWith('-api'))) return true;
  if (u.port || host === 'localhost' || /^127\.|^0\.0\.0\.0$|^\[?::1\]?$/.test(host) || !host.includes('.')) return true;
  return u.pathname.split('/').some((s) => /^v\d+(?:(?:alpha|beta)\d*)?$/i.test(s) || s === 'api' || s === 'openai' || s === 'inference');
}

interface Grade {
  usage: boolean;
  /** Short description for the reason. */
  what: string;
  /** Why not usage, when it is not (a role or another cause). */
  why?: string;
}

function grade(f: Finding): Grade {
  if (f.source !== 'repo') return { usage: true, what: `${f.source} ${f.kind}` };
  const role = typeof f.attrs?.role === 'string' ? f.attrs.role : undefined;
  const where = role ? ` (${role})` : '';
  if (role && MENTION_ROLES.has(role)) return { usage: false, what: f.kind, why: role };
  switch (f.kind) {
    case 'package':
      if (f.attrs?.direct === false) return { usage: false, what: 'package', why: 'transitive dependency' };
      return { usage: true, what: `declared dependency${where}` };
    case 'import':
      if (f.attrs?.firstParty === true) return { usage: false, what: 'import', why: 'first-party module of the same name' };
      return { usage: true, what: `${f.match.rule === 'code-symbol' ? 'client construction' : 'import'}${where}` };
    case 'url':
    case 'host':
      if (f.match.rule === 'api-base-url' || looksLikeApiUrl(f.kind === 'host' ? `https://${f.value}` : f.value)) return { usage: true, what: `API URL${where}` };
      return { usage: false, what: f.kind, why: 'link to a web page' };
    case 'env-var':
      return { usage: true, what: `key / endpoint variable${where}` };
    case 'credential':
      return { usage: true, what: `credential${where}` };
    case 'iac-resource':
      return { usage: true, what: `IaC resource${where}` };
    case 'container-image':
      return { usage: true, what: `container image${where}` };
    case 'agent-config':
      return { usage: true, what: `agent config${where}` };
    case 'model-artifact':
      return { usage: true, what: `model file${where}` };
    case 'literal':
      // kept by the matcher only with the whole request contract and the base API in use
      return { usage: true, what: `request contract of the API variant (${f.value})${where}` };
    default:
      return { usage: true, what: `${f.kind}${where}` };
  }
}

/** The basis of an item from all of its findings. */
export function evidenceBasis(findings: Finding[]): EvidenceBasis {
  const t = new BasisTally();
  for (const f of findings) t.add(f);
  return t.result();
}

/**
 * evidenceBasis one finding at a time, in any order: the usage-grade finding with the smallest
 * locator (of equal locators, the smallest id — the first in id order), or the reasons none is.
 */
export class BasisTally {
  private best?: Finding;
  private readonly whys = new Set<string>();
  private n = 0;

  add(f: Finding): void {
    this.n++;
    // every non-repository finding is usage-grade: no grade (and no description) built per finding
    if (f.source !== 'repo' || grade(f).usage) {
      const b = this.best;
      if (!b || f.locator < b.locator || (f.locator === b.locator && f.id < b.id)) this.best = f;
    } else this.whys.add(grade(f).why ?? f.kind);
  }

  result(): EvidenceBasis {
    if (!this.n) return { basis: 'candidate', reason: 'no evidence' };
    const best = this.best;
    if (best) return { basis: 'usage', reason: `${grade(best).what} at ${best.locator}` };
    const list = [...this.whys].sort();
    const roles = list.filter((w) => MENTION_ROLES.has(w));
    const other = list.filter((w) => !MENTION_ROLES.has(w));
    const parts = [...(roles.length ? [`${roles.join(', ')} files`] : []), ...other.map((o) => (o === 'transitive dependency' ? 'transitive dependencies' : o === 'link to a web page' ? 'links to web pages' : o === 'first-party module of the same name' ? 'imports of first-party modules of the same name' : o))];
    return { basis: 'candidate', reason: `evidence only in ${parts.join(' and ')}` };
  }
}
