"""The public functions: load a model and label text, units or files."""
from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from importlib.resources import as_file, files
from pathlib import Path
from typing import Any

from .errors import ModelError
from .pipeline import Labeller
from .read import DEFAULT_MAX_BYTES, read_document
from .records import Document, Prediction, Unit
from .segment import units_from_texts

_DEFAULT: Labeller | None = None


def default_model_path() -> Path:
    """Where the shipped model is: ``$LAWGOV_MODEL`` if set, else inside the package."""
    env = os.environ.get("LAWGOV_MODEL")
    if env:
        return Path(env)
    resource = files("lawgov_nlp").joinpath("models/default")
    with as_file(resource) as path:
        if not Path(path).is_dir():
            raise ModelError(
                "the shipped model is not installed with this copy of lawgov_nlp "
                "(install the package with `pip install .`, or set LAWGOV_MODEL / pass --model DIR)"
            )
        return Path(path)


def load_model(path: str | Path | None = None) -> Labeller:
    """Load a model directory, or the shipped model when ``path`` is None (cached).

    Examples
    --------
    >>> model = load_model()
    >>> sorted(model.meta["labels"])
    ['function', 'topics']
    """
    global _DEFAULT
    if path is not None:
        return Labeller.load(path)
    if _DEFAULT is None:
        _DEFAULT = Labeller.load(default_model_path())
    return _DEFAULT


def label_text(text: str, doc: str = "text", *, context: bool = True,
               model: Labeller | None = None) -> list[Prediction]:
    """Segment and label a report given as a string.

    Examples
    --------
    >>> preds = label_text("二、存在的不足\\n政务公开栏目更新不及时。")
    >>> [(p.text, p.function, p.topics) for p in preds][1]
    ('政务公开栏目更新不及时。', 'problem', ('disclosure',))
    """
    return (model or load_model()).label_document(Document(doc, text), context=context)


def label_units(units: Sequence[str | Unit], doc: str = "units", *, context: bool = True,
                model: Labeller | None = None) -> list[Prediction]:
    """Label pre-segmented units of one document, given in order (strings or Units)."""
    built = [u for u in units if isinstance(u, Unit)]
    if built and len(built) != len(units):
        raise TypeError("units must be all strings or all Unit records")
    if not built:
        built = units_from_texts(doc, [str(u) for u in units])
    return (model or load_model()).label_units(built, context=context)


def label_file(path: str | Path, *, context: bool = True, encoding: str | None = None,
               max_bytes: int = DEFAULT_MAX_BYTES, model: Labeller | None = None) -> list[Prediction]:
    """Read, segment and label one report file."""
    return (model or load_model()).label_document(read_document(path, encoding, max_bytes), context=context)


def label_records(records: Iterable[dict[str, Any]], *, context: bool = True,
                  model: Labeller | None = None) -> list[dict[str, Any]]:
    """Label documents given as ``{"doc", "text"}`` dicts; return unit dicts.

    The building block for distributed engines: map it over partitions of a
    ``dask.bag`` of documents (the model loads once per worker process).

    Examples
    --------
    >>> rows = label_records([{"doc": "a", "text": "二、存在的不足\\n人员不足。"}])
    >>> [(r["doc"], r["idx"], r["function"]) for r in rows]
    [('a', 0, 'problem'), ('a', 1, 'problem')]
    """
    from .segment import segment

    labeller = model or load_model()
    groups = [segment(Document(str(r["doc"]), str(r["text"]))) for r in records]
    return [r for part in labeller.label_groups_columns(groups, context=context) for r in part.records()]


def label_batch(batch: dict[str, list[Any]], *, context: bool = True,
                model: Labeller | None = None) -> dict[str, list[Any]]:
    """``datasets.Dataset.map(label_batch, batched=True, ...)``: documents in, units out.

    ``batch`` has columns ``doc`` and ``text`` (one row per document); the result
    has one row per unit with ``doc, idx, text, start, end, section, function,
    function_scores, topics, topic_scores``. Pass ``features=batch_features()``
    and ``remove_columns=dataset.column_names`` to ``map`` (a batch whose units
    all have empty topic lists gives Arrow nothing to infer the type from)::

        ds.map(label_batch, batched=True, num_proc=2,
               remove_columns=ds.column_names, features=batch_features())

    Examples
    --------
    >>> out = label_batch({"doc": ["a"], "text": ["二、存在的不足\\n人员不足。"]})
    >>> out["function"], out["idx"]
    (['problem', 'problem'], [0, 1])
    """
    rows = label_records(({"doc": d, "text": t} for d, t in zip(batch["doc"], batch["text"])),
                         context=context, model=model)
    keys = ("doc", "idx", "text", "start", "end", "section", "function", "function_scores", "topics", "topic_scores")
    return {k: [r[k] for r in rows] for k in keys}


def batch_features() -> Any:
    """The ``datasets.Features`` of :func:`label_batch` output."""
    import datasets

    from .labels import FUNCTIONS, TOPICS

    return datasets.Features({
        "doc": datasets.Value("string"), "idx": datasets.Value("int64"), "text": datasets.Value("string"),
        "start": datasets.Value("int64"), "end": datasets.Value("int64"),
        "section": datasets.Sequence(datasets.Value("string")),
        "function": datasets.Value("string"),
        "function_scores": {f: datasets.Value("float64") for f in FUNCTIONS},
        "topics": datasets.Sequence(datasets.Value("string")),
        "topic_scores": {t: datasets.Value("float64") for t in TOPICS},
    })
