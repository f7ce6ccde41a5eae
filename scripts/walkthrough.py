"""`make walkthrough`: runs the README's curl walkthrough against a fresh authd and checks
every `# → STATUS [BODY]` line, so the README cannot rot.

The blocks are the ```sh blocks of the section "A walk through with curl" (up to the next
`## ` heading), run in order in one bash process (variables carry over), in a temporary
folder, with `localhost:8080` pointing at the fresh server and `./target/release/authd` at
the binary under test, on the server's own settings. `curl` is wrapped so each response's
status also goes to stderr; stdout is what a reader would see.

An expectation is the status of the last response of the commands before it, then
optionally what they printed: JSON whose keys must match exactly and whose values must be
equal, where `"…"` stands for any value and `"eyJ…"` for any string starting `eyJ`; or a
plain text that must equal the output. Continuation lines start with `#` and a space and
hold more of the JSON.

Usage: walkthrough.py AUTHD_BIN [README]
"""

import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXPECT = "# → "
STEP = "__walkthrough_step__"


def blocks(readme):
    text = readme.read_text()
    start = text.index("## A walk through with curl")
    end = text.index("\n## ", start + 3)
    return re.findall(r"```sh\n(.*?)```", text[start:end], re.S)


def steps(block):
    """(commands, expectation or None) pairs, in order."""
    found, commands, lines = [], [], block.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith(EXPECT):
            expectation = line[len(EXPECT):]
            while i + 1 < len(lines) and re.match(r"#\s{2,}\S", lines[i + 1]):
                i += 1
                expectation += lines[i][1:].strip()
            found.append(("\n".join(commands), expectation))
            commands = []
        else:
            commands.append(line)
        i += 1
    if commands:
        found.append(("\n".join(commands), None))
    return found


def matches(expected, actual, where):
    if isinstance(expected, str) and "…" in expected:
        prefix = expected.split("…")[0]
        assert isinstance(actual, str) and actual.startswith(prefix) or expected == "…", \
            f"{where}: {actual!r} does not match {expected!r}"
    elif isinstance(expected, dict):
        assert isinstance(actual, dict), f"{where}: {actual!r} is not an object"
        assert sorted(expected) == sorted(actual), f"{where}: keys {sorted(actual)} != {sorted(expected)}"
        for key in expected:
            matches(expected[key], actual[key], f"{where}.{key}")
    elif isinstance(expected, list):
        assert isinstance(actual, list) and len(actual) == len(expected), f"{where}: {actual!r} != {expected!r}"
        for n, (e, a) in enumerate(zip(expected, actual)):
            matches(e, a, f"{where}[{n}]")
    else:
        assert expected == actual, f"{where}: {actual!r} != {expected!r}"


def check(expectation, output, statuses, commands):
    status, _, body = expectation.partition(" ")
    where = commands.strip().splitlines()[0]
    assert statuses, f"{where}: no HTTP response"
    assert statuses[-1] == status, f"{where}: status {statuses[-1]}, the README says {status}\n{output}"
    if not body:
        assert output.strip() == "", f"{where}: printed {output!r}, the README shows nothing"
    elif body.startswith(("{", "[")):
        try:
            actual = json.loads(output.strip().splitlines()[-1] if output.strip() else "null")
        except json.JSONDecodeError:
            actual = json.loads(output)
        matches(json.loads(body), actual, where)
    else:
        assert output.strip() == body, f"{where}: printed {output.strip()!r}, the README says {body!r}"


def main(binary, readme=ROOT / "README.md"):
    binary = str(Path(binary).resolve())
    work = tempfile.TemporaryDirectory(prefix="authd-walkthrough-")
    env = {
        "PATH": os.environ["PATH"],
        "RUST_LOG": "info",
        "AUTHD_BIND": "127.0.0.1:0",
        "AUTHD_DATABASE_URL": f"sqlite://{work.name}/authd.db",
        "AUTHD_KEYS_DIR": f"{work.name}/keys",
        "AUTHD_METRICS_BIND": "off",
    }
    subprocess.run([binary, "keys", "generate"], env=env, check=True, capture_output=True)
    server = subprocess.Popen([binary, "serve"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        for line in server.stdout:
            port = re.search(r"authd listening on [^:]+:(\d+)", line)
            if port:
                break
        else:
            sys.exit("authd exited before it listened")
        all_steps = [step for block in blocks(Path(readme)) for step in steps(block)]
        script = ["set -o pipefail",
                  "curl() { command curl -w '%{stderr}__status__ %{http_code}\\n' \"$@\"; }"]
        for n, (commands, _) in enumerate(all_steps):
            commands = commands.replace("localhost:8080", f"127.0.0.1:{port.group(1)}")
            commands = commands.replace("./target/release/authd", binary)
            script += [commands, f"echo {STEP}{n}; echo {STEP}{n} >&2"]
        run = subprocess.run(["bash", "-c", "\n".join(script)], env=env, cwd=work.name,
                             capture_output=True, text=True, timeout=120)
        outputs = re.split(rf"{STEP}\d+\n", run.stdout)
        errors = re.split(rf"{STEP}\d+\n", run.stderr)
        checked = 0
        for n, (commands, expectation) in enumerate(all_steps):
            assert n < len(outputs) - 1, f"the walkthrough stopped before step {n}:\n{run.stderr}"
            if expectation is None:
                continue
            statuses = re.findall(r"__status__ (\d{3})", errors[n])
            check(expectation, outputs[n], statuses, commands)
            checked += 1
        assert run.returncode == 0, f"bash exited {run.returncode}:\n{run.stderr}"
        print(f"walkthrough: {checked} answers checked in {len(all_steps)} steps of the README, all as shown")
    finally:
        server.terminate()
        server.wait(timeout=10)
        work.cleanup()


if __name__ == "__main__":
    main(*sys.argv[1:])
