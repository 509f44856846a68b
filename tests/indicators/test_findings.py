"""The band of a value against the city, one definition for the terminal and the report."""

from __future__ import annotations

import math

from wijkloket.indicators.findings import concern_band


def test_bands_in_the_direction_of_concern() -> None:
    # high concern (e.g. share 65+): above the city is worse
    assert [concern_band(i, "high") for i in (120.0, 119.9, 110.0, 109.9, 90.1, 90.0, 80.0)] == [2, 1, 1, 0, 0, -1, -2]
    # low concern (e.g. income): below the city is worse
    assert [concern_band(i, "low") for i in (80.0, 85.0, 100.0, 115.0, 125.0)] == [2, 1, 0, -1, -2]
    assert concern_band(math.nan, "high") == 0
