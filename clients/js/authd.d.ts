// Hand-written types for authd.js (kept in step with its JSDoc).

export type Carrier = 'header' | 'cookie';

/** Injectable time, so tests need not wait for a real expiry. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(id: unknown): void;
}

/** The part of `navigator.locks` the client uses. */
export interface LockManager {
  request<T>(name: string, options: { signal?: AbortSignal }, callback: (lock: unknown) => Promise<T>): Promise<T>;
}

/** The part of a BroadcastChannel the client uses. */
export interface Channel {
  postMessage(data: any): void;
  close(): void;
  onmessage: ((event: { data: any }) => void) | null;
}

export type ChannelConstructor = new (name: string) => Channel;

export interface AuthClientOptions {
  /** Where authd answers, e.g. `http://localhost:8080`. */
  baseUrl: string;
  /** Default `'header'`. */
  carrier?: Carrier;
  /** Default the global `fetch`. */
  fetch?: (request: Request) => Promise<Response>;
  /** Default `navigator.locks`; `null` uses the BroadcastChannel election instead. */
  locks?: LockManager | null;
  /** Default the global one; `null` keeps this tab to itself. */
  BroadcastChannel?: ChannelConstructor | null;
  /** Names the lock and the channel (nothing is stored). Default `authd:<baseUrl>:<carrier>`. */
  storageKey?: string;
  /** Seconds before expiry to refresh. Default the smaller of 30 s and a tenth of the lifetime. */
  refreshMargin?: number;
  /** Default `'__Host-authd_csrf'`. */
  csrfCookie?: string;
  /** Where cookies are read. Default `document`. */
  document?: { cookie: string } | null;
  /** Default `Date.now` and the global timers. */
  clock?: Clock;
}

/** What the app may know about the session: never a token. */
export interface AuthState {
  carrier: Carrier;
  signedIn: boolean;
  /** Access-token expiry, ms since the epoch. */
  expiresAt: number | null;
  refreshExpiresAt: number | null;
}

export interface SignedOutDetail {
  reason: 'logout' | 'refreshFailed';
  /** The server's code when a refresh was refused. */
  error?: string;
}

export interface RefreshFailedDetail {
  /** The server's JSON `error` code, or `network_error`. */
  error: string;
  /** HTTP status; 0 when no answer came. */
  status: number;
  message: string;
}

export interface AuthEventMap {
  signedIn: AuthState;
  refreshed: AuthState;
  signedOut: SignedOutDetail;
  refreshFailed: RefreshFailedDetail;
}

export type AuthEventName = keyof AuthEventMap;

export interface User {
  id: string;
  email: string;
  created_at: string;
}

export interface Me {
  id: string;
  email: string;
  roles: string[];
  sid: string;
  expires_at: string;
}

/** A failure answered by authd (`{error, message}`), or `network_error` when none came. */
export class AuthError extends Error {
  constructor(status: number, code: string, message: string, retryAfter?: number);
  readonly name: 'AuthError';
  /** HTTP status; 0 when the request never got an answer. */
  status: number;
  /** The JSON `error` field, e.g. `invalid_credentials`. */
  code: string;
  /** Seconds, from `Retry-After` (429, 503). */
  retryAfter: number | undefined;
  static from(res: Response): Promise<AuthError>;
}

export class AuthClient {
  constructor(options: AuthClientOptions);
  readonly carrier: Carrier;
  readonly signedIn: boolean;
  readonly state: AuthState;
  /** Returns a function that removes the listener. */
  on<K extends AuthEventName>(event: K, listener: (detail: AuthEventMap[K]) => void): () => void;
  off<K extends AuthEventName>(event: K, listener: (detail: AuthEventMap[K]) => void): void;
  /** Creates an account; it does not sign in. */
  register(email: string, password: string): Promise<User>;
  /** Signs in, in every tab of this browser profile. */
  login(email: string, password: string): Promise<AuthState>;
  /** Ends the session on the server and in every tab. */
  logout(): Promise<void>;
  /** `GET /auth/me` through `fetch` (refresh and retry included). */
  me(): Promise<Me>;
  /** Refreshes now, once across the tabs; resolves whether a session is live afterwards. */
  refresh(): Promise<boolean>;
  /** After a page load: the session of another open tab, else (cookie carrier) a refresh. */
  restore(waitMs?: number): Promise<boolean>;
  /** `fetch` with the session attached; relative URLs resolve against `baseUrl`. */
  fetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response>;
  /** Stops timers and leaves the tab group. */
  close(): void;
}

export function createAuthClient(options: AuthClientOptions): AuthClient;
