"""The two classification heads: function (one of five) and topics (multi-label).

Both are scikit-learn estimators (``fit``/``predict``/``predict_proba``,
``clone``-able, usable in ``Pipeline`` and ``GridSearchCV``). ``X`` is a list of
:class:`~lawgov_nlp.records.Unit` records, which carry the context (section
path, position) that the document-aware features use.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted

from .clean import normalize
from .features import build_features, part_cue
from .labels import FUNCTIONS, TOPICS
from .records import Unit


def _check_units(X: Any) -> Sequence[Unit]:
    if isinstance(X, (str, bytes)) or not isinstance(X, Sequence):
        raise TypeError(f"X must be a sequence of Unit records, got {type(X).__name__}")
    for u in X[:1]:
        if not isinstance(u, Unit):
            raise TypeError(f"X must contain Unit records, got {type(u).__name__}")
    return X


def section_cue(unit: Unit) -> str:
    """The function the report structure suggests for a unit (ANNOTATION.md rules 1, 3).

    A heading takes the part it opens; another unit the nearest enclosing heading
    that names a part. ``""`` when the structure says nothing.
    """
    if unit.chrome:
        return "other"
    if unit.is_heading:
        own = part_cue(normalize(unit.text))
        if own:
            return own
    for heading in reversed(unit.section):
        cue = part_cue(normalize(heading))
        if cue:
            return cue
    return ""


class FunctionClassifier(ClassifierMixin, BaseEstimator):
    """Predict the function of each unit: achievement, problem, cause, plan or other.

    A logistic regression over word and character n-grams and layout cues. With
    ``context=True`` it also sees the section path and position, and multiplies
    its probabilities for the class named by the enclosing part of the report
    by ``prior_strength`` (one shared number, so the structure helps rare
    classes such as ``cause`` as much as common ones).

    Parameters
    ----------
    context : bool
        Use the unit's place in its document (section path, position).
    C : float
        Inverse regularisation strength of the logistic regression.
    prior_strength : float
        Factor applied to the probability of the class the section names
        (1 disables it). Only used with ``context=True``.
    class_weight : str or None
        Passed to ``LogisticRegression``.
    random_state : int
        Seed, for reproducible training.
    """

    def __init__(self, context: bool = True, C: float = 4.0, prior_strength: float = 3.0,
                 class_weight: str | None = "balanced", random_state: int = 0) -> None:
        self.context = context
        self.C = C
        self.prior_strength = prior_strength
        self.class_weight = class_weight
        self.random_state = random_state

    def fit(self, X: Sequence[Unit], y: Sequence[str]) -> FunctionClassifier:
        X = _check_units(X)
        y = np.asarray(y, dtype=object)
        if len(X) != len(y):
            raise ValueError(f"X has {len(X)} units but y has {len(y)} labels")
        unknown = sorted(set(y) - set(FUNCTIONS))
        if unknown:
            raise ValueError(f"unknown function labels {unknown}; expected {list(FUNCTIONS)}")
        self.pipeline_ = Pipeline([
            ("features", build_features(self.context)),
            ("clf", LogisticRegression(C=self.C, class_weight=self.class_weight,
                                       max_iter=3000, random_state=self.random_state)),
        ])
        self.pipeline_.fit(list(X), y)
        self.classes_ = self.pipeline_.classes_
        return self

    def predict_proba(self, X: Sequence[Unit]) -> np.ndarray:
        check_is_fitted(self, "pipeline_")
        X = _check_units(X)
        if len(X) == 0:
            return np.zeros((0, len(self.classes_)))
        proba = self.pipeline_.predict_proba(list(X))
        if self.context and self.prior_strength != 1:
            index = {c: i for i, c in enumerate(self.classes_)}
            for row, unit in enumerate(X):
                k = index.get(section_cue(unit))
                if k is not None:
                    proba[row, k] *= self.prior_strength
            proba /= proba.sum(axis=1, keepdims=True)
        return proba

    def predict(self, X: Sequence[Unit]) -> np.ndarray:
        proba = self.predict_proba(X)
        return self.classes_[proba.argmax(axis=1)] if len(proba) else np.array([], dtype=object)


class TopicClassifier(ClassifierMixin, BaseEstimator):
    """Predict the core topics of each unit (multi-label: disclosure, enforcement, reconsideration).

    ``y`` is an indicator matrix with one column per label in
    :data:`~lawgov_nlp.labels.TOPICS` order; ``predict`` returns the same shape.

    Parameters
    ----------
    context : bool
        Use the unit's section path and position as features.
    C : float
        Inverse regularisation strength of each per-topic logistic regression.
    threshold : float
        Probability at or above which a topic is assigned.
    class_weight : str or None
        Passed to each ``LogisticRegression``.
    random_state : int
        Seed, for reproducible training.
    """

    def __init__(self, context: bool = True, C: float = 4.0, threshold: float = 0.5,
                 class_weight: str | None = "balanced", random_state: int = 0) -> None:
        self.context = context
        self.C = C
        self.threshold = threshold
        self.class_weight = class_weight
        self.random_state = random_state

    def fit(self, X: Sequence[Unit], y: Any) -> TopicClassifier:
        X = _check_units(X)
        Y = np.asarray(y)
        if Y.ndim != 2 or Y.shape != (len(X), len(TOPICS)):
            raise ValueError(
                f"y must be an indicator matrix of shape ({len(X)}, {len(TOPICS)}), got shape {Y.shape}"
            )
        self.pipeline_ = Pipeline([
            ("features", build_features(self.context)),
            ("clf", OneVsRestClassifier(LogisticRegression(
                C=self.C, class_weight=self.class_weight, max_iter=3000,
                random_state=self.random_state))),
        ])
        self.pipeline_.fit(list(X), Y)
        self.classes_ = np.array(TOPICS, dtype=object)
        return self

    def predict_proba(self, X: Sequence[Unit]) -> np.ndarray:
        check_is_fitted(self, "pipeline_")
        X = _check_units(X)
        if len(X) == 0:
            return np.zeros((0, len(TOPICS)))
        return self.pipeline_.predict_proba(list(X))

    def predict(self, X: Sequence[Unit]) -> np.ndarray:
        return (self.predict_proba(X) >= self.threshold).astype(int)


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
