/**
 * Egress worker: builds its own RuleIndex from the rules' plain data, then runs range / gzip
 * tasks sent by the pool and posts back plain results (aggregates, counters, problems).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { RuleIndex } from '../../src/rules/compile.js';
import { HostFilter } from './engine.js';
import { runTask, type RangeTask } from './reader.js';

const { services, modelFormats } = workerData as { services: ConstructorParameters<typeof RuleIndex>[0]; modelFormats: ConstructorParameters<typeof RuleIndex>[1] };
const rules = new RuleIndex(services, modelFormats);
const filter = new HostFilter(rules);

parentPort!.on('message', async (msg: { id: number; task: RangeTask }) => {
  try {
    const result = await runTask(msg.task, rules, filter);
    parentPort!.postMessage({ id: msg.id, result });
  } catch (e) {
    parentPort!.postMessage({ id: msg.id, error: (e as Error).message });
  }
});
parentPort!.postMessage({ ready: true });
