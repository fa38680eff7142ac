/**
 * Notification payloads: a generic JSON document, a Slack incoming-webhook message (Block Kit)
 * and a Microsoft Teams message carrying an Adaptive Card (the shape Teams workflows /
 * Power Automate "post to a channel when a webhook request is received" and the retired
 * Office 365 connectors both accept).
 *
 * Secrets never enter a payload: items carry names, statuses and subjects; evidence carries
 * the finding's value, which for credentials is already the redacted display form
 * (prefix…last4), and the whole serialised payload is passed through the rules' credential
 * detectors once more before it is sent (`redactPayload`).
 */
import type { ExpiringApproval, RunChanges, ChangeItem } from '../diff/diff.js';
import type { GovernanceEvent, NotifyEvent } from '../config.js';
import type { RuleIndex } from '../rules/compile.js';

export interface NoticeEvidence {
  source: string;
  kind: string;
  /** Finding value; for credentials the redacted display form only. */
  value: string;
  locator: string;
}

export interface NoticeItem extends ChangeItem {
  event: 'new-unsanctioned' | 'declined-in-use';
  /** Why it is in this notice: new item, new subjects, status change. */
  change: 'new-item' | 'new-subjects' | 'status-changed';
  newSubjects?: string[];
  evidence: NoticeEvidence[];
}

export interface Notice {
  source: string;
  runId: string;
  at: string;
  items: NoticeItem[];
  expiringApprovals: ExpiringApproval[];
}

export const NOTICE_SCHEMA = 'https://shadowscan.dev/schemas/notification/v1';

/** Picks what a target wants to hear about from a run's changes. */
export function buildNotice(c: RunChanges, on: readonly NotifyEvent[], evidenceOf: (itemId: string) => NoticeEvidence[] = () => []): Notice | undefined {
  const items: NoticeItem[] = [];
  const want = new Set(on);
  const add = (i: ChangeItem, change: NoticeItem['change'], extra: Partial<NoticeItem> = {}) => {
    const event = i.status === 'declined-but-in-use' ? 'declined-in-use' : i.status === 'unsanctioned' ? 'new-unsanctioned' : undefined;
    if (!event || !want.has(event)) return;
    // An unsanctioned item is news only when it is new; a declined service is news whenever someone new uses it.
    if (event === 'new-unsanctioned' && change !== 'new-item') return;
    items.push({ ...i, event, change, evidence: evidenceOf(i.id), ...extra });
  };
  for (const i of c.newItems) add(i, 'new-item');
  for (const i of c.newSubjects) add(i, 'new-subjects', { newSubjects: i.newSubjects });
  for (const i of c.statusChanged) if (i.status === 'declined-but-in-use') add(i, 'status-changed');
  const expiring = want.has('expiring-approvals') ? c.expiringApprovals : [];
  if (!items.length && !expiring.length) return undefined;
  return { source: c.source, runId: c.runId, at: c.at, items, expiringApprovals: expiring };
}

const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? '' : 's'}`;

function headline(n: Notice): string {
  const d = n.items.filter((i) => i.event === 'declined-in-use').length;
  const u = n.items.length - d;
  const parts: string[] = [];
  if (u) parts.push(plural(u, 'new unsanctioned AI item'));
  if (d) parts.push(`${plural(d, 'declined AI item')} in use`);
  if (n.expiringApprovals.length) parts.push(`${plural(n.expiringApprovals.length, 'approval')} expiring soon`);
  return `shadowscan (${n.source}): ${parts.join(', ')}`;
}

function itemText(i: NoticeItem): string {
  const why = i.change === 'new-subjects' ? ` — new: ${(i.newSubjects ?? []).join(', ')}` : i.change === 'status-changed' ? ' — now declined but in use' : '';
  return `${i.name} [${i.status}]${i.riskEntry ? ` ${i.riskEntry}` : ''}${i.tier ? ` tier ${i.tier}` : ''}; subjects: ${i.subjects.slice(0, 5).join(', ')}${i.subjects.length > 5 ? ' …' : ''}${why}`;
}

export function genericPayload(n: Notice): Record<string, unknown> {
  return {
    schema: NOTICE_SCHEMA,
    type: 'shadowscan.changes',
    summary: headline(n),
    source: n.source,
    runId: n.runId,
    at: n.at,
    items: n.items.map((i) => ({
      event: i.event,
      change: i.change,
      id: i.id,
      name: i.name,
      kind: i.kind,
      service: i.service,
      vendor: i.vendor,
      category: i.category,
      status: i.status,
      statusReason: i.statusReason,
      riskEntry: i.riskEntry ?? null,
      tier: i.tier ?? null,
      subjects: i.subjects,
      ...(i.newSubjects ? { newSubjects: i.newSubjects } : {}),
      evidence: i.evidence,
    })),
    expiringApprovals: n.expiringApprovals,
  };
}

/** Slack mrkdwn escaping (&, <, >). */
const sl = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function slackPayload(n: Notice): Record<string, unknown> {
  const blocks: unknown[] = [
    { type: 'header', text: { type: 'plain_text', text: headline(n).slice(0, 150) } },
  ];
  for (const i of n.items.slice(0, 20)) {
    const ev = i.evidence.slice(0, 3).map((e) => `\`${sl(e.kind)}\` ${sl(e.value)} — ${sl(e.locator)}`).join('\n');
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: `*${sl(i.name)}* — \`${i.status}\`${i.riskEntry ? ` · ${sl(i.riskEntry)}` : ''}${i.tier ? ` · tier ${i.tier}` : ''}\n${sl(i.statusReason)}\nSubjects: ${sl(i.subjects.slice(0, 5).join(', '))}${i.newSubjects ? `\nNew: ${sl(i.newSubjects.join(', '))}` : ''}${ev ? '\n' + ev : ''}`.slice(0, 3000) } });
  }
  if (n.items.length > 20) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `…and ${n.items.length - 20} more — run \`shadowscan diff --run ${n.runId}\`` }] });
  if (n.expiringApprovals.length)
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: '*Approvals expiring soon*\n' + n.expiringApprovals.map((a) => `• ${sl(a.id)} (${sl(a.service)}) on ${a.expires} — ${a.daysLeft} day(s); owner ${sl(a.owner)}`).join('\n') } });
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `run ${n.runId} · ${n.at}` }] });
  return { text: headline(n), blocks };
}

export function teamsPayload(n: Notice): Record<string, unknown> {
  const body: unknown[] = [{ type: 'TextBlock', size: 'Medium', weight: 'Bolder', wrap: true, text: headline(n) }];
  if (n.items.length)
    body.push({
      type: 'FactSet',
      facts: n.items.slice(0, 30).map((i) => ({ title: i.name.slice(0, 80), value: itemText(i).slice(i.name.length + 1) })),
    });
  if (n.expiringApprovals.length) body.push({ type: 'TextBlock', wrap: true, text: 'Approvals expiring soon: ' + n.expiringApprovals.map((a) => `${a.id} (${a.service}) on ${a.expires}`).join('; ') });
  body.push({ type: 'TextBlock', isSubtle: true, size: 'Small', wrap: true, text: `run ${n.runId} · ${n.at}` });
  return teamsMessage(headline(n), body);
}

/** A Teams message carrying one Adaptive Card with `body`. */
function teamsMessage(summary: string, body: unknown[]): Record<string, unknown> {
  return {
    type: 'message',
    summary,
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: { $schema: 'http://adaptivecards.io/schemas/adaptive-card.json', type: 'AdaptiveCard', version: '1.4', body },
      },
    ],
  };
}

export function payloadFor(format: 'json' | 'slack' | 'teams', n: Notice): Record<string, unknown> {
  return format === 'slack' ? slackPayload(n) : format === 'teams' ? teamsPayload(n) : genericPayload(n);
}

/** One event of the governance clock (an escalation, a review due or lapsed) for one risk entry. */
export interface GovernanceNotice {
  event: GovernanceEvent;
  text: string;
  riskEntry: { id: string; itemId: string; title: string; tier: number; status: string };
  /** The event's own fields (escalation level, role and deadline; review due date). */
  detail: Record<string, unknown>;
  at: string;
}

const GOVERNANCE_HEADLINE: Record<GovernanceEvent, string> = {
  'governance-escalated': 'escalated',
  'governance-review-due': 'review due',
  'governance-review-lapsed': 'review lapsed',
};

/** A governance event in the target's format: the JSON document, a Slack message or a Teams Adaptive Card message. */
export function governancePayload(format: 'json' | 'slack' | 'teams', g: GovernanceNotice): Record<string, unknown> {
  const title = `shadowscan governance: ${g.riskEntry.id} ${GOVERNANCE_HEADLINE[g.event]}`;
  if (format === 'slack')
    return {
      text: g.text,
      blocks: [
        { type: 'header', text: { type: 'plain_text', text: title.slice(0, 150) } },
        { type: 'section', text: { type: 'mrkdwn', text: `*${sl(g.riskEntry.title)}* — \`${g.riskEntry.status}\` · tier ${g.riskEntry.tier}\n${sl(g.text)}`.slice(0, 3000) } },
        { type: 'context', elements: [{ type: 'mrkdwn', text: `${g.event} · ${g.at}` }] },
      ],
    };
  if (format === 'teams')
    return teamsMessage(title, [
      { type: 'TextBlock', size: 'Medium', weight: 'Bolder', wrap: true, text: title },
      { type: 'TextBlock', wrap: true, text: g.text },
      { type: 'FactSet', facts: [{ title: 'Risk entry', value: g.riskEntry.id }, { title: 'Status', value: g.riskEntry.status }, { title: 'Tier', value: String(g.riskEntry.tier) }] },
      { type: 'TextBlock', isSubtle: true, size: 'Small', wrap: true, text: `${g.event} · ${g.at}` },
    ]);
  return { source: 'shadowscan', event: g.event, text: g.text, riskEntry: g.riskEntry, ...g.detail, at: g.at };
}

/** Serialises a payload and redacts anything the credential rules still recognise as a secret. */
export function redactPayload(payload: unknown, rules?: RuleIndex): string {
  let text = JSON.stringify(payload);
  if (!rules) return text;
  const hits = rules.scanSecrets(text);
  for (const h of [...hits].sort((a, b) => b.index - a.index)) text = text.slice(0, h.index) + h.secret.display + text.slice(h.index + h.secret.length);
  return text;
}
