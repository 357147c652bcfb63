"""What to annotate first: the units and documents the model is least sure of.

Scores are the model's calibrated probabilities (logistic regression, and the
sequence decoder's marginals). A unit's *margin* is the smaller of its
function margin (best minus second-best function score) and its closest
topic decision (``|2p - 1|``: 0 when a topic is a coin toss); its *entropy*
is the larger of the normalised entropy of its function scores and the
largest binary entropy of a topic. Units are listed from the least sure; a
document's figure is the mean over its units (whole documents are what one
annotates and trains on).

Examples
--------
>>> from lawgov_nlp.records import Prediction
>>> sure = Prediction("d", 0, "a", 0, 1, (), "plan", {"plan": 0.98, "other": 0.02}, (), {"disclosure": 0.01})
>>> torn = Prediction("d", 1, "b", 2, 3, (), "plan", {"plan": 0.5, "achievement": 0.45}, (), {"disclosure": 0.1})
>>> [round(uncertainty(p), 2) for p in (sure, torn)]
[0.04, 0.95]
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .records import Prediction


def _scores(p: Any) -> tuple[list[float], list[float]]:
    if isinstance(p, Prediction):
        return list(p.function_scores.values()), list(p.topic_scores.values())
    return list((p.get("function_scores") or {}).values()), list((p.get("topic_scores") or {}).values())


def uncertainty(p: Any, by: str = "margin") -> float:
    """How unsure the model is of a prediction, in ``[0, 1]`` (1: a coin toss)."""
    f, t = _scores(p)
    if by == "margin":
        top = sorted(f, reverse=True) + [0.0, 0.0]
        margins = [top[0] - top[1]] + [abs(2 * q - 1) for q in t]
        return 1.0 - min(margins)
    if by == "entropy":
        total = sum(f) or 1.0
        h = -sum(q / total * math.log(q / total) for q in f if q > 0) / math.log(max(len(f), 2))
        hb = [-(q * math.log(q) + (1 - q) * math.log(1 - q)) / math.log(2) for q in t if 0 < q < 1]
        return max([h] + hb)
    raise ValueError(f"by must be 'margin' or 'entropy', got {by!r}")


def rank(predictions: Sequence[Any], n: int | None = None, by: str = "margin") -> list[tuple[float, Any]]:
    """``(uncertainty, prediction)`` from the least sure, the first ``n``."""
    scored = sorted(((uncertainty(p, by), i, p) for i, p in enumerate(predictions)), key=lambda x: (-x[0], x[1]))
    return [(u, p) for u, _, p in scored[:n]]


def rank_documents(predictions: Sequence[Any], by: str = "margin") -> list[tuple[float, str, int]]:
    """``(mean uncertainty, doc, units)`` per document, the least sure first."""
    docs: dict[str, list[float]] = {}
    for p in predictions:
        doc = p.doc if isinstance(p, Prediction) else str(p["doc"])
        docs.setdefault(doc, []).append(uncertainty(p, by))
    return sorted(((sum(v) / len(v), d, len(v)) for d, v in docs.items()), key=lambda x: (-x[0], x[1]))


def suggest(predictions: Sequence[Any], n: int = 50, by: str = "margin") -> dict[str, Any]:
    """The ``n`` least sure units and every document ranked, as plain data."""
    units = []
    for u, p in rank(predictions, n, by):
        d = p.to_dict() if isinstance(p, Prediction) else dict(p)
        units.append({"doc": d["doc"], "idx": d["idx"], "uncertainty": round(u, 4), "function": d["function"],
                      "topics": list(d["topics"]), "text": d["text"]})
    picked: dict[str, int] = {}
    for u in units:
        picked[u["doc"]] = picked.get(u["doc"], 0) + 1
    docs = [{"doc": d, "mean_uncertainty": round(m, 4), "units": k, "among_suggested": picked.get(d, 0)}
            for m, d, k in rank_documents(predictions, by)]
    return {"by": by, "units": units, "documents": docs}


def suggest_paths(paths: Sequence[str | Path], model: Any, n: int = 50, by: str = "margin") -> dict[str, Any]:
    """Label reports (or read ``lawgov label`` JSONL predictions) and :func:`suggest` over all of them."""
    import json

    from .errors import InputError
    from .read import expand_paths, read_document

    preds: list[Any] = []
    for f in expand_paths([str(p) for p in paths]):
        if Path(f).suffix.lower() == ".jsonl":
            with Path(f).open(encoding="utf-8") as fh:
                rows = [json.loads(line) for line in fh if line.strip()]
            if rows and not all("function_scores" in r for r in rows):
                raise InputError(f"{f}: not lawgov predictions (no function_scores); give the reports or "
                                 "the JSONL output of `lawgov label`")
            preds += rows
        else:
            preds += model.label_document(read_document(f))
    if not preds:
        raise InputError("suggest: no units in the given paths")
    return suggest(preds, n=n, by=by)


def format_suggestions(result: dict[str, Any], docs: int = 10) -> str:
    """A readable list: the least sure documents, then units."""
    lines = [f"least sure documents (mean {result['by']} uncertainty of their units):"]
    for d in result["documents"][:docs]:
        lines.append(f"  {d['mean_uncertainty']:.3f}  {d['doc']}  ({d['units']} units, "
                     f"{d['among_suggested']} among the units below)")
    lines.append(f"\n{len(result['units'])} least sure units:")
    for u in result["units"]:
        lines.append(f"  {u['uncertainty']:.3f}  {u['doc']} #{u['idx']}  {u['function']:<11} "
                     f"{','.join(u['topics']) or '-':<16} {u['text'][:40]}")
    return "\n".join(lines)
