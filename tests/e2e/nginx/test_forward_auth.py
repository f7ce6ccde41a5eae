"""Forward auth behind real nginx: examples/nginx/authd.conf, addresses replaced, in front of
a tiny upstream that echoes the headers it got. Only authenticated requests pass, and the
upstream sees who the caller is in X-Auth-* headers that a client cannot forge."""

import json
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests

from conftest import PASSWORD, ROOT, Authd

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


class Echo(BaseHTTPRequestHandler):
    def do_GET(self):
        body = json.dumps({"path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def stack():
    authd = Authd()
    upstream = ThreadingHTTPServer(("127.0.0.1", 0), Echo)
    threading.Thread(target=upstream.serve_forever, daemon=True).start()
    prefix = Path(tempfile.mkdtemp(prefix="authd-nginx-"))
    port = free_port()
    conf = (ROOT / "examples/nginx/authd.conf").read_text()
    conf = conf.replace("127.0.0.1:8000", f"127.0.0.1:{port}")
    conf = conf.replace("127.0.0.1:8080", authd.url.removeprefix("http://"))
    conf = conf.replace("127.0.0.1:9000", f"127.0.0.1:{upstream.server_address[1]}")
    # Run as this user, with every file in the prefix.
    conf = conf.replace("events {}", f"pid {prefix}/nginx.pid;\nerror_log {prefix}/error.log;\nevents {{}}", 1)
    conf = conf.replace("http {", f"http {{\n    access_log {prefix}/access.log;\n    client_body_temp_path {prefix};\n    proxy_temp_path {prefix};", 1)
    (prefix / "nginx.conf").write_text(conf)
    nginx = subprocess.Popen([NGINX, "-p", str(prefix), "-c", str(prefix / "nginx.conf"), "-g", "daemon off;"],
                             stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            requests.get(base, timeout=1)
            break
        except requests.ConnectionError:
            assert nginx.poll() is None, nginx.stderr.read()
            time.sleep(0.05)
    yield authd, base
    nginx.terminate()
    nginx.wait(timeout=10)
    upstream.shutdown()
    authd.stop()
    shutil.rmtree(prefix, ignore_errors=True)


def login(authd, email="alice@example.com"):
    authd.register(email)
    return requests.post(f"{authd.url}/auth/login", json={"email": email, "password": PASSWORD}).json()


def test_an_authenticated_request_reaches_the_upstream_with_who_the_caller_is(stack):
    authd, base = stack
    tokens = login(authd)
    asked = authd.requests("GET", "/auth/verify")

    answer = requests.get(f"{base}/orders?page=2", headers={"Authorization": f"Bearer {tokens['access_token']}"})

    assert answer.status_code == 200, answer.text
    seen = answer.json()
    me = requests.get(f"{authd.url}/auth/me", headers={"Authorization": f"Bearer {tokens['access_token']}"}).json()
    assert seen["path"] == "/orders?page=2"
    assert seen["headers"]["x-auth-user-id"] == me["id"]
    assert seen["headers"]["x-auth-email"] == "alice@example.com"
    # No roles: authd sends an empty X-Auth-Roles, which nginx does not pass on.
    assert "x-auth-roles" not in seen["headers"]
    assert seen["headers"]["x-auth-session-id"] == me["sid"]
    assert authd.requests("GET", "/auth/verify") == asked + 1, "one subrequest per request"


@pytest.mark.parametrize("authorization", [None, "Bearer not-a-token", "Basic YWxpY2U6c2VjcmV0"])
def test_no_or_a_bad_token_never_reaches_the_upstream(stack, authorization):
    authd, base = stack
    headers = {"Authorization": authorization} if authorization else {}

    answer = requests.get(f"{base}/orders", headers=headers)

    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"].startswith('Bearer realm="authd"')
    assert answer.json()["error"] == "invalid_token"
    assert "path" not in answer.json(), "the upstream answered"


def test_a_refresh_token_is_not_an_access_token_and_forged_headers_are_overwritten(stack):
    authd, base = stack
    tokens = login(authd)

    refused = requests.get(f"{base}/", headers={"Authorization": f"Bearer {tokens['refresh_token']}"})
    forged = requests.get(f"{base}/", headers={
        "Authorization": f"Bearer {tokens['access_token']}",
        "X-Auth-User-Id": "00000000-0000-0000-0000-000000000000",
        "X-Auth-Roles": "admin",
    })

    assert refused.status_code == 401
    assert forged.status_code == 200
    assert "x-auth-roles" not in forged.json()["headers"], "the client's X-Auth-Roles is dropped"
    assert forged.json()["headers"]["x-auth-user-id"] != "00000000-0000-0000-0000-000000000000"
