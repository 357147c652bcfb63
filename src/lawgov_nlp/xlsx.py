"""Write profiles as an Excel workbook (openpyxl), for analysts who work in spreadsheets.

Sheets: ``reports`` (one row per report, the checklist as ✓/~/✗ columns —
✓ present, ~ only mentioned, ✗ missing — header frozen and filtered),
``units`` (every unit with its labels), ``figures`` (every extracted figure
with the unit it comes from) and, when some inputs could not be read,
``failed`` (input and reason).
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from .labels import FUNCTIONS, TOPICS
from .profile import PARTS, profile_row, row_columns
from .records import Prediction

MARKS = {"present": "✓", "mentioned": "~", "missing": "✗"}
UNIT_COLUMNS = ("doc", "idx", "function", "topics", "section", *(f"p_{f}" for f in FUNCTIONS),
                *(f"p_{t}" for t in TOPICS), "doc_kind", "text")
FIGURE_COLUMNS = ("doc", "idx", "text", "value", "number", "measure", "function", "topics")


def write_xlsx(path: str | Path, profiles: Sequence[dict[str, Any]],
               units: Iterable[Sequence[Prediction]] = (), failures: Sequence[str] = ()) -> Path:
    """Write the workbook to ``path`` and return it."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "reports"
    cols = [c for c in row_columns() if c != "error"] + ["error"]
    ws.append(cols)
    for prof in profiles:
        row = profile_row(prof)
        ws.append([_cell(MARKS.get(row.get(c), row.get(c)) if c in PARTS else row.get(c)) for c in cols])
    ws.freeze_panes = "B2"
    ws.auto_filter.ref = ws.dimensions

    wu = wb.create_sheet("units")
    wu.append(list(UNIT_COLUMNS))
    for preds in units:
        for p in preds:
            wu.append([p.doc, p.idx, p.function, ";".join(p.topics), " > ".join(p.section)]
                      + [p.function_scores.get(f, 0.0) for f in FUNCTIONS]
                      + [p.topic_scores.get(t, 0.0) for t in TOPICS] + [p.doc_kind or "unknown", _cell(p.text)])
    wu.freeze_panes = "A2"
    wu.auto_filter.ref = wu.dimensions

    wf = wb.create_sheet("figures")
    wf.append(list(FIGURE_COLUMNS))
    for prof in profiles:
        for f in prof.get("figures", ()):
            wf.append([prof["doc"], f["idx"], f["text"], f["value"], f["number"], f["measure"], f["function"],
                       ";".join(f["topics"])])
    wf.freeze_panes = "A2"
    wf.auto_filter.ref = wf.dimensions

    if failures:
        wx = wb.create_sheet("failed")
        wx.append(["input", "reason"])
        for f in failures:
            where, _, why = f.partition(": ")
            wx.append([where, why or f])
    path = Path(path)
    wb.save(path)
    return path


def _cell(value: Any) -> Any:
    # Control characters other than tab/newline are not allowed in XLSX cells.
    if isinstance(value, str):
        return "".join(ch for ch in value if ch >= " " or ch in "\t\n")
    return value
