/**
 * Contract between the per-vendor audit-record parsers and the scanners that read exports or
 * pull live APIs. Parsers are pure functions of one record: they never touch files or the network.
 */
import type { AttrValue, Signal, Subject } from '../../../src/core/types.js';

/** The audit sources this family of scanners understands. */
export type Vendor = 'google' | 'entra' | 'm365' | 'okta' | 'github' | 'slack' | 'cloudtrail' | 'bedrock' | 'azure-openai' | 'openai' | 'anthropic';

export const VENDORS: readonly Vendor[] = ['google', 'entra', 'm365', 'okta', 'github', 'slack', 'cloudtrail', 'bedrock', 'azure-openai', 'openai', 'anthropic'];

/** One neutral fact extracted from one audit record (before aggregation). */
export interface AuditEvent {
  kind: 'saas-app' | 'audit-event';
  /** saas-app: app display name ('' when the record names only an id); audit-event: event source. */
  value: string;
  /** audit-event: provider (aws). */
  namespace?: string;
  signal: Extract<Signal, 'presence' | 'usage'>;
  subject: Subject;
  /** ISO-8601 time of the event. */
  time?: string;
  /** false for failed / denied attempts; aggregated apart. */
  success: boolean;
  /** The vendor's own event id (for `api:<vendor>:<id>` locators and resumable cursors). */
  eventId?: string;
  /**
   * saas-app: clientId?, appId?, vendor, scopes?, scopeRisk?, event, success.
   * audit-event: eventName, modelId?, region?, account?, errorCode?.
   * Numeric `inputTokens` / `outputTokens` are summed by the aggregation (not taken from the first event).
   */
  attrs: Record<string, AttrValue>;
  /**
   * Other names the same app is known by (an Okta label, an M365 workload): the scanner keeps
   * the first one that a rule knows, else `value`.
   */
  altNames?: string[];
  /**
   * The event takes the app away (token revoked, app uninstalled / removed / restricted, consent
   * or grant removed, seat cancelled): it proves neither presence nor use, so the collector counts
   * it (`events.removal`) and keeps no observation for it.
   */
  removal?: boolean;
  /**
   * The platform's own request id, when one call can be logged by two sources in the same scan
   * (CloudTrail and the Bedrock invocation log; a trail in S3 and LookupEvents): counted once.
   */
  requestId?: string;
  /**
   * What else keeps events of one (app, subject, signal) apart in the aggregation — a model
   * deployment, an event type, an MCP server — so the observation's attrs describe all its events.
   */
  key?: string;
}

/** Lookups a parser may need beyond one record (e.g. Entra grant → service principal name). */
export interface ParseContext {
  /** Entra service principal object id → { name, appId }. */
  servicePrincipals?: Map<string, { name: string; appId?: string }>;
  /** Subject for tenant-wide facts (Entra service principals, admin consent). */
  tenant?: string;
}

export type RecordParser = (rec: Record<string, unknown>, ctx?: ParseContext) => AuditEvent[];
