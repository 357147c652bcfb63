"""Profile reports from files, text or labelled units, one or many (the library side of ``lawgov profile``).

:func:`profile_report` is the one-report function; :func:`profile_sources`
profiles many inputs (in several processes with ``jobs``), yielding results in
input order and an error message for each input that cannot be read, so one
bad file never stops a run; :func:`write_profiles` renders them. Nothing here
prints or exits.
"""
from __future__ import annotations

import csv
import io
import itertools
import json
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TextIO

from .errors import InputError, LawgovError
from .profile import DEFAULT_DEADLINE, PARTS, profile_predictions, profile_row, row_columns
from .records import Document, Prediction

FORMATS = ("json", "jsonl", "csv", "xlsx", "table", "html")


def profile_report(source: str | Path | Document | Sequence[Prediction], *, deadline: tuple[int, int] = DEFAULT_DEADLINE,
                   context: bool = True, encoding: str | None = None, model: Any = None) -> dict[str, Any]:
    """Profile one report: a file path, a :class:`Document`, or its labelled units.

    Examples
    --------
    >>> from lawgov_nlp.records import Document
    >>> prof = profile_report(Document("d", "一、主要举措和成效\\n全年办理复议案件12件。\\n二、存在的不足\\n人员不足。"))
    >>> prof["doc"], prof["parts"]["problems"]["status"], prof["figures"][0]["text"]
    ('d', 'present', '12件')
    """
    from .api import load_model

    if isinstance(source, (str, Path)):
        from .read import read_document

        source = read_document(source, encoding)
    if isinstance(source, Document):
        from .segment import segment

        preds = (model or load_model()).label_units(segment(source), context=context)
        prof = profile_predictions(preds, deadline=deadline, doc=source.doc)
        prof["source"] = source.source or None
        return prof
    return profile_predictions(list(source), deadline=deadline)


@dataclass
class Options:
    """How :func:`profile_sources` reads and labels."""

    context: bool = True
    encoding: str | None = None
    max_bytes: int = 50 * 1024 * 1024
    input_format: str = "auto"
    deadline: tuple[int, int] = DEFAULT_DEADLINE
    keep_units: bool = False  # return the predictions too (XLSX units sheet, HTML pages)
    skip: frozenset[str] = field(default_factory=frozenset)  # documents already profiled (resume)


@dataclass
class Result:
    """One profiled report (``units`` only with ``keep_units``)."""

    profile: dict[str, Any]
    units: list[Prediction] | None = None


def profile_sources(sources: Sequence[str], opts: Options, *, model: Any = None, model_dir: str | None = None,
                    jobs: int = 1) -> Iterator[tuple[str, list[Result] | str]]:
    """Yield ``(source, results or error message)`` for each source, in input order.

    A source is a path or ``"-"`` (stdin); a JSONL file may hold several
    documents, hence a list of results. ``opts.skip`` documents are left out.
    """
    from .api import load_model

    chunks = [list(sources[i:i + _CHUNK]) for i in range(0, len(sources), _CHUNK)]
    if jobs == 1 or len(chunks) < 2 or "-" in sources:
        labeller = model or load_model(model_dir)
        for chunk in chunks:
            yield from zip(chunk, _profile_chunk(chunk, labeller, opts))
        return
    from collections import deque
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=jobs, initializer=_init_worker, initargs=(model_dir,)) as pool:
        todo = iter(chunks)
        pending = deque((c, pool.submit(_worker, c, opts)) for c in itertools.islice(todo, 3 * jobs))
        while pending:
            chunk, future = pending.popleft()
            results = future.result()
            for nxt in itertools.islice(todo, 1):
                pending.append((nxt, pool.submit(_worker, nxt, opts)))
            yield from zip(chunk, results)


_CHUNK = 8
_WORKER_MODEL: Any = None


def _init_worker(model_dir: str | None) -> None:
    import warnings

    from .api import load_model
    from .errors import LawgovWarning

    global _WORKER_MODEL
    warnings.simplefilter("ignore", LawgovWarning)
    _WORKER_MODEL = load_model(model_dir)


def _worker(chunk: list[str], opts: Options) -> list[Any]:
    return _profile_chunk(chunk, _WORKER_MODEL, opts)


def _profile_chunk(chunk: list[str], model: Any, opts: Options) -> list[list[Result] | str]:
    read = [_read(s, opts) for s in chunk]
    groups = [g for r in read if not isinstance(r, str) for _, g, _ in r]
    labelled = iter(model.label_groups(groups, context=opts.context) if groups else [])
    out: list[list[Result] | str] = []
    for source, r in zip(chunk, read):
        if isinstance(r, str):
            out.append(r)
            continue
        results = []
        for doc, _, idx in r:
            preds = next(labelled)
            if idx is not None:
                preds = [replace(p, idx=i) for p, i in zip(preds, idx)]
            if not preds:
                out_err = f"{source}: document {doc!r} has no text"
                results = out_err
                break
            prof = profile_predictions(preds, deadline=opts.deadline, doc=doc)
            prof["source"] = source if source != "-" else "<stdin>"
            results.append(Result(prof, preds if opts.keep_units else None))
        out.append(results)
    return out


def _read(source: str, opts: Options) -> list[tuple[str, list[Any], list[int] | None]] | str:
    """The documents of a source as ``(doc, units, own idx or None)``, or an error message."""
    from .read import (JSONL_SUFFIXES, bytes_to_text, decode, group_rows, iter_unit_rows, read_bytes,
                       read_document, read_stream_bytes)
    from .segment import segment, units_from_texts

    fmt = opts.input_format
    try:
        if source == "-":
            name, doc = "<stdin>", "stdin"
            data = read_stream_bytes(sys.stdin.buffer, name, opts.max_bytes)
            kind = fmt if fmt != "auto" else {b"{": "jsonl", b"<": "html"}.get(data.lstrip()[:1], "text")
        else:
            path = Path(source)
            name, doc, suffix = source, path.stem, path.suffix.lower()
            if fmt == "jsonl" or (fmt == "auto" and suffix in JSONL_SUFFIXES):
                kind = "jsonl"
            elif fmt in ("text", "html") and suffix not in (".docx", ".pdf"):
                kind = fmt
            else:
                if doc in opts.skip:
                    return []
                d = read_document(path, opts.encoding, opts.max_bytes)
                return [(d.doc, segment(d), None)]
            if kind != "jsonl" and doc in opts.skip:
                return []
            data = read_bytes(path, opts.max_bytes)
        if kind == "jsonl":
            lines = decode(data, name, opts.encoding).splitlines()
            return [(d, units_from_texts(d, [r.text for r in rows]), [r.idx for r in rows])
                    for d, rows in group_rows(iter_unit_rows(lines, name), name) if d not in opts.skip]
        text = bytes_to_text(data, name, ".html" if kind == "html" else ".txt", opts.encoding)
        if doc in opts.skip:
            return []
        return [(doc, segment(Document(doc, text, name)), None)]
    except LawgovError as exc:
        return str(exc)


# ----------------------------------------------------------------- output


def done_docs(path: str | Path, fmt: str) -> set[str]:
    """Documents already profiled in an existing ``jsonl`` or ``csv`` output (for resume).

    Rows that record a failure do not count: those inputs are tried again.
    """
    path = Path(path)
    if not path.exists():
        return set()
    done: set[str] = set()
    with path.open(encoding="utf-8", newline="") as fh:
        if fmt == "jsonl":
            for lineno, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    rec = json.loads(line)
                    doc = rec["doc"]
                except (json.JSONDecodeError, KeyError, TypeError):
                    raise InputError(f"{path}:{lineno}: cannot resume, not a lawgov profile JSONL line") from None
                if not rec.get("error"):
                    done.add(doc)
        elif fmt == "csv":
            reader = csv.DictReader(fh)
            if reader.fieldnames is None or "doc" not in reader.fieldnames:
                raise InputError(f"{path}: cannot resume, not a lawgov profile CSV (no doc column)")
            done = {r["doc"] for r in reader if not r.get("error")}
        else:
            raise InputError(f"--resume works with jsonl or csv profile output, not {fmt}")
    return done


def kept_lines(path: str | Path, fmt: str) -> list[str]:
    """The lines of an existing output to keep when resuming (failure rows dropped, to be retried)."""
    path = Path(path)
    if not path.exists():
        return []
    with path.open(encoding="utf-8", newline="") as fh:
        lines = fh.read().splitlines(keepends=True)
    if fmt == "jsonl":
        return [ln if ln.endswith("\n") else ln + "\n" for ln in lines if ln.strip() and not json.loads(ln).get("error")]
    rows = list(csv.DictReader(io.StringIO("".join(lines))))
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(row_columns()), lineterminator="\n", extrasaction="ignore")
    for r in rows:
        if not r.get("error"):
            w.writerow(r)
    return buf.getvalue().splitlines(keepends=True)


class StreamWriter:
    """Write profiles one by one as JSONL, CSV or a terminal table (``json`` collects and writes at close)."""

    def __init__(self, out: TextIO, fmt: str, header: bool = True) -> None:
        if fmt not in ("json", "jsonl", "csv", "table"):
            raise ValueError(f"StreamWriter writes json, jsonl, csv or table, not {fmt!r}")
        self.out, self.fmt = out, fmt
        self._all: list[dict[str, Any]] = []
        self._csv = None
        if fmt == "csv":
            self._csv = csv.DictWriter(out, fieldnames=list(row_columns()), lineterminator="\n", extrasaction="ignore")
            if header:
                self._csv.writeheader()
        elif fmt == "table" and header:
            out.write(table_header())

    def write(self, profile: dict[str, Any]) -> None:
        if self.fmt == "jsonl":
            self.out.write(json.dumps(profile, ensure_ascii=False) + "\n")
        elif self.fmt == "json":
            self._all.append(profile)
        elif self._csv is not None:
            self._csv.writerow(profile_row(profile))
        else:
            self.out.write(table_row(profile))

    def close(self) -> None:
        if self.fmt == "json":
            # One report per line: readable, and diffable, even with long unit lists.
            self.out.write("[\n" + ",\n".join(json.dumps(p, ensure_ascii=False) for p in self._all) + "\n]\n")


_MARK = {"present": "✓", "mentioned": "~", "missing": "✗"}
_TABLE_PARTS = ("成效", "不足", "原因", "履职", "安排", "其他")


def table_header() -> str:
    parts = " ".join(_TABLE_PARTS)
    return f"{'doc':<22} {'year':>4} {'kind':<14} {parts}  {'prob/ach':>8} {'specific':>8} {'concrete':>8} {'figs':>5} {'plans':>5}  timeliness\n"


def table_row(profile: dict[str, Any]) -> str:
    from .export import _fit

    if "error" in profile:
        return f"{_fit(str(profile.get('doc')), 22)} error: {profile['error']}\n"
    r = profile_row(profile)
    marks = " ".join(f"{_MARK[r[k]]:<4}" for k in PARTS)

    def pct(v: Any) -> str:
        return "–" if v is None else f"{v:.0%}"

    ppa = "–" if r["problems_per_achievement"] is None else f"{r['problems_per_achievement']:.2f}"
    late = f" ({r['days_late']} d)" if r["timeliness"] == "late" else ""
    return (f"{_fit(r['doc'], 22)} {r['year'] or '–':>4} {r['doc_kind']:<14} {marks} {ppa:>8} "
            f"{pct(r['problem_specific_share']):>8} {pct(r['achievement_concrete_share']):>8} {r['figures']:>5} "
            f"{r['plan_items']:>5}  {r['timeliness']}{late}\n")


def write_html(target: str | None, results: Sequence[Result], failures: Sequence[str], level: str,
               stdout: TextIO) -> list[Path]:
    """One page per report; for several reports ``target`` is a directory with ``index.html``."""
    from .report_html import index_page, report_page

    if len(results) == 1 and not failures and (target is None or not Path(target).is_dir()):
        page = report_page(results[0].profile, results[0].units or [], level=level)
        if target is None:
            stdout.write(page)
            return []
        _atomic_write(Path(target), page)
        return [Path(target)]
    if target is None:
        raise InputError("--format html with several reports needs -o DIR (one page per report and an index.html)")
    out = Path(target)
    if out.exists() and not out.is_dir():
        raise InputError(f"{out}: --format html with several reports writes a directory, and this is a file")
    out.mkdir(parents=True, exist_ok=True)
    hrefs: dict[str, str] = {}
    written = []
    for res in results:
        name = _safe_name(res.profile["doc"], hrefs)
        hrefs[res.profile["doc"]] = name
        _atomic_write(out / name, report_page(res.profile, res.units or [], level=level, index_href="index.html"))
        written.append(out / name)
    _atomic_write(out / "index.html", index_page([r.profile for r in results], hrefs, failures))
    return [out / "index.html", *written]


def _safe_name(doc: str, taken: dict[str, str]) -> str:
    import re

    base = re.sub(r"[^\w.-]+", "_", doc).strip("._") or "report"
    name, n = f"{base}.html", 1
    while name in taken.values() or name == "index.html":
        n += 1
        name = f"{base}-{n}.html"
    return name


def _atomic_write(path: Path, text: str) -> None:
    import os
    import tempfile

    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def error_record(source: str, message: str) -> dict[str, Any]:
    """The record of an input that could not be profiled (JSON/JSONL/CSV rows)."""
    doc = "stdin" if source == "-" else Path(source).stem
    return {"doc": doc, "source": source, "error": message}


def iter_profiles(items: Iterable[tuple[str, list[Result] | str]]) -> Iterator[dict[str, Any]]:
    for source, res in items:
        if isinstance(res, str):
            yield error_record(source, res)
        else:
            for r in res:
                yield r.profile
