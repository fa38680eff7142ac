/** Static files, sign-in and sign-out. */
import cookie from '@fastify/cookie';
import { randomToken, SESSION_TTL_MS } from '../auth.js';
import * as V from '../views.js';
import { safeNext } from './forms.js';
import { LOGIN_MAX_FAILURES, LOGIN_WINDOW_MS, PRELOGIN_COOKIE, SESSION_COOKIE, type WebContext } from './context.js';

export function authRoutes(w: WebContext): void {
  const { app, register, auth, now, css, cookieOpts, page } = w;
  // ------------------------------------------------------------------ static + auth
  app.get('/static/app.css', async (_req, reply) => reply.type('text/css; charset=utf-8').header('Cache-Control', 'public, max-age=300').send(css));
  app.get('/favicon.ico', async (_req, reply) => reply.code(204).send());
  app.get('/', async (_req, reply) => reply.redirect('/register', 303));

  app.get('/login', async (req, reply) => {
    const q = req.query as Record<string, string>;
    const token = randomToken();
    reply.setCookie(PRELOGIN_COOKIE, token, { ...cookieOpts, maxAge: 600 });
    return page(reply, V.loginPage({ csrf: token, next: safeNext(q.next) }));
  });

  app.post('/login', async (req, reply) => {
    const b = (req.body ?? {}) as Record<string, string>;
    const username = String(b.username ?? '').trim();
    const key = `${username}|${req.ip}`;
    // failures live in the register, so every web replica behind a load balancer counts the same
    const since = new Date(now().getTime() - LOGIN_WINDOW_MS).toISOString();
    if ((await register.loginFailures(key, since)) >= LOGIN_MAX_FAILURES) {
      return page(reply, V.loginPage({ csrf: req.cookies[PRELOGIN_COOKIE] ?? '', next: safeNext(b.next), error: 'Too many failed attempts: try again in a few minutes.' }), 429);
    }
    const role = await auth.checkPassword(username, String(b.password ?? ''));
    if (!role) {
      await register.recordLoginFailure([key], now().toISOString(), since);
      return page(reply, V.loginPage({ csrf: req.cookies[PRELOGIN_COOKIE] ?? '', next: safeNext(b.next), error: 'Unknown user name or wrong password.' }), 401);
    }
    await register.clearLoginFailures(key);
    const s = await auth.createSession(username, now());
    reply.clearCookie(PRELOGIN_COOKIE, { path: '/' });
    reply.setCookie(SESSION_COOKIE, s.cookie, { ...cookieOpts, maxAge: Math.floor(SESSION_TTL_MS / 1000) });
    return reply.redirect(safeNext(b.next), 303);
  });

  app.post('/logout', async (req, reply) => {
    if (req.principal?.sessionHash) await auth.endSession(req.principal.sessionHash);
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return reply.redirect('/login', 303);
  });
}
