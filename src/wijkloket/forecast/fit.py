"""Estimating the model of one product from an issuance list, by Poisson maximum likelihood.

Expected applications in area a, CBS band b and month t (deseasonalised):

    mu = c_minor[a] * P_minor + c_adult[a] * P_adult + L + c_first[a] * F + other[a] * profile[a, b]

P are the renewals of the documents issued before the list (reconstructed from residents x possession
share, `chain.prelog_renewals`), with a scale per area for minors and adults estimated here (the
possession shares of `assumptions.toml` are only the starting point); L the renewals of documents in
the list; F first applications (residents reaching the first age x the assumed share), with a scale per
area under a weak gamma prior around 1; `other` replacements and newcomers, with a weak gamma prior
around a rate per holder. Applications are `season[month of year] * mu`, the seasonal
factors normalised to mean 1. Coefficients are estimated by EM (multiplicative updates for a Poisson
model that is linear in its coefficients; Vardi, Shepp & Kaufman 1985), a MAP step for `other`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Parts:
    """The components of mu over some months, each (areas, bands, months) unless said otherwise."""

    minors: np.ndarray
    adults: np.ndarray
    fixed: np.ndarray  # renewals of the listed documents
    first: np.ndarray  # first applications as assumed
    profile: np.ndarray  # (areas, bands): how 'other' applications spread over the bands
    month_of_year: np.ndarray  # (months,) 0-11

    def window(self, keep: np.ndarray) -> Parts:
        """The same parts on the months where `keep` is True."""
        return Parts(self.minors[..., keep], self.adults[..., keep], self.fixed[..., keep], self.first[..., keep],
                     self.profile, self.month_of_year[keep])


@dataclass(frozen=True)
class Coefficients:
    minors: np.ndarray  # (areas,) scale of the reconstructed documents of minors
    adults: np.ndarray  # (areas,) and of adults
    other: np.ndarray  # (areas,) other applications per month
    season: np.ndarray  # (12,) seasonal factors, mean 1
    first: np.ndarray  # (areas,) scale of the assumed first applications

    def renewals(self, parts: Parts) -> np.ndarray:
        """Expected renewals (areas, bands, months), without the seasonal factor."""
        return self.minors[:, None, None] * parts.minors + self.adults[:, None, None] * parts.adults

    def mu(self, parts: Parts) -> np.ndarray:
        """Expected applications without the seasonal factor (areas, bands, months)."""
        return (self.renewals(parts) + parts.fixed + self.first[:, None, None] * parts.first
                + self.other[:, None, None] * parts.profile[:, :, None])

    def expected(self, parts: Parts) -> np.ndarray:
        """Expected applications (areas, bands, months)."""
        return self.season[parts.month_of_year][None, None, :] * self.mu(parts)


def seasonal_factors(observed: np.ndarray, expected: np.ndarray) -> np.ndarray:
    """(12,) observed over expected applications per calendar month (both summed per calendar month),
    normalised to mean 1: the seasonal factors given the rest of the model. A calendar month without
    expected applications gets the mean of the others."""
    ok = expected > 0
    ratio = np.where(ok, observed / np.where(ok, expected, 1.0), 0.0)
    n = int(ok.sum())
    # the mean of the months with expected applications, summed as np.nanmean does (same bits, far cheaper)
    ratio = np.where(ok, ratio, ratio.sum() / n if n else 1.0)
    return ratio / ratio.mean()


def _by_month_of_year(x: np.ndarray, month_of_year: np.ndarray) -> np.ndarray:
    """(areas, 12): `x` (areas, bands, months) summed over bands and over the months of each calendar month."""
    flat = x.sum(axis=1)
    return np.stack([flat[:, month_of_year == m].sum(axis=1) for m in range(12)], axis=1)


def _ratio(num: np.ndarray, den: np.ndarray, old: np.ndarray) -> np.ndarray:
    """The EM update `old * num / den`, keeping `old` where there is nothing to fit (den = 0)."""
    return np.where(den > 0, old * num / np.where(den > 0, den, 1.0), old)


def fit_coefficients(y: np.ndarray, parts: Parts, prior_other: np.ndarray, strength: float,
                     iterations: int = 150, start: Coefficients | None = None) -> Coefficients:
    """Coefficients maximising the Poisson likelihood of `y` (areas, bands, months), with gamma priors of
    shape `strength` on the other applications (mean `prior_other`, per area and month) and on the scale
    of the first applications (mean 1).

    Sums over months weighted by the seasonal factors are taken per calendar month once (they depend
    on the month only through its factor), so an iteration touches the full arrays a few times only."""
    areas = y.shape[0]
    c = start or Coefficients(np.ones(areas), np.ones(areas), np.maximum(prior_other, 1e-6), np.ones(12),
                              np.ones(areas))
    minors, adults, other, season, first = c.minors, c.adults, c.other, c.season, c.first
    moy = parts.month_of_year
    prof = parts.profile[:, :, None]
    rate = strength / np.maximum(prior_other, 1e-6)
    m12, a12, f12, n12 = (_by_month_of_year(x, moy) for x in (parts.minors, parts.adults, parts.fixed, parts.first))
    months12 = np.bincount(moy, minlength=12).astype(float)
    prof_total = parts.profile.sum(axis=1)
    y12 = np.bincount(moy, y.sum(axis=(0, 1)), minlength=12)
    for _ in range(iterations):
        s = season[moy][None, None, :]
        lam = s * (minors[:, None, None] * parts.minors + adults[:, None, None] * parts.adults + parts.fixed
                   + first[:, None, None] * parts.first + other[:, None, None] * prof)
        rs = s * np.divide(y, lam, out=np.zeros_like(lam), where=lam > 0)
        minors = _ratio((rs * parts.minors).sum(axis=(1, 2)), m12 @ season, minors)
        adults = _ratio((rs * parts.adults).sum(axis=(1, 2)), a12 @ season, adults)
        first = np.maximum((first * (rs * parts.first).sum(axis=(1, 2)) + strength - 1.0)
                           / (n12 @ season + strength), 0.0)
        other = np.maximum((other * (rs.sum(axis=2) * parts.profile).sum(axis=1) + strength - 1.0)
                           / (prof_total * (months12 @ season) + rate), 0.0)
        mu12 = minors @ m12 + adults @ a12 + f12.sum(axis=0) + first @ n12 + (other * prof_total).sum() * months12
        season = seasonal_factors(y12, mu12)
    return Coefficients(minors, adults, other, season, first)


def log_likelihood(y: np.ndarray, expected: np.ndarray) -> float:
    """Poisson log-likelihood without the constant (sum of y log lambda - lambda)."""
    lam = np.maximum(expected, 1e-12)
    return float((y * np.log(lam) - lam).sum())


def dispersion(y: np.ndarray, expected: np.ndarray, n_params: int) -> float:
    """Pearson's quasi-Poisson dispersion: sum((y - lambda)^2 / lambda) / (cells - parameters), at least 1."""
    lam = expected.ravel()
    ok = lam > 0
    dof = max(int(ok.sum()) - n_params, 1)
    return max(float(((y.ravel()[ok] - lam[ok]) ** 2 / lam[ok]).sum()) / dof, 1.0)
