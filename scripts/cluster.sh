#!/usr/bin/env bash
# `make cluster`: three release instances of authd on PostgreSQL + Redis behind nginx, all
# on 127.0.0.1. Then (1) login/refresh/logout churn through nginx while one instance is
# stopped and restarted: no request may fail, no retired or logged-out token may work;
# (2) refresh throughput through nginx against one instance alone.
#
# nginx retries (proxy_next_upstream error timeout) only requests it has not yet sent:
# a POST is never retried once an instance may have acted on it (no `non_idempotent`).
# Retrying a refresh that an instance already processed would present a retired token
# again: a replay, which revokes the session. See docs/scale.md.
set -euo pipefail
cd "$(dirname "$0")/.."

SECONDS_CHURN=${CLUSTER_CHURN_SECONDS:-12}
SECONDS_LOAD=${CLUSTER_LOAD_SECONDS:-10}
WORKERS=${CLUSTER_LOAD_WORKERS:-16}
PG=${CLUSTER_POSTGRES:-postgres://postgres@127.0.0.1:5432}
REDIS=${CLUSTER_REDIS:-redis://127.0.0.1:6379}
PORTS=(18081 18082 18083)
NGINX_PORT=18080
NGINX_ONE_PORT=18090
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-target}
BIN=$CARGO_TARGET_DIR/release/authd
DRIVE=$CARGO_TARGET_DIR/release/examples/cluster_drive

RUN=$(mktemp -d /tmp/authd-cluster.XXXXXX)
chmod 755 "$RUN"
DB=authd_cluster_$(date +%s)_$$
PREFIX=authd_cluster_$(date +%s)_$$
declare -A PIDS=()

cleanup() {
    set +e
    for port in "${!PIDS[@]}"; do kill "${PIDS[$port]}" 2>/dev/null; done
    [[ -f $RUN/nginx.pid ]] && kill "$(cat "$RUN/nginx.pid")" 2>/dev/null
    wait 2>/dev/null
    psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS \"$DB\" WITH (FORCE)" >/dev/null 2>&1
    redis-cli -u "$REDIS" --scan --pattern "$PREFIX:*" | xargs -r redis-cli -u "$REDIS" DEL >/dev/null
    mkdir -p /tmp/authd-cluster-logs && cp "$RUN"/*.log /tmp/authd-cluster-logs/ 2>/dev/null
    rm -rf "$RUN"
}
trap cleanup EXIT

if ! command -v nginx >/dev/null; then
    echo "== installing nginx"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null
fi

echo "== building (release)"
cargo build --release --quiet --bin authd --example cluster_drive

psql "$PG/postgres" -qc "CREATE DATABASE \"$DB\"" >/dev/null
export AUTHD_DATABASE_URL="$PG/$DB" AUTHD_REDIS_URL="$REDIS" AUTHD_REDIS_PREFIX="$PREFIX"
export AUTHD_KEYS_DIR="$RUN/keys" AUTHD_IP_RATE_LIMIT=0 AUTHD_TRUSTED_PROXIES=127.0.0.1
export AUTHD_DATABASE_MAX_CONNECTIONS=10 RUST_LOG=${RUST_LOG:-warn}
"$BIN" keys generate --dir "$AUTHD_KEYS_DIR" >/dev/null

start_instance() {
    local port=$1
    AUTHD_BIND=127.0.0.1:$port AUTHD_METRICS_BIND=127.0.0.1:$((port + 1000)) "$BIN" serve >>"$RUN/authd-$port.log" 2>&1 &
    PIDS[$port]=$!
    for _ in $(seq 100); do
        curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    echo "instance on $port did not start:" >&2
    cat "$RUN/authd-$port.log" >&2
    exit 1
}

for port in "${PORTS[@]}"; do start_instance "$port"; done

mkdir -p "$RUN/tmp" && chmod 777 "$RUN/tmp"
cat >"$RUN/nginx.conf" <<CONF
worker_processes 2;
pid $RUN/nginx.pid;
error_log $RUN/nginx-error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    # nginx closes a client connection after 1000 requests by default, racing the
    # client's next request on it; the driver's connections live for the whole run.
    keepalive_requests 1000000;
    client_body_temp_path $RUN/tmp/body;
    proxy_temp_path $RUN/tmp/proxy;
    fastcgi_temp_path $RUN/tmp/fastcgi;
    uwsgi_temp_path $RUN/tmp/uwsgi;
    scgi_temp_path $RUN/tmp/scgi;
    upstream authd {
        $(for port in "${PORTS[@]}"; do echo "server 127.0.0.1:$port max_fails=1 fail_timeout=2s;"; done)
        keepalive 64;
        keepalive_requests 1000000;
    }
    # The same proxy in front of one instance: separates nginx's cost from the cluster's.
    upstream authd_one {
        server 127.0.0.1:${PORTS[0]};
        keepalive 64;
        keepalive_requests 1000000;
    }
    server {
        listen 127.0.0.1:$NGINX_ONE_PORT;
        location / {
            proxy_pass http://authd_one;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header X-Forwarded-For \$remote_addr;
        }
    }
    server {
        listen 127.0.0.1:$NGINX_PORT;
        location / {
            proxy_pass http://authd;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header X-Forwarded-For \$remote_addr;
            proxy_connect_timeout 1s;
            # Only failures before the request reached an instance are retried elsewhere.
            proxy_next_upstream error timeout;
            proxy_next_upstream_tries 3;
        }
    }
}
CONF
nginx -t -q -c "$RUN/nginx.conf" -p "$RUN"
nginx -c "$RUN/nginx.conf" -p "$RUN"
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$NGINX_PORT/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
echo "== cluster up: nginx 127.0.0.1:$NGINX_PORT -> ${PORTS[*]}"

echo "== churn through nginx for ${SECONDS_CHURN}s; instance ${PORTS[1]} stopped and restarted meanwhile"
"$DRIVE" churn "http://127.0.0.1:$NGINX_PORT" "$SECONDS_CHURN" &
churn=$!
sleep 3
kill -TERM "${PIDS[${PORTS[1]}]}"  # graceful: in-flight requests finish, new ones go elsewhere
wait "${PIDS[${PORTS[1]}]}" 2>/dev/null || true
echo "   stopped ${PORTS[1]}"
sleep 3
start_instance "${PORTS[1]}"
echo "   restarted ${PORTS[1]}"
churn_status=0
wait "$churn" || churn_status=$?

echo "== refresh throughput, ${WORKERS} workers, ${SECONDS_LOAD}s each"
echo -n "one instance (direct, ${PORTS[0]}): "
"$DRIVE" load "http://127.0.0.1:${PORTS[0]}" "$SECONDS_LOAD" "$WORKERS"
echo -n "one instance via nginx:             "
"$DRIVE" load "http://127.0.0.1:$NGINX_ONE_PORT" "$SECONDS_LOAD" "$WORKERS"
echo -n "cluster of ${#PORTS[@]} via nginx:          "
"$DRIVE" load "http://127.0.0.1:$NGINX_PORT" "$SECONDS_LOAD" "$WORKERS"

if [[ $churn_status -ne 0 ]]; then
    echo "FAILED: the churn found failed requests or a working revoked token" >&2
    exit 1
fi
echo "== cluster demonstration passed"
