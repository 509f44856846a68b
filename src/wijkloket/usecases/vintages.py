"""Boundary vintages: CBS wijk and buurt codes change between years (an indeling change: Haarlem went
from 9 to 21 wijken), so a wijk code of one year need not be the same area in another. Comparing two
years says so, and an area crosswalk (from_code,to_code,share) carries an older year's figures over
to the newer indeling: counts and bases are split by the share, percentages and averages are carried
with their base, and every indicator is recomputed from the summed parts (never averaged)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from wijkloket.areas.codes import is_area_code, normalise_code
from wijkloket.errors import InputFileError
from wijkloket.indicators.aggregate import aggregate
from wijkloket.indicators.registry import Registry
from wijkloket.sources.files import check_file, read_csv_text
from wijkloket.store.workspace import Workspace

CROSSWALK_COLUMNS = ("from_code", "to_code", "share")
INTENSIVE_PREFIXES = ("pct_", "dist_", "avg_")
"""Variables that are a percentage, a distance or an average: carried over unchanged with their base."""
INTENSIVE = ("population_density", "ses_woa_score")


@dataclass(frozen=True)
class IndelingChange:
    """Two years whose own areas at `level` differ: how many each has and how many codes both share."""

    level: str
    year_a: int
    year_b: int
    n_a: int
    n_b: int
    common: int


def own_codes(ws: Workspace, year: int, level: str) -> set[str]:
    areas = ws.areas(year)
    mine = areas[(areas["level"] == level) & (areas["gemeente_code"] == ws.gemeente)]
    return set(mine.index)


def indeling_changes(ws: Workspace, year: int) -> list[IndelingChange]:
    """Every other year of the workspace whose wijk (or, where both have them, buurt) codes differ from
    those of `year`."""
    out = []
    for other in ws.years():
        if other == year:
            continue
        for level in ("wijk", "buurt"):
            here, there = own_codes(ws, year, level), own_codes(ws, other, level)
            if here and there and here != there:
                a, b = sorted((year, other))
                na, nb = (len(here), len(there)) if a == year else (len(there), len(here))
                out.append(IndelingChange(level, a, b, na, nb, len(here & there)))
    return out


def indeling_notes(ws: Workspace, year: int) -> list[tuple[str, dict[str, Any]]]:
    """Notes for a profile of `year`: the other years of the workspace with another indeling."""
    return [("note.indeling_changed", {"level": c.level, "year_a": c.year_a, "year_b": c.year_b, "n_a": c.n_a,
                                       "n_b": c.n_b, "common": c.common}) for c in indeling_changes(ws, year)]


def indeling_warnings(ws: Workspace, year: int) -> list[str]:
    """The add summary's warning when the year just added has another indeling than a year already there."""
    pairs = sorted({f"{c.year_a}/{c.year_b} ({c.level})" for c in indeling_changes(ws, year)})
    return ["indeling_changed:" + ", ".join(pairs)] if pairs else []


def read_crosswalk(path: Path) -> pd.DataFrame:
    """An area crosswalk: from_code (older area), to_code (newer area), share (of the older area's
    residents/counts that lie in the newer one, 0 < share <= 1; a from_code's shares sum to at most 1)."""
    check_file(path)
    frame, _ = read_csv_text(path)
    cols = {c.strip().lower(): c for c in frame.columns}
    missing = [c for c in CROSSWALK_COLUMNS if c not in cols]
    if missing:
        raise InputFileError("error.crosswalk_columns", file=str(path), missing=", ".join(missing),
                             found=", ".join(map(str, frame.columns)))
    cw = pd.DataFrame({c: frame[cols[c]] for c in CROSSWALK_COLUMNS})
    cw["from_code"] = cw["from_code"].astype(str).map(normalise_code)
    cw["to_code"] = cw["to_code"].astype(str).map(normalise_code)
    cw["share"] = pd.to_numeric(cw["share"].astype(str).str.replace(",", ".", regex=False), errors="coerce")
    bad_code = ~(cw["from_code"].map(is_area_code) & cw["to_code"].map(is_area_code))
    bad_share = cw["share"].isna() | (cw["share"] <= 0) | (cw["share"] > 1)
    over = cw.groupby("from_code")["share"].transform("sum") > 1.001
    bad = bad_code | bad_share | over
    if bad.any():
        rows = ", ".join(str(i + 2) for i in np.flatnonzero(bad.to_numpy())[:5])
        raise InputFileError("error.crosswalk_rows", file=str(path), rows=rows, n=int(bad.sum()))
    return cw


def carry_over(values: pd.DataFrame, crosswalk: pd.DataFrame) -> pd.DataFrame:
    """An older year's area values (index area code, a column per variable) as parts of the newer
    areas: one row per crosswalk pair, counts and bases times the share, percentages and averages as
    they are, with a `to_code` column to aggregate by."""
    pairs = crosswalk[crosswalk["from_code"].isin(values.index)]
    parts = values.loc[pairs["from_code"]].reset_index(drop=True)
    share = pairs["share"].to_numpy()
    for col in parts.columns:
        if not (col.startswith(INTENSIVE_PREFIXES) or col in INTENSIVE):
            parts[col] = parts[col] * share
    parts["to_code"] = pairs["to_code"].to_numpy()
    return parts


def compare_years(ws: Workspace, registry: Registry, year_a: int, year_b: int,
                  crosswalk: pd.DataFrame | None = None, indicator_ids: list[str] | None = None
                  ) -> tuple[pd.DataFrame, list[IndelingChange]]:
    """Indicators of two years side by side (columns area_code, indicator, value_a, value_b) at the
    wijken of `year_b`. Where the wijk indeling differs and no crosswalk is given, only the municipality
    is compared (the wijk codes are not the same areas); with a crosswalk `year_a` is carried over."""
    inds = ([registry.get(i) for i in indicator_ids] if indicator_ids else list(registry.indicators.values()))
    changes = [c for c in indeling_changes(ws, year_b) if {c.year_a, c.year_b} == {year_a, year_b}]
    wijken_b = sorted(own_codes(ws, year_b, "wijk"))

    def at(year: int, codes: list[str], values: pd.DataFrame | None = None) -> pd.DataFrame:
        vals = ws.values(year) if values is None else values
        vals = vals.reindex(codes)
        return aggregate(vals, pd.DataFrame({"area_code": codes}, index=vals.index), inds)

    b = at(year_b, wijken_b + [ws.gemeente])
    if not changes:
        a = at(year_a, wijken_b + [ws.gemeente])
    elif crosswalk is not None:
        parts = carry_over(ws.values(year_a), crosswalk)
        parts = parts[parts["to_code"].isin(wijken_b)].reset_index(drop=True)
        a_wijk = aggregate(parts.drop(columns="to_code"), parts[["to_code"]].rename(columns={"to_code": "area_code"}),
                           inds)
        a = pd.concat([a_wijk, at(year_a, [ws.gemeente])], ignore_index=True)
    else:
        a, b = at(year_a, [ws.gemeente]), b[b["area_code"] == ws.gemeente]
    out = b[["area_code", "indicator", "value"]].rename(columns={"value": "value_b"}).merge(
        a[["area_code", "indicator", "value"]].rename(columns={"value": "value_a"}), how="left",
        on=["area_code", "indicator"])
    return out[["area_code", "indicator", "value_a", "value_b"]], changes
