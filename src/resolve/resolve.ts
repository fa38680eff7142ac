/**
 * resolve: the same AI service seen through DNS, an OAuth grant and an SDK import becomes one
 * inventory item with one evidence chain. Concrete artifacts (a model file, a cloud resource)
 * are their own items, linked to the service they run on.
 */
import type { AttrValue, Finding, SourceKind, Subject } from '../core/types.js';
import { sha256 } from '../match/match.js';
import { BasisTally, type EvidenceBasis } from './basis.js';

export interface Item {
  /** `svc-<service>` or `art-<hash of artifact type+key>` — stable across scans. */
  id: string;
  kind: 'service' | 'artifact';
  service: string;
  serviceName: string;
  vendor: string;
  category: string;
  name: string;
  artifact?: { type: string; key: string; name?: string; attrs?: Record<string, AttrValue> };
  findingIds: string[];
  subjects: Subject[];
  sources: SourceKind[];
  signals: string[];
  firstSeen?: string;
  lastSeen?: string;
  count: number;
  bytesOut?: number;
}

const artifactIds = new Map<string, string>();
const serviceIds = new Map<string, string>();

/** Called once per finding: ids are remembered (an artifact's is a hash), a bounded number of them. */
export function itemIdFor(f: Pick<Finding, 'service' | 'artifact'>): string {
  if (f.artifact) {
    const k = `${f.artifact.type}\u0000${f.artifact.key}`;
    let id = artifactIds.get(k);
    if (id === undefined) {
      id = 'art-' + sha256(k).slice(0, 20);
      if (artifactIds.size >= 100_000) artifactIds.clear();
      artifactIds.set(k, id);
    }
    return id;
  }
  let id = serviceIds.get(f.service);
  if (id === undefined) {
    id = 'svc-' + f.service;
    if (serviceIds.size >= 100_000) serviceIds.clear();
    serviceIds.set(f.service, id);
  }
  return id;
}

export function resolve(findings: Finding[]): Item[] {
  return resolveGroups(findings).map((g) => g.item);
}

/** An item with its findings, in the order of its finding ids. */
export interface ItemGroup {
  item: Item;
  findings: Finding[];
  /** The item's evidence basis (evidenceBasis of its findings), tallied as they were grouped. */
  basis: EvidenceBasis;
  /** How many findings each source gave, sources in the order they first appear in id order. */
  bySource: Array<{ source: string; count: number }>;
}

const collator = new Intl.Collator();

/** An item being grouped: its findings as they come, and whether they came in id order. */
interface Grouping {
  item: Item;
  findings: Finding[];
  /** The findings arrived in ascending id order (no sort needed). */
  inOrder: boolean;
  /** The findings' ids, and hexPrefix of each, in the order added (read while the finding is at hand, not in a second pass over a million findings). */
  ids: string[];
  prefixes: number[];
  /** Subjects seen, by their numbers (ItemGrouper): an item seen by 10,000 users must not scan its list per finding. */
  subjects: NumberSet;
  /** The number of each subject in `item.subjects`, in the same order. */
  subjectNos: number[];
  basis: BasisTally;
  /** Per source: its findings, and the smallest id among them (the source's place in id order). */
  bySource: Array<{ source: string; count: number; first: string }>;
}

/** The numeric value of the first 13 characters of `id` when they are lower-case hex digits (52 bits: exact in a double), else -1. */
export function hexPrefix(id: string): number {
  if (id.length < 13) return -1;
  let v = 0;
  for (let i = 0; i < 13; i++) {
    const c = id.charCodeAt(i);
    const d = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : -1;
    if (d < 0) return -1;
    v = v * 16 + d;
  }
  return v;
}

/**
 * The positions of `ids` in id order (code units, as Array.prototype.sort orders strings; equal
 * ids in the order given). Finding ids are hex digests: when every id starts with 13 lower-case hex
 * digits and no two share them, those 52 bits order the ids as their text does (digits and a–f
 * sort as their values), so the positions come from a radix sort of the numbers (passes of
 * counting, no comparison and no lookup per id) — not a comparison function called n log n times
 * on two strings. Anything else takes the comparison sort. `prefixes`: hexPrefix of each id, when
 * the caller has them (ItemGrouper reads them as findings arrive).
 */
export function idOrder(ids: readonly string[], prefixes?: readonly number[]): Uint32Array {
  const n = ids.length;
  // the 52 bits as two integers: the first 7 digits (28 bits) and the next 6 (24 bits)
  const hi = new Uint32Array(n);
  const lo = new Uint32Array(n);
  let fast = n > 1;
  for (let i = 0; i < n && fast; i++) {
    const k = prefixes ? prefixes[i] : hexPrefix(ids[i]);
    if (k < 0) fast = false;
    else {
      hi[i] = Math.floor(k / 2 ** 24);
      lo[i] = k % 2 ** 24;
    }
  }
  if (fast) {
    const idx = radixPositions(n, [[lo, 24], [hi, 28]]);
    // two ids sharing the 52 bits: their order is the rest of their text's
    for (let i = 1; i < n && fast; i++) fast = hi[idx[i]] !== hi[idx[i - 1]] || lo[idx[i]] !== lo[idx[i - 1]];
    if (fast) return idx;
  }
  const idx = new Uint32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  // a comparison reads two ids of the dense list, not two findings and their ids
  idx.sort((x, y) => (ids[x] < ids[y] ? -1 : ids[x] > ids[y] ? 1 : x - y));
  return idx;
}

/**
 * Positions 0…n-1 ordered by their keys, least significant key first (each with its width in
 * bits): a stable LSD radix sort in passes of 8 bits, so a pass costs 256 counts whatever n is.
 */
function radixPositions(n: number, keys: ReadonlyArray<readonly [Uint32Array, number]>): Uint32Array {
  let a = new Uint32Array(n);
  let b = new Uint32Array(n);
  for (let i = 0; i < n; i++) a[i] = i;
  const count = new Uint32Array(257);
  for (const [key, bits] of keys) {
    for (let shift = 0; shift < bits; shift += 8) {
      count.fill(0);
      for (let i = 0; i < n; i++) count[((key[a[i]] >>> shift) & 0xff) + 1]++;
      for (let d = 0; d < 256; d++) count[d + 1] += count[d];
      for (let i = 0; i < n; i++) {
        const x = a[i];
        b[count[(key[x] >>> shift) & 0xff]++] = x;
      }
      const t = a;
      a = b;
      b = t;
    }
  }
  return a;
}

export function resolveGroups(findings: readonly Finding[]): ItemGroup[] {
  const g = new ItemGrouper();
  for (const f of findings) g.add(f);
  return g.result();
}

/**
 * resolveGroups one finding at a time: the commit adds each finding as it writes it (its fields are
 * read then, once), and the judge takes the groups (`result`) instead of grouping a million
 * findings again.
 */
export class ItemGrouper {
  // one state per item, found by one lookup per finding (its service, or artifact type and key, keyed as itemIdFor keys them)
  private readonly groups = new Map<string, Grouping>();
  /**
   * A number per subject (kind, id) across all items, and its sort key (`kind + id`) by number: an
   * item keeps the numbers of its subjects (mostly as bits), and the keys are put in collation
   * order once for all items — not built and compared again in every item a user is seen in.
   */
  private readonly subjectNos = new Map<string, Map<string, number>>();
  private readonly subjectKeys: string[] = [];
  /**
   * The first subject object met by number: an item lists it in place of an equal one (same keys in
   * the same order, same values), so the items' subject lists share one object per subject — a
   * million list entries then read ten thousand objects, not a million scattered ones.
   */
  private readonly subjectObjs: Subject[] = [];

  /** Adds a finding to its item; `id` is itemIdFor(f) (given when the caller has it). */
  add(f: Finding, id: string = itemIdFor(f)): void {
    let g = this.groups.get(id);
    if (!g) {
      const item: Item = {
        id,
        kind: f.artifact ? 'artifact' : 'service',
        service: f.service,
        serviceName: f.serviceName,
        vendor: f.vendor,
        category: f.category,
        name: f.artifact ? `${f.artifact.name ?? f.artifact.key} (${f.serviceName})` : f.serviceName,
        artifact: f.artifact,
        findingIds: [],
        subjects: [],
        sources: [],
        signals: [],
        count: 0,
      };
      this.groups.set(id, (g = { item, findings: [], inOrder: true, ids: [], prefixes: [], subjects: new NumberSet(), subjectNos: [], basis: new BasisTally(), bySource: [] }));
    }
    const it = g.item;
    const fid = f.id;
    const ids = g.ids;
    if (g.inOrder && ids.length && !(ids[ids.length - 1] < fid)) g.inOrder = false;
    g.findings.push(f);
    ids.push(fid);
    g.prefixes.push(hexPrefix(fid));
    const subject = f.subject;
    let nos = this.subjectNos.get(subject.kind);
    if (!nos) this.subjectNos.set(subject.kind, (nos = new Map()));
    let no = nos.get(subject.id);
    if (no === undefined) {
      nos.set(subject.id, (no = this.subjectKeys.length));
      this.subjectKeys.push(subject.kind + subject.id);
      this.subjectObjs.push(subject);
    }
    if (g.subjects.add(no)) {
      const first = this.subjectObjs[no];
      it.subjects.push(first === subject || sameSubject(first, subject) ? first : subject);
      g.subjectNos.push(no);
    }
    let src: Grouping['bySource'][number] | undefined;
    for (const x of g.bySource) if (x.source === f.source) src = x;
    if (!src) {
      g.bySource.push({ source: f.source, count: 1, first: f.id });
      it.sources.push(f.source);
    } else {
      src.count++;
      if (f.id < src.first) src.first = f.id;
    }
    if (!it.signals.includes(f.signal)) it.signals.push(f.signal);
    if (f.firstSeen && (!it.firstSeen || f.firstSeen < it.firstSeen)) it.firstSeen = f.firstSeen;
    if (f.lastSeen && (!it.lastSeen || f.lastSeen > it.lastSeen)) it.lastSeen = f.lastSeen;
    it.count += f.count ?? 1;
    if (f.bytesOut !== undefined) it.bytesOut = (it.bytesOut ?? 0) + f.bytesOut;
    g.basis.add(f);
  }

  /** The items in id order, each with its findings in id order. Call once, after the last add. */
  result(): ItemGroup[] {
    const out: ItemGroup[] = [];
    const rank = this.groups.size ? collationRanks(this.subjectKeys) : new Uint32Array(0);
    for (const g of this.groups.values()) {
      const it = g.item;
      it.subjects = byRank(it.subjects, g.subjectNos, rank);
      it.sources.sort();
      it.signals.sort();
      // in id order (code units, as Array.prototype.sort orders strings; equal ids as they came)
      let fs = g.findings;
      let ids = g.ids;
      if (!g.inOrder) {
        const byPos = ids;
        const idx = idOrder(byPos, g.prefixes);
        const sorted: Finding[] = new Array(fs.length);
        ids = new Array(fs.length);
        for (let i = 0; i < idx.length; i++) {
          sorted[i] = fs[idx[i]];
          ids[i] = byPos[idx[i]];
        }
        fs = sorted;
      }
      it.findingIds = ids;
      // sources by their first finding in id order (of equal ids, the one added first: a stable sort)
      const bySource = g.bySource.sort((a, b) => (a.first < b.first ? -1 : a.first > b.first ? 1 : 0)).map(({ source, count }) => ({ source, count }));
      out.push({ item: it, findings: fs, basis: g.basis.result(), bySource });
    }
    return out.sort((a, b) => a.item.id.localeCompare(b.item.id));
  }
}

const subjectKeyScratch: string[] = [];

/** Whether two subjects have the same keys in the same order, with identical values. */
export function sameSubject(a: Subject, b: Subject): boolean {
  const x = a as unknown as Record<string, unknown>;
  const y = b as unknown as Record<string, unknown>;
  const keys = subjectKeyScratch;
  let n = 0;
  for (const k in x) keys[n++] = k;
  let i = 0;
  for (const k in y) if (i >= n || k !== keys[i++] || !Object.is(x[k], y[k])) return false;
  return i === n;
}

/**
 * A key whose code-unit order is the collation order of `s`, when `s` holds only lower-case ASCII
 * letters, digits and `_ - . @` (user names, e-mail addresses, IPs, host names): those sort in
 * the root collation as `_` < `-` < `.` < `@` < digits < letters, one level, char by char — so they
 * are mapped below the digits in that order. Undefined for any other character.
 */
function codeUnitKey(s: string): string | undefined {
  let simple = true;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c >= 48 && c <= 57) || (c >= 97 && c <= 122) || c === 46) continue;
    if (c === 95 || c === 45 || c === 64) simple = false;
    else return undefined;
  }
  return simple ? s : s.replace(/[_\-@]/g, (ch) => (ch === '_' ? '+' : ch === '-' ? ',' : '/'));
}

/**
 * The collation rank of each key (String.prototype.localeCompare's order in the default locale;
 * keys the collator holds equal share a rank), each compared by code units when every key allows
 * it (codeUnitKey), since a collator comparison costs about a microsecond.
 */
function collationRanks(keys: readonly string[]): Uint32Array {
  const n = keys.length;
  const mapped: string[] = new Array(n);
  let plain = true;
  for (let i = 0; i < n && plain; i++) {
    const c = codeUnitKey(keys[i]);
    if (c === undefined) plain = false;
    else mapped[i] = c;
  }
  const cmp = plain ? (a: number, b: number) => (mapped[a] < mapped[b] ? -1 : mapped[a] > mapped[b] ? 1 : 0) : (a: number, b: number) => collator.compare(keys[a], keys[b]);
  const order = Array.from({ length: n }, (_, i) => i).sort(cmp);
  const rank = new Uint32Array(n);
  for (let i = 1, r = 0; i < n; i++) {
    if (cmp(order[i - 1], order[i]) !== 0) r++;
    rank[order[i]] = r;
  }
  return rank;
}

/** `subjects` (numbered `nos`) by rank, those of equal rank in the order given (a stable radix sort). */
function byRank(subjects: Subject[], nos: readonly number[], rank: Uint32Array): Subject[] {
  const n = subjects.length;
  if (n < 2) return subjects;
  const r = new Uint32Array(n);
  for (let i = 0; i < n; i++) r[i] = rank[nos[i]];
  const order = radixPositions(n, [[r, 32]]);
  const out: Subject[] = new Array(n);
  for (let i = 0; i < n; i++) out[i] = subjects[order[i]];
  return out;
}

/**
 * A set of non-negative integers: a bit array while it is dense enough (at least one member per
 * 128 bits, so an item seen by a few of a million subjects does not hold a million bits), a Set of
 * numbers once it is not.
 */
export class NumberSet {
  private bits: Uint32Array | undefined = new Uint32Array(8);
  private set: Set<number> | undefined;
  private n = 0;

  get size(): number {
    return this.n;
  }

  /** Adds `x`; true when it was not there. */
  add(x: number): boolean {
    let b = this.bits;
    if (!b) {
      const s = this.set!;
      if (s.has(x)) return false;
      s.add(x);
      this.n++;
      return true;
    }
    const w = x >>> 5;
    if (w >= b.length) {
      let len = b.length * 2;
      while (len <= w) len *= 2;
      if (len > 4 * (this.n + 64)) {
        this.toSet();
        return this.add(x);
      }
      const grown = new Uint32Array(len);
      grown.set(b);
      this.bits = b = grown;
    }
    const m = 1 << (x & 31);
    if (b[w] & m) return false;
    b[w] |= m;
    this.n++;
    return true;
  }

  has(x: number): boolean {
    const b = this.bits;
    if (b) return x >>> 5 < b.length && (b[x >>> 5] & (1 << (x & 31))) !== 0;
    return this.set!.has(x);
  }

  private toSet(): void {
    const s = new Set<number>();
    const b = this.bits!;
    for (let w = 0; w < b.length; w++) for (let i = 0; i < 32; i++) if (b[w] & (1 << i)) s.add(w * 32 + i);
    this.set = s;
    this.bits = undefined;
  }
}
