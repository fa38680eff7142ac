// What storing a commit's finding rows costs SQLite itself, for the rows as they are and for a
// narrower row — the measurements behind the commit target (issue 12: 1M findings in ≤ 10 s).
// Input: a register the commit benchmark wrote (bench/.data/commit-bench.db after
// `node bin/run-ts.mjs bench/commit.ts`). Each variant copies its 1M finding rows into a fresh
// file with the register's pragmas (WAL, synchronous NORMAL, 128 MiB page cache, temp_store
// MEMORY), in one transaction, either by one INSERT … SELECT from a temporary table holding the
// variant's rows (SQLite alone: no JavaScript per row) or by a better-sqlite3 loop binding one row at a time (as the commit
// does). Prints a Markdown table.
//   node bench/commit-floor.mjs [FROM.db] [--out bench/results/commit-floor.md]
import Database from 'better-sqlite3';
import { writeFileSync } from 'node:fs';
import { freshDb, removeDb } from './sqlite-file.mjs';
import { cpus, loadavg } from 'node:os';

const args = process.argv.slice(2);
const out = args.includes('--out') ? args[args.indexOf('--out') + 1] : null;
const from = args.find((a, i) => !a.startsWith('--') && args[i - 1] !== '--out') ?? 'bench/.data/commit-bench.db';
const to = `${from}.floor`;

const src = new Database(from, { readonly: true });
// the wide table the register had before migration 1000 (and PostgreSQL has): from the file when it
// still has it, else from the findings view's columns with the indexes that table had
const wide = src.prepare("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'findings'").pluck().get();
const viewCols = Object.keys(src.prepare('SELECT * FROM findings LIMIT 1').get() ?? {});
const table = wide ?? `CREATE TABLE findings (${viewCols.map((c) => (c === 'id' ? 'id TEXT PRIMARY KEY' : c)).join(', ')})`;
const indexes = wide
  ? src.prepare("SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'findings' AND sql IS NOT NULL").pluck().all()
  : ['CREATE INDEX findings_item ON findings(item_id)', 'CREATE INDEX findings_last_scan ON findings(last_scan_id, scanner)', "CREATE INDEX findings_presence ON findings(scanner) WHERE state = 'active' AND signal <> 'usage'"];
// the narrow rows as the register stores them now (migration 1000), when the file has them
const rowsTable = src.prepare("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'finding_rows'").pluck().get();
const rowsIndexes = src.prepare("SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'finding_rows' AND sql IS NOT NULL").pluck().all();
const n = src.prepare('SELECT COUNT(*) FROM findings').pluck().get();
const bytes = src.prepare('SELECT AVG(LENGTH(CAST(id AS BLOB)) + LENGTH(CAST(data AS BLOB)) + LENGTH(CAST(locator AS BLOB)) + IFNULL(LENGTH(CAST(unit AS BLOB)), 0)) FROM findings').pluck().get();
src.close();

// The narrow row: the columns that differ from finding to finding, the rest (service, source,
// scanner, kind, signal, confidence, subject kind, status, reason, the run's ids and times) as one
// small integer per shape and per scan, `unit` only where the locator does not begin with it, and
// `data` only the per-finding part (attrs …), the per-service part kept once per shape.
const NARROW = (pk) => `CREATE TABLE findings (${pk}, item_id TEXT NOT NULL, shape INTEGER NOT NULL, value TEXT NOT NULL, subject_id TEXT NOT NULL, subject_name TEXT, locator TEXT NOT NULL, count INTEGER NOT NULL, bytes_out INTEGER, bytes_in INTEGER, seen_first TEXT, seen_last TEXT, first_scan INTEGER NOT NULL, last_scan INTEGER NOT NULL, state INTEGER NOT NULL, gone_at TEXT, data TEXT NOT NULL)`;
const NARROW_INDEXES = ['CREATE INDEX findings_item ON findings(item_id)', 'CREATE INDEX findings_last_scan ON findings(last_scan)'];
const NARROW_SELECT = `id, item_id, 7, value, subject_id, subject_name, CASE WHEN unit IS NOT NULL AND substr(locator, 1, length(unit)) = unit THEN substr(locator, length(unit) + 1) ELSE locator END, count, bytes_out, bytes_in, seen_first, seen_last, 12, 12, 0, gone_at, IFNULL(data ->> '$.attrs', '{}')`;

const variants = [
  ...(rowsTable
    ? [
        { name: 'as stored now (finding_rows, migration 1000), SQLite alone', ddl: [rowsTable, ...rowsIndexes], select: '*', from: 'finding_rows', into: 'finding_rows' },
        { name: 'as stored now (finding_rows, migration 1000), better-sqlite3 loop', ddl: [rowsTable, ...rowsIndexes], select: '*', from: 'finding_rows', into: 'finding_rows', loop: true },
      ]
    : []),
  { name: "wide row (PostgreSQL's table; SQLite's before migration 1000), SQLite alone", ddl: [table, ...indexes], select: '*' },
  { name: 'wide row, better-sqlite3 loop', ddl: [table, ...indexes], select: '*', loop: true },
  { name: 'wide row, no index on id, SQLite alone', ddl: [table.replace(/\bid TEXT PRIMARY KEY\b/, 'id TEXT NOT NULL'), ...indexes], select: '*' },
  { name: 'narrow row (17 columns), SQLite alone', ddl: [NARROW('id TEXT PRIMARY KEY'), ...NARROW_INDEXES], select: NARROW_SELECT },
  { name: 'narrow row, better-sqlite3 loop', ddl: [NARROW('id TEXT PRIMARY KEY'), ...NARROW_INDEXES], select: NARROW_SELECT, loop: true },
  { name: 'narrow row, no index on id, SQLite alone', ddl: [NARROW('id TEXT NOT NULL'), ...NARROW_INDEXES], select: NARROW_SELECT },
];

const fresh = () => freshDb(to);

const results = [];
for (const v of variants) {
  const db = fresh();
  for (const s of v.ddl) db.exec(s);
  db.prepare('ATTACH ? AS src').run(from);
  // the variant's rows are made before the clock starts (as the commit has them in memory): a
  // temporary table for SQLite alone, arrays for the loop
  db.exec(`CREATE TEMP TABLE x AS SELECT ${v.select} FROM src.${v.from ?? 'findings'} ${v.from ? 'ORDER BY rowid' : ''}`);
  const sql = 'SELECT * FROM temp.x ORDER BY rowid';
  const rows = v.loop ? db.prepare(sql).raw(true).all() : null;
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  db.exec('BEGIN');
  if (rows) {
    const st = db.prepare(`INSERT INTO main.${v.into ?? 'findings'} VALUES (${rows[0].map(() => '?').join(', ')})`);
    for (const r of rows) st.run(r);
  } else db.exec(`INSERT INTO main.${v.into ?? 'findings'} ${sql}`);
  db.exec('COMMIT');
  const c = process.cpuUsage(c0);
  const ms = performance.now() - t0;
  const stored = db.prepare(`SELECT COUNT(*) FROM main.${v.into ?? 'findings'}`).pluck().get();
  db.close();
  if (stored !== n) throw new Error(`${v.name}: stored ${stored} rows, not ${n}`);
  results.push({ name: v.name, ms, cpu: (c.user + c.system) / 1000 });
  process.stderr.write(`${v.name}: ${(ms / 1000).toFixed(1)} s wall, ${((c.user + c.system) / 1e6).toFixed(1)} s CPU\n`);
}
removeDb(to);

const md = `## What storing 1M finding rows costs SQLite (the floor under the commit)

Command: \`node bench/commit-floor.mjs ${from}\` (after \`node bin/run-ts.mjs bench/commit.ts\`), run ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC on ${cpus().length} × ${cpus()[0]?.model.trim()}, Node ${process.version}; load average at the end ${loadavg().map((x) => x.toFixed(1)).join(', ')}.
Input: the ${n.toLocaleString('en')} finding rows the commit benchmark's CLI wrote (id + data + locator + unit: ${bytes.toFixed(0)} bytes a row on average). Each variant stores them into a fresh file with the register's pragmas, in one transaction; "SQLite alone" is one \`INSERT … SELECT\` from a temporary table holding the variant's rows (no JavaScript per row), "better-sqlite3 loop" binds one row at a time as the commit does; either way the variant's rows are made before the clock starts.

| Variant | wall s | CPU s |
|---|---:|---:|
${results.map((r) => `| ${r.name} | ${(r.ms / 1000).toFixed(1)} | ${(r.cpu / 1000).toFixed(1)} |`).join('\n')}
`;
if (out) writeFileSync(out, md);
process.stdout.write(md);
