/**
 * Risk reading of granted OAuth scopes — pure. Works on any vendor's scope strings by looking at
 * what they reach (mail, files, calendar, chat history, directory) and how (read vs write), plus
 * long-lived offline access.
 *
 * high   — write / send / full access to mail, files, calendar, chat or the directory; or read
 *          access to them together with offline access (a refresh token that outlives the session).
 * medium — read-only access to mail, files, calendar, chat or the directory; or offline access alone.
 * low    — sign-in and profile scopes only.
 */
export type ScopeRisk = 'high' | 'medium' | 'low';

const SENSITIVE: Array<[RegExp, string]> = [
  [/mail|gmail|exchange|\bews\b|smtp|imap/i, 'mail'],
  [/drive|files?\b|files\.|sites?\.|sharepoint|onedrive|docs|documents|spreadsheets|presentations|notes\.|\bfiles:/i, 'files'],
  [/calendar|calendars/i, 'calendar'],
  [/chat|channels?:|channel\.|groups:history|im:history|mpim:history|messages?|teams?\.|teamwork/i, 'chat'],
  [/directory|admin\.|user\.readwrite\.all|group\.readwrite|rolemanagement|users:read\.email/i, 'directory'],
  [/contacts/i, 'contacts'],
];

const OFFLINE = /^offline_access$|offline/i;
const IDENTITY = /^(openid|profile|email|user\.read|userinfo\.(email|profile)|https:\/\/www\.googleapis\.com\/auth\/userinfo\.(email|profile)|identity(\.|:)?.*|users:read|team:read)$/i;

/** The part of a scope that names what it reaches (Google URL scopes → last path segment). */
function scopeName(s: string): string {
  const m = /^https?:\/\/[^/]+\/(?:auth\/)?(.*)$/i.exec(s);
  if (m) return m[1] === '' ? 'mail.google.full' : m[1];
  return s;
}

export interface ScopeReading {
  risk: ScopeRisk;
  /** What the scopes reach, e.g. ['files', 'mail']. */
  reaches: string[];
  write: boolean;
  offline: boolean;
}

export function readScopes(scopes: readonly string[]): ScopeReading | undefined {
  if (!scopes.length) return undefined;
  const reaches = new Set<string>();
  let write = false;
  let read = false;
  let offline = false;
  for (const raw of scopes) {
    const s = scopeName(raw.trim());
    if (!s) continue;
    if (OFFLINE.test(s)) { offline = true; continue; }
    if (IDENTITY.test(s) || IDENTITY.test(raw)) continue;
    // full Gmail access is the bare https://mail.google.com/ scope
    const area = /^https?:\/\/mail\.google\.com\/?$/i.test(raw) ? 'mail' : SENSITIVE.find(([re]) => re.test(s))?.[1];
    if (!area) continue;
    reaches.add(area);
    if (/readwrite|write|send|modify|manage|compose|insert|delete|full/i.test(s)) write = true;
    else if (/read|history|metadata|list|\.get$/i.test(s)) read = true;
    else write = true; // bare scopes (`drive`, `calendar`, `admin.directory.user`) are full access
  }
  const sensitive = reaches.size > 0;
  const risk: ScopeRisk = (sensitive && write) || (sensitive && read && offline) ? 'high' : sensitive || offline ? 'medium' : 'low';
  return { risk, reaches: [...reaches].sort(), write, offline };
}

export function scopeRisk(scopes: readonly string[]): ScopeRisk | undefined {
  return readScopes(scopes)?.risk;
}
