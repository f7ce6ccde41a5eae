#!/usr/bin/env bash
# `make mutants`: cargo-mutants (27.x) over the security core. Fails unless every mutant is
# caught by the unit or `api` tests, or excluded with its reason in .cargo/mutants.toml.
#
# The tree is mutated in place (--in-place: no copy, so the build stays incremental): do not
# edit it while this runs. An interrupted run restores the file it was mutating.
#
# Two passes, for time. A mutant tested against the unit tests alone rebuilds only the
# library's test binary (seconds); with the `api` tests it also rebuilds the server binary
# and the api test binary and starts ~250 servers. So pass 1 runs the unit tests on every
# mutant, and pass 2 (--iterate: skipping what pass 1 caught or found unviable) runs the unit
# and `api` tests on the rest. The verdict is pass 2's. tests/fuzz is never run.
#
# The test targets are cargo arguments (-C), not test arguments (after `--`): cargo-mutants
# passes -C to the build (`cargo test --no-run`) as well as to the run, so each mutant builds
# only what its pass runs. After `--` they reach the run only, and every mutant built every
# target (the bin's tests, tests/fuzz, the examples): pass 1's build went from ~25 s to ~5 s.
#
# MUTANTS_SCOPE: `all` (default), `ci` (what CI runs, see the Makefile), `rotation` (the
# refresh-rotation flow and the stores' rotation operations) or `revocation` (the set of
# revocation facts every access-token check consults, and its feed cursors). `ci`,
# `rotation` and `revocation` together are `all`.
set -euo pipefail
cd "$(dirname "$0")/.."

scope=${MUTANTS_SCOPE:-all}
# Which mutants: the files (-f), and regexes over the names `cargo mutants --list` prints
# (`path:line:col: …`), which keep only check_csrf of src/browser/mod.rs. Both are needed:
# cargo-mutants 27.1 applies -F to every kind of mutant but "delete field", so -F alone
# lets such mutants of other files in.
core=(-f 'src/tokens/*.rs' -f src/extractor/bearer.rs -f 'src/throttle/*.rs'
    -f src/browser/mod.rs
    -F '^src/tokens/' -F '^src/extractor/bearer\.rs:' -F '^src/throttle/'
    -F '^src/browser/mod\.rs:.*\bcheck_csrf\b')
rotation=(-f src/sessions/rotation.rs -f src/store/rotation.rs -f 'src/store/*/denylist.rs'
    -F '^src/sessions/rotation\.rs:'
    -F '^src/store/(rotation|(memory|sqlite|postgres|redis)/denylist)\.rs:')
revocation=(-f src/revocation/set.rs -f src/revocation/cursor.rs
    -F '^src/revocation/(set|cursor)\.rs:')
case "$scope" in
    all) filters=("${core[@]}" "${rotation[@]}" "${revocation[@]}") ;;
    ci) filters=("${core[@]}") ;;
    rotation) filters=("${rotation[@]}") ;;
    revocation) filters=("${revocation[@]}") ;;
    *) echo "MUTANTS_SCOPE must be all, ci, rotation or revocation, not '$scope'" >&2; exit 1 ;;
esac

if ! cargo mutants --version 2>/dev/null | grep -q '^cargo-mutants 27\.'; then
    echo "== installing cargo-mutants 27"
    cargo install cargo-mutants --locked --version '^27'
fi
cargo mutants --version

started=$SECONDS
rm -rf mutants.out mutants.out.old
echo "== pass 1: every mutant against the unit tests"
status=0
cargo mutants --in-place --timeout 60 "${filters[@]}" -C --lib || status=$?
# 2: some missed, 3: some timed out: pass 2 tests those again. Anything else is an error
# (4: the unmutated tree fails its tests).
case $status in
    0) python3 scripts/mutants-summary.py mutants.out ;;
    2 | 3)
        echo "== pass 2: what the unit tests did not catch, against the unit and api tests"
        status=0
        cargo mutants --in-place --iterate --timeout 240 "${filters[@]}" -C --lib -C --test=api ||
            status=$?
        python3 scripts/mutants-summary.py mutants.out.old mutants.out
        ;;
    *) exit "$status" ;;
esac
echo "== make mutants ($scope): $(((SECONDS - started) / 60)) min $(((SECONDS - started) % 60)) s"
exit "$status"
