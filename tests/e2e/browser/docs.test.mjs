// `GET /docs` in Chromium with every request off authd's origin blocked: the page renders
// every operation of /openapi.json from what the binary serves, with no network.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { launch, screenshot } from '../support/browser.mjs';
import { startAuthd } from '../support/servers.mjs';

/** @type {import('playwright-core').Browser} */
let browser;
/** @type {Awaited<ReturnType<typeof startAuthd>>} */
let authd;

before(async () => {
  browser = await launch();
  authd = await startAuthd();
});

after(async () => {
  await browser?.close();
  await authd?.stop();
});

test('the docs page renders every operation with no network access', async () => {
  const context = await browser.newContext();
  const origin = new URL(authd.url).origin;
  /** @type {string[]} */
  const blocked = [];
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (new URL(url).origin === origin) return route.continue();
    blocked.push(url);
    return route.abort();
  });
  const page = await context.newPage();
  /** @type {string[]} */
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));

  await page.goto(`${authd.url}/docs`);
  await page.waitForFunction(() => Number(document.body.dataset.rendered) > 0);

  const document = await (await fetch(`${authd.url}/openapi.json`)).json();
  const operations = Object.values(document.paths).reduce((n, item) => n + Object.keys(item).length, 0);
  assert.equal(Number(await page.locator('body').getAttribute('data-rendered')), operations);
  assert.equal(await page.locator('.op').count(), operations);
  assert.match(await page.locator('#title').textContent(), /^authd /);
  // One operation opened: its statuses and schemas are there.
  await page.click('[id="post-/oauth/token"] > summary');
  const token = await page.locator('[id="post-/oauth/token"]').textContent();
  for (const text of ['400', '401', 'invalid_client', 'grant_type', 'application/x-www-form-urlencoded', 'Retry-After']) {
    assert.ok(token.includes(text), `POST /oauth/token shows ${text}`);
  }
  await screenshot(page, 'docs');
  assert.deepEqual(blocked, [], 'the page asked for nothing off authd');
  assert.deepEqual(errors, []);
  await context.close();
});
