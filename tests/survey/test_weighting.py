"""Raking against an independent IPF on a contingency table, bounds, trimming, reconciliation, Kish."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from wijkloket.errors import ConfigError
from wijkloket.survey import weighting as wt


def _sample(seed: int = 3, n: int = 400) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    data = pd.DataFrame({"district": rng.choice(["Noord", "Oost", "Zuid"], n, p=[0.5, 0.3, 0.2]),
                         "age_band": rng.choice(["15-24", "25-44", "45-64", "65+"], n),
                         "sex": rng.choice(["M", "V"], n)})
    d = rng.uniform(20, 60, n)
    return data, d


POP_DA = {("Noord", "15-24"): 3000, ("Noord", "25-44"): 6000, ("Noord", "45-64"): 5000, ("Noord", "65+"): 4000,
          ("Oost", "15-24"): 2000, ("Oost", "25-44"): 4000, ("Oost", "45-64"): 3500, ("Oost", "65+"): 2500,
          ("Zuid", "15-24"): 1500, ("Zuid", "25-44"): 2500, ("Zuid", "45-64"): 3000, ("Zuid", "65+"): 3000}
POP_SEX = {("M",): 19500, ("V",): 20500}


def _margins() -> list[wt.Margin]:
    return [wt.Margin(("district", "age_band"), pd.Series(POP_DA, dtype=float).set_axis(
                pd.Index(list(POP_DA), tupleize_cols=False))),
            wt.Margin(("sex",), pd.Series(list(POP_SEX.values()), index=pd.Index(list(POP_SEX), tupleize_cols=False),
                                         dtype=float))]


def _independent_ipf(data: pd.DataFrame, d: np.ndarray) -> np.ndarray:
    """Textbook IPF on the 3 x 4 x 2 table of design-weighted counts, then weight = d x cell factor."""
    ds, ages, sexes = ["Noord", "Oost", "Zuid"], ["15-24", "25-44", "45-64", "65+"], ["M", "V"]
    table = [[[0.0 for _ in sexes] for _ in ages] for _ in ds]
    for (di, ai, si), w in zip(zip(data.district, data.age_band, data.sex, strict=True), d, strict=True):
        table[ds.index(di)][ages.index(ai)][sexes.index(si)] += w
    start = [[[table[i][j][k] for k in range(2)] for j in range(4)] for i in range(3)]
    for _ in range(500):
        for i in range(3):
            for j in range(4):
                s = table[i][j][0] + table[i][j][1]
                for k in range(2):
                    table[i][j][k] *= POP_DA[(ds[i], ages[j])] / s
        for k in range(2):
            s = sum(table[i][j][k] for i in range(3) for j in range(4))
            for i in range(3):
                for j in range(4):
                    table[i][j][k] *= POP_SEX[(sexes[k],)] / s
    factor = {(ds[i], ages[j], sexes[k]): table[i][j][k] / start[i][j][k]
              for i in range(3) for j in range(4) for k in range(2)}
    return np.array([w * factor[(a, b, c)] for a, b, c, w in zip(data.district, data.age_band, data.sex, d,
                                                                    strict=True)])


def test_rake_matches_independent_ipf_and_margins() -> None:
    data, d = _sample()
    res = wt.rake(data, d, _margins())
    assert res.converged and res.iterations < 100
    np.testing.assert_allclose(res.weights, _independent_ipf(data, d), rtol=1e-8)
    for (a, b), total in POP_DA.items():
        got = res.weights[(data.district == a).to_numpy() & (data.age_band == b).to_numpy()].sum()
        assert abs(got - total) / total < 1e-6
    for (s,), total in POP_SEX.items():
        assert abs(res.weights[(data.sex == s).to_numpy()].sum() - total) / total < 1e-6
    assert len(res.history) == res.iterations and set(res.history[0]) == {"district*age_band", "sex"}


def test_parse_margins() -> None:
    assert wt.parse_margins("district*age_band,sex") == [("district", "age_band"), ("sex",)]
    with pytest.raises(ConfigError) as exc:
        wt.parse_margins("district,leeftijd")
    assert exc.value.code == "error.survey_margin_variable" and exc.value.params["value"] == "leeftijd"
    with pytest.raises(ConfigError):
        wt.parse_margins("district,,sex")


def _one_way() -> list[wt.Margin]:
    counts = pd.DataFrame([(a, b, c, v * POP_SEX[(c,)] / 40000) for (a, b), v in POP_DA.items() for c in "MV"],
                          columns=["district", "age_band", "sex", "count"])
    return [wt.margin_from_counts(counts, (v,)) for v in ("district", "age_band", "sex")]


def test_bounds_hold_and_margins_still_met() -> None:
    data, d = _sample()
    free = wt.rake(data, d, _one_way())
    g_free = free.weights / (d * 40000 / d.sum())  # g relative to d scaled to the population
    assert g_free.min() < 0.5 and g_free.max() > 1.6  # so the bounds below bind
    res = wt.rake(data, d, _one_way(), bounds=(0.5, 1.6))
    g = res.weights / (d * 40000 / d.sum())
    assert g.min() >= 0.5 - 1e-12 and g.max() <= 1.6 + 1e-12 and res.bounded > 0
    table = wt.margin_table(data, res.weights, _one_way())
    assert ((table.weighted - table.population).abs() / table.population).max() < 1e-6


def test_trim_caps_weights_at_k_times_mean() -> None:
    data, d = _sample()
    d = d.copy()
    d[:5] = 2000.0  # a few extreme design weights
    free = wt.rake(data, d, _margins())
    res = wt.rake(data, d, _margins(), trim=3.0)
    assert free.weights.max() > 3.0 * free.weights.mean()
    mean = res.weights.mean()
    assert mean == pytest.approx(40000 / len(d))
    assert res.weights.max() <= 3.0 * mean * (1 + 1e-9)
    assert res.bounded >= 5


def test_not_converged_names_the_margin() -> None:
    data, d = _sample()
    with pytest.raises(ConfigError) as exc:
        wt.rake(data, d, _margins(), bounds=(0.99, 1.01))
    assert exc.value.code == "error.survey_not_converged"
    assert exc.value.params["margin"] in ("district*age_band", "sex")


def test_empty_cell_is_named() -> None:
    data, d = _sample()
    keep = ~((data.district == "Zuid") & (data.age_band == "65+")).to_numpy()
    with pytest.raises(ConfigError) as exc:
        wt.rake(data[keep].reset_index(drop=True), d[keep], _margins())
    assert exc.value.code == "error.survey_margin_empty_cell"
    assert exc.value.params["cell"] == "Zuid x 65+" and exc.value.params["population"] == 3000


def test_reconciliation_scales_to_first_margin_and_reports() -> None:
    margins = _margins()
    sex = wt.Margin(("sex",), margins[1].totals + 50.0)  # 40100 against 40000: -0.249%
    out, report = wt.reconcile([margins[0], sex])
    assert out[1].total() == pytest.approx(40000)
    assert report[1]["adjustment"] == pytest.approx(-100)
    assert report[1]["adjustment_pct"] == pytest.approx(-100 / 40100 * 100)
    with pytest.raises(ConfigError) as exc:
        wt.reconcile([margins[0], wt.Margin(("sex",), margins[1].totals * 1.05)])
    assert exc.value.code == "error.survey_margins_differ"


def test_kish() -> None:
    deff, n_eff = wt.kish(np.array([1.0, 1.0, 2.0, 4.0]))
    # n sum w^2 / (sum w)^2 = 4 x 22 / 64
    assert deff == pytest.approx(88 / 64) and n_eff == pytest.approx(4 / (88 / 64))


def test_design_weights() -> None:
    np.testing.assert_allclose(wt.design_weights([0.5, 0.1]), [2.0, 10.0])
    with pytest.raises(ConfigError):
        wt.design_weights([0.0])
