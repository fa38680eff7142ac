/** What the route groups share: the app, the register, the intake context and the request helpers. */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { IntakeContext } from '../../intake/actions.js';
import type { BlocklistFormat } from '../../intake/blocklist.js';
import type { Permission } from '../../intake/machine.js';
import type { RegisterQuery } from '../../intake/query.js';
import type { RegisterStore, RuleIndex } from '../../index.js';
import type { Auth, Principal } from '../auth.js';
import type { CookieNames, LoginGate, Signer } from '../signin.js';
import type * as V from '../views.js';

/** Rows per register page. */
export const PAGE_SIZE = 50;
export { LOGIN_MAX_FAILURES, LOGIN_WINDOW_MS } from '../signin.js';

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
  cookies: CookieNames;
  signer: Signer;
  loginGate: LoginGate;
  need(req: FastifyRequest, reply: FastifyReply, perm: Permission): Principal | undefined;
  deny(req: FastifyRequest, reply: FastifyReply, status: number, message: string): FastifyReply;
  page(reply: FastifyReply, htmlText: string, code?: number): FastifyReply;
  isApi(req: FastifyRequest): boolean;
  registerQuery(q: Record<string, string | undefined>): RegisterQuery & { page: number; statusParam?: string; riskParam?: string };
  itemView(id: string): Promise<V.ItemView | undefined>;
  blocklists(): Promise<Record<BlocklistFormat, string>>;
}
