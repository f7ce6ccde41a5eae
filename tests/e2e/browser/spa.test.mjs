// The SPA demo (examples/spa) in real headless Chromium against a real authd on another
// origin: both carriers, what page script can and cannot read, a cross-site form POST,
// two tabs sharing one refresh, and a logout that reaches every tab.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { callProtected, launch, openDemo, screenshot, statusBecomes } from '../support/browser.mjs';
import { startAuthd, startSpa, startThirdParty } from '../support/servers.mjs';

const PASSWORD = 'correct horse battery staple';

/** @type {import('playwright-core').Browser} */
let browser;
/** @type {Awaited<ReturnType<typeof startSpa>>} */
let spa;

before(async () => {
  browser = await launch();
  spa = await startSpa();
});

after(async () => {
  await browser?.close();
  await spa?.stop();
});

/** authd as a cross-origin SPA needs it: cookies on, the demo's origin allowed. */
function authdFor(/** @type {Record<string, string>} */ extra = {}) {
  return startAuthd({ AUTHD_COOKIES: 'on', AUTHD_CORS_ORIGINS: spa.origin, ...extra });
}

/**
 * Signs up and logs in through the demo's form, as a person would.
 * @param {import('playwright-core').Page} page
 * @param {string} email
 */
async function signUpAndLogIn(page, email) {
  await page.fill('#email', email);
  await page.fill('#password', PASSWORD);
  await page.click('#register');
  assert.match(await statusBecomes(page, 'registered'), /registered/);
  await page.click('#login');
  return statusBecomes(page, 'signed-in');
}

for (const carrier of /** @type {const} */ (['header', 'cookie'])) {
  describe(`the ${carrier} carrier`, () => {
    /** @type {Awaited<ReturnType<typeof startAuthd>>} */
    let authd;
    before(async () => (authd = await authdFor()));
    after(() => authd?.stop());

    test('signs up, logs in, shows /auth/me, calls a protected route and logs out', async () => {
      const context = await browser.newContext();
      const page = await openDemo(context, spa.origin, authd.url, carrier);
      assert.equal(await page.locator('#status').textContent(), 'signed out');

      const email = `${carrier}@example.com`;
      assert.equal(await signUpAndLogIn(page, email), `signed in as ${email}`);
      const me = JSON.parse(/** @type {string} */ (await page.locator('#me').textContent()));
      assert.equal(me.email, email);
      assert.deepEqual(me.roles, []);
      assert.match(me.sid, /^[0-9a-f-]{36}$/);
      assert.equal(await callProtected(page), 200);
      assert.equal(await page.locator('#result').textContent(), 'GET /auth/verify: 200 allowed');
      await screenshot(page, `${carrier}-signed-in`);

      await page.click('#logout');
      assert.equal(await statusBecomes(page, 'signed-out'), 'signed out');
      assert.equal(await page.locator('#me').textContent(), '');
      assert.equal(await callProtected(page), 401);
      assert.equal(await page.locator('#result').textContent(), 'GET /auth/verify: 401 refused');
      await screenshot(page, `${carrier}-signed-out`);
      assert.deepEqual(page.errors, []);
      // The demo really went cross-origin, and authd saw the calls.
      assert.equal(authd.requests('POST', '/auth/login'), 1);
      assert.notEqual(new URL(authd.url).port, new URL(spa.origin).port);
      await context.close();
    });

    test('a wrong password shows the server\'s error and keeps the page usable', async () => {
      const context = await browser.newContext();
      const page = await openDemo(context, spa.origin, authd.url, carrier);
      await page.fill('#email', `nobody-${carrier}@example.com`);
      await page.fill('#password', 'not the password at all');
      await page.click('#login');
      assert.equal(
        await statusBecomes(page, 'error'),
        'error: invalid_credentials (401): invalid email or password',
      );
      await context.close();
    });
  });
}

describe('cookie sessions in the browser', () => {
  /** @type {Awaited<ReturnType<typeof startAuthd>>} */
  let authd;
  before(async () => (authd = await authdFor()));
  after(() => authd?.stop());

  test('page script reads only the CSRF cookie: the tokens are HttpOnly', async () => {
    const context = await browser.newContext();
    const page = await openDemo(context, spa.origin, authd.url, 'cookie');
    await signUpAndLogIn(page, 'jar@example.com');

    const visible = await page.evaluate(() => document.cookie);
    assert.deepEqual(visible.split('; ').map((c) => c.split('=')[0]), ['__Host-authd_csrf']);
    const jar = await context.cookies(authd.url);
    const byName = Object.fromEntries(jar.map((c) => [c.name, c]));
    for (const name of ['__Host-authd_access', '__Host-authd_refresh']) {
      assert.ok(byName[name], `${name} is in the browser's jar`);
      assert.equal(byName[name].httpOnly, true, `${name} is HttpOnly`);
      assert.equal(byName[name].secure, true, `${name} is Secure`);
      assert.equal(byName[name].path, '/');
      assert.ok(!visible.includes(byName[name].value), `${name}'s value is not readable by script`);
    }
    assert.equal(byName['__Host-authd_refresh'].sameSite, 'Strict');
    assert.equal(byName['__Host-authd_access'].sameSite, 'Lax');
    assert.equal(byName['__Host-authd_csrf'].httpOnly, false);
    // The page never held a token either: nothing in Web Storage.
    assert.equal(await page.evaluate(() => localStorage.length + sessionStorage.length), 0);
    await context.close();
  });

  test('a reload keeps the session: the refresh cookie restores it', async () => {
    const context = await browser.newContext();
    const page = await openDemo(context, spa.origin, authd.url, 'cookie');
    await signUpAndLogIn(page, 'reload@example.com');
    const refreshes = authd.requests('POST', '/auth/refresh');

    await page.reload();

    assert.equal(await statusBecomes(page, 'signed-in'), 'signed in as reload@example.com');
    assert.equal(authd.requests('POST', '/auth/refresh'), refreshes + 1);
    assert.equal(await callProtected(page), 200);
    await context.close();
  });

  test('a header session lives in the tab\'s memory: a reload of the only tab ends it', async () => {
    const context = await browser.newContext();
    const page = await openDemo(context, spa.origin, authd.url, 'header');
    await signUpAndLogIn(page, 'memory@example.com');

    await page.reload();

    assert.equal(await statusBecomes(page, 'signed-out'), 'signed out');
    await context.close();
  });

  test('a form POST from a third origin is refused and the session goes on', async () => {
    const context = await browser.newContext();
    const page = await openDemo(context, spa.origin, authd.url, 'cookie');
    await signUpAndLogIn(page, 'victim@example.com');
    // The same host name on another port: the same site, so even the SameSite=Strict
    // cookies go with the POST; only the CSRF guard can stop it.
    const evil = await startThirdParty(
      () => `<!doctype html><form id="f" method="post" action="${authd.url}/auth/logout-all"></form>
        <script>document.getElementById('f').submit()</script>`,
    );
    try {
      const attack = await context.newPage();
      const answer = attack.waitForResponse((r) => r.url() === `${authd.url}/auth/logout-all`);
      await attack.goto(evil.origin);
      const response = await answer;
      assert.equal(response.status(), 403);
      assert.equal((await response.json()).error, 'csrf_failed');
      const sent = await response.request().allHeaders();
      assert.match(sent.cookie ?? '', /__Host-authd_access=/, 'the browser did send the cookies');

      // A script on that origin fares no better (and cannot read the answer).
      await attack.evaluate(
        (url) => fetch(url, { method: 'POST', credentials: 'include', mode: 'no-cors' }),
        `${authd.url}/auth/logout-all`,
      );
      await attack.close();
    } finally {
      await evil.stop();
    }
    assert.deepEqual(authd.statuses('POST', '/auth/logout-all'), [403, 403]);

    await page.click('#logout'); // the demo's own logout still works: the session was alive
    assert.equal(await callProtected(page), 401);
    assert.equal(authd.statuses('POST', '/auth/logout').at(-1), 204);
    await context.close();
  });
});

for (const carrier of /** @type {const} */ (['header', 'cookie'])) {
  describe(`two tabs, ${carrier} carrier`, () => {
    /** @type {Awaited<ReturnType<typeof startAuthd>>} */
    let authd;
    // Access tokens of 4 s and no leeway: an expired token is refused at once.
    before(async () => (authd = await authdFor({ AUTHD_ACCESS_TTL: '4', AUTHD_LEEWAY: '0' })));
    after(() => authd?.stop());

    test('tokens that expire together are refreshed once, and both tabs keep working', async () => {
      const context = await browser.newContext();
      const first = await openDemo(context, spa.origin, authd.url, carrier);
      await signUpAndLogIn(first, `tabs-${carrier}@example.com`);
      const second = await openDemo(context, spa.origin, authd.url, carrier);
      assert.equal(await statusBecomes(second, 'signed-in'), `signed in as tabs-${carrier}@example.com`);
      const base = authd.requests('POST', '/auth/refresh');

      // Past the first token's expiry, short of the second one's refresh.
      await first.waitForTimeout(5_000);

      assert.equal(authd.requests('POST', '/auth/refresh') - base, 1, 'exactly one refresh reached authd');
      assert.equal(await callProtected(first), 200);
      assert.equal(await callProtected(second), 200);
      assert.equal(authd.requests('POST', '/auth/refresh') - base, 1, 'the calls needed no other refresh');
      assert.deepEqual(authd.statuses('POST', '/auth/refresh'), authd.statuses('POST', '/auth/refresh').map(() => 200));
      assert.deepEqual([...first.errors, ...second.errors], []);
      await context.close();
    });

    test('a logout in one tab signs the other out', async () => {
      const context = await browser.newContext();
      const first = await openDemo(context, spa.origin, authd.url, carrier);
      await signUpAndLogIn(first, `logout-${carrier}@example.com`);
      const second = await openDemo(context, spa.origin, authd.url, carrier);
      await statusBecomes(second, 'signed-in');

      await first.click('#logout');

      assert.equal(await statusBecomes(second, 'signed-out'), 'signed out');
      assert.equal(await callProtected(second), 401);
      assert.equal(await callProtected(first), 401);
      await context.close();
    });
  });
}
