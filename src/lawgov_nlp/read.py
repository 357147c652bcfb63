"""Read inputs: report files (text), directories, stdin, and pre-segmented JSONL units.

Bytes are decoded by detection (BOMs, strict UTF-8, then charset-normalizer
among the encodings Chinese reports use), never with ``errors='ignore'``: a
file that cannot be decoded is an error that names it.
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from .errors import InputError
from .records import Document

DEFAULT_MAX_BYTES = 50 * 1024 * 1024
TEXT_SUFFIXES = frozenset({".txt", ".text", ".md", ""})
JSONL_SUFFIXES = frozenset({".jsonl", ".ndjson"})
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


def _checked(text: str, name: str) -> str:
    """Refuse text that is really binary data (control characters a report never has)."""
    sample = text[:20000]
    controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\t\n\r\f\v")
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
    """Read one text report into a :class:`Document` whose id is the file stem."""
    path = Path(path)
    if path.suffix.lower() not in TEXT_SUFFIXES:
        raise InputError(f"{path}: unsupported file type {path.suffix!r} (expected a .txt report or .jsonl units)")
    text = decode(read_bytes(path, max_bytes), str(path), encoding)
    # Universal newlines, as every editor shows them; offsets refer to this text.
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return Document(doc=path.stem, text=text, source=str(path))


def read_stream(stream: BinaryIO, name: str = "<stdin>", encoding: str | None = None,
                max_bytes: int = DEFAULT_MAX_BYTES) -> Document:
    """Read a whole report from a binary stream (e.g. stdin)."""
    data = stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise InputError(f"{name}: input is over the {max_bytes / 1e6:.0f} MB limit (see --max-size)")
    text = decode(data, name, encoding).replace("\r\n", "\n").replace("\r", "\n")
    return Document(doc="stdin", text=text, source=name)


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
                if f.is_file() and not f.name.startswith(".") and f.suffix.lower() in (TEXT_SUFFIXES | JSONL_SUFFIXES) - {""}
            )
            if not found:
                raise InputError(f"{path}: directory contains no readable reports (.txt or .jsonl)")
            yield from found
        else:
            yield path
