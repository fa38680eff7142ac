/**
 * A WAL checkpoint on another thread. After a large write transaction (a commit of a million
 * findings writes ~250 MB of pages to the WAL), SQLite's automatic checkpoint copies those pages
 * into the database file inside COMMIT, on the thread that runs the commit — 1.2 s at 1M findings
 * (bench/results/commit.md). The register turns the automatic checkpoint off for such a COMMIT and
 * runs a PASSIVE checkpoint here instead, on its own connection in a worker thread, while the main
 * thread goes on (the scan's report, the next request). A PASSIVE checkpoint never blocks readers
 * or writers; whatever it cannot copy now, a later checkpoint (or the last connection's close) does.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.module);
let db;
try {
  db = new Database(workerData.file, { fileMustExist: true });
  db.pragma('busy_timeout = 5000');
  const [r] = db.pragma('wal_checkpoint(PASSIVE)');
  parentPort.postMessage({ ok: true, busy: r.busy, log: r.log, checkpointed: r.checkpointed });
} catch (e) {
  parentPort.postMessage({ ok: false, error: String(e && e.message || e) });
} finally {
  if (db) db.close();
}
`;

export interface CheckpointResult {
  ok: boolean;
  /** 1 when another checkpoint ran meanwhile (this one could not finish) */
  busy?: number;
  /** frames in the WAL, and frames copied into the database file */
  log?: number;
  checkpointed?: number;
  error?: string;
}

/** Runs `PRAGMA wal_checkpoint(PASSIVE)` on `file` in a worker thread; resolves when it is done (never rejects). */
export function checkpointInBackground(file: string): Promise<CheckpointResult> {
  const module = createRequire(import.meta.url).resolve('better-sqlite3');
  return new Promise((resolve) => {
    let result: CheckpointResult = { ok: false, error: 'checkpoint worker exited without a result' };
    const w = new Worker(WORKER, { eval: true, workerData: { file, module } });
    w.once('message', (m: CheckpointResult) => (result = m));
    w.once('error', (e) => (result = { ok: false, error: e.message }));
    w.once('exit', () => resolve(result));
  });
}
