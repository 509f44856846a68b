"""Sample design: how many people to survey per stratum (e.g. per stadsdeel) for a target margin of error.

Units, chosen to match the CLI (`survey design --moe 5 --response 30`):
- `moe` is the half-width of the confidence interval for a proportion, in **percentage points** (5 = ±5 pp);
- `response` is the expected response rate in **percent** (30 = 30%);
- `deff` is the design effect (1 for a simple random sample, Kish 1965 §8.2).

Net sample = the completed questionnaires needed; gross sample = the addresses to draw,
`ceil(net x deff / (response / 100))`. The size for a proportion p at margin e is Cochran (1977, eq. 4.2-4.3):
`n0 = z^2 p (1 - p) / e^2`, with the finite population correction `n = n0 / (1 + (n0 - 1) / N)`.
Pure functions on explicit arguments; no I/O.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping

import numpy as np
import pandas as pd

from wijkloket.errors import WijkloketError

ALLOCATIONS = ("per_stratum", "proportional", "equal", "optimal")
COLUMNS = ("stratum", "population", "net_sample", "gross_sample", "moe_achieved", "allocation", "capped")
_EPS = 1e-9  # a product like 375 * 1.5 / 0.3 must not round up because of floating-point noise


def _ceil(x: float) -> int:
    return math.ceil(x - _EPS)


def _z(confidence: float) -> float:
    if not 0 < confidence < 1:
        raise WijkloketError("error.design_confidence", confidence=confidence)
    from scipy.stats import norm

    return float(norm.ppf(1 - (1 - confidence) / 2))


def _check_moe(moe: float) -> None:
    if not (isinstance(moe, numbers.Real) and 0 < moe <= 50):
        raise WijkloketError("error.design_moe", moe=moe)


def _check_p(p: float) -> None:
    if not 0 < p < 1:
        raise WijkloketError("error.design_proportion", p=p)


def required_n(moe: float, N: int | None, p: float = 0.5, confidence: float = 0.95) -> int:
    """Net sample size that reaches a margin of `moe` percentage points for a proportion `p` at `confidence`,
    with the finite population correction for a population of `N` (None: no correction); rounded up, at most N.

    Cochran (1977), Sampling Techniques, eq. 4.2 and 4.3: n0 = z^2 p(1-p) / e^2, n = n0 / (1 + (n0 - 1) / N)."""
    _check_moe(moe)
    _check_p(p)
    z = _z(confidence)
    n0 = z * z * p * (1 - p) / (moe / 100) ** 2
    if N is None:
        return _ceil(n0)
    if N <= 0:
        raise WijkloketError("error.design_population", stratum="", population=N)
    return min(_ceil(n0 / (1 + (n0 - 1) / N)), int(N))


def moe_achieved(n: int, N: int | None, p: float = 0.5, confidence: float = 0.95) -> float:
    """The margin in percentage points that a net sample of `n` out of `N` gives for a proportion `p`:
    z * sqrt(p(1-p)/n * (N-n)/(N-1)), the exact inverse of `required_n` before rounding (0 for a census)."""
    _check_p(p)
    z = _z(confidence)
    if n <= 0:
        return math.inf
    fpc = 1.0 if N is None or N <= 1 else max(N - n, 0) / (N - 1)
    return 100 * z * math.sqrt(p * (1 - p) / n * fpc)


def gross(n: int, response: float, deff: float = 1.0) -> int:
    """Addresses to draw for `n` completed questionnaires at an expected `response` in percent and design
    effect `deff`: ceil(n * deff / (response / 100))."""
    _check_response(response)
    _check_deff(deff)
    return _ceil(n * deff / (response / 100))


def _check_response(response: float) -> None:
    if not (isinstance(response, numbers.Real) and 0 < response <= 100):
        raise WijkloketError("error.design_response", response=response)


def _check_deff(deff: float) -> None:
    if not (isinstance(deff, numbers.Real) and deff >= 1):
        raise WijkloketError("error.design_deff", deff=deff)


def _populations(population: pd.Series | Mapping[str, float]) -> pd.Series:
    pop = population if isinstance(population, pd.Series) else pd.Series(dict(population), dtype=object)
    if pop.empty:
        raise WijkloketError("error.design_no_strata")
    for stratum, value in pop.items():
        try:
            ok = float(value) > 0 and float(value).is_integer()
        except (TypeError, ValueError):
            ok = False
        if not ok:
            raise WijkloketError("error.design_population", stratum=str(stratum), population=value)
    return pd.Series([int(v) for v in pop], index=[str(s) for s in pop.index], dtype="int64")


def _largest_remainder(total: int, weights: np.ndarray) -> np.ndarray:
    """`total` split in proportion to `weights` as whole numbers that sum to `total` (Hamilton's method);
    ties go to the stratum listed first."""
    quota = total * weights / weights.sum()
    base = np.floor(quota + _EPS).astype(np.int64)
    short = total - int(base.sum())
    order = np.argsort(-(quota - base), kind="stable")
    base[order[:short]] += 1
    return base


def _allocate(pop: pd.Series, moe: float, allocation: str, total: int | None) -> np.ndarray:
    N = pop.to_numpy()
    per_stratum = np.array([required_n(moe, int(n)) for n in N], dtype=np.int64)
    if allocation == "per_stratum":
        return per_stratum
    if allocation == "equal":
        if total is None:
            # the same n everywhere, large enough to reach the margin in the largest stratum
            return np.minimum(int(per_stratum.max()), N)
        return _largest_remainder(total, np.ones(len(N)))
    if allocation == "proportional":
        size = required_n(moe, int(N.sum())) if total is None else total
        return _largest_remainder(size, N.astype(float))
    # optimal for comparing districts: square-root (power q = 1/2) allocation, Bankier (1988)
    size = int(per_stratum.sum()) if total is None else total
    return _largest_remainder(size, np.sqrt(N.astype(float)))


def design(population: pd.Series | Mapping[str, float], moe: float, response: float, deff: float = 1.0,
           allocation: str = "per_stratum", total: int | None = None,
           oversample: Mapping[str, float] | None = None) -> pd.DataFrame:
    """Net and gross sample per stratum, one row per stratum in the order given.

    `population`: stratum -> N. `moe` in percentage points at 95% confidence (p = 0.5, the most cautious),
    `response` in percent, `deff` >= 1. `allocation`:
    - "per_stratum" (default, for comparing districts): each stratum gets the n that reaches `moe` within it;
    - "proportional": `total` (default: the n that reaches `moe` for the whole population) in proportion to N;
    - "equal": `total` split equally (default: the per-stratum n of the largest stratum, in every stratum);
    - "optimal": `total` (default: the sum of the per-stratum sizes) in proportion to sqrt(N) - the power
      allocation with q = 1/2 of Bankier (1988, The American Statistician 42(3)), a compromise between equal
      (best for comparing strata) and proportional (best for the city total), in the spirit of Kish (1988,
      "Multipurpose sample designs", Survey Methodology 14) and Cochran (1977, §5.5).
    Splits of a total are whole numbers that add up to it (largest remainder). `oversample`: stratum -> factor
    >= 1 multiplying that stratum's net size after allocation. Net is capped at N, gross too; `capped` is True
    where the net or gross size needed is larger than the population (the response assumption cannot be met).
    `moe_achieved`: the margin in percentage points the net size gives in that stratum (with FPC)."""
    _check_moe(moe)
    _check_response(response)
    _check_deff(deff)
    if allocation not in ALLOCATIONS:
        raise WijkloketError("error.design_allocation", allocation=allocation, known=", ".join(ALLOCATIONS))
    pop = _populations(population)
    if total is not None and not (isinstance(total, numbers.Integral) and 0 < total <= int(pop.sum())):
        raise WijkloketError("error.design_total", total=total, population=int(pop.sum()))
    factors = pd.Series(1.0, index=pop.index)
    for stratum, factor in (oversample or {}).items():
        if str(stratum) not in pop.index:
            raise WijkloketError("error.design_oversample_unknown", stratum=stratum, known=", ".join(pop.index))
        if not (isinstance(factor, numbers.Real) and factor >= 1):
            raise WijkloketError("error.design_oversample_factor", stratum=stratum, factor=factor)
        factors[str(stratum)] = float(factor)
    wanted = [_ceil(n * f) for n, f in zip(_allocate(pop, moe, allocation, total), factors, strict=True)]
    rows = []
    for (stratum, N), want in zip(pop.items(), wanted, strict=True):
        net = min(want, int(N))
        gross_needed = _ceil(net * deff / (response / 100))
        rows.append({"stratum": stratum, "population": int(N), "net_sample": net,
                     "gross_sample": min(gross_needed, int(N)), "moe_achieved": moe_achieved(net, int(N)),
                     "allocation": allocation, "capped": want > N or gross_needed > N})
    return pd.DataFrame(rows, columns=list(COLUMNS))
