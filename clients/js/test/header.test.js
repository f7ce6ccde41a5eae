// Header carrier in one tab: memory-only tokens, Bearer, proactive and reactive refresh.
import test from 'node:test';
import assert from 'node:assert/strict';
import { AuthError } from '../authd.js';
import { createClock, createProfile, createServer, createTab, flush } from '../test-support/fakes.js';

const EMAIL = 'ada@example.com';
const PASSWORD = 'correct horse battery staple';

function setup({ server: serverOptions, ...options } = {}) {
  const clock = createClock();
  const server = createServer(clock, serverOptions);
  const profile = createProfile();
  const client = createTab({ profile, server, clock, ...options });
  const events = [];
  for (const name of ['signedIn', 'signedOut', 'refreshed', 'refreshFailed']) client.on(name, (detail) => events.push([name, detail]));
  return { clock, server, profile, client, events };
}

const last = (server, path) => server.log.filter((r) => r.path === path).at(-1);

test('login keeps the tokens in memory only', async (t) => {
  const touched = [];
  const trap = (name) => new Proxy({}, { get: (_, key) => touched.push(`${name}.${String(key)}`) });
  globalThis.localStorage = trap('localStorage');
  globalThis.sessionStorage = trap('sessionStorage');
  t.after(() => {
    delete globalThis.localStorage;
    delete globalThis.sessionStorage;
  });
  const { client, server, events } = setup();

  const state = await client.login(EMAIL, PASSWORD);

  assert.deepEqual(last(server, '/auth/login').body, { email: EMAIL, password: PASSWORD });
  assert.equal(state.signedIn, true);
  assert.equal(state.carrier, 'header');
  assert.deepEqual(Object.keys(client), [], 'no public field holds a token');
  assert.doesNotMatch(JSON.stringify(client.state), /at-|rt-/);
  assert.deepEqual(touched, [], 'Web Storage is never touched');
  assert.deepEqual(events.map(([name]) => name), ['signedIn']);
  assert.equal((await client.me()).email, EMAIL);
  client.close();
});

test('client.fetch attaches the Bearer token, resolving paths against baseUrl', async () => {
  const { client, server } = setup();
  await client.fetch('/api/echo', { method: 'POST' });
  assert.equal(last(server, '/api/echo').headers.authorization, undefined, 'no token before login');

  await client.login(EMAIL, PASSWORD);
  const res = await client.fetch('/api/echo', { method: 'POST', body: '{"n":1}' });

  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { echo: { n: 1 } });
  assert.equal(last(server, '/api/echo').headers.authorization, 'Bearer at-1');
  client.close();
});

test('refreshes shortly before expiry: 30 s, or a tenth of a short lifetime', async () => {
  for (const [ttl, margin] of [[900, 30], [60, 6]]) {
    const { client, server, clock, events } = setup({ server: { accessTtl: ttl } });
    await client.login(EMAIL, PASSWORD);

    await clock.advance((ttl - margin) * 1000 - 1);
    assert.equal(server.count('/auth/refresh'), 0, `ttl ${ttl}: not yet`);
    await clock.advance(1);
    assert.equal(server.count('/auth/refresh'), 1, `ttl ${ttl}: ${margin} s before expiry`);
    assert.deepEqual(last(server, '/auth/refresh').body, { refresh_token: 'rt-1' });
    assert.equal(events.at(-1)[0], 'refreshed');

    await client.fetch('/api/echo', { method: 'POST' });
    assert.equal(last(server, '/api/echo').headers.authorization, 'Bearer at-2');
    client.close();
  }
});

test('refreshMargin overrides the default', async () => {
  const { client, server, clock } = setup({ refreshMargin: 120 });
  await client.login(EMAIL, PASSWORD);
  await clock.advance(779_000);
  assert.equal(server.count('/auth/refresh'), 0);
  await clock.advance(1_000);
  assert.equal(server.count('/auth/refresh'), 1);
  client.close();
});

test('a 401 invalid_token gets exactly one refresh and one retry, body included', async () => {
  const { client, server } = setup();
  await client.login(EMAIL, PASSWORD);
  server.access.delete('at-1'); // e.g. revoked elsewhere

  const res = await client.fetch('/api/echo', { method: 'POST', body: '{"keep":"me"}' });

  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { echo: { keep: 'me' } });
  assert.deepEqual(server.log.map((r) => r.path), ['/auth/login', '/api/echo', '/auth/refresh', '/api/echo']);
  assert.equal(last(server, '/api/echo').headers.authorization, 'Bearer at-2');
  client.close();
});

test('a retry that fails again is returned as is, with no second refresh', async () => {
  const clock = createClock();
  const server = createServer(clock);
  const profile = createProfile();
  const inner = server.fetchFor(profile);
  const fetch = async (req) => {
    const res = await inner(req);
    if (new URL(req.url).pathname !== '/api/echo') return res;
    return new Response('{"error":"invalid_token"}', {
      status: 401,
      headers: { 'www-authenticate': 'Bearer realm="authd", error="invalid_token"' },
    });
  };
  const client = createTab({ profile, server, clock, fetch });
  await client.login(EMAIL, PASSWORD);

  const res = await client.fetch('/api/echo', { method: 'POST' });

  assert.equal(res.status, 401);
  assert.equal(server.count('/auth/refresh'), 1);
  assert.equal(server.count('/api/echo'), 2);
  assert.equal(client.signedIn, true, 'the refresh worked, so the session stays');
  client.close();
});

test('a 401 without invalid_token (no token sent) does not refresh', async () => {
  const { client, server } = setup();
  const res = await client.fetch('/api/echo', { method: 'POST' });
  assert.equal(res.status, 401);
  assert.equal(server.count('/auth/refresh'), 0);
  client.close();
});

test('a refused refresh emits refreshFailed with the code and signs out', async () => {
  const { client, server, events } = setup();
  await client.login(EMAIL, PASSWORD);
  server.refuseRefresh = { status: 401, error: 'invalid_grant' };

  await assert.rejects(client.refresh(), (e) => e instanceof AuthError && e.code === 'invalid_grant' && e.status === 401);

  assert.deepEqual(events.slice(1), [
    ['refreshFailed', { error: 'invalid_grant', status: 401, message: 'invalid grant' }],
    ['signedOut', { reason: 'refreshFailed', error: 'invalid_grant' }],
  ]);
  assert.equal(client.signedIn, false);
  await client.fetch('/api/echo', { method: 'POST' });
  assert.equal(last(server, '/api/echo').headers.authorization, undefined);
  client.close();
});

test('a refresh answered 503 keeps the session and tries again after Retry-After', async () => {
  const clock = createClock();
  const server = createServer(clock);
  const profile = createProfile();
  const inner = server.fetchFor(profile);
  let outage = true;
  const fetch = (req) =>
    outage && req.url.endsWith('/auth/refresh')
      ? Promise.resolve(new Response('{"error":"unavailable","message":"try later"}', { status: 503, headers: { 'retry-after': '2' } }))
      : inner(req);
  const client = createTab({ profile, server, clock, fetch });
  const failures = [];
  client.on('refreshFailed', (d) => failures.push(d.error));
  await client.login(EMAIL, PASSWORD);

  await clock.advance(870_000);
  assert.deepEqual(failures, ['unavailable']);
  assert.equal(client.signedIn, true);

  outage = false;
  await clock.advance(2_000);
  assert.equal(server.count('/auth/refresh'), 1, 'the retry reached the server');
  assert.equal(client.state.expiresAt, clock.now() + 900_000);
  client.close();
});

test('server errors surface as AuthError with status, code and message', async () => {
  const { client } = setup();
  await assert.rejects(client.login(EMAIL, 'wrong password, long enough'), {
    name: 'AuthError', status: 401, code: 'invalid_credentials', message: 'invalid credentials',
  });
  await assert.rejects(client.register(EMAIL, 'another long password'), { status: 409, code: 'email_taken' });
  await assert.rejects(client.me(), { status: 401, code: 'invalid_token' });
  const user = await client.register('bob@example.com', 'a long enough password');
  assert.equal(user.email, 'bob@example.com');
  client.close();
});

test('logout revokes the refresh token and sends the device token at the next login', async () => {
  const { client, server, events } = setup();
  await client.login(EMAIL, PASSWORD);
  await client.logout();
  assert.deepEqual(last(server, '/auth/logout').body, { refresh_token: 'rt-1' });
  assert.deepEqual(events.at(-1), ['signedOut', { reason: 'logout' }]);
  assert.equal(client.signedIn, false);

  await client.login(EMAIL, PASSWORD);
  assert.equal(last(server, '/auth/login').body.device_token, 'dev-1');
  await flush();
  client.close();
});

test('concurrent 401s in one tab share one refresh, even with no lock or channel', async () => {
  const { client, server } = setup({ locks: null, BroadcastChannel: null });
  await client.login(EMAIL, PASSWORD);
  server.access.delete('at-1');

  const answers = await Promise.all([1, 2, 3].map(() => client.fetch('/api/echo', { method: 'POST' })));

  assert.deepEqual(answers.map((r) => r.status), [200, 200, 200]);
  assert.equal(server.count('/auth/refresh'), 1);
  client.close();
});
