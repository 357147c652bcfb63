#!/usr/bin/env python3
"""Speed and memory of `lawgov label` against the usual recipe, measured in one run.

Usage (from the repository root, after `pip install .`):
    python benchmarks/speed.py [--mb 20] [--repeat 5]

The usual recipe (benchmarks/usual_recipe.py: TfidfVectorizer(tokenizer=jieba.lcut)
+ LinearSVC, joblib) is trained on the same corpus first. Every figure is also
given as a ratio against the recipe measured in the same run on the same input,
because the machine is shared and absolute times drift. Prints a Markdown
report; --write puts it in benchmarks/RESULTS.md.
"""
from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SEED = ROOT / "examples" / "chonggu_2024.txt"


def lawgov() -> str:
    beside = Path(sys.executable).parent / "lawgov"
    return str(beside) if beside.exists() else (shutil.which("lawgov") or sys.exit("install the package first"))


def run(cmd: list[str]) -> tuple[float, float, int]:
    """Wall seconds, peak RSS (MB) and number of output lines of one fresh process."""
    t = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        p = subprocess.Popen(cmd, stdout=out, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t
        if os.waitstatus_to_exitcode(status) not in (0, 1):
            sys.exit(f"failed: {' '.join(cmd)}")
        out.seek(0)
        lines = sum(1 for _ in out)
    return wall, usage.ru_maxrss / 1024, lines


def make_input(directory: Path, mb: float) -> tuple[int, int]:
    """Files of corpus text repeated to ``mb`` megabytes; returns (files, characters).

    Every repeat of the corpus marks its sentences with the repeat number
    ("...〔3〕。"), so no sentence occurs twice: lawgov caches the normalisation
    and tokenisation of recent texts, and verbatim repeats would flatter it.
    Headings and page chrome (no "。") do repeat, as they do across real reports.
    """
    texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "corpora" / "raw").glob("*.txt"))]
    directory.mkdir(parents=True, exist_ok=True)
    size = chars = i = 0
    while size < mb * 1e6:
        t = texts[i % len(texts)]
        if i >= len(texts):
            t = t.replace("。", f"〔{i // len(texts)}〕。")
        (directory / f"d{i:06d}.txt").write_text(t, encoding="utf-8")
        size += len(t.encode("utf-8"))
        chars += len(t)
        i += 1
    return i, chars


def tokeniser_speed() -> list[str]:
    """Characters/s of jieba.lcut (the recipe's call) and of both lawgov backends."""
    import logging

    import jieba

    from lawgov_nlp.tokenize import make_segmenter

    logging.getLogger("jieba").setLevel(logging.WARNING)
    text = [line for p in sorted((ROOT / "corpora" / "raw").glob("*.txt"))
            for line in p.read_text(encoding="utf-8").splitlines() if line.strip()]
    chars = sum(map(len, text))
    jieba.lcut("预热")
    rows = []
    for name, cut in (("jieba.lcut (HMM on; the recipe)", jieba.lcut),
                      ("jieba, HMM off, user dictionary (lawgov fallback)", make_segmenter("jieba")),
                      ("jieba-rs via rjieba, HMM off, user dictionary (lawgov)", make_segmenter("rjieba"))):
        t = time.perf_counter()
        for line in text:
            cut(line)
        rows.append((name, chars / (time.perf_counter() - t)))
    out = [f"## Tokenisers ({chars:,} characters of corpus text, one process)", "",
           "| | characters/s | ratio to jieba.lcut |", "|---|---:|---:|"]
    out += [f"| {name} | {rate:,.0f} | {rate / rows[0][1]:.1f} |" for name, rate in rows]
    return out + [""]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mb", type=float, default=20.0, help="batch input size in MB (default 20)")
    ap.add_argument("--repeat", type=int, default=5, help="cold-start runs of each command")
    ap.add_argument("--write", action="store_true", help="write benchmarks/RESULTS.md")
    args = ap.parse_args()
    exe = lawgov()
    recipe_model = HERE / ".cache" / "recipe.joblib"
    subprocess.run([sys.executable, str(HERE / "usual_recipe.py"), "train", str(ROOT / "corpora"), str(recipe_model)],
                   check=True, capture_output=True)
    recipe = [sys.executable, str(HERE / "usual_recipe.py"), "label", str(recipe_model)]
    load_before = os.getloadavg()[0]
    report = [f"# Speed and memory", "",
              f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
              f"{platform.platform()}. Command: `python benchmarks/speed.py --mb {args.mb:g} --repeat {args.repeat}`.",
              "", "Every ratio compares commands run in the same session on the same input; absolute",
              "times drift with the load of this shared machine (load average below).", ""]

    # cold start: one short report, fresh processes, interleaved
    ours, theirs = [], []
    for _ in range(args.repeat):
        ours.append(run([exe, "label", str(SEED)])[0])
        theirs.append(run(recipe + [str(SEED)])[0])
    o, r = statistics.median(ours), statistics.median(theirs)
    report += ["## Cold start (one report, fresh process, median of "
               f"{args.repeat})", "", "| | seconds | ratio to recipe |", "|---|---:|---:|",
               f"| usual recipe | {r:.2f} | 1.00 |", f"| `lawgov label` | {o:.2f} | {o / r:.2f} |", ""]

    # model load and size
    code = "import time,lawgov_nlp;t=time.perf_counter();lawgov_nlp.load_model();print(time.perf_counter()-t)"
    load = statistics.median(float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                                  check=True).stdout) for _ in range(3))
    rcode = ("import sys,time;sys.path.insert(0,%r);import usual_recipe,joblib;t=time.perf_counter();"
             "joblib.load(%r);print(time.perf_counter()-t)") % (str(HERE), str(recipe_model))
    rload = statistics.median(float(subprocess.run([sys.executable, "-c", rcode], capture_output=True, text=True,
                                                   check=True).stdout) for _ in range(3))
    from importlib.resources import files

    model_dir = Path(str(files("lawgov_nlp").joinpath("models/default")))
    size = sum(f.stat().st_size for f in model_dir.iterdir()) / 1e6
    report += ["## Model", "", "| | load seconds | size on disk (MB) |", "|---|---:|---:|",
               f"| usual recipe (joblib) | {rload:.3f} | {recipe_model.stat().st_size / 1e6:.1f} |",
               f"| lawgov (JSON + npz) | {load:.3f} | {size:.1f} |", ""]

    # tokenisers, in this process, on the corpus text
    report += tokeniser_speed()

    # batch throughput and memory
    with tempfile.TemporaryDirectory() as tmp:
        small, big = Path(tmp) / "a", Path(tmp) / "b"
        nfiles, chars = make_input(small, args.mb)
        rows = []
        w, m, units = run(recipe + [str(p) for p in sorted(small.iterdir())])
        rows.append(("usual recipe, 1 process", w, m, units))
        base = w
        w, m, units = run([exe, "label", str(small), "-q", "-o", str(Path(tmp) / "o1.jsonl")])
        units = sum(1 for _ in open(Path(tmp) / "o1.jsonl", encoding="utf-8"))
        rows.append(("`lawgov label`, 1 process", w, m, units))
        w2, m2, _ = run([exe, "label", str(small), "-q", "--jobs", "2", "-o", str(Path(tmp) / "o2.jsonl")])
        rows.append(("`lawgov label --jobs 2`", w2, m2, units))
        report += [f"## Batch: {args.mb:g} MB of corpus text ({nfiles} files, {chars:,} characters)", "",
                   "| | seconds | units/s | characters/s | peak RSS (MB) | throughput ratio to recipe |",
                   "|---|---:|---:|---:|---:|---:|"]
        for name, w, m, n in rows:
            report.append(f"| {name} | {w:.1f} | {n / w:,.0f} | {chars / w:,.0f} | {m:.0f} | {base / w:.2f} |")
        report += ["", f"`--jobs 2` vs one process: {rows[1][1] / rows[2][1]:.2f}x.", ""]
        make_input(big, 2 * args.mb)
        wb, mb_, _ = run([exe, "label", str(big), "-q", "-o", str(Path(tmp) / "o3.jsonl")])
        report += [f"Peak RSS of one process at {args.mb:g} MB: {rows[1][2]:.0f} MB; at {2 * args.mb:g} MB: "
                   f"{mb_:.0f} MB (ratio {mb_ / rows[1][2]:.2f}; input is streamed document by document).", ""]
    report += [f"Load average (1 min) at the start: {load_before:.2f}; at the end: {os.getloadavg()[0]:.2f} "
               f"({os.cpu_count()} cores).", ""]
    text = "\n".join(report) + "\n"
    print(text)
    if args.write:
        (HERE / "RESULTS.md").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
