"""Cleaning for features: width/space normalisation and page-chrome detection.

Cleaning never changes the text that is output; it produces a normalised copy
for the features, so offsets always refer to the original.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any

_SPACES = re.compile(r"\s+")

# Lines that belong to the web page rather than the report. Anchored and
# short-line only, so a sentence that merely mentions 附件 is not chrome.
_CHROME = re.compile(
    r"""^[\s【\[(•·]*(?:
        当前位置|您当前的位置|您的位置|你的位置|首页\s*[>/》]|
        (?:信息)?来源[:：]|发布(?:时间|日期|机构)[:：]?|更新时间|成文日期|
        阅读(?:次数|数|量)|浏览(?:次数|量)|点击(?:数|量|次数)|访问量|
        字号|【?\s*字体|打印(?:本页|此页)?$|关闭(?:窗口|本页)?$|分享(?:到|至)?|
        收藏|上一(?:条|篇)|下一(?:条|篇)|返回(?:顶部|首页|上一级|列表)?$|
        (?:用微信)?扫(?:一扫|描二维码)|.*二维码|附件[:：\d]|相关附件|
        索引号|主题分类|所属类目|文号|发文(?:机关|字号)|主\s*题\s*词|
        [【\[]?\s*(?:大|中|小)\s*[】\]]?\s*$|默认\s*[大中小]|
        (?:网站|站点)地图|联系我们|版权所有|主办单位|承办单位|ICP备|
        政务公开$|主动公开$|依申请公开$|信息公开$|责任编辑|编辑[:：]|作者[:：]|
        相关(?:文章|链接|新闻|阅读|稿件|文件|附件)[:：]?$|附件下载|文件(?:预览|下载)|
        我来说两句|我要(?:评论|纠错)|发表评论|网友评论|
        # document-sharing sites: uploader line, file names, page counters
        上传(?:人|者|时间)[:：]|文档编号|资源描述$|点击查看更多|下载\s*相关\s*举报|下载本文|
        第\s*\d+\s*页\s*[/／]\s*共\s*\d+\s*页|.*\.(?:docx?|pdf|wps|txt)(?:_第\d+页)?$|
        (?:发布|上传|更新)?时间[:：]\s*\d{4}-\d{1,2}-\d{1,2}
    )""",
    re.VERBOSE | re.IGNORECASE,
)
_CHROME_MAX_LEN = 60


_CACHE: dict[str, str] = {}
_CACHE_MAX = 65536  # texts; a full cache is emptied and refilled (a stream's recent texts are what repeat)


def normalize(text: str) -> str:
    """Normalise width, case and spacing of ``text`` for feature extraction.

    Full-width letters, digits and ASCII punctuation become half-width
    (``，`` -> ``,``, ``（一）`` -> ``(一)``, ``１`` -> ``1``); traditional
    characters become simplified; runs of white space, including U+3000,
    become one space.

    Examples
    --------
    >>> normalize("（一）深化政务公开，共１２件")
    '(一)深化政务公开,共12件'
    >>> normalize("加強政務公開")
    '加强政务公开'
    """
    out = _CACHE.get(text)
    if out is None:
        out = _normalize(text)
        _remember(text, out)
    return out


def _normalize(text: str) -> str:
    text = _to_simplified(unicodedata.normalize("NFKC", text))
    return _SPACES.sub(" ", text).strip().lower()


def _nfkc(text: str) -> str:
    """``unicodedata.normalize("NFKC", text)``, faster on Chinese text.

    Python normalises a whole string the slow way as soon as one character
    needs it, and the full-width punctuation of a Chinese report always does.
    Full-width ASCII and the ideographic space are replaced by their NFKC
    forms first, with numpy on the code points (NFKD maps them to the same
    characters, so the result is the same); the lines that still need it,
    which a quick check finds, are then normalised as Python does.
    """
    import numpy as np

    try:
        cp = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).copy()
    except UnicodeEncodeError:  # an unpaired surrogate
        return unicodedata.normalize("NFKC", text)
    wide = (cp >= 0xFF01) & (cp <= 0xFF5E)
    cp[wide] -= 0xFEE0
    cp[cp == 0x3000] = 0x20
    text = cp.tobytes().decode("utf-32-le")
    if unicodedata.is_normalized("NFKC", text):
        return text
    lines = text.split("\n")
    return "\n".join(line if unicodedata.is_normalized("NFKC", line) else unicodedata.normalize("NFKC", line)
                     for line in lines)


def _remember(text: str, out: str) -> None:
    if len(_CACHE) >= _CACHE_MAX:
        _CACHE.clear()
    _CACHE[text] = out


def normalize_many(texts: list[str]) -> list[str]:
    """``[normalize(t) for t in texts]``, converting the script of all new texts in one call.

    The texts are joined by newlines (a normalised text never contains one,
    and neither NFKC nor the script conversion acts across a newline), so
    OpenCC is called once per batch instead of once per text; the texts that
    contain a newline or an unpaired surrogate are normalised one by one.

    Examples
    --------
    >>> normalize_many(["（一）政務公開", "共１２件"])
    ['(一)政务公开', '共12件']
    """
    get = _CACHE.get
    out = list(map(get, texts))
    todo = list(dict.fromkeys(t for t, o in zip(texts, out) if o is None))
    if not todo:
        return out
    joined = "\n".join(todo)
    if joined.count("\n") != len(todo) - 1 or SURROGATE.search(joined):
        # the texts with a newline or an unpaired surrogate one by one, the others together
        odd = {t: _normalize(t) for t in todo if "\n" in t or SURROGATE.search(t)}
        todo = [t for t in todo if t not in odd]
        joined = "\n".join(todo)
    else:
        odd = {}
    done = odd
    if todo:
        converted = _SPACES_NOT_NEWLINE.sub(" ", _to_simplified(_nfkc(joined))).lower()
        pieces = list(map(str.strip, converted.split("\n")))
        if len(pieces) != len(todo):  # cannot happen (see above); never guess
            pieces = [_normalize(t) for t in todo]
        done.update(zip(todo, pieces))
    if len(_CACHE) + len(done) > _CACHE_MAX:
        _CACHE.clear()
    _CACHE.update(done)
    return [done[t] if o is None else o for t, o in zip(texts, out)]


# White space but the newline: what ``_SPACES`` does to a text that has none.
_SPACES_NOT_NEWLINE = re.compile(r"[^\S\n]+")


@lru_cache(maxsize=1)
def _converter() -> Any:
    import opencc

    return opencc.OpenCC("t2s")


def _to_simplified(text: str) -> str:
    # Reports in traditional script (Hong Kong/Taiwan-style pages, big5 sites)
    # use the same vocabulary; features see them in simplified script.
    try:
        return _converter().convert(text)
    except UnicodeEncodeError:
        # OpenCC takes UTF-8; an unpaired surrogate (possible in a str built
        # from JSON "\ud800" escapes) has none. Only this feature copy of the
        # text gets U+FFFD in its place; the text itself is never changed.
        return _converter().convert(SURROGATE.sub("\ufffd", text))


# Unpaired UTF-16 surrogates: in a str only through escapes such as JSON "\ud800".
SURROGATE = re.compile("[\ud800-\udfff]")


def is_chrome(text: str) -> bool:
    """Whether a unit is web-page chrome (breadcrumbs, publish dates, share links ...).

    Examples
    --------
    >>> is_chrome("发布时间:2024-03-20 阅读次数:")
    True
    >>> is_chrome("我局全年办理依申请公开12件。")
    False
    """
    norm = normalize(text)
    # The length test must come first: the ``.*`` alternatives after the
    # repeated prefix class could backtrack quadratically on a long unit;
    # on at most 60 characters the match is bounded, so is_chrome is linear.
    return len(norm) <= _CHROME_MAX_LEN and bool(_CHROME.match(norm))
