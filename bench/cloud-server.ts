/**
 * The loopback AWS of the cloud benchmark, in its own process (as AWS is not on the scanner's
 * CPU): builds the estate from the same flags as bench/cloud.ts, prints one JSON line
 * `{"url":…,"env":{…}}`, answers a `stats` line on stdin with the request statistics as one
 * JSON line, and exits when stdin closes.
 *
 *   node bin/run-ts.mjs bench/cloud-server.ts --accounts 100 --regions 17 --latency 50 --throttle 0.1 --seed 1
 */
import { createInterface } from 'node:readline';
import { startAwsLoopback } from '../scanners/aws/loopback.js';
import { buildEstate } from './cloud-estate.js';

const args = process.argv.slice(2);
const arg = (name: string, def: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
};
const lb = await startAwsLoopback(
  buildEstate({ accounts: Number(arg('accounts', '100')), regions: Number(arg('regions', '17')), latencyMs: Number(arg('latency', '50')), throttleRate: Number(arg('throttle', '0.1')), seed: Number(arg('seed', '1'))}),
);
process.stdout.write(JSON.stringify({ url: lb.url, env: lb.env }) + '\n');
const rl = createInterface({ input: process.stdin });
rl.on('line', (l) => {
  if (l.trim() === 'stats') process.stdout.write(JSON.stringify({ requests: lb.stats.requests, throttled: lb.stats.throttled, byOp: lb.stats.byOp, cpu: process.cpuUsage() }) + '\n');
});
rl.on('close', () => void lb.close().then(() => process.exit(0)));
