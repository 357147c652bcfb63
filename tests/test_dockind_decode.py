"""Document kinds and sequence decoding: the two layers the generalisation issue added."""
from __future__ import annotations

import numpy as np
import pytest

from lawgov_nlp import decode
from lawgov_nlp.dockind import (CompiledKindHead, DocKindClassifier, by_document, compile_kind_head,
                                doc_stats, doc_texts)
from lawgov_nlp.labels import KINDS
from lawgov_nlp.segment import units_from_texts


def _docs():
    plans = [["关于印发2024年法治政府建设工作要点的通知", "一、总体要求", "持续深化政务公开。", "将加强执法监督。"],
             ["某县2023年依法行政工作计划", "二、主要任务", "深化行政复议体制改革。", "要完善执法程序。"],
             ["2025年工作要点", "一、工作目标", "推进严格规范公正文明执法。", "计划开展培训3次。"]]
    reports = [["某区2023年法治政府建设情况报告", "一、主要举措和成效", "全年办理复议案件12件。", "二、存在的不足"],
               ["某市2022年度法治政府建设工作报告", "一、工作成效", "共开展执法检查35次。", "公开信息1200条。"],
               ["某镇2024年法治政府建设年度报告", "一、主要工作", "完成培训5场。", "二、下一步工作安排"]]
    docs = [units_from_texts(f"p{i}", t) for i, t in enumerate(plans)]
    docs += [units_from_texts(f"r{i}", t) for i, t in enumerate(reports)]
    return docs, ["plan"] * 3 + ["annual_report"] * 3


def test_doc_inputs_are_per_document():
    docs, _ = _docs()
    texts, stats = doc_texts(docs), doc_stats(docs)
    assert len(texts) == len(stats) == len(docs)
    assert texts[0].startswith("关于印发2024年法治政府建设工作要点的通知")
    assert stats[0]["cue_share=plan"] > stats[3]["cue_share=plan"]
    assert stats[3]["cue_share=achievement"] > 0


def test_kind_head_compiles_to_the_same_probabilities():
    docs, kinds = _docs()
    est = DocKindClassifier().fit(docs, kinds)
    P = est.predict_proba(docs)
    assert P.shape == (6, len(KINDS))
    np.testing.assert_allclose(P.sum(axis=1), 1.0)
    # kinds never seen in training get (almost) nothing
    unseen = [KINDS.index(k) for k in KINDS if k not in kinds]
    assert P[:, unseen].max() < 1e-6
    spec, arrays = compile_kind_head(est)
    head = CompiledKindHead(spec, arrays)
    np.testing.assert_allclose(head.predict_proba(docs), P, atol=1e-9)
    assert [KINDS[j] for j in P.argmax(axis=1)] == kinds


def test_kind_head_with_one_or_two_kinds_in_training():
    docs, kinds = _docs()
    for n in (3, 6):  # plans only; plans and reports
        est = DocKindClassifier().fit(docs[:n] if n == 3 else docs, kinds[:n] if n == 3 else kinds)
        head = CompiledKindHead(*compile_kind_head(est))
        np.testing.assert_allclose(head.predict_proba(docs), est.predict_proba(docs), atol=1e-9)


def test_kind_head_refuses_unknown_kind():
    docs, kinds = _docs()
    with pytest.raises(ValueError, match="unknown document kinds"):
        DocKindClassifier().fit(docs, kinds[:-1] + ["essay"])


def test_by_document_groups_in_first_seen_order():
    a = units_from_texts("a", ["x。", "y。"])
    b = units_from_texts("b", ["z。"])
    groups, which = by_document([a[0], b[0], a[1]])
    assert [[u.text for u in g] for g in groups] == [["x。", "y。"], ["z。"]]
    assert which.tolist() == [0, 1, 0]


def _brute_marginals(P, heading, scale, T):
    import itertools

    n, k = P.shape
    logP = np.log(np.clip(P, decode._FLOOR, 1))
    weights = {}
    for ys in itertools.product(range(k), repeat=n):
        s = sum(scale * logP[t, ys[t]] for t in range(n))
        s += sum(T[heading[t], ys[t - 1], ys[t]] for t in range(1, n))
        weights[ys] = np.exp(s)
    Z = sum(weights.values())
    M = np.zeros((n, k))
    for ys, w in weights.items():
        for t, y in enumerate(ys):
            M[t, y] += w / Z
    return M


def test_marginals_match_enumeration():
    rng = np.random.default_rng(0)
    P = rng.dirichlet(np.ones(3), size=4)
    heading = np.array([1, 0, 1, 0])
    T = rng.normal(size=(2, 3, 3))
    got = decode.marginals(P, [np.arange(4)], heading, 0.7, T)
    np.testing.assert_allclose(got, _brute_marginals(P, heading, 0.7, T), atol=1e-10)


def test_marginals_of_several_documents_are_independent():
    rng = np.random.default_rng(1)
    P = rng.dirichlet(np.ones(5), size=9)
    heading = rng.integers(0, 2, size=9)
    T = rng.normal(size=(2, 5, 5))
    groups = [np.array([0, 1, 2, 3, 4]), np.array([5, 6]), np.array([7, 8])]
    together = decode.marginals(P, groups, heading, 1.3, T)
    for g in groups:
        alone = decode.marginals(P[g], [np.arange(len(g))], heading[g], 1.3, T)
        np.testing.assert_allclose(together[g], alone, atol=1e-12)


def test_zero_transitions_and_unit_scale_leave_scores_as_they_are():
    rng = np.random.default_rng(2)
    P = rng.dirichlet(np.ones(5), size=6)
    got = decode.marginals(P, [np.arange(6)], np.zeros(6, dtype=int), 1.0, np.zeros((2, 5, 5)))
    np.testing.assert_allclose(got, P, atol=1e-12)


def test_fit_learns_that_labels_persist_inside_a_part():
    # noisy emissions of long runs of one label: the chain should learn to keep the label
    rng = np.random.default_rng(3)
    y = np.repeat([0, 3, 0, 1], 25)
    P = np.full((100, 5), 0.1)
    P[np.arange(100), y] = 0.6
    flip = rng.random(100) < 0.3
    P[flip] = np.roll(P[flip], 1, axis=1)
    heading = np.zeros(100, dtype=int)
    heading[[25, 50, 75]] = 1
    groups = [np.arange(50), np.arange(50, 100)]
    scale, T = decode.fit(P, y, groups, heading)
    assert T[0, 0, 0] > T[0, 0, 3] and T[0, 3, 3] > T[0, 3, 0]
    before = (P.argmax(axis=1) == y).mean()
    after = (decode.marginals(P, groups, heading, scale, T).argmax(axis=1) == y).mean()
    assert after > before


def test_fit_gradient_is_exact():
    from scipy.optimize import check_grad

    rng = np.random.default_rng(4)
    P = rng.dirichlet(np.ones(5), size=12)
    y = rng.integers(0, 5, size=12)
    heading = rng.integers(0, 2, size=12)
    groups = [np.arange(7), np.arange(7, 12)]
    captured = {}

    import scipy.optimize

    real = scipy.optimize.minimize

    def spy(fun, x0, **kw):
        captured["f"] = fun
        return real(fun, x0, **kw)

    scipy.optimize.minimize = spy
    try:
        decode.fit(P, y, groups, heading)
    finally:
        scipy.optimize.minimize = real
    f = captured["f"]
    theta = rng.normal(size=51) * 0.5
    theta[0] = 0.8
    err = check_grad(lambda t: f(t)[0], lambda t: f(t)[1], theta)
    assert err < 1e-4 * max(1.0, np.linalg.norm(f(theta)[1]))
