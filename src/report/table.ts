/** Plain-text summary for terminals. */
import type { ScanReport } from '../pipeline.js';
import { formatBytes } from '../register/register.js';
import { bySeverity, statusCounts } from './items.js';

/** Removes control characters (ANSI escapes from hostile logs) before printing to a terminal. */
export function safeText(s: unknown): string {
  return String(s ?? '').replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ');
}

function pad(s: string, n: number): string {
  return s.length >= n ? s.slice(0, n - 1) + '…' : s + ' '.repeat(n - s.length);
}

export function toTable(r: ScanReport): string {
  const out: string[] = [];
  out.push(`shadowscan ${r.tool.version} — run ${r.run.id} (${r.run.status})`);
  out.push(`items: ${r.items.length} in this run — ${statusCounts(r.items).map(([s, n]) => `${s} ${n}`).join(', ')}`);
  out.push('');
  out.push(pad('STATUS', 21) + pad('ITEM', 42) + pad('SOURCES', 18) + pad('SUBJ', 6) + pad('ENTRY', 10) + pad('TIER', 5) + 'SCORE');
  for (const it of bySeverity(r.items)) {
    out.push(pad(it.status, 21) + pad(safeText(it.name), 42) + pad(it.sources.join(','), 18) + pad(String(it.subjects.length), 6) + pad(it.riskEntry ?? '-', 10) + pad(it.tier ? String(it.tier) : '-', 5) + (it.score ?? '-') + (it.bytesOut ? `  (${formatBytes(it.bytesOut)} out)` : ''));
  }
  out.push('');
  for (const c of r.coverage) {
    out.push(`coverage ${c.scanner}: ${c.scanned} scanned, ${c.skipped.length} skipped, ${c.failed.length} failed, ${c.problemCount} problems`);
    for (const f of c.failed.slice(0, 5)) out.push(`  failed ${safeText(f.unit)}: ${safeText(f.reason)}`);
    for (const p of c.problems.slice(0, 5)) out.push(`  problem ${safeText(p.locator)}: ${safeText(p.message)}`);
  }
  for (const [s, e] of Object.entries(r.errors)) out.push(`scanner ${s} failed: ${safeText(e)}`);
  return out.join('\n') + '\n';
}
