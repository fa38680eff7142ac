// A fresh SQLite file with the register's own write settings (src/register/backends/sqlite.ts):
// WAL, synchronous NORMAL, a 128 MiB page cache, temporary b-trees in memory and, with `mmap`,
// memory-mapped reads — so the commit benchmark's yardsticks store rows as the register does.
import Database from 'better-sqlite3';
import { rmSync } from 'node:fs';

/** Removes a SQLite file and its WAL / shared-memory files. */
export function removeDb(file) {
  for (const s of ['', '-wal', '-shm']) rmSync(file + s, { force: true });
}

export function freshDb(file, { mmap = false } = {}) {
  removeDb(file);
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('cache_size = -131072');
  db.pragma('temp_store = MEMORY');
  if (mmap) db.pragma('mmap_size = 1073741824');
  return db;
}
