"""Aggregation that is right: counts are summed, shares and rates are recomputed from summed
numerators and bases, means are weighted by their base.

Pure functions on tables: no files, no settings. Every area contributes a numerator, a denominator
and a coverage weight; a group's value is computed from the sums over the areas where the
numerator is known, and the group says which share of its base those areas hold (`coverage`).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from wijkloket.indicators.registry import Indicator

LOW_COVERAGE = 0.9
"""An aggregate resting on less than this share of its base is flagged."""

RESULT_COLUMNS = ["indicator", "value", "numerator", "denominator", "coverage", "n_areas"]


def _col(values: pd.DataFrame, name: str | None) -> pd.Series:
    if name and name in values.columns:
        return values[name].astype("float64")
    return pd.Series(np.nan, index=values.index, dtype="float64")


def area_terms(values: pd.DataFrame, ind: Indicator) -> pd.DataFrame:
    """Per area: `num`, `den` (NaN for counts) and `cw`, the weight for coverage.

    For a share, the numerator is the published count where there is one, else the published
    percentage times the base / 100 (CBS publishes whole per cents in the Wijk- en buurtkaart).
    """
    pop = _col(values, "population")
    if ind.kind == "count":
        num = _col(values, ind.variable)
        den = pd.Series(np.nan, index=values.index)
    elif ind.kind == "share":
        den = _col(values, ind.base)
        from_count = _col(values, ind.count)
        from_pct = _col(values, ind.percent) * den / 100.0
        num = from_count.where(from_count.notna(), from_pct)
    elif ind.kind == "rate":
        den = _col(values, ind.base)
        num = _col(values, ind.count)
    elif ind.kind == "ratio":
        num = _col(values, ind.numerator)
        den = _col(values, ind.denominator)
    else:  # mean
        den = _col(values, ind.weight)
        num = _col(values, ind.variable) * den
    base_name = ind.coverage_base
    if base_name is None:
        cw = pd.Series(1.0, index=values.index)
    else:
        cw = _col(values, base_name)
        cw = cw.where(cw.notna(), pop).fillna(0.0)
    return pd.DataFrame({"num": num, "den": den, "cw": cw})


def _value(ind: Indicator, num: pd.Series, den: pd.Series) -> pd.Series:
    if ind.kind == "count":
        return num
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = num / den.where(den != 0)
    if ind.kind == "share":
        return ratio * 100.0
    if ind.kind in ("rate", "ratio"):
        return ratio * ind.scale
    return ratio


def aggregate(
    values: pd.DataFrame,
    groups: pd.DataFrame,
    indicators: Iterable[Indicator],
) -> pd.DataFrame:
    """Aggregate area values into groups.

    `values`: one row per area (index = area code), a float column per canonical variable.
    `groups`: same index, one or more key columns naming each area's group.
    Returns one row per group and indicator: the key columns and `RESULT_COLUMNS`.
    """
    keys = list(groups.columns)
    frames = []
    for ind in indicators:
        terms = area_terms(values, ind)
        known = terms["num"].notna()
        if ind.kind != "count":
            known &= terms["den"].notna()
        t = pd.DataFrame(
            {
                "num": terms["num"].where(known, 0.0),
                "den": terms["den"].where(known, 0.0),
                "cw_known": terms["cw"].where(known, 0.0),
                "cw_all": terms["cw"],
                "n_known": known.astype("int64"),
            },
            index=values.index,
        )
        t = pd.concat([groups, t], axis=1).reset_index(drop=True)
        g = t.groupby(keys, sort=False, dropna=False).sum()
        out = g.reset_index()[keys].copy()
        num = g["num"].to_numpy()
        den = g["den"].to_numpy()
        with np.errstate(divide="ignore", invalid="ignore"):
            coverage = np.where(g["cw_all"] > 0, g["cw_known"] / g["cw_all"], np.nan)
        coverage = np.where(g["n_known"] == 0, 0.0, coverage)
        nothing = (g["n_known"] == 0).to_numpy()
        num = np.where(nothing, np.nan, num)
        den = np.where(nothing | (ind.kind == "count"), np.nan, den)
        out["indicator"] = ind.id
        out["numerator"] = num
        out["denominator"] = den
        out["value"] = _value(ind, pd.Series(num), pd.Series(den)).to_numpy()
        if ind.min_base > 0:
            small = out["denominator"] < ind.min_base
            out.loc[small, ["value", "numerator"]] = np.nan
        out["coverage"] = coverage
        out["n_areas"] = g["n_known"].to_numpy()
        frames.append(out[keys + RESULT_COLUMNS])
    if not frames:
        return pd.DataFrame(columns=keys + RESULT_COLUMNS)
    return pd.concat(frames, ignore_index=True)
