"""Several corpus directories as one training set: distinct ids, weights, per-corpus scores.

A corpus is named by its directory name (``corpora``, ``my_corpus``). Document
ids are kept as they are unless the same id occurs in two corpora; then every
clashing document is renamed ``<corpus>:<doc>`` (in its records too), so no two
documents share an id and no evaluation can put one on both sides.

Documents that are not entirely gold (units an annotator did not review,
``"gold": false`` in their records, see :mod:`lawgov_nlp.annotate`) are left
out of training and evaluation, with a warning naming them: a model learns
only from labels someone decided, and the file keeps every correction for
when the document is finished.

**Weights.** ``weights={"my_corpus": 2}`` repeats each document of that corpus
twice, the copy under a distinct id (``<doc>#2``), so its units count twice in
every loss. Only whole numbers are accepted (a repeat is what they honestly
mean). Copies are added to *training* sets only: in an evaluation, a copy of a
held-out document is never in its training folds. Inside training, stage 2
learns from out-of-fold stage-1 scores grouped by document id, and a document
and its copy may fall in different inner folds, so for the repeated corpus
those scores are a little optimistic — as for two near-identical reports.
"""
from __future__ import annotations

import dataclasses
import warnings
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .corpus import GoldDocument, load_documents
from .errors import InputError, LawgovWarning


@dataclasses.dataclass(frozen=True)
class Corpus:
    """One loaded corpus directory (documents already renamed where ids clash)."""

    name: str
    path: str
    docs: tuple[GoldDocument, ...]
    weight: int = 1
    skipped: tuple[str, ...] = ()   # documents with units nobody reviewed


def corpus_name(path: str | Path) -> str:
    """The name of a corpus: its directory's name."""
    return Path(path).resolve().name


def is_gold(doc: GoldDocument) -> bool:
    """Every unit of the document was reviewed (records without a ``gold`` field are gold)."""
    return all(r.get("gold", True) is not False for r in doc.records)


def parse_weights(items: Sequence[str] | None, names: Sequence[str]) -> dict[str, int]:
    """``["my_corpus=2"]`` -> ``{"my_corpus": 2}``, checked against the corpus names."""
    out: dict[str, int] = {}
    for item in items or ():
        name, sep, value = item.partition("=")
        if not sep:
            raise InputError(f"--weight {item!r}: expected NAME=N (a corpus name and a whole number)")
        if name not in names:
            raise InputError(f"--weight {item!r}: no corpus named {name!r} (corpora: {', '.join(names)})")
        try:
            n = int(value)
        except ValueError:
            raise InputError(f"--weight {item!r}: the weight must be a whole number >= 1 "
                             "(each document is repeated that many times)") from None
        if n < 1:
            raise InputError(f"--weight {item!r}: the weight must be at least 1")
        out[name] = n
    return out


def load_corpora(paths: Sequence[str | Path], weights: Mapping[str, int] | None = None) -> list[Corpus]:
    """Load corpus directories; rename clashing document ids; set aside non-gold documents."""
    paths = [Path(p) for p in paths]
    if not paths:
        raise InputError("no corpus given")
    names = [corpus_name(p) for p in paths]
    dup = [n for n, c in Counter(names).items() if c > 1]
    if dup:
        raise InputError(f"two corpus directories are both named {dup[0]!r}: rename one (the name identifies a corpus)")
    weights = dict(weights or {})
    unknown = set(weights) - set(names)
    if unknown:
        raise InputError(f"weight for unknown corpus {sorted(unknown)[0]!r} (corpora: {', '.join(names)})")
    loaded = [load_documents(p) for p in paths]
    seen = Counter(d.doc for docs in loaded for d in docs)
    out = []
    for name, path, docs in zip(names, paths, loaded):
        renamed = [_renamed(d, f"{name}:{d.doc}") if seen[d.doc] > 1 else d for d in docs]
        keep = tuple(d for d in renamed if is_gold(d))
        skipped = tuple(d.doc for d in renamed if not is_gold(d))
        if skipped:
            warnings.warn(f"{path}: {len(skipped)} document(s) with units nobody reviewed are left out of training "
                          f"({', '.join(skipped[:5])}{' …' if len(skipped) > 5 else ''}); finish them and import again",
                          LawgovWarning, stacklevel=2)
        out.append(Corpus(name, str(path), keep, int(weights.get(name, 1)), skipped))
    if not any(c.docs for c in out):
        raise InputError("no gold document in the given corpora")
    return out


def _renamed(d: GoldDocument, new: str) -> GoldDocument:
    return dataclasses.replace(d, doc=new, records=tuple(dict(r, doc=new) for r in d.records))


def union(corpora: Sequence[Corpus]) -> list[GoldDocument]:
    """All documents once (no repeats), sorted by id."""
    return sorted((d for c in corpora for d in c.docs), key=lambda d: d.doc)


def expand(docs: Sequence[GoldDocument], weight_of: Mapping[str, int]) -> list[GoldDocument]:
    """``docs`` plus ``weight - 1`` copies of each weighted document under ids ``<doc>#2``, ``#3`` …"""
    out = list(docs)
    for d in docs:
        out += [_renamed(d, f"{d.doc}#{k}") for k in range(2, weight_of.get(d.doc, 1) + 1)]
    return out


def weight_of_docs(corpora: Sequence[Corpus]) -> dict[str, int]:
    return {d.doc: c.weight for c in corpora for d in c.docs if c.weight > 1}


def corpora_meta(corpora: Sequence[Corpus]) -> list[dict[str, Any]]:
    """What ``meta.json`` records of each corpus: name, path, hash, size, weight."""
    from .train import corpus_hash

    return [{"name": c.name, "path": c.path, "hash": corpus_hash(c.docs), "documents": len(c.docs),
             "units": sum(len(d.records) for d in c.docs), "weight": c.weight,
             "left_out_not_gold": list(c.skipped)} for c in corpora]


class WeightedFitPredict:
    """A ``fit_predict`` that adds the weighted copies to each *training* set only."""

    def __init__(self, inner: Any, weight_of: Mapping[str, int]) -> None:
        self.inner, self.weight_of = inner, dict(weight_of)

    def __call__(self, train: Sequence[GoldDocument], test: Sequence[GoldDocument]) -> Any:
        return self.inner(expand(train, self.weight_of), test)


def cross_validate_corpora(corpora: Sequence[Corpus], folds: int | str = "lodo", context: bool = True,
                           seed: int = 0, n_jobs: int = 1, **params: Any) -> dict[str, Any]:
    """Out-of-fold scores over the union, overall and per corpus (``result["per_corpus"]``)."""
    from joblib import Parallel, delayed

    from .corpus import document_split, group_folds, leave_one_document_out
    from .evaluate import _truth, labeller_fit_predict, scores

    docs = union(corpora)
    fp = WeightedFitPredict(labeller_fit_predict(context=context, seed=seed, **params), weight_of_docs(corpora))
    if folds == "lodo":
        splits = [(train, [held]) for train, held in leave_one_document_out(docs)]
    elif folds == "split":
        splits = [document_split(docs, test_size=0.2, seed=seed)]
    else:
        splits = list(group_folds(docs, int(folds), seed=seed))
    results = Parallel(n_jobs=n_jobs)(delayed(fp)(train, test) for train, test in splits)
    owner = {d.doc: c.name for c in corpora for d in c.docs}
    y_true: list[str] = []
    y_pred: list[str] = []
    T_true, T_pred, who = [], [], []
    for (_, test), (f, t) in zip(splits, results):
        ft, tt = _truth(test)
        y_true += ft
        y_pred += list(f)
        T_true.append(tt)
        T_pred.append(t)
        who += [owner[d.doc] for d in test for _ in d.records]
    T_true_a, T_pred_a, who_a = np.vstack(T_true), np.vstack(T_pred), np.asarray(who)
    out = scores(y_true, y_pred, T_true_a, T_pred_a)
    out["mode"] = ("leave-one-document-out" if folds == "lodo" else
                   "held-out document split (80/20)" if folds == "split" else f"{folds}-fold by document")
    out["documents"] = len(docs)
    out["per_corpus"] = {}
    yt, yp = np.asarray(y_true, dtype=object), np.asarray(y_pred, dtype=object)
    for c in corpora:
        m = who_a == c.name
        if not m.any():
            continue
        s = scores(list(yt[m]), list(yp[m]), T_true_a[m], T_pred_a[m])
        s["documents"] = len(c.docs)
        out["per_corpus"][c.name] = s
    return out


def format_per_corpus(result: dict[str, Any]) -> str:
    """The per-corpus table of :func:`cross_validate_corpora`."""
    lines = [f"{'corpus':<20}{'docs':>6}{'units':>7}{'function macro-F1':>19}{'accuracy':>10}{'topic micro-F1':>16}"]
    rows = list(result.get("per_corpus", {}).items()) + [("all", result)]
    for name, s in rows:
        lines.append(f"{name:<20}{s['documents']:>6}{s['units']:>7}{s['function_macro_f1']:>19.3f}"
                     f"{s['function_accuracy']:>10.3f}{s['topic_micro_f1']:>16.3f}")
    return "\n".join(lines)
