"""Word tokenisation: jieba's segmentation with our user dictionary.

The segmenter is jieba-rs (through the ``rjieba`` binding) when it is installed,
else jieba itself; both get the same user dictionary and, with the HMM off,
produce the same tokens (a test checks it on the whole corpus and on random
text), so a model trained with one labels identically with the other. jieba-rs
builds its dictionary in ~0.3 s and segments ~15x faster than jieba's Python
code. The global ``jieba.dt`` is never touched.

The tokenizer is part of the saved model (a module-level function referenced
by name), so training and prediction cannot drift apart.
"""
from __future__ import annotations

import itertools
import logging
import threading
from collections.abc import Callable, Sequence
from functools import lru_cache
from importlib.resources import files

import numpy as np

from .clean import normalize

_lock = threading.Lock()
BACKENDS = ("rjieba", "jieba")


def user_words() -> list[tuple[str, int | None, str | None]]:
    """The shipped user dictionary as ``(word, frequency, tag)`` (jieba's file format)."""
    out = []
    text = files("lawgov_nlp").joinpath("data/userdict.txt").read_text(encoding="utf-8")
    for line in text.splitlines():
        parts = line.split()
        if not parts:
            continue
        freq = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
        tag = parts[-1] if len(parts) > 1 and not parts[-1].isdigit() else None
        out.append((parts[0], freq, tag))
    return out


def make_segmenter(backend: str) -> Callable[[str], list[str]]:
    """A new ``text -> tokens`` function over a private dictionary (HMM off).

    ``backend`` is ``"rjieba"`` (jieba-rs) or ``"jieba"``. Raises ImportError
    when that library is not installed.
    """
    if backend == "rjieba":
        import rjieba

        seg = rjieba.Jieba()
        for word, freq, tag in user_words():
            seg.add_word(word, freq, tag)
        cut = seg.cut
        return lambda text: cut(text, False)
    if backend == "jieba":
        import jieba

        # jieba logs "Building prefix dict..." at DEBUG to stderr; quiet its own
        # logger only (library code must not configure the root logger).
        logging.getLogger("jieba").setLevel(logging.WARNING)
        tok = jieba.Tokenizer()
        tok.initialize()
        for word, freq, tag in user_words():
            tok.add_word(word, freq, tag)
        return lambda text: tok.lcut(text, HMM=False)
    raise ValueError(f"unknown tokenizer backend {backend!r}; expected one of {BACKENDS}")


@lru_cache(maxsize=1)
def _chosen() -> tuple[str, Callable[[str], list[str]]]:
    with _lock:
        try:
            return "rjieba", make_segmenter("rjieba")
        except ImportError:
            return "jieba", make_segmenter("jieba")


def _segmenter() -> Callable[[str], list[str]]:
    return _chosen()[1]


def backend() -> str:
    """The segmenter in use: ``"rjieba"`` if installed, else ``"jieba"``."""
    return _chosen()[0]


@lru_cache(maxsize=4096)
def _cached(text: str) -> tuple[str, ...]:
    # Both heads tokenise the same units one after the other, and every unit
    # of a document shares its title and section headings: the cache makes the
    # repeats free without holding a whole archive in memory.
    return tuple([w for w in _segmenter()(normalize(text)) if w.isalnum() or _is_word(w)])


def tokenize(text: str) -> list[str]:
    """Split normalised ``text`` into words, dropping punctuation and spaces.

    Examples
    --------
    >>> tokenize("全年办理行政复议案件12件，依申请公开3件。")
    ['全年', '办理', '行政复议', '案件', '12', '件', '依申请公开', '3', '件']
    """
    return list(_cached(text))


def _is_word(token: str) -> bool:
    return any(ch.isalnum() for ch in token)


# What tokenize does with a token: 1 keep (a word), 0 drop (punctuation, space),
# 2 the newline between two texts of ``tokens_of_many``. A bounded memo.
_ROLE: dict[str, int] = {"\n": 2}


def roles(tokens: Sequence[str]) -> np.ndarray:
    """What :func:`tokenize` does with each token: 1 keep (a word), 0 drop (punctuation, space), 2 text break.

    Learns the tokens not seen before (a bounded memo).
    """
    role = _ROLE
    if len(role) > 200_000:
        role.clear()
        role["\n"] = 2
    out = np.fromiter(map(role.get, tokens, itertools.repeat(-1)), dtype=np.int8, count=len(tokens))
    for i in np.flatnonzero(out < 0).tolist():
        w = tokens[i]
        out[i] = role[w] = int(w.isalnum() or _is_word(w))
    return out


def cut_many(norms: list[str]) -> list[str] | None:
    """The segmenter's tokens of several *normalised* texts joined by newlines, from one call.

    A normalised text has no newline, and jieba cuts a text into blocks at
    every character outside words before it segments them, so a newline is
    always a token of its own and no word spans two texts; the tokens
    between the ``i``-th and ``i+1``-th newline are those of ``norms[i]``
    (for a normalised text, ``normalize(t) == t``). ``None`` if the newlines
    are not all tokens of their own (checked on every call; then each text
    is to be cut alone).
    """
    if not norms:
        return []
    raw = _segmenter()("\n".join(norms))
    return raw if raw.count("\n") == len(norms) - 1 else None


def tokens_of_many(norms: list[str]) -> tuple[list[str], np.ndarray, np.ndarray]:
    """The tokens of several normalised texts: ``(raw, keep, row)``.

    ``raw`` is what :func:`cut_many` gives (or the texts' tokens one after
    the other if it gives ``None``), ``keep`` which of them :func:`tokenize`
    keeps, ``row`` the text each belongs to.

    Examples
    --------
    >>> raw, keep, row = tokens_of_many(["依申请公开3件。", "", "行政复议"])
    >>> [(w, int(r)) for w, k, r in zip(raw, keep, row) if k]
    [('依申请公开', 0), ('3', 0), ('件', 0), ('行政复议', 2)]
    """
    raw = cut_many(norms)
    if raw is None:  # each text cut alone (the texts are normalised already: not normalize() again)
        cut = _segmenter()
        raw, rows = [], []
        for i, t in enumerate(norms):
            tokens = cut(t)
            raw += tokens
            rows += [i] * len(tokens)
        return raw, roles(raw) == 1, np.asarray(rows, dtype=np.int64)
    r = roles(raw)
    return raw, r == 1, np.cumsum(r == 2)

