from __future__ import annotations

import subprocess
import sys

import pytest

import lawgov_nlp
from lawgov_nlp import FUNCTIONS, TOPICS
from tests.conftest import SEED_REPORT


def test_import_is_cheap():
    code = ("import sys, lawgov_nlp; heavy = [m for m in ('sklearn', 'jieba', 'datasets', 'scipy') if m in sys.modules];"
            "print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_labelling_does_not_need_scikit_learn():
    code = ("import sys, lawgov_nlp; lawgov_nlp.label_text('二、存在的不足\\n人员不足。');"
            "print('sklearn' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_label_text_returns_typed_records(model):
    preds = lawgov_nlp.label_text("一、主要举措和成效\n全年办理行政复议案件12件。\n二、下一步工作安排\n将进一步深化政务公开。")
    assert [p.idx for p in preds] == [0, 1, 2, 3]
    p = preds[1]
    assert p.text == "全年办理行政复议案件12件。" and p.section == ("一、主要举措和成效",)
    assert p.function in FUNCTIONS and set(p.function_scores) == set(FUNCTIONS)
    assert abs(sum(p.function_scores.values()) - 1) < 1e-3
    assert set(p.topic_scores) == set(TOPICS) and set(p.topics) <= set(TOPICS)
    assert "reconsideration" in p.topics
    assert preds[3].function == "plan" and "disclosure" in preds[3].topics


def test_label_file_covers_every_unit_with_offsets():
    preds = lawgov_nlp.label_file(SEED_REPORT)
    text = SEED_REPORT.read_text(encoding="utf-8")
    assert len(preds) > 50
    assert all(text[p.start:p.end] == p.text for p in preds)


def test_label_units_from_strings_and_no_context():
    units = ["二、存在的不足", "部分单位政务公开栏目更新不及时。"]
    ctx = lawgov_nlp.label_units(units)
    iso = lawgov_nlp.label_units(units, context=False)
    assert ctx[1].section == ("二、存在的不足",) and ctx[1].function == "problem"
    assert len(iso) == 2 and ctx[1].start == -1


def test_load_model_bad_path_is_a_model_error(tmp_path):
    with pytest.raises(lawgov_nlp.ModelError, match="model directory not found"):
        lawgov_nlp.load_model(tmp_path / "missing")


@pytest.mark.parametrize("batch_units", [1, 50, 100000])
def test_label_groups_equal_one_call_per_document(model, gold_docs, batch_units):
    from dataclasses import replace

    groups = [d.units() for d in gold_docs[:6]]
    groups.append([replace(u, doc=gold_docs[0].doc) for u in gold_docs[7].units()])  # a repeated doc id
    together = model.label_groups(groups, batch_units=batch_units)
    alone = [model.label_units(g) for g in groups]
    assert [len(g) for g in together] == [len(g) for g in groups]
    assert together == alone
