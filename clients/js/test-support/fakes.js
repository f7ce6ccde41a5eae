// Fakes for the client's injectable globals: a manual clock, a browser profile (several
// tabs sharing BroadcastChannels, Web Locks and a cookie jar) and a small authd.
// (Outside test/, so that `node --test test/` does not run it as a test file.)

import { createAuthClient } from '../authd.js';

/** Lets pending promise chains, fake messages and fake lock grants run. */
export async function flush(rounds = 20) {
  for (let i = 0; i < rounds; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** A clock that moves only when told, so a 15-minute token expires in no real time. */
export function createClock(start = Date.UTC(2026, 0, 1)) {
  let now = start;
  let seq = 0;
  const timers = new Map();
  return {
    now: () => now,
    setTimeout(fn, ms) {
      timers.set(++seq, { at: now + Math.max(0, ms), fn });
      return seq;
    },
    clearTimeout(id) {
      timers.delete(id);
    },
    /**
     * Runs every timer due within `ms`, letting async work settle between instants. Timers
     * of one instant all fire before any of them settles, as in tabs running side by side.
     */
    async advance(ms) {
      const end = now + ms;
      await flush();
      for (;;) {
        const due = [...timers].filter(([, t]) => t.at <= end);
        if (!due.length) break;
        const at = Math.min(...due.map(([, t]) => t.at));
        now = at;
        for (const [id, t] of due) {
          if (t.at === at && timers.delete(id)) t.fn();
        }
        await flush();
      }
      now = end;
      await flush();
    },
  };
}

/** One browser profile: what its tabs share. */
export function createProfile() {
  const channels = new Map();
  const jar = new Map(); // name -> { value, httpOnly }

  class FakeBroadcastChannel {
    constructor(name) {
      this.name = name;
      this.onmessage = null;
      if (!channels.has(name)) channels.set(name, new Set());
      channels.get(name).add(this);
    }
    postMessage(data) {
      const copy = structuredClone(data);
      // Like the real one: not to itself, asynchronously, in order per sender.
      for (const other of channels.get(this.name) ?? []) {
        if (other !== this) setImmediate(() => other.onmessage?.({ data: copy }));
      }
    }
    close() {
      channels.get(this.name)?.delete(this);
    }
  }

  // Web Locks as Chromium grants them: the next waiter gets a released lock at once, before
  // any BroadcastChannel message the holder posted reaches it. A request whose `signal`
  // aborts while it waits rejects with an AbortError and never gets the lock.
  const queues = new Map();
  const locks = {
    grants: 0,
    held: () => [...queues].filter(([, q]) => q.length && q[0].granted).map(([name]) => name),
    async request(name, ...args) {
      const callback = args.at(-1);
      const signal = args.length > 1 ? args[0]?.signal : undefined;
      if (!queues.has(name)) queues.set(name, []);
      const queue = queues.get(name);
      const entry = { granted: false };
      await new Promise((grant, refuse) => {
        entry.grant = () => {
          entry.granted = true;
          grant();
        };
        signal?.addEventListener('abort', () => {
          if (entry.granted) return;
          queue.splice(queue.indexOf(entry), 1);
          refuse(new DOMException('aborted', 'AbortError'));
        });
        queue.push(entry);
        if (queue.length === 1) setImmediate(entry.grant);
      });
      locks.grants++;
      try {
        return await callback({ name, mode: 'exclusive' });
      } finally {
        queue.shift();
        queue[0]?.grant();
      }
    },
  };

  const document = {
    cookieReads: 0,
    // Scripts see only cookies that are not HttpOnly.
    get cookie() {
      this.cookieReads++;
      return [...jar].filter(([, c]) => !c.httpOnly).map(([n, c]) => `${n}=${encodeURIComponent(c.value)}`).join('; ');
    },
  };

  return { BroadcastChannel: FakeBroadcastChannel, locks, document, jar };
}

const ACCESS = '__Host-authd_access';
const REFRESH = '__Host-authd_refresh';
const CSRF = '__Host-authd_csrf';

/**
 * A small authd: register, login (body or cookies), rotating refresh with replay detection,
 * logout, and the protected /auth/me, /auth/verify and /api/echo. `fetchFor(profile)` is
 * that profile's `fetch`; every request is logged.
 */
export function createServer(clock, { accessTtl = 900, refreshTtl = 1_209_600 } = {}) {
  const users = new Map([['ada@example.com', 'correct horse battery staple']]);
  const access = new Map(); // token -> { email, sid, exp }
  const refresh = new Map(); // token -> { email, sid, retired }
  const revoked = new Set(); // sids
  const log = [];
  let n = 0;
  let sids = 0;
  const server = {
    log,
    access,
    /** Set to { status, error } to refuse every refresh. */
    refuseRefresh: null,
    count: (path) => log.filter((r) => r.path === path).length,
    fetchFor: (profile) => (request) => handle(request, profile?.jar),
  };

  const json = (status, body, headers = {}) =>
    new Response(body === null ? null : JSON.stringify(body), {
      status,
      headers: body === null ? headers : { 'content-type': 'application/json', ...headers },
    });
  const fail = (status, error, headers) => json(status, { error, message: error.replace(/_/g, ' ') }, headers);

  function mint(email, sid) {
    const k = ++n; // login k and its refreshes mint at-k / rt-k in order: at-1, at-2, ...
    const at = `at-${k}`;
    const rt = `rt-${k}`;
    access.set(at, { email, sid, exp: clock.now() + accessTtl * 1000 });
    refresh.set(rt, { email, sid, retired: false });
    return { access_token: at, token_type: 'Bearer', expires_in: accessTtl, refresh_token: rt, refresh_expires_in: refreshTtl };
  }

  function answer(pair, cookies, jar) {
    if (!cookies) return json(200, { ...pair, device_token: 'dev-1' }, { 'cache-control': 'no-store' });
    jar.set(ACCESS, { value: pair.access_token, httpOnly: true });
    jar.set(REFRESH, { value: pair.refresh_token, httpOnly: true });
    jar.set(CSRF, { value: `csrf-${access.get(pair.access_token).sid}`, httpOnly: false });
    return json(200, { token_type: 'cookie', expires_in: pair.expires_in, refresh_expires_in: pair.refresh_expires_in });
  }

  async function handle(request, jar) {
    const url = new URL(request.url);
    const text = await request.text();
    const entry = {
      method: request.method,
      path: url.pathname,
      headers: Object.fromEntries(request.headers),
      credentials: request.credentials,
      body: text ? JSON.parse(text) : undefined,
    };
    log.push(entry);
    // The browser sends this site's cookies only when asked to (cross-origin SPA).
    const cookie = (name) => (jar && request.credentials === 'include' ? jar.get(name)?.value : undefined);
    const csrfOk = () => entry.headers['x-csrf-token'] === cookie(CSRF);
    const body = entry.body ?? {};

    switch (`${request.method} ${url.pathname}`) {
      case 'POST /auth/register': {
        if (users.has(body.email)) return fail(409, 'email_taken');
        if ((body.password ?? '').length < 15) return fail(422, 'weak_password');
        users.set(body.email, body.password);
        return json(201, { id: `u-${users.size}`, email: body.email, created_at: new Date(clock.now()).toISOString() });
      }
      case 'POST /auth/login': {
        if (users.get(body.email) !== body.password) return fail(401, 'invalid_credentials');
        const cookies = entry.headers['x-auth-transport'] === 'cookie' && jar;
        return answer(mint(body.email, `sid-${++sids}`), cookies, jar);
      }
      case 'POST /auth/refresh': {
        if (server.refuseRefresh) {
          const { status, error, once } = server.refuseRefresh;
          if (once) server.refuseRefresh = null;
          return fail(status, error);
        }
        const fromCookie = !body.refresh_token && cookie(REFRESH);
        if (fromCookie && !csrfOk()) return fail(403, 'csrf_failed');
        const token = body.refresh_token ?? fromCookie;
        const rt = refresh.get(token);
        if (!rt || revoked.has(rt.sid)) return fail(401, 'invalid_grant');
        if (rt.retired) {
          revoked.add(rt.sid); // a replay ends the session
          return fail(401, 'invalid_grant');
        }
        rt.retired = true;
        return answer(mint(rt.email, rt.sid), !!fromCookie, jar);
      }
      case 'POST /auth/logout': {
        const fromCookie = !body.refresh_token && cookie(REFRESH);
        if (fromCookie && !csrfOk()) return fail(403, 'csrf_failed');
        const rt = refresh.get(body.refresh_token ?? fromCookie);
        if (!rt) return fail(401, 'invalid_grant');
        revoked.add(rt.sid);
        if (jar) for (const name of [ACCESS, REFRESH, CSRF]) jar.delete(name);
        return json(204, null);
      }
      case 'GET /auth/me':
      case 'GET /auth/verify':
      case 'POST /api/echo': {
        const bearer = /^Bearer +(.+)$/i.exec(entry.headers.authorization ?? '')?.[1];
        const token = bearer ?? cookie(ACCESS);
        if (!token) return fail(401, 'invalid_token', { 'www-authenticate': 'Bearer realm="authd"' });
        const at = access.get(token);
        if (!at || at.exp <= clock.now() || revoked.has(at.sid)) {
          return fail(401, 'invalid_token', { 'www-authenticate': 'Bearer realm="authd", error="invalid_token"' });
        }
        if (url.pathname === '/api/echo') return json(200, { echo: entry.body });
        if (url.pathname === '/auth/verify') return json(200, null);
        return json(200, { id: 'u-1', email: at.email, roles: [], sid: at.sid, expires_at: new Date(at.exp).toISOString() });
      }
      default:
        return fail(404, 'not_found');
    }
  }

  return server;
}

export const BASE = 'http://authd.test';

/** A client as one tab of `profile` would create it. */
export function createTab({ profile, server, clock, ...options }) {
  return createAuthClient({
    baseUrl: BASE,
    fetch: server.fetchFor(profile),
    locks: profile.locks,
    BroadcastChannel: profile.BroadcastChannel,
    document: profile.document,
    clock,
    ...options,
  });
}
