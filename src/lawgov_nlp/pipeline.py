"""The labeller: segmented units in, labelled units out.

It composes the stages (segment -> batch inputs -> features -> classify)
around a trained model: each call makes one :class:`~lawgov_nlp.batch.Batch`
of its units, which the document-kind head and both unit heads read; results
come as records (``label_units``) or as columns (``label_columns``, what the
writers use). It reads no files and prints nothing.
"""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .batch import Batch
from .compiled import CompiledHead, share_blocks
from .errors import ModelError
from .labels import FUNCTIONS, KINDS, TOPICS
from .records import Document, Labelled, Prediction, Unit
from .segment import segment

# What the features of a model mean: bump when features.py changes a feature
# or a stage-2 signal, so that a model trained before is refused, not misread.
# Models record it as meta["features_version"]; models without it are version 1.
FEATURES_VERSION = 1


class Labeller:
    """A trained model: function and topic heads, with and without context.

    Parameters
    ----------
    heads : dict
        ``{"context": {"function": clf, "topics": clf}, "isolated": {...}}``.
    meta : dict
        Provenance and evaluation figures (see :mod:`lawgov_nlp.persist`).
    kind_head : optional
        The document-kind classifier (:mod:`lawgov_nlp.dockind`); every
        prediction then carries its document's kind, and heads trained with
        document kinds read its probabilities.
    """

    def __init__(self, heads: dict[str, dict[str, Any]], meta: dict[str, Any] | None = None,
                 kind_head: Any = None) -> None:
        self.heads = heads
        self.meta = meta or {}
        self.kind_head = kind_head
        share_blocks([h for g in heads.values() for h in g.values()] + [kind_head])

    @classmethod
    def load(cls, path: str | Path) -> Labeller:
        """Load a model directory written by :meth:`save` (plain data, see ``persist``)."""
        from . import persist

        estimators, meta = persist.load(path)
        check_compatible(meta, path)
        missing = {"function", "topics", "function_isolated", "topics_isolated"} - set(estimators)
        if missing:
            raise ModelError(f"{path}: model file lacks the head(s) {', '.join(sorted(missing))}")
        labeller = cls({"context": {"function": estimators["function"],
                                    "topics": estimators["topics"]},
                        "isolated": {"function": estimators["function_isolated"],
                                     "topics": estimators["topics_isolated"]}}, meta,
                       kind_head=estimators.get("doc_kind"))
        if labeller.kind_head is None and any(_reads_kinds(h) for g in labeller.heads.values() for h in g.values()):
            raise ModelError(f"{path}: model heads read document kinds but the model has no document-kind head")
        return labeller

    def save(self, path: str | Path) -> Path:
        """Write the model directory (``meta.json``, ``vocab.json``, ``arrays.npz``)."""
        from . import persist

        heads = {
            "function": self.heads["context"]["function"],
            "topics": self.heads["context"]["topics"],
            "function_isolated": self.heads["isolated"]["function"],
            "topics_isolated": self.heads["isolated"]["topics"],
        }
        if self.kind_head is not None:
            heads["doc_kind"] = self.kind_head
        return persist.save(heads, self.meta, path)

    def kind_proba(self, units: Sequence[Unit], batch: Batch | None = None) -> np.ndarray | None:
        """Each unit's document-kind probabilities (units x kinds), or None without a kind head.

        ``batch`` is a :class:`~lawgov_nlp.batch.Batch` of ``units`` whose inputs the heads share.
        """
        if self.kind_head is None:
            return None
        batch = Batch(units) if batch is None else batch
        if hasattr(self.kind_head, "predict_batch"):
            return self.kind_head.predict_batch(batch)[batch.documents.which]
        return self.kind_head.predict_proba(batch.documents.groups(batch.units))[batch.documents.which]

    def label_units(self, units: Sequence[Unit], context: bool = True) -> list[Prediction]:
        """Label units (of one or several documents, each in order)."""
        return self.label_columns(units, context=context).predictions()

    def label_columns(self, units: Sequence[Unit], context: bool = True) -> Labelled:
        """Label units as :meth:`label_units` does, as columns (no record per unit)."""
        units = list(units)
        if not units:
            return Labelled([], [], np.zeros((0, len(FUNCTIONS))), [], np.zeros((0, len(TOPICS))), [], np.zeros(0))
        heads = self.heads["context" if context else "isolated"]
        batch = Batch(units)  # the feature inputs all heads share, computed once
        K = self.kind_proba(units, batch)
        fproba, tproba = (_proba(heads["function"], units, batch, K), _proba(heads["topics"], units, batch, K))
        if K is not None:
            kinds = np.array(KINDS, dtype=object)[K.argmax(axis=1)].tolist()
            kscore = np.round(K.max(axis=1), 4)
        else:
            kinds, kscore = [""] * len(units), np.zeros(len(units))
        threshold = getattr(heads["topics"], "threshold", 0.5)
        fclasses = [str(c) for c in heads["function"].classes_]
        # scores in FUNCTIONS order (0 for a class the head does not know), rounded once
        fcols = [fclasses.index(c) if c in fclasses else -1 for c in FUNCTIONS]
        fscore = np.round(np.where(np.array(fcols) >= 0, fproba[:, fcols], 0.0), 4)
        tscore = np.round(tproba, 4)
        best = np.array(fclasses, dtype=object)[fproba.argmax(axis=1)].tolist()
        on = tproba >= threshold
        # each distinct combination of topics once (there are at most 2**3)
        combos = [tuple(t for t, yes in zip(TOPICS, row) if yes) for row in np.ndindex(*(2,) * len(TOPICS))]
        code = on.astype(np.int64) @ (2 ** np.arange(len(TOPICS) - 1, -1, -1))
        topics = [combos[c] for c in code.tolist()]
        return Labelled(units, best, fscore, topics, tscore, kinds, kscore)

    def label_document(self, document: Document, context: bool = True) -> list[Prediction]:
        """Segment a document and label every unit."""
        return self.label_units(segment(document), context=context)

    def label_groups(self, groups: Sequence[Sequence[Unit]], context: bool = True,
                     batch_units: int = 4096) -> list[list[Prediction]]:
        """Label several documents, each given as its units in order; one list per group.

        The same predictions as one :meth:`label_units` call per group, but
        groups are labelled together in batches of about ``batch_units`` units,
        which does the per-call array work once per batch. Each group is its own
        document for the context features, even if two share a ``doc`` id.
        """
        return [g.predictions() for g in self.label_groups_columns(groups, context, batch_units)]

    def label_groups_columns(self, groups: Sequence[Sequence[Unit]], context: bool = True,
                             batch_units: int = 4096) -> list[Labelled]:
        """:meth:`label_groups` as columns: one :class:`~lawgov_nlp.records.Labelled` per group."""
        out: list[Labelled] = []
        batch: list[Sequence[Unit]] = []
        docs: set[str] = set()
        size = 0

        def flush() -> None:
            labelled = self.label_columns([u for g in batch for u in g], context=context)
            start = 0
            for g in batch:
                out.append(labelled.part(start, start + len(g)))
                start += len(g)
            batch.clear()
            docs.clear()

        for group in groups:
            ids = {u.doc for u in group}
            if batch and (size >= batch_units or not ids.isdisjoint(docs)):
                flush()
                size = 0
            batch.append(group)
            docs.update(ids)
            size += len(group)
        if batch:
            flush()
        return out


def check_compatible(meta: dict[str, Any], path: Any = "model") -> None:
    """Refuse a model trained on another label set or another version of the features."""
    labels = meta.get("labels", {})
    for head, ours in (("function", FUNCTIONS), ("topics", TOPICS)):
        theirs = labels.get(head)
        if theirs is not None and list(theirs) != list(ours):
            raise ModelError(f"{path}: the model's {head} labels are {', '.join(theirs)}, this version of lawgov_nlp "
                             f"has {', '.join(ours)}; retrain it on a corpus of these labels (`lawgov train`)")
    found = meta.get("features_version", 1)
    if found != FEATURES_VERSION:
        raise ModelError(f"{path}: the model was trained with features version {found!r}, this version of "
                         f"lawgov_nlp computes version {FEATURES_VERSION}; retrain it (`lawgov train`)")


def _reads_kinds(head: Any) -> bool:
    return bool(getattr(head, "n_kinds", 0) or getattr(head, "n_kinds_", 0))


def _proba(head: Any, units: list[Unit], memo: Batch, K: Any) -> Any:
    # A compiled head shares feature inputs through ``memo`` (the batch); a scikit-learn
    # estimator (a labeller fresh from training) takes the units alone. Only
    # heads trained with document kinds are given them.
    K = K if _reads_kinds(head) else None
    if isinstance(head, CompiledHead):
        return head.predict_proba(units, memo=memo, kind_proba=K)
    return head.predict_proba(units, kind_proba=K)
