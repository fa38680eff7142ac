/**
 * The register's bulk path (`db migrate`, the web benchmark's 100k-item register): every dump in
 * one transaction — SQLite: multi-row INSERTs of one prepared shape; PostgreSQL: one INSERT per dump
 * from a JSON parameter. Into a table that is empty when the
 * load starts, the secondary indexes and the row triggers (generation counter, SQLite's full-text
 * index) are dropped first and rebuilt once at the end — one sort per index instead of a B-tree
 * insert per row and index, and one full-text rebuild instead of a trigger per row. The register's
 * generation moves once, so cached counts of the old contents are never served.
 */
import type { TableDump } from '../store.js';
import { marks, type Conn, type Dialect } from './conn.js';
import { TABLES } from './schema.js';
import { NarrowFindings } from './sqlite-findings.js';

/** Rows per INSERT statement on SQLite's bulk path (PostgreSQL takes a dump per statement, as arrays). */
const BULK_ROWS = 64;

interface Saved {
  /** DDL to run again after the load, in order (indexes first, then triggers). */
  indexes: string[];
  triggers: string[];
  drops: string[];
  /** SQLite full-text tables over a loaded table, rebuilt after the load. */
  fts: string[];
}

async function isEmpty(c: Conn, table: string): Promise<boolean> {
  return !(await c.get(`SELECT 1 AS x FROM ${table} LIMIT 1`));
}

/** The secondary indexes and row triggers of `tables`, saved and dropped. */
async function dropDerived(c: Conn, d: Dialect, tables: string[]): Promise<Saved> {
  const saved: Saved = { indexes: [], triggers: [], drops: [], fts: [] };
  if (!tables.length) return saved;
  if (d.name === 'sqlite') {
    const l = d.inList('tbl_name', tables.length);
    const rows = await c.all<{ type: string; name: string; tbl_name: string; sql: string | null }>(`SELECT type, name, tbl_name, sql FROM sqlite_master WHERE (type = 'index' OR type = 'trigger') AND sql IS NOT NULL AND ${l.sql}`, l.params(tables));
    for (const r of rows) {
      (r.type === 'index' ? saved.indexes : saved.triggers).push(r.sql!);
      saved.drops.push(`DROP ${r.type === 'index' ? 'INDEX' : 'TRIGGER'} "${r.name}"`);
    }
    // external-content FTS5 tables over a loaded table (their triggers are among those dropped)
    for (const r of await c.all<{ name: string; sql: string }>("SELECT name, sql FROM sqlite_master WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL TABLE%fts5%'")) {
      const m = /content\s*=\s*'([^']+)'/.exec(r.sql);
      if (m && tables.includes(m[1])) saved.fts.push(r.name);
    }
  } else {
    // indexes that back no constraint (primary keys and UNIQUE constraints stay: they check the copy)
    const rows = await c.all<{ name: string; def: string }>(
      `SELECT ic.relname AS name, pg_get_indexdef(ix.indexrelid) AS def
       FROM pg_index ix JOIN pg_class ic ON ic.oid = ix.indexrelid JOIN pg_class t ON t.oid = ix.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace
       WHERE n.nspname = current_schema() AND t.relname = ANY(?) AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = ix.indexrelid)`,
      [tables],
    );
    for (const r of rows) {
      saved.indexes.push(r.def);
      saved.drops.push(`DROP INDEX "${r.name}"`);
    }
  }
  for (const s of saved.drops) await c.exec(s);
  return saved;
}

async function restoreDerived(c: Conn, saved: Saved): Promise<void> {
  for (const s of saved.indexes) await c.exec(s);
  for (const t of saved.fts) await c.exec(`INSERT INTO "${t}"("${t}") VALUES('rebuild')`);
  for (const s of saved.triggers) await c.exec(s);
}

/**
 * PostgreSQL: one INSERT per dump from a single JSON parameter (json_populate_recordset over the
 * table's own row type): the statement's text stays small however many rows it carries, the rows
 * are serialised by JSON.stringify and parsed by the server — a VALUES list of 1,000 rows × 28
 * columns is parsed and planned as 28,000 parameters, and `pg` serialises each one in JavaScript.
 */
async function insertDumpPg(c: Conn, dump: TableDump): Promise<void> {
  const cols = dump.columns;
  const objs = dump.rows.map((r) => {
    const o: Record<string, unknown> = {};
    for (let x = 0; x < cols.length; x++) o[cols[x]] = r[x] ?? null;
    return o;
  });
  await c.run(`INSERT INTO ${dump.table} (${cols.join(', ')}) SELECT ${cols.join(', ')} FROM json_populate_recordset(NULL::${dump.table}, ?::json)`, [JSON.stringify(objs)]);
}

/** Inserts one dump as multi-row INSERTs: one prepared statement for every full batch, one for the rest. */
async function insertDump(c: Conn, d: Dialect, dump: TableDump): Promise<void> {
  const rows = dump.rows;
  if (!rows.length) return;
  const cols = dump.columns;
  const per = Math.max(1, Math.min(BULK_ROWS, Math.floor(d.maxParams / cols.length)));
  const one = `(${marks(cols.length)})`;
  const sql = (n: number) => `INSERT INTO ${dump.table} (${cols.join(', ')}) VALUES ${Array.from({ length: n }, () => one).join(', ')}`;
  const full = sql(per);
  for (let i = 0; i < rows.length; i += per) {
    const n = Math.min(per, rows.length - i);
    const params: unknown[] = new Array(n * cols.length);
    let k = 0;
    for (let r = i; r < i + n; r++) {
      const row = rows[r];
      for (let x = 0; x < cols.length; x++) params[k++] = row[x];
    }
    await c.run(n === per ? full : sql(n), params);
  }
}

/**
 * Loads `dumps` on `c`, which the caller holds inside one write transaction. Each dump's table is
 * checked against the register's tables; the load either lands whole or not at all.
 */
export async function bulkLoad(c: Conn, d: Dialect, dumps: Iterable<TableDump> | AsyncIterable<TableDump>): Promise<{ rows: Record<string, number> }> {
  const counted: Record<string, number> = {};
  const prepared = new Set<string>();
  const saved: Saved[] = [];
  let narrow: NarrowFindings | undefined;
  for await (const dump of dumps as AsyncIterable<TableDump>) {
    if (!(TABLES as readonly string[]).includes(dump.table)) throw new Error(`unknown table ${dump.table}`);
    if (!prepared.has(dump.table)) {
      prepared.add(dump.table);
      if (await isEmpty(c, dump.table)) saved.push(await dropDerived(c, d, [dump.table]));
    }
    if (d.name === 'postgres') {
      if (dump.rows.length) await insertDumpPg(c, dump);
    } else if (dump.table === 'findings' && d.narrowFindings) await (narrow ??= new NarrowFindings(c)).loadDump(dump.columns, dump.rows);
    else await insertDump(c, d, dump);
    counted[dump.table] = (counted[dump.table] ?? 0) + dump.rows.length;
  }
  for (const s of saved) await restoreDerived(c, s);
  // one generation step for the whole load (the per-row triggers were off while it ran)
  if (counted.items || counted.risk_entries) {
    await c.run('UPDATE register_generation SET n = n + 1 WHERE id = 1');
  }
  return { rows: counted };
}
