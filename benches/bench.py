#!/usr/bin/env python3
"""`make bench`: every path of authd measured against its own limit, in one run.

authd runs pinned to one core (CPU 0) with one HTTP worker; wrk drives it from the other
core (CPU 1) over 127.0.0.1 with 64 connections, BENCH_SECONDS per figure. Each figure is
compared with a baseline measured in the same run (see the README's Performance section):

  1. /healthz: the ceiling of this binary on one core.
  2. /auth/me with one token repeated and with 4,096 distinct tokens, ES256 and EdDSA
     (token cache on and off when the binary has AUTHD_TOKEN_CACHE).
  3. The verify bound: 1 / (criterion's verify time + the /healthz time per request).
  4. The peer: fastify + fast-jwt (bench/peers/fastify) on the same core and tokens.
  5. Login against the argon2 bound (hash workers / median hash time, measured here), and
     /auth/me's p99 while logins saturate the hashing pool.
  6. Refresh on SQLite, PostgreSQL and PostgreSQL + Redis against the storage bound: the
     refresh's own store calls looped with no HTTP and no crypto (examples/bench_kit.rs).
  7. Peak RSS during 200 concurrent logins (benches/login_flood.py).
  8. /auth/me (ES256, one token repeated and 4,096 distinct tokens) on a server that holds
     10,000 live revoked sessions (`bench_kit revoke`), against the same run with none.

Writes BENCH_OUT/<date>.md (the table), .json (the numbers) and .png (the chart). Asserts
no target: a missed one is reported, not failed. Exits non-zero only when a figure could
not be measured at all (a broken harness).

Settings (environment): BENCH_SECONDS (8), BENCH_PROFILE (release; `dev` reuses the
debug build, for the CI smoke), BENCH_OUT (bench/results), BENCH_TOKENS (4096),
BENCH_POSTGRES (postgres://postgres@127.0.0.1:5432), BENCH_REDIS (redis://127.0.0.1:6379).
"""
import datetime, json, os, re, shutil, signal, socket, subprocess, sys, tempfile, time
import urllib.error, urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SECONDS = max(1, int(float(os.environ.get("BENCH_SECONDS", "8"))))
PROFILE = os.environ.get("BENCH_PROFILE", "release")
OUT = Path(os.environ.get("BENCH_OUT", ROOT / "bench" / "results"))
TOKENS = int(os.environ.get("BENCH_TOKENS", "4096"))
POSTGRES = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
REDIS = os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379")
TARGET = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target")).resolve()
BIN_DIR = TARGET / ("release" if PROFILE == "release" else "debug")
AUTHD, KIT = BIN_DIR / "authd", BIN_DIR / "examples" / "bench_kit"
WRK_DIR = ROOT / "benches" / "wrk"
PEER_DIR = ROOT / "bench" / "peers" / "fastify"
SERVER_CPU, LOAD_CPU = "0", "1"
CONNECTIONS = 64
# One hash worker and its default queue (2 x workers): login throughput is then bounded by
# one core's hash rate, and WORKERS + QUEUE connections keep the pool busy without a 503.
HASH_WORKERS, HASH_QUEUE = 1, 2
# The storm: more logins than the pool takes (the rest answered 503, as designed).
STORM_CONNECTIONS = 16
PASSWORD = "correct horse battery staple"
# A cheap cost for the servers whose logins only seed refresh tokens: refresh never hashes.
CHEAP_ARGON2 = "m=64,t=1,p=1"
# Live revoked sessions in the revocation figure's crowded set, and how many times each of
# its two servers is measured (in turn; the median counts).
REVOCATION_ROUNDS = 3 if SECONDS > 2 else 1
# Live revoked sessions in the revocation figure's crowded set.
REVOKED = 10_000


def log(message):
    print(f"== {message}", flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(url, body=None, token=None, timeout=30):
    request = urllib.request.Request(url, data=None if body is None else json.dumps(body).encode())
    if body is not None:
        request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def run(args, **kwargs):
    return subprocess.run([str(a) for a in args], check=True, **kwargs)


# ---------------------------------------------------------------- builds and tools


def ensure_tools():
    if not shutil.which("wrk"):
        log("installing wrk (Debian)")
        run(["apt-get", "update", "-qq"])
        run(["apt-get", "install", "-y", "-qq", "wrk"], env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))
    for tool in ("taskset", "node", "npm", "psql", "redis-cli"):
        if not shutil.which(tool):
            sys.exit(f"bench: {tool} is not on the PATH")


def cargo_profile(command):
    """`cargo build --release`; `cargo bench` builds with its own `bench` profile, which
    inherits release and shares its folder. Another profile (dev) is named as it is."""
    if PROFILE == "release":
        return ["--release"] if command == "build" else []
    return ["--profile", PROFILE]


def build():
    log(f"building ({PROFILE}): authd, examples/bench_kit, benches/tokens")
    run(["cargo", "build", "--quiet", *cargo_profile("build"), "--bin", "authd", "--example",
         "bench_kit"], cwd=ROOT)
    run(["cargo", "bench", "--quiet", *cargo_profile("bench"), "--bench", "tokens", "--no-run"],
        cwd=ROOT)
    log("installing the peer's packages (npm ci, bench/peers/fastify/package-lock.json)")
    run(["npm", "ci", "--silent", "--no-audit", "--no-fund"], cwd=PEER_DIR)


def token_cache_supported():
    """The verified-token cache is the lead's; pass AUTHD_TOKEN_CACHE only to a binary that has it."""
    help_text = subprocess.run([AUTHD, "serve", "--help"], capture_output=True, text=True).stdout
    return "--token-cache" in help_text


# ---------------------------------------------------------------- processes


class Server:
    """A process pinned to CPU 0 that answers GET /healthz on its port; stopped with SIGTERM."""

    def __init__(self, command, env, workdir, name):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = dict(env, PORT=str(self.port), AUTHD_BIND=f"127.0.0.1:{self.port}")
        self.log_path = Path(workdir) / f"{name}-{self.port}.log"
        self.log_file = open(self.log_path, "w")
        # cwd is the scratch folder, so that no .env of the checkout is read.
        self.process = subprocess.Popen(["taskset", "-c", SERVER_CPU, *map(str, command)], env=env,
                                        cwd=workdir, stdout=self.log_file, stderr=subprocess.STDOUT)
        for _ in range(200):
            try:
                if call(self.url + "/healthz", timeout=1)[0] == 200:
                    return
            except OSError:
                pass
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"{name} did not start: {self.log_path.read_text()[-2000:]}")

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log_file.close()


def authd_env(work, keys, database, **extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUTHD_")}
    env.update(AUTHD_KEYS_DIR=str(keys), AUTHD_DATABASE_URL=database, AUTHD_METRICS_BIND="off",
               AUTHD_WORKERS="1", AUTHD_IP_RATE_LIMIT="0", AUTHD_HASH_WORKERS=str(HASH_WORKERS),
               AUTHD_HASH_QUEUE=str(HASH_QUEUE),
               # The access log would be one stderr line per request: off, as behind a
               # proxy that logs; warnings still show.
               RUST_LOG="warn")
    env.update({k: str(v) for k, v in extra.items()})
    return env


def wrk(url, script="plain.lua", args=(), connections=CONNECTIONS, headers=(), seconds=SECONDS,
        background=False):
    command = ["taskset", "-c", LOAD_CPU, "wrk", "-t1", f"-c{connections}", f"-d{seconds}s",
               "--timeout", "10s", "-s", WRK_DIR / script]
    for header in headers:
        command += ["-H", header]
    command += [url, "--", *args]
    env = dict(os.environ, BENCH_WRK_DIR=str(WRK_DIR))
    process = subprocess.Popen([str(c) for c in command], env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    return process if background else wrk_result(process)


def wrk_result(process):
    output = process.communicate()[0]
    match = re.search(r"^BENCH_JSON (.*)$", output, re.M)
    if process.returncode != 0 or not match:
        raise RuntimeError(f"wrk failed: {output[-2000:]}")
    r = json.loads(match.group(1))
    seconds = r["duration_us"] / 1e6
    r["ok_per_s"] = (r["requests"] - r["status"]) / seconds
    r["errors"] = r["status"] + r["connect"] + r["read"] + r["write"] + r["timeout"]
    return r


def kit(env, *args):
    """One bench_kit command on CPU 0 (the server's core); its JSON answer."""
    output = subprocess.run(["taskset", "-c", SERVER_CPU, str(KIT), *map(str, args)], env=env,
                            check=True, capture_output=True, text=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def new_keys(folder, alg):
    run([AUTHD, "keys", "generate", "--alg", alg, "--dir", folder], stdout=subprocess.DEVNULL)
    return folder


def login_tokens(url, email, count):
    """Registers `email` (once) and logs in `count` times: `count` sessions' token pairs."""
    status, body = call(url + "/auth/register", {"email": email, "password": PASSWORD})
    if status not in (201, 409):
        raise RuntimeError(f"register: {status} {body[:200]}")
    pairs = []
    for _ in range(count):
        status, body = call(url + "/auth/login", {"email": email, "password": PASSWORD})
        if status != 200:
            raise RuntimeError(f"login: {status} {body[:200]}")
        pairs.append(json.loads(body))
    return pairs


# ---------------------------------------------------------------- the figures


class Results:
    def __init__(self):
        self.rows, self.micro, self.notes, self.failures, self.raw = [], {}, [], [], {}

    def row(self, **row):
        self.rows.append(row)

    def figure(self, name, measure):
        """Runs one figure; a failure is noted and the run goes on to the next."""
        log(name)
        try:
            measure()
        except Exception as error:  # noqa: BLE001 — reported in the table, and the exit code
            self.failures.append(f"{name}: {error}")
            print(f"   FAILED: {error}", flush=True)


def criterion_micro(results):
    """Sign and verify per algorithm (benches/tokens.rs), pinned to the server's core."""
    quick = SECONDS <= 2
    timing = ["--warm-up-time", "0.2" if quick else "1", "--measurement-time",
              "0.5" if quick else str(max(2, SECONDS // 2)), "--sample-size", "10" if quick else "50"]
    run(["taskset", "-c", SERVER_CPU, "cargo", "bench", "--quiet", *cargo_profile("bench"),
         "--bench", "tokens", "--",
         *timing], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for op in ("sign", "verify"):
        for alg in ("ES256", "EdDSA", "RS256"):
            estimates = TARGET / "criterion" / "access_token" / op / alg / "new" / "estimates.json"
            # The median: robust to another process stealing the core for a moment.
            ns = json.loads(estimates.read_text())["median"]["point_estimate"]
            results.micro[(op, alg)] = ns / 1000.0


def token_paths(results, work, alg, label, cache):
    """Figures 2-4 for one algorithm: authd (cache on, off) and the peer, on one key folder."""
    keys = new_keys(work / f"keys-{label}", label.lower())
    env = authd_env(work, keys, f"sqlite://{work}/{label}.db")
    tokens = work / f"tokens-{label}.txt"
    kit(env, "mint", TOKENS, tokens)
    one = tokens.read_text().split("\n", 1)[0]
    bearer = [f"Authorization: Bearer {one}"]
    figures = {}

    def measure(env_extra, name):
        server = Server([AUTHD, "serve"], dict(env, **env_extra), work, f"authd-{label}-{name}")
        try:
            assert call(server.url + "/auth/me", token=one)[0] == 200, "a minted token is refused"
            if "healthz" not in results.raw:
                results.raw["healthz"] = wrk(server.url + "/healthz")
            figures[f"repeated-{name}"] = wrk(server.url + "/auth/me", headers=bearer)
            if name == "off":
                figures["distinct-off"] = wrk(server.url, "tokens.lua", [tokens, "/auth/me"])
        finally:
            server.stop()

    if cache:
        measure({"AUTHD_TOKEN_CACHE": "100000"}, "on")
        measure({"AUTHD_TOKEN_CACHE": "0"}, "off")
    else:
        measure({}, "off")
    # The peer fetches the JWKS from a running authd once, then authd stops, so that it
    # has the core to itself as authd had.
    server = Server([AUTHD, "serve"], env, work, f"authd-{label}-jwks")
    try:
        peer_env = {k: v for k, v in env.items() if k in ("PATH", "HOME") or k.startswith("AUTHD_")}
        peer_env.update(AUTHD_URL=server.url, AUTHD_TOKEN_CACHE="100000")
        peer = Server(["node", PEER_DIR / "server.js"], peer_env, work, f"peer-{label}")
    finally:
        server.stop()
    try:
        assert call(peer.url + "/auth/me", token=one)[0] == 200, "the peer refuses a token"
        figures["peer-repeated-on"] = wrk(peer.url + "/cached/auth/me", headers=bearer)
        figures["peer-distinct-off"] = wrk(peer.url, "tokens.lua", [tokens, "/auth/me"])
    finally:
        peer.stop()
    results.raw[label] = figures


def login_paths(results, work):
    """Figure 5: login against the argon2 bound; /auth/me p99 during a login storm."""
    keys = new_keys(work / "keys-login", "es256")
    env = authd_env(work, keys, f"sqlite://{work}/login.db")
    # The bound is measured just before the logins, on the same core, so that both see
    # the same machine.
    argon2_ms = kit(env, "argon2", min(SECONDS, 3))["median_ms"]
    server = Server([AUTHD, "serve"], env, work, "authd-login")
    try:
        email = "login@example.com"
        token = login_tokens(server.url, email, 1)[0]["access_token"]
        bearer = [f"Authorization: Bearer {token}"]
        login = wrk(server.url, "login.lua", [email, PASSWORD], connections=HASH_WORKERS + HASH_QUEUE)
        calm = wrk(server.url + "/auth/me", headers=bearer)
        storm = wrk(server.url, "login.lua", [email, PASSWORD], connections=STORM_CONNECTIONS,
                    background=True)
        during = wrk(server.url + "/auth/me", headers=bearer)
        storm = wrk_result(storm)
    finally:
        server.stop()
    results.raw["login"] = dict(login=login, calm=calm, storm=storm, during=during,
                                argon2_ms=argon2_ms)


def refresh_path(results, work, backend):
    """Figure 6 on one backend: refreshes over HTTP against the storage bound."""
    stamp = f"{int(time.time())}_{os.getpid()}"
    keys = new_keys(work / f"keys-refresh-{backend}", "es256")
    made = []

    def store(name):
        if backend == "sqlite":
            return f"sqlite://{work}/refresh-{name}.db", {}
        database = f"authd_bench_{stamp}_{name}_{backend.replace('+', '_')}"
        run(["psql", f"{POSTGRES}/postgres", "-qc", f'CREATE DATABASE "{database}"'],
            stdout=subprocess.DEVNULL)
        made.append(database)
        extra = {}
        if backend == "postgres+redis":
            extra = dict(AUTHD_REDIS_URL=REDIS, AUTHD_REDIS_PREFIX=database)
        return f"{POSTGRES}/{database}", extra

    try:
        # The bound and the server each get a fresh, empty store.
        url, extra = store("bound")
        bound = kit(authd_env(work, keys, url, **extra), "storage", SECONDS, CONNECTIONS)
        url, extra = store("http")
        env = authd_env(work, keys, url, AUTHD_ARGON2=CHEAP_ARGON2, **extra)
        server = Server([AUTHD, "serve"], env, work, f"authd-refresh-{backend}")
        try:
            # More tokens than connections: a failed refresh does not starve its connection.
            pairs = login_tokens(server.url, "refresh@example.com", CONNECTIONS * 2)
            seeds = work / f"refresh-{backend}.txt"
            seeds.write_text("".join(p["refresh_token"] + "\n" for p in pairs))
            http = wrk(server.url, "refresh.lua", [seeds])
        finally:
            server.stop()
        results.raw[f"refresh-{backend}"] = dict(http=http, bound=bound)
    finally:
        for database in made:
            subprocess.run(["psql", f"{POSTGRES}/postgres", "-qc",
                            f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            if backend == "postgres+redis":
                keys_of = subprocess.run(["redis-cli", "-u", REDIS, "--scan", "--pattern", f"{database}:*"],
                                         capture_output=True, text=True).stdout.split()
                for start in range(0, len(keys_of), 500):
                    subprocess.run(["redis-cli", "-u", REDIS, "DEL", *keys_of[start:start + 500]],
                                   stdout=subprocess.DEVNULL)


def revocation_facts(metrics_url):
    """What the server's `authd_revocation_facts` gauge says it holds in memory."""
    status, body = call(metrics_url)
    match = re.search(r"^authd_revocation_facts (\d+)$", body.decode(), re.M)
    if status != 200 or not match:
        raise RuntimeError(f"no authd_revocation_facts on {metrics_url}: {status} {body[:200]}")
    return int(match.group(1))


def revocation_paths(results, work, cache):
    """Figure 8: /auth/me with REVOKED live revoked sessions in memory, against none.

    The servers start on one of two SQLite databases, empty or filled by `bench_kit revoke`,
    and each must report the facts it holds (the metrics gauge) before it is measured. The
    repeated token runs with the token cache on (when the binary has it) and the distinct
    tokens with it off, as in figure 2; the runs with and without facts alternate, so that
    each pair sees the same machine. None of the tokens is of a revoked session: every
    answer must be a 200."""
    keys = new_keys(work / "keys-revocation", "es256")
    tokens = work / "tokens-revocation.txt"
    kit(authd_env(work, keys, f"sqlite://{work}/revocation-mint.db"), "mint", TOKENS, tokens)
    one = tokens.read_text().split("\n", 1)[0]
    databases = {0: f"sqlite://{work}/revocation-none.db",
                 REVOKED: f"sqlite://{work}/revocation-revoked.db"}
    recorded = kit(authd_env(work, keys, databases[REVOKED]), "revoke", REVOKED)
    if recorded["revoked"] != REVOKED:
        raise RuntimeError(f"bench_kit revoke recorded {recorded}")
    figures = {}

    def serve(name, facts, cache_size):
        metrics_port = free_port()
        env = authd_env(work, keys, databases[facts], AUTHD_METRICS_BIND=f"127.0.0.1:{metrics_port}",
                        **({"AUTHD_TOKEN_CACHE": cache_size} if cache else {}))
        server = Server([AUTHD, "serve"], env, work, f"authd-revocation-{name}")
        try:
            held = revocation_facts(f"http://127.0.0.1:{metrics_port}/metrics")
            if held != facts:
                raise RuntimeError(f"{name}: the server holds {held} revocation facts, not {facts}")
            assert call(server.url + "/auth/me", token=one)[0] == 200, "a minted token is refused"
        except BaseException:
            server.stop()
            raise
        return server

    repeated = lambda server: wrk(server.url + "/auth/me", headers=[f"Authorization: Bearer {one}"])
    distinct = lambda server: wrk(server.url, "tokens.lua", [tokens, "/auth/me"])
    # A 3% target is within one run's noise here, so both servers stay up and the two are
    # measured in turn, REVOCATION_ROUNDS times each; each side's median is its figure.
    for kind, cache_size, run in (("repeated", 100000, repeated), ("distinct", 0, distinct)):
        servers = {}
        try:
            for facts, label in ((0, "none"), (REVOKED, "revoked")):
                servers[facts] = serve(f"{kind}-{label}", facts, cache_size)
            runs = {facts: [] for facts in servers}
            for _ in range(REVOCATION_ROUNDS):
                for facts, server in servers.items():
                    runs[facts].append(run(server))
        finally:
            for server in servers.values():
                server.stop()
        for facts, label in ((0, "none"), (REVOKED, "revoked")):
            ordered = sorted(runs[facts], key=lambda figure: figure["ok_per_s"])
            figure = dict(ordered[len(ordered) // 2])
            if any(r["status"] for r in ordered):
                raise RuntimeError(f"{kind}-{label}: answers other than 200 (a token refused?)")
            figure["facts"] = facts
            figure["rounds"] = [r["ok_per_s"] for r in runs[facts]]
            figures[f"{kind}-{label}"] = figure
    results.raw["revocation"] = figures


def flood_rss(results):
    """Figure 7: peak RSS during 200 concurrent logins (benches/login_flood.py, as is)."""
    rounds = "1" if SECONDS <= 2 else "5"
    output = subprocess.run([sys.executable, ROOT / "benches" / "login_flood.py", "200", rounds],
                            env=dict(os.environ, AUTHD_BIN=str(AUTHD)), check=True,
                            capture_output=True, text=True, cwd=tempfile.gettempdir()).stdout
    match = re.search(r"RSS idle ([\d.]+) MiB, peak \(VmHWM\) ([\d.]+) MiB", output)
    if not match:
        raise RuntimeError(f"login_flood.py printed no RSS: {output[-1000:]}")
    results.raw["rss"] = dict(idle_mib=float(match.group(1)), peak_mib=float(match.group(2)),
                              output=output.strip())


# ---------------------------------------------------------------- the table


def ratio_row(results, path, measured, unit, baseline_name, baseline, target):
    ratio = measured / baseline if baseline else None
    met = None if target is None or ratio is None else ratio >= target
    results.row(path=path, measured=measured, unit=unit, baseline_name=baseline_name,
                baseline=baseline, ratio=ratio, target=f"≥ {target}×" if target else "—",
                target_ratio=target, met=met, kind="ratio")


def budget_row(results, path, measured, unit, baseline_name, baseline, budget):
    met = measured <= budget
    results.row(path=path, measured=measured, unit=unit, baseline_name=baseline_name,
                baseline=baseline, ratio=measured / budget, target=f"≤ {budget:g} {unit}",
                target_ratio=1.0, budget=budget, met=met, kind="budget")


def non_2xx(results, label, figure):
    if figure["errors"]:
        results.notes.append(f"{label}: {figure['status']} answers other than 2xx, "
                             f"{figure['errors'] - figure['status']} socket errors or timeouts")


def tabulate(results, cache):
    raw = results.raw
    healthz = raw.get("healthz")
    if healthz:
        results.row(path="`/healthz` (the ceiling)", measured=healthz["ok_per_s"], unit="req/s",
                    baseline_name="", baseline=None, ratio=None, target="—", target_ratio=None,
                    met=None, kind="info")
    for label in ("ES256", "EdDSA"):
        f = raw.get(label)
        if not f or not healthz:
            continue
        verify_us = results.micro.get(("verify", label))
        per_request_us = 1e6 / healthz["ok_per_s"]
        repeated = f.get("repeated-on") or f["repeated-off"]
        cache_note = "token cache on" if "repeated-on" in f else "no token cache in this binary"
        ratio_row(results, f"`/auth/me` {label}, one token repeated ({cache_note})",
                  repeated["ok_per_s"], "req/s", "`/healthz`", healthz["ok_per_s"], 0.8)
        ratio_row(results, f"`/auth/me` {label}, one token repeated, against the peer",
                  repeated["ok_per_s"], "req/s", "fastify + fast-jwt, cache on",
                  f["peer-repeated-on"]["ok_per_s"], 2.2)
        if "repeated-on" in f:
            ratio_row(results, f"`/auth/me` {label}, one token repeated, token cache off",
                      f["repeated-off"]["ok_per_s"], "req/s", "`/healthz`", healthz["ok_per_s"], None)
        if verify_us:
            bound = 1e6 / (verify_us + per_request_us)
            ratio_row(results, f"`/auth/me` {label}, {TOKENS:,} distinct tokens",
                      f["distinct-off"]["ok_per_s"], "req/s",
                      f"verify bound 1 ÷ ({verify_us:.1f} + {per_request_us:.1f} µs)", bound, 0.95)
        ratio_row(results, f"`/auth/me` {label}, {TOKENS:,} distinct tokens, against the peer",
                  f["distinct-off"]["ok_per_s"], "req/s", "fastify + fast-jwt, cache off",
                  f["peer-distinct-off"]["ok_per_s"], 2.3)
        for name, figure in f.items():
            non_2xx(results, f"{label} {name}", figure)
    login = raw.get("login")
    if login:
        bound = HASH_WORKERS * 1000.0 / login["argon2_ms"]
        ratio_row(results, f"`/auth/login`, {HASH_WORKERS} hash worker", login["login"]["ok_per_s"],
                  "logins/s", f"argon2 bound {HASH_WORKERS} ÷ {login['argon2_ms']:.1f} ms", bound, 0.9)
        budget_row(results, f"`/auth/me` p99 during a login storm ({STORM_CONNECTIONS} login connections)",
                   login["during"]["p99_us"] / 1000.0, "ms", "p99 without the storm",
                   login["calm"]["p99_us"] / 1000.0, 5)
        results.notes.append(
            f"login storm: {login['storm']['ok_per_s']:.1f} logins/s answered 200, "
            f"{login['storm']['status']} refused (503, the pool full); /auth/me during it "
            f"{login['during']['ok_per_s']:,.0f} req/s, without it {login['calm']['ok_per_s']:,.0f} req/s")
        non_2xx(results, "login", login["login"])
    for backend in ("sqlite", "postgres", "postgres+redis"):
        r = raw.get(f"refresh-{backend}")
        if r:
            name = {"sqlite": "SQLite", "postgres": "PostgreSQL", "postgres+redis": "PostgreSQL + Redis"}[backend]
            ratio_row(results, f"`/auth/refresh`, {name}", r["http"]["ok_per_s"], "req/s",
                      "storage bound (by_id + rotate, no HTTP, no crypto)", r["bound"]["per_second"], 0.5)
            non_2xx(results, f"refresh {name}", r["http"])
    revocation = raw.get("revocation")
    if revocation:
        cache_note = "token cache on" if cache else "no token cache in this binary"
        for name, path in (("repeated", f"one token repeated ({cache_note})"),
                           ("distinct", f"{TOKENS:,} distinct tokens")):
            ratio_row(results, f"`/auth/me` ES256, {path}, {REVOKED:,} revoked sessions",
                      revocation[f"{name}-revoked"]["ok_per_s"], "req/s", "the same with none",
                      revocation[f"{name}-none"]["ok_per_s"], 0.97)
        for name, figure in revocation.items():
            non_2xx(results, f"revocation {name}", figure)
    rss = raw.get("rss")
    if rss:
        budget_row(results, "peak RSS, 200 concurrent logins", rss["peak_mib"], "MiB", "idle RSS",
                   rss["idle_mib"], 256)
    if not cache:
        results.notes.append("this binary has no AUTHD_TOKEN_CACHE: every /auth/me verified the signature")


def number(value, unit):
    if value is None:
        return "—"
    if unit in ("req/s",) and value >= 100:
        return f"{value:,.0f} {unit}"
    return f"{value:,.1f} {unit}" if value >= 10 else f"{value:,.2f} {unit}"


def markdown(results, meta):
    lines = [f"# `make bench`, {meta['date']}", "",
             f"Commit `{meta['commit']}`, {meta['profile']} build. authd on CPU {SERVER_CPU} with one "
             f"HTTP worker and {HASH_WORKERS} hash worker; wrk on CPU {LOAD_CPU}, {CONNECTIONS} connections, "
             f"{SECONDS} s per figure, 127.0.0.1. Load average at start: {meta['load']}. "
             "Each baseline was measured in this run; see the README's Performance section.", ""]
    if meta["profile"] != "release" or SECONDS < 3:
        lines += ["**A smoke run (a debug build, or under 3 s a figure): it checks the harness "
                  "and measures nothing.**", ""]
    lines += ["| path | measured | baseline | ratio | target | met |", "|---|---|---|---|---|---|"]
    for r in results.rows:
        baseline = f"{r['baseline_name']} {number(r['baseline'], r['unit'])}" if r["baseline"] else "—"
        ratio = "—" if r["ratio"] is None or r["kind"] == "budget" else f"{r['ratio']:.2f}×"
        met = {None: "—", True: "met", False: "**not met**"}[r["met"]]
        lines.append(f"| {r['path']} | {number(r['measured'], r['unit'])} | {baseline} | {ratio} | "
                     f"{r['target']} | {met} |")
    if results.micro:
        lines += ["", "Micro-benchmarks (`benches/tokens.rs`, criterion medians, one thread on "
                  f"CPU {SERVER_CPU}):", "", "| algorithm | sign | verify |", "|---|---|---|"]
        for alg in ("ES256", "EdDSA", "RS256"):
            sign, verify = results.micro.get(("sign", alg)), results.micro.get(("verify", alg))
            lines.append(f"| {alg} | {sign:.1f} µs | {verify:.1f} µs |" if sign and verify else f"| {alg} | — | — |")
    if results.notes or results.failures:
        lines += ["", "Notes:", ""] + [f"- {n}" for n in results.notes]
        lines += [f"- **not measured**: {f}" for f in results.failures]
    lines += ["", f"Chart: `{meta['date']}.png`."]
    return "\n".join(lines) + "\n"


def chart(json_path, png_path):
    """The chart is drawn by matplotlib, pinned in bench/requirements.txt, in a venv under target/."""
    venv = TARGET / "bench-venv"
    python = venv / "bin" / "python"
    if not python.exists():
        run([sys.executable, "-m", "venv", venv])
    run([python, "-m", "pip", "install", "-q", "--disable-pip-version-check", "-r",
         ROOT / "bench" / "requirements.txt"])
    run([python, ROOT / "benches" / "chart.py", json_path, png_path])


def main():
    started = time.monotonic()
    ensure_tools()
    build()
    cache = token_cache_supported()
    results = Results()
    meta = dict(date=datetime.date.today().isoformat(), profile=PROFILE,
                commit=subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                                      capture_output=True, text=True).stdout.strip(),
                load=" ".join(Path("/proc/loadavg").read_text().split()[:3]), seconds=SECONDS)
    work = Path(tempfile.mkdtemp(prefix="authd-bench-"))
    try:
        results.figure("micro-benchmarks: sign and verify (criterion)", lambda: criterion_micro(results))
        for alg in ("ES256", "EdDSA"):
            results.figure(f"/healthz and /auth/me, {alg}, and the peer",
                           lambda alg=alg: token_paths(results, work, alg, alg, cache))
        results.figure("argon2 bound, login and the login storm", lambda: login_paths(results, work))
        for backend in ("sqlite", "postgres", "postgres+redis"):
            results.figure(f"refresh on {backend} and its storage bound",
                           lambda backend=backend: refresh_path(results, work, backend))
        results.figure(f"/auth/me with {REVOKED:,} revoked sessions and with none",
                       lambda: revocation_paths(results, work, cache))
        results.figure("peak RSS during 200 concurrent logins", lambda: flood_rss(results))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    tabulate(results, cache)
    OUT.mkdir(parents=True, exist_ok=True)
    stem = OUT / meta["date"]
    stem.with_suffix(".md").write_text(markdown(results, meta))
    stem.with_suffix(".json").write_text(json.dumps(dict(meta=meta, rows=results.rows, notes=results.notes,
                                                         failures=results.failures,
                                                         micro={f"{op} {alg}": us for (op, alg), us in results.micro.items()},
                                                         raw=results.raw), indent=1, default=str))
    chart(stem.with_suffix(".json"), stem.with_suffix(".png"))
    if not results.rows or stem.with_suffix(".png").stat().st_size == 0:
        sys.exit("bench: the table or the chart is empty")
    print(stem.with_suffix(".md").read_text())
    log(f"wrote {stem}.md, .json and .png in {time.monotonic() - started:.0f} s")
    if results.failures:
        sys.exit("bench: some figures could not be measured: " + "; ".join(results.failures))


if __name__ == "__main__":
    main()
