"""jieba-rs and jieba give the same tokens with our user dictionary."""
from __future__ import annotations

from functools import lru_cache

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lawgov_nlp import tokenize as tk
from lawgov_nlp.clean import normalize


@lru_cache(maxsize=None)
def _seg(backend):
    return tk.make_segmenter(backend)


def test_the_fast_backend_is_used():
    assert tk.backend() == "rjieba"


def test_user_dictionary_words_are_kept_whole():
    for backend in tk.BACKENDS:
        assert "行政复议" in _seg(backend)("全年办理行政复议案件")
        assert "依申请公开" in _seg(backend)("依申请公开3件")


def test_backends_agree_on_the_corpus(gold_docs):
    texts = [normalize(u.text) for d in gold_docs for u in d.units()]
    rust, python = _seg("rjieba"), _seg("jieba")
    assert [rust(t) for t in texts] == [python(t) for t in texts]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("行政复议执法公开政务法治政府建设报告的了在和是abcXYZ019.%-_ ，。、（）()\n㈠①—…·𠀀😀")),
               max_size=40))
def test_backends_agree_on_any_text(text):
    assert _seg("rjieba")(text) == _seg("jieba")(text)


def test_global_jieba_is_untouched():
    import jieba

    _seg("jieba")("行政复议")
    assert not jieba.dt.initialized or "依申请公开" not in jieba.dt.FREQ


def test_unknown_backend():
    with pytest.raises(ValueError, match="unknown tokenizer backend"):
        tk.make_segmenter("spacy")
