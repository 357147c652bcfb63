#!/usr/bin/env python3
"""Speed and memory of `lawgov label` against the usual recipe, measured in one run.

Usage (from the repository root, after `pip install .`):
    python benchmarks/speed.py [--mb 20] [--repeat 5] [--batch-repeat 3] [--scale 1,2,4,8,16] [--dask 1,2] [--write]

The usual recipe (benchmarks/usual_recipe.py: TfidfVectorizer(tokenizer=jieba.lcut)
+ LinearSVC, joblib) is trained on the same corpus first. Every figure is also
given as a ratio against the recipe measured in the same run on the same input,
because the machine is shared and absolute times drift. Prints a Markdown
report; --write puts it in benchmarks/RESULTS.md.

Sections: cold start, model load and size, tokenisers, batch throughput and
memory (--mb MB of corpus text), then

- Scale curve: `lawgov label DIR -q -o OUT.jsonl` (one fresh process) on fresh
  inputs of each --scale size in MB (default 1,2,4,8,16), as characters/s, as a
  ratio to the recipe's throughput in the batch table and with its peak RSS, to
  show whether throughput is flat in input size. `--scale none` (or '') skips it.
- Dask route: the batch input's files as {"doc": stem, "text": text} records,
  `dask.bag.from_sequence(docs, npartitions=...).map_partitions(label_records)`
  on a `distributed.LocalCluster` of N single-threaded worker processes, for
  each N in --dask (default 1,2), each in a fresh process (the hidden
  sub-command `--_dask N DIR`). Gives the wall seconds of that process (cluster
  start-up and shutdown included), the start-up and the compute alone (after
  `client.wait_for_workers(N)`), the compute's characters/s and its ratios to
  the recipe and to `lawgov label` in one process; the unit count must equal
  the CLI's. `--dask none` (or '') skips it; without dask/distributed
  installed (`pip install ".[dask]"`) the section says it was skipped and why.
"""
from __future__ import annotations

import argparse
import json
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
KEEP = "<!-- below: kept by speed.py --write -->"


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


def sizes(text: str) -> list[float]:
    """--scale: comma-separated MB; '' or 'none' is no size."""
    if text.strip().lower() in ("", "none"):
        return []
    try:
        out = [float(x) for x in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a comma-separated list of MB: {text!r}") from None
    if any(x <= 0 for x in out):
        raise argparse.ArgumentTypeError(f"sizes must be positive: {text!r}")
    return out


def workers(text: str) -> list[int]:
    """--dask: comma-separated worker counts; '' or 'none' is no run."""
    if text.strip().lower() in ("", "none"):
        return []
    try:
        out = [int(x) for x in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a comma-separated list of worker counts: {text!r}") from None
    if any(x < 1 for x in out):
        raise argparse.ArgumentTypeError(f"worker counts must be at least 1: {text!r}")
    return out


def dask_child(n: int, directory: Path) -> None:
    """Hidden sub-command `--_dask N DIR`: label DIR's files on a local Dask cluster of N
    worker processes; print one JSON line of timings (or of why Dask is unavailable)."""
    t0 = time.perf_counter()
    try:
        import dask.bag as db
        import distributed
    except ImportError as exc:
        print(json.dumps({"skipped": f"{type(exc).__name__}: {exc}"}))
        return
    from lawgov_nlp.api import label_records

    docs = [{"doc": p.stem, "text": p.read_text(encoding="utf-8")} for p in sorted(directory.iterdir())]
    # Partitions: at least 4 per worker, so that documents of uneven size even out
    # between workers and the tail (one worker idle while the other finishes its
    # last task) is short; and at most ~300 documents (~0.3 M characters, ~1-2 s of
    # labelling) each, so one task's input and its unit dicts stay a few MB when
    # pickled, while the per-task cost (a scheduler round trip, a few ms) is still
    # well under 1% of the task. 20 MB (7,000-9,000 files) gives 25-30 partitions for N = 1 and 2.
    npartitions = max(4 * n, -(-len(docs) // 300))
    with distributed.LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                                  dashboard_address=None, silence_logs=40) as cluster, \
            distributed.Client(cluster) as client:
        client.wait_for_workers(n, timeout=300)  # a loaded machine starts them slowly
        ready = time.perf_counter()
        units = len(db.from_sequence(docs, npartitions=npartitions).map_partitions(label_records).compute())
        done = time.perf_counter()
    print(json.dumps({"startup": ready - t0, "compute": done - ready, "close": time.perf_counter() - done,
                      "units": units, "npartitions": npartitions, "docs": len(docs)}))


def run_dask(n: int, directory: Path) -> tuple[float, dict]:
    """Wall seconds of one fresh `--_dask N DIR` process and the timings it printed."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--_dask", str(n), str(directory)]
    t = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - t
    if p.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{p.stderr.strip()}")
    return wall, json.loads(p.stdout.strip().splitlines()[-1])


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
    ap.add_argument("--batch-repeat", type=int, default=3, help="batch runs of each lawgov command (median)")
    ap.add_argument("--scale", type=sizes, default="1,2,4,8,16", metavar="MB,MB,...",
                    help="input sizes (MB) of the scale curve (default 1,2,4,8,16; 'none' skips it)")
    ap.add_argument("--dask", type=workers, default="1,2", metavar="N,N,...",
                    help="worker counts of the Dask route (default 1,2; 'none' skips it)")
    ap.add_argument("--write", action="store_true", help="write benchmarks/RESULTS.md")
    ap.add_argument("--_dask", nargs=2, metavar=("N", "DIR"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args._dask:
        return dask_child(int(args._dask[0]), Path(args._dask[1]))
    exe = lawgov()
    recipe_model = HERE / ".cache" / "recipe.joblib"
    subprocess.run([sys.executable, str(HERE / "usual_recipe.py"), "train", str(ROOT / "corpora"), str(recipe_model)],
                   check=True, capture_output=True)
    recipe = [sys.executable, str(HERE / "usual_recipe.py"), "label", str(recipe_model)]
    load_before = os.getloadavg()[0]
    report = ["# Speed and memory", "",
              f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
              f"{platform.platform()}. Command: `python benchmarks/speed.py --mb {args.mb:g} --repeat {args.repeat} "
              f"--batch-repeat {args.batch_repeat} "
              f"--scale {','.join(f'{x:g}' for x in args.scale) or 'none'} "
              f"--dask {','.join(map(str, args.dask)) or 'none'}`.",
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
        # lawgov's runs are repeated, one process and --jobs 2 alternating, and the
        # median taken (the recipe, ~10x slower, runs once: its noise is a smaller share)
        one_runs, two_runs = [], []
        for _ in range(args.batch_repeat):
            one_runs.append(run([exe, "label", str(small), "-q", "-o", str(Path(tmp) / "o1.jsonl")]))
            two_runs.append(run([exe, "label", str(small), "-q", "--jobs", "2", "-o", str(Path(tmp) / "o2.jsonl")]))
        units = sum(1 for _ in open(Path(tmp) / "o1.jsonl", encoding="utf-8"))
        w, m = statistics.median(r[0] for r in one_runs), max(r[1] for r in one_runs)
        rows.append(("`lawgov label`, 1 process", w, m, units))
        w2, m2 = statistics.median(r[0] for r in two_runs), max(r[1] for r in two_runs)
        rows.append(("`lawgov label --jobs 2`", w2, m2, units))
        report += [f"## Batch: {args.mb:g} MB of corpus text ({nfiles} files, {chars:,} characters)", "",
                   f"lawgov's rows: median of {args.batch_repeat} runs each (seconds of every run: one process "
                   + ", ".join(f"{r[0]:.1f}" for r in one_runs) + "; `--jobs 2` "
                   + ", ".join(f"{r[0]:.1f}" for r in two_runs) + "); the recipe ran once.", "",
                   "| | seconds | units/s | characters/s | peak RSS (MB) | throughput ratio to recipe |",
                   "|---|---:|---:|---:|---:|---:|"]
        for name, w, m, n in rows:
            report.append(f"| {name} | {w:.1f} | {n / w:,.0f} | {chars / w:,.0f} | {m:.0f} | {base / w:.2f} |")
        report += ["", f"`--jobs 2` vs one process: {rows[1][1] / rows[2][1]:.2f}x.", ""]
        make_input(big, 2 * args.mb)
        wb, mb_, _ = run([exe, "label", str(big), "-q", "-o", str(Path(tmp) / "o3.jsonl")])
        report += [f"Peak RSS of one process at {args.mb:g} MB: {rows[1][2]:.0f} MB; at {2 * args.mb:g} MB: "
                   f"{mb_:.0f} MB (ratio {mb_ / rows[1][2]:.2f}; input is streamed document by document).", ""]
        shutil.rmtree(big)
        recipe_rate, ours_wall = chars / base, rows[1][1]

        # scale curve: one process on fresh inputs of growing size
        if args.scale:
            report += ["## Scale curve (`lawgov label DIR -q -o OUT.jsonl`, 1 process, fresh input of each size)", "",
                       "| MB | files | characters | seconds | characters/s | throughput ratio to recipe "
                       "| characters/s after start-up | peak RSS (MB) |", "|---:|---:|---:|---:|---:|---:|---:|---:|"]
            steady = []
            rates = []
            for i, size_mb in enumerate(args.scale):
                d = Path(tmp) / f"scale{i}"
                n, c = make_input(d, size_mb)
                w, m, _ = run([exe, "label", str(d), "-q", "-o", str(Path(tmp) / f"scale{i}.jsonl")])
                shutil.rmtree(d)
                rates.append(c / w)
                steady.append(c / max(w - o, 1e-9))
                report.append(f"| {size_mb:g} | {n} | {c:,} | {w:.1f} | {c / w:,.0f} | {c / w / recipe_rate:.2f} "
                              f"| {steady[-1]:,.0f} | {m:.0f} |")
            report += ["", f"Characters/s at {args.scale[-1]:g} MB vs at {args.scale[0]:g} MB: "
                       f"{rates[-1] / rates[0]:.2f}x; slowest vs fastest size: {min(rates) / max(rates):.2f}x "
                       f"(the recipe's ratio uses its {args.mb:g} MB figure above). After start-up (the run's "
                       f"seconds minus the cold start above, {o:.2f} s, which a small input does not amortise): "
                       f"{steady[-1] / steady[0]:.2f}x and {min(steady) / max(steady):.2f}x.", ""]

        # Dask route: the batch input on a local cluster, a fresh process per worker count
        if args.dask:
            dask_rows, skipped = [], None
            for n in args.dask:
                w, t = run_dask(n, small)
                if "skipped" in t:
                    skipped = t["skipped"]
                    break
                if t["units"] != units:
                    sys.exit(f"Dask route with {n} worker(s) gave {t['units']} units, `lawgov label` {units}")
                dask_rows.append((n, w, t))
            report += [f"## Dask route ({args.mb:g} MB batch input, `dask.bag` + `label_records`, "
                       "`distributed.LocalCluster`, 1 thread per worker process)", ""]
            if skipped:
                print(f"Dask route skipped: {skipped}", file=sys.stderr)
                report += [f"Skipped: dask/distributed cannot be imported ({skipped}); "
                           "`pip install \".[dask]\"`.", ""]
            else:
                report += ["| workers | partitions | wall seconds | start-up seconds | compute seconds "
                           "| characters/s (compute) | ratio to recipe | ratio to `lawgov label`, 1 process |",
                           "|---:|---:|---:|---:|---:|---:|---:|---:|"]
                for n, w, t in dask_rows:
                    c = t["compute"]
                    report.append(f"| {n} | {t['npartitions']} | {w:.1f} | {t['startup']:.1f} | {c:.1f} "
                                  f"| {chars / c:,.0f} | {base / c:.2f} | {ours_wall / c:.2f} |")
                report += ["", "Wall: the whole fresh process (imports, reading the files, cluster start-up, "
                           "compute, shutdown); start-up: imports, reading and cluster until "
                           "`client.wait_for_workers(N)` returns; compute: `bag.compute()` alone, which includes "
                           "each worker loading the model and gathering every unit dict into the client. "
                           "Ratios are throughputs of the compute; on the wall seconds: "
                           + "; ".join(f"{n} worker(s) {base / w:.2f} to recipe, {ours_wall / w:.2f} to "
                                       "`lawgov label`" for n, w, _ in dask_rows)
                           + f". {units:,} units in every run, as from `lawgov label`.", ""]
    report += [f"Load average (1 min) at the start: {load_before:.2f}; at the end: {os.getloadavg()[0]:.2f} "
               f"({os.cpu_count()} cores).", ""]
    one, two = base / rows[1][1], rows[1][1] / rows[2][1]
    report += ["## Targets (issue #13), from the figures above", "",
               "| target | measured | met |", "|---|---:|---|",
               f"| one process, text files: >= 10x the recipe | {one:.2f}x | {'yes' if one >= 10 else 'no'} |",
               f"| `--jobs 2`: >= 1.8x one process | {two:.2f}x | {'yes' if two >= 1.8 else 'no'} |",
               f"| cold start: <= 0.25x the recipe's | {o / r:.2f} | {'yes' if o / r <= 0.25 else 'no'} |",
               f"| peak memory flat in input size ({2 * args.mb:g} MB vs {args.mb:g} MB) | {mb_ / rows[1][2]:.2f} "
               f"| {'yes' if mb_ / rows[1][2] <= 1.1 else 'no'} |",
               "| predictions identical to before (stored outputs, whole corpus, 1e-9) | "
               "`python -m pytest tests/test_reference.py` | see the test |", ""]
    text = "\n".join(report) + "\n"
    print(text)
    if args.write:
        # what follows the marker in RESULTS.md (notes, stage tables) is kept
        old = (HERE / "RESULTS.md").read_text(encoding="utf-8") if (HERE / "RESULTS.md").exists() else ""
        kept = old[old.index(KEEP):] if KEEP in old else ""
        (HERE / "RESULTS.md").write_text(text + ("\n" + kept if kept else ""), encoding="utf-8")


if __name__ == "__main__":
    main()
