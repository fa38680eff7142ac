/**
 * The register's one item query, as the CLI, the web pages, the API and the exports use it:
 * one filter type (`ItemQuery`), one row type (`ItemSummary`), one status order (reconcile's
 * STATUS_SEVERITY). The statements live in the store's backends.
 */
import type { ItemStatus } from '../core/types.js';
import { STATUS_SEVERITY } from '../reconcile/reconcile.js';
import { ITEM_SORTS, QUEUE_STATUSES, type ItemQuery, type ItemSummary, type Page, type RegisterOps } from '../register/store.js';

export { COUNT_CAP } from '../register/backends/ops.js';

export type RegisterQuery = ItemQuery;
export type RegisterRow = ItemSummary;

export const QUEUE: ItemStatus[] = QUEUE_STATUSES;
export const ITEM_STATUSES: ItemStatus[] = STATUS_SEVERITY;
export const SOURCES = ['repo', 'network', 'saas', 'cloud'];
export const SORTS = ITEM_SORTS;

/** A page of the register; without a status filter, the intake queue. */
export async function queryRegister(register: Pick<RegisterOps, 'queryItems'>, f: ItemQuery = {}): Promise<Page<ItemSummary>> {
  return register.queryItems({ ...f, status: f.status ?? QUEUE, limit: f.limit ?? 50 });
}

/** Values for the filter drop-downs. */
export async function facets(register: Pick<RegisterOps, 'itemFacets'>): Promise<{ categories: string[]; owners: string[] }> {
  return register.itemFacets();
}
