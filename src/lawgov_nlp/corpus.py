"""Read the gold corpus (``corpora/``) as validated records or a ``datasets.DatasetDict``.

Layout of a corpus directory::

    raw/<doc>.txt        the documents as found (page chrome included)
    gold/<doc>.jsonl     one record per unit: doc, idx, text, start, end,
                         function, topics, gold
    sources.tsv          doc <TAB> group <TAB> source URL
    doc_kinds.tsv        doc <TAB> kind (GUIDELINE-NOTES rule 42), optional
    splits/<name>.txt    doc ids of a named split (``fresh``: the held-out test split)

Every record is checked on load: known labels, ``text == raw[start:end]``,
``idx`` contiguous from 0, non-empty text. Errors name the file and line.
Splits always keep whole documents together: sentences of one report are not
independent, so no evaluation may put units of one document on both sides.
"""
from __future__ import annotations

import json
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import CorpusError
from .labels import FUNCTIONS, KINDS, TOPICS
from .records import Unit
from .segment import segment
from .records import Document

_FIELDS = ("doc", "idx", "text", "start", "end", "function", "topics")


@dataclass(frozen=True)
class GoldDocument:
    """One corpus document: its raw text, group, source, gold records and kind."""

    doc: str
    group: str
    source: str
    text: str
    records: tuple[dict[str, Any], ...]
    kind: str = ""

    def units(self) -> list[Unit]:
        """The document's units with context, aligned one-to-one with ``records``."""
        units = segment(Document(self.doc, self.text))
        spans = [(u.start, u.end) for u in units]
        gold = [(r["start"], r["end"]) for r in self.records]
        if spans != gold:
            raise CorpusError(
                f"{self.doc}: the segmenter's units no longer match the gold offsets "
                f"({len(spans)} units vs {len(gold)} records)"
            )
        return units

    @property
    def functions(self) -> list[str]:
        return [r["function"] for r in self.records]

    @property
    def topics(self) -> list[list[str]]:
        return [list(r["topics"]) for r in self.records]


def default_path() -> Path:
    """``./corpora`` (the repository's corpus when run from the repository root)."""
    return Path("corpora")


def load_documents(path: str | Path | None = None) -> list[GoldDocument]:
    """Load and validate every document of a corpus directory, sorted by id.

    Raises
    ------
    CorpusError
        If the directory is missing or any record is invalid.
    """
    root = Path(path) if path is not None else default_path()
    gold_dir = root / "gold"
    if not gold_dir.is_dir():
        raise CorpusError(f"{root}: not a corpus directory (expected {gold_dir}/ with <doc>.jsonl files)")
    sources = _read_sources(root / "sources.tsv")
    kinds = _read_kinds(root / "doc_kinds.tsv")
    docs = []
    for gold_file in sorted(gold_dir.glob("*.jsonl")):
        doc = gold_file.stem
        raw_file = root / "raw" / f"{doc}.txt"
        if not raw_file.is_file():
            raise CorpusError(f"{gold_file}: no raw document {raw_file}")
        with raw_file.open(encoding="utf-8", newline="") as fh:
            text = fh.read()
        records = tuple(validate_records(gold_file, text))
        group, source = sources.get(doc, ("", ""))
        docs.append(GoldDocument(doc, group, source, text, records, kinds.get(doc, "")))
    if not docs:
        raise CorpusError(f"{gold_dir}: no .jsonl files")
    return docs


def load_records(path: str | Path | None = None) -> list[dict[str, Any]]:
    """All gold records of a corpus, in document order, each with its ``group``."""
    return [dict(r, group=d.group) for d in load_documents(path) for r in d.records]


def validate_records(gold_file: Path, raw: str) -> Iterator[dict[str, Any]]:
    """Yield the records of one gold file, raising ``CorpusError`` on the first bad one."""
    expected_idx = 0
    with gold_file.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            where = f"{gold_file}:{lineno}"
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as exc:
                raise CorpusError(f"{where}: not valid JSON ({exc.msg})") from None
            if not isinstance(rec, dict):
                raise CorpusError(f"{where}: expected a JSON object, got {type(rec).__name__}")
            missing = [k for k in _FIELDS if k not in rec]
            if missing:
                raise CorpusError(f"{where}: missing field(s) {', '.join(missing)}")
            if rec["doc"] != gold_file.stem:
                raise CorpusError(f"{where}: doc {rec['doc']!r} does not match the file name {gold_file.stem!r}")
            if rec["idx"] != expected_idx:
                what = "duplicate" if isinstance(rec["idx"], int) and rec["idx"] < expected_idx else "non-contiguous"
                raise CorpusError(f"{where}: {what} idx {rec['idx']!r}, expected {expected_idx}")
            if not isinstance(rec["text"], str) or not rec["text"].strip():
                raise CorpusError(f"{where}: empty text")
            start, end = rec["start"], rec["end"]
            if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(raw)):
                raise CorpusError(f"{where}: offsets {start}..{end} outside the raw document (length {len(raw)})")
            if raw[start:end] != rec["text"]:
                raise CorpusError(f"{where}: text does not match raw[{start}:{end}] = {raw[start:end][:30]!r}")
            if rec["function"] not in FUNCTIONS:
                raise CorpusError(f"{where}: unknown function label {rec['function']!r} (expected one of {', '.join(FUNCTIONS)})")
            topics = rec["topics"]
            if not isinstance(topics, list) or any(t not in TOPICS for t in topics) or len(set(topics)) != len(topics):
                raise CorpusError(f"{where}: bad topics {topics!r} (expected a list of distinct labels from {', '.join(TOPICS)})")
            expected_idx += 1
            yield rec


def _read_sources(path: Path) -> dict[str, tuple[str, str]]:
    if not path.is_file():
        return {}
    out = {}
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            parts = line.rstrip("\n").split("\t")
            if parts[0] != "doc" and len(parts) >= 2:
                out[parts[0]] = (parts[1], parts[2] if len(parts) > 2 else "")
    return out


def _read_kinds(path: Path) -> dict[str, str]:
    if not path.is_file():
        return {}
    out = {}
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        parts = line.split("\t")
        if not line.strip() or parts[0] == "doc":
            continue
        if len(parts) < 2 or parts[1] not in KINDS:
            raise CorpusError(f"{path}:{lineno}: expected doc<TAB>kind with a kind of {', '.join(KINDS)}")
        out[parts[0]] = parts[1]
    return out


def split_ids(path: str | Path | None = None, name: str = "fresh") -> set[str]:
    """The document ids of the named split of a corpus (``splits/<name>.txt``)."""
    root = Path(path) if path is not None else default_path()
    f = root / "splits" / f"{name}.txt"
    if not f.is_file():
        raise CorpusError(f"{root}: no split {name!r} (expected {f})")
    return {line.strip() for line in f.read_text(encoding="utf-8").splitlines() if line.strip()}


def fresh_split(docs: Sequence[GoldDocument], path: str | Path | None = None) -> tuple[list[GoldDocument], list[GoldDocument]]:
    """``(rest, fresh)``: the documents outside and inside the held-out fresh split."""
    held = split_ids(path, "fresh")
    return [d for d in docs if d.doc not in held], [d for d in docs if d.doc in held]


def document_split(
    docs: Sequence[GoldDocument], test_size: float = 0.2, seed: int = 0
) -> tuple[list[GoldDocument], list[GoldDocument]]:
    """Split documents (never units) into train and test, reproducibly.

    Examples
    --------
    >>> docs = [GoldDocument(str(i), "", "", "", ()) for i in range(10)]
    >>> train, test = document_split(docs, test_size=0.3, seed=1)
    >>> len(train), len(test), set(d.doc for d in train) & set(d.doc for d in test)
    (7, 3, set())
    """
    if not 0 < test_size < 1:
        raise ValueError(f"test_size must be in (0, 1), got {test_size}")
    order = sorted(docs, key=lambda d: d.doc)
    random.Random(seed).shuffle(order)
    n_test = max(1, round(len(order) * test_size))
    return order[n_test:], order[:n_test]


def leave_one_document_out(
    docs: Sequence[GoldDocument],
) -> Iterator[tuple[list[GoldDocument], GoldDocument]]:
    """Yield ``(train_docs, held_out_doc)`` once per document."""
    for i, held in enumerate(docs):
        yield [d for j, d in enumerate(docs) if j != i], held


def group_folds(
    docs: Sequence[GoldDocument], n_folds: int, seed: int = 0
) -> Iterator[tuple[list[GoldDocument], list[GoldDocument]]]:
    """Yield ``(train_docs, test_docs)`` for ``n_folds`` folds of whole documents."""
    if not 2 <= n_folds <= len(docs):
        raise ValueError(f"n_folds must be between 2 and {len(docs)}, got {n_folds}")
    order = sorted(docs, key=lambda d: d.doc)
    random.Random(seed).shuffle(order)
    for k in range(n_folds):
        test = order[k::n_folds]
        names = {d.doc for d in test}
        yield [d for d in order if d.doc not in names], test


def load_dataset(path: str | Path | None = None, test_size: float = 0.2, seed: int = 0) -> Any:
    """The corpus as a ``datasets.DatasetDict`` with document-level ``train``/``test`` splits."""
    import datasets

    train, test = document_split(load_documents(path), test_size=test_size, seed=seed)

    def to_ds(docs: list[GoldDocument]) -> Any:
        rows = [dict(r, group=d.group) for d in docs for r in d.records]
        return datasets.Dataset.from_list(rows)

    return datasets.DatasetDict({"train": to_ds(train), "test": to_ds(test)})
