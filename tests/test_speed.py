"""What the report does to be fast must not change what it computes or prints."""

from __future__ import annotations

import dataclasses
import pickle

from eduwb.analysis import resources
from eduwb.data.dataset import load
from eduwb.report import layout as pdf
from eduwb.standards import load_standard

TABLE = (
    "<table><thead><tr><th>学校</th><th>值</th></tr></thead><tbody>"
    '<tr><td style="text-align:left;white-space:nowrap">甲</td>'
    '<td class="num" style="text-align:right;background-color:#f8d7da;color:#842029">1.5</td></tr>'
    '<tr><td style="text-align:left;white-space:nowrap">乙</td>'
    "<td style=\"font-family:'x'\">2.5</td></tr>"
    "</tbody></table>"
)


def test_cell_styles_become_classes_before_the_report_rules():
    html = pdf.cell_styles_as_classes(
        f"<html><head><style>\nbody {{}}\n</style></head><body>{TABLE}</body></html>"
    )
    assert html.count('class="eduwb-cs1"') == 2  # one class per distinct style
    assert '<td class="eduwb-cs2 num">1.5</td>' in html
    assert "<td style=\"font-family:'x'\">2.5</td>" in html  # quotes: left inline
    head = html.split("</style>")[0]
    assert ".eduwb-cs1 { text-align:left !important; white-space:nowrap !important }" in head
    assert head.index("eduwb-cs2") < head.index("body {}")  # the report's own rules come after


def test_cell_styles_as_classes_print_the_same_pdf(tmp_path):
    html = (
        f"<html><head><style>\ntd.num {{ text-align: left; }}\n</style></head><body>{TABLE * 3}</body></html>"
    )
    pdf.write_pdf(html, tmp_path / "inline.pdf")
    pdf.write_pdf(pdf.cell_styles_as_classes(html), tmp_path / "classes.pdf")
    assert (tmp_path / "inline.pdf").read_bytes() == (tmp_path / "classes.pdf").read_bytes()


def test_section_values_are_computed_once_per_load_and_given_as_copies():
    ds = load("data/sample")
    std = load_standard(ds.settings.standard)
    first = resources.section_values(ds, std, years=[2025])
    first.iloc[0, first.columns.get_loc("students")] = -1  # the caller's copy
    again = load("data/sample")  # another copy of the same files shares the results
    assert again.memo is ds.memo
    second = resources.section_values(again, std, years=[2025])
    assert second["students"].iloc[0] != -1
    assert len([k for k in ds.memo.results if k[0] == "section_values"]) >= 1
    # a dataset with another table computes its own, and does not keep it
    fewer = dataclasses.replace(again, sections=again.sections[again.sections["school_id"] != "4299990001"])
    assert not fewer.memo.holds(fewer)
    assert "4299990001" not in set(resources.section_values(fewer, std, years=[2025])["school_id"])
    assert "4299990001" in set(resources.section_values(again, std, years=[2025])["school_id"])
    # a pickled dataset (sent to a worker) starts with no results
    assert pickle.loads(pickle.dumps(again)).memo.results == {}
