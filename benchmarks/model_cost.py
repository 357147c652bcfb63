#!/usr/bin/env python3
"""What the new model costs at run time: the shipped model against the one shipped before, same code, same run.

Usage (from the repository root, after `pip install .`):
    python benchmarks/model_cost.py [--mb 4] [--repeat 5] [--before d7f2b3c]

The model of commit --before (the last one before document kinds) is taken
from git into a temporary directory; both models are run by the installed
`lawgov label --model DIR`, alternating, on the same input: cold start (one
report, fresh process, median of --repeat) and a batch of --mb MB of corpus
text (best of 2). Prints the times and the ratios new / before; the issue's
bound is a regression of at most 20% (ratio <= 1.2 for time).
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
REPORT = ROOT / "examples" / "chonggu_2024.txt"


def lawgov() -> str:
    beside = Path(sys.executable).parent / "lawgov"
    return str(beside) if beside.exists() else (shutil.which("lawgov") or sys.exit("install the package first"))


def seconds(cmd: list[str]) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mb", type=float, default=4.0)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--before", default="d7f2b3c", help="git revision whose models/default is the baseline")
    ap.add_argument("--model", default=str(ROOT / "models" / "default"))
    args = ap.parse_args()
    exe = lawgov()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", args.before, "models/default"],
                                 check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(tmp)], input=archive, check=True)
        models = {"before": str(tmp / "models" / "default"), "new": args.model}
        batch = tmp / "batch"
        batch.mkdir()
        raws = sorted((ROOT / "corpora" / "raw").glob("*.txt"))
        size, i = 0, 0
        while size < args.mb * 1e6:
            src = raws[i % len(raws)]
            dst = batch / f"{i:05d}_{src.name}"
            shutil.copyfile(src, dst)
            size += dst.stat().st_size
            i += 1
        cold = {k: [] for k in models}
        for _ in range(args.repeat):
            for k, m in models.items():
                cold[k].append(seconds([exe, "label", str(REPORT), "--model", m, "-q", "-o", str(tmp / f"c_{k}.jsonl")]))
        bulk = {k: [] for k in models}
        for _ in range(2):
            for k, m in models.items():
                bulk[k].append(seconds([exe, "label", str(batch), "--model", m, "-q", "-o", str(tmp / f"b_{k}.jsonl")]))
    c = {k: statistics.median(v) for k, v in cold.items()}
    b = {k: min(v) for k, v in bulk.items()}
    print(f"# Model cost at run time (load average {os.getloadavg()[0]:.2f})\n")
    print(f"Command: `python benchmarks/model_cost.py --mb {args.mb:g} --repeat {args.repeat}`; "
          f"baseline: models/default at {args.before}; same installed code for both.\n")
    print("| | before | new | new / before |\n|---|---:|---:|---:|")
    print(f"| cold start, one report (median of {args.repeat}) | {c['before']:.2f} s | {c['new']:.2f} s | "
          f"{c['new'] / c['before']:.2f} |")
    print(f"| batch, {i} files, {size / 1e6:.1f} MB (best of 2) | {b['before']:.1f} s | {b['new']:.1f} s | "
          f"{b['new'] / b['before']:.2f} |")


if __name__ == "__main__":
    main()
