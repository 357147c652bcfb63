"""Evaluate by whole documents: leave-one-document-out, grouped folds, or a held-out split.

Sentences of one report are not independent, so a document is always entirely
on one side. Predictions of all folds are pooled and scored once.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .corpus import GoldDocument, document_split, group_folds, leave_one_document_out
from .labels import FUNCTIONS, TOPICS


def scores(y_true: Sequence[str], y_pred: Sequence[str], T_true: np.ndarray, T_pred: np.ndarray) -> dict[str, Any]:
    """Per-label precision/recall/F1, function macro-F1, topic micro-F1 and confusion matrix."""
    from sklearn.metrics import confusion_matrix, f1_score, precision_recall_fscore_support

    p, r, f, s = precision_recall_fscore_support(y_true, y_pred, labels=list(FUNCTIONS), zero_division=0)
    tp, tr, tf, ts = precision_recall_fscore_support(T_true, T_pred, zero_division=0)
    return {
        "units": len(y_true),
        "function_accuracy": round(float(np.mean(np.asarray(y_true) == np.asarray(y_pred))), 4),
        "function_macro_f1": round(float(f1_score(y_true, y_pred, labels=list(FUNCTIONS), average="macro", zero_division=0)), 4),
        "topic_micro_f1": round(float(f1_score(T_true, T_pred, average="micro", zero_division=0)), 4),
        "function": {lab: {"precision": round(float(p[i]), 4), "recall": round(float(r[i]), 4),
                           "f1": round(float(f[i]), 4), "support": int(s[i])} for i, lab in enumerate(FUNCTIONS)},
        "topics": {lab: {"precision": round(float(tp[i]), 4), "recall": round(float(tr[i]), 4),
                         "f1": round(float(tf[i]), 4), "support": int(ts[i])} for i, lab in enumerate(TOPICS)},
        "confusion": {"labels": list(FUNCTIONS),
                      "matrix": confusion_matrix(y_true, y_pred, labels=list(FUNCTIONS)).tolist()},
    }


def _truth(docs: Sequence[GoldDocument]) -> tuple[list[str], np.ndarray]:
    from .model import topics_to_matrix

    return [f for d in docs for f in d.functions], topics_to_matrix([t for d in docs for t in d.topics])


def cross_validate(
    docs: Sequence[GoldDocument],
    fit_predict: Callable[[Sequence[GoldDocument], Sequence[GoldDocument]], tuple[list[str], np.ndarray]],
    folds: int | str = "lodo",
    seed: int = 0,
    n_jobs: int = 1,
) -> dict[str, Any]:
    """Pool out-of-fold predictions of ``fit_predict(train_docs, test_docs)`` and score them.

    ``folds`` is ``"lodo"`` (one fold per document), ``"split"`` (one seeded
    80/20 document split) or a number of grouped folds.
    """
    from joblib import Parallel, delayed

    if folds == "lodo":
        splits = [(train, [held]) for train, held in leave_one_document_out(docs)]
    elif folds == "split":
        splits = [document_split(docs, test_size=0.2, seed=seed)]
    else:
        splits = list(group_folds(docs, int(folds), seed=seed))
    results = Parallel(n_jobs=n_jobs)(delayed(fit_predict)(train, test) for train, test in splits)
    y_true: list[str] = []
    y_pred: list[str] = []
    T_true, T_pred = [], []
    per_doc = []
    for (train, test), (fp, tpred) in zip(splits, results):
        ft, tt = _truth(test)
        y_true += ft
        y_pred += list(fp)
        T_true.append(tt)
        T_pred.append(tpred)
        per_doc += [d.doc for d in test for _ in d.records]
    out = scores(y_true, y_pred, np.vstack(T_true), np.vstack(T_pred))
    out["mode"] = "leave-one-document-out" if folds == "lodo" else (
        "held-out document split (80/20)" if folds == "split" else f"{folds}-fold by document")
    out["documents"] = len(docs)
    out["predictions"] = {"doc": per_doc, "gold": y_true, "pred": y_pred}
    return out


def labeller_fit_predict(context: bool = True, seed: int = 0, doc_kinds: bool | str = "auto", decode: bool = False,
                         **params: Any) -> Callable[..., tuple[list[str], np.ndarray]]:
    """``fit_predict`` for :func:`cross_validate` using this package's model.

    ``doc_kinds=False, decode=False`` is the design before document kinds and
    sequence decoding (the model shipped until then).
    """
    return _LabellerFitPredict(context, seed, params, doc_kinds, decode)


class _LabellerFitPredict:
    # A class, not a closure, so joblib can send it to worker processes.
    def __init__(self, context: bool, seed: int, params: dict[str, Any], doc_kinds: bool | str = "auto",
                 decode: bool = False) -> None:
        self.context, self.seed, self.params = context, seed, params
        self.doc_kinds, self.decode = doc_kinds, decode

    def __call__(self, train: Sequence[GoldDocument], test: Sequence[GoldDocument]) -> tuple[list[str], np.ndarray]:
        from .model import topics_to_matrix
        from .train import fit

        name = "context" if self.context else "isolated"
        labeller = fit(train, seed=self.seed, doc_kinds=self.doc_kinds if self.context else False,
                       decode=self.decode and self.context, heads=(name,), **self.params)
        preds = labeller.label_units([u for d in test for u in d.units()], context=self.context)
        return [p.function for p in preds], topics_to_matrix([p.topics for p in preds])


def evaluate_labeller(labeller: Any, docs: Sequence[GoldDocument], context: bool = True) -> dict[str, Any]:
    """Score an already trained labeller on documents (which must be unseen by it)."""
    from .model import topics_to_matrix

    units = [u for d in docs for u in d.units()]
    preds = labeller.label_units(units, context=context)
    y_true, T_true = _truth(docs)
    T_pred = topics_to_matrix([p.topics for p in preds])
    out = scores(y_true, [p.function for p in preds], T_true, T_pred)
    out["mode"] = "trained model on held-out documents"
    out["documents"] = len(docs)
    return out


def format_report(result: dict[str, Any]) -> str:
    """A readable text report of :func:`scores` output."""
    lines = [
        f"{result['mode']}: {result['documents']} documents, {result['units']} units",
        f"function macro-F1 {result['function_macro_f1']:.3f}   accuracy {result['function_accuracy']:.3f}   "
        f"topic micro-F1 {result['topic_micro_f1']:.3f}",
        "",
        f"{'label':<16}{'precision':>10}{'recall':>10}{'f1':>8}{'support':>9}",
    ]
    for head in ("function", "topics"):
        for lab, m in result[head].items():
            lines.append(f"{lab:<16}{m['precision']:>10.3f}{m['recall']:>10.3f}{m['f1']:>8.3f}{m['support']:>9}")
    lines += ["", "confusion (rows gold, columns predicted): " + " ".join(l[:4] for l in result["confusion"]["labels"])]
    for lab, row in zip(result["confusion"]["labels"], result["confusion"]["matrix"]):
        lines.append(f"  {lab:<12}" + "".join(f"{v:>6}" for v in row))
    return "\n".join(lines)
