/** `shadowscan diff` output: Markdown for people and chat, JSON for machines. */
import type { ChangeItem, RunChanges } from './diff.js';

const esc = (s: string) => s.replace(/[\\|`*_[\]<>]/g, (c) => '\\' + c).replace(/[\r\n]+/g, ' ');

function itemLine(i: ChangeItem): string {
  const risk = i.riskEntry ? ` — ${i.riskEntry}${i.tier ? ` (tier ${i.tier})` : ''}` : '';
  const subj = i.subjects.length ? `; ${i.subjects.length} subject${i.subjects.length === 1 ? '' : 's'}: ${i.subjects.slice(0, 5).map(esc).join(', ')}${i.subjects.length > 5 ? ' …' : ''}` : '';
  return `**${esc(i.name)}** \`${i.status}\`${risk}${subj}`;
}

export function diffToMarkdown(all: RunChanges[]): string {
  if (!all.length) return '# What changed\n\nNo recorded runs. Changes are recorded by `shadowscan scan --config FILE` and `shadowscan schedule run`; a scan given only source flags (and `shadowscan demo`) records none.\n';
  const out: string[] = ['# What changed', ''];
  for (const c of all) {
    out.push(`## ${esc(c.source)} — run ${c.runId} (${c.status})`, '');
    out.push(c.baseline ? `First run of this source: it is the baseline; everything below is newly inventoried.` : `Compared with the last complete run of this source, ${c.baselineRunId}.`, '');
    const section = (title: string, lines: string[]) => {
      out.push(`### ${title} (${lines.length})`, '');
      if (lines.length) out.push(...lines.map((l) => `- ${l}`), '');
      else out.push('None.', '');
    };
    section('New items', c.newItems.map(itemLine));
    section('New subjects on known items', c.newSubjects.map((i) => `${itemLine({ ...i, subjects: [] })}: ${i.newSubjects.map(esc).join(', ')}`));
    section('Status changes', c.statusChanged.map((i) => `${itemLine(i)} (was \`${i.from}\`)`));
    section('Items gone', c.goneItems.map(itemLine));
    if (c.goneWithheld) out.push(`_${c.goneWithheld} item(s) not seen, but coverage was incomplete: not reported gone._`, '');
    section(`Approvals expiring within ${c.expiringWithinDays} days`, c.expiringApprovals.map((a) => `**${esc(a.id)}** (${esc(a.service)}) expires ${a.expires} — ${a.daysLeft} day(s); owner ${esc(a.owner)}${a.inUse ? '; in use' : ''}`));
  }
  return out.join('\n').replace(/\n+$/, '\n');
}

export function diffToJson(all: RunChanges[]): string {
  return JSON.stringify({ runs: all }, null, 2) + '\n';
}
