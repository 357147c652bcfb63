#!/usr/bin/env python3
"""Stored outputs of the shipped model on the whole corpus: what the fast path must reproduce.

Usage (from the repository root, after `pip install .`):
    python tests/reference_scores.py            # write tests/data/reference_scores.npz

The file holds, for every unit of every corpus text (corpora/raw), its
segmentation (offsets, heading level, chrome flag) and the unrounded
probabilities of both heads with and without context and of the document
kind, as the labeller computed them when the file was written, plus a hash of
the model files. tests/test_reference.py compares today's code against it to
1e-9. It was first written by the unit-by-unit code before the labeller
worked on whole batches as arrays (issue #13). Regenerate it only when the
shipped model is retrained, with code that passes the test on the old model.
"""
from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "data" / "reference_scores.npz"


def model_hash(model_dir: Path) -> str:
    h = hashlib.sha256()
    for name in ("meta.json", "vocab.json", "arrays.npz"):
        h.update((model_dir / name).read_bytes())
    return h.hexdigest()


def corpus_groups() -> tuple[list[str], list[list]]:
    from lawgov_nlp.records import Document
    from lawgov_nlp.segment import segment

    paths = sorted((ROOT / "corpora" / "raw").glob("*.txt"))
    return [p.stem for p in paths], [segment(Document(p.stem, p.read_text(encoding="utf-8"))) for p in paths]


def scores(model, groups: list[list], batch_units: int = 4096) -> dict[str, np.ndarray]:
    """Unrounded probabilities of every unit, labelled in batches as ``label_groups`` does."""
    from lawgov_nlp.pipeline import _proba

    out: dict[str, list[np.ndarray]] = {k: [] for k in ("function", "topics", "function_iso", "topics_iso", "kind")}
    batch: list = []
    for g in groups + [None]:
        if g is not None and sum(map(len, batch)) < batch_units:
            batch.append(g)
            continue
        units = [u for b in batch for u in b]
        shared = _batch(units)
        K = model.kind_proba(units) if shared is None else model.kind_proba(units, shared)
        for suffix, mode in (("", "context"), ("_iso", "isolated")):
            heads = model.heads[mode]
            memo = {} if shared is None else shared
            out["function" + suffix].append(_proba(heads["function"], units, memo, K))
            out["topics" + suffix].append(_proba(heads["topics"], units, memo, K))
        out["kind"].append(K)
        batch = [g] if g is not None else []
    return {k: np.vstack(v) for k, v in out.items()}


def _batch(units: list):
    """The labeller's shared inputs of a batch (``None`` for the code before there was one)."""
    try:
        from lawgov_nlp.batch import Batch
    except ImportError:
        return None
    return Batch(units)


def main() -> None:
    from lawgov_nlp import load_model
    from lawgov_nlp.api import default_model_path

    model = load_model()
    names, groups = corpus_groups()
    units = [u for g in groups for u in g]
    arrays = scores(model, groups)
    arrays.update(
        start=np.array([u.start for u in units]), end=np.array([u.end for u in units]),
        level=np.array([u.heading_level for u in units]), chrome=np.array([u.chrome for u in units]),
        doc_units=np.array([len(g) for g in groups]),
        model_sha256=np.array(model_hash(default_model_path())),
    )
    OUT.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(OUT, **arrays)
    print(f"{OUT}: {len(groups)} documents, {len(units)} units", file=sys.stderr)


if __name__ == "__main__":
    main()
