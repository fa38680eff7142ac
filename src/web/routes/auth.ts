/** Static files, sign-in and sign-out (the hardening itself is in ../signin.ts). */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { SESSION_TTL_MS } from '../auth.js';
import { claimLoginAttempt, DEVICE_TTL_S, throttleKeys } from '../signin.js';
import * as V from '../views.js';
import { safeNext } from './forms.js';
import { type WebContext } from './context.js';

/** Longer inputs are refused before any work (argon2 hashes whatever it is given). */
const MAX_USERNAME = 64;
const MAX_PASSWORD = 1024;

export function authRoutes(w: WebContext): void {
  const { app, register, auth, now, css, cookieOpts, cookies, signer, loginGate, page } = w;
  // ------------------------------------------------------------------ static + auth
  app.get('/static/app.css', async (_req, reply) => reply.type('text/css; charset=utf-8').header('Cache-Control', 'public, max-age=300').send(css));
  app.get('/favicon.ico', async (_req, reply) => reply.code(204).send());
  app.get('/', async (_req, reply) => reply.redirect('/register', 303));

  /** The login page with a pre-login token signed for this client's pre-login cookie (a fresh pair when it has none valid). */
  function loginPage(req: FastifyRequest, reply: FastifyReply, opts: { next?: unknown; error?: string }, code = 200) {
    let c = req.cookies[cookies.prelogin];
    if (!c || c.length > 200) {
      c = signer.prelogin().cookie;
      reply.setCookie(cookies.prelogin, c, { ...cookieOpts, maxAge: 600 });
    }
    return page(reply, V.loginPage({ csrf: signer.mac('prelogin', c), next: safeNext(opts.next), error: opts.error }), code);
  }

  app.get('/login', async (req, reply) => {
    const q = req.query as Record<string, string>;
    const pair = signer.prelogin();
    reply.setCookie(cookies.prelogin, pair.cookie, { ...cookieOpts, maxAge: 600 });
    return page(reply, V.loginPage({ csrf: pair.token, next: safeNext(q.next) }));
  });

  app.post('/login', async (req, reply) => {
    const b = (req.body ?? {}) as Record<string, unknown>;
    const username = String(b.username ?? '').trim();
    const password = String(b.password ?? '');
    if (!username || username.length > MAX_USERNAME || password.length > MAX_PASSWORD) {
      return loginPage(req, reply, { next: b.next, error: 'Unknown user name or wrong password.' }, 401);
    }
    // bounded work: a budget of checks per second for unknown clients, a few at a time; the excess is refused at once
    const device = signer.deviceOf(req.cookies[cookies.device], username);
    const release = device || loginGate.spend() ? await loginGate.enter() : undefined;
    if (!release) {
      reply.header('Retry-After', '1');
      return loginPage(req, reply, { next: b.next, error: 'Too many sign-in attempts right now: try again in a moment.' }, 429);
    }
    try {
      // the failure is written before the password is checked (removed below when it was right)
      const claim = await claimLoginAttempt(register, throttleKeys(username, req.ip, device), now());
      if (!claim.attempt) {
        reply.header('Retry-After', String(Math.ceil(claim.waitMs / 1000)));
        return loginPage(req, reply, { next: b.next, error: 'Too many failed attempts: try again in a few minutes.' }, 429);
      }
      const role = await auth.checkPassword(username, password);
      if (!role) return loginPage(req, reply, { next: b.next, error: 'Unknown user name or wrong password.' }, 401);
      const attempt = claim.attempt;
      await register.transaction((tx) => tx.endLoginAttempt(attempt));
      const s = await auth.createSession(username, now());
      reply.clearCookie(cookies.prelogin, { ...cookieOpts });
      reply.setCookie(cookies.session, s.cookie, { ...cookieOpts, maxAge: Math.floor(SESSION_TTL_MS / 1000) });
      // this client is now known to this account: a flood against the account does not lock it out
      reply.setCookie(cookies.device, signer.device(username, device), { ...cookieOpts, maxAge: DEVICE_TTL_S });
      return reply.redirect(safeNext(b.next), 303);
    } finally {
      release();
    }
  });

  app.post('/logout', async (req, reply) => {
    if (req.principal?.sessionHash) await auth.endSession(req.principal.sessionHash);
    reply.clearCookie(cookies.session, { ...cookieOpts });
    return reply.redirect('/login', 303);
  });
}
