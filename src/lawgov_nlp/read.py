"""Read inputs: report files (text), directories, stdin, and pre-segmented JSONL units.

Bytes are decoded by detection (BOMs, strict UTF-8, then charset-normalizer
among the encodings Chinese reports use), never with ``errors='ignore'``: a
file that cannot be decoded is an error that names it.
"""
from __future__ import annotations

import re

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from .clean import SURROGATE
from .errors import InputError
from .records import Document

DEFAULT_MAX_BYTES = 50 * 1024 * 1024
TEXT_SUFFIXES = frozenset({".txt", ".text", ".md", ""})
JSONL_SUFFIXES = frozenset({".jsonl", ".ndjson"})
HTML_SUFFIXES = frozenset({".html", ".htm", ".shtml", ".xhtml"})
REPORT_SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | {".docx", ".pdf"}
_OLD_OFFICE = frozenset({".doc", ".wps", ".rtf", ".et", ".wpt"})
_CANDIDATES = ("gb18030", "big5", "utf_16")


@dataclass(frozen=True)
class UnitRow:
    """One pre-segmented unit read from JSONL: its document, position and text."""

    doc: str
    idx: int
    text: str


def decode(data: bytes, name: str, encoding: str | None = None) -> str:
    """Decode report bytes to text, detecting the encoding unless one is given.

    Examples
    --------
    >>> decode("政务公开".encode("gb18030"), "x.txt")
    '政务公开'
    >>> decode("\\ufeff政务公开".encode("utf-8"), "x.txt")
    '政务公开'
    """
    if encoding:
        try:
            return _checked(data.decode(encoding), name)
        except LookupError:
            raise InputError(f"{name}: unknown encoding {encoding!r}") from None
        except UnicodeDecodeError as exc:
            raise InputError(f"{name}: not valid {encoding} (byte {exc.start})") from None
    return _checked(_detect(data, name), name)


_CONTROLS = re.compile("[\x00-\x08\x0e-\x1f]")  # below U+0020, but for \t \n \v \f \r


def _checked(text: str, name: str) -> str:
    """Refuse text that is really binary data (control characters a report never has)."""
    sample = text[:20000]
    controls = len(_CONTROLS.findall(sample))
    if controls > len(sample) // 100:
        raise InputError(f"{name}: binary file, not a text report")
    return text


def _detect(data: bytes, name: str) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InputError(f"{name}: starts with a UTF-8 mark but is not valid UTF-8 (byte {exc.start})") from None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise InputError(f"{name}: starts with a UTF-16 mark but is not valid UTF-16 (byte {exc.start})") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if b"\x00" in data[:4096]:
        for enc in ("utf-16-le", "utf-16-be"):
            try:
                return _checked(data.decode(enc), name)
            except (UnicodeDecodeError, InputError):
                continue
        raise InputError(f"{name}: binary file, not a text report")
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(data, cp_isolation=list(_CANDIDATES) + ["gb2312", "gbk", "big5hkscs"]).best()
    except ImportError:  # pragma: no cover - charset-normalizer is a dependency
        best = None
    if best is not None:
        return str(best)
    for enc in _CANDIDATES:
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    raise InputError(f"{name}: cannot detect the text encoding (tried UTF-8, GB18030, Big5, UTF-16); use --encoding")


def read_bytes(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """Read a file, refusing missing, special and oversized files with a clear message."""
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if path.is_dir():
        raise InputError(f"{path}: is a directory")
    size = path.stat().st_size
    if size > max_bytes:
        raise InputError(f"{path}: file is {size / 1e6:.1f} MB, over the {max_bytes / 1e6:.0f} MB limit (see --max-size)")
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from None


def read_document(path: str | Path, encoding: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES) -> Document:
    """Read one report (.txt, .html, .docx or .pdf) into a :class:`Document` named by the file stem.

    Offsets of the units refer to the document's text: the file itself for
    plain text, the extracted text for the other formats.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in _OLD_OFFICE:
        raise InputError(f"{path}: {suffix} files cannot be read; save the report as .docx (or .txt) and try again")
    if suffix not in REPORT_SUFFIXES:
        raise InputError(f"{path}: unsupported file type {path.suffix!r} "
                         "(expected .txt, .html, .docx or .pdf reports, or .jsonl units)")
    data = read_bytes(path, max_bytes)
    return Document(doc=path.stem, text=bytes_to_text(data, str(path), suffix, encoding), source=str(path))


def bytes_to_text(data: bytes, name: str, kind: str, encoding: str | None = None) -> str:
    """Text of a report given as bytes; ``kind`` is a file suffix (``.txt``, ``.html``, ``.docx``, ``.pdf``)."""
    from . import formats

    if kind == ".docx":
        text = formats.docx_to_text(data, name)
    elif kind == ".pdf":
        text = formats.pdf_to_text(data, name)
    elif kind in HTML_SUFFIXES:
        declared = None if encoding else formats.html_charset(data)
        try:
            html = decode(data, name, encoding or declared)
        except InputError:
            if not declared:
                raise
            html = decode(data, name)  # the page lied about its charset: detect instead
        text = formats.html_to_text(html)
    else:
        text = decode(data, name, encoding)
    # Universal newlines, as every editor shows them; offsets refer to this text.
    return text.replace("\r\n", "\n").replace("\r", "\n")


def read_stream_bytes(stream: BinaryIO, name: str = "<stdin>", max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """All bytes of a stream, refusing more than ``max_bytes``."""
    data = stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise InputError(f"{name}: input is over the {max_bytes / 1e6:.0f} MB limit (see --max-size)")
    return data


def read_stream(stream: BinaryIO, name: str = "<stdin>", encoding: str | None = None,
                max_bytes: int = DEFAULT_MAX_BYTES, kind: str = ".txt") -> Document:
    """Read a whole report from a binary stream (e.g. stdin); ``kind`` as in :func:`bytes_to_text`."""
    data = read_stream_bytes(stream, name, max_bytes)
    return Document(doc="stdin", text=bytes_to_text(data, name, kind, encoding), source=name)


def iter_unit_rows(lines: Iterable[str], name: str) -> Iterator[UnitRow]:
    """Parse JSONL units (``{"doc", "idx", "text"}`` per line), validating each line."""
    for lineno, line in enumerate(lines, 1):
        if not line.strip():
            continue
        where = f"{name}:{lineno}"
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"{where}: malformed JSON ({exc.msg})") from None
        if not isinstance(rec, dict):
            raise InputError(f"{where}: expected a JSON object with doc, idx and text")
        text = rec.get("text")
        if not isinstance(text, str):
            raise InputError(f"{where}: missing or non-string 'text'")
        bad = SURROGATE.search(text)
        if bad:  # a JSON "\ud800" escape: not a character, cannot be written out as UTF-8
            raise InputError(f"{where}: 'text' contains an unpaired surrogate (\\u{ord(bad.group()):04x}), "
                             "which is not valid Unicode text")
        doc = rec.get("doc", "stdin" if name == "<stdin>" else Path(name).stem)
        idx = rec.get("idx", lineno - 1)
        if not isinstance(idx, int) or isinstance(idx, bool):
            raise InputError(f"{where}: 'idx' must be an integer, got {idx!r}")
        yield UnitRow(str(doc), idx, text)


def group_rows(rows: Iterable[UnitRow], name: str) -> Iterator[tuple[str, list[UnitRow]]]:
    """Group consecutive rows by document, checking each document's idx increases."""
    current: str | None = None
    block: list[UnitRow] = []
    seen: set[str] = set()
    for row in rows:
        if row.doc != current:
            if current is not None:
                yield current, block
            if row.doc in seen:
                raise InputError(f"{name}: units of document {row.doc!r} are not contiguous")
            seen.add(row.doc)
            current, block = row.doc, []
        if block and row.idx <= block[-1].idx:
            raise InputError(f"{name}: document {row.doc!r}: idx {row.idx} after {block[-1].idx} (units must be in order)")
        block.append(row)
    if current is not None:
        yield current, block


def expand_paths(paths: Iterable[str | Path]) -> Iterator[Path]:
    """Files as given, and directories expanded recursively to their report files (sorted)."""
    for p in paths:
        path = Path(p)
        if path.is_dir():
            found = sorted(
                f for f in path.rglob("*")
                if f.is_file() and not f.name.startswith(".") and f.suffix.lower() in (REPORT_SUFFIXES | JSONL_SUFFIXES) - {""}
            )
            if not found:
                raise InputError(f"{path}: directory contains no readable reports (.txt, .html, .docx, .pdf or .jsonl)")
            yield from found
        else:
            yield path
