/**
 * `shadowscan demo` (what `npm start` runs): scans the bundled demo estate — repositories, a day
 * of egress logs, audit exports and a recorded cloud account served on loopback — into a fresh
 * register file, with the demo catalog, and prints the register summary.
 */
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { scanners } from '../../../scanners/index.js';
import type { ScannerRun } from '../../collect/run.js';
import { runScan } from '../../pipeline.js';
import { toTable } from '../../report/table.js';
import { runExitCode, worseExit } from '../../collect/partial.js';
import type { Io } from '../io.js';

export const DEMO_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../../fixtures/demo');

export interface DemoSetup {
  runs: ScannerRun[];
  close: () => Promise<void>;
}

/** Builds the scanner runs for the demo estate from whichever scanners are registered. */
export async function demoRuns(dir = DEMO_DIR): Promise<DemoSetup> {
  const runs: ScannerRun[] = [];
  const closers: Array<() => Promise<void>> = [];
  const has = (id: string) => scanners.find((s) => s.id === id);
  const repoDir = join(dir, 'repos');
  const repo = has('repo');
  if (repo && existsSync(repoDir)) {
    const paths = readdirSync(repoDir).sort().map((d) => join(repoDir, d)).filter((p) => statSync(p).isDirectory());
    runs.push({ scanner: repo, options: { paths } });
  }
  const logFiles = (sub: string) => {
    const d = join(dir, sub);
    if (!existsSync(d)) return [];
    // everything but the folder's README: the demo's logs and exports
    return readdirSync(d, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile() && !/\.md$/i.test(e.name))
      .map((e) => join(e.parentPath ?? (e as unknown as { path: string }).path, e.name))
      .sort();
  };
  const egress = has('egress');
  const egressFiles = logFiles('egress');
  if (egress && egressFiles.length) runs.push({ scanner: egress, options: { paths: egressFiles } });
  const audit = has('audit-export');
  const auditFiles = logFiles('audit');
  if (audit && auditFiles.length) runs.push({ scanner: audit, options: { paths: auditFiles } });
  if (existsSync(join(dir, 'cloud')) && (has('aws') || has('azure') || has('gcp'))) {
    // a recorded cloud estate served on loopback: the real SDK clients, no credentials needed
    const { startDemoCloud } = await import('../../../scanners/aws/demo-server.js');
    const cloud = await startDemoCloud();
    const saved: Record<string, string | undefined> = {};
    for (const [k, v] of Object.entries(cloud.env)) {
      saved[k] = process.env[k];
      process.env[k] = v;
    }
    closers.push(async () => {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
      await cloud.close();
    });
    for (const id of ['aws', 'azure', 'gcp'] as const) {
      const s = has(id);
      const options = (cloud.options as Record<string, unknown>)[id];
      if (s && options) runs.push({ scanner: s, options });
    }
  }
  return { runs, close: async () => { for (const c of closers) await c(); } };
}

export function demoCommand(program: Command, io: Io, state: { code: number }): void {
  program
    .command('demo')
    .description('Scan the bundled demo estate into a fresh register (./shadowscan-demo.db) and print the summary.')
    .option('--db <file>', 'register file to (re)create', 'shadowscan-demo.db')
    .option('--keep', 'keep an existing register (a second scan of the same estate)')
    .action(async (o) => {
      if (!o.keep) for (const suffix of ['', '-wal', '-shm']) rmSync(o.db + suffix, { force: true });
      const setup = await demoRuns();
      try {
        const report = await runScan({ runs: setup.runs, catalogFile: join(DEMO_DIR, 'catalog.yaml'), db: o.db });
        io.out(toTable(report));
        state.code = worseExit(state.code, runExitCode(report.run.status, report.coverage));
        io.out(`\nRegister written to ${o.db}. Next:\n  npx shadowscan register list --db ${o.db}          # the intake queue\n  npx shadowscan register show AIR-0001 --db ${o.db} # one entry with evidence and history\n  npx shadowscan scan --help                          # scan your own repositories and logs\n`);
      } finally {
        await setup.close();
      }
    });
}
