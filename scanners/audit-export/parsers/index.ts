/**
 * Vendor detection per record and dispatch to the per-vendor parsers. Detection looks at field
 * shapes only (which keys a record has), in an order that keeps similar shapes apart.
 */
import type { AuditEvent, ParseContext, RecordParser, Vendor } from '../lib/types.js';
import type { Rec } from '../lib/util.js';
import { isAnthropic, parseAnthropic } from './anthropic.js';
import { isAzureOpenAi, parseAzureOpenAi } from './azure-openai.js';
import { isBedrock, parseBedrock } from './bedrock.js';
import { isCloudTrail, parseCloudTrail } from './cloudtrail.js';
import { isEntra, parseEntra } from './entra.js';
import { isGithub, parseGithub } from './github.js';
import { isGoogle, parseGoogle } from './google.js';
import { isM365, parseM365 } from './m365.js';
import { isOkta, parseOkta } from './okta.js';
import { isOpenAi, parseOpenAi } from './openai.js';
import { isSlack, parseSlack } from './slack.js';

export { parseAnthropic, parseAzureOpenAi, parseBedrock, parseCloudTrail, parseEntra, parseGithub, parseGoogle, parseM365, parseOkta, parseOpenAi, parseSlack };

export const PARSERS: Record<Vendor, RecordParser> = {
  google: parseGoogle,
  entra: parseEntra,
  m365: parseM365,
  okta: parseOkta,
  github: parseGithub,
  slack: parseSlack,
  cloudtrail: parseCloudTrail,
  bedrock: parseBedrock,
  'azure-openai': parseAzureOpenAi,
  openai: parseOpenAi,
  anthropic: parseAnthropic,
};

/**
 * The AI platforms' own logs come first: each is recognised by a marker no other vendor's record
 * carries (Bedrock `schemaType`, a Cognitive Services `resourceId`, OpenAI's
 * `organization.audit_log` / `effective_at`, Anthropic's `*_actor` actors) and would otherwise
 * fall through unknown, or — Azure Monitor records — to Entra's `category` + `properties` test.
 */
const DETECT: Array<[Vendor, (r: Rec) => boolean]> = [
  ['bedrock', isBedrock],
  ['azure-openai', isAzureOpenAi],
  ['openai', isOpenAi],
  ['anthropic', isAnthropic],
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
export const ARRAY_KEYS = ['Records', 'items', 'value', 'entries', 'Events', 'events', 'logs', 'data', 'records', 'logEvents'];
