#!/usr/bin/env bash
# `make e2e`: the end-to-end suites, against the debug binary `cargo build` makes.
# Installs what they need when it is missing: Debian's chromium (never a browser download),
# and the npm packages pinned in the committed lockfiles (`npm ci`).
#   - clients/js: the browser client's unit tests (node's test runner, fake fetch);
#   - tests/e2e/browser: the SPA demo in headless Chromium against a real authd;
#   - tests/e2e/oauth: Authlib and requests-oauthlib, unchanged, against a real authd;
#   - tests/e2e/openapi: /openapi.json validated as OpenAPI 3.1, and schemathesis against
#     the live server;
#   - tests/e2e/nginx: forward auth behind real nginx (Debian's, installed when missing)
#     with examples/nginx/authd.conf.
# The Python suites' packages are pinned in tests/e2e/requirements.txt, in a venv under
# target/.
# E2E_VERBOSE=1 shows every line the servers print.
set -euo pipefail
cd "$(dirname "$0")/.."

apt_install() {
    local sudo=()
    [[ $(id -u) -eq 0 ]] || sudo=(sudo)
    echo "== installing $* (apt-get)"
    "${sudo[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "$@" >/dev/null
}

export CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
[[ -x $CHROMIUM ]] || apt_install chromium
"$CHROMIUM" --version 2>/dev/null | head -1

command -v nginx >/dev/null || [[ -x /usr/sbin/nginx ]] || apt_install nginx-light

echo "== cargo build (the authd binary the browser tests start)"
cargo build --bin authd
export AUTHD_BIN=${AUTHD_BIN:-$PWD/${CARGO_TARGET_DIR:-target}/debug/authd}

echo "== clients/js: unit tests"
(cd clients/js && npm test)

echo "== tests/e2e: npm ci"
(cd tests/e2e && npm ci --no-audit --no-fund --loglevel=error)

echo "== tests/e2e/browser: the SPA demo in Chromium (screenshots in ${E2E_SCREENSHOTS:-target/e2e-screenshots})"
(cd tests/e2e && npm test)

echo "== tests/e2e/{oauth,openapi,nginx,metrics}: Authlib, requests-oauthlib, the OpenAPI document, schemathesis, nginx, prometheus_client"
venv=$(realpath -m "${CARGO_TARGET_DIR:-target}/e2e-venv")
[[ -x $venv/bin/python ]] || python3 -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check -r tests/e2e/requirements.txt
(cd tests/e2e && "$venv/bin/pytest" -q -p no:cacheprovider oauth openapi nginx metrics)
