"""Accessibility per area and group (question 5), summarised from a travel-time matrix.

Pure: demand points with their area keys per level, each group's weight per demand point, and the
minutes/km matrices in; a tidy table out (`level, area_code, group, kind, indicator, value, weight`).
Means are weighted by the group's residents; shares are recomputed from summed weights.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from wijkloket.access.measures import e2sfca, nearest
from wijkloket.indicators.registry import Registry

COLUMNS = ["level", "area_code", "group", "kind", "indicator", "value", "weight"]
DESK_LIKE = ("desk", "library_ido", "mobile_stop")
"""Point kinds where people are served at a counter: their opening hours are the E2SFCA supply."""
E2SFCA_WEIGHTS = (1.0, 0.68, 0.22)
"""Weights of the three travel-time zones (0-T/3, T/3-2T/3, 2T/3-T); Luo & Qi (2009), Gaussian, beta 1."""


def group_weights(table: pd.DataFrame, registry: Registry, level: str, groups: list[str]) -> pd.DataFrame:
    """Residents (or households) of each group per area of `level`: the numerator of the group's
    indicator in a profile table (its value for a count indicator)."""
    out = {}
    for g in groups:
        ind = registry.get(g)
        sel = table[(table["level"] == level) & (table["indicator"] == g)].set_index("area_code")
        out[g] = sel["numerator"] if ind.kind != "count" else sel["value"]
    return pd.DataFrame(out)


def point_weights(demand: pd.DataFrame, area_weights: pd.DataFrame) -> dict[str, np.ndarray]:
    """Per demand point, each group's weight: the area's group count spread like its population
    (the demand points' `weight`)."""
    share = (demand["weight"] / demand.groupby("area_code")["weight"].transform("sum")).to_numpy()
    return {g: demand["area_code"].map(area_weights[g]).fillna(0.0).to_numpy() * share for g in area_weights}


def _rows(level: str, keys: np.ndarray, cols: Mapping[str, np.ndarray]) -> pd.DataFrame:
    frame = pd.DataFrame({"key": keys, **cols})
    return frame.groupby("key")[list(cols)].sum()


def nearest_summary(kinds: pd.Series, minutes: np.ndarray, km: np.ndarray, weights: Mapping[str, np.ndarray],
                    keys: Mapping[str, np.ndarray], threshold: float
                    ) -> tuple[list[tuple[object, ...]], dict[str, np.ndarray]]:
    """Minutes and km to the nearest point of each kind and the share within `threshold` minutes,
    per level, area and group; and per kind the minutes to its nearest point per demand point."""
    rows: list[tuple[object, ...]] = []
    near: dict[str, np.ndarray] = {}
    n = minutes.shape[0]
    for kind in sorted(kinds.unique()):
        cols = np.flatnonzero((kinds == kind).to_numpy())
        _, best = nearest(minutes[:, cols])
        near[kind] = best
        best_km = km[np.arange(n), cols[np.argmin(minutes[:, cols], axis=1)]]
        for g, w in weights.items():
            for level, k in keys.items():
                agg = _rows(level, k, {"w": w, "m": best * w, "k": best_km * w, "in": (best <= threshold) * w})
                for code, r in agg.iterrows():
                    if r["w"] <= 0:
                        continue
                    for ind, val in (("minutes", r["m"] / r["w"]), ("km", r["k"] / r["w"]),
                                     ("share_within", 100.0 * r["in"] / r["w"])):
                        rows.append((level, code, g, kind, ind, val, r["w"]))
    return rows, near


def e2sfca_summary(kinds: pd.Series, hours: pd.Series, minutes: np.ndarray, weights: Mapping[str, np.ndarray],
                   keys: Mapping[str, np.ndarray], threshold: float) -> list[tuple[object, ...]]:
    """E2SFCA scores (Luo & Qi 2009) of the desk-like points: opening hours per week per 1000
    residents, per level, area and group; zones at T/3, 2T/3 and T."""
    desks = np.flatnonzero(kinds.isin(DESK_LIKE).to_numpy())
    if not len(desks) or hours.iloc[desks].isna().all():  # no opening hours known (e.g. a polling-station list)
        return []
    supply = hours.fillna(0.0).to_numpy()[desks]
    rows: list[tuple[object, ...]] = []
    for g, w in weights.items():
        score = e2sfca(minutes[:, desks], w, supply, [threshold / 3, 2 * threshold / 3, threshold],
                       list(E2SFCA_WEIGHTS)) * 1000.0
        for level, k in keys.items():
            agg = _rows(level, k, {"w": w, "s": score * w})
            for code, r in agg.iterrows():
                if r["w"] > 0:
                    rows.append((level, code, g, "desk_hours", "e2sfca_per_1000", r["s"] / r["w"], r["w"]))
    return rows


def summarise(points: pd.DataFrame, minutes: np.ndarray, km: np.ndarray, weights: Mapping[str, np.ndarray],
              keys: Mapping[str, np.ndarray], threshold: float) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """The whole accessibility table (`COLUMNS`) and the nearest minutes per kind."""
    rows, near = nearest_summary(points["kind"], minutes, km, weights, keys, threshold)
    rows += e2sfca_summary(points["kind"], points["hours_per_week"], minutes, weights, keys, threshold)
    return pd.DataFrame(rows, columns=COLUMNS), near
