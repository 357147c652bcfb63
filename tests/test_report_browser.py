"""The HTML view in a real headless browser (Debian's chromium, driven by selenium).

Every unit must be on the page and tinted with its function's colour, and the
checklist must be the profile's. Pages: the example report, the
traditional-script report and a very long report. With CI=true a missing
chromium is a failure, not a skip (see the README's contributor notes).
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

import lawgov_nlp
from lawgov_nlp.profile import PARTS, profile_predictions
from lawgov_nlp.report_html import COLOURS, report_page

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"


def _rgb(hex_colour: str) -> str:
    h = hex_colour.lstrip("#")
    return "rgb({}, {}, {})".format(*(int(h[i:i + 2], 16) for i in (0, 2, 4)))


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    missing = [p for p in (CHROMIUM, CHROMEDRIVER) if not Path(p).exists()]
    if missing:
        message = f"chromium not installed ({', '.join(missing)}): apt-get install -y chromium chromium-driver"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1200,1600",
                 f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}"):
        opts.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=opts)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


def _render(browser, tmp_path, preds, name):
    prof = profile_predictions(preds)
    page = tmp_path / f"{name}.html"
    page.write_text(report_page(prof, preds), encoding="utf-8")
    browser.get(page.as_uri())
    return prof


def _check_page(browser, prof, preds):
    # One script call reads the whole page back (a round trip per unit would take minutes on a long report).
    got = browser.execute_script("""
        var us = document.querySelectorAll('#text .u'), out = [];
        for (var i = 0; i < us.length; i++) {
          out.push([us[i].getAttribute('data-idx'), us[i].getAttribute('data-function'),
                    us[i].getAttribute('data-topics'), getComputedStyle(us[i]).backgroundColor,
                    us[i].textContent, us[i].getAttribute('title')]);
        }
        var rows = document.querySelectorAll('#checklist tr[data-part]'), parts = {};
        for (var j = 0; j < rows.length; j++) parts[rows[j].getAttribute('data-part')] = rows[j].getAttribute('data-status');
        return {units: out, parts: parts};""")
    assert [int(u[0]) for u in got["units"]] == [p.idx for p in preds]  # every unit, in order
    for (idx, function, topics, colour, text, title), p in zip(got["units"], preds):
        assert function == p.function and colour == _rgb(COLOURS[p.function]), (idx, colour)
        assert topics.split() == list(p.topics)
        assert text.startswith(p.text) and title.startswith(f"#{p.idx} {p.function}")
    assert got["parts"] == {k: prof["parts"][k]["status"] for k in PARTS}


def test_example_page(browser, tmp_path):
    preds = lawgov_nlp.label_file(ROOT / "examples" / "chonggu_2024.txt")
    prof = _render(browser, tmp_path, preds, "example")
    _check_page(browser, prof, preds)
    shot = tmp_path / "example.png"
    assert browser.save_screenshot(str(shot)) and shot.stat().st_size > 10_000
    # The filter hides every unit of other functions.
    from selenium.webdriver.support.ui import Select

    Select(browser.find_element("id", "filter")).select_by_value("function:problem")
    hidden = browser.execute_script(
        "return Array.from(document.querySelectorAll('#text .u')).map(u => u.classList.contains('hidden'))")
    assert hidden == [p.function != "problem" for p in preds]


def test_traditional_script_page(browser, tmp_path):
    preds = lawgov_nlp.label_file(ROOT / "corpora" / "raw" / "p003.txt")
    prof = _render(browser, tmp_path, preds, "traditional")
    _check_page(browser, prof, preds)
    assert "法治政府建設" in browser.find_element("id", "title").text


def test_very_long_page(browser, tmp_path):
    text = (ROOT / "corpora" / "raw" / "001_6ad3d41dcde242a3.txt").read_text(encoding="utf-8")
    preds = lawgov_nlp.label_text("\n".join([text] * 6), doc="long")
    assert len(preds) > 1500
    prof = _render(browser, tmp_path, preds, "long")
    _check_page(browser, prof, preds)
