"""Correct predictions in a spreadsheet or an annotation tool and bring them back as a corpus.

``export`` turns ``lawgov label`` JSONL output into one row (or task) per unit,
with its document, section path and neighbours, the predicted labels
pre-filled and marked as *not reviewed*:

- ``xlsx``: one sheet of units (a ``doc`` column, frozen header and key
  columns, drop-down lists for ``function``, ``topics`` and ``reviewed``), a
  sheet with the label definitions;
- ``tsv``: the same columns as tab-separated text;
- ``doccano``: JSON Lines for a doccano text-classification project
  (``{"text", "label": [...]}``, the other keys become metadata);
- ``label-studio``: a JSON list of tasks (``data``), the predicted labels as
  ``predictions`` (pre-annotations, not annotations), and next to it the
  labeling config (``FILE.label_config.xml``: two ``Choices`` over the text).

``import_corrections`` reads such a file back (the tools' own export formats:
doccano JSONL with ``text``/``label``, Label Studio JSON tasks with
``annotations``), validates every row — unknown label, missing unit, edited
text, duplicate unit or document, a document half done — with messages naming
the row, and writes a corpus directory in the ``corpora/`` format
(``raw/``, ``gold/``, ``sources.tsv``).

**Reviewed or not.** A unit is gold only if someone reviewed it: in XLSX/TSV
the ``reviewed`` cell is filled (``x``, ``yes``, ``1`` …); in Label Studio the
task has an annotation that was not cancelled (predictions alone are not a
review); in any format a unit whose labels differ from the prediction was
corrected, so it is reviewed. doccano's export has no review field: pass
``all_reviewed=True`` (``--all-reviewed``) when the file holds only units you
checked (doccano: *Export only approved documents*). Units nobody reviewed
are written with ``"gold": false`` and their predicted labels; training
leaves out every document that has one, with a warning, so nothing a user
corrected is lost and nothing unreviewed is learnt from.

Raw text: the predictions hold the units, not the file they came from; each
document's raw text is rebuilt from its units (units that were adjacent in
the original stay on one line, others get a line each) and checked to
segment back into exactly the same units.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import InputError
from .labels import FUNCTIONS, TOPICS

FORMATS = ("xlsx", "tsv", "doccano", "label-studio")
COLUMNS = ("doc", "idx", "reviewed", "function", "topics", "predicted_function", "predicted_topics",
           "confidence", "section", "before", "text", "after", "start", "end", "key")
_YES = {"x", "yes", "y", "1", "true", "ok", "✓", "✔", "是", "已审"}
_TOPIC_CHOICES = [";".join(c) for c in
                  ([], ["disclosure"], ["enforcement"], ["reconsideration"], ["disclosure", "enforcement"],
                   ["disclosure", "reconsideration"], ["enforcement", "reconsideration"], list(TOPICS))]


def unit_key(doc: str, idx: int, text: str) -> str:
    """A short hash of a unit's identity and text: an edited text no longer matches it."""
    return hashlib.sha256(json.dumps([doc, idx, text], ensure_ascii=False).encode("utf-8")).hexdigest()[:12]


# ------------------------------------------------------------------ export


def read_predictions(path: str | Path) -> list[dict[str, Any]]:
    """``lawgov label`` JSONL output, validated (doc, idx, text, function, topics)."""
    rows = []
    seen: dict[tuple[str, int], int] = {}
    with Path(path).open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                r = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(f"{path}:{lineno}: not valid JSON ({exc.msg})") from None
            missing = [k for k in ("doc", "idx", "text", "function", "topics") if not isinstance(r, dict) or k not in r]
            if missing:
                raise InputError(f"{path}:{lineno}: not a lawgov label record (missing {', '.join(missing)}); "
                                 "export the JSONL output of `lawgov label`")
            key = (str(r["doc"]), int(r["idx"]))
            if key in seen:
                raise InputError(f"{path}:{lineno}: duplicate unit {key[0]} #{key[1]} (also line {seen[key]})")
            seen[key] = lineno
            rows.append(r)
    if not rows:
        raise InputError(f"{path}: no predictions")
    return rows


def export_rows(preds: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per unit with its context and the predicted labels pre-filled (not reviewed)."""
    by_doc: dict[str, list[dict[str, Any]]] = {}
    for p in preds:
        by_doc.setdefault(str(p["doc"]), []).append(p)
    out = []
    for doc, units in by_doc.items():
        units.sort(key=lambda p: int(p["idx"]))
        for i, p in enumerate(units):
            scores = p.get("function_scores") or {}
            out.append({
                "doc": doc, "idx": int(p["idx"]), "reviewed": "",
                "function": p["function"], "topics": ";".join(p["topics"]),
                "predicted_function": p["function"], "predicted_topics": ";".join(p["topics"]),
                "confidence": round(float(scores.get(p["function"], 0.0)), 4),
                "section": " > ".join(p.get("section") or []),
                "before": units[i - 1]["text"] if i else "", "text": p["text"],
                "after": units[i + 1]["text"] if i + 1 < len(units) else "",
                "start": p.get("start", -1), "end": p.get("end", -1),
                "key": unit_key(doc, int(p["idx"]), p["text"]),
            })
    return out


def export(predictions: str | Path | Sequence[dict[str, Any]], out: str | Path, fmt: str) -> Path:
    """Write an annotation file (``fmt`` one of :data:`FORMATS`) from predictions."""
    if fmt not in FORMATS:
        raise InputError(f"unknown annotation format {fmt!r}; expected one of {', '.join(FORMATS)}")
    preds = read_predictions(predictions) if isinstance(predictions, (str, Path)) else list(predictions)
    rows = export_rows(preds)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "tsv":
        with out.open("w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh, delimiter="\t", lineterminator="\n")
            w.writerow(COLUMNS)
            for r in rows:
                w.writerow([r[c] for c in COLUMNS])
    elif fmt == "xlsx":
        _write_xlsx(rows, out)
    elif fmt == "doccano":
        with out.open("w", encoding="utf-8") as fh:
            for r in rows:
                meta = {k: r[k] for k in COLUMNS if k not in ("text", "function", "topics", "reviewed")}
                fh.write(json.dumps({"text": r["text"], "label": [r["function"], *_split(r["topics"])], **meta},
                                    ensure_ascii=False) + "\n")
    else:
        tasks = [{"data": {k: r[k] for k in COLUMNS if k not in ("function", "topics", "reviewed")},
                  "predictions": [{"model_version": "lawgov", "score": r["confidence"],
                                   "result": _ls_result(r["function"], _split(r["topics"]))}]}
                 for r in rows]
        out.write_text(json.dumps(tasks, ensure_ascii=False, indent=1), encoding="utf-8")
        out.with_name(out.name + ".label_config.xml").write_text(label_studio_config(), encoding="utf-8")
    return out


def label_studio_config() -> str:
    """The Label Studio labeling config the exported tasks fit (``function``, ``topics`` over ``text``)."""
    f = "".join(f'    <Choice value="{c}"/>\n' for c in FUNCTIONS)
    t = "".join(f'    <Choice value="{c}"/>\n' for c in TOPICS)
    return ('<View>\n  <Header value="$doc #$idx   $section"/>\n  <Text name="before" value="$before"/>\n'
            '  <Text name="text" value="$text"/>\n  <Text name="after" value="$after"/>\n'
            f'  <Choices name="function" toName="text" choice="single" required="true">\n{f}  </Choices>\n'
            f'  <Choices name="topics" toName="text" choice="multiple">\n{t}  </Choices>\n</View>\n')


def _ls_result(function: str, topics: list[str]) -> list[dict[str, Any]]:
    out = [{"from_name": "function", "to_name": "text", "type": "choices", "value": {"choices": [function]}}]
    if topics:
        out.append({"from_name": "topics", "to_name": "text", "type": "choices", "value": {"choices": topics}})
    return out


def _write_xlsx(rows: list[dict[str, Any]], out: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook()
    ws = wb.active
    ws.title = "units"
    ws.append(list(COLUMNS))
    for r in rows:
        ws.append([r[c] for c in COLUMNS])
    n = len(rows) + 1
    col = {c: chr(ord("A") + i) for i, c in enumerate(COLUMNS)}
    for name, choices in (("function", list(FUNCTIONS)), ("topics", _TOPIC_CHOICES), ("reviewed", ["x"])):
        dv = DataValidation(type="list", formula1='"' + ",".join(choices) + '"', allow_blank=True,
                            showErrorMessage=True, errorTitle=f"unknown {name}",
                            error=f"{name}: one of {', '.join(c or '(empty)' for c in choices)}")
        ws.add_data_validation(dv)
        dv.add(f"{col[name]}2:{col[name]}{n}")
    ws.freeze_panes = "F2"   # header row and doc, idx, reviewed, function, topics stay in view
    bold = Font(bold=True)
    for cell in ws[1]:
        cell.font = bold
    grey = PatternFill("solid", fgColor="EEEEEE")
    for c in ("predicted_function", "predicted_topics", "confidence", "before", "after", "start", "end", "key"):
        for cell in ws[col[c]][1:]:
            cell.fill = grey
    for c, width in (("text", 60), ("section", 30), ("before", 30), ("after", 30), ("topics", 22), ("function", 12)):
        ws.column_dimensions[col[c]].width = width
    for cell in ws[col["text"]][1:]:
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    about = wb.create_sheet("labels")
    about.append(["column", "what to do"])
    about.append(["function", "exactly one of " + ", ".join(FUNCTIONS) + " (ANNOTATION.md)"])
    about.append(["topics", "zero or more of " + ", ".join(TOPICS) + ", separated by ';'"])
    about.append(["reviewed", "put x once you have checked the row; rows without x (and unchanged) are not gold"])
    about.append(["text, key", "do not edit: they identify the unit"])
    about.append(["predicted_*", "what the model said (for reference; not gold)"])
    wb.save(out)


def _split(topics: Any) -> list[str]:
    if isinstance(topics, list):
        return [str(t) for t in topics]
    return [t.strip() for t in str(topics or "").replace(",", ";").split(";") if t.strip()]


# ------------------------------------------------------------------ import


@dataclass
class Row:
    """One unit as read back from an annotation file."""

    where: str                 # "FILE row N" for messages
    doc: str
    idx: int
    text: str
    function: str
    topics: list[str]
    reviewed: bool
    predicted_function: str = ""
    predicted_topics: list[str] = field(default_factory=list)
    key: str = ""
    start: int = -1
    end: int = -1


@dataclass
class ImportReport:
    """What an import wrote: documents, units, reviewed units, corrections, and warnings."""

    corpus: Path
    documents: list[str]
    units: int
    reviewed: int
    corrected: int
    warnings: list[str]

    def summary(self) -> str:
        return (f"{self.corpus}: {len(self.documents)} documents, {self.units} units, {self.reviewed} reviewed "
                f"(gold), {self.corrected} corrected, {self.units - self.reviewed} not reviewed (not gold)")


def detect_format(path: str | Path) -> str:
    suffix = Path(path).suffix.lower()
    fmt = {".xlsx": "xlsx", ".tsv": "tsv", ".txt": "tsv", ".jsonl": "doccano", ".json": "label-studio"}.get(suffix)
    if fmt is None:
        raise InputError(f"{path}: cannot tell the format from the suffix; pass --from {'|'.join(FORMATS)}")
    return fmt


def read_rows(path: str | Path, fmt: str | None = None, all_reviewed: bool = False) -> list[Row]:
    """The rows of an annotation file, each checked on its own (labels, fields)."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    fmt = fmt or detect_format(path)
    if fmt in ("xlsx", "tsv"):
        raw = _table_rows(path, fmt)
    elif fmt == "doccano":
        raw = _doccano_rows(path)
    elif fmt == "label-studio":
        raw = _label_studio_rows(path)
    else:
        raise InputError(f"unknown annotation format {fmt!r}; expected one of {', '.join(FORMATS)}")
    rows = [_check_row(where, r, all_reviewed) for where, r in raw]
    if not rows:
        raise InputError(f"{path}: no units")
    return rows


def _table_rows(path: Path, fmt: str) -> list[tuple[str, dict[str, Any]]]:
    if fmt == "xlsx":
        from openpyxl import load_workbook

        try:
            wb = load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many types for a damaged file
            raise InputError(f"{path}: not a readable .xlsx file ({type(exc).__name__}: {exc})") from None
        ws = wb["units"] if "units" in wb.sheetnames else wb.worksheets[0]
        table = [["" if v is None else v for v in row] for row in ws.iter_rows(values_only=True)]
        wb.close()
    else:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            table = list(csv.reader(fh, delimiter="\t"))
    if not table:
        raise InputError(f"{path}: empty file")
    header = [str(h).strip() for h in table[0]]
    missing = [c for c in ("doc", "idx", "function", "topics", "text") if c not in header]
    if missing:
        raise InputError(f"{path} row 1: missing column(s) {', '.join(missing)} (export with `lawgov annotate export`)")
    out = []
    for n, values in enumerate(table[1:], 2):
        if not any(str(v).strip() for v in values):
            continue
        out.append((f"{path} row {n}", dict(zip(header, values))))
    return out


def _doccano_rows(path: Path) -> list[tuple[str, dict[str, Any]]]:
    out = []
    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            where = f"{path} line {n}"
            try:
                r = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(f"{where}: not valid JSON ({exc.msg})") from None
            if not isinstance(r, dict) or "text" not in r:
                raise InputError(f"{where}: not a doccano record (expected an object with \"text\" and \"label\")")
            meta = dict(r.get("meta") or {}) if isinstance(r.get("meta"), dict) else {}
            meta.update({k: v for k, v in r.items() if k not in ("meta", "label", "labels", "text")})
            labels = r.get("label", r.get("labels", []))
            if not isinstance(labels, list):
                raise InputError(f"{where}: \"label\" must be a list of label names, got {labels!r}")
            labels = [l[-1] if isinstance(l, list) else l for l in labels]  # a [start, end, label] span: the label
            funcs = [l for l in labels if l in FUNCTIONS]
            others = [l for l in labels if l not in FUNCTIONS]
            if len(funcs) != 1:
                unknown = [l for l in others if l not in TOPICS]
                what = f"unknown label(s) {', '.join(map(str, unknown))}; " if unknown else ""
                raise InputError(f"{where} (doc {meta.get('doc')}, unit {meta.get('idx')}): {what}expected exactly one "
                                 f"function label of {', '.join(FUNCTIONS)}, found {len(funcs)}")
            reviewed = meta.get("reviewed", meta.get("is_confirmed", ""))
            out.append((where, dict(meta, text=r["text"], function=funcs[0], topics=others, reviewed=reviewed)))
    return out


def _label_studio_rows(path: Path) -> list[tuple[str, dict[str, Any]]]:
    try:
        tasks = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: not valid JSON ({exc.msg}); export the project as JSON") from None
    if not isinstance(tasks, list):
        raise InputError(f"{path}: expected a JSON list of Label Studio tasks")
    out = []
    for n, task in enumerate(tasks, 1):
        where = f"{path} task {n}" + (f" (id {task['id']})" if isinstance(task, dict) and "id" in task else "")
        if not isinstance(task, dict) or not isinstance(task.get("data"), dict):
            raise InputError(f"{where}: not a Label Studio task (expected an object with \"data\")")
        done = [a for a in task.get("annotations") or [] if not a.get("was_cancelled")]
        preds = task.get("predictions") or []
        source = done[-1] if done else (preds[-1] if preds else None)
        if source is None:
            raise InputError(f"{where}: neither an annotation nor a prediction")
        function, topics = _from_result(where, source.get("result") or [])
        out.append((where, dict(task["data"], function=function, topics=topics, reviewed=bool(done))))
    return out


def _from_result(where: str, result: list[dict[str, Any]]) -> tuple[str, list[str]]:
    function: list[str] = []
    topics: list[str] = []
    for item in result:
        if item.get("type") != "choices":
            continue
        choices = list(item.get("value", {}).get("choices", []))
        if item.get("from_name") == "function":
            function += choices
        elif item.get("from_name") == "topics":
            topics += choices
        else:
            raise InputError(f"{where}: unknown control {item.get('from_name')!r} (expected function or topics)")
    if len(function) != 1:
        raise InputError(f"{where}: expected exactly one function choice, found {len(function)}")
    return function[0], topics


def _check_row(where: str, r: dict[str, Any], all_reviewed: bool) -> Row:
    def s(key: str) -> str:
        v = r.get(key, "")
        return "" if v is None else str(v).strip()

    doc = s("doc")
    if not doc:
        raise InputError(f"{where}: no doc id")
    try:
        idx = int(float(s("idx")))
    except ValueError:
        raise InputError(f"{where}: idx {r.get('idx')!r} is not a number") from None
    label = f"{where} (doc {doc}, unit {idx})"
    function = s("function")
    if function not in FUNCTIONS:
        raise InputError(f"{label}: unknown function {function!r} (expected one of {', '.join(FUNCTIONS)})")
    topics = _split(r.get("topics", ""))
    bad = [t for t in topics if t not in TOPICS]
    if bad or len(set(topics)) != len(topics):
        raise InputError(f"{label}: bad topics {';'.join(topics)!r} (expected distinct labels of {', '.join(TOPICS)},"
                         " separated by ';')")
    text = "" if r.get("text") is None else str(r["text"])
    key = s("key")
    if key and key != unit_key(doc, idx, text):
        raise InputError(f"{label}: the unit's text was edited (or doc/idx changed); keep them as exported and "
                         "correct only function, topics and reviewed")
    pf, pt = s("predicted_function"), _split(r.get("predicted_topics", ""))
    changed = bool(pf) and (function != pf or sorted(topics) != sorted(pt))
    reviewed = all_reviewed or changed or r.get("reviewed") is True or s("reviewed").lower() in _YES
    def num(k: str) -> int:
        try:
            return int(float(s(k)))
        except ValueError:
            return -1
    return Row(where, doc, idx, text, function, sorted(topics, key=TOPICS.index), reviewed, pf, pt, key,
               num("start"), num("end"))


def import_corrections(path: str | Path, corpus: str | Path, fmt: str | None = None, all_reviewed: bool = False,
                       predictions: str | Path | None = None, group: str = "imported") -> ImportReport:
    """Validate an annotation file and write its documents into the corpus directory ``corpus``.

    ``predictions`` (the ``lawgov label`` JSONL the file was exported from)
    fills in units absent from the file (e.g. a doccano export of approved
    units only) as not reviewed; without it a missing unit is an error.
    """
    from .corpus import load_documents
    from .records import Document
    from .segment import segment

    rows = read_rows(path, fmt, all_reviewed)
    where: dict[tuple[str, int], str] = {}
    by_doc: dict[str, dict[int, Row]] = {}
    for r in rows:
        k = (r.doc, r.idx)
        if k in where:
            raise InputError(f"{r.where}: duplicate unit {r.doc} #{r.idx} (also {where[k].split(' ', 1)[1]})")
        where[k] = r.where
        by_doc.setdefault(r.doc, {})[r.idx] = r
    if predictions is not None:
        for p in export_rows(read_predictions(predictions)):
            units = by_doc.get(p["doc"])
            if units is not None and p["idx"] not in units:
                units[p["idx"]] = _check_row(f"{predictions} (unit not in {Path(path).name})",
                                             dict(p, reviewed=""), False)
    corpus = Path(corpus)
    existing = set()
    if (corpus / "gold").is_dir():
        existing = {f.stem for f in (corpus / "gold").glob("*.jsonl")}
    warnings: list[str] = []
    planned: list[tuple[str, str, list[dict[str, Any]]]] = []
    for doc, units in by_doc.items():
        if doc in existing:
            raise InputError(f"{where[(doc, min(units))]}: document {doc!r} is already in {corpus}/gold; "
                             "import into another --corpus directory or remove it first")
        idxs = sorted(units)
        missing = sorted(set(range(idxs[-1] + 1)) - set(idxs))
        if missing:
            raise InputError(f"{where[(doc, idxs[0])]}: document {doc} lacks unit(s) "
                             f"{_ranges(missing)} (rows must cover every unit; pass --predictions PRED.jsonl to "
                             "fill units left out of the file as not reviewed)")
        ordered = [units[i] for i in idxs]
        if any(not u.text.strip() for u in ordered):
            bad = next(u for u in ordered if not u.text.strip())
            raise InputError(f"{bad.where} (doc {doc}, unit {bad.idx}): empty text")
        raw, spans = _rebuild_raw(ordered, segment, Document)
        if raw is None:
            raise InputError(f"{where[(doc, idxs[0])]}: the units of document {doc} do not segment back into the "
                             "same units once joined (was a unit's text edited or split?)")
        todo = [u.idx for u in ordered if not u.reviewed]
        if todo and len(todo) < len(ordered):
            warnings.append(f"document {doc} is half done: {len(ordered) - len(todo)} of {len(ordered)} units reviewed, "
                            f"not unit(s) {_ranges(todo)}; it is kept with those units as not gold and left out of "
                            "training until they are reviewed")
        records = [{"doc": doc, "idx": u.idx, "text": u.text, "start": s, "end": e, "function": u.function,
                    "topics": u.topics, "gold": u.reviewed} for u, (s, e) in zip(ordered, spans)]
        planned.append((doc, raw, records))
    # everything validated: write
    for sub in ("raw", "gold"):
        (corpus / sub).mkdir(parents=True, exist_ok=True)
    sources = corpus / "sources.tsv"
    new_sources = "" if sources.is_file() else "doc\tgroup\tsource\n"
    for doc, raw, records in planned:
        (corpus / "raw" / f"{doc}.txt").write_text(raw, encoding="utf-8", newline="")
        (corpus / "gold" / f"{doc}.jsonl").write_text(
            "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
        new_sources += f"{doc}\t{group}\t{Path(path).name}\n"
    with sources.open("a", encoding="utf-8") as fh:
        fh.write(new_sources)
    load_documents(corpus)  # the corpus loader agrees with what was written
    all_rows = [u for _, _, recs in planned for u in recs]
    corrected = sum(1 for units in by_doc.values() for u in units.values()
                    if u.predicted_function and (u.function != u.predicted_function
                                                 or sorted(u.topics) != sorted(u.predicted_topics)))
    return ImportReport(corpus, [d for d, _, _ in planned], len(all_rows), sum(r["gold"] for r in all_rows),
                        corrected, warnings)


def _rebuild_raw(units: list[Row], segment: Any, Document: Any) -> tuple[str | None, list[tuple[int, int]]]:
    """A raw text whose segmentation gives exactly these units, and each unit's offsets."""
    texts = [u.text for u in units]
    adjacent = [i > 0 and units[i - 1].end >= 0 and units[i].start == units[i - 1].end for i in range(len(units))]
    for joins in (adjacent, [False] * len(units)):
        parts, spans, pos = [], [], 0
        for i, t in enumerate(texts):
            if i and not joins[i]:
                parts.append("\n")
                pos += 1
            spans.append((pos, pos + len(t)))
            parts.append(t)
            pos += len(t)
        raw = "".join(parts) + "\n"
        got = [(u.start, u.end) for u in segment(Document("x", raw))]
        if got == spans:
            return raw, spans
    return None, []


def _ranges(xs: Iterable[int]) -> str:
    xs = sorted(xs)
    out, start = [], None
    for i, x in enumerate(xs):
        if start is None:
            start = x
        if i + 1 == len(xs) or xs[i + 1] != x + 1:
            out.append(str(start) if start == x else f"{start}-{x}")
            start = None
    return ", ".join(out[:8]) + (" …" if len(out) > 8 else "")


def apply_corrections(path: str | Path, corrections: str | Path, fmt: str | None = None) -> int:
    """Apply a corrections TSV (``doc, idx, function, topics``) to an exported XLSX/TSV, marking rows reviewed.

    What a person does by hand in the spreadsheet, as a function (notebook 05
    uses it with ``examples/corrections.tsv``). Returns the number of rows whose labels changed.
    """
    fmt = fmt or detect_format(path)
    fixes: dict[tuple[str, int], tuple[str, str]] = {}
    with Path(corrections).open(encoding="utf-8") as fh:
        for r in csv.DictReader((l for l in fh if not l.startswith("#")), delimiter="\t"):
            fixes[(r["doc"], int(r["idx"]))] = (r["function"], r.get("topics") or "")
    n = 0
    if fmt == "xlsx":
        from openpyxl import load_workbook

        wb = load_workbook(path)
        ws = wb["units"]
        header = [c.value for c in ws[1]]
        col = {h: i for i, h in enumerate(header)}
        for row in ws.iter_rows(min_row=2):
            k = (str(row[col["doc"]].value), int(row[col["idx"]].value))
            row[col["reviewed"]].value = "x"
            if k in fixes:
                old = (str(row[col["function"]].value or ""), sorted(_split(row[col["topics"]].value)))
                row[col["function"]].value, row[col["topics"]].value = fixes[k]
                n += old != (fixes[k][0], sorted(_split(fixes[k][1])))
        wb.save(path)
    elif fmt == "tsv":
        with Path(path).open(encoding="utf-8", newline="") as fh:
            table = list(csv.reader(fh, delimiter="\t"))
        col = {h: i for i, h in enumerate(table[0])}
        for row in table[1:]:
            k = (row[col["doc"]], int(row[col["idx"]]))
            row[col["reviewed"]] = "x"
            if k in fixes:
                old = (row[col["function"]], sorted(_split(row[col["topics"]])))
                row[col["function"]], row[col["topics"]] = fixes[k]
                n += old != (fixes[k][0], sorted(_split(fixes[k][1])))
        buf = io.StringIO()
        csv.writer(buf, delimiter="\t", lineterminator="\n").writerows(table)
        Path(path).write_text(buf.getvalue(), encoding="utf-8")
    else:
        raise InputError(f"apply_corrections works on xlsx or tsv exports, not {fmt}")
    return n
