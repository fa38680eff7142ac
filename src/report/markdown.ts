/** Markdown summary of a scan: what was found, its status, the intake queue and coverage. */
import type { ScanReport } from '../pipeline.js';
import { formatBytes } from '../register/register.js';
import { bySeverity, statusCounts } from './items.js';

/** Escapes text for a Markdown table cell (values from logs / repos are attacker-controlled). */
export function mdCell(s: unknown): string {
  return String(s ?? '')
    .replace(/\\/g, '\\\\')
    .replace(/[|`*_[\]<>#]/g, (c) => '\\' + c)
    .replace(/\r?\n/g, ' ');
}

export function toMarkdown(r: ScanReport): string {
  const out: string[] = [];
  out.push(`# shadowscan report — ${r.run.id}`, '');
  out.push(`Run ${r.run.status}, started ${r.run.started}, finished ${r.run.finished}. Scanners: ${Object.entries(r.run.scanners).map(([k, v]) => `${k} ${v}`).join(', ')}.`, '');
  out.push('## Summary', '', '| status | items |', '|---|---|');
  for (const [s, n] of statusCounts(r.items)) out.push(`| ${s} | ${n} |`);
  out.push('', `${r.findings.length} findings in this run; ${r.summary.items.new} new items; ${r.summary.riskEntries.created} new risk-register entries.`, '');
  out.push('## Items', '', '| status | item | category | sources | subjects | risk entry | tier | score | treatment |', '|---|---|---|---|---|---|---|---|---|');
  for (const it of bySeverity(r.items)) {
    out.push(`| ${it.status} | ${mdCell(it.name)} | ${mdCell(it.category)} | ${it.sources.join(', ')} | ${it.subjects.length} | ${it.riskEntry ?? ''} | ${it.tier ?? ''} | ${it.score ?? ''} | ${it.treatment ?? ''} |`);
  }
  out.push('', '## Coverage', '', '| scanner | scanned | skipped | failed | problems |', '|---|---|---|---|---|');
  for (const c of r.coverage) out.push(`| ${c.scanner} | ${c.scanned} | ${c.skipped.length} | ${c.failed.length} | ${c.problemCount} |`);
  const failed = r.coverage.flatMap((c) => c.failed.map((f) => `- ${c.scanner}: ${mdCell(f.unit)} — ${mdCell(f.reason)}`));
  if (failed.length) out.push('', '### Failed units (partial coverage)', '', ...failed.slice(0, 50));
  const problems = r.coverage.flatMap((c) => c.problems.map((p) => `- ${c.scanner}: ${mdCell(p.locator)} — ${mdCell(p.message)}`));
  if (problems.length) out.push('', '### Problems (sample)', '', ...problems.slice(0, 50));
  const bytes = r.items.filter((i) => i.bytesOut).map((i) => `- ${mdCell(i.name)}: ${formatBytes(i.bytesOut!)} sent`);
  if (bytes.length) out.push('', '## Data sent to AI services', '', ...bytes);
  return out.join('\n') + '\n';
}
