#!/usr/bin/env python3
"""Login flood: N concurrent logins against a release authd, while /auth/me is polled.

Shows that hashing is bounded: the server answers 503 + Retry-After beyond its pool
instead of queueing, /auth/me keeps answering, and peak RSS (VmHWM) stays flat.
Loopback only; bounded in count and time. Usage: benches/login_flood.py [N] [ROUNDS]
"""
import json, os, shutil, signal, socket, statistics, subprocess, sys, tempfile, threading, time
import urllib.error, urllib.request

N = int(sys.argv[1]) if len(sys.argv) > 1 else 200
ROUNDS = int(sys.argv[2]) if len(sys.argv) > 2 else 5
BIN = os.environ.get("AUTHD_BIN", "target/release/authd")
PASSWORD = "correct horse battery staple"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(url, body=None, token=None, timeout=30):
    req = urllib.request.Request(url, data=json.dumps(body).encode() if body is not None else None)
    if body is not None:
        req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def rss_kib(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field):
                return int(line.split()[1])
    return 0


def main():
    work = tempfile.mkdtemp(prefix="authd-flood-")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = dict(os.environ, AUTHD_BIND=f"127.0.0.1:{port}", AUTHD_METRICS_BIND="off", AUTHD_DATABASE_URL=f"sqlite://{work}/db.sqlite",
               AUTHD_KEYS_DIR=f"{work}/keys", AUTHD_IP_RATE_LIMIT="0", AUTHD_LOGIN_MAX_FAILURES="100000",
               RUST_LOG="warn")
    subprocess.run([BIN, "keys", "generate"], env=env, check=True, stdout=subprocess.DEVNULL)
    server = subprocess.Popen([BIN, "serve"], env=env)
    try:
        for _ in range(100):
            try:
                if call(base + "/healthz")[0] == 200:
                    break
            except OSError:
                time.sleep(0.05)
        assert call(base + "/auth/register", {"email": "flood@example.com", "password": PASSWORD})[0] == 201
        status, body = call(base + "/auth/login", {"email": "flood@example.com", "password": PASSWORD})
        token = json.loads(body)["access_token"]
        idle_rss = rss_kib(server.pid, "VmRSS")

        results, me_latencies, stop = [], [], threading.Event()

        def login():
            started = time.monotonic()
            status, _ = call(base + "/auth/login", {"email": "flood@example.com", "password": PASSWORD}, timeout=60)
            results.append((status, time.monotonic() - started))

        def poll_me():
            while not stop.is_set():
                started = time.monotonic()
                status, _ = call(base + "/auth/me", token=token, timeout=10)
                me_latencies.append((status, time.monotonic() - started))
                time.sleep(0.01)

        poller = threading.Thread(target=poll_me)
        poller.start()
        peaks = []
        started = time.monotonic()
        for _ in range(ROUNDS):
            threads = [threading.Thread(target=login) for _ in range(N)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            peaks.append(rss_kib(server.pid, "VmHWM"))
        elapsed = time.monotonic() - started
        stop.set()
        poller.join()

        peak = peaks[-1]
        codes = {}
        for status, _ in results:
            codes[status] = codes.get(status, 0) + 1
        me_ok = [lat for status, lat in me_latencies if status == 200]
        print(f"{ROUNDS} rounds of {N} concurrent logins in {elapsed:.2f}s; statuses: {dict(sorted(codes.items()))}")
        print("peak RSS after each round (MiB): " + ", ".join(f"{p / 1024:.1f}" for p in peaks))
        print(f"/auth/me during the flood: {len(me_ok)}/{len(me_latencies)} answered 200, "
              f"median {statistics.median(me_ok) * 1000:.1f} ms, max {max(me_ok) * 1000:.1f} ms" if me_ok else
              "/auth/me: no answer during the flood")
        print(f"RSS idle {idle_rss / 1024:.1f} MiB, peak (VmHWM) {peak / 1024:.1f} MiB")
        if not me_ok or any(s >= 500 and s != 503 for s, _ in results):
            sys.exit(1)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
