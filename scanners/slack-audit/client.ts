/**
 * Slack Audit Logs API client (Enterprise Grid): `GET /audit/v1/logs?oldest=…&action=…&limit=…`,
 * paged by `response_metadata.next_cursor`. Auth: a user token with `auditlogs:read`
 * (SLACK_AUDIT_TOKEN). Errors come back as `{ ok: false, error }`.
 */
import { UsageError } from '../../src/core/errors.js';
import { AuthError, type HttpClient } from '../audit-export/lib/http.js';
import { credential } from '../audit-export/lib/pull.js';
import type { Rec } from '../audit-export/lib/util.js';

export interface SlackClientOptions {
  baseUrl: string;
  pageSize: number;
  maxPages: number;
  token?: string;
  tokenFile?: string;
}

export function token(o: SlackClientOptions): string {
  const t = credential({ value: o.token, file: o.tokenFile, env: ['SLACK_AUDIT_TOKEN'] });
  if (!t) throw new UsageError('slack-audit: no credentials: set SLACK_AUDIT_TOKEN (a user token with auditlogs:read)');
  return t;
}

export async function* logPages(http: HttpClient, o: SlackClientOptions, tok: string, action: string, since: string): AsyncGenerator<Rec[]> {
  let cursor: string | undefined;
  for (let page = 0; page < o.maxPages; page++) {
    const u = new URL(`${o.baseUrl}/logs`);
    u.searchParams.set('limit', String(o.pageSize));
    u.searchParams.set('oldest', String(Math.floor(Date.parse(since) / 1000)));
    if (action) u.searchParams.set('action', action);
    if (cursor) u.searchParams.set('cursor', cursor);
    const res = await http.json<Rec>(u.toString(), { headers: { authorization: `Bearer ${tok}` }, okStatuses: [400] });
    const b = res.body;
    if (!b || typeof b !== 'object') throw new Error('slack-audit: malformed page: expected a JSON object');
    if (b.ok === false || res.status === 400) {
      const err = String(b.error ?? `HTTP ${res.status}`);
      if (/invalid_auth|not_authed|token_expired|token_revoked|account_inactive|missing_scope|not_allowed/.test(err)) throw new AuthError(`slack-audit: ${err} — the token is invalid, expired or lacks auditlogs:read`);
      throw new Error(`slack-audit: API error: ${err}`);
    }
    if (!Array.isArray(b.entries)) throw new Error('slack-audit: malformed page: expected { entries: [...] }');
    yield b.entries as Rec[];
    const next = (b.response_metadata as Rec | undefined)?.next_cursor;
    cursor = typeof next === 'string' && next ? next : undefined;
    if (!cursor) return;
  }
}
