#!/usr/bin/env python3
"""Cold start of two installed `lawgov` commands, interleaved in one run: is the new one slower?

Usage:
    python benchmarks/cold_start.py OLD/bin/lawgov NEW/bin/lawgov [--runs 10]

Labels the bundled example report with each command in turn, fresh processes,
and prints each command's median and minimum wall seconds and the ratio of the
medians (NEW / OLD). Interleaving makes both see the same load of the machine.
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import time
from pathlib import Path

SEED = Path(__file__).resolve().parent.parent / "examples" / "chonggu_2024.txt"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("old")
    ap.add_argument("new")
    ap.add_argument("--runs", type=int, default=10)
    args = ap.parse_args()
    times: dict[str, list[float]] = {args.old: [], args.new: []}
    for _ in range(args.runs):
        for exe in times:
            t = time.perf_counter()
            subprocess.run([exe, "label", str(SEED)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
            times[exe].append(time.perf_counter() - t)
    print("| command | median seconds | min seconds |\n|---|---:|---:|")
    for exe, ts in times.items():
        print(f"| `{exe}` | {statistics.median(ts):.3f} | {min(ts):.3f} |")
    ratio = statistics.median(times[args.new]) / statistics.median(times[args.old])
    print(f"\nnew / old (medians of {args.runs} interleaved runs): {ratio:.2f}")


if __name__ == "__main__":
    main()
