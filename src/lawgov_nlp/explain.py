"""Why a unit got its labels: exact contributions of every signal to its scores.

The heads are linear where it matters, so an explanation is not an
approximation: each contribution is ``weight x value``.

For every explained class of a unit there are two levels:

- **stage 2** (context heads): the class's stage-2 logit is the stage-2
  intercept plus one term per signal of the per-(unit, class) row built by
  :func:`lawgov_nlp.features.function_pairs` / ``topic_pairs`` — the unit's own
  stage-1 score, its neighbours' and its document's, the part its headings
  name, the guideline's cue words, the document kind. The terms add up to the
  logit exactly; the function head's probability is the softmax of the five
  logits, a topic's the sigmoid of its logit.
- **stage 1**: the class's stage-1 logit is the intercept plus one term per
  feature of the unit (its word and character n-grams, the n-grams of its
  section path and of the document title, its layout cues), again exactly.
  In stage 2 it enters through the "this unit" signals (the log of the
  stage-1 probability, after the one-vs-rest scores are normalised and
  floored), so stage 1 says *which words* made the unit's own score.

The function head may then decode whole documents as a chain
(:mod:`lawgov_nlp.decode`); its effect is *one* separate term,
``decoder = log(final score) - log(stage-2 probability)``: the marginal over
all label sequences of the document is not a sum of per-signal terms, so it
is reported as what it is, not spread over the signals.

Heads without context (``context=False``) have stage 1 only; their function
score is the stage-1 sigmoid normalised over the classes
(``normalisation = log(final score) - log(sigmoid(logit))``).

Examples
--------
>>> from lawgov_nlp.explain import explain_text
>>> ex = explain_text("二、存在的不足\\n部分单位政务公开栏目更新不及时。")[1]
>>> ex.prediction.function, ex.function.label
('problem', 'problem')
>>> abs(ex.function.stage2_intercept + sum(t.contribution for t in ex.function.stage2) - ex.function.stage2_logit) < 1e-9
True
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import features
from .batch import Batch
from .compiled import CompiledHead
from .records import Document, Prediction, Unit

# Names of the columns of features.function_pairs, in order (a test checks the count).
FUNCTION_SIGNALS: tuple[tuple[str, str], ...] = (
    ("unit", "this unit's stage-1 score (log; no part named)"),
    ("unit_vs_prior", "this unit's stage-1 score over the class's prior (log; a part is named)"),
    ("neighbours", "neighbours' mean stage-1 score (log; no part named)"),
    ("neighbours_vs_prior", "neighbours' mean stage-1 score over the prior (log; a part is named)"),
    ("document", "the document's mean stage-1 score (log; no part named)"),
    ("document_vs_prior", "the document's mean stage-1 score over the prior (log; a part is named)"),
    ("part", "the part its headings name is this class"),
    ("part_heading", "a heading opening a part of this class"),
    ("cue", "the unit shows a cue word of this class"),
    ("cue_no_part", "a cue word of this class where no part is named"),
    ("doc_cues", "share of the document's units with cue words of this class"),
    ("doc_cues_no_part", "the same, where no part is named"),
    ("near_cues_no_part", "share of neighbours with cue words of this class, no part named"),
)
TOPIC_SIGNALS: tuple[tuple[str, str], ...] = (
    ("unit", "this unit's stage-1 score (logit)"),
    ("neighbours", "neighbours' mean stage-1 score (logit)"),
    ("document", "the document's mean stage-1 score (logit)"),
    ("cue", "the unit names the topic (cue words)"),
    ("section_cue", "its section headings name the topic"),
    ("title_cue", "the document title names the topic"),
)
# What each stage-1 block reads, for display.
BLOCKS = {"words": "unit words", "chars": "unit characters", "layout": "layout and part",
          "section": "section path", "title": "document title"}


@dataclass(frozen=True)
class Term:
    """One signal's contribution: ``contribution == weight * value``."""

    source: str        # "stage2" signal group or a stage-1 block name (words, chars, layout, section, title)
    feature: str       # the signal or the n-gram / layout feature
    value: float
    weight: float
    contribution: float

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "feature": self.feature, "value": round(self.value, 6),
                "weight": round(self.weight, 6), "contribution": round(self.contribution, 6)}


@dataclass(frozen=True)
class ClassExplanation:
    """How one class's score of one unit was made.

    ``stage2_intercept + sum(stage2 contributions) == stage2_logit`` and
    ``stage1_intercept + sum(stage1 contributions) == stage1_logit``; for the
    function head ``log(score) == log(stage2_proba) + decoder``.
    """

    head: str                       # "function" or "topics"
    label: str
    score: float                    # the final (calibrated) score the prediction reports, unrounded
    stage1_logit: float | None      # None: a class stage 1 never saw in training
    stage1_intercept: float
    stage1: tuple[Term, ...]
    stage2_logit: float | None = None   # None without context
    stage2_intercept: float = 0.0
    stage2_proba: float | None = None
    stage2: tuple[Term, ...] = ()
    decoder: float = 0.0            # log(score) - log(stage2_proba); 0 without a decoder
    normalisation: float = 0.0      # heads without context: log(score) - log(sigmoid(stage1_logit))

    def top(self, n: int = 8, stage: str = "stage2") -> list[Term]:
        """The ``n`` terms of a stage with the largest absolute contribution."""
        terms = self.stage2 if stage == "stage2" else self.stage1
        return sorted(terms, key=lambda t: -abs(t.contribution))[:n]

    def to_dict(self, top: int | None = 10) -> dict[str, Any]:
        """JSON-able; ``top`` keeps the largest terms of each stage (None: all)."""
        def terms(ts: Sequence[Term]) -> list[dict[str, Any]]:
            keep = sorted(ts, key=lambda t: -abs(t.contribution))[:top] if top else ts
            return [t.to_dict() for t in keep]

        d: dict[str, Any] = {"label": self.label, "score": round(self.score, 6)}
        if self.stage2_logit is not None:
            d.update(stage2_logit=round(self.stage2_logit, 6), stage2_intercept=round(self.stage2_intercept, 6),
                     stage2_proba=round(float(self.stage2_proba), 6), stage2=terms(self.stage2))
            if self.head == "function":
                d["decoder"] = round(self.decoder, 6)
        if self.stage1_logit is not None:
            d.update(stage1_logit=round(self.stage1_logit, 6), stage1_intercept=round(self.stage1_intercept, 6),
                     stage1=terms(self.stage1))
        if self.normalisation:
            d["normalisation"] = round(self.normalisation, 6)
        return d


@dataclass(frozen=True)
class Explanation:
    """A unit's prediction and the explanation of its function and of each topic."""

    prediction: Prediction
    function: ClassExplanation
    topics: dict[str, ClassExplanation] = field(default_factory=dict)

    def to_dict(self, top: int | None = 10) -> dict[str, Any]:
        return {"function": self.function.to_dict(top),
                "topics": {t: e.to_dict(top) for t, e in self.topics.items()}}

    def format(self, top: int = 6) -> str:
        """A readable account (what ``lawgov explain`` prints)."""
        p = self.prediction
        lines = [f"{p.doc} #{p.idx}: {p.text}",
                 f"  section: {' > '.join(p.section) or '-'}"]
        for ex in [self.function, *self.topics.values()]:
            on = ex.head == "function" or ex.label in p.topics
            head = "function" if ex.head == "function" else ("topic" if on else "topic (off)")
            lines.append(f"  {head} {ex.label}: score {ex.score:.3f}")
            if ex.stage2_logit is not None:
                lines.append(f"    stage 2 logit {ex.stage2_logit:+.3f} = intercept {ex.stage2_intercept:+.3f}"
                             f" + signals (largest):")
                lines += [f"      {t.contribution:+8.3f}  {t.feature}  (value {t.value:.3g} x weight {t.weight:+.3g})"
                          for t in ex.top(top, "stage2")]
                if ex.head == "function" and ex.decoder:
                    lines.append(f"    decoder (document sequence): {ex.decoder:+.3f} on the log score")
            if ex.stage1_logit is not None:
                lines.append(f"    stage 1 logit {ex.stage1_logit:+.3f} = intercept {ex.stage1_intercept:+.3f}"
                             f" + features (largest):")
                lines += [f"      {t.contribution:+8.3f}  {BLOCKS.get(t.source, t.source)}: {t.feature}"
                          for t in ex.top(top, "stage1")]
        return "\n".join(lines)


# ------------------------------------------------------------------ compute


def explain_units(units: Sequence[Unit], model: Any = None, context: bool = True,
                  topics: str = "all") -> list[Explanation]:
    """Explain the predictions of ``units`` (of one or several documents, each in order).

    ``topics="all"`` explains every topic, ``"on"`` only those predicted.
    """
    from .api import load_model

    labeller = model if model is not None else load_model()
    units = list(units)
    if not units:
        return []
    preds = labeller.label_units(units, context=context)
    heads = labeller.heads["context" if context else "isolated"]
    memo = Batch(units)
    K = labeller.kind_proba(units, memo)
    fhead, thead = _compiled(heads["function"], "function"), _compiled(heads["topics"], "topics")
    fex = _explain_head(fhead, units, memo, K if fhead.n_kinds else None)
    tex = _explain_head(thead, units, memo, K if thead.n_kinds else None)
    out = []
    for i, p in enumerate(preds):
        f = fex(i, p.function)
        ts = {t: tex(i, t) for t in thead.classes_ if topics == "all" or t in p.topics}
        out.append(Explanation(p, f, ts))
    return out


def explain_text(text: str, doc: str = "text", model: Any = None, context: bool = True,
                 topics: str = "all") -> list[Explanation]:
    """Segment a report string and explain every unit's labels."""
    from .segment import segment

    return explain_units(segment(Document(doc, text)), model=model, context=context, topics=topics)


def explain_predictions(predictions: Sequence[Prediction], units: Sequence[Unit], model: Any = None,
                        context: bool = True) -> list[dict[str, Any]]:
    """``to_dict`` explanations aligned with ``predictions`` (for ``lawgov label --explain``)."""
    return [e.to_dict() for e in explain_units(units, model=model, context=context)]


_COMPILED: dict[int, tuple[Any, CompiledHead]] = {}


def _compiled(head: Any, kind: str) -> CompiledHead:
    """The head as a CompiledHead (a labeller fresh from training holds scikit-learn estimators)."""
    if isinstance(head, CompiledHead):
        return head
    cached = _COMPILED.get(id(head))
    if cached is None or cached[0] is not head:
        from .compiled import compile_head

        cached = (head, CompiledHead(*compile_head(head, kind)))
        _COMPILED[id(head)] = cached
    return cached[1]


def _explain_head(head: CompiledHead, X: list[Unit], memo: Batch, K: np.ndarray | None) -> Any:
    """A function ``(row, label) -> ClassExplanation`` for the units ``X``."""
    n, k = len(X), len(head.classes_)
    classes = [str(c) for c in head.classes_]
    seen = [classes[j] for j in head._columns]
    # stage 1: per-block feature coordinates, and the logits they make
    coords = []
    logits = np.tile(head._intercept, (n, 1))
    offset = 0
    for block in head._blocks:
        rows, cols, vals = block.coordinates(X, memo)
        order = np.argsort(rows, kind="stable")
        rows, cols, vals = rows[order], cols[order], vals[order]
        bounds = np.searchsorted(rows, np.arange(n + 1))
        coords.append((block, bounds, cols, vals, offset))
        np.add.at(logits, rows, vals[:, None] * head._coef[:, offset + cols].T)
        offset += block.size
    sig = 1.0 / (1.0 + np.exp(-logits))
    P1s = sig / sig.sum(axis=1, keepdims=True) if head.kind == "function" else sig
    P1 = np.zeros((n, k))
    P1[:, head._columns] = P1s
    final = head.predict_proba(X, memo=memo, kind_proba=K)
    Z = P2 = None
    if head.context:
        KL = None if K is None else (np.asarray(K, dtype=np.float64)[:, :, None] * head._kind_ratio[None]).sum(axis=1)
        if head.kind == "function":
            Z = features.function_pairs(X, P1, head.classes_, head._prior, head.window, KL, batch=memo)
            s = (Z * head._s2_coef).sum(axis=1).reshape(n, k) + head._s2_intercept[0]
            e = np.exp(s - s.max(axis=1, keepdims=True))
            P2 = e / e.sum(axis=1, keepdims=True)
            names = list(FUNCTION_SIGNALS)
        else:
            Z = features.topic_pairs(X, P1, head.window, KL, batch=memo)
            s = (Z * head._s2_coef).sum(axis=1).reshape(n, k) + head._s2_intercept[0]
            P2 = 1.0 / (1.0 + np.exp(-s))
            names = list(TOPIC_SIGNALS)
        if head.n_kinds:  # features.kind_log_ratio, read through the document's kind probabilities
            names.append(("kind_ratio", "how much more common the class is in this document's kind than overall"))
            if head.kind == "function":
                names.append(("kind_ratio_no_part", "the same, where no heading names a part"))
        if head.kind == "topics":
            names += [(f"bias={c}", f"topic {c}'s own bias") for c in classes]
        if len(names) != Z.shape[1]:
            raise RuntimeError(f"explain: {Z.shape[1]} stage-2 signals but {len(names)} names")
        Zk = Z.reshape(n, k, -1)

    def explain(i: int, label: str) -> ClassExplanation:
        c = classes.index(label)
        s1: list[Term] = []
        s1_logit = None
        s1_int = 0.0
        if label in seen:
            j = seen.index(label)
            s1_int = float(head._intercept[j])
            s1_logit = float(logits[i, j])
            for block, bounds, cols, vals, off in coords:
                lo, hi = bounds[i], bounds[i + 1]
                for col, v in zip(cols[lo:hi].tolist(), vals[lo:hi].tolist()):
                    w = float(head._coef[j, off + col])
                    if w:
                        s1.append(Term(block.name, str(block.vocabulary[col]), v, w, v * w))
        score = float(final[i, c])
        if Z is None:
            norm = 0.0
            if s1_logit is not None and head.kind == "function":
                norm = float(np.log(max(score, 1e-300)) - np.log(sig[i, seen.index(label)]))
            return ClassExplanation(head.kind, label, score, s1_logit, s1_int, tuple(s1), normalisation=norm)
        row = Zk[i, c]
        terms = tuple(Term("stage2", names[m][0], float(row[m]), float(head._s2_coef[m]),
                           float(row[m] * head._s2_coef[m]))
                      for m in range(len(row)) if row[m] != 0 and head._s2_coef[m] != 0)
        p2 = float(P2[i, c])
        dec = float(np.log(max(score, 1e-300)) - np.log(max(p2, 1e-300))) if head.kind == "function" else 0.0
        return ClassExplanation(head.kind, label, score, s1_logit, s1_int, tuple(s1),
                                stage2_logit=float(s[i, c]), stage2_intercept=float(head._s2_intercept[0]),
                                stage2_proba=p2, stage2=terms, decoder=dec)

    return explain
