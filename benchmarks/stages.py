#!/usr/bin/env python3
"""Where the time of `lawgov label` goes: seconds per stage for corpus text.

Usage (from the repository root, after `pip install .`):
    python benchmarks/stages.py [--mb 2]

Labels the corpus text repeated to --mb megabytes (sentences of each repeat
marked, as in speed.py, so caches do not flatter) in one process, with the
model's own stage functions, and prints the seconds each stage takes. A
developer's view for finding the next bottleneck; the ratios against the
usual recipe are in speed.py.
"""
from __future__ import annotations

import argparse
import json
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def documents(mb: float) -> list[tuple[str, str]]:
    texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "corpora" / "raw").glob("*.txt"))]
    out, size, i = [], 0, 0
    while size < mb * 1e6:
        t = texts[i % len(texts)]
        if i >= len(texts):
            t = t.replace("。", f"〔{i // len(texts)}〕。")
        out.append((f"d{i:06d}", t))
        size += len(t.encode("utf-8"))
        i += 1
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mb", type=float, default=2.0)
    args = ap.parse_args()
    from lawgov_nlp import load_model
    from lawgov_nlp.clean import normalize
    from lawgov_nlp.records import Document
    from lawgov_nlp.segment import segment
    from lawgov_nlp.tokenize import _cached, tokenize

    t = time.perf_counter()
    model = load_model()
    model.label_units(segment(Document("warm", "一、工作成效\n全年公开信息12条。")))
    T: dict[str, float] = defaultdict(float)
    T["load model, build tokenizer"] = time.perf_counter() - t
    docs = documents(args.mb)
    chars = sum(len(text) for _, text in docs)

    t = time.perf_counter()
    groups = [segment(Document(name, text)) for name, text in docs]
    T["segment (with normalise for chrome/headings)"] = time.perf_counter() - t
    n = sum(map(len, groups))
    _cached.cache_clear()
    t = time.perf_counter()
    for g in groups:
        for u in g:
            tokenize(u.text)
    T["tokenise unit texts (normalised)"] = time.perf_counter() - t
    normalize.cache_clear()
    _cached.cache_clear()
    heads = model.heads["context"]
    batch: list = []
    for g in groups + [None]:
        if g is not None and sum(map(len, batch)) < 4096:
            batch.append(g)
            continue
        units = [u for b in batch for u in b]
        memo: dict = {}
        for name, head in heads.items():
            offset = 0
            for block in head._blocks:  # the compiled head's feature blocks, in order
                t = time.perf_counter()
                block.scores(units, head._coef[:, offset:offset + block.size], memo)
                T[f"stage 1, {block.type} block {block.input.__name__}" + (f" ({block.analyzer})" if block.type == "tfidf" else "")] += time.perf_counter() - t
                offset += block.size
            t = time.perf_counter()
            head.predict_proba(units, memo=memo)
            T["both heads again: stage 1 with shared inputs + stage 2"] += time.perf_counter() - t
        t = time.perf_counter()
        preds = model.label_units(units)
        T["label_units once more (all stages, warm caches)"] += time.perf_counter() - t
        t = time.perf_counter()
        for p in preds:
            json.dumps(p.to_dict(), ensure_ascii=False)
        T["JSON output"] += time.perf_counter() - t
        batch = [g] if g is not None else []
    print(f"{len(docs)} documents, {n:,} units, {chars:,} characters ({args.mb:g} MB)\n")
    print("| stage | seconds | seconds per MB |\n|---|---:|---:|")
    for k, v in T.items():
        print(f"| {k} | {v:.2f} | {v / args.mb:.2f} |")


if __name__ == "__main__":
    main()
