"""The journal behind resumable output: commits, torn tails, locks and leftovers."""
from __future__ import annotations

import json

import pytest

from lawgov_nlp.errors import InputError, OutputError
from lawgov_nlp.journal import Journal, journal_paths, remove_stale


def rec(doc, idx=0):
    return json.dumps({"doc": doc, "idx": idx}) + "\n"


def test_committed_batches_survive_and_the_rest_is_cut(tmp_path):
    out = tmp_path / "out.jsonl"
    j = Journal(out).open()
    j.commit(rec("a") + rec("a", 1), ["/in/a.txt"])
    j.commit(rec("b"), ["/in/b.txt"])
    j.close()  # as if killed here
    part, idx = journal_paths(out)
    with part.open("ab") as fh:
        fh.write(b'{"doc": "c", "idx"')  # a torn batch after the last commit
    with idx.open("ab") as fh:
        fh.write(b'{"offset": 99')  # and a torn index line
    j = Journal(out, resume=True).open()
    assert j.done_sources == {"/in/a.txt", "/in/b.txt"} and j.n_done == 2
    assert j.dropped_bytes == len('{"doc": "c", "idx"')
    j.commit(rec("c"), ["/in/c.txt"])
    j.finish()
    assert out.read_text() == rec("a") + rec("a", 1) + rec("b") + rec("c")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.jsonl"]


def test_an_index_line_without_its_batch_is_not_a_commit(tmp_path):
    out = tmp_path / "out.jsonl"
    j = Journal(out).open()
    j.commit(rec("a"), ["/in/a.txt"])
    j.close()
    _, idx = journal_paths(out)
    with idx.open("ab") as fh:  # the index says more than the journal holds
        fh.write(json.dumps({"offset": 10_000, "sources": ["/in/b.txt"]}).encode() + b"\n")
    j = Journal(out, resume=True).open()
    assert j.done_sources == {"/in/a.txt"}
    j.close()


def test_without_resume_an_interrupted_journal_is_discarded(tmp_path):
    out = tmp_path / "out.jsonl"
    j = Journal(out).open()
    j.commit(rec("a"), ["/in/a.txt"])
    j.close()
    j = Journal(out).open()
    assert j.discarded == 1 and not j.done_sources
    j.finish()
    assert out.read_text() == ""


def test_resume_over_a_finished_output_keeps_it_and_drops_a_torn_line(tmp_path):
    out = tmp_path / "out.jsonl"
    out.write_text(rec("a") + rec("b") + '{"doc": "c", "i', encoding="utf-8")
    j = Journal(out, resume=True).open()
    assert j.done_docs == {"a", "b"} and j.n_done == 2
    j.commit(rec("c"), ["/in/c.txt"])
    j.finish()
    assert out.read_text() == rec("a") + rec("b") + rec("c")


def test_resume_over_something_else_is_refused(tmp_path):
    out = tmp_path / "out.jsonl"
    out.write_text("doc,idx\nx,0\n", encoding="utf-8")
    with pytest.raises(InputError, match="out.jsonl:1: cannot resume, not a lawgov JSONL output line"):
        Journal(out, resume=True).open()
    assert out.read_text() == "doc,idx\nx,0\n"


def test_two_runs_on_one_output_refuse_to_interleave(tmp_path):
    out = tmp_path / "out.jsonl"
    j = Journal(out).open()
    with pytest.raises(InputError, match="another lawgov run is writing this output"):
        Journal(out, resume=True).open()
    j.commit(rec("a"), ["/in/a.txt"])
    j.finish()
    assert out.read_text() == rec("a")


def test_leftovers_are_removed(tmp_path):
    out = tmp_path / "out.jsonl"
    _, idx = journal_paths(out)
    idx.write_text('{"offset": 0, "seed": true}\n')  # a run stopped between its rename and this removal
    old = tmp_path / ".out.jsonl.k2j4.part"  # the temporary file of versions before the journal
    old.write_text("x")
    assert remove_stale(out) == [idx, old] and list(tmp_path.iterdir()) == []


def test_a_failed_write_keeps_the_committed_part(tmp_path, monkeypatch):
    out = tmp_path / "out.jsonl"
    j = Journal(out).open()
    j.commit(rec("a"), ["/in/a.txt"])
    real_sync = __import__("lawgov_nlp.journal", fromlist=["_sync"])._sync

    def full(fh):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("lawgov_nlp.journal._sync", full)
    with pytest.raises(OutputError, match=r"cannot write \(No space left on device\); 1 document\(s\) are safe"):
        j.commit(rec("b") * 100, ["/in/b.txt"])
    monkeypatch.setattr("lawgov_nlp.journal._sync", real_sync)
    j.close()
    part, _ = journal_paths(out)
    assert part.read_text() == rec("a")
    j = Journal(out, resume=True).open()
    assert j.done_sources == {"/in/a.txt"}
    j.close()
