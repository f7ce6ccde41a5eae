// Demo SPA for authd: sign up, log in, /auth/me, a protected call, log out, with either
// carrier. Element ids (#status, #me, #result, ...) are stable so browser tests can use them;
// #status also carries data-state: loading | signed-out | signed-in | registered | error.
import { createAuthClient, AuthError } from './authd.js';

const params = new URLSearchParams(location.search);
const api = params.get('api') ?? 'http://localhost:8080';
const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));
const field = (id) => /** @type {HTMLInputElement} */ ($(id)).value;

/** @type {import('./authd.js').AuthClient} */
let client;

function status(state, text) {
  $('status').dataset.state = state;
  $('status').textContent = text;
}

function fail(e) {
  status('error', e instanceof AuthError ? `error: ${e.code} (${e.status}): ${e.message}` : `error: ${e?.message ?? e}`);
}

async function showMe() {
  const me = await client.me();
  $('me').textContent = JSON.stringify(me, null, 2);
  status('signed-in', `signed in as ${me.email}`);
}

function signedOut(text = 'signed out') {
  $('me').textContent = '';
  $('result').textContent = '';
  $('result').dataset.status = '';
  status('signed-out', text);
}

/** One client per carrier: the two carriers are separate sessions. */
function connect(carrier) {
  client?.close();
  client = createAuthClient({ baseUrl: api, carrier });
  // Fired for a login here and in any other tab alike.
  client.on('signedIn', () => showMe().catch(fail));
  client.on('signedOut', (d) => signedOut(d.reason === 'refreshFailed' ? `signed out: refresh failed (${d.error})` : 'signed out'));
  client.on('refreshFailed', (d) => console.warn('authd refresh failed:', d));
  status('loading', 'loading');
  client.restore().then((live) => (live ? showMe() : signedOut())).catch(fail);
}

/** Runs a button's action with the buttons disabled, so a double click sends one request. */
function action(id, fn) {
  $(id).addEventListener('click', async (event) => {
    event.preventDefault();
    const buttons = document.querySelectorAll('button');
    buttons.forEach((b) => (b.disabled = true));
    try {
      await fn();
    } catch (e) {
      fail(e);
    } finally {
      buttons.forEach((b) => (b.disabled = false));
    }
  });
}

action('login', () => client.login(field('email'), field('password'))); // then signedIn shows /auth/me

action('register', async () => {
  const user = await client.register(field('email'), field('password'));
  status('registered', `registered ${user.email}: now log in`);
});

action('call', async () => {
  const res = await client.fetch('/auth/verify');
  $('result').dataset.status = String(res.status);
  $('result').textContent = `GET /auth/verify: ${res.status} ${res.ok ? 'allowed' : 'refused'}`;
});

action('logout', () => client.logout());

const select = /** @type {HTMLSelectElement} */ ($('carrier'));
select.value = params.get('carrier') === 'cookie' ? 'cookie' : 'header';
select.addEventListener('change', () => {
  // Kept in the URL so a reload stays on the same carrier.
  params.set('carrier', select.value);
  history.replaceState(null, '', `?${params}`);
  connect(select.value);
});

$('api').textContent = api;
connect(select.value);
