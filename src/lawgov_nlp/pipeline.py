"""The labeller: segmented units in, labelled units out.

It composes the stages (segment -> features -> classify) around a trained
pair of heads; it reads no files and prints nothing.
"""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .labels import FUNCTIONS, TOPICS
from .records import Document, Prediction, Unit
from .segment import segment


class Labeller:
    """A trained model: function and topic heads, with and without context.

    Parameters
    ----------
    heads : dict
        ``{"context": {"function": clf, "topics": clf}, "isolated": {...}}``.
    meta : dict
        Provenance and evaluation figures (see :mod:`lawgov_nlp.persist`).
    """

    def __init__(self, heads: dict[str, dict[str, Any]], meta: dict[str, Any] | None = None) -> None:
        self.heads = heads
        self.meta = meta or {}

    @classmethod
    def load(cls, path: str | Path) -> Labeller:
        """Load a model directory written by :meth:`save` (plain data, see ``persist``)."""
        from . import persist

        from .errors import ModelError

        estimators, meta = persist.load(path)
        missing = {"function", "topics", "function_isolated", "topics_isolated"} - set(estimators)
        if missing:
            raise ModelError(f"{path}: model file lacks the head(s) {', '.join(sorted(missing))}")
        return cls({"context": {"function": estimators["function"],
                                "topics": estimators["topics"]},
                    "isolated": {"function": estimators["function_isolated"],
                                 "topics": estimators["topics_isolated"]}}, meta)

    def save(self, path: str | Path) -> Path:
        """Write the model directory (``model.skops`` + ``meta.json``)."""
        from . import persist

        heads = {
            "function": self.heads["context"]["function"],
            "topics": self.heads["context"]["topics"],
            "function_isolated": self.heads["isolated"]["function"],
            "topics_isolated": self.heads["isolated"]["topics"],
        }
        return persist.save(heads, self.meta, path)

    def label_units(self, units: Sequence[Unit], context: bool = True) -> list[Prediction]:
        """Label units (of one or several documents, each in order)."""
        units = list(units)
        if not units:
            return []
        heads = self.heads["context" if context else "isolated"]
        fproba = heads["function"].predict_proba(units)
        tproba = heads["topics"].predict_proba(units)
        threshold = getattr(heads["topics"], "threshold", 0.5)
        fclasses = list(heads["function"].classes_)
        out = []
        for u, fp, tp in zip(units, fproba, tproba):
            fscores = {c: round(float(fp[fclasses.index(c)]), 4) if c in fclasses else 0.0 for c in FUNCTIONS}
            tscores = {t: round(float(p), 4) for t, p in zip(TOPICS, tp)}
            out.append(Prediction(
                doc=u.doc, idx=u.idx, text=u.text, start=u.start, end=u.end, section=u.section,
                function=fclasses[int(fp.argmax())],
                function_scores=fscores,
                topics=tuple(t for t, p in zip(TOPICS, tp) if p >= threshold),
                topic_scores=tscores,
            ))
        return out

    def label_document(self, document: Document, context: bool = True) -> list[Prediction]:
        """Segment a document and label every unit."""
        return self.label_units(segment(document), context=context)
