/**
 * Amazon Bedrock model-invocation logs (`schemaType: ModelInvocationLog`): S3 delivery (`.json.gz`,
 * one record per line), CloudWatch Logs exports (`<timestamp> <record>` lines, or
 * `get-log-events` / `filter-log-events` results whose `message` holds the record as a string).
 * One audit-event per record, in the CloudTrail shape (namespace `aws`, value
 * `bedrock.amazonaws.com`) so the rule's `cloud.aws.eventSources` matches it: attrs eventName
 * (= operation), modelId, account, region, errorCode and the token counts (summed by the
 * aggregation). The subject is the principal as CloudTrail names it (an assumed-role session →
 * the role ARN, the session ARN as name). Prompt and response bodies (`input.inputBodyJson`,
 * `output.outputBodyJson`) are never read into an event.
 */
import type { AuditEvent, RecordParser } from '../lib/types.js';
import { get, gs, isoTime, obj, str, type Rec } from '../lib/util.js';
import { USAGE } from './cloudtrail.js';

const MARK = 'ModelInvocationLog';

/** CloudWatch Logs API results carry the record as a JSON string in `message`. */
function unwrap(rec: Rec): Rec {
  if (rec.schemaType === MARK) return rec;
  const m = str(rec.message);
  if (m && m.startsWith('{') && m.includes(MARK)) {
    try {
      return obj(JSON.parse(m)) ?? rec;
    } catch {
      return rec;
    }
  }
  return rec;
}

/** `arn:aws:sts::<acct>:assumed-role/<role>/<session>` → `arn:aws:iam::<acct>:role/<role>` (CloudTrail's session issuer). */
export function principalOf(arn: string): { id: string; name?: string } {
  const m = /^arn:(aws[\w-]*):sts::(\d+):assumed-role\/([^/]+)\/(.+)$/.exec(arn);
  return m ? { id: `arn:${m[1]}:iam::${m[2]}:role/${m[3]}`, name: arn } : { id: arn };
}

function count(...vs: unknown[]): number | undefined {
  for (const v of vs) {
    const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : NaN;
    if (Number.isFinite(n)) return n;
  }
  return undefined;
}

export const parseBedrock: RecordParser = (raw) => {
  const rec = unwrap(raw);
  const operation = gs(rec, 'operation');
  if (!operation) return [];
  const arn = gs(rec, 'identity.arn');
  const account = gs(rec, 'accountId');
  const who = arn ? principalOf(arn) : account ? { id: account } : undefined;
  if (!who) return [];
  const errorCode = gs(rec, 'errorCode');
  // token counts only: the bodies (prompts, completions) are never copied
  const usage = obj(get(rec, 'output.outputBodyJson')) ? get(rec, 'output.outputBodyJson.usage') : undefined;
  return [{
    kind: 'audit-event', namespace: 'aws', value: 'bedrock.amazonaws.com', signal: USAGE.test(operation) ? 'usage' : 'presence',
    subject: { kind: 'principal', ...who },
    // one observation per session (its name is right); findings fold them per role like CloudTrail's
    key: arn,
    time: isoTime(rec.timestamp ?? raw.timestamp), success: !errorCode, eventId: gs(rec, 'requestId'), requestId: gs(rec, 'requestId'),
    attrs: {
      vendor: 'bedrock', eventName: operation, modelId: gs(rec, 'modelId'), region: gs(rec, 'region'), account, errorCode,
      inputTokens: count(get(rec, 'input.inputTokenCount'), get(usage, 'inputTokens')),
      outputTokens: count(get(rec, 'output.outputTokenCount'), get(usage, 'outputTokens')),
    } as AuditEvent['attrs'],
  }];
};

export function isBedrock(rec: Rec): boolean {
  if (rec.schemaType === MARK) return true;
  if (typeof rec.operation === 'string' && typeof rec.modelId === 'string' && obj(rec.identity) !== undefined && rec.accountId !== undefined) return true;
  const m = rec.message;
  return typeof m === 'string' && m.startsWith('{') && m.includes(`"schemaType":"${MARK}"`) || (typeof m === 'string' && m.startsWith('{') && m.includes(`"schemaType": "${MARK}"`));
}
