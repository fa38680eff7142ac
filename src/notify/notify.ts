/**
 * Sends a run's changes to the configured notification targets: once per item and event
 * (deliveries are remembered in `notifications_sent`, so a partial run followed by a complete
 * one does not notify twice), skipping a source's baseline run unless `onBaseline` is set.
 */
import { createHash } from 'node:crypto';
import type { Config, WebhookTarget } from '../config.js';
import type { Logger } from '../core/types.js';
import type { RunChanges } from '../diff/diff.js';
import type { Register } from '../register/register.js';
import type { RuleIndex } from '../rules/compile.js';
import { buildNotice, payloadFor, redactPayload, type NoticeEvidence } from './payload.js';
import { deliver, targetKey, type DeliverOptions, type DeliveryResult } from './webhook.js';

export interface NotifyResult {
  target: string;
  sent: boolean;
  items: number;
  skipped?: string;
  delivery?: DeliveryResult;
}

export async function evidenceFor(reg: Register, itemId: string, limit = 3): Promise<NoticeEvidence[]> {
  const rows = await reg.topEvidence(itemId, limit);
  // `value` of a credential finding is the redacted display form: the register never holds the secret.
  return rows.map((r) => ({ source: r.source, kind: r.kind, value: r.value, locator: r.locator }));
}

export async function notifyChanges(
  reg: Register,
  settings: Config['notifications'],
  changes: RunChanges,
  opts: DeliverOptions & { rules?: RuleIndex; log?: Logger } = {},
): Promise<NotifyResult[]> {
  const out: NotifyResult[] = [];
  for (const t of settings.targets) out.push(await notifyTarget(reg, t, settings.onBaseline, changes, opts));
  return out;
}

async function notifyTarget(reg: Register, t: WebhookTarget, onBaseline: boolean, changes: RunChanges, opts: DeliverOptions & { rules?: RuleIndex; log?: Logger }): Promise<NotifyResult> {
  const key = targetKey(t);
  if (t.sources && !t.sources.includes(changes.source)) return { target: key, sent: false, items: 0, skipped: 'source not selected' };
  if (changes.baseline && !onBaseline) return { target: key, sent: false, items: 0, skipped: 'baseline run' };
  const evidence = new Map<string, NoticeEvidence[]>();
  for (const i of [...changes.newItems, ...changes.newSubjects, ...changes.statusChanged, ...changes.goneItems]) if (!evidence.has(i.id)) evidence.set(i.id, await evidenceFor(reg, i.id));
  const notice = buildNotice(changes, t.on, (id) => evidence.get(id) ?? []);
  if (!notice) return { target: key, sent: false, items: 0, skipped: 'nothing to notify' };
  const dedupeKey = (i: (typeof notice.items)[number]) => (i.newSubjects ? `${i.id}#${createHash('sha256').update(i.newSubjects.join('\n')).digest('hex').slice(0, 16)}` : i.id);
  const fresh = async <T>(xs: T[], k: (x: T) => [string, string, string]) => {
    const out: T[] = [];
    for (const x of xs) if (!(await reg.wasNotified(key, ...k(x)))) out.push(x);
    return out;
  };
  notice.items = await fresh(notice.items, (i) => [i.event, dedupeKey(i), i.status]);
  notice.expiringApprovals = await fresh(notice.expiringApprovals, (a) => ['expiring-approvals', `approval:${a.id}`, a.expires]);
  if (!notice.items.length && !notice.expiringApprovals.length) return { target: key, sent: false, items: 0, skipped: 'already notified' };
  const body = redactPayload(payloadFor(t.format, notice), opts.rules);
  const delivery = await deliver(t, body, opts);
  if (!delivery.ok) {
    opts.log?.warn(`notification to ${key} failed after ${delivery.attempts} attempt(s): ${delivery.error}`);
    return { target: key, sent: false, items: notice.items.length, delivery };
  }
  await reg.recordNotifications([
    ...notice.items.map((i) => ({ target: key, event: i.event, itemId: dedupeKey(i), status: i.status, runId: changes.runId, at: changes.at })),
    ...notice.expiringApprovals.map((a) => ({ target: key, event: 'expiring-approvals', itemId: `approval:${a.id}`, status: a.expires, runId: changes.runId, at: changes.at })),
  ]);
  return { target: key, sent: true, items: notice.items.length, delivery };
}
