"""Reading the values analysts type into ``county_indicators``: numbers, percentages, yes/no
(apart from the scorecard: the loader refuses impossible values with it)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from eduwb.data.schema import FALSE_VALUES, TRUE_VALUES

_YES = set(TRUE_VALUES) | {"达标", "合格", "符合", "已达标", "健全", "√", "✓"}
_NO = set(FALSE_VALUES) | {"未达标", "不合格", "不符合", "不达标", "×", "✗"}
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")


@dataclass(frozen=True)
class CountyValue:
    """A parsed county input: ``kind`` ``"yes"``, ``"no"``, ``"percent"`` (``number`` a fraction:
    "96.5%" → 0.965), ``"number"`` (as written) or ``"unreadable"``."""

    kind: str
    number: float | None = None
    text: str = ""

    def as_fraction(self) -> float | None:
        """The value as a fraction for an indicator measured in %: 96.5 % and 0.965 alike."""
        if self.kind == "percent":
            return self.number
        if self.kind == "number" and self.number is not None:
            # Analysts write a share either as 0.965 or as 96.5 (without the % sign).
            return self.number if self.number <= 1 else self.number / 100
        return None


def parse_county_value(text: str | None) -> CountyValue | None:
    """Parse one cell; ``None`` for a blank cell (the indicator is then missing, 缺数据)."""
    if text is None:
        return None
    raw = str(text).strip()
    if raw == "":
        return None
    # NFKC folds full-width digits, points and signs (９６．５％) into their ASCII forms.
    low = unicodedata.normalize("NFKC", raw).lower().replace(" ", "").replace(",", "")
    if low in _YES:
        return CountyValue("yes", None, raw)
    if low in _NO:
        return CountyValue("no", None, raw)
    if low.endswith(("%", "％")):
        body = low[:-1]
        if _NUMBER.match(body):
            return CountyValue("percent", float(body) / 100, raw)
        return CountyValue("unreadable", None, raw)
    body = low.removesuffix("元")
    if _NUMBER.match(body):
        return CountyValue("number", float(body), raw)
    return CountyValue("unreadable", None, raw)
