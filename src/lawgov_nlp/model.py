"""The two classification heads: function (one of five) and topics (multi-label).

Both are scikit-learn estimators (``fit``/``predict``/``predict_proba``,
``clone``-able, usable in ``Pipeline`` and ``GridSearchCV``). ``X`` is a list of
:class:`~lawgov_nlp.records.Unit` records, which carry the context (section
path, position, title) that the document-aware mode uses.

Document awareness works in two stages. Stage 1 is a linear model over the
unit's own text, its section headings and the document title. Stage 2 reads
the unit's place in its document: stage-1 scores of its neighbours and of the
whole document, the part of the report its headings name (ANNOTATION.md
rules 1 and 3), the guideline's cue words in the unit, and how often they
occur around it and in its whole document (a plan without headings is full of
plan cues, an annual report of figures). Stage 2 is *class-symmetric*: one
weight per signal shared by all classes ("the section names class k" counts
the same for every k), so structure helps a class with a handful of examples
(``cause``) as much as a frequent one. Stage 2 is trained on out-of-fold
stage-1 scores, grouped by document, so it learns how far to trust stage 1 on
unseen documents.

Given the document-kind probabilities of each unit's document
(:mod:`lawgov_nlp.dockind`, ``kind_proba``), stage 2 also reads how much more
or less common each class is in that kind of document than overall
(``features.kind_log_ratio``), still with one weight for all classes. With
``decode=True`` the function head then decodes each document as a linear
chain (:mod:`lawgov_nlp.decode`); measured on grouped folds it did not help,
so the shipped model does not use it.
"""
from __future__ import annotations

import numbers
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold, cross_val_predict
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted

from .features import build_features, function_pairs, kind_log_ratio, topic_pairs
from .labels import FUNCTIONS, TOPICS
from .records import Unit


def _check_units(X: Any) -> Sequence[Unit]:
    if isinstance(X, (str, bytes)) or not isinstance(X, Sequence):
        raise TypeError(f"X must be a sequence of Unit records, got {type(X).__name__}")
    for u in X[:1]:
        if not isinstance(u, Unit):
            raise TypeError(f"X must contain Unit records, got {type(u).__name__}")
    return X


def _drop_pruned_terms(pipeline: Pipeline) -> Pipeline:
    """Delete the vectorisers' ``stop_words_`` (every term min_df/max_features cut).

    scikit-learn keeps them only for introspection; they would make up most of
    the saved model and its load time.
    """
    for _, part in pipeline.named_steps["features"].transformer_list:
        for step in part.named_steps.values():
            if hasattr(step, "stop_words_"):
                del step.stop_words_
    return pipeline


class _TwoStage(ClassifierMixin, BaseEstimator):
    """Shared machinery of both heads (see the module docstring)."""

    def _stage1(self) -> Pipeline:
        clf = OneVsRestClassifier(LogisticRegression(
            C=self.C, solver="liblinear", class_weight=self.class_weight,
            random_state=self.random_state))
        return Pipeline([("features", build_features(self.context)), ("clf", clf)])

    def _fit_stages(self, X: Sequence[Unit], y: Any) -> np.ndarray | None:
        """Fit stage 1; return its out-of-fold scores (None without context)."""
        for name, low in (("window", 0), ("inner_folds", 2)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < low:
                raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
        if not self.C > 0:
            raise ValueError(f"C must be positive, got {self.C!r}")
        groups = [u.doc for u in X]
        n_docs = len(set(groups))
        if self.context and n_docs < 2:
            raise ValueError("context=True needs units from at least 2 documents to fit")
        self.stage1_ = _drop_pruned_terms(self._stage1().fit(list(X), y))
        if not self.context:
            return None
        cv = GroupKFold(n_splits=min(self.inner_folds, n_docs))
        with warnings.catch_warnings():
            # A rare class (cause) is often absent from an inner training fold;
            # its out-of-fold score is then 0, which function_pairs clips on purpose.
            warnings.filterwarnings("ignore", message="Number of classes in training fold")
            return cross_val_predict(self._stage1(), list(X), y, groups=groups, cv=cv,
                                     method="predict_proba")

    def _stage1_proba(self, X: Sequence[Unit]) -> np.ndarray:
        return self.stage1_.predict_proba(list(X))


class FunctionClassifier(_TwoStage):
    """Predict the function of each unit: achievement, problem, cause, plan or other.

    Parameters
    ----------
    context : bool
        Use the unit's place in its document (section path, title, neighbours,
        the part named by its heading). ``False`` labels isolated sentences.
    C : float
        Inverse regularisation strength of the stage-1 logistic regressions.
    class_weight : str or None
        Passed to the stage-1 logistic regressions.
    window : int
        Neighbours on each side whose scores stage 2 reads.
    inner_folds : int
        Document-grouped folds for the out-of-fold scores stage 2 learns from.
    random_state : int
        Seed, for reproducible training.
    decode : bool
        Decode whole documents with a linear-chain CRF over the stage-2 scores
        (needs ``context=True``).

    Examples
    --------
    >>> from lawgov_nlp.segment import units_from_texts
    >>> X = units_from_texts("a", ["一、主要成效", "全年办结案件12件。", "二、存在的不足", "人员不足。"])
    >>> X += units_from_texts("b", ["一、工作成效", "共培训3次。", "二、下一步计划", "将加强培训。"])
    >>> clf = FunctionClassifier(context=False).fit(X, ["achievement", "achievement", "problem",
    ...     "problem", "achievement", "achievement", "plan", "plan"])
    >>> clf.predict_proba(X).shape  # always the five functions, even if unseen in training
    (8, 5)
    """

    def __init__(self, context: bool = True, C: float = 16.0, class_weight: str | None = "balanced",
                 window: int = 2, inner_folds: int = 4, random_state: int = 0, decode: bool = False) -> None:
        self.context = context
        self.C = C
        self.class_weight = class_weight
        self.window = window
        self.inner_folds = inner_folds
        self.random_state = random_state
        self.decode = decode

    def fit(self, X: Sequence[Unit], y: Sequence[str], kind_proba: np.ndarray | None = None) -> FunctionClassifier:
        """Fit both stages (and the sequence decoder with ``decode=True``).

        ``kind_proba`` (units x kinds) is each unit's document-kind
        probabilities, out of fold for training documents; with it, stage 2
        reads the document kind (and ``predict_proba`` needs it too).
        """
        X = _check_units(X)
        y = np.asarray(y, dtype=object)
        if len(X) != len(y):
            raise ValueError(f"X has {len(X)} units but y has {len(y)} labels")
        unknown = sorted(set(y) - set(FUNCTIONS))
        if unknown:
            raise ValueError(f"unknown function labels {unknown}; expected one of {list(FUNCTIONS)}")
        oof = self._fit_stages(X, y)
        # Always the full label set, in FUNCTIONS order: stage 2 can predict a
        # class that stage 1 never saw (its stage-1 score is 0).
        self.classes_ = np.array(FUNCTIONS, dtype=object)
        self.prior_ = np.array([((y == c).sum() + 1) / (len(y) + len(FUNCTIONS)) for c in FUNCTIONS])
        self.n_kinds_ = 0 if kind_proba is None else int(np.asarray(kind_proba).shape[1])
        if oof is not None:
            target = (np.asarray(y)[:, None] == self.classes_[None, :]).astype(int)
            KL = None
            if kind_proba is not None:
                K = np.asarray(kind_proba, dtype=float)
                self.kind_ratio_ = kind_log_ratio(K, target, self.prior_)
                KL = K @ self.kind_ratio_
            target = target.ravel()
            oof = self._full(oof, self.stage1_.classes_)
            Z = function_pairs(X, oof, self.classes_, self.prior_, self.window, KL)
            self.stage2_ = LogisticRegression(C=1.0, max_iter=1000).fit(Z, target)
            if self.decode:
                self._fit_decoder(X, Z, target, y)
        elif self.decode:
            raise ValueError("decode=True needs context=True")
        return self

    def _fit_decoder(self, X: Sequence[Unit], Z: np.ndarray, target: np.ndarray, y: np.ndarray) -> None:
        """Fit the chain on out-of-fold stage-2 scores (stage 2 refitted per inner fold)."""
        from . import decode

        k = len(self.classes_)
        groups = [u.doc for u in X]
        oof2 = np.zeros((len(X), k))
        cv = GroupKFold(n_splits=min(self.inner_folds, len(set(groups))))
        for tr, te in cv.split(np.zeros(len(X)), groups=groups):
            rows_tr = (tr[:, None] * k + np.arange(k)).ravel()
            rows_te = (te[:, None] * k + np.arange(k)).ravel()
            lr = LogisticRegression(C=1.0, max_iter=1000).fit(Z[rows_tr], target[rows_tr])
            oof2[te] = _softmax(lr.decision_function(Z[rows_te]).reshape(len(te), k))
        yi = np.array([list(self.classes_).index(c) for c in y])
        heading = np.array([u.is_heading for u in X], dtype=np.int64)
        self.decode_scale_, self.decode_T_ = decode.fit(
            oof2, yi, decode.groups_of(groups, [u.idx for u in X]), heading)

    def predict_proba(self, X: Sequence[Unit], kind_proba: np.ndarray | None = None) -> np.ndarray:
        check_is_fitted(self, "stage1_")
        X = _check_units(X)
        if len(X) == 0:
            return np.zeros((0, len(self.classes_)))
        P = self._full(self._stage1_proba(X), self.stage1_.classes_)
        if not self.context:
            return P / P.sum(axis=1, keepdims=True)
        K = _kinds(self, kind_proba, len(X))
        Z = function_pairs(X, P, self.classes_, self.prior_, self.window, None if K is None else K @ self.kind_ratio_)
        P2 = _softmax(self.stage2_.decision_function(Z).reshape(len(X), -1))
        if not self.decode:
            return P2
        from . import decode

        heading = np.array([u.is_heading for u in X], dtype=np.int64)
        return decode.marginals(P2, decode.groups_of([u.doc for u in X], [u.idx for u in X]),
                                heading, self.decode_scale_, self.decode_T_)

    @staticmethod
    def _full(P: np.ndarray, seen: np.ndarray) -> np.ndarray:
        """Stage-1 scores over all of FUNCTIONS (0 for classes absent from training)."""
        full = np.zeros((len(P), len(FUNCTIONS)))
        for j, c in enumerate(seen):
            full[:, FUNCTIONS.index(c)] = P[:, j]
        return full

    def predict(self, X: Sequence[Unit], kind_proba: np.ndarray | None = None) -> np.ndarray:
        proba = self.predict_proba(X, kind_proba)
        return self.classes_[proba.argmax(axis=1)] if len(proba) else np.array([], dtype=object)


class TopicClassifier(_TwoStage):
    """Predict the core topics of each unit (multi-label: disclosure, enforcement, reconsideration).

    ``y`` is an indicator matrix with one column per label in
    :data:`~lawgov_nlp.labels.TOPICS` order; ``predict`` returns the same shape.
    Parameters as :class:`FunctionClassifier`, plus ``threshold``, the
    probability at or above which a topic is assigned.
    """

    def __init__(self, context: bool = True, C: float = 16.0, class_weight: str | None = "balanced",
                 window: int = 2, inner_folds: int = 4, threshold: float = 0.5,
                 random_state: int = 0) -> None:
        self.context = context
        self.C = C
        self.class_weight = class_weight
        self.window = window
        self.inner_folds = inner_folds
        self.threshold = threshold
        self.random_state = random_state

    def fit(self, X: Sequence[Unit], y: Any, kind_proba: np.ndarray | None = None) -> TopicClassifier:
        X = _check_units(X)
        Y = np.asarray(y)
        if Y.ndim != 2 or Y.shape != (len(X), len(TOPICS)):
            raise ValueError(
                f"y must be an indicator matrix of shape ({len(X)}, {len(TOPICS)}), got shape {Y.shape}"
            )
        oof = self._fit_stages(X, Y)
        self.classes_ = np.array(TOPICS, dtype=object)
        self.n_kinds_ = 0 if kind_proba is None else int(np.asarray(kind_proba).shape[1])
        if oof is not None:
            KL = None
            if kind_proba is not None:
                K = np.asarray(kind_proba, dtype=float)
                rate = (Y.sum(axis=0) + 1.0) / (len(Y) + 2.0)
                self.kind_ratio_ = kind_log_ratio(K, Y, rate, multilabel=True)
                KL = K @ self.kind_ratio_
            self.stage2_ = LogisticRegression(C=1.0, max_iter=1000).fit(topic_pairs(X, oof, self.window, KL), Y.ravel())
        return self

    def predict_proba(self, X: Sequence[Unit], kind_proba: np.ndarray | None = None) -> np.ndarray:
        check_is_fitted(self, "stage1_")
        X = _check_units(X)
        if len(X) == 0:
            return np.zeros((0, len(TOPICS)))
        P = self._stage1_proba(X)
        if not self.context:
            return P
        K = _kinds(self, kind_proba, len(X))
        KL = None if K is None else K @ self.kind_ratio_
        return self.stage2_.predict_proba(topic_pairs(X, P, self.window, KL))[:, 1].reshape(len(X), -1)

    def predict(self, X: Sequence[Unit], kind_proba: np.ndarray | None = None) -> np.ndarray:
        return (self.predict_proba(X, kind_proba) >= self.threshold).astype(int)


def _softmax(s: np.ndarray) -> np.ndarray:
    s = s - s.max(axis=1, keepdims=True)
    e = np.exp(s)
    return e / e.sum(axis=1, keepdims=True)


def _kinds(est: Any, kind_proba: Any, n: int) -> np.ndarray | None:
    """The document-kind matrix a head was trained with, checked (None if it reads no kinds)."""
    want = getattr(est, "n_kinds_", 0)
    if not want:
        return None
    if kind_proba is None:
        raise ValueError("this head was trained with document kinds: pass kind_proba")
    K = np.asarray(kind_proba, dtype=float)
    if K.shape != (n, want):
        raise ValueError(f"kind_proba must have shape ({n}, {want}), got {K.shape}")
    return K


def topics_to_matrix(topics: Sequence[Sequence[str]]) -> np.ndarray:
    """Lists of topic labels -> indicator matrix in ``TOPICS`` order.

    Examples
    --------
    >>> topics_to_matrix([["enforcement"], [], ["disclosure", "reconsideration"]]).tolist()
    [[0, 1, 0], [0, 0, 0], [1, 0, 1]]
    """
    return np.array([[int(t in row) for t in TOPICS] for row in topics], dtype=int).reshape(-1, len(TOPICS))


def matrix_to_topics(Y: np.ndarray) -> list[tuple[str, ...]]:
    """Indicator matrix -> tuples of topic labels."""
    return [tuple(t for t, v in zip(TOPICS, row) if v) for row in Y]
