"""The ``lawgov`` command line: a thin wrapper over the library.

Each command is a function that parses nothing and returns an exit code; the
library raises :class:`~lawgov_nlp.errors.LawgovError` and this module turns it
into one line on stderr. ``lawgov --help`` imports no heavy library.
"""
from __future__ import annotations

import argparse
import itertools
import json
import os
import signal
import tempfile
import sys
import threading
import warnings
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager, suppress
from pathlib import Path
from typing import Any, TextIO

from .errors import InputError, LawgovError, LawgovWarning, OutputError

EXIT_OK, EXIT_SOME_FAILED, EXIT_ERROR = 0, 1, 2


def build_parser() -> argparse.ArgumentParser:
    from . import __version__

    parser = argparse.ArgumentParser(
        prog="lawgov",
        description="Label the units of Chinese law-based government reports by function "
                    "(achievement/problem/cause/plan/other) and topic (disclosure/enforcement/reconsideration).",
    )
    parser.add_argument("--version", action="version", version=f"lawgov {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("label", help="label reports (files, directories or stdin)")
    p.add_argument("paths", nargs="*", metavar="PATH", help="report files or directories; '-' or none for stdin")
    p.add_argument("-o", "--output", metavar="OUT",
                   help="write here instead of stdout: documents reach OUT.part as they are labelled, "
                        "OUT appears (atomically) when the run completes")
    p.add_argument("--format", choices=("jsonl", "csv", "tsv", "table"), default="jsonl")
    p.add_argument("--input-format", choices=("auto", "text", "html", "jsonl"), default="auto",
                   help="auto: by file suffix (.txt .html .docx .pdf .jsonl); stdin starting with '{' is "
                        "JSONL units, starting with '<' an HTML page")
    p.add_argument("--no-context", action="store_true", help="label each unit as an isolated sentence")
    p.add_argument("--summary", action="store_true", help="write per-document counts instead of units (JSONL)")
    p.add_argument("--model", metavar="DIR", help="model directory (default: the shipped model)")
    p.add_argument("--encoding", help="force the input encoding (default: detect)")
    p.add_argument("--max-size", type=float, default=50, metavar="MB", help="refuse larger files (default 50)")
    p.add_argument("--jobs", type=int, default=1, metavar="N", help="label files in N processes")
    p.add_argument("--resume", action="store_true",
                   help="continue an interrupted or finished -o JSONL run: keep the documents already in "
                        "OUT.part (or OUT) and label only the rest")
    p.add_argument("--max-unit-chars", type=int, default=None, metavar="N",
                   help="cut units longer than N characters into pieces (default 2000; 0: never); "
                        "JSONL units are kept as given")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress or warnings on stderr")
    p.add_argument("--level", choices=("sentence", "paragraph", "section"), default="sentence",
                   help="label units (default), or paragraphs/sections: the function most of their characters "
                        "carry, the union of their topics and the unit indices they cover")

    _add_profile_parser(sub)

    p = sub.add_parser("train", help="train a model on one or several gold corpora")
    p.add_argument("corpus", nargs="+", metavar="CORPUS", help="corpus directories (with gold/ and raw/)")
    p.add_argument("--weight", action="append", metavar="NAME=N",
                   help="repeat each document of corpus NAME N times in training (whole numbers)")
    p.add_argument("-o", "--output", required=True, metavar="DIR", help="model directory to write")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--eval-folds", default="10", metavar="N|lodo|none",
                   help="document folds for the metrics stored in the model (default 10)")
    p.add_argument("--jobs", type=int, default=1, metavar="N")

    p = sub.add_parser("evaluate", help="evaluate on gold corpora by whole documents (per-corpus table)")
    p.add_argument("corpus", nargs="+", metavar="CORPUS")
    p.add_argument("--weight", action="append", metavar="NAME=N",
                   help="as for train: repeat NAME's documents N times in each training fold")
    p.add_argument("--mode", choices=("lodo", "folds", "split", "model"), default="lodo",
                   help="lodo: retrain leaving each document out; folds: --folds grouped folds; "
                        "split: seeded 80/20 document split; model: score --model on corpus documents it was not trained on")
    p.add_argument("--folds", type=int, default=10)
    p.add_argument("--model", metavar="DIR", help="with --mode model: the model to score (default: shipped)")
    p.add_argument("--no-context", action="store_true")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--jobs", type=int, default=1, metavar="N")
    p.add_argument("--json", action="store_true", help="print the full result as JSON")

    p = sub.add_parser("info", help="show a model's version, labels, corpus hash and metrics")
    p.add_argument("--model", metavar="DIR")
    _add_teach_parsers(sub)  # explain, annotate, suggest and label --explain (at the end of this file)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    command = {"label": cmd_label, "train": cmd_train, "evaluate": cmd_evaluate, "info": cmd_info,
               "profile": cmd_profile, **_TEACH_COMMANDS}[args.command]
    if getattr(args, "explain", False):
        command = cmd_label_explain
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore" if getattr(args, "quiet", False) else "default", LawgovWarning)
            warnings.showwarning = _show_warning
            return command(args)
    except LawgovError as exc:
        _err(str(exc))
        return EXIT_ERROR
    except KeyboardInterrupt:
        _err("interrupted")
        return 130
    except BrokenPipeError:
        return EXIT_OK


def _err(message: str) -> None:
    print(f"lawgov: error: {message}", file=sys.stderr)


def _show_warning(message: Any, category: Any, filename: str, lineno: int, file: Any = None, line: Any = None) -> None:
    print(f"lawgov: warning: {message}", file=sys.stderr)


# ----------------------------------------------------------------- label


def cmd_label(args: argparse.Namespace) -> int:
    from .segment import DEFAULT_MAX_UNIT_CHARS

    max_bytes = int(args.max_size * 1024 * 1024)
    if args.resume and not args.output:
        raise InputError("--resume needs -o OUT (the output to continue)")
    if args.resume and (args.format != "jsonl" or args.summary):
        raise InputError("--resume works with JSONL unit output only")
    if args.jobs < 1:
        raise InputError(f"--jobs must be at least 1, got {args.jobs}")
    max_unit = DEFAULT_MAX_UNIT_CHARS if args.max_unit_chars is None else args.max_unit_chars
    if max_unit < 0:
        raise InputError(f"--max-unit-chars must be 0 (never cut) or more, got {max_unit}")
    # From here on SIGINT/SIGTERM stop the run cleanly, with a message.
    with _Stopper() as stopper:
        return _label(args, stopper, max_bytes, max_unit)


def _label(args: argparse.Namespace, stopper: _Stopper, max_bytes: int, max_unit: int) -> int:
    from .api import load_model
    from .journal import Journal, check_target, is_special, remove_stale

    failures: list[str] = []
    target = Path(args.output) if args.output else None
    journal, out = None, sys.stdout
    try:
        sources = list(_sources(args.paths or ["-"], failures))
        n_inputs = len(sources) + len(failures)  # failures so far: paths that gave no file
        # Every output problem is found here, before the model loads or anything is labelled.
        if target is not None:
            check_target(target, list(args.paths or ["-"]) + sources)
            if is_special(target):  # /dev/stdout, a pipe: written as it comes, nothing to resume
                if args.resume:
                    raise InputError(f"{target}: --resume needs a regular file as output")
                try:
                    out = open(target, "w", encoding="utf-8", newline="")
                except OSError as exc:
                    raise InputError(f"{target}: cannot write ({exc.strerror or exc})") from None
            else:
                with stopper.deferred():
                    journal = Journal(target, resume=args.resume,
                                      header="" if args.summary else _header(args.format)).open()
                if args.resume:
                    remove_stale(target)
                if not args.quiet and journal.discarded:
                    print(f"lawgov: warning: {journal.path}: discarded {journal.discarded} document(s) of an "
                          "interrupted run (--resume keeps them)", file=sys.stderr)
        if journal is None and not args.summary:
            _write(out, _header(args.format), str(target or "<stdout>"))
        model = load_model(args.model)
        progress = _progress(len(sources), quiet=args.quiet)
        opts = {"context": not args.no_context, "encoding": args.encoding, "max_bytes": max_bytes,
                "input_format": args.input_format, "format": "summary" if args.summary else args.format,
                "max_unit_chars": max_unit or None, "level": getattr(args, "level", "sentence")}
        if journal is not None:
            done_sources, done_docs = journal.done_sources, journal.done_docs
            todo = [s for s in sources if s == "-" or (_key(s) not in done_sources and Path(s).stem not in done_docs)]
        else:
            todo = sources
        with closing(_label_all(todo, model, args.model, opts, args.jobs, stopper)) as batches:
            for batch in batches:
                parts, written = [], []
                for name, result in batch:
                    progress.update(1)
                    if isinstance(result, str):
                        failures.append(result)
                        if not args.quiet:
                            _err(result)
                        continue
                    n_units, rendered = result
                    if not n_units and not args.quiet:
                        print(f"lawgov: warning: {name}: no text, 0 units", file=sys.stderr)
                    parts.append(rendered)
                    written.append(_key(name))
                # A batch is written whole or not at all: a signal waits until it is committed.
                with stopper.deferred():
                    if journal is not None:
                        journal.commit("".join(parts), written)
                    else:
                        _write(out, "".join(parts), str(target or "<stdout>"))
        progress.close()
        if journal is not None:
            with stopper.deferred():
                journal.finish()
        elif out is not sys.stdout:
            out.close()
    except _Interrupted as stop:
        stopper.depth += 1  # a second signal must not interrupt the clean-up
        if journal is not None:
            journal.close()
            safe = journal.safe_message()
        else:
            safe = "nothing was written yet" if target is not None and not is_special(target) \
                else "the output is incomplete"
        print(f"lawgov: interrupted ({signal.Signals(stop.signum).name}): {safe}", file=sys.stderr)
        return 128 + stop.signum
    except BaseException:
        if journal is not None:
            journal.close()
        raise
    if failures:
        print(f"lawgov: {len(failures)} of {n_inputs} input(s) failed:", file=sys.stderr)
        for f in failures:
            print(f"  {f}", file=sys.stderr)
        return EXIT_SOME_FAILED if len(failures) < n_inputs else EXIT_ERROR
    return EXIT_OK


def _key(source: str) -> str:
    """How a journal names an input file: its absolute path (the cwd may change between runs)."""
    return source if source == "-" else os.path.abspath(source)


def _header(fmt: str) -> str:
    import io

    from .export import Writer

    buf = io.StringIO()
    Writer(buf, fmt)
    return buf.getvalue()


def _write(out: TextIO, text: str, name: str) -> None:
    """Write and flush to stdout or a device; a full disk is an OutputError, not a traceback."""
    try:
        out.write(text)
        out.flush()
    except BrokenPipeError:
        raise
    except OSError as exc:
        # the buffered rest would fail again (with a traceback) when the file is closed at exit
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, out.fileno())
        os.close(devnull)
        raise OutputError(f"{name}: cannot write ({exc.strerror or exc})") from None


class _Interrupted(BaseException):
    """SIGINT or SIGTERM arrived: stop, keeping what is committed."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


class _Stopper:
    """Turn SIGINT/SIGTERM into :class:`_Interrupted`, deferred while a batch is being committed.

    Used as a context manager (installs the handlers in the main thread, puts
    the previous ones back on exit).
    """

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __init__(self) -> None:
        self.pending: int | None = None
        self.depth = 0
        self._old: dict[int, Any] = {}

    def __enter__(self) -> _Stopper:
        if threading.current_thread() is threading.main_thread():
            self._old = {sig: signal.signal(sig, self._handle) for sig in self.SIGNALS}
        return self

    def __exit__(self, *exc: Any) -> None:
        for sig, handler in self._old.items():
            signal.signal(sig, handler)
        self._old = {}

    def _handle(self, signum: int, frame: Any) -> None:
        if self.pending is not None:
            return  # already stopping
        self.pending = signum
        if not self.depth:
            raise _Interrupted(signum)

    @contextmanager
    def deferred(self) -> Iterator[None]:
        self.depth += 1
        try:
            yield
        finally:
            self.depth -= 1
        if self.pending is not None and not self.depth:
            raise _Interrupted(self.pending)

    @contextmanager
    def blocked(self) -> Iterator[None]:
        """Hold the signals back (processes started now inherit the mask, not our handlers)."""
        if not hasattr(signal, "pthread_sigmask"):  # pragma: no cover - Windows
            yield
            return
        signal.pthread_sigmask(signal.SIG_BLOCK, self.SIGNALS)
        try:
            yield
        finally:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, self.SIGNALS)


def _sources(paths: Sequence[str], failures: list[str]) -> Iterator[str]:
    from .read import expand_paths

    for p in paths:
        if p == "-":
            yield "-"
            continue
        try:
            for f in expand_paths([p]):
                yield str(f)
        except LawgovError as exc:
            failures.append(str(exc))
            _err(str(exc))


# Sources are committed to the output in chunks of _CHUNK files, and labelled
# in work units of several chunks: the model does its array work once per
# batch of about 4,000 units (see Labeller.label_groups), and the per-batch
# cost of a handful of files would be most of the time. A work unit holds
# whole chunks up to _WORK_BYTES of input (or one chunk, however large); a
# worker process returns a work unit's output already rendered, chunk by
# chunk, so the parent only writes text.
_CHUNK = 8
_WORK_BYTES = 512 * 1024
_WORK_CHUNKS = 32


def _work_units(chunks: list[list[str]], jobs: int) -> list[list[list[str]]]:
    """Consecutive chunks grouped into work units of at most ``_WORK_BYTES`` of input.

    With several processes, units are smaller where the input is small, so
    that every process gets some (at least four units per process when there
    are chunks enough).
    """
    sizes = [sum(_size(s) for s in chunk) for chunk in chunks]
    limit = _WORK_BYTES if jobs == 1 else max(1, min(_WORK_BYTES, sum(sizes) // (4 * jobs)))
    out: list[list[list[str]]] = []
    unit: list[list[str]] = []
    size = 0
    for chunk, bytes_ in zip(chunks, sizes):
        if unit and (size + bytes_ > limit or len(unit) >= _WORK_CHUNKS):
            out.append(unit)
            unit, size = [], 0
        unit.append(chunk)
        size += bytes_
    if unit:
        out.append(unit)
    return out


def _size(source: str) -> int:
    try:
        return 0 if source == "-" else os.stat(source).st_size
    except OSError:
        return 0  # reading it will report the problem


def _label_all(sources: list[str], model: Any, model_dir: str | None, opts: dict[str, Any],
               jobs: int, stopper: _Stopper) -> Iterator[list[tuple[str, Any]]]:
    """Yield, chunk by chunk in input order, ``(source, (n_units, rendered output) or error message)``."""
    chunks = [sources[i:i + _CHUNK] for i in range(0, len(sources), _CHUNK)]
    work = _work_units(chunks, jobs)
    if jobs == 1 or len(work) < 2 or "-" in sources:  # stdin is read by this process only
        for unit in work:
            for chunk, results in zip(unit, _label_work(unit, model, opts)):
                yield list(zip(chunk, results))
        return
    from collections import deque
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    from .segment import units_from_texts

    # Build the tokenizer and the vocabulary tables before the workers start:
    # where processes fork, they inherit them instead of each building its own.
    global _WORKER_MODEL
    model.label_units(units_from_texts("warm-up", ["政务公开工作。"]), context=opts["context"])
    try:  # what the workers' large batches use (compiled._dot), imported once, before the fork
        import scipy.sparse  # noqa: F401  (imported for the workers)
    except ImportError:  # pragma: no cover - scikit-learn's dependency; numpy does the products without it
        pass
    _WORKER_MODEL = model
    # Workers are started with SIGINT/SIGTERM blocked, so a Ctrl-C cannot reach
    # one before it has set its own handlers; this process does the stopping.
    pool = None
    try:
        with stopper.blocked():
            pool = ProcessPoolExecutor(max_workers=jobs, initializer=_init_worker,
                                       initargs=(model_dir, os.getpid()))
            # Results are taken in input order, so the output is the same as
            # with one process; at most 2 work units per worker are in flight,
            # so memory stays flat however long the archive.
            todo = iter(work)
            pending = deque((u, pool.submit(_worker_label, u, opts)) for u in itertools.islice(todo, 2 * jobs))
        while pending:
            unit, future = pending.popleft()
            try:
                results = future.result()
            except BrokenProcessPool:
                if stopper.pending is not None:  # the workers got the signal too
                    raise _Interrupted(stopper.pending) from None
                raise OutputError("a worker process died (killed, or out of memory); "
                                  "what is committed is kept, run again with --resume") from None
            for nxt in itertools.islice(todo, 1):
                pending.append((nxt, pool.submit(_worker_label, nxt, opts)))
            for chunk, chunk_results in zip(unit, results):
                yield list(zip(chunk, chunk_results))
    except BaseException:  # interrupted, or the consumer stopped: do not wait for queued chunks
        if pool is not None:
            for proc in list((getattr(pool, "_processes", None) or {}).values()):
                proc.kill()
            pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown()


_WORKER_MODEL: Any = None


def _init_worker(model_dir: str | None, parent: int) -> None:
    global _WORKER_MODEL
    from .api import load_model

    # Ctrl-C reaches the whole process group: the parent stops cleanly and
    # ends the workers. SIGTERM ends a worker at once.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _Stopper.SIGNALS)
    # A parent killed with SIGKILL cannot end its workers: they notice and exit.
    threading.Thread(target=_exit_with_parent, args=(parent,), daemon=True).start()
    warnings.simplefilter("ignore", LawgovWarning)
    if _WORKER_MODEL is None:  # a spawned (not forked) worker loads its own copy
        _WORKER_MODEL = load_model(model_dir)


def _exit_with_parent(parent: int) -> None:
    import time

    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(1)


def _worker_label(unit: list[list[str]], opts: dict[str, Any]) -> list[list[Any]]:
    return _label_work(unit, _WORKER_MODEL, opts)


def _label_work(unit: list[list[str]], model: Any, opts: dict[str, Any]) -> list[list[Any]]:
    """Label the chunks of a work unit together; the results of each chunk."""
    results = iter(_label_chunk([s for chunk in unit for s in chunk], model, opts))
    return [list(itertools.islice(results, len(chunk))) for chunk in unit]


def _label_chunk(chunk: list[str], model: Any, opts: dict[str, Any]) -> list[Any]:
    """Label sources together; for each, ``(n_units, rendered output)`` or an error message."""
    import io
    from dataclasses import replace

    from .aggregate import summarize
    from .export import Writer

    read = [_read_one(source, opts) for source in chunk]
    groups = [r[0] for r in read if not isinstance(r, str)]
    labelled = iter(model.label_groups_columns(groups, context=opts["context"]) if hasattr(
        model, "label_groups_columns") else model.label_groups(groups, context=opts["context"]))
    sentences = opts.get("level", "sentence") == "sentence" and opts["format"] != "summary"
    results: list[Any] = []
    for r in read:
        if isinstance(r, str):
            results.append(r)
            continue
        columns, idx = next(labelled), r[1]
        buf = io.StringIO()
        if sentences and not isinstance(columns, list):  # written from the columns, no record per unit
            Writer(buf, opts["format"], header=False).write_labelled(columns, idx)
            results.append((len(columns), buf.getvalue()))
            continue
        preds = columns if isinstance(columns, list) else columns.predictions()
        if idx is not None:  # JSONL input: each record keeps its own idx
            preds = [replace(p, idx=i) for p, i in zip(preds, idx)]
        if opts.get("level", "sentence") != "sentence":
            from .levels import aggregate

            preds = aggregate(preds, opts["level"])
        if opts["format"] == "summary":
            for row in summarize(preds):
                buf.write(json.dumps(row, ensure_ascii=False) + "\n")
        else:
            Writer(buf, opts["format"], header=False).write(preds)
        results.append((len(preds), buf.getvalue()))
    return results


def _read_one(source: str, opts: dict[str, Any]) -> Any:
    """A source's units, or an error message (never raises a LawgovError).

    Returns ``(units, None)`` for a document, or ``(units, idx)`` for JSONL
    records, whose ``idx`` the output keeps; the units of several JSONL
    documents of one source are labelled as one group each, in order.
    """
    from .read import (JSONL_SUFFIXES, bytes_to_text, decode, group_rows, iter_unit_rows, read_bytes,
                       read_document, read_stream_bytes)
    from .records import Document
    from .segment import segment

    fmt, encoding, max_unit = opts["input_format"], opts["encoding"], opts.get("max_unit_chars")
    try:
        if source == "-":
            name, doc = "<stdin>", "stdin"
            data = read_stream_bytes(sys.stdin.buffer, name, opts["max_bytes"])
            kind = fmt if fmt != "auto" else {b"{": "jsonl", b"<": "html"}.get(data.lstrip()[:1], "text")
        else:
            path = Path(source)
            name, doc, suffix = source, path.stem, path.suffix.lower()
            if fmt == "jsonl" or (fmt == "auto" and suffix in JSONL_SUFFIXES):
                kind = "jsonl"
            elif fmt in ("text", "html") and suffix not in (".docx", ".pdf"):
                kind = fmt
            else:  # by suffix: text, HTML, .docx, .pdf, or a clear error
                return segment(read_document(path, encoding, opts["max_bytes"]), max_unit_chars=max_unit), None
            data = read_bytes(path, opts["max_bytes"])
        if kind == "jsonl":
            lines = decode(data, name, encoding).splitlines()
            return _jsonl_units(group_rows(iter_unit_rows(lines, name), name))
        text = bytes_to_text(data, name, ".html" if kind == "html" else ".txt", encoding)
        return segment(Document(doc, text, name), max_unit_chars=max_unit), None
    except LawgovError as exc:
        return str(exc)


def _jsonl_units(groups: Any) -> tuple[list[Any], list[int]]:
    """JSONL records as units, document by document, and the records' own idx."""
    from .segment import units_from_texts

    units: list[Any] = []
    idx: list[int] = []
    for doc, rows in groups:
        units += units_from_texts(doc, [r.text for r in rows])
        idx += [r.idx for r in rows]
    return units, idx


class _progress:
    """A progress bar on stderr when it is a terminal (tqdm), silent otherwise."""

    def __init__(self, total: int, quiet: bool) -> None:
        self.bar = None
        if not quiet and total > 1 and sys.stderr.isatty():
            from tqdm import tqdm

            self.bar = tqdm(total=total, unit="file", file=sys.stderr)

    def update(self, n: int) -> None:
        if self.bar is not None:
            self.bar.update(n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


# ----------------------------------------------------------------- train / evaluate / info


def cmd_train(args: argparse.Namespace) -> int:
    from .train import train

    from .multicorpus import corpus_name, parse_weights

    folds = _folds_arg(args.eval_folds)
    weights = parse_weights(args.weight, [corpus_name(c) for c in args.corpus])
    labeller = train(args.corpus, args.output, seed=args.seed, eval_folds=folds, n_jobs=args.jobs, weights=weights)
    m = labeller.meta.get("metrics", {}).get("context")
    print(f"model written to {args.output} ({labeller.meta['corpus']['units']} units, "
          f"{labeller.meta['corpus']['documents']} documents)")
    if m:
        print(f"{m['mode']}: function macro-F1 {m['function_macro_f1']:.3f}, topic micro-F1 {m['topic_micro_f1']:.3f}")
    return EXIT_OK


def _folds_arg(value: str) -> int | str | None:
    if value in ("lodo", "none"):
        return None if value == "none" else "lodo"
    try:
        n = int(value)
    except ValueError:
        raise InputError(f"--eval-folds must be a number, 'lodo' or 'none', got {value!r}") from None
    if n < 2:
        raise InputError(f"--eval-folds must be at least 2, got {n}")
    return n


def cmd_evaluate(args: argparse.Namespace) -> int:
    from . import multicorpus as mc
    from .evaluate import evaluate_labeller, format_report

    corpora = mc.load_corpora(args.corpus, mc.parse_weights(args.weight, [mc.corpus_name(c) for c in args.corpus]))
    docs = mc.union(corpora)
    context = not args.no_context
    if args.mode == "model":
        from .api import load_model

        model = load_model(args.model)
        seen = set(model.meta.get("corpus", {}).get("training_docs", []))
        unseen = [d for d in docs if d.doc not in seen]
        if not unseen:
            raise InputError(f"{', '.join(args.corpus)}: every document was used to train this model; "
                             "scores on them would not be held out (use --mode lodo)")
        result = evaluate_labeller(model, unseen, context=context)
        if len(corpora) > 1:
            result["per_corpus"] = {c.name: evaluate_labeller(model, part, context=context) for c in corpora
                                    if (part := [d for d in unseen if d in c.docs])}
    else:
        folds = {"lodo": "lodo", "split": "split", "folds": args.folds}[args.mode]
        result = mc.cross_validate_corpora(corpora, folds=folds, context=context, seed=args.seed, n_jobs=args.jobs)
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        print(format_report(result))
        if len(corpora) > 1 and "per_corpus" in result:
            print("\nper corpus:\n" + mc.format_per_corpus(result))
    return EXIT_OK


def cmd_info(args: argparse.Namespace) -> int:
    from .api import default_model_path
    from .persist import read_meta

    path = Path(args.model) if args.model else default_model_path()
    meta = read_meta(path)
    corpus = meta.get("corpus", {})
    print(f"model      {path}")
    print(f"name       {meta.get('name', '?')}  (format {meta.get('format')})")
    print("built with " + ", ".join(f"{k} {v}" for k, v in meta.get("versions", {}).items()))
    print(f"labels     function: {', '.join(meta['labels']['function'])}")
    print(f"           topics:   {', '.join(meta['labels']['topics'])}")
    print(f"corpus     {corpus.get('documents')} documents, {corpus.get('units')} units, sha256 {corpus.get('hash')}")
    for c in meta.get("corpora", []):
        weight = f", weight {c['weight']}" if c.get("weight", 1) != 1 else ""
        print(f"  from     {c['name']}: {c['documents']} documents, {c['units']} units{weight}, sha256 {c['hash']}"
              f"  ({c['path']})")
    print(f"seed       {meta.get('seed')}")
    for name, m in meta.get("metrics", {}).items():
        print(f"metrics    {name}: {m['mode']}: function macro-F1 {m['function_macro_f1']:.3f}, "
              f"accuracy {m['function_accuracy']:.3f}, topic micro-F1 {m['topic_micro_f1']:.3f}")
    fresh = meta.get("fresh_split", {}).get("this_design_trained_on_the_rest")
    if fresh:  # written by benchmarks/fresh.py record
        print(f"fresh      held-out split ({fresh['documents']} documents never trained on, design trained on the rest): "
              f"function macro-F1 {fresh['function_macro_f1']:.3f}, accuracy {fresh['function_accuracy']:.3f}, "
              f"topic micro-F1 {fresh['topic_micro_f1']:.3f}, document kind accuracy {fresh['doc_kind_accuracy']:.3f}")
    return EXIT_OK


# ----------------------------------------------------------------- teach: explain / annotate / suggest


def _add_teach_parsers(sub: Any) -> None:
    label = sub.choices["label"]
    label.add_argument("--explain", action="store_true",
                       help="add each unit's explanation (exact signal contributions; JSONL or table only)")

    p = sub.add_parser("explain", help="why each unit of a text got its labels (exact contributions)")
    p.add_argument("text", nargs="?", default="-", help="the report text; '-' or none: read stdin")
    p.add_argument("--model", metavar="DIR")
    p.add_argument("--no-context", action="store_true")
    p.add_argument("--top", type=int, default=6, metavar="N", help="signals shown per stage (default 6)")
    p.add_argument("--unit", type=int, action="append", metavar="IDX", help="only this unit (repeatable)")
    p.add_argument("--json", action="store_true", help="JSON Lines, one unit per line")

    p = sub.add_parser("annotate", help="export predictions for correction; import corrections as a corpus")
    asub = p.add_subparsers(dest="annotate_command", required=True, metavar="ACTION")
    e = asub.add_parser("export", help="one row/task per unit, predicted labels pre-filled (not reviewed)")
    e.add_argument("predictions", metavar="PRED.jsonl", help="JSONL output of lawgov label")
    e.add_argument("-o", "--output", required=True, metavar="FILE")
    e.add_argument("--to", choices=("xlsx", "tsv", "doccano", "label-studio"), default="xlsx")
    i = asub.add_parser("import", help="validate a corrected file and write a corpus directory")
    i.add_argument("file", metavar="FILE")
    i.add_argument("--corpus", required=True, metavar="DIR", help="corpus directory to write (raw/, gold/, sources.tsv)")
    i.add_argument("--from", dest="fmt", choices=("xlsx", "tsv", "doccano", "label-studio"),
                   help="default: by suffix (.xlsx .tsv .jsonl=doccano .json=label-studio)")
    i.add_argument("--all-reviewed", action="store_true",
                   help="every unit in the file was reviewed (e.g. doccano's 'export only approved documents')")
    i.add_argument("--predictions", metavar="PRED.jsonl", help="fill units missing from FILE (as not reviewed)")

    p = sub.add_parser("suggest", help="the documents and units the model is least sure of: annotate them first")
    p.add_argument("paths", nargs="+", metavar="PATH", help="reports (.txt, directories) or lawgov JSONL predictions")
    p.add_argument("-n", type=int, default=50, metavar="N", help="units to list (default 50)")
    p.add_argument("--by", choices=("margin", "entropy"), default="margin")
    p.add_argument("--model", metavar="DIR")
    p.add_argument("--json", action="store_true")


def cmd_annotate(args: argparse.Namespace) -> int:
    from . import annotate

    if args.annotate_command == "export":
        out = annotate.export(args.predictions, args.output, args.to)
        print(f"wrote {out}" + (f" and {out.name}.label_config.xml" if args.to == "label-studio" else ""))
        return EXIT_OK
    report = annotate.import_corrections(args.file, args.corpus, fmt=args.fmt, all_reviewed=args.all_reviewed,
                                         predictions=args.predictions)
    for w in report.warnings:
        print(f"lawgov: warning: {w}", file=sys.stderr)
    print(report.summary())
    return EXIT_OK


def cmd_suggest(args: argparse.Namespace) -> int:
    from .api import load_model
    from .suggest import format_suggestions, suggest_paths

    if args.n < 1:
        raise InputError(f"-n must be at least 1, got {args.n}")
    result = suggest_paths(args.paths, load_model(args.model), n=args.n, by=args.by)
    print(json.dumps(result, ensure_ascii=False, indent=1) if args.json else format_suggestions(result))
    return EXIT_OK


def cmd_explain(args: argparse.Namespace) -> int:
    from .api import load_model
    from .explain import explain_text

    text = sys.stdin.read() if args.text == "-" else args.text
    if not text.strip():
        raise InputError("explain: no text given")
    for ex in explain_text(text, model=load_model(args.model), context=not args.no_context):
        if args.unit and ex.prediction.idx not in args.unit:
            continue
        if args.json:
            print(json.dumps(dict(ex.prediction.to_dict(), explanation=ex.to_dict(args.top)), ensure_ascii=False))
        else:
            print(ex.format(args.top) + "\n")
    return EXIT_OK


@contextmanager
def _atomic_output(output: str | None, inputs: Sequence[str] = ()) -> Iterator[TextIO]:
    """stdout, or a temporary file beside ``output`` that replaces it only when all is written.

    A device or pipe (``/dev/null``, ``/dev/stdout``) is written directly, never
    replaced; an output that is one of ``inputs`` is refused before anything runs.
    """
    if output is None:
        yield sys.stdout
        return
    from .journal import check_target, is_special

    target = Path(output)
    check_target(target, list(inputs))
    if is_special(target):
        with open(target, "w", encoding="utf-8", newline="") as out:
            yield out
        return
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
            yield out
        os.replace(tmp, target)
    except BaseException:
        with suppress(OSError):
            os.unlink(tmp)
        raise


def cmd_label_explain(args: argparse.Namespace) -> int:
    """``label --explain``: one process, each document labelled and explained (slower than label)."""
    from dataclasses import replace

    from .api import load_model
    from .explain import explain_units

    if args.format not in ("jsonl", "table") or args.summary:
        raise InputError("--explain writes JSONL units (with an 'explanation' field) or a table")
    if args.resume:
        raise InputError("--explain cannot --resume")
    model = load_model(args.model)
    failures: list[str] = []
    sources = list(_sources(args.paths or ["-"], failures))
    opts = {"encoding": args.encoding, "max_bytes": int(args.max_size * 1024 * 1024),
            "input_format": args.input_format}
    with _atomic_output(args.output, list(args.paths or ["-"]) + sources) as out:
        for source in sources:
            read = _read_one(source, opts)
            if isinstance(read, str):
                failures.append(read)
                continue
            units, idx = read
            for k, ex in enumerate(explain_units(units, model=model, context=not args.no_context)):
                p = ex.prediction if idx is None else replace(ex.prediction, idx=idx[k])
                if args.format == "jsonl":
                    out.write(json.dumps(dict(p.to_dict(), explanation=ex.to_dict()), ensure_ascii=False) + "\n")
                else:
                    out.write(ex.format() + "\n\n")
    for f in failures:
        _err(f)
    return (EXIT_SOME_FAILED if len(failures) < len(sources) + len(failures) else EXIT_ERROR) if failures else EXIT_OK


_TEACH_COMMANDS: dict[str, Any] = {"explain": cmd_explain, "annotate": cmd_annotate, "suggest": cmd_suggest}


# ----------------------------------------------------------------- profile


def _add_profile_parser(sub: Any) -> None:
    p = sub.add_parser("profile", help="profile reports: mandated parts, candour, figures, timeliness")
    p.add_argument("paths", nargs="*", metavar="PATH", help="report files or directories; '-' or none for stdin")
    p.add_argument("-o", "--output", metavar="OUT", help="write here (a directory for html with several reports)")
    p.add_argument("--format", choices=("json", "jsonl", "csv", "xlsx", "table", "html"), default="json")
    p.add_argument("--input-format", choices=("auto", "text", "html", "jsonl"), default="auto")
    p.add_argument("--level", choices=("sentence", "paragraph", "section"), default="sentence",
                   help="what the html view tints: units (default), paragraphs or sections")
    p.add_argument("--deadline", default="04-01", metavar="MM-DD",
                   help="publication deadline in the year after the one reported on (default 04-01: "
                        "the 督察工作规定's 1 April; many provinces set 03-01 for departments)")
    p.add_argument("--no-context", action="store_true", help="label each unit as an isolated sentence")
    p.add_argument("--model", metavar="DIR", help="model directory (default: the shipped model)")
    p.add_argument("--encoding", help="force the input encoding (default: detect)")
    p.add_argument("--max-size", type=float, default=50, metavar="MB", help="refuse larger files (default 50)")
    p.add_argument("--jobs", type=int, default=1, metavar="N", help="profile files in N processes")
    p.add_argument("--resume", action="store_true", help="skip reports already in the -o output (jsonl or csv)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress or warnings on stderr")


def cmd_profile(args: argparse.Namespace) -> int:
    from . import profiles as pr

    try:
        month, day = (int(x) for x in args.deadline.split("-"))
        from datetime import date

        date(2001, month, day)
    except ValueError:
        raise InputError(f"--deadline must be MM-DD (e.g. 04-01), got {args.deadline!r}") from None
    if args.jobs < 1:
        raise InputError(f"--jobs must be at least 1, got {args.jobs}")
    if args.format == "xlsx" and not args.output:
        raise InputError("--format xlsx needs -o FILE.xlsx")
    if args.resume and (not args.output or args.format not in ("jsonl", "csv")):
        raise InputError("--resume needs -o OUT with --format jsonl or csv")
    failures: list[str] = []
    sources = list(_sources(args.paths or ["-"], failures))
    n_inputs = len(sources) + len(failures)
    skip = frozenset(pr.done_docs(args.output, args.format)) if args.resume else frozenset()
    opts = pr.Options(context=not args.no_context, encoding=args.encoding, max_bytes=int(args.max_size * 1024 * 1024),
                      input_format=args.input_format, deadline=(month, day),
                      keep_units=args.format in ("xlsx", "html"), skip=skip)
    progress = _progress(len(sources), quiet=args.quiet)
    results: list[Any] = []
    n_reports = 0

    def each() -> Iterator[Any]:
        for source, res in pr.profile_sources(sources, opts, model_dir=args.model, jobs=args.jobs):
            progress.update(1)
            if isinstance(res, str):
                failures.append(res)
                if not args.quiet:
                    _err(res)
            yield source, res

    try:
        if args.format in ("xlsx", "html"):
            for _, res in each():
                if not isinstance(res, str):
                    results += res
            n_reports = len(results)
            if args.format == "xlsx":
                from .xlsx import write_xlsx

                tmp = Path(args.output).with_name(f".{Path(args.output).name}.part")
                write_xlsx(tmp, [r.profile for r in results], (r.units for r in results), failures)
                os.replace(tmp, args.output)
            elif results:
                pr.write_html(args.output, results, failures, args.level, sys.stdout)
        else:
            n_reports = _profile_stream(args, pr, each())
    finally:
        progress.close()
    if failures:
        print(f"lawgov: {len(failures)} of {n_inputs} input(s) failed:", file=sys.stderr)
        for f in failures:
            print(f"  {f}", file=sys.stderr)
        return EXIT_SOME_FAILED if n_reports or skip else EXIT_ERROR
    return EXIT_OK


def _profile_stream(args: argparse.Namespace, pr: Any, items: Iterator[Any]) -> int:
    """Stream json/jsonl/csv/table profiles to -o (atomically) or stdout; return the number of reports.

    Each record is a whole line, so an interrupted jsonl/csv run keeps what it
    wrote (the target is replaced by the complete lines so far) and
    ``--resume`` continues it.
    """
    n = 0
    if not args.output:
        w = pr.StreamWriter(sys.stdout, args.format)
        for prof in pr.iter_profiles(items):
            w.write(prof)
            n += "error" not in prof
        w.close()
        return n
    target = Path(args.output)
    from .journal import is_special

    if is_special(target):  # a device or pipe (/dev/null, /dev/stdout): written as it comes, never replaced
        with open(target, "w", encoding="utf-8", newline="") as fh:
            w = pr.StreamWriter(fh, args.format)
            for prof in pr.iter_profiles(items):
                w.write(prof)
                n += "error" not in prof
            w.close()
        return n
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    keep = pr.kept_lines(target, args.format) if args.resume else []
    ok = False
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            w = pr.StreamWriter(fh, args.format)
            fh.writelines(keep)
            for prof in pr.iter_profiles(items):
                w.write(prof)
                fh.flush()
                n += "error" not in prof
            w.close()
            ok = True
    finally:
        if ok or args.format in ("jsonl", "csv"):
            os.replace(tmp, target)
        else:
            Path(tmp).unlink(missing_ok=True)
    return n
