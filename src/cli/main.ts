/**
 * The CLI: a thin shell over the library (src/index.ts). Each command group lives in
 * src/cli/commands/; this file builds the program and maps errors to exit codes.
 *
 * Start-up: this module imports only commander and io.ts. The command modules (and through them
 * the pipeline, the register, the scanners) are imported when the program is built, so
 * `--version` loads none of them; heavy libraries (cloud SDKs, pg, the web server, query engines)
 * are imported by the code that uses them, when it runs.
 */
import { createRequire } from 'node:module';
import { Command, CommanderError } from 'commander';
import { isKnownError } from '../core/errors.js';
import { defaultIo, oneLineUsage, type Io } from './io.js';

export { checkOutputPath, failOnMatches, oneLineUsage, scannedNothing, type Io } from './io.js';

/** The package version (package.json), read without loading the pipeline. */
export function version(): string {
  return (createRequire(import.meta.url)('../../package.json') as { version: string }).version;
}

const VERSION_FLAGS = new Set(['-V', '--version']);

export async function buildProgram(io: Io = defaultIo, state: { code: number } = { code: 0 }): Promise<Command> {
  const program = new Command('shadowscan')
    .description('Find shadow AI across code, egress logs, SaaS audit logs and cloud accounts; keep an ISO/IEC 42001-style AI risk register.')
    .version(version())
    .configureOutput({ writeOut: io.out, writeErr: io.err, outputError: (message, write) => write(oneLineUsage(message)) })
    .exitOverride();

  const [{ scanCommand }, { registerCommands }, { catalogCommands }, { rulesCommands }, { auditCommands }, { extensions }] = await Promise.all([
    import('./commands/scan.js'),
    import('./commands/register.js'),
    import('./commands/catalog.js'),
    import('./commands/rules.js'),
    import('./commands/audit.js'),
    import('./extensions.js'),
  ]);
  scanCommand(program, io, state);
  registerCommands(program, io, state);
  catalogCommands(program, io, state);
  rulesCommands(program, io, state);
  auditCommands(program, io, state);
  for (const ext of extensions) ext(program, io, state);
  return program;
}

export async function main(argv: string[], io: Io = defaultIo): Promise<number> {
  const state = { code: 0 };
  // `shadowscan --version` (alone, as commander would read it) needs no command module
  if (argv.length === 1 && VERSION_FLAGS.has(argv[0])) {
    io.out(`${version()}\n`);
    return 0;
  }
  try {
    const program = await buildProgram(io, state);
    await program.parseAsync(argv, { from: 'user' });
    return state.code;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return 0;
      return 2;
    }
    if (isKnownError(e)) {
      io.err(`shadowscan: ${e.message.split('\n').join('\nshadowscan: ')}\n`);
      return 2;
    }
    io.err(`shadowscan: internal error: ${(e as Error)?.stack ?? e}\n`);
    return 3;
  }
}
