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

type Registrar = (program: Command, io: Io, state: { code: number }) => void;

const COMMAND_GROUPS = {
  scan: () => import('./commands/scan.js').then((m) => m.scanCommand as Registrar),
  register: () => import('./commands/register.js').then((m) => m.registerCommands as Registrar),
  catalog: () => import('./commands/catalog.js').then((m) => m.catalogCommands as Registrar),
  rules: () => import('./commands/rules.js').then((m) => m.rulesCommands as Registrar),
  audit: () => import('./commands/audit.js').then((m) => m.auditCommands as Registrar),
  demo: () => import('./commands/demo.js').then((m) => m.demoCommand as Registrar),
  intake: () => import('./commands/intake.js').then((m) => m.intakeCommand as Registrar),
  web: () => import('./commands/web.js').then((m) => m.webCommand as Registrar),
  schedule: () => import('./commands/schedule.js').then((m) => m.scheduleCommands as Registrar),
  db: () => import('./commands/db.js').then((m) => m.dbCommand as Registrar),
  governance: () => import('./commands/governance.js').then((m) => m.governanceCommand as Registrar),
};

/**
 * Top-level command → the command groups that define it (in registration order; `intake` adds
 * subcommands to `catalog`). Running one command loads only its groups' modules; `--help`, an
 * unknown command or one missing here loads every group. test/cli/command-groups.test.ts checks
 * that each entry builds exactly the command the full program has.
 */
export const COMMAND_TABLE: Record<string, Array<keyof typeof COMMAND_GROUPS>> = {
  scan: ['scan'],
  register: ['register'],
  catalog: ['catalog', 'intake'],
  rules: ['rules'],
  audit: ['audit'],
  demo: ['demo'],
  intake: ['intake'],
  blocklist: ['intake'],
  serve: ['web'],
  user: ['web'],
  token: ['web'],
  schedule: ['schedule'],
  diff: ['schedule'],
  export: ['schedule'],
  db: ['db'],
  governance: ['governance'],
};

/**
 * The program with every command (`only` unset), or with the groups that define top-level command
 * `only` (see COMMAND_TABLE). Command modules are imported here, not at start-up.
 */
export async function buildProgram(io: Io = defaultIo, state: { code: number } = { code: 0 }, only?: string): Promise<Command> {
  const program = new Command('shadowscan')
    .description('Find shadow AI across code, egress logs, SaaS audit logs and cloud accounts; keep an ISO/IEC 42001-style AI risk register.')
    .version(version())
    .configureOutput({ writeOut: io.out, writeErr: io.err, outputError: (message, write) => write(oneLineUsage(message)) })
    .exitOverride();

  const groups = only !== undefined && Object.hasOwn(COMMAND_TABLE, only) ? COMMAND_TABLE[only] : undefined;
  if (groups) {
    for (const register of await Promise.all(groups.map((g) => COMMAND_GROUPS[g]()))) register(program, io, state);
    return program;
  }
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
    const program = await buildProgram(io, state, argv[0]);
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
