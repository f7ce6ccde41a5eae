// Debian's Chromium (/usr/bin/chromium, or CHROMIUM) driven by playwright-core: nothing is
// downloaded. One browser per test file; each test takes a fresh context (a fresh profile:
// no cookies, its own Web Locks and BroadcastChannels).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

import { ROOT } from './servers.mjs';

/** Where screenshots go: under target/ (so a run leaves the tree clean), or E2E_SCREENSHOTS
 * (`make screenshots` refreshes the committed ones in examples/spa/screenshots). */
export const SCREENSHOTS = process.env.E2E_SCREENSHOTS ?? join(ROOT, 'target/e2e-screenshots');

export function launch() {
  return chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
}

/**
 * Saves a screenshot of `page` as `SCREENSHOTS/<name>.png`.
 * @param {import('playwright-core').Page} page
 * @param {string} name
 */
export async function screenshot(page, name) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/**
 * Opens the demo in a new tab of `context`, against `api`, with `carrier`.
 * @param {import('playwright-core').BrowserContext} context
 * @param {string} spa  the demo's origin
 * @param {string} api  authd's URL
 * @param {'header' | 'cookie'} carrier
 */
export async function openDemo(context, spa, api, carrier) {
  const page = await context.newPage();
  /** @type {string[]} */
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`${spa}/?api=${encodeURIComponent(api)}&carrier=${carrier}`);
  await page.waitForFunction(() => document.getElementById('status')?.dataset.state !== 'loading');
  return Object.assign(page, { errors });
}

/**
 * Waits until the demo's #status shows `state`, and returns its text.
 * @param {import('playwright-core').Page} page
 * @param {string} state
 */
export async function statusBecomes(page, state, timeout = 10_000) {
  try {
    await page.waitForFunction((s) => document.getElementById('status')?.dataset.state === s, state, { timeout });
  } catch (e) {
    const text = await page.locator('#status').textContent();
    throw new Error(`#status never became '${state}': it shows '${text}'`, { cause: e });
  }
  return page.locator('#status').textContent();
}

/**
 * Clicks the demo's protected call and returns the status it shows.
 * @param {import('playwright-core').Page} page
 */
export async function callProtected(page) {
  await page.evaluate(() => (document.getElementById('result').dataset.status = ''));
  await page.click('#call');
  await page.waitForFunction(() => document.getElementById('result')?.dataset.status !== '');
  return Number(await page.locator('#result').getAttribute('data-status'));
}
