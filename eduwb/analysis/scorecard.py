"""The scorecard: every indicator of the standard with its status and evidence, and the verdict.

One row per indicator of the standard (32 under ``moe-2017``, 8 under ``moe-2012``), each
judged by :mod:`eduwb.analysis.judging` from the module of its concern.

The verdict (per year): a dimension passes when all its indicators pass, fails when one
fails, else is missing. A one-vote veto (a county input ``VETO1``…``VETO6`` of 是) fails the
county whatever else holds. Otherwise the county fails when a dimension fails, is
``incomplete`` when an indicator is missing or a veto was not declared (是/否) for the
year, and passes only when every indicator passes and every veto is declared 否.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from eduwb.analysis.judging import (  # noqa: F401 - judge_county_value: the scorecard's API
    FAIL,
    MISSING,
    PASS,
    _Ctx,
    aggregate_status,
    computed_row,
    judge_county_value,
    rows,
    table_label,
    threshold_text,
    with_scope,
)
from eduwb.analysis.scope import resolve_year
from eduwb.data.dataset import Dataset, memoised
from eduwb.data.values import parse_county_value
from eduwb.errors import ParameterError
from eduwb.lang import CLAUSE_SEP, name_before_number, pick
from eduwb.standards import Standard

STATUSES = (PASS, FAIL, MISSING)
SCORECARD_COLUMNS = [
    "indicator", "seq", "dimension", "name", "value", "value_number",
    "threshold", "status", "source", "evidence",
]  # fmt: skip


def _lang(options: dict[str, Any]) -> str:
    lang = options.get("lang") or "zh"
    if lang not in ("zh", "en"):
        raise ParameterError(f"lang must be 'zh' or 'en', not {lang!r}")
    return lang


def _card_lang(stage: str | None, options: dict[str, Any]) -> str:
    """The language of a scorecard asked for; a stage or any other option is refused."""
    if stage is not None:
        raise ParameterError("scorecard: the scorecard judges the whole county; --stage does not apply")
    lang = _lang(options)
    unknown = sorted(set(options) - {"lang"})
    if unknown:
        raise ParameterError(f"unknown parameter(s) {', '.join(unknown)} for the scorecard (known: lang)")
    return lang


# ----------------------------------------------------------------------------- the scorecard


def scorecard_table(
    ds: Dataset, std: Standard, *, year: int | None = None, stage: str | None = None, **options
) -> pd.DataFrame:
    """``eduwb table scorecard DATA --year Y [--param lang=en]``: every indicator of one year.

    ``value_number`` is the figure judged: a rate as a fraction; for a rule over many units
    the share complying; 1 or 0 for a yes/no input; under a composite-CV standard the largest
    CV; NaN when missing. ``attrs`` hold the ``year`` and its ``vetoes`` (:func:`vetoes_table`).
    """
    return _card(_Ctx(ds, std, resolve_year(ds, year), _card_lang(stage, options)))


def _card(ctx: _Ctx) -> pd.DataFrame:
    """The year's scorecard, computed once per dataset load, standard, year and language.

    A report shows it three times (table, trend, cover) and a worker making a county's reports
    year after year needs earlier years' again.
    """
    key = ("scorecard", id(ctx.std), ctx.year, ctx.lang)
    return memoised(ctx.ds, key, lambda: _scorecard(ctx), pins=(ctx.std,))


def _scorecard(ctx: _Ctx) -> pd.DataFrame:
    results = rows(ctx)
    for ind in ctx.std.indicators:
        results[ind.id]["threshold"] = threshold_text(ind, ctx)
        results[ind.id]["evidence"] = with_scope(ind, ctx, results[ind.id])
    table = pd.DataFrame(
        [
            {"indicator": ind.id, "seq": ind.seq, "dimension": ind.dimension, "name": ind.name(ctx.lang),
             **results[ind.id]}
            for ind in ctx.std.indicators
        ],
        columns=SCORECARD_COLUMNS,
    )  # fmt: skip
    table["value_number"] = table["value_number"].astype("float64")
    table.attrs = {"year": ctx.year, "vetoes": _vetoes(ctx)}
    return table


def indicator_row(
    ds: Dataset, std: Standard, indicator_id: str, year: int, lang: str = "zh"
) -> dict[str, Any]:
    """One computed indicator's row as :func:`scorecard_table` judges it (the simulator re-judges G rows)."""
    ctx = _Ctx(ds, std, year, lang)
    ind = std.indicator(indicator_id)
    result = computed_row(ind, ctx)
    result["evidence"] = with_scope(ind, ctx, result)
    return result


VETO_COLUMNS = ["year", "veto", "name", "declared", "applies", "evidence"]


def _vetoes(ctx: _Ctx) -> pd.DataFrame:
    rows = []
    for veto in ctx.std.vetoes:
        row = ctx.county_row(veto["id"]) or {}
        raw = row.get("value")
        parsed = parse_county_value(raw if isinstance(raw, str) else None)
        declared = parsed is not None and parsed.kind in ("yes", "no")
        name = veto[pick(("name_zh", "name_en"), ctx.lang)]
        evidence = row.get("evidence") if isinstance(row.get("evidence"), str) else ""
        rows.append((ctx.year, veto["id"], name, declared, declared and parsed.kind == "yes", evidence))
    return pd.DataFrame(rows, columns=VETO_COLUMNS)


def vetoes_table(
    ds: Dataset, std: Standard, *, year: int | None = None, stage: str | None = None, **options
) -> pd.DataFrame:
    """The one-vote vetoes (不予认定情形) of a year: ``declared`` (是/否 given) and ``applies`` (是)."""
    del stage
    return _vetoes(_Ctx(ds, std, resolve_year(ds, year), _lang(options)))


def scorecard_trend(
    ds: Dataset,
    std: Standard,
    *,
    year: int | None = None,
    stage: str | None = None,
    since: int | None = None,
    **options,
) -> pd.DataFrame:
    """:func:`scorecard_table` for every year from ``since`` up to ``year`` (None: all)."""
    lang = _card_lang(stage, options)
    last = resolve_year(ds, year)
    years = [y for y in ds.years if y <= last and (since is None or y >= since)]

    cards = [_card(_Ctx(ds, std, y, lang)) for y in years]
    trend = pd.concat([c.assign(year=c.attrs["year"]) for c in cards], ignore_index=True)
    trend = trend[["year", *SCORECARD_COLUMNS]]
    trend.attrs = {"year": last, "vetoes": pd.concat([c.attrs["vetoes"] for c in cards], ignore_index=True)}
    return trend


def year_card(trend: pd.DataFrame, year: int) -> pd.DataFrame:
    """One year's scorecard out of :func:`scorecard_trend`."""
    card = trend[trend["year"] == year][SCORECARD_COLUMNS].reset_index(drop=True)
    vetoes = trend.attrs["vetoes"]
    card.attrs = {"year": year, "vetoes": vetoes[vetoes["year"] == year].reset_index(drop=True)}
    return card


# ----------------------------------------------------------------------------- the verdict


def dimension_status(scorecard: pd.DataFrame, std: Standard, status: list | None = None) -> dict[str, str]:
    """Each dimension's status from a scorecard (in the standard's dimension order); ``status``:
    the rows' statuses when not the card's own."""
    rows = list(zip(scorecard["dimension"], scorecard["status"] if status is None else status, strict=True))
    return {dim: aggregate_status([s for d, s in rows if d == dim]) for dim in std.raw["dimensions"]}


def judge(scorecard: pd.DataFrame, std: Standard, statuses: dict[str, str] | None = None) -> dict[str, Any]:
    """The verdict of one year's scorecard (the rule: the module docstring), with the ids of the
    vetoes applying, failing and missing indicators and undeclared vetoes.

    ``statuses`` replaces the status of the rows it names (the simulator's rows judged again).
    """
    # plain lists, not frame masks: the simulator judges on every change
    ids = scorecard["indicator"].tolist()
    status = [(statuses or {}).get(i, s) for i, s in zip(ids, scorecard["status"], strict=True)]
    vetoes = scorecard.attrs["vetoes"]
    applying = [v for v, a in zip(vetoes["veto"], vetoes["applies"], strict=True) if a]
    undeclared = [v for v, d in zip(vetoes["veto"], vetoes["declared"], strict=True) if not d]
    failing = [i for i, s in zip(ids, status, strict=True) if s == FAIL]
    missing = [i for i, s in zip(ids, status, strict=True) if s == MISSING]
    if applying or failing:
        verdict = "fail"
    elif missing or undeclared:
        verdict = "incomplete"
    else:
        verdict = "pass"
    return {
        "verdict": verdict,
        "dimensions": dimension_status(scorecard, std, status),
        "vetoes": applying,
        "failing": failing,
        "missing": missing,
        "undeclared": undeclared,
    }


def verdicts(trend: pd.DataFrame, std: Standard) -> pd.DataFrame:
    """The verdict table (see :func:`verdict_table`) from :func:`scorecard_trend`."""
    rows = []
    for y in sorted(trend["year"].unique()):
        judged = judge(year_card(trend, int(y)), std)
        joined = {k: ",".join(judged[k]) for k in ("vetoes", "failing", "missing")}
        undeclared = ",".join(judged["undeclared"])
        rows.append({"year": int(y), **judged["dimensions"], **joined, "verdict": judged["verdict"],
                     "vetoes_undeclared": undeclared})  # fmt: skip
    columns = ["year", *std.raw["dimensions"], "vetoes", "verdict", "failing", "missing", "vetoes_undeclared"]
    return pd.DataFrame(rows, columns=columns)


def verdict_table(
    ds: Dataset, std: Standard, *, year: int | None = None, stage: str | None = None, **options
) -> pd.DataFrame:
    """``eduwb table verdict DATA``: per year up to ``year``, each dimension, the vetoes and the verdict."""
    if stage is not None:
        raise ParameterError("verdict: the verdict is on the whole county; --stage does not apply")
    return verdicts(scorecard_trend(ds, std, year=year, **options), std)


def verdict_summary(scorecard: pd.DataFrame, std: Standard, county: str, lang: str = "zh") -> dict[str, Any]:
    """:func:`judge` with ``year``, ``passed`` and a ``summary`` sentence."""
    judged = judge(scorecard, std)
    year = int(scorecard.attrs["year"])
    summary = _summary(county, std, year, judged, lang, len(scorecard))
    head = {
        "year": year,
        "passed": judged["verdict"] == "pass",
        "verdict": judged["verdict"],
        "summary": summary,
    }
    return head | {k: judged[k] for k in ("failing", "missing", "undeclared", "vetoes", "dimensions")}


def county_verdict(ds: Dataset, std: Standard, year: int | None = None) -> dict[str, Any]:
    """The cover's verdict: :func:`verdict_summary` with ``summary_zh`` and ``summary_en``."""
    card = scorecard_table(ds, std, year=year)
    out = verdict_summary(card, std, ds.name, "zh")
    out["summary_zh"] = out.pop("summary")
    out["summary_en"] = _summary(ds.name, std, out["year"], out, "en", len(card))  # out holds the judgement
    return out


def _summary(county: str, std: Standard, year: int, judged: dict, lang: str, n: int) -> str:
    def t(zh: str, en: str) -> str:
        return pick((zh, en), lang)

    names = {ind.id: ind.name(lang) for ind in std.indicators}
    names.update({v["id"]: v[pick(("name_zh", "name_en"), lang)] for v in std.vetoes})
    county = county or t("本县", "The county")

    def listing(ids: list[str], limit: int = 8) -> str:
        text = pick(CLAUSE_SEP, lang).join(f"{i} {names.get(i, '')}".strip() for i in ids[:limit])
        if len(ids) > limit:
            text += t(f" 等 {len(ids)} 项", f" and {len(ids) - limit} more")
        return text

    parts = [t(f"{name_before_number(county)}{year}年：", f"{county}, {year}: ")]
    failing, missing, vetoes = judged["failing"], judged["missing"], judged["vetoes"]
    undeclared = judged.get("undeclared", [])

    def counted(zh: str, en: str, ids: list[str]) -> str:
        return t(f"{zh} {len(ids)} 项：{listing(ids)}。", f"{en} ({len(ids)}): {listing(ids)}.")

    if vetoes:
        parts.append(
            t(f"一票否决，不予认定——{listing(vetoes)}。", f"vetoed (one-vote veto): {listing(vetoes)}. ")
        )
    if judged["verdict"] == "pass":
        parts.append(
            t(
                f"{n} 项指标全部达标，无一票否决情形，达到评估标准。",
                f"all {n} indicators pass and no veto applies: the county meets the standard.",
            )
        )
    elif failing:
        if not vetoes:
            parts.append(t("未达到评估标准。", "the county does not meet the standard. "))
        parts.append(counted("未达标指标", "Failing", failing))
    elif not vetoes:
        parts.append(
            t(
                "尚不能认定：没有未达标的指标，但有数据缺失。",
                "not yet decidable: no indicator fails, but data are missing.",
            )
        )
    if missing:
        parts.append(counted("缺数据指标", " Missing", missing))
    if undeclared:
        parts.append(counted("未填报“是/否”的一票否决情形", " Vetoes not declared", undeclared))
    return "".join(parts).strip()


# ----------------------------------------------------------------------------- for the notebook


def dimension_summary(scorecard: pd.DataFrame, std: Standard, lang: str = "zh") -> pd.DataFrame:
    """A scorecard's statuses counted per dimension (standard order)."""
    status = dimension_status(scorecard, std)
    dims = list(std.raw["dimensions"])
    counts = pd.crosstab(scorecard["dimension"], scorecard["status"]).reindex(
        index=dims, columns=list(STATUSES), fill_value=0
    )
    return pd.DataFrame(
        {
            "dimension": dims,
            "name": [std.dimension_name(d, lang) for d in dims],
            "indicators": counts.sum(axis=1).to_numpy(),
            "passed": counts[PASS].to_numpy(),
            "failed": counts[FAIL].to_numpy(),
            "missing": counts[MISSING].to_numpy(),
            "status": [status[d] for d in dims],
        }
    )


def dimension_trend(trend: pd.DataFrame, std: Standard, lang: str = "zh") -> pd.DataFrame:
    """:func:`dimension_summary` for every year of :func:`scorecard_trend` (``year`` first)."""
    frames = [
        dimension_summary(year_card(trend, int(y)), std, lang).assign(year=int(y))
        for y in sorted(trend["year"].unique())
    ]
    out = pd.concat(frames, ignore_index=True)
    return out[["year", *[c for c in out.columns if c != "year"]]]


def dimension_table(
    ds: Dataset, std: Standard, *, year: int | None = None, stage: str | None = None, **options
) -> pd.DataFrame:
    """:func:`dimension_summary` of a year's scorecard."""
    return dimension_summary(scorecard_table(ds, std, year=year, stage=stage, **options), std, _lang(options))


def changes(trend: pd.DataFrame, year: int | None = None) -> pd.DataFrame:
    """Indicators whose status changed from the trend's year before ``year`` (None: its last).

    ``change``: ``improved`` (passes now), ``worsened`` (passed before) or ``other``.
    """
    columns = ["indicator", "seq", "name", "previous_status", "status", "change", "previous_value", "value"]
    year = int(trend.attrs["year"] if year is None else year)
    earlier = sorted(y for y in trend["year"].unique() if y < year)
    if not earlier:
        out = pd.DataFrame(columns=columns)
        out.attrs["previous_year"] = None
        return out
    previous = int(earlier[-1])
    now = year_card(trend, year)
    before = year_card(trend, previous)[["indicator", "status", "value"]]
    both = now.merge(
        before.rename(columns={"status": "previous_status", "value": "previous_value"}), on="indicator"
    )
    both = both[both["status"] != both["previous_status"]].copy()
    both["change"] = np.select(
        [both["status"] == PASS, both["previous_status"] == PASS], ["improved", "worsened"], default="other"
    )
    out = both.sort_values("seq")[columns].reset_index(drop=True)
    out.attrs["previous_year"] = previous
    return out


def changes_table(
    ds: Dataset, std: Standard, *, year: int | None = None, stage: str | None = None, **options
) -> pd.DataFrame:
    """:func:`changes` for ``year`` (default the latest) against the year before it."""
    year = resolve_year(ds, year)
    earlier = [y for y in ds.years if y < year]
    trend = scorecard_trend(
        ds, std, year=year, stage=stage, since=earlier[-1] if earlier else year, **options
    )
    return changes(trend, year)


def missing_inputs(scorecard: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """The analyst's to-do: the missing rows (``needed``: their evidence), then undeclared vetoes."""
    todo = scorecard.loc[scorecard["status"] == MISSING, ["indicator", "name", "source", "evidence"]]
    todo = todo.rename(columns={"evidence": "needed"})
    vetoes = scorecard.attrs["vetoes"]
    open_vetoes = vetoes[~vetoes["declared"].astype(bool)]
    table = table_label("county_indicators", lang)
    needed = pick(
        (f"在 {table}中填报“是”或“否”（一票否决情形）", f"declare yes or no in {table} (one-vote veto)"), lang
    )
    extra = pd.DataFrame(
        {
            "indicator": open_vetoes["veto"],
            "name": open_vetoes["name"],
            "source": "county_indicators",
            "needed": needed,
        }
    )
    return pd.concat([todo, extra], ignore_index=True) if len(extra) else todo.reset_index(drop=True)


def missing_inputs_table(
    ds: Dataset, std: Standard, *, year: int | None = None, stage: str | None = None, **options
) -> pd.DataFrame:
    """:func:`missing_inputs` of the year's scorecard."""
    return missing_inputs(scorecard_table(ds, std, year=year, stage=stage, **options), _lang(options))
