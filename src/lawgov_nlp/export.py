"""Write labelled units as JSONL, CSV, TSV or a readable terminal table.

Writers stream: each prediction is written as it arrives, so memory does not
grow with the size of an archive.
"""
from __future__ import annotations

import csv
import json
import unicodedata
from collections.abc import Iterable
from typing import TextIO

from .labels import FUNCTIONS, TOPICS
from .records import Prediction

FORMATS = ("jsonl", "csv", "tsv", "table")
_COLUMNS = (
    ["doc", "idx", "start", "end", "function", "topics", "section"]
    + [f"p_{f}" for f in FUNCTIONS] + [f"p_{t}" for t in TOPICS] + ["doc_kind", "p_doc_kind", "text"]
)


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
