"""The R-indicator of representativeness of the response (Schouten, Cobben & Bethlehem 2009, Survey
Methodology 35(1), 101-113): R = 1 - 2 S(rho), where rho are the response propensities of the sampled
units from a logistic regression of responded on auxiliary variables known for the whole sample, and S the
design-weighted standard deviation, S^2 = 1/(N - 1) sum d (rho - rho_bar)^2 with N = sum d.

R = 1: everyone equally likely to respond; 0 is the lowest value. The propensity model is fitted by
iteratively reweighted least squares with the design weights d. The 95% interval is R +- 1.96 se, with the
standard error from a seeded bootstrap of the sample (units resampled with replacement within strata,
model fitted again each time), as in the paper (section 4).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

BOOTSTRAP_REPS = 500
BOOTSTRAP_SEED = 20090601
Z95 = 1.959963984540054


def model_matrix(frame: pd.DataFrame, variables: Sequence[str]) -> np.ndarray:
    """Intercept plus dummies of each variable (first category left out)."""
    parts = [np.ones((len(frame), 1))]
    for v in variables:
        dummies = pd.get_dummies(frame[v].astype(str), drop_first=True)
        if dummies.shape[1]:
            parts.append(dummies.to_numpy(dtype=float))
    return np.hstack(parts)


def propensities(x: np.ndarray, responded: np.ndarray, d: np.ndarray, max_iter: int = 50,
                 tol: float = 1e-10) -> np.ndarray:
    """Fitted response propensities of a design-weighted logistic regression (IRLS; a small ridge keeps a
    group in which nobody or everybody responded finite)."""
    y = responded.astype(float)
    beta = np.zeros(x.shape[1])
    ridge = 1e-8 * np.eye(x.shape[1])
    for _ in range(max_iter):
        eta = np.clip(x @ beta, -30, 30)
        p = 1 / (1 + np.exp(-eta))
        wt = d * p * (1 - p)
        grad = x.T @ (d * (y - p))
        step = np.linalg.solve(x.T @ (x * wt[:, None]) + ridge, grad)
        beta = beta + step
        if float(np.max(np.abs(step))) < tol:
            break
    return np.asarray(1 / (1 + np.exp(-np.clip(x @ beta, -30, 30))))


def r_value(rho: np.ndarray, d: np.ndarray) -> float:
    """R = 1 - 2 S(rho), S the design-weighted standard deviation with divisor N - 1."""
    n_pop = float(np.sum(d))
    if n_pop <= 1:
        return math.nan
    bar = float(np.sum(d * rho) / n_pop)
    return 1.0 - 2.0 * math.sqrt(float(np.sum(d * (rho - bar) ** 2)) / (n_pop - 1))


def r_indicator(sample: pd.DataFrame, variables: Sequence[str] = ("stratum", "age_band", "sex"),
                responded: str = "responded", weight: str = "design_weight", strata: str = "stratum",
                reps: int = BOOTSTRAP_REPS, seed: int = BOOTSTRAP_SEED) -> dict[str, float]:
    """R with its bootstrap standard error and 95% interval: {r, se, ci_low, ci_high, response}."""
    if sample.empty:
        return {"r": math.nan, "se": math.nan, "ci_low": math.nan, "ci_high": math.nan, "response": math.nan}
    used = [v for v in variables if sample[v].notna().any()]
    frame = sample.assign(**{v: sample[v].fillna("-") for v in used})
    x = model_matrix(frame, used)
    y = frame[responded].to_numpy(dtype=bool)
    d = frame[weight].to_numpy(dtype=float)
    r = r_value(propensities(x, y, d), d)
    rng = np.random.default_rng(seed)
    groups = [np.flatnonzero(frame[strata].to_numpy() == h) for h in pd.unique(frame[strata])]
    boots = np.empty(reps)
    for b in range(reps):
        idx = np.concatenate([rng.choice(g, size=len(g), replace=True) for g in groups])
        boots[b] = r_value(propensities(x[idx], y[idx], d[idx]), d[idx])
    se = float(np.nanstd(boots, ddof=1)) if reps > 1 else math.nan
    return {"r": r, "se": se, "ci_low": r - Z95 * se, "ci_high": min(r + Z95 * se, 1.0),
            "response": float(np.sum(d * y) / np.sum(d))}
