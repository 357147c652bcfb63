"""Turn units into feature matrices: word and character n-grams of the unit,
its section path, and layout cues (heading level, position, chrome, numbers).

Everything here is a public scikit-learn part (FeatureUnion, FunctionTransformer,
TfidfVectorizer, DictVectorizer) fed by module-level functions, so a fitted
feature pipeline can be cloned, grid-searched and saved with skops.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from .clean import normalize
from .records import Unit
from .tokenize import tokenize

# Which part of a report a heading opens (ANNOTATION.md rule 1). Order matters:
# 原因 before 问题 ("存在问题的原因" is a causes part), plans before achievements.
_PART_CUES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("cause", re.compile(r"原因")),
    ("problem", re.compile(r"不足|问题|短板|差距|困难|薄弱")),
    ("plan", re.compile(r"计划|安排|打算|思路|下一步|下步|展望|目标|任务|努力方向|工作重点|\d{4}年(?:度)?(?:工作)?(?:重点|要点)")),
    ("achievement", re.compile(r"举措|成效|成绩|情况|履职|第一责任人|开展|推进|主要工作|工作总结")),
)
# Words that name each core topic (ANNOTATION.md, topic table); a feature, not a rule.
_TOPIC_CUES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("disclosure", re.compile(r"政务公开|信息公开|依申请|政策解读|政府网站|政务新媒体|开放日|主动公开|公开(?!征求)")),
    ("enforcement", re.compile(r"执法|处罚|检查|案卷|三项制度|双随机|罚款|行政强制|稽查|查处")),
    ("reconsideration", re.compile(r"复议|纠错率")),
)
_NUMBER = re.compile(r"\d")
_STAT = re.compile(r"\d\s*(?:%|件|次|人|个|项|场|条|家|万|余)")
_FUTURE = re.compile(r"^(?:下一步|下步|今后|明年|\d{4}年(?:度)?[,，]?\s*(?:我|将|要))|将|要|计划|拟|力争|进一步")


def part_cue(heading: str) -> str:
    """Return the report part a heading names (``problem``, ``plan`` ...) or ``""``.

    Examples
    --------
    >>> part_cue("二、存在的不足")
    'problem'
    >>> part_cue("（二）存在不足的原因")
    'cause'
    >>> part_cue("四、2024年度主要工作安排")
    'plan'
    """
    for label, pattern in _PART_CUES:
        if pattern.search(heading):
            return label
    return ""


def unit_texts(units: Sequence[Unit]) -> list[str]:
    """The units' own text (the vectorisers normalise it)."""
    return [u.text for u in units]


def section_texts(units: Sequence[Unit]) -> list[str]:
    """The units' section paths as one string, innermost heading last."""
    return [" ".join(u.section) for u in units]


def title_texts(units: Sequence[Unit]) -> list[str]:
    """The title of each unit's document (its genre words are the useful part)."""
    return [u.title for u in units]


def neighbour_texts(units: Sequence[Unit]) -> list[str]:
    """The texts of the units just before and after each unit in its document.

    Neighbours are looked up by ``(doc, idx)`` among the units given, so the
    order of ``units`` does not matter; a unit labelled alone has none.
    """
    by_key = {(u.doc, u.idx): u.text for u in units}
    return [
        by_key.get((u.doc, u.idx - 1), "") + " " + by_key.get((u.doc, u.idx + 1), "")
        for u in units
    ]


def layout_features(units: Sequence[Unit], context: bool = True) -> list[dict[str, Any]]:
    """Layout and cue features of each unit.

    With ``context=False`` only what the sentence itself shows is used; with
    ``context=True`` the part of the report it sits in and its position too.
    """
    rows = []
    for u in units:
        norm = normalize(u.text)
        f: dict[str, Any] = {
            "heading": u.is_heading,
            f"level={u.heading_level}": 1,
            "chrome": u.chrome,
            "number": bool(_NUMBER.search(norm)),
            "stat": bool(_STAT.search(norm)),
            "future": bool(_FUTURE.search(norm)),
            f"len={min(len(norm) // 10, 8)}": 1,
            "ends_open": norm[-1:] not in ("。", "!", "?", ";", ":", ")", "”"),
        }
        if u.is_heading:
            f[f"own_cue={part_cue(norm)}"] = 1
        for topic, pattern in _TOPIC_CUES:
            f[f"topic_cue={topic}"] = len(pattern.findall(norm))
        if context:
            section = normalize(" ".join(u.section[-2:]))
            title = normalize(u.title)
            for topic, pattern in _TOPIC_CUES:
                f[f"section_topic={topic}"] = bool(pattern.search(section))
                f[f"title_topic={topic}"] = bool(pattern.search(title))
            cues = [part_cue(normalize(h)) for h in u.section]
            nearest = next((c for c in reversed(cues) if c), "")
            f[f"cue={nearest}"] = 1
            f[f"top_cue={cues[0] if cues else ''}"] = 1
            f[f"depth={len(u.section)}"] = 1
            f[f"pos={min(int(u.position * 10), 9)}"] = 1
            f["first3"] = u.idx < 3
            f["last3"] = u.n_units - u.idx <= 3
        rows.append(f)
    return rows


def build_features(context: bool = True) -> Any:
    """An unfitted FeatureUnion mapping a list of units to a sparse matrix."""
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import FeatureUnion, make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    def words() -> TfidfVectorizer:
        return TfidfVectorizer(
            tokenizer=tokenize, token_pattern=None, lowercase=False,
            ngram_range=(1, 2), min_df=2, sublinear_tf=True,
        )

    parts = [
        ("words", make_pipeline(FunctionTransformer(unit_texts), words())),
        ("chars", make_pipeline(
            FunctionTransformer(unit_texts),
            TfidfVectorizer(analyzer="char", preprocessor=normalize, ngram_range=(1, 3),
                            min_df=2, sublinear_tf=True, max_features=30000),
        )),
        ("layout", make_pipeline(
            FunctionTransformer(layout_features, kw_args={"context": context}),
            DictVectorizer(),
        )),
    ]
    if context:
        parts += [
            ("section", make_pipeline(FunctionTransformer(section_texts), words())),
            ("title", make_pipeline(FunctionTransformer(title_texts), words())),
            ("neighbours", make_pipeline(FunctionTransformer(neighbour_texts), words())),
        ]
    return FeatureUnion(parts)
