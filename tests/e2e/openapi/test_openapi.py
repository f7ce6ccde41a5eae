"""The OpenAPI document authd serves: valid OpenAPI 3.1, and true of the live server as
schemathesis finds it (no 5xx, no status, header, content type or body the document does
not describe, bad input refused)."""

import os
import subprocess
import sys
from pathlib import Path

import requests
from openapi_spec_validator import validate

from conftest import PASSWORD, Authd

HERE = Path(__file__).resolve().parent


def test_the_document_is_valid_openapi_3_1():
    authd = Authd()
    try:
        document = requests.get(f"{authd.url}/openapi.json").json()
        assert document["openapi"].startswith("3.1")
        validate(document)  # raises on any violation of the OpenAPI 3.1 schema
    finally:
        authd.stop()


def test_schemathesis_finds_no_failure():
    # Cookies on (the cookie carrier is part of the surface). No per-IP rate and no login
    # lockout: schemathesis sends hundreds of requests from one address, and its wrong
    # current passwords on /auth/password would lock out the user it logs in as. Both
    # limits have their own tests.
    authd = Authd(
        AUTHD_COOKIES="on",
        AUTHD_IP_RATE_LIMIT="0",
        AUTHD_LOGIN_MAX_FAILURES="1000000",
        AUTHD_REVOCATIONS_TOKEN="a-feed-secret-schemathesis-never-has",
    )
    try:
        # An admin, so /admin/users is exercised past its 403.
        authd.add_user("schemathesis@example.com", "admin")
        env = {**os.environ, "ST_EMAIL": "schemathesis@example.com", "ST_PASSWORD": PASSWORD}
        run = subprocess.run(
            [str(Path(sys.executable).parent / "schemathesis"), "--config-file", str(HERE / "schemathesis.toml"),
             "run", f"{authd.url}/openapi.json", "--seed", os.environ.get("ST_SEED", "1")],
            env=env, capture_output=True, text=True, timeout=900,
        )
        print(run.stdout[-20000:])
        assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
        assert not any(" 500 " in line or '" 50' in line for line in authd.lines if "\"" in line), "a 5xx in the log"
    finally:
        authd.stop()
