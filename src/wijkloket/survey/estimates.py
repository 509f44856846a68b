"""Estimates of the needs survey (issue 10, point 7): weighted proportions and means per domain with
linearised standard errors for a stratified design that account for the calibration.

An estimate is a ratio theta = sum w z y / sum w z over the respondents, z = 1 for those in the domain who
answered the question (a question not asked is not "no": those respondents are outside its domain, but stay
in the design). Its linearised variable is u = z (y - theta) / sum w z. The variance is the with-replacement
variance of the stratum totals of w u (Wolter 2007, ch. 6; `survey::svymean` in R, `svy` in Python):
V = sum_h n_h / (n_h - 1) sum_i (w_i u_i - mean_h(w u))^2, times (1 - f_h) with a finite population
correction. With calibrated weights u is replaced by its residual e = u - x'B from the w-weighted regression
on the calibration variables x (the dummies of every raking margin cell), B = (X'WX)^- X'Wu (Deville &
Särndal 1992; raking and GREG on the same margins have the same asymptotic variance).

Intervals (95%): for proportions the logit interval of `svyciprop(method = "logit")`, expit(logit p +- t
se / (p (1 - p))), and Korn & Graubard (1998) (Clopper-Pearson at the effective sample size p (1 - p) / se^2,
scaled by (t_{n-1} / t_df)^2) when p < 0.1, p > 0.9 or the effective n is below 30; for means theta +- t se.
t has df = respondents in the domain - their strata.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

Z_LEVEL = 0.95
KG_LOW, KG_HIGH, KG_MIN_NEFF = 0.1, 0.9, 30.0
RELIABLE_N, RELIABLE_CV = 30, 0.3
DISCLOSURE_MIN = 10


@dataclass(frozen=True)
class Design:
    """The respondents' design: sampling stratum codes, final weights, optional calibration matrix and
    stratum population sizes (for the finite population correction)."""

    strata: np.ndarray
    weights: np.ndarray
    calibration: np.ndarray | None = None
    stratum_sizes: Mapping[object, float] | None = None

    def df(self, z: np.ndarray) -> int:
        """Degrees of freedom of a domain: its respondents minus the strata they are in (as R's `degf` of
        a subset design and `svy`)."""
        inside = z > 0
        return max(int(inside.sum()) - len(np.unique(self.strata[inside])), 1)


@dataclass(frozen=True)
class Estimate:
    estimate: float  # a share (0-1) or a mean
    se: float
    ci_low: float
    ci_high: float
    n: int  # respondents in the domain who answered
    count: int  # of them, those with y = 1 (proportions) or n (means)
    deff: float
    n_eff: float


def residuals(u: np.ndarray, design: Design) -> np.ndarray:
    """u minus its fit from the w-weighted least-squares regression on the calibration matrix."""
    x = design.calibration
    if x is None or x.shape[1] == 0:
        return u
    sw = np.sqrt(design.weights)
    beta, *_ = np.linalg.lstsq(x * sw[:, None], u * sw, rcond=None)
    return u - x @ beta


def total_variance(v: np.ndarray, design: Design) -> float:
    """With-replacement variance of sum v over strata (v = w u), with the FPC when stratum sizes are given."""
    var = 0.0
    for h in np.unique(design.strata):
        vh = v[design.strata == h]
        nh = len(vh)
        if nh < 2:
            continue
        fpc = 1.0
        if design.stratum_sizes is not None and h in design.stratum_sizes:
            fpc = max(1.0 - nh / float(design.stratum_sizes[h]), 0.0)
        var += fpc * nh / (nh - 1) * float(np.sum((vh - vh.mean()) ** 2))
    return var


def ratio(y: np.ndarray, z: np.ndarray, design: Design, calibrated: bool = True) -> tuple[float, float]:
    """theta = sum w z y / sum w z and its linearised standard error (see the module)."""
    w = design.weights
    denom = float(np.sum(w * z))
    if denom <= 0:
        return math.nan, math.nan
    theta = float(np.sum(w * z * y) / denom)
    u = z * (y - theta) / denom
    if calibrated:
        u = residuals(u, design)
    return theta, math.sqrt(total_variance(w * u, design))


def _srs_variance(y: np.ndarray, z: np.ndarray, w: np.ndarray, theta: float, n: int) -> float:
    """The variance of a mean of n from simple random sampling (with replacement): S^2 / n."""
    if n < 2:
        return math.nan
    s2 = float(np.sum(w * z * (y - theta) ** 2) / np.sum(w * z)) * n / (n - 1)
    return s2 / n


def logit_interval(p: float, se: float, df: int, level: float = Z_LEVEL) -> tuple[float, float]:
    from scipy import stats

    if not 0 < p < 1:
        return p, p
    t = float(stats.t.ppf(0.5 + level / 2, df))
    centre = math.log(p / (1 - p))
    half = t * se / (p * (1 - p))
    return 1 / (1 + math.exp(-(centre - half))), 1 / (1 + math.exp(-(centre + half)))


def korn_graubard(p: float, se: float, n: int, df: int, level: float = Z_LEVEL) -> tuple[float, float]:
    """Clopper-Pearson at the effective sample size, with the degrees-of-freedom correction of Korn &
    Graubard (1998); n_eff = n when the variance is 0, and never above n."""
    from scipy import stats

    alpha = 1 - level
    n_eff = n if se <= 0 or not 0 < p < 1 else min(p * (1 - p) / se**2, n)
    if n > 1:
        n_eff *= (stats.t.ppf(1 - alpha / 2, n - 1) / stats.t.ppf(1 - alpha / 2, df)) ** 2
    x = p * n_eff
    low = 0.0 if x <= 0 else float(stats.beta.ppf(alpha / 2, x, n_eff - x + 1))
    high = 1.0 if x >= n_eff else float(stats.beta.ppf(1 - alpha / 2, x + 1, n_eff - x))
    return low, high


def proportion(y: np.ndarray, z: np.ndarray, design: Design, calibrated: bool = True) -> Estimate:
    """A weighted share of y (0/1) among z with its interval (logit, or Korn-Graubard near 0 or 1)."""
    n = int(np.sum(z > 0))
    y = np.where(z > 0, y, 0.0)
    count = int(np.sum((z > 0) & (y > 0)))
    p, se = ratio(y, z, design, calibrated)
    if n == 0:
        return Estimate(math.nan, math.nan, math.nan, math.nan, 0, 0, math.nan, math.nan)
    n_eff = p * (1 - p) / se**2 if se > 0 else float(n)
    if p < KG_LOW or p > KG_HIGH or n_eff < KG_MIN_NEFF:
        low, high = korn_graubard(p, se, n, design.df(z))
    else:
        low, high = logit_interval(p, se, design.df(z))
    srs = _srs_variance(y, z, design.weights, p, n)
    deff = se**2 / srs if srs and srs > 0 else math.nan
    return Estimate(p, se, low, high, n, count, deff, n_eff)


def mean(y: np.ndarray, z: np.ndarray, design: Design, calibrated: bool = True) -> Estimate:
    """A weighted mean of y among z with a t interval."""
    from scipy import stats

    n = int(np.sum(z > 0))
    if n == 0:
        return Estimate(math.nan, math.nan, math.nan, math.nan, 0, 0, math.nan, math.nan)
    y = np.where(z > 0, y, 0.0)
    m, se = ratio(y, z, design, calibrated)
    t = float(stats.t.ppf(0.5 + Z_LEVEL / 2, design.df(z)))
    srs = _srs_variance(y, z, design.weights, m, n)
    deff = se**2 / srs if srs and srs > 0 else math.nan
    n_eff = n / deff if deff and deff > 0 else float(n)
    return Estimate(m, se, m - t * se, m + t * se, n, n, deff, n_eff)


def reliable(n: int, cv: float) -> bool:
    """At least 30 respondents and a coefficient of variation of at most 0.3."""
    return n >= RELIABLE_N and cv == cv and cv <= RELIABLE_CV


def cv_of(est: Estimate) -> float:
    return est.se / abs(est.estimate) if est.estimate else math.nan


def suppressed(est: Estimate) -> bool:
    """The disclosure rule: fewer than 10 respondents behind the figure (choosing the answer, or in all)."""
    return est.count < DISCLOSURE_MIN or est.n < DISCLOSURE_MIN
