// Child process for the lock contention test: takes a source's lease in the register, reports, and — when it got
// it — holds it until the parent writes a line to stdin (or stdin closes), then releases.
import { openRegister } from '../../src/register/register.js';
import { acquireSourceLock } from '../../src/schedule/lock.js';
const [db, source] = process.argv.slice(2);
const store = await openRegister(db);
const release = await acquireSourceLock(store, source, { ttlMs: 10_000 });
process.stdout.write(release ? 'acquired\n' : 'busy\n');
if (release) {
  await new Promise<void>((r) => {
    process.stdin.once('data', () => r());
    process.stdin.once('end', () => r());
  });
  await release();
  process.stdout.write('released\n');
}
process.stdin.destroy();
await store.close();
