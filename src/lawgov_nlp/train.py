"""Train the shipped model from a gold corpus (the one code path `lawgov train` and
the notebooks use)."""
from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .corpus import GoldDocument, load_documents
from .labels import FUNCTIONS, TOPICS
from .pipeline import Labeller

DEFAULT_SEED = 0
DEFAULT_EVAL_FOLDS = 10


def corpus_hash(docs: Sequence[GoldDocument]) -> str:
    """SHA-256 over every gold record (text and labels), in document order."""
    h = hashlib.sha256()
    for d in sorted(docs, key=lambda d: d.doc):
        for r in d.records:
            h.update(json.dumps([r["doc"], r["idx"], r["text"], r["function"], r["topics"]],
                                ensure_ascii=False).encode("utf-8"))
    return h.hexdigest()


def fit(docs: Sequence[GoldDocument], seed: int = DEFAULT_SEED, **params: Any) -> Labeller:
    """Fit the four heads (function/topics x with/without context) on ``docs``."""
    from .model import FunctionClassifier, TopicClassifier, topics_to_matrix

    X = [u for d in docs for u in d.units()]
    y = [f for d in docs for f in d.functions]
    Y = topics_to_matrix([t for d in docs for t in d.topics])
    heads = {}
    for name, context in (("context", True), ("isolated", False)):
        heads[name] = {
            "function": FunctionClassifier(context=context, random_state=seed, **params).fit(X, y),
            "topics": TopicClassifier(context=context, random_state=seed, **params).fit(X, Y),
        }
    return Labeller(heads, {
        "name": "lawgov-default",
        "labels": {"function": list(FUNCTIONS), "topics": list(TOPICS)},
        "seed": seed,
        "params": params,
        "corpus": {"hash": corpus_hash(docs), "documents": len(docs), "units": len(X),
                   "training_docs": sorted(d.doc for d in docs)},
    })


def train(corpus: str | Path, out: str | Path | None = None, seed: int = DEFAULT_SEED,
          eval_folds: int | str | None = DEFAULT_EVAL_FOLDS, n_jobs: int = 1, **params: Any) -> Labeller:
    """Train on a corpus directory, evaluate by document folds, and save to ``out``.

    The metrics stored in the model are out-of-fold figures (no document is
    scored by a model that saw it); ``eval_folds=None`` skips them.
    """
    from .evaluate import cross_validate, labeller_fit_predict

    docs = load_documents(corpus)
    started = time.time()
    labeller = fit(docs, seed=seed, **params)
    labeller.meta["trained_seconds"] = round(time.time() - started, 1)
    if eval_folds:
        metrics = {}
        for name, context in (("context", True), ("isolated", False)):
            result = cross_validate(docs, labeller_fit_predict(context=context, seed=seed, **params),
                                    folds=eval_folds, seed=seed, n_jobs=n_jobs)
            result.pop("predictions")
            metrics[name] = result
        labeller.meta["metrics"] = metrics
    if out is not None:
        labeller.save(out)
    return labeller
