"""The ``eduwb`` command line: a thin wrapper over the package (see README.md and docs/).

    eduwb validate DATA [--annotate OUT.xlsx] [--strict]
    eduwb template OUT.xlsx [--from DATA] [--years Y] [--lang zh|en]
    eduwb schema [--format md|csv|json] [-o FILE]
    eduwb sample OUT [--seed N] [--years 2021-2025] [--schools N] [--counties N]
    eduwb standards [--standard moe-2017] [--format table|csv|json]
    eduwb table NAME DATA --year Y [--stage primary|junior] [--format table|csv|json|xlsx] [-o FILE]
    eduwb report DATA... [--years A-B] [--out reports/] [--workers N] [--lang zh|en] [--province NAME]
    eduwb import SOURCE -o OUT [--mapping jiaoji-2021|jichuji-2020|zonghe|FILE] [--year Y]
    eduwb import SOURCE --inspect [--draft-mapping OUT.toml]

Errors go to stderr, one line per problem; no traceback unless ``--debug``.
Exit codes: 0 success, 1 invalid data or failed work, 2 usage.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import traceback
from pathlib import Path

from eduwb import __version__
from eduwb.errors import DataError, EduwbError, ParameterError


def _years(text: str) -> tuple[int, int]:
    try:
        if "-" in text:
            a, b = text.split("-", 1)
            first, last = int(a), int(b)
        else:
            first = last = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"学年须形如 2021-2025 或 2024，而不是 {text!r} / years must look like 2021-2025 or 2024, not "
            f"{text!r}"
        ) from None
    if first > last:
        raise argparse.ArgumentTypeError(
            f"学年 {text!r}：起始年晚于结束年 / years {text!r}: the first year is after the last"
        )
    return first, last


def _whole(text: str, zh: str, en: str) -> int:
    """``text`` as an int, or a usage error saying it must be ``zh`` / ``en``."""
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"须是{zh}，而不是 {text!r} / must be {en}, not {text!r}") from None


def _year(text: str) -> int:
    value = _whole(text, "形如 2024 的年份", "a year like 2024")
    if not 1990 <= value <= 2100:
        raise argparse.ArgumentTypeError(
            f"须是 1990 至 2100 之间的年份，而不是 {value} / must be a year between 1990 and 2100, not "
            f"{value}"
        )
    return value


def _positive(text: str) -> int:
    value = _whole(text, "整数", "a whole number")
    if value < 1:
        raise argparse.ArgumentTypeError(f"至少为 1，而不是 {value} / must be at least 1, not {value}")
    return value


_LANG_HELP = "语言：zh 中文（默认）或 en 英文 / language: zh Chinese (default) or en English"
_STANDARD_HELP = (
    "评估标准标识或文件（默认：county.toml 所定） / standard id or file (default: the one county.toml names)"
)


def _bilingual(text: str | None) -> str | None:
    """A ``中文 / English`` description as two wrapped paragraphs, Chinese first.

    argparse wraps by characters, and a Chinese character is two columns wide: the Chinese part
    is wrapped here at 38 characters, the English at 78. A paragraph holding line breaks (a
    list) is kept as it is.
    """
    import textwrap

    if not text:
        return text
    out = []
    for paragraph in text.split("\n\n"):
        if "\n" in paragraph:
            out.append(paragraph)
        elif " / " in paragraph:
            zh, en = paragraph.split(" / ", 1)
            out.append(textwrap.fill(zh, 38) + "\n" + textwrap.fill(en, 78))
        else:
            out.append(textwrap.fill(paragraph, 78))
    return "\n\n".join(out)


def _wrap_descriptions(parser: argparse.ArgumentParser, sub) -> None:
    """Every parser's description and epilog wrapped as :func:`_bilingual` does."""
    for p in (parser, *sub.choices.values()):
        p.description, p.epilog = _bilingual(p.description), _bilingual(p.epilog)
        p.formatter_class = argparse.RawDescriptionHelpFormatter


def build_parser() -> argparse.ArgumentParser:
    """The ``eduwb`` command line: every command and its options.

    Why this is long: it is the CLI's argument list, one ``add_argument`` per option with its help
    text, command after command, as ``eduwb --help`` shows them.
    """
    from eduwb.tables import CATALOGUE, CATALOGUE_ZH

    parser = argparse.ArgumentParser(
        prog="eduwb",
        description=(
            "对照县域义务教育优质均衡标准衡量一个县的义务教育学校：检查数据、计算各表、生成年度 PDF 报告。"
            " / Measure a county's compulsory-education schools against the 县域义务教育优质均衡 "
            "standard: validate its data, compute every table, and produce the annual PDF reports."
        ),
        epilog="各命令的选项见 'eduwb 命令 --help' / Run 'eduwb COMMAND --help' for the options of a "
        "command.",
    )
    parser.add_argument("--version", action="version", version=f"eduwb {__version__}")
    parser.add_argument(
        "--debug", action="store_true", help="出错时显示完整的调用栈 / show full tracebacks on errors"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    # --debug is accepted after the command too (SUPPRESS keeps the top-level value otherwise).
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--debug",
        action="store_true",
        default=argparse.SUPPRESS,
        help="显示完整的调用栈 / show full tracebacks",
    )

    p = sub.add_parser(
        "validate",
        parents=[common],
        help="按数据字典检查县级数据 / check a county dataset against the data dictionary",
        description="检查县级数据（CSV 文件夹或 .xlsx 工作簿）：列出每个问题（文件、行、列、值、规则）并以"
        " 1 退出，或输出一行摘要并以 0 退出。 / Check a county dataset (folder of CSVs or .xlsx "
        "workbook). Prints every problem (file, row, column, value, rule) and exits 1, or a one-line "
        "summary and exits 0.",
    )
    p.add_argument("data", help="县级数据文件夹或 .xlsx 工作簿 / county folder or .xlsx workbook")
    p.add_argument("--standard", help=_STANDARD_HELP)
    p.add_argument("--strict", action="store_true", help="警告也按错误处理 / treat warnings as errors")
    p.add_argument(
        "--annotate",
        metavar="OUT.xlsx",
        help="另写一份数据副本，每个问题标在其单元格上（红：错误，黄：警告），并列在首个工作表“问题清单”中"
        "；县里的原文件不改动 / also write a copy of the data with every problem marked on its cell "
        "(red: error, amber: warning) and listed on a first sheet 问题清单; the county's own files are "
        "not changed",
    )

    p = sub.add_parser(
        "sample",
        parents=[common],
        help="写出合成的示例县（或多个县） / write the synthetic sample county (or many)",
        description="写出确定性的合成县级数据（同一种子得到相同的文件）。 / Write a deterministic "
        "synthetic county dataset (same seed → identical files).",
    )
    p.add_argument("out", help="输出文件夹 / output folder")
    p.add_argument(
        "--seed", type=int, default=2024, help="随机种子（默认 2024） / random seed (default 2024)"
    )
    p.add_argument(
        "--years",
        type=_years,
        default=(2021, 2025),
        help="学年范围，如 2021-2025（默认） / year span, e.g. 2021-2025 (default)",
    )
    p.add_argument(
        "--schools",
        type=_positive,
        default=45,
        help="每县学校数（默认 45） / schools per county (default 45)",
    )
    p.add_argument(
        "--counties",
        type=_positive,
        default=1,
        help="在 OUT 下写出 N 个县的文件夹 / write N county folders under OUT",
    )
    p.add_argument(
        "--xlsx",
        help="另把（单个）县写成此 .xlsx 工作簿，中文表头 / also write the (single) county as this .xlsx "
        "workbook with Chinese headers",
    )
    p.add_argument(
        "--as",
        dest="as_form",
        choices=("jiaoji", "jichuji", "zonghe"),
        help="改为写成教育事业统计报表：每校一个教基（2021 版）或基础基（2020 版起，真实导出版式）工作簿，"
        "或一个综合查询工作簿，供 eduwb import 使用 / write the county as the education statistics instead: "
        "per-school 教基 (2021) or 基础基 (2020 on, in a real export's layout) workbooks (a sub-folder per "
        "year), or one 综合查询 workbook (a sheet per year), for 'eduwb import'",
    )
    p.add_argument(
        "--force",
        action="store_true",
        help="覆盖已存在的非空文件夹（或 --xlsx 工作簿） / "
        "overwrite an existing folder that is not empty (or --xlsx workbook)",
    )

    p = sub.add_parser(
        "template",
        parents=[common],
        help="写出县里填报用的工作簿（可预填） / write the workbook a county fills in (optionally "
        "pre-filled)",
        description="写出待填报的 .xlsx 工作簿：说明工作表、每张表一个中文表头的工作表、每个表头的批注、下"
        "拉列表和数字检查；县级设置写到旁边的 OUT.toml。--from DATA 用已有的县级数据预填：全部行，或配合"
        " --years 只填学校名录和这些年份的行（新的一年从最近一年的数据开始）。 / Write an .xlsx "
        "workbook to fill in: a 说明 sheet, one sheet per table with Chinese headers, a comment on "
        "every header, drop-down lists and number checks; the county settings go to OUT.toml beside it. "
        "--from DATA pre-fills it from an existing county: every row, or with --years the school list "
        "and the rows of those years (a new year starts from the latest one's).",
    )
    p.add_argument("out", help="要写出的 .xlsx 工作簿 / the .xlsx workbook to write")
    p.add_argument(
        "--from",
        dest="data",
        metavar="DATA",
        help="用于预填的县级数据文件夹或 .xlsx 工作簿 / county folder or .xlsx workbook to pre-fill from",
    )
    p.add_argument(
        "--years",
        type=_years,
        help="工作簿所填的学年，如 2026 或 2025-2026 / the year(s) the workbook is for, e.g. 2026 or "
        "2025-2026",
    )
    p.add_argument("--lang", choices=("zh", "en"), default="zh", help=_LANG_HELP)
    p.add_argument(
        "--force",
        action="store_true",
        help="覆盖已存在的工作簿及其 .toml（从不覆盖 --from 读取的数据） / "
        "overwrite an existing workbook and its .toml (never the data --from reads)",
    )

    p = sub.add_parser(
        "schema",
        parents=[common],
        help="输出数据字典（每张表、每一列） / print the data dictionary (every table and column)",
        description="输出数据字典：每张表、每一列的中文表头、类型、单位、取值、规则、在教育事业统计中的来"
        "源和用到它的指标；docs/data-dictionary.md 即其 Markdown 形式。 / Print the data dictionary: "
        "every table and column with its Chinese header, type, unit, allowed values, rules, source in "
        "the education statistics and the indicators that use it. docs/data-dictionary.md is its "
        "Markdown form.",
    )
    p.add_argument("--format", choices=("md", "csv", "json"), default="md")
    p.add_argument(
        "--standard",
        default="moe-2017",
        help="列出哪个标准的指标（默认 moe-2017） / standard whose indicators are named (default moe-2017)",
    )
    p.add_argument(
        "-o", "--output", help="写到此文件而不是标准输出 / write to this file instead of standard output"
    )
    p.add_argument(
        "--force", action="store_true", help="覆盖已存在的 -o 文件 / overwrite an existing -o file"
    )

    p = sub.add_parser(
        "standards",
        parents=[common],
        help="列出一个评估标准的指标 / list the indicators of a standard",
        description="列出评估标准的每项指标及其分学段标准值。 / List every indicator of a standard with "
        "its thresholds per stage.",
    )
    p.add_argument(
        "--standard",
        default="moe-2017",
        help="内置标识（moe-2017、moe-2012）或标准文件 / built-in id (moe-2017, moe-2012) or a standard file",
    )
    p.add_argument("--format", choices=("table", "csv", "json"), default="table")
    p.add_argument("--lang", choices=("zh", "en"), default="zh", help=_LANG_HELP)

    width = max(map(len, CATALOGUE)) + 2
    names = "\n".join(
        f"  {name:<{width}}{CATALOGUE_ZH[name]}\n  {'':<{width}}{desc}"
        if name in CATALOGUE_ZH
        else f"  {name:<{width}}{desc}"
        for name, (_, _, desc) in CATALOGUE.items()
    )
    p = sub.add_parser(
        "table",
        parents=[common],
        help="计算一张表（指标、达标、均衡等） / compute one table (indicators, compliance, balance, …)",
        description="为一个县、一个学年计算 eduwb 的一张表。 / Compute one of eduwb's tables for a county "
        "and year."
        "\n\n表 tables:\n" + names,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "name", choices=list(CATALOGUE), metavar="NAME", help="表名（见上） / table name (listed above)"
    )
    p.add_argument(
        "data",
        help="县级数据文件夹或 .xlsx 工作簿（省级表为这些的文件夹） / county folder or .xlsx workbook (a "
        "folder of them for the province tables)",
    )
    p.add_argument(
        "--year",
        type=int,
        help="学年（秋季学期所在年份），默认为数据中最近一年 / school year (autumn term); default: the "
        "latest in the data",
    )
    p.add_argument("--stage", choices=("primary", "junior"), help="只看此学段 / only this stage")
    p.add_argument("--by", help="分组方式，如 school / breakdown, e.g. 'school'")
    p.add_argument("--standard", help=_STANDARD_HELP)
    p.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="分析参数，如 teacher_per_year=150000（可重复） / analysis parameter, e.g. "
        "teacher_per_year=150000 (repeatable)",
    )
    p.add_argument("--format", choices=("table", "csv", "json", "xlsx"), default="table")
    p.add_argument(
        "-o",
        "--output",
        help="写到此文件而不是标准输出（xlsx 必须） / write to this file instead of standard output "
        "(required for xlsx)",
    )
    p.add_argument(
        "--force",
        action="store_true",
        help="覆盖已存在的 -o 文件（从不覆盖所读的数据） / "
        "overwrite an existing -o file (never the data read)",
    )
    p.add_argument(
        "--no-suppress",
        action="store_true",
        help="分学校统计中显示 1、2 名教师的实数而不是“<3”（仅限局内使用，输出会注明） / show per-school "
        "counts of 1 "
        'or 2 teachers instead of "<3" (inside the bureau only; the output says so)',
    )

    p = sub.add_parser(
        "plan",
        parents=[common],
        help="达标路径：通过所需的最低费用行动 / the pathway: the least-cost actions to pass",
        description="达标路径：R1–R7、G3、G4、G5、G9、G11、G12 的全部行动、年度安排和费用；"
        "--apply 写出执行后的县数据 / "
        "The pathway: every action after which each indicator money or an administrative action can move "
        "passes, its schedule and cost; --apply writes the county folder with the actions applied.",
    )
    p.add_argument("data", help="县数据文件夹或工作簿 / county folder or .xlsx workbook")
    p.add_argument(
        "--year", type=_year, help="数据年份（默认最近一年） / the data year (default: the latest)"
    )
    p.add_argument("--standard", help="评估标准 / standard id or file (default: the one county.toml names)")
    p.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="单价或年度预算上限，如 teacher_per_year=150000、annual_budget_yuan=5e7 / "
        "a unit cost or the annual budget cap, e.g. teacher_per_year=150000",
    )
    p.add_argument(
        "--apply", action="store_true", help="写出执行路径后的县数据 / write the data after the pathway"
    )
    p.add_argument("-o", "--out", metavar="OUT", help="--apply 的输出文件夹 / the folder --apply writes")
    p.add_argument("--force", action="store_true", help="覆盖已存在的输出文件夹 / replace OUT if it exists")

    p = sub.add_parser(
        "import",
        parents=[common],
        help="把教育事业统计导入为县级数据文件夹 / import the education statistics (教育事业统计) into a "
        "county folder",
        description="读取年度教育事业统计，写出县级数据文件夹（学校名录、学段情况、办学条件），import-log."
        "md 列出读取的每个单元格和每项假设。SOURCE 是每校一个教基工作簿的文件夹（一年，或每年一个子文件"
        "夹）或一个综合查询工作簿（每年一个工作表）。发现问题时不写任何文件：逐个列出工作簿、工作表和单"
        "元格，退出码为 1。 / Read the annual education statistics and write a county folder (schools, "
        "sections, facilities) with import-log.md listing every cell read and every assumption. SOURCE "
        "is a folder of per-school 教基 workbooks (one year, or a sub-folder per year) or a 综合查询 "
        "workbook (a sheet per year). Nothing is written when a problem is found: each is listed with "
        "workbook, sheet and cell, and the exit code is 1.",
    )
    p.add_argument(
        "data",
        metavar="SOURCE",
        help="教基工作簿文件夹，或综合查询 .xlsx 工作簿 / folder of 教基 workbooks, or a 综合查询 .xlsx "
        "workbook",
    )
    p.add_argument(
        "-o",
        "--out",
        metavar="OUT",
        help="要写出的县级数据文件夹（须不存在或为空；--inspect 时不需要） / "
        "county folder to write (must not exist, or be empty); required unless --inspect",
    )
    p.add_argument(
        "--mapping",
        metavar="NAME|FILE",
        help="jiaoji-2021、jichuji-2020、zonghe 或映射文件（默认：基础基工作簿的文件夹为 "
        "jichuji-2020，其他文件夹为 jiaoji-2021，工作簿为 zonghe） / jiaoji-2021, jichuji-2020, zonghe, "
        "or a mapping file (default: jichuji-2020 for a folder of 基础基 workbooks, jiaoji-2021 for "
        "other folders, zonghe for a workbook)",
    )
    p.add_argument(
        "--year",
        type=_year,
        help="SOURCE 未注明时的学年（秋季学期所在年份） / the school year (autumn term) when SOURCE does "
        "not say it",
    )
    p.add_argument(
        "--inspect",
        action="store_true",
        help="不导入，只列出第一个工作簿中识别的表、工作表名和各表的标签网格（行号、列号） / import nothing: "
        "print the forms, sheet names and label grid (with row/column positions) of the first workbook",
    )
    p.add_argument(
        "--draft-mapping",
        metavar="OUT.toml",
        help="与 --inspect 一起用：写出一个草拟的映射文件，供省级分析人员改正后用 --mapping 导入 / with "
        "--inspect: write a draft mapping TOML for a province analyst to correct and pass to --mapping",
    )
    p.add_argument(
        "--force",
        action="store_true",
        help="替换已存在的非空 OUT 文件夹，或写在 SOURCE 文件夹之内 / "
        "replace an existing OUT folder that is not empty, or write OUT inside a SOURCE folder",
    )

    p = sub.add_parser(
        "report",
        parents=[common],
        help="生成年度 PDF 报告（及 Excel 附表） / produce the annual PDF reports (and Excel tables)",
        description="为每个县 × 学年运行全部笔记本，各汇编成一份 PDF 报告，附表为 Excel 工作簿。 / Run "
        "every notebook for each county × year and assemble one PDF report each, with the tables as an "
        "Excel workbook.",
    )
    p.add_argument(
        "data", nargs="+", help="县级数据文件夹或 .xlsx 工作簿 / county folders or .xlsx workbooks"
    )
    p.add_argument(
        "--years",
        help="学年范围，如 2021-2025（默认：数据中的每一年） / year span, e.g. 2021-2025 (default: every "
        "year in the data)",
    )
    p.add_argument(
        "--out", default="reports", help="输出文件夹（默认 reports/） / output folder (default: reports/)"
    )
    p.add_argument(
        "--workers",
        type=_positive,
        help="并行进程数（默认：CPU 核数） / parallel workers (default: the number of cores)",
    )
    p.add_argument("--lang", choices=("zh", "en"), default="zh", help=_LANG_HELP)
    p.add_argument("--standard", help=_STANDARD_HELP)
    p.add_argument(
        "--notebooks",
        type=lambda text: [name for name in text.split(",") if name],
        action="extend",
        metavar="NB[,NB…]",
        help="只运行这些笔记本，名称或路径以逗号分隔（如 00_scorecard,01_resource_gaps） / only these "
        "notebooks, comma-separated names or paths (e.g. 00_scorecard,01_resource_gaps)",
    )
    p.add_argument(
        "--scheduler",
        help="Dask 分布式调度器地址，如 tcp://10.0.0.5:8786 / address of a Dask distributed scheduler, "
        "e.g. tcp://10.0.0.5:8786",
    )
    p.add_argument(
        "--force",
        action="store_true",
        help="即使报告已是最新也重新生成 / rebuild reports even when up to date",
    )
    p.add_argument(
        "--province",
        metavar="NAME",
        help="另生成所给各县的省级汇总报告（<out>/NAME/<year>/NAME_<year>_省级汇总报告.pdf） / also make "
        "the province report of all the counties given (<out>/NAME/<year>/NAME_<year>_省级汇总报告.pdf)",
    )
    _wrap_descriptions(parser, sub)
    return parser


# ----------------------------------------------------------------------------- commands


def cmd_validate(args) -> int:
    from eduwb.data.dataset import load

    if args.annotate:
        return _validate_annotated(args)
    ds = load(args.data, standard=args.standard)
    for warning in ds.warnings:
        print(str(warning), file=sys.stderr)
    return _valid(ds, len(ds.warnings), args.strict)


def _valid(ds, warnings: int, strict: bool) -> int:
    """Exit 1 for warnings under ``--strict``; else ``通过：… / valid: …`` (what was loaded)."""
    if strict and warnings:
        print(
            f"{warnings} 个警告，且指定了 --strict：不予通过 / {warnings} warning(s) and --strict: refused",
            file=sys.stderr,
        )
        return 1
    print(f"通过：{ds.summary('zh')} / valid: {ds.summary('en')}")
    return 0


def _refused(errors: int, where: str) -> int:
    print(
        f"不予通过：{where} 中有 {errors} 个问题 / refused: {errors} problem(s) in {where}", file=sys.stderr
    )
    return 1


def _validate_annotated(args) -> int:
    from eduwb.data.annotate import annotate

    result = annotate(args.data, args.annotate, standard=args.standard)
    for problem in result.problems:
        print(str(problem), file=sys.stderr)
    errors, warnings = len(result.errors), len(result.warnings)
    marked = sum(loc.cell is not None for loc in result.located)
    n = len(result.problems)
    print(
        f"已写出标注副本：{result.path}（{n} 个问题中 {marked} 个标在单元格上） / "
        f"annotated copy: {result.path} ({marked} of {n} problem(s) marked on their cells)",
        file=sys.stderr,
    )
    if errors:
        return _refused(errors, args.data)
    return _valid(result.dataset, warnings, args.strict)


def cmd_sample(args) -> int:
    from eduwb._files import refuse_overwrite
    from eduwb.data.sample import write_sample

    refuse_overwrite(args.out, force=args.force)
    if args.xlsx:
        refuse_overwrite(args.xlsx, force=args.force)
        refuse_overwrite(Path(args.xlsx).with_suffix(".toml"), force=args.force)
    if args.as_form:
        from eduwb.data.importers.forms import write_sample_forms

        if args.counties != 1 or args.xlsx:
            raise ParameterError(
                "--as 只写出一个县，不能与 --counties、--xlsx 同用 / --as writes a single county: it goes "
                "without --counties and --xlsx"
            )
        files = write_sample_forms(
            args.out, args.as_form, seed=args.seed, years=args.years, schools=args.schools
        )
        kind = "综合查询 workbook" if args.as_form == "zonghe" else f"{args.as_form} workbook(s)"
        print(
            f"已在 {args.out} 下写出示例县：{len(files)} 个工作簿 / "
            f"wrote the sample county as {len(files)} {kind} under {args.out}"
        )
        return 0
    paths = write_sample(
        args.out,
        seed=args.seed,
        years=args.years,
        schools=args.schools,
        counties=args.counties,
        xlsx=Path(args.xlsx) if args.xlsx else None,
    )
    print(
        f"已在 {args.out} 下写出 {len(paths)} 个县的数据 / "
        f"wrote {len(paths)} county dataset(s) under {args.out}"
    )
    return 0


def cmd_standards(args) -> int:
    from eduwb.lang import pick
    from eduwb.standards import load_standard

    std = load_standard(args.standard)
    table = std.catalogue()
    if args.format == "json":
        sys.stdout.write(_json_records(table))
    elif args.format == "csv":
        sys.stdout.write(_formula_safe(table).to_csv(index=False, lineterminator="\n"))
    else:
        shown = table.drop(columns=[pick(("name_en", "name_zh"), args.lang), "comparator"])
        print(f"{std.id}: {std.name(args.lang)}")
        print(shown.to_string(index=False))
    return 0


def cmd_template(args) -> int:
    from eduwb.data.template import write_template

    years = None if args.years is None else list(range(args.years[0], args.years[1] + 1))
    out = Path(args.out)
    for target in (out, out.with_suffix(".toml")):
        _refuse_overwrite_data(target, args.data, args.force)
    path = write_template(args.out, source=args.data, years=years, lang=args.lang)
    settings = path.with_suffix(".toml")
    print(f"已写出 {path}（县设置：{settings}） / wrote {path} (county settings: {settings})")
    return 0


def cmd_schema(args) -> int:
    from eduwb.data.dictionary import render

    text = render(args.format, args.standard)
    if args.output:
        from eduwb._files import refuse_overwrite

        refuse_overwrite(args.output, force=args.force)
        _write_atomically(Path(args.output), text, None, "schema")
    else:
        sys.stdout.write(text)
    return 0


def _parse_params(pairs: list[str]) -> dict[str, str]:
    params = {}
    for pair in pairs:
        if "=" not in pair:
            raise ParameterError(f"--param {pair!r}：应为 KEY=VALUE / --param {pair!r}: expected KEY=VALUE")
        key, value = pair.split("=", 1)
        params[key.strip()] = value.strip()
    return params


def cmd_table(args) -> int:

    from eduwb.standards import resolve
    from eduwb.tables import compute

    if args.format == "xlsx" and not args.output:
        raise ParameterError("--format xlsx 需要 -o FILE / --format xlsx needs -o FILE")
    if args.output:
        _refuse_overwrite_data(Path(args.output), args.data, args.force)
    ds = _load_data(args.data, args.standard)
    std = resolve(ds, args.standard)
    year = args.year
    if year is not None and year not in ds.years:
        years = ", ".join(map(str, ds.years))
        raise ParameterError(
            f"数据中没有 {year} 年（已有：{years}） / year {year} is not in the data (years: {years})"
        )
    options = _parse_params(args.param)
    if args.by:
        options["by"] = args.by
    table = compute(args.name, ds, std, year=year, stage=args.stage, **options)
    # one privacy rule for every output (eduwb.present.privacy): what leaves here is shown to people
    from eduwb.present import privacy

    table = privacy.suppress(table, enabled=not args.no_suppress)
    lifted = table.attrs.get("small_groups") == "shown"

    if args.format == "csv":
        payload = _formula_safe(table).to_csv(index=False, lineterminator="\n")
    elif args.format == "json":
        payload = _json_records(table)
    elif args.format == "table":
        payload = _text(table) + "\n"
        if lifted:
            payload += privacy.note("en", enabled=False) + "\n"
    else:
        payload = None
    if lifted and args.format != "table":
        print(f"eduwb: {privacy.note('en', enabled=False)}", file=sys.stderr)
    if args.output:
        _write_atomically(Path(args.output), payload, table if args.format == "xlsx" else None, args.name)
    else:
        sys.stdout.write(payload)
    return 0


def _refuse_overwrite_data(target: Path, data: str | None, force: bool) -> None:
    """Refuse ``target`` over the data a command reads (the data and its ``.toml`` settings,
    always) or over an existing file (unless ``force``)."""
    from eduwb._files import refuse_overwrite

    settings = None if data is None or Path(data).is_dir() else Path(data).with_suffix(".toml")
    refuse_overwrite(target, (data, settings), force=force)


def _load_data(data: str, standard: str | None):
    """A county dataset, or a province (a folder of county folders or workbooks) pooled."""
    from eduwb.data.dataset import load
    from eduwb.data.province import is_county_folder, load_province

    path = Path(data)
    if path.is_dir() and not is_county_folder(path):
        return load_province(path, standard=standard)
    return load(path, standard=standard)


def _plain_float(value: float) -> str:
    """Fixed notation with up to 6 decimals (no scientific notation for money)."""
    return f"{value:.6f}".rstrip("0").rstrip(".")


def _text(table) -> str:
    """The whole table as plain text, every row and column, numbers in :func:`_plain_float`:
    unrounded, so that a value just under its threshold does not display as equal to it."""
    import pandas as pd

    options = ("display.max_rows", None, "display.max_columns", None, "display.width", 200)
    with pd.option_context(*options, "display.float_format", _plain_float):
        return table.to_string(index=False)


def _json_records(table) -> str:
    """The table as a JSON list of records (one object per row), indented, with a final newline."""
    records = json.loads(table.to_json(orient="records", force_ascii=False))
    return json.dumps(records, ensure_ascii=False, indent=1) + "\n"


def _formula_safe(table):
    """The table with every text cell a spreadsheet would run as a formula prefixed with an apostrophe.

    ``=``, ``+``, ``-``, ``@`` (and tab, carriage return) at the start of a text cell: names
    from the data must never become formulas when the CSV is opened in Excel (numbers,
    negative ones included, are left alone). See ``SECURITY.md``.
    """
    from eduwb.present.safe import formula_safe_csv

    out = table.copy()
    for column in out.columns:
        if out[column].dtype == object or str(out[column].dtype) in ("str", "string"):
            out[column] = out[column].map(formula_safe_csv)
    return out


def _write_xlsx(table, target: Path, sheet: str) -> None:
    """One sheet: the header, then the rows; formula-like text stays text (Excel's quote prefix)."""
    import math

    import pandas as pd
    from openpyxl import Workbook

    from eduwb.present.safe import xlsx_text_cells

    wb = Workbook()
    ws = wb.active
    ws.title = sheet[:31]
    ws.append([str(c) for c in table.columns])
    xlsx_text_cells(ws[1])
    for row in table.itertuples(index=False, name=None):
        values = []
        for v in row:
            if hasattr(v, "item"):
                v = v.item()
            if v is None or (isinstance(v, float) and not math.isfinite(v)) or v is pd.NA:
                v = None
            elif not isinstance(v, str | int | float | bool):
                v = str(v)
            values.append(v)
        ws.append(values)
        xlsx_text_cells(ws[ws.max_row])
    wb.save(target)


def _write_atomically(path: Path, text: str | None, table, sheet: str) -> None:
    from eduwb._files import atomic_path

    with atomic_path(path) as tmp:
        if table is not None:
            _write_xlsx(table, tmp, sheet)
        else:
            tmp.write_text(text, encoding="utf-8")


def cmd_plan(args) -> int:

    from eduwb.analysis.pathway import pathway_tables
    from eduwb.standards import resolve

    if args.apply and not args.out:
        raise ParameterError("--apply needs -o OUT (the county folder to write)")
    out = Path(args.out) if args.out else None
    if out is not None:
        _refuse_overwrite_data(out, args.data, force=True)  # never over the county it reads
    if out is not None and out.exists() and not args.force:
        raise ParameterError(f"{out} exists; choose a new folder or pass --force to replace it")
    ds = _load_data(args.data, args.standard)
    if ds.counties is not None:
        raise ParameterError(
            f"{args.data} is a province (a folder of counties); a pathway is drawn for one county: "
            "name a county folder (the province's bill is `eduwb table bill`)"
        )
    std = resolve(ds, args.standard)
    if args.year is not None and args.year not in ds.years:
        raise ParameterError(f"year {args.year} is not in the data (years: {', '.join(map(str, ds.years))})")
    tables = pathway_tables(ds, std, year=args.year, with_applied=args.apply, **_parse_params(args.param))
    applied = tables.pop("applied", None)
    from eduwb.present import privacy

    # one privacy rule for every output, as `eduwb table`: no teacher id, small groups hidden
    tables = {name: privacy.suppress(table) for name, table in tables.items()}
    for name, table in tables.items():
        sys.stdout.write(f"== {name}\n{_text(table)}\n\n")
    if args.apply:
        _write_county_folder(out, applied, _settings_text(Path(args.data), ds.name), args.force)
        print(f"eduwb: wrote {out}", file=sys.stderr)
    return 0


def _settings_text(data: Path, name: str) -> str:
    """The county's own county.toml (kept as written), or a minimal one naming the county."""
    source = data / "county.toml" if data.is_dir() else data.with_suffix(".toml")
    if source.is_file():
        return source.read_text(encoding="utf-8")
    return f"name = {json.dumps(name, ensure_ascii=False)}\n"


def _write_county_folder(out: Path, ds, toml_text: str, force: bool) -> None:
    """Write into a hidden folder beside OUT, then rename it into place (replacing OUT with --force)."""
    import shutil
    import tempfile

    from eduwb.data.sample import write_dataset

    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        write_dataset(tmp, ds, toml_text)
        if out.exists() and force:
            shutil.rmtree(out)
        tmp.rename(out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def cmd_import(args) -> int:
    from eduwb.data.importers import import_statistics
    from eduwb.data.schema import TABLES

    if args.inspect:
        return _inspect_import(args)
    if args.draft_mapping:
        raise ParameterError("--draft-mapping 需要 --inspect (--draft-mapping goes with --inspect)")
    if not args.out:
        raise ParameterError("缺少输出文件夹 the following arguments are required: -o/--out")
    result = import_statistics(args.data, args.out, mapping=args.mapping, year=args.year, force=args.force)
    for warning in result.warnings:
        print(str(warning), file=sys.stderr)
    print(result.summary())
    if result.unfilled:
        print("仍需手工填写 still to fill in by hand (eduwb validate refuses the folder until then):")
        for (table, column), rows in sorted(result.unfilled.items()):
            print(f"  {table}.csv {column}（{TABLES[table].column(column).zh}）: {rows} 行 rows")
    print(f"详见 see {Path(args.out) / 'import-log.md'}")
    return 0


def _inspect_import(args) -> int:
    """``eduwb import SOURCE --inspect [--draft-mapping OUT.toml]``."""
    from eduwb._files import atomic_write_text
    from eduwb.data.importers.draft import inspect_source

    report, draft = inspect_source(args.data, args.mapping)
    print(report)
    if args.draft_mapping:
        if draft is None:
            raise ParameterError(
                "没有识别出每校报表（教基、基础基），不写草拟映射 no per-school form recognised: no draft "
                "mapping written (综合查询 exports: write [[fields]] column paths from the grid above)"
            )
        target = Path(args.draft_mapping)
        if target.exists():
            raise ParameterError(f"已存在，不覆盖 already exists, not overwritten: {target}")
        atomic_write_text(target, draft)
        print(
            f"草拟的映射已写出 draft mapping written: {target}"
            "（请核对后用 --mapping 导入 check it, then use --mapping）"
        )
    return 0


def cmd_report(args) -> int:
    from eduwb.report import report_command

    return report_command(
        args.data,
        years=args.years,
        out=args.out,
        workers=args.workers,
        lang=args.lang,
        notebooks=args.notebooks,
        scheduler=args.scheduler,
        standard=args.standard,
        force=args.force,
        province=args.province,
    )


COMMANDS = {
    "validate": cmd_validate,
    "sample": cmd_sample,
    "template": cmd_template,
    "schema": cmd_schema,
    "standards": cmd_standards,
    "table": cmd_table,
    "report": cmd_report,
    "import": cmd_import,
    "plan": cmd_plan,
}


def _in_both(message: str) -> str:
    """An error's message in Chinese, then English, when it is English only and the rule
    catalogue (:mod:`eduwb.data.rulewords`) knows it (a standard that cannot be read, …)."""
    from eduwb.data.rulewords import zh

    if re.search(r"[\u4e00-\u9fff]", message):
        return message  # written in both languages where it was raised
    chinese = zh(message)
    return message if chinese is None else f"{chinese} / {message}"


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except DataError as exc:
        for problem in exc.problems:
            print(str(problem), file=sys.stderr)
        data = getattr(args, "data", "")
        _refused(exc.error_count, ", ".join(data) if isinstance(data, list) else data)
        if args.command == "import" and args.out:
            print(f"未写入任何文件 nothing written to {args.out}", file=sys.stderr)
        return 1
    except EduwbError as exc:
        if args.debug:
            traceback.print_exc()
        print(f"eduwb: error: {_in_both(str(exc))}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("eduwb: 已中断 / interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except OSError as exc:  # a read-only or full output folder, a file where a folder should be
        from eduwb.errors import os_error

        if args.debug:
            traceback.print_exc()
        print(f"eduwb: error: {os_error(exc, doing='无法读写 cannot read or write')}", file=sys.stderr)
        return 1
    except Exception as exc:  # an unexpected failure: one line, full details with --debug
        if args.debug:
            traceback.print_exc()
        else:
            print(
                f"eduwb: 内部错误 internal error: {type(exc).__name__}: {exc} (加 --debug 重新运行可看详情"
                f" / rerun with --debug for details)",
                file=sys.stderr,
            )
        return 1


if __name__ == "__main__":
    sys.exit(main())
