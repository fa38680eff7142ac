/**
 * The CLI: a thin shell over the library (src/index.ts). Each command group lives in
 * src/cli/commands/; this file builds the program and maps errors to exit codes.
 */
import { Command, CommanderError } from 'commander';
import { isKnownError } from '../core/errors.js';
import { VERSION } from '../pipeline.js';
import { extensions } from './extensions.js';
import { auditCommands } from './commands/audit.js';
import { catalogCommands } from './commands/catalog.js';
import { registerCommands } from './commands/register.js';
import { rulesCommands } from './commands/rules.js';
import { scanCommand } from './commands/scan.js';
import { defaultIo, oneLineUsage, type Io } from './io.js';

export { checkOutputPath, failOnMatches, oneLineUsage, scannedNothing, type Io } from './io.js';

export function buildProgram(io: Io = defaultIo, state: { code: number } = { code: 0 }): Command {
  const program = new Command('shadowscan')
    .description('Find shadow AI across code, egress logs, SaaS audit logs and cloud accounts; keep an ISO/IEC 42001-style AI risk register.')
    .version(VERSION)
    .configureOutput({ writeOut: io.out, writeErr: io.err, outputError: (message, write) => write(oneLineUsage(message)) })
    .exitOverride();

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
  const program = buildProgram(io, state);
  try {
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
