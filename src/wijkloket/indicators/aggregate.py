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
    indicators = list(indicators)
    if not indicators:
        return pd.DataFrame(columns=keys + RESULT_COLUMNS)
    # One wide frame of per-area terms for all indicators, summed in a single groupby.
    parts: dict[str, pd.Series] = {}
    for i, ind in enumerate(indicators):
        terms = area_terms(values, ind)
        known = terms["num"].notna()
        if ind.kind != "count":
            known &= terms["den"].notna()
        parts[f"num{i}"] = terms["num"].where(known, 0.0)
        parts[f"den{i}"] = terms["den"].where(known, 0.0)
        parts[f"cwk{i}"] = terms["cw"].where(known, 0.0)
        parts[f"cwa{i}"] = terms["cw"]
        parts[f"n{i}"] = known.astype("int64")
    wide = pd.concat([groups, pd.DataFrame(parts, index=values.index)], axis=1).reset_index(drop=True)
    g = wide.groupby(keys, sort=False, dropna=False).sum()
    key_frame = g.index.to_frame(index=False)
    frames = []
    for i, ind in enumerate(indicators):
        n_known = g[f"n{i}"].to_numpy()
        nothing = n_known == 0
        num = np.where(nothing, np.nan, g[f"num{i}"].to_numpy())
        den = np.where(nothing | (ind.kind == "count"), np.nan, g[f"den{i}"].to_numpy())
        cw_all = g[f"cwa{i}"].to_numpy()
        with np.errstate(divide="ignore", invalid="ignore"):
            coverage = np.where(cw_all > 0, g[f"cwk{i}"].to_numpy() / cw_all, np.nan)
        coverage = np.where(nothing, 0.0, coverage)
        value = _value(ind, pd.Series(num), pd.Series(den)).to_numpy()
        if ind.min_base > 0:
            small = den < ind.min_base
            value = np.where(small, np.nan, value)
            num = np.where(small, np.nan, num)
        out = key_frame.copy()
        out["indicator"] = ind.id
        out["value"] = value
        out["numerator"] = num
        out["denominator"] = den
        out["coverage"] = coverage
        out["n_areas"] = n_known
        frames.append(out)
    return pd.concat(frames, ignore_index=True)[keys + RESULT_COLUMNS]
