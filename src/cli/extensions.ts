/**
 * Extra CLI command groups (intake, serve, token, blocklist, diff, export …) register here, so
 * each feature adds its commands without editing main.ts.
 */
import type { Command } from 'commander';
import type { Io } from './io.js';
import { demoCommand } from './commands/demo.js';
import { intakeCommand } from './commands/intake.js';
import { webCommand } from './commands/web.js';
import { scheduleCommands } from './commands/schedule.js';
import { dbCommand } from './commands/db.js';
import { governanceCommand } from './commands/governance.js';

export type CliExtension = (program: Command, io: Io, state: { code: number }) => void;

export const extensions: CliExtension[] = [
  demoCommand,
  intakeCommand,
  webCommand,
  scheduleCommands,
  dbCommand,
  governanceCommand,
];
