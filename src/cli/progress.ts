/** A progress display on a TTY (stderr); silent when piped or --quiet. */
import cliProgress from 'cli-progress';
import type { Io } from './main.js';

export class Progress {
  private bar?: cliProgress.SingleBar;
  private current = '';
  private last = 0;
  constructor(private io: Io, private enabled: boolean) {}
  update(scanner: string, done: number, total?: number, label?: string): void {
    if (!this.enabled) return;
    const nowMs = Date.now();
    if (scanner !== this.current) {
      this.bar?.stop();
      this.current = scanner;
      this.bar = new cliProgress.SingleBar(
        { format: `${scanner.padEnd(14)} [{bar}] {value}/{total} {label}`, hideCursor: true, stream: process.stderr, clearOnComplete: true },
        cliProgress.Presets.shades_classic,
      );
      this.bar.start(total ?? 0, done, { label: '' });
    }
    if (nowMs - this.last < 80 && total !== done) return;
    this.last = nowMs;
    if (total !== undefined) this.bar!.setTotal(total);
    this.bar!.update(done, { label: (label ?? '').slice(0, 40) });
  }
  stop(): void {
    this.bar?.stop();
    this.bar = undefined;
  }
}
