"""Documents through time, checked by hand: validity in months, the timing distribution, expiries and
renewals of a tiny hand-made history, and the reconstruction of the documents before a list."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from wijkloket.documents.validity import default_rules
from wijkloket.forecast.assumptions import default_assumptions
from wijkloket.forecast.chain import (
    Kernel,
    age_profile,
    band_of_age,
    convolve,
    expiries,
    month_days,
    prelog_renewals,
    validity_months,
)


def m(year: int, month: int) -> int:
    return year * 12 + month - 1


IMMEDIATE = Kernel(1, 0.0, 0.0, 0)  # everyone renews in the month the document expires


def test_month_days_are_the_fifteenth() -> None:
    assert month_days(np.array([m(2024, 3)]))[0] == (date(2024, 3, 15) - date(1970, 1, 1)).days


def test_validity_in_months_by_age_and_issue_date() -> None:
    v = validity_months(default_rules(), "passport", np.array([m(2013, 6), m(2014, 3), m(2020, 6)]))
    assert v[30, 0] == 60  # an adult before 9 March 2014: 5 years
    assert v[30, 1] == 120  # from March 2014 (issued on the 15th): 10 years
    assert v[30, 2] == 120
    assert (v[10, 2], v[17, 2]) == (60, 60)  # minors (17.5 at issue): 5 years
    lic = validity_months(default_rules(), "driving_licence", np.array([m(2020, 6)]))[:, 0]
    assert lic[40] == 120
    assert lic[66] == 102  # 66.5 at issue, valid until 75: 8.5 years
    assert lic[72] == 60


def test_ages_within_a_band_are_uniform_and_65_plus_by_national_shares() -> None:
    p = age_profile(default_assumptions().old_groups)
    assert np.allclose(p.sum(axis=1), 1.0)
    assert p[1, 15] == pytest.approx(0.1) and p[1, 24] == pytest.approx(0.1) and p[1, 25] == 0
    assert p[4, 65] == pytest.approx(0.278 / 5, rel=1e-3)
    bands = band_of_age()
    assert (bands[14], bands[15], bands[24], bands[25], bands[64], bands[65], bands[99]) == (0, 1, 1, 2, 3, 4, 4)


def test_kernel_weights_by_hand() -> None:
    k = Kernel(early_months=2, early_share=0.5, late_mean=1.0, max_late=2)
    assert list(k.offsets()) == [-2, -1, 0, 1, 2]
    # late: geometric with p = 1/2 (mean 1), truncated at 2 and renormalised: (1/2, 1/4, 1/8) / (7/8)
    expected = [0.25, 0.25, 0.5 * 4 / 7, 0.5 * 2 / 7, 0.5 * 1 / 7]
    assert k.weights() == pytest.approx(expected)
    assert k.mean() == pytest.approx(-0.75 + 0.5 * (2 / 7 + 2 / 7))


def test_convolve_spreads_one_expiry_over_the_months_around_it() -> None:
    k = Kernel(2, 0.5, 1.0, 2)
    exp = np.zeros(12)  # months 0..9 and the two early months after them
    exp[5] = 1.0
    out = convolve(exp, k, 10)
    assert out[[3, 4, 5, 6, 7]] == pytest.approx([0.25, 0.25, 2 / 7, 1 / 7, 0.5 / 7])
    assert out.sum() == pytest.approx(1.0)


def test_tiny_history_renews_in_the_months_worked_out_by_hand() -> None:
    """Three documents: an adult's passport of March 2019, a child's of January 2020, and an ID card of
    May 2021 to someone of 15-24 (ages 15-17 get five years, 18-24 ten)."""
    start, n = m(2019, 1), 160
    months = np.arange(start, start + n)
    profile, bands = age_profile(default_assumptions().old_groups), band_of_age()
    passports = np.zeros((1, 5, n))
    passports[0, 2, m(2019, 3) - start] = 1  # band 25-44
    passports[0, 0, m(2020, 1) - start] = 1  # band 0-14
    exp = expiries(passports, validity_months(default_rules(), "passport", months), profile, bands, 2)
    renew = convolve(exp, IMMEDIATE, n)
    assert renew.sum() == pytest.approx(2.0)
    # the adult's: ten years later, March 2029, then aged 35-54 (half 25-44, half 45-64)
    assert renew[0, :, m(2029, 3) - start] == pytest.approx([0, 0, 0.5, 0.5, 0])
    # the child's: five years later, January 2025, then aged 5-19 (10 of 15 ages in 0-14, 5 in 15-24)
    assert renew[0, :, m(2025, 1) - start] == pytest.approx([10 / 15, 5 / 15, 0, 0, 0])
    ids = np.zeros((1, 5, n))
    ids[0, 1, m(2021, 5) - start] = 1
    exp = expiries(ids, validity_months(default_rules(), "id_card", months), profile, bands, 2)
    renew = convolve(exp, IMMEDIATE, n)
    assert renew[0, :, m(2026, 5) - start] == pytest.approx([0, 0.3, 0, 0, 0])  # 15-17: 5 years, renew at 20-22
    assert renew[0, :, m(2031, 5) - start] == pytest.approx([0, 0, 0.7, 0, 0])  # 18-24: 10 years, at 28-34
    early = convolve(exp, Kernel(1, 1.0, 0.0, 0), n)  # everyone a month early
    assert early[0, 1, m(2026, 4) - start] == pytest.approx(0.3)


def test_reconstruction_before_the_list_shows_the_ten_year_wave() -> None:
    """One adult holder (40) renewing on expiry: five-year documents until 9 March 2014, so before 2019 one
    in 60 renews every month; those issued from March 2014 expire ten years later. After a list that
    starts in January 2019: the last five-year documents (January and February 2014) in January and
    February 2019, nothing until March 2024, then 1/60 a month until December 2028. A child's (10) stay
    five-year documents: 1/60 a month in 2019-2023, nothing after."""
    g0, start = m(1979, 1), m(2019, 1)
    months = np.arange(g0, m(2032, 1))
    v = validity_months(default_rules(), "passport", months)
    r = prelog_renewals(v, IMMEDIATE, start - g0)
    adult, child = r[40], r[10]
    at = lambda y, mo: m(y, mo) - g0  # noqa: E731
    assert adult[at(2019, 1)] == pytest.approx(1 / 60) and adult[at(2019, 2)] == pytest.approx(1 / 60)
    assert adult[at(2019, 3):at(2024, 3)].sum() == pytest.approx(0.0)
    assert adult[at(2024, 3):at(2029, 1)] == pytest.approx(np.full(58, 1 / 60))
    assert adult[at(2029, 1):].sum() == pytest.approx(0.0)
    assert adult[:at(2019, 1)].sum() == 0.0  # only renewals from the list's start on
    assert child[at(2019, 1):at(2024, 1)] == pytest.approx(np.full(60, 1 / 60))
    assert child[at(2024, 1):].sum() == pytest.approx(0.0)
