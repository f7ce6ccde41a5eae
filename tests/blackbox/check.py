#!/usr/bin/env python3
"""Black-box acceptance suite for authd.

Drives the release binary over HTTP on 127.0.0.1 only, judging it against the public
contract (API.md) and the README.  Needs: pip install pyjwt cryptography requests.

    python3 tests/blackbox/check.py [--bin PATH] [--only SUBSTRING] [--skip-make-run]

Prints one line per check (PASS/FAIL + detail) and a final "N passed, M failed" line;
exits non-zero when any check fails.
"""

import argparse
import base64
import concurrent.futures
import datetime as dt
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback
import uuid

import jwt  # PyJWT
import requests
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from jwt import PyJWKClient

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PASSED = 0
FAILED = []
SERVERS = []
SEEN_500 = []
ONLY = None

PW = "correct horse battery staple"
PW2 = "violet tractor on a quiet hill"


# --------------------------------------------------------------------------- reporting

def check(name, ok, detail=""):
    global PASSED
    if ONLY and ONLY not in name:
        return ok
    detail = " | ".join(l for l in str(detail).splitlines() if l.strip())
    if ok:
        PASSED += 1
        print(f"PASS {name}" + (f" — {detail}" if detail else ""), flush=True)
    else:
        FAILED.append(name)
        print(f"FAIL {name}" + (f" — {detail}" if detail else ""), flush=True)
    return ok


def show(r):
    if r is None:
        return "no response"
    body = r.text if len(r.text) < 300 else r.text[:300] + "…"
    return f"{r.status_code} {body!r}"


def is_error_body(r, code=None):
    try:
        j = r.json()
    except Exception:
        return False
    if not isinstance(j, dict) or not isinstance(j.get("error"), str) or not isinstance(j.get("message"), str):
        return False
    if not j["message"]:
        return False
    return code is None or j["error"] == code


def expect_error(name, r, status, code, extra=None):
    ok = r is not None and r.status_code == status and is_error_body(r, code)
    if ok and extra:
        ok = extra(r)
    check(name, ok, f"expected {status} {code}, got {show(r)}")
    return ok


def is_uuid(s):
    try:
        uuid.UUID(str(s))
        return True
    except Exception:
        return False


RFC3339_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")


def parse_rfc3339(s):
    return dt.datetime.fromisoformat(s.replace("Z", "+00:00"))


def b64u(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def b64u_json(o):
    return b64u(json.dumps(o, separators=(",", ":")).encode())


def unverified(tok):
    return jwt.get_unverified_header(tok), jwt.decode(tok, options={"verify_signature": False})


# --------------------------------------------------------------------------- servers

def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


class Server:
    def __init__(self, binary, name, env=None, keys=("eddsa",), args=(), cwd=None, keys_dir=None):
        self.binary = binary
        self.name = name
        self.tmp = tempfile.mkdtemp(prefix=f"authd-bb-{name}-")
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.keys_dir = keys_dir or os.path.join(self.tmp, "keys")
        os.makedirs(self.keys_dir, exist_ok=True)
        self.env = dict(os.environ)
        for k in list(self.env):
            if k.startswith("AUTHD_"):
                del self.env[k]
        self.env.update({
            "AUTHD_BIND": f"127.0.0.1:{self.port}",
            "AUTHD_METRICS_BIND": "off",
            "AUTHD_DATABASE_URL": f"sqlite://{self.tmp}/data/authd.db",
            "AUTHD_KEYS_DIR": self.keys_dir,
            "RUST_LOG": "warn",
        })
        self.args = list(args)
        self.cwd = cwd or self.tmp
        self.proc = None
        for k in keys:  # before the suite's own settings, which may be deliberately bad
            if k in ("eddsa", "es256", "rs256"):
                self.cli(["keys", "generate", "--alg", k, "--dir", self.keys_dir], check_rc=True)
        self.env.update(env or {})
        self.sess = requests.Session()

    def cli(self, argv, stdin=None, check_rc=False):
        p = subprocess.run([self.binary] + argv, env=self.env, cwd=self.cwd, input=stdin,
                           capture_output=True, text=True, timeout=60)
        if check_rc and p.returncode != 0:
            raise RuntimeError(f"{argv} failed: {p.stderr}")
        return p

    def start(self, wait=True):
        self.log = open(os.path.join(self.tmp, "server.log"), "w+")
        self.proc = subprocess.Popen([self.binary, "serve"] + self.args, env=self.env, cwd=self.cwd,
                                     stdout=self.log, stderr=subprocess.STDOUT)
        SERVERS.append(self)
        if not wait:
            return self
        deadline = time.time() + 20
        while time.time() < deadline:
            if self.proc.poll() is not None:
                self.log.seek(0)
                raise RuntimeError(f"server {self.name} exited {self.proc.returncode}: {self.log.read()[-2000:]}")
            try:
                if requests.get(self.base + "/healthz", timeout=1).status_code == 200:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"server {self.name} did not come up")

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self):
        if self.alive():
            try:
                r = requests.get(self.base + "/healthz", timeout=5)
                check(f"server {self.name}: alive and /healthz 200 before stop", r.status_code == 200, show(r))
            except requests.RequestException as e:
                check(f"server {self.name}: alive and /healthz 200 before stop", False, repr(e))
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.stopped = True

    def req(self, method, path, *, token=None, headers=None, json_body=None, data=None, ctype="application/json",
            timeout=15, **kw):
        h = {}
        if ctype is not None and (json_body is not None or data is not None):
            h["Content-Type"] = ctype
        if token is not None:
            h["Authorization"] = f"Bearer {token}"
        h.update(headers or {})
        if json_body is not None:
            data = json.dumps(json_body)
        r = self.sess.request(method, self.base + path, headers=h, data=data, timeout=timeout, **kw)
        if r.status_code >= 500 and r.status_code != 503:
            SEEN_500.append(f"{self.name}: {method} {path} -> {r.status_code} {r.text[:200]!r}")
        if r.status_code == 503 and not path.startswith("/auth/"):
            SEEN_500.append(f"{self.name}: {method} {path} -> 503 {r.text[:200]!r}")
        return r

    def post(self, path, body=None, **kw):
        return self.req("POST", path, json_body=body, **kw)

    def get(self, path, **kw):
        return self.req("GET", path, **kw)

    def raw(self, payload, timeout=5):
        """Send raw bytes, return (status, headers-dict, body-bytes) or (None, ..) on close."""
        s = socket.create_connection(("127.0.0.1", self.port), timeout=timeout)
        try:
            s.sendall(payload)
            buf = b""
            while True:
                try:
                    chunk = s.recv(65536)
                except (socket.timeout, ConnectionResetError):
                    break
                if not chunk:
                    break
                buf += chunk
                if b"\r\n\r\n" in buf:
                    head, _, body = buf.partition(b"\r\n\r\n")
                    m = re.search(rb"(?i)content-length:\s*(\d+)", head)
                    if m and len(body) >= int(m.group(1)):
                        break
        except (BrokenPipeError, ConnectionResetError):
            buf = b""
        finally:
            s.close()
        if not buf.startswith(b"HTTP/"):
            return None, {}, buf
        head, _, body = buf.partition(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        status = int(lines[0].split()[1])
        hdrs = {}
        for ln in lines[1:]:
            k, _, v = ln.partition(b":")
            hdrs[k.strip().lower().decode()] = v.strip().decode(errors="replace")
        if status >= 500 and status != 503:
            SEEN_500.append(f"{self.name}: raw {payload[:60]!r} -> {status}")
        return status, hdrs, body

    # helpers
    def register(self, email, password=PW):
        return self.post("/auth/register", {"email": email, "password": password})

    def login(self, email, password=PW, headers=None, **extra):
        return self.post("/auth/login", {"email": email, "password": password, **extra}, headers=headers)

    def user(self, email, password=PW):
        r = self.register(email, password)
        assert r.status_code == 201, show(r)
        r = self.login(email, password)
        assert r.status_code == 200, show(r)
        return r.json()

    def key_files(self):
        return sorted(os.listdir(self.keys_dir))


def pem_key(path):
    with open(path, "rb") as f:
        return serialization.load_pem_private_key(f.read(), password=None)


def openssl(args):
    subprocess.run(["openssl"] + args, check=True, capture_output=True)


# --------------------------------------------------------------------------- token forging

def forge(header, claims, key=None, alg=None):
    """Sign header+claims with a cryptography key (or none)."""
    h = b64u_json(header)
    c = b64u_json(claims)
    msg = f"{h}.{c}".encode()
    if key is None:
        sig = b""
    elif isinstance(key, bytes):
        import hmac
        sig = hmac.new(key, msg, hashlib.sha256).digest()
    elif isinstance(key, ed25519.Ed25519PrivateKey):
        sig = key.sign(msg)
    elif isinstance(key, ec.EllipticCurvePrivateKey):
        from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
        der = key.sign(msg, ec.ECDSA(hashes.SHA256()))
        r, s = decode_dss_signature(der)
        sig = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    elif isinstance(key, rsa.RSAPrivateKey):
        from cryptography.hazmat.primitives.asymmetric import padding
        sig = key.sign(msg, padding.PKCS1v15(), hashes.SHA256())
    else:
        raise TypeError(key)
    return f"{h}.{c}.{b64u(sig)}"


# --------------------------------------------------------------------------- suites

def suite_basic(B):
    s = Server(B, "main", env={"AUTHD_IP_RATE_LIMIT": "0", "AUTHD_LOGIN_MAX_FAILURES": "1000"}).start()

    # ---- health
    r = s.get("/healthz")
    check("healthz 200 {status: ok}", r.status_code == 200 and r.json() == {"status": "ok"}, show(r))
    r = s.get("/readyz")
    check("readyz 200 ready, database/denylist ok",
          r.status_code == 200 and r.json().get("status") == "ready"
          and r.json().get("checks") == {"database": "ok", "denylist": "ok"}, show(r))

    # ---- JWKS
    r = s.get("/.well-known/jwks.json")
    jw = r.json() if r.status_code == 200 else {}
    check("jwks 200 with keys", r.status_code == 200 and isinstance(jw.get("keys"), list) and len(jw["keys"]) == 1,
          show(r))
    check("jwks Cache-Control public, max-age=300",
          r.headers.get("Cache-Control", "").replace(" ", "") == "public,max-age=300", r.headers.get("Cache-Control"))
    k0 = (jw.get("keys") or [{}])[0]
    kid_file = s.key_files()[0][:-len(".pem")]
    check("jwks key: kid=file name, alg EdDSA, use sig, OKP Ed25519, no private part",
          k0.get("kid") == kid_file and k0.get("alg") == "EdDSA" and k0.get("use") == "sig"
          and k0.get("kty") == "OKP" and k0.get("crv") == "Ed25519" and "d" not in k0, json.dumps(k0))

    # ---- register
    r = s.register("  Alice@Example.COM ")
    ok = r.status_code == 201
    j = r.json() if ok else {}
    check("register 201 {id, email, created_at}", ok and is_uuid(j.get("id"))
          and j.get("email") == "alice@example.com" and RFC3339_Z.match(j.get("created_at", "")), show(r))
    alice_id = j.get("id")
    expect_error("register duplicate (other case/whitespace) 409 email_taken", s.register("ALICE@example.com "),
                 409, "email_taken")
    r = s.register("ｂｏｂ@example.com")  # full-width letters: NFKC -> bob
    check("register NFKC-normalizes email", r.status_code == 201 and r.json().get("email") == "bob@example.com",
          show(r))
    r = s.register("élodie@exämple.com")
    check("register accepts Unicode letters", r.status_code == 201, show(r))
    bad_emails = {
        "empty": "", "no at": "alice.example.com", "two at": "a@b@example.com",
        "space inside": "al ice@example.com", "quote": 'al"ice@example.com', "undotted domain": "alice@localhost",
        "empty local": "@example.com", "local 65": "a" * 65 + "@example.com",
        "over 254": "a@" + ("b" * 60 + ".") * 5 + "com", "zero-width space (Cf)": "ali\u200bce@example.com",
        "control char": "ali\x01ce@example.com", "nbsp (Zs)": "ali\u00a0ce@example.com",
        "comma": "al,ice@example.com", "angle": "<alice>@example.com", "brackets": "alice@[127.0.0.1]",
        "backslash": "al\\ice@example.com", "semicolon": "al;ice@example.com",
    }
    for what, e in bad_emails.items():
        expect_error(f"register invalid email ({what}) 422 invalid_email", s.register(e), 422, "invalid_email")
    r = s.register("a" * 64 + "@example.com", PW)
    check("register local part of exactly 64 accepted", r.status_code == 201, show(r))

    bad_pw = {
        "empty": "", "14 chars": "abcdefghijklmn", "129 chars": "x" * 129, "contains local part": "my carol password 1",
        "contains local part, other case": "my CAROL password 2", "equals email": "carol.q@example.com",
    }
    for what, p in bad_pw.items():
        e = "carol@example.com" if "local" in what else "carol.q@example.com"
        r = s.register(e, p)
        expect_error(f"register weak password ({what}) 422 weak_password", r, 422, "weak_password")
    r = s.register("dave@example.com", "x" * 128)
    check("register password of exactly 128 accepted", r.status_code == 201, show(r))
    r = s.register("bob2@example.com", "bob2 bob2 bob2 bob2")  # local part 4 chars -> rejected
    expect_error("register password containing a 4-char local part 422", r, 422, "weak_password")
    r = s.register("abc@example.com", "abc is my favourite word")  # local part < 4 chars -> fine
    check("register password containing a 3-char local part accepted", r.status_code == 201, show(r))
    lig = "\ufb01" * 8  # 8 code points, 16 after NFKC ("fi" * 8)
    r = s.register("ligature@example.com", lig)
    check("register counts password length after NFKC (8 ligatures = 16)", r.status_code == 201, show(r))
    r = s.login("ligature@example.com", "fi" * 8)
    check("login with the NFKC form of the password works", r.status_code == 200, show(r))
    r = s.register("nocase@example.com", "Correct Horse Battery Staple")
    check("register: no composition rules (spaces/case fine)", r.status_code == 201, show(r))
    r = s.login("nocase@example.com", "correct horse battery staple")
    expect_error("login: no case folding of passwords", r, 401, "invalid_credentials")

    for what, body in {"email number": {"email": 1, "password": PW}, "missing password": {"email": "x@example.com"},
                       "missing email": {"password": PW}, "password null": {"email": "x@example.com", "password": None},
                       "email object": {"email": {"a": 1}, "password": PW}, "array": [1, 2], "string": "x",
                       "null": None}.items():
        r = s.req("POST", "/auth/register", data=json.dumps(body))
        expect_error(f"register bad body ({what}) 400 invalid_request", r, 400, "invalid_request")
    for what, raw in {"malformed JSON": b'{"email": "x@example.com",', "empty": b"", "invalid UTF-8": b'{"email":"\xff\xfe@x.com","password":"' + PW.encode() + b'"}',
                      "trailing garbage": b'{"email":"x@example.com","password":"' + PW.encode() + b'"} xx',
                      "deep nesting": b"[" * 5000 + b"]" * 5000}.items():
        r = s.req("POST", "/auth/register", data=raw)
        expect_error(f"register {what} 400 invalid_request", r, 400, "invalid_request")
    for what, ct in {"missing": None, "text/plain": "text/plain", "form": "application/x-www-form-urlencoded",
                     "json-ish": "application/jsonx"}.items():
        body = json.dumps({"email": "ct@example.com", "password": PW})
        if ct is None:
            r = s.sess.post(s.base + "/auth/register", data=body.encode(), headers={"Content-Type": ""})
        else:
            r = s.req("POST", "/auth/register", data=body, ctype=ct)
        expect_error(f"register Content-Type {what} 415 unsupported_media_type", r, 415, "unsupported_media_type")
    r = s.req("POST", "/auth/register", data=json.dumps({"email": "ct@example.com", "password": PW}),
              ctype="application/json; charset=utf-8")
    check("register accepts application/json; charset=utf-8", r.status_code == 201, show(r))
    r = s.post("/auth/register", {"email": "sneaky@example.com", "password": PW, "role": "admin", "roles": ["admin"],
                                  "id": "00000000-0000-0000-0000-000000000000"})
    check("register ignores unknown fields role/id", r.status_code == 201
          and r.json().get("id") != "00000000-0000-0000-0000-000000000000", show(r))
    r = s.login("sneaky@example.com")
    check("…and the user got no role", r.status_code == 200
          and unverified(r.json()["access_token"])[1].get("roles") == [], show(r))

    # ---- login
    r = s.login(" ALICE@example.com")
    ok = r.status_code == 200
    check("login 200 (email normalized)", ok, show(r))
    pair = r.json() if ok else {}
    check("login token pair shape", ok and pair.get("token_type") == "Bearer" and pair.get("expires_in") == 900
          and isinstance(pair.get("refresh_expires_in"), int) and pair.get("refresh_expires_in") == 1209600
          and isinstance(pair.get("access_token"), str) and isinstance(pair.get("refresh_token"), str)
          and isinstance(pair.get("device_token"), str) and pair["device_token"], json.dumps(pair)[:200])
    check("login Cache-Control: no-store", "no-store" in r.headers.get("Cache-Control", ""),
          r.headers.get("Cache-Control"))
    wrong = s.login("alice@example.com", "wrong password wrong password")
    unknown = s.login("nobody@example.com", "wrong password wrong password")
    expect_error("login wrong password 401 invalid_credentials", wrong, 401, "invalid_credentials")
    expect_error("login unknown email 401 invalid_credentials", unknown, 401, "invalid_credentials")
    check("login: same body for unknown email and wrong password", wrong.text == unknown.text,
          f"{wrong.text!r} vs {unknown.text!r}")
    check("login: same headers for unknown and wrong", {k.lower() for k in wrong.headers} - {"date"}
          == {k.lower() for k in unknown.headers} - {"date"}, f"{dict(wrong.headers)} vs {dict(unknown.headers)}")
    # timing: a missing account still costs an argon2 verification
    tk, tu = [], []
    for _ in range(4):
        t = time.perf_counter(); s.login("alice@example.com", "nope nope nope nope"); tk.append(time.perf_counter() - t)
        t = time.perf_counter(); s.login("ghost@example.com", "nope nope nope nope"); tu.append(time.perf_counter() - t)
    mk, mu = sorted(tk)[1], sorted(tu)[1]
    check("login: similar time for unknown account and wrong password", 0.5 < mk / mu < 2.0,
          f"known {mk*1000:.0f} ms vs unknown {mu*1000:.0f} ms")
    expect_error("login over-long password 401 invalid_credentials", s.login("alice@example.com", "x" * 5000),
                 401, "invalid_credentials")
    expect_error("login empty password 401 invalid_credentials", s.login("alice@example.com", ""), 401,
                 "invalid_credentials")
    expect_error("login missing password 400 invalid_request", s.post("/auth/login", {"email": "alice@example.com"}),
                 400, "invalid_request")
    expect_error("login device_token of wrong type 400", s.login("alice@example.com", PW, device_token=5),
                 400, "invalid_request")
    r = s.login("alice@example.com", PW, device_token="garbage.garbage.garbage")
    check("login with a bogus device_token still just works on the password", r.status_code == 200, show(r))
    expect_error("login text/plain 415", s.req("POST", "/auth/login", data="{}", ctype="text/plain"),
                 415, "unsupported_media_type")

    # ---- access token through PyJWT + JWKS
    at, rt = pair.get("access_token", ""), pair.get("refresh_token", "")
    verify_with_jwks(s, at, "EdDSA", alice_id, "alice@example.com", ttl=900)
    refresh_not_verifiable(s, rt)
    rh, rc = unverified(rt)
    ah, ac = unverified(at)
    check("refresh token header typ rt+jwt, alg HS256, kid", rh.get("typ") == "rt+jwt" and rh.get("alg") == "HS256"
          and rh.get("kid") == kid_file, json.dumps(rh))
    check("refresh token claims iss/aud/sub/sid/jti/iat/exp/auth_time/gen",
          rc.get("iss") == "authd" and rc.get("aud") in ("authd/refresh", ["authd/refresh"]) and rc.get("sub") == alice_id
          and rc.get("sid") == ac.get("sid") and is_uuid(rc.get("jti")) and rc.get("jti") != ac.get("jti")
          and all(isinstance(rc.get(c), int) for c in ("iat", "exp", "auth_time", "gen"))
          and rc["exp"] - rc["iat"] == 1209600, json.dumps(rc))

    # ---- /auth/me
    r = s.get("/auth/me", token=at)
    me = r.json() if r.status_code == 200 else {}
    check("me 200 {id, email, roles, sid, expires_at}", r.status_code == 200 and me.get("id") == alice_id
          and me.get("email") == "alice@example.com" and me.get("roles") == [] and me.get("sid") == ac.get("sid")
          and RFC3339_Z.match(me.get("expires_at", "")) and int(parse_rfc3339(me["expires_at"]).timestamp()) == ac["exp"],
          show(r))
    bearer_checks(s, "/auth/me", "GET", at, rt)

    # ---- tampered / forged access tokens
    forged_token_checks(s, at)

    # ---- refresh
    r = s.post("/auth/refresh", {"refresh_token": rt})
    ok = r.status_code == 200
    p2 = r.json() if ok else {}
    check("refresh 200 token pair, no-store", ok and "no-store" in r.headers.get("Cache-Control", "")
          and p2.get("token_type") == "Bearer" and p2.get("refresh_token") not in (None, rt)
          and isinstance(p2.get("expires_in"), int) and isinstance(p2.get("refresh_expires_in"), int), show(r))
    if ok:
        check("refresh keeps sid, new jti", unverified(p2["access_token"])[1]["sid"] == ac["sid"]
              and unverified(p2["refresh_token"])[1]["sid"] == ac["sid"]
              and unverified(p2["refresh_token"])[1]["jti"] != rc["jti"])
        check("refresh keeps auth_time", unverified(p2["refresh_token"])[1].get("auth_time") == rc.get("auth_time"))
        verify_with_jwks(s, p2["access_token"], "EdDSA", alice_id, "alice@example.com", ttl=900, label="refreshed ")
    r = s.post("/auth/refresh", {"refresh_token": rt})
    expect_error("refresh replay of retired token 401 invalid_grant", r, 401, "invalid_grant")
    if ok:
        r = s.post("/auth/refresh", {"refresh_token": p2["refresh_token"]})
        expect_error("after replay the session's newest refresh token is revoked too", r, 401, "invalid_grant")
        r = s.get("/auth/me", token=p2["access_token"])
        check("after replay, issued access tokens still work (stateless)", r.status_code == 200, show(r))
    expect_error("refresh with access token 401 invalid_grant", s.post("/auth/refresh", {"refresh_token": at}),
                 401, "invalid_grant")
    expect_error("refresh garbage 401 invalid_grant", s.post("/auth/refresh", {"refresh_token": "abc"}),
                 401, "invalid_grant")
    expect_error("refresh empty string 401 invalid_grant", s.post("/auth/refresh", {"refresh_token": ""}),
                 401, "invalid_grant")
    expect_error("refresh 9 KiB token 401 invalid_grant", s.post("/auth/refresh", {"refresh_token": "a" * 9000}),
                 401, "invalid_grant")
    expect_error("refresh missing field 400", s.post("/auth/refresh", {}), 400, "invalid_request")
    expect_error("refresh token not a string 400", s.post("/auth/refresh", {"refresh_token": 12}), 400,
                 "invalid_request")
    expect_error("refresh 415", s.req("POST", "/auth/refresh", data="refresh_token=x",
                                      ctype="application/x-www-form-urlencoded"), 415, "unsupported_media_type")
    fresh = s.login("alice@example.com")
    frt = fresh.json()["refresh_token"]
    h, c = frt.split(".")[0], frt.split(".")[1]
    pl = json.loads(base64.urlsafe_b64decode(c + "=="))
    pl["sub"] = str(uuid.uuid4())
    tam = f"{h}.{b64u_json(pl)}.{frt.split('.')[2]}"
    expect_error("refresh with tampered payload 401 invalid_grant", s.post("/auth/refresh", {"refresh_token": tam}),
                 401, "invalid_grant")
    none_rt = forge({"alg": "none", "typ": "rt+jwt", "kid": kid_file}, unverified(frt)[1])
    expect_error("refresh alg none 401 invalid_grant", s.post("/auth/refresh", {"refresh_token": none_rt}),
                 401, "invalid_grant")
    # A refresh token MACed with the raw PEM bytes (no HKDF) must not pass
    with open(os.path.join(s.keys_dir, kid_file + ".pem"), "rb") as f:
        pem = f.read()
    raw_mac = forge({"alg": "HS256", "typ": "rt+jwt", "kid": kid_file}, unverified(frt)[1], key=pem)
    expect_error("refresh MACed with raw key bytes 401", s.post("/auth/refresh", {"refresh_token": raw_mac}),
                 401, "invalid_grant")
    # the token still works after all those attempts (they were not replays of it)
    r = s.post("/auth/refresh", {"refresh_token": frt})
    check("genuine refresh token still works after forgery attempts", r.status_code == 200, show(r))

    # concurrent refresh: exactly one winner
    cr = s.login("alice@example.com").json()["refresh_token"]
    with concurrent.futures.ThreadPoolExecutor(8) as ex:
        res = list(ex.map(lambda _: requests.post(s.base + "/auth/refresh", json={"refresh_token": cr}, timeout=15),
                          range(8)))
    codes = sorted(x.status_code for x in res)
    check("8 concurrent refreshes with one token: exactly one 200", codes.count(200) == 1
          and codes.count(401) == 7, str(codes))

    # ---- logout
    lp = s.login("alice@example.com").json()
    r2 = s.post("/auth/refresh", {"refresh_token": lp["refresh_token"]}).json()
    r = s.post("/auth/logout", {"refresh_token": r2["refresh_token"]})
    check("logout 204 empty body", r.status_code == 204 and r.text == "", show(r))
    expect_error("refresh after logout 401 invalid_grant", s.post("/auth/refresh", {"refresh_token": r2["refresh_token"]}),
                 401, "invalid_grant")
    r = s.post("/auth/logout", {"refresh_token": r2["refresh_token"]})
    check("logout again with a revoked token 204", r.status_code == 204, show(r))
    r = s.post("/auth/logout", {"refresh_token": lp["refresh_token"]})
    check("logout with an older (retired) token of a revoked session 204", r.status_code == 204, show(r))
    expect_error("logout forged token 401 invalid_grant", s.post("/auth/logout", {"refresh_token": tam}), 401,
                 "invalid_grant")
    expect_error("logout with access token 401 invalid_grant", s.post("/auth/logout", {"refresh_token": at}), 401,
                 "invalid_grant")
    expect_error("logout garbage 401 invalid_grant", s.post("/auth/logout", {"refresh_token": "x.y.z"}), 401,
                 "invalid_grant")
    expect_error("logout missing field 400", s.post("/auth/logout", {}), 400, "invalid_request")
    expect_error("logout 415", s.req("POST", "/auth/logout", data="{}", ctype="text/plain"), 415,
                 "unsupported_media_type")
    other = s.login("alice@example.com").json()
    r = s.post("/auth/refresh", {"refresh_token": other["refresh_token"]})
    check("logout of one session leaves other sessions working", r.status_code == 200, show(r))

    # ---- logout-all
    u = s.user("erin@example.com")
    u2 = s.login("erin@example.com").json()
    bearer_checks(s, "/auth/logout-all", "POST", u["access_token"], u["refresh_token"], ok_status=None)
    r = s.req("POST", "/auth/logout-all", token=u["access_token"])
    check("logout-all 204", r.status_code == 204 and r.text == "", show(r))
    expect_error("logout-all: session 1 refresh rejected", s.post("/auth/refresh", {"refresh_token": u["refresh_token"]}),
                 401, "invalid_grant")
    expect_error("logout-all: session 2 refresh rejected", s.post("/auth/refresh", {"refresh_token": u2["refresh_token"]}),
                 401, "invalid_grant")
    r = s.login("erin@example.com")
    ok = r.status_code == 200
    check("login right after logout-all works", ok, show(r))
    if ok:
        r = s.post("/auth/refresh", {"refresh_token": r.json()["refresh_token"]})
        check("…and its refresh token works", r.status_code == 200, show(r))
        check("…with gen bumped", unverified(r.json()["refresh_token"])[1].get("gen", 0)
              > unverified(u["refresh_token"])[1].get("gen", 0)) if r.status_code == 200 else None
    r = s.req("POST", "/auth/logout-all", token=u["access_token"], json_body={"anything": 1})
    check("logout-all with a JSON body is fine", r.status_code == 204, show(r))

    # ---- password change
    u = s.user("frank@example.com")
    bearer_checks(s, "/auth/password", "POST", u["access_token"], u["refresh_token"], ok_status=None,
                  body={"current_password": PW, "new_password": PW2})
    expect_error("password wrong current 403 invalid_credentials",
                 s.post("/auth/password", {"current_password": "not it not it not it", "new_password": PW2},
                        token=u["access_token"]), 403, "invalid_credentials")
    expect_error("password weak new 422 weak_password",
                 s.post("/auth/password", {"current_password": PW, "new_password": "short"}, token=u["access_token"]),
                 422, "weak_password")
    expect_error("password new contains local part 422",
                 s.post("/auth/password", {"current_password": PW, "new_password": "frank frank frank frank"},
                        token=u["access_token"]), 422, "weak_password")
    expect_error("password missing field 400",
                 s.post("/auth/password", {"current_password": PW}, token=u["access_token"]), 400, "invalid_request")
    expect_error("password 415", s.req("POST", "/auth/password", token=u["access_token"], data="{}", ctype="text/plain"),
                 415, "unsupported_media_type")
    r = s.post("/auth/password", {"current_password": PW, "new_password": PW2}, token=u["access_token"])
    check("password change 204", r.status_code == 204 and r.text == "", show(r))
    expect_error("after password change old refresh token rejected",
                 s.post("/auth/refresh", {"refresh_token": u["refresh_token"]}), 401, "invalid_grant")
    expect_error("after password change old password fails", s.login("frank@example.com", PW), 401,
                 "invalid_credentials")
    r = s.login("frank@example.com", PW2)
    check("after password change new password logs in", r.status_code == 200, show(r))

    # ---- admin
    p = s.cli(["users", "add", "root@example.com", "--role", "admin", "--role", "auditor"], stdin=PW2 + "\nignored\n")
    check("users add --role admin exit 0", p.returncode == 0, f"rc={p.returncode} {p.stderr.strip()}")
    adm = s.login("root@example.com", PW2)
    check("admin logs in with the first stdin line as password", adm.status_code == 200, show(adm))
    adm_at = adm.json().get("access_token", "") if adm.status_code == 200 else ""
    check("admin token roles", unverified(adm_at)[1].get("roles") in (["admin", "auditor"], ["auditor", "admin"])
          if adm_at else False)
    r = s.get("/admin/users", token=adm_at)
    ok = r.status_code == 200
    j = r.json() if ok else {}
    users = j.get("users", [])
    check("admin/users 200 {users, total}", ok and isinstance(users, list) and j.get("total") == len(users)
          and len(users) >= 10, show(r))
    check("admin/users items {id, email, roles, created_at}, no secrets",
          ok and all(set(x) >= {"id", "email", "roles", "created_at"} and not any("hash" in k or "password" in k for k in x)
                     for x in users), json.dumps(users[:1]))
    check("admin/users oldest first", ok and [x["created_at"] for x in users] == sorted(x["created_at"] for x in users)
          and users[0]["email"] == "alice@example.com", str([x["email"] for x in users[:3]]))
    r = s.get("/admin/users?limit=2&offset=1", token=adm_at)
    check("admin/users limit/offset", r.status_code == 200 and len(r.json()["users"]) == 2
          and r.json()["users"][0]["id"] == users[1]["id"] and r.json()["total"] == len(users), show(r))
    r = s.get("/admin/users?limit=500", token=adm_at)
    check("admin/users limit above 200 capped", r.status_code == 200, show(r))
    r = s.get("/admin/users?offset=100000", token=adm_at)
    check("admin/users offset past end: empty page", r.status_code == 200 and r.json()["users"] == []
          and r.json()["total"] == len(users), show(r))
    for q in ("limit=0", "limit=-1", "limit=abc", "offset=-1", "offset=x", "limit=99999999999999999999999"):
        r = s.get(f"/admin/users?{q}", token=adm_at)
        expect_error(f"admin/users ?{q} 400 invalid_request", r, 400, "invalid_request")
    r = s.get("/admin/users", token=at)
    expect_error("admin/users as plain user 403 insufficient_scope", r, 403, "insufficient_scope")
    check("admin/users 403 WWW-Authenticate insufficient_scope",
          'error="insufficient_scope"' in r.headers.get("WWW-Authenticate", "")
          and 'realm="authd"' in r.headers.get("WWW-Authenticate", ""), r.headers.get("WWW-Authenticate"))
    bearer_checks(s, "/admin/users", "GET", adm_at, adm.json().get("refresh_token", ""))
    forged_admin = forge({"alg": "EdDSA", "typ": "at+jwt", "kid": kid_file},
                         {**ac, "roles": ["admin"], "jti": str(uuid.uuid4())}, key=pem_key(os.path.join(s.keys_dir, kid_file + ".pem")))
    r = s.get("/admin/users", token=forged_admin)
    check("control: a token signed with the real key and role admin is accepted (roles from token)",
          r.status_code == 200, show(r))
    r = s.get("/admin/users", token=forge({"alg": "EdDSA", "typ": "at+jwt", "kid": kid_file},
                                           {**ac, "roles": "admin"}, key=pem_key(os.path.join(s.keys_dir, kid_file + ".pem"))))
    check("roles as a string (not an array) is a bad token", r.status_code == 401, show(r))

    # ---- users add exit codes
    p = s.cli(["users", "add", "root@example.com"], stdin=PW2 + "\n")
    check("users add duplicate: non-zero, one line", p.returncode != 0 and len(p.stderr.strip().splitlines()) == 1,
          f"rc={p.returncode} {p.stderr!r}")
    p = s.cli(["users", "add", "weak@example.com"], stdin="short\n")
    check("users add weak password: non-zero, one line", p.returncode != 0 and len(p.stderr.strip().splitlines()) == 1,
          f"rc={p.returncode} {p.stderr!r}")
    p = s.cli(["users", "add", "not-an-email"], stdin=PW2 + "\n")
    check("users add bad email: non-zero, one line", p.returncode != 0 and len(p.stderr.strip().splitlines()) == 1,
          f"rc={p.returncode} {p.stderr!r}")
    p = s.cli(["users", "add", "nostdin@example.com"], stdin="")
    check("users add with empty stdin: non-zero, one line", p.returncode != 0 and len(p.stderr.strip().splitlines()) == 1,
          f"rc={p.returncode} {p.stderr!r}")
    p = s.cli(["users", "add", "crlf@example.com"], stdin=PW2 + "\r\n")
    r = s.login("crlf@example.com", PW2)
    check("users add strips a CRLF line ending", p.returncode == 0 and r.status_code == 200,
          f"rc={p.returncode} {p.stderr.strip()} login {r.status_code}")
    p = s.cli(["users", "add", "plain@example.com"], stdin=PW2 + "\n")
    r = s.login("plain@example.com", PW2)
    check("users add without role: exit 0, roles []", p.returncode == 0 and r.status_code == 200
          and unverified(r.json()["access_token"])[1]["roles"] == [], f"rc={p.returncode} {p.stderr.strip()}")

    # ---- routing: 404 / 405
    for m, path in (("GET", "/auth/login"), ("GET", "/auth/register"), ("DELETE", "/auth/me"), ("POST", "/auth/me"),
                    ("POST", "/healthz"), ("PUT", "/.well-known/jwks.json"), ("GET", "/auth/refresh"),
                    ("GET", "/auth/logout-all"), ("POST", "/admin/users")):
        r = s.req(m, path)
        expect_error(f"{m} {path} 405 method_not_allowed (+Allow)", r, 405, "method_not_allowed",
                     lambda r: bool(r.headers.get("Allow")))
    for path in ("/nope", "/auth", "/auth/", "/auth/me/", "/admin/users/1", "/.well-known/jwks", "/%2e%2e/etc/passwd",
                 "/" + "a" * 4000):
        r = s.get(path)
        expect_error(f"GET {path[:40]} 404 not_found", r, 404, "not_found")
    r = s.req("HEAD", "/healthz")
    check("HEAD /healthz not a 5xx", r.status_code < 500, str(r.status_code))
    r = s.req("OPTIONS", "/auth/login")
    check("OPTIONS /auth/login not a 5xx and JSON error if error", r.status_code < 500 and
          (r.status_code < 400 or is_error_body(r)), show(r))

    # ---- size limits
    big = json.dumps({"email": "big@example.com", "password": PW, "pad": "x" * 17000})
    for path in ("/auth/register", "/auth/login", "/auth/refresh", "/auth/logout"):
        expect_error(f"POST {path} 17 KiB body 413 payload_too_large", s.req("POST", path, data=big), 413,
                     "payload_too_large")
    r = s.req("POST", "/auth/register", data=(x for x in [big.encode()]))  # chunked, no Content-Length
    expect_error("chunked 17 KiB body 413 payload_too_large", r, 413, "payload_too_large")
    r = s.req("POST", "/auth/password", token=at, data=big)
    check("POST /auth/password 17 KiB body 413 or 401", r.status_code in (401, 413) and is_error_body(r), show(r))
    r = s.req("POST", "/auth/register", data=json.dumps({"email": "fits@example.com", "password": PW, "pad": "x" * 15000}))
    check("15 KiB body accepted", r.status_code == 201, show(r))
    r = s.get("/healthz", headers={"X-Big": "a" * 17000})
    expect_error("17 KiB header 431 headers_too_large", r, 431, "headers_too_large")
    r = s.get("/auth/me", headers={"Authorization": "Bearer " + "a" * 17000})
    expect_error("17 KiB Authorization header 431 headers_too_large", r, 431, "headers_too_large")
    r = s.get("/healthz", headers={f"X-H{i}": "v" for i in range(120)})
    check("120 header fields: 431 (bare allowed, known limit)", r.status_code == 431, show(r))
    r = s.get("/healthz", headers={"X-Big": "a" * 15000})
    check("15 KiB header accepted", r.status_code == 200, show(r))
    r = s.get("/auth/me", headers={"Authorization": "Bearer " + "a" * 9000})
    check("9 KiB bearer token 401 invalid_token", r.status_code == 401 and is_error_body(r, "invalid_token")
          and 'error="invalid_token"' in r.headers.get("WWW-Authenticate", ""), show(r))

    hostile(s, at)
    return s


def verify_with_jwks(s, token, alg, sub, email, ttl, label="", aud="authd", iss="authd"):
    try:
        client = PyJWKClient(s.base + "/.well-known/jwks.json", cache_keys=False)
        sk = client.get_signing_key_from_jwt(token)
        check(f"{label}access token's JWK alg is {alg}", sk._jwk_data.get("alg") == alg and sk.algorithm_name == alg,
              f"{sk._jwk_data}")
        claims = jwt.decode(token, sk.key, algorithms=[sk._jwk_data["alg"]], audience=aud, issuer=iss,
                            options={"require": ["exp", "iat", "iss", "aud", "sub", "jti"]})
        hdr = jwt.get_unverified_header(token)
        check(f"{label}{alg} access token verifies with PyJWT via PyJWKClient", True)
        check(f"{label}access header alg/kid/typ at+jwt", hdr.get("typ") == "at+jwt" and hdr.get("alg") == alg
              and hdr.get("kid") == sk.key_id, json.dumps(hdr))
        check(f"{label}access claims", claims.get("sub") == sub and claims.get("email") == email
              and isinstance(claims.get("roles"), list) and is_uuid(claims.get("sid")) and is_uuid(claims.get("jti"))
              and is_uuid(claims.get("sub")) and isinstance(claims.get("iat"), int) and claims["exp"] - claims["iat"] == ttl
              and abs(claims["iat"] - time.time()) < 30, json.dumps(claims))
        # also through jwt.PyJWK on the raw JWKS entry
        jwks = requests.get(s.base + "/.well-known/jwks.json", timeout=5).json()
        entry = next(k for k in jwks["keys"] if k["kid"] == hdr["kid"])
        jwt.decode(token, jwt.PyJWK(entry).key, algorithms=[entry["alg"]], audience=aud, issuer=iss)
        check(f"{label}access token verifies with jwt.PyJWK", True)
        try:
            jwt.decode(token, sk.key, algorithms=[alg], audience="someone-else", issuer=iss)
            check(f"{label}access token rejected by PyJWT for another audience", False)
        except jwt.InvalidAudienceError:
            check(f"{label}access token rejected by PyJWT for another audience", True)
    except Exception as e:
        check(f"{label}{alg} access token verifies with PyJWT via PyJWKClient", False, repr(e))


def refresh_not_verifiable(s, rt, label=""):
    jwks = requests.get(s.base + "/.well-known/jwks.json", timeout=5).json()
    accepted = []
    for entry in jwks["keys"]:
        k = jwt.PyJWK(entry)
        for alg in {entry.get("alg"), "HS256"} - {None}:
            try:
                key = k.key
                if alg == "HS256":
                    key = json.dumps(entry).encode()
                jwt.decode(rt, key, algorithms=[alg], options={"verify_aud": False})
                accepted.append((entry["kid"], alg))
            except Exception:
                pass
    check(f"{label}refresh token verifies with no JWKS key", not accepted, str(accepted))
    try:
        client = PyJWKClient(s.base + "/.well-known/jwks.json", cache_keys=False)
        sk = client.get_signing_key_from_jwt(rt)
        try:
            jwt.decode(rt, sk.key, algorithms=[sk.algorithm_name], audience="authd", issuer="authd")
            check(f"{label}PyJWKClient cannot verify a refresh token", False, "verified!")
        except jwt.PyJWTError as e:
            check(f"{label}PyJWKClient cannot verify a refresh token", True, type(e).__name__)
    except jwt.PyJWTError as e:
        check(f"{label}PyJWKClient cannot verify a refresh token", True, type(e).__name__)


def bearer_checks(s, path, method, at, rt, ok_status=200, body=None):
    def call(headers):
        return s.req(method, path, headers=headers, json_body=body)

    realm = 'Bearer realm="authd"'
    r = call({})
    expect_error(f"{method} {path} no Authorization 401", r, 401, None)
    check(f"{method} {path} no Authorization: WWW-Authenticate exactly {realm}",
          r.headers.get("WWW-Authenticate") == realm, repr(r.headers.get("WWW-Authenticate")))
    r = call({"Authorization": "Basic YWxpY2U6cGFzcw=="})
    check(f"{method} {path} Basic scheme: 401, WWW-Authenticate without error",
          r.status_code == 401 and r.headers.get("WWW-Authenticate") == realm and is_error_body(r),
          f"{show(r)} {r.headers.get('WWW-Authenticate')!r}")
    bad = {
        "garbage": "Bearer garbage", "empty token": "Bearer ", "scheme only": "Bearer", "refresh token": f"Bearer {rt}",
        "two tokens": f"Bearer {at} {at}", "tab separator": f"Bearer\t{at}", "comma": f"Bearer {at},",
        "trailing dot": f"Bearer {at}.", "padded b64": "Bearer " + at.split(".")[0] + "==." + ".".join(at.split(".")[1:]),
    }
    for what, hv in bad.items():
        r = call({"Authorization": hv})
        www = r.headers.get("WWW-Authenticate", "")
        check(f"{method} {path} bad bearer ({what}) 401 invalid_token",
              r.status_code == 401 and is_error_body(r, "invalid_token") and www.startswith(realm)
              and 'error="invalid_token"' in www, f"{show(r)} {www!r}")
    r = s.req(method, path + "?access_token=" + at, json_body=body)
    check(f"{method} {path} token in query string ignored (401 no error=)", r.status_code == 401
          and r.headers.get("WWW-Authenticate") == realm, show(r))
    if ok_status:
        for what, hv in {"lower-case scheme": f"bearer {at}", "upper-case": f"BEARER {at}",
                         "several spaces": f"Bearer    {at}"}.items():
            r = call({"Authorization": hv})
            check(f"{method} {path} {what} accepted", r.status_code == ok_status, show(r))


def forged_token_checks(s, at):
    kid = jwt.get_unverified_header(at)["kid"]
    key = pem_key(os.path.join(s.keys_dir, kid + ".pem"))
    with open(os.path.join(s.keys_dir, kid + ".pem"), "rb") as f:
        pem = f.read()
    pub_pem = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    _, c = unverified(at)
    hdr = {"alg": "EdDSA", "typ": "at+jwt", "kid": kid}
    now = int(time.time())
    good = forge(hdr, c, key)
    r = s.get("/auth/me", token=good)
    check("control: re-signed copy of a genuine access token accepted", r.status_code == 200, show(r))
    other = ed25519.Ed25519PrivateKey.generate()
    other_jwk = json.loads(jwt.algorithms.OKPAlgorithm.to_jwk(other.public_key()))
    cases = {
        "payload tampered (roles admin)": at.split(".")[0] + "." + b64u_json({**c, "roles": ["admin"]}) + "." + at.split(".")[2],
        "signature stripped": ".".join(at.split(".")[:2]) + ".",
        "signature bit flipped": at[:-2] + ("A" if at[-2] != "A" else "B") + at[-1],
        "alg none": forge({**hdr, "alg": "none"}, c),
        "alg None": forge({**hdr, "alg": "None"}, c),
        "HS256 with public key PEM (key confusion)": forge({**hdr, "alg": "HS256"}, c, pub_pem),
        "HS256 with private PEM bytes": forge({**hdr, "alg": "HS256"}, c, pem),
        "ES256 claimed for EdDSA key": forge({**hdr, "alg": "ES256"}, c, key),
        "unknown kid": forge({**hdr, "kid": "nope"}, c, key),
        "missing kid": forge({"alg": "EdDSA", "typ": "at+jwt"}, c, key),
        "kid path traversal": forge({**hdr, "kid": "../../etc/passwd"}, c, key),
        "kid not a string": forge({**hdr, "kid": 5}, c, key),
        "crit header": forge({**hdr, "crit": ["exp"]}, c, key),
        "embedded jwk (own key)": forge({**hdr, "jwk": other_jwk}, c, other),
        "embedded jwk, real key sig": forge({**hdr, "jwk": other_jwk}, c, key),
        "jku header": forge({**hdr, "jku": "http://127.0.0.1:1/jwks"}, c, key),
        "x5u header": forge({**hdr, "x5u": "http://127.0.0.1:1/x"}, c, key),
        "x5c header": forge({**hdr, "x5c": ["MIIB"]}, c, key),
        "signed by another key": forge(hdr, c, other),
        "typ missing": forge({"alg": "EdDSA", "kid": kid}, c, key),
        "typ JWT": forge({**hdr, "typ": "JWT"}, c, key),
        "typ rt+jwt": forge({**hdr, "typ": "rt+jwt"}, c, key),
        "exp string": forge(hdr, {**c, "exp": str(c["exp"])}, key),
        "exp float": forge(hdr, {**c, "exp": c["exp"] + 0.5}, key),
        "exp missing": forge(hdr, {k: v for k, v in c.items() if k != "exp"}, key),
        "exp past": forge(hdr, {**c, "exp": now - 120, "iat": now - 1000}, key),
        "iat missing": forge(hdr, {k: v for k, v in c.items() if k != "iat"}, key),
        "iat in future": forge(hdr, {**c, "iat": now + 600, "exp": now + 1200}, key),
        "iat string": forge(hdr, {**c, "iat": str(c["iat"])}, key),
        "nbf in future": forge(hdr, {**c, "nbf": now + 600}, key),
        "nbf string": forge(hdr, {**c, "nbf": "0"}, key),
        "iss wrong": forge(hdr, {**c, "iss": "evil"}, key),
        "iss missing": forge(hdr, {k: v for k, v in c.items() if k != "iss"}, key),
        "aud wrong": forge(hdr, {**c, "aud": "evil"}, key),
        "aud refresh": forge(hdr, {**c, "aud": "authd/refresh"}, key),
        "aud missing": forge(hdr, {k: v for k, v in c.items() if k != "aud"}, key),
        "sub not uuid": forge(hdr, {**c, "sub": "admin"}, key),
        "sub missing": forge(hdr, {k: v for k, v in c.items() if k != "sub"}, key),
        "sub number": forge(hdr, {**c, "sub": 1}, key),
        "sid not uuid": forge(hdr, {**c, "sid": "x"}, key),
        "jti missing": forge(hdr, {k: v for k, v in c.items() if k != "jti"}, key),
        "jti not uuid": forge(hdr, {**c, "jti": "x"}, key),
        "roles null": forge(hdr, {**c, "roles": None}, key),
        "email number": forge(hdr, {**c, "email": 5}, key),
        "claims not an object": forge(hdr, [1, 2], key),
        "header not JSON": b64u(b"{not json") + "." + at.split(".", 1)[1],
        "four segments": at + ".AAAA",
        "two segments": ".".join(at.split(".")[:2]),
        "empty segments": "..",
        "non-base64 chars": at.replace(at[5], "*", 1),
        "padded segments": "=.".join(at.split(".")[:2]) + "=." + at.split(".")[2],
        "huge 8.5 KiB token": forge(hdr, {**c, "pad": "x" * 8700}, key),
    }
    for what, tok in cases.items():
        r = s.get("/auth/me", token=tok)
        www = r.headers.get("WWW-Authenticate", "")
        check(f"forged access token ({what}) 401 invalid_token",
              r.status_code == 401 and is_error_body(r, "invalid_token") and 'error="invalid_token"' in www,
              f"{show(r)} {www!r}")
    # leeway: exp 10 s in the past is within the default 30 s leeway
    r = s.get("/auth/me", token=forge(hdr, {**c, "exp": now - 10}, key))
    check("token expired 10 s ago accepted within the 30 s leeway", r.status_code == 200, show(r))
    r = s.get("/auth/me", token=forge(hdr, {**c, "exp": now - 45}, key))
    check("token expired 45 s ago rejected (leeway 30, not 60)", r.status_code == 401, show(r))
    r = s.get("/auth/me", token=forge(hdr, {**c, "nbf": now - 5}, key))
    check("nbf in the past accepted", r.status_code == 200, show(r))


def hostile(s, at):
    cases = [
        ("null byte in header", b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\x00b\r\n\r\n"),
        ("non-ASCII Authorization", "GET /auth/me HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer é€\r\n\r\n".encode()),
        ("latin-1 Authorization", b"GET /auth/me HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \xe9\xff\r\n\r\n"),
        ("bad Content-Length", b"POST /auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: abc\r\n\r\n{}"),
        ("negative Content-Length", b"POST /auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: -5\r\n\r\n{}"),
        ("huge Content-Length", b"POST /auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 99999999999999\r\n\r\n{}"),
        ("CL + TE", b"POST /auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
        ("bad chunk size", b"POST /auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n"),
        ("garbage request line", b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 TLS hello\r\n\r\n"),
        ("HTTP/0.9", b"GET /healthz\r\n\r\n"),
        ("absolute URI", b"GET http://evil.example/healthz HTTP/1.1\r\nHost: evil\r\n\r\n"),
        ("bad percent-encoding", b"GET /auth/%zz HTTP/1.1\r\nHost: x\r\n\r\n"),
        ("query with junk", b"GET /admin/users?limit=%ff%fe&offset=%00 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer x\r\n\r\n"),
        ("two Authorization headers", f"GET /auth/me HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {at}\r\nAuthorization: Bearer junk\r\n\r\n".encode()),
        ("two Content-Type headers", b"POST /auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\n{}"),
        ("Content-Type junk params", b"POST /auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json; charset=\"\x7f\r\nContent-Length: 2\r\n\r\n{}"),
        ("Content-Encoding gzip junk", b"POST /auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\nContent-Length: 4\r\n\r\nabcd"),
        ("Content-Encoding br junk", b"POST /auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Encoding: br\r\nContent-Length: 4\r\n\r\nabcd"),
        ("Expect 100-continue", b"POST /auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n{}"),
        ("X-Forwarded-For junk", b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: ::::, 999.1.1.1, \xff\r\n\r\n"),
        ("Forwarded junk", b"POST /auth/login HTTP/1.1\r\nHost: x\r\nForwarded: for=\"[::1\r\nX-Real-IP: zz\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"),
        ("header without colon", b"GET /healthz HTTP/1.1\r\nHost: x\r\nNoColonHere\r\n\r\n"),
        ("obs-fold header", b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n\r\n"),
    ]
    for what, payload in cases:
        try:
            st, hd, body = s.raw(payload)
        except Exception as e:
            st, hd, body = None, {}, repr(e).encode()
        ok = (st is None or st < 500 or st == 503) and s.alive()
        # an application-level 4xx should carry the JSON error body
        if st is not None and 400 <= st < 500 and st not in (400, 431) and body:
            try:
                j = json.loads(body)
                ok = ok and "error" in j and "message" in j
            except Exception:
                ok = False
        check(f"hostile request ({what}): no 5xx, server alive", ok, f"{st} {body[:120]!r}")
    r = s.req("POST", "/auth/login", data=b'{"email":"alice@example.com","password":"x","email":"y@example.com"}')
    check("duplicate JSON keys: 400 or 401, not 5xx", r.status_code in (400, 401) and is_error_body(r), show(r))
    r = s.req("POST", "/auth/login", data=json.dumps({"email": "a@example.com", "password": PW, "n": 1e400 if False else 10**400}).replace("1" + "0" * 400, "1" + "0" * 400))
    check("huge number in an unknown field: not 5xx", r.status_code < 500 and is_error_body(r), show(r))
    r = s.req("POST", "/auth/login", data='{"email":"a\\ud800@example.com","password":"' + PW + '"}')
    check("lone surrogate escape in email: 400/401/422, not 5xx", r.status_code in (400, 401, 422) and is_error_body(r),
          show(r))
    r = s.req("POST", "/auth/register", data='{"email":"nul\\u0000@example.com","password":"' + PW + '"}')
    expect_error("NUL in email 422 invalid_email", r, 422, "invalid_email")
    r = s.req("POST", "/auth/register", json_body={"email": "nulpw@example.com", "password": PW + "\x00"})
    check("NUL in password: not 5xx", r.status_code in (201, 422) and (r.status_code == 201 or is_error_body(r)), show(r))
    with concurrent.futures.ThreadPoolExecutor(8) as ex:
        res = list(ex.map(lambda i: s.raw(b"POST /auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{", timeout=3)[0], range(8)))
    check("truncated bodies (client hangs up): no 5xx", all(x is None or x < 500 or x == 408 for x in res), str(res))
    r = s.get("/healthz")
    check("server alive after hostile requests", s.alive() and r.status_code == 200, show(r))


def suite_key_folders(B):
    # ES256 via `authd keys generate`
    s = Server(B, "es256", keys=("es256",), env={"AUTHD_IP_RATE_LIMIT": "0"}).start()
    one_alg(s, "ES256", {"kty": "EC", "crv": "P-256"})
    s.stop()
    # RS256 via openssl; EdDSA via openssl; P-256 via openssl
    for alg, args, shape in (("RS256", ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"], {"kty": "RSA"}),
                             ("EdDSA", ["-algorithm", "ed25519"], {"kty": "OKP", "crv": "Ed25519"}),
                             ("ES256", ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"], {"kty": "EC", "crv": "P-256"})):
        s = Server(B, f"openssl-{alg}", keys=(), env={"AUTHD_IP_RATE_LIMIT": "0"})
        openssl(["genpkey"] + args + ["-out", os.path.join(s.keys_dir, f"ossl-{alg.lower()}.pem")])
        with open(os.path.join(s.keys_dir, "README.md"), "w") as f:
            f.write("# keys\n")
        with open(os.path.join(s.keys_dir, ".gitignore"), "w") as f:
            f.write("*\n")
        try:
            s.start()
        except RuntimeError as e:
            check(f"openssl {alg} key folder (with README/.gitignore) starts", False, str(e)[:300])
            continue
        check(f"openssl {alg} key folder (with README/.gitignore) starts", True)
        one_alg(s, alg, shape, label=f"openssl {alg}: ")
        s.stop()

    # HS256 secret only
    s = Server(B, "hs256", keys=(), env={"AUTHD_IP_RATE_LIMIT": "0"})
    secret = os.urandom(48)
    with open(os.path.join(s.keys_dir, "hmac1.hs256"), "wb") as f:
        f.write(secret)
    s.start()
    r = s.get("/.well-known/jwks.json")
    check("HS256-only folder: JWKS 200 with no keys", r.status_code == 200 and r.json().get("keys") == [], show(r))
    p = s.user("hs@example.com")
    h, _ = unverified(p["access_token"])
    try:
        jwt.decode(p["access_token"], secret, algorithms=["HS256"], audience="authd", issuer="authd")
        ok = h.get("alg") == "HS256" and h.get("typ") == "at+jwt" and h.get("kid") == "hmac1"
    except Exception as e:
        ok = False
        h = repr(e)
    check("HS256 access token: alg HS256, typ at+jwt, verifies with the raw secret", ok, str(h))
    try:
        jwt.decode(p["refresh_token"], secret, algorithms=["HS256"], options={"verify_aud": False})
        check("HS256 folder: refresh token not MACed with the raw secret (HKDF-derived)", False)
    except jwt.PyJWTError:
        check("HS256 folder: refresh token not MACed with the raw secret (HKDF-derived)", True)
    r = s.get("/auth/me", token=p["access_token"])
    check("HS256 access token works on /auth/me", r.status_code == 200, show(r))
    r = s.post("/auth/refresh", {"refresh_token": p["refresh_token"]})
    check("HS256 folder: refresh works", r.status_code == 200, show(r))
    r = s.get("/auth/me", token=forge({"alg": "HS256", "typ": "rt+jwt", "kid": "hmac1"}, unverified(p["access_token"])[1],
                                      secret))
    check("HS256 folder: access claims with typ rt+jwt rejected", r.status_code == 401, show(r))
    s.stop()

    # mixed folder: EdDSA + HS256 + .pub.pem; signing-key choice by age
    s = Server(B, "mixed", keys=(), env={"AUTHD_IP_RATE_LIMIT": "0", "AUTHD_JWKS_MAX_AGE": "300"})
    kd = s.keys_dir
    openssl(["genpkey", "-algorithm", "ed25519", "-out", f"{kd}/a-old.pem"])
    openssl(["genpkey", "-algorithm", "ed25519", "-out", f"{kd}/b-new.pem"])
    retired = ed25519.Ed25519PrivateKey.generate()
    with open(f"{kd}/0-retired.pub.pem", "wb") as f:
        f.write(retired.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    with open(f"{kd}/z-secret.hs256", "wb") as f:
        f.write(os.urandom(32))
    old = time.time() - 3600
    os.utime(f"{kd}/a-old.pem", (old, old))
    s.start()
    r = s.get("/.well-known/jwks.json")
    kids = sorted(k["kid"] for k in r.json()["keys"])
    check("mixed folder: JWKS publishes .pem and .pub.pem, never .hs256", kids == ["0-retired", "a-old", "b-new"], str(kids))
    check("mixed folder: max-age=300 in Cache-Control", "max-age=300" in r.headers.get("Cache-Control", ""),
          r.headers.get("Cache-Control"))
    p = s.user("mix@example.com")
    kid = unverified(p["access_token"])[0].get("kid")
    check("signing key: greatest kid published >= JWKS_MAX_AGE (a-old, not the new b-new nor z-secret)",
          kid == "a-old", f"kid={kid}")
    c = unverified(p["access_token"])[1]
    t = forge({"alg": "EdDSA", "typ": "at+jwt", "kid": "0-retired"}, c, retired)
    r = s.get("/auth/me", token=t)
    check(".pub.pem key verifies tokens it signed", r.status_code == 200, show(r))
    # rotation via SIGHUP
    openssl(["genpkey", "-algorithm", "ed25519", "-out", f"{kd}/c-rotated.pem"])
    os.remove(f"{kd}/0-retired.pub.pem")
    s.proc.send_signal(signal.SIGHUP)
    time.sleep(1.0)
    kids = sorted(k["kid"] for k in s.get("/.well-known/jwks.json").json()["keys"])
    check("SIGHUP re-reads the folder (new key published, deleted key gone)", kids == ["a-old", "b-new", "c-rotated"],
          str(kids))
    r = s.get("/auth/me", token=t)
    check("token of a deleted key rejected after SIGHUP", r.status_code == 401, show(r))
    r = s.get("/auth/me", token=p["access_token"])
    check("server alive after SIGHUP, existing token still valid", s.alive() and r.status_code == 200, show(r))
    s.stop()

    # two fresh keys: the greatest kid signs at once
    s = Server(B, "fresh2", keys=(), env={"AUTHD_IP_RATE_LIMIT": "0"})
    openssl(["genpkey", "-algorithm", "ed25519", "-out", f"{s.keys_dir}/k1.pem"])
    openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", f"{s.keys_dir}/k2.pem"])
    s.start()
    p = s.user("fresh@example.com")
    h = unverified(p["access_token"])[0]
    check("first start, no key aged: greatest kid signs", h.get("kid") == "k2" and h.get("alg") == "ES256", str(h))
    verify_with_jwks(s, p["access_token"], "ES256", unverified(p["access_token"])[1]["sub"], "fresh@example.com", 900,
                     label="two-key folder: ")
    s.stop()


def one_alg(s, alg, shape, label=""):
    r = s.get("/.well-known/jwks.json")
    keys = r.json().get("keys", [])
    check(f"{label}JWKS key shape {alg}", len(keys) == 1 and keys[0].get("alg") == alg and keys[0].get("use") == "sig"
          and all(keys[0].get(k) == v for k, v in shape.items()) and "d" not in keys[0] and "p" not in keys[0],
          json.dumps(keys)[:300])
    p = s.user(f"{alg.lower()}@example.com")
    sub = unverified(p["access_token"])[1]["sub"]
    verify_with_jwks(s, p["access_token"], alg, sub, f"{alg.lower()}@example.com", 900, label=label)
    refresh_not_verifiable(s, p["refresh_token"], label=f"{label}{alg}: ")
    r = s.get("/auth/me", token=p["access_token"])
    check(f"{label}{alg} /auth/me 200", r.status_code == 200, show(r))
    # alg confusion on this key type
    kid = unverified(p["access_token"])[0]["kid"]
    c = unverified(p["access_token"])[1]
    with open(os.path.join(s.keys_dir, kid + ".pem"), "rb") as f:
        k = serialization.load_pem_private_key(f.read(), None)
    pub = k.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    r = s.get("/auth/me", token=forge({"alg": "HS256", "typ": "at+jwt", "kid": kid}, c, pub))
    check(f"{label}{alg}: HS256-with-public-key confusion rejected", r.status_code == 401, show(r))
    if alg == "RS256":
        from cryptography.hazmat.primitives.asymmetric import padding
        h = b64u_json({"alg": "PS256", "typ": "at+jwt", "kid": kid}) + "." + b64u_json(c)
        sig = k.sign(h.encode(), padding.PSS(padding.MGF1(hashes.SHA256()), 32), hashes.SHA256())
        r = s.get("/auth/me", token=h + "." + b64u(sig))
        check(f"{label}RS256 key: PS256 token rejected (only the key's alg)", r.status_code == 401, show(r))
    if alg == "ES256":
        h = b64u_json({"alg": "ES256", "typ": "at+jwt", "kid": kid}) + "." + b64u_json(c)
        r = s.get("/auth/me", token=h + "." + b64u(b"\x00" * 64))
        check(f"{label}ES256: all-zero signature (psychic signature) rejected", r.status_code == 401, show(r))
        der = k.sign(h.encode(), ec.ECDSA(hashes.SHA256()))
        r = s.get("/auth/me", token=h + "." + b64u(der))
        check(f"{label}ES256: DER-encoded signature rejected", r.status_code == 401, show(r))


def suite_expiry(B):
    s = Server(B, "expiry", env={"AUTHD_IP_RATE_LIMIT": "0", "AUTHD_ACCESS_TTL": "2", "AUTHD_LEEWAY": "0",
                                 "AUTHD_SESSION_TTL": "6"}).start()
    p = s.user("exp@example.com")
    _, ac = unverified(p["access_token"])
    _, rc = unverified(p["refresh_token"])
    check("ACCESS_TTL=2: expires_in 2, exp-iat 2", p.get("expires_in") == 2 and ac["exp"] - ac["iat"] == 2, json.dumps(p)[:80])
    check("SESSION_TTL=6 caps refresh_expires_in and refresh exp", p.get("refresh_expires_in", 99) <= 6
          and rc["exp"] <= rc["auth_time"] + 6, f"refresh_expires_in={p.get('refresh_expires_in')} exp-auth_time={rc['exp']-rc['auth_time']}")
    r = s.get("/auth/me", token=p["access_token"])
    check("fresh 2 s token accepted", r.status_code == 200, show(r))
    time.sleep(3.2)
    r = s.get("/auth/me", token=p["access_token"])
    expect_error("expired access token 401 invalid_token (leeway 0)", r, 401, "invalid_token",
                 lambda r: 'error="invalid_token"' in r.headers.get("WWW-Authenticate", ""))
    try:
        sk = PyJWKClient(s.base + "/.well-known/jwks.json").get_signing_key_from_jwt(p["access_token"])
        jwt.decode(p["access_token"], sk.key, algorithms=[sk.algorithm_name], audience="authd", issuer="authd")
        check("PyJWT also sees the token expired", False)
    except jwt.ExpiredSignatureError:
        check("PyJWT also sees the token expired", True)
    r = s.post("/auth/refresh", {"refresh_token": p["refresh_token"]})
    ok = r.status_code == 200
    check("refresh within session after access expiry 200", ok, show(r))
    if ok:
        n = r.json()
        _, nac = unverified(n["access_token"])
        _, nrc = unverified(n["refresh_token"])
        check("refreshed tokens never outlive the session (auth_time+6)", nrc["exp"] <= rc["auth_time"] + 6
              and nac["exp"] <= rc["auth_time"] + 6 and n["refresh_expires_in"] <= 3,
              f"refresh exp-auth_time={nrc['exp']-rc['auth_time']}, access exp-auth_time={nac['exp']-rc['auth_time']}, refresh_expires_in={n['refresh_expires_in']}")
        time.sleep(max(0, rc["auth_time"] + 7 - time.time()))
        r = s.post("/auth/refresh", {"refresh_token": n["refresh_token"]})
        expect_error("refresh after the session's absolute end 401 invalid_grant", r, 401, "invalid_grant")
        r = s.post("/auth/logout", {"refresh_token": n["refresh_token"]})
        check("logout with an expired genuine refresh token 204", r.status_code == 204, show(r))
    s.stop()

    # refresh TTL of 1 s beside access 900 is legal; reuse grace
    s = Server(B, "grace", env={"AUTHD_IP_RATE_LIMIT": "0", "AUTHD_REFRESH_REUSE_GRACE": "2"}).start()
    p = s.user("grace@example.com")
    a = s.post("/auth/refresh", {"refresh_token": p["refresh_token"]})
    b = s.post("/auth/refresh", {"refresh_token": p["refresh_token"]})
    check("within REUSE_GRACE the retired token returns the same successor pair",
          a.status_code == 200 and b.status_code == 200 and a.json()["refresh_token"] == b.json()["refresh_token"]
          and a.json()["access_token"] == b.json()["access_token"], f"{show(a)[:60]} / {show(b)[:60]}")
    check("grace response carries no-store", "no-store" in b.headers.get("Cache-Control", ""), str(b.headers))
    time.sleep(3)
    c = s.post("/auth/refresh", {"refresh_token": p["refresh_token"]})
    expect_error("after the grace window: replay 401 invalid_grant", c, 401, "invalid_grant")
    d = s.post("/auth/refresh", {"refresh_token": a.json()["refresh_token"]})
    expect_error("…and the session's newest token revoked", d, 401, "invalid_grant")
    s.stop()

    s = Server(B, "rttl1", env={"AUTHD_IP_RATE_LIMIT": "0", "AUTHD_REFRESH_TTL": "1", "AUTHD_LEEWAY": "0"}).start()
    p = s.user("r1@example.com")
    check("REFRESH_TTL=1 beside ACCESS_TTL 900 is legal", p.get("refresh_expires_in") == 1 and p.get("expires_in") == 900,
          json.dumps({k: p.get(k) for k in ("expires_in", "refresh_expires_in")}))
    time.sleep(2.2)
    expect_error("refresh token past its 1 s life 401 invalid_grant",
                 s.post("/auth/refresh", {"refresh_token": p["refresh_token"]}), 401, "invalid_grant")
    s.stop()


def suite_throttle(B):
    s = Server(B, "defaults").start()  # every default
    s.register("victim@example.com")
    codes = [s.login("victim@example.com", "wrong wrong wrong wrong").status_code for _ in range(5)]
    check("defaults: 5 failed logins are 401", codes == [401] * 5, str(codes))
    r = s.login("victim@example.com", "wrong wrong wrong wrong")
    expect_error("defaults: 6th failed login 429 rate_limited", r, 429, "rate_limited",
                 lambda r: r.headers.get("Retry-After", "").isdigit() and int(r.headers["Retry-After"]) > 0)
    check("429 Retry-After is integer seconds within the window", r.headers.get("Retry-After", "x").isdigit()
          and 0 < int(r.headers["Retry-After"]) <= 900, repr(r.headers.get("Retry-After")))
    r = s.login("victim@example.com")
    expect_error("defaults: even the right password is 429 while locked", r, 429, "rate_limited")
    codes = [s.login("ghost@example.com", "wrong wrong wrong wrong").status_code for _ in range(6)]
    check("unknown account throttled exactly like a known one", codes == [401] * 5 + [429], str(codes))
    r = s.get("/healthz")
    check("healthz not rate-limited", r.status_code == 200)
    # per-IP limit: 30/min burst 30 on register/login/refresh (we have used ~14)
    statuses = []
    for i in range(40):
        r = s.post("/auth/refresh", {"refresh_token": "x"})
        statuses.append(r.status_code)
        if r.status_code == 429:
            break
    check("defaults: per-IP limit eventually 429 on refresh (malformed requests count)", statuses[-1] == 429
          and len(statuses) <= 30 and is_error_body(r, "rate_limited") and r.headers.get("Retry-After", "").isdigit(),
          f"{len(statuses)} requests, last {show(r)} Retry-After={r.headers.get('Retry-After')!r}")
    r = s.get("/.well-known/jwks.json")
    check("JWKS not rate-limited", r.status_code == 200, show(r))
    s.stop()

    s = Server(B, "throttle3", env={"AUTHD_IP_RATE_LIMIT": "0", "AUTHD_LOGIN_MAX_FAILURES": "3"}).start()
    p = s.user("dev@example.com")
    dev = p["device_token"]
    codes = [s.login("dev@example.com", "bad bad bad bad bad").status_code for _ in range(2)]
    codes.append(s.login("dev@example.com").status_code)
    codes += [s.login("dev@example.com", "bad bad bad bad bad").status_code for _ in range(3)]
    check("a success resets the (account, IP) counter", codes == [401, 401, 200, 401, 401, 401], str(codes))
    r = s.login("dev@example.com")
    expect_error("locked pair 429 with right password", r, 429, "rate_limited")
    r = s.login("dev@example.com", PW, device_token=dev)
    check("a valid device token is its own device: right password 200 while the IP is locked", r.status_code == 200,
          show(r))
    r = s.login("other@example.com", PW, device_token=dev)
    check("a device token of another account changes nothing (unknown account 401)", r.status_code == 401, show(r))
    # failed current-password checks count too
    q = s.user("pw@example.com")
    codes = [s.post("/auth/password", {"current_password": "nope nope nope nope", "new_password": PW2},
                    token=q["access_token"]).status_code for _ in range(4)]
    check("failed current-password checks throttled (403,403,403,429)", codes == [403, 403, 403, 429], str(codes))
    r = s.post("/auth/password", {"current_password": "nope nope nope nope", "new_password": PW2}, token=q["access_token"])
    check("/auth/password 429 has rate_limited + Retry-After", r.status_code == 429 and is_error_body(r, "rate_limited")
          and r.headers.get("Retry-After", "").isdigit(), show(r))
    s.stop()

    # 503 under a saturated hash pool
    s = Server(B, "pool", env={"AUTHD_IP_RATE_LIMIT": "0", "AUTHD_LOGIN_MAX_FAILURES": "100000",
                               "AUTHD_HASH_WORKERS": "1", "AUTHD_HASH_QUEUE": "1"}).start()
    s.register("pool@example.com")
    with concurrent.futures.ThreadPoolExecutor(24) as ex:
        res = list(ex.map(lambda i: requests.post(s.base + "/auth/login", json={"email": "pool@example.com", "password": PW},
                                                  timeout=60), range(24)))
    codes = [x.status_code for x in res]
    shed = [x for x in res if x.status_code == 503]
    check("saturated hash pool: some logins 503, the rest 200", shed and set(codes) <= {200, 503} and 200 in codes,
          str(sorted(codes)))
    if shed:
        x = shed[0]
        check("503 unavailable has JSON body and integer Retry-After", is_error_body(x, "unavailable")
              and x.headers.get("Retry-After", "").isdigit(), f"{show(x)} Retry-After={x.headers.get('Retry-After')!r}")
    s.stop()

    # Redis unreachable at start: not fatal, degraded, fail closed, access checks go on
    s = Server(B, "redis-down", env={"AUTHD_REDIS_URL": "redis://127.0.0.1:1", "AUTHD_REDIS_TIMEOUT": "1"})
    try:
        s.start()
        check("Redis unreachable at start is not fatal", True)
    except RuntimeError as e:
        check("Redis unreachable at start is not fatal", False, str(e)[:300])
        return
    r = s.get("/readyz")
    check("readyz 200 degraded, denylist down", r.status_code == 200 and r.json().get("status") == "degraded"
          and r.json().get("checks", {}).get("denylist") == "down" and r.json()["checks"].get("database") == "ok", show(r))
    r = s.register("redis@example.com")
    r = s.login("redis@example.com")
    check("Redis down: login 503 unavailable + Retry-After", r.status_code == 503 and is_error_body(r, "unavailable")
          and r.headers.get("Retry-After", "").isdigit(), show(r))
    r = s.post("/auth/refresh", {"refresh_token": "x.y.z"})
    check("Redis down: refresh answers 401 or 503 (never 500)", r.status_code in (401, 503) and is_error_body(r), show(r))
    kid = s.key_files()[0][:-4]
    k = pem_key(os.path.join(s.keys_dir, kid + ".pem"))
    now = int(time.time())
    tok = forge({"alg": "EdDSA", "typ": "at+jwt", "kid": kid},
                {"iss": "authd", "aud": "authd", "sub": str(uuid.uuid4()), "client_id": "authd", "email": "x@example.com", "roles": [],
                 "sid": str(uuid.uuid4()), "jti": str(uuid.uuid4()), "iat": now, "exp": now + 60}, k)
    r = s.get("/auth/me", token=tok)
    check("Redis down: access-token checks still work (/auth/me 200)", r.status_code == 200, show(r))
    s.stop()


def suite_startup(B):
    def run(name, env=None, args=(), keys=("eddsa",), setup=None, timeout=8):
        s = Server(B, name, keys=keys, env=env or {})
        if setup:
            setup(s)
        try:
            p = subprocess.run([B, "serve"] + list(args), env=s.env, cwd=s.cwd, capture_output=True, text=True,
                               timeout=timeout)
            return p.returncode, p.stderr, s
        except subprocess.TimeoutExpired as e:
            return None, (e.stderr or b"").decode() if isinstance(e.stderr, bytes) else (e.stderr or ""), s

    def one_line_naming(name, rc, err, setting):
        lines = [l for l in err.strip().splitlines() if l.strip()]
        check(name, rc not in (None, 0) and len(lines) == 1 and setting in lines[0],
              f"rc={rc} stderr={err.strip()[:300]!r}")

    rc, err, _ = run("empty-keys", keys=())
    one_line_naming("empty keys folder: non-zero exit, one line naming AUTHD_KEYS_DIR", rc, err, "AUTHD_KEYS_DIR")
    rc, err, _ = run("readme-only", keys=(), setup=lambda s: open(os.path.join(s.keys_dir, "README.md"), "w").write("x"))
    one_line_naming("keys folder with only a README: start-up error naming AUTHD_KEYS_DIR", rc, err, "AUTHD_KEYS_DIR")
    rc, err, _ = run("missing-keys", env={"AUTHD_KEYS_DIR": "/nonexistent/authd/keys"}, keys=())
    one_line_naming("missing keys folder: start-up error naming AUTHD_KEYS_DIR", rc, err, "AUTHD_KEYS_DIR")
    rc, err, _ = run("short-hs", keys=(), setup=lambda s: open(os.path.join(s.keys_dir, "k.hs256"), "wb").write(b"x" * 31))
    one_line_naming("31-byte .hs256 secret: start-up error naming AUTHD_KEYS_DIR", rc, err, "AUTHD_KEYS_DIR")
    rc, err, _ = run("garbage-pem", keys=("eddsa",), setup=lambda s: open(os.path.join(s.keys_dir, "zz.pem"), "w").write("junk"))
    one_line_naming("unreadable key file: start-up error naming AUTHD_KEYS_DIR", rc, err, "AUTHD_KEYS_DIR")
    rc, err, _ = run("p384", keys=(), setup=lambda s: openssl(["genpkey", "-algorithm", "EC", "-pkeyopt",
                                                               "ec_paramgen_curve:P-384", "-out", f"{s.keys_dir}/p384.pem"]))
    one_line_naming("P-384 key (unsupported curve): start-up error naming AUTHD_KEYS_DIR", rc, err, "AUTHD_KEYS_DIR")
    rc, err, _ = run("rsa1024", keys=(), setup=lambda s: openssl(["genpkey", "-algorithm", "RSA", "-pkeyopt",
                                                                  "rsa_keygen_bits:1024", "-out", f"{s.keys_dir}/r.pem"]))
    one_line_naming("RSA-1024 key: start-up error naming AUTHD_KEYS_DIR", rc, err, "AUTHD_KEYS_DIR")
    bad = {
        "AUTHD_ACCESS_TTL": "abc", "AUTHD_REFRESH_TTL": "0", "AUTHD_SESSION_TTL": "-5", "AUTHD_LEEWAY": "soon",
        "AUTHD_LOGIN_MAX_FAILURES": "many", "AUTHD_LOGIN_WINDOW": "0", "AUTHD_IP_RATE_LIMIT": "-1",
        "AUTHD_PASSWORD_MIN_LENGTH": "7", "AUTHD_ARGON2": "m=1", "AUTHD_TRUSTED_PROXIES": "not-a-cidr",
        "AUTHD_BIND": "nowhere", "AUTHD_DATABASE_URL": "mysql://localhost/x", "AUTHD_JWKS_MAX_AGE": "x",
        "AUTHD_REFRESH_REUSE_GRACE": "x", "AUTHD_COOKIES": "maybe",
    }
    for var, val in bad.items():
        rc, err, _ = run(f"bad-{var}", env={var: val})
        one_line_naming(f"bad setting {var}={val!r}: non-zero exit, one line naming it", rc, err, var)
    rc, err, _ = run("bad-db-path", env={"AUTHD_DATABASE_URL": "sqlite:///proc/nope/authd.db"})
    one_line_naming("unreachable database at start: one line naming AUTHD_DATABASE_URL", rc, err, "AUTHD_DATABASE_URL")
    rc, err, _ = run("unreachable-pg", env={"AUTHD_DATABASE_URL": "postgres://u:p@127.0.0.1:1/db"}, timeout=30)
    one_line_naming("unreachable PostgreSQL at start: one line naming AUTHD_DATABASE_URL", rc, err, "AUTHD_DATABASE_URL")
    # port in use
    blocker = socket.socket()
    blocker.bind(("127.0.0.1", 0))
    blocker.listen(1)
    rc, err, _ = run("port-in-use", env={"AUTHD_BIND": f"127.0.0.1:{blocker.getsockname()[1]}"})
    blocker.close()
    one_line_naming("port in use: one line naming AUTHD_BIND", rc, err, "AUTHD_BIND")

    # the flag wins over the environment
    s = Server(B, "flagwins", env={"AUTHD_ACCESS_TTL": "120", "AUTHD_IP_RATE_LIMIT": "0"}, args=["--access-ttl", "1m"]).start()
    p = s.user("flag@example.com")
    check("--access-ttl 1m wins over AUTHD_ACCESS_TTL=120 (expires_in 60)", p.get("expires_in") == 60, str(p.get("expires_in")))
    s.stop()
    # a .env file in the working directory
    cwd = tempfile.mkdtemp(prefix="authd-bb-dotenv-")
    s = Server(B, "dotenv", env={}, cwd=cwd)
    port = free_port()
    with open(os.path.join(cwd, ".env"), "w") as f:
        f.write(f"AUTHD_BIND=127.0.0.1:{port}\nAUTHD_ACCESS_TTL=77\nAUTHD_ISSUER=dotenv-issuer\n"
                f"AUTHD_KEYS_DIR={s.keys_dir}\nAUTHD_DATABASE_URL=sqlite://{cwd}/db/x.db\nAUTHD_IP_RATE_LIMIT=0\n")
    for k in ("AUTHD_BIND", "AUTHD_KEYS_DIR", "AUTHD_DATABASE_URL"):
        s.env.pop(k, None)
    s.port, s.base = port, f"http://127.0.0.1:{port}"
    try:
        s.start()
        p = s.user("dotenv@example.com")
        c = unverified(p["access_token"])[1]
        check(".env honoured (bind, keys, database, ttl, issuer)", p.get("expires_in") == 77 and c.get("iss") == "dotenv-issuer",
              f"expires_in={p.get('expires_in')} iss={c.get('iss')}")
        verify_with_jwks(s, p["access_token"], "EdDSA", c["sub"], "dotenv@example.com", 77, label=".env issuer: ",
                         iss="dotenv-issuer")
        check(".env: refresh aud is <issuer>/refresh", unverified(p["refresh_token"])[1].get("aud") in
              ("dotenv-issuer/refresh", ["dotenv-issuer/refresh"]))
        pu = subprocess.run([B, "users", "add", "cli@example.com"], input=PW2 + "\n", env=s.env, cwd=cwd,
                            capture_output=True, text=True, timeout=30)
        r = s.login("cli@example.com", PW2)
        check("users add reads the same .env (same database as the server)", pu.returncode == 0 and r.status_code == 200,
              f"rc={pu.returncode} {pu.stderr.strip()} login {r.status_code}")
        s.stop()
    except RuntimeError as e:
        check(".env honoured (bind, keys, database, ttl, issuer)", False, str(e)[:300])
    # environment wins over .env
    s = Server(B, "dotenv-env", env={"AUTHD_ACCESS_TTL": "88", "AUTHD_IP_RATE_LIMIT": "0"}, cwd=cwd)
    s.start()
    p = s.user("envwins@example.com")
    check("a real environment variable wins over .env", p.get("expires_in") == 88, str(p.get("expires_in")))
    s.stop()
    # audience setting
    s = Server(B, "aud", env={"AUTHD_AUDIENCE": "my-api", "AUTHD_IP_RATE_LIMIT": "0"}).start()
    p = s.user("aud@example.com")
    c = unverified(p["access_token"])[1]
    check("AUTHD_AUDIENCE sets access aud", c.get("aud") in ("my-api", ["my-api"]), str(c.get("aud")))
    kid = unverified(p["access_token"])[0]["kid"]
    t = forge({"alg": "EdDSA", "typ": "at+jwt", "kid": kid}, {**c, "aud": "authd"}, pem_key(os.path.join(s.keys_dir, kid + ".pem")))
    r = s.get("/auth/me", token=t)
    check("token for the default audience rejected under AUTHD_AUDIENCE=my-api", r.status_code == 401, show(r))
    s.stop()
    # password min length 8: a common 8-char password is rejected, an uncommon 8-char one accepted
    s = Server(B, "min8", env={"AUTHD_PASSWORD_MIN_LENGTH": "8", "AUTHD_IP_RATE_LIMIT": "0"}).start()
    for pw in ("password", "PASSWORD", "12345678", "iloveyou", "Qwertyuiop", "football"):
        expect_error(f"common password {pw!r} 422 weak_password (min length 8)", s.register(f"c{len(pw)}{pw.lower()}@example.com", pw),
                     422, "weak_password")
    r = s.register("uncommon@example.com", "zq7#Lm2!")
    check("uncommon 8-character password accepted with MIN_LENGTH=8", r.status_code == 201, show(r))
    expect_error("7 chars rejected with MIN_LENGTH=8", s.register("seven@example.com", "zq7#Lm2"), 422, "weak_password")
    s.stop()
    # keys generate
    d = tempfile.mkdtemp(prefix="authd-bb-gen-")
    outs = []
    for alg in ("eddsa", "es256", "rs256"):
        p = subprocess.run([B, "keys", "generate", "--alg", alg, "--dir", d], capture_output=True, text=True, timeout=60)
        outs.append((alg, p.returncode, p.stdout.strip()))
    files = sorted(os.listdir(d))
    ok = all(rc == 0 for _, rc, _ in outs) and len(files) == 3
    for f in files:
        with open(os.path.join(d, f), "rb") as fh:
            data = fh.read()
        ok = ok and data.startswith(b"-----BEGIN PRIVATE KEY-----") and (os.stat(os.path.join(d, f)).st_mode & 0o077) == 0
        serialization.load_pem_private_key(data, None)
    check("keys generate eddsa/es256/rs256: PKCS#8 PEM, mode 0600", ok, f"{outs} {files}")
    check("generated kids look like <UTC timestamp>-<alg>", all(re.match(r"^\d{8}T\d{6}Z-(eddsa|es256|rs256)", f) for f in files),
          str(files))
    d2 = tempfile.mkdtemp(prefix="authd-bb-gen2-")
    time.sleep(1.05 - (time.time() % 1))  # start of a second, so both keys share a timestamp
    made = []
    for alg in ("rs256", "eddsa"):
        p = subprocess.run([B, "keys", "generate", "--alg", alg, "--dir", d2], capture_output=True, text=True, timeout=60)
        made.append(os.path.basename(p.stdout.strip()))
    check("keys generate: kids sort by creation time (rs256 then eddsa within one second)",
          sorted(made) == made, f"created in order {made}, sorted {sorted(made)}")
    shutil.rmtree(d2, ignore_errors=True)
    p = subprocess.run([B, "keys", "generate", "--alg", "hs512", "--dir", d], capture_output=True, text=True, timeout=30)
    check("keys generate --alg hs512: non-zero exit", p.returncode != 0, p.stderr.strip()[:200])


def suite_cookies(B):
    s = Server(B, "cookies", env={"AUTHD_COOKIES": "on", "AUTHD_IP_RATE_LIMIT": "0"}).start()
    s.register("cookie@example.com")
    r = s.login("cookie@example.com", headers={"X-Auth-Transport": "cookie"})
    ok = r.status_code == 200
    j = r.json() if ok else {}
    sc = r.headers.get("Set-Cookie", "")
    check("AUTHD_COOKIES=on + X-Auth-Transport: cookie → tokens only in cookies (API.md 'Browsers')",
          ok and j.get("token_type") == "cookie" and "access_token" not in j and "authd_refresh=" in sc
          and "authd_access=" in sc and "authd_csrf=" in sc, f"{show(r)[:160]} Set-Cookie={sc[:100]!r}")
    r = s.login("cookie@example.com")
    check("AUTHD_COOKIES=on without the header: tokens in the body, no cookie",
          r.status_code == 200 and "access_token" in r.json() and not r.headers.get("Set-Cookie"), show(r)[:120])
    s.stop()


def suite_more(B):
    """Edge cases beyond the basics: boundaries, races, stores, proxies, rotation timing."""
    import sqlite3
    s = Server(B, "more", env={"AUTHD_IP_RATE_LIMIT": "0", "AUTHD_LOGIN_MAX_FAILURES": "1000"}).start()
    db = os.path.join(s.tmp, "data", "authd.db")

    # ---- email and password boundaries, counted in code points after NFKC
    r = s.register("é" * 64 + "@example.com")
    check("local part of 64 non-ASCII characters (128 bytes) accepted", r.status_code == 201, show(r))
    dom = ".".join(["ü" * 63] * 3) + ".com"          # 195 chars
    e254 = "x" * (254 - 1 - len(dom)) + "@" + dom      # exactly 254 characters, >254 bytes
    r = s.register(e254)
    check("email of exactly 254 characters (more bytes) accepted", r.status_code == 201 and len(e254) == 254, show(r))
    expect_error("email of 255 characters 422", s.register("y" + e254), 422, "invalid_email")
    r = s.register("ÉLODIE@example.com")
    check("Unicode upper-case email lower-cased", r.status_code == 201 and r.json()["email"] == "élodie@example.com", show(r))
    expect_error("…and is then taken in any case", s.register("élodie@EXAMPLE.com"), 409, "email_taken")
    r = s.register("\t tabbed@example.com \n")
    check("email trimmed of tabs/newlines", r.status_code == 201 and r.json()["email"] == "tabbed@example.com", show(r))
    expect_error("email with U+2028 (Zl) 422", s.register("a\u2028b@example.com"), 422, "invalid_email")
    expect_error("email with soft hyphen (Cf) 422", s.register("soft\u00adhy@example.com"), 422, "invalid_email")
    expect_error("email with RTL override (Cf) 422", s.register("rtl\u202e@example.com"), 422, "invalid_email")
    expect_error("email with trailing dot domain 422", s.register("dot@example."), 422, "invalid_email")
    r = s.register("combining@example.com", "e\u0301" * 16)   # 32 code points raw, 16 after NFKC
    check("password 'e+combining acute'×16 = 16 code points after NFKC accepted", r.status_code == 201, show(r))
    r = s.login("combining@example.com", "\u00e9" * 16)
    check("…and the composed form logs in (NFKC form is hashed)", r.status_code == 200, show(r))
    expect_error("password 'e+acute'×14 (28 raw, 14 after NFKC) 422", s.register("comb2@example.com", "e\u0301" * 14),
                 422, "weak_password")
    expect_error("password of 65 ligatures (130 after NFKC) 422", s.register("lig2@example.com", "\ufb01" * 65),
                 422, "weak_password")
    r = s.register("wide@example.com", "é" * 128)
    check("password of 128 two-byte characters accepted", r.status_code == 201, show(r))
    expect_error("password equal to the email in another case 422", s.register("casey.q@example.com", "CASEY.Q@EXAMPLE.COM"),
                 422, "weak_password")
    r = s.register("trim@example.com", "   leading and trailing spaces kept   ")
    ok = r.status_code == 201
    r2 = s.login("trim@example.com", "leading and trailing spaces kept")
    check("passwords are not trimmed (no truncation/normalisation beyond NFKC)", ok and r2.status_code == 401,
          f"{show(r)} / login trimmed {r2.status_code}")

    # ---- concurrent registration of one email: one 201, the rest 409
    with concurrent.futures.ThreadPoolExecutor(6) as ex:
        res = list(ex.map(lambda i: requests.post(s.base + "/auth/register",
                                                  json={"email": "race@example.com", "password": PW}, timeout=30), range(6)))
    codes = sorted(x.status_code for x in res)
    check("6 concurrent registrations of one email: one 201, five 409 email_taken", codes == [201] + [409] * 5
          and all(is_error_body(x, "email_taken") for x in res if x.status_code == 409), str(codes))

    # ---- content types
    for ct in ("APPLICATION/JSON", "application/json;charset=UTF-8", "Application/Json ; charset=utf-8"):
        r = s.req("POST", "/auth/login", data=json.dumps({"email": "race@example.com", "password": PW}), ctype=ct)
        check(f"Content-Type {ct!r} accepted", r.status_code == 200, show(r))

    # ---- token boundaries
    p = s.login("race@example.com").json()
    at = p["access_token"]
    kid = unverified(at)[0]["kid"]
    key = pem_key(os.path.join(s.keys_dir, kid + ".pem"))
    hdr = {"alg": "EdDSA", "typ": "at+jwt", "kid": kid}
    c = unverified(at)[1]
    now = int(time.time())
    t = forge(hdr, {**c, "pad": "x" * 5600}, key)
    r = s.get("/auth/me", token=t)
    check(f"signed token just under 8 KiB ({len(t)} bytes) accepted", len(t) < 8192 and r.status_code == 200, show(r))
    for what, cl, ok_status in (("iat 10 s ahead (inside leeway)", {**c, "iat": now + 10}, 200),
                                ("nbf 10 s ahead (inside leeway)", {**c, "nbf": now + 10}, 200),
                                ("nbf 45 s ahead (beyond leeway)", {**c, "nbf": now + 45}, 401),
                                ("iat 45 s ahead (beyond leeway)", {**c, "iat": now + 45}, 401),
                                ("random sub unknown to the store", {**c, "sub": str(uuid.uuid4())}, 200)):
        r = s.get("/auth/me", token=forge(hdr, cl, key))
        check(f"access token with {what}: {ok_status}", r.status_code == ok_status, show(r))
    for what, h in (("x5t header", {**hdr, "x5t": "abc"}), ("x5t#S256 header", {**hdr, "x5t#S256": "abc"}),
                    ("crit empty list", {**hdr, "crit": []}), ("typ at+JWT (other case)", {**hdr, "typ": "at+JWT"}),
                    ("alg EdDSA lower-case", {**hdr, "alg": "eddsa"}), ("kid empty", {**hdr, "kid": ""})):
        r = s.get("/auth/me", token=forge(h, c, key))
        check(f"access token with {what}: 401, not 5xx", r.status_code in (401,) and is_error_body(r, "invalid_token"), show(r))

    # ---- refresh re-reads the user: new roles, stale gen, deleted user
    u = s.user("roles@example.com")
    con = sqlite3.connect(db)
    con.execute("UPDATE users SET roles = ? WHERE email = ?", ('["admin"]', "roles@example.com"))
    con.commit()
    r = s.post("/auth/refresh", {"refresh_token": u["refresh_token"]})
    check("refresh re-reads the user: new role shows in the new access token",
          r.status_code == 200 and unverified(r.json()["access_token"])[1]["roles"] == ["admin"], show(r))
    r2 = s.get("/admin/users", token=r.json()["access_token"]) if r.status_code == 200 else None
    check("…and the new token passes the admin check", r2 is not None and r2.status_code == 200, show(r2))
    old_at = u["access_token"]
    check("…while the old access token keeps its old roles (stateless)",
          s.get("/admin/users", token=old_at).status_code == 403)
    v = s.user("deleted@example.com")
    con.execute("DELETE FROM users WHERE email = ?", ("deleted@example.com",))
    con.commit()
    expect_error("refresh of a deleted user 401 invalid_grant", s.post("/auth/refresh", {"refresh_token": v["refresh_token"]}),
                 401, "invalid_grant")
    r = s.get("/auth/me", token=v["access_token"])
    check("/auth/me of a deleted user still 200 from the token alone (no store)", r.status_code == 200, show(r))
    r = s.post("/auth/logout-all", token=v["access_token"])
    check("logout-all for a deleted user: 204/401, not 5xx", r.status_code in (204, 401), show(r))
    r = s.post("/auth/password", {"current_password": PW, "new_password": PW2}, token=v["access_token"])
    check("password change for a deleted user: 401/403, not 5xx", r.status_code in (401, 403) and is_error_body(r), show(r))
    con.close()

    # ---- logout-all touches only that user; password change leaves other users alone
    a = s.user("la1@example.com")
    b = s.user("la2@example.com")
    s.post("/auth/logout-all", token=a["access_token"])
    r = s.post("/auth/refresh", {"refresh_token": b["refresh_token"]})
    check("logout-all of one user leaves other users' sessions alone", r.status_code == 200, show(r))
    r = s.get("/auth/me", token=a["access_token"])
    check("access token still valid after logout-all (stateless, until exp)", r.status_code == 200, show(r))
    r = s.post("/auth/logout-all", token=a["access_token"], data="x", ctype="text/plain")
    check("logout-all with a text/plain body: 204 or 415, not 5xx", r.status_code in (204, 415), show(r))
    w = s.user("pwx@example.com")
    r = s.post("/auth/password", {"current_password": "wrong wrong wrong wrong", "new_password": "short"},
               token=w["access_token"])
    expect_error("password change: wrong current AND weak new → 403 first (README choice)", r, 403, "invalid_credentials")
    r = s.post("/auth/password", {"current_password": PW, "new_password": PW2}, token=w["access_token"])
    r2 = s.login("pwx@example.com", PW2)
    check("login right after a password change works, and its refresh works",
          r.status_code == 204 and r2.status_code == 200
          and s.post("/auth/refresh", {"refresh_token": r2.json()["refresh_token"]}).status_code == 200, show(r2))

    # ---- refresh response values
    q = s.user("vals@example.com")
    r = s.post("/auth/refresh", {"refresh_token": q["refresh_token"]})
    check("refresh response: expires_in 900, refresh_expires_in 1209600 (fresh refresh TTL)",
          r.status_code == 200 and r.json().get("expires_in") == 900 and r.json().get("refresh_expires_in") == 1209600, show(r))

    # ---- admin pagination default 50 and cap 200
    adm = forge(hdr, {**c, "roles": ["admin"]}, key)
    total = s.get("/admin/users", token=adm).json()["total"]
    for i in range(max(0, 52 - total)):
        s.register(f"bulk{i}@example.com")
    r = s.get("/admin/users", token=adm)
    j = r.json()
    check("admin/users default page of 50", r.status_code == 200 and len(j["users"]) == 50 and j["total"] >= 52,
          f"{len(j.get('users', []))} of {j.get('total')}")
    r = s.get("/admin/users?limit=200", token=adm)
    check("admin/users limit=200 returns everything (<200 users)", r.status_code == 200
          and len(r.json()["users"]) == r.json()["total"], show(r)[:80])
    ids = [x["id"] for x in r.json()["users"]]
    paged = []
    for off in range(0, len(ids), 7):
        paged += [x["id"] for x in s.get(f"/admin/users?limit=7&offset={off}", token=adm).json()["users"]]
    check("admin/users pages are stable and disjoint (oldest first)", paged == ids, f"{len(paged)} vs {len(ids)}")

    # ---- head limits: request line and many medium headers
    r = s.get("/healthz?x=" + "a" * 17000)
    check("17 KiB request line: 431 headers_too_large (JSON)", r.status_code == 431 and is_error_body(r, "headers_too_large"),
          show(r))
    r = s.get("/healthz", headers={f"X-M{i}": "b" * 400 for i in range(45)})
    expect_error("45 headers × 400 B (18 KiB head, < 96 fields) 431 headers_too_large", r, 431, "headers_too_large")

    # ---- durability of the denylist across a restart
    d = s.user("durable@example.com")
    d2 = s.post("/auth/refresh", {"refresh_token": d["refresh_token"]}).json()
    e = s.user("durable2@example.com")
    s.post("/auth/logout", {"refresh_token": e["refresh_token"]})
    s.stop()
    s.stopped = False
    s.start()
    expect_error("after restart: a logged-out session stays revoked (durable denylist)",
                 s.post("/auth/refresh", {"refresh_token": e["refresh_token"]}), 401, "invalid_grant")
    expect_error("after restart: a retired refresh token is still a replay",
                 s.post("/auth/refresh", {"refresh_token": d["refresh_token"]}), 401, "invalid_grant")
    expect_error("…which revoked the session's newest token", s.post("/auth/refresh", {"refresh_token": d2["refresh_token"]}),
                 401, "invalid_grant")
    s.stop()


def suite_proxies(B):
    s = Server(B, "proxies", env={"AUTHD_IP_RATE_LIMIT": "0", "AUTHD_LOGIN_MAX_FAILURES": "2",
                                  "AUTHD_TRUSTED_PROXIES": "127.0.0.1/32"}).start()
    s.register("px@example.com")
    bad = "wrong wrong wrong wrong"
    xff = lambda ip: {"X-Forwarded-For": ip}
    codes = [s.login("px@example.com", bad, headers=xff("10.0.0.1")).status_code for _ in range(3)]
    check("trusted proxy: pair (account, 10.0.0.1) locked after 2 failures", codes == [401, 401, 429], str(codes))
    r = s.login("px@example.com", headers=xff("10.0.0.2"))
    check("trusted proxy: another client IP (10.0.0.2) unaffected", r.status_code == 200, show(r))
    r = s.login("px@example.com", headers=xff("6.6.6.6, 10.0.0.1"))
    check("trusted proxy: the right-most entry is the client (left spoof ignored) → 429", r.status_code == 429, show(r))
    r = s.login("px@example.com", headers=xff("10.0.0.1, 127.0.0.1"))
    check("trusted proxy: trusted entries skipped from the right → 10.0.0.1 → 429", r.status_code == 429, show(r))
    r = s.login("px@example.com", headers=xff("garbage"))
    check("trusted proxy: garbage X-Forwarded-For → not 5xx", r.status_code in (200, 400, 401, 429), show(r))
    s.stop()

    s = Server(B, "untrusted", env={"AUTHD_IP_RATE_LIMIT": "0", "AUTHD_LOGIN_MAX_FAILURES": "2"}).start()
    s.register("ux@example.com")
    codes = [s.login("ux@example.com", bad, headers=xff(f"10.1.0.{i}")).status_code for i in range(3)]
    check("untrusted peer: X-Forwarded-For changes nothing (3rd failure 429)", codes == [401, 401, 429], str(codes))
    s.stop()

    # 100 untrusted failures an hour per account; device tokens still get in
    s = Server(B, "spray", env={"AUTHD_IP_RATE_LIMIT": "0", "AUTHD_LOGIN_MAX_FAILURES": "5",
                               "AUTHD_TRUSTED_PROXIES": "127.0.0.1", "AUTHD_ARGON2": "m=8192,t=1,p=1"}).start()
    p = s.user("owner@example.com")
    dev = p["device_token"]
    q = s.user("bystander@example.com")
    codes = []
    with concurrent.futures.ThreadPoolExecutor(4) as ex:
        codes = list(ex.map(lambda i: requests.post(s.base + "/auth/login", json={"email": "owner@example.com", "password": bad},
                                                    headers={"X-Forwarded-For": f"172.16.{i // 250}.{i % 250 + 1}"},
                                                    timeout=30).status_code, range(100)))
    check("spray: 100 failures from 100 addresses are 401", codes.count(401) == 100, str(sorted(set(codes))))
    r = s.login("owner@example.com", headers=xff("192.168.50.1"))
    expect_error("spray: after 100 untrusted failures a new address gets 429 even with the right password", r, 429,
                 "rate_limited", lambda r: r.headers.get("Retry-After", "").isdigit())
    r = s.login("owner@example.com", device_token=dev, headers=xff("192.168.50.2"))
    check("spray: the owner's device token still logs in", r.status_code == 200, show(r))
    r = s.login("owner@example.com", device_token=q["device_token"], headers=xff("192.168.50.3"))
    check("spray: another account's device token does not bypass the account lock", r.status_code == 429, show(r))
    r = s.login("bystander@example.com", headers=xff("192.168.50.4"))
    check("spray: other accounts unaffected", r.status_code == 200, show(r))
    s.stop()


def suite_rotation(B):
    s = Server(B, "rotation", keys=(), env={"AUTHD_IP_RATE_LIMIT": "0", "AUTHD_JWKS_MAX_AGE": "3"})
    kd = s.keys_dir
    openssl(["genpkey", "-algorithm", "ed25519", "-out", f"{kd}/a.pem"])
    old = time.time() - 3600
    os.utime(f"{kd}/a.pem", (old, old))
    s.start()
    r = s.get("/.well-known/jwks.json")
    check("AUTHD_JWKS_MAX_AGE=3 → Cache-Control public, max-age=3",
          r.headers.get("Cache-Control", "").replace(" ", "") == "public,max-age=3", r.headers.get("Cache-Control"))
    p = s.user("rot@example.com")
    openssl(["genpkey", "-algorithm", "ed25519", "-out", f"{kd}/b.pem"])
    s.proc.send_signal(signal.SIGHUP)
    time.sleep(0.5)
    kids = sorted(k["kid"] for k in s.get("/.well-known/jwks.json").json()["keys"])
    k1 = unverified(s.login("rot@example.com").json()["access_token"])[0]["kid"]
    check("new key published at once after SIGHUP but not yet signing", kids == ["a", "b"] and k1 == "a", f"{kids} signer={k1}")
    time.sleep(4)
    l2 = s.login("rot@example.com").json()
    k2 = unverified(l2["access_token"])[0]["kid"]
    check("after AUTHD_JWKS_MAX_AGE the new key signs (no further reload needed)", k2 == "b", f"signer={k2}")
    r = s.post("/auth/refresh", {"refresh_token": p["refresh_token"]})
    check("refresh token MACed under the old kid still refreshes after rotation", r.status_code == 200, show(r))
    r = s.get("/auth/me", token=p["access_token"])
    check("access token of the old key still verifies after rotation", r.status_code == 200, show(r))
    # a half-copied file: logged, keys in use stay
    with open(f"{kd}/c.pem", "w") as f:
        f.write("-----BEGIN PRIVATE KEY-----\nMC4CAQ")
    s.proc.send_signal(signal.SIGHUP)
    time.sleep(0.5)
    kids = sorted(k["kid"] for k in s.get("/.well-known/jwks.json").json()["keys"])
    r = s.login("rot@example.com")
    check("half-copied key file on reload: keys in use stay, login works", s.alive() and kids == ["a", "b"]
          and r.status_code == 200, f"{kids} {show(r)[:60]}")
    os.remove(f"{kd}/c.pem")
    # the periodic re-read (every 30 s) without SIGHUP
    os.remove(f"{kd}/a.pem")
    openssl(["genpkey", "-algorithm", "ed25519", "-out", f"{kd}/d.pem"])
    deadline = time.time() + 40
    kids = []
    while time.time() < deadline:
        kids = sorted(k["kid"] for k in s.get("/.well-known/jwks.json").json()["keys"])
        if kids == ["b", "d"]:
            break
        time.sleep(1)
    check("folder re-read within 30 s without SIGHUP", kids == ["b", "d"], str(kids))
    r = s.get("/auth/me", token=p["access_token"])
    check("deleting a key file revokes its access tokens", r.status_code == 401, show(r))
    r = s.post("/auth/refresh", {"refresh_token": p["refresh_token"]})
    check("…and its refresh tokens (invalid_grant)", r.status_code == 401 and is_error_body(r, "invalid_grant"), show(r))
    s.stop()


def suite_grace(B):
    s = Server(B, "grace2", env={"AUTHD_IP_RATE_LIMIT": "0", "AUTHD_REFRESH_REUSE_GRACE": "5"}).start()
    p = s.user("g@example.com")
    with concurrent.futures.ThreadPoolExecutor(8) as ex:
        res = list(ex.map(lambda _: requests.post(s.base + "/auth/refresh", json={"refresh_token": p["refresh_token"]},
                                                  timeout=15), range(8)))
    codes = sorted(x.status_code for x in res)
    rts = {x.json()["refresh_token"] for x in res if x.status_code == 200}
    check("grace 5 s: 8 concurrent refreshes with one token → one successor pair, no 5xx",
          len(rts) == 1 and all(c in (200, 401) for c in codes), f"{codes}, {len(rts)} distinct successors")
    # logout of the successor, then the retired token within the grace window
    q = s.user("g2@example.com")
    n = s.post("/auth/refresh", {"refresh_token": q["refresh_token"]}).json()
    s.post("/auth/logout", {"refresh_token": n["refresh_token"]})
    r = s.post("/auth/refresh", {"refresh_token": q["refresh_token"]})
    expect_error("grace window does not resurrect a logged-out session (retired token after logout → 401)", r, 401,
                 "invalid_grant")
    # logout-all, then the retired token within the grace window
    u = s.user("g3@example.com")
    n = s.post("/auth/refresh", {"refresh_token": u["refresh_token"]}).json()
    s.post("/auth/logout-all", token=n["access_token"])
    r = s.post("/auth/refresh", {"refresh_token": u["refresh_token"]})
    expect_error("grace window does not survive logout-all (retired token → 401)", r, 401, "invalid_grant")
    s.stop()

    s = Server(B, "logout-retired", env={"AUTHD_IP_RATE_LIMIT": "0"}).start()
    u = s.user("lr@example.com")
    n = s.post("/auth/refresh", {"refresh_token": u["refresh_token"]}).json()
    r = s.post("/auth/logout", {"refresh_token": u["refresh_token"]})
    r2 = s.post("/auth/refresh", {"refresh_token": n["refresh_token"]})
    check("logout with a retired token of a live session: 204 and the session is ended",
          r.status_code == 204 and r2.status_code == 401, f"logout {r.status_code}, then refresh of newest {r2.status_code}")
    v = s.user("lg@example.com")
    s.post("/auth/logout-all", token=v["access_token"])
    r = s.post("/auth/logout", {"refresh_token": v["refresh_token"]})
    check("logout with a refresh token made stale by logout-all: 204", r.status_code == 204, show(r))
    raw = b'{"email":"a@example.com","password":"x","junk":' + b"[" * 6000 + b"]" * 6000 + b"}"
    r = s.req("POST", "/auth/login", data=raw)
    check("login body with deep nesting inside an ignored field: 400 or 401, never 5xx",
          r.status_code in (400, 401) and is_error_body(r) and s.alive(), show(r))
    for what, raw in (("deep nesting in a known field", b'{"email":' + b"[" * 6000 + b"]" * 6000 + b',"password":"x"}'),
                      ("BOM before the object", "\ufeff".encode() + b'{"email":"a@example.com","password":"x"}'),
                      ("NaN literal", b'{"email":"a@example.com","password":"x","n":NaN}')):
        r = s.req("POST", "/auth/login", data=raw)
        expect_error(f"login body with {what} 400 invalid_request", r, 400, "invalid_request")
    for e in ("a@b..com", "a@.com", "a@com.", "a.@", "a@b.c d"):
        expect_error(f"register {e!r} 422 invalid_email", s.register(e), 422, "invalid_email")
    r = s.register("a@b.co")
    check("register minimal address a@b.co accepted", r.status_code == 201, show(r))
    p = s.cli(["users", "add", "LR@EXAMPLE.COM"], stdin=PW2 + "\n")
    check("users add of an existing email in another case: non-zero, one line", p.returncode != 0
          and len(p.stderr.strip().splitlines()) == 1, f"rc={p.returncode} {p.stderr!r}")
    r = s.post("/auth/login?email=x", {"email": "lr@example.com", "password": PW})
    check("query string on a POST route is ignored", r.status_code == 200, show(r))
    r = s.req("POST", "//auth/login", json_body={"email": "lr@example.com", "password": PW})
    check("//auth/login: 404 (or 200), JSON, not 5xx", r.status_code in (200, 404) and (r.status_code == 200 or is_error_body(r)), show(r))
    s.stop()

    s = Server(B, "sess3", env={"AUTHD_IP_RATE_LIMIT": "0", "AUTHD_SESSION_TTL": "3"}).start()
    p = s.user("s3@example.com")
    c = unverified(p["access_token"])[1]
    check("SESSION_TTL=3 beside ACCESS_TTL=900: the access token does not outlive the session",
          p["expires_in"] <= 3 and c["exp"] - c["iat"] <= 3 and p["refresh_expires_in"] <= 3,
          f"expires_in={p['expires_in']} refresh_expires_in={p['refresh_expires_in']}")
    s.stop()


def suite_redis(B):
    """Two instances on one SQLite file and a private redis-server (skipped when none is installed)."""
    rs = shutil.which("redis-server")
    if not rs:
        print("SKIP redis suite: no redis-server on PATH")
        return
    rdir = tempfile.mkdtemp(prefix="authd-bb-redis-")
    rport = free_port()

    def start_redis():
        pr = subprocess.Popen([rs, "--port", str(rport), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                               "--dir", rdir], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(50):
            try:
                socket.create_connection(("127.0.0.1", rport), timeout=0.2).close()
                return pr
            except OSError:
                time.sleep(0.1)
        return pr

    redis = start_redis()
    try:
        env = {"AUTHD_REDIS_URL": f"redis://127.0.0.1:{rport}", "AUTHD_REDIS_PREFIX": "bb", "AUTHD_IP_RATE_LIMIT": "0",
               "AUTHD_LOGIN_MAX_FAILURES": "3"}
        a = Server(B, "redis-a", env=env).start()
        b = Server(B, "redis-b", env={**env, "AUTHD_DATABASE_URL": a.env["AUTHD_DATABASE_URL"]}, keys=(),
                   keys_dir=a.keys_dir).start()
        r = a.get("/readyz")
        check("redis: readyz ready, denylist ok", r.status_code == 200 and r.json().get("status") == "ready"
              and r.json()["checks"].get("denylist") == "ok", show(r))
        p = a.user("r@example.com")
        n = b.post("/auth/refresh", {"refresh_token": p["refresh_token"]})
        check("redis: a token from A refreshes on B", n.status_code == 200, show(n))
        r = a.post("/auth/refresh", {"refresh_token": p["refresh_token"]})
        expect_error("redis: replay on A of the token retired on B → 401", r, 401, "invalid_grant")
        r = b.post("/auth/refresh", {"refresh_token": n.json()["refresh_token"]})
        expect_error("redis: …and B sees the whole session revoked", r, 401, "invalid_grant")
        q = a.user("r2@example.com")
        tok = q["refresh_token"]
        with concurrent.futures.ThreadPoolExecutor(8) as ex:
            res = list(ex.map(lambda i: requests.post((a if i % 2 else b).base + "/auth/refresh",
                                                      json={"refresh_token": tok}, timeout=15), range(8)))
        codes = sorted(x.status_code for x in res)
        check("redis: 8 concurrent refreshes across two instances → exactly one 200", codes.count(200) == 1
              and codes.count(401) == 7, str(codes))
        t = a.user("r3@example.com")
        a.post("/auth/logout", {"refresh_token": t["refresh_token"]})
        expect_error("redis: logout on A, refresh on B → 401", b.post("/auth/refresh", {"refresh_token": t["refresh_token"]}),
                     401, "invalid_grant")
        codes = [(a if i % 2 else b).login("r3@example.com", "wrong wrong wrong wrong").status_code for i in range(4)]
        check("redis: failed-login counter shared by instances (3 max → 4th 429)", codes == [401, 401, 401, 429], str(codes))
        u = a.user("r4@example.com")
        # Redis goes away
        redis.terminate()
        redis.wait(10)
        time.sleep(0.3)
        r = a.login("r4@example.com")
        check("redis down: login 503 unavailable + Retry-After", r.status_code == 503 and is_error_body(r, "unavailable")
              and r.headers.get("Retry-After", "").isdigit(), show(r))
        r = a.post("/auth/refresh", {"refresh_token": u["refresh_token"]})
        check("redis down: refresh 503 + Retry-After (fail closed)", r.status_code == 503 and is_error_body(r, "unavailable")
              and r.headers.get("Retry-After", "").isdigit(), show(r))
        r = a.post("/auth/logout", {"refresh_token": u["refresh_token"]})
        check("redis down: logout 503 + Retry-After", r.status_code == 503 and r.headers.get("Retry-After", "").isdigit(), show(r))
        r = a.register("r5@example.com")
        check("redis down: register 503 or 201 (README: 503), never 5xx otherwise", r.status_code in (201, 503), show(r))
        r = b.get("/auth/me", token=u["access_token"])
        check("redis down: /auth/me still 200", r.status_code == 200, show(r))
        r = b.get("/readyz")
        check("redis down: readyz 200 degraded, denylist down", r.status_code == 200 and r.json().get("status") == "degraded"
              and r.json()["checks"].get("denylist") == "down", show(r))
        redis = start_redis()
        ok = False
        for _ in range(30):
            r = a.post("/auth/refresh", {"refresh_token": u["refresh_token"]})
            if r.status_code == 200:
                ok = True
                break
            time.sleep(0.5)
        check("redis back: service recovers without a restart (refresh 200)", ok, show(r))
        r = b.get("/readyz")
        check("redis back: readyz ready", r.status_code == 200 and r.json().get("status") == "ready", show(r))
        a.stop()
        b.stop()
    finally:
        redis.terminate()
        try:
            redis.wait(10)
        except subprocess.TimeoutExpired:
            redis.kill()
        shutil.rmtree(rdir, ignore_errors=True)


def suite_make_run(B):
    """`make run` in a fresh clone (CARGO_TARGET_DIR defaults to this checkout's target/)."""
    work = tempfile.mkdtemp(prefix="authd-bb-clone-")
    clone = os.path.join(work, "x")
    subprocess.run(["git", "clone", "-q", ROOT, clone], check=True, timeout=120)
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUTHD_")}
    env.setdefault("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
    # The clone's build lands in the shared target dir: keep this checkout's binary as it was.
    shared_bin = os.path.join(env["CARGO_TARGET_DIR"], "release", "authd")
    saved_bin = os.path.join(work, "authd.saved")
    if os.path.exists(shared_bin):
        shutil.copy2(shared_bin, saved_bin)
    try:
        _make_run_checks(clone, work, env)
    finally:
        if os.path.exists(saved_bin):
            shutil.copy2(saved_bin, shared_bin + ".bb-tmp")
            os.replace(shared_bin + ".bb-tmp", shared_bin)
        shutil.rmtree(work, ignore_errors=True)


def _make_run_checks(clone, work, env):
    try:
        socket.create_connection(("127.0.0.1", 8080), timeout=1).close()
        check("make run: port 8080 free beforehand", False, "something already listens on 127.0.0.1:8080")
        return
    except OSError:
        pass

    def make_run(tag, wait=600):
        log = open(os.path.join(work, f"make-{tag}.log"), "w+")
        proc = subprocess.Popen(["make", "run"], cwd=clone, env=env, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
        up = False
        deadline = time.time() + wait
        while time.time() < deadline and proc.poll() is None:
            try:
                if requests.get("http://127.0.0.1:8080/healthz", timeout=1).status_code == 200:
                    up = True
                    break
            except requests.RequestException:
                pass
            time.sleep(0.5)
        log.seek(0)
        out = "\n".join(l for l in log.read().splitlines() if " INFO " not in l)
        return proc, up, out

    def pems(folder):
        d = os.path.join(clone, folder)
        return sorted(f for f in os.listdir(d) if f.endswith(".pem")) if os.path.isdir(d) else []

    proc, up, out = make_run("first")
    check("make run from a fresh clone serves on 127.0.0.1:8080", up, out[-500:])
    if up:
        check("make run generated one key into keys/", len(pems("keys")) == 1, str(os.listdir(os.path.join(clone, "keys"))))
        check("make run uses SQLite at data/authd.db", os.path.exists(os.path.join(clone, "data", "authd.db")),
              str(os.listdir(clone)))
        r = requests.post("http://127.0.0.1:8080/auth/register", json={"email": "mk@example.com", "password": PW}, timeout=10)
        check("make run server registers a user", r.status_code == 201, show(r))
        st = subprocess.run(["git", "status", "--porcelain"], cwd=clone, capture_output=True, text=True).stdout
        check("make run leaves the clone clean (keys/data ignored)", st.strip() == "", st)
    stop_group(proc)
    try:
        socket.create_connection(("127.0.0.1", 8080), timeout=1).close()
        check("make run stopped afterwards", False, "8080 still listening")
    except OSError:
        check("make run stopped afterwards", True)

    before = pems("keys")
    proc, up, out = make_run("second", wait=300)
    after = pems("keys")
    check("second make run: keys/ already has a key, so none is generated", up and after == before,
          f"before={before} after={after} | " + out[-300:].replace("\n", " | "))
    stop_group(proc)

    # A .env naming another keys folder: `make run` must make the key where serve looks.
    with open(os.path.join(clone, ".env"), "w") as f:
        f.write("AUTHD_KEYS_DIR=dotenv-keys\nAUTHD_DATABASE_URL=sqlite://dotenv-data/authd.db\n")
    proc, up, out = make_run("dotenv", wait=300)
    check("make run with AUTHD_KEYS_DIR in .env generates the key where serve reads it, and serves", up,
          out[-400:].strip().replace("\n", " | "))
    stop_group(proc)


def stop_group(proc):
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(15)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    time.sleep(0.5)


def main():
    global ONLY
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.path.join(ROOT, "target", "release", "authd"))
    ap.add_argument("--only", help="run only checks whose name contains this")
    ap.add_argument("--suites", default="basic,more,grace,keys,rotation,expiry,throttle,proxies,redis,startup,cookies,makerun")
    ap.add_argument("--skip-make-run", action="store_true")
    ap.add_argument("--keep", action="store_true", help="keep temp dirs")
    a = ap.parse_args()
    ONLY = a.only
    B = os.path.abspath(a.bin)
    if not os.path.exists(B):
        print(f"no binary at {B}: run `cargo build --release` first", file=sys.stderr)
        return 2
    suites = {"redis": suite_redis, "grace": suite_grace, "more": suite_more, "proxies": suite_proxies, "rotation": suite_rotation, "basic": suite_basic, "keys": suite_key_folders, "expiry": suite_expiry, "throttle": suite_throttle,
              "startup": suite_startup, "cookies": suite_cookies, "makerun": suite_make_run}
    wanted = a.suites.split(",")
    if a.skip_make_run and "makerun" in wanted:
        wanted.remove("makerun")
    try:
        for name in wanted:
            print(f"--- {name}", flush=True)
            try:
                suites[name](B)
            except Exception as e:
                check(f"suite {name} ran to completion", False, "".join(traceback.format_exception(e))[-1500:])
        check("no request anywhere produced a 5xx other than a contract 503", not SEEN_500, "; ".join(SEEN_500[:10]))
        for s in SERVERS:
            if s.proc is not None and not s.alive() and not getattr(s, "stopped", False):
                check(f"server {s.name} never died on its own", False, f"rc={s.proc.returncode}")
    finally:
        for s in SERVERS:
            s.stop()
            if not a.keep:
                shutil.rmtree(s.tmp, ignore_errors=True)
    print(f"{PASSED} passed, {len(FAILED)} failed")
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
