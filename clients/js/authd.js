// @ts-check
/**
 * authd browser client: one dependency-free ES module, no build step.
 *
 * Two carriers:
 * - `header`: the token pair lives in this tab's memory only, never in Web Storage, so no
 *   script can lift a refresh token from disk or from a later page load; `client.fetch`
 *   sends `Authorization: Bearer <access>`.
 * - `cookie` (authd runs with `AUTHD_COOKIES=on`): authd keeps both tokens in HttpOnly
 *   cookies and this module never sees one. It sends `credentials: 'include'` and echoes
 *   the readable CSRF cookie in `X-CSRF-Token` on unsafe methods (double submit).
 *
 * The tabs of one browser profile share one session: a login, refresh or logout in one tab
 * is broadcast to the others, and at most one refresh is in flight at a time (Web Locks, or
 * an election over BroadcastChannel where Web Locks are missing). That matters because authd
 * rotates refresh tokens: a second refresh with the token another tab just retired is a
 * replay, and past the server's short grace window a replay revokes the whole session.
 *
 * @module authd
 */

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
/** Browsers fire a setTimeout of more than 2^31-1 ms at once; longer waits are re-armed. */
const MAX_TIMER = 2 ** 31 - 1;
const INVALID_TOKEN = /\berror\s*=\s*"?invalid_token\b/i;
/**
 * How long the tab that rotated keeps the lock of the session version it retired: far
 * longer than a BroadcastChannel message takes to reach the other tabs, so no tab that has
 * not yet heard of the new pair can take the lock and send the retired refresh token.
 */
const RETIRED_LOCK_HOLD = 5_000;

/**
 * @typedef {'header' | 'cookie'} Carrier
 * @typedef {'signedIn' | 'signedOut' | 'refreshed' | 'refreshFailed'} AuthEventName
 *
 * @typedef {object} Clock  injectable so tests need not wait for real expiry
 * @property {() => number} now  milliseconds since the epoch
 * @property {(fn: () => void, ms: number) => unknown} setTimeout
 * @property {(id: unknown) => void} clearTimeout
 *
 * @typedef {object} LockManager  the part of `navigator.locks` this module uses
 * @property {<T>(name: string, options: { signal?: AbortSignal },
 *   callback: (lock: unknown) => Promise<T>) => Promise<T>} request
 *
 * @typedef {object} Channel  the part of a BroadcastChannel this module uses
 * @property {(data: any) => void} postMessage
 * @property {() => void} close
 * @property {((event: { data: any }) => void) | null} onmessage
 *
 * @typedef {new (name: string) => Channel} ChannelConstructor
 *
 * @typedef {object} AuthClientOptions
 * @property {string} baseUrl  where authd answers, e.g. `http://localhost:8080`
 * @property {Carrier} [carrier]  default `'header'`
 * @property {(request: Request) => Promise<Response>} [fetch]  default the global `fetch`
 * @property {LockManager | null} [locks]  default `navigator.locks`; `null` uses the
 *   BroadcastChannel election instead
 * @property {ChannelConstructor | null} [BroadcastChannel]  default the global one; `null`
 *   keeps this tab to itself (no shared session, no cross-tab single flight)
 * @property {string} [storageKey]  names the lock and the channel (nothing is stored);
 *   default `authd:<baseUrl>:<carrier>`
 * @property {number} [refreshMargin]  seconds before expiry to refresh; default the smaller
 *   of 30 s and a tenth of the access-token lifetime
 * @property {string} [csrfCookie]  default `'__Host-authd_csrf'`
 * @property {{ cookie: string } | null} [document]  where cookies are read; default `document`
 * @property {Clock} [clock]  default `Date.now` and the global timers
 *
 * @typedef {object} AuthState  what the app may know; never a token
 * @property {Carrier} carrier
 * @property {boolean} signedIn
 * @property {number | null} expiresAt  access expiry, ms since the epoch
 * @property {number | null} refreshExpiresAt
 *
 * @typedef {object} SignedOutDetail
 * @property {'logout' | 'refreshFailed'} reason
 * @property {string} [error]  the server's code when a refresh was refused
 *
 * @typedef {object} RefreshFailedDetail
 * @property {string} error  the server's JSON `error` code, or `network_error`
 * @property {number} status  HTTP status, 0 for a network failure
 * @property {string} message
 *
 * @typedef {{ signedIn: AuthState, refreshed: AuthState, signedOut: SignedOutDetail,
 *   refreshFailed: RefreshFailedDetail }} AuthEventMap
 *
 * @typedef {object} Session  one tab's copy of the shared session
 * @property {string} version  new at every login and refresh, whichever tab made it
 * @property {number} expiresAt
 * @property {number} refreshExpiresAt
 * @property {number} ttl  access-token lifetime, seconds
 * @property {string} [access]  header carrier only
 * @property {string} [refresh]  header carrier only
 */

/** A failure answered by authd (`{error, message}`), or `network_error` when none came. */
export class AuthError extends Error {
  /**
   * @param {number} status  HTTP status, 0 when the request never got an answer
   * @param {string} code  the JSON `error` field
   * @param {string} message
   * @param {number} [retryAfter]  seconds, from `Retry-After` (429, 503)
   */
  constructor(status, code, message, retryAfter) {
    super(message);
    this.name = 'AuthError';
    this.status = status;
    this.code = code;
    this.retryAfter = retryAfter;
  }

  /** @param {Response} res */
  static async from(res) {
    /** @type {any} */
    let body = null;
    try {
      body = await res.json();
    } catch {
      // not JSON (a proxy's error page): fall back to the status
    }
    const retryAfter = Number(res.headers.get('retry-after')) || undefined;
    return new AuthError(res.status, body?.error ?? `http_${res.status}`,
      body?.message ?? body?.error_description ?? res.statusText, retryAfter);
  }
}

/** @param {unknown} e */
const networkError = (e) =>
  e instanceof AuthError ? e : new AuthError(0, 'network_error', e instanceof Error ? e.message : String(e));

/**
 * @param {AuthClientOptions} options
 * @returns {AuthClient}
 */
export function createAuthClient(options) {
  return new AuthClient(options);
}

export class AuthClient {
  /** @type {string} */ #base;
  /** @type {Carrier} */ #carrier;
  /** @type {(request: Request) => Promise<Response>} */ #fetch;
  /** @type {LockManager | null} */ #locks;
  /** @type {Channel | null} */ #channel = null;
  /** @type {ChannelLock | null} */ #channelLock = null;
  /** @type {{ cookie: string } | null} */ #document;
  /** @type {Clock} */ #clock;
  /** @type {string} */ #csrfCookie;
  /** @type {number | undefined} */ #margin;
  /** @type {string} */ #name;
  /** @type {string} */ #tabId = Math.random().toString(36).slice(2) + Date.now().toString(36);
  #versions = 0;
  /** @type {Session | null} */ #session = null;
  /** @type {unknown} */ #timer = null;
  /** @type {Promise<boolean> | null} */ #inflight = null;
  /** @type {Set<AbortController>} lock requests to drop when the session changes */
  #lockWaits = new Set();
  /** @type {string | undefined} */ #deviceToken;
  /** @type {Map<string, Set<(detail: any) => void>>} */ #listeners = new Map();

  /** @param {AuthClientOptions} options */
  constructor(options) {
    if (!options?.baseUrl) throw new TypeError('baseUrl is required');
    const carrier = options.carrier ?? 'header';
    if (carrier !== 'header' && carrier !== 'cookie') throw new TypeError(`unknown carrier ${carrier}`);
    /** @type {any} */
    const g = globalThis;
    const fetch = options.fetch ?? g.fetch;
    this.#base = String(options.baseUrl).replace(/\/+$/, '');
    this.#carrier = carrier;
    // Called as a plain function: `window.fetch` throws when called on another `this`.
    this.#fetch = (request) => fetch(request);
    this.#locks = 'locks' in options ? options.locks ?? null : g.navigator?.locks ?? null;
    this.#document = 'document' in options ? options.document ?? null : g.document ?? null;
    this.#clock = options.clock ?? {
      now: () => Date.now(),
      setTimeout: (fn, ms) => setTimeout(fn, ms),
      clearTimeout: (id) => clearTimeout(/** @type {any} */ (id)),
    };
    this.#csrfCookie = options.csrfCookie ?? '__Host-authd_csrf';
    this.#margin = options.refreshMargin;
    this.#name = options.storageKey ?? `authd:${this.#base}:${carrier}`;

    const Channel = 'BroadcastChannel' in options ? options.BroadcastChannel : g.BroadcastChannel;
    if (Channel) {
      const channel = new Channel(this.#name);
      channel.onmessage = (/** @type {{ data: any }} */ event) => this.#onMessage(event.data);
      this.#channel = channel;
      if (!this.#locks) this.#channelLock = new ChannelLock(this.#tabId, this.#clock, (m) => this.#broadcast(m));
      // A tab opened after the login asks the others for the session it would share.
      this.#broadcast({ type: 'hello' });
    }
  }

  /** @returns {Carrier} */
  get carrier() {
    return this.#carrier;
  }

  get signedIn() {
    return this.#session !== null;
  }

  /** @returns {AuthState} */
  get state() {
    const s = this.#session;
    return { carrier: this.#carrier, signedIn: !!s, expiresAt: s?.expiresAt ?? null, refreshExpiresAt: s?.refreshExpiresAt ?? null };
  }

  /**
   * @template {AuthEventName} K
   * @param {K} event
   * @param {(detail: AuthEventMap[K]) => void} listener
   * @returns {() => void} removes the listener
   */
  on(event, listener) {
    let set = this.#listeners.get(event);
    if (!set) this.#listeners.set(event, (set = new Set()));
    set.add(listener);
    return () => this.off(event, listener);
  }

  /**
   * @template {AuthEventName} K
   * @param {K} event
   * @param {(detail: AuthEventMap[K]) => void} listener
   */
  off(event, listener) {
    this.#listeners.get(event)?.delete(listener);
  }

  /**
   * Creates an account; it does not sign in.
   * @param {string} email
   * @param {string} password
   * @returns {Promise<{ id: string, email: string, created_at: string }>}
   */
  register(email, password) {
    return this.#call('POST', '/auth/register', { email, password });
  }

  /**
   * Signs in, in every tab of this profile.
   * @param {string} email
   * @param {string} password
   * @returns {Promise<AuthState>}
   */
  async login(email, password) {
    const cookie = this.#carrier === 'cookie';
    /** @type {Record<string, string>} */
    const body = { email, password };
    // authd counts a known device apart from password sprayers (cookie sessions keep it in a cookie).
    if (!cookie && this.#deviceToken) body.device_token = this.#deviceToken;
    const data = await this.#call('POST', '/auth/login', body, cookie ? { 'x-auth-transport': 'cookie' } : {});
    if (cookie && data.token_type !== 'cookie') {
      // AUTHD_COOKIES is off, so the tokens came in the body: end that session, keep none.
      await this.#call('POST', '/auth/logout', { refresh_token: data.refresh_token }).catch(() => {});
      throw new AuthError(0, 'cookies_disabled', 'authd answered with tokens, not cookies: is AUTHD_COOKIES=on?');
    }
    if (!cookie) this.#deviceToken = data.device_token;
    this.#start(data, 'login');
    return this.state;
  }

  /**
   * Ends the session on the server and in every tab. The tabs sign out even when the
   * server cannot be reached (the error is then thrown: the session may still live there).
   * @returns {Promise<void>}
   */
  async logout() {
    const s = this.#session;
    this.#signOut({ reason: 'logout' });
    try {
      if (this.#carrier === 'header') {
        if (s?.refresh) await this.#call('POST', '/auth/logout', { refresh_token: s.refresh });
      } else if (this.#csrf()) {
        await this.#call('POST', '/auth/logout');
      }
    } catch (e) {
      // 401 invalid_grant: the session had already ended, which is what was asked.
      if (!(e instanceof AuthError && e.status === 401)) throw e;
    }
  }

  /**
   * `GET /auth/me` through {@link AuthClient.fetch}.
   * @returns {Promise<{ id: string, email: string, roles: string[], sid: string, expires_at: string }>}
   */
  async me() {
    const res = await this.fetch(`${this.#base}/auth/me`).catch((e) => {
      throw networkError(e);
    });
    if (!res.ok) throw await AuthError.from(res);
    return res.json();
  }

  /**
   * Refreshes now, at most once across the tabs at a time. Resolves whether a session is
   * live afterwards; rejects with the AuthError of a refused refresh.
   * @returns {Promise<boolean>}
   */
  refresh() {
    return this.#refresh(this.#session?.version ?? null);
  }

  /**
   * Picks up a session after a page load: from another open tab, else (cookie carrier, when
   * the CSRF cookie says a session may exist) by a refresh. A header session that no tab
   * holds is gone: it lived in memory only.
   * @param {number} [waitMs]  how long to wait for another tab's answer
   * @returns {Promise<boolean>}
   */
  async restore(waitMs = 100) {
    if (!this.#session && this.#channel) {
      await new Promise((resolve) => {
        const done = () => {
          this.#clock.clearTimeout(timer);
          off();
          resolve(undefined);
        };
        const timer = this.#clock.setTimeout(done, waitMs);
        const off = this.on('signedIn', done);
      });
    }
    if (this.#session) return true;
    if (this.#carrier === 'cookie' && this.#csrf()) return this.refresh().catch(() => false);
    return false;
  }

  /**
   * `fetch` with the session attached. Relative URLs resolve against `baseUrl`. Refreshes
   * first when the access token is about to expire; on a 401 for a bad token, refreshes once
   * and retries once. Pass the body as a string, Blob or FormData (not a stream) so the
   * retry can send it again.
   * @param {RequestInfo | URL} input
   * @param {RequestInit} [init]
   * @returns {Promise<Response>}
   */
  async fetch(input, init) {
    const url = typeof input === 'string' || input instanceof URL ? new URL(input, `${this.#base}/`) : input;
    const request = this.#request(url, init);
    let s = this.#session;
    if (s && this.#due(s)) {
      await this.#refresh(s.version).catch(() => {}); // a transient failure: try the current token
      s = this.#session;
    }
    const res = await this.#send(request, s);
    if (!(await this.#staleSession(res, s))) return res;
    const live = await this.#refresh(s?.version ?? null).catch(() => false);
    return live ? this.#send(request, this.#session) : res;
  }

  /** Stops timers and leaves the tab group; the session stays valid in the other tabs. */
  close() {
    this.#clock.clearTimeout(this.#timer);
    this.#timer = null;
    this.#channel?.close();
    this.#channel = null;
  }

  // --- requests -------------------------------------------------------------------------

  /**
   * @param {RequestInfo | URL} input
   * @param {RequestInit} [init]
   */
  #request(input, init) {
    return new Request(input, this.#carrier === 'cookie' ? { ...init, credentials: 'include' } : init);
  }

  /**
   * Sends a copy (so a retry can send the original again) with this carrier's credentials.
   * @param {Request} request
   * @param {Session | null} session
   */
  #send(request, session) {
    const req = request.clone();
    if (this.#carrier === 'header') {
      if (session?.access && !req.headers.has('authorization')) req.headers.set('authorization', `Bearer ${session.access}`);
    } else if (!SAFE_METHODS.has(req.method)) {
      const csrf = this.#csrf();
      if (csrf) req.headers.set('x-csrf-token', csrf);
    }
    return this.#fetch(req);
  }

  /**
   * One JSON call to authd itself, without the refresh-and-retry of `fetch`.
   * @param {string} method
   * @param {string} path
   * @param {object} [body]
   * @param {Record<string, string>} [headers]
   * @returns {Promise<any>}
   */
  async #call(method, path, body, headers = {}) {
    const init = body === undefined
      ? { method, headers }
      : { method, headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(body) };
    const res = await this.#send(this.#request(`${this.#base}${path}`, init), null).catch((e) => {
      throw networkError(e);
    });
    if (!res.ok) throw await AuthError.from(res);
    return res.status === 204 ? null : res.json();
  }

  /**
   * Whether a refresh could cure this answer: a 401 saying the access token is bad (header
   * carrier), or any 401 while a cookie session may exist (an expired access cookie is
   * simply not sent, so authd cannot say `invalid_token`).
   * @param {Response} res
   * @param {Session | null} session
   */
  async #staleSession(res, session) {
    if (res.status !== 401) return false;
    if (this.#carrier === 'cookie') return !!session || !!this.#csrf();
    if (!session) return false;
    const challenge = res.headers.get('www-authenticate');
    if (challenge) return INVALID_TOKEN.test(challenge);
    // A cross-origin answer whose WWW-Authenticate is not exposed: the JSON body says it too.
    const body = await res.clone().json().catch(() => null);
    return body?.error === 'invalid_token';
  }

  #csrf() {
    const prefix = `${this.#csrfCookie}=`;
    for (const part of (this.#document?.cookie ?? '').split(';')) {
      const c = part.trim();
      if (c.startsWith(prefix)) return decodeURIComponent(c.slice(prefix.length));
    }
    return null;
  }

  // --- refresh --------------------------------------------------------------------------

  /**
   * @param {string | null} seen  the session version the caller found stale
   * @returns {Promise<boolean>}
   */
  #refresh(seen) {
    // One refresh per tab at a time; the lock makes it one per profile.
    const refresh = () => this.#refreshLocked(seen);
    this.#inflight ??= (this.#locks ? this.#versionLock(this.#locks, seen, refresh)
      : this.#channelLock ? this.#channelLock.run(refresh)
      : refresh()
    ).finally(() => {
      this.#inflight = null;
    });
    return this.#inflight;
  }

  /**
   * Web Locks: one lock per session version, so the refresh of a version runs in one tab.
   * Chromium may grant a waiting tab the lock before the holder's BroadcastChannel message
   * reaches it, so a released lock would let that tab send the token just retired. Instead
   * the tab that rotated keeps the retired version's lock a while, and a tab waiting for it
   * stops waiting when the new session (or a sign-out) reaches it: see #adopt and #drop.
   * @param {LockManager} locks
   * @param {string | null} seen
   * @param {() => Promise<boolean>} fn
   * @returns {Promise<boolean>}
   */
  #versionLock(locks, seen, fn) {
    return new Promise((resolve, reject) => {
      const waiting = new AbortController();
      this.#lockWaits.add(waiting);
      locks
        .request(`${this.#name}:refresh:${seen}`, { signal: waiting.signal }, async () => {
          this.#lockWaits.delete(waiting);
          await fn().then(resolve, reject);
          // Rotated, or refused and signed out: no other tab may send this version's token.
          // A failure that left the session as it was (503, offline) releases at once, so
          // another tab may retry with it, as authd allows.
          if ((this.#session?.version ?? null) !== seen) {
            await new Promise((done) => this.#clock.setTimeout(() => done(undefined), RETIRED_LOCK_HOLD));
          }
        })
        .catch((e) => {
          this.#lockWaits.delete(waiting);
          // Aborted: another tab's result arrived while this one waited.
          if (waiting.signal.aborted) resolve(!!this.#session);
          else reject(e);
        });
    });
  }

  /** The session changed: a tab waiting to refresh the old one has nothing left to do. */
  #stopWaitingForLocks() {
    for (const waiting of this.#lockWaits) waiting.abort();
    this.#lockWaits.clear();
  }

  /** @param {string | null} seen */
  async #refreshLocked(seen) {
    const s = this.#session;
    // While this tab waited for the lock, the holder's result (or sign-out) was adopted: the
    // token this tab would send is retired, and sending it would be a replay.
    if ((s?.version ?? null) !== seen) return !!s;
    if (this.#carrier === 'header' ? !s?.refresh : !s && !this.#csrf()) return false;
    let data;
    try {
      data = s?.refresh
        ? await this.#call('POST', '/auth/refresh', { refresh_token: s.refresh })
        : await this.#call('POST', '/auth/refresh'); // the refresh cookie carries it
    } catch (e) {
      const err = networkError(e);
      this.#emit('refreshFailed', { error: err.code, status: err.status, message: err.message });
      if (err.status >= 400 && err.status < 500 && err.status !== 429) {
        this.#signOut({ reason: 'refreshFailed', error: err.code }); // refused: the session is over
      } else if (this.#session === s) {
        this.#schedule(1000 * (err.retryAfter ?? 5)); // 429, 503, offline: the token is still good
      }
      throw err;
    }
    // A login or logout meanwhile wins over this result.
    if ((this.#session?.version ?? null) !== seen) return !!this.#session;
    this.#start(data, 'refresh');
    return true;
  }

  /**
   * When to refresh: ahead of expiry by 30 s, or a tenth of a short lifetime, so that a
   * request sent just before the refresh still arrives with a live token.
   * @param {Session} s
   */
  #refreshAt(s) {
    return s.expiresAt - 1000 * (this.#margin ?? Math.min(30, s.ttl / 10));
  }

  /** @param {Session} s */
  #due(s) {
    return this.#clock.now() >= this.#refreshAt(s);
  }

  /** @param {number} [delay]  ms; default until the session is due */
  #schedule(delay) {
    this.#clock.clearTimeout(this.#timer);
    this.#timer = null;
    const s = this.#session;
    if (!s) return;
    delay ??= this.#refreshAt(s) - this.#clock.now();
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = null;
      if (this.#session !== s) return;
      if (this.#due(s)) this.#refresh(s.version).catch(() => {}); // failures are events
      else this.#schedule();
    }, Math.min(Math.max(delay, 0), MAX_TIMER));
  }

  // --- session state, shared with the other tabs -----------------------------------------

  /**
   * A login or refresh answer becomes the session of every tab.
   * @param {any} data
   * @param {'login' | 'refresh'} reason
   */
  #start(data, reason) {
    const now = this.#clock.now();
    /** @type {Session} */
    const s = {
      version: `${this.#tabId}:${++this.#versions}`,
      expiresAt: now + 1000 * data.expires_in,
      refreshExpiresAt: now + 1000 * data.refresh_expires_in,
      ttl: data.expires_in,
    };
    if (this.#carrier === 'header') {
      s.access = data.access_token;
      s.refresh = data.refresh_token;
    }
    this.#adopt(s, reason);
    // Header carrier: the other tabs must take this pair, not refresh with the retired one.
    // The channel is same-origin and in memory, as the tabs themselves are.
    this.#broadcast({ type: 'session', reason, session: s });
  }

  /**
   * @param {Session} s
   * @param {'login' | 'refresh' | 'sync'} reason
   */
  #adopt(s, reason) {
    const was = this.#session;
    this.#session = s;
    this.#stopWaitingForLocks();
    this.#schedule();
    this.#emit(reason === 'refresh' && was ? 'refreshed' : 'signedIn', this.state);
  }

  /** @param {SignedOutDetail} detail */
  #signOut(detail) {
    this.#broadcast({ type: 'signedOut', detail });
    this.#drop(detail);
  }

  /** @param {SignedOutDetail} detail */
  #drop(detail) {
    if (!this.#session) return;
    this.#session = null;
    this.#stopWaitingForLocks();
    this.#schedule();
    this.#emit('signedOut', detail);
  }

  /** @param {any} msg */
  #onMessage(msg) {
    if (!msg || msg.from === this.#tabId) return;
    switch (msg.type) {
      case 'hello':
        if (this.#session) this.#broadcast({ type: 'session', reason: 'sync', session: this.#session });
        break;
      case 'session':
        // A login or refresh always wins; a sync answer only fills an empty tab.
        if (msg.reason !== 'sync' || !this.#session) this.#adopt(msg.session, msg.reason);
        break;
      case 'signedOut':
        this.#drop(msg.detail);
        break;
      default:
        this.#channelLock?.onMessage(msg);
    }
  }

  /** @param {object} msg */
  #broadcast(msg) {
    this.#channel?.postMessage({ ...msg, from: this.#tabId });
  }

  /**
   * @param {AuthEventName} event
   * @param {any} detail
   */
  #emit(event, detail) {
    for (const listener of [...(this.#listeners.get(event) ?? [])]) {
      try {
        listener(detail);
      } catch (e) {
        // A broken listener must not break the session; still report it.
        queueMicrotask(() => {
          throw e;
        });
      }
    }
  }
}

/**
 * Mutual exclusion over a BroadcastChannel, for browsers without Web Locks. Every tab
 * records every claim it hears; the oldest claim (then the smaller tab id) holds the lock
 * and ends it with a release message. One sender's messages arrive in order, so the
 * holder's result reaches each tab before its release does, and the next holder sees that
 * the session changed. A claim whose tab stays silent for `timeout` ms is dropped (the tab
 * was closed mid-refresh).
 */
class ChannelLock {
  /** @type {Map<string, number>} tab id -> time of its claim */
  #claims = new Map();
  /** @type {Set<() => void>} */
  #waiters = new Set();

  /**
   * @param {string} id
   * @param {Clock} clock
   * @param {(msg: object) => void} post
   * @param {{ settle?: number, timeout?: number }} [timing]  ms
   */
  constructor(id, clock, post, { settle = 50, timeout = 10_000 } = {}) {
    this.id = id;
    this.clock = clock;
    this.post = post;
    this.settle = settle;
    this.timeout = timeout;
  }

  /** @param {any} msg */
  onMessage(msg) {
    if (msg.type === 'lock-claim') this.#claims.set(msg.from, msg.at);
    else if (msg.type === 'lock-release') this.#claims.delete(msg.from);
    else return;
    for (const wake of this.#waiters) wake();
    this.#waiters.clear();
  }

  /**
   * @template T
   * @param {() => Promise<T>} fn
   * @returns {Promise<T>}
   */
  async run(fn) {
    const at = this.clock.now();
    this.#claims.set(this.id, at);
    this.post({ type: 'lock-claim', at });
    try {
      // First hear the claims other tabs sent at the same moment.
      await new Promise((resolve) => this.clock.setTimeout(() => resolve(undefined), this.settle));
      for (;;) {
        const holder = this.#holder();
        if (holder === this.id) return await fn();
        if (!(await this.#wait(this.timeout))) this.#claims.delete(holder);
      }
    } finally {
      this.#claims.delete(this.id);
      this.post({ type: 'lock-release' });
    }
  }

  #holder() {
    let best = this.id;
    for (const [id, at] of this.#claims) {
      const bestAt = /** @type {number} */ (this.#claims.get(best));
      if (at < bestAt || (at === bestAt && id < best)) best = id;
    }
    return best;
  }

  /**
   * Resolves true at the next lock message, false after `ms`.
   * @param {number} ms
   * @returns {Promise<boolean>}
   */
  #wait(ms) {
    return new Promise((resolve) => {
      const wake = () => {
        this.clock.clearTimeout(timer);
        resolve(true);
      };
      const timer = this.clock.setTimeout(() => {
        this.#waiters.delete(wake);
        resolve(false);
      }, ms);
      this.#waiters.add(wake);
    });
  }
}
