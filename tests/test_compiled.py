"""The compiled predictor's vectorised n-gram path against the plain analyzer."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lawgov_nlp.compiled import _Block


def _tfidf_blocks(model):
    for mode in ("context", "isolated"):
        for head in ("function", "topics"):
            for block in model.heads[mode][head]._blocks:
                if block.type == "tfidf":
                    yield f"{mode}/{head}/{block.analyzer}", block


def _dense(block, texts, fast):
    block._prepare()
    block._fast = block._fast and fast
    rows, cols, vals = block.matrix(texts)
    out = np.zeros((len(texts), block.size))
    out[rows, cols] = vals
    return out


def _slow_equals_fast(block, texts):
    fast = _dense(block, texts, True)
    slow = _dense(block, texts, False)
    block._prepare()
    np.testing.assert_allclose(fast, slow, rtol=0, atol=1e-12)
    return fast


def test_fast_ngrams_equal_the_plain_analyzer_on_the_corpus(model, gold_docs):
    texts = [u.text for d in gold_docs[:40] for u in d.units()]
    titles = sorted({u.title for d in gold_docs[:40] for u in d.units()})
    blocks = dict(_tfidf_blocks(model))
    assert {k.rsplit("/", 1)[1] for k in blocks} == {"word", "char"}
    for name, block in blocks.items():
        m = _slow_equals_fast(block, texts + titles)
        assert block._fast, f"{name}: the shipped model should take the vectorised path"
        assert m.any(), name  # the corpus text does hit the vocabulary


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from(list("行政复议执法公开政务法治的了12，。 abc\t𠀀😀①")) | st.characters(),
                        max_size=12), max_size=6))
def test_fast_ngrams_equal_the_plain_analyzer_on_any_text(model, texts):
    for _, block in _tfidf_blocks(model):
        _slow_equals_fast(block, texts)


def test_rows_of_texts_without_known_ngrams_are_empty(model):
    block = next(b for n, b in _tfidf_blocks(model) if n.endswith("char"))
    m = _dense(block, ["", "\x00", "行政复议"], True)
    assert not m[0].any() and not m[1].any() and m[2].any()
    np.testing.assert_allclose(np.linalg.norm(m[2]), 1.0)


def test_a_vocabulary_the_fast_path_cannot_pack_falls_back_to_the_analyzer():
    spec = {"input": "unit_texts", "type": "tfidf", "analyzer": "word", "ngram_range": [1, 3],
            "sublinear_tf": True, "norm": "l2", "vocabulary": ["政务公开", "工作", "政务公开 工作", "深化 政务公开 工作"]}
    block = _Block(spec, np.ones(4))
    rows, cols, vals = block.matrix(["深化政务公开工作"])
    block._prepare()
    assert block._fast is False
    assert sorted(cols.tolist()) == [0, 1, 2, 3]


def test_dict_block_string_values_are_key_value_features_even_when_numeric_looking():
    spec = {"input": "layout_features", "type": "dict", "separator": "=", "vocabulary": ["kind=1", "n", "kind"]}
    block = _Block(spec, None)
    rows, cols, vals = block.dict_matrix([{"kind": "1", "n": 2}, {"n": 0}])
    assert sorted(zip(rows.tolist(), cols.tolist(), vals.tolist())) == [(0, 0, 1.0), (0, 1, 2.0)]
