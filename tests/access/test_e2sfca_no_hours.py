"""A points list without opening hours (the published polling-station list has none) gives no E2SFCA
score, rather than a score of 0 desk hours everywhere."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from wijkloket.access.summary import e2sfca_summary


def test_no_hours_no_score() -> None:
    kinds = pd.Series(["desk", "library_ido", "community_centre"])
    minutes = np.array([[4.0, 10.0, 2.0], [20.0, 3.0, 4.0]])
    weights = {"population": np.array([100.0, 50.0])}
    keys = {"gemeente": np.array(["GM0392", "GM0392"], dtype=object)}
    assert e2sfca_summary(kinds, pd.Series([np.nan, np.nan, np.nan]), minutes, weights, keys, 15.0) == []
    # one desk with 40 hours: only the 100 residents 4 minutes away (zone 1, weight 1) reach it within
    # 15 minutes, so they get 40 / 100 hours each (x 1000), the 50 at 20 minutes none: mean over 150
    rows = e2sfca_summary(kinds, pd.Series([40.0, np.nan, np.nan]), minutes, weights, keys, 15.0)
    assert len(rows) == 1 and rows[0][:5] == ("gemeente", "GM0392", "population", "desk_hours", "e2sfca_per_1000")
    assert rows[0][5] == pytest.approx(40 / 100 * 1000 * 100 / 150)
