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
import sys
import tempfile
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, TextIO

from .errors import InputError, LawgovError, LawgovWarning

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
    p.add_argument("-o", "--output", metavar="OUT", help="write here (atomically) instead of stdout")
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
    p.add_argument("--resume", action="store_true", help="skip documents already in the -o JSONL output")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress or warnings on stderr")
    p.add_argument("--level", choices=("sentence", "paragraph", "section"), default="sentence",
                   help="label units (default), or paragraphs/sections: the function most of their characters "
                        "carry, the union of their topics and the unit indices they cover")

    _add_profile_parser(sub)

    p = sub.add_parser("train", help="train a model on a gold corpus")
    p.add_argument("corpus", metavar="CORPUS", help="corpus directory (with gold/ and raw/)")
    p.add_argument("-o", "--output", required=True, metavar="DIR", help="model directory to write")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--eval-folds", default="10", metavar="N|lodo|none",
                   help="document folds for the metrics stored in the model (default 10)")
    p.add_argument("--jobs", type=int, default=1, metavar="N")

    p = sub.add_parser("evaluate", help="evaluate on a gold corpus by whole documents")
    p.add_argument("corpus", metavar="CORPUS")
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
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    command = {"label": cmd_label, "train": cmd_train, "evaluate": cmd_evaluate, "info": cmd_info,
               "profile": cmd_profile}[args.command]
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
    from .api import load_model

    max_bytes = int(args.max_size * 1024 * 1024)
    if args.resume and not args.output:
        raise InputError("--resume needs -o OUT (the output to continue)")
    if args.resume and (args.format != "jsonl" or args.summary):
        raise InputError("--resume works with JSONL unit output only")
    if args.jobs < 1:
        raise InputError(f"--jobs must be at least 1, got {args.jobs}")
    model = load_model(args.model)
    failures: list[str] = []
    sources = list(_sources(args.paths or ["-"], failures))
    n_inputs = len(sources) + len(failures)  # failures so far: paths that gave no file
    done = _docs_in(Path(args.output)) if args.resume else set()
    with _atomic_output(args.output, keep_existing=args.resume) as out:
        from .export import Writer

        if not args.summary:
            Writer(out, args.format)  # the header, if the format has one
        progress = _progress(len(sources), quiet=args.quiet)
        opts = {"context": not args.no_context, "encoding": args.encoding, "max_bytes": max_bytes,
                "input_format": args.input_format, "format": "summary" if args.summary else args.format,
                "level": getattr(args, "level", "sentence")}
        for name, result in _label_all(sources, model, args.model, opts, args.jobs, done):
            progress.update(1)
            if isinstance(result, str):
                failures.append(result)
                if not args.quiet:
                    _err(result)
                continue
            n_units, rendered = result
            if not n_units and not args.quiet:
                print(f"lawgov: warning: {name}: no text, 0 units", file=sys.stderr)
            out.write(rendered)
        progress.close()
    if failures:
        print(f"lawgov: {len(failures)} of {n_inputs} input(s) failed:", file=sys.stderr)
        for f in failures:
            print(f"  {f}", file=sys.stderr)
        return EXIT_SOME_FAILED if len(failures) < n_inputs else EXIT_ERROR
    return EXIT_OK


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


# Sources are labelled in chunks: the model does its array work once per chunk
# (see Labeller.label_groups), and a worker process returns a chunk's output
# already rendered, so the parent only writes text.
_CHUNK = 8


def _label_all(sources: list[str], model: Any, model_dir: str | None, opts: dict[str, Any],
               jobs: int, skip: set[str]) -> Iterator[tuple[str, Any]]:
    """Yield ``(source, (n_units, rendered output) or error message)`` in input order."""
    todo = [s for s in sources if s == "-" or Path(s).stem not in skip]
    chunks = [todo[i:i + _CHUNK] for i in range(0, len(todo), _CHUNK)]
    if jobs == 1 or len(chunks) < 2 or "-" in todo:  # stdin is read by this process only
        for chunk in chunks:
            yield from zip(chunk, _label_chunk(chunk, model, opts))
        return
    from collections import deque
    from concurrent.futures import ProcessPoolExecutor

    from .segment import units_from_texts

    # Build the tokenizer and the vocabulary tables before the workers start:
    # where processes fork, they inherit them instead of each building its own.
    global _WORKER_MODEL
    model.label_units(units_from_texts("warm-up", ["政务公开工作。"]), context=opts["context"])
    _WORKER_MODEL = model
    with ProcessPoolExecutor(max_workers=jobs, initializer=_init_worker, initargs=(model_dir,)) as pool:
        # Results are taken in input order, so the output is the same as with
        # one process; at most 4 chunks per worker are in flight, so memory
        # stays flat however long the archive.
        todo_chunks = iter(chunks)
        pending = deque((c, pool.submit(_worker_label, c, opts)) for c in itertools.islice(todo_chunks, 4 * jobs))
        while pending:
            chunk, future = pending.popleft()
            results = future.result()
            for nxt in itertools.islice(todo_chunks, 1):
                pending.append((nxt, pool.submit(_worker_label, nxt, opts)))
            yield from zip(chunk, results)


_WORKER_MODEL: Any = None


def _init_worker(model_dir: str | None) -> None:
    global _WORKER_MODEL
    from .api import load_model

    warnings.simplefilter("ignore", LawgovWarning)
    if _WORKER_MODEL is None:  # a spawned (not forked) worker loads its own copy
        _WORKER_MODEL = load_model(model_dir)


def _worker_label(chunk: list[str], opts: dict[str, Any]) -> list[Any]:
    return _label_chunk(chunk, _WORKER_MODEL, opts)


def _label_chunk(chunk: list[str], model: Any, opts: dict[str, Any]) -> list[Any]:
    """Label sources together; for each, ``(n_units, rendered output)`` or an error message."""
    import io
    from dataclasses import replace

    from .aggregate import summarize
    from .export import Writer

    read = [_read_one(source, opts) for source in chunk]
    groups = [r[0] for r in read if not isinstance(r, str)]
    labelled = iter(model.label_groups(groups, context=opts["context"]))
    results: list[Any] = []
    for r in read:
        if isinstance(r, str):
            results.append(r)
            continue
        preds, idx = next(labelled), r[1]
        if idx is not None:  # JSONL input: each record keeps its own idx
            preds = [replace(p, idx=i) for p, i in zip(preds, idx)]
        if opts.get("level", "sentence") != "sentence":
            from .levels import aggregate

            preds = aggregate(preds, opts["level"])
        buf = io.StringIO()
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

    fmt, encoding = opts["input_format"], opts["encoding"]
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
                return segment(read_document(path, encoding, opts["max_bytes"])), None
            data = read_bytes(path, opts["max_bytes"])
        if kind == "jsonl":
            lines = decode(data, name, encoding).splitlines()
            return _jsonl_units(group_rows(iter_unit_rows(lines, name), name))
        text = bytes_to_text(data, name, ".html" if kind == "html" else ".txt", encoding)
        return segment(Document(doc, text, name)), None
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


def _docs_in(path: Path) -> set[str]:
    """Documents already present in a JSONL output (for --resume)."""
    if not path.exists():
        return set()
    done = set()
    with path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                done.add(json.loads(line)["doc"])
            except (json.JSONDecodeError, KeyError, TypeError):
                raise InputError(f"{path}:{lineno}: cannot resume, not a lawgov JSONL output line") from None
    return done


class _atomic_output:
    """Write to a temporary file next to the target and rename it at the end.

    An interrupted run leaves the previous file (or none), never half a file.
    ``keep_existing`` starts the temporary file as a copy of the target
    (for --resume). Without a target, writes to stdout.
    """

    def __init__(self, target: str | None, keep_existing: bool = False) -> None:
        self.target = Path(target) if target else None
        self.keep = keep_existing
        self.tmp: Path | None = None
        self.fh: TextIO | None = None

    def __enter__(self) -> TextIO:
        if self.target is None:
            return sys.stdout
        self.target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.target.parent, prefix=f".{self.target.name}.", suffix=".part")
        self.tmp = Path(tmp)
        self.fh = os.fdopen(fd, "w", encoding="utf-8", newline="")
        if self.keep and self.target.exists():
            with self.target.open(encoding="utf-8") as old:
                for line in old:
                    self.fh.write(line if line.endswith("\n") else line + "\n")
        return self.fh

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if self.fh is None or self.tmp is None or self.target is None:
            sys.stdout.flush()
            return
        self.fh.close()
        if exc_type is None:
            os.replace(self.tmp, self.target)
        else:
            self.tmp.unlink(missing_ok=True)


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

    folds = _folds_arg(args.eval_folds)
    labeller = train(args.corpus, args.output, seed=args.seed, eval_folds=folds, n_jobs=args.jobs)
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
    from .corpus import load_documents
    from .evaluate import cross_validate, evaluate_labeller, format_report, labeller_fit_predict

    docs = load_documents(args.corpus)
    context = not args.no_context
    if args.mode == "model":
        from .api import load_model

        model = load_model(args.model)
        seen = set(model.meta.get("corpus", {}).get("training_docs", []))
        unseen = [d for d in docs if d.doc not in seen]
        if not unseen:
            raise InputError(f"{args.corpus}: every document was used to train this model; "
                             "scores on them would not be held out (use --mode lodo)")
        result = evaluate_labeller(model, unseen, context=context)
    else:
        folds = {"lodo": "lodo", "split": "split", "folds": args.folds}[args.mode]
        result = cross_validate(docs, labeller_fit_predict(context=context, seed=args.seed),
                                folds=folds, seed=args.seed, n_jobs=args.jobs)
        result.pop("predictions")
    print(json.dumps(result, ensure_ascii=False, indent=2) if args.json else format_report(result))
    return EXIT_OK


def cmd_info(args: argparse.Namespace) -> int:
    from .api import default_model_path
    from .persist import read_meta

    path = Path(args.model) if args.model else default_model_path()
    meta = read_meta(path)
    corpus = meta.get("corpus", {})
    print(f"model      {path}")
    print(f"name       {meta.get('name', '?')}  (format {meta.get('format')})")
    print(f"built with " + ", ".join(f"{k} {v}" for k, v in meta.get("versions", {}).items()))
    print(f"labels     function: {', '.join(meta['labels']['function'])}")
    print(f"           topics:   {', '.join(meta['labels']['topics'])}")
    print(f"corpus     {corpus.get('documents')} documents, {corpus.get('units')} units, sha256 {corpus.get('hash')}")
    print(f"seed       {meta.get('seed')}")
    for name, m in meta.get("metrics", {}).items():
        print(f"metrics    {name}: {m['mode']}: function macro-F1 {m['function_macro_f1']:.3f}, "
              f"accuracy {m['function_accuracy']:.3f}, topic micro-F1 {m['topic_micro_f1']:.3f}")
    return EXIT_OK


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
