import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { TestContext } from '../helpers/context.js';
import { startDovecot, type Dovecot } from '../helpers/dovecot.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js';
import { startOwnRouter } from '../helpers/hub-workers.js';
import { issueFirstRunLink } from '../../server/src/setup/first-run.js';
import { ARTIFACTS, launchChromium, startUiServer, openPage, signInAt } from './agent-ui-helpers.js';
import { silentWav } from '../helpers/files.js';

// screenshots land with the other test artifacts; the ones in docs/screenshots are copied from a run
const SHOTS = ARTIFACTS;
let ctx: TestContext;
let base: string;
let browser: Browser;
let dovecot: Dovecot;
let sink: SmtpSink;
let stopRouter: () => Promise<void>;

beforeAll(async () => {
  sink = await startSmtpSink();
  dovecot = await startDovecot([{ user: 'help@acme.test', password: 'imap secret' }]);
  // a fresh install: migrated, no demo data, system mail through the sink
  // Kavenegar's key is set (a number's texts may go through it); Asterisk is not configured
  ({ ctx, base } = await startUiServer({ SMTP_URL: sink.url, ROUTING_SWEEP_MS: '600000', KAVENEGAR_API_KEY: 'kavenegar-test-key' }));
  stopRouter = await startOwnRouter(ctx);
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await stopRouter?.();
  await ctx?.close();
  await sink?.close();
  await dovecot?.destroy();
});

const inviteLink = async (email: string) => {
  const m = await sink.waitFor((x) => JSON.stringify(x.to ?? '').includes(email));
  return /(\/reset-password\?token=\S+)/.exec(m.text ?? '')![1]!;
};
async function signIn(page: Page, email: string, password: string) {
  await signInAt(page, base, email, password);
  await page.waitForSelector('[data-testid="connection"].conn-on');
}

describe('an admin sets the hub up in the browser, without curl', { timeout: 180_000 }, () => {
  it('first run, queue, agents, mailbox with Test connection, phone number, hours with a holiday, API key; the new agent gets a case sent with that key', async () => {
    expect((await ctx.db.pool.query(`SELECT count(*)::int AS n FROM agents`)).rows[0].n).toBe(0);
    // what `npm start` prints on an installation without an admin
    const link = (await issueFirstRunLink(ctx.db.pool))!;
    const { page, errors } = await openPage(browser, { width: 1440, height: 1000 });
    page.setDefaultTimeout(10_000);

    await page.goto(`${base}/setup?token=${link.token}`);
    await page.fill('#org', 'Acme Support');
    await page.selectOption('#lang', 'en');
    await page.selectOption('#tz', 'Asia/Tehran');
    await page.fill('#name', 'Olga Owner');
    await page.fill('#email', 'olga@acme.test');
    await page.fill('#p1', 'owner password 1');
    await page.fill('#p2', 'owner password 1');
    await page.click('button[type=submit]');
    await page.waitForSelector('text=Password saved');
    // the page is gone once used
    expect((await page.request.get(`${base}/setup?token=${link.token}`)).status()).toBe(404);

    await signIn(page, 'olga@acme.test', 'owner password 1');
    await page.getByTestId('nav-admin').click();
    await page.waitForURL(/\/admin\/agents$/);

    // a queue that needs the billing skill and takes what no other queue takes
    await page.getByTestId('admin-tab-queues').click();
    await page.getByTestId('queue-new').click();
    await page.getByTestId('queue-name').fill('Billing');
    await page.getByTestId('queue-skills').fill('billing');
    await page.getByTestId('queue-default').check();
    await page.getByTestId('queue-save').click();
    await page.getByTestId('queue-saved').waitFor();

    // two agents with skills, invited by mail; a bad email is refused with the server's words
    await page.getByTestId('admin-tab-agents').click();
    for (const [email, name, skills] of [['reza@acme.test', 'Reza Rahimi', 'billing, fa'], ['mina@acme.test', 'Mina Moradi', 'billing']]) {
      await page.getByTestId('agent-new').click();
      await page.getByTestId('agent-email').fill(email);
      await page.getByTestId('agent-name').fill(name);
      await page.getByTestId('agent-skills').fill(skills);
      await page.getByTestId('agent-queue-Billing').check();
      await page.getByTestId('agent-save').click();
      await expect.poll(() => page.getByTestId('agent-note').textContent()).toContain(`Invitation sent to ${email}`);
    }
    await page.getByTestId('agent-new').click();
    await page.getByTestId('agent-email').fill('reza@acme.test');
    await page.getByTestId('agent-name').fill('Twice');
    await page.getByTestId('agent-save').click();
    await expect.poll(() => page.getByTestId('agent-error').textContent()).toContain('an agent with email reza@acme.test already exists');
    const skills = (await ctx.db.pool.query(`SELECT email, skills FROM agents WHERE role = 'agent' ORDER BY email`)).rows;
    expect(skills).toEqual([{ email: 'mina@acme.test', skills: ['billing'] }, { email: 'reza@acme.test', skills: ['billing', 'fa'] }]);

    // a mailbox against the test IMAP and SMTP servers; Test connection shows the servers' answers
    await page.getByTestId('admin-tab-mailboxes').click();
    await page.getByTestId('mailbox-new').click();
    await page.getByTestId('mailbox-name').fill('Help');
    await page.getByTestId('mailbox-address').fill('help@acme.test');
    await page.getByTestId('mailbox-queue').selectOption({ label: 'Billing' });
    await page.getByTestId('mailbox-imap-host').fill(dovecot.host);
    await page.getByTestId('mailbox-imap-port').fill(String(dovecot.port));
    await page.getByTestId('mailbox-imap-tls').uncheck();
    await page.getByTestId('mailbox-imap-user').fill('help@acme.test');
    await page.getByTestId('mailbox-imap-password').fill('imap secret');
    const smtp = new URL(sink.url);
    await page.getByTestId('mailbox-smtp-host').fill(smtp.hostname);
    await page.getByTestId('mailbox-smtp-port').fill(smtp.port);
    await page.getByTestId('mailbox-smtp-security').selectOption('none');
    await page.getByTestId('mailbox-signature-en').fill('Acme Support');
    await page.getByTestId('mailbox-save').click();
    await page.getByTestId('mailbox-saved').waitFor();
    expect((await ctx.db.pool.query(`SELECT signature FROM mailboxes`)).rows[0].signature).toEqual({ en: 'Acme Support' });
    await page.getByTestId('mailbox-test').click();
    await expect.poll(() => page.getByTestId('mailbox-test-imap').textContent(), { timeout: 20_000 }).toMatch(/IMAP: signed in \(0 messages in the folder\)/);
    expect(await page.getByTestId('mailbox-test-smtp').textContent()).toBe('SMTP: accepted the sign-in');

    // a phone number, and the webhook URLs to paste into Twilio
    await page.getByTestId('admin-tab-phone-numbers').click();
    await expect.poll(() => page.getByTestId('hook-voice').textContent()).toBe(`${ctx.config.publicUrl}/webhooks/twilio/voice`);
    await page.getByTestId('phone-new').click();
    await page.getByTestId('phone-e164').fill('+1 415 555 0100');
    await page.getByTestId('phone-label').fill('Main line');
    await page.getByTestId('phone-queue').selectOption({ label: 'Billing' });
    await page.getByTestId('phone-greeting-en').fill('Thank you for calling Acme.');
    await page.getByTestId('phone-greeting-fa').fill('از تماس شما با اکمه سپاسگزاریم.');
    // calls through Twilio: Asterisk is offered but cannot be picked without ARI on the server
    expect(await page.getByTestId('phone-voice-provider').inputValue()).toBe('twilio');
    const asteriskOption = page.getByTestId('phone-voice-provider').locator('option[value="asterisk"]');
    expect(await asteriskOption.isDisabled()).toBe(true);
    expect(await asteriskOption.textContent()).toMatch(/Asterisk \(not configured on the server\)/);
    await page.getByTestId('phone-save').click();
    await page.getByTestId('phone-saved').waitFor();
    await page.getByTestId('phone-row-+14155550100').waitFor();
    expect(await page.getByTestId('phone-row-voice-+14155550100').textContent()).toMatch(/Voice · Twilio/);
    expect((await ctx.db.pool.query(`SELECT provider FROM phone_numbers WHERE e164 = '+14155550100'`)).rows[0].provider).toBe('twilio');
    // its recorded prompts: the Persian greeting replaced by an uploaded recording (8 kHz mono WAV)
    await page.getByTestId('phone-row-+14155550100').click();
    await page.getByTestId('prompt-greeting').waitFor();
    const wav = silentWav(8000);
    await page.getByTestId('prompt-upload-greeting').setInputFiles({ name: 'greeting-fa.wav', mimeType: 'audio/wav', buffer: wav });
    await expect.poll(() => page.getByTestId('prompt-greeting').textContent()).toMatch(/This number’s recording/);
    const uploaded = (await ctx.db.pool.query(`SELECT prompts FROM phone_numbers WHERE e164 = '+14155550100'`)).rows[0].prompts;
    expect(uploaded.fa.greeting).toMatchObject({ contentType: 'audio/wav', size: wav.length });
    // an SMS line through Kavenegar: its provider and line number
    await page.getByTestId('phone-new').click();
    await page.getByTestId('phone-e164').fill('+98 21 8877 6655');
    await page.getByTestId('phone-voice').uncheck();
    await page.getByTestId('phone-sms-provider').selectOption('kavenegar');
    await page.getByTestId('phone-sms-sender').fill('10004346');
    await page.getByTestId('phone-save').click();
    await page.getByTestId('phone-saved').waitFor();
    await page.getByTestId('hook-kavenegar-receive').waitFor();
    expect((await ctx.db.pool.query(`SELECT sms_provider, sms_sender FROM phone_numbers WHERE e164 = '+982188776655'`)).rows[0]).toEqual({ sms_provider: 'kavenegar', sms_sender: '10004346' });

    // business hours: the Iranian week Saturday–Thursday, and a holiday
    await page.getByTestId('admin-tab-business-hours').click();
    await page.getByTestId('hours-preset-sat-thu').click();
    await page.getByTestId('holiday-add').click();
    await page.getByTestId('holiday-date-0').fill('2027-03-21');
    await page.getByTestId('holiday-name-0').fill('Nowruz');
    await page.getByTestId('hours-save').click();
    await page.getByTestId('hours-saved').waitFor();
    const hours = (await ctx.db.pool.query(`SELECT queue_id, time_zone, weekly, holidays FROM business_hours`)).rows;
    expect(hours).toEqual([{ queue_id: null, time_zone: 'Asia/Tehran', weekly: expect.objectContaining({ sat: [['08:00', '16:00']], thu: [['08:00', '13:00']] }), holidays: [{ date: '2027-03-21', name: 'Nowruz' }] }]);
    expect(hours[0].weekly.fri).toBeUndefined();

    // an API key, shown once
    await page.getByTestId('admin-tab-api-keys').click();
    await page.getByTestId('apikey-name').fill('CRM');
    await page.getByTestId('apikey-create').click();
    const key = (await page.getByTestId('apikey-value').textContent())!.trim();
    expect(key).toMatch(/^chk_/);

    // a knowledge-base article written in Markdown, previewed, published; customers find it in the help center
    await page.getByTestId('admin-tab-knowledge-base').click();
    await page.getByTestId('kb-new').click();
    await page.getByTestId('kb-title').fill('راهنمای بازگرداندن کالا');
    await page.getByTestId('kb-language').selectOption('fa');
    await page.getByTestId('kb-category').fill('سفارش');
    await page.getByTestId('kb-body').fill('برای **بازگرداندن کالا** تا ۱۴ روز فرصت دارید.');
    await expect.poll(() => page.frameLocator('iframe.adm-md').locator('strong').textContent()).toBe('بازگرداندن کالا');
    await page.getByTestId('kb-save').click();
    await page.getByTestId('kb-saved').waitFor();
    await page.getByTestId('kb-publish').click();
    await expect.poll(async () => (await ctx.db.pool.query(`SELECT published FROM kb_articles`)).rows[0]?.published).toBe(true);
    const slug = (await ctx.db.pool.query(`SELECT slug FROM kb_articles`)).rows[0].slug as string;
    const published = await ctx.app.inject({ method: 'GET', url: `/portal/api/kb/${encodeURIComponent(slug)}` });
    expect(published.statusCode).toBe(200);
    expect(published.json().html).toContain('<strong>بازگرداندن کالا</strong>');

    // every change is in the audit log
    await page.getByTestId('admin-tab-audit').click();
    for (const entity of ['queue', 'agent', 'mailbox', 'phone_number', 'business_hours', 'api_key', 'kb_article']) await page.getByTestId(`audit-row-${entity}`).first().waitFor();
    await page.getByTestId('audit-entity').selectOption('business_hours');
    await page.getByTestId('audit-filter').click();
    await expect.poll(() => page.locator('[data-testid^="audit-row-"]').count()).toBe(1);

    // screenshots of the screens in English and Persian (right to left)
    for (const lang of ['en', 'fa'] as const) {
      await page.getByTestId('language').selectOption(lang);
      expect(await page.evaluate(() => document.documentElement.dir)).toBe(lang === 'fa' ? 'rtl' : 'ltr');
      for (const tab of ['agents', 'queues', 'mailboxes', 'phone-numbers', 'business-hours', 'api-keys', 'knowledge-base', 'settings', 'audit']) {
        await page.getByTestId(`admin-tab-${tab}`).click();
        await page.waitForURL(new RegExp(`/admin/${tab}$`));
        await page.waitForLoadState('networkidle');
        if (tab === 'agents') await page.getByTestId('agent-row-reza@acme.test').click();
        if (tab === 'queues') await page.getByTestId('queue-row-Billing').click();
        if (tab === 'mailboxes') await page.getByTestId('mailbox-row-Help').click();
        if (tab === 'phone-numbers') await page.getByTestId('phone-row-+14155550100').click();
        if (tab === 'knowledge-base') await page.locator('.adm-list .adm-item').first().click();
        await page.screenshot({ path: path.join(SHOTS, `admin-${tab}-${lang}.png`), fullPage: tab !== 'audit' });
      }
      if (lang === 'fa') expect(await page.getByTestId('admin-tab-agents').textContent()).toBe('کارشناسان');
    }
    await page.getByTestId('language').selectOption('en');
    // the refused duplicate is an expected answer, not a page error
    expect(errors.filter((e) => !/status of 409/.test(e))).toEqual([]);

    // the new agent chooses a password through the invitation and receives a case sent with the new key
    const agentPage = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    agentPage.setDefaultTimeout(10_000);
    await agentPage.goto(`${base}${await inviteLink('reza@acme.test')}`);
    await agentPage.fill('#p1', 'reza password 1');
    await agentPage.fill('#p2', 'reza password 1');
    await agentPage.click('button[type=submit]');
    await agentPage.waitForSelector('text=Password saved');
    await signIn(agentPage, 'reza@acme.test', 'reza password 1');
    await agentPage.locator('[data-presence="available"]').click();
    await expect.poll(async () => (await ctx.db.pool.query(`SELECT presence FROM agents WHERE email = 'reza@acme.test'`)).rows[0].presence).toBe('available');

    const sent = await ctx.app.inject({
      method: 'POST', url: '/api/v1/inbound', headers: { 'x-api-key': key },
      payload: { channel: 'email', providerMessageId: 'admin-e2e-1', from: { kind: 'email', value: 'darya@customer.test', name: 'Darya Customer' }, subject: 'Second charge on my card', text: 'I was charged twice.' },
    });
    expect(sent.statusCode, sent.body).toBeLessThan(300);
    const card = agentPage.getByTestId('offer-card');
    await card.waitFor({ timeout: 15_000 });
    expect(await card.innerText()).toContain('Second charge on my card');
    await agentPage.keyboard.press('a');
    await agentPage.waitForURL(new RegExp(`/cases/${sent.json().caseId}$`));

    // the agent's own profile: the phone for calls is checked by the server
    await agentPage.getByTestId('nav-profile').click();
    await agentPage.getByTestId('profile-phone').fill('0912');
    await agentPage.getByTestId('profile-save').click();
    await expect.poll(() => agentPage.getByTestId('profile-error').textContent()).toMatch(/phone/);
    await agentPage.getByTestId('profile-phone').fill('+989121234567');
    await agentPage.getByTestId('profile-offer-sound').uncheck();
    await agentPage.getByTestId('profile-save').click();
    await agentPage.getByTestId('profile-saved').waitFor();
    expect((await ctx.db.pool.query(`SELECT phone, notification_prefs FROM agents WHERE email = 'reza@acme.test'`)).rows[0]).toEqual({ phone: '+989121234567', notification_prefs: { offerSound: false } });
    await agentPage.screenshot({ path: path.join(SHOTS, 'profile-en.png') });
    // agents do not see the admin console
    expect(await agentPage.getByTestId('nav-admin').count()).toBe(0);
    await agentPage.goto(`${base}/admin/mailboxes`);
    await agentPage.waitForURL(`${base}/`);

    // the admin makes Mina a supervisor; she sees the parts of the console she may change
    await page.getByTestId('admin-tab-agents').click();
    await page.getByTestId('agent-row-mina@acme.test').click();
    await page.getByTestId('agent-role').selectOption('supervisor');
    await page.getByTestId('agent-save').click();
    await expect.poll(() => page.getByTestId('agent-note').textContent()).toBe('Saved.');
    const supPage = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    supPage.setDefaultTimeout(10_000);
    await supPage.goto(`${base}${await inviteLink('mina@acme.test')}`);
    await supPage.fill('#p1', 'mina password 1');
    await supPage.fill('#p2', 'mina password 1');
    await supPage.click('button[type=submit]');
    await supPage.waitForSelector('text=Password saved');
    await signIn(supPage, 'mina@acme.test', 'mina password 1');
    await supPage.getByTestId('nav-admin').click();
    await supPage.waitForURL(/\/admin\/agents$/);
    const tabs = await supPage.locator('[data-testid^="admin-tab-"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-testid')));
    expect(tabs).toEqual(['admin-tab-agents', 'admin-tab-business-hours', 'admin-tab-sla-policies', 'admin-tab-canned-responses', 'admin-tab-macros', 'admin-tab-knowledge-base', 'admin-tab-outbox']);
    // no role changes or password links for supervisors; the server would refuse them anyway
    await supPage.getByTestId('agent-row-reza@acme.test').click();
    expect(await supPage.getByTestId('agent-role').isDisabled()).toBe(true);
    expect(await supPage.getByTestId('agent-reset').count()).toBe(0);
    await supPage.getByTestId('agent-skills').fill('billing, fa, vip');
    await supPage.getByTestId('agent-save').click();
    await expect.poll(() => supPage.getByTestId('agent-note').textContent()).toBe('Saved.');
    expect((await ctx.db.pool.query(`SELECT skills FROM agents WHERE email = 'reza@acme.test'`)).rows[0].skills).toEqual(['billing', 'fa', 'vip']);
    // an admin's account is not hers to change: the server's refusal is shown
    await supPage.getByTestId('agent-row-olga@acme.test').click();
    await supPage.getByTestId('agent-save').click();
    await expect.poll(() => supPage.getByTestId('agent-error').textContent()).toBe("only an admin changes an admin's account");
    await supPage.goto(`${base}/admin/mailboxes`);
    await supPage.waitForURL(/\/admin\/agents$/);
    await supPage.getByTestId('admin-tab-business-hours').click();
    await supPage.getByTestId('hours-form').waitFor();
    expect(await supPage.getByTestId('hours-save').count()).toBe(0);
  });
});
