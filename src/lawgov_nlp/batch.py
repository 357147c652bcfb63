"""A batch of units in, the arrays its stages share out: normalised texts, cue counts, documents.

Every head that labels a batch (document kind, function, topics, with or
without context) and every second stage reads the same inputs. A
:class:`Batch` computes each of them once per batch and for the whole batch at
a time: the script conversion of all new texts in one call, every cue pattern
in one scan over the batch's normalised texts joined by newlines (no pattern
matches across a newline, and a normalised text has none), document
aggregates with segment sums instead of loops over documents. The values are
those of the unit-by-unit functions in :mod:`lawgov_nlp.features` and
:mod:`lawgov_nlp.dockind`, which training uses (tests check both on the
corpus and on random text).
"""
from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import cached_property
from operator import attrgetter
from typing import Any

import numpy as np

from .clean import normalize_many
from .records import Unit


_FIRST: dict[re.Pattern[str], re.Pattern[str]] = {}


def _first_match(pattern: re.Pattern[str]) -> re.Pattern[str]:
    """``pattern`` followed by the rest of the line (see ``Batch.has``)."""
    out = _FIRST.get(pattern)
    if out is None:
        _check_scannable(pattern)
        out = _FIRST[pattern] = re.compile(f"(?:{pattern.pattern})[^\\n]*", pattern.flags)
    return out


def _check_scannable(pattern: re.Pattern[str]) -> None:
    # The rule for a pattern that scans a batch: compiled with re.M (so that ^ and $
    # mean the start and end of a unit, checked here) and nothing in it can match a
    # newline (not checked: the patterns in features.py are written so, and tests
    # compare every scan with the unit-by-unit search on random text).
    if not pattern.flags & re.M:
        raise ValueError(f"pattern {pattern.pattern!r} is not compiled with re.M: it cannot scan a batch")


def joined(texts: list[str]) -> tuple[str, np.ndarray]:
    """The texts joined by newlines, and the index where each starts."""
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts)) + 1
    starts = np.zeros(len(texts), dtype=np.int64)
    np.cumsum(lengths[:-1], out=starts[1:])
    return "\n".join(texts), starts


def codepoints(text: str, starts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``joined`` texts as an int64 array of code points + 1 (0 is never a character), with their starts."""
    cp = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
    cp += 1
    return cp, starts


class Batch:
    """The units of one labelling call and the inputs computed from them (each once, on first use)."""

    def __init__(self, units: Sequence[Unit]) -> None:
        self.units = list(units)
        self.n = len(self.units)
        self._memo: dict[Any, Any] = {}

    def memo(self, key: Any, make: Callable[[], Any]) -> Any:
        """``make()``, computed once per batch for ``key``."""
        if key not in self._memo:
            self._memo[key] = make()
        return self._memo[key]

    # ------------------------------------------------------------- texts

    @cached_property
    def norms(self) -> list[str]:
        """The units' normalised texts (``clean.normalize``)."""
        return normalize_many([u.text for u in self.units])

    @cached_property
    def _joined(self) -> tuple[str, np.ndarray]:
        return joined(self.norms)

    @cached_property
    def codepoints(self) -> tuple[np.ndarray, np.ndarray]:
        """The normalised texts joined by newlines as code points + 1, and where each text starts."""
        return codepoints(*self._joined)

    def counts(self, pattern: re.Pattern[str]) -> np.ndarray:
        """How many (non-overlapping) matches of ``pattern`` each unit's normalised text has.

        The pattern must not match across a newline (its ``^``/``$`` with
        ``re.M``, no ``\\s`` that could take one): one scan of the batch gives
        what ``len(pattern.findall(norm))`` gives unit by unit.
        """
        def make() -> np.ndarray:
            _check_scannable(pattern)
            return np.bincount(self._rows_of(pattern), minlength=self.n)
        return self.memo(("counts", pattern), make)

    def has(self, pattern: re.Pattern[str]) -> np.ndarray:
        """Whether ``pattern.search(norm)`` finds something in each unit (float 0/1).

        Scanned with the pattern followed by ``[^\\n]*``: a match takes the rest
        of its unit's line, so the scan finds at most one match per unit (the
        first, as ``search`` does) and moves on to the next unit.
        """
        def make() -> np.ndarray:
            if ("counts", pattern) in self._memo:
                return (self._memo[("counts", pattern)] > 0).astype(float)
            out = np.zeros(self.n)
            out[self._rows_of(_first_match(pattern))] = 1.0
            return out
        return self.memo(("has", pattern), make)

    def _rows_of(self, pattern: re.Pattern[str]) -> np.ndarray:
        """The unit of every match of ``pattern`` in the joined texts."""
        text, starts = self._joined
        hits = np.fromiter((m.start() for m in pattern.finditer(text)), dtype=np.int64)
        return np.searchsorted(starts, hits, side="right") - 1

    def distinct(self, key: str) -> tuple[list[Any], np.ndarray]:
        """The distinct values of a unit field, first-seen order, and each unit's index among them.

        ``key`` is ``section`` (paths as tuples), ``title``, ``section_text``
        (a path joined by spaces), ``near_section`` (its two innermost headings
        joined) or ``section_title`` (path and title); the derived ones are
        computed once per distinct path, not once per unit.
        """
        def make() -> tuple[list[Any], np.ndarray]:
            if key in ("section", "title"):
                first: dict[Any, int] = {}
                values = map(tuple, map(attrgetter("section"), self.units)) if key == "section" \
                    else map(attrgetter("title"), self.units)
                inverse = np.fromiter((first.setdefault(v, len(first)) for v in values), dtype=np.int64, count=self.n)
                return list(first), inverse
            sections, inverse = self.distinct("section")
            if key == "section_text":
                return _regroup([" ".join(s) for s in sections], inverse)
            if key == "near_section":
                return _regroup([" ".join(s[-2:]) for s in sections], inverse)
            if key == "section_title":
                titles, tinv = self.distinct("title")
                pairs, pinv = np.unique(inverse * len(titles) + tinv, return_inverse=True)
                return [(sections[p // len(titles)], titles[p % len(titles)]) for p in pairs.tolist()], pinv
            raise KeyError(key)
        return self.memo(("distinct", key), make)

    # ------------------------------------------------------------- flags

    def flags(self, name: str) -> np.ndarray:
        """A unit attribute (``is_heading``, ``chrome``, ``idx``, ``n_units``, ``heading_level``) as an array."""
        return self.memo(("flag", name), lambda: np.array([getattr(u, name) for u in self.units]))

    @cached_property
    def section_cues(self) -> np.ndarray:
        """``features.section_cue`` of every unit (object array of labels, ``""`` for none)."""
        from .features import section_cue

        return np.array([section_cue(u) for u in self.units], dtype=object)

    # ------------------------------------------------------------- documents

    @cached_property
    def documents(self) -> Documents:
        return Documents(self.units)


def _regroup(values: list[str], inverse: np.ndarray) -> tuple[list[str], np.ndarray]:
    """Distinct ``values`` (indexed by ``inverse``) merged where two are equal."""
    first: dict[str, int] = {}
    remap = np.fromiter((first.setdefault(v, len(first)) for v in values), dtype=np.int64, count=len(values))
    return list(first), remap[inverse]


class Documents:
    """Where each document of a batch is: its units in ``idx`` order, as contiguous segments.

    ``order`` puts the batch's rows in document order (documents in first-seen
    order, units by ``idx``); ``starts``/``sizes`` are the segments of
    ``order``; ``which`` is every row's document number.
    """

    def __init__(self, units: Sequence[Unit]) -> None:
        index: dict[str, int] = {}
        which = np.fromiter((index.setdefault(u.doc, len(index)) for u in units), dtype=np.int64, count=len(units))
        idx = np.fromiter((u.idx for u in units), dtype=np.int64, count=len(units))
        self.which = which
        self.n_docs = len(index)
        sorted_ = bool(len(units) < 2 or np.all((np.diff(which) > 0) | ((np.diff(which) == 0) & (np.diff(idx) > 0))))
        self.order = np.arange(len(units)) if sorted_ else np.lexsort((idx, which))
        self.in_order = sorted_
        self.sizes = np.bincount(which, minlength=self.n_docs)
        self.starts = np.zeros(self.n_docs, dtype=np.int64)
        np.cumsum(self.sizes[:-1], out=self.starts[1:])

    def groups(self, units: Sequence[Unit]) -> list[list[Unit]]:
        """The units of each document: documents in first-seen order, their rows in batch order."""
        rows = (np.arange(len(units)) if self.in_order else np.argsort(self.which, kind="stable")).tolist()
        return [[units[r] for r in rows[s:s + n]] for s, n in zip(self.starts.tolist(), self.sizes.tolist())]

    def counts(self, flags: np.ndarray) -> np.ndarray:
        """How many rows of each document have the flag (documents), exact integers."""
        return np.bincount(self.which, weights=np.asarray(flags, dtype=np.int64), minlength=self.n_docs)

    def context_means(self, P: np.ndarray, window: int) -> tuple[np.ndarray, np.ndarray]:
        """Mean of each row's neighbours (±window rows of its document, itself excluded) and of its document.

        A row of a one-unit document keeps its own values as its neighbours'
        mean (as ``features.context_means`` does).
        """
        Q = P if self.in_order else P[self.order]
        n = len(Q)
        if not n:
            return P.copy(), P.copy()
        pos = np.arange(n) - np.repeat(self.starts, self.sizes)   # position within its document
        size = np.repeat(self.sizes, self.sizes)
        total = np.zeros_like(Q)
        count = np.zeros(n)
        for d in range(1, min(window, n - 1) + 1):
            left = pos[d:] >= d                       # row r has a neighbour d rows before it
            total[d:] += np.where(left[:, None], Q[:-d], 0.0)
            right = pos[:-d] + d < size[:-d]          # and one d rows after it
            total[:-d] += np.where(right[:, None], Q[d:], 0.0)
            count[d:] += left
            count[:-d] += right
        near = np.where(count[:, None] > 0, total / np.maximum(count, 1.0)[:, None], Q)
        whole = np.repeat(np.add.reduceat(Q, self.starts, axis=0) / self.sizes[:, None], self.sizes, axis=0)
        if self.in_order:
            return near, whole
        back = np.empty_like(self.order)
        back[self.order] = np.arange(n)
        return near[back], whole[back]
