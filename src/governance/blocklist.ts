/**
 * Pauses on the block lists: a paused entry's service is blocked like a declined one until the
 * pause expires or a decision ends it. Every block-list format is rendered from the same plan
 * (src/intake/blocklist.ts), so a pause reaches all of them.
 */
import type { Catalog, DeclinedEntry } from '../catalog/catalog.js';
import type { RegisterOps } from '../register/store.js';
import { activePauses } from './governance.js';

/** The catalog the block lists are built from: `catalog` plus a temporary decline per active pause. */
export async function blocklistCatalog(ops: RegisterOps, catalog: Catalog, now: Date): Promise<Catalog> {
  const pauses = await activePauses(ops, now);
  if (!pauses.length) return catalog;
  const declined: DeclinedEntry[] = [...catalog.declined];
  for (const { risk, pause } of pauses) {
    if (declined.some((d) => d.service === risk.service)) continue;
    declined.push({ service: risk.service, treatment: 'avoid', rationale: `${risk.id}: paused until ${pause.until} pending a decision: ${pause.reason}`, declinedBy: pause.by, declinedOn: pause.at.slice(0, 10), block: true });
  }
  return { ...catalog, declined };
}
