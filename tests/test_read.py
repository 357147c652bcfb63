import io

import pytest

from lawgov_nlp.errors import InputError
from lawgov_nlp.read import decode, group_rows, iter_unit_rows, read_document, read_stream
from tests.conftest import SEED_REPORT

TEXT = SEED_REPORT.read_text(encoding="utf-8")


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk", "utf-16"])
def test_encodings_are_detected(tmp_path, encoding):
    f = tmp_path / "r.txt"
    f.write_bytes(TEXT.encode(encoding))
    assert read_document(f).text == TEXT


def test_big5_is_detected(tmp_path):
    trad = "二、存在的問題\n部分單位政務公開欄目更新不及時，執法人員培訓不足。"
    f = tmp_path / "r.txt"
    f.write_bytes(trad.encode("big5"))
    assert read_document(f).text == trad


def test_forced_encoding_errors_are_clear(tmp_path):
    f = tmp_path / "r.txt"
    f.write_bytes("政务公开".encode("gb18030"))
    with pytest.raises(InputError, match="not valid utf-8"):
        read_document(f, encoding="utf-8")
    with pytest.raises(InputError, match="unknown encoding"):
        read_document(f, encoding="klingon")


def test_bad_files(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        read_document(tmp_path / "x.txt")
    (tmp_path / "x.xyz").write_bytes(b"x")
    with pytest.raises(InputError, match="unsupported file type '.xyz'"):
        read_document(tmp_path / "x.xyz")
    big = tmp_path / "big.txt"
    big.write_bytes(b"a" * 2000)
    with pytest.raises(InputError, match="over the"):
        read_document(big, max_bytes=1000)
    with pytest.raises(InputError, match="binary file"):
        decode(b"\x00\x01\x02\x03" * 50 + b"\xff\xfe\xfd" * 10 + b"\x00" * 3, "b.txt")


def test_crlf_becomes_lf(tmp_path):
    f = tmp_path / "r.txt"
    f.write_bytes("一、成效\r\n公开信息。\r\n".encode())
    assert read_document(f).text == "一、成效\n公开信息。\n"
    assert read_stream(io.BytesIO("一、成效\r\n".encode())).text == "一、成效\n"


def test_jsonl_rows_are_validated():
    rows = list(iter_unit_rows(['{"doc": "a", "idx": 0, "text": "x"}', "", '{"doc": "a", "idx": 1, "text": "y"}'], "f"))
    assert [(r.doc, r.idx) for r in rows] == [("a", 0), ("a", 1)]
    with pytest.raises(InputError, match="f:1: missing or non-string 'text'"):
        list(iter_unit_rows(['{"doc": "a"}'], "f"))
    with pytest.raises(InputError, match=r"f:2: 'text' contains an unpaired surrogate \(\\ud800\)"):
        list(iter_unit_rows(['{"text": "ok"}', '{"text": "ab\\ud800c"}'], "f"))
    assert [r.text for r in iter_unit_rows(['{"text": "\\ud83d\\ude00"}'], "f")] == ["\U0001F600"]  # a pair is fine
    with pytest.raises(InputError, match="units must be in order"):
        list(group_rows(iter_unit_rows(['{"doc":"a","idx":1,"text":"x"}', '{"doc":"a","idx":0,"text":"y"}'], "f"), "f"))
    with pytest.raises(InputError, match="not contiguous"):
        list(group_rows(iter_unit_rows(['{"doc":"a","text":"x"}', '{"doc":"b","text":"y"}', '{"doc":"a","text":"z"}'], "f"), "f"))
