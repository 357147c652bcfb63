#!/usr/bin/env python3
"""Where the time of `lawgov label` goes: seconds per stage, on corpus text, in one process.

Usage (from the repository root, after `pip install .`):
    python benchmarks/stages.py [--mb 2] [--markdown]

Writes corpus text repeated to --mb megabytes as files (sentences of each
repeat marked, as in speed.py, so caches do not flatter), then labels them as
`lawgov label DIR -o OUT.jsonl` does with one process: the CLI's own chunk
function (read, segment, label, render JSONL) on the CLI's work units, one
after the other (without writing the output file). The stage
functions of the pipeline are wrapped with timers that count *exclusive*
time (a stage called inside another is not counted twice), so the rows add
up to the total. A stage is only listed if this version of lawgov_nlp has
it, so the same script shows where the time went before and after a change
(run it with PYTHONPATH pointing at another checkout's src/).
"""
from __future__ import annotations

import argparse
import functools
import importlib
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

# (row label, module, attribute path); a row whose function does not exist is skipped
STAGES = [
    ("read files (bytes -> text)", "lawgov_nlp.read", "read_bytes"),
    ("read files (bytes -> text)", "lawgov_nlp.read", "bytes_to_text"),
    ("segment", "lawgov_nlp.segment", "segment"),
    ("normalise texts (batch)", "lawgov_nlp.clean", "normalize_many"),
    ("tokenise (batch)", "lawgov_nlp.tokenize", "tokenize_many"),
    ("tokenise (batch)", "lawgov_nlp.tokenize", "tokens_of_many"),
    ("tokenise (batch)", "lawgov_nlp.tokenize", "cut_many"),
    ("tokenise (batch)", "lawgov_nlp.tokenize", "roles"),
    ("tokenise (per text)", "lawgov_nlp.tokenize", "tokenize"),
    ("cue pattern scans", "lawgov_nlp.batch", "Batch.counts"),
    ("cue pattern scans", "lawgov_nlp.batch", "Batch.has"),
    ("layout features", "lawgov_nlp.features", "layout_columns"),
    ("layout features", "lawgov_nlp.features", "layout_features"),
    ("document kind: statistics", "lawgov_nlp.dockind", "doc_stats_columns"),
    ("document kind: statistics", "lawgov_nlp.dockind", "doc_stats"),
    ("document kind head (rest)", "lawgov_nlp.pipeline", "Labeller.kind_proba"),
    ("stage 1: feature block", "lawgov_nlp.compiled", "_Block.scores"),
    ("stage 1: sparse products", "lawgov_nlp.compiled", "_dot"),
    ("stage 1: sparse products", "lawgov_nlp.compiled", "_csr"),
    ("stage 2: function", "lawgov_nlp.features", "function_pairs"),
    ("stage 2: topics", "lawgov_nlp.features", "topic_pairs"),
    ("document neighbours and totals", "lawgov_nlp.batch", "Documents.context_means"),
    ("document neighbours and totals", "lawgov_nlp.features", "context_means"),
    ("labeller (rest: heads, softmax, records)", "lawgov_nlp.pipeline", "Labeller.label_units"),
    ("labeller (rest: heads, softmax, records)", "lawgov_nlp.pipeline", "Labeller.label_columns"),
    ("output (render JSONL)", "lawgov_nlp.export", "Writer.write"),
    ("output (render JSONL)", "lawgov_nlp.export", "Writer.write_labelled"),
]

T: dict[str, float] = defaultdict(float)
_stack: list[list[float]] = []  # [start, time spent in nested timed calls]


def _timed(label_of, fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        if _stack and _stack[-1][2] is fn:  # a recursive or re-entrant call: time the outer one only
            return fn(*args, **kwargs)
        _stack.append([time.perf_counter(), 0.0, fn])
        try:
            return fn(*args, **kwargs)
        finally:
            start, nested, _ = _stack.pop()
            spent = time.perf_counter() - start
            T[label_of(args)] += spent - nested
            if _stack:
                _stack[-1][1] += spent
    return wrapper


def _block_label(args) -> str:
    block = args[0]
    kind = f"{block.type}, {block.analyzer}" if block.type == "tfidf" else block.type
    return f"stage 1: {block.input.__name__} ({kind})"


def install() -> list[str]:
    """Wrap every stage function this version has, in every module that imported it by name."""
    found = []
    modules = [m for name, m in sys.modules.items() if name.startswith("lawgov_nlp") and m is not None]
    for label, module, attr in STAGES:
        try:
            mod = importlib.import_module(module)
        except ImportError:  # a module this version does not have
            continue
        owner, _, name = attr.rpartition(".")
        holder = getattr(mod, owner, None) if owner else mod
        fn = getattr(holder, name, None) if holder is not None else None
        if fn is None:
            continue
        found.append(attr)
        label_of = _block_label if attr == "_Block.scores" else (lambda args, label=label: label)
        wrapped = _timed(label_of, fn)
        setattr(holder, name, wrapped)
        if not owner:
            for m in modules:
                if getattr(m, name, None) is fn:
                    setattr(m, name, wrapped)
    return found


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mb", type=float, default=2.0)
    args = ap.parse_args()
    import speed

    import lawgov_nlp
    from lawgov_nlp import cli
    from lawgov_nlp.api import load_model

    with tempfile.TemporaryDirectory() as tmp:
        nfiles, chars = speed.make_input(Path(tmp), args.mb)
        sources = sorted(str(p) for p in Path(tmp).iterdir())
        t = time.perf_counter()
        model = load_model()
        from lawgov_nlp.segment import units_from_texts

        model.label_units(units_from_texts("warm-up", ["一、工作成效", "全年公开信息12条。"]))
        cold = time.perf_counter() - t
        install()
        opts = {"context": True, "encoding": None, "max_bytes": 50 * 1024 * 1024, "input_format": "auto",
                "format": "jsonl", "max_unit_chars": 2000, "level": "sentence"}
        t = time.perf_counter()
        units = 0
        chunks = [sources[i:i + cli._CHUNK] for i in range(0, len(sources), cli._CHUNK)]
        work = cli._work_units(chunks, 1) if hasattr(cli, "_work_units") else [[c] for c in chunks]
        for unit in work:
            for result in cli._label_chunk([s for c in unit for s in c], model, opts):
                units += result[0]
        total = time.perf_counter() - t
    print(f"lawgov_nlp from {Path(lawgov_nlp.__file__).parent}")
    print(f"{nfiles} files, {units:,} units, {chars:,} characters ({args.mb:g} MB); "
          f"load model and first label (not in the table): {cold:.2f} s\n")
    print("| stage | seconds | seconds per MB | share |\n|---|---:|---:|---:|")
    rows = sorted(T.items(), key=lambda kv: -kv[1])
    rest = total - sum(T.values())
    for k, v in rows + [("everything else (CLI chunk loop, JSONL input checks ...)", rest)]:
        print(f"| {k} | {v:.2f} | {v / args.mb:.3f} | {v / total:.0%} |")
    print(f"| **total** | **{total:.2f}** | **{total / args.mb:.3f}** | 100% |")


if __name__ == "__main__":
    main()
