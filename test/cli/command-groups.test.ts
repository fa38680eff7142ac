/**
 * `shadowscan <command>` loads only the command groups that define <command> (COMMAND_TABLE in
 * src/cli/main.ts): each entry must build exactly the command tree the full program has — the
 * same subcommands, arguments and options — or running it would differ from `--help`.
 */
import { describe, expect, it } from 'vitest';
import type { Command } from 'commander';
import { buildProgram, COMMAND_TABLE, type Io } from '../../src/cli/main.js';

const io: Io = { out: () => {}, err: () => {}, isTTY: false };

function shape(c: Command): unknown {
  return {
    name: c.name(),
    aliases: c.aliases(),
    description: c.description(),
    args: c.registeredArguments.map((a) => [a.name(), a.required, a.variadic]),
    options: c.options.map((o) => [o.flags, o.description, o.defaultValue, o.mandatory, o.argChoices, o.hidden]),
    commands: c.commands.map(shape),
  };
}

describe('command groups loaded per command', () => {
  it('each COMMAND_TABLE entry builds the same command as the full program', async () => {
    const full = await buildProgram(io, { code: 0 });
    const names = Object.keys(COMMAND_TABLE);
    expect(names.length).toBeGreaterThan(10);
    for (const name of names) {
      const inFull = full.commands.find((c) => c.name() === name);
      expect(inFull, `${name} is a command of the full program`).toBeDefined();
      const sub = await buildProgram(io, { code: 0 }, name);
      const inSub = sub.commands.find((c) => c.name() === name);
      expect(inSub, `${name} is defined by its groups ${COMMAND_TABLE[name].join(', ')}`).toBeDefined();
      expect(shape(inSub!), name).toEqual(shape(inFull!));
    }
  });

  it('a name not in the table (help, a typo) builds every command', async () => {
    const full = await buildProgram(io, { code: 0 });
    for (const other of ['help', 'scna', '--help']) {
      expect((await buildProgram(io, { code: 0 }, other)).commands.map((c) => c.name())).toEqual(full.commands.map((c) => c.name()));
    }
  });
});
