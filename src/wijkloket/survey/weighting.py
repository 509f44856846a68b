"""Weighting of the needs survey (issue 10, point 6): design weights, raking to population margins with
bounds or trimming, reconciliation of margins that do not add up, and Kish's design effect.

A margin is a tuple of respondent variables (e.g. `("district", "age_band")`) with a population total per
cell. Raking is iterative proportional fitting (Deming & Stephan 1940) of the design weights d = 1 /
inclusion probability: per margin in turn, every weight in a cell is multiplied by population / weighted
sum. Bounds L <= g = w/d' <= U (d' the design weights scaled to the population total, so that g is the
correction beyond the overall response rate) are enforced by truncation after each margin ('bounded raking', Deville &
Särndal 1992, sec. 3). Trimming at k times the mean weight is the same thing with an upper bound on w:
after raking the mean weight is N/n (N the population total, n the respondents), so w <= k N/n is a bound
known in advance, and the excess is redistributed over the other units of the cells by the next sweep.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from wijkloket.errors import ConfigError

VARIABLES = ("stratum", "district", "area_code", "age_band", "sex")
RECONCILE_LIMIT = 2.0  # per cent: margins further apart do not describe the same population
MAX_ITER = 100
TOL = 1e-9


@dataclass(frozen=True)
class Margin:
    """Population totals per cell of the crossed `variables` (an index of tuples, one per cell)."""

    variables: tuple[str, ...]
    totals: pd.Series  # index: tuple of category labels, values: population count

    @property
    def name(self) -> str:
        return "*".join(self.variables)

    def total(self) -> float:
        return float(self.totals.sum())


@dataclass
class RakeResult:
    weights: np.ndarray
    iterations: int
    converged: bool
    history: list[dict[str, float]]  # per iteration: margin name -> max absolute deviation
    deviation: dict[str, float]  # margin name -> final max relative deviation
    bounded: int = 0  # units at a bound at the end (within 0.1%)
    bounds: tuple[float, float] | None = None
    trim: float | None = None
    adjustments: list[dict[str, Any]] = field(default_factory=list)


def parse_margins(spec: str, known: Sequence[str] = VARIABLES) -> list[tuple[str, ...]]:
    """`district*age_band,sex` -> [("district", "age_band"), ("sex",)]: comma separates margins, `*` crosses."""
    out: list[tuple[str, ...]] = []
    for part in spec.split(","):
        names = tuple(v.strip() for v in part.split("*"))
        if not part.strip() or any(not v for v in names):
            raise ConfigError("error.survey_margin_form", value=spec)
        for v in names:
            if v not in known:
                raise ConfigError("error.survey_margin_variable", value=v, known=", ".join(known))
        if len(set(names)) != len(names) or names in out:
            raise ConfigError("error.survey_margin_form", value=spec)
        out.append(names)
    return out


def margin_from_counts(counts: pd.DataFrame, variables: tuple[str, ...], column: str = "count") -> Margin:
    """A margin summed from a table of counts (e.g. the frame counts) over the other variables."""
    missing = counts[list(variables)].isna().any(axis=1)
    if missing.any():
        raise ConfigError("error.survey_margin_missing", margin="*".join(variables))
    summed = counts.groupby(list(variables), sort=True)[column].sum()
    index = pd.Index([k if isinstance(k, tuple) else (k,) for k in summed.index], tupleize_cols=False)
    return Margin(variables, pd.Series(summed.to_numpy(dtype=float), index=index))


def design_weights(inclusion_prob: Sequence[float] | np.ndarray) -> np.ndarray:
    """d = 1 / pi (Horvitz-Thompson)."""
    p = np.asarray(inclusion_prob, dtype=float)
    if (p <= 0).any() or (p > 1).any() or np.isnan(p).any():
        raise ConfigError("error.survey_inclusion_prob")
    return 1.0 / p


def reconcile(margins: Sequence[Margin]) -> tuple[list[Margin], list[dict[str, Any]]]:
    """Scale every margin to the total of the first (CBS rounds to 5, so totals differ a little); the
    adjustment of each margin (absolute, per cent). More than RECONCILE_LIMIT per cent is an error."""
    target = margins[0].total()
    out: list[Margin] = []
    report: list[dict[str, Any]] = []
    for m in margins:
        total = m.total()
        diff = target - total
        pct = 100.0 * diff / total if total else math.inf
        if abs(pct) > RECONCILE_LIMIT:
            raise ConfigError("error.survey_margins_differ", margin=m.name, total=round(total),
                              first=margins[0].name, target=round(target), pct=round(pct, 2))
        out.append(Margin(m.variables, m.totals * (target / total)))
        report.append({"margin": m.name, "total": total, "adjustment": diff, "adjustment_pct": pct})
    return out, report


def _cells(data: pd.DataFrame, margin: Margin) -> np.ndarray:
    """The position of each respondent's cell in `margin.totals`; errors for cells without population
    or with population but no respondents."""
    keys = list(zip(*(data[v].astype(object) for v in margin.variables), strict=True))
    pos = margin.totals.index.get_indexer(pd.Index(keys, tupleize_cols=False))
    if (pos < 0).any():
        cell = keys[int(np.flatnonzero(pos < 0)[0])]
        raise ConfigError("error.survey_margin_no_population", margin=margin.name, cell=_label(cell))
    counts = np.bincount(pos, minlength=len(margin.totals))
    empty = np.flatnonzero((counts == 0) & (margin.totals.to_numpy() > 0))
    if empty.size:
        cell = margin.totals.index[int(empty[0])]
        raise ConfigError("error.survey_margin_empty_cell", margin=margin.name, cell=_label(cell),
                          population=round(float(margin.totals.iloc[int(empty[0])])))
    return pos


def _label(cell: Any) -> str:
    return " x ".join("-" if v is None else str(v) for v in (cell if isinstance(cell, tuple) else (cell,)))


def rake(data: pd.DataFrame, d: np.ndarray, margins: Sequence[Margin], bounds: tuple[float, float] | None = None,
         trim: float | None = None, max_iter: int = MAX_ITER, tol: float = TOL) -> RakeResult:
    """Rake the design weights `d` of the respondents in `data` to `margins` (reconciled first). Bounds on
    g = w / d' (d' = d scaled to the population total, i.e. corrected for the overall response) and a trim
    factor k (w <= k x mean weight) are enforced in every sweep. Not converged within
    `max_iter` sweeps (max relative deviation > `tol`) is an error naming the margin furthest off."""
    d = np.asarray(d, dtype=float)
    margins, adjustments = reconcile(margins)
    pos = [_cells(data, m) for m in margins]
    targets = [m.totals.to_numpy(dtype=float) for m in margins]
    base = d * margins[0].total() / float(np.sum(d))  # d scaled up for nonresponse: g is relative to it
    low = np.zeros_like(d) if bounds is None else bounds[0] * base
    high = np.full_like(d, np.inf) if bounds is None else bounds[1] * base
    if trim is not None:
        high = np.minimum(high, trim * margins[0].total() / len(d))
    w = np.clip(d.copy(), low, high)
    history: list[dict[str, float]] = []
    rel: dict[str, float] = {}
    for it in range(1, max_iter + 1):
        for p, target in zip(pos, targets, strict=True):
            sums = np.bincount(p, weights=w, minlength=len(target))
            factor = np.divide(target, sums, out=np.zeros_like(target), where=sums > 0)
            w = np.clip(w * factor[p], low, high)
        absolute, rel = _deviations(w, pos, targets, margins)
        history.append(absolute)
        if max(rel.values()) <= tol:
            bounded = int(np.sum(np.isclose(w, low, rtol=1e-3) & (low > 0)) + np.sum(np.isclose(w, high, rtol=1e-3)))
            return RakeResult(w, it, True, history, rel, bounded, bounds, trim, adjustments)
    worst = max(rel, key=lambda k: rel[k])
    raise ConfigError("error.survey_not_converged", iterations=max_iter, margin=worst,
                      deviation=round(history[-1][worst], 2), pct=round(100 * rel[worst], 4))


def _deviations(w: np.ndarray, pos: list[np.ndarray], targets: list[np.ndarray], margins: Sequence[Margin]
                ) -> tuple[dict[str, float], dict[str, float]]:
    absolute: dict[str, float] = {}
    relative: dict[str, float] = {}
    for p, target, m in zip(pos, targets, margins, strict=True):
        diff = np.abs(np.bincount(p, weights=w, minlength=len(target)) - target)
        absolute[m.name] = float(diff.max())
        relative[m.name] = float((diff / np.where(target > 0, target, 1.0)).max())
    return absolute, relative


def kish(w: np.ndarray) -> tuple[float, float]:
    """Kish's design effect of unequal weights, deff = n sum(w^2) / (sum w)^2, and n_eff = n / deff."""
    w = np.asarray(w, dtype=float)
    n = len(w)
    if n == 0:
        return math.nan, 0.0
    deff = float(n * np.sum(w**2) / np.sum(w) ** 2)
    return deff, n / deff


def margin_table(data: pd.DataFrame, w: np.ndarray, margins: Sequence[Margin]) -> pd.DataFrame:
    """Per margin cell: population (as raked to, after reconciliation), weighted sum, respondents."""
    rows: list[dict[str, Any]] = []
    for m in reconcile(margins)[0]:
        p = _cells(data, m)
        sums = np.bincount(p, weights=w, minlength=len(m.totals))
        n = np.bincount(p, minlength=len(m.totals))
        for i, cell in enumerate(m.totals.index):
            rows.append({"margin": m.name, "cell": _label(cell), "population": float(m.totals.iloc[i]),
                         "weighted": float(sums[i]), "respondents": int(n[i])})
    return pd.DataFrame(rows, columns=["margin", "cell", "population", "weighted", "respondents"])


def calibration_matrix(data: pd.DataFrame, variables: Sequence[Sequence[str]]) -> np.ndarray:
    """Dummies of every cell of every margin (the calibration variables of raking), one column per cell."""
    blocks = []
    for vs in variables:
        key = data[list(vs)].astype(str).agg("|".join, axis=1)
        blocks.append(pd.get_dummies(key).to_numpy(dtype=float))
    return np.hstack(blocks) if blocks else np.zeros((len(data), 0))
