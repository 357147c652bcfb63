#!/usr/bin/env python3
"""Accuracy of the model against baselines, evaluated by whole documents.

Usage (from the repository root):
    python benchmarks/accuracy.py                 # leave-one-document-out (slow, ~15 min on 2 cores)
    python benchmarks/accuracy.py --folds 10      # 10 grouped folds (quicker)

Prints a table and writes benchmarks/ACCURACY-corpus.md and benchmarks/accuracy.json
(benchmarks/ACCURACY.md is the fresh-split report of benchmarks/fresh.py).
Every system is trained and scored on exactly the same folds: (a) this model
with document context, (b) the same without context, (c) the usual recipe
TfidfVectorizer(tokenizer=jieba.lcut) + LinearSVC, (d) keyword/heading rules.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

from lawgov_nlp.baselines import RuleBaseline, UsualRecipe
from lawgov_nlp.corpus import load_documents
from lawgov_nlp.evaluate import cross_validate, labeller_fit_predict
from lawgov_nlp.labels import FUNCTIONS, TOPICS
from lawgov_nlp.train import corpus_hash

HERE = Path(__file__).resolve().parent


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", default=str(HERE.parent / "corpora"))
    ap.add_argument("--folds", default="lodo", help="'lodo' or a number of grouped folds")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--no-write", action="store_true", help="print only")
    args = ap.parse_args()
    folds = args.folds if args.folds == "lodo" else int(args.folds)
    docs = load_documents(args.corpus)
    systems = {
        "(a) lawgov, context": labeller_fit_predict(context=True),
        "(b) lawgov, no context": labeller_fit_predict(context=False),
        "(c) usual recipe: TF-IDF(jieba.lcut) + LinearSVC": UsualRecipe(),
        "(d) keyword/heading rules": RuleBaseline(),
    }
    results = {}
    for name, fp in systems.items():
        t = time.time()
        res = cross_validate(docs, fp, folds=folds, n_jobs=args.jobs)
        res.pop("predictions")
        res["seconds"] = round(time.time() - t, 1)
        results[name] = res
        print(f"{name:<52} function macro-F1 {res['function_macro_f1']:.3f}  topic micro-F1 "
              f"{res['topic_micro_f1']:.3f}  ({res['seconds']} s)", flush=True)
    mode = next(iter(results.values()))["mode"]
    lines = [
        "# Accuracy",
        "",
        f"{mode} over the gold corpus ({len(docs)} documents, "
        f"{sum(len(d.records) for d in docs)} units, corpus sha256 `{corpus_hash(docs)[:16]}…`). "
        "Every system is trained and scored on the same folds; predictions of all folds are pooled.",
        "",
        f"Command: `python benchmarks/accuracy.py{'' if folds == 'lodo' else f' --folds {folds}'}` "
        f"(machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}).",
        "",
        "| system | function macro-F1 | function accuracy | topic micro-F1 | "
        + " | ".join(f"F1 {f}" for f in FUNCTIONS) + " | " + " | ".join(f"F1 {t}" for t in TOPICS) + " |",
        "|---|---:|---:|---:|" + "---:|" * (len(FUNCTIONS) + len(TOPICS)),
    ]
    for name, r in results.items():
        lines.append(
            f"| {name} | {r['function_macro_f1']:.3f} | {r['function_accuracy']:.3f} | {r['topic_micro_f1']:.3f} | "
            + " | ".join(f"{r['function'][f]['f1']:.3f}" for f in FUNCTIONS) + " | "
            + " | ".join(f"{r['topics'][t]['f1']:.3f}" for t in TOPICS) + " |"
        )
    support = next(iter(results.values()))
    lines += ["", "Support (gold units): " + ", ".join(
        f"{f} {support['function'][f]['support']}" for f in FUNCTIONS) + "; " + ", ".join(
        f"{t} {support['topics'][t]['support']}" for t in TOPICS) + ".", ""]
    lines += ["Confusion matrix of (a) (rows gold, columns predicted):", "",
              "| gold \\ pred | " + " | ".join(FUNCTIONS) + " |", "|---|" + "---:|" * len(FUNCTIONS)]
    a = results["(a) lawgov, context"]
    for lab, row in zip(a["confusion"]["labels"], a["confusion"]["matrix"]):
        lines.append(f"| {lab} | " + " | ".join(str(v) for v in row) + " |")
    text = "\n".join(lines) + "\n"
    print(text)
    if not args.no_write:
        (HERE / "ACCURACY-corpus.md").write_text(text, encoding="utf-8")
        (HERE / "accuracy.json").write_text(json.dumps(results, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
