"""Uncertainty: draws from ranges (PERT, triangular), the 80% interval, the one-at-a-time tornado and
the seed. Collapsed ranges and symmetric ranges on the model itself: tests/plan/test_options.py."""

from __future__ import annotations

import numpy as np
import pytest

from wijkloket.plan.scenarios import Range
from wijkloket.plan.uncertainty import draw, interval, sample, tornado


@pytest.mark.parametrize("distribution,mean", [("pert", (1 + 4 * 2 + 6) / 6), ("triangular", (1 + 2 + 6) / 3)])
def test_distributions_have_their_textbook_mean(distribution: str, mean: float) -> None:
    # PERT mean (a + 4m + b) / 6, triangular (a + m + b) / 3 (Vose 2008)
    x = sample(Range(1, 2, 6), 200_000, np.random.default_rng(3), distribution)
    assert x.min() >= 1 and x.max() <= 6
    assert x.mean() == pytest.approx(mean, abs=0.01)
    assert np.all(sample(Range(5, 5, 5), 10, np.random.default_rng(3), distribution) == 5)


def test_draws_are_seeded_and_per_assumption() -> None:
    ranges = {"a": Range(0, 1, 2), "b": Range(10, 11, 12)}
    one, again = draw(ranges, 100, 7, "pert"), draw(ranges, 100, 7, "pert")
    assert all(np.array_equal(one[k], again[k]) for k in ranges)
    assert not np.array_equal(one["a"], draw(ranges, 100, 8, "pert")["a"])
    # adding an assumption leaves the draws of the others as they were
    more = draw(ranges | {"c": Range(0, 0.5, 1)}, 100, 7, "pert")
    assert np.array_equal(one["a"], more["a"]) and np.array_equal(one["b"], more["b"])


def test_interval_is_the_10th_and_90th_percentile() -> None:
    assert interval(np.arange(101.0)) == (10.0, 90.0)
    assert interval(np.array([np.nan, 1.0, 1.0])) == (1.0, 1.0)
    low, high = interval(np.array([np.nan]))
    assert np.isnan(low) and np.isnan(high)


def test_tornado_by_hand() -> None:
    ranges = {"x": Range(1, 2, 4), "y": Range(1, 3, 3.5), "z": Range(5, 5, 5)}
    # figure x * y: x low/high with y = 3 gives 3 and 12 (swing 9); y low/high with x = 2 gives 2 and 7 (swing 5);
    # z has no range and is left out
    bars = tornado(ranges, ["x", "y", "z"], lambda p: p["x"] * p["y"] * p["z"] / 5)
    assert bars == [("x", pytest.approx(3.0), pytest.approx(12.0)), ("y", pytest.approx(2.0), pytest.approx(7.0))]
