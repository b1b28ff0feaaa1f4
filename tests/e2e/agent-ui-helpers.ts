import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, ConsoleMessage, Page } from 'playwright-core';
import { ensureBuilt, launchBrowser } from '../helpers/browser.js';
import { createTestContext, listenLocally, type TestContext } from '../helpers/context.js';

export const UI_DIST = path.resolve('dist/agent-ui');
export const ARTIFACTS = path.resolve('test-artifacts');

export async function launchChromium(): Promise<Browser> {
  await mkdir(ARTIFACTS, { recursive: true });
  // the softphone's ringing plays without a click
  return launchBrowser(['--autoplay-policy=no-user-gesture-required']);
}

/** A hub serving the built workspace on a free local port: its context and its address. */
export async function startUiServer(env: Record<string, string> = {}): Promise<{ ctx: TestContext; base: string }> {
  // the workspace bundle the server serves; built here if this checkout has not built it yet
  await ensureBuilt(path.join(UI_DIST, 'index.html'), 'agent-ui/vite.config.ts');
  const ctx = await createTestContext({ UI_DIST_DIR: UI_DIST, ...env });
  return { ctx, base: await listenLocally(ctx) };
}

/** A fresh tab at a desktop size, with its errors collected (see watchErrors). */
export async function openPage(browser: Browser, viewport = { width: 1400, height: 1000 }, opts: { timezoneId?: string } = {}): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport, ...opts });
  return { page, errors: watchErrors(page) };
}

/**
 * A time zone in which it is now at least 8 hours past midnight. The supervisor dashboard's "today" is the
 * browser's day: a test whose figures reach a few hours back would lose them to yesterday in the first hours
 * after midnight (both KPI tests failed between 00:00 and 01:00 UTC), so such a test opens its page here.
 */
export function zoneWellIntoTheDay(now = new Date()): string {
  return now.getUTCHours() >= 8 ? 'UTC' : 'Asia/Tokyo';
}

/** The password the factories give every agent they make (tests/helpers/factories.ts). */
export const TEST_PASSWORD = 'correct horse battery';

/** Fills the sign-in form the page shows and sends it. */
export async function submitSignIn(page: Page, email: string, password = TEST_PASSWORD): Promise<void> {
  await page.getByTestId('login-email').fill(email);
  await page.getByTestId('login-password').fill(password);
  await page.getByTestId('login-submit').click();
}

/** Opens the sign-in page and signs in (the caller waits for what the account's first page shows). */
export async function signInAt(page: Page, base: string, email: string, password = TEST_PASSWORD): Promise<void> {
  await page.goto(`${base}/login`);
  await submitSignIn(page, email, password);
}

/** Opens the workspace signed out (it sends the visitor to the sign-in page), signs in and waits for the live connection. */
export async function signIn(page: Page, base: string, email: string, password = TEST_PASSWORD): Promise<void> {
  await page.goto(`${base}/`);
  await page.waitForURL(/\/login/);
  await submitSignIn(page, email, password);
  await page.waitForSelector('[data-testid="connection"].conn-on');
}

/** Collects everything the page reports as an error: console.error, uncaught exceptions, failed requests. */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m: ConsoleMessage) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('requestfailed', (r) => {
    // navigations away abort in-flight requests; that is not an error of the page
    if (!/ERR_ABORTED/.test(r.failure()?.errorText ?? '')) errors.push(`requestfailed: ${r.url()} ${r.failure()?.errorText}`);
  });
  return errors;
}
