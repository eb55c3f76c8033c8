"""One number, one year, one rule: what a report says agrees with its tables (slow: builds reports).

Each test builds real reports (the notebooks 00–03 executed, the PDF laid out, the workbook
written) and reads them back the way a reader would:

* **the year rule** — a 2023 report of the sample has no row dated after 2023 in any sheet;
* **consistency** — the figures that appear in more than one chapter (the verdict, the failing
  indicators, the CVs, the schools passing, the G11 ratio, the class-size counts) are equal
  wherever they appear: cover, scorecard, resource, class-size and rotation chapters;
* **the display rule** — in every table of every chapter, a number judged against a limit in
  its row (or the standard's threshold) is never shown on the other side of it; for the
  boundary county 边界县 (``tests/boundary.py``: a CV of 0.5004 against 0.50, a value of 2.3977
  against 2.4) the exact displays are checked where those figures appear;
* **privacy and paths** — no per-school count of 1 or 2 teachers, no teacher id, no absolute
  path of this machine in the PDF, the workbook or the kept notebooks;
* **every shipped standard runs** — moe-2017, moe-2017 with the 2019 relaxations, moe-2012 (its
  eight CVs computed) and a province file extending moe-2017.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from boundary import make_boundary_county

from eduwb import numbers, report
from eduwb.present.words import column_label
from eduwb.standards import load_standard

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"
EPOCH = "1767225600"  # 2026-01-01
STD = load_standard("moe-2017")
STAGE_NAMES = {"小学": "primary", "初中": "junior"}


# ----------------------------------------------------------------------------- building and reading


def build(data: list[Path], out: Path, years: str, monkeypatch, **kw) -> dict[tuple[str, int], Path]:
    """Run ``eduwb report`` (one worker, pinned dates); return each report's folder by (county, year)."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    monkeypatch.delenv("EDUWB_NOTEBOOKS_DIR", raising=False)
    monkeypatch.chdir(ROOT)  # paths in outputs are relative to the working folder
    assert report.report_command([str(d) for d in data], years=years, out=str(out), workers=1, **kw) == 0
    return {(c.name, int(y.name)): y for c in out.iterdir() if c.is_dir() for y in c.iterdir() if y.is_dir()}


def workbook(folder: Path) -> list[dict]:
    """Every sheet of a report's workbook: its command (from the index), title and rows."""
    from openpyxl import load_workbook

    (xlsx,) = folder.glob("*_tables.xlsx")
    wb = load_workbook(xlsx, read_only=True)
    index = list(wb[wb.sheetnames[0]].iter_rows(values_only=True))
    sheets = []
    for _no, sheet, title, chapter, command in index[1:]:
        rows = list(wb[sheet].iter_rows(values_only=True))
        sheets.append(
            {
                "command": command,
                "title": title,
                "chapter": chapter,
                "frame": pd.DataFrame(rows[1:], columns=rows[0]),
            }
        )
    return sheets


def sheet(sheets: list[dict], command: str, title_has: str = "") -> pd.DataFrame:
    found = [s["frame"] for s in sheets if s["command"] == command and title_has in s["title"]]
    assert found, f"no sheet from {command!r} ({title_has!r}); have {[s['command'] for s in sheets]}"
    return found[0]


def pdf_text(folder: Path) -> str:
    (pdf,) = folder.glob("*.pdf")
    return subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout


def shown_tables(folder: Path):
    """Every table of every kept notebook: (notebook, payload, shown cell texts row by row)."""
    for nb_path in sorted((folder / "notebooks").glob("*.ipynb")):
        nb = json.loads(nb_path.read_text(encoding="utf-8"))
        for cell in nb["cells"]:
            for output in cell.get("outputs", []):
                data = output.get("data", {})
                payload = data.get("application/vnd.eduwb.table+json")
                if payload is None:
                    continue
                yield nb_path.stem, payload, payload["view"]["rows"]


def ids(cell: object) -> str:
    """A comma-joined id list as read back from the workbook (an empty cell is no id)."""
    return "" if cell is None or (isinstance(cell, float) and cell != cell) else str(cell)


def as_number(text: str) -> float | None:
    try:
        return float(text.replace(",", "").rstrip("%"))
    except ValueError:
        return None


# ----------------------------------------------------------------------------- the checks


def check_year_rule(sheets: list[dict], year: int) -> int:
    """No sheet has a row dated after ``year`` (the data's years: 学年 and the ledger's years)."""
    dated = [
        column_label(c, "zh")
        for c in ("year", "registered_year", "last_seen_year", "closed_year", "evaluated_year")
    ]
    checked = 0
    for s in sheets:
        frame = s["frame"]
        for label in [c for c in frame.columns if c in dated]:
            values = pd.to_numeric(frame[label], errors="coerce").dropna()
            assert (values <= year).all(), f"{s['title']}: {label} has {sorted(set(values[values > year]))}"
            checked += len(values)
        later = [c for c in frame.columns if re.fullmatch(r"(\d{4})年", str(c)) and int(str(c)[:4]) > year]
        assert not later, f"{s['title']}: columns for later years {later}"
    return checked


def check_display(folder: Path, std) -> int:
    """In every shown table, numbers judged against a limit are on the same side of it as their
    unrounded value (the payload beside the HTML holds the unrounded numbers)."""
    pairs = {
        column_label(value, "zh"): [(column_label(limit, "zh"), op) for limit, op in limits]
        for value, limits in numbers.PAIRED_LIMITS.items()
    }
    thresholds = {
        ind.id: {s: ind.threshold_for(s) for s in std.stages}
        for ind in std.resource_indicators
        if ind.threshold is not None
    }
    rule = std.school_rule
    checked = 0
    for name, payload, rows in shown_tables(folder):
        columns = payload["columns"]
        where = {c: i for i, c in enumerate(columns)}
        for raw, shown in zip(payload["data"], rows, strict=False):
            assert len(shown) == len(columns), name
            judged = []
            for col, limits in pairs.items():
                if col in where:
                    judged += [(col, raw[where[limit]], op) for limit, op in limits if limit in where]
            stage = STAGE_NAMES.get(raw[where["学段"]]) if "学段" in where else None
            for ind, by_stage in thresholds.items():
                if ind in where and stage is not None:
                    judged.append((ind, by_stage[stage], ">="))
            if "最弱指标达标比" in where and rule is not None:
                judged += [
                    ("最弱指标达标比", float(rule["min_ratio_rest"]), ">="),
                    ("最弱指标达标比", 1.0, ">="),
                ]
            for col, limit, op in judged:
                value = raw[where[col]]
                if (
                    not isinstance(value, int | float)
                    or isinstance(value, bool)
                    or not isinstance(limit, int | float)
                ):
                    continue  # missing, text (already localised), or nothing to judge against
                text = shown[where[col]]
                number = as_number(text)
                assert number is not None, (name, col, text)
                if numbers.reaches(value, limit, op):
                    ok = number >= limit if op == ">=" else number <= limit
                else:
                    ok = number < limit if op == ">=" else number > limit
                assert ok, f"{name}: {col} {value!r} shown as {text!r} against {op} {limit}"
                checked += 1
    return checked


def check_consistency(folder: Path, year: int) -> None:
    """The figures that appear in more than one chapter are equal wherever they appear."""
    sheets = workbook(folder)
    cover = pdf_text(folder).split("\f")[0]
    card = sheet(sheets, "eduwb table scorecard").set_index("指标")
    verdicts = sheet(sheets, "eduwb table verdict")
    this = verdicts[verdicts["学年"] == year].iloc[0]

    # the verdict and the failing indicators: cover = verdict table = scorecard = dimensions
    failing = [i for i, status in card["状态"].items() if status == "未达标"]
    assert ids(this["未达标指标"]) == ",".join(failing)
    cover_flat = "".join(cover.split())
    if failing:
        assert "未达标指标：" + "、".join(failing) in cover_flat
    label = {
        "未通过": "未达到优质均衡标准",
        "通过": "达到优质均衡标准",
        "尚不能认定": "数据不全，暂不能认定",
    }[this["结论"]]
    assert f"总体结论：{label}" in cover_flat
    dims = sheet(sheets, "eduwb table dimensions").set_index("名称")
    for dim in ("资源配置", "政府保障程度", "教育质量", "社会认可度"):
        assert dims.loc[dim, "状态"] == this[dim]
    missing = [i for i, status in card["状态"].items() if status == "缺数据"]
    assert ids(this["缺数据"]) == ",".join(missing)

    # the CVs: balance table = scorecard evidence = plan summary; composite = summary
    balance = sheet(sheets, "eduwb table balance")
    summary = sheet(sheets, "eduwb table resources_summary").set_index("学段")
    plan = sheet(sheets, "eduwb table plan_summary").set_index(["学段", "指标"])
    for _, r in balance.iterrows():
        if r["指标"] == "综合差异系数":
            assert summary.loc[r["学段"], "综合差异系数"] == pytest.approx(r["差异系数"], rel=1e-12)
            continue
        shown = numbers.number(r["差异系数"], 3, [(r["限值"], "<=")])
        over = "（超限）" if r["是否达标"] is False else ""
        assert f"{r['学段']} {shown}{over}" in card.loc[r["指标"], "依据"], (r["指标"], r["学段"], shown)
        assert plan.loc[(r["学段"], r["指标"]), "差异系数"] == pytest.approx(r["差异系数"], rel=1e-12)
        assert plan.loc[(r["学段"], r["指标"]), "限值"] == r["限值"]
    over_limit = balance[(balance["指标"] != "综合差异系数") & (balance["是否达标"] == False)]  # noqa: E712
    for stage, n in summary["超限差异系数项数"].items():
        assert n == int((over_limit["学段"] == stage).sum())

    # the schools passing the per-school rule: summary = compliance = plan overview = scorecard
    compliance = sheet(sheets, "eduwb table compliance")
    overview = sheet(sheets, "eduwb table plan_overview").set_index("学段")
    for stage, r in summary.iterrows():
        rows = compliance[compliance["学段"] == stage]
        assert r["学校（学段）数"] == len(rows) == overview.loc[stage, "学校（学段）数"]
        assert r["达标学校数"] == int((rows["是否达标"] == True).sum()) == overview.loc[stage, "达标学校数"]  # noqa: E712
    sections = int(summary["学校（学段）数"].sum())
    for ind in ("R1", "R2", "R3", "R4", "R5", "R6", "R7"):
        assert card.loc[ind, "数值"].endswith(f"/{sections}")

    # G11: the rotation chapter's ratio and backbone share = the scorecard's
    rotation = sheet(sheets, "eduwb table rotation")
    row = rotation[rotation["学年"] == year].iloc[0]
    assert card.loc["G11", "数值"] == f"{row['交流轮岗比例']}（骨干 {row['骨干教师占比']}）"

    # class sizes: the class-size chapter's counts = G5's evidence; school sizes = G4's
    classes = sheet(sheets, "eduwb table classsize", "各年各学段")
    now = classes[classes["学年"] == year]
    total = int(now["班级数"].sum())
    over = int(now[["超标准班额", "大班额", "超大班额"]].to_numpy().sum())
    assert f"共 {total} 个班，{over} 个班超过标准班额" in card.loc["G5", "依据"]
    assert card.loc["G5", "数值"] == f"{total - over}/{total}"
    sizes = sheet(sheets, "eduwb table schoolsize")
    judged = sizes[sizes["纳入判定"] == True]  # noqa: E712
    ok = int((judged["是否达标"] == True).sum())  # noqa: E712
    assert card.loc["G4", "数值"] == f"{ok}/{len(judged)}"


def check_privacy_and_paths(folder: Path, *absolute: Path) -> None:
    """No per-school count of 1–2 teachers, no teacher id and no absolute path in any output."""
    sheets = workbook(folder)
    counts = [
        column_label(c, "zh")
        for c in (
            "eligible",
            "rotated",
            "backbone_rotated",
            "received",
            "backbone_received",
            "teachers",
            "not_trained",
            "not_certified",
            "trained",
            "certified",
        )
    ]
    per_school = [
        s
        for s in sheets
        if s["command"] in ("eduwb table rotation --by school", "eduwb table teacher_quality --by school")
    ]
    assert per_school
    for s in per_school:
        for label in [c for c in s["frame"].columns if c in counts]:
            assert not s["frame"][label].isin([1, 2]).any(), (s["title"], label)
    ids = set(pd.read_csv(SAMPLE / "teachers.csv", dtype=str, usecols=["teacher_id"])["teacher_id"])
    texts = [pdf_text(folder)] + [
        p.read_text(encoding="utf-8") for p in (folder / "notebooks").glob("*.ipynb")
    ]
    texts += [" ".join(map(str, s["frame"].astype(str).to_numpy().ravel())) for s in sheets]
    for text in texts:
        assert not set(re.findall(r"T\d{6,}", text)) & ids
        for path in absolute:
            assert str(path) not in text and json.dumps(str(path), ensure_ascii=False)[1:-1] not in text


# ----------------------------------------------------------------------------- the tests


def test_sample_reports_keep_to_their_year_and_agree_with_themselves(tmp_path, monkeypatch):
    folders = build([SAMPLE], tmp_path / "reports", "2023-2024", monkeypatch)
    # 2023: nothing after 2023 in any sheet (the sample runs to 2025)
    assert check_year_rule(workbook(folders[("示例县", 2023)]), 2023) > 100
    flat = "".join(pdf_text(folders[("示例县", 2023)]).split())
    assert "统计时点2023年9月1日" in flat  # the default 统计时点, not the files' date
    for y in (2023, 2024):
        check_consistency(folders[("示例县", y)], y)
        assert check_display(folders[("示例县", y)], STD) > 200
        check_privacy_and_paths(folders[("示例县", y)], ROOT, tmp_path)
    # the appendix and the kept notebooks name the data relative to the working folder
    folder = folders[("示例县", 2024)]
    assert "data/sample" in pdf_text(folder)
    nb = json.loads((folder / "notebooks" / "03_teacher_rotation.ipynb").read_text(encoding="utf-8"))
    assert nb["metadata"]["papermill"]["parameters"]["data"] == "data/sample"


def test_boundary_county_shows_what_its_decisions_say(tmp_path, monkeypatch):
    county = make_boundary_county(tmp_path / "边界县")
    relaxed = tmp_path / "过渡县"
    shutil.copytree(SAMPLE, relaxed)
    toml = (relaxed / "county.toml").read_text(encoding="utf-8")
    toml = toml.replace('name = "示例县"', 'name = "过渡县"').replace(
        "relaxations_2019 = false", "relaxations_2019 = true"
    )
    (relaxed / "county.toml").write_text(toml, encoding="utf-8")
    folders = build([county, relaxed], tmp_path / "reports", "2024", monkeypatch)

    folder = folders[("边界县", 2024)]
    check_consistency(folder, 2024)
    assert check_display(folder, STD) > 200
    check_privacy_and_paths(folder, ROOT, tmp_path)
    flat = "".join(pdf_text(folder).split())
    assert "统计时点2024年9月30日" in flat  # county.toml [statistics_dates]
    assert "边界县(SHA-256" in flat  # outside the working folder: its name and checksum

    # the primary R5 CV, 0.50037, is over 0.50: "0.5004" wherever it appears, never "0.500"
    sheets = workbook(folder)
    card = sheet(sheets, "eduwb table scorecard").set_index("指标")
    assert "差异系数 小学 0.5004（超限）" in card.loc["R5", "依据"] and card.loc["R5", "状态"] == "未达标"
    seen = {"balance": 0, "plan_summary": 0, "indicators": 0, "gaps": 0, "plan": 0}
    for _name, payload, rows in shown_tables(folder):
        if payload["name"] not in seen:
            continue
        where = {c: i for i, c in enumerate(payload["columns"])}
        for raw, shown in zip(payload["data"], rows, strict=False):
            if (
                payload["name"] in ("balance", "plan_summary")
                and raw[where["指标"]] == "R5"
                and raw[where["学段"]] == "小学"
            ):
                assert shown[where["差异系数"]] == "0.5004"
                seen[payload["name"]] += 1
            if raw[where["学校名称"]] == "城关第一初级中学" if "学校名称" in where else False:
                if payload["name"] == "indicators":
                    assert shown[where["R7"]] == "2.398"  # 2.3977 < 2.4: not "2.40"
                    seen["indicators"] += 1
                elif raw[where["指标"]] == "R7":
                    assert shown[where["数值"]] == "2.398" and shown[where["标准值"]] == "2.40"
                    seen[payload["name"]] += 1
    assert all(seen.values()), seen
    assert "0.5004" in flat

    # the 2019 relaxations run end to end and say where they applied
    relaxed_card = sheet(workbook(folders[("过渡县", 2024)]), "eduwb table scorecard").set_index("指标")
    assert (
        "2019年过渡政策" in relaxed_card.loc["G4", "依据"]
        or "2019年过渡政策" in relaxed_card.loc["G3", "依据"]
    )


def test_moe_2012_report_computes_its_eight_cvs(tmp_path, monkeypatch):
    folders = build([SAMPLE], tmp_path / "reports", "2024", monkeypatch, standard="moe-2012")
    folder = folders[("示例县", 2024)]
    sheets = workbook(folder)
    card = sheet(sheets, "eduwb table scorecard")
    assert card["指标"].tolist() == [f"B{i}" for i in range(1, 9)]
    assert set(card["状态"]) <= {"达标", "未达标"}  # eight CVs computed: none missing
    assert all(re.fullmatch(r"小学 0\.\d{3}、初中 0\.\d{3}", v) for v in card["数值"])
    composite = sheet(sheets, "eduwb table balance")
    composite = composite[composite["指标"] == "综合差异系数"].set_index("学段")
    assert composite["限值"].to_dict() == {"小学": 0.65, "初中": 0.55}
    assert check_year_rule(sheets, 2024) > 0


def test_province_standard_file_runs_and_is_named_without_its_path(tmp_path, monkeypatch):
    province = tmp_path / "province" / "示例省-2023.toml"
    province.parent.mkdir()
    province.write_text(
        'extends = "moe-2017"\nid = "shili-2023"\nname_zh = "示例省优质均衡评估细则（2023）"\n'
        'name_en = "Example province rules (2023)"\n\n[[indicators]]\nid '
        '= "R6"\nthreshold = { primary = 2200, junior = 2600 }\n',
        encoding="utf-8",
    )
    folders = build([SAMPLE], tmp_path / "reports", "2024", monkeypatch, standard=str(province))
    folder = folders[("示例县", 2024)]
    sheets = workbook(folder)
    thresholds = sheet(sheets, "eduwb table thresholds --param lang=zh").set_index("指标")
    assert (thresholds.loc["R6", "小学标准值"], thresholds.loc["R6", "初中标准值"]) == (2200, 2600)
    check_consistency(folder, 2024)
    assert check_display(folder, load_standard(str(province))) > 200
    check_privacy_and_paths(folder, ROOT, tmp_path)
    flat = "".join(pdf_text(folder).split())
    assert "示例省-2023.toml(SHA-256" in flat and "示例省优质均衡评估细则（2023）" in flat
