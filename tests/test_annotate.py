"""Export predictions, correct them as each tool would, import them back as a corpus."""
from __future__ import annotations

import csv
import json
import subprocess

import pytest

from lawgov_nlp.annotate import apply_corrections, export, import_corrections, read_rows
from lawgov_nlp.corpus import load_documents
from lawgov_nlp.errors import InputError

REPORT = ("XX区2023年法治政府建设工作报告\n一、主要举措和成效\n全年主动公开政府信息120条。办理行政复议案件12件。\n"
          "二、存在的不足\n执法人员力量薄弱。\n三、下一步工作安排\n将进一步规范行政执法。\n")


@pytest.fixture(scope="module")
def preds(tmp_path_factory, model):
    from lawgov_nlp import label_text

    path = tmp_path_factory.mktemp("pred") / "pred.jsonl"
    rows = [p.to_dict() for doc in ("a", "b") for p in label_text(REPORT, doc=doc, model=model)]
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path, rows


def gold_of(corpus, doc):
    return [json.loads(l) for l in (corpus / "gold" / f"{doc}.jsonl").read_text(encoding="utf-8").splitlines()]


def test_xlsx_round_trip(preds, tmp_path):
    from openpyxl import load_workbook

    path, rows = preds
    f = export(path, tmp_path / "c.xlsx", "xlsx")
    wb = load_workbook(f)
    ws = wb["units"]
    assert ws.freeze_panes == "F2" and len(ws.data_validations.dataValidation) == 3
    header = [c.value for c in ws[1]]
    col = {h: i for i, h in enumerate(header)}
    for row in ws.iter_rows(min_row=2):
        if row[col["doc"]].value == "a":
            row[col["reviewed"]].value = "x"
            if row[col["idx"]].value == 4:
                row[col["function"]].value, row[col["topics"]].value = "cause", ""
    wb.save(f)
    report = import_corrections(f, tmp_path / "corp")
    assert report.corrected == 1 and report.reviewed == len([r for r in rows if r["doc"] == "a"])
    docs = {d.doc: d for d in load_documents(tmp_path / "corp")}
    assert set(docs) == {"a", "b"}
    a = gold_of(tmp_path / "corp", "a")
    assert a[4]["function"] == "cause" and a[4]["topics"] == [] and all(r["gold"] for r in a)
    assert not any(r["gold"] for r in gold_of(tmp_path / "corp", "b"))   # nobody reviewed b
    assert [r["text"] for r in a] == [r["text"] for r in rows if r["doc"] == "a"]
    assert docs["a"].units()  # the corpus loader re-segments it into the same units


def test_tsv_round_trip_with_corrections_file(preds, tmp_path):
    path, rows = preds
    f = export(path, tmp_path / "c.tsv", "tsv")
    fixes = tmp_path / "fix.tsv"
    fixes.write_text("doc\tidx\tfunction\ttopics\nb\t6\tother\tdisclosure\n", encoding="utf-8")
    assert apply_corrections(f, fixes) == 1
    report = import_corrections(f, tmp_path / "corp")
    assert report.reviewed == report.units == len(rows)
    assert gold_of(tmp_path / "corp", "b")[6]["topics"] == ["disclosure"]


def test_doccano_round_trip(preds, tmp_path):
    """doccano's JSONL export of a text-classification project: id, text, label, Comments, metadata."""
    path, rows = preds
    f = export(path, tmp_path / "c.jsonl", "doccano")
    exported = []
    for i, line in enumerate(f.read_text(encoding="utf-8").splitlines(), 1):
        r = json.loads(line)
        assert set(r) >= {"text", "label"} and isinstance(r["label"], list)
        meta = {k: v for k, v in r.items() if k not in ("text", "label")}
        if meta["doc"] == "a" and meta["idx"] == 2:
            r["label"] = ["problem", "disclosure"]
        exported.append({"id": i, "text": r["text"], "meta": meta, "label": r["label"], "Comments": []})
    f.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in exported), encoding="utf-8")
    report = import_corrections(f, tmp_path / "corp")
    a = gold_of(tmp_path / "corp", "a")
    assert a[2]["function"] == "problem" and a[2]["gold"] is True
    assert report.reviewed == 1  # doccano has no review field: only the corrected unit counts
    assert report.warnings and "half done" in report.warnings[0]
    report = import_corrections(f, tmp_path / "corp2", all_reviewed=True)
    assert report.reviewed == report.units


def test_label_studio_round_trip(preds, tmp_path):
    """Label Studio's JSON export: tasks with data, annotations (result: choices) and predictions."""
    path, rows = preds
    f = export(path, tmp_path / "c.json", "label-studio")
    assert "<Choices name=\"function\"" in (tmp_path / "c.json.label_config.xml").read_text(encoding="utf-8")
    tasks = json.loads(f.read_text(encoding="utf-8"))
    for n, t in enumerate(tasks, 1):
        t.update(id=n, meta={}, project=1, inner_id=n, total_annotations=0, cancelled_annotations=0)
        assert t["predictions"][0]["result"][0] == {
            "from_name": "function", "to_name": "text", "type": "choices",
            "value": {"choices": [t["data"]["predicted_function"]]}}
        if t["data"]["doc"] == "a":
            result = [{"id": f"r{n}", "from_name": "function", "to_name": "text", "type": "choices",
                       "origin": "manual", "value": {"choices": ["other" if t["data"]["idx"] == 0 else
                                                                t["data"]["predicted_function"]]}}]
            t["annotations"] = [{"id": n, "completed_by": 1, "result": result, "was_cancelled": False,
                                 "ground_truth": False, "lead_time": 2.5, "task": n}]
        elif t["data"]["idx"] == 1:
            t["annotations"] = [{"id": 99, "result": [], "was_cancelled": True}]
    f.write_text(json.dumps(tasks, ensure_ascii=False), encoding="utf-8")
    report = import_corrections(f, tmp_path / "corp")
    a, b = gold_of(tmp_path / "corp", "a"), gold_of(tmp_path / "corp", "b")
    assert all(r["gold"] for r in a) and a[0]["function"] == "other" and a[2]["topics"] == []  # topics cleared
    assert not any(r["gold"] for r in b)  # predictions and a cancelled annotation are not reviews
    assert report.reviewed == len(a)


@pytest.mark.parametrize("edit, match", [
    (lambda r: r.__setitem__(3, "plans"), r"row 2 \(doc a, unit 0\): unknown function 'plans'"),
    (lambda r: r.__setitem__(4, "disclosur"), r"row 2 \(doc a, unit 0\): bad topics"),
    (lambda r: r.__setitem__(10, r[10] + "改"), r"row 2 \(doc a, unit 0\): the unit's text was edited"),
])
def test_bad_rows_name_the_row(preds, tmp_path, edit, match):
    path, _ = preds
    f = export(path, tmp_path / "c.tsv", "tsv")
    table = list(csv.reader(f.open(encoding="utf-8"), delimiter="\t"))
    edit(table[1])
    with f.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, delimiter="\t", lineterminator="\n").writerows(table)
    with pytest.raises(InputError, match=match):
        import_corrections(f, tmp_path / "corp")
    assert not (tmp_path / "corp").exists()  # nothing written from a bad file


def test_missing_and_duplicate_units_and_documents(preds, tmp_path):
    path, _ = preds
    f = export(path, tmp_path / "c.tsv", "tsv")
    lines = f.read_text(encoding="utf-8").splitlines(keepends=True)
    (tmp_path / "missing.tsv").write_text("".join(lines[:3] + lines[4:]), encoding="utf-8")
    with pytest.raises(InputError, match=r"document a lacks unit\(s\) 2"):
        import_corrections(tmp_path / "missing.tsv", tmp_path / "corp")
    # the units left out are filled from the predictions, as not reviewed
    report = import_corrections(tmp_path / "missing.tsv", tmp_path / "filled", predictions=path)
    assert gold_of(tmp_path / "filled", "a")[2]["gold"] is False and report.units == len(lines) - 1
    (tmp_path / "dup.tsv").write_text("".join(lines + lines[2:3]), encoding="utf-8")
    with pytest.raises(InputError, match=r"row \d+: duplicate unit a #1 \(also row 3\)"):
        import_corrections(tmp_path / "dup.tsv", tmp_path / "corp")
    with pytest.raises(InputError, match="already in"):
        import_corrections(f, tmp_path / "filled")


def test_cli_export_import_suggest(preds, tmp_path, lawgov_cmd, clean_env):
    path, rows = preds
    out = tmp_path / "c.xlsx"
    r = subprocess.run([lawgov_cmd, "annotate", "export", str(path), "-o", str(out), "--to", "xlsx"],
                       capture_output=True, text=True, env=clean_env)
    assert r.returncode == 0 and out.is_file(), r.stderr
    r = subprocess.run([lawgov_cmd, "annotate", "import", str(out), "--corpus", str(tmp_path / "corp")],
                       capture_output=True, text=True, env=clean_env)
    assert r.returncode == 0, r.stderr
    assert f"{len(rows)} units, 0 reviewed" in r.stdout
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps([{"data": {"doc": "a", "idx": 0, "text": "x"}, "annotations": [
        {"result": [{"from_name": "function", "to_name": "text", "type": "choices", "value": {"choices": ["plan", "other"]}}]}]}]),
        encoding="utf-8")
    r = subprocess.run([lawgov_cmd, "annotate", "import", str(bad), "--corpus", str(tmp_path / "x")],
                       capture_output=True, text=True, env=clean_env)
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "task 1: expected exactly one function" in r.stderr
    r = subprocess.run([lawgov_cmd, "suggest", str(path), "-n", "3", "--json"], capture_output=True, text=True, env=clean_env)
    assert r.returncode == 0, r.stderr
    res = json.loads(r.stdout)
    assert len(res["units"]) == 3 and {d["doc"] for d in res["documents"]} == {"a", "b"}
    us = [u["uncertainty"] for u in res["units"]]
    assert us == sorted(us, reverse=True)
    r = subprocess.run([lawgov_cmd, "explain", "二、存在的不足\n执法人员力量薄弱。", "--unit", "1", "--json"],
                       capture_output=True, text=True, env=clean_env)
    assert r.returncode == 0 and json.loads(r.stdout)["explanation"]["function"]["label"] == "problem"
