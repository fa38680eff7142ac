// The commit benchmark's yardstick: a bare better-sqlite3 loop that inserts the same finding rows
// (SQLite's narrow rows since migration 1000: finding_rows as stored, the small shape / verdict /
// commit tables left out — the commit writes a handful of those)
// (read from the register the CLI just wrote, in its rowid order: the order the commit inserted
// them) into a fresh file with the same findings table and indexes and the register's page cache,
// in one transaction, through one prepared statement. Prints the insert loop's time — and, as the
// floor under it, SQLite alone: the same rows copied by one INSERT … SELECT from the attached
// register into another fresh file with the same table, indexes and page cache (no JavaScript
// per row: what the engine itself costs to store these rows). It also times reading the rows
// (one `SELECT *` iterated as arrays, nothing kept): the yardstick of a re-scan, which reads every
// active finding back.
//   node bench/commit-yardstick.mjs FROM.db TO.db
import Database from 'better-sqlite3';
import { freshDb, removeDb } from './sqlite-file.mjs';

const [from, to] = process.argv.slice(2);
const src = new Database(from, { readonly: true });
// the table the rows are stored in: finding_rows since migration 1000 (findings is a view over it
// and its shape / verdict / commit tables), findings in registers before it
const table = src.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'finding_rows'").pluck().get() ?? 'findings';
const ddl = src.prepare("SELECT sql FROM sqlite_master WHERE tbl_name = ? AND sql IS NOT NULL ORDER BY type DESC").pluck().all(table);
// the yardstick of a re-scan, which reads every active finding back: one pass over the rows as
// arrays, each value touched, nothing kept (keeping a million arrays is the collector's work, not the read's)
const r0 = performance.now();
const rc0 = process.cpuUsage();
let touched = 0;
for (const r of src.prepare('SELECT * FROM findings').raw(true).iterate()) touched += r.length;
const rc = process.cpuUsage(rc0);
const readMs = performance.now() - r0;
const viewCols = src.prepare('SELECT * FROM findings LIMIT 1').raw().get()?.length ?? 0;
const rows = src.prepare(`SELECT * FROM ${table} ORDER BY rowid`).raw().all();
if (touched !== rows.length * viewCols) throw new Error('the read pass saw other rows');
src.close();
const fresh = (file) => {
  const db = freshDb(file, { mmap: true });
  for (const s of ddl) db.exec(s);
  return db;
};
const db = fresh(to);
const t0 = performance.now();
const c0 = process.cpuUsage();
const st = db.prepare(`INSERT INTO ${table} VALUES (${rows[0].map(() => '?').join(', ')})`);
db.exec('BEGIN');
for (const r of rows) st.run(r);
db.exec('COMMIT');
db.close();
const c = process.cpuUsage(c0);
const ms = performance.now() - t0;
const floor = fresh(`${to}.sql`);
floor.prepare('ATTACH ? AS src').run(from);
const t1 = performance.now();
const c1 = process.cpuUsage();
floor.exec('BEGIN');
floor.exec(`INSERT INTO main.${table} SELECT * FROM src.${table} ORDER BY rowid`);
floor.exec('COMMIT');
const c2 = process.cpuUsage(c1);
const sqlMs = performance.now() - t1;
const copied = floor.prepare(`SELECT COUNT(*) FROM main.${table}`).pluck().get();
floor.close();
removeDb(`${to}.sql`);
if (copied !== rows.length) throw new Error(`SQLite alone copied ${copied} rows, not ${rows.length}`);
console.log(JSON.stringify({ rows: rows.length, ms, cpuMs: (c.user + c.system) / 1000, sqlMs, sqlCpuMs: (c2.user + c2.system) / 1000, readMs, readCpuMs: (rc.user + rc.system) / 1000 }));
