"""The profile's mechanics, on Prediction records with known labels (no model)."""
from __future__ import annotations

import pytest

from lawgov_nlp.levels import aggregate
from lawgov_nlp.profile import PARTS, extract_figures, profile_predictions, profile_row, row_columns
from lawgov_nlp.records import Prediction


def doc(rows, kind=""):
    """Units laid out as lines (a gap of one newline between lines, none inside a line)."""
    preds, pos, section = [], 0, []
    for i, (text, function, *rest) in enumerate(rows):
        topics = tuple(rest[0]) if rest and rest[0] else ()
        same_line = bool(rest[1:]) and rest[1]
        start = pos if same_line or i == 0 else pos + 1
        preds.append(Prediction("r", i, text, start, start + len(text), tuple(section), function,
                                {function: 0.9}, topics, {t: 0.8 for t in topics}, kind, 0.7 if kind else 0.0))
        pos = start + len(text)
        if text[:2] in ("一、", "二、", "三、", "四、", "五、"):
            section = [text]
        elif text.startswith("("):
            section = section[:1] + [text]
    return preds


REPORT = [
    ("XX区司法局2023年法治政府建设年度报告", "other"),
    ("发布时间:2024-03-20", "other"),
    ("一、2023年度主要举措和成效", "achievement"),
    ("全年办理行政复议案件12件,纠错率8.5%。", "achievement", ["reconsideration"]),
    ("开展执法检查3次。", "achievement", ["enforcement"], True),
    ("深入推进依法行政。", "achievement"),
    ("二、存在的不足和原因", "problem"),
    ("(一)存在的不足", "problem"),
    ("与上级要求还存在一定差距。", "problem"),
    ("XX镇政务公开栏目有3个月未更新。", "problem", ["disclosure"]),
    ("(二)原因", "cause"),
    ("部分干部重视不够。", "cause"),
    ("三、主要负责人履行推进法治建设第一责任人职责情况", "achievement"),
    ("局长带头述法。", "achievement"),
    ("四、2024年度工作安排", "plan"),
    ("2024年底前完成执法证件换发。", "plan", ["enforcement"]),
    ("进一步深化政务公开。", "plan", ["disclosure"]),
]


def test_parts_from_headings_with_units_and_shares():
    preds = doc(REPORT)
    prof = profile_predictions(preds)
    assert set(prof["parts"]) == set(PARTS)
    parts = prof["parts"]
    assert parts["achievements"] == {**parts["achievements"], "status": "present", "units": [2, 3, 4, 5],
                                     "heading": "一、2023年度主要举措和成效"}
    assert parts["problems"]["units"] == [6, 7, 8, 9]
    assert parts["causes"]["status"] == "present" and parts["causes"]["units"] == [10, 11]
    assert parts["duty"]["status"] == "present" and parts["duty"]["units"] == [12, 13]
    assert parts["plans"]["units"] == [14, 15, 16]
    assert parts["other"] == {"status": "missing", "heading": None, "units": [], "share": 0.0}
    total = sum(len(p.text) for p in preds)
    assert parts["plans"]["share"] == round(sum(len(preds[i].text) for i in (14, 15, 16)) / total, 4)
    assert prof["order"] == ["achievements", "problems", "causes", "duty", "plans"] and prof["in_order"]
    assert prof["candour"]["causes_given"] and not prof["candour"]["problems_only"]


def test_identity_timeliness_and_unknown_kind():
    prof = profile_predictions(doc(REPORT))
    assert prof["title"] == "XX区司法局2023年法治政府建设年度报告"
    assert prof["issuer"] == "XX区司法局" and prof["year"] == 2023 and prof["published"] == "2024-03-20"
    assert prof["doc_kind"] == "unknown"
    assert prof["timeliness"] == {"status": "on_time", "deadline": "2024-04-01", "days_late": 0}
    late = profile_predictions(doc(REPORT), deadline=(3, 1))["timeliness"]
    assert late == {"status": "late", "deadline": "2024-03-01", "days_late": 19}
    assert profile_predictions(doc(REPORT, kind="annual_report"))["doc_kind"] == "annual_report"
    with pytest.raises(ValueError, match="month|day"):
        profile_predictions(doc(REPORT), deadline=(13, 1))


def test_candour_concreteness_plans_topics_are_traceable():
    prof = profile_predictions(doc(REPORT))
    assert prof["candour"]["specific"] == [9] and prof["candour"]["stock"] == [8]
    assert prof["candour"]["specific_share"] == 0.5
    assert prof["concreteness"]["concrete"] == [3, 4] and prof["concreteness"]["achievement_units"] == 4
    assert prof["plans"]["items"] == [15, 16] and prof["plans"]["measurable"] == [15]
    assert [f["text"] for f in prof["figures"]] == ["12件", "8.5%", "3次", "3个"]
    assert [f["idx"] for f in prof["figures"]] == [3, 3, 4, 9]
    assert prof["topics"]["disclosure"]["by_function"]["problem"] == [9]
    assert prof["topics"]["enforcement"]["units"] == [4, 15]
    assert prof["balance"]["functions"]["problem"]["units"] == 4
    assert prof["balance"]["problems_per_achievement"] == round(4 / 6, 4)


def test_mentioned_and_runs_without_headings():
    rows = [("2023年,我局扎实推进法治政府建设。", "achievement"), ("完成审查10件。", "achievement"),
            ("建立执法监督制度。", "achievement"), ("但执法人员仍然不足。", "problem"),
            ("下一步将加强培训。", "plan")]
    prof = profile_predictions(doc(rows))
    assert prof["parts"]["achievements"]["status"] == "present"
    assert prof["parts"]["achievements"]["heading"] is None
    assert prof["parts"]["problems"] == {"status": "mentioned", "heading": None, "units": [3], "share": 0.0}
    assert prof["parts"]["plans"]["status"] == "mentioned"
    assert prof["parts"]["causes"]["status"] == "missing"
    assert prof["parts"]["duty"]["status"] == "missing"


def test_figures_skip_words_and_ordinals():
    p = Prediction("d", 0, "一是开展一次培训,第3次会议,共二十三件,覆盖１２个乡镇。", 0, 9, (), "achievement", {}, ())
    assert [(f["text"], f["number"]) for f in extract_figures([p])] == [("二十三件", 23.0), ("12个", 12.0)]


def test_row_is_flat_and_has_every_column():
    row = profile_row(profile_predictions(doc(REPORT)))
    assert tuple(row) == row_columns()
    assert all(not isinstance(v, (list, dict)) for v in row.values())
    assert row["causes"] == "present" and row["figures"] == 4


def test_levels_take_the_majority_of_characters_and_union_of_topics():
    preds = doc(REPORT)
    paras = aggregate(preds, "paragraph")
    merged = [b for b in paras if len(b.units) > 1]
    assert [b.units for b in merged] == [(3, 4)]
    assert merged[0].topics == ("enforcement", "reconsideration") and merged[0].function == "achievement"
    secs = aggregate(preds, "section")
    assert [b.units[0] for b in secs] == [0, 2, 6, 7, 10, 12, 14]
    assert sum(len(b.units) for b in secs) == len(preds)
    assert secs[3].function == "problem" and secs[4].function == "cause"
    assert secs[3].to_dict()["units"] == [7, 8, 9]
    with pytest.raises(ValueError, match="expected one of"):
        aggregate(preds, "chapter")
