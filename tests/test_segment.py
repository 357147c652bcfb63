from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lawgov_nlp.records import Document
from lawgov_nlp.segment import heading_level, iter_spans, segment, units_from_texts

REFERENCE = Path(__file__).resolve().parents[2] / "shared" / "tools" / "split_units.py"


def test_gold_offsets_are_the_reference_segmentation(gold_docs):
    # The gold units were cut by the reference splitter; ours must agree exactly.
    for d in gold_docs:
        assert [(r["start"], r["end"]) for r in d.records] == list(iter_spans(d.text)), d.doc


@pytest.mark.skipif(not REFERENCE.exists(), reason="shared/tools/split_units.py not beside the repo")
def test_same_units_as_reference_splitter(gold_docs):
    spec = importlib.util.spec_from_file_location("split_units", REFERENCE)
    ref = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(ref)
    for d in gold_docs:
        assert [d.text[s:e] for s, e in iter_spans(d.text)] == list(ref.units(d.text)), d.doc


def test_closing_quote_stays_with_sentence():
    t = "他说：“要加强执法。”随后散会。"
    assert [t[s:e] for s, e in iter_spans(t)] == ["他说：“要加强执法。”", "随后散会。"]


@pytest.mark.parametrize("text,level", [
    ("一、主要举措和成效", 1), ("二．存在的不足", 1), ("（二）深化政务公开", 2), ("(二)深化政务公开", 2),
    ("1.落实备案审查机制。", 3), ("1、落实备案审查机制", 3), ("（3）加强培训", 3), ("一是完善机构。", 4),
    ("存在的问题", 1), ("2023年共办理行政复议案件12件。", 0), ("1.5%的案件被纠错。", 0),
])
def test_heading_levels_full_and_half_width(text, level):
    assert heading_level(text) == level


def test_section_path_follows_heading_levels():
    text = "一、主要成效\n（一）政务公开\n公开信息12条。\n（二）行政执法\n检查5次。\n二、存在的不足\n人员不足。"
    units = segment(Document("d", text))
    by_text = {u.text: u.section for u in units}
    assert by_text["公开信息12条。"] == ("一、主要成效", "（一）政务公开")
    assert by_text["检查5次。"] == ("一、主要成效", "（二）行政执法")
    assert by_text["人员不足。"] == ("二、存在的不足",)


def test_chrome_is_flagged_and_does_not_open_sections():
    units = segment(Document("d", "当前位置:首页>政务公开\n一、工作情况\n发布时间:2024-01-01\n全年公开信息。"))
    assert [u.chrome for u in units] == [True, False, True, False]
    assert units[-1].section == ("一、工作情况",)


def test_pre_segmented_units_get_context():
    units = units_from_texts("d", ["二、存在的不足", "人员不足。"])
    assert units[1].section == ("二、存在的不足",) and units[0].is_heading
    assert all(u.start == -1 for u in units)


_chars = st.sampled_from(list("政务公开执法复议。！？!?”）)\n \u3000\t（一）1.、,，ab"))


@settings(max_examples=300, deadline=None)
@given(st.lists(_chars, max_size=80).map("".join))
def test_offsets_point_at_units_and_no_content_is_lost(text):
    spans = list(iter_spans(text))
    # offsets point at non-empty stripped text, in order, without overlap
    last = 0
    for s, e in spans:
        assert s >= last and e > s
        assert text[s:e] == text[s:e].strip() and text[s:e]
        last = e
    # every non-space character belongs to exactly one unit
    covered = "".join(text[s:e] for s, e in spans)
    assert [c for c in covered if not c.isspace()] == [c for c in text if not c.isspace()]
    units = segment(Document("d", text))
    assert [(u.start, u.end) for u in units] == spans
