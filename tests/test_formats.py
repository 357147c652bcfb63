"""Real-world inputs: the same report as text in several encodings, an HTML page,
a .docx and a PDF, built here from the bundled example report."""
from __future__ import annotations

import io
import json
import subprocess

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import lawgov_nlp
from lawgov_nlp.clean import normalize
from lawgov_nlp.errors import InputError
from lawgov_nlp.read import read_document
from tests.conftest import ROOT

EXAMPLE = ROOT / "examples" / "chonggu_2024.txt"
TEXT = EXAMPLE.read_text(encoding="utf-8")
LINES = [line.strip() for line in TEXT.splitlines() if line.strip()]
BODY_START = next(i for i, line in enumerate(LINES) if line.startswith("一、"))


def labels(path):
    return [(p.text, p.function, p.topics) for p in lawgov_nlp.label_file(path)]


@pytest.fixture(scope="module")
def reference(model):
    return [(p.text, p.function, p.topics) for p in lawgov_nlp.label_text("\n".join(LINES), doc="x")]


def page(body_html: str, charset: str) -> str:
    return f"""<!DOCTYPE html><html><head><meta http-equiv="Content-Type" content="text/html; charset={charset}">
<title>2024年重固镇法治政府建设报告</title><style>.nav{{color:red}}</style>
<script>var _hmt = _hmt || []; document.write("统计代码");</script></head>
<body><header><div class="logo">上海市青浦区人民政府</div></header>
<nav><a href="/">首页</a> &gt; <a href="/zwgk">政务公开</a></nav>
<div class="article">{body_html}</div>
<footer>版权所有 上海市青浦区人民政府 沪ICP备12345678号</footer></body></html>"""


def test_encodings_give_the_same_units_and_labels(tmp_path, reference, model):
    body = "\n".join(LINES)
    for enc in ("utf-8", "utf-8-sig", "gb18030", "gbk", "utf-16"):
        f = tmp_path / f"r-{enc}.txt"
        f.write_bytes(body.encode(enc))
        assert labels(f) == reference, enc


def test_html_page_with_declared_charset(tmp_path, reference, model):
    body = "".join(f"<p>{line}</p>" for line in LINES)
    f = tmp_path / "r.html"
    f.write_bytes(page(body, "gb2312").encode("gb18030"))
    assert labels(f) == reference  # navigation, script, style and footer dropped


def test_docx(tmp_path, reference, model):
    import docx

    d = docx.Document()
    for line in LINES:
        d.add_paragraph(line)
    table = d.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "类别", "数量"
    table.cell(1, 0).text, table.cell(1, 1).text = "依申请公开", "12件"
    f = tmp_path / "r.docx"
    d.save(f)
    got = labels(f)
    assert got[: len(reference)] == reference
    assert [t for t, _, _ in got[len(reference):]] == ["类别", "数量", "依申请公开", "12件"]


def _pdf(path, lines):
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    c = canvas.Canvas(str(path))
    y = 800
    for line in lines:
        # the layout breaks long lines, as a real PDF does
        for k in range(0, len(line), 38):
            if y < 60:
                c.showPage()
                y = 800
            c.setFont("STSong-Light", 11)
            c.drawString(40, y, line[k:k + 38])
            y -= 16
    c.save()


def test_pdf_rejoins_lines_broken_by_the_layout(tmp_path, model):
    body = LINES[BODY_START:]
    f = tmp_path / "r.pdf"
    _pdf(f, body)
    expected = [(p.text, p.function, p.topics) for p in lawgov_nlp.label_text("\n".join(body))]
    assert labels(f) == expected


def test_scanned_pdf_has_no_text_layer(tmp_path):
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(tmp_path / "scan.pdf"))
    c.rect(50, 50, 400, 600, fill=1)
    c.save()
    with pytest.raises(InputError, match="no text layer"):
        read_document(tmp_path / "scan.pdf")


@pytest.mark.parametrize("name,data,message", [
    ("old.doc", b"\xd0\xcf\x11\xe0" + b"\x00" * 100, "save the report as .docx"),
    ("old.wps", b"\xd0\xcf\x11\xe0", "save the report as .docx"),
    ("bad.docx", b"PK\x03\x04 truncated", "not a readable .docx"),
    ("bad.pdf", b"%PDF-1.4\n1 0 obj <<", "not a readable PDF"),
    ("sheet.xlsx", b"PK", "unsupported file type '.xlsx'"),
])
def test_unreadable_files_are_clear_errors(tmp_path, name, data, message):
    f = tmp_path / name
    f.write_bytes(data)
    with pytest.raises(InputError, match=message):
        read_document(f)


def test_cli_html_on_stdin_and_docx_in_a_directory(lawgov_cmd, tmp_path):
    html = page("<p>二、存在的不足</p><p>部分单位政务公开栏目更新不及时。</p>", "utf-8").encode()
    r = subprocess.run([lawgov_cmd, "label", "-"], input=html, capture_output=True)
    out = [json.loads(x) for x in r.stdout.decode().splitlines()]
    assert r.returncode == 0 and [o["text"] for o in out] == ["二、存在的不足", "部分单位政务公开栏目更新不及时。"]
    (tmp_path / "x.doc").write_bytes(b"\xd0\xcf\x11\xe0")
    r = subprocess.run([lawgov_cmd, "label", tmp_path / "x.doc"], capture_output=True)
    assert r.returncode == 2 and "save the report as .docx" in r.stderr.decode()
    assert "Traceback" not in r.stderr.decode()


def test_traditional_script_is_labelled_like_simplified(model):
    simp = lawgov_nlp.label_text("二、存在的问题\n部分单位政务公开栏目更新不及时，执法人员培训不足。")
    trad = lawgov_nlp.label_text("二、存在的問題\n部分單位政務公開欄目更新不及時，執法人員培訓不足。")
    assert [(p.function, p.topics) for p in trad] == [(p.function, p.topics) for p in simp]
    assert trad[1].text.startswith("部分單位")  # output keeps the original script


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("政務公開执法复议，,（()）１1 \u3000ＡaB。")), max_size=40))
def test_normalize_is_idempotent(text):
    assert normalize(normalize(text)) == normalize(text)
