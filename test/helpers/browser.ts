/** @module Debian's Chromium driven by playwright-core, for the console's browser tests. */
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';

/** Where Debian's `chromium` package puts the browser; never downloaded. */
export const CHROMIUM_PATH = process.env.GAPLESS_CHROMIUM ?? '/usr/bin/chromium';

/** Where screenshots go (gitignored): `test-artifacts/` at the repository root. */
export const ARTIFACTS_DIR = path.resolve(import.meta.dirname, '../../test-artifacts');

/**
 * Whether Chromium is installed. When it is not, browser suites skip with a
 * visible message; with `GAPLESS_REQUIRE_SERVICES=1` (CI) that is a failure.
 */
export function chromiumAvailable(): boolean {
  if (existsSync(CHROMIUM_PATH)) return true;
  if (process.env.GAPLESS_REQUIRE_SERVICES === '1') {
    throw new Error(
      `Chromium is required but missing at ${CHROMIUM_PATH} (apt-get install -y chromium)`,
    );
  }
  console.warn(
    `SKIPPED: browser tests (no Chromium at ${CHROMIUM_PATH}; apt-get install chromium)`,
  );
  return false;
}

/** Starts headless Chromium. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

/** Collects console errors and page errors; tests assert the list stays empty. */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(error.message));
  return errors;
}

/** Saves a full-page screenshot under {@link ARTIFACTS_DIR}. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS_DIR, `${name}.png`), fullPage: true });
}
