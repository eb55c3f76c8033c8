"""The ``eduwb`` command line: a thin wrapper over the package (see spec/design.md).

    eduwb validate DATA
    eduwb sample OUT [--seed N] [--years 2021-2025] [--schools N] [--counties N]
    eduwb standards [--standard moe-2017] [--format table|csv|json]
    eduwb table NAME DATA --year Y [--stage primary|junior] [--format table|csv|json|xlsx] [-o FILE]
    eduwb report DATA... [--years A-B] [--out reports/] [--workers N] [--lang zh|en] [--province NAME]

Errors go to stderr, one line per problem; no traceback unless ``--debug``.
Exit codes: 0 success, 1 invalid data or failed work, 2 usage.
"""

from __future__ import annotations

import argparse
import json
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
        raise argparse.ArgumentTypeError(f"years must look like 2021-2025 or 2024, not {text!r}") from None
    if first > last:
        raise argparse.ArgumentTypeError(f"years {text!r}: the first year is after the last")
    return first, last


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, not {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    from eduwb.tables import REGISTRY

    parser = argparse.ArgumentParser(
        prog="eduwb",
        description=(
            "Measure a county's compulsory-education schools against the 县域义务教育优质均衡 standard: "
            "validate its data, compute every table, and produce the annual PDF reports."
        ),
        epilog="Run 'eduwb COMMAND --help' for the options of a command.",
    )
    parser.add_argument("--version", action="version", version=f"eduwb {__version__}")
    parser.add_argument("--debug", action="store_true", help="show full tracebacks on errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    # --debug is accepted after the command too (SUPPRESS keeps the top-level value otherwise).
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help="show full tracebacks")

    p = sub.add_parser(
        "validate",
        parents=[common],
        help="check a county dataset against the data dictionary",
        description="Check a county dataset (folder of CSVs or .xlsx workbook). Prints every problem "
        "(file, row, column, value, rule) and exits 1, or a one-line summary and exits 0.",
    )
    p.add_argument("data", help="county folder or .xlsx workbook")
    p.add_argument("--standard", help="standard id or file (default: the one county.toml names)")
    p.add_argument("--strict", action="store_true", help="treat warnings as errors")

    p = sub.add_parser(
        "sample",
        parents=[common],
        help="write the synthetic sample county (or many)",
        description="Write a deterministic synthetic county dataset (same seed → identical files).",
    )
    p.add_argument("out", help="output folder")
    p.add_argument("--seed", type=int, default=2024, help="random seed (default 2024)")
    p.add_argument("--years", type=_years, default=(2021, 2025), help="year span, e.g. 2021-2025 (default)")
    p.add_argument("--schools", type=_positive, default=45, help="schools per county (default 45)")
    p.add_argument("--counties", type=_positive, default=1, help="write N county folders under OUT")
    p.add_argument("--xlsx", help="also write the (single) county as this .xlsx workbook with Chinese headers")

    p = sub.add_parser(
        "standards",
        parents=[common],
        help="list the indicators of a standard",
        description="List every indicator of a standard with its thresholds per stage.",
    )
    p.add_argument("--standard", default="moe-2017", help="built-in id (moe-2017, moe-2012) or a standard file")
    p.add_argument("--format", choices=("table", "csv", "json"), default="table")
    p.add_argument("--lang", choices=("zh", "en"), default="zh")

    width = max(map(len, REGISTRY)) + 2
    names = "\n".join(f"  {name:<{width}}{desc}" for name, (_, desc) in REGISTRY.items())
    p = sub.add_parser(
        "table",
        parents=[common],
        help="compute one table (indicators, compliance, balance, …)",
        description="Compute one of eduwb's tables for a county and year.\n\ntables:\n" + names,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("name", choices=list(REGISTRY), metavar="NAME", help="table name (listed above)")
    p.add_argument("data", help="county folder or .xlsx workbook (a folder of them for the province tables)")
    p.add_argument("--year", type=int, help="school year (autumn term); default: the latest in the data")
    p.add_argument("--stage", choices=("primary", "junior"), help="only this stage")
    p.add_argument("--by", help="breakdown, e.g. 'school'")
    p.add_argument("--standard", help="standard id or file (default: the one county.toml names)")
    p.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="analysis parameter, e.g. teacher_per_year=150000 (repeatable)",
    )
    p.add_argument("--format", choices=("table", "csv", "json", "xlsx"), default="table")
    p.add_argument("-o", "--output", help="write to this file instead of standard output (required for xlsx)")

    p = sub.add_parser(
        "report",
        parents=[common],
        help="produce the annual PDF reports (and Excel tables)",
        description="Run every notebook for each county × year and assemble one PDF report each, "
        "with the tables as an Excel workbook.",
    )
    p.add_argument("data", nargs="+", help="county folders or .xlsx workbooks")
    p.add_argument("--years", help="year span, e.g. 2021-2025 (default: every year in the data)")
    p.add_argument("--out", default="reports", help="output folder (default: reports/)")
    p.add_argument("--workers", type=_positive, help="parallel workers (default: the number of cores)")
    p.add_argument("--lang", choices=("zh", "en"), default="zh")
    p.add_argument("--standard", help="standard id or file (default: the one county.toml names)")
    p.add_argument(
        "--notebooks",
        type=lambda text: [name for name in text.split(",") if name],
        action="extend",
        metavar="NB[,NB…]",
        help="only these notebooks, comma-separated names or paths (e.g. 00_scorecard,01_resource_gaps)",
    )
    p.add_argument("--scheduler", help="address of a Dask distributed scheduler, e.g. tcp://10.0.0.5:8786")
    p.add_argument("--force", action="store_true", help="rebuild reports even when up to date")
    p.add_argument(
        "--province",
        metavar="NAME",
        help="also make the province report of all the counties given (<out>/NAME/<year>/NAME_<year>_省级汇总报告.pdf)",
    )
    return parser


# ----------------------------------------------------------------------------- commands


def cmd_validate(args) -> int:
    from eduwb.data.dataset import load

    ds = load(args.data, standard=args.standard)
    for warning in ds.warnings:
        print(str(warning), file=sys.stderr)
    if args.strict and ds.warnings:
        print(f"{len(ds.warnings)} warning(s) and --strict: refused", file=sys.stderr)
        return 1
    print(f"valid: {ds.summary()}")
    return 0


def cmd_sample(args) -> int:
    from eduwb.data.sample import write_sample

    paths = write_sample(
        args.out,
        seed=args.seed,
        years=args.years,
        schools=args.schools,
        counties=args.counties,
        xlsx=Path(args.xlsx) if args.xlsx else None,
    )
    print(f"wrote {len(paths)} county dataset(s) under {args.out}")
    return 0


def cmd_standards(args) -> int:
    from eduwb.standards import load_standard

    std = load_standard(args.standard)
    table = std.catalogue()
    if args.format == "json":
        print(json.dumps(json.loads(table.to_json(orient="records", force_ascii=False)), ensure_ascii=False, indent=1))
    elif args.format == "csv":
        sys.stdout.write(table.to_csv(index=False, lineterminator="\n"))
    else:
        shown = table.drop(columns=["name_en" if args.lang == "zh" else "name_zh", "comparator"])
        print(f"{std.id}: {std.name(args.lang)}")
        print(shown.to_string(index=False))
    return 0


def _parse_params(pairs: list[str]) -> dict[str, str]:
    params = {}
    for pair in pairs:
        if "=" not in pair:
            raise ParameterError(f"--param {pair!r}: expected KEY=VALUE")
        key, value = pair.split("=", 1)
        params[key.strip()] = value.strip()
    return params


def cmd_table(args) -> int:
    import pandas as pd

    from eduwb.standards import load_standard
    from eduwb.tables import compute

    if args.format == "xlsx" and not args.output:
        raise ParameterError("--format xlsx needs -o FILE")
    ds = _load_data(args.data, args.standard)
    std = load_standard(args.standard or ds.settings.standard)
    year = args.year
    if year is not None and year not in ds.years:
        raise ParameterError(f"year {year} is not in the data (years: {', '.join(map(str, ds.years))})")
    options = _parse_params(args.param)
    if args.by:
        options["by"] = args.by
    table = compute(args.name, ds, std, year=year, stage=args.stage, **options)

    if args.format == "csv":
        payload = table.to_csv(index=False, lineterminator="\n")
    elif args.format == "json":
        payload = json.dumps(json.loads(table.to_json(orient="records", force_ascii=False)), ensure_ascii=False, indent=1) + "\n"
    elif args.format == "table":
        with pd.option_context(
            "display.max_rows", None,
            "display.max_columns", None,
            "display.width", 200,
            "display.float_format", _plain_float,
        ):
            # unrounded: a value just under its threshold must not display as equal to it
            payload = table.to_string(index=False) + "\n"
    else:
        payload = None
    if args.output:
        _write_atomically(Path(args.output), payload, table if args.format == "xlsx" else None, args.name)
    else:
        sys.stdout.write(payload)
    return 0


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


def _write_atomically(path: Path, text: str | None, table, sheet: str) -> None:
    from eduwb._files import atomic_path

    with atomic_path(path) as tmp:
        if table is not None:
            table.to_excel(tmp, sheet_name=sheet[:31], index=False, engine="openpyxl")
        else:
            tmp.write_text(text, encoding="utf-8")


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
    "standards": cmd_standards,
    "table": cmd_table,
    "report": cmd_report,
}


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except DataError as exc:
        for problem in exc.problems:
            print(str(problem), file=sys.stderr)
        errors = sum(p.severity == "error" for p in exc.problems)
        data = getattr(args, "data", "")
        where = ", ".join(data) if isinstance(data, list) else data
        print(f"refused: {errors} problem(s) in {where}", file=sys.stderr)
        return 1
    except EduwbError as exc:
        if args.debug:
            traceback.print_exc()
        print(f"eduwb: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("eduwb: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # an unexpected failure: one line, full details with --debug
        if args.debug:
            traceback.print_exc()
        else:
            print(f"eduwb: internal error: {type(exc).__name__}: {exc} (rerun with --debug for details)", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
