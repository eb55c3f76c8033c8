"""Every data rule has its Chinese (issue #23): the catalogue, the call sites and the bad-input corpus.

A rule text the catalogue (``eduwb/data/rulewords.py``) cannot translate prints in English
only; these tests fail for it, naming the text and where it is written.
"""

from __future__ import annotations

import ast
import itertools
import re
import shutil
import tomllib
from pathlib import Path

import pytest

from eduwb.data import rulewords
from eduwb.data.dataset import load
from eduwb.errors import DataError, Problem, ProblemList
from eduwb.standards import load_standard

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "eduwb"
CORPUS = Path(__file__).parent / "bad_inputs"
CJK = re.compile(r"[\u4e00-\u9fff]")

#: call → position of its rule argument (``rule=`` is read too)
RULE_ARGUMENT = {"Problem": 4, "report": 3, "add_rows": 5, "_add_failing": 5, "XlsxRefused": 0}
#: variables that hold a rule before it is passed on (``rule = "must be a number"``), in the loader
RULE_NAMES = {"rule", "low"}
LOADER = {
    f"eduwb/data/{name}.py"
    for name in ("dataset", "read", "parse", "crosscheck", "settings", "xlsx", "limits", "province")
}
#: files whose ``rule=`` or calls are not data-rule texts, or whose rules are written in both languages
NOT_RULES = {
    "eduwb/data/schema.py",  # Column.rule: the dictionary's descriptions, with their own rule_zh
    "eduwb/analysis/scorecard.py",  # rule= is a balance rule, not a problem
}
BILINGUAL_IN_PLACE = "eduwb/data/importers/"  # statistics-form importers write "中文 English" rules
#: rules made of a message checked on its own: ``file {exc}`` takes a FileRefused text (read below)
COMPOSED = {"file {exc}"}


def _renderings(node: ast.expr) -> list[str] | None:
    """The text of a literal rule, with each formatted part as a number, nothing, or a rule (every mix)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if not isinstance(node, ast.JoinedStr):
        return None
    holes = sum(not isinstance(v, ast.Constant) for v in node.values)
    out = []
    for fills in itertools.product(("1", "", "must be a number"), repeat=holes):
        given = iter(fills)
        out.append("".join(v.value if isinstance(v, ast.Constant) else next(given) for v in node.values))
    return out


def _written_rules() -> list[tuple[str, int, ast.expr, str]]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if rel in NOT_RULES or rel.startswith(BILINGUAL_IN_PLACE):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                func = node.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
                args = (
                    [node.args[RULE_ARGUMENT[name]]] if len(node.args) > RULE_ARGUMENT.get(name, 99) else []
                )
                args += [k.value for k in node.keywords if k.arg == "rule"]
                for arg in args:
                    for part in [arg.body, arg.orelse] if isinstance(arg, ast.IfExp) else [arg]:
                        found.append((rel, node.lineno, part, ""))
            elif (
                rel in LOADER
                and isinstance(node, ast.Assign)
                and any(isinstance(t, ast.Name) and t.id in RULE_NAMES for t in node.targets)
            ):
                value = node.value
                for part in [value.body, value.orelse] if isinstance(value, ast.IfExp) else [value]:
                    found.append((rel, node.lineno, part, ""))
            elif isinstance(node, ast.FunctionDef) and node.name == "_valid_name":
                found += [
                    (rel, r.lineno, r.value, "")
                    for r in ast.walk(node)
                    if isinstance(r, ast.Return) and r.value
                ]
            elif isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
                if getattr(node.exc.func, "id", None) == "FileRefused" and node.exc.args:
                    found.append((rel, node.lineno, node.exc.args[0], "file "))
    return found


def test_the_call_sites_are_found():
    texts = [_renderings(part) for _, _, part, _ in _written_rules()]
    assert sum(t is not None for t in texts) > 80


@pytest.mark.parametrize(
    "where, line, node, prefix", _written_rules(), ids=lambda v: v if isinstance(v, str) else ""
)
def test_every_rule_written_has_chinese(where, line, node, prefix):
    texts = _renderings(node)
    if texts is None:
        return  # a rule passed through a variable: the corpus test below reads it
    if isinstance(node, ast.JoinedStr) and ast.unparse(node) in {f"f{k!r}" for k in COMPOSED}:
        return
    texts = [prefix + t for t in texts]
    assert any(rulewords.zh(t) for t in texts), f"{where}:{line}: no Chinese for {texts[0]!r}"


def _corpus_problems() -> list[Problem]:
    out = []
    for case in sorted(p for p in CORPUS.iterdir() if (p / "expected.toml").is_file()):
        expected = tomllib.loads((case / "expected.toml").read_text(encoding="utf-8"))
        try:
            out += load(case / expected.get("data", "."), cache=False).warnings
        except DataError as exc:
            out += exc.problems
    return out


def test_every_problem_of_the_bad_input_corpus_has_chinese():
    problems = _corpus_problems()
    assert len(problems) > 70
    missing = sorted({p.rule for p in problems if p.rule_zh() is None})
    assert missing == []
    for p in problems:
        line = str(p)
        chinese, english = line.split(" / error: " if p.severity == "error" else " / warning: ", 1)
        assert chinese.startswith(("错误：", "警告：")) and english
        assert p.english() in line


def test_each_template_carries_the_same_parts_into_chinese():
    for english, chinese in rulewords.RULES.items():
        parts = re.findall(r"\{(\w+)\}", english)
        assert sorted(set(parts)) == sorted(set(re.findall(r"\{(\w+)\}", chinese))), english
        assert CJK.search(chinese), english


def test_a_problem_prints_chinese_then_english():
    """The words of the issue's example, written out by hand."""
    p = Problem("sections.csv", 6, "students", 0, "must be > 0")
    assert str(p) == (
        "错误：sections.csv 第 6 行 “students” 列：值 0：必须 > 0 / "
        "error: sections.csv, row 6, column 'students': value 0: must be > 0"
    )
    sheet = Problem("s.xlsx [sheet classes]", 3, "grade", "x", "must be a whole number", "warning")
    assert str(sheet).startswith(
        "警告：s.xlsx [工作表 classes] 第 3 行 “grade” 列：值 'x'：必须是整数 / warning: "
    )


def test_a_rule_without_chinese_prints_in_english_only():
    p = Problem("a.csv", 2, "x", 1, "a rule nobody translated")
    assert str(p) == "error: a.csv, row 2, column 'x': value 1: a rule nobody translated"


def test_the_counted_lines_are_translated_with_their_rule():
    problems = ProblemList(per_rule=1, total=2)
    for row in range(2, 6):
        problems.append(Problem("a.csv", row, "students", 0, "must be > 0"))
    problems.append(Problem("a.csv", 2, "teachers", "x", "must be a number"))
    problems.append(Problem("a.csv", 2, "classes", "x", "must be a number"))
    lines = [str(p) for p in problems.finished()]
    assert "错误：a.csv “students” 列：必须 > 0——另有 3 处同类问题，未列出 / error: " in lines[2]
    assert lines[-1].startswith("错误：a.csv：列出 2 个问题后停止：另有 1 个未列出；")


def test_a_plausibility_hint_is_given_in_chinese(tmp_path):
    """Equipment written in 万元 (200 for 2,000,000 元): the warning's hint is the standard's own hint_zh."""
    county = tmp_path / "county"
    shutil.copytree(Path(__file__).parent / "fixtures" / "tiny", county)
    facilities = county / "facilities.csv"
    lines = facilities.read_text(encoding="utf-8").splitlines()
    assert lines[1].startswith("S01,2024,,5400,500,7000,2000000,")
    lines[1] = lines[1].replace(",2000000,", ",200,")
    facilities.write_text("\n".join(lines) + "\n", encoding="utf-8")
    warnings = load(county, cache=False).warnings
    r6 = next(i for i in load_standard("moe-2017").indicators if i.id == "R6")
    (warning,) = [w for w in warnings if "R6" in w.rule]
    assert str(warning).startswith(f"警告：facilities.csv 第 2 行 “{warning.column}” 列：")
    assert f"：{r6.plausible['hint_zh']} / warning: " in str(warning)


def test_templates_have_fixed_text_between_their_parts():
    """The splitter needs a fixed text between two parts (``{a}{b}`` could split anywhere)."""
    for english in [*rulewords.RULES, *rulewords.VALUES]:
        assert not re.search(r"\}\{", english), english


def test_a_part_may_hold_the_next_fixed_text():
    """Parts are cut at the first fitting split; a part named twice must repeat the same text."""
    rule = "implausible R1 生均 (plausible a (plausible ≥ 10 元/生)"
    assert rulewords.zh(rule) == "R1 生均 不合常理（合理范围 a (plausible ≥ 10 元/生）"
    assert rulewords.zh("column 'a' appears twice (also as 'b' appears twice (also as 'c')") == (
        "“a”列出现两次（另一处写作“b' appears twice (also as 'c”）"
    )
    assert rulewords.zh("must fall in the 2024–2025 school year (2023-01-01 to 2025-08-31)") is None


def test_hostile_rule_and_value_texts_are_left_in_english():
    """A rule or value longer than the catalogue translates prints as it is (English only)."""
    long_rule = "not valid TOML: " + "x" * rulewords.LONGEST_TRANSLATED
    assert rulewords.zh(long_rule) is None
    value = " here, " * 1_000 + " in classes"
    assert rulewords.value_zh(value) == value
    assert str(Problem("a.csv", 2, "x", 1, long_rule)).startswith("error: a.csv, row 2")
