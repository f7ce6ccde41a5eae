// Static server for the demo SPA, for local development only: serves this folder's files
// and the client module at /authd.js, on 127.0.0.1 (PORT, default 5173). No dependencies.
//   node examples/spa/serve.mjs   then open http://localhost:5173/?api=http://localhost:8080
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';

// Only these paths exist: nothing else on disk can be reached, whatever the URL says.
const FILES = new Map([
  ['/', ['index.html', 'text/html; charset=utf-8']],
  ['/index.html', ['index.html', 'text/html; charset=utf-8']],
  ['/app.js', ['app.js', 'text/javascript; charset=utf-8']],
  ['/style.css', ['style.css', 'text/css; charset=utf-8']],
  ['/authd.js', ['../../clients/js/authd.js', 'text/javascript; charset=utf-8']],
]);

const HEADERS = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  // The API origin comes from ?api=, so any http(s) origin may be fetched; nothing else loads.
  'content-security-policy':
    "default-src 'self'; connect-src 'self' http: https:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
};

const port = Number(process.env.PORT ?? 5173);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`PORT: '${process.env.PORT}' is not a port number`);
  process.exit(2);
}

const server = createServer(async (req, res) => {
  const file = FILES.get(new URL(req.url ?? '/', 'http://localhost').pathname);
  if (!file) return send(res, 404, 'not found');
  if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'method not allowed', { allow: 'GET, HEAD' });
  try {
    const body = await readFile(new URL(file[0], import.meta.url));
    res.writeHead(200, { ...HEADERS, 'content-type': file[1], 'content-length': body.length });
    res.end(req.method === 'HEAD' ? undefined : body);
  } catch (e) {
    send(res, 500, `cannot read ${file[0]}: ${e.code ?? e.message}`);
  }
});

function send(res, status, text, headers = {}) {
  res.writeHead(status, { ...HEADERS, ...headers, 'content-type': 'text/plain; charset=utf-8' });
  res.end(`${text}\n`);
}

server.listen(port, '127.0.0.1', () => {
  const { port: bound } = /** @type {import('node:net').AddressInfo} */ (server.address());
  console.log(`authd demo SPA: http://localhost:${bound}/?api=http://localhost:8080`);
});
