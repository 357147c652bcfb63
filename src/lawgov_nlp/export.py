"""Write labelled units as JSONL, CSV, TSV or a readable terminal table.

Writers stream: each prediction is written as it arrives, so memory does not
grow with the size of an archive.
"""
from __future__ import annotations

import csv
import json
import unicodedata
from collections.abc import Iterable, Sequence
from json.encoder import encode_basestring
from typing import Any, TextIO

import numpy as np

from .labels import FUNCTIONS, TOPICS
from .records import Labelled, Prediction

FORMATS = ("jsonl", "csv", "tsv", "table")
_COLUMNS = (
    ["doc", "idx", "start", "end", "function", "topics", "section"]
    + [f"p_{f}" for f in FUNCTIONS] + [f"p_{t}" for t in TOPICS] + ["doc_kind", "p_doc_kind", "text"]
)


def _jsonl_template() -> str:
    """One JSONL line of a prediction as a %-format: what ``json.dumps(p.to_dict(), ensure_ascii=False)`` gives.

    Strings go in already JSON-encoded, scores as the text of their ``repr``
    (both ``%s``: ``json`` writes floats with their ``repr``), integers as ``%d``.
    """
    def scores(names: Sequence[str]) -> str:
        return "{" + ", ".join(f"{json.dumps(n, ensure_ascii=False)}: %s" for n in names) + "}"

    return ('{"doc": %s, "idx": %d, "text": %s, "start": %d, "end": %d, "section": [%s], "function": %s, '
            f'"function_scores": {scores(FUNCTIONS)}, "topics": [%s], "topic_scores": {scores(TOPICS)}, '
            '"doc_kind": %s, "doc_kind_score": %s}\n')


_JSONL = _jsonl_template()
# repr of every score a Prediction can hold (rounded to 4 decimals: exactly k / 10000)
_SCORE_TEXT = np.array([repr(k / 10000) for k in range(10001)], dtype=object)


def _score_texts(scores: np.ndarray) -> list[Any]:
    """``repr`` of each rounded score (as ``json`` writes it), from a table where the score is k / 10000."""
    scores = np.asarray(scores, dtype=np.float64)
    codes = np.rint(scores * 10000)
    ok = np.isfinite(scores) & (codes >= 0) & (codes <= 10000)
    ok[ok] = (codes[ok] / 10000) == scores[ok]
    if ok.all():
        return _SCORE_TEXT[codes.astype(np.int64)].tolist()
    text = _SCORE_TEXT[np.where(ok, codes, 0).astype(np.int64)]
    # anything else (a score that was not rounded, NaN): as json writes it
    text[~ok] = [json.dumps(x) for x in scores[~ok].tolist()]
    return text.tolist()


class Writer:
    """Stream predictions to ``out`` in one of :data:`FORMATS`.

    ``header=False`` leaves out the CSV/TSV/table header: for parts of an
    output rendered elsewhere (worker processes) and joined after a header.

    Examples
    --------
    >>> import io
    >>> from lawgov_nlp.records import Prediction
    >>> buf = io.StringIO()
    >>> w = Writer(buf, "tsv")
    >>> w.write([Prediction("d", 0, "共12件。", 0, 5, (), "achievement", {}, ("enforcement",))])
    >>> buf.getvalue().splitlines()[1].split("\\t")[:6]
    ['d', '0', '0', '5', 'achievement', 'enforcement']
    """

    def __init__(self, out: TextIO, fmt: str = "jsonl", header: bool = True) -> None:
        if fmt not in FORMATS:
            raise ValueError(f"unknown output format {fmt!r}; expected one of {', '.join(FORMATS)}")
        self.out = out
        self.fmt = fmt
        self._csv = None
        if fmt in ("csv", "tsv"):
            self._csv = csv.writer(out, delimiter="," if fmt == "csv" else "\t", lineterminator="\n")
            if header:
                self._csv.writerow(_COLUMNS)
        elif fmt == "table" and header:
            out.write(f"{'doc':<16} {'idx':>4}  {'function':<11} {'topics':<24} text\n")

    def write_labelled(self, labelled: Labelled, idx: Sequence[int] | None = None) -> None:
        """Write labelled columns (``idx``: the units' own numbers, as JSONL input gave them).

        The same bytes as :meth:`write` of ``labelled.predictions()``, without
        a record per unit.
        """
        from dataclasses import replace

        units = labelled.units
        idx = [u.idx for u in units] if idx is None else list(idx)
        # the JSONL line is a %-format for str ids and int positions (what the
        # segmenter makes); units built otherwise are written record by record
        plain = all(type(u.doc) is str and type(u.start) is int and type(u.end) is int for u in units) \
            and all(type(i) is int for i in idx)
        def by_records() -> None:
            self.write([replace(p, idx=i) for p, i in zip(labelled.predictions(), idx)])

        if self.fmt == "table" or (self.fmt == "jsonl" and not plain):
            by_records()
            return
        enc = encode_basestring
        if self.fmt == "jsonl":
            sections: dict[tuple[str, ...], str] = {}
            topics: dict[tuple[str, ...], str] = {}
            lines = []
            fscores, tscores = _score_texts(labelled.function_scores), _score_texts(labelled.topic_scores)
            kscores = _score_texts(labelled.doc_kind_score)
            try:
                for u, i, f, fs, t, ts, dk, ds in zip(units, idx, labelled.function, fscores, labelled.topics,
                                                      tscores, labelled.doc_kind, kscores):
                    key = tuple(u.section)
                    sec = sections.get(key)
                    if sec is None:
                        sec = sections[key] = ", ".join(map(enc, key))
                    top = topics.get(t)
                    if top is None:
                        top = topics[t] = ", ".join(map(enc, t))
                    lines.append(_JSONL % (enc(u.doc), i, enc(u.text), u.start, u.end, sec, enc(f), *fs, top, *ts,
                                           enc(dk), ds))
            except TypeError:  # a field json.dumps takes but the line cannot (a section heading that is no str)
                by_records()
                return
            self.out.write("".join(lines))
            return
        writerow = self._csv.writerow
        for u, i, f, fs, t, ts, dk, ds in zip(units, idx, labelled.function, labelled.function_scores.tolist(),
                                              labelled.topics, labelled.topic_scores.tolist(), labelled.doc_kind,
                                              labelled.doc_kind_score.tolist()):
            writerow([u.doc, i, u.start, u.end, f, ";".join(t), " > ".join(u.section), *fs, *ts, dk, ds, u.text])

    def write(self, predictions: Iterable[Prediction]) -> None:
        for p in predictions:
            if self.fmt == "jsonl":
                self.out.write(json.dumps(p.to_dict(), ensure_ascii=False) + "\n")
            elif self._csv is not None:
                self._csv.writerow(
                    [p.doc, p.idx, p.start, p.end, p.function, ";".join(p.topics), " > ".join(p.section)]
                    + [p.function_scores.get(f, 0.0) for f in FUNCTIONS]
                    + [p.topic_scores.get(t, 0.0) for t in TOPICS]
                    + [p.doc_kind, p.doc_kind_score, p.text]
                )
            else:
                topics = ",".join(p.topics) or "-"
                self.out.write(
                    f"{_fit(p.doc, 16)} {p.idx:>4}  {p.function:<11} {topics:<24} {_fit(p.text, 60, pad=False)}\n"
                )


def _width(ch: str) -> int:
    return 2 if unicodedata.east_asian_width(ch) in "WF" else 1


def _fit(text: str, cols: int, pad: bool = True) -> str:
    """Cut ``text`` to ``cols`` terminal columns (CJK characters take two)."""
    out, used = [], 0
    for ch in text:
        w = _width(ch)
        if used + w > cols:
            if out:
                out[-1] = "…"
            break
        out.append(ch)
        used += w
    s = "".join(out)
    return s + " " * max(0, cols - sum(_width(c) for c in s)) if pad else s
