/**
 * Sends a run's changes to the configured notification targets: once per item and event
 * (deliveries are remembered in `notifications_sent`, so a partial run followed by a complete
 * one does not notify twice), skipping a source's baseline run unless `onBaseline` is set.
 */
import { createHash } from 'node:crypto';
import type { Config, WebhookTarget } from '../config.js';
import type { Logger } from '../core/types.js';
import { migrateDiff, type RunChanges } from '../diff/diff.js';
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

type Row = Record<string, any>;

export function evidenceFor(reg: Register, itemId: string, limit = 3): NoticeEvidence[] {
  const rows = reg.db
    .prepare("SELECT source, kind, value, locator, signal FROM findings WHERE item_id = ? AND state = 'active' ORDER BY CASE signal WHEN 'credential' THEN 0 WHEN 'usage' THEN 1 ELSE 2 END, locator LIMIT ?")
    .all(itemId, limit) as Row[];
  // `value` of a credential finding is the redacted display form: the register never holds the secret.
  return rows.map((r) => ({ source: r.source, kind: r.kind, value: r.value, locator: r.locator }));
}

export async function notifyChanges(
  reg: Register,
  settings: Config['notifications'],
  changes: RunChanges,
  opts: DeliverOptions & { rules?: RuleIndex; log?: Logger } = {},
): Promise<NotifyResult[]> {
  migrateDiff(reg);
  const out: NotifyResult[] = [];
  for (const t of settings.targets) out.push(await notifyTarget(reg, t, settings.onBaseline, changes, opts));
  return out;
}

async function notifyTarget(reg: Register, t: WebhookTarget, onBaseline: boolean, changes: RunChanges, opts: DeliverOptions & { rules?: RuleIndex; log?: Logger }): Promise<NotifyResult> {
  const key = targetKey(t);
  if (t.sources && !t.sources.includes(changes.source)) return { target: key, sent: false, items: 0, skipped: 'source not selected' };
  if (changes.baseline && !onBaseline) return { target: key, sent: false, items: 0, skipped: 'baseline run' };
  const notice = buildNotice(changes, t.on, (id) => evidenceFor(reg, id));
  if (!notice) return { target: key, sent: false, items: 0, skipped: 'nothing to notify' };
  const db = reg.db;
  const was = db.prepare('SELECT 1 FROM notifications_sent WHERE target = ? AND event = ? AND item_id = ? AND status = ?');
  const dedupeKey = (i: (typeof notice.items)[number]) => (i.newSubjects ? `${i.id}#${createHash('sha256').update(i.newSubjects.join('\n')).digest('hex').slice(0, 16)}` : i.id);
  notice.items = notice.items.filter((i) => !was.get(key, i.event, dedupeKey(i), i.status));
  notice.expiringApprovals = notice.expiringApprovals.filter((a) => !was.get(key, 'expiring-approvals', `approval:${a.id}`, a.expires));
  if (!notice.items.length && !notice.expiringApprovals.length) return { target: key, sent: false, items: 0, skipped: 'already notified' };
  const body = redactPayload(payloadFor(t.format, notice), opts.rules);
  const delivery = await deliver(t, body, opts);
  if (!delivery.ok) {
    opts.log?.warn(`notification to ${key} failed after ${delivery.attempts} attempt(s): ${delivery.error}`);
    return { target: key, sent: false, items: notice.items.length, delivery };
  }
  const ins = db.prepare('INSERT OR IGNORE INTO notifications_sent (target, event, item_id, status, run_id, at) VALUES (?, ?, ?, ?, ?, ?)');
  db.transaction(() => {
    for (const i of notice.items) ins.run(key, i.event, dedupeKey(i), i.status, changes.runId, changes.at);
    for (const a of notice.expiringApprovals) ins.run(key, 'expiring-approvals', `approval:${a.id}`, a.expires, changes.runId, changes.at);
  })();
  return { target: key, sent: true, items: notice.items.length, delivery };
}
