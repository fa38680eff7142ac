/**
 * After a large write transaction, the WAL is copied into the database file by a worker thread
 * (src/register/backends/sqlite-checkpoint.ts), not inside COMMIT on the committing thread.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Finding } from '../../src/core/types.js';
import { SqliteStore } from '../../src/register/backends/sqlite.js';
import { checkpointInBackground } from '../../src/register/backends/sqlite-checkpoint.js';
import { tmpDir } from '../helpers/tmp.js';

const finding = (i: number, note = 200): Finding =>
  ({
    id: `f${String(i).padStart(8, '0')}`,
    service: 'beta-ai',
    serviceName: 'Beta',
    vendor: 'Beta Inc',
    category: 'assistant',
    source: 'network',
    scanner: 'egress',
    kind: 'host',
    value: 'app.beta-notes.test',
    signal: 'usage',
    confidence: 'inferred',
    subject: { kind: 'user', id: `user${i}` },
    locator: `proxy.log:${i}`,
    match: { rule: 'domain', pattern: 'app.beta-notes.test' },
    attrs: { note: 'x'.repeat(note) },
  }) as Finding;

async function write(store: SqliteStore, n: number, note?: number) {
  const rows = Array.from({ length: n }, (_, i) => ({ finding: finding(i, note), itemId: 'svc-beta-ai', unit: null, status: 'unsanctioned', statusReason: 'r' }));
  await store.transaction((tx) => tx.upsertFindings({ length: n, at: (i) => rows[i] }, 'run-1', '2026-11-01T00:00:00.000Z'));
}

describe('background WAL checkpoint', () => {
  const threshold = SqliteStore.backgroundCheckpointChanges;
  afterEach(() => {
    SqliteStore.backgroundCheckpointChanges = threshold;
  });

  it('a large transaction commits without copying the WAL; a worker copies it while the store stays open', async () => {
    SqliteStore.backgroundCheckpointChanges = 2_000;
    const file = join(tmpDir(), 'r.db');
    const store = await SqliteStore.open(file);
    const size0 = statSync(file).size;
    // 5,000 rows of ~2 KB: past the automatic checkpoint's 1,000 pages, which would copy them inside COMMIT
    await write(store, 5_000, 2_000);
    // right after COMMIT: the pages are in the WAL, the database file has not grown
    const atCommit = statSync(file).size;
    expect(statSync(`${file}-wal`).size).toBeGreaterThan(1_000_000);
    await store.checkpointsDone();
    expect(store.lastCheckpoint).toMatchObject({ ok: true });
    expect(store.lastCheckpoint!.checkpointed).toBe(store.lastCheckpoint!.log);
    expect(store.lastCheckpoint!.log).toBeGreaterThan(200);
    expect(atCommit).toBe(size0);
    expect(statSync(file).size).toBeGreaterThan(size0 + 1_000_000);
    expect((await store.listFindings()).length).toBe(5_000);
    await store.close();
  });

  it('a small commit right after a large one leaves the copying to the worker (no second, inline checkpoint)', async () => {
    SqliteStore.backgroundCheckpointChanges = 2_000;
    const file = join(tmpDir(), 'r.db');
    const store = await SqliteStore.open(file);
    await write(store, 5_000, 2_000);
    const atCommit = statSync(file).size;
    // a small transaction with the WAL past 1,000 pages: SQLite's automatic checkpoint would run in its COMMIT
    await store.transaction((tx) => tx.setState({ egress: { offset: 1 } }, '2026-11-01T00:00:01.000Z'));
    expect(statSync(file).size).toBe(atCommit);
    await store.checkpointsDone();
    expect(store.lastCheckpoint).toMatchObject({ ok: true, busy: 0 });
    expect(store.lastCheckpoint!.checkpointed).toBe(store.lastCheckpoint!.log);
    expect(statSync(file).size).toBeGreaterThan(atCommit + 1_000_000);
    await store.close();
  });

  it('a small transaction keeps SQLite checkpointing inline: no worker', async () => {
    const file = join(tmpDir(), 'r.db');
    const store = await SqliteStore.open(file);
    // 3,000 rows of ~2 KB: past the automatic checkpoint's 1,000 pages, under the threshold
    await write(store, 3_000, 2_000);
    await store.checkpointsDone();
    expect(store.lastCheckpoint).toBeUndefined();
    // the automatic checkpoint ran inside COMMIT (the WAL passed 1,000 pages): the rows are in the file
    expect(statSync(file).size).toBeGreaterThan(1_000_000);
    await store.close();
  });

  it('a checkpoint that cannot run says why and never throws (the register is not touched)', async () => {
    const r = await checkpointInBackground(join(tmpDir(), 'gone', 'r.db'));
    expect(r.ok).toBe(false);
    expect(r.error).toMatch(/directory does not exist|unable to open/);
  });
});
