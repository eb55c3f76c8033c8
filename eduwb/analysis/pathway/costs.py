"""The prices and quantities the pathway uses, each with where it came from.

The standard's data (``[pathway]`` and ``[pathway.unit_costs]`` of the standard file) hold
an illustrative default for every price, marked "county estimate"; a county sets its own in
``county.toml [unit_costs]``; a caller (``--param key=value``) may override either. The
pathway's tables record which was used (:func:`costs_table`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from eduwb.analysis.balance import yuan_parameter
from eduwb.errors import ParameterError
from eduwb.standards import Standard

#: The resource indicators' ``cost_key`` ``yuan`` (a shortfall in money) is the equipment price.
_ALIASES = {"yuan": "equipment_yuan"}


@dataclass(frozen=True)
class Prices:
    """Unit costs (元) and the pathway's quantities, with each price's source."""

    costs: dict[str, float]
    units: dict[str, str]
    sources: dict[str, str]
    classroom_m2: dict[str, float]
    teachers_per_class: dict[str, float]
    addition_step: dict[str, float] = field(default_factory=dict)

    def __getitem__(self, key: str) -> float:
        return self.costs[_ALIASES.get(key, key)]


def _pathway_data(std: Standard) -> dict:
    data = std.raw.get("pathway")
    if not data or "unit_costs" not in data:
        raise ParameterError(
            f"standard {std.id} has no [pathway] data (unit costs and quantities), so no pathway "
            "can be drawn under it"
        )
    return data


def prices(ds, std: Standard, options: dict | None = None) -> Prices:
    """The prices in force: the standard's defaults, county.toml's, then ``options``."""
    data = _pathway_data(std)
    costs, units, sources = {}, {}, {}
    for key, entry in data["unit_costs"].items():
        costs[key] = float(entry["value"])
        units[key] = str(entry["unit"])
        sources[key] = str(entry["source"])
    given = getattr(ds.settings, "unit_costs_given", frozenset())
    for key, value in ds.settings.unit_costs.items():
        if key in costs and (key in given or value != costs[key]):
            costs[key] = float(value)
            sources[key] = "county.toml"
    for key, raw in (options or {}).items():
        if key not in costs:
            raise ParameterError(f"unknown parameter {key!r}; unit costs are: {', '.join(costs)}")
        costs[key] = yuan_parameter(key, raw)
        sources[key] = "parameter"
    return Prices(
        costs=costs,
        units=units,
        sources=sources,
        classroom_m2={k: float(v) for k, v in data["classroom_m2"].items()},
        teachers_per_class={k: float(v) for k, v in data["teachers_per_class"].items()},
        addition_step={k: float(v) for k, v in data.get("addition_step", {}).items()},
    )


def costs_table(p: Prices, used: set[str] | None = None) -> pd.DataFrame:
    """``cost_key, unit_cost, unit, source, used`` — every price, and whether the pathway used it."""
    used = used or set()
    keys = list(p.costs)
    return pd.DataFrame(
        {
            "cost_key": keys,
            "unit_cost": [p.costs[k] for k in keys],
            "unit": [p.units[k] for k in keys],
            "source": [p.sources[k] for k in keys],
            "used": [k in used for k in keys],
        }
    )
