/**
 * Extra CLI command groups (intake, serve, token, blocklist, diff, export …) register here, so
 * each feature adds its commands without editing main.ts.
 */
import type { Command } from 'commander';
import type { Io } from './main.js';
import { demoCommand } from './demo.js';
import { intakeCommand } from '../intake/cli.js';
import { webCommand } from '../web/cli.js';
import { scheduleCommands } from '../schedule/cli.js';
import { dbCommand } from './commands/db.js';

export type CliExtension = (program: Command, io: Io, state: { code: number }) => void;

export const extensions: CliExtension[] = [
  demoCommand,
  intakeCommand,
  webCommand,
  scheduleCommands,
  dbCommand,
];
