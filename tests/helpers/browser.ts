import { chromium, type Browser } from 'playwright-core';
import { existsSync } from 'node:fs';
import path from 'node:path';

export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run',
];

export async function launchBrowser(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: [...CHROMIUM_ARGS, ...extraArgs] });
}

/** Builds a front-end bundle with its vite config unless `npm run build` already produced it. */
export async function ensureBuilt(marker: string, viteConfig: string): Promise<void> {
  if (existsSync(path.resolve(marker))) return;
  const { build } = await import('vite');
  await build({ configFile: path.resolve(viteConfig), logLevel: 'warn' });
}
