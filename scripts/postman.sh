#!/usr/bin/env bash
# `make postman`: runs the Postman collection (postman/) with newman against a fresh authd.
#   - the binary: $AUTHD_BIN, else `cargo build --bin authd` and
#     ${CARGO_TARGET_DIR:-target}/debug/authd;
#   - the server: a new key and SQLite database in a temporary folder, 127.0.0.1 port 0
#     (the port read from its "authd listening on" log line), AUTHD_COOKIES=on for the
#     cookie folder, and the default grace window (AUTHD_REFRESH_REUSE_GRACE=10; set it to
#     try another, 0 included), passed to the collection as refreshReuseGrace so its
#     double-click test knows what to expect (the replay test holds whatever the window);
#   - newman pinned in postman/package-lock.json (`npm ci`), with the committed environment
#     and baseUrl overridden to the real port. Fails when any assertion fails.
# POSTMAN_VERBOSE=1 shows what the server prints.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ -z ${AUTHD_BIN:-} ]]; then
    echo "== cargo build --bin authd"
    cargo build --bin authd
    AUTHD_BIN=$PWD/${CARGO_TARGET_DIR:-target}/debug/authd
fi
[[ -x $AUTHD_BIN ]] || { echo "FATAL: $AUTHD_BIN is not an executable" >&2; exit 1; }

grace=${AUTHD_REFRESH_REUSE_GRACE:-10}
dir=$(mktemp -d "${TMPDIR:-/tmp}/authd-postman-XXXXXX")
server_pid=
cleanup() {
    if [[ -n $server_pid ]]; then
        kill -TERM "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$dir"
}
trap cleanup EXIT

"$AUTHD_BIN" keys generate --dir "$dir/keys" >/dev/null
env -i PATH="$PATH" RUST_LOG=info \
    AUTHD_BIND=127.0.0.1:0 \
    AUTHD_DATABASE_URL="sqlite://$dir/authd.db" \
    AUTHD_KEYS_DIR="$dir/keys" \
    AUTHD_METRICS_BIND=off \
    AUTHD_COOKIES=on \
    AUTHD_REFRESH_REUSE_GRACE=$grace \
    "$AUTHD_BIN" serve >"$dir/server.log" 2>&1 &
server_pid=$!

port=
for _ in $(seq 100); do
    port=$(sed -n 's/.*authd listening on [^:]*:\([0-9][0-9]*\).*/\1/p' "$dir/server.log" | head -1)
    [[ -n $port ]] && break
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
done
if [[ -z $port ]]; then
    echo "FATAL: authd did not start:" >&2
    cat "$dir/server.log" >&2
    exit 1
fi
echo "== authd on 127.0.0.1:$port ($AUTHD_BIN)"
[[ -n ${POSTMAN_VERBOSE:-} ]] && tail -f "$dir/server.log" --pid="$server_pid" &

echo "== postman: npm ci"
(cd postman && npm ci --no-audit --no-fund --loglevel=error)

echo "== newman run authd.postman_collection.json"
status=0
(cd postman && node_modules/.bin/newman run authd.postman_collection.json \
    --environment authd.postman_environment.json \
    --env-var "baseUrl=http://127.0.0.1:$port" \
    --env-var "refreshReuseGrace=$grace" \
    --color off --no-insecure-file-read) || status=$?
if [[ $status -ne 0 ]]; then
    echo "== make postman FAILED; the server's log:" >&2
    tail -n 40 "$dir/server.log" >&2
fi
exit $status
