"""Small typed records passed between pipeline stages."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from typing import Any


@dataclass(frozen=True)
class Document:
    """A document as read: an id and its raw text (offsets refer to ``text``)."""

    doc: str
    text: str
    source: str = ""


@dataclass(frozen=True)
class Unit:
    """One unit of a document with its position and context.

    ``start``/``end`` are character offsets into the document text (``-1`` when
    the unit came pre-segmented without a document). ``section`` is the path
    of headings above the unit, outermost first; ``title`` is the document's
    title as guessed by the segmenter (its genre — report, plan, notice — is a
    strong cue).
    """

    doc: str
    idx: int
    text: str
    start: int = -1
    end: int = -1
    section: tuple[str, ...] = ()
    is_heading: bool = False
    heading_level: int = 0
    n_units: int = 1
    chrome: bool = False
    title: str = ""

    @property
    def position(self) -> float:
        """Relative position of the unit in its document, in ``[0, 1]``."""
        return self.idx / max(self.n_units - 1, 1)


@dataclass(frozen=True)
class Prediction:
    """A labelled unit: the unit's identity and text plus both heads' output."""

    doc: str
    idx: int
    text: str
    start: int
    end: int
    section: tuple[str, ...]
    function: str
    function_scores: dict[str, float]
    topics: tuple[str, ...]
    topic_scores: dict[str, float] = field(default_factory=dict)
    doc_kind: str = ""          # the document's kind (GUIDELINE-NOTES rule 42), "" if the model has none
    doc_kind_score: float = 0.0  # its probability

    def to_dict(self) -> dict[str, Any]:
        """Plain, JSON-serialisable dict (lists instead of tuples)."""
        # Written out field by field: dataclasses.asdict deep-copies every
        # value and was the largest cost of writing a big archive.
        d = {name: getattr(self, name) for name in _PREDICTION_FIELDS}
        d["section"] = list(self.section)
        d["topics"] = list(self.topics)
        d["function_scores"] = dict(self.function_scores)
        d["topic_scores"] = dict(self.topic_scores)
        return d


_PREDICTION_FIELDS = tuple(f.name for f in fields(Prediction))


@dataclass(frozen=True)
class Labelled:
    """Labelled units as columns: what :class:`Prediction` records are made of, without a record per unit.

    ``function_scores`` (units x functions) and ``topic_scores`` (units x
    topics) are arrays in the label sets' order (``labels.FUNCTIONS``,
    ``labels.TOPICS``), ``doc_kind_score`` a vector, all rounded to 4 decimals
    as in a Prediction; writers read the columns directly.
    """

    units: Sequence[Unit]
    function: list[str]
    function_scores: Any
    topics: list[tuple[str, ...]]
    topic_scores: Any
    doc_kind: list[str]
    doc_kind_score: Any

    def __len__(self) -> int:
        return len(self.units)

    def part(self, start: int, stop: int) -> Labelled:
        """The rows ``start:stop``."""
        return Labelled(*(getattr(self, f.name)[start:stop] for f in fields(self)))

    def records(self) -> list[dict[str, Any]]:
        """``[p.to_dict() for p in self.predictions()]``, without the Prediction records."""
        from .labels import FUNCTIONS, TOPICS

        return [{"doc": u.doc, "idx": u.idx, "text": u.text, "start": u.start, "end": u.end, "section": list(u.section),
                 "function": f, "function_scores": dict(zip(FUNCTIONS, fs)), "topics": list(t),
                 "topic_scores": dict(zip(TOPICS, ts)), "doc_kind": dk, "doc_kind_score": ds}
                for u, f, fs, t, ts, dk, ds in zip(self.units, self.function, self.function_scores.tolist(),
                                                   self.topics, self.topic_scores.tolist(), self.doc_kind,
                                                   self.doc_kind_score.tolist())]

    def predictions(self) -> list[Prediction]:
        """One :class:`Prediction` per unit."""
        from .labels import FUNCTIONS, TOPICS

        return [Prediction(doc=u.doc, idx=u.idx, text=u.text, start=u.start, end=u.end, section=u.section,
                           function=f, function_scores=dict(zip(FUNCTIONS, fs)), topics=t,
                           topic_scores=dict(zip(TOPICS, ts)), doc_kind=dk, doc_kind_score=ds)
                for u, f, fs, t, ts, dk, ds in zip(self.units, self.function, self.function_scores.tolist(),
                                                   self.topics, self.topic_scores.tolist(), self.doc_kind,
                                                   self.doc_kind_score.tolist())]
