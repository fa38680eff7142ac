/**
 * CloudTrail through the official AWS SDK v3: `LookupEvents` (per region and event source,
 * paged by `NextToken`) and trail log files in S3 (`ListObjectsV2` after the last key read,
 * `GetObject`, gzip). Credentials come from the SDK's default chain; endpoints honour
 * AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_CLOUDTRAIL / AWS_ENDPOINT_URL_S3 or the `endpoint` option.
 * The SDK retries throttling (with `maxAttempts`).
 */
import { CloudTrailClient, LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { gunzipSync } from 'node:zlib';
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
export function parseTrailObject(bytes: Buffer, where: string): Rec[] {
  const text = (bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes).toString('utf8');
  const doc = JSON.parse(text) as { Records?: unknown };
  if (!doc || !Array.isArray(doc.Records)) throw new Error(`${where}: expected a CloudTrail log file {"Records":[…]}`);
  return doc.Records as Rec[];
}
