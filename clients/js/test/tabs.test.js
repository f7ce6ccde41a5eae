// Several tabs of one browser profile in one process: they share the session, and of the
// tabs whose tokens expire together exactly one refreshes (a second refresh with the retired
// token would be a replay and revoke the session).
import test from 'node:test';
import assert from 'node:assert/strict';
import { createClock, createProfile, createServer, createTab, flush } from '../test-support/fakes.js';

const EMAIL = 'ada@example.com';
const PASSWORD = 'correct horse battery staple';

function browser(tabCount, options = {}) {
  const clock = createClock();
  const server = createServer(clock);
  const profile = createProfile();
  const tabs = Array.from({ length: tabCount }, () => createTab({ profile, server, clock, ...options }));
  return { clock, server, profile, tabs, close: () => tabs.forEach((t) => t.close()) };
}

/** The Authorization each tab sends now. */
async function bearers(server, tabs) {
  const sent = [];
  for (const tab of tabs) {
    const res = await tab.fetch('/api/echo', { method: 'POST' });
    assert.equal(res.status, 200);
    sent.push(server.log.at(-1).headers.authorization);
  }
  return sent;
}

test('a login in one tab signs in the others', async () => {
  const { tabs, server, close } = browser(2);
  const seen = [];
  tabs[1].on('signedIn', (state) => seen.push(state.signedIn));

  await tabs[0].login(EMAIL, PASSWORD);
  await flush();

  assert.deepEqual(seen, [true]);
  assert.deepEqual(await bearers(server, tabs), ['Bearer at-1', 'Bearer at-1']);
  close();
});

test('two tabs expiring together make ONE refresh and both use the new token (Web Locks)', async () => {
  const { tabs, server, clock, profile, close } = browser(2);
  await tabs[0].login(EMAIL, PASSWORD);
  await flush();

  await clock.advance(870_000); // both timers fire at the same instant

  assert.equal(server.count('/auth/refresh'), 1);
  // The fake grants a released lock before the holder's message arrives, as Chromium does:
  // the holder keeps the retired version's lock, and the new session reaches the waiter.
  assert.equal(profile.locks.grants, 1, 'the second tab never held the lock and sent nothing');
  assert.deepEqual(await bearers(server, tabs), ['Bearer at-2', 'Bearer at-2']);
  assert.equal(tabs[0].state.expiresAt, tabs[1].state.expiresAt);
  close();
});

test('two tabs hit by 401 at once make ONE refresh and both retry with the new token', async () => {
  const { tabs, server, close } = browser(2);
  await tabs[0].login(EMAIL, PASSWORD);
  await flush();
  server.access.delete('at-1');

  const answers = await Promise.all(tabs.map((t) => t.fetch('/api/echo', { method: 'POST' })));

  assert.deepEqual(answers.map((r) => r.status), [200, 200]);
  assert.equal(server.count('/auth/refresh'), 1);
  assert.deepEqual(server.log.filter((r) => r.path === '/api/echo').slice(-2).map((r) => r.headers.authorization), ['Bearer at-2', 'Bearer at-2']);
  close();
});

test('a logout in one tab signs out the other', async () => {
  const { tabs, server, close } = browser(2);
  await tabs[0].login(EMAIL, PASSWORD);
  await flush();
  const seen = [];
  tabs[1].on('signedOut', (detail) => seen.push(detail));

  await tabs[0].logout();
  await flush();

  assert.deepEqual(seen, [{ reason: 'logout' }]);
  assert.equal(tabs[1].signedIn, false);
  assert.equal(server.count('/auth/logout'), 1);
  await tabs[1].fetch('/api/echo', { method: 'POST' });
  assert.equal(server.log.at(-1).headers.authorization, undefined);
  close();
});

test('a refused refresh signs out every tab', async () => {
  const { tabs, server, clock, close } = browser(2);
  await tabs[0].login(EMAIL, PASSWORD);
  await flush();
  server.refuseRefresh = { status: 401, error: 'invalid_grant' };
  const seen = [];
  tabs[1].on('signedOut', (detail) => seen.push(detail));

  await clock.advance(870_000);

  assert.equal(server.count('/auth/refresh'), 1);
  assert.deepEqual(seen, [{ reason: 'refreshFailed', error: 'invalid_grant' }]);
  assert.deepEqual(tabs.map((t) => t.signedIn), [false, false]);
  close();
});

test('the tab that rotated keeps the retired version locked for a while, then lets go', async () => {
  const { tabs, clock, profile, close } = browser(2);
  await tabs[0].login(EMAIL, PASSWORD);
  await flush();

  await clock.advance(870_000);
  const held = profile.locks.held();
  await clock.advance(5_000);

  assert.equal(held.length, 1);
  assert.match(held[0], /:refresh:/);
  assert.deepEqual(profile.locks.held(), []);
  close();
});

test('a refresh that failed with 503 releases the lock at once: another tab retries with the same token', async () => {
  const { tabs, server, close } = browser(2);
  await tabs[0].login(EMAIL, PASSWORD);
  await flush();
  server.refuseRefresh = { status: 503, error: 'unavailable', once: true };

  const first = tabs[0].refresh().catch((e) => e.code);
  const second = tabs[1].refresh().catch((e) => e.code);

  assert.equal(await first, 'unavailable');
  assert.equal(await second, true);
  const sent = server.log.filter((r) => r.path === '/auth/refresh').map((r) => r.body.refresh_token);
  assert.equal(sent.length, 2);
  assert.equal(sent[0], sent[1], 'the retry sent the same, still current, token');
  assert.deepEqual(tabs.map((t) => t.signedIn), [true, true]);
  close();
});

test('without navigator.locks the BroadcastChannel election still makes ONE refresh', async () => {
  const { tabs, server, clock, close } = browser(3, { locks: null });
  await tabs[1].login(EMAIL, PASSWORD);
  await flush();

  await clock.advance(870_000); // three timers at one instant; the election settles in 50 ms
  await clock.advance(1_000);

  assert.equal(server.count('/auth/refresh'), 1);
  assert.deepEqual(await bearers(server, tabs), ['Bearer at-2', 'Bearer at-2', 'Bearer at-2']);

  // And the next round too, now that every tab's claim is released.
  await clock.advance(870_000);
  assert.equal(server.count('/auth/refresh'), 2);
  assert.deepEqual(await bearers(server, tabs), ['Bearer at-3', 'Bearer at-3', 'Bearer at-3']);
  close();
});

test('the election survives a tab that closed while holding it', async () => {
  const { tabs, server, clock, profile, close } = browser(2, { locks: null });
  await tabs[0].login(EMAIL, PASSWORD);
  await flush();
  // A third tab claims and vanishes without a release: the others wait it out, then refresh.
  const ghost = new profile.BroadcastChannel(`authd:http://authd.test:header`);
  ghost.postMessage({ type: 'lock-claim', from: 'ghost', at: clock.now() - 1 });
  await flush();

  const refreshing = tabs[0].refresh();
  await clock.advance(5_000);
  assert.equal(server.count('/auth/refresh'), 0, 'still waiting for the ghost');
  await clock.advance(5_100);
  assert.equal(await refreshing, true);

  assert.equal(server.count('/auth/refresh'), 1);
  assert.deepEqual(tabs.map((t) => t.signedIn), [true, true]);
  ghost.close();
  close();
});

test('a tab opened later picks up the session from an open tab', async () => {
  const { tabs, server, clock, profile, close } = browser(1);
  await tabs[0].login(EMAIL, PASSWORD);
  const late = createTab({ profile, server, clock });

  const restoring = late.restore();
  await flush();

  assert.equal(await restoring, true);
  assert.deepEqual(await bearers(server, [late]), ['Bearer at-1']);
  late.close();
  close();
});
