"""Word tokenisation with jieba, over a private tokenizer and our user dictionary.

The tokenizer is part of the saved model (a module-level function referenced by
name), so training and prediction cannot drift apart. The global ``jieba.dt``
is never touched.
"""
from __future__ import annotations

import logging
import threading
from functools import lru_cache
from importlib.resources import files
from typing import Any

from .clean import normalize

_lock = threading.Lock()


@lru_cache(maxsize=1)
def _tokenizer() -> Any:
    with _lock:
        import jieba

        # jieba logs "Building prefix dict..." at DEBUG to stderr; quiet its own
        # logger only (library code must not configure the root logger).
        logging.getLogger("jieba").setLevel(logging.WARNING)
        tok = jieba.Tokenizer()
        tok.initialize()
        with files("lawgov_nlp").joinpath("data/userdict.txt").open("r", encoding="utf-8") as fh:
            tok.load_userdict(fh)
        return tok


@lru_cache(maxsize=16384)
def _cached(text: str) -> tuple[str, ...]:
    # Both heads tokenise the same units one after the other; the cache makes
    # the second pass free without holding a whole archive in memory.
    return tuple(w for w in _tokenizer().lcut(normalize(text), HMM=False) if _is_word(w))


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
