/**
 * Vendor detection per record and dispatch to the per-vendor parsers. Detection looks at field
 * shapes only (which keys a record has), in an order that keeps similar shapes apart.
 */
import type { AuditEvent, ParseContext, RecordParser, Vendor } from '../lib/types.js';
import type { Rec } from '../lib/util.js';
import { isCloudTrail, parseCloudTrail } from './cloudtrail.js';
import { isEntra, parseEntra } from './entra.js';
import { isGithub, parseGithub } from './github.js';
import { isGoogle, parseGoogle } from './google.js';
import { isM365, parseM365 } from './m365.js';
import { isOkta, parseOkta } from './okta.js';
import { isSlack, parseSlack } from './slack.js';

export { parseCloudTrail, parseEntra, parseGithub, parseGoogle, parseM365, parseOkta, parseSlack };

export const PARSERS: Record<Vendor, RecordParser> = {
  google: parseGoogle,
  entra: parseEntra,
  m365: parseM365,
  okta: parseOkta,
  github: parseGithub,
  slack: parseSlack,
  cloudtrail: parseCloudTrail,
};

const DETECT: Array<[Vendor, (r: Rec) => boolean]> = [
  ['cloudtrail', isCloudTrail],
  ['google', isGoogle],
  ['m365', isM365],
  ['okta', isOkta],
  ['entra', isEntra],
  ['slack', isSlack],
  ['github', isGithub],
];

export function detectVendor(rec: Rec): Vendor | undefined {
  for (const [v, test] of DETECT) if (test(rec)) return v;
  return undefined;
}

/** Parses one record: with a forced vendor, or the detected one. undefined = not an audit record we know. */
export function parseRecord(rec: Rec, vendor?: Vendor, ctx?: ParseContext): { vendor: Vendor; events: AuditEvent[] } | undefined {
  const v = vendor ?? detectVendor(rec);
  if (!v) return undefined;
  return { vendor: v, events: PARSERS[v](rec, ctx) };
}

/** Keys under which API responses and exports wrap their record arrays. */
export const ARRAY_KEYS = ['Records', 'items', 'value', 'entries', 'Events', 'events', 'logs', 'data', 'records'];
