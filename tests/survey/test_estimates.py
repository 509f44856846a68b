"""Estimates against the `svy` package (design-based SEs), the calibrated SE against the post-stratified
variance worked out independently, and the intervals by hand."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest
import svy
from scipy import stats

from wijkloket.survey import estimates as est


def _sample(n: int = 600, seed: int = 7) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    strata = rng.choice(["Noord", "Oost", "Zuid"], n, p=[0.5, 0.3, 0.2])
    w = np.where(strata == "Noord", 40.0, np.where(strata == "Oost", 25.0, 60.0)) * rng.uniform(0.7, 1.4, n)
    y = (rng.uniform(size=n) < np.where(strata == "Zuid", 0.45, 0.3)).astype(float)
    x = rng.normal(3.0, 1.0, n) + (strata == "Oost")
    asked = rng.uniform(size=n) < 0.8
    sex = rng.choice(["M", "V"], n)
    return {"stratum": strata, "w": w, "y": y, "x": x, "asked": asked, "sex": sex}


def _svy(s: dict[str, np.ndarray]) -> svy.Sample:
    frame = pl.DataFrame({"stratum": s["stratum"], "w": s["w"], "y": s["y"], "x": s["x"], "sex": s["sex"],
                          "asked": s["asked"]})
    return svy.Sample(frame, svy.Design(stratum="stratum", wgt="w"))


def test_proportion_and_mean_match_svy_design_only() -> None:
    s = _sample()
    design = est.Design(s["stratum"], s["w"])
    ones = np.ones(len(s["w"]))
    ref = _svy(s).estimation.mean("y").to_polars().row(0, named=True)
    got = est.proportion(s["y"], ones, design, calibrated=False)
    assert got.estimate == pytest.approx(ref["est"], abs=1e-6)
    assert got.se == pytest.approx(ref["se"], abs=1e-6)
    ref = _svy(s).estimation.mean("x", by="sex").to_polars()
    for row in ref.iter_rows(named=True):
        got = est.mean(s["x"], (s["sex"] == row["sex"]).astype(float), design, calibrated=False)
        assert got.estimate == pytest.approx(row["est"], abs=1e-6)
        assert got.se == pytest.approx(row["se"], abs=1e-6)
        assert got.ci_low == pytest.approx(row["lci"], abs=1e-6)


def test_logit_interval_matches_svy_and_hand() -> None:
    s = _sample()
    design = est.Design(s["stratum"], s["w"])
    ref = _svy(s).estimation.prop("y", by="sex").to_polars().filter(pl.col("y") == 1.0)
    for row in ref.iter_rows(named=True):
        z = (s["sex"] == row["sex"]).astype(float)
        got = est.proportion(s["y"], z, design, calibrated=False)
        assert got.estimate == pytest.approx(row["est"], abs=1e-6)
        assert got.se == pytest.approx(row["se"], abs=1e-6)
        assert (got.ci_low, got.ci_high) == pytest.approx((row["lci"], row["uci"]), abs=1e-6)
        # by hand: expit(logit p +- t_df se / (p (1 - p))), df = domain respondents - strata
        p, se = got.estimate, got.se
        t = stats.t.ppf(0.975, int(z.sum()) - 3)
        lo = 1 / (1 + math.exp(-(math.log(p / (1 - p)) - t * se / (p * (1 - p)))))
        assert got.ci_low == pytest.approx(lo, abs=1e-12)


def test_question_not_asked_is_outside_the_domain() -> None:
    s = _sample()
    design = est.Design(s["stratum"], s["w"])
    y = np.where(s["asked"], s["y"], np.nan)
    got = est.proportion(y, s["asked"].astype(float), design, calibrated=False)
    ref = _svy(s).estimation.mean("y", where=svy.col("asked")).to_polars().row(0, named=True)
    assert got.estimate == pytest.approx(ref["est"], abs=1e-6)
    assert got.se == pytest.approx(ref["se"], abs=1e-6)
    assert got.n == int(s["asked"].sum())


def test_calibrated_se_equals_post_stratified_variance_by_hand() -> None:
    """Calibrating on the sex margin is post-stratification: the linearised variable is then the residual
    from the post-stratum's own weighted mean, e_i = (y_i - ybar_g) / N_hat (Särndal et al. 1992, 7.6)."""
    s = _sample()
    x = np.column_stack([(s["sex"] == "M"), (s["sex"] == "V")]).astype(float)
    design = est.Design(s["stratum"], s["w"], calibration=x)
    got = est.mean(s["x"], np.ones(len(s["w"])), design)
    w, y = s["w"], s["x"]
    total = w.sum()
    theta = (w * y).sum() / total
    e = np.empty_like(y)
    for g in ("M", "V"):
        m = s["sex"] == g
        e[m] = ((y[m] - theta) - ((w[m] * (y[m] - theta)).sum() / w[m].sum())) / total
    var = 0.0
    for h in ("Noord", "Oost", "Zuid"):
        v = (w * e)[s["stratum"] == h]
        var += len(v) / (len(v) - 1) * ((v - v.mean()) ** 2).sum()
    assert got.se == pytest.approx(math.sqrt(var), rel=1e-9)
    assert got.se < est.mean(s["x"], np.ones(len(w)), design, calibrated=False).se


def test_fpc_shrinks_the_variance() -> None:
    s = _sample()
    plain = est.proportion(s["y"], np.ones(len(s["w"])), est.Design(s["stratum"], s["w"]), calibrated=False)
    sizes = {"Noord": 600.0, "Oost": 400.0, "Zuid": 300.0}
    fpc = est.proportion(s["y"], np.ones(len(s["w"])), est.Design(s["stratum"], s["w"], stratum_sizes=sizes),
                         calibrated=False)
    assert fpc.se < plain.se


def test_korn_graubard_near_zero_by_hand() -> None:
    n = 200
    strata = np.array(["a"] * 100 + ["b"] * 100)
    y = np.zeros(n)
    y[:6] = 1.0  # p = 0.03, equal weights
    got = est.proportion(y, np.ones(n), est.Design(strata, np.ones(n)), calibrated=False)
    assert got.estimate == pytest.approx(0.03)
    n_eff = min(0.03 * 0.97 / got.se**2, n) * (stats.t.ppf(0.975, n - 1) / stats.t.ppf(0.975, n - 2)) ** 2
    x = 0.03 * n_eff
    assert got.ci_low == pytest.approx(stats.beta.ppf(0.025, x, n_eff - x + 1))
    assert got.ci_high == pytest.approx(stats.beta.ppf(0.975, x + 1, n_eff - x))
    assert est.suppressed(got)  # 6 respondents chose it


def test_reliable_and_suppressed_rules() -> None:
    assert est.reliable(30, 0.3) and not est.reliable(29, 0.1) and not est.reliable(100, 0.31)
    e = est.Estimate(0.5, 0.1, 0.3, 0.7, n=40, count=9, deff=1.0, n_eff=25.0)
    assert est.suppressed(e)
    assert not est.suppressed(est.Estimate(0.5, 0.1, 0.3, 0.7, n=40, count=10, deff=1.0, n_eff=25.0))
    assert est.cv_of(e) == pytest.approx(0.2)
