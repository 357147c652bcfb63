"""Extract report text from HTML pages, Word .docx files and PDFs.

Each function returns plain text with one paragraph (or table cell) per line,
so the segmenter sees the same lines as in a text export of the report.
Page chrome that survives extraction is recognised later (``clean.is_chrome``).
"""
from __future__ import annotations

import io
import re
from html.parser import HTMLParser

from .errors import InputError

# Elements whose text is never part of the report.
_SKIP = frozenset({"script", "style", "noscript", "template", "svg", "nav", "header", "footer",
                   "aside", "form", "button", "select", "option", "iframe", "head"})
_BLOCK = frozenset({"p", "div", "br", "li", "tr", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6",
                    "section", "article", "table", "ul", "ol", "dd", "dt", "blockquote", "pre", "hr", "title"})
_VOID = frozenset({"br", "hr", "img", "meta", "link", "input", "area", "base", "col", "embed", "source", "wbr"})
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.IGNORECASE)


def html_charset(data: bytes) -> str | None:
    """The charset an HTML page declares in a ``<meta>`` tag, if any.

    >>> html_charset(b'<meta http-equiv="Content-Type" content="text/html; charset=gb2312">')
    'gb18030'
    """
    m = _META_CHARSET.search(data[:4096])
    if not m:
        return None
    label = m.group(1).decode("ascii").lower()
    # As browsers do (WHATWG encoding standard): pages labelled gb2312/gbk are
    # GBK in practice and decode as GB18030; big5 pages use the HKSCS superset.
    return {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "big5": "big5hkscs"}.get(label, label)


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.current: list[str] = []
        self.skip_depth = 0
        self.stack: list[str] = []

    def _flush(self) -> None:
        line = re.sub(r"[ \t\r\f\v]+", " ", "".join(self.current)).strip()
        if line:
            self.lines.append(line)
        self.current = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in _SKIP and tag not in _VOID:
            self.skip_depth += 1
            self.stack.append(tag)
        if tag in _BLOCK:
            self._flush()

    def handle_startendtag(self, tag: str, attrs: list) -> None:
        if tag in _BLOCK:
            self._flush()

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP and self.stack and tag in self.stack:
            while self.stack:
                if self.stack.pop() == tag:
                    break
            self.skip_depth = len(self.stack)
        if tag in _BLOCK:
            self._flush()

    def handle_data(self, data: str) -> None:
        if not self.skip_depth:
            self.current.append(data.replace("\n", " "))


def html_to_text(html: str) -> str:
    """The visible text of a page, one block per line, without scripts, styles and navigation.

    >>> html_to_text("<html><head><title>t</title><script>x=1</script></head>"
    ...              "<body><nav>首页 > 政务公开</nav><p>一、工作成效</p><p>全年公开信息<b>12</b>条。</p></body></html>")
    '一、工作成效\\n全年公开信息12条。'
    """
    parser = _TextExtractor()
    parser.feed(html)
    parser.close()
    parser._flush()
    return "\n".join(parser.lines)


def docx_to_text(data: bytes, name: str) -> str:
    """Paragraphs and table cells of a .docx, in document order."""
    import zipfile

    try:
        import docx
        from docx.table import Table
        from docx.text.paragraph import Paragraph

        document = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise InputError(f"{name}: not a readable .docx (truncated or corrupt: {exc})") from None
    except Exception as exc:  # python-docx raises a few library-specific errors
        raise InputError(f"{name}: not a readable .docx ({type(exc).__name__}: {exc})") from None
    lines: list[str] = []
    body = document.element.body
    for child in body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            lines.append(Paragraph(child, document).text)
        elif tag == "tbl":
            for row in Table(child, document).rows:
                seen = set()
                for cell in row.cells:
                    if id(cell._tc) in seen:  # a merged cell appears once per column it spans
                        continue
                    seen.add(id(cell._tc))
                    lines.append(cell.text)
    return "\n".join(line for line in lines if line.strip())


# A sentence end, possibly followed by closing quotes or brackets.
_ENDS_UNIT = re.compile(r"[。！？!?:：;；][”’」』)）]*$")
_STARTS_HEADING = re.compile(r"^(?:[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十\d]+[)）]|\d+[、.．]|[一二三四五六七八九十]+是)")


def pdf_to_text(data: bytes, name: str) -> str:
    """Text of a PDF with a text layer, re-joining lines the layout broke."""
    try:
        from pypdf import PdfReader
        from pypdf.errors import PdfReadError

        reader = PdfReader(io.BytesIO(data))
        pages = [page.extract_text() or "" for page in reader.pages]
    except Exception as exc:  # pypdf raises PdfReadError and assorted errors on damaged files
        raise InputError(f"{name}: not a readable PDF (truncated or corrupt: {type(exc).__name__})") from None
    raw_lines = [line.strip() for page in pages for line in page.splitlines()]
    raw_lines = [line for line in raw_lines if line and not re.fullmatch(r"[-—\s]*\d+[-—\s]*", line)]
    if not raw_lines:
        raise InputError(f"{name}: the PDF has no text layer (a scanned document?); OCR it first")
    # A line the layout broke runs to the full text width; a heading or the
    # last line of a paragraph is shorter. Join only full-width lines that do
    # not end a sentence to the line after them.
    lengths = sorted(len(line) for line in raw_lines)
    full = lengths[int(0.9 * (len(lengths) - 1))]
    lines: list[str] = []
    joinable = False
    for line in raw_lines:
        if lines and joinable and not _STARTS_HEADING.match(line):
            lines[-1] += line
        else:
            lines.append(line)
        joinable = len(line) >= 0.85 * full and not _ENDS_UNIT.search(line)
    return "\n".join(lines)
