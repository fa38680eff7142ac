/** What the text reports share about a run's items: counts per status and the reading order. */
import type { ReportItem } from '../pipeline.js';
import { STATUS_SEVERITY } from '../reconcile/reconcile.js';

/** Every item status, most severe first, with how many of this run's items have it. */
export function statusCounts(items: readonly ReportItem[]): Array<[string, number]> {
  // this run's items (the commit summary's byStatus counts every active item of the register)
  const by = new Map<string, number>();
  for (const it of items) by.set(it.status, (by.get(it.status) ?? 0) + 1);
  // a candidate (mentioned only) is listed when the run has one
  return STATUS_SEVERITY.filter((s) => s !== 'candidate' || by.has(s)).map((s) => [s, by.get(s) ?? 0]);
}

/** Items most severe first, then highest risk score, then by name. */
export function bySeverity(items: readonly ReportItem[]): ReportItem[] {
  const rank = (s: string) => (STATUS_SEVERITY as readonly string[]).indexOf(s);
  return [...items].sort((a, b) => rank(a.status) - rank(b.status) || (b.score ?? 0) - (a.score ?? 0) || a.name.localeCompare(b.name));
}
