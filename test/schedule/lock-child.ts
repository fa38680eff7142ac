// Child process for the lock contention test: takes a source's lock, reports, and — when it got
// it — holds it until the parent writes a line to stdin (or stdin closes), then releases.
import { acquireSourceLock } from '../../src/schedule/lock.js';
const [lockDir, source] = process.argv.slice(2);
const release = await acquireSourceLock(lockDir, source, { staleMs: 10_000 });
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
