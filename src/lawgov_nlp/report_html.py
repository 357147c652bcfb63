"""The HTML view of a profiled report, and the index page of an archive.

One self-contained page per report: no network, no CDN, inline CSS and JS
only. The checklist and key figures come first, then the report's text with
every unit tinted by function and marked with its topics, a legend, and a
filter to show one function or topic; hovering a unit shows its scores.
Elements carry ``data-`` attributes (``data-idx``, ``data-function``,
``data-topics``, ``data-part``/``data-status``) so tests and tools can read
the page back.
"""
from __future__ import annotations

import html
import json
from collections.abc import Sequence
from typing import Any

from .labels import FUNCTIONS, TOPICS
from .profile import PARTS, profile_row
from .records import Prediction

COLOURS = {"achievement": "#cdeccf", "problem": "#f8c9cc", "cause": "#ffd9a8", "plan": "#cfe0ff", "other": "#e4e4e4"}
TOPIC_MARKS = {"disclosure": "公开", "enforcement": "执法", "reconsideration": "复议"}
PART_NAMES = {
    "achievements": "(1) 主要举措和成效", "problems": "(2) 存在的不足", "causes": "(2) 不足的原因",
    "duty": "(3) 第一责任人履职情况", "plans": "(4) 下一年度主要安排", "other": "(5) 其他需要报告的情况",
}
STATUS_MARKS = {"present": "✓", "mentioned": "~", "missing": "✗"}

_CSS = """
body{font-family:"Noto Sans CJK SC","Source Han Sans SC","Microsoft YaHei",sans-serif;margin:0 auto;max-width:62em;
padding:1em 1.5em;line-height:1.7;color:#222}
h1{font-size:1.35em;margin:.3em 0} h2{font-size:1.1em;margin:1.2em 0 .4em}
table{border-collapse:collapse;font-size:.9em} td,th{border:1px solid #ccc;padding:.15em .5em;text-align:left;vertical-align:top}
.present{color:#176b2c;font-weight:bold} .mentioned{color:#9a6400;font-weight:bold} .missing{color:#b3261e;font-weight:bold}
.u{border-radius:3px;padding:1px 1px;cursor:help} .u.hidden{opacity:.12}
""" + "".join(f".f-{f}{{background:{c}}}\n" for f, c in COLOURS.items()) + """
.tp{font-size:.65em;vertical-align:super;border:1px solid #555;border-radius:3px;padding:0 2px;margin-left:1px;color:#333}
.tp-disclosure{background:#fff3a0} .tp-enforcement{background:#c8f0ff} .tp-reconsideration{background:#f0d0ff}
#legend span{margin-right:.8em;padding:0 .4em} #controls{position:sticky;top:0;background:#fff;padding:.4em 0;border-bottom:1px solid #ddd}
p.para{margin:.35em 0} .figs{font-size:.85em;color:#444} .kv td:first-child{color:#555}
"""

_JS = """
(function(){
  var sel=document.getElementById('filter');
  function apply(){
    var v=sel.value, kind=v.split(':')[0], val=v.split(':')[1];
    var us=document.querySelectorAll('.u');
    for(var i=0;i<us.length;i++){
      var u=us[i], show=true;
      if(kind==='function'){show=u.getAttribute('data-function')===val;}
      else if(kind==='topic'){show=(' '+u.getAttribute('data-topics')+' ').indexOf(' '+val+' ')>=0;}
      u.classList.toggle('hidden',!show);
    }
  }
  sel.addEventListener('change',apply);
  apply();
})();
"""


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _fmt(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.0%}" if value <= 1 else f"{value:.2f}"
    return str(value)


def _page(title: str, body: str, script: str = "") -> str:
    return ("<!DOCTYPE html>\n<html lang=\"zh\"><head><meta charset=\"utf-8\">"
            f"<meta name=\"viewport\" content=\"width=device-width\"><title>{_e(title)}</title>"
            f"<style>{_CSS}</style></head><body>\n{body}\n"
            + (f"<script>{script}</script>" if script else "") + "</body></html>\n")


def checklist_html(profile: dict[str, Any]) -> str:
    """The checklist table: one row per mandated part with its status, heading, share and units."""
    rows = []
    for key in PARTS:
        part = profile["parts"][key]
        units = part["units"]
        shown = ", ".join(map(str, units[:12])) + (" …" if len(units) > 12 else "")
        rows.append(
            f"<tr data-part=\"{key}\" data-status=\"{part['status']}\"><td>{_e(PART_NAMES[key])}</td>"
            f"<td class=\"{part['status']}\">{STATUS_MARKS[part['status']]} {part['status']}</td>"
            f"<td>{_e(part['heading'] or '')}</td><td>{part['share']:.0%}</td><td>{_e(shown)}</td></tr>")
    return ("<table id=\"checklist\"><tr><th>part</th><th>status</th><th>heading</th><th>share</th><th>units</th></tr>"
            + "".join(rows) + "</table>")


def key_figures_html(profile: dict[str, Any]) -> str:
    bal = profile["balance"]
    cand, conc, plans, tl = profile["candour"], profile["concreteness"], profile["plans"], profile["timeliness"]
    items = [
        ("document kind", profile["doc_kind"]),
        ("issuer", profile["issuer"]), ("year reported on", profile["year"]),
        ("published", profile["published"]),
        ("timeliness", f"{tl['status']} (deadline {tl['deadline'] or '–'}"
                       + (f", {tl['days_late']} days late)" if tl["status"] == "late" else ")")),
        ("units / characters", f"{profile['units']} / {profile['chars']}"),
        ("parts in order", f"{' > '.join(profile['order']) or '–'} ({'yes' if profile['in_order'] else 'no'})"),
        ("problems per achievement", _fmt(bal["problems_per_achievement"])),
        ("specific problems", f"{_fmt(cand['specific_share'])} of {cand['problem_units']}"
                              f" (stock phrases {_fmt(cand['stock_share'])})"),
        ("causes given", "yes" if cand["causes_given"] else "no"),
        ("concrete achievements", f"{_fmt(conc['concrete_share'])} of {conc['achievement_units']}"),
        ("figures extracted", len(profile["figures"])),
        ("plan items", f"{len(plans['items'])}, measurable {_fmt(plans['measurable_share'])}"),
    ] + [(f"topic {t}", f"{len(profile['topics'][t]['units'])} units, "
                        f"{len(profile['topics'][t]['by_function']['problem'])} problems") for t in TOPICS]
    return ("<table class=\"kv\" id=\"figures\">"
            + "".join(f"<tr><td>{_e(k)}</td><td>{_e(v)}</td></tr>" for k, v in items) + "</table>")


def _legend() -> str:
    fs = "".join(f"<span class=\"f-{f}\" data-legend=\"{f}\">{f}</span>" for f in FUNCTIONS)
    ts = "".join(f"<span><sup class=\"tp tp-{t}\">{TOPIC_MARKS[t]}</sup> {t}</span>" for t in TOPICS)
    opts = "<option value=\"all:\">all units</option>" + "".join(
        f"<option value=\"function:{f}\">function: {f}</option>" for f in FUNCTIONS) + "".join(
        f"<option value=\"topic:{t}\">topic: {t}</option>" for t in TOPICS)
    return (f"<div id=\"controls\"><span id=\"legend\">{fs} {ts}</span> "
            f"<label>show <select id=\"filter\">{opts}</select></label></div>")


def _unit_span(p: Prediction) -> str:
    scores = ", ".join(f"{f} {p.function_scores.get(f, 0.0):.2f}" for f in FUNCTIONS)
    tscores = ", ".join(f"{t} {p.topic_scores.get(t, 0.0):.2f}" for t in TOPICS)
    tip = f"#{p.idx} {p.function} | {scores} | topics: {tscores}"
    marks = "".join(f"<sup class=\"tp tp-{t}\">{TOPIC_MARKS.get(t, t)}</sup>" for t in p.topics)
    covered = getattr(p, "units", None)
    extra = f" data-units=\"{' '.join(map(str, covered))}\"" if covered else ""
    return (f"<span class=\"u f-{p.function}\" data-idx=\"{p.idx}\" data-function=\"{p.function}\" "
            f"data-topics=\"{' '.join(p.topics)}\"{extra} title=\"{_e(tip)}\">{_e(p.text)}{marks}</span>")


def report_page(profile: dict[str, Any], predictions: Sequence[Prediction], *, level: str = "sentence",
                index_href: str | None = None) -> str:
    """The whole HTML page of one report (a string)."""
    from .levels import aggregate, paragraphs

    shown = aggregate(predictions, level)
    if level == "sentence":
        paras = [[shown[i] for i in para] for para in paragraphs(shown)]
    else:
        paras = [[b] for b in shown]
    text = "\n".join(f"<p class=\"para\">{''.join(_unit_span(p) for p in para)}</p>" for para in paras)
    figures = ", ".join(f"{_e(f['text'])}<sub>#{f['idx']}</sub>" for f in profile["figures"])
    title = profile["title"] or profile["doc"]
    back = f"<p><a href=\"{_e(index_href)}\">← all reports</a></p>" if index_href else ""
    body = (f"{back}<h1 id=\"title\">{_e(title)}</h1>"
            f"<p>document <code>{_e(profile['doc'])}</code> · level <code id=\"level\">{_e(level)}</code></p>"
            f"<h2>Checklist</h2>{checklist_html(profile)}<h2>Key figures</h2>{key_figures_html(profile)}"
            f"<h2>Figures extracted ({len(profile['figures'])})</h2><p class=\"figs\" id=\"figure-list\">{figures or '–'}</p>"
            f"<h2>Text</h2>{_legend()}<div id=\"text\" data-units=\"{len(shown)}\">\n{text}\n</div>"
            f"<script type=\"application/json\" id=\"profile-data\">{_json_for_script(profile)}</script>")
    return _page(str(title), body, _JS)


def _json_for_script(obj: Any) -> str:
    # "</" would end the script element early.
    return json.dumps(obj, ensure_ascii=False).replace("</", "<\\/")


ARCHIVE_COLUMNS = ("doc", "title", "issuer", "year", "published", "doc_kind", *PARTS, "problems_per_achievement",
                   "problem_specific_share", "achievement_concrete_share", "figures", "plan_items", "timeliness")


def index_page(profiles: Sequence[dict[str, Any]], hrefs: dict[str, str], failures: Sequence[str] = ()) -> str:
    """The archive's index: one row per report, linking its page; failed inputs listed with the reason."""
    head = "".join(f"<th>{_e(c)}</th>" for c in ARCHIVE_COLUMNS)
    rows = []
    for prof in profiles:
        row = profile_row(prof)
        cells = []
        for c in ARCHIVE_COLUMNS:
            v = row.get(c)
            if c == "doc" and prof["doc"] in hrefs:
                cells.append(f"<td><a href=\"{_e(hrefs[prof['doc']])}\">{_e(v)}</a></td>")
            elif c in PARTS:
                cells.append(f"<td class=\"{v}\" data-part=\"{c}\" data-status=\"{v}\">{STATUS_MARKS[v]}</td>")
            else:
                cells.append(f"<td>{_e(_fmt(v) if isinstance(v, float) else v)}</td>")
        rows.append(f"<tr data-doc=\"{_e(prof['doc'])}\">{''.join(cells)}</tr>")
    failed = "".join(f"<li>{_e(f)}</li>" for f in failures)
    body = (f"<h1>Profiles of {len(profiles)} report(s)</h1><p>✓ present · ~ mentioned only · ✗ missing</p>"
            f"<table id=\"archive\"><tr>{head}</tr>{''.join(rows)}</table>"
            + (f"<h2>Not read ({len(failures)})</h2><ul id=\"failures\">{failed}</ul>" if failures else ""))
    return _page("lawgov profiles", body)
