import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { passwordLinkOwner, spendPasswordLink } from '../auth/password-links.js';
import { PASSWORD_LENGTH } from '../schemas/common.js';
import { esc, plainPage as page } from './plain-page.js';

const T = {
  en: {
    title: 'Choose your password', account: 'Account', next: `New password (at least ${PASSWORD_LENGTH.min} characters)`, repeat: 'Repeat it', save: 'Save and go to sign-in',
    differ: 'the two passwords differ', savedTitle: 'Password saved', saved: 'You can now sign in as', signIn: 'Go to sign-in',
    goneTitle: 'Link not valid', gone: 'This link was already used or has expired. Ask for a new one with “Forgot password?” on the sign-in page, or ask an administrator.',
  },
  fa: {
    title: 'انتخاب رمز عبور', account: 'حساب', next: `رمز عبور تازه (دست‌کم ${PASSWORD_LENGTH.min} نویسه)`, repeat: 'تکرار رمز', save: 'ذخیره و رفتن به ورود',
    differ: 'دو رمز یکسان نیستند', savedTitle: 'رمز ذخیره شد', saved: 'اکنون می‌توانید وارد شوید با', signIn: 'رفتن به ورود',
    goneTitle: 'پیوند معتبر نیست', gone: 'این پیوند پیش‌تر به کار رفته یا منقضی شده است. با «گذرواژه را فراموش کرده‌اید؟» در صفحهٔ ورود پیوند تازه بخواهید یا از مدیر سامانه بخواهید.',
  },
} as const;
type Lang = keyof typeof T;

const form = (lang: Lang, token: string, email: string, error?: string) =>
  page(
    T[lang].title,
    `<p>${T[lang].account}: <strong>${esc(email)}</strong></p>${error ? `<p class="err" role="alert">${esc(error)}</p>` : ''}
<form method="post" action="/reset-password"><input type="hidden" name="token" value="${esc(token)}">
<label for="p1">${T[lang].next}</label><input id="p1" name="password" type="password" autocomplete="new-password" minlength="${PASSWORD_LENGTH.min}" required>
<label for="p2">${T[lang].repeat}</label><input id="p2" name="confirm" type="password" autocomplete="new-password" required>
<button type="submit">${T[lang].save}</button></form>`,
    lang,
  );

/**
 * /reset-password — the page behind an invitation or a password-reset link an admin had mailed. The token
 * is the only credential and works once; setting the password ends every session of the account.
 */
const resetPasswordPage: FastifyPluginAsyncTypebox = async (app) => {
  const limit = { rateLimit: { max: 10, timeWindow: 60_000 } };
  const langOf = async (agentId: number): Promise<Lang> => ((await app.db.query(`SELECT language FROM agents WHERE id = $1`, [agentId])).rows[0]?.language === 'fa' ? 'fa' : 'en');

  app.get('/reset-password', { config: limit, schema: { hide: true, querystring: Type.Object({ token: Type.String({ maxLength: 200 }) }) } }, async (req, reply) => {
    reply.header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-store');
    const owner = await passwordLinkOwner(app.db, 'reset', req.query.token);
    if (!owner) return reply.code(404).send(page(T.en.goneTitle, `<p>${T.en.gone}</p>`));
    return form(await langOf(owner.agentId), req.query.token, owner.email);
  });

  app.post(
    '/reset-password',
    {
      config: limit,
      schema: {
        hide: true,
        body: Type.Object({ token: Type.String({ minLength: 1, maxLength: 200 }), password: Type.String({ maxLength: 500 }), confirm: Type.Optional(Type.String({ maxLength: 500 })) }),
      },
    },
    async (req, reply) => {
      const html = !req.headers['content-type']?.startsWith('application/json');
      const { token, password, confirm } = req.body;
      const owner = await passwordLinkOwner(app.db, 'reset', token);
      const lang: Lang = owner ? await langOf(owner.agentId) : 'en';
      const fail = (status: number, reason: string) =>
        html
          ? reply.code(status).header('content-type', 'text/html; charset=utf-8').send(owner ? form(lang, token, owner.email, reason) : page(T.en.goneTitle, `<p>${esc(reason)}</p>`))
          : reply.code(status).send({ error: status === 404 ? 'Not Found' : 'Bad Request', message: reason });
      if (confirm !== undefined && confirm !== password) return fail(400, T[lang].differ);
      const r = await spendPasswordLink(app.db, 'reset', token, password, req.ip);
      if (!r.ok) return fail(r.status, r.reason);
      // a password chosen through the link ends whatever sessions the old one had opened
      await app.endStaffSessions({ agentId: r.agentId, all: true });
      if (!html) return { ok: true, email: r.email };
      return reply
        .header('content-type', 'text/html; charset=utf-8')
        .send(page(T[lang].savedTitle, `<p>${T[lang].saved} <strong>${esc(r.email)}</strong>.</p><p><a href="/">${T[lang].signIn}</a></p>`, lang));
    },
  );
};

export default resetPasswordPage;
