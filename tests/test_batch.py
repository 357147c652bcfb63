"""The batch forms of the stages give what the unit-by-unit functions (which training reads) give."""
from __future__ import annotations

import io
import re
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lawgov_nlp import clean, dockind, features
from lawgov_nlp.batch import Batch, Documents
from lawgov_nlp.compiled import _KeyTable
from lawgov_nlp.export import FORMATS, Writer
from lawgov_nlp.segment import segment, units_from_texts
from lawgov_nlp.records import Document
from lawgov_nlp.tokenize import tokenize, tokens_of_many

# characters that exercise normalisation: full width, combining marks, final sigma,
# traditional script, odd spaces, digits of other scripts, an astral character
ODD = list("（）１２，。：ＡＢａ\u3000\u00a0\u2028\r\t ΣΑσ\u0301e\u0308加強政務公開①㈠ﬁ٣𠀀😀将要计划不足原因执法复议公开")
TEXT = st.text(alphabet=st.sampled_from(ODD) | st.characters(blacklist_categories=("Cs",)), max_size=30)


@pytest.fixture(scope="module")
def corpus_units(gold_docs):
    return [u for d in gold_docs for u in segment(Document(d.doc, d.text))]


def _per_unit_normalize(texts):
    clean._CACHE.clear()
    return [clean._normalize(t) for t in texts]


def test_normalize_many_equals_normalize_on_the_corpus(corpus_units):
    texts = [u.text for u in corpus_units] + [" ".join(u.section) for u in corpus_units[::7]]
    expected = _per_unit_normalize(texts)
    clean._CACHE.clear()
    assert clean.normalize_many(texts) == expected
    assert clean.normalize_many(texts) == expected  # from the cache


@settings(max_examples=150, deadline=None)
@given(st.lists(TEXT, max_size=8))
def test_normalize_many_equals_normalize_on_any_text(texts):
    expected = _per_unit_normalize(texts)
    clean._CACHE.clear()
    assert clean.normalize_many(texts) == expected


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(max_size=10), max_size=4))
def test_normalize_many_takes_surrogates_and_newlines(texts):
    texts = texts + ["a\ud800b", "两行\n文字"]
    assert clean.normalize_many(texts) == _per_unit_normalize(texts)


def test_tokens_of_many_equal_tokenize(corpus_units):
    texts = [u.text for u in corpus_units[:3000]]
    raw, keep, row = tokens_of_many(clean.normalize_many(texts))
    assert [w for w, k in zip(raw, keep) if k] == [w for t in texts for w in tokenize(t)]
    assert np.bincount(row[keep], minlength=len(texts)).tolist() == [len(tokenize(t)) for t in texts]


@settings(max_examples=100, deadline=None)
@given(st.lists(TEXT, max_size=6))
def test_tokens_of_many_equal_tokenize_on_any_text(texts):
    raw, keep, row = tokens_of_many(clean.normalize_many(texts))
    for i, t in enumerate(texts):  # tokenize normalises the raw text itself
        assert [w for w, k, r in zip(raw, keep, row) if k and r == i] == tokenize(t)


def _scanned_patterns():
    yield from features.FUNCTION_CUES.values()
    yield from (p for _, p in features._TOPIC_CUES)
    yield from (features._NUMBER, features._STAT, features._FUTURE)


def _unwrapped(pattern):
    m = re.fullmatch(r"\(\?=\[[^\]]*\]\)\(\?:(.*)\)", pattern.pattern, re.S)
    return re.compile(m.group(1), pattern.flags) if m else pattern


def _check_scans(units):
    batch = Batch(units)
    norms = [clean.normalize(u.text) for u in units]
    for pattern in _scanned_patterns():
        plain = _unwrapped(pattern)
        counts = [len(pattern.findall(t)) for t in norms]
        assert counts == [len(plain.findall(t)) for t in norms], pattern.pattern  # the look-ahead changes nothing
        assert batch.counts(pattern).tolist() == counts, pattern.pattern
        assert batch.has(pattern).tolist() == [float(bool(pattern.search(t))) for t in norms], pattern.pattern
        assert Batch(units).has(pattern).tolist() == [float(c > 0) for c in counts]  # without counts first


def test_batch_scans_equal_per_unit_search_on_the_corpus(corpus_units):
    _check_scans(corpus_units)


@settings(max_examples=100, deadline=None)
@given(st.lists(TEXT, min_size=1, max_size=8))
def test_batch_scans_equal_per_unit_search_on_any_text(texts):
    _check_scans(units_from_texts("d", texts))


def test_scanned_patterns_refuse_a_pattern_without_multiline():
    with pytest.raises(ValueError, match="re.M"):
        Batch(units_from_texts("d", ["x"])).has(re.compile("^x"))


def _dict_rows(dicts):
    return [{k: float(v) for k, v in d.items() if v} for d in dicts]


def _column_rows(columns, n):
    return [{k: float(v[i]) for k, v in columns.items() if v[i]} for i in range(n)]


@pytest.mark.parametrize("context", [True, False])
def test_layout_columns_equal_layout_features(corpus_units, context):
    units = corpus_units[:2500]
    assert _column_rows(features.layout_columns(Batch(units), context), len(units)) == \
        _dict_rows(features.layout_features(units, context))


def test_doc_stats_columns_equal_doc_stats(corpus_units):
    units = corpus_units[:4000]
    batch = Batch(units)
    groups = batch.documents.groups(units)
    assert _column_rows(dockind.doc_stats_columns(batch), len(groups)) == _dict_rows(dockind.doc_stats(groups))
    assert [[u.doc for u in g] for g in groups] == [[u.doc for u in g] for g in dockind.by_document(units)[0]]


def _loop_context_means(X, P, window):
    """The loop over documents that Documents.context_means replaced."""
    by_doc = {}
    for row, u in enumerate(X):
        by_doc.setdefault(u.doc, []).append(row)
    near, whole = P.copy(), P.copy()
    for rows in by_doc.values():
        rows = sorted(rows, key=lambda r: X[r].idx)
        block = P[rows]
        whole[rows] = block.mean(axis=0)
        n = len(rows)
        if n < 2:
            continue
        csum = np.vstack([np.zeros((1, P.shape[1])), np.cumsum(block, axis=0)])
        k = np.arange(n)
        lo, hi = np.maximum(0, k - window), np.minimum(n, k + window + 1)
        near[rows] = (csum[hi] - csum[lo] - block) / (hi - lo - 1)[:, None]
    return near, whole


@pytest.mark.parametrize("window", [1, 2, 3])
@pytest.mark.parametrize("shuffle", [False, True])
def test_context_means_equal_the_loop_over_documents(corpus_units, window, shuffle):
    rng = np.random.default_rng(window)
    units = corpus_units[:1500] + units_from_texts("alone", ["一句话。"])
    if shuffle:
        units = [units[i] for i in rng.permutation(len(units))]
    P = rng.random((len(units), 4))
    near, whole = Documents(units).context_means(P, window)
    ref_near, ref_whole = _loop_context_means(units, P, window)
    np.testing.assert_allclose(near, ref_near, rtol=0, atol=1e-12)
    np.testing.assert_allclose(whole, ref_whole, rtol=0, atol=1e-12)


def test_key_table_finds_what_a_binary_search_finds():
    rng = np.random.default_rng(0)
    keys = np.unique(rng.integers(0, 1 << 62, 20000))
    cols = rng.permutation(len(keys))
    table = _KeyTable(keys, cols)
    queries = np.concatenate([keys, rng.integers(0, 1 << 62, 50000), keys[:100] + 1])
    order = np.argsort(keys)
    pos = np.minimum(np.searchsorted(keys[order], queries), len(keys) - 1)
    expected = np.where(keys[order][pos] == queries, cols[order][pos], -1)
    assert (table.get(queries) == expected).all()
    assert table.get(np.zeros(0, dtype=np.int64)).shape == (0,)


@pytest.mark.parametrize("fmt", FORMATS)
def test_columns_are_written_as_the_predictions_are(model, fmt):
    text = ('一、"引号"与\\反斜杠\t制表\n（一）政务公开\n全年公开信息12条，办理行政复议案件3件。\n'
            '二、存在的不足\n执法人员不足。\n下一步将加强培训。\x01\n')
    units = segment(Document('d"1', text)) + units_from_texts("e", ["孤立的一句。"])
    labelled = model.label_columns(units)
    for idx in (None, list(range(100, 100 + len(units)))):
        a, b = io.StringIO(), io.StringIO()
        Writer(a, fmt, header=False).write_labelled(labelled, idx)
        preds = labelled.predictions()
        if idx is not None:
            preds = [replace(p, idx=i) for p, i in zip(preds, idx)]
        Writer(b, fmt, header=False).write(preds)
        assert a.getvalue() == b.getvalue()
    assert [p.to_dict() for p in model.label_units(units)] == [p.to_dict() for p in labelled.predictions()]


def test_kind_head_takes_each_group_as_one_document(model):
    # a group whose units carry two doc ids is still one document (as before the batch rewrite)
    a, b = units_from_texts("a", ["二、存在的不足", "人员不足。"]), units_from_texts("b", ["将加强培训。"])
    P = model.kind_head.predict_proba([a + b, a, []])
    assert P.shape == (3, len(model.kind_head.classes_))
    np.testing.assert_allclose(P.sum(axis=1), 1.0)
    # the empty group's kinds are those of a document without units
    np.testing.assert_allclose(P[2], model.kind_head._empty())


def test_a_shared_batch_never_hands_one_block_another_blocks_matrix(model):
    import copy

    units = units_from_texts("d", ["公开公开复议", "行政复议案件。"])
    batch = Batch(units)
    block = next(b for b in model.heads["context"]["function"]._blocks if b.type == "tfidf")
    w = np.ones((block.size, 1))
    first = block.scores(batch, w)
    twin = copy.deepcopy(block)
    twin.idf = twin.idf * 2  # another block, with other weights, on the same batch
    twin._keys = None
    np.testing.assert_allclose(twin.scores(batch, w), twin.scores(Batch(units), w))
    np.testing.assert_allclose(block.scores(batch, w), first)


def test_a_head_refuses_the_batch_of_other_units(model):
    head = model.heads["isolated"]["function"]
    a, b = units_from_texts("a", ["人员不足。"]), units_from_texts("b", ["将加强培训。"])
    with pytest.raises(ValueError, match="Batch of the units"):
        head.predict_proba(a, memo=Batch(b))


def test_blocks_off_the_fast_path_read_the_raw_texts(model):
    # the plain analyzer normalises what it is given; normalize is not idempotent (薴 -> 苧 -> 苎)
    assert clean.normalize("薴") != clean.normalize(clean.normalize("薴"))
    import copy

    block = copy.deepcopy(next(b for b in model.heads["context"]["function"]._blocks
                               if b.type == "tfidf" and b.analyzer == "char"))
    block._prepare()
    block._fast = False
    block._table = None
    units = units_from_texts("d", ["薴麻种植面积扩大。", "政务公开"])
    rows, cols, vals = block.coordinates(units)
    expected = _dense(block, [u.text for u in units])
    got = np.zeros_like(expected)
    got[rows, cols] = vals
    np.testing.assert_allclose(got, expected)


def _dense(block, texts):
    rows, cols, vals = block.matrix(texts)
    out = np.zeros((len(texts), block.size))
    out[rows, cols] = vals
    return out


def test_vocabulary_terms_with_a_newline_never_match_across_units(model):
    import copy

    block = copy.deepcopy(next(b for b in model.heads["context"]["function"]._blocks
                               if b.type == "tfidf" and b.analyzer == "char"))
    assert "㐀" not in block.vocabulary
    block.vocabulary[:3] = ["\n", "开\n复", "㐀"]
    block._keys = None
    texts = ["㐀开", "复议", "", "公开㐀"]
    fast = _dense(block, texts)
    block._prepare()
    assert not block._fast  # such a vocabulary takes the plain analyzer
    block._fast = False
    assert (fast[:, :2] == 0).all() and (fast[:, 2] > 0).tolist() == [True, False, False, True]


def test_numpy_and_scipy_products_give_the_same_bits():
    from lawgov_nlp import compiled

    rng = np.random.default_rng(1)
    n, width = 3000, 500
    rows = np.sort(rng.integers(0, n, 40000))
    cols = rng.integers(0, width, 40000)
    vals = rng.random(40000)
    coefT = rng.normal(size=(width, 5))
    big = compiled._dot(n, rows, cols, vals, coefT)
    saved, compiled._SCIPY_MIN_ENTRIES = compiled._SCIPY_MIN_ENTRIES, 10 ** 9
    try:
        small = compiled._dot(n, rows, cols, vals, coefT)
    finally:
        compiled._SCIPY_MIN_ENTRIES = saved
    assert np.array_equal(big, small)


def test_columns_of_units_built_by_hand_are_written_as_their_records(model):
    from lawgov_nlp.records import Unit

    units = [Unit("d", 0, "政务公开工作。", section=["一、总体情况"]), Unit("d", 1, "执法人员不足。", start=1.0)]
    labelled = model.label_columns(units)
    for fmt in ("jsonl", "csv"):
        a, b = io.StringIO(), io.StringIO()
        Writer(a, fmt, header=False).write_labelled(labelled)
        Writer(b, fmt, header=False).write(labelled.predictions())
        assert a.getvalue() == b.getvalue()


def test_records_of_the_columns_are_the_predictions_as_dicts(model, corpus_units):
    labelled = model.label_columns(corpus_units[:500])
    assert labelled.records() == [p.to_dict() for p in labelled.predictions()]
    assert list(labelled.records()[0]) == list(labelled.predictions()[0].to_dict())  # same key order
