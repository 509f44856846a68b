"""One product end to end on a small seeded history: shapes, sums and intervals, and a recovered renewal wave."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from wijkloket.documents.validity import default_rules
from wijkloket.forecast.assumptions import default_assumptions
from wijkloket.forecast.chain import Kernel
from wijkloket.forecast.model import ProductInput, forecast_product

START = 2016 * 12  # January 2016


def _history(seed: int = 7) -> ProductInput:
    """Two areas, children's passports only (five years): 40 a month in area 0 and 20 in area 1 from
    2016 to 2020, drawn as Poisson counts."""
    rng = np.random.default_rng(seed)
    counts = np.zeros((2, 5, 60))
    counts[0, 0] = rng.poisson(40, 60)
    counts[1, 0] = rng.poisson(20, 60)
    residents = np.array([[3000.0, 1000, 3000, 2000, 1000], [1500.0, 500, 1500, 1000, 500]])
    return ProductInput("passport", counts, START, residents)


def test_forecast_of_one_product_renews_the_listed_childrens_documents() -> None:
    a = replace(default_assumptions(), early_months=(3,), early_share=(0.5,), late_mean=(2.0,))
    inp = _history()
    pf = forecast_product(inp, 24, a, default_rules())
    assert pf.expected.shape == (2, 24) and pf.first_month == START + 60
    assert pf.kernel == Kernel(3, 0.5, 2.0, a.max_late)
    assert (pf.expected >= 0).all()
    parts = pf.prelog + pf.listed + pf.first + pf.other
    assert parts == pytest.approx(pf.expected)
    # the documents of 2016-2020 come back five years later: the listed renewals carry the forecast
    assert pf.listed.sum() > 0.5 * pf.expected.sum()
    # area 0 issued twice as many as area 1, and will again
    ratio = pf.expected[0].sum() / pf.expected[1].sum()
    assert ratio == pytest.approx(2.0, rel=0.15)
    assert pf.jackknife.shape == (5, 2, 24)  # one refit per year left out
    assert pf.fitted.sum() == pytest.approx(pf.observed.sum(), rel=0.02)
