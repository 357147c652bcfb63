"""Aggregate labelled units into per-document counts."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .labels import FUNCTIONS, TOPICS
from .records import Prediction


def summarize(predictions: Iterable[Prediction]) -> list[dict[str, Any]]:
    """Count units per function and per topic for each document, in first-seen order.

    Each row also carries the document's kind and its probability (``""`` and
    0.0 from a model without a document-kind head).

    Examples
    --------
    >>> from lawgov_nlp.records import Prediction
    >>> p = Prediction("d", 0, "t", 0, 1, (), "plan", {}, ("disclosure",))
    >>> summarize([p])[0]["function"]["plan"], summarize([p])[0]["topics"]["disclosure"]
    (1, 1)
    """
    out: dict[str, dict[str, Any]] = {}
    for p in predictions:
        row = out.setdefault(p.doc, {
            "doc": p.doc, "doc_kind": p.doc_kind, "doc_kind_score": p.doc_kind_score, "units": 0,
            "function": dict.fromkeys(FUNCTIONS, 0),
            "topics": dict.fromkeys(TOPICS, 0),
        })
        row["units"] += 1
        row["function"][p.function] += 1
        for t in p.topics:
            row["topics"][t] += 1
    return list(out.values())
