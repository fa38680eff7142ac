// One scheduled runner for the many-runners test: for every source (in this runner's own order) it
// claims the schedule tick, takes the source's lease, scans the source's log into the shared
// register and releases — what `schedule run` does per job, through the same library calls.
import { join } from 'node:path';
import { runScan } from '../../src/pipeline.js';
import { openRegister } from '../../src/register/register.js';
import { acquireSourceLock, HOLDER } from '../../src/schedule/lock.js';
import { scannerById } from '../../scanners/index.js';

const [db, ticksArg, dir, ...sources] = process.argv.slice(2);
const ticks = ticksArg.split(',');
const store = await openRegister(db, { poolSize: 3 });
const egress = scannerById('egress')!;
for (const tick of ticks) {
  for (const s of sources) {
    if (!(await store.claimTick(s, tick, HOLDER))) continue;
    const release = await acquireSourceLock(store, s, { waitMs: 120_000 });
    if (!release) throw new Error(`lease for ${s} not obtained`);
    try {
      const r = await runScan({ runs: [{ scanner: egress, options: { paths: [join(dir, `${s}.log`)] } }], source: s, leaseHeld: true, db: store, now: new Date(tick) });
      process.stdout.write(`scanned ${s} ${tick} ${r.summary.status} ${r.run.id}\n`);
    } finally {
      await release();
    }
  }
}
await store.close();
