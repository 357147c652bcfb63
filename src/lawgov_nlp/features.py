"""Turn units into feature matrices: word and character n-grams of the unit,
its section path, and layout cues (heading level, position, chrome, numbers).

For training, everything here is a public scikit-learn part (FeatureUnion,
FunctionTransformer, TfidfVectorizer, DictVectorizer) fed by module-level
functions that work unit by unit, so a fitted feature pipeline can be cloned
and grid-searched. For labelling, ``layout_columns`` and the stage-2 rows take
a :class:`~lawgov_nlp.batch.Batch` and compute the same values for a whole
batch at once (tests check both forms against each other).
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from .clean import normalize, normalize_many
from .records import Unit
from .segment import heading_level
from .tokenize import tokenize

# Which part of a report a heading opens (ANNOTATION.md rules 1, 3, 16). The
# phrases name a *part* (存在的问题, 下一步工作安排), not a topic of an item:
# "3.创新能力不足" inside a causes part is not a problems heading.
_PART_CUES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("achievement", re.compile(r"问题整改|整改(?:情况|落实)|(?:任务|工作|要点)(?:的)?(?:落实|完成|执行)情况")),
    # How a report or interpretation page was made (GUIDELINE-NOTES rule 29).
    ("other", re.compile(r"起草(?:背景|过程|依据|说明)|编制(?:背景|过程|说明)|报告框架")),
    # "问题和原因" opens with problems (rule 16); "问题的原因" is a causes part.
    ("problem", re.compile(r"(?:问题|不足|短板|差距)(?:和|及|与|、|以及)(?:其)?(?:产生的)?原因")),
    ("cause", re.compile(r"原因")),
    ("problem", re.compile(
        r"存在(?:的)?(?:主要)?(?:问题|不足|短板|困难)|主要问题|难点问题|(?:问题|不足)(?:和|及|与)|不足之处|"
        r"^(?:[一二三四五六七八九十]+[、.]|\([一二三四五六七八九十]+\))?\s*(?:存在)?(?:的)?(?:问题|不足|短板|差距|困难)"
    )),
    ("plan", re.compile(
        r"下一步|下步|今后|明年|计划|安排|打算|思路|展望|努力方向|工作重点|重点工作|工作要点|\d{4}年(?:度)?(?:的)?(?:主要)?(?:工作)?(?:目标|任务|重点)|"
        # the parts of a plan, campaign notice or directive (rule 30)
        r"总体要求|目标要求|工作目标|工作任务|主要任务|工作要求|保障措施|实施步骤|改进措施|改进方向|"
        r"整治(?:重点|时间|对象|范围|内容)|征集(?:范围|时间|方式)"
    )),
    ("achievement", re.compile(r"举措|成效|成绩|主要工作|工作情况|开展情况|进展|履职|履行|第一责任人|工作总结|基本情况|总体情况")),
)
# Patterns that lawgov_nlp.batch scans over a whole batch (units joined by
# newlines) are compiled with re.M and never match a newline: ``[^\S\n]``
# where ``\s`` would do on one unit (a normalised text has no newline, so on a
# unit both mean the same), ``[^...\n]`` in look-aheads.


def _scanned(first: str, pattern: str) -> re.Pattern[str]:
    """``pattern`` for batch scans: re.M, behind a look-ahead for the characters a match can start with.

    Python's ``re`` tries every alternative at every position; the look-ahead
    rejects most positions with one character test (3x faster scans). It
    changes no match as long as ``first`` holds the first character of every
    alternative (tests check the matches with and without it).
    """
    return re.compile(f"(?=[{first}])(?:{pattern})", re.M)


# Words that name each core topic (ANNOTATION.md, topic table); a feature, not a rule.
_TOPIC_CUES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("disclosure", _scanned("政信依开主公", r"政务公开|信息公开|依申请|政策解读|政府网站|政务新媒体|开放日|主动公开|公开(?!征求)")),
    ("enforcement", _scanned("执处检案三双罚行稽查", r"执法|处罚|检查|案卷|三项制度|双随机|罚款|行政强制|稽查|查处")),
    ("reconsideration", _scanned("复纠", r"复议|纠错率")),
)


# The guideline's cue words for each function (ANNOTATION.md, function table).
# Stage 2 weighs "the unit shows a cue of class k" with one weight for all k.
FUNCTION_CUES: dict[str, re.Pattern[str]] = {
    "achievement": _scanned("开完建出共同达\\d", r"开展|完成|建立|出台|共计|同比|达到|\d[^\S\n]*(?:%|件|次|个|人|场)"),
    "problem": _scanned("不有仍还短薄欠滞差", r"不足|有待|不够|仍然存在|仍存在|还存在|短板|薄弱|欠缺|不到位|不平衡|滞后|差距"),
    "cause": _scanned("原由导究根", r"原因|由于|导致|究其|根源"),
    # 将 as the future auxiliary, not 现将 ("hereby", the forwarding formula) nor the
    # object marker (将X纳入/作为...); 要 as "must", not 主要/重要/需要/要求/要点.
    # 进一步 is left out: it occurs in more achievement units than plan units.
    "plan": _scanned(
        "下今明将要计拟力\\d",
        r"^(?:下一步|下步|今后|明年)|(?<![现坚])将(?![^,，。;；\n]{0,15}(?:纳入|作为|列入|融入|摆在|贯穿|推向|落实到|转化为|作出|予以|报告如下))|"
        r"(?<![重主需纲首摘概必])要(?![求点素件闻])|计划|拟|力争|\d{4}年度?(?:工作)?(?:安排|计划|目标)"),
}
_NUMBER = re.compile(r"\d", re.M)
_STAT = re.compile(r"\d[^\S\n]*(?:%|件|次|人|个|项|场|条|家|万|余)", re.M)
_FUTURE = _scanned("下今明将要计拟力进\\d",
                   r"^(?:下一步|下步|今后|明年|\d{4}年(?:度)?[,，]?[^\S\n]*(?:我|将|要))|将|要|计划|拟|力争|进一步")


@lru_cache(maxsize=8192)
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


@lru_cache(maxsize=4096)
def section_part(section: tuple[str, ...]) -> str:
    """The report part a section path names (``""`` when no heading names one).

    The innermost heading that names a part decides, but an item heading
    (level 3 and below: ``1.``, ``一是``) only where no enclosing heading names
    a part: a report's parts are its ``一、`` and ``（一）`` headings, and an item
    inside one names a measure or a task ("2、依法全面履行政府职能" in a plans
    part, "1、明确2018年工作要点" in an achievements part), not a new part.

    Examples
    --------
    >>> section_part(("三、2019年工作思路", "（二）主要任务", "2、依法全面履行政府职能"))
    'plan'
    >>> section_part(("二、存在的问题", "（二）存在不足的原因"))
    'cause'
    >>> section_part(("1、依法全面履行政府职能",))
    'achievement'
    """
    part = ""
    for heading in section:
        norm = normalize(heading)
        cue = part_cue(norm)
        if cue and (not part or heading_level(norm) <= 2):
            part = cue
    return part


def unit_texts(units: Sequence[Unit]) -> list[str]:
    """The units' own text (the vectorisers normalise it)."""
    return [u.text for u in units]


def section_texts(units: Sequence[Unit]) -> list[str]:
    """The units' section paths as one string, innermost heading last."""
    return [" ".join(u.section) for u in units]


def topic_cues(text: str) -> list[int]:
    """How many cue words of each topic (``TOPICS`` order) the text contains.

    Examples
    --------
    >>> topic_cues("办理政府信息公开类行政复议案件")
    [1, 0, 1]
    """
    return list(_topic_cue_counts(normalize(text)))


@lru_cache(maxsize=8192)
def _topic_cue_counts(norm: str) -> tuple[int, ...]:
    # Units of a document share their title and section headings: count once.
    return tuple(len(pattern.findall(norm)) for _, pattern in _TOPIC_CUES)


def title_texts(units: Sequence[Unit]) -> list[str]:
    """The title of each unit's document (its genre words are the useful part)."""
    return [u.title for u in units]


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
        # counted on the normalised text (topic_cues would normalise it once more)
        for (topic, _), count in zip(_TOPIC_CUES, _topic_cue_counts(norm)):
            f[f"topic_cue={topic}"] = count
        if context:
            f.update(_section_layout(tuple(u.section), u.title))
            f[f"pos={min(int(u.position * 10), 9)}"] = 1
            f["first3"] = u.idx < 3
            f["last3"] = u.n_units - u.idx <= 3
        rows.append(f)
    return rows


_ENDS_CLOSED = frozenset(("。", "!", "?", ";", ":", ")", "”"))


def layout_columns(batch: Any, context: bool = True) -> dict[str, Any]:
    """``layout_features`` of a whole batch as columns: feature name -> value of every unit.

    The same features and values as the dicts of :func:`layout_features`
    (which training reads), built with one scan per cue pattern and one
    lookup per distinct section path instead of one dict per unit.
    """
    import numpy as np

    norms, n = batch.norms, batch.n
    cols: dict[str, Any] = {}

    def onehot(prefix: str, values: Any) -> None:
        values = np.asarray(values, dtype=object)
        for v in dict.fromkeys(values.tolist()):
            cols[f"{prefix}={v}"] = (values == v).astype(float)

    heading = batch.flags("is_heading")
    cols["heading"] = heading.astype(float)
    onehot("level", batch.flags("heading_level"))
    cols["chrome"] = batch.flags("chrome").astype(float)
    cols["number"] = batch.has(_NUMBER)
    cols["stat"] = batch.has(_STAT)
    cols["future"] = batch.has(_FUTURE)
    lengths = np.fromiter(map(len, norms), dtype=np.int64, count=n)
    onehot("len", np.minimum(lengths // 10, 8))
    cols["ends_open"] = np.fromiter((t[-1:] not in _ENDS_CLOSED for t in norms), dtype=float, count=n)
    rows = np.flatnonzero(heading)
    if len(rows):
        cues = np.array([part_cue(norms[r]) for r in rows.tolist()], dtype=object)
        for v in dict.fromkeys(cues.tolist()):
            col = np.zeros(n)
            col[rows[cues == v]] = 1.0
            cols[f"own_cue={v}"] = col
    for (topic, _), counts in zip(_TOPIC_CUES, topic_cue_matrix(batch).T):
        cols[f"topic_cue={topic}"] = counts
    if context:
        keys, inverse = batch.distinct("section_title")
        shared = [_section_layout(section, title) for section, title in keys]
        for name in dict.fromkeys(k for f in shared for k in f):
            cols[name] = np.array([float(f.get(name, 0)) for f in shared])[inverse]
        idx = batch.flags("idx").astype(np.int64)
        total = batch.flags("n_units").astype(np.int64)
        position = idx / np.maximum(total - 1, 1)
        onehot("pos", np.minimum((position * 10).astype(np.int64), 9))
        cols["first3"] = (idx < 3).astype(float)
        cols["last3"] = (total - idx <= 3).astype(float)
    return cols


@lru_cache(maxsize=4096)
def _section_layout(section: tuple[str, ...], title: str) -> dict[str, Any]:
    # What a unit's section path and title show; shared by the units under one heading.
    # Callers copy it into their own dict, never change it.
    near = normalize(" ".join(section[-2:]))
    title = normalize(title)
    f: dict[str, Any] = {}
    for topic, pattern in _TOPIC_CUES:
        f[f"section_topic={topic}"] = bool(pattern.search(near))
        f[f"title_topic={topic}"] = bool(pattern.search(title))
    f[f"cue={section_part(section)}"] = 1
    f[f"top_cue={part_cue(normalize(section[0])) if section else ''}"] = 1
    f[f"depth={len(section)}"] = 1
    return f


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
        ]
    return FeatureUnion(parts)


# ---------------------------------------------------------------- stage 2
# The document-aware second stage reads stage-1 scores of a unit, of its
# neighbours and of its whole document, plus the part its heading names. These
# functions need only numpy, so the compiled (scikit-learn-free) predictor and
# the estimators in ``model`` share them: training and prediction cannot drift.

# Floor on stage-1 probabilities before stage 2 takes their logs. It bounds
# how hard a near-zero stage-1 score can veto a class the structure names:
# stage 1 almost never scores ``cause`` (9 gold units), so with a lower floor
# a unit under a causes heading stays buried. Chosen on 10 document-grouped
# folds from 1e-2, 3e-3, 1e-3 and 1e-4 (function macro-F1 0.777, 0.805, 0.826,
# 0.789; the other labels within +-0.003 of 1e-4 at 1e-3). The topic head's
# logits are clipped at the same bound (topic micro-F1 unchanged).
_EPS = 1e-3


def section_cue(unit: Unit) -> str:
    """The function the report structure suggests for a unit (ANNOTATION.md rules 1, 3).

    Chrome is ``other``; a heading takes the part it opens; any other unit the
    part its section path names (``section_part``). ``""`` when the structure says
    nothing.

    Examples
    --------
    >>> section_cue(Unit("d", 3, "人员力量薄弱。", section=("二、存在的不足",)))
    'problem'
    >>> section_cue(Unit("d", 0, "四、2024年工作安排", is_heading=True, heading_level=1))
    'plan'
    """
    if unit.chrome:
        return "other"
    return section_part(tuple(unit.section) + ((unit.text,) if unit.is_heading else ()))


def context_means(X: Sequence[Unit], P: Any, window: int) -> tuple[Any, Any]:
    """Mean scores of each unit's neighbours (±window, same document) and of its document."""
    from .batch import Documents

    return Documents(X).context_means(P, window)


def kind_log_ratio(K: Any, y: Any, prior: Any, alpha: float = 20.0, multilabel: bool = False) -> Any:
    """``log p(class | kind) - log p(class)`` for each kind (rows) and class (columns).

    For multi-label targets (topics) the log-odds ratio of each label's rate.

    ``K`` is the units' kind probabilities, ``y`` their class indicator matrix
    (units x classes), ``prior`` the classes' overall shares. Soft counts of
    each class in each kind are smoothed towards the prior with ``alpha``
    pseudo-units, so a kind seen in a few documents says little. Stage 2 reads
    ``K @ ratio``: how much more (or less) common each class is in this
    document's kind than overall — with one weight shared by all classes, so a
    class that is rare everywhere (``cause``) is not pushed down by it, and a
    kind where it is common (commentary) lifts it.
    """
    import numpy as np

    K = np.asarray(K, dtype=float)
    counts = K.T @ np.asarray(y, dtype=float)
    total = K.sum(axis=0)[:, None] if multilabel else counts.sum(axis=1, keepdims=True)
    share = (counts + alpha * prior[None, :]) / (total + alpha)
    if multilabel:
        return (np.log(share) - np.log1p(-share)) - (np.log(prior) - np.log1p(-prior))[None, :]
    return np.log(share) - np.log(prior)[None, :]


def function_pairs(X: Sequence[Unit], P: Any, classes: Any, prior: Any, window: int, KL: Any = None,
                   batch: Any = None) -> Any:
    """Stage-2 rows for the function head: one per (unit, class), class-symmetric.

    Each signal has one weight shared by all classes, so "the section names
    class k" or "the unit shows a cue word of class k" counts the same for
    ``cause`` (a handful of examples) as for ``achievement``. Where a section names a class, scores are taken relative to
    the class's share of the training data, so a rare class is not buried by its
    prior before the structure is weighed. ``batch`` (a :class:`~lawgov_nlp.batch.Batch`
    of ``X``) shares the cue scans with the other heads.
    """
    import numpy as np

    from .batch import Batch

    batch = Batch(X) if batch is None else batch
    n, k = P.shape
    # the guideline's cue words of each class in the unit (chrome for ``other``)
    chrome = batch.flags("chrome").astype(float)
    text_cue = np.stack([batch.has(FUNCTION_CUES[c]) if c in FUNCTION_CUES else chrome for c in classes],
                        axis=1).reshape(n, k)
    near, whole = batch.documents.context_means(np.hstack([P, text_cue]), window)
    near, near_cue = near[:, :k], near[:, k:]
    whole, whole_cue = whole[:, :k], whole[:, k:]
    cues = batch.section_cues
    heading = batch.flags("is_heading").astype(float)
    cue_is_k = (cues[:, None] == np.asarray(classes, dtype=object)[None, :]).astype(float)
    no_cue = np.repeat((cues == "")[:, None], k, axis=1).astype(float)
    has_cue = 1.0 - no_cue
    log_prior = np.log(prior)
    cols = []
    for M in (P, near, whole):
        logm = np.log(np.clip(M, _EPS, 1))
        cols += [logm * no_cue, (logm - log_prior) * has_cue]
    cols += [cue_is_k, cue_is_k * heading[:, None], text_cue, text_cue * no_cue]
    # How common each class's cue words are in the whole document and around
    # the unit: the genre of a document whose headings name no part (a plan or
    # directive is full of 将/要/计划, an annual report of figures).
    cols += [whole_cue, whole_cue * no_cue, near_cue * no_cue]
    # No per-class terms: a class absent from the training data (a fold with
    # no ``cause`` unit) can still be predicted from structure and cue words.
    if KL is not None:
        # the class's share in this document's kind relative to overall
        # (``kind_log_ratio``), and the same where no heading names a part
        cols += [KL, KL * no_cue]
    return np.stack(cols, axis=-1).reshape(n * k, -1)


def topic_pairs(X: Sequence[Unit], P: Any, window: int, KL: Any = None, batch: Any = None) -> Any:
    """Stage-2 rows for the topic head: one per (unit, topic), topic-symmetric."""
    import numpy as np

    from .batch import Batch

    def logit(p: Any) -> Any:
        p = np.clip(p, _EPS, 1 - _EPS)
        return np.log(p) - np.log1p(-p)

    batch = Batch(X) if batch is None else batch
    near, whole = batch.documents.context_means(P, window)
    n, k = P.shape
    own = topic_cue_matrix(batch)
    sec = _distinct_topic_cues(batch, "near_section")
    title = _distinct_topic_cues(batch, "title")
    cols = [logit(P), logit(near), logit(whole), own > 0, sec > 0, title > 0]
    if KL is not None:  # how much more common each topic is in this document's kind
        cols.append(KL)
    eye = np.repeat(np.eye(k)[None, :, :], n, axis=0)
    feats = np.concatenate([np.stack(cols, axis=-1).astype(float), eye], axis=-1)
    return feats.reshape(n * k, -1)


def topic_cue_matrix(batch: Any) -> Any:
    """``topic_cues`` of every unit of a batch (units x topics), from one scan per topic."""
    import numpy as np

    return np.stack([batch.counts(pattern) for _, pattern in _TOPIC_CUES], axis=1).astype(float)


def _distinct_topic_cues(batch: Any, key: str) -> Any:
    """``topic_cues`` of a unit field (``Batch.distinct``) of every unit, counted once per distinct value."""
    import numpy as np

    texts, inverse = batch.distinct(key)
    rows = np.array([_topic_cue_counts(t) for t in normalize_many(texts)], dtype=float).reshape(len(texts), -1)
    return rows[inverse]
