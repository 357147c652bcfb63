from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lawgov_nlp.records import Document
from lawgov_nlp.segment import DEFAULT_MAX_UNIT_CHARS, heading_level, iter_spans, segment, units_from_texts

SHARED = Path(__file__).resolve().parents[2] / "shared"
REFERENCE = SHARED / "tools" / "split_units.py"
needs_reference = pytest.mark.skipif(not REFERENCE.exists(), reason="shared/tools/split_units.py not beside the repo")


@pytest.fixture(scope="module")
def ref():
    spec = importlib.util.spec_from_file_location("split_units", REFERENCE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_gold_offsets_are_the_reference_segmentation(gold_docs):
    # The gold units were cut by the reference splitter; ours must agree exactly.
    for d in gold_docs:
        assert [(r["start"], r["end"]) for r in d.records] == list(iter_spans(d.text)), d.doc


@needs_reference
def test_same_units_as_reference_splitter(gold_docs, ref):
    for d in gold_docs:
        assert [d.text[s:e] for s, e in iter_spans(d.text)] == list(ref.units(d.text)), d.doc


@needs_reference
def test_same_units_as_reference_splitter_on_every_page_document(ref):
    pages = sorted((SHARED / "pages").glob("*.txt")) + sorted((SHARED / "pages2").glob("*.txt"))
    if not pages:
        pytest.skip("shared/pages not beside the repo")
    for f in pages:
        text = f.read_text(encoding="utf-8")
        assert [text[s:e] for s, e in iter_spans(text)] == list(ref.units(text)), f.name


_awkward = st.text(st.sampled_from(list("政务公开。！？!?”’」』）)（ \u3000\t\n\r\x0b\x0c\x1c\u2028\x85a,，")), max_size=200)


@needs_reference
@settings(max_examples=300, deadline=None)
@given(_awkward)
def test_same_units_as_reference_splitter_on_awkward_text(ref, text):
    # runs of ends, closers before and after them, every line terminator
    # str.splitlines knows: the linear scan cuts where the reference cuts
    assert [text[s:e] for s, e in iter_spans(text)] == list(ref.units(text))


@needs_reference
def test_a_line_without_sentence_end_is_one_unit_up_to_the_limit(ref):
    line = "政务公开执法复议" * 200  # 1,600 characters, under the default limit
    assert [line[s:e] for s, e in iter_spans(line)] == list(ref.units(line)) == [line]


def test_units_over_the_limit_are_cut_into_pieces_within_it():
    body = "，".join("第%d项工作正在推进" % i for i in range(3000))  # ~36,000 characters, no 。
    text = "一、工作情况\n" + body + "\n全年公开信息12条。"
    spans = list(iter_spans(text))
    pieces = [text[s:e] for s, e in spans]
    assert pieces[0] == "一、工作情况" and pieces[-1] == "全年公开信息12条。"
    assert all(len(p) <= DEFAULT_MAX_UNIT_CHARS for p in pieces)
    assert "".join(pieces[1:-1]) == body  # nothing lost, nothing repeated, in order
    assert all(p.endswith("，") for p in pieces[1:-2])  # cut after a clause mark, not mid-word
    assert len(list(iter_spans(text, max_unit_chars=None))) == 3


def test_a_unit_with_no_break_is_cut_at_the_limit():
    text = "甲" * 25
    assert [e - s for s, e in iter_spans(text, max_unit_chars=10)] == [10, 10, 5]
    assert [e - s for s, e in iter_spans(text, max_unit_chars=25)] == [25]
    with pytest.raises(ValueError, match="at least 1"):
        list(iter_spans(text, max_unit_chars=0))


def test_pieces_of_a_cut_unit_are_not_headings_and_keep_offsets():
    text = "（一）" + "政务 公开" * 30
    units = segment(Document("d", text), max_unit_chars=40)
    assert len(units) > 1 and all(len(u.text) <= 40 for u in units)
    assert all(text[u.start:u.end] == u.text == u.text.strip() for u in units)
    assert not any(u.is_heading for u in units)  # a 150-character line is no heading


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
@given(st.lists(_chars, max_size=80).map("".join), st.sampled_from([None, 3, 7, DEFAULT_MAX_UNIT_CHARS]))
def test_offsets_point_at_units_and_no_content_is_lost(text, limit):
    spans = list(iter_spans(text, max_unit_chars=limit))
    # offsets point at non-empty stripped text, in order, without overlap
    last = 0
    for s, e in spans:
        assert s >= last and e > s
        assert text[s:e] == text[s:e].strip() and text[s:e]
        last = e
        assert limit is None or e - s <= limit
    # every non-space character belongs to exactly one unit
    covered = "".join(text[s:e] for s, e in spans)
    assert [c for c in covered if not c.isspace()] == [c for c in text if not c.isspace()]
    units = segment(Document("d", text), max_unit_chars=limit)
    assert [(u.start, u.end) for u in units] == spans


def test_an_empty_unit_is_no_heading_and_can_be_labelled(model):
    # pre-segmented input may hold an empty or blank unit; it used to raise IndexError
    from lawgov_nlp.segment import heading_level

    assert heading_level("") == 0 and heading_level("   ") == 0
    preds = model.label_units(units_from_texts("d", ["", "二、存在的不足", "  "]))
    assert [p.text for p in preds] == ["", "二、存在的不足", "  "] and preds[1].function == "problem"
