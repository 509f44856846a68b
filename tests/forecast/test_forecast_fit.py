"""Estimation: seasonal factors (mean 1), the EM fit recovering known coefficients, the dispersion."""

from __future__ import annotations

import numpy as np
import pytest

from wijkloket.forecast.fit import Coefficients, Parts, dispersion, fit_coefficients, log_likelihood, seasonal_factors


def test_seasonal_factors_are_observed_over_expected_normalised_to_mean_one() -> None:
    observed = np.full(12, 12.0)
    observed[0] = 24.0  # January twice the other months
    factors = seasonal_factors(observed, np.full(12, 12.0))
    assert factors.mean() == pytest.approx(1.0)
    assert factors[0] == pytest.approx(24 / 13) and factors[1] == pytest.approx(12 / 13)  # ratios 2, 1, ... / (13/12)
    # a month of the year without expected applications gets the others' mean (before normalising)
    expected = np.full(12, 12.0)
    expected[5] = 0.0
    assert seasonal_factors(np.full(12, 12.0), expected) == pytest.approx(np.ones(12))


def _parts(months: int = 48) -> Parts:
    t = np.arange(months)
    minors = np.zeros((2, 5, months))
    minors[:, 0] = 20 + 10 * np.sin(t / 5)
    adults = np.zeros((2, 5, months))
    adults[:, 2] = 5 + t
    adults[:, 3] = 30 * np.exp(-t / 12)
    fixed = np.zeros((2, 5, months))
    fixed[:, 1, 30:] = 4.0
    first = np.zeros((2, 5, months))
    first[:, 1] = 6.0
    profile = np.array([[0.1, 0.1, 0.4, 0.3, 0.1], [0.2, 0.2, 0.2, 0.2, 0.2]])
    return Parts(minors, adults, fixed, first, profile, t % 12)


def test_fit_recovers_known_coefficients() -> None:
    parts = _parts()
    season = np.array([0.8, 0.9, 1.0, 1.1, 1.3, 1.2, 1.1, 0.9, 0.9, 1.0, 0.95, 0.85])
    truth = Coefficients(np.array([1.5, 0.7]), np.array([0.9, 1.3]), np.array([40.0, 10.0]), season / season.mean(),
                         np.array([1.0, 0.8]))
    y = truth.expected(parts)  # noise-free
    got = fit_coefficients(y, parts, prior_other=truth.other, strength=1.0, iterations=3000)
    assert got.minors == pytest.approx(truth.minors, rel=0.02)
    assert got.adults == pytest.approx(truth.adults, rel=0.02)
    assert got.other == pytest.approx(truth.other, rel=0.05)
    assert got.season == pytest.approx(truth.season, rel=0.01)
    assert got.expected(parts).sum() == pytest.approx(y.sum(), rel=1e-3)
    assert log_likelihood(y, got.expected(parts)) >= log_likelihood(y, truth.expected(parts)) - 1.0


def test_dispersion_by_hand() -> None:
    lam = np.full(10, 100.0)
    y = np.array([80.0, 120.0] * 5)  # each (y - lam)^2 / lam = 4
    assert dispersion(y, lam, 0) == pytest.approx(4.0)
    assert dispersion(y, lam, 2) == pytest.approx(40 / 8)
    assert dispersion(lam, lam, 0) == 1.0  # never below Poisson
