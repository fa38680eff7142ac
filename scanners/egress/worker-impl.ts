/**
 * Egress worker: builds its own RuleIndex from the rules' plain data, then runs range / gzip
 * tasks sent by the pool. Aggregates go into one table for every range this worker parses
 * (AggTable): a task's reply carries counters and problems only; the aggregates are posted when
 * the table is full (`spill`) and when the pool asks for them (`drain`, once the ranges are done).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { RuleIndex } from '../../src/rules/compile.js';
import { AggTable, HostFilter } from './engine.js';
import { runTask, type RangeTask } from './reader.js';

const { services, modelFormats, spillAggs } = workerData as {
  services: ConstructorParameters<typeof RuleIndex>[0];
  modelFormats: ConstructorParameters<typeof RuleIndex>[1];
  spillAggs: number;
};
const rules = new RuleIndex(services, modelFormats);
const filter = new HostFilter(rules);
const table = new AggTable(spillAggs, (batches) => parentPort!.postMessage({ spill: batches }));

async function handle(msg: { id: number; task?: RangeTask; drain?: boolean }): Promise<void> {
  if (msg.drain) {
    parentPort!.postMessage({ id: msg.id, drained: table.drain() });
    return;
  }
  try {
    const result = await runTask(msg.task!, rules, filter, undefined, table);
    parentPort!.postMessage({ id: msg.id, result });
  } catch (e) {
    parentPort!.postMessage({ id: msg.id, error: (e as Error).message });
  }
}

// one message at a time, in order: a drain never overtakes a task
let chain: Promise<void> = Promise.resolve();
parentPort!.on('message', (msg: { id: number; task?: RangeTask; drain?: boolean }) => {
  chain = chain.then(() => handle(msg));
});
parentPort!.postMessage({ ready: true });
