"""The ``eduwb`` command line (``eduwb --help``): a thin wrapper over the package, one
``cmd_NAME`` per command, declared (options and words) in ``cli.toml``.

Errors go to stderr, one line per problem; no traceback unless ``--debug``.
Exit codes: 0 success, 1 invalid data or failed work, 2 usage.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import textwrap
import tomllib
import traceback
from functools import cache
from pathlib import Path

from eduwb import __version__
from eduwb._files import atomic_path, atomic_write_text, refuse_overwrite
from eduwb.errors import DataError, EduwbError, ParameterError


def _years(text: str) -> tuple[int, int]:
    a, dash, b = text.partition("-")
    try:
        first, last = int(a), int(b if dash else a)
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


def _bilingual(text: str | None) -> str | None:
    """A ``中文 / English`` description as two wrapped paragraphs, Chinese first.

    argparse wraps by characters, and a Chinese character is two columns wide: the Chinese part
    is wrapped here at 38 characters, the English at 78. A paragraph holding line breaks (a
    list) is kept as it is.
    """
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


@cache
def _words() -> dict[str, dict[str, str]]:
    """The command line's words (``cli.toml``): per command, and ``shared``."""
    with open(Path(__file__).with_name("cli.toml"), "rb") as f:
        return tomllib.load(f)


def build_parser() -> argparse.ArgumentParser:
    """The ``eduwb`` command line, declared in ``cli.toml``: each command's options in order, with
    argparse's keywords (``type`` by name, ``short`` a short flag, ``help`` else ``[shared]``'s)."""
    from eduwb.tables import CATALOGUE, CATALOGUE_ZH

    words = _words()
    parser = argparse.ArgumentParser(
        prog="eduwb", description=words["eduwb"]["description"], epilog=words["eduwb"]["epilog"]
    )
    parser.add_argument("--version", action="version", version=f"eduwb {__version__}")
    parser.add_argument("--debug", action="store_true", help=words["eduwb"]["--debug"])
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    # --debug is accepted after the command too (SUPPRESS keeps the top-level value otherwise).
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--debug", action="store_true", default=argparse.SUPPRESS, help=words["shared"]["--debug"]
    )
    types = {"int": int, "years": _years, "year": _year, "positive": _positive, "names": _names}
    for command, declared in words.items():
        if command in ("shared", "eduwb"):
            continue
        p = sub.add_parser(
            command, parents=[common], help=declared["help"], description=declared["description"]
        )
        for name, option in declared.items():
            if name in ("help", "description"):
                continue
            kw = {"help": option} if isinstance(option, str) else dict(option)
            kw.setdefault("help", words["shared"].get(name))
            if "type" in kw:
                kw["type"] = types[kw["type"]]
            if kw.get("choices") == "tables":
                kw["choices"] = list(CATALOGUE)
            p.add_argument(*filter(None, (kw.pop("short", None), name)), **kw)
    width = max(map(len, CATALOGUE)) + 2
    sub.choices["table"].description += "\n\n表 tables:\n" + "\n".join(
        f"  {name:<{width}}{CATALOGUE_ZH[name]}\n  {'':<{width}}{desc}"
        for name, (_, _, desc) in CATALOGUE.items()
    )
    for p in (parser, *sub.choices.values()):
        p.description, p.epilog = _bilingual(p.description), _bilingual(p.epilog)
        p.formatter_class = argparse.RawDescriptionHelpFormatter
    return parser


def _names(text: str) -> list[str]:
    return [name for name in text.split(",") if name]


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
    if args.format != "table":
        sys.stdout.write(_serialised(table, args.format))
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
        refuse_overwrite(args.output, force=args.force)
        atomic_write_text(Path(args.output), text)
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
    note = privacy.note("en", enabled=False) if table.attrs.get("small_groups") == "shown" else ""
    if note and args.format != "table":
        print(f"eduwb: {note}", file=sys.stderr)
    if args.format == "xlsx":
        with atomic_path(Path(args.output)) as tmp:
            _write_xlsx(table, tmp, args.name)
        return 0
    payload = _serialised(table, args.format) + (f"{note}\n" if note and args.format == "table" else "")
    if args.output:
        atomic_write_text(Path(args.output), payload)
    else:
        sys.stdout.write(payload)
    return 0


def _refuse_overwrite_data(target: Path, data: str | None, force: bool) -> None:
    """Refuse ``target`` over the data a command reads (the data and its ``.toml`` settings,
    always) or over an existing file (unless ``force``)."""
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


def _serialised(table, fmt: str) -> str:
    """The table as plain text (:func:`_text`), a JSON list of records, or CSV.

    In the CSV, a text cell a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``,
    tab or carriage return first) is prefixed with an apostrophe: names from the data must
    never become formulas when the CSV is opened in Excel (numbers are left alone; SECURITY.md).
    """
    from eduwb.present.safe import formula_safe_csv

    if fmt == "table":
        return _text(table) + "\n"
    if fmt == "json":
        records = json.loads(table.to_json(orient="records", force_ascii=False))
        return json.dumps(records, ensure_ascii=False, indent=1) + "\n"
    out = table.copy()
    for column in out.columns:
        if out[column].dtype == object or str(out[column].dtype) in ("str", "string"):
            out[column] = out[column].map(formula_safe_csv)
    return out.to_csv(index=False, lineterminator="\n")


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

    options = "years out workers lang notebooks scheduler standard force province".split()
    return report_command(args.data, **{name: getattr(args, name) for name in options})


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
        return globals()[f"cmd_{args.command}"](args)
    except DataError as exc:
        for problem in exc.problems:
            print(str(problem), file=sys.stderr)
        data = getattr(args, "data", "")
        _refused(exc.error_count, ", ".join(data) if isinstance(data, list) else data)
        if args.command == "import" and args.out:
            print(f"未写入任何文件 nothing written to {args.out}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("eduwb: 已中断 / interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # one line, the full traceback with --debug
        if args.debug:
            traceback.print_exc()
        if isinstance(exc, EduwbError):
            print(f"eduwb: error: {_in_both(str(exc))}", file=sys.stderr)
            return exc.exit_code
        if isinstance(exc, OSError):  # a read-only or full output folder, a file where a folder should be
            from eduwb.errors import os_error

            print(f"eduwb: error: {os_error(exc, doing='无法读写 cannot read or write')}", file=sys.stderr)
        elif not args.debug:  # an unexpected failure
            print(
                f"eduwb: 内部错误 internal error: {type(exc).__name__}: {exc} (加 --debug 重新运行可看详情"
                f" / rerun with --debug for details)",
                file=sys.stderr,
            )
        return 1


if __name__ == "__main__":
    sys.exit(main())
