/**
 * AWS CloudTrail records: S3 trail files (`{"Records":[…]}`), JSON lines, and `LookupEvents`
 * results (`{ EventId, EventSource, CloudTrailEvent: "<json>" }`). One audit-event per record:
 * value = eventSource, attrs eventName / modelId / region / account / errorCode; subject = the
 * principal. Data-plane calls (Invoke*, Converse*, …) are usage, the rest presence.
 */
import type { AuditEvent, RecordParser } from '../lib/types.js';
import { get, gs, isoTime, obj, str, type Rec } from '../lib/util.js';

export const USAGE = /^(Invoke|Converse|Chat|Generate|SendMessage|Retrieve|Detect|Translate|Synthesize|Classify|Recognize|Predict|StartConversation|StartTranscription|StartStreamTranscription|StartSpeechSynthesis|Query)/;

/** LookupEvents results carry the record as a JSON string. */
export function unwrapLookup(rec: Rec): Rec {
  const s = str(rec.CloudTrailEvent);
  if (s && s.startsWith('{')) {
    try {
      return (obj(JSON.parse(s)) ?? rec);
    } catch {
      return rec;
    }
  }
  return rec;
}

export const parseCloudTrail: RecordParser = (raw) => {
  const rec = unwrapLookup(raw);
  const source = gs(rec, 'eventSource', 'EventSource');
  const eventName = gs(rec, 'eventName', 'EventName');
  if (!source || !eventName) return [];
  const ui = obj(rec.userIdentity) ?? {};
  const issuer = gs(ui, 'sessionContext.sessionIssuer.arn');
  const arn = gs(ui, 'arn');
  const userName = gs(ui, 'userName', 'sessionContext.sessionIssuer.userName') ?? gs(raw, 'Username');
  const id = issuer ?? arn ?? userName ?? gs(ui, 'principalId') ?? gs(ui, 'invokedBy') ?? gs(ui, 'type');
  if (!id) return [];
  const errorCode = gs(rec, 'errorCode');
  const modelId = gs(rec, 'requestParameters.modelId', 'requestParameters.modelIdentifier', 'requestParameters.baseModelIdentifier', 'requestParameters.endpointName', 'requestParameters.modelArn');
  return [{
    kind: 'audit-event', namespace: 'aws', value: source, signal: USAGE.test(eventName) ? 'usage' : 'presence',
    subject: { kind: 'principal', id, name: arn && arn !== id ? arn : userName !== id ? userName : undefined },
    time: isoTime(rec.eventTime ?? raw.EventTime), success: !errorCode, eventId: gs(rec, 'eventID', 'EventId') ?? gs(raw, 'EventId'), requestId: gs(rec, 'requestID'),
    attrs: {
      eventName, modelId, region: gs(rec, 'awsRegion'), account: gs(rec, 'recipientAccountId') ?? gs(ui, 'accountId'), errorCode,
      host: gs(rec, 'tlsDetails.clientProvidedHostHeader'),
    } as AuditEvent['attrs'],
  }];
};

export function isCloudTrail(rec: Rec): boolean {
  return (typeof rec.eventName === 'string' && (typeof rec.eventSource === 'string' || rec.eventVersion !== undefined || rec.awsRegion !== undefined)) || (typeof rec.EventSource === 'string' && rec.CloudTrailEvent !== undefined) || typeof get(rec, 'CloudTrailEvent') === 'string';
}
