/**
 * CloudTrail through the official AWS SDK v3: `LookupEvents` (per region and event source,
 * paged by `NextToken`) and trail log files in S3 (`ListObjectsV2` after the last key read,
 * `GetObject`, gzip). Credentials come from the SDK's default chain; endpoints honour
 * AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_CLOUDTRAIL / AWS_ENDPOINT_URL_S3 or the `endpoint` option.
 * The SDK retries throttling (with `maxAttempts`).
 */
import { CloudTrailClient, LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { constants as zlibConstants, gunzipSync } from 'node:zlib';
import { documentRecords } from '../audit-export/lib/json-tolerant.js';
import type { Rec } from '../audit-export/lib/util.js';

export interface AwsClientOptions {
  endpoint?: string;
  maxAttempts: number;
  forcePathStyle?: boolean;
}

export function cloudTrailClient(region: string, o: AwsClientOptions): CloudTrailClient {
  return new CloudTrailClient({ region, maxAttempts: o.maxAttempts, ...(o.endpoint ? { endpoint: o.endpoint } : {}) });
}

export function s3Client(region: string, o: AwsClientOptions): S3Client {
  return new S3Client({ region, maxAttempts: o.maxAttempts, forcePathStyle: o.forcePathStyle, ...(o.endpoint ? { endpoint: o.endpoint } : {}) });
}

export async function* lookupPages(ct: CloudTrailClient, eventSource: string, start: Date, end: Date, maxPages: number, signal: AbortSignal): AsyncGenerator<Rec[]> {
  let next: string | undefined;
  for (let page = 0; page < maxPages; page++) {
    const out = await ct.send(new LookupEventsCommand({
      LookupAttributes: [{ AttributeKey: 'EventSource', AttributeValue: eventSource }],
      StartTime: start, EndTime: end, MaxResults: 50, NextToken: next,
    }), { abortSignal: signal });
    if (out.Events !== undefined && !Array.isArray(out.Events)) throw new Error('cloudtrail: malformed LookupEvents page');
    yield (out.Events ?? []) as unknown as Rec[];
    next = out.NextToken;
    if (!next) return;
  }
}

/** Trail object keys after `startAfter`, in key order (keys are time-ordered within a region prefix). */
export async function* trailKeys(s3: S3Client, bucket: string, prefix: string, startAfter: string | undefined, maxPages: number, signal: AbortSignal): AsyncGenerator<string> {
  let token: string | undefined;
  for (let page = 0; page < maxPages; page++) {
    const out = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix || undefined, StartAfter: token ? undefined : startAfter, ContinuationToken: token }), { abortSignal: signal });
    for (const o of out.Contents ?? []) if (o.Key && /\.json(\.gz)?$/.test(o.Key)) yield o.Key;
    token = out.IsTruncated ? out.NextContinuationToken : undefined;
    if (!token) return;
  }
}

/** Fetches one trail object's bytes (transport errors throw: the caller retries it next run). */
export async function trailObject(s3: S3Client, bucket: string, key: string, signal: AbortSignal): Promise<Buffer> {
  const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: signal });
  return Buffer.from(await out.Body!.transformToByteArray());
}

/** Parses a CloudTrail log file as delivered to S3 (gzip or plain JSON); a content error throws. */
export interface TrailObject {
  records: Rec[];
  /** Malformed records (each reported through `problem`). */
  bad: number;
  /** Set when the object ends early (a truncated .gz or JSON): where reading stopped. */
  truncated?: string;
}

/**
 * A CloudTrail log file `{"Records":[…]}` (gzip or plain), read record by record: a damaged or
 * non-object element is reported and skipped, a truncated object keeps its complete records.
 * Throws only when no record at all can be read from a non-empty object.
 */
export function parseTrailObject(bytes: Buffer, where: string, problem: (locator: string, message: string) => void = () => {}): TrailObject {
  let truncated: string | undefined;
  let buf = bytes;
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      buf = gunzipSync(bytes);
    } catch (e) {
      // decompress what is there: a sync flush returns the content up to the cut
      buf = gunzipSync(bytes, { finishFlush: zlibConstants.Z_SYNC_FLUSH });
      truncated = `truncated or corrupt gzip after ${buf.length} bytes of content (${(e as Error).message})`;
    }
  }
  const text = buf.toString('utf8');
  if (!/^\s*\{\s*"Records"\s*:/.test(text.slice(0, 4096)) && !text.slice(0, 65536).includes('"Records"')) throw new Error(`${where}: expected a CloudTrail log file {"Records":[…]}`);
  let bad = 0;
  const records = documentRecords(text, {
    isRecord: (r) => typeof r.eventSource === 'string' || typeof r.eventName === 'string',
    arrayKeys: ['Records'],
    problem: (l, c, m) => { bad++; problem(`${where}:${l}:${c}`, m); },
    truncated: (off) => { truncated ??= `the JSON ends inside its Records array after ${off} bytes`; },
  }).map((r) => r.rec);
  if (!records.length && (bad || truncated)) throw new Error(`${where}: no readable record in this CloudTrail log file${truncated ? ` (${truncated})` : ''}`);
  return { records, bad, truncated };
}
