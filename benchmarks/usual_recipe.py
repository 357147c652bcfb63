#!/usr/bin/env python3
"""The usual recipe, as a baseline for speed: the script people write first.

    python benchmarks/usual_recipe.py train [CORPUS] [MODEL]    # fit and joblib.dump
    python benchmarks/usual_recipe.py label MODEL PATH...      # label files, JSONL to stdout

TfidfVectorizer(tokenizer=jieba.lcut) + LinearSVC for the function and
OneVsRest(LinearSVC) for the topics, trained on the same gold corpus, saved
and loaded with joblib, sentences split like the reference splitter.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def lcut(text):
    """jieba.lcut itself cannot be pickled (its Tokenizer holds a lock), so the
    usual script wraps it in a module-level function."""
    import jieba

    return jieba.lcut(text)


def split_units(text):
    import re

    end = re.compile(r"(.*?[。！？!?]+[”’」』）)]*)")
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        pos = 0
        for m in end.finditer(line):
            if m.group(1).strip():
                yield m.group(1).strip()
            pos = m.end()
        if line[pos:].strip():
            yield line[pos:].strip()


def _self():
    # Pickle must find lcut under an importable module name, not __main__.
    sys.path.insert(0, str(HERE))
    import usual_recipe

    return usual_recipe


def train(corpus: Path, out: Path) -> None:
    import joblib
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.multiclass import OneVsRestClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.svm import LinearSVC

    recs = [json.loads(line) for f in sorted((corpus / "gold").glob("*.jsonl")) for line in f.open(encoding="utf-8")]
    texts = [r["text"] for r in recs]
    topics = ("disclosure", "enforcement", "reconsideration")
    fun = make_pipeline(TfidfVectorizer(tokenizer=_self().lcut, token_pattern=None), LinearSVC()).fit(
        texts, [r["function"] for r in recs])
    top = make_pipeline(TfidfVectorizer(tokenizer=_self().lcut, token_pattern=None), OneVsRestClassifier(LinearSVC())).fit(
        texts, [[int(t in r["topics"]) for t in topics] for r in recs])
    out.parent.mkdir(parents=True, exist_ok=True)
    joblib.dump({"function": fun, "topics": top, "topic_names": topics}, out)


def label(model: Path, paths: list[str]) -> None:
    import joblib

    _self()
    m = joblib.load(model)
    for p in paths:
        units = list(split_units(Path(p).read_text(encoding="utf-8")))
        if not units:
            continue
        funs = m["function"].predict(units)
        tops = m["topics"].predict(units)
        for i, (u, f, t) in enumerate(zip(units, funs, tops)):
            sys.stdout.write(json.dumps({"doc": Path(p).stem, "idx": i, "text": u, "function": f,
                                         "topics": [n for n, v in zip(m["topic_names"], t) if v]},
                                        ensure_ascii=False) + "\n")


if __name__ == "__main__":
    if sys.argv[1:2] == ["train"]:
        train(Path(sys.argv[2]) if len(sys.argv) > 2 else HERE.parent / "corpora",
              Path(sys.argv[3]) if len(sys.argv) > 3 else HERE / ".cache" / "recipe.joblib")
    elif sys.argv[1:2] == ["label"]:
        label(Path(sys.argv[2]), sys.argv[3:])
    else:
        sys.exit(__doc__)
