"""Prediction from a saved model with numpy (and scipy.sparse for the products of large batches).

A trained head (a scikit-learn :class:`~lawgov_nlp.model.FunctionClassifier`
or :class:`~lawgov_nlp.model.TopicClassifier`) is *compiled* into plain data:
vocabularies, idf weights and linear coefficients. The compiled head computes
exactly the same probabilities (a test checks it), but loading it runs no code
from the file (JSON and ``np.load(allow_pickle=False)`` only) and does not
import scikit-learn, which keeps a cold start fast. Heads label a
:class:`~lawgov_nlp.batch.Batch` of units: each feature block builds its
matrix once per batch, as whole-array operations, and equal blocks of the
heads of one model are one object (``share_blocks``).

The feature inputs and analyzers a file may name are the fixed lists below;
anything else is refused.
"""
from __future__ import annotations

import itertools
import operator
import re
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from . import decode, dockind, features
from .batch import Batch, codepoints
from .batch import joined as joined_texts
from .clean import normalize, normalize_many
from .errors import ModelError
from .records import Unit
from .tokenize import cut_many, roles, tokenize, tokens_of_many

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


def _dot_blocks(blocks: Sequence[_Block], coefT: Sequence[np.ndarray], intercept: np.ndarray,
                batch: Batch) -> np.ndarray:
    """Linear scores ``intercept + features @ coef.T`` of a batch's rows: each block adds its own share.

    ``coefT`` holds each block's coefficients transposed (features x classes).
    """
    scores = None
    for block, w in zip(blocks, coefT):
        part = block.scores(batch, w)
        scores = np.tile(intercept, (len(part), 1)) + part if scores is None else scores + part
    return scores


def share_blocks(heads: Sequence[Any]) -> None:
    """Let the compiled heads of a model use one object for feature blocks that are equal.

    The heads of a model trained on one corpus have the same vocabularies and
    idf weights (function and topic heads, with and without context), so a
    batch's n-gram matrix is then built once for all of them (blocks are keyed
    by identity in a :class:`~lawgov_nlp.batch.Batch`) and the lookup tables
    once per model.
    """
    seen: list[_Block] = []
    for head in heads:
        blocks = getattr(head, "_blocks", None)
        if blocks is None:
            continue
        for i, block in enumerate(blocks):
            twin = next((b for b in seen if b.same_as(block)), None)
            if twin is None:
                seen.append(block)
            else:
                blocks[i] = twin


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
        self._coefT = _split_coef(self._coef, self._blocks)
        k = len(self.classes_)
        if self.decode and self._decode_T.shape != (2, k, k):
            raise ModelError(f"model head {self.kind}: decoder transitions of shape {self._decode_T.shape}")

    def _stage1(self, batch: Batch) -> np.ndarray:
        scores = _dot_blocks(self._blocks, self._coefT, self._intercept, batch)
        seen = 1.0 / (1.0 + np.exp(-scores))
        if self.kind == "function":
            seen /= seen.sum(axis=1, keepdims=True)
        P = np.zeros((batch.n, len(self.classes_)))
        P[:, self._columns] = seen
        return P

    def predict_proba(self, X: Sequence[Unit], memo: Batch | None = None,
                      kind_proba: np.ndarray | None = None) -> np.ndarray:
        """Class probabilities of the units ``X``.

        Heads that label the same units may pass the same ``memo``, a
        :class:`~lawgov_nlp.batch.Batch` of ``X``: the feature inputs they share
        (normalised texts, n-gram matrices, cue scans) are computed once.
        A head trained with document kinds needs ``kind_proba`` (units x kinds).
        """
        X = list(X)
        if not X:
            return np.zeros((0, len(self.classes_)))
        batch = Batch(X) if memo is None else memo
        if batch.n != len(X) or not all(map(operator.is_, batch.units, X)):
            raise ValueError("memo must be the Batch of the units X")
        P = self._stage1(batch)
        if not self.context:
            return P
        K = None
        if self.n_kinds:
            if kind_proba is None or np.shape(kind_proba) != (len(X), self.n_kinds):
                raise ModelError(f"model head {self.kind} reads document kinds: "
                                 f"kind_proba of shape ({len(X)}, {self.n_kinds}) is needed")
            # summed in a fixed order (a BLAS product may block its sums by the number of rows)
            K = (np.asarray(kind_proba, dtype=np.float64)[:, :, None] * self._kind_ratio[None, :, :]).sum(axis=1)
        if self.kind == "function":
            Z = features.function_pairs(X, P, self.classes_, self._prior, self.window, K, batch=batch)
            s = (_rowdot(Z, self._s2_coef) + self._s2_intercept[0]).reshape(len(X), -1)
            s -= s.max(axis=1, keepdims=True)
            e = np.exp(s)
            P2 = e / e.sum(axis=1, keepdims=True)
            if not self.decode:
                return P2
            heading = batch.flags("is_heading").astype(np.int64)
            groups = decode.groups_of([u.doc for u in X], [u.idx for u in X])
            return decode.marginals(P2, groups, heading, self._decode_scale, self._decode_T)
        Z = features.topic_pairs(X, P, self.window, K, batch=batch)
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
    units with whole-array numpy operations: the character n-grams of all the
    batch's texts become integer keys computed from one code-point array, the
    words come from one segmenter call per batch, and both are looked up in a
    hash table of the vocabulary's keys at once (``_KeyTable``; single
    characters in a direct table), so no Python work is done per n-gram;
    layout features come as columns (``features.layout_columns``).
    ``_terms`` is the analyzer of the fitted vectoriser written plainly; a
    test checks that both give the same matrix.
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
        self._spec = {k: v for k, v in spec.items() if k not in ("name", "vocabulary")}
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
            self._table: _KeyTable | None = None
        elif self.type == "dict":
            self.separator = spec.get("separator", "=")
            self.index = {t: i for i, t in enumerate(self.vocabulary)}
        else:
            raise ModelError(f"model names an unknown feature type {self.type!r}")

    def same_as(self, other: _Block) -> bool:
        """Whether both blocks compute the same matrix (same input, analyzer, vocabulary and weights)."""
        if self is other:
            return True
        if self._spec != other._spec or self.size != other.size or self.vocabulary != other.vocabulary:
            return False
        return self.type != "tfidf" or bool(np.array_equal(self.idf, other.idf))

    # -------------------------------------------------------------- scores

    def scores(self, batch: Batch, coefT: np.ndarray) -> np.ndarray:
        """This block's contribution ``features @ coefT`` for the rows of ``batch`` (units, or documents)."""
        n, rows, cols, vals, inverse = batch.memo((self, "matrix"), lambda: self._batch_matrix(batch))
        if len(rows) >= _SCIPY_MIN_ENTRIES:  # the compiled product; its matrix is shared by the heads
            out = np.asarray(batch.memo((self, "csr"), lambda: _csr(n, rows, cols, vals, self.size)) @ coefT)
        else:
            out = _dot(n, rows, cols, vals, coefT)
        return out if inverse is None else out[inverse]

    def coordinates(self, X: Sequence[Any], memo: Batch | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """This block's feature matrix of the units ``X`` as ``(rows, cols, values)``, sorted by row.

        ``scores`` is this matrix times the coefficients; explanations read it
        to give each feature's term (:mod:`lawgov_nlp.explain`).
        """
        batch = Batch(X) if memo is None else memo
        n, rows, cols, vals, inverse = batch.memo((self, "matrix"), lambda: self._batch_matrix(batch))
        if inverse is None:
            return rows, cols, vals
        # one row per unit: the rows of each unit's distinct input, in unit order
        bounds = np.searchsorted(rows, np.arange(n + 1))
        lo, hi = bounds[inverse], bounds[inverse + 1]
        counts = hi - lo
        take = np.repeat(lo - np.concatenate(([0], np.cumsum(counts)[:-1])), counts) + np.arange(counts.sum())
        return np.repeat(np.arange(len(inverse)), counts), cols[take], vals[take]

    def _batch_matrix(self, batch: Batch) -> tuple[int, np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]:
        """``(rows of the matrix, rows, cols, vals, inverse)``: the matrix of the distinct inputs, and
        which of its rows is each row of the batch (``None``: one row per unit or document already)."""
        name = self.input.__name__
        if self.type == "dict":
            from .dockind import doc_stats_columns
            from .features import layout_columns

            if name == "layout_features":
                columns, n = layout_columns(batch, **self.kw_args), batch.n
            elif name == "doc_stats":
                columns, n = doc_stats_columns(batch), batch.documents.n_docs
            else:  # pragma: no cover - INPUTS lists no other dict input
                raise ModelError(f"feature input {name!r} has no batch form")
            return (n, *self._columns_matrix(columns, n), None)
        inverse = None
        if name == "unit_texts":
            raw: list[str] = [u.text for u in batch.units]
            norms = batch.norms
            if self.type == "tfidf" and self.analyzer == "char" and self._fast_ready():
                return (len(norms), *self._tfidf(*self._char_hits(norms, batch.codepoints), len(norms)), None)
        elif name == "doc_texts":
            from .dockind import doc_texts

            raw = doc_texts(batch.documents.groups(batch.units))
            norms = normalize_many(raw)
        else:
            raw, inverse = batch.distinct(_DISTINCT[name])
            norms = normalize_many(raw)
        # (the plain analyzer, for a vocabulary off the fast path, normalises the raw texts itself)
        return (len(norms), *self._norm_matrix(norms, raw), inverse)

    def matrix(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The tf-idf matrix of ``texts`` as ``(rows, cols, values)``."""
        return self._norm_matrix(normalize_many(list(texts)), texts)

    def _norm_matrix(self, norms: list[str], raw: list[str] | None = None
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The tf-idf matrix of texts given normalised (``raw``: as given, for the plain analyzer)."""
        if self._keys is None:
            self._prepare()
        if self._fast:
            rows, cols = self._char_hits(norms) if self.analyzer == "char" else self._word_hits(norms)
        else:
            rows, cols = self._slow_hits(norms if raw is None else raw)
        return self._tfidf(rows, cols, len(norms))

    def _fast_ready(self) -> bool:
        if self._keys is None:
            self._prepare()
        return self._fast

    def _tfidf(self, rows: np.ndarray, cols: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The tf-idf matrix, sorted by row, of the n-gram occurrences ``(rows, cols)`` of ``n`` texts."""
        if not len(rows):
            return rows, cols, np.zeros(0)
        bits = max(int(self.size).bit_length(), 1)  # (row, col) packed in one int64: shifts, not divisions
        pair = np.sort((rows << bits) | cols)
        first = np.flatnonzero(np.concatenate(([True], pair[1:] != pair[:-1])))
        counts = np.diff(np.append(first, len(pair)))
        pair = pair[first]
        rows, cols = pair >> bits, pair & ((1 << bits) - 1)
        tf = 1.0 + np.log(counts) if self.sublinear else counts.astype(np.float64)
        vals = tf * self.idf[cols]
        if self.norm == "l2":
            norms_ = np.sqrt(np.bincount(rows, weights=vals * vals, minlength=n))
            vals = vals / norms_[rows]
        return rows, cols, vals

    def _prepare(self) -> None:
        bits = self._BITS
        if self.analyzer == "char":
            lengths = np.fromiter(map(len, self.vocabulary), dtype=np.int64, count=self.size)
            self._fast = self.max_n <= 3 and bool(((lengths > 0) & (lengths <= 3)).all())
            keys = np.zeros(self.size, dtype=np.int64)
            # texts are joined by newlines for the lookup: a term with one (no
            # normalised text has any, so it never matched) must not find them
            self._fast = self._fast and not any("\n" in t for t in self.vocabulary)
            if self._fast:  # the keys of all terms at once: (cp1 + 1) << 42 | (cp2 + 1) << 21 | (cp3 + 1)
                cp = np.frombuffer("".join(self.vocabulary).encode("utf-32-le"), dtype=np.uint32).astype(np.int64) + 1
                first = np.concatenate(([0], np.cumsum(lengths)[:-1]))
                for j in range(3):
                    has = lengths > j
                    keys[has] = (keys[has] << bits) | cp[first[has] + j]
        else:
            # Word n-grams of at most two tokens: a token gets the id of its
            # unigram term; a bigram key is (id1, id2) packed in an int64.
            # (a term with a newline never matched a token: the newlines between texts must not match it)
            self._unigram = {t: i for i, t in enumerate(self.vocabulary) if " " not in t and "\n" not in t}
            keys = np.full(self.size, -1, dtype=np.int64)
            self._fast = self.max_n <= 2
            get = self._unigram.get
            for i, term in enumerate(self.vocabulary):
                if "\n" in term:
                    continue
                if " " not in term:
                    keys[i] = i
                    continue
                parts = term.split(" ")
                a, b = (get(parts[0]), get(parts[1])) if len(parts) == 2 else (None, None)
                if a is None or b is None:
                    self._fast = False
                else:
                    keys[i] = (a + 1) * (self.size + 1) + b + self.size + 1
        order = np.argsort(keys, kind="stable")
        self._keys, self._cols = keys[order], order
        valid = self._keys >= 0
        unique = bool(np.all(self._keys[valid][1:] != self._keys[valid][:-1]))
        self._table = _KeyTable(self._keys[valid], self._cols[valid]) if unique and valid.any() else None
        if self.analyzer == "char":
            # single characters of the Basic Multilingual Plane: a direct table
            self._single = np.full(0x10001, -1, dtype=np.int64)
            one = self._keys[(self._keys > 0) & (self._keys < len(self._single))]
            self._single[one] = self._find(one)

    def _lookup(self, keys: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        cols = self._find(keys)
        hit = cols >= 0
        return rows[hit], cols[hit]

    def _char_hits(self, norms: list[str], joined: tuple[np.ndarray, np.ndarray] | None = None
                   ) -> tuple[np.ndarray, np.ndarray]:
        """``(rows, cols)`` of every n-gram occurrence found in the vocabulary.

        The texts are joined by newlines into one code-point array (``joined``:
        that array and where each text starts, when the batch has it already).
        No vocabulary term holds a newline (a normalised text has none), so an
        n-gram across two texts is never found. The fitted analyzer collapses
        runs of white space (``_WHITE``) after normalising; a normalised text
        has none left, so that step is skipped.
        """
        cp, starts = codepoints(*joined_texts(norms)) if joined is None else joined
        row_of = np.repeat(np.arange(len(starts), dtype=np.int64), np.diff(np.append(starts, len(cp) + 1)))
        cols, rows = [], []
        for n in range(self.min_n, self.max_n + 1):
            m = len(cp) - n + 1
            if m <= 0:
                break
            if n == 1:
                col = np.full(m, -1, dtype=np.int64)
                small = cp < len(self._single)
                col[small] = self._single[cp[small]]
                if not small.all():
                    col[~small] = self._find(cp[~small])
            else:
                key = cp[:m].copy()
                for j in range(1, n):
                    key <<= self._BITS
                    key |= cp[j:j + m]
                col = self._find(key)
            at = np.flatnonzero(col >= 0)
            cols.append(col[at])
            rows.append(row_of[at])
        if not cols:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        return np.concatenate(rows), np.concatenate(cols)

    def _find(self, keys: np.ndarray) -> np.ndarray:
        """The column of each key, -1 where the vocabulary has none."""
        if self._table is not None:
            return self._table.get(keys)
        pos = np.minimum(np.searchsorted(self._keys, keys), len(self._keys) - 1)
        return np.where(self._keys[pos] == keys, self._cols[pos], -1)

    def _word_hits(self, norms: list[str]) -> tuple[np.ndarray, np.ndarray]:
        raw = cut_many(norms)
        if raw is None:  # the texts cut one by one
            raw, keep, row = tokens_of_many(norms)
            tok = np.fromiter(map(self._unigram.get, raw, itertools.repeat(-1)), dtype=np.int64, count=len(raw))
        else:
            # a vocabulary word is kept by tokenize; only the other tokens need their role
            tok = np.fromiter(map(self._unigram.get, raw, itertools.repeat(-1)), dtype=np.int64, count=len(raw))
            miss = np.flatnonzero(tok < 0)
            role = np.ones(len(raw), dtype=np.int8)
            if len(miss):
                role[miss] = roles(operator.itemgetter(*miss.tolist())(raw) if len(miss) > 1 else [raw[miss[0]]])
            keep, row = role == 1, np.cumsum(role == 2)
        tok, row = tok[keep], row[keep]
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

    def dict_matrix(self, items: list[dict[str, Any]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The matrix of feature dicts (as the fitted DictVectorizer makes it), sorted by row."""
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

    def _columns_matrix(self, columns: dict[str, np.ndarray], n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The matrix of features given as columns (name -> value of every row), sorted by row."""
        rows, cols, vals = [], [], []
        for name, values in columns.items():
            j = self.index.get(name)
            if j is None:
                continue
            nz = np.flatnonzero(values)
            rows.append(nz)
            cols.append(np.full(len(nz), j, dtype=np.int64))
            vals.append(np.asarray(values, dtype=np.float64)[nz])
        if not rows:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0)
        rows_, cols_, vals_ = np.concatenate(rows), np.concatenate(cols), np.concatenate(vals)
        order = np.lexsort((cols_, rows_))
        return rows_[order], cols_[order], vals_[order]


class _KeyTable:
    """An open-addressing hash table from int64 keys (>= 0) to columns, looked up with numpy.

    The n-gram keys of a batch (about three per character) are looked up all
    at once: one multiplicative hash, then linear probing, each probe one
    gather over the keys not yet resolved. A table four times the size of the
    vocabulary keeps probes short, and fits in the CPU cache where a binary
    search over the sorted keys (what it replaces) does not.
    """

    _EMPTY = -1
    _MULT = np.uint64(0x9E3779B97F4A7C15)  # Fibonacci hashing

    def __init__(self, keys: np.ndarray, cols: np.ndarray) -> None:
        self.bits = max(4, int(np.ceil(np.log2(max(len(keys), 1) * 4))))
        size = 1 << self.bits
        self.mask = size - 1
        self.keys = np.full(size, self._EMPTY, dtype=np.int64)
        self.cols = np.full(size, -1, dtype=np.int64)
        slot = self._hash(keys)
        pending = np.arange(len(keys))
        probes = 0
        while len(pending):
            probes += 1
            s = slot[pending]
            free = self.keys[s] == self._EMPTY
            cand, cs = pending[free], s[free]
            _, first = np.unique(cs, return_index=True)  # one key per free slot this round
            win = cand[first]
            self.keys[slot[win]] = keys[win]
            self.cols[slot[win]] = cols[win]
            placed = np.zeros(len(keys), dtype=bool)
            placed[win] = True
            pending = pending[~placed[pending]]
            slot[pending] = (slot[pending] + 1) & self.mask
        self.probes = probes

    def _hash(self, keys: np.ndarray) -> np.ndarray:
        h = keys.astype(np.uint64) * self._MULT
        return (h >> np.uint64(64 - self.bits)).astype(np.int64)

    def get(self, keys: np.ndarray) -> np.ndarray:
        """The column of each key, -1 where the vocabulary has none."""
        if not len(keys):
            return np.full(0, -1, dtype=np.int64)
        slot = self._hash(keys)
        k = self.keys[slot]
        found = k == keys
        out = np.where(found, self.cols[slot], -1)
        go_on = np.flatnonzero(~found & (k != self._EMPTY))  # a collision: probe on
        slot = slot[go_on]
        for _ in range(self.probes - 1):
            if not len(go_on):
                break
            slot = (slot + 1) & self.mask
            k = self.keys[slot]
            found = k == keys[go_on]
            out[go_on[found]] = self.cols[slot[found]]
            more = ~found & (k != self._EMPTY)
            go_on, slot = go_on[more], slot[more]
        return out


# The unit fields (``Batch.distinct``) of the inputs whose distinct values are vectorised once per batch.
_DISTINCT: dict[str, str] = {"section_texts": "section_text", "title_texts": "title"}


def _split_coef(coef: np.ndarray, blocks: Sequence[_Block]) -> list[np.ndarray]:
    """Each block's slice of the coefficients, transposed and contiguous (features x classes)."""
    out, offset = [], 0
    for block in blocks:
        out.append(np.ascontiguousarray(coef[:, offset:offset + block.size].T))
        offset += block.size
    return out


# Above this many matrix entries a batch's products go through scipy.sparse
# (compiled, several times faster than numpy on a batch of 4,000 units); below
# it, numpy alone, so that labelling one short report never imports scipy
# (0.2 s). Both add each row's entries one after the other in column order, so
# they give the same bits (tested) and a unit's scores do not depend on its batch.
_SCIPY_MIN_ENTRIES = 20_000


def _dot(n: int, rows: np.ndarray, cols: np.ndarray, vals: np.ndarray, coefT: np.ndarray) -> np.ndarray:
    """``M @ coefT`` for the sparse ``n``-row matrix ``M`` given as coordinates sorted by row.

    Each row's sum runs over its own entries only, in column order, so a
    unit's score does not depend on the other units of its batch.
    """
    if not len(rows):
        return np.zeros((n, coefT.shape[1]))
    if len(rows) >= _SCIPY_MIN_ENTRIES:
        return np.asarray(_csr(n, rows, cols, vals, coefT.shape[0]) @ coefT)
    out = np.empty((n, coefT.shape[1]))
    for k in range(coefT.shape[1]):  # bincount adds each row's entries one after the other, as scipy does
        out[:, k] = np.bincount(rows, weights=vals * coefT[cols, k], minlength=n)
    return out


def _csr(n: int, rows: np.ndarray, cols: np.ndarray, vals: np.ndarray, width: int) -> Any:
    """The coordinates (sorted by row) as a scipy.sparse CSR matrix."""
    import scipy.sparse

    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
    return scipy.sparse.csr_matrix((vals, cols, indptr), shape=(n, width))


def _rowdot(Z: np.ndarray, w: np.ndarray) -> np.ndarray:
    """``Z @ w`` summed row by row in a fixed order.

    A BLAS matrix-vector product may split its sums differently with the
    number of rows or threads, so a unit's score could change in the last
    bit with the batch it is labelled in (and a rounded score with it); an
    element-wise product summed along each row does not.
    """
    return (Z * w).sum(axis=1)
