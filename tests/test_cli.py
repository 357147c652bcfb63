"""The installed ``lawgov`` console script, run as a user runs it (a subprocess)."""
from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys

import pytest

from tests.conftest import CORPUS, ROOT, SEED_REPORT


def run(cmd, *args, input=None, cwd=None, env=None):
    return subprocess.run([cmd, *map(str, args)], input=input, capture_output=True, cwd=cwd, env=env, timeout=600)


def test_help_does_not_import_heavy_libraries():
    code = ("import sys; from lawgov_nlp import cli\n"
            "try:\n    cli.main(['--help'])\nexcept SystemExit:\n    pass\n"
            "print([m for m in ('sklearn', 'jieba', 'datasets') if m in sys.modules], file=sys.stderr)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stderr.strip().endswith("[]")


def test_label_seed_reports_from_any_directory(lawgov_cmd, tmp_path, clean_env):
    seeds = sorted((CORPUS / "raw").glob("00*.txt"))
    r = run(lawgov_cmd, "label", *seeds, cwd=tmp_path, env=clean_env)
    assert r.returncode == 0, r.stderr.decode()
    recs = [json.loads(line) for line in r.stdout.decode().splitlines()]
    gold = {p.stem: sum(1 for _ in open(CORPUS / "gold" / f"{p.stem}.jsonl", encoding="utf-8")) for p in seeds}
    for doc, n in gold.items():
        got = [x for x in recs if x["doc"] == doc]
        assert [x["idx"] for x in got] == list(range(n))  # every unit labelled, in order
    assert {"doc", "idx", "text", "start", "end", "section", "function", "function_scores",
            "topics", "topic_scores"} <= set(recs[0])


def test_python_dash_m_works_too(tmp_path):
    r = subprocess.run([sys.executable, "-m", "lawgov_nlp", "label", SEED_REPORT, "--format", "tsv"],
                       capture_output=True, cwd=tmp_path)
    assert r.returncode == 0
    rows = list(csv.reader(io.StringIO(r.stdout.decode()), delimiter="\t"))
    assert rows[0][:5] == ["doc", "idx", "start", "end", "function"] and len(rows) > 50


def test_jsonl_units_keep_doc_and_idx(lawgov_cmd):
    lines = [{"doc": "x", "idx": 10, "text": "二、存在的不足"}, {"doc": "x", "idx": 11, "text": "人员不足。"},
             {"doc": "y", "idx": 0, "text": "将加强政务公开。"}]
    data = "".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines).encode()
    r = run(lawgov_cmd, "label", "--input-format", "jsonl", input=data)
    assert r.returncode == 0, r.stderr.decode()
    out = [json.loads(line) for line in r.stdout.decode().splitlines()]
    assert [(o["doc"], o["idx"]) for o in out] == [("x", 10), ("x", 11), ("y", 0)]
    assert out[1]["section"] == ["二、存在的不足"]
    # auto-detected from stdin too
    assert run(lawgov_cmd, "label", input=data).stdout == r.stdout


def test_stdin_text_and_formats(lawgov_cmd):
    text = SEED_REPORT.read_bytes()
    for fmt in ("jsonl", "csv", "tsv", "table"):
        r = run(lawgov_cmd, "label", "-", "--format", fmt, input=text)
        assert r.returncode == 0 and len(r.stdout.decode().splitlines()) > 50, fmt


def test_summary_counts_per_document(lawgov_cmd):
    r = run(lawgov_cmd, "label", SEED_REPORT, "--summary")
    (row,) = [json.loads(x) for x in r.stdout.decode().splitlines()]
    assert row["units"] == sum(row["function"].values()) and row["units"] > 50
    assert row["doc_kind"] == "annual_report" and 0.5 < row["doc_kind_score"] <= 1


def test_every_unit_carries_its_documents_kind(lawgov_cmd, tmp_path):
    from lawgov_nlp.labels import KINDS

    plan = tmp_path / "plan.txt"
    plan.write_text("关于印发2025年法治政府建设工作要点的通知\n各乡镇人民政府，县政府各部门：\n"
                    "现将《2025年法治政府建设工作要点》印发给你们，请认真贯彻执行。\n一、总体要求\n"
                    "持续深化法治政府建设。\n二、主要任务\n（一）深化政务公开。\n推进决策公开。\n"
                    "（二）严格规范公正文明执法。\n全面推行行政执法三项制度。\n", encoding="utf-8")
    r = run(lawgov_cmd, "label", ROOT / "examples" / "chonggu_2024.txt", plan, "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(r.stdout.decode())))
    by_doc = {}
    for row in rows:
        assert row["doc_kind"] in KINDS and 0 < float(row["p_doc_kind"]) <= 1
        by_doc.setdefault(row["doc"], set()).add(row["doc_kind"])
    assert by_doc == {"chonggu_2024": {"annual_report"}, "plan": {"plan"}}


@pytest.mark.parametrize("args,message", [
    (["label", "missing.txt"], "missing.txt: no such file"),
    (["label", "--model", "nope", "x.txt"], "nope: model directory not found"),
    (["evaluate", "nowhere"], "not a corpus directory"),
])
def test_user_mistakes_are_one_line_errors(lawgov_cmd, tmp_path, args, message):
    r = run(lawgov_cmd, *args, cwd=tmp_path)
    err = r.stderr.decode()
    assert r.returncode != 0 and message in err
    assert "Traceback" not in err and len(err.strip().splitlines()) <= 3


def test_malformed_jsonl_names_the_line(lawgov_cmd):
    r = run(lawgov_cmd, "label", "--input-format", "jsonl", input=b'{"text": "a"}\n{oops\n')
    assert r.returncode != 0 and "<stdin>:2: malformed JSON" in r.stderr.decode()


def test_unpaired_surrogate_in_jsonl_is_a_clear_error(lawgov_cmd):
    r = run(lawgov_cmd, "label", "--input-format", "jsonl", input=b'{"text": "ab\\ud800c"}\n')
    err = r.stderr.decode()
    assert r.returncode == 2 and "<stdin>:1: 'text' contains an unpaired surrogate" in err
    assert "Traceback" not in err


def test_batch_keeps_going_and_reports_failures(lawgov_cmd, tmp_path):
    good = tmp_path / "good.txt"
    good.write_text("二、存在的不足\n人员不足。", encoding="utf-8")
    (tmp_path / "empty.txt").write_text("", encoding="utf-8")
    (tmp_path / "binary.txt").write_bytes(b"\x00\x01\x02" * 100)
    out = tmp_path / "out.jsonl"
    r = run(lawgov_cmd, "label", good, tmp_path / "empty.txt", tmp_path / "binary.txt", tmp_path / "gone.txt", "-o", out)
    err = r.stderr.decode()
    assert r.returncode == 1
    assert "binary.txt: binary file" in err and "gone.txt: no such file" in err and "2 of 4 input(s) failed" in err
    assert "empty.txt: no text, 0 units" in err
    assert [json.loads(x)["doc"] for x in out.read_text(encoding="utf-8").splitlines()] == ["good", "good"]


def test_output_is_written_atomically_and_resume_skips_done(lawgov_cmd, tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    for i in range(3):
        (src / f"r{i}.txt").write_text(f"一、工作成效\n全年公开信息{i + 1}条。", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    r = run(lawgov_cmd, "label", src / "r0.txt", "-o", out)
    assert r.returncode == 0 and not list(tmp_path.glob(".out.jsonl.*"))  # no temp file left behind
    first = out.read_text(encoding="utf-8")
    r = run(lawgov_cmd, "label", src, "-o", out, "--resume")
    assert r.returncode == 0
    docs = [json.loads(x)["doc"] for x in out.read_text(encoding="utf-8").splitlines()]
    assert docs == ["r0", "r0", "r1", "r1", "r2", "r2"]  # r0 kept, not duplicated
    assert out.read_text(encoding="utf-8").startswith(first)


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_jobs_give_the_same_output(lawgov_cmd, tmp_path, fmt):
    # more files than one chunk, so the worker pool is used; a bad file in the middle
    files = sorted((CORPUS / "raw").glob("p0*.txt"))[:20]
    bad = tmp_path / "m_bad.txt"
    bad.write_bytes(b"\x00\x01binary\x00" * 50)
    files.insert(10, bad)
    one = run(lawgov_cmd, "label", *files, "--format", fmt)
    two = run(lawgov_cmd, "label", *files, "--format", fmt, "--jobs", "2")
    assert one.returncode == two.returncode == 1  # some inputs failed
    assert one.stdout == two.stdout and one.stdout
    assert b"m_bad.txt" in two.stderr
    if fmt == "csv":
        assert one.stdout.decode().count("doc,idx,start") == 1  # one header


def test_info_shows_provenance(lawgov_cmd):
    r = run(lawgov_cmd, "info")
    out = r.stdout.decode()
    assert r.returncode == 0 and "sha256" in out and "macro-F1" in out and "achievement" in out


def test_train_and_evaluate_on_a_small_corpus(lawgov_cmd, tmp_path):
    import shutil

    small = tmp_path / "c"
    (small / "raw").mkdir(parents=True)
    (small / "gold").mkdir()
    for f in sorted((CORPUS / "gold").glob("*.jsonl"))[:12]:
        shutil.copy(f, small / "gold")
        shutil.copy(CORPUS / "raw" / f"{f.stem}.txt", small / "raw")
    r = run(lawgov_cmd, "train", small, "-o", tmp_path / "m", "--eval-folds", "3")
    assert r.returncode == 0, r.stderr.decode()
    assert "macro-F1" in r.stdout.decode()
    r = run(lawgov_cmd, "label", SEED_REPORT, "--model", tmp_path / "m")
    assert r.returncode == 0 and r.stdout
    r = run(lawgov_cmd, "evaluate", small, "--mode", "folds", "--folds", "3", "--json")
    res = json.loads(r.stdout)
    assert res["units"] == sum(1 for f in (small / "gold").glob("*.jsonl") for _ in open(f, encoding="utf-8"))
    assert 0 <= res["function_macro_f1"] <= 1
    r = run(lawgov_cmd, "evaluate", small, "--mode", "model", "--model", tmp_path / "m")
    assert r.returncode != 0 and "would not be held out" in r.stderr.decode()


def test_directory_without_reports(lawgov_cmd, tmp_path):
    (tmp_path / "notes.xlsx").write_bytes(b"PK")
    r = run(lawgov_cmd, "label", tmp_path)
    err = r.stderr.decode()
    assert r.returncode == 2 and "directory contains no readable reports" in err and "1 of 1 input(s) failed" in err


def test_stdin_over_the_size_limit_is_refused(lawgov_cmd):
    data = ('{"doc": "a", "idx": 0, "text": "' + "政" * 400_000 + '"}\n').encode()
    r = run(lawgov_cmd, "label", "--max-size", "1", input=data)
    assert r.returncode == 2 and "<stdin>: input is over the 1 MB limit" in r.stderr.decode()


@pytest.mark.parametrize("case", ["directory", "under a file", "input is output", "inside an input directory"])
def test_output_path_errors_come_before_any_work(lawgov_cmd, tmp_path, case):
    src = tmp_path / "in"
    src.mkdir()
    (src / "r.txt").write_text("一、工作成效\n全年公开信息12条。", encoding="utf-8")
    (src / "u.jsonl").write_text('{"doc": "u", "idx": 0, "text": "人员不足。"}\n', encoding="utf-8")
    (tmp_path / "afile").write_text("x", encoding="utf-8")
    inputs, out, message = {
        "directory": ([src / "r.txt"], tmp_path, "is a directory; -o needs a file name"),
        "under a file": ([src / "r.txt"], tmp_path / "afile" / "out.jsonl", "cannot create its directory"),
        "input is output": ([src / "r.txt", src / "u.jsonl"], src / "u.jsonl", "is also an input"),
        "inside an input directory": ([src], src / "out.jsonl", "is inside the input directory"),
    }[case]
    before = sorted(p.name for p in tmp_path.rglob("*"))
    # --model names no model: the output error must come first, before the model is even loaded
    r = run(lawgov_cmd, "label", *inputs, "-o", out, "--model", tmp_path / "no-model")
    err = r.stderr.decode()
    assert r.returncode == 2 and message in err, err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert sorted(p.name for p in tmp_path.rglob("*")) == before  # nothing written, nothing left


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write anywhere")
def test_unwritable_output_directory_is_refused(lawgov_cmd, tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    r = run(lawgov_cmd, "label", SEED_REPORT, "-o", locked / "out.jsonl")
    assert r.returncode == 2 and "cannot write in" in r.stderr.decode()


def test_max_unit_chars_option(lawgov_cmd, tmp_path):
    path = tmp_path / "long.txt"
    path.write_text("，".join(["政务公开工作"] * 500), encoding="utf-8")  # 3,499 characters, no 。
    # default 2,000: cut after the last ， in the window (285 clauses of 7 characters)
    counts = {}
    for args in ([], ["--max-unit-chars", "1000"], ["--max-unit-chars", "0"]):
        r = run(lawgov_cmd, "label", path, *args)
        assert r.returncode == 0, r.stderr.decode()
        counts[tuple(args)] = [len(json.loads(x)["text"]) for x in r.stdout.decode().splitlines()]
    assert counts[()] == [1995, 1504] and sum(counts[("--max-unit-chars", "1000")]) == 3499
    assert max(counts[("--max-unit-chars", "1000")]) <= 1000 and counts[("--max-unit-chars", "0")] == [3499]
    r = run(lawgov_cmd, "label", path, "--max-unit-chars", "-1")
    assert r.returncode == 2 and "--max-unit-chars must be 0" in r.stderr.decode()


@pytest.mark.parametrize("fmt", ["jsonl", "table"])
def test_label_explain_writes_explanations(lawgov_cmd, tmp_path, fmt):
    out = tmp_path / f"out.{fmt}"
    r = run(lawgov_cmd, "label", "--explain", "--format", fmt, SEED_REPORT, "-o", out)
    assert r.returncode == 0, r.stderr.decode()
    text = out.read_text(encoding="utf-8")
    if fmt == "jsonl":
        rows = [json.loads(x) for x in text.splitlines()]
        plain = [json.loads(x) for x in run(lawgov_cmd, "label", SEED_REPORT).stdout.decode().splitlines()]
        assert [r["function"] for r in rows] == [p["function"] for p in plain]
        assert all(r["explanation"]["function"]["stage2"] and r["explanation"]["function"]["label"] == r["function"]
                   for r in rows)
    else:
        assert "stage" in text and len(text.splitlines()) > 20
    assert sorted(p.name for p in tmp_path.iterdir()) == [out.name]  # no temporary file left


def test_label_explain_writes_into_a_pipe_and_refuses_an_input_as_output(lawgov_cmd, tmp_path):
    import stat
    import threading

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    r = run(lawgov_cmd, "label", "--explain", SEED_REPORT, "-o", fifo)
    reader.join(60)
    assert r.returncode == 0, r.stderr.decode()
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)  # written into, not replaced by a file
    assert got and b'"explanation"' in got[0]
    src = tmp_path / "in.txt"
    src.write_bytes(SEED_REPORT.read_bytes())
    r = run(lawgov_cmd, "label", "--explain", src, "-o", src)
    assert r.returncode == 2 and b"is also an input" in r.stderr
    assert src.read_bytes() == SEED_REPORT.read_bytes()
