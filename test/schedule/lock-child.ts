// Child process for the lock contention test: takes a source's lock, reports, holds, releases.
import { acquireSourceLock } from '../../src/schedule/lock.js';
const [lockDir, source, holdMs] = process.argv.slice(2);
const release = await acquireSourceLock(lockDir, source, { staleMs: 10_000 });
process.stdout.write(release ? 'acquired\n' : 'busy\n');
if (release) {
  await new Promise((r) => setTimeout(r, Number(holdMs)));
  await release();
  process.stdout.write('released\n');
}
