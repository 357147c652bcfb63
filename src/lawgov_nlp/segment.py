"""Segment a document into units, with character offsets and section paths.

A *unit* is one sentence, or one heading / list-item line (ANNOTATION.md).
The cut points are exactly those of the reference splitter
``shared/tools/split_units.py``: lines first, then after each run of
``。！？!?`` with any closing quotes or brackets that follow.

Segmentation is linear in the length of the text, whatever the text: the
sentence ends are found by one left-to-right scan (a lazy ``.*?`` before the
end mark would rescan the rest of a line from every position, quadratic on a
line with no sentence end, as PDF and table extractions have). A unit longer
than ``max_unit_chars`` (no real sentence is: the gold corpus's longest has
361 characters) is further cut into pieces of at most that many characters,
after the last clause mark or space in the second half of each piece when
there is one, so the model is never fed a 200,000-character "sentence".
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from .clean import is_chrome, normalize, normalize_many
from .records import Document, Unit

# A run of sentence ends and the closing quotes or brackets after it; the
# sentence is the text since the previous cut (one linear scan per line).
_END = re.compile(r"[。！？!?]+[”’」』）)]*")

DEFAULT_MAX_UNIT_CHARS = 2000
"""Units longer than this are cut into pieces (see the module docstring)."""
# Where a too-long unit is preferably cut: after a clause mark or a space.
_SOFT_BREAKS = "；;，,、：: \t\u3000"

_NUM = "一二三四五六七八九十"
# Heading markers by level, matched on normalised (half-width) text.
_LEVELS: tuple[tuple[int, re.Pattern[str]], ...] = (
    (1, re.compile(rf"^[{_NUM}]+\s*[、.,]")),
    (2, re.compile(rf"^\(\s*[{_NUM}]+\s*\)")),
    (3, re.compile(r"^(?:\d{1,2}\s*[、.](?!\d)|\(\s*\d{1,2}\s*\))")),
    (4, re.compile(rf"^[{_NUM}]+是")),
    (5, re.compile(r"^[①②③④⑤⑥⑦⑧⑨⑩]")),
)
# All of them in one pattern, tried in level order: the first that matches names the level.
_ANY_LEVEL = re.compile("|".join(f"(?P<l{level}>{p.pattern})" for level, p in _LEVELS))
# Unnumbered lines that open a part of a report (存在的不足, 下一步工作安排 ...).
_PART_WORDS = re.compile(
    r"举措|成效|成绩|不足|问题|短板|原因|计划|安排|打算|思路|下一步|展望|履职|第一责任人|主要工作"
)
_HEADING_MAX = 40
_HEADING_LONG = 80
_TITLE_WORDS = re.compile(r"报告|方案|计划|要点|通知|意见|办法|规划|决定|总结|情况|通报|解读|问答")
_TITLE_SEARCH = 12


def iter_spans(text: str, *, max_unit_chars: int | None = DEFAULT_MAX_UNIT_CHARS) -> Iterator[tuple[int, int]]:
    """Yield ``(start, end)`` offsets of the units of ``text``.

    ``text[start:end]`` is the unit text, stripped of surrounding white space
    (``str.strip`` semantics, so U+3000 is stripped too). Units longer than
    ``max_unit_chars`` are cut into pieces no longer than that (``None``: never).

    Examples
    --------
    >>> t = "一、总体情况\\n今年完成了任务。明年将继续！"
    >>> [t[s:e] for s, e in iter_spans(t)]
    ['一、总体情况', '今年完成了任务。', '明年将继续！']
    >>> t = "甲乙丙，丁戊己庚"
    >>> [t[s:e] for s, e in iter_spans(t, max_unit_chars=4)]
    ['甲乙丙，', '丁戊己庚']
    """
    for start, end, _, _ in _iter_line_spans(text, max_unit_chars):
        yield start, end


def _iter_line_spans(text: str, max_chars: int | None = DEFAULT_MAX_UNIT_CHARS
                     ) -> Iterator[tuple[int, int, bool, bool]]:
    """Yield ``(start, end, first_in_line, whole_line)`` for each unit."""
    offset = 0
    for raw_line in text.splitlines(keepends=True):
        line_start = offset
        offset += len(raw_line)
        # keepends keeps the terminator; strip removes it with the rest of the
        # surrounding white space, exactly as the reference splitter does.
        line = raw_line.strip()
        if not line:
            continue
        base = line_start + (len(raw_line) - len(raw_line.lstrip()))
        cuts, pos = [], 0
        for m in _END.finditer(line):
            cuts.append((pos, m.end()))
            pos = m.end()
        cuts.append((pos, len(line)))
        spans: list[tuple[int, int, bool]] = []  # (start, end, is a piece of a cut unit)
        for a, b in cuts:
            span = _strip_span(line, a, b, base)
            if span is None:
                continue
            if max_chars is not None and span[1] - span[0] > max_chars:
                spans += [(s, e, True) for s, e in _split_long(text, *span, max_chars)]
            else:
                spans.append((*span, False))
        for k, (s, e, piece) in enumerate(spans):
            # a piece never counts as starting its line: the unit it comes
            # from was too long to be a heading, so no piece of it is one
            yield s, e, k == 0 and not piece, len(spans) == 1


def _strip_span(line: str, a: int, b: int, base: int) -> tuple[int, int] | None:
    piece = line[a:b]
    inner = piece.strip()
    if not inner:
        return None
    s = base + a + len(piece) - len(piece.lstrip())
    return s, s + len(inner)


def _split_long(text: str, start: int, end: int, limit: int) -> Iterator[tuple[int, int]]:
    """Cut the unit ``text[start:end]`` into stripped pieces of at most ``limit`` characters.

    Each piece ends after the last soft break (clause mark or space) in the
    second half of its window, or at the limit when there is none; the work
    is proportional to the unit's length.
    """
    if limit < 1:
        raise ValueError(f"max_unit_chars must be at least 1, got {limit}")
    while end - start > limit:
        window = text[start:start + limit]
        cut = max(window.rfind(c) for c in _SOFT_BREAKS) + 1
        if cut <= limit // 2:
            cut = limit
        piece = text[start:start + cut]
        if piece.strip():
            yield start, start + len(piece.rstrip())
        start += cut
        while start < end and text[start].isspace():
            start += 1
    if start < end:
        yield start, end


def heading_level(text: str, *, first_in_line: bool = True, whole_line: bool = True) -> int:
    """Return the heading level of a unit (1 = 一、, 2 = （一）, 3 = 1., 4 = 一是 ...), or 0.

    A numbered unit counts as a heading when it starts its line and is short;
    an unnumbered one only when it is a whole short line naming a part of a
    report (存在的不足, 下一步工作打算 ...), which is then level 1.

    Examples
    --------
    >>> heading_level("（二）深化政务公开工作")
    2
    >>> heading_level("(二)深化政务公开工作")
    2
    >>> heading_level("1.落实备案审查机制。")
    3
    >>> heading_level("二、存在的不足")
    1
    >>> heading_level("存在的问题和不足")
    1
    >>> heading_level("2023年共办理案件12件。")
    0
    """
    norm = normalize(text)
    if not first_in_line:
        return 0
    # A whole line with no closing punctuation may be a long heading
    # ("三、主要负责人履行推进法治建设第一责任人职责情况"); a sentence may not.
    limit = _HEADING_LONG if whole_line and norm[-1:] not in "。!?;" else _HEADING_MAX
    if len(norm) > limit:
        return 0
    m = _ANY_LEVEL.match(norm)
    if m:
        return int(m.lastgroup[1:])
    if whole_line and len(norm) <= 25 and norm[-1:] not in "。!?;:" and _PART_WORDS.search(norm):
        return 1
    return 0


def segment(document: Document, *, max_unit_chars: int | None = DEFAULT_MAX_UNIT_CHARS) -> list[Unit]:
    """Cut a document into units with offsets, section paths and layout flags.

    Units longer than ``max_unit_chars`` are cut into pieces (``None``: never).

    Examples
    --------
    >>> from lawgov_nlp.records import Document
    >>> units = segment(Document("d", "一、主要成效\\n（一）政务公开\\n全年公开信息12条。"))
    >>> [(u.text, u.section) for u in units][-1]
    ('全年公开信息12条。', ('一、主要成效', '（一）政务公开'))
    """
    text = document.text
    items = [(text[s:e], s, e, first, whole) for s, e, first, whole in _iter_line_spans(text, max_unit_chars)]
    return _with_context(document.doc, items)


def units_from_texts(doc: str, texts: Iterable[str]) -> list[Unit]:
    """Build the units of one document from pre-segmented texts, kept as given.

    Each text is taken as a whole line (there is no layout to tell otherwise);
    offsets are ``-1`` because there is no document text to point into.

    Examples
    --------
    >>> [u.section for u in units_from_texts("d", ["二、存在的不足", "人员不足。"])]
    [(), ('二、存在的不足',)]
    """
    return _with_context(doc, [(t, -1, -1, True, True) for t in texts])


def _with_context(doc: str, items: list[tuple[str, int, int, bool, bool]]) -> list[Unit]:
    """Attach section path, heading level and chrome flag to each unit, in order."""
    path: list[tuple[int, str]] = []
    units = []
    normalize_many([t for t, *_ in items])  # one script conversion for the document (cached for what follows)
    title = guess_title([t for t, *_ in items[:_TITLE_SEARCH]])
    new, n, section = object.__new__, len(items), ()
    for idx, (unit_text, start, end, first, whole) in enumerate(items):
        chrome = is_chrome(unit_text)
        level = 0 if chrome else heading_level(unit_text, first_in_line=first, whole_line=whole)
        if level:
            path = [(lv, h) for lv, h in path if lv < level]
            section = tuple(h for _, h in path)
        unit = new(Unit)  # a frozen dataclass, filled without its per-field __setattr__ (4x faster)
        unit.__dict__.update(doc=doc, idx=idx, text=unit_text, start=start, end=end, section=section,
                             is_heading=bool(level), heading_level=level, n_units=n, chrome=chrome, title=title)
        units.append(unit)
        if level:
            path.append((level, unit_text))
            section = tuple(h for _, h in path)
    return units


def guess_title(texts: list[str]) -> str:
    """The document title among its first units: a short line naming a genre.

    Examples
    --------
    >>> guess_title(["当前位置:首页", "XX区2023年法治政府建设工作报告", "2023年,我区..."])
    'XX区2023年法治政府建设工作报告'
    >>> guess_title(["2023年,我区完成了很多工作。"])
    ''
    """
    for t in texts:
        norm = normalize(t)
        if len(norm) <= 60 and norm[-1:] not in "。;:" and not is_chrome(t) and _TITLE_WORDS.search(norm):
            return t
    return ""
