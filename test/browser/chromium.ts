/**
 * Headless Chromium for the browser tests: Debian's `chromium` package driven by playwright-core.
 * `.ci/run` installs the package when it is missing; on a machine without it the browser tests
 * are skipped with a message saying so (never silently).
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env.IGR_CHROMIUM ?? '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM_PATH);
export const skipMessage = `browser tests skipped: no Chromium at ${CHROMIUM_PATH} (install Debian's chromium package, as .ci/run does, or set IGR_CHROMIUM)`;

/** Where screenshots and built pages go (gitignored). */
export const OUTPUT_DIR = join(process.cwd(), 'test-output', 'browser');

export interface Session {
  context: BrowserContext;
  close(): Promise<void>;
}

/** A fresh profile per session, removed at the end: nothing carries over between runs. */
export async function launch(): Promise<Session> {
  mkdirSync(OUTPUT_DIR, { recursive: true });
  const profile = mkdtempSync(join(tmpdir(), 'igr-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync',
    ],
    viewport: { width: 1500, height: 1000 },
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Collects console errors and uncaught exceptions of a page (a test asserts there are none). */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  return errors;
}
