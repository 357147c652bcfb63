"""Prediction from a saved model with numpy alone.

A trained head (a scikit-learn :class:`~lawgov_nlp.model.FunctionClassifier`
or :class:`~lawgov_nlp.model.TopicClassifier`) is *compiled* into plain data:
vocabularies, idf weights and linear coefficients. The compiled head computes
exactly the same probabilities (a test checks it), but loading it runs no code
from the file (JSON and ``np.load(allow_pickle=False)`` only) and does not
import scikit-learn, which keeps a cold start fast.

The feature inputs and analyzers a file may name are the fixed lists below;
anything else is refused.
"""
from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from . import features
from .clean import normalize
from .errors import ModelError
from .records import Unit
from .tokenize import tokenize

# The only functions a saved model may route units through.
INPUTS: dict[str, Callable[..., list[Any]]] = {
    "unit_texts": features.unit_texts,
    "section_texts": features.section_texts,
    "title_texts": features.title_texts,
    "layout_features": features.layout_features,
}
_WHITE = re.compile(r"\s\s+")


# ------------------------------------------------------------------ compile


def compile_head(est: Any, kind: str) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """Turn a fitted head into ``(spec, arrays)``: JSON-able spec, named numpy arrays."""
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.feature_extraction.text import TfidfVectorizer

    spec: dict[str, Any] = {
        "kind": kind, "context": bool(est.context), "window": int(est.window),
        "classes": [str(c) for c in est.classes_], "blocks": [],
        # stage 1 may have seen fewer classes than the head predicts
        "stage1_classes": ([str(c) for c in est.stage1_.classes_] if kind == "function"
                           else [str(c) for c in est.classes_]),
    }
    arrays: dict[str, np.ndarray] = {}
    union = est.stage1_.named_steps["features"]
    for name, part in union.transformer_list:
        fn_step, vec = part.steps[0][1], part.steps[-1][1]
        block: dict[str, Any] = {"name": name, "input": fn_step.func.__name__,
                                 "kw_args": dict(fn_step.kw_args or {})}
        if block["input"] not in INPUTS:
            raise ModelError(f"cannot compile feature input {block['input']!r}")
        if isinstance(vec, TfidfVectorizer):
            analyzer = "char" if vec.analyzer == "char" else "word"
            if analyzer == "word" and vec.tokenizer is not tokenize:
                raise ModelError("cannot compile a word vectoriser whose tokenizer is not lawgov_nlp.tokenize")
            vocab = sorted(vec.vocabulary_, key=vec.vocabulary_.__getitem__)
            block.update(type="tfidf", analyzer=analyzer, ngram_range=list(vec.ngram_range),
                         sublinear_tf=bool(vec.sublinear_tf), norm=vec.norm, vocabulary=vocab)
            arrays[f"{name}.idf"] = np.asarray(vec.idf_, dtype=np.float64)
        elif isinstance(vec, DictVectorizer):
            block.update(type="dict", vocabulary=list(vec.feature_names_), separator=vec.separator)
        else:
            raise ModelError(f"cannot compile feature step {type(vec).__name__}")
        spec["blocks"].append(block)
    coef, intercept = [], []
    for e in est.stage1_.named_steps["clf"].estimators_:
        if hasattr(e, "coef_"):
            coef.append(e.coef_.ravel())
            intercept.append(float(e.intercept_[0]))
        else:  # _ConstantPredictor: a label present in every (or no) training unit
            coef.append(np.zeros(sum(len(b["vocabulary"]) for b in spec["blocks"])))
            intercept.append(30.0 if float(np.ravel(e.y_)[0]) else -30.0)
    arrays["stage1.coef"] = np.vstack(coef)
    arrays["stage1.intercept"] = np.asarray(intercept)
    if est.context:
        arrays["stage2.coef"] = est.stage2_.coef_.ravel().astype(np.float64)
        arrays["stage2.intercept"] = est.stage2_.intercept_.astype(np.float64)
    if kind == "function":
        arrays["prior"] = np.asarray(est.prior_, dtype=np.float64)
    else:
        spec["threshold"] = float(est.threshold)
    return spec, arrays


# ------------------------------------------------------------------ predict


class CompiledHead:
    """A head restored from a saved model; ``predict_proba`` as the estimator's."""

    def __init__(self, spec: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        try:
            self.kind = spec["kind"]
            self.context = bool(spec["context"])
            self.window = int(spec["window"])
            self.classes_ = np.array(spec["classes"], dtype=object)
            seen = list(spec.get("stage1_classes", spec["classes"]))
            self._columns = np.array([list(self.classes_).index(c) for c in seen], dtype=int)
            self.threshold = float(spec.get("threshold", 0.5))
            self._blocks = [_Block(b, arrays.get(f"{b['name']}.idf")) for b in spec["blocks"]]
            self._coef = np.asarray(arrays["stage1.coef"], dtype=np.float64)
            self._intercept = np.asarray(arrays["stage1.intercept"], dtype=np.float64)
            self._s2_coef = arrays.get("stage2.coef")
            self._s2_intercept = arrays.get("stage2.intercept")
            self._prior = arrays.get("prior")
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelError(f"incomplete or invalid model head ({exc})") from None
        if self.kind not in ("function", "topics"):
            raise ModelError(f"unknown head kind {self.kind!r}")
        width = sum(b.size for b in self._blocks)
        if self._coef.shape != (len(self._columns), width):
            raise ModelError(f"model head {self.kind}: coefficients {self._coef.shape} do not match "
                             f"{len(self._columns)} classes x {width} features")
        if self.context and (self._s2_coef is None or self._s2_intercept is None):
            raise ModelError(f"model head {self.kind}: context head without its second stage")

    def _stage1(self, X: Sequence[Unit]) -> np.ndarray:
        n = len(X)
        rows: list[np.ndarray] = []
        cols: list[np.ndarray] = []
        vals: list[np.ndarray] = []
        offset = 0
        for block in self._blocks:
            r, c, v = block.transform(X)
            rows.append(r)
            cols.append(c + offset)
            vals.append(v)
            offset += block.size
        r, c, v = np.concatenate(rows), np.concatenate(cols), np.concatenate(vals)
        scores = np.empty((n, len(self._columns)))
        for k in range(len(self._columns)):
            scores[:, k] = np.bincount(r, weights=v * self._coef[k, c], minlength=n)
        scores += self._intercept
        seen = 1.0 / (1.0 + np.exp(-scores))
        if self.kind == "function":
            seen /= seen.sum(axis=1, keepdims=True)
        P = np.zeros((n, len(self.classes_)))
        P[:, self._columns] = seen
        return P

    def predict_proba(self, X: Sequence[Unit]) -> np.ndarray:
        X = list(X)
        if not X:
            return np.zeros((0, len(self.classes_)))
        P = self._stage1(X)
        if not self.context:
            return P
        if self.kind == "function":
            Z = features.function_pairs(X, P, self.classes_, self._prior, self.window)
            s = (Z @ self._s2_coef + self._s2_intercept[0]).reshape(len(X), -1)
            s -= s.max(axis=1, keepdims=True)
            e = np.exp(s)
            return e / e.sum(axis=1, keepdims=True)
        Z = features.topic_pairs(X, P, self.window)
        s = Z @ self._s2_coef + self._s2_intercept[0]
        return (1.0 / (1.0 + np.exp(-s))).reshape(len(X), -1)

    def predict(self, X: Sequence[Unit]) -> np.ndarray:
        P = self.predict_proba(X)
        if self.kind == "topics":
            return (P >= self.threshold).astype(int)
        return self.classes_[P.argmax(axis=1)]


class _Block:
    """One feature block: an input function and a tf-idf or dict vectoriser."""

    def __init__(self, spec: dict[str, Any], idf: np.ndarray | None) -> None:
        name = spec["input"]
        if name not in INPUTS:
            raise ModelError(f"model names an unknown feature input {name!r}")
        self.input = INPUTS[name]
        self.kw_args = dict(spec.get("kw_args") or {})
        self.type = spec["type"]
        self.index = {t: i for i, t in enumerate(spec["vocabulary"])}
        self.size = len(self.index)
        if self.type == "tfidf":
            if spec["analyzer"] not in ("word", "char"):
                raise ModelError(f"model names an unknown analyzer {spec['analyzer']!r}")
            if idf is None or len(idf) != self.size:
                raise ModelError(f"feature block {spec['name']}: idf weights missing or of the wrong size")
            self.analyzer = spec["analyzer"]
            self.min_n, self.max_n = (int(x) for x in spec["ngram_range"])
            self.sublinear = bool(spec["sublinear_tf"])
            self.norm = spec["norm"]
            self.idf = idf
        elif self.type == "dict":
            self.separator = spec.get("separator", "=")
        else:
            raise ModelError(f"model names an unknown feature type {self.type!r}")

    def _terms(self, text: str) -> list[str]:
        """The analyzer of the fitted TfidfVectorizer, reproduced."""
        if self.analyzer == "char":
            doc = _WHITE.sub(" ", normalize(text))
            grams = [doc[i:i + n] for n in range(self.min_n, min(self.max_n, len(doc)) + 1)
                     for i in range(len(doc) - n + 1)]
            return grams
        tokens = tokenize(text)
        grams = list(tokens) if self.min_n == 1 else []
        for n in range(max(self.min_n, 2), min(self.max_n, len(tokens)) + 1):
            grams += [" ".join(tokens[i:i + n]) for i in range(len(tokens) - n + 1)]
        return grams

    def transform(self, X: Sequence[Unit]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        inputs = self.input(X, **self.kw_args)
        rows: list[int] = []
        cols: list[int] = []
        vals: list[float] = []
        index = self.index
        for r, item in enumerate(inputs):
            if self.type == "dict":
                for key, value in item.items():
                    if isinstance(value, str):
                        key, value = f"{key}{self.separator}{value}", 1
                    j = index.get(key)
                    if j is not None and value:
                        rows.append(r)
                        cols.append(j)
                        vals.append(float(value))
                continue
            counts = Counter(j for j in map(index.get, self._terms(item)) if j is not None)
            if not counts:
                continue
            js = list(counts)
            w = [((1.0 + math.log(counts[j])) if self.sublinear else float(counts[j])) * self.idf[j] for j in js]
            if self.norm == "l2":
                s = math.sqrt(sum(x * x for x in w))
                w = [x / s for x in w] if s else w
            rows += [r] * len(js)
            cols += js
            vals += w
        return (np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64),
                np.asarray(vals, dtype=np.float64))
