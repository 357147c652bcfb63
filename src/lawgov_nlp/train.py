"""Train the shipped model from a gold corpus (the one code path `lawgov train` and
the notebooks use)."""
from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .corpus import GoldDocument
from .labels import FUNCTIONS, TOPICS
from .pipeline import FEATURES_VERSION, Labeller

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


def fit(docs: Sequence[GoldDocument], seed: int = DEFAULT_SEED, doc_kinds: bool | str = "auto", decode: bool = False,
        heads: Sequence[str] = ("context", "isolated"), **params: Any) -> Labeller:
    """Fit the heads (function/topics x with/without context) on ``docs``.

    With ``doc_kinds`` a document-kind head is fitted too and the context heads
    read out-of-fold kind probabilities; it needs every document's kind
    (``doc_kinds.tsv``). ``"auto"`` (the default) does so when every document
    has a kind and warns and leaves the kind head out otherwise. With
    ``decode`` the function head decodes whole documents as a chain
    (:mod:`lawgov_nlp.decode`). ``heads`` picks which pairs to fit (an
    evaluation of the context mode needs only ``("context",)``).
    """
    from .model import FunctionClassifier, TopicClassifier, topics_to_matrix

    units = [d.units() for d in docs]
    X = [u for us in units for u in us]
    y = [f for d in docs for f in d.functions]
    Y = topics_to_matrix([t for d in docs for t in d.topics])
    kind_head = K = None
    missing = [d.doc for d in docs if not d.kind]
    if doc_kinds == "auto":
        doc_kinds = not missing
        if missing:
            import warnings

            from .errors import LawgovWarning

            warnings.warn(f"{len(missing)} of {len(docs)} documents have no kind (doc_kinds.tsv): "
                          "training without the document-kind head", LawgovWarning, stacklevel=2)
    if doc_kinds:
        from .dockind import DocKindClassifier, oof_kind_proba

        if missing:
            raise ValueError(f"doc_kinds=True needs the kind of every document; none for {', '.join(missing[:5])}"
                             f"{' …' if len(missing) > 5 else ''} (corpora/doc_kinds.tsv)")
        kinds = [d.kind for d in docs]
        kind_head = DocKindClassifier(random_state=seed).fit(units, kinds)
        K_doc = oof_kind_proba(units, kinds, random_state=seed)
        K = K_doc.repeat([len(us) for us in units], axis=0)
    fitted = {}
    for name in heads:
        context = name == "context"
        Kc = K if context else None
        fitted[name] = {
            "function": FunctionClassifier(context=context, random_state=seed, decode=decode and context,
                                           **params).fit(X, y, kind_proba=Kc),
            "topics": TopicClassifier(context=context, random_state=seed, **params).fit(X, Y, kind_proba=Kc),
        }
    return Labeller(fitted, {
        "name": "lawgov-default",
        "labels": {"function": list(FUNCTIONS), "topics": list(TOPICS)},
        "seed": seed,
        "params": params,
        "design": {"doc_kinds": bool(doc_kinds), "decode": bool(decode)},
        "features_version": FEATURES_VERSION,
        "corpus": {"hash": corpus_hash(docs), "documents": len(docs), "units": len(X),
                   "training_docs": sorted(d.doc for d in docs)},
    }, kind_head=kind_head)


def train(corpus: str | Path | Sequence[str | Path], out: str | Path | None = None, seed: int = DEFAULT_SEED,
          eval_folds: int | str | None = DEFAULT_EVAL_FOLDS, n_jobs: int = 1,
          weights: dict[str, int] | None = None, **params: Any) -> Labeller:
    """Train on one or several corpus directories, evaluate by document folds, and save to ``out``.

    The metrics stored in the model are out-of-fold figures (no document is
    scored by a model that saw it); ``eval_folds=None`` skips them. With
    several corpora (or ``weights``, ``{"my_corpus": 2}``: see
    :mod:`lawgov_nlp.multicorpus`), ids that clash are prefixed with the
    corpus name, documents not entirely gold are left out (with a warning),
    ``meta["corpora"]`` lists each corpus with its hash, and the stored
    metrics have a ``per_corpus`` table.
    """
    paths = [corpus] if isinstance(corpus, (str, Path)) else list(corpus)
    if len(paths) == 1 and not weights:
        return _train_one(paths[0], out, seed, eval_folds, n_jobs, **params)
    from . import multicorpus as mc

    corpora = mc.load_corpora(paths, weights)
    docs = mc.union(corpora)
    weight_of = mc.weight_of_docs(corpora)
    started = time.time()
    labeller = fit(mc.expand(docs, weight_of), seed=seed, **params)
    labeller.meta["trained_seconds"] = round(time.time() - started, 1)
    labeller.meta["name"] = "lawgov-" + "+".join(c.name for c in corpora)
    labeller.meta["corpus"] = {"hash": corpus_hash(docs), "documents": len(docs),
                               "units": sum(len(d.records) for d in docs),
                               "training_docs": sorted(d.doc for d in docs),
                               "repeated_units": sum(len(d.records) * (weight_of.get(d.doc, 1) - 1) for d in docs)}
    labeller.meta["corpora"] = mc.corpora_meta(corpora)
    if eval_folds:
        labeller.meta["metrics"] = {
            name: mc.cross_validate_corpora(corpora, folds=eval_folds, context=context, seed=seed,
                                            n_jobs=n_jobs, **params)
            for name, context in (("context", True), ("isolated", False))}
    if out is not None:
        labeller.save(out)
    return labeller


def _train_one(corpus: str | Path, out: str | Path | None, seed: int, eval_folds: int | str | None,
               n_jobs: int, **params: Any) -> Labeller:
    from .evaluate import cross_validate, labeller_fit_predict
    from .multicorpus import corpora_meta, load_corpora

    # the gold documents (an imported corpus may hold documents not yet reviewed)
    loaded = load_corpora([corpus])
    docs = list(loaded[0].docs)
    started = time.time()
    labeller = fit(docs, seed=seed, **params)
    labeller.meta["trained_seconds"] = round(time.time() - started, 1)
    labeller.meta["corpora"] = corpora_meta(loaded)
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
