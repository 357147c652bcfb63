"""Explanations are exact: the contributions add up to the scores the model reports."""
from __future__ import annotations

import copy
import dataclasses
import math

import numpy as np
import pytest

from lawgov_nlp.compiled import _dot_blocks
from lawgov_nlp.batch import Batch
from lawgov_nlp.records import Document
from lawgov_nlp.segment import segment, units_from_texts
from lawgov_nlp.explain import FUNCTION_SIGNALS, TOPIC_SIGNALS, explain_text, explain_units

REPORT = ("XX区2023年法治政府建设工作报告\n一、主要举措和成效\n（一）深化政务公开\n全年主动公开政府信息120条。\n"
          "办理行政复议案件12件。\n二、存在的不足\n执法人员力量薄弱。\n三、下一步工作安排\n将进一步规范行政执法。")


def check(ex):
    i = ex.prediction.idx
    for c in [ex.function, *ex.topics.values()]:
        # stage 1: intercept + terms == logit == the head's own linear score
        if c.stage1_logit is not None:
            assert c.stage1_intercept + sum(t.contribution for t in c.stage1) == pytest.approx(c.stage1_logit, abs=1e-9)
        for t in c.stage1 + c.stage2:
            assert t.contribution == pytest.approx(t.weight * t.value, abs=1e-12)
        if c.stage2_logit is not None:
            assert c.stage2_intercept + sum(t.contribution for t in c.stage2) == pytest.approx(c.stage2_logit, abs=1e-9)
        if c.head == "function" and c.stage2_proba is not None:
            assert math.log(c.score) == pytest.approx(math.log(c.stage2_proba) + c.decoder, abs=1e-9)
    f = ex.function
    assert round(f.score, 4) == ex.prediction.function_scores[f.label]
    for t, c in ex.topics.items():
        assert round(c.score, 4) == ex.prediction.topic_scores[t]
        if c.stage2_logit is not None:
            assert c.score == pytest.approx(1 / (1 + math.exp(-c.stage2_logit)), abs=1e-9)


def test_shipped_model_contributions_add_up(model):
    exs = explain_text(REPORT, model=model)
    assert [e.prediction.function for e in exs] == [p.function for p in model.label_units(
        segment(Document("text", REPORT)))]
    for ex in exs:
        check(ex)
    head = model.heads["context"]["function"]
    units = segment(Document("text", REPORT))
    logits = _dot_blocks(head._blocks, head._coefT, head._intercept, Batch(units))
    seen = [str(head.classes_[j]) for j in head._columns]
    for ex in exs:
        assert ex.function.stage1_logit == pytest.approx(logits[ex.prediction.idx, seen.index(ex.function.label)])
    # the words of the unit are among the signals, with the block they come from
    problem = exs[6]
    assert problem.function.label == "problem"
    assert any(t.source in ("words", "chars") and t.feature == "薄弱" for t in problem.function.stage1)
    assert any(t.feature == "part" for t in problem.function.stage2)
    text = problem.format()
    assert "stage 2 logit" in text and "section: 二、存在的不足" in text


def test_isolated_head_has_stage1_only(model):
    ex = explain_text("将进一步规范行政执法。", model=model, context=False)[0]
    assert ex.function.stage2_logit is None and ex.function.stage1
    check(ex)
    sig = 1 / (1 + math.exp(-ex.function.stage1_logit))
    assert math.log(ex.function.score) == pytest.approx(math.log(sig) + ex.function.normalisation)


def test_decoder_and_kinds_are_separate_terms(gold_docs):
    """A small model with document kinds and the sequence decoder (fresh from training)."""
    from lawgov_nlp.train import fit

    kinds = {"report": "annual_report", "plans": "plan", "problems": "rectification", "seed-report": "annual_report"}
    docs = [d for d in gold_docs if d.group in kinds]
    picked = []
    for g in kinds:
        picked += [d for d in docs if d.group == g][:2]
    picked = [dataclasses.replace(d, kind=kinds[d.group]) for d in picked if len(d.records) < 80]
    labeller = fit(picked, doc_kinds=True, decode=True, heads=("context",))
    labeller.heads["isolated"] = labeller.heads["context"]
    exs = explain_text(REPORT, model=labeller)
    assert any(t.feature == "kind_ratio" for e in exs for t in e.function.stage2)
    assert any(abs(e.function.decoder) > 1e-6 for e in exs)
    for ex in exs:
        check(ex)
    # the stage-2 probabilities are the head's own without the decoder
    from lawgov_nlp.explain import _compiled

    head = copy.copy(_compiled(labeller.heads["context"]["function"], "function"))
    head.decode = False
    units = segment(Document("text", REPORT))
    P2 = head.predict_proba(units, kind_proba=labeller.kind_proba(units))
    classes = list(head.classes_)
    for ex in exs:
        assert ex.function.stage2_proba == pytest.approx(P2[ex.prediction.idx, classes.index(ex.function.label)])


def test_signal_names_match_the_stage2_rows():
    from lawgov_nlp import features
    from lawgov_nlp.segment import units_from_texts

    X = units_from_texts("d", ["一、成效", "共办理12件。"])
    P = np.full((2, 5), 0.2)
    assert features.function_pairs(X, P, np.array(["a", "b", "c", "d", "e"]), np.full(5, 0.2), 2).shape[1] == len(FUNCTION_SIGNALS)
    assert features.topic_pairs(X, np.full((2, 3), 0.3), 2).shape[1] == len(TOPIC_SIGNALS) + 3


def test_only_predicted_topics(model):
    ex = explain_units(units_from_texts("d", ["全年主动公开政府信息120条。"]),
                       model=model, topics="on")[0]
    assert set(ex.topics) == set(ex.prediction.topics)
    d = ex.to_dict(top=3)
    assert len(d["function"]["stage1"]) <= 3
