"""Accessibility measures on a demand x supply matrix of travel times (minutes) or distances.

- nearest: per demand point, the nearest point of a kind and its distance/time;
- within: the share of a group's weight within a threshold;
- E2SFCA: the enhanced two-step floating catchment area of Luo & Qi (2009), "An enhanced
  two-step floating catchment area (E2SFCA) method for measuring spatial accessibility to primary
  care physicians", Health & Place 15(4): 1100-1107: zones with weights inside the catchment.
  Step 1, per supply j: R_j = S_j / sum_i P_i W(t_ij) over t_ij <= t0; step 2, per demand i:
  A_i = sum_j R_j W(t_ij) over t_ij <= t0.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd


def nearest(cost: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(index of the nearest supply, its cost) per demand row; -1 and inf without supply."""
    if cost.shape[1] == 0:
        return np.full(cost.shape[0], -1), np.full(cost.shape[0], np.inf)
    idx = np.argmin(cost, axis=1)
    return idx, cost[np.arange(cost.shape[0]), idx]


def share_within(cost_nearest: np.ndarray, weights: np.ndarray, threshold: float) -> float:
    """Share of the total weight whose nearest supply lies within `threshold`."""
    total = float(np.sum(weights))
    return float(np.sum(weights[cost_nearest <= threshold]) / total) if total > 0 else float("nan")


def zone_weights(cost: np.ndarray, breaks: Sequence[float], weights: Sequence[float]) -> np.ndarray:
    """Step distance decay: weight `weights[k]` for cost in (breaks[k-1], breaks[k]], 0 beyond the
    last break (the catchment)."""
    out = np.zeros_like(cost, dtype="float64")
    lower = -np.inf
    for b, w in zip(breaks, weights, strict=True):
        out[(cost > lower) & (cost <= b)] = w
        lower = b
    return out


def e2sfca(cost: np.ndarray, demand: np.ndarray, supply: np.ndarray, breaks: Sequence[float],
           weights: Sequence[float]) -> np.ndarray:
    """E2SFCA accessibility per demand row (supply per person, e.g. desk hours per resident)."""
    w = zone_weights(cost, breaks, weights)
    reach = demand @ w  # per supply: weighted demand within the catchment
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(reach > 0, supply / reach, 0.0)
    return w @ ratio


def two_sfca(cost: np.ndarray, demand: np.ndarray, supply: np.ndarray, threshold: float) -> np.ndarray:
    """The classic 2SFCA of Luo & Wang (2003): E2SFCA with a single zone of weight 1."""
    return e2sfca(cost, demand, supply, [threshold], [1.0])


def summary_by_area(points: pd.DataFrame, values: np.ndarray, name: str) -> pd.Series:
    """Weighted mean of a per-point value per area (points: area_code, weight)."""
    df = pd.DataFrame({"area_code": points["area_code"], "w": points["weight"], "v": values * points["weight"]})
    g = df.groupby("area_code")[["w", "v"]].sum()
    return (g["v"] / g["w"].where(g["w"] > 0)).rename(name)
