"""Aggregate labelled units to paragraphs or sections (``--level``).

A paragraph is a run of units on one line of the document (no gap between
one unit's end and the next one's start; pre-segmented units, which have no
offsets, are a paragraph each). A section is a heading and the units under
it up to the next heading of any level; units before the first heading are
a section of their own. Each block takes the function that most of its
characters carry (ties: the earlier function in FUNCTIONS), the union of its
units' topics, character-weighted function scores, the highest score of each
topic, and lists the unit indices it covers.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .labels import FUNCTIONS, TOPICS
from .records import Prediction

LEVELS: tuple[str, ...] = ("sentence", "paragraph", "section")


@dataclass(frozen=True)
class Block(Prediction):
    """A paragraph or section labelled like a unit; ``units`` are the unit indices it covers."""

    units: tuple[int, ...] = ()
    level: str = "paragraph"

    def to_dict(self) -> dict[str, Any]:
        d = super().to_dict()
        d["units"] = list(self.units)
        d["level"] = self.level
        return d


def aggregate(predictions: Sequence[Prediction], level: str) -> list[Prediction]:
    """Group one or more documents' units into blocks of ``level`` (``sentence`` returns them as they are).

    Examples
    --------
    >>> from lawgov_nlp.records import Prediction
    >>> P = lambda i, s, e, t, f, top=(): Prediction("d", i, t, s, e, (), f, {f: 1.0}, top)
    >>> units = [P(0, 0, 4, "二、不足", "problem"), P(1, 5, 9, "人员少。", "problem", ("enforcement",)),
    ...          P(2, 9, 20, "下一步将加强执法队伍。", "plan", ("enforcement",))]
    >>> [(b.function, b.units, b.topics) for b in aggregate(units, "paragraph")]
    [('problem', (0,), ()), ('plan', (1, 2), ('enforcement',))]
    >>> [(b.function, b.units) for b in aggregate(units, "section")]
    [('plan', (0, 1, 2))]
    """
    if level not in LEVELS:
        raise ValueError(f"unknown level {level!r}; expected one of {', '.join(LEVELS)}")
    if level == "sentence":
        return list(predictions)
    out: list[Prediction] = []
    for group in _by_doc(predictions):
        blocks = paragraphs(group) if level == "paragraph" else sections(group)
        out += [_block(group, b, n, level) for n, b in enumerate(blocks)]
    return out


def _by_doc(predictions: Sequence[Prediction]) -> list[list[Prediction]]:
    groups: list[list[Prediction]] = []
    for p in predictions:
        if not groups or groups[-1][0].doc != p.doc:
            groups.append([])
        groups[-1].append(p)
    return groups


def paragraphs(preds: Sequence[Prediction]) -> list[list[int]]:
    """Positions (in ``preds``) of the units of each paragraph."""
    out: list[list[int]] = []
    for i, p in enumerate(preds):
        prev = preds[i - 1] if i else None
        if prev is not None and p.start >= 0 and prev.end >= 0 and p.start == prev.end:
            out[-1].append(i)
        else:
            out.append([i])
    return out


def sections(preds: Sequence[Prediction]) -> list[list[int]]:
    """Positions of the units of each section (a heading opens one; see the module docstring)."""
    out: list[list[int]] = []
    for i, p in enumerate(preds):
        nxt = preds[i + 1] if i + 1 < len(preds) else None
        opens = nxt is not None and bool(nxt.section) and nxt.section[-1] == p.text
        if not out or opens:
            out.append([i])
        else:
            out[-1].append(i)
    return out


def _block(preds: Sequence[Prediction], members: list[int], n: int, level: str) -> Block:
    units = [preds[i] for i in members]
    weights = [max(len(u.text), 1) for u in units]
    chars = dict.fromkeys(FUNCTIONS, 0)
    for u, w in zip(units, weights):
        chars[u.function] = chars.get(u.function, 0) + w
    function = max(chars, key=lambda f: (chars[f], -FUNCTIONS.index(f) if f in FUNCTIONS else 0))
    total = sum(weights)
    scores = {f: round(sum(u.function_scores.get(f, 0.0) * w for u, w in zip(units, weights)) / total, 6)
              for f in FUNCTIONS}
    topics = tuple(t for t in TOPICS if any(t in u.topics for u in units))
    topic_scores = {t: max(u.topic_scores.get(t, 0.0) for u in units) for t in TOPICS}
    first, last = units[0], units[-1]
    text = "".join(u.text for u in units) if level == "paragraph" else "\n".join(u.text for u in units)
    return Block(doc=first.doc, idx=n, text=text, start=first.start, end=last.end, section=first.section,
                 function=function, function_scores=scores, topics=topics, topic_scores=topic_scores,
                 doc_kind=first.doc_kind, doc_kind_score=first.doc_kind_score,
                 units=tuple(u.idx for u in units), level=level)
