import csv
import io
import json

import pytest

from lawgov_nlp.aggregate import summarize
from lawgov_nlp.export import Writer
from lawgov_nlp.records import Prediction

P = [Prediction("d", 0, "全年公开信息12条。", 0, 10, ("一、成效",), "achievement",
                {"achievement": 0.9, "plan": 0.1}, ("disclosure",), {"disclosure": 0.8}),
     Prediction("d", 1, "将继续。", 10, 14, ("一、成效",), "plan", {}, ())]


def test_jsonl_round_trips():
    buf = io.StringIO()
    Writer(buf, "jsonl").write(P)
    rows = [json.loads(x) for x in buf.getvalue().splitlines()]
    assert rows[0]["topics"] == ["disclosure"] and rows[0]["section"] == ["一、成效"] and rows[1]["function"] == "plan"


@pytest.mark.parametrize("fmt,delim", [("csv", ","), ("tsv", "\t")])
def test_delimited(fmt, delim):
    buf = io.StringIO()
    Writer(buf, fmt).write(P)
    rows = list(csv.DictReader(io.StringIO(buf.getvalue()), delimiter=delim))
    assert rows[0]["topics"] == "disclosure" and rows[0]["p_achievement"] == "0.9" and rows[1]["text"] == "将继续。"


def test_table_is_readable():
    buf = io.StringIO()
    Writer(buf, "table").write(P)
    assert "achievement" in buf.getvalue() and "disclosure" in buf.getvalue()


def test_unknown_format():
    with pytest.raises(ValueError, match="unknown output format 'xml'"):
        Writer(io.StringIO(), "xml")


def test_summary_counts():
    (row,) = summarize(P)
    assert row["units"] == 2 and row["function"]["plan"] == 1 and row["topics"]["disclosure"] == 1
