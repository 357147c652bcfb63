"""Fault injection, the heavy variant: kill `lawgov label` at random moments and resume.

    python benchmarks/faults.py kills --trials 40     # SIGKILL/SIGINT/SIGTERM, --jobs 1 and 2
    python benchmarks/faults.py disk --trials 10      # file-size limits (RLIMIT_FSIZE) and /dev/full
    python benchmarks/faults.py seg                   # segmentation time against line length

Each kill trial starts a run over an archive (the corpus reports, copied into
several directories), sends a random signal after a random delay, and resumes
with ``--resume`` (killing again at random, up to 3 times) until a run
completes; then it compares the output with an uninterrupted run, record by
record. Results are printed as Markdown rows for benchmarks/RELIABILITY.md.
The tests (tests/test_faults.py) inject the same faults at fixed points.
"""
from __future__ import annotations

import argparse
import os
import random
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpora" / "raw"
SIGNALS = {"SIGKILL": signal.SIGKILL, "SIGINT": signal.SIGINT, "SIGTERM": signal.SIGTERM}


def lawgov_cmd(*args: object) -> list[str]:
    return [sys.executable, "-m", "lawgov_nlp", "label", *map(str, args)]


def make_archive(where: Path, copies: int) -> Path:
    arch = where / "archive"
    files = sorted(CORPUS.glob("*.txt"))
    for c in range(copies):
        d = arch / f"part{c:02d}"
        d.mkdir(parents=True)
        for f in files:
            shutil.copy(f, d / f.name)  # the same names in every part: resume must go by path
    (arch / "part00" / "zz_binary.txt").write_bytes(b"\x00\x01binary" * 300)  # fails in every run
    return arch


def compare(ref: bytes, out: Path) -> dict[str, int]:
    got = out.read_bytes() if out.exists() else b""
    a, b = Counter(ref.splitlines()), Counter(got.splitlines())
    return {"lost": sum((a - b).values()), "duplicated": sum((b - a).values()),
            "identical": int(got == ref),
            "temp_left": sum(1 for p in out.parent.iterdir() if p.name != out.name)}


def cmd_kills(args: argparse.Namespace) -> None:
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        arch = make_archive(tmp, args.copies)
        ref_out = tmp / "ref" / "out.jsonl"
        ref_out.parent.mkdir()
        t0 = time.perf_counter()
        subprocess.run(lawgov_cmd(arch, "-o", ref_out, "-q"), check=False)
        duration = time.perf_counter() - t0
        ref = ref_out.read_bytes()
        two = tmp / "ref2" / "out.jsonl"
        two.parent.mkdir()
        subprocess.run(lawgov_cmd(arch, "-o", two, "-q", "--jobs", "2"), check=False)
        assert two.read_bytes() == ref, "--jobs 2 differs from --jobs 1"
        print(f"archive: {sum(1 for _ in arch.rglob('*.txt'))} files, {len(ref.splitlines())} records, "
              f"{len(ref) / 1e6:.1f} MB; uninterrupted run {duration:.1f} s", file=sys.stderr)
        totals: Counter[str] = Counter()
        per: dict[tuple[str, int], Counter[str]] = {}
        for trial in range(args.trials):
            sig_name = rng.choice(sorted(SIGNALS))
            jobs = rng.choice([1, 2])
            out = tmp / f"t{trial}" / "out.jsonl"
            out.parent.mkdir()
            kills = mid = early = 0
            resume: list[str] = []
            while True:
                proc = subprocess.Popen(lawgov_cmd(arch, "-o", out, "-q", "--jobs", jobs, *resume),
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
                if kills < args.max_kills:
                    time.sleep(rng.uniform(0, duration * 1.1))
                    if proc.poll() is None:
                        proc.send_signal(SIGNALS[sig_name])
                        kills += 1
                        mid += (out.parent / "out.jsonl.part.idx").exists()
                _, err = proc.communicate()
                if sig_name == "SIGKILL":  # the workers exit by themselves; make sure before resuming
                    _wait_group_gone(proc.pid)
                if proc.returncode in (0, 1):
                    break
                started = (out.parent / "out.jsonl.part").exists()
                if sig_name == "SIGKILL" or not started:
                    # a signal during interpreter start-up, before lawgov's handlers, ends Python as it would
                    # end any program; nothing has been written yet
                    assert proc.returncode in (-SIGNALS[sig_name], 128 + SIGNALS[sig_name]), proc.returncode
                    early += not started
                else:
                    assert proc.returncode == 128 + SIGNALS[sig_name], (proc.returncode, err.decode()[-500:])
                    assert re.fullmatch(rb"lawgov: interrupted \(SIG\w+\): \d+ document\(s\) are safe in .*\n",
                                        err), err
                resume = ["--resume"]
            res = compare(ref, out)
            res.update(trials=1, kills=kills, mid_run=mid, before_start=early)
            totals.update(res)
            per.setdefault((sig_name, jobs), Counter()).update(res)
            print(f"trial {trial}: {sig_name} --jobs {jobs}: {kills} kill(s), {dict(res)}", file=sys.stderr)
            shutil.rmtree(out.parent)
        print("| signal | --jobs | trials | kills (journal open at the kill / during start-up) | identical "
              "| records lost | duplicated | temp files left |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|")
        for (s, j), c in sorted(per.items()):
            print(f"| {s} | {j} | {c['trials']} | {c['kills']} ({c['mid_run']} / {c['before_start']}) "
                  f"| {c['identical']}/{c['trials']} | {c['lost']} | {c['duplicated']} | {c['temp_left']} |")
        print(f"| **all** | | {totals['trials']} | {totals['kills']} ({totals['mid_run']} / {totals['before_start']}) | "
              f"{totals['identical']}/{totals['trials']} | {totals['lost']} | {totals['duplicated']} | "
              f"{totals['temp_left']} |")


def _wait_group_gone(pgid: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    raise AssertionError(f"processes of group {pgid} outlived their killed parent")


def cmd_disk(args: argparse.Namespace) -> None:
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        arch = make_archive(tmp, args.copies)
        ref_out = tmp / "ref" / "out.jsonl"
        ref_out.parent.mkdir()
        subprocess.run(lawgov_cmd(arch, "-o", ref_out, "-q"), check=False)
        ref = ref_out.read_bytes()
        ok = intact = clear = 0
        for trial in range(args.trials):
            out = tmp / f"d{trial}" / "out.jsonl"
            out.parent.mkdir()
            out.write_bytes(b'{"doc": "earlier", "idx": 0}\n')  # an earlier output, to be kept intact
            limit = rng.randrange(1, len(ref))

            def cap(limit: int = limit) -> None:
                resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

            r = subprocess.run(lawgov_cmd(arch, "-o", out, "-q", "--jobs", rng.choice([1, 2])),
                               capture_output=True, preexec_fn=cap)
            err = r.stderr.decode()
            clear += r.returncode == 2 and len(err.splitlines()) == 1 and "File too large" in err \
                and "Traceback" not in err
            intact += out.read_bytes() == b'{"doc": "earlier", "idx": 0}\n'
            subprocess.run(lawgov_cmd(arch, "-o", out, "-q", "--resume"), capture_output=True)
            res = compare(ref, out)
            ok += res["identical"] and not res["temp_left"]
            print(f"trial {trial}: limit {limit} bytes: rc {r.returncode}, {err.strip()[:90]}... {res}",
                  file=sys.stderr)
            shutil.rmtree(out.parent)
        r = subprocess.run(lawgov_cmd(CORPUS / "004_2ae3d34c1a1508fa.txt", "-o", "/dev/full"), capture_output=True)
        print(f"| file-size limit (RLIMIT_FSIZE, random 1 B..{len(ref)} B) | {args.trials} | "
              f"clear one-line error: {clear}/{args.trials}; earlier output intact: {intact}/{args.trials}; "
              f"after --resume identical, no temp files: {ok}/{args.trials} |")
        print(f"| -o /dev/full | 1 | rc {r.returncode}: `{r.stderr.decode().strip()}` |")


def cmd_seg(args: argparse.Namespace) -> None:
    sys.path.insert(0, str(ROOT / "src"))
    from lawgov_nlp import load_model
    from lawgov_nlp.records import Document
    from lawgov_nlp.segment import iter_spans, segment

    old_end = re.compile(r"(.*?[。！？!?]+[”’」』）)]*)")  # the pattern before issue 15

    def old_spans(line: str) -> int:
        return len([m.span(1) for m in old_end.finditer(line)])

    model = load_model()
    normal = "".join(p.read_text(encoding="utf-8") for p in sorted(CORPUS.glob("*.txt")))
    print("| characters | old pattern, line without 。 | segment, line without 。 | segment, normal text "
          "| label, line without 。 | label, normal text |")
    print("|---:|---:|---:|---:|---:|---:|")
    for n in (1_000, 10_000, 100_000, 1_000_000):
        line = ("政务公开执法检查，" * (n // 9 + 1))[:n]
        text = (normal * (n // len(normal) + 1))[:n]
        old = _time(lambda: old_spans(line)) if n <= 24_000 else None
        seg_line = _time(lambda: list(iter_spans(line)))
        seg_text = _time(lambda: list(iter_spans(text)))
        lab_line = _time(lambda: model.label_units(segment(Document("x", line))))
        lab_text = _time(lambda: model.label_units(segment(Document("x", text))))
        print(f"| {n:,} | {'%.3f s' % old if old is not None else '(skipped)'} | {seg_line:.4f} s | {seg_text:.4f} s "
              f"| {lab_line:.2f} s | {lab_text:.2f} s |")


def _time(fn) -> float:
    best = float("inf")
    for _ in range(2):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="what", required=True)
    for name in ("kills", "disk"):
        s = sub.add_parser(name)
        s.add_argument("--trials", type=int, default=40 if name == "kills" else 10)
        s.add_argument("--copies", type=int, default=4, help="copies of the corpus reports in the archive")
        s.add_argument("--max-kills", type=int, default=3, help="kills per trial before a run may finish")
        s.add_argument("--seed", type=int, default=0)
    sub.add_parser("seg")
    args = p.parse_args()
    {"kills": cmd_kills, "disk": cmd_disk, "seg": cmd_seg}[args.what](args)


if __name__ == "__main__":
    main()
