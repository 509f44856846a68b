"""The forecast of one product: reconstruct, fit, project, and the plausible alternatives behind the interval.

Time is local: month 0 is the first month of the issuance list, the model is fitted on months
0..fit-1 and projected on fit..fit+horizon-1. See `fit` for the model and `chain` for the documents.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np

from wijkloket.ages import AGE_BANDS
from wijkloket.documents.validity import Rules
from wijkloket.forecast.assumptions import Assumptions
from wijkloket.forecast.chain import (
    AGES,
    Kernel,
    age_profile,
    band_of_age,
    convolve,
    expiries,
    prelog_renewals,
    validity_months,
)
from wijkloket.forecast.fit import Coefficients, Parts, dispersion, fit_coefficients, log_likelihood

ADULT_AGE = 18
CHAIN_STEP = 48  # months: the shortest validity (60) less the longest early window (12)
ITERATIONS = (60, 20)  # EM iterations from the start, and from the previous round's coefficients


@dataclass(frozen=True)
class ProductInput:
    """One product's issuance list: `counts` (areas, CBS bands, months) from month index `start`, and the
    residents per area and band (CBS). `fit_months` of the list are used (all by default)."""

    product: str
    counts: np.ndarray
    start: int
    residents: np.ndarray
    fit_months: int | None = None


@dataclass
class ProductForecast:
    """Expected applications per area (rows) and forecast month (columns) and their parts; `variants` are
    the expectations under the timing parameters the list cannot tell apart and under refits leaving
    one year out (jackknife), `fitted`/`observed` the months the model was fitted on."""

    product: str
    first_month: int  # month index of the first forecast month
    expected: np.ndarray
    prelog: np.ndarray  # renewals of documents issued before the list
    listed: np.ndarray  # renewals of documents in the list (or issued in the forecast)
    first: np.ndarray
    other: np.ndarray
    fitted: np.ndarray
    observed: np.ndarray
    kernel: Kernel
    coefficients: Coefficients
    region: np.ndarray  # (k, areas, months)
    jackknife: np.ndarray  # (j, areas, months)
    searched: list[tuple[Kernel, float]] = field(default_factory=list)


def first_applications(by_age: np.ndarray, bands: np.ndarray, age: int, share: float) -> np.ndarray:
    """(areas, bands): first applications per month, in the band of `age`: residents of that age (by
    whole year, `by_age` (areas, AGES)) x `share` / 12. Reaching 18 in CBS band 15-24 (ages taken as
    uniform) that is one tenth of the band a year."""
    out = np.zeros((by_age.shape[0], int(bands.max()) + 1))
    out[:, bands[age]] = by_age[:, age] * share / 12.0
    return out


class _Setup:
    """Everything one product's fits share: validity, holders, first and other applications."""

    def __init__(self, inp: ProductInput, horizon: int, a: Assumptions, rules: Rules) -> None:
        self.inp, self.a = inp, a
        self.w = inp.fit_months if inp.fit_months is not None else inp.counts.shape[2]
        self.n = self.w + horizon
        self.run_in = a.prelog_years * 12
        grid = np.arange(inp.start - self.run_in, inp.start + self.n)
        self.v_grid = validity_months(rules, inp.product, grid)
        self.v = self.v_grid[:, self.run_in:]
        self.profile = age_profile(a.old_groups)
        self.bands = band_of_age()
        self.onehot = np.eye(len(AGE_BANDS))[self.bands].T  # (bands, AGES)
        pa = a.products[inp.product]
        by_age = inp.residents @ self.profile  # (areas, AGES)
        share = np.array([pa.share_at(x) for x in range(AGES)])
        self.holders = by_age * share
        held = self.holders @ self.onehot.T
        total = held.sum(axis=1, keepdims=True)
        self.other_profile = np.where(total > 0, held / np.where(total > 0, total, 1.0), 1.0 / len(AGE_BANDS))
        self.prior_other = pa.other_rate * total[:, 0] / 12.0
        self.first = first_applications(by_age, self.bands, pa.first_age, pa.first_share)
        self.month_of_year = (inp.start + np.arange(self.n)) % 12
        self.y = inp.counts[:, :, :self.w].astype(float)
        self._prelogs: dict[Kernel, tuple[np.ndarray, np.ndarray]] = {}

    def prelog(self, kernel: Kernel) -> tuple[np.ndarray, np.ndarray]:
        """Renewals (areas, bands, n) of the reconstructed documents of minors and of adults; computed
        once per kernel (the grid search, the best kernel's refit and the region all ask for it)."""
        if kernel not in self._prelogs:
            self._prelogs[kernel] = self._prelog(kernel)
        return self._prelogs[kernel]

    def _prelog(self, kernel: Kernel) -> tuple[np.ndarray, np.ndarray]:
        r = prelog_renewals(self.v_grid, kernel, self.run_in)[:, self.run_in:]
        minor = np.arange(AGES) < ADULT_AGE
        return (np.einsum("ax,bx,xt->abt", self.holders * minor, self.onehot, r, optimize=True),
                np.einsum("ax,bx,xt->abt", self.holders * ~minor, self.onehot, r, optimize=True))

    def listed(self, issues: np.ndarray, kernel: Kernel) -> np.ndarray:
        """Renewals (areas, bands, n) of `issues` (areas, bands, n)."""
        return convolve(expiries(issues, self.v, self.profile, self.bands, kernel.early_months + 1), kernel, self.n)

    def parts(self, pre: tuple[np.ndarray, np.ndarray], listed: np.ndarray) -> Parts:
        return Parts(pre[0], pre[1], listed, np.broadcast_to(self.first[:, :, None], listed.shape), self.other_profile,
                     self.month_of_year)


def _renewal_share(c: Coefficients, parts: Parts, listed: np.ndarray) -> np.ndarray:
    """(areas, months): the share of renewals in the expected applications. Only that share of a month's
    issued documents is renewed one validity later: under a stationary population first applications
    make up for holders who leave, and a replacement takes the place of a document that was due."""
    mu = c.mu(parts).sum(axis=1)
    ren = c.renewals(parts).sum(axis=1) + listed.sum(axis=1)
    return np.where(mu > 0, ren / np.where(mu > 0, mu, 1.0), 1.0)


def _fit(s: _Setup, kernel: Kernel, keep: np.ndarray, pre: tuple[np.ndarray, np.ndarray], rounds: int = 3,
         start: Coefficients | None = None) -> tuple[Coefficients, np.ndarray, float]:
    """Coefficients on the fitted months where `keep`, the renewal share of each listed month, and the
    log-likelihood. The renewal share and the coefficients are found in turn (`rounds` times)."""
    share = np.ones((s.y.shape[0], s.w))
    issues = np.zeros((*s.y.shape[:2], s.n))
    coef = start
    for i in range(rounds):
        issues[:, :, :s.w] = s.y * share[:, None, :]
        listed = s.listed(issues, kernel)
        parts = s.parts(pre, listed)
        window = np.zeros(s.n, dtype=bool)
        window[:s.w] = keep
        sub = parts.window(window)
        coef = fit_coefficients(s.y[:, :, keep], sub, s.prior_other, s.a.other_strength,
                                ITERATIONS[0] if coef is None else ITERATIONS[1], coef)
        if i < rounds - 1:
            share = _renewal_share(coef, parts, listed)[:, :s.w]
    assert coef is not None
    return coef, share, log_likelihood(s.y[:, :, keep], coef.expected(sub))


def _project(s: _Setup, kernel: Kernel, coef: Coefficients, share: np.ndarray,
             pre: tuple[np.ndarray, np.ndarray]) -> tuple[Parts, np.ndarray]:
    """The parts over all n months, the forecast renewals issued again in turn (documents issued in the
    forecast expire within it from five years on), and the listed renewals."""
    issues = np.zeros((*s.y.shape[:2], s.n))
    issues[:, :, :s.w] = s.y * share[:, None, :]
    season = coef.season[s.month_of_year][None, None, :]
    listed = s.listed(issues, kernel)
    for _ in range(int(np.ceil((s.n - s.w) / CHAIN_STEP))):
        renewed = season * (coef.renewals(s.parts(pre, listed)) + listed)
        issues[:, :, s.w:] = renewed[:, :, s.w:]
        listed = s.listed(issues, kernel)
    return s.parts(pre, listed), listed


@dataclass(frozen=True)
class _Expected:
    """A fit's coefficients with the parts they apply to."""

    coef: Coefficients
    parts: Parts


def _kernels(a: Assumptions) -> list[Kernel]:
    return [Kernel(e, q, m, a.max_late) for e, q, m in itertools.product(a.early_months, a.early_share, a.late_mean)]


def forecast_product(inp: ProductInput, horizon: int, a: Assumptions, rules: Rules) -> ProductForecast:
    """Fit one product on its list (the timing distribution by a grid search on the likelihood) and
    project it `horizon` months past the fitted months."""
    s = _Setup(inp, horizon, a, rules)
    keep = np.ones(s.w, dtype=bool)
    tried = []
    for kernel in _kernels(a):
        pre = s.prelog(kernel)
        coef, share, ll = _fit(s, kernel, keep, pre, rounds=2)
        tried.append((kernel, ll, coef, share))
    best = max(tried, key=lambda r: r[1])
    kernel = best[0]
    pre = s.prelog(kernel)
    coef, share, ll = _fit(s, kernel, keep, pre, start=best[2])
    parts, listed = _project(s, kernel, coef, share, pre)
    phi = dispersion(s.y, coef.expected(parts)[:, :, :s.w], 3 * s.y.shape[0] + 12)
    region = [_Expected(c, _project(s, k, c, sh, s.prelog(k))[0]) for k, l_, c, sh in tried
              if k != kernel and 2 * (ll - l_) / phi <= a.region_chi2]
    out = _result(s, kernel, coef, parts, listed, region, _jackknife(s, kernel, pre, coef))
    out.searched = [(k, l_) for k, l_, _c, _s in tried]
    return out


def _jackknife(s: _Setup, kernel: Kernel, pre: tuple[np.ndarray, np.ndarray], coef: Coefficients
               ) -> list[_Expected]:
    """The model refitted leaving out one calendar year of the fitted months at a time (years with at
    least six months in the list, keeping at least 24 months), for the jackknife variance."""
    years = (s.inp.start + np.arange(s.w)) // 12
    out = []
    for year in np.unique(years):
        keep = years != year
        if (~keep).sum() < 6 or keep.sum() < 24:
            continue
        c, share, _ll = _fit(s, kernel, keep, pre, rounds=2, start=coef)
        out.append(_Expected(c, _project(s, kernel, c, share, pre)[0]))
    return out


def _result(s: _Setup, kernel: Kernel, coef: Coefficients, parts: Parts, listed: np.ndarray,
            region: list[_Expected], jack: list[_Expected]) -> ProductForecast:
    h = slice(s.w, s.n)
    season = coef.season[s.month_of_year][None, None, :]
    expected = coef.expected(parts)

    def total(x: np.ndarray) -> np.ndarray:
        return x.sum(axis=1)[:, h]

    other = season * coef.other[:, None, None] * parts.profile[:, :, None] * np.ones(s.n)
    region_exp = [r.coef.expected(r.parts).sum(axis=1)[:, h] for r in region]
    jack_exp = [j.coef.expected(j.parts).sum(axis=1)[:, h] for j in jack]
    areas = s.y.shape[0]
    return ProductForecast(
        s.inp.product, s.inp.start + s.w, total(expected), total(season * coef.renewals(parts)),
        total(season * listed), total(season * coef.first[:, None, None] * parts.first), total(other),
        expected.sum(axis=1)[:, :s.w], s.y.sum(axis=1), kernel, coef,
        np.array(region_exp) if region_exp else np.zeros((0, areas, s.n - s.w)),
        np.array(jack_exp) if jack_exp else np.zeros((0, areas, s.n - s.w)))
