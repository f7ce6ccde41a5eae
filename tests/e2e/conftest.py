"""A real authd for the client-library tests: the binary `make e2e` builds, on a fresh
SQLite database and key in a temporary folder, on a free port of 127.0.0.1."""

import os
import re
import subprocess
import tempfile
import threading
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
BIN = os.environ.get("AUTHD_BIN", str(ROOT / "target" / "debug" / "authd"))
PASSWORD = "correct horse battery staple"


class Authd:
    def __init__(self, **settings):
        self.dir = tempfile.TemporaryDirectory(prefix="authd-oauth-")
        keys = Path(self.dir.name) / "keys"
        subprocess.run([BIN, "keys", "generate", "--dir", str(keys)], check=True, capture_output=True)
        env = {
            "PATH": os.environ["PATH"],
            "RUST_LOG": "info",
            "AUTHD_BIND": "127.0.0.1:0",
            "AUTHD_DATABASE_URL": f"sqlite://{self.dir.name}/authd.db",
            "AUTHD_KEYS_DIR": str(keys),
            "AUTHD_METRICS_BIND": "off",
            **settings,
        }
        self.env = env
        self.process = subprocess.Popen(
            [BIN, "serve"], env=env, stderr=subprocess.STDOUT, stdout=subprocess.PIPE, text=True
        )
        self.lines = []
        self.metrics_url = None
        for line in self.process.stdout:
            self.lines.append(line)
            metrics = re.search(r"metrics on http://[^ ]+ \(port (\d+)\)", line)
            if metrics:
                self.metrics_url = f"http://127.0.0.1:{metrics.group(1)}/metrics"
            match = re.search(r"authd listening on [^:]+:(\d+)", line)
            if match:
                self.url = f"http://127.0.0.1:{match.group(1)}"
                break
        else:
            raise RuntimeError("authd exited before listening:\n" + "".join(self.lines))
        # Keep reading, so the log can be inspected and the pipe never fills.
        threading.Thread(target=lambda: self.lines.extend(self.process.stdout), daemon=True).start()

    def requests(self, method, path):
        return sum(f'"{method} {path}"' in line for line in list(self.lines))

    def register(self, email):
        answer = requests.post(f"{self.url}/auth/register", json={"email": email, "password": PASSWORD})
        assert answer.status_code == 201, answer.text

    def add_user(self, email, *roles):
        """`authd users add`, on the server's own settings (the operator's way to make an admin)."""
        args = [BIN, "users", "add", email] + [f"--role={role}" for role in roles]
        subprocess.run(args, env=self.env, input=PASSWORD + "\n", text=True, check=True, capture_output=True)

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)
        self.dir.cleanup()


@pytest.fixture
def authd():
    server = Authd(AUTHD_ACCESS_TTL="3", AUTHD_LEEWAY="0", AUTHD_CLIENT_IDS="authd,python-app")
    yield server
    server.stop()
