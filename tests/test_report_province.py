"""The province report (``eduwb report … --province NAME``): notebooks by scope, the province job,
and end to end on a small generated province with the real notebook 04_province."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from eduwb import report
from eduwb.data.sample import write_sample
from eduwb.errors import ParameterError
from eduwb.report import command, jobs

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
PROVINCE_NOTEBOOK = NOTEBOOKS / "04_province.ipynb"
FIXTURE_COUNTY_NOTEBOOK = Path(__file__).parent / "fixtures" / "notebooks" / "01_overview.ipynb"


def pdf_text(path: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


@pytest.fixture(scope="module")
def small_province(tmp_path_factory):
    """Three small counties (advanced, improving, typical) with 2021–2024."""
    out = tmp_path_factory.mktemp("province") / "示例省"
    write_sample(out, counties=3, schools=20, years=(2021, 2024), workers=1)
    return out


# ---- fast: which notebook is what ------------------------------------------------------------
def test_notebook_04_is_a_province_notebook_and_the_others_are_not():
    scopes = {nb.name: command.notebook_scope(nb) for nb in sorted(NOTEBOOKS.glob(command.NOTEBOOK_PATTERN))}
    assert scopes.pop("04_province.ipynb") == jobs.PROVINCE_SCOPE
    assert set(scopes.values()) == {"county"} and len(scopes) >= 4


def test_province_notebooks_are_never_county_chapters(monkeypatch):
    monkeypatch.delenv("EDUWB_NOTEBOOKS_DIR", raising=False)
    options = command.prepare_options(province="示例省")
    assert [Path(s.path).name for s in options.province_notebooks] == ["04_province.ipynb"]
    assert "04_province.ipynb" not in [Path(s.path).name for s in options.notebooks]
    assert options.province_notebooks[0].parameters == ("data", "year", "lang", "interactive")
    # without --province the province notebook is simply not run …
    assert command.prepare_options().province_notebooks == ()
    # … and asking for it alone without --province is a usage error
    with pytest.raises(ParameterError, match="--province"):
        command.prepare_options(notebooks=["04_province"])
    with pytest.raises(ParameterError, match="no province notebook"):
        command.prepare_options(notebooks=[str(FIXTURE_COUNTY_NOTEBOOK)], province="示例省")
    with pytest.raises(ParameterError, match="folder"):
        command.prepare_options(province="a/b")


def test_a_province_job_passes_every_county_to_the_notebook():
    spec = jobs.NotebookSpec(
        str(PROVINCE_NOTEBOOK), ("data", "year", "lang", "interactive"), jobs.PROVINCE_SCOPE
    )
    job = jobs.ReportJob(
        data=("/d/甲县", "/d/乙县"), county="示例省", year=2024, out_dir="/o/示例省/2024", lang="zh",
        standard=None, standard_used="moe-2017", notebooks=(spec,), data_files=(), fingerprint="f",
    )  # fmt: skip
    assert job.parameters_for(spec) == {
        "data": ["/d/甲县", "/d/乙县"],
        "year": 2024,
        "lang": "zh",
        "interactive": False,
    }
    assert job.report_path.name == "示例省_2024_省级汇总报告.pdf"
    assert job.tables_path.name == "示例省_2024_省级汇总_tables.xlsx"


def test_plan_province_leaves_out_refused_counties_and_years_without_data(tmp_path):
    province_spec = jobs.NotebookSpec(str(PROVINCE_NOTEBOOK), ("data", "year"), "province")
    options = jobs.RunOptions(out=str(tmp_path), lang="zh", standard=None, notebooks=(), province="示例省",
                              province_notebooks=(province_spec,))  # fmt: skip
    good = jobs.CountyPlan("/d/a", "甲县", [], [], (2023, 2024), (("schools.csv", 1, "aa"),), "moe-2017")
    young = jobs.CountyPlan("/d/b", "乙县", [], [], (2024,), (("schools.csv", 1, "bb"),), "moe-2017")
    broken = jobs.CountyPlan(
        "/d/c", "丙县", [], [jobs.ReportResult("丙县", None, "failed", 0.0, "invalid data:\nrow 2")]
    )
    twin = jobs.CountyPlan("/d/d", "甲县", [], [], (2024,), (("schools.csv", 1, "dd"),), "moe-2017")
    planned, results = jobs.plan_province([good, young, broken, twin], None, options)
    assert [j.year for j in planned] == [2023, 2024] and results == []
    y2023, y2024 = planned
    assert y2023.data == ("/d/a",) and y2024.data == ("/d/a", "/d/b")
    assert ("丙县", "invalid data:") in y2024.excluded and ("乙县", "没有 2023 年的数据") in y2023.excluded
    assert any(county == "甲县" and "another county" in why for county, why in y2024.excluded)
    assert y2023.fingerprint != y2024.fingerprint
    assert jobs.plan_province([broken], None, options)[1][0].status == "failed"


# ---- slow: real province reports -------------------------------------------------------------
@pytest.mark.slow
def test_province_report_alone_then_up_to_date(small_province, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    out = tmp_path / "reports"
    code = report.report_command([str(small_province)], years="2024", out=str(out), workers=1,
                                 notebooks=["04_province"], province="示例省")  # fmt: skip
    printed = capsys.readouterr().out
    assert code == 0, printed
    folder = out / "示例省" / "2024"
    pdf = folder / "示例省_2024_省级汇总报告.pdf"
    xlsx = folder / "示例省_2024_省级汇总_tables.xlsx"
    assert pdf.is_file() and xlsx.is_file()
    assert sorted(p.name for p in (folder / "notebooks").iterdir()) == ["04_province.ipynb"]
    assert not (out / "示例县01").exists()  # no county report was asked for

    # the cover counts the counties by readiness, computed here from each county's verdict
    from eduwb.analysis.scorecard import verdict_table
    from eduwb.data.dataset import load
    from eduwb.standards import load_standard

    std = load_standard("moe-2017")
    verdicts = {
        p.name: verdict_table(load(p), std, year=2024).iloc[-1]["verdict"]
        for p in sorted(small_province.iterdir())
    }
    passing = sum(v == "pass" for v in verdicts.values())
    text = pdf_text(pdf)
    cover = "".join(text.split("\f")[0].split())
    assert f"3个县（区）中，{passing}个达到优质均衡标准" in cover
    flat = "".join(text.split())
    assert "目录" in flat and "附录" in flat and "纳入汇总的县（区）" in flat and "申报准备度" in flat
    assert "按县查看" not in flat  # the county picker is for Jupyter only
    for county in verdicts:
        assert county in flat
    teachers = pd.concat(
        pd.read_csv(p / "teachers.csv", dtype=str)["teacher_id"] for p in small_province.iterdir()
    )
    assert not [t for t in teachers.unique()[:2000] if t in text]

    from openpyxl import load_workbook

    wb = load_workbook(xlsx)
    sheet = wb["2024年各县（区）距离认定的排序"]
    header = [c.value for c in sheet[1]]
    rows = [dict(zip(header, r, strict=True)) for r in sheet.iter_rows(min_row=2, values_only=True)]
    assert {r["县（区）"]: r["结论"] for r in rows} == {
        c: {"pass": "通过", "fail": "未通过"}[v] for c, v in verdicts.items()
    }
    sidecar = json.loads((folder / "report.json").read_text(encoding="utf-8"))
    assert sidecar["status"] == "ok" and len(sidecar["data"]) == 3

    before = pdf.stat().st_mtime_ns
    assert report.report_command([str(small_province)], years="2024", out=str(out), workers=1,
                                 notebooks=["04_province"], province="示例省") == 0  # fmt: skip
    assert "up-to-date" in capsys.readouterr().out and pdf.stat().st_mtime_ns == before


@pytest.mark.slow
def test_county_reports_and_the_province_report_in_one_run(small_province, tmp_path, monkeypatch, capsys):
    """County chapters from a fixture notebook, the province notebook for the province; a broken
    county fails its own report and is named in the province report's appendix."""
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    data = tmp_path / "data"
    shutil.copytree(small_province, data)
    sections = pd.read_csv(data / "示例县03" / "sections.csv", dtype=str)
    sections.loc[0, "students"] = "-5"
    sections.to_csv(data / "示例县03" / "sections.csv", index=False)
    out = tmp_path / "reports"
    code = report.report_command([str(data / d) for d in ("示例县01", "示例县02", "示例县03")], years="2024",
                                 out=str(out), workers=2,
                                 notebooks=[str(FIXTURE_COUNTY_NOTEBOOK), "04_province"],
                                 province="示例省")  # fmt: skip
    printed = capsys.readouterr().out
    assert code == 1, printed  # the broken county fails
    assert "示例县03" in printed and "invalid data" in printed
    for county in ("示例县01", "示例县02"):
        folder = out / county / "2024"
        assert (folder / f"{county}_2024_优质均衡监测报告.pdf").is_file()
        assert sorted(p.name for p in (folder / "notebooks").iterdir()) == ["01_overview.ipynb"]
    pdf = out / "示例省" / "2024" / "示例省_2024_省级汇总报告.pdf"
    assert pdf.is_file()
    flat = "".join(pdf_text(pdf).split())
    assert "未纳入汇总的县（区）" in flat and "2个县（区）中" in flat
