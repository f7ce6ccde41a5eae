#!/usr/bin/env bash
# `make spa`: authd (release build, cookies on, the demo's origin allowed) on
# localhost:8080 and the SPA demo on localhost:5173. Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."

bin=${AUTHD_BIN:-${CARGO_TARGET_DIR:-target}/release/authd}
spa_port=${SPA_PORT:-5173}
export AUTHD_BIND=${AUTHD_BIND:-127.0.0.1:8080}
export AUTHD_COOKIES=on
export AUTHD_CORS_ORIGINS=${AUTHD_CORS_ORIGINS:-http://localhost:$spa_port}

"$bin" keys generate --if-none
"$bin" serve &
authd=$!
trap 'kill $authd 2>/dev/null || true' EXIT INT TERM
echo "authd: http://localhost:${AUTHD_BIND##*:} (pid $authd)"
echo "open:  http://localhost:$spa_port/?api=http://localhost:${AUTHD_BIND##*:}"
PORT=$spa_port node examples/spa/serve.mjs
