// The peer of `make bench` (benches/bench.py): fastify + fast-jwt answering `GET /auth/me`
// from the same access tokens as authd, with the same checks: the algorithm of the key
// named by `kid` (from authd's JWKS, fetched once at start), `typ` at+jwt, exact `iss` and
// `aud`, `exp`/`nbf` with authd's leeway, `iat` not in the future beyond it, the claims
// authd requires, and `sub`/`sid`/`jti` as UUIDs (authd's claims are typed).
//
// One process, two routes, so both figures come from one start:
//   GET /auth/me         fast-jwt's cache off (the distinct-token figure)
//   GET /cached/auth/me  fast-jwt's cache on, as large as authd's (the repeated-token figure)
//
// Environment: AUTHD_URL (where the JWKS is), PORT, and AUTHD_ISSUER, AUTHD_AUDIENCE,
// AUTHD_LEEWAY, AUTHD_TOKEN_CACHE as authd reads them.
import { createPublicKey } from 'node:crypto';
import Fastify from 'fastify';
import { createVerifier } from 'fast-jwt';

const env = process.env;
const issuer = env.AUTHD_ISSUER ?? 'authd';
const audience = env.AUTHD_AUDIENCE ?? 'authd';
const leewayMs = Number(env.AUTHD_LEEWAY ?? 30) * 1000;
const cacheSize = Number(env.AUTHD_TOKEN_CACHE ?? 100000) || 100000;
const MAX_TOKEN_BYTES = 8 * 1024;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const BEARER = /^bearer +(\S+)$/i;

const response = await fetch(new URL('/.well-known/jwks.json', env.AUTHD_URL));
if (!response.ok) throw new Error(`JWKS: ${response.status}`);
const keys = new Map();
for (const jwk of (await response.json()).keys) {
  const pem = createPublicKey({ key: jwk, format: 'jwk' }).export({ type: 'spki', format: 'pem' });
  keys.set(jwk.kid, { alg: jwk.alg, pem });
}

// One synchronous verifier per kid, its key parsed once: fast-jwt's asynchronous `key`
// function (how get-jwks plugs in) would parse the PEM again on every verification, a cost
// that is fast-jwt's setup and not the work, so the peer is given its faster form.
function verifiers(cache) {
  const byKid = new Map();
  for (const [kid, key] of keys) {
    byKid.set(kid, {
      alg: key.alg,
      verify: createVerifier({
        key: key.pem,
        algorithms: [key.alg],
        checkTyp: 'at+jwt',
        allowedIss: issuer,
        allowedAud: audience,
        requiredClaims: ['exp', 'iat', 'iss', 'aud', 'sub', 'jti'],
        clockTolerance: leewayMs,
        cache: cache ? cacheSize : false,
      }),
    });
  }
  // The kid (and alg) from the header; fast-jwt then checks the whole token itself.
  return (token) => {
    const dot = token.indexOf('.');
    const header = JSON.parse(Buffer.from(token.slice(0, dot), 'base64url').toString());
    const verifier = byKid.get(header.kid);
    if (!verifier || verifier.alg !== header.alg) throw new Error('unknown kid or wrong alg');
    return verifier.verify(token);
  };
}

function claimsAreTyped(claims) {
  return (
    Number.isInteger(claims.exp) &&
    Number.isInteger(claims.iat) &&
    claims.iat * 1000 <= Date.now() + leewayMs &&
    UUID.test(claims.sub) &&
    UUID.test(claims.sid) &&
    UUID.test(claims.jti) &&
    typeof claims.email === 'string' &&
    Array.isArray(claims.roles)
  );
}

function me(verify) {
  return (request, reply) => {
    const bearer = BEARER.exec(request.headers.authorization ?? '');
    let claims;
    if (bearer && bearer[1].length <= MAX_TOKEN_BYTES) {
      try {
        claims = verify(bearer[1]);
      } catch {
        claims = undefined;
      }
    }
    if (!claims || !claimsAreTyped(claims)) {
      reply.code(401).header('www-authenticate', 'Bearer realm="authd", error="invalid_token"');
      return { error: 'invalid_token', message: 'authentication required' };
    }
    reply.header('cache-control', 'no-store');
    return {
      id: claims.sub,
      email: claims.email,
      roles: claims.roles,
      sid: claims.sid,
      expires_at: new Date(claims.exp * 1000).toISOString().replace('.000Z', 'Z'),
    };
  };
}

const app = Fastify({ logger: false });
app.get('/healthz', async () => ({ status: 'ok' }));
app.get('/auth/me', me(verifiers(false)));
app.get('/cached/auth/me', me(verifiers(true)));
await app.listen({ host: '127.0.0.1', port: Number(env.PORT ?? 8090) });
console.log(`peer listening on 127.0.0.1:${app.server.address().port}, kids ${[...keys.keys()].join(',')}`);
