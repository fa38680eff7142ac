/**
 * resolve: the same AI service seen through DNS, an OAuth grant and an SDK import becomes one
 * inventory item with one evidence chain. Concrete artifacts (a model file, a cloud resource)
 * are their own items, linked to the service they run on.
 */
import type { AttrValue, Finding, SourceKind, Subject } from '../core/types.js';
import { sha256 } from '../match/match.js';

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

export function itemIdFor(f: Pick<Finding, 'service' | 'artifact'>): string {
  if (f.artifact) return 'art-' + sha256(`${f.artifact.type}\u0000${f.artifact.key}`).slice(0, 20);
  return 'svc-' + f.service;
}

export function resolve(findings: Finding[]): Item[] {
  const items = new Map<string, Item>();
  // subjects seen per item (a Set: an item seen by 10,000 users must not scan its list per finding)
  const seenSubjects = new Map<string, Set<string>>();
  for (const f of findings) {
    const id = itemIdFor(f);
    let it = items.get(id);
    if (!it) {
      it = {
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
      items.set(id, it);
      seenSubjects.set(id, new Set());
    }
    it.findingIds.push(f.id);
    const subjects = seenSubjects.get(id)!;
    const sk = `${f.subject.kind}\u0000${f.subject.id}`;
    if (!subjects.has(sk)) {
      subjects.add(sk);
      it.subjects.push(f.subject);
    }
    if (!it.sources.includes(f.source)) it.sources.push(f.source);
    if (!it.signals.includes(f.signal)) it.signals.push(f.signal);
    if (f.firstSeen && (!it.firstSeen || f.firstSeen < it.firstSeen)) it.firstSeen = f.firstSeen;
    if (f.lastSeen && (!it.lastSeen || f.lastSeen > it.lastSeen)) it.lastSeen = f.lastSeen;
    it.count += f.count ?? 1;
    if (f.bytesOut !== undefined) it.bytesOut = (it.bytesOut ?? 0) + f.bytesOut;
  }
  for (const it of items.values()) {
    it.subjects.sort((a, b) => (a.kind + a.id).localeCompare(b.kind + b.id));
    it.sources.sort();
    it.signals.sort();
    it.findingIds.sort();
  }
  return [...items.values()].sort((a, b) => a.id.localeCompare(b.id));
}
