"""Which areas stand out on which groups: the numbers behind the report's key message."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from wijkloket.indicators.aggregate import LOW_COVERAGE
from wijkloket.indicators.registry import Indicator

STAND_OUT = 20.0
"""An area stands out when its value is at least this many index points from the city (=100)."""


@dataclass(frozen=True)
class Finding:
    indicator: str
    area_code: str
    area_name: str
    value: float
    index_city: float
    city_value: float
    concern: bool  # True when the deviation points to more potential barriers


def stand_out(table: pd.DataFrame, indicators: list[Indicator], level: str = "district",
              threshold: float = STAND_OUT) -> list[Finding]:
    """Areas of `level` whose value deviates `threshold` or more index points from the city, for
    the key indicators with enough coverage; most extreme first."""
    out: list[Finding] = []
    city = table[table["level"] == "gemeente"].set_index("indicator")["value"]
    for ind in indicators:
        if not ind.key or ind.kind == "count":
            continue
        rows = table[(table["level"] == level) & (table["indicator"] == ind.id)]
        rows = rows[rows["value"].notna() & (rows["coverage"] >= LOW_COVERAGE)]
        for r in rows.itertuples():
            dev = float(r.index_city) - 100.0
            if abs(dev) < threshold:
                continue
            concern = dev > 0 if ind.concern == "high" else dev < 0
            out.append(Finding(ind.id, str(r.area_code), str(r.area_name), float(r.value),
                               float(r.index_city), float(city.get(ind.id, float("nan"))),
                               concern))
    return sorted(out, key=lambda f: -abs(f.index_city - 100.0))


def concern_counts(findings: list[Finding]) -> dict[str, list[Finding]]:
    """Per area name: the findings that point to more potential barriers, most areas first."""
    by_area: dict[str, list[Finding]] = {}
    for f in findings:
        if f.concern:
            by_area.setdefault(f.area_name, []).append(f)
    return dict(sorted(by_area.items(), key=lambda kv: -len(kv[1])))


def concern_band(index: float, concern: str) -> int:
    """How far a value stands from the city (index, city = 100) in the direction of more potential
    barriers: 2 for 20 or more index points, 1 for 10-20, -1 and -2 the other way, 0 within 10 or
    for a missing index. For a `low` concern a lower value is the worrying one."""
    if index != index:
        return 0
    dev = index - 100.0 if concern == "high" else 100.0 - index
    return 2 if dev >= 20 else 1 if dev >= 10 else -2 if dev <= -20 else -1 if dev <= -10 else 0
