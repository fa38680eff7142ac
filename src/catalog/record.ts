/**
 * The catalog of record: versions of the sanctioned catalog kept in the register. `catalog
 * import FILE` (or a scan given `--catalog` whose file differs from the stored version) appends a
 * `catalog.imported` entry to the decision log — who, when, the whole catalog, its SHA-256 and the
 * diff against the previous version — and the `catalog_versions` projection holds it. A scan
 * without `--catalog`, `serve`, `intake` and `blocklist` use the latest stored version; the intake
 * decisions in the register are merged on top (src/intake/catalog.ts).
 */
import { createHash } from 'node:crypto';
import { canonical } from '../register/audit.js';
import { appendEntry } from '../register/ledger.js';
import type { RegisterOps, RegisterStore } from '../register/store.js';
import { existsSync } from 'node:fs';
import { catalogSchema, EMPTY_CATALOG, type Catalog } from './catalog.js';

export interface CatalogVersion {
  version: number;
  sha256: string;
  catalog: Catalog;
  source?: string;
  importedBy: string;
  importedAt: string;
  diff: CatalogDiff;
}

export interface CatalogDiff {
  approved: { added: string[]; removed: string[]; changed: string[] };
  declined: { added: string[]; removed: string[]; changed: string[] };
}

const COLS = ['version', 'sha256', 'catalog', 'source', 'imported_by', 'imported_at', 'diff'];

export function catalogSha(c: Catalog): string {
  return createHash('sha256').update(canonical(c)).digest('hex');
}

function side<T>(prev: T[], next: T[], id: (x: T) => string): { added: string[]; removed: string[]; changed: string[] } {
  const a = new Map(prev.map((x) => [id(x), canonical(x)]));
  const b = new Map(next.map((x) => [id(x), canonical(x)]));
  return {
    added: [...b.keys()].filter((k) => !a.has(k)).sort(),
    removed: [...a.keys()].filter((k) => !b.has(k)).sort(),
    changed: [...b.keys()].filter((k) => a.has(k) && a.get(k) !== b.get(k)).sort(),
  };
}

/** What changed between two catalogs, by entry id (approvals) and service (declines). */
export function catalogDiff(prev: Catalog | undefined, next: Catalog): CatalogDiff {
  return {
    approved: side(prev?.approved ?? [], next.approved, (a) => a.id ?? a.service),
    declined: side(prev?.declined ?? [], next.declined, (d) => d.service),
  };
}

export function describeDiff(d: CatalogDiff): string {
  const part = (what: string, s: CatalogDiff['approved']) =>
    [s.added.length ? `+${what} ${s.added.join(', ')}` : '', s.removed.length ? `-${what} ${s.removed.join(', ')}` : '', s.changed.length ? `~${what} ${s.changed.join(', ')}` : ''].filter(Boolean);
  const out = [...part('approved', d.approved), ...part('declined', d.declined)];
  return out.length ? out.join('; ') : 'no entry changed';
}

/** The latest stored catalog version, or undefined when none was imported. */
export async function currentCatalog(ops: Pick<RegisterOps, 'projectionRows'>): Promise<CatalogVersion | undefined> {
  const rows = await ops.projectionRows('catalog_versions', COLS);
  if (!rows.length) return undefined;
  const r = rows.reduce((a, b) => (Number(b.version) > Number(a.version) ? b : a));
  return {
    version: Number(r.version),
    sha256: String(r.sha256),
    catalog: catalogSchema.parse(JSON.parse(String(r.catalog))),
    source: r.source === null ? undefined : String(r.source),
    importedBy: String(r.imported_by),
    importedAt: String(r.imported_at),
    diff: JSON.parse(String(r.diff)) as CatalogDiff,
  };
}

export interface ImportResult {
  version: number;
  changed: boolean;
  sha256: string;
  diff: CatalogDiff;
  previous?: number;
}

/** Records `catalog` as a new version unless it equals the latest one (one transaction). */
export async function importCatalog(store: RegisterStore, catalog: Catalog, opts: { actor: string; source?: string; via?: string; now?: Date }): Promise<ImportResult> {
  const sha = catalogSha(catalog);
  return store.transaction(async (tx) => {
    const cur = await currentCatalog(tx);
    if (cur && cur.sha256 === sha) return { version: cur.version, changed: false, sha256: sha, diff: catalogDiff(cur.catalog, catalog), previous: cur.version };
    const version = (cur?.version ?? 0) + 1;
    const diff = catalogDiff(cur?.catalog, catalog);
    await appendEntry(tx, {
      at: (opts.now ?? new Date()).toISOString(),
      actor: opts.actor,
      action: 'catalog.imported',
      entityType: 'catalog',
      entityId: `v${version}`,
      before: cur ? { version: cur.version, sha256: cur.sha256 } : undefined,
      after: { version, sha256: sha, catalog, source: opts.source ?? null, diff, via: opts.via ?? 'catalog import' },
      rationale: `catalog version ${version}${opts.source ? ` from ${opts.source}` : ''}${opts.via ? ` (${opts.via})` : ''}: ${describeDiff(diff)}`,
    });
    return { version, changed: true, sha256: sha, diff, previous: cur?.version };
  });
}

/**
 * The catalog a scan reconciles against. With a catalog file: the file, recorded as a new catalog
 * version when it differs from the stored one (actor `system:scan`, "via scan --catalog"). Without
 * one: the latest stored version; a register that has none yet falls back to the catalog file of
 * its latest scan run (registers from before the catalog of record), and only then to an empty
 * catalog, with a warning.
 */
export async function scanCatalog(
  store: RegisterStore,
  opts: { file?: string; loaded?: Catalog; load: (file: string) => Catalog; warn?: (msg: string) => void; now?: Date },
): Promise<{ catalog: Catalog; version?: number; imported?: ImportResult }> {
  if (opts.file) {
    const catalog = opts.loaded ?? opts.load(opts.file);
    const imported = await importCatalog(store, catalog, { actor: 'system:scan', source: opts.file, via: 'scan --catalog', now: opts.now });
    return { catalog, version: imported.version, imported };
  }
  if (opts.loaded) return { catalog: opts.loaded };
  const cur = await currentCatalog(store);
  if (cur) return { catalog: cur.catalog, version: cur.version };
  const file = await store.latestCatalogFile();
  if (file && existsSync(file)) {
    try {
      return { catalog: opts.load(file) };
    } catch {
      // a catalog file that no longer validates is not a catalog of record
    }
  }
  opts.warn?.('no catalog of record in the register (and no --catalog): every detection is judged unsanctioned — import one with `shadowscan catalog import FILE`');
  return { catalog: EMPTY_CATALOG };
}
