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

import re
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from . import decode, dockind, features
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
    "doc_texts": dockind.doc_texts,
    "doc_stats": dockind.doc_stats,
}
_WHITE = re.compile(r"\s\s+")


# ------------------------------------------------------------------ compile


def compile_head(est: Any, kind: str) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """Turn a fitted head into ``(spec, arrays)``: JSON-able spec, named numpy arrays."""
    spec: dict[str, Any] = {
        "kind": kind, "context": bool(est.context), "window": int(est.window),
        "classes": [str(c) for c in est.classes_], "blocks": [],
        # stage 1 may have seen fewer classes than the head predicts
        "stage1_classes": ([str(c) for c in est.stage1_.classes_] if kind == "function"
                           else [str(c) for c in est.classes_]),
    }
    spec["blocks"], arrays = compile_blocks(est.stage1_.named_steps["features"])
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
    spec["kinds"] = int(getattr(est, "n_kinds_", 0))
    if spec["kinds"] and est.context:
        arrays["kind_ratio"] = np.asarray(est.kind_ratio_, dtype=np.float64)
    if kind == "function":
        arrays["prior"] = np.asarray(est.prior_, dtype=np.float64)
        spec["decode"] = bool(getattr(est, "decode", False) and est.context)
        if spec["decode"]:
            arrays["decode.scale"] = np.array([est.decode_scale_])
            arrays["decode.T"] = np.asarray(est.decode_T_, dtype=np.float64)
    else:
        spec["threshold"] = float(est.threshold)
    return spec, arrays


def compile_blocks(union: Any) -> tuple[list[dict[str, Any]], dict[str, np.ndarray]]:
    """The feature blocks of a fitted ``FeatureUnion`` as JSON-able specs and idf arrays."""
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.feature_extraction.text import TfidfVectorizer

    blocks: list[dict[str, Any]] = []
    arrays: dict[str, np.ndarray] = {}
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
        blocks.append(block)
    return blocks, arrays


# ------------------------------------------------------------------ predict


def _dot_blocks(blocks: Sequence[_Block], X: Sequence[Any], coef: np.ndarray, intercept: np.ndarray,
                memo: dict[Any, Any]) -> np.ndarray:
    """Linear scores ``intercept + features(X) @ coef.T``: each block adds its own share."""
    scores = np.tile(intercept, (len(X), 1))
    offset = 0
    for block in blocks:
        scores += block.scores(X, coef[:, offset:offset + block.size], memo)
        offset += block.size
    return scores



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
            # written by models of format 3 and later: document kinds, sequence decoding
            self.n_kinds = int(spec.get("kinds", 0)) if self.context else 0
            self._kind_ratio = np.asarray(arrays["kind_ratio"], dtype=np.float64) if self.n_kinds else None
            self.decode = bool(spec.get("decode", False))
            self._decode_scale = float(arrays["decode.scale"][0]) if self.decode else 1.0
            self._decode_T = np.asarray(arrays["decode.T"], dtype=np.float64) if self.decode else None
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
        k = len(self.classes_)
        if self.decode and self._decode_T.shape != (2, k, k):
            raise ModelError(f"model head {self.kind}: decoder transitions of shape {self._decode_T.shape}")

    def _stage1(self, X: Sequence[Unit], memo: dict[Any, Any]) -> np.ndarray:
        scores = _dot_blocks(self._blocks, X, self._coef, self._intercept, memo)
        seen = 1.0 / (1.0 + np.exp(-scores))
        if self.kind == "function":
            seen /= seen.sum(axis=1, keepdims=True)
        P = np.zeros((len(X), len(self.classes_)))
        P[:, self._columns] = seen
        return P

    def predict_proba(self, X: Sequence[Unit], memo: dict[Any, Any] | None = None,
                      kind_proba: np.ndarray | None = None) -> np.ndarray:
        """Class probabilities of the units ``X``.

        Heads that label the same units may pass the same ``memo`` dict: the
        feature inputs they share (texts, layout features) are computed once.
        A head trained with document kinds needs ``kind_proba`` (units x kinds).
        """
        X = list(X)
        if not X:
            return np.zeros((0, len(self.classes_)))
        P = self._stage1(X, {} if memo is None else memo)
        if not self.context:
            return P
        K = None
        if self.n_kinds:
            if kind_proba is None or np.shape(kind_proba) != (len(X), self.n_kinds):
                raise ModelError(f"model head {self.kind} reads document kinds: "
                                 f"kind_proba of shape ({len(X)}, {self.n_kinds}) is needed")
            K = np.asarray(kind_proba, dtype=np.float64) @ self._kind_ratio
        if self.kind == "function":
            Z = features.function_pairs(X, P, self.classes_, self._prior, self.window, K)
            s = (_rowdot(Z, self._s2_coef) + self._s2_intercept[0]).reshape(len(X), -1)
            s -= s.max(axis=1, keepdims=True)
            e = np.exp(s)
            P2 = e / e.sum(axis=1, keepdims=True)
            if not self.decode:
                return P2
            heading = np.fromiter((u.is_heading for u in X), dtype=np.int64, count=len(X))
            groups = decode.groups_of([u.doc for u in X], [u.idx for u in X])
            return decode.marginals(P2, groups, heading, self._decode_scale, self._decode_T)
        Z = features.topic_pairs(X, P, self.window, K)
        s = _rowdot(Z, self._s2_coef) + self._s2_intercept[0]
        return (1.0 / (1.0 + np.exp(-s))).reshape(len(X), -1)

    def predict(self, X: Sequence[Unit], kind_proba: np.ndarray | None = None) -> np.ndarray:
        P = self.predict_proba(X, kind_proba=kind_proba)
        if self.kind == "topics":
            return (P >= self.threshold).astype(int)
        return self.classes_[P.argmax(axis=1)]


class _Block:
    """One feature block: an input function and a tf-idf or dict vectoriser.

    ``scores`` computes the block's share of the linear scores for a batch of
    units with whole-array numpy operations: n-grams become integer keys that
    are looked up in the sorted keys of the vocabulary, so no Python work is
    done per n-gram. ``_terms`` is the analyzer of the fitted vectoriser written
    plainly; a test checks that both give the same matrix.
    """

    _BITS = 21  # code points fit in 21 bits, so a character 3-gram fits in an int64

    def __init__(self, spec: dict[str, Any], idf: np.ndarray | None) -> None:
        name = spec["input"]
        if name not in INPUTS:
            raise ModelError(f"model names an unknown feature input {name!r}")
        self.input = INPUTS[name]
        self.name = str(spec.get("name", ""))
        self.kw_args = dict(spec.get("kw_args") or {})
        self.type = spec["type"]
        self.vocabulary = list(spec["vocabulary"])
        self.size = len(self.vocabulary)
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
            self._keys: np.ndarray | None = None  # built on first use: a cold start labels little
        elif self.type == "dict":
            self.separator = spec.get("separator", "=")
            self.index = {t: i for i, t in enumerate(self.vocabulary)}
        else:
            raise ModelError(f"model names an unknown feature type {self.type!r}")

    # -------------------------------------------------------------- scores

    def scores(self, X: Sequence[Unit], coef: np.ndarray, memo: dict[Any, Any]) -> np.ndarray:
        """This block's contribution ``features @ coef.T`` for the units ``X``."""
        key = (self.input.__name__, tuple(sorted(self.kw_args.items())))
        if key not in memo:
            memo[key] = self.input(X, **self.kw_args)
        inputs = memo[key]
        if self.type == "dict":
            return _dot(len(X), *self._dict_matrix(inputs), coef)
        # Units of a document share their title and often their section path:
        # compute each distinct input once.
        first: dict[str, int] = {}
        inverse = np.fromiter((first.setdefault(t, len(first)) for t in inputs), dtype=np.int64, count=len(inputs))
        distinct = list(first)
        return _dot(len(distinct), *self.matrix(distinct), coef)[inverse]

    def coordinates(self, X: Sequence[Any], memo: dict[Any, Any] | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """This block's feature matrix of the units ``X`` as ``(rows, cols, values)``.

        ``scores`` is this matrix times the coefficients; explanations read it
        to give each feature's term (:mod:`lawgov_nlp.explain`).
        """
        memo = {} if memo is None else memo
        key = (self.input.__name__, tuple(sorted(self.kw_args.items())))
        if key not in memo:
            memo[key] = self.input(X, **self.kw_args)
        if self.type == "dict":
            return self._dict_matrix(memo[key])
        return self.matrix(list(memo[key]))

    def matrix(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The tf-idf matrix of ``texts`` as ``(rows, cols, values)``."""
        if self._keys is None:
            self._prepare()
        if self._fast:
            rows, cols = self._char_hits(texts) if self.analyzer == "char" else self._word_hits(texts)
        else:
            rows, cols = self._slow_hits(texts)
        if not len(rows):
            return rows, cols, np.zeros(0)
        pair, counts = np.unique(rows * self.size + cols, return_counts=True)
        rows, cols = pair // self.size, pair % self.size
        tf = 1.0 + np.log(counts) if self.sublinear else counts.astype(np.float64)
        vals = tf * self.idf[cols]
        if self.norm == "l2":
            norms = np.sqrt(np.bincount(rows, weights=vals * vals, minlength=len(texts)))
            vals = vals / norms[rows]
        return rows, cols, vals

    def _prepare(self) -> None:
        bits = self._BITS
        if self.analyzer == "char":
            keys = np.zeros(self.size, dtype=np.int64)
            for i, term in enumerate(self.vocabulary):
                k = 0
                for ch in term:
                    k = (k << bits) | (ord(ch) + 1)
                keys[i] = k
            self._fast = self.max_n <= 3 and all(0 < len(t) <= 3 for t in self.vocabulary)
        else:
            # Word n-grams of at most two tokens: a token gets the id of its
            # unigram term; a bigram key is (id1, id2) packed in an int64.
            self._unigram = {t: i for i, t in enumerate(self.vocabulary) if " " not in t}
            keys = np.full(self.size, -1, dtype=np.int64)
            self._fast = self.max_n <= 2
            for i, term in enumerate(self.vocabulary):
                parts = term.split(" ")
                if len(parts) == 1:
                    keys[i] = i
                elif len(parts) == 2 and parts[0] in self._unigram and parts[1] in self._unigram:
                    keys[i] = (self._unigram[parts[0]] + 1) * (self.size + 1) + self._unigram[parts[1]] + self.size + 1
                else:
                    self._fast = False
        order = np.argsort(keys, kind="stable")
        self._keys, self._cols = keys[order], order

    def _lookup(self, keys: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        pos = np.minimum(np.searchsorted(self._keys, keys), len(self._keys) - 1)
        hit = self._keys[pos] == keys
        return rows[hit], self._cols[pos[hit]]

    def _char_hits(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        docs = [_WHITE.sub(" ", normalize(t)) for t in texts]
        lens = np.fromiter(map(len, docs), dtype=np.int64, count=len(docs))
        cp = np.frombuffer("".join(docs).encode("utf-32-le"), dtype=np.uint32).astype(np.int64) + 1
        row = np.repeat(np.arange(len(docs), dtype=np.int64), lens)
        keys, rows = [], []
        for n in range(self.min_n, self.max_n + 1):
            m = len(cp) - n + 1
            if m <= 0:
                break
            key = cp[:m].copy()
            for j in range(1, n):
                key = (key << self._BITS) | cp[j:j + m]
            same = row[:m] == row[n - 1:n - 1 + m]  # the n-gram lies within one text
            keys.append(key[same])
            rows.append(row[:m][same])
        if not keys:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        return self._lookup(np.concatenate(keys), np.concatenate(rows))

    def _word_hits(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        get = self._unigram.get
        ids: list[int] = []
        lens: list[int] = []
        for t in texts:
            tokens = tokenize(t)
            ids += [get(w, -1) for w in tokens]
            lens.append(len(tokens))
        tok = np.asarray(ids, dtype=np.int64)
        row = np.repeat(np.arange(len(texts), dtype=np.int64), np.asarray(lens, dtype=np.int64))
        keys, rows = [], []
        if self.min_n <= 1:
            keys.append(tok[tok >= 0])
            rows.append(row[tok >= 0])
        if self.max_n >= 2 and len(tok) > 1:
            a, b = tok[:-1], tok[1:]
            ok = (a >= 0) & (b >= 0) & (row[:-1] == row[1:])
            width = self.size + 1
            keys.append((a[ok] + 1) * width + b[ok] + width)
            rows.append(row[:-1][ok])
        if not keys:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        return self._lookup(np.concatenate(keys), np.concatenate(rows))

    def _slow_hits(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        index = {t: i for i, t in enumerate(self.vocabulary)}
        rows, cols = [], []
        for r, text in enumerate(texts):
            js = [j for j in map(index.get, self._terms(text)) if j is not None]
            rows += [r] * len(js)
            cols += js
        return np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64)

    def _terms(self, text: str) -> list[str]:
        """The analyzer of the fitted TfidfVectorizer, reproduced."""
        if self.analyzer == "char":
            doc = _WHITE.sub(" ", normalize(text))
            return [doc[i:i + n] for n in range(self.min_n, min(self.max_n, len(doc)) + 1)
                    for i in range(len(doc) - n + 1)]
        tokens = tokenize(text)
        grams = list(tokens) if self.min_n == 1 else []
        for n in range(max(self.min_n, 2), min(self.max_n, len(tokens)) + 1):
            grams += [" ".join(tokens[i:i + n]) for i in range(len(tokens) - n + 1)]
        return grams

    def _dict_matrix(self, items: list[dict[str, Any]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        keys: list[str] = []
        values: list[Any] = []
        for item in items:
            keys += item
            values += item.values()
        rows = np.repeat(np.arange(len(items), dtype=np.int64), [len(item) for item in items])
        if str in set(map(type, values)):  # string values: DictVectorizer's "key=value" features
            keys = [f"{k}{self.separator}{v}" if isinstance(v, str) else k for k, v in zip(keys, values)]
            values = [1.0 if isinstance(v, str) else v for v in values]
        # (numpy would read a string value "1" as the number 1, hence the check above)
        vals = np.asarray(values, dtype=np.float64)
        cols = np.fromiter(map(self.index.get, keys, [-1] * len(keys)), dtype=np.int64, count=len(keys))
        keep = (cols >= 0) & (vals != 0)
        return rows[keep], cols[keep], vals[keep]


def _dot(n: int, rows: np.ndarray, cols: np.ndarray, vals: np.ndarray, coef: np.ndarray) -> np.ndarray:
    """``M @ coef.T`` for the sparse ``n``-row matrix ``M`` given as coordinates."""
    out = np.empty((n, coef.shape[0]))
    for k in range(coef.shape[0]):
        out[:, k] = np.bincount(rows, weights=vals * coef[k, cols], minlength=n)
    return out


def _rowdot(Z: np.ndarray, w: np.ndarray) -> np.ndarray:
    """``Z @ w`` summed row by row in a fixed order.

    A BLAS matrix-vector product may split its sums differently with the
    number of rows or threads, so a unit's score could change in the last
    bit with the batch it is labelled in (and a rounded score with it); an
    element-wise product summed along each row does not.
    """
    return (Z * w).sum(axis=1)
