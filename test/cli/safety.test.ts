/**
 * The CLI calls the safety checks before doing anything: an output that is the register (or the
 * config / catalog) is refused before the scan, and a file that is not a register is one line,
 * exit 2, for every command that reads it.
 */
import { describe, expect, it } from 'vitest';
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { main, type Io } from '../../src/cli/main.js';
import { tmpDir } from '../helpers/tmp.js';

function io(): Io & { out_: string; err_: string } {
  const x = { out_: '', err_: '', isTTY: false } as Io & { out_: string; err_: string };
  x.out = (s: string) => void (x.out_ += s);
  x.err = (s: string) => void (x.err_ += s);
  return x;
}

describe('CLI safety checks', () => {
  it('refuses an --output that is the register, before scanning, and leaves the register untouched', async () => {
    const dir = tmpDir();
    const db = join(dir, 'r.db');
    let x = io();
    expect(await main(['scan', '--egress', 'fixtures/egress/squid-access.log', '--db', db, '--quiet'], x)).toBe(0);
    const before = statSync(db).size;
    x = io();
    expect(await main(['scan', '--egress', 'fixtures/egress/squid-access.log', '--db', db, '--output', db, '--quiet'], x)).toBe(2);
    expect(x.err_).toMatch(/is the register database/);
    expect(statSync(db).size).toBe(before);
  });

  it('a garbage or truncated register file is one line, exit 2, for list / export / audit verify / diff', async () => {
    const dir = tmpDir();
    const junk = join(dir, 'junk.db');
    writeFileSync(junk, 'not a database at all, just text\n'.repeat(10));
    for (const argv of [['register', 'list'], ['register', 'export'], ['audit', 'verify'], ['diff']]) {
      const x = io();
      expect(await main([...argv, '--db', junk], x), argv.join(' ')).toBe(2);
      expect(x.err_.trim().split('\n')).toHaveLength(1);
      expect(x.err_).toMatch(/not a register database/);
    }
  });
});
