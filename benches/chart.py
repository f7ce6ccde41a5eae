#!/usr/bin/env python3
"""The chart of `make bench`: each path as a bar against its own limit.

Usage: chart.py RESULTS.json OUT.png (the JSON benches/bench.py writes). A bar's length is
the figure divided by its limit (the baseline measured beside it, or the budget of a
lower-is-better figure), so every path reads on one scale: the dashed line at 1 is the
limit, the black tick is the issue's target, green is met, red is not met.
"""
import json, sys, textwrap

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


CAP = 3.0


def label(row):
    path = row["path"].replace("`", "")
    return "\n".join(textwrap.wrap(path, 44))


def value(number, unit):
    return f"{number:,.0f} {unit}" if number >= 100 else f"{number:,.1f} {unit}"


def annotation(row):
    measured = value(row["measured"], row["unit"])
    if row["kind"] == "budget":
        return f"{measured} (budget {row['target']}; {row['baseline_name']} {value(row['baseline'], row['unit'])})"
    limit = value(row["baseline"], row["unit"]) if row["baseline"] else "?"
    target = f", target {row['target']}" if row["target_ratio"] else ""
    return f"{measured} vs {limit}: {row['ratio']:.2f}×{target}"


def main():
    results = json.load(open(sys.argv[1]))
    rows = [r for r in results["rows"] if r["ratio"] is not None]
    height = 1.0 + 0.62 * len(rows)
    fig, ax = plt.subplots(figsize=(13, height))
    ys = list(range(len(rows)))[::-1]
    # Ratios far past the limit would squeeze every other bar: the axis stops at CAP and a
    # longer bar is cut there, its true ratio still written beside it.
    widest = max([r["ratio"] for r in rows] + [r["target_ratio"] or 0 for r in rows] + [1.0])
    cap = min(widest, CAP)
    colors = ["#9e9e9e" if r["met"] is None else "#2e7d32" if r["met"] else "#c62828" for r in rows]
    ax.barh(ys, [min(r["ratio"], cap) for r in rows], color=colors, height=0.6)
    for y, r in zip(ys, rows):
        if r["target_ratio"]:
            ax.plot([r["target_ratio"]] * 2, [y - 0.38, y + 0.38], color="black", linewidth=2.5)
        end = max(min(r["ratio"], cap), r["target_ratio"] or 0, 1.0)
        ax.text(end + cap * 0.02, y, annotation(r), va="center", fontsize=8)
    ax.axvline(1.0, color="black", linestyle="--", linewidth=1)
    ax.set_yticks(ys, [label(r) for r in rows], fontsize=8)
    ax.set_xlim(0, cap * 1.9)
    ax.set_xlabel("figure ÷ its limit (dashed: the limit; black tick: the target; "
                  "lower is better for budgets: p99, RSS)")
    meta = results["meta"]
    healthz = next((r for r in results["rows"] if r["kind"] == "info"), None)
    ceiling = f"; /healthz ceiling {value(healthz['measured'], 'req/s')}" if healthz else ""
    ax.set_title(f"make bench {meta['date']}, commit {meta['commit']} ({meta['profile']}, "
                 f"{meta['seconds']} s per figure, load {meta['load']}){ceiling}", fontsize=10)
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    fig.savefig(sys.argv[2], dpi=110)


if __name__ == "__main__":
    main()
