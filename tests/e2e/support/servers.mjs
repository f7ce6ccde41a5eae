// The processes an end-to-end test runs against: a real authd (the binary `make e2e`
// builds, on a fresh SQLite database and key in a temporary folder), the SPA demo's static
// server, and a "third-party" page server. Each listens on port 0 on the loopback address.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../../..');
const AUTHD_BIN = process.env.AUTHD_BIN ?? join(ROOT, 'target/debug/authd');

/**
 * Starts a child process and resolves once a line of its output matches `ready`.
 * @param {string} command
 * @param {string[]} args
 * @param {NodeJS.ProcessEnv} env
 * @param {RegExp} ready
 */
function startProcess(command, args, env, ready) {
  const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  /** @type {string[]} */
  const lines = [];
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => fail(new Error(`${command}: not ready after 20 s:\n${lines.join('\n')}`)), 20_000);
    const fail = (/** @type {Error} */ e) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(e);
    };
    let pending = '';
    const onData = (/** @type {Buffer} */ chunk) => {
      pending += chunk.toString('utf8');
      const parts = pending.split('\n');
      pending = parts.pop() ?? '';
      for (const line of parts) {
        lines.push(line);
        if (process.env.E2E_VERBOSE) console.error(`[${command.split('/').pop()}] ${line}`);
        const match = line.match(ready);
        if (match) {
          clearTimeout(timer);
          resolvePromise({ child, lines, match });
        }
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => fail(new Error(`${command} exited (${code}) before it was ready:\n${lines.join('\n')}`)));
  });
}

/**
 * A running authd. `requests(method, path)` counts the requests its access log shows.
 * @param {Record<string, string>} [settings]  extra AUTHD_* variables
 */
export async function startAuthd(settings = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'authd-e2e-'));
  execFileSync(AUTHD_BIN, ['keys', 'generate', '--dir', join(dir, 'keys')], { stdio: 'pipe' });
  const env = {
    PATH: process.env.PATH,
    RUST_LOG: 'info',
    AUTHD_BIND: '127.0.0.1:0',
    AUTHD_DATABASE_URL: `sqlite://${join(dir, 'authd.db')}`,
    AUTHD_KEYS_DIR: join(dir, 'keys'),
    AUTHD_METRICS_BIND: 'off',
    ...settings,
  };
  const { child, lines, match } = /** @type {any} */ (await startProcess(AUTHD_BIN, ['serve'], env, /authd listening on [^:]+:(\d+)/));
  const port = Number(match[1]);
  return {
    /** Same host name as the SPA (`localhost`), so the two are one site for cookies. */
    url: `http://localhost:${port}`,
    lines,
    /** @param {string} method @param {string} path */
    requests: (method, path) => lines.filter((l) => l.includes(`"${method} ${path}"`)).length,
    /** @param {string} method @param {string} path */
    statuses: (method, path) =>
      lines.filter((l) => l.includes(`"${method} ${path}"`)).map((l) => Number(l.split(`"${method} ${path}" `)[1]?.split(' ')[0])),
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => (child.exitCode === null ? child.once('exit', r) : r(undefined)));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The demo's static server (examples/spa/serve.mjs) on a free port. */
export async function startSpa() {
  const env = { PATH: process.env.PATH, PORT: '0' };
  const { child, match } = /** @type {any} */ (
    await startProcess(process.execPath, [join(ROOT, 'examples/spa/serve.mjs')], env, /http:\/\/localhost:(\d+)\//)
  );
  return {
    origin: `http://localhost:${match[1]}`,
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => (child.exitCode === null ? child.once('exit', r) : r(undefined)));
    },
  };
}

/**
 * A page on a third origin (same host, another port: the same *site* as the demo, so
 * SameSite does not stop its requests and only the CSRF guard can): `GET /` serves `html`.
 * @param {(origin: string) => string} html
 */
export async function startThirdParty(html) {
  const server = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(html(`http://localhost:${/** @type {any} */ (server.address()).port}`));
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', () => r(undefined)));
  return {
    origin: `http://localhost:${/** @type {any} */ (server.address()).port}`,
    stop: () => new Promise((r) => server.close(() => r(undefined))),
  };
}
