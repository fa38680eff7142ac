/** What the route groups share: the app, the register, the intake context and the request helpers. */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { IntakeContext } from '../../intake/actions.js';
import type { BlocklistFormat } from '../../intake/blocklist.js';
import type { Permission } from '../../intake/machine.js';
import type { RegisterQuery } from '../../intake/query.js';
import type { RegisterStore, RuleIndex } from '../../index.js';
import type { Auth, Principal } from '../auth.js';
import type * as V from '../views.js';

/** Rows per register page. */
export const PAGE_SIZE = 50;
export const SESSION_COOKIE = 'ss_session';
export const PRELOGIN_COOKIE = 'ss_prelogin';
/** Sign-in throttling: this many failures per user name and address within the window answer 429. */
export const LOGIN_MAX_FAILURES = 5;
export const LOGIN_WINDOW_MS = 5 * 60_000;

export interface WebContext {
  app: FastifyInstance;
  register: RegisterStore;
  rules: RuleIndex;
  ctx: IntakeContext;
  auth: Auth;
  now: () => Date;
  css: string;
  baseCatalogFile?: string;
  flashes: Map<string, V.Flash[]>;
  cookieOpts: { httpOnly: boolean; sameSite: 'strict'; path: string; secure: boolean };
  need(req: FastifyRequest, reply: FastifyReply, perm: Permission): Principal | undefined;
  deny(req: FastifyRequest, reply: FastifyReply, status: number, message: string): FastifyReply;
  page(reply: FastifyReply, htmlText: string, code?: number): FastifyReply;
  isApi(req: FastifyRequest): boolean;
  registerQuery(q: Record<string, string | undefined>): RegisterQuery & { page: number; statusParam?: string; riskParam?: string };
  itemView(id: string): Promise<V.ItemView | undefined>;
  blocklists(): Promise<Record<BlocklistFormat, string>>;
}
