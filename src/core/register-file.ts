/**
 * Is this file a register database at all? Checked from the file's bytes before SQLite opens it,
 * so `register list`, `export`, `diff`, `audit verify` … on a garbage, truncated or wrong file
 * exit 2 with one line instead of a stack trace. (SQLite file format: a 100-byte header starting
 * `SQLite format 3\0`; page size at offset 16; the in-header page count at 28, valid when the
 * version-valid-for number at 92 equals the change counter at 24.)
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { UsageError } from './errors.js';

const MAGIC = Buffer.from('SQLite format 3\0', 'latin1');

/**
 * Throws a one-line UsageError when `path` is not a readable SQLite database: missing (when
 * `mustExist`), a folder, empty, not SQLite, or shorter than its header says (truncated).
 * A missing or empty file is fine for a command that creates the register (`scan`).
 */
export function checkRegisterFile(path: string, opts: { mustExist?: boolean } = {}): void {
  if (path === ':memory:') return;
  let size: number;
  try {
    const st = statSync(path);
    if (st.isDirectory()) throw new UsageError(`${path}: is a folder, not a register database (--db FILE)`);
    size = st.size;
  } catch (e) {
    if (e instanceof UsageError) throw e;
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      if (opts.mustExist) throw new UsageError(`${path}: no such register database (run \`shadowscan scan --db ${path}\` first)`);
      return;
    }
    throw new UsageError(`${path}: cannot read the register database: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  if (size === 0) {
    if (opts.mustExist) throw new UsageError(`${path}: empty file, not a register database`);
    return;
  }
  const head = Buffer.alloc(100);
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    readSync(fd, head, 0, 100, 0);
  } catch (e) {
    throw new UsageError(`${path}: cannot read the register database: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  if (size < 100 || !head.subarray(0, 16).equals(MAGIC)) throw new UsageError(`${path}: not a register database (not an SQLite file)`);
  const raw = head.readUInt16BE(16);
  const pageSize = raw === 1 ? 65536 : raw;
  if (pageSize < 512 || pageSize > 65536 || (pageSize & (pageSize - 1)) !== 0) throw new UsageError(`${path}: damaged register database (invalid page size ${raw} in its header)`);
  const pages = head.readUInt32BE(28);
  const valid = head.readUInt32BE(92) === head.readUInt32BE(24);
  if (size % pageSize !== 0 || (valid && pages > 0 && size < pages * pageSize)) {
    throw new UsageError(`${path}: damaged register database: ${size} bytes, its header says ${valid ? pages * pageSize : `pages of ${pageSize}`} bytes (truncated or cut copy)`);
  }
}
