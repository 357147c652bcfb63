"""`lawgov profile` and `lawgov label --level` on the bundled example: structure and formats, not labels."""
from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import lawgov_nlp
from lawgov_nlp.cli import main
from lawgov_nlp.profile import PARTS, row_columns

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "chonggu_2024.txt"
TRAD = ROOT / "corpora" / "raw" / "p003.txt"
PART_KEYS = {"status", "heading", "units", "share"}


def check_profile(prof: dict, n_units: int | None = None) -> None:
    for key in ("doc", "title", "issuer", "year", "published", "doc_kind"):
        assert key in prof
    assert set(prof["parts"]) == set(PARTS)
    for part in prof["parts"].values():
        assert set(part) == PART_KEYS and part["status"] in ("present", "mentioned", "missing")
        assert all(isinstance(i, int) for i in part["units"]) and 0 <= part["share"] <= 1
    if n_units is not None:
        assert prof["units"] == n_units
        assert all(0 <= f["idx"] < n_units for f in prof["figures"])


def test_profile_report_from_python_matches_labels():
    preds = lawgov_nlp.label_file(EXAMPLE)
    prof = lawgov_nlp.profile_report(EXAMPLE)
    check_profile(prof, len(preds))
    assert prof == {**lawgov_nlp.profile_report(preds), "source": prof["source"]}
    assert prof["doc_kind"] == (preds[0].doc_kind or "unknown")


@pytest.mark.parametrize("fmt", ["json", "jsonl", "csv", "table"])
def test_every_text_format(tmp_path, fmt, capsys):
    out = tmp_path / f"out.{fmt}"
    assert main(["profile", str(EXAMPLE), str(TRAD), "--format", fmt, "-o", str(out), "-q"]) == 0
    text = out.read_text(encoding="utf-8")
    if fmt == "json":
        profs = json.loads(text)
    elif fmt == "jsonl":
        profs = [json.loads(line) for line in text.splitlines()]
    elif fmt == "csv":
        rows = list(csv.DictReader(text.splitlines()))
        assert tuple(rows[0]) == row_columns() and [r["doc"] for r in rows] == ["chonggu_2024", "p003"]
        return
    else:
        assert text.splitlines()[1].startswith("chonggu_2024") and len(text.splitlines()) == 3
        return
    assert [p["doc"] for p in profs] == ["chonggu_2024", "p003"]
    for p in profs:
        check_profile(p)


def test_xlsx_has_reports_units_figures_and_failures(tmp_path):
    from openpyxl import load_workbook

    out = tmp_path / "a.xlsx"
    bad = tmp_path / "bad.doc"
    bad.write_bytes(b"x")
    assert main(["profile", str(EXAMPLE), str(bad), "--format", "xlsx", "-o", str(out), "-q"]) == 1
    wb = load_workbook(out)
    assert wb.sheetnames == ["reports", "units", "figures", "failed"]
    reports = list(wb["reports"].values)
    assert reports[0][0] == "doc" and len(reports) == 2
    assert {reports[1][reports[0].index(k)] for k in PARTS} <= {"✓", "~", "✗"}
    assert wb["reports"].freeze_panes == "B2" and wb["reports"].auto_filter.ref
    n_units = len(lawgov_nlp.label_file(EXAMPLE))
    assert len(list(wb["units"].values)) == n_units + 1
    assert "bad.doc" in list(wb["failed"].values)[1][0]


def test_directory_jsonl_input_failures_and_resume(tmp_path, capsys):
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_text(EXAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
    (src / "b.jsonl").write_text("\n".join(json.dumps({"doc": d, "idx": i, "text": t}, ensure_ascii=False)
                                           for d in ("u1", "u2") for i, t in enumerate(["二、存在的不足", "人员不足。"])),
                                 encoding="utf-8")
    (src / "c.txt").write_bytes(b"\x00\x01\x02" * 100)
    out = tmp_path / "p.jsonl"
    assert main(["profile", str(src), "--format", "jsonl", "-o", str(out), "-q"]) == 1
    recs = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["doc"] for r in recs] == ["a", "u1", "u2", "c"] and "error" in recs[3]
    assert recs[1]["parts"]["problems"]["units"] == [0, 1]
    # resume: nothing already profiled is redone or lost; the failure is retried
    (src / "c.txt").write_text("一、主要举措和成效\n办理案件3件。", encoding="utf-8")
    (src / "d.txt").write_text("三、下一步工作安排\n将加强培训。", encoding="utf-8")
    assert main(["profile", str(src), "--format", "jsonl", "-o", str(out), "--resume", "-q"]) == 0
    again = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["doc"] for r in again] == ["a", "u1", "u2", "c", "d"] and not any("error" in r for r in again)
    assert again[:3] == recs[:3]


def test_bad_input_is_one_clear_line(tmp_path, capsys):
    assert main(["profile", str(tmp_path / "missing.txt")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[0] == f"lawgov: error: {tmp_path / 'missing.txt'}: no such file"
    assert main(["profile", str(EXAMPLE), "--deadline", "4/1"]) == 2
    assert "MM-DD" in capsys.readouterr().err
    assert main(["profile", str(EXAMPLE), "--format", "xlsx"]) == 2


def test_html_directory_has_index_and_pages(tmp_path):
    out = tmp_path / "site"
    assert main(["profile", str(EXAMPLE), str(TRAD), "--format", "html", "-o", str(out), "-q", "--jobs", "1"]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["chonggu_2024.html", "index.html", "p003.html"]
    index = (out / "index.html").read_text(encoding="utf-8")
    assert 'href="chonggu_2024.html"' in index and "http" not in index.replace('href="', "")
    page = (out / "p003.html").read_text(encoding="utf-8")
    assert "<script src" not in page and "<link" not in page and "http://" not in page and "https://" not in page


def test_label_level_paragraph_and_section_cover_every_unit(capsys):
    n = len(lawgov_nlp.label_file(EXAMPLE))
    for level in ("paragraph", "section"):
        assert main(["label", str(EXAMPLE), "--level", level]) == 0
        blocks = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
        covered = [i for b in blocks for i in b["units"]]
        assert covered == list(range(n)) and all(b["level"] == level for b in blocks)
        assert len(blocks) < n


def test_installed_cli_profiles_stdin():
    env = {k: v for k, v in os.environ.items() if k != "LAWGOV_MODEL"}
    proc = subprocess.run([sys.executable, "-m", "lawgov_nlp", "profile", "--format", "jsonl"],
                          input=EXAMPLE.read_bytes(), capture_output=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr.decode()
    prof = json.loads(proc.stdout)
    check_profile(prof)
    assert prof["doc"] == "stdin"
