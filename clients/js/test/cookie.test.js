// Cookie carrier: authd keeps the tokens in HttpOnly cookies; the client sends credentials,
// echoes the readable CSRF cookie on unsafe methods and never holds a token.
import test from 'node:test';
import assert from 'node:assert/strict';
import { createClock, createProfile, createServer, createTab, flush } from '../test-support/fakes.js';

const EMAIL = 'ada@example.com';
const PASSWORD = 'correct horse battery staple';
const CSRF = '__Host-authd_csrf';

function setup(options = {}) {
  const clock = createClock();
  const server = createServer(clock);
  const profile = createProfile();
  const tab = (more) => createTab({ profile, server, clock, carrier: 'cookie', ...options, ...more });
  return { clock, server, profile, tab };
}

test('cookie carrier: credentials included, CSRF echoed on unsafe methods, no token seen', async () => {
  const { server, profile, clock, tab } = setup();
  const client = tab();

  const state = await client.login(EMAIL, PASSWORD);

  const login = server.log.at(-1);
  assert.equal(login.headers['x-auth-transport'], 'cookie');
  assert.equal(login.credentials, 'include');
  assert.deepEqual(state, { carrier: 'cookie', signedIn: true, expiresAt: clock.now() + 900_000, refreshExpiresAt: clock.now() + 1_209_600_000 });
  const csrf = profile.jar.get(CSRF).value;

  assert.equal((await client.me()).email, EMAIL);
  const me = server.log.at(-1);
  assert.equal(me.credentials, 'include');
  assert.equal(me.headers['x-csrf-token'], undefined, 'GET is safe: no CSRF header');

  await client.fetch('/api/echo', { method: 'POST', body: '{}' });
  const post = server.log.at(-1);
  assert.equal(post.credentials, 'include');
  assert.equal(post.headers['x-csrf-token'], csrf);

  // Proactive refresh: no body (the refresh cookie carries the token), CSRF echoed.
  await clock.advance(870_000);
  const refresh = server.log.at(-1);
  assert.equal(refresh.path, '/auth/refresh');
  assert.equal(refresh.body, undefined);
  assert.equal(refresh.headers['content-type'], undefined);
  assert.equal(refresh.headers['x-csrf-token'], csrf);
  assert.equal(refresh.credentials, 'include');

  assert.ok(server.log.every((r) => r.headers.authorization === undefined), 'never a Bearer header');
  assert.doesNotMatch(JSON.stringify(client.state), /at-|rt-/);

  await client.logout();
  const logout = server.log.at(-1);
  assert.deepEqual([logout.path, logout.body, logout.headers['x-csrf-token']], ['/auth/logout', undefined, csrf]);
  assert.equal(profile.jar.size, 0, 'authd cleared the cookies');
  client.close();
});

test('csrfCookie names another CSRF cookie', async () => {
  const { server, profile, tab } = setup();
  const client = tab({ csrfCookie: 'authd_csrf' });
  profile.jar.set('authd_csrf', { value: 'legacy value', httpOnly: false });
  profile.jar.set(CSRF, { value: 'not this one', httpOnly: false });

  await client.fetch('/api/echo', { method: 'POST' });

  assert.equal(server.log.at(-1).headers['x-csrf-token'], 'legacy value');
  client.close();
});

test('after a reload, restore() refreshes through the cookies when the CSRF cookie is there', async () => {
  const { server, tab } = setup({ BroadcastChannel: null });
  const first = tab();
  await first.login(EMAIL, PASSWORD);
  first.close();

  const reloaded = tab(); // new page: memory is empty, the cookies are not
  assert.equal(reloaded.signedIn, false);
  assert.equal(await reloaded.restore(), true);
  assert.equal(server.log.at(-1).path, '/auth/refresh');
  assert.equal(reloaded.signedIn, true);
  reloaded.close();
});

test('a 401 with a live cookie session refreshes once and retries', async () => {
  const { server, profile, tab } = setup();
  const client = tab();
  await client.login(EMAIL, PASSWORD);
  profile.jar.delete('__Host-authd_access'); // the access cookie expired and was dropped

  const res = await client.fetch('/auth/verify');

  assert.equal(res.status, 200);
  assert.deepEqual(server.log.slice(-3).map((r) => r.path), ['/auth/verify', '/auth/refresh', '/auth/verify']);
  client.close();
});

test('tabs share a cookie session and its single refresh', async () => {
  const { server, clock, tab } = setup();
  const tabs = [tab(), tab()];
  await tabs[0].login(EMAIL, PASSWORD);
  await flush();
  assert.equal(tabs[1].signedIn, true);

  await clock.advance(870_000);

  assert.equal(server.count('/auth/refresh'), 1);
  assert.equal(tabs[1].state.expiresAt, tabs[0].state.expiresAt);
  tabs.forEach((t) => t.close());
});

test('a server with cookies off answers tokens in the body: refused, session ended', async () => {
  const clock = createClock();
  const server = createServer(clock);
  const profile = createProfile();
  const client = createTab({ profile, server, clock, carrier: 'cookie', fetch: server.fetchFor(null) });

  await assert.rejects(client.login(EMAIL, PASSWORD), { code: 'cookies_disabled' });

  assert.equal(client.signedIn, false);
  assert.deepEqual(server.log.at(-1).body, { refresh_token: 'rt-1' }, 'the unwanted session was logged out');
  client.close();
});
