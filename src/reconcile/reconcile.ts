/**
 * reconcile: pure, `now` injected. Every occurrence (finding) and item against the sanctioned
 * catalog → sanctioned | out-of-scope | approval-expired | declined-but-in-use | unsanctioned.
 * Nothing is dropped: every status carries its reason.
 */
import type { Finding, ItemStatus, Subject } from '../core/types.js';
import type { ApprovedEntry, Catalog, DeclinedEntry, Scope } from '../catalog/catalog.js';
import type { Item } from '../resolve/resolve.js';

export interface Verdict {
  status: ItemStatus;
  reason: string;
  /** The catalog entry that decided it, when any. */
  entry?: string;
  expires?: string;
}

/** Most severe first. */
export const STATUS_SEVERITY: ItemStatus[] = ['declined-but-in-use', 'unsanctioned', 'approval-expired', 'out-of-scope', 'sanctioned', 'candidate'];

const SUBJECT_SCOPE: Record<string, keyof Scope> = {
  repo: 'repos',
  user: 'users',
  principal: 'users',
  account: 'accounts',
  subscription: 'accounts',
  project: 'accounts',
  tenant: 'accounts',
  org: 'accounts',
  ip: 'hosts',
  host: 'hosts',
  department: 'departments',
};

const globCache = new Map<string, RegExp>();
/** Scope globs: `*` matches any run of characters (including `/` and `:` in URLs and ARNs), `?` one; case-insensitive. */
export function globToRegExp(glob: string): RegExp {
  let re = globCache.get(glob);
  if (!re) {
    re = new RegExp('^' + glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*+/g, '.*').replace(/\?/g, '.') + '$', 'i');
    globCache.set(glob, re);
  }
  return re;
}

function globMatch(patterns: string[], value: string): boolean {
  return patterns.some((p) => globToRegExp(p).test(value));
}

/** Does an approval's scope cover this subject (and artifact)? An absent scope covers everything. */
export function inScope(scope: Scope | undefined, subject: Subject, artifactKey?: string): { ok: boolean; why: string } {
  if (!scope) return { ok: true, why: 'approved without scope restriction' };
  if (artifactKey && scope.resources?.length) {
    return globMatch(scope.resources, artifactKey)
      ? { ok: true, why: `resource ${artifactKey} is in the approved resources` }
      : { ok: false, why: `resource ${artifactKey} is not in the approved resources (${scope.resources.join(', ')})` };
  }
  const field = SUBJECT_SCOPE[subject.kind];
  const list = field ? scope[field] : undefined;
  const anyRestriction = Object.values(scope).some((v) => Array.isArray(v) && v.length > 0);
  if (!list || list.length === 0) {
    return anyRestriction
      ? { ok: false, why: `the approval is scoped (${describeScope(scope)}) and names no ${field ?? subject.kind} scope for ${subject.kind} ${subject.id}` }
      : { ok: true, why: 'approved without scope restriction' };
  }
  const candidates = [subject.id, subject.name].filter((x): x is string => !!x);
  return candidates.some((c) => globMatch(list, c))
    ? { ok: true, why: `${subject.kind} ${subject.id} is within the approved ${field}` }
    : { ok: false, why: `${subject.kind} ${subject.id} is outside the approved ${field} (${list.join(', ')})` };
}

function describeScope(scope: Scope): string {
  return Object.entries(scope)
    .filter(([, v]) => Array.isArray(v) && v.length)
    .map(([k, v]) => `${k}: ${(v as string[]).join(', ')}`)
    .join('; ');
}

function expired(a: ApprovedEntry, now: Date): boolean {
  if (!a.expires) return false;
  const end = a.expires.length === 10 ? new Date(a.expires + 'T23:59:59.999Z') : new Date(a.expires);
  return end.getTime() < now.getTime();
}

/** Severity rank of each status (0 = most severe), from STATUS_SEVERITY. */
const SEVERITY_RANK = new Map<string, number>(STATUS_SEVERITY.map((s, i) => [s, i]));
const rank = (s: string) => SEVERITY_RANK.get(s) ?? -1;

/** An approval whose scope restricts nothing: it covers every subject and artifact alike. */
function unrestricted(a: ApprovedEntry): boolean {
  return !a.scope || !Object.values(a.scope).some((v) => Array.isArray(v) && v.length > 0);
}

export class Reconciler {
  private approved = new Map<string, ApprovedEntry[]>();
  private declined = new Map<string, DeclinedEntry>();
  /**
   * Verdicts of services whose verdict cannot depend on the subject or artifact (no approval, or
   * only approvals without scope): decided once, the same object returned for every occurrence.
   */
  private constant = new Map<string, Verdict>();
  /** Verdicts decided per occurrence, by content. */
  private shared = new Map<string, Verdict>();
  constructor(catalog: Catalog, private now: Date) {
    for (const a of catalog.approved) {
      if (a.lifecycle === 'retired') continue;
      const l = this.approved.get(a.service) ?? [];
      l.push(a);
      this.approved.set(a.service, l);
    }
    for (const d of catalog.declined) this.declined.set(d.service, d);
  }

  /** Verdict for one occurrence: a service seen at a subject (and maybe an artifact). Callers must not mutate it (it may be shared). */
  occurrence(service: string, subject: Subject, artifactKey?: string): Verdict {
    const known = this.constant.get(service);
    if (known) return known;
    if ((this.approved.get(service) ?? []).every(unrestricted)) {
      const v = this.decide(service, subject, artifactKey);
      this.constant.set(service, v);
      return v;
    }
    // scoped approvals: decided per occurrence, and equal verdicts share one object (a million
    // findings hold a handful of distinct verdicts: less to keep, less to collect)
    const v = this.decide(service, subject, artifactKey);
    const k = `${v.status}\u0000${v.reason}\u0000${v.entry ?? ''}\u0000${v.expires ?? ''}\u0000${Object.keys(v).length}`;
    const s = this.shared.get(k);
    if (s) return s;
    if (this.shared.size >= 100_000) this.shared.clear();
    this.shared.set(k, v);
    return v;
  }

  private decide(service: string, subject: Subject, artifactKey?: string): Verdict {
    const declined = this.declined.get(service);
    const approvals = this.approved.get(service) ?? [];
    if (declined && approvals.length === 0) {
      return { status: 'declined-but-in-use', reason: `declined on ${declined.declinedOn} by ${declined.declinedBy} (${declined.treatment}): ${declined.rationale}`, entry: `declined:${service}` };
    }
    if (approvals.length === 0) return { status: 'unsanctioned', reason: 'no catalog entry approves this service' };
    let outOfScope: Verdict | undefined;
    let expiredV: Verdict | undefined;
    for (const a of approvals) {
      const id = a.id ?? a.service;
      const sc = inScope(a.scope, subject, artifactKey);
      if (!sc.ok) {
        outOfScope ??= { status: 'out-of-scope', reason: `approval ${id}: ${sc.why}`, entry: id, expires: a.expires };
        continue;
      }
      if (expired(a, this.now)) {
        expiredV ??= { status: 'approval-expired', reason: `approval ${id} expired on ${a.expires}`, entry: id, expires: a.expires };
        continue;
      }
      return { status: 'sanctioned', reason: `approval ${id} by ${a.approvedBy} on ${a.approvedOn}: ${sc.why}${a.expires ? `; review by ${a.expires}` : ''}`, entry: id, expires: a.expires };
    }
    return expiredV ?? outOfScope!;
  }

  /**
   * The verdict every occurrence of a service gets, when it cannot depend on the subject or the
   * artifact (no approval, or only approvals without scope): the object `occurrence` returns for
   * each of them. Undefined when approvals are scoped.
   */
  constantVerdict(service: string): Verdict | undefined {
    const known = this.constant.get(service);
    if (known) return known;
    if (!(this.approved.get(service) ?? []).every(unrestricted)) return undefined;
    // decided as occurrence decides it: the subject and artifact are not read
    return this.occurrence(service, { kind: 'none', id: '' });
  }

  finding(f: Finding): Verdict {
    return this.occurrence(f.service, f.subject, f.artifact?.key);
  }

  /** An item's verdict is its most severe occurrence's. */
  item(item: Item, verdicts: ReadonlyMap<string, Verdict>): Verdict {
    return this.itemOf(item, item.findingIds.map((id) => verdicts.get(id)));
  }

  /** An item's verdict from its findings' verdicts, in the item's finding order (undefined: none). */
  itemOf(item: Pick<Item, 'service' | 'artifact'>, verdicts: Iterable<Verdict | undefined>): Verdict {
    let worst: Verdict | undefined;
    let worstRank = 0;
    const counts = new Map<string, number>();
    for (const v of verdicts) {
      if (!v) continue;
      counts.set(v.status, (counts.get(v.status) ?? 0) + 1);
      const r = rank(v.status);
      if (!worst || r < worstRank) (worst = v), (worstRank = r);
    }
    if (!worst) return this.occurrence(item.service, { kind: 'none', id: '' }, item.artifact?.key);
    const others = [...counts.entries()].filter(([s]) => s !== worst!.status);
    const extra = others.length ? ` (other occurrences: ${others.map(([s, n]) => `${n} ${s}`).join(', ')})` : '';
    return { ...worst, reason: worst.reason + extra };
  }
}
