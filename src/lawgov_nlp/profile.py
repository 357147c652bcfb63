"""Profile a labelled report: the checklist of its mandated parts and key figures.

A *profile* answers the questions readers of these reports ask (legal-affairs
offices, 督察 teams, researchers coding reports by hand): does the report
contain the five things the 2019 法治政府建设与责任落实督察工作规定 requires,
does it admit real problems and say why, is it concrete, is it on time, which
domains does it cover. It is built from the unit labels alone (a list of
:class:`~lawgov_nlp.records.Prediction`), so it works on every input
``lawgov label`` accepts; nothing here reads files or loads a model.

Every finding lists the unit indices (``idx``) it rests on.

The JSON shape (a contract, documented in the README):

``doc, title, issuer, year, published, doc_kind, doc_kind_score, units, chars``
    identity; ``doc_kind`` is ``"unknown"`` when the model has no kind head.
``parts``
    exactly ``achievements, problems, causes, duty, plans, other``, each
    ``{"status": "present"|"mentioned"|"missing", "heading", "units", "share"}``
    (``share``: the part's share of the report's characters).
``order, in_order``
    present parts by first unit, and whether they follow the regulation's order.
``balance, candour, concreteness, figures, plans, topics, timeliness``
    see :func:`profile_predictions`.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from typing import Any

from .clean import is_chrome, normalize
from .labels import FUNCTIONS, TOPICS
from .levels import paragraphs
from .records import Prediction
from .segment import guess_title, heading_level

PARTS: tuple[str, ...] = ("achievements", "problems", "causes", "duty", "plans", "other")
# The part each function stands for (duty and other have no function of their own).
PART_FUNCTION = {"achievements": "achievement", "problems": "problem", "causes": "cause", "plans": "plan"}
# The 2019 regulation's order of the parts.
_ORDER = ("achievements", "problems", "causes", "duty", "plans", "other")

#: Default publication deadline (month, day) in the year after the year reported
#: on: the 督察工作规定 (art. 25) asks for the report to be public before 1 April;
#: provincial rules often set 1 March for departments (pass ``deadline=(3, 1)``).
DEFAULT_DEADLINE: tuple[int, int] = (4, 1)

# Part headings, matched on normalised text with the numbering removed.
_HEADING_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("duty", re.compile(r"第一责任人|主要负责人.*(?:职责|履职|情况)|履行.*法治建设.*职责|述法")),
    ("other", re.compile(r"其他需要报告|其他(?:有关)?(?:情况|事项)$")),
    ("causes", re.compile(r"原因")),
    ("problems", re.compile(r"不足|问题|短板|差距|薄弱|困难")),
    ("plans", re.compile(r"安排|打算|思路|计划|下一步|下步|展望|努力方向|改进(?:措施|方向)|重点工作|今后")),
    ("achievements", re.compile(r"举措|成效|成绩|成果|工作开展|开展情况|基本情况|主要工作|工作情况|进展|做法|总体情况|工作回顾")),
)
_NUMBERING = re.compile(r"^(?:[一二三四五六七八九十]+\s*[、.,]|\(\s*[一二三四五六七八九十\d]+\s*\)|\d{1,2}\s*[、.])\s*")
_DUTY_TEXT = re.compile(r"第一责任人|党政主要负责|主要负责(?:人|同志)|一把手|述法")
_OTHER_TEXT = re.compile(r"其他需要报告")
# A run of units a reader would call a part of its own (no heading).
_RUN_MIN = {"achievement": 3, "problem": 3, "cause": 2, "plan": 3}

# Concreteness and figures.
_DIGITS = r"\d+(?:[.,]\d+)*(?:\.\d+)?"
_CN = r"[零〇一二两三四五六七八九十百千万亿]+"
MEASURES = ("个百分点", "万人次", "人次", "万元", "亿元", "千元", "元", "%", "‰", "件次", "件", "次", "万人", "人",
            "家", "个", "项", "场", "起", "份", "条", "篇", "批", "期", "部", "本", "名", "户", "宗", "套", "台",
            "册", "万册", "处", "所", "支", "类", "余件", "余次", "余人", "余场", "余项", "余家", "余个", "余条",
            "万份", "万条", "万余", "小时", "天", "个工作日", "工作日", "倍")
_MEASURE_RE = "|".join(sorted((re.escape(m) for m in MEASURES), key=len, reverse=True))
_FIGURE = re.compile(rf"(?<![\d.])(?P<value>{_DIGITS}|{_CN})(?P<measure>{_MEASURE_RE})")
_DATE_IN_TEXT = re.compile(r"\d{1,2}月(?:\d{1,2}日|底|初|中旬|上旬|下旬)?|\d{4}年\d{1,2}月")
_CASE = re.compile(r"案例|典型案|例如|比如|如[“\"《]|“[^”]{2,20}”案|[^，。,]{2,12}案(?:件)?[，。,)）]")
_NAMED_UNIT = re.compile(r"[\u4e00-\u9fff]{2,}(?:局|委员会|委|办公室|镇|街道|乡|所|中心|大队|支队|厅|院|公司|学校|医院|村|社区)")
_STOCK = re.compile(r"一定(?:差距|不足|的差距)|有待(?:进一步)?(?:加强|提高|提升|完善|改进|增强|强化)|还不够|仍需|不够(?:完善|健全|到位|深入|全面|有力)"
                    r"|还存在一些|存在一些(?:问题|不足)|不平衡|不充分|需进一步|亟待|仍有差距|薄弱环节")
_TARGET = re.compile(rf"(?:{_DIGITS})\s*(?:{_MEASURE_RE})|年底|年内|年前|月底|月前|之前|以前|前完成|季度|上半年|下半年"
                     r"|\d{4}年|\d{1,2}月|达到|覆盖率|全覆盖|实现.*(?:100|百分之百)|不低于|不少于|以上")
_CHINESE_NUM_OK = re.compile(r"[十百千万亿两]|^.{2,}$")

# Identity.
_PUB_CHROME = re.compile(r"(发布(?:时间|日期)|日期|时间|更新时间|发文日期)\s*[:：]?\s*"
                         r"(\d{4})\s*[-年./]\s*(\d{1,2})\s*[-月./]\s*(\d{1,2})")
_WRITTEN_CHROME = re.compile(r"成文日期\s*[:：]?\s*(\d{4})\s*[-年./]\s*(\d{1,2})\s*[-月./]\s*(\d{1,2})")
_DATE_LINE = re.compile(r"^\s*(\d{4})\s*[-年./]\s*(\d{1,2})\s*[-月./]\s*(\d{1,2})\s*日?(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?\s*$")
_DATE_LINE_DMY = re.compile(r"^\s*(\d{1,2})\.(\d{1,2})\.(\d{4})(?:\s+\d{1,2}:\d{2})?\s*$")
_YEAR_IN_TITLE = re.compile(r"((?:19|20)\d{2})\s*年")
_ORG_END = re.compile(r"(?:人民政府|政府|局|委员会|委|办公室|办事处|管委会|管理区|镇|乡|街道|部|厅|院|中心|党组)$")
_SOURCE = re.compile(r"(?:来源|发布机构|信息来源)\s*[:：]\s*([^\s|:：]{2,30})")
_IDENTITY_SEARCH = 20


def profile_predictions(predictions: Sequence[Prediction], *, deadline: tuple[int, int] = DEFAULT_DEADLINE,
                        doc: str | None = None) -> dict[str, Any]:
    """Profile one report from its labelled units (in document order).

    Parameters
    ----------
    predictions : sequence of Prediction
        All units of one document, as :func:`lawgov_nlp.label_file` returns them.
    deadline : (month, day)
        Publication deadline in the year after the year reported on
        (default :data:`DEFAULT_DEADLINE`, 1 April).
    doc : str, optional
        The document id (default: that of the predictions).

    Returns
    -------
    dict
        The profile (see the module docstring for the shape).

    Examples
    --------
    >>> from lawgov_nlp.records import Prediction
    >>> P = lambda i, t, f, s=(): Prediction("d", i, t, -1, -1, s, f, {f: 1.0}, ())
    >>> units = [P(0, "一、主要举措和成效", "achievement"),
    ...          P(1, "全年办理行政复议案件12件。", "achievement", ("一、主要举措和成效",)),
    ...          P(2, "二、存在的不足", "problem"),
    ...          P(3, "执法人员不足。", "problem", ("二、存在的不足",))]
    >>> prof = profile_predictions(units)
    >>> prof["parts"]["achievements"]["status"], prof["parts"]["problems"]["units"]
    ('present', [2, 3])
    >>> prof["parts"]["plans"]["status"], [f["text"] for f in prof["figures"]]
    ('missing', ['12件'])
    """
    preds = list(predictions)
    if not preds:
        raise ValueError("cannot profile a document with no units")
    month, day = deadline
    date(2000, month, day)  # validates the deadline (ValueError names the bad field)
    norms = [normalize(p.text) for p in preds]
    headings = _headings(preds, norms)
    chars = [len(p.text) for p in preds]
    total = sum(chars) or 1
    identity = _identity(preds, norms)
    parts = _parts(preds, norms, headings, chars, total, after=identity["identity_units"]["title"] or -1)
    present = sorted((min(parts[k]["units"]), k) for k in PARTS if parts[k]["status"] == "present")
    order = [k for _, k in present]
    rank = {k: i for i, k in enumerate(_ORDER)}
    body = [i for i, p in enumerate(preds) if i not in headings]
    kind = preds[0].doc_kind or "unknown"
    return {
        "doc": doc if doc is not None else preds[0].doc,
        **identity,
        "doc_kind": kind,
        "doc_kind_score": round(float(preds[0].doc_kind_score), 4),
        "units": len(preds),
        "chars": sum(chars),
        "parts": parts,
        "order": order,
        "in_order": [rank[k] for k in order] == sorted(rank[k] for k in order),
        "balance": _balance(preds, chars, total),
        "candour": _candour(preds, norms, body, parts),
        "concreteness": _concreteness(preds, norms, body),
        "figures": extract_figures(preds),
        "plans": _plans(preds, norms, body, parts),
        "topics": _topics(preds),
        "timeliness": _timeliness(identity["year"], identity["published"], deadline),
    }


# ----------------------------------------------------------------- structure


def _headings(preds: Sequence[Prediction], norms: Sequence[str]) -> dict[int, int]:
    """``{idx: level}`` of the heading units (from the section paths and the segmenter's rules)."""
    out: dict[int, int] = {}
    n = len(preds)
    for i, p in enumerate(preds):
        nxt = preds[i + 1] if i + 1 < n else None
        if is_chrome(p.text):
            continue
        if nxt is not None and nxt.section and nxt.section[-1] == p.text:
            out[i] = heading_level(p.text) or len(nxt.section)
            continue
        first = i == 0 or p.start < 0 or p.start != preds[i - 1].end
        whole = nxt is None or p.start < 0 or nxt.start != p.end
        level = heading_level(p.text, first_in_line=first, whole_line=whole)
        if level:
            out[i] = level
    return out


def _heading_keys(norm: str) -> list[str]:
    """The parts a heading names, e.g. ``['problems', 'causes']`` for 存在的不足和原因."""
    bare = _NUMBERING.sub("", norm)
    if len(bare) > 60:  # a numbered sentence, not a part heading
        return []
    keys = [k for k, pat in _HEADING_PATTERNS if pat.search(bare)]
    if "duty" in keys:
        return ["duty"]
    if "other" in keys:
        return ["other"]
    return keys  # several (举措、成效和不足): each unit goes to the one its function names


def _parts(preds: Sequence[Prediction], norms: Sequence[str], headings: dict[int, int],
           chars: Sequence[int], total: int, after: int = -1) -> dict[str, dict[str, Any]]:
    n = len(preds)
    # Page menus above the title (计划规划, 政务公开) are not parts of the report;
    # item headings (1. 一是 ①) are too small to be one of its parts.
    named = {i: _heading_keys(norms[i]) for i in headings if i > after and headings[i] <= 2}
    named = {i: k for i, k in named.items() if k}
    # Part headings: those at the outermost level that names parts; causes and
    # duty also at any level (they are often sub-parts, （二）存在问题的原因).
    top = min((headings[i] for i in named if set(named[i]) - {"causes", "duty"}), default=None)
    part_heads = {i: k for i, k in named.items()
                  if headings[i] == top or set(k) <= {"causes", "duty"}}
    # Extent of each part heading: up to the next heading at its level or above.
    extent: dict[int, range] = {}
    for i in part_heads:
        end = next((j for j in range(i + 1, n) if j in headings and headings[j] <= headings[i]), n)
        extent[i] = range(i, end)
    owner: list[list[str]] = [[] for _ in range(n)]
    owner_head: list[int | None] = [None] * n
    for i in sorted(part_heads, key=lambda h: (headings[h], h)):  # outer first, inner overrides
        for j in extent[i]:
            owner[j] = list(part_heads[i])
            owner_head[j] = i
    for j in range(n):  # a two-part heading whose sub-part has its own heading keeps the rest
        h = owner_head[j]
        if h is not None and len(owner[j]) > 1:
            inner = {k for i2, ks in part_heads.items() if i2 != h and i2 in extent[h] for k in ks}
            rest = [k for k in owner[j] if k not in inner] or owner[j]
            if len(rest) > 1:
                by_function = [k for k in rest if PART_FUNCTION.get(k) == preds[j].function]
                rest = by_function or rest[:1]
            owner[j] = rest
    parts: dict[str, dict[str, Any]] = {}
    for key in PARTS:
        units = [j for j in range(n) if key in owner[j]]
        heads = [preds[i].text for i in sorted(part_heads) if key in part_heads[i]]
        if units:
            parts[key] = _part("present", heads[0] if heads else None, units, chars, total)
            continue
        run = _run_units(preds, norms, headings, key)
        if run:
            parts[key] = _part("present", None, run, chars, total)
            continue
        mentions = _mentions(preds, norms, key)
        parts[key] = _part("mentioned" if mentions else "missing", None, mentions, chars, total)
    # A part found by its units (no heading) cannot claim units of a part with a heading.
    return parts


def _part(status: str, heading: str | None, units: list[int], chars: Sequence[int], total: int) -> dict[str, Any]:
    return {"status": status, "heading": heading, "units": units,
            "share": round(sum(chars[j] for j in units) / total, 4) if status == "present" else 0.0}


def _run_units(preds: Sequence[Prediction], norms: Sequence[str], headings: dict[int, int], key: str) -> list[int]:
    """Units of runs a reader would call the part, when it has no heading of its own."""
    if key == "duty":
        return _duty_paragraph(preds, norms)
    function = PART_FUNCTION.get(key)
    if function is None:
        return []
    out: list[int] = []
    run: list[int] = []
    for i, p in enumerate(preds + [None]):  # type: ignore[operator]
        if p is not None and p.function == function:
            run.append(i)
            continue
        if p is not None and p.function == "other" and run and is_chrome(p.text):
            continue  # page chrome does not break a run
        if len([j for j in run if j not in headings]) >= _RUN_MIN[function]:
            out += run
        run = []
    return out


def _duty_paragraph(preds: Sequence[Prediction], norms: Sequence[str]) -> list[int]:
    """A paragraph of two or more units that opens on the leading officials' duty."""
    for para in paragraphs(preds):
        if len(para) >= 2 and _DUTY_TEXT.search(norms[para[0]]):
            return para
    return []


def _mentions(preds: Sequence[Prediction], norms: Sequence[str], key: str) -> list[int]:
    if key == "duty":
        return [i for i, t in enumerate(norms) if _DUTY_TEXT.search(t)]
    if key == "other":
        return [i for i, t in enumerate(norms) if _OTHER_TEXT.search(t)]
    function = PART_FUNCTION[key]
    return [i for i, p in enumerate(preds) if p.function == function]


# ----------------------------------------------------------------- identity


def _identity(preds: Sequence[Prediction], norms: Sequence[str]) -> dict[str, Any]:
    title_idx = _title(norms)
    title = preds[title_idx].text if title_idx is not None else None
    year = None
    if title:
        m = _YEAR_IN_TITLE.search(normalize(title))
        year = int(m.group(1)) if m else None
    if year is None:
        for t in norms[:_IDENTITY_SEARCH]:
            m = re.match(r"^((?:19|20)\d{2})\s*年", t)
            if m and not is_chrome(t):
                year = int(m.group(1))
                break
    published, published_idx = _published(norms)
    issuer, issuer_idx = _issuer(title, norms, [p.text for p in preds[:_IDENTITY_SEARCH]])
    return {"title": title, "issuer": issuer, "year": year, "published": published,
            "identity_units": {"title": title_idx, "issuer": issuer_idx, "published": published_idx}}


def _title(norms: Sequence[str]) -> int | None:
    """Index of the title among the first units: a short unnumbered line naming a report."""
    candidates = [i for i, t in enumerate(norms[:12])
                  if 6 <= len(t) <= 60 and t[-1:] not in "。;:," and not is_chrome(t) and not _NUMBERING.match(t)
                  ]
    for i in candidates:
        if re.search(r"报告|情况|总结|工作要点", norms[i]) and re.search(r"法治|依法行政|法制", norms[i]):
            return i
    guess = guess_title([norms[i] for i in candidates])
    return norms.index(guess) if guess and re.search(r"法治|依法行政|法制|报告", guess) else None


def _published(norms: Sequence[str]) -> tuple[str | None, int | None]:
    first = list(enumerate(norms[:_IDENTITY_SEARCH]))
    last = list(enumerate(norms))[-5:]
    for i, t in first:
        m = _PUB_CHROME.search(t)
        if m and _valid(*m.group(2, 3, 4)):
            return _iso(*m.group(2, 3, 4)), i
    for i, t in first + last:
        m = _DATE_LINE.match(t)
        if m and _valid(*m.groups()):
            return _iso(*m.groups()), i
        m = _DATE_LINE_DMY.match(t)
        if m and _valid(m.group(3), m.group(2), m.group(1)):
            return _iso(m.group(3), m.group(2), m.group(1)), i
    for i, t in first:
        m = _WRITTEN_CHROME.search(t)
        if m and _valid(*m.groups()):
            return _iso(*m.groups()), i
    return None, None


def _valid(y: str, m: str, d: str) -> bool:
    try:
        date(int(y), int(m), int(d))
    except ValueError:
        return False
    return True


def _iso(y: str, m: str, d: str) -> str:
    return date(int(y), int(m), int(d)).isoformat()


def _issuer(title: str | None, norms: Sequence[str], texts: Sequence[str]) -> tuple[str | None, int | None]:
    def orig(i: int, m: re.Match[str], g: int = 1) -> str:
        # The issuer as written (normalising lower-cases and simplifies), when the spans line up.
        t = texts[i].strip()
        return t[m.start(g):m.end(g)].strip() if len(t) == len(norms[i]) else m.group(g).strip()

    if title:
        t = normalize(title)
        i = next((j for j, n in enumerate(norms[:_IDENTITY_SEARCH]) if n == t), None)
        if i is not None:
            m = re.match(r"^(.{2,40}?)(?:关于|(?:19|20)\d{2}\s*年)", t)
            if m and _ORG_END.search(m.group(1).strip()):
                return orig(i, m), i
            m = re.match(r"^(?:19|20)\d{2}\s*年度?(.{2,30}?)(?:法治政府|依法行政|推进|法治建设)", t)
            if m and _ORG_END.search(m.group(1)):
                return orig(i, m), i
    for i, t in enumerate(norms[:_IDENTITY_SEARCH]):
        if 2 < len(t) <= 30 and not re.search(r"[。,;:]", t) and _ORG_END.search(t) and not is_chrome(texts[i]):
            return texts[i].strip(), i
    for i, t in enumerate(norms[:_IDENTITY_SEARCH]):
        m = _SOURCE.search(t)
        if m:
            return orig(i, m), i
    return None, None


def _timeliness(year: int | None, published: str | None, deadline: tuple[int, int]) -> dict[str, Any]:
    if year is None:
        return {"status": "unknown", "deadline": None, "days_late": None}
    due = date(year + 1, *deadline)
    if published is None:
        return {"status": "unknown", "deadline": due.isoformat(), "days_late": None}
    late = (date.fromisoformat(published) - due).days
    # Published before the year ended is an announcement or a draft date, not a report date.
    status = "early" if date.fromisoformat(published).year <= year else ("late" if late >= 0 else "on_time")
    return {"status": status, "deadline": due.isoformat(), "days_late": max(late, 0) if status == "late" else 0}


# ----------------------------------------------------------------- figures


def extract_figures(predictions: Sequence[Prediction]) -> list[dict[str, Any]]:
    """Numbers with their measure word (件, 次, %, 万元 ...) from every unit, in order.

    Examples
    --------
    >>> from lawgov_nlp.records import Prediction
    >>> p = Prediction("d", 4, "办理复议案件12件，纠错率8.5%，受众一千余人。", 0, 9, (), "achievement", {}, ())
    >>> [(f["value"], f["measure"], f["idx"]) for f in extract_figures([p])]
    [('12', '件', 4), ('8.5', '%', 4), ('一千', '余人', 4)]
    """
    out = []
    for p in predictions:
        for m in _iter_figures(p.text):
            out.append({"idx": p.idx, "text": m.group(0), "value": m.group("value"), "number": _number(m.group("value")),
                        "measure": m.group("measure"), "function": p.function, "topics": list(p.topics)})
    return out


def _iter_figures(text: str) -> list[re.Match[str]]:
    t = text.replace("％", "%")
    t = t.translate(_FULLWIDTH_DIGITS)
    found = []
    for m in _FIGURE.finditer(t):
        value = m.group("value")
        if not value[0].isdigit() and not _CHINESE_NUM_OK.search(value):
            continue  # 一个, 一次, 三项: words more often than counts
        if value[0].isdigit() and m.start() > 0 and t[m.start() - 1] in "第":
            continue
        found.append(m)
    return found


_FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９．", "0123456789.")
_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000, "万": 10_000, "亿": 100_000_000}


def _number(value: str) -> float | None:
    if value[0].isdigit():
        try:
            return float(value.replace(",", ""))
        except ValueError:
            return None
    total, section, digit = 0, 0, 0
    for ch in value:
        if ch in _CN_DIGITS:
            digit = _CN_DIGITS[ch]
        elif ch in ("万", "亿"):
            total += (section + digit) * _CN_UNITS[ch]
            section = digit = 0
        elif ch in _CN_UNITS:
            section += (digit or 1) * _CN_UNITS[ch]
            digit = 0
    return float(total + section + digit)


# ----------------------------------------------------------------- balance, candour, concreteness, plans, topics


def _balance(preds: Sequence[Prediction], chars: Sequence[int], total: int) -> dict[str, Any]:
    per = {f: {"units": 0, "chars": 0, "share": 0.0} for f in FUNCTIONS}
    for p, c in zip(preds, chars):
        per[p.function]["units"] += 1
        per[p.function]["chars"] += c
    for f in FUNCTIONS:
        per[f]["share"] = round(per[f]["chars"] / total, 4)
    ach, prob = per["achievement"]["units"], per["problem"]["units"]
    return {"functions": per, "problems_per_achievement": round(prob / ach, 4) if ach else None}


def _candour(preds: Sequence[Prediction], norms: Sequence[str], body: list[int],
             parts: dict[str, dict[str, Any]]) -> dict[str, Any]:
    specific, stock, general = [], [], []
    for i in body:
        if preds[i].function != "problem":
            continue
        t = norms[i]
        if re.search(r"\d", t) or _NAMED_UNIT.search(t) or _CASE.search(t):
            specific.append(i)
        elif _STOCK.search(t):
            stock.append(i)
        else:
            general.append(i)
    n = len(specific) + len(stock) + len(general)
    causes = [i for i, p in enumerate(preds) if p.function == "cause"]
    return {
        "problem_units": n,
        "specific": specific, "stock": stock, "general": general,
        "specific_share": round(len(specific) / n, 4) if n else None,
        "stock_share": round(len(stock) / n, 4) if n else None,
        "causes_given": parts["causes"]["status"] != "missing",
        "problems_only": parts["problems"]["status"] != "missing" and parts["causes"]["status"] == "missing",
        "cause_units": causes,
    }


def _concreteness(preds: Sequence[Prediction], norms: Sequence[str], body: list[int]) -> dict[str, Any]:
    ach = [i for i in body if preds[i].function == "achievement"]
    concrete = [i for i in ach if _iter_figures(preds[i].text) or _DATE_IN_TEXT.search(norms[i]) or _CASE.search(norms[i])]
    return {"achievement_units": len(ach), "concrete": concrete,
            "concrete_share": round(len(concrete) / len(ach), 4) if ach else None}


def _plans(preds: Sequence[Prediction], norms: Sequence[str], body: list[int],
           parts: dict[str, dict[str, Any]]) -> dict[str, Any]:
    part = parts["plans"]
    where = set(part["units"]) if part["status"] == "present" else set(range(len(preds)))
    items = [i for i in body if i in where and preds[i].function == "plan"]
    measurable = [i for i in items if _TARGET.search(norms[i])]
    return {"items": items, "measurable": measurable,
            "measurable_share": round(len(measurable) / len(items), 4) if items else None}


def _topics(preds: Sequence[Prediction]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for t in TOPICS:
        idx = [p.idx for p in preds if t in p.topics]
        by_function = {f: [p.idx for p in preds if t in p.topics and p.function == f] for f in FUNCTIONS}
        out[t] = {"units": idx, "by_function": by_function}
    return out


# ----------------------------------------------------------------- flat rows


def profile_row(profile: dict[str, Any]) -> dict[str, Any]:
    """One flat row of a profile (for CSV/XLSX and the archive table): scalars only.

    Examples
    --------
    >>> from lawgov_nlp.records import Prediction
    >>> row = profile_row(profile_predictions([Prediction("d", 0, "二、存在的不足", -1, -1, (), "problem", {}, ())]))
    >>> row["doc"], row["problems"], row["plans"]
    ('d', 'present', 'missing')
    """
    if "error" in profile:
        return {"doc": profile.get("doc"), "source": profile.get("source"), "error": profile["error"]}
    bal = profile["balance"]["functions"]
    row: dict[str, Any] = {k: profile[k] for k in ("doc", "title", "issuer", "year", "published", "doc_kind")}
    row["source"] = profile.get("source")
    row["units"], row["chars"] = profile["units"], profile["chars"]
    for k in PARTS:
        row[k] = profile["parts"][k]["status"]
    for k in PARTS:
        row[f"{k}_share"] = profile["parts"][k]["share"]
    row["order"] = " > ".join(profile["order"])
    row["in_order"] = profile["in_order"]
    for f in FUNCTIONS:
        row[f"{f}_units"] = bal[f]["units"]
    row["problems_per_achievement"] = profile["balance"]["problems_per_achievement"]
    row["problem_specific_share"] = profile["candour"]["specific_share"]
    row["problem_stock_share"] = profile["candour"]["stock_share"]
    row["causes_given"] = profile["candour"]["causes_given"]
    row["achievement_concrete_share"] = profile["concreteness"]["concrete_share"]
    row["figures"] = len(profile["figures"])
    row["plan_items"] = len(profile["plans"]["items"])
    row["plan_measurable_share"] = profile["plans"]["measurable_share"]
    for t in TOPICS:
        row[f"{t}_units"] = len(profile["topics"][t]["units"])
        row[f"{t}_problems"] = len(profile["topics"][t]["by_function"]["problem"])
    tl = profile["timeliness"]
    row["deadline"], row["timeliness"], row["days_late"] = tl["deadline"], tl["status"], tl["days_late"]
    row["error"] = None
    return row


def row_columns() -> tuple[str, ...]:
    """The columns of :func:`profile_row`, in order (computed once)."""
    global _ROW_COLUMNS
    if _ROW_COLUMNS is None:
        _ROW_COLUMNS = tuple(profile_row(profile_predictions(
            [Prediction("_", 0, "_", -1, -1, (), "other", {}, ())])).keys())
    return _ROW_COLUMNS


_ROW_COLUMNS: tuple[str, ...] | None = None
