"""Documents through time: validity in months, expiries, the renewal-timing distribution, and the
reconstruction of the documents issued before the issuance list starts.

Months are month indices (`year * 12 + month - 1`); arrays run over a grid of months starting at `g0`.
Ages are whole years 0-99 at issue. An issuance list records a CBS age band, not an age: within a band
ages are taken as uniform (65+ by the national five-year shares), `age_profile`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from wijkloket.ages import AGE_BANDS
from wijkloket.documents.validity import YEAR_DAYS, Rules

AGES = 100
MONTH_DAYS = YEAR_DAYS / 12


def age_profile(old_groups: tuple[tuple[int, int, float], ...]) -> np.ndarray:
    """(bands, AGES): the share of each whole age within each CBS band; rows sum to 1."""
    out = np.zeros((len(AGE_BANDS), AGES))
    for i, band in enumerate(AGE_BANDS):
        if band.high > AGES:
            for low, high, share in old_groups:
                out[i, low:min(high, AGES)] = share / (min(high, AGES) - low)
        else:
            out[i, band.low:band.high] = 1.0 / (band.high - band.low)
    return out / out.sum(axis=1, keepdims=True)


def band_of_age() -> np.ndarray:
    """(AGES,) the index of the CBS band of each whole age."""
    return np.array([next(i for i, b in enumerate(AGE_BANDS) if a < b.high) for a in range(AGES)])


def month_days(months: np.ndarray) -> np.ndarray:
    """Day numbers (days since 1970-01-01) of the 15th of each month index."""
    m = np.asarray(months, dtype=np.int64)
    first = ((m - 1970 * 12).astype("datetime64[M]")).astype("datetime64[D]").astype(np.int64)
    return first + 14


def validity_months(rules: Rules, product: str, months: np.ndarray) -> np.ndarray:
    """(AGES, months): how many months a `product` issued in the middle of each month to a holder of each
    whole age (+ half a year) stays valid, by the validity rules; at least 1."""
    issued = np.broadcast_to(month_days(months)[None, :], (AGES, len(months)))
    birth = issued - np.round((np.arange(AGES)[:, None] + 0.5) * YEAR_DAYS).astype(np.int64)
    days = rules.validity_days(product, issued.ravel(), birth.ravel()).reshape(issued.shape)
    return np.maximum(np.round(days / MONTH_DAYS).astype(np.int64), 1)


@dataclass(frozen=True)
class Kernel:
    """When holders renew, in months from the month their document expires: `early_share` uniformly in
    the `early_months` months before it, the rest in the expiry month or later, geometric with mean
    `late_mean` months and at most `max_late` months late (renormalised). The weights sum to 1."""

    early_months: int
    early_share: float
    late_mean: float
    max_late: int = 72

    def offsets(self) -> np.ndarray:
        return np.arange(-self.early_months, self.max_late + 1)

    def weights(self) -> np.ndarray:
        p = 1.0 / (self.late_mean + 1.0)
        late = p * (1.0 - p) ** np.arange(self.max_late + 1)
        early = np.full(self.early_months, self.early_share / self.early_months)
        return np.concatenate([early, (1.0 - self.early_share) * late / late.sum()])

    def mean(self) -> float:
        """The mean offset in months (negative: before expiry)."""
        return float((self.offsets() * self.weights()).sum())


def convolve(expiries: np.ndarray, kernel: Kernel, n: int) -> np.ndarray:
    """Renewals in months 0..n-1 of the expiries (last axis: months 0..n-1+early_months):
    renewals[..., t] = sum over d of weight(d) * expiries[..., t - d]."""
    out = np.zeros((*expiries.shape[:-1], n))
    for d, w in zip(kernel.offsets(), kernel.weights(), strict=True):
        if d >= 0:
            out[..., d:] += w * expiries[..., :n - d] if d < n else 0.0
        else:
            out[..., :] += w * expiries[..., -d:n - d]
    return out


def prelog_renewals(v: np.ndarray, kernel: Kernel, start: int) -> np.ndarray:
    """(AGES, n): renewals in months >= `start` of documents issued before `start`, for one holder of
    each age at every moment (a stationary age structure: a holder keeps the age class at renewal).

    The documents are reconstructed from the start of the grid: issues uniform over the first validity
    period, then every expiry renewed by `kernel` (holders renew, eventually, within the municipality).
    A change of the rules (adults' passports 10 instead of 5 years from March 2014) thereby shows as the
    wave it made: all adults renewed once in 2014-2019, so all their documents expire in 2024-2029."""
    ages, n = v.shape
    early, late = kernel.early_months, kernel.max_late
    w = kernel.weights()[::-1]  # dotted with expiries of months t+early down to t-late
    exp = np.zeros((ages, late + n + int(v.max()) + early + 1))  # month t sits at column t + late
    rows = np.arange(ages)
    first = v[:, 0]
    for t in range(start):
        issued = exp[:, t: t + late + early + 1] @ w + np.where(t < first, 1.0 / first, 0.0)
        exp[rows, t + v[:, t] + late] += issued
    out = np.zeros((ages, n))
    for t in range(start, n):
        out[:, t] = exp[:, t: t + late + early + 1] @ w
    return out


def expiries(issues: np.ndarray, v: np.ndarray, profile: np.ndarray, bands: np.ndarray, pad: int) -> np.ndarray:
    """(areas, bands, n + pad): issued documents (areas, bands, n) by the month they expire and the CBS band
    of the holder when they do (age at issue + validity), ages within a band by `profile`."""
    areas, nb, n = issues.shape
    out = np.zeros((areas, nb, n + pad))
    months = np.flatnonzero(issues.sum(axis=(0, 1)))
    if not len(months):
        return out
    for b in range(nb):
        for age in np.flatnonzero(profile[b]):
            vm = v[age, months]
            at = months + vm
            keep = at < n + pad
            later = bands[np.minimum(age + np.round(vm / 12).astype(np.int64), AGES - 1)]
            # indexed axes first (a view of `out`), so the areas ride along
            np.add.at(out.transpose(1, 2, 0), (later[keep], at[keep]), (issues[:, b, months[keep]] * profile[b, age]).T)
    return out
