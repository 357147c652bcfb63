"""Document kind: the units of whole documents in, one kind (and its probabilities) per document out.

The kinds are those of GUIDELINE-NOTES rule 42 (:data:`lawgov_nlp.labels.KINDS`):
annual report, duty report, plan or directive, notice, rectification,
disclosure annual report, sector report, interpretation, commentary, news,
other. A document's kind shows in its title and opening lines (the genre words
报告, 方案, 要点, 年报, 解读 …) and in statistics of its whole text: how many of
its units carry the cue words of each function, how many sit under a part
heading of each function, how many headings, figures and chrome lines it has.
The classifier is a one-vs-rest logistic regression over both (liblinear: a
multinomial fit over 20,000 n-grams took 20x longer for no better kinds); the
unit heads read its probabilities (the function of a tenseless measure line depends on
whether its document is a plan or a report).
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .clean import normalize
from .labels import FUNCTIONS, KINDS
from .records import Unit

_HEAD_UNITS = 4     # opening units read as text, besides the title
_HEAD_CHARS = 240   # and at most this many characters of them


def doc_texts(docs: Sequence[Sequence[Unit]]) -> list[str]:
    """The title, the opening units and the top headings of each document, as one string."""
    out = []
    for units in docs:
        if not units:
            out.append("")
            continue
        opening = "".join(u.text for u in units[:_HEAD_UNITS] if not u.chrome)[:_HEAD_CHARS]
        heads = " ".join(u.text[:20] for u in units if u.is_heading and u.heading_level <= 2)[:_HEAD_CHARS]
        out.append(f"{units[0].title} {opening} {heads}")
    return out


def doc_stats(docs: Sequence[Sequence[Unit]]) -> list[dict[str, float]]:
    """Whole-document statistics: shares of units with each function's cue words, part, figures …"""
    from .features import FUNCTION_CUES, _STAT, section_cue

    rows = []
    for units in docs:
        n = max(len(units), 1)
        f: dict[str, float] = {}
        norms = [normalize(u.text) for u in units]
        for label, pattern in FUNCTION_CUES.items():
            f[f"cue_share={label}"] = sum(bool(pattern.search(t)) for t in norms) / n
        parts = [section_cue(u) for u in units]
        for label in FUNCTIONS:
            f[f"part_share={label}"] = parts.count(label) / n
        f["part_share=none"] = parts.count("") / n
        f["heading_share"] = sum(u.is_heading for u in units) / n
        f["chrome_share"] = sum(u.chrome for u in units) / n
        f["stat_share"] = sum(bool(_STAT.search(t)) for t in norms) / n
        f[f"units={min(len(units) // 10, 6)}"] = 1.0
        rows.append(f)
    return rows


def doc_stats_columns(batch: Any) -> dict[str, np.ndarray]:
    """``doc_stats`` of the documents of a batch as columns (one value per document, first-seen order).

    Counts come from the batch's shared cue scans and section cues, summed per
    document; the values are those of :func:`doc_stats`.
    """
    from .features import FUNCTION_CUES, _STAT

    docs = batch.documents
    n = np.maximum(docs.sizes, 1).astype(float)
    cols: dict[str, np.ndarray] = {}
    for label, pattern in FUNCTION_CUES.items():
        cols[f"cue_share={label}"] = docs.counts(batch.has(pattern)) / n
    parts = batch.section_cues
    for label in FUNCTIONS:
        cols[f"part_share={label}"] = docs.counts(parts == label) / n
    cols["part_share=none"] = docs.counts(parts == "") / n
    cols["heading_share"] = docs.counts(batch.flags("is_heading")) / n
    cols["chrome_share"] = docs.counts(batch.flags("chrome")) / n
    cols["stat_share"] = docs.counts(batch.has(_STAT)) / n
    size = np.minimum(docs.sizes // 10, 6)
    for v in dict.fromkeys(size.tolist()):
        cols[f"units={v}"] = (size == v).astype(float)
    return cols


def by_document(units: Sequence[Unit]) -> tuple[list[list[Unit]], np.ndarray]:
    """Group units by their ``doc`` (first-seen order); the group index of every unit."""
    from .batch import Documents

    docs = Documents(units)
    return docs.groups(units), docs.which


class DocKindClassifier:
    """Predict the kind of each document from its units (scikit-learn, for training).

    ``fit(docs, kinds)`` takes a list of documents, each the list of its units,
    and their gold kinds; ``predict_proba`` returns one row per document in
    :data:`KINDS` order (0 for a kind absent from training).
    """

    def __init__(self, C: float = 4.0, random_state: int = 0) -> None:
        self.C = C
        self.random_state = random_state

    def _pipeline(self) -> Any:
        from sklearn.feature_extraction import DictVectorizer
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.multiclass import OneVsRestClassifier
        from sklearn.pipeline import FeatureUnion, Pipeline, make_pipeline
        from sklearn.preprocessing import FunctionTransformer

        union = FeatureUnion([
            ("doctext", make_pipeline(
                FunctionTransformer(doc_texts),
                TfidfVectorizer(analyzer="char", preprocessor=normalize, ngram_range=(1, 3),
                                min_df=2, sublinear_tf=True, max_features=20000))),
            ("docstats", make_pipeline(FunctionTransformer(doc_stats), DictVectorizer())),
        ])
        clf = OneVsRestClassifier(LogisticRegression(C=self.C, solver="liblinear", class_weight="balanced",
                                                     random_state=self.random_state))
        return Pipeline([("features", union), ("clf", clf)])

    def fit(self, docs: Sequence[Sequence[Unit]], kinds: Sequence[str]) -> DocKindClassifier:
        unknown = sorted(set(kinds) - set(KINDS))
        if unknown:
            raise ValueError(f"unknown document kinds {unknown}; expected one of {list(KINDS)}")
        if len(docs) != len(kinds):
            raise ValueError(f"{len(docs)} documents but {len(kinds)} kinds")
        self.pipeline_ = self._pipeline().fit(list(docs), list(kinds))
        self.classes_ = np.array(KINDS, dtype=object)
        return self

    def predict_proba(self, docs: Sequence[Sequence[Unit]]) -> np.ndarray:
        if not len(docs):
            return np.zeros((0, len(KINDS)))
        P = self.pipeline_.predict_proba(list(docs))
        full = np.zeros((len(docs), len(KINDS)))
        for j, c in enumerate(self.pipeline_.named_steps["clf"].classes_):
            full[:, KINDS.index(c)] = P[:, j]
        return full


def oof_kind_proba(docs: Sequence[Sequence[Unit]], kinds: Sequence[str], folds: int = 5,
                   C: float = 4.0, random_state: int = 0) -> np.ndarray:
    """Out-of-fold kind probabilities of training documents (what the unit heads learn from).

    The unit heads must learn how far to trust a *predicted* kind, so they are
    trained on kinds predicted by a classifier that did not see the document.
    """
    from sklearn.model_selection import StratifiedKFold, KFold

    out = np.zeros((len(docs), len(KINDS)))
    kinds = list(kinds)
    counts = {k: kinds.count(k) for k in set(kinds)}
    n = min(folds, len(docs))
    if min(counts.values()) >= n:
        splits = StratifiedKFold(n, shuffle=True, random_state=random_state).split(docs, kinds)
    else:
        splits = KFold(n, shuffle=True, random_state=random_state).split(docs)
    for tr, te in splits:
        clf = DocKindClassifier(C=C, random_state=random_state).fit([docs[i] for i in tr], [kinds[i] for i in tr])
        out[te] = clf.predict_proba([docs[i] for i in te])
    return out


# ------------------------------------------------------------ compiled form


def compile_kind_head(est: DocKindClassifier) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """``(spec, arrays)`` of a fitted :class:`DocKindClassifier`, plain data only."""
    from .compiled import compile_blocks

    spec: dict[str, Any] = {"kind": "doc_kind", "classes": list(KINDS)}
    spec["blocks"], arrays = compile_blocks(est.pipeline_.named_steps["features"])
    clf = est.pipeline_.named_steps["clf"]
    width = sum(len(b["vocabulary"]) for b in spec["blocks"])
    coef = np.zeros((len(KINDS), width))
    intercept = np.full(len(KINDS), -30.0)  # a kind never seen in training is never predicted
    for c, e in zip(clf.classes_, clf.estimators_):
        if hasattr(e, "coef_"):
            coef[KINDS.index(c)], intercept[KINDS.index(c)] = e.coef_.ravel(), e.intercept_[0]
        else:  # _ConstantPredictor (two kinds in training: one estimator answers for both)
            intercept[KINDS.index(c)] = 30.0 if float(np.ravel(e.y_)[0]) else -30.0
    if len(clf.classes_) == 1:  # one kind in training: it is always the answer
        intercept[KINDS.index(clf.classes_[0])] = 30.0
    elif len(clf.classes_) == 2:  # a binary problem: one estimator, for the second kind
        e = clf.estimators_[0]
        first, second = (KINDS.index(c) for c in clf.classes_)
        coef[second], intercept[second] = e.coef_.ravel(), e.intercept_[0]
        coef[first], intercept[first] = -e.coef_.ravel(), -e.intercept_[0]
    arrays["coef"], arrays["intercept"] = coef, intercept
    return spec, arrays


class CompiledKindHead:
    """The document-kind head restored from a saved model (numpy only)."""

    def __init__(self, spec: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        from .compiled import _Block
        from .errors import ModelError

        try:
            self.kind = "doc_kind"
            self.classes_ = np.array(spec["classes"], dtype=object)
            self._blocks = [_Block(b, arrays.get(f"{b['name']}.idf")) for b in spec["blocks"]]
            self._coef = np.asarray(arrays["coef"], dtype=np.float64)
            self._intercept = np.asarray(arrays["intercept"], dtype=np.float64)
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelError(f"incomplete or invalid document-kind head ({exc})") from None
        if list(self.classes_) != list(KINDS):
            raise ModelError(f"document-kind head has kinds {list(self.classes_)}, expected {list(KINDS)}")
        width = sum(b.size for b in self._blocks)
        if self._coef.shape != (len(KINDS), width):
            raise ModelError(f"document-kind head: coefficients {self._coef.shape} do not match "
                             f"{len(KINDS)} kinds x {width} features")
        from .compiled import _split_coef

        self._coefT = _split_coef(self._coef, self._blocks)

    def predict_proba(self, docs: Sequence[Sequence[Unit]]) -> np.ndarray:
        """Kind probabilities of each document given as the list of its units (documents x kinds)."""
        if not len(docs):
            return np.zeros((0, len(KINDS)))
        from .batch import Batch
        from .records import Unit

        # a batch of all units, each group one document (whatever ``doc`` ids its units carry)
        units = [Unit(**{**u.__dict__, "doc": str(i)}) for i, g in enumerate(docs) for u in g]
        P = self.predict_batch(Batch(units))
        out = np.zeros((len(docs), len(KINDS)))
        nonempty = [i for i, g in enumerate(docs) if len(g)]
        out[nonempty] = P
        if len(nonempty) < len(docs):  # a document without units: the kinds of an empty text
            out[[i for i, g in enumerate(docs) if not len(g)]] = self._empty()
        return out

    def predict_batch(self, batch: Any) -> np.ndarray:
        """Kind probabilities of the documents of a :class:`~lawgov_nlp.batch.Batch` (first-seen order)."""
        from .compiled import _dot_blocks

        if not batch.n:
            return np.zeros((0, len(KINDS)))
        s = _dot_blocks(self._blocks, self._coefT, self._intercept, batch)
        # one-vs-rest, normalised as OneVsRestClassifier.predict_proba does
        p = 1.0 / (1.0 + np.exp(-s))
        return p / p.sum(axis=1, keepdims=True)

    def _empty(self) -> np.ndarray:
        from .compiled import _dot

        s = self._intercept.copy()
        for block, w in zip(self._blocks, self._coefT):
            if block.type == "dict":  # the statistics of no units; a text block has no n-gram of ""
                rows, cols, vals = block.dict_matrix(doc_stats([[]]))
                s = s + _dot(1, rows, cols, vals, w)[0]
        p = 1.0 / (1.0 + np.exp(-s))
        return p / p.sum()
