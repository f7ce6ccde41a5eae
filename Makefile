# authd: the two commands are `make run` and `make test`.
CARGO ?= cargo
RELEASE_BIN := $(or $(CARGO_TARGET_DIR),target)/release/authd

.PHONY: run test build release keys lint fmt ci bench bench-smoke fuzz cluster mutants e2e spa screenshots postman walkthrough

## Build and start the server on 127.0.0.1:8080 with SQLite at data/authd.db,
## generating a development key first when the keys folder has none.
run: release
	$(RELEASE_BIN) keys generate --if-none
	$(RELEASE_BIN) serve

## Build and run every test (unit, integration, doc).
test:
	$(CARGO) test --all-targets --no-fail-fast
	$(CARGO) test --doc

## Fuzz each target (tests/fuzz: bearer parser, access and refresh verification, token
## mutations, JSON bodies) for FUZZ_SECONDS seconds; fails on any crash or wrong answer.
FUZZ_SECONDS ?= 60
fuzz:
	FUZZ_SECONDS=$(FUZZ_SECONDS) $(CARGO) test --test fuzz -- --nocapture

## Mutation testing of the security core (cargo-mutants 27, installed when missing): the
## token checks, the bearer parser, the login limits, the CSRF check, the refresh rotation,
## the denylists' rotation operations and the revocation set, against the unit and `api`
## tests. Fails on any mutant no test catches; the exclusions, each with its reason, are
## in .cargo/mutants.toml.
## Mutates the tree in place: leave it alone while it runs. See scripts/mutants.sh.
## MUTANTS_SCOPE=all (the default) takes ~2 h on this 2-core machine, too long for every
## CI run, so CI runs MUTANTS_SCOPE=ci: the token core, the bearer parser, the throttle and
## the CSRF check, which the unit tests alone decide (~25 min, plus ~4 min to install
## cargo-mutants in a clean clone). The rest is two scopes: MUTANTS_SCOPE=rotation, the
## refresh-rotation flow and the stores' rotation operations, most of whose mutants only
## the api tests (65 s a mutant) catch, ~75 min; MUTANTS_SCOPE=revocation, the revocation
## set every access-token check consults and its feed cursors, ~20 min. Run the one whose
## files a change touches before merging it.
MUTANTS_SCOPE ?= all
mutants:
	MUTANTS_SCOPE=$(MUTANTS_SCOPE) bash scripts/mutants.sh

## End-to-end suites: the JS client's unit tests and the SPA demo in headless Chromium
## (Debian's, installed when missing; npm packages from the committed lockfiles).
e2e:
	bash scripts/e2e.sh

## The Postman collection (postman/) run by newman (pinned in postman/package-lock.json)
## against a fresh authd: every request's assertions must pass. AUTHD_BIN=path skips the
## `cargo build`. See scripts/postman.sh.
postman:
	bash scripts/postman.sh

## The README's curl walkthrough, run against a fresh server: every `# →` line checked.
## Installs jq (Debian) when missing.
walkthrough: build
	@command -v jq >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq jq)
	python3 scripts/walkthrough.py $(or $(CARGO_TARGET_DIR),target)/debug/authd

## Refresh the README's screenshots (examples/spa/screenshots) from a run of the browser tests.
screenshots:
	E2E_SCREENSHOTS=$(CURDIR)/examples/spa/screenshots bash scripts/e2e.sh

## The SPA demo on http://localhost:5173 against authd on http://localhost:8080 (cookies
## on, the demo's origin allowed). Ctrl-C stops both.
spa: release
	bash scripts/spa.sh

build:
	$(CARGO) build

release:
	$(CARGO) build --release

keys:
	$(RELEASE_BIN) keys generate

## The module graph has no cycle (the steering repo's checker, beside this clone).
MODULE_CYCLES ?= ../shared/tools/module-cycles.py
lint:
	$(CARGO) fmt --check
	$(CARGO) clippy --all-targets -- -D warnings
	python3 $(MODULE_CYCLES) src

fmt:
	$(CARGO) fmt

## What CI runs.
ci:
	bash .ci/run

## Performance (issue 9): every path against its own limit, each baseline measured in the
## same run; writes bench/results/<date>.md (the table), .json and .png (the chart). authd
## runs on CPU 0 with one worker, wrk on CPU 1 (installed when missing): run it on a quiet
## machine. BENCH_SECONDS per figure. See benches/bench.py and the README's Performance.
BENCH_SECONDS ?= 8
bench:
	BENCH_SECONDS=$(BENCH_SECONDS) python3 benches/bench.py

## The same at one second a figure, on the debug build `make test` already made, written
## under target/bench-smoke: checks that every figure runs and the table and chart are
## written; asserts no figure (CI's machines are shared and noisy). CI runs it.
bench-smoke:
	BENCH_SECONDS=1 BENCH_PROFILE=dev BENCH_OUT=$(or $(CARGO_TARGET_DIR),target)/bench-smoke python3 benches/bench.py

## Three instances on PostgreSQL + Redis behind nginx (127.0.0.1 only): a failover churn
## and refresh throughput, cluster against one instance. See docs/scale.md.
cluster:
	bash scripts/cluster.sh
