"""Resumable file output: whole documents reach the disk as they are labelled.

An output ``OUT`` is built in two files next to it:

- ``OUT.part``, the journal: the output so far, appended batch by batch;
- ``OUT.part.idx``, its index: one JSON line per committed batch, ``{"offset":
  bytes of OUT.part that are committed, "sources": [input files in the batch]}``.

A batch is written to the journal, flushed and fsynced, and only then its
index line is appended (and fsynced). So whatever stops the process — Ctrl-C,
``kill -9``, a full disk, a power cut after the fsync — every committed batch
is whole on disk, and anything after the last committed offset (half a batch,
a torn last line) is known to be unfinished: resuming truncates it away and
relabels those documents. When the run completes, the journal is renamed to
``OUT`` (atomically; a previous ``OUT`` stays until that moment) and the index
is removed. Documents are written in input order, so a resumed run ends with
the same file as an uninterrupted one.

The first index line, ``{"offset": n, "seed": true}``, commits what the
journal started with: a CSV header, or for ``resume`` the records of an
existing complete ``OUT``, whose documents are then skipped by name.

A journal is locked while a run writes it (``flock``, where available), so two
runs on the same output refuse instead of interleaving.
"""
from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any, BinaryIO

from .errors import InputError, OutputError

JOURNAL_SUFFIX, INDEX_SUFFIX = ".part", ".part.idx"


def journal_paths(target: str | Path) -> tuple[Path, Path]:
    """The journal and index files of output ``target``."""
    target = Path(target)
    return target.with_name(target.name + JOURNAL_SUFFIX), target.with_name(target.name + INDEX_SUFFIX)


def is_special(target: Path) -> bool:
    """Whether ``target`` is a device, pipe or socket (``/dev/stdout``, ``/dev/full``): written directly."""
    try:
        mode = target.stat().st_mode
    except OSError:
        return False
    return not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)


def check_target(target: Path, inputs: list[str]) -> None:
    """Refuse an output path that cannot work, before any labelling is done.

    Raises
    ------
    InputError
        If ``target`` is a directory, its directory cannot be created or
        written, or it is one of ``inputs`` (or would be read as one).
    """
    from .read import JSONL_SUFFIXES, REPORT_SUFFIXES

    if target.is_dir():
        raise InputError(f"{target}: is a directory; -o needs a file name (e.g. {target / 'out.jsonl'})")
    if is_special(target):
        return
    real = target.resolve()
    readable = target.suffix.lower() in (JSONL_SUFFIXES | REPORT_SUFFIXES) - {""}
    try:
        st = os.stat(target)
        here = (st.st_dev, st.st_ino)
    except OSError:
        here = None
    for source in inputs:
        if source == "-":
            continue
        src = Path(source)
        # One stat per input (an archive may list thousands): an existing input is
        # the output exactly when both are the same file; only an input that does
        # not exist is compared by its resolved path.
        try:
            s = os.stat(src)
        except OSError:
            s = None
        if (s.st_dev, s.st_ino) == here if s is not None else src.resolve() == real:
            raise InputError(f"{target}: is also an input; write the output to another file")
        if readable and s is not None and stat.S_ISDIR(s.st_mode) and src.resolve() in real.parents:
            raise InputError(f"{target}: is inside the input directory {source} and would be read as an input "
                             "by the next run; write the output outside it")
    parent = target.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"{target}: cannot create its directory {parent} ({exc.strerror or exc})") from None
    if not os.access(parent, os.W_OK | os.X_OK):
        raise InputError(f"{target}: cannot write in {parent} (permission denied)")


class Journal:
    """Append whole batches of output to ``OUT.part``; rename it to ``OUT`` at the end.

    Use :meth:`open`, then :meth:`commit` once per batch, then :meth:`finish`;
    :meth:`close` (after an interruption or error) keeps what is committed for
    a later ``resume=True`` run and drops the rest.

    Attributes
    ----------
    done_sources : set of str
        Input files whose output is committed (skip them when resuming).
    done_docs : set of str
        Document names of the records ``OUT`` had when the journal started
        from it (``resume`` over a finished output).
    n_done : int
        Committed documents: ``len(done_docs)`` plus committed input files.
    discarded : int
        Documents of an earlier interrupted run thrown away (without ``resume``).
    dropped_bytes : int
        Uncommitted bytes (a torn batch) cut off the journal when resuming.
    """

    def __init__(self, target: str | Path, *, resume: bool = False, header: str = "") -> None:
        self.target = Path(target)
        self.path, self.index_path = journal_paths(self.target)
        self.resume = resume
        self.header = header
        self.done_sources: set[str] = set()
        self.done_docs: set[str] = set()
        self.n_done = 0
        self.discarded = 0
        self.dropped_bytes = 0
        self._fh: BinaryIO | None = None
        self._index: BinaryIO | None = None
        self._committed = 0

    # ------------------------------------------------------------ opening

    def open(self) -> Journal:
        try:
            self._open()
        except OSError as exc:
            self.close()
            raise InputError(f"{self.path}: cannot write ({exc.strerror or exc})") from None
        except BaseException:
            self.close()
            raise
        return self

    def _open(self) -> None:
        if not self.path.exists():  # an index without its journal is stale
            self.index_path.unlink(missing_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        self._fh = os.fdopen(fd, "r+b")
        _lock(fd, self.path)
        entries = _read_index(self.index_path) if self.path.stat().st_size or self.index_path.exists() else []
        if self.resume and entries and entries[0].get("seed"):
            self._recover(entries)
        else:
            if entries and not self.resume:
                self.discarded = sum(len(e.get("sources", [])) for e in entries) + self._seed_docs(entries)
            self._start()
        self._index = open(self.index_path, "ab")

    def _start(self) -> None:
        """Begin a fresh journal: the header, or (resume) a finished OUT's records."""
        assert self._fh is not None
        self._fh.seek(0)
        self._fh.truncate()
        seed = self.header.encode("utf-8")
        if self.resume and self.target.is_file():
            seed, self.done_docs = _finished_output(self.target)
        self._fh.write(seed)
        _sync(self._fh)
        with open(self.index_path, "wb") as idx:
            idx.write(_entry({"offset": len(seed), "seed": True}))
            _sync(idx)
        self._committed = len(seed)
        self.n_done = len(self.done_docs)

    def _recover(self, entries: list[dict[str, Any]]) -> None:
        """Continue an interrupted journal: keep its committed batches, cut the rest."""
        assert self._fh is not None
        size = self.path.stat().st_size
        # a batch is durable only if the journal holds all of it (its index
        # line may have reached the disk although the journal write failed)
        entries = [e for e in entries if e["offset"] <= size]
        if not entries:
            self._start()
            return
        last = entries[-1]["offset"]
        self.done_docs = _docs_of(self._read(0, entries[0]["offset"]), self.path)
        for e in entries[1:]:
            self.done_sources.update(e.get("sources", []))
        self.n_done = len(self.done_docs) + len(self.done_sources)
        self.dropped_bytes = size - last
        self._fh.truncate(last)
        _sync(self._fh)
        self._committed = last
        # rewrite the index without a torn last line, so appends stay parseable
        tmp = self.index_path.with_name(self.index_path.name + ".tmp")
        with open(tmp, "wb") as idx:
            idx.writelines(_entry(e) for e in entries)
            _sync(idx)
        os.replace(tmp, self.index_path)

    def _seed_docs(self, entries: list[dict[str, Any]]) -> int:
        try:
            return len(_docs_of(self._read(0, entries[0]["offset"]), self.path)) if entries[0].get("seed") else 0
        except InputError:
            return 0

    def _read(self, start: int, end: int) -> bytes:
        assert self._fh is not None
        self._fh.seek(start)
        return self._fh.read(end - start)

    # ------------------------------------------------------------ writing

    def commit(self, text: str, sources: list[str]) -> None:
        """Append one batch (whole documents) and commit it; durable when this returns.

        Raises
        ------
        OutputError
            If the batch cannot be written (a full disk, a file-size limit):
            the journal is cut back to its last committed batch.
        """
        assert self._fh is not None and self._index is not None
        data = text.encode("utf-8")
        try:
            self._fh.seek(self._committed)
            self._fh.write(data)
            _sync(self._fh)
            self._index.write(_entry({"offset": self._committed + len(data), "sources": sources}))
            _sync(self._index)
        except OSError as exc:
            self._rollback()
            raise OutputError(f"{self.path}: cannot write ({exc.strerror or exc}); {self.safe_message()}") from None
        self._committed += len(data)
        self.done_sources.update(sources)
        self.n_done += len(sources)

    def safe_message(self) -> str:
        return (f"{self.n_done} document(s) are safe in {self.path}; run the same command with --resume "
                "to continue")

    def finish(self) -> None:
        """Make the journal the output (atomic rename) and remove the index."""
        assert self._fh is not None
        try:
            _sync(self._fh)
            os.replace(self.path, self.target)
        except OSError as exc:
            self.close()
            raise OutputError(f"{self.target}: cannot write ({exc.strerror or exc}); {self.safe_message()}") from None
        _sync_dir(self.target.parent)
        self.close()
        self.index_path.unlink(missing_ok=True)

    def close(self) -> None:
        """Release the files, keeping the committed part for ``resume``."""
        for fh in (self._index, self._fh):
            if fh is not None:
                try:
                    fh.close()
                except OSError:
                    pass
        self._index = self._fh = None

    def _rollback(self) -> None:
        try:
            assert self._fh is not None
            self._fh.truncate(self._committed)
        except (OSError, ValueError):
            pass  # the index still says where the committed part ends


def _finished_output(target: Path) -> tuple[bytes, set[str]]:
    """The records of a finished JSONL output (a torn last line dropped) and their documents."""
    data = target.read_bytes()
    if data and not data.endswith(b"\n"):
        last = data.rfind(b"\n") + 1
        try:
            json.loads(data[last:])
            data += b"\n"
        except ValueError:  # a torn last line: not a record
            data = data[:last]
    return data, _docs_of(data, target)


def _docs_of(data: bytes, name: Path) -> set[str]:
    docs = set()
    for lineno, line in enumerate(data.decode("utf-8", errors="replace").splitlines(), 1):
        if not line.strip():
            continue
        try:
            docs.add(json.loads(line)["doc"])
        except (json.JSONDecodeError, KeyError, TypeError):
            raise InputError(f"{name}:{lineno}: cannot resume, not a lawgov JSONL output line") from None
    return docs


def _read_index(path: Path) -> list[dict[str, Any]]:
    """Committed batches of a journal; a torn (unparseable) line ends the list."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return []
    entries: list[dict[str, Any]] = []
    for line in raw.split(b"\n"):
        try:
            e = json.loads(line)
        except ValueError:
            break
        if not isinstance(e, dict) or not isinstance(e.get("offset"), int) or (
                entries and e["offset"] < entries[-1]["offset"]):
            break
        entries.append(e)
    return entries


def _entry(e: dict[str, Any]) -> bytes:
    return (json.dumps(e, ensure_ascii=False) + "\n").encode("utf-8")


def _sync(fh: BinaryIO) -> None:
    fh.flush()
    os.fsync(fh.fileno())


def _sync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _lock(fd: int, path: Path) -> None:
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: no advisory lock
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        raise InputError(f"{path}: another lawgov run is writing this output") from None


def remove_stale(target: Path) -> list[Path]:
    """Remove what interrupted runs left beside ``target`` and no journal explains.

    An index without its journal (a run stopped between the final rename and
    removing the index), and the hidden ``.OUT.*.part`` files of versions
    before the journal.
    """
    journal, index = journal_paths(target)
    stale = [] if journal.exists() else [p for p in (index,) if p.exists()]
    stale += sorted(target.parent.glob(f".{target.name}.*.part"))
    for p in stale:
        p.unlink(missing_ok=True)
    return stale
