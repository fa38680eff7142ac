/**
 * Audit push-down: CloudTrail records as an S3 trail file through the audit-export scanner, and
 * the same records converted by DuckDB to Parquet (one row per record, the principal as the
 * audit-export parser picks it) through the compiled audit query, give the same findings per
 * (principal, service, event name, success): count, first and last seen.
 */
import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { collect } from '../../src/collect/run.js';
import { matchAll } from '../../src/match/match.js';
import { auditExportScanner } from '../../scanners/audit-export/index.js';
import { egressQueryScanner } from '../../scanners/egress-query/index.js';
import { DuckdbRunner } from '../../src/pushdown/runners/duckdb.js';
import type { Observation } from '../../src/core/types.js';
import { pdRules, tmp } from './helpers.js';

const NOW = () => new Date('2026-02-01T00:00:00Z');

/** Records in the documented CloudTrail shape: assumed roles (with and without the issuer), IAM users, errors. */
function trail(n: number): Record<string, unknown> {
  const people = ['alice', 'bob', 'carol', 'dave'];
  const events: Array<[string, string]> = [
    ['bedrock.amazonaws.com', 'InvokeModel'], ['bedrock.amazonaws.com', 'Converse'], ['bedrock.amazonaws.com', 'ListFoundationModels'],
    ['comprehend.amazonaws.com', 'DetectSentiment'], ['s3.amazonaws.com', 'GetObject'], ['ec2.amazonaws.com', 'DescribeInstances'],
  ];
  const Records = [];
  for (let i = 0; i < n; i++) {
    const who = people[i % people.length];
    const [eventSource, eventName] = events[(i * 7) % events.length];
    const t = new Date(Date.UTC(2026, 0, 15, 10, 0, 0) + i * 61_000 + (i % 3) * 17).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const userIdentity =
      i % 5 === 0
        ? { type: 'IAMUser', principalId: `AIDADEMO${who.toUpperCase()}`, arn: `arn:aws:iam::111122223333:user/${who}`, accountId: '111122223333', userName: who }
        : { type: 'AssumedRole', principalId: `AROADEMO:${who}`, arn: `arn:aws:sts::111122223333:assumed-role/ml-${who}/${who}-session`, accountId: '111122223333',
            sessionContext: { sessionIssuer: { type: 'Role', principalId: 'AROADEMO', arn: `arn:aws:iam::111122223333:role/ml-${who}`, accountId: '111122223333', userName: `ml-${who}` } } };
    const rec: Record<string, unknown> = {
      eventVersion: '1.09', userIdentity, eventTime: t, eventSource, eventName, awsRegion: 'us-east-1', sourceIPAddress: '198.51.100.7',
      userAgent: 'aws-cli/2.15', requestParameters: eventName === 'InvokeModel' ? { modelId: 'vendor.model-v1' } : null, responseElements: null,
      requestID: `req-${i}`, eventID: `evt-${i}`, readOnly: true, eventType: 'AwsApiCall', managementEvent: eventName !== 'InvokeModel', recipientAccountId: '111122223333',
    };
    if (i % 11 === 4) {
      rec.errorCode = 'AccessDenied';
      rec.errorMessage = 'User is not authorized';
    }
    Records.push(rec);
  }
  return { Records };
}

function fold(obs: Observation[]): string[] {
  const m = new Map<string, { count: number; first: string; last: string }>();
  for (const f of matchAll(pdRules(), obs)) {
    const k = [f.subject.id, f.service, f.attrs?.eventName, f.signal, f.attrs?.success === false ? 'attempt' : 'ok'].join(' ');
    const g = m.get(k);
    if (!g) m.set(k, { count: f.count ?? 1, first: f.firstSeen!, last: f.lastSeen! });
    else {
      g.count += f.count ?? 1;
      if (f.firstSeen! < g.first) g.first = f.firstSeen!;
      if (f.lastSeen! > g.last) g.last = f.lastSeen!;
    }
  }
  return [...m].map(([k, g]) => `${k} ${g.count} ${g.first} ${g.last}`).sort();
}

describe('audit push-down: CloudTrail trail file = Parquet through DuckDB', () => {
  it('gives the same findings per (principal, service, event, success)', async () => {
    const dir = tmp();
    const file = join(dir, '111122223333_CloudTrail_us-east-1_20260115T1000Z_demo.json.gz');
    writeFileSync(file, gzipSync(JSON.stringify(trail(400))));
    const parquet = join(dir, 'cloudtrail.parquet');
    const db = new DuckdbRunner({ threads: 1 });
    // the conversion a team runs once (or a Glue / CTAS job does): one row per record
    await db.run(
      `COPY (SELECT r.eventTime AS event_time, r.eventSource AS event_source, r.eventName AS event_name, r.errorCode AS error_code,
         coalesce(r.userIdentity.sessionContext.sessionIssuer.arn, r.userIdentity.arn, r.userIdentity.userName, r.userIdentity.principalId) AS principal
       FROM (SELECT unnest(Records) AS r FROM read_json('${file}', maximum_object_size = 67108864))) TO '${parquet}' (FORMAT parquet)`,
      new AbortController().signal,
    );
    await db.close();

    const a = await collect([{ scanner: auditExportScanner, options: { paths: [file] } }], { rules: pdRules(), now: NOW, state: {} });
    expect(a.coverage[0].failed).toEqual([]);
    const want = fold(a.observations);
    expect(want.length).toBeGreaterThan(10);
    expect(want.some((l) => l.includes(' attempt '))).toBe(true);
    expect(want.every((l) => !l.includes('GetObject') && !l.includes('DescribeInstances'))).toBe(true);

    const q = await collect([{ scanner: egressQueryScanner, options: { queries: [{ engine: 'duckdb', source: 'audit', from: `read_parquet('${parquet}')` }] } }], { rules: pdRules(), now: NOW, state: {} });
    expect(q.coverage[0].failed).toEqual([]);
    expect(fold(q.observations)).toEqual(want);
    expect(q.observations[0].locator).toMatch(/^duckdb#[0-9a-f]{12}:\.\.\/2026-02-01T00:00:00\.000Z$/);
  });
});
