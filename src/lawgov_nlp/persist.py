"""Save and load a model directory: ``meta.json``, ``vocab.json``, ``arrays.npz``.

The format is plain data: JSON and numpy arrays read with
``allow_pickle=False``. Loading a model therefore cannot run code from the
file, whatever the file contains; the feature inputs a model may name are a
fixed list (:data:`lawgov_nlp.compiled.INPUTS`). ``meta.json`` records where
the model came from: library versions, label set, corpus hash, seed, the
tokenizer's dictionary hash and the evaluation figures. A version mismatch is
warned about; an unknown format is refused.
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import tempfile
import warnings
import zipfile
from importlib.resources import files
from pathlib import Path
from typing import Any

from .errors import LawgovWarning, ModelError

FORMAT = 3
# Format 2 models (no document-kind head, no sequence decoder) still load.
READABLE_FORMATS = (2, 3)
META_FILE, VOCAB_FILE, ARRAYS_FILE = "meta.json", "vocab.json", "arrays.npz"


def library_versions() -> dict[str, str]:
    """Versions of the libraries a model depends on."""
    import platform
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version()}
    for dist in ("lawgov-nlp", "scikit-learn", "numpy", "jieba", "rjieba"):
        try:
            out[dist] = version(dist)
        except PackageNotFoundError:  # running from a source tree
            out[dist] = "unknown"
    return out


def userdict_hash() -> str:
    """SHA-256 of the shipped jieba user dictionary (part of the tokenizer)."""
    data = files("lawgov_nlp").joinpath("data/userdict.txt").read_bytes()
    return hashlib.sha256(data).hexdigest()


def save(heads: dict[str, Any], meta: dict[str, Any], path: str | Path) -> Path:
    """Compile fitted heads and write them with ``meta`` to the directory ``path``.

    Each file is written to a temporary name and renamed, so an interrupted
    save never leaves a half-written file.
    """
    import numpy as np

    from .compiled import compile_head
    from .dockind import compile_kind_head

    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    specs, vocab, arrays = {}, {}, {}
    for name, est in heads.items():
        if name == "doc_kind":
            spec, arr = compile_kind_head(est)
        else:
            spec, arr = compile_head(est, "function" if name.startswith("function") else "topics")
        for block in spec["blocks"]:
            vocab[f"{name}/{block['name']}"] = block.pop("vocabulary")
        specs[name] = spec
        arrays.update({f"{name}/{k}": v for k, v in arr.items()})
    meta = dict(meta, format=FORMAT, versions=library_versions(), heads=specs,
                tokenizer={"function": "lawgov_nlp.tokenize.tokenize", "userdict_sha256": userdict_hash()})
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)
    _atomic_write(path / ARRAYS_FILE, buf.getvalue())
    _atomic_write(path / VOCAB_FILE, json.dumps(vocab, ensure_ascii=False).encode("utf-8"))
    _atomic_write(path / META_FILE, (json.dumps(meta, ensure_ascii=False, indent=2) + "\n").encode("utf-8"))
    return path


def _atomic_write(target: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_meta(path: str | Path) -> dict[str, Any]:
    """Read and check a model directory's ``meta.json``."""
    path = Path(path)
    if not path.is_dir():
        raise ModelError(f"{path}: model directory not found")
    meta_file = path / META_FILE
    if not meta_file.is_file():
        raise ModelError(f"{path}: not a lawgov model directory (no {META_FILE})")
    try:
        meta = json.loads(meta_file.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ModelError(f"{meta_file}: corrupt model metadata ({exc})") from None
    found = meta.get("format") if isinstance(meta, dict) else None
    if found not in READABLE_FORMATS:
        raise ModelError(
            f"{path}: model format {found!r} is not supported by this version of lawgov_nlp "
            f"(expected format {' or '.join(map(str, READABLE_FORMATS))}); retrain it with `lawgov train`"
        )
    return meta


def load(path: str | Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """Load a model directory; return ``({head name: CompiledHead}, meta)``.

    Raises
    ------
    ModelError
        If the directory is missing, a file is corrupt or incomplete, or the
        format is not this version's.
    """
    import numpy as np

    from .compiled import CompiledHead
    from .dockind import CompiledKindHead

    path = Path(path)
    meta = read_meta(path)
    # A model is exactly these three files: anything else (a pickle someone
    # dropped in, a file of another tool) is refused rather than ignored, so a
    # directory that is not what it claims to be never passes as a model.
    extra = sorted(p.name for p in path.iterdir()
                   if p.name not in (META_FILE, VOCAB_FILE, ARRAYS_FILE) and not p.name.startswith("."))
    if extra:
        raise ModelError(f"{path}: unexpected file(s) in the model directory: {', '.join(extra)} "
                         f"(a model is {META_FILE}, {VOCAB_FILE} and {ARRAYS_FILE}; nothing else is loaded)")
    try:
        vocab = json.loads((path / VOCAB_FILE).read_text(encoding="utf-8"))
        with np.load(path / ARRAYS_FILE, allow_pickle=False) as npz:
            arrays = {k: npz[k] for k in npz.files}
    except FileNotFoundError as exc:
        raise ModelError(f"{path}: incomplete model directory (missing {Path(exc.filename).name})") from None
    except (json.JSONDecodeError, UnicodeDecodeError, ValueError, OSError, zipfile.BadZipFile, EOFError) as exc:
        raise ModelError(f"{path}: corrupt model file ({type(exc).__name__}: {exc})") from None
    # (JSON gives exactly str for a string: ``type`` over a list is what a C loop does fastest)
    if not isinstance(vocab, dict) or not all(isinstance(v, list) and set(map(type, v)) <= {str}
                                              for v in vocab.values()):
        raise ModelError(f"{path}: corrupt model file ({VOCAB_FILE} must map block names to lists of terms)")
    bad = sorted(k for k, v in arrays.items() if v.dtype.kind in "fc" and not np.isfinite(v).all())
    if bad:
        raise ModelError(f"{path}: corrupt model file (non-finite weights in {', '.join(bad[:3])})")
    if not isinstance(meta.get("heads", {}), dict):
        raise ModelError(f"{path}: corrupt model metadata (heads must be an object)")
    _warn_on_mismatch(path, meta)
    heads = {}
    for name, spec in meta.get("heads", {}).items():
        spec = dict(spec, blocks=[dict(b, vocabulary=vocab.get(f"{name}/{b['name']}", [])) for b in spec["blocks"]])
        own = {k.split("/", 1)[1]: v for k, v in arrays.items() if k.startswith(f"{name}/")}
        heads[name] = (CompiledKindHead if spec.get("kind") == "doc_kind" else CompiledHead)(spec, own)
    return heads, meta


def _warn_on_mismatch(path: Path, meta: dict[str, Any]) -> None:
    saved = meta.get("versions", {})
    current = library_versions()
    diffs = [
        f"{lib} {saved[lib]} (model) vs {current[lib]} (installed)"
        for lib in ("jieba", "rjieba")
        if saved.get(lib) and current.get(lib) and _minor(saved[lib]) != _minor(current[lib])
    ]
    if meta.get("tokenizer", {}).get("userdict_sha256") not in (None, userdict_hash()):
        diffs.append("the tokenizer's user dictionary changed since training")
    if diffs:
        warnings.warn(
            f"model {path} was built with a different tokenizer: {'; '.join(diffs)}. "
            "Predictions may differ; retrain with `lawgov train` if they look wrong.",
            LawgovWarning,
            stacklevel=3,
        )


def _minor(v: str) -> str:
    return ".".join(v.split(".")[:2])
