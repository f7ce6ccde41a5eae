"""Counts per file of a two-pass `make mutants` run (see scripts/mutants.sh).

Usage: mutants-summary.py PASS1_DIR [PASS2_DIR]. Each is a mutants.out directory; a mutant
that pass 2 tested again takes its outcome from pass 2.
"""

import json
import sys
from collections import Counter, defaultdict
from pathlib import Path

COLUMNS = ["generated", "caught", "by unit", "by api", "missed", "unviable", "timeouts"]


def outcomes(directory):
    path = Path(directory) / "outcomes.json"
    if not path.exists():
        return {}
    found = {}
    for outcome in json.loads(path.read_text())["outcomes"]:
        scenario = outcome["scenario"]
        if scenario == "Baseline":
            continue
        mutant = scenario["Mutant"]
        found[mutant["name"]] = (mutant["file"], outcome["summary"])
    return found


def main(pass1, pass2=None):
    first, second = outcomes(pass1), outcomes(pass2) if pass2 else {}
    counts = defaultdict(Counter)
    for name, (file, summary) in first.items():
        counts[file]["generated"] += 1
        final = second.get(name, (file, summary))[1]
        if final == "CaughtMutant":
            counts[file]["caught"] += 1
            counts[file]["by unit" if name not in second else "by api"] += 1
        elif final == "MissedMutant":
            counts[file]["missed"] += 1
        elif final == "Unviable":
            counts[file]["unviable"] += 1
        elif final == "Timeout":
            counts[file]["timeouts"] += 1
    width = max([len("total")] + [len(f) for f in counts])
    print(f"{'file':<{width}}  " + "  ".join(f"{c:>9}" for c in COLUMNS))
    total = Counter()
    for file in sorted(counts):
        total.update(counts[file])
        print(f"{file:<{width}}  " + "  ".join(f"{counts[file][c]:>9}" for c in COLUMNS))
    print(f"{'total':<{width}}  " + "  ".join(f"{total[c]:>9}" for c in COLUMNS))


if __name__ == "__main__":
    main(*sys.argv[1:3])
