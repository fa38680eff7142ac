/**
 * Repo worker thread: builds its own RuleIndex from the rules' plain data, then scans the batches
 * of files the pool sends (synchronous reads, scanFile) and posts back each file's events — the
 * batches it claims first (pool.ts: every batch goes to every worker).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { RuleIndex } from '../../src/rules/compile.js';
import { parsers } from './parsers/index.js';
import { claim, type WireJob, type WireSubject, type WorkerInit } from './pool.js';
import { scanFile, type JobSubject } from './scan.js';

const init = workerData as WorkerInit;
const rules = new RuleIndex(init.services, init.modelFormats);
const subjects: JobSubject[] = [];
const claims = new Int32Array(init.claims);

interface BatchMessage {
  id: number;
  lane: number;
  from: number;
  subjects: WireSubject[];
  jobs: WireJob[];
}

/** Scans a batch if no other thread has claimed it (every batch comes to every worker). */
function scanBatch(m: BatchMessage): void {
  try {
    if (!claim(claims, m.id, init.me)) return;
    const result = m.jobs.map((j) => scanFile({ s: subjects[j.si], f: j.f, includedFrom: j.includedFrom }, rules, init.maxFileBytes, parsers, undefined, init.prefilter));
    parentPort!.postMessage({ id: m.id, result });
  } catch (e) {
    parentPort!.postMessage({ id: m.id, error: (e as Error).message });
  }
}

/** The other lane's batches, in order, until no own-lane message is pending. */
const later: BatchMessage[] = [];
let draining = false;
function drain(): void {
  const m = later.shift();
  if (m) scanBatch(m);
  if ((draining = later.length > 0)) setImmediate(drain);
}

parentPort!.on('message', (m: BatchMessage) => {
  m.subjects.forEach((w, k) => {
    subjects[m.from + k] = { subject: w.subject, prefix: w.prefix, pyModules: new Map(w.pyModules.map(([d, names]) => [d, new Set(names)])) };
  });
  if (m.lane === init.lane) return scanBatch(m);
  later.push(m);
  if (!draining) {
    draining = true;
    setImmediate(drain);
  }
});
parentPort!.postMessage({ ready: true });
