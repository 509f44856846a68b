"""The stratified draw: exact sizes, reproducible, order-free, and n_h / N_h inclusion probabilities."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from wijkloket.survey.draw import draw, taken

# 3 strata of 20, 50 and 5 units, interleaved, with sizes 4, 10 and 8 (the last one is taken whole)
STRATA = pd.Series(["B", "A", "C"] * 5 + ["A"] * 15 + ["B"] * 45, name="stratum")
SIZES = {"A": 4, "B": 10, "C": 8}


def test_sizes_exact_and_within_stratum() -> None:
    pos = draw(STRATA, SIZES, seed=11)
    picked = STRATA.iloc[pos]
    assert picked.value_counts().to_dict() == {"B": 10, "A": 4, "C": 5}
    assert len(set(pos)) == len(pos)  # without replacement
    # strata in sorted order, increasing positions inside each
    assert list(dict.fromkeys(picked)) == ["A", "B", "C"]
    for s in "ABC":
        p = pos[picked.to_numpy() == s]
        assert (np.diff(p) > 0).all()


def test_reproducible_and_independent_of_the_order_of_sizes() -> None:
    a = draw(STRATA, SIZES, seed=11)
    b = draw(STRATA, {"C": 8, "B": 10, "A": 4}, seed=11)
    assert np.array_equal(a, b)
    assert not np.array_equal(a, draw(STRATA, SIZES, seed=12))


def test_taken_table() -> None:
    t = taken(STRATA, SIZES).set_index("stratum")
    assert t["frame_count"].to_dict() == {"A": 20, "B": 50, "C": 5}
    assert t["sample"].to_dict() == {"A": 4, "B": 10, "C": 5}
    assert t["inclusion_prob"].to_dict() == {"A": 0.2, "B": 0.2, "C": 1.0}
    assert t["whole"].to_dict() == {"A": False, "B": False, "C": True}
    with pytest.raises(ValueError):
        taken(STRATA, {"A": -1})


def test_a_stratum_without_size_is_not_drawn() -> None:
    pos = draw(STRATA, {"A": 3}, seed=1)
    assert set(STRATA.iloc[pos]) == {"A"} and len(pos) == 3
    assert draw(STRATA, {}, seed=1).size == 0


def test_every_unit_is_drawn_with_probability_n_over_N() -> None:
    # 4000 draws: each unit of A (n/N = 0.2) and B (0.2) is drawn 800 times on average, binomial sd
    # sqrt(4000 x 0.2 x 0.8) = 25.3; every one of the 70 units within 5 sd (a chance of a false alarm < 1e-4)
    runs = 4000
    hits = np.zeros(len(STRATA))
    for seed in range(runs):
        hits[draw(STRATA, SIZES, seed)] += 1
    freq = hits / runs
    expected = STRATA.map({"A": 0.2, "B": 0.2, "C": 1.0}).to_numpy()
    sd = np.sqrt(expected * (1 - expected) / runs)
    assert np.all(np.abs(freq - expected) <= 5 * sd + 1e-12)
    assert freq[STRATA.to_numpy() == "C"].tolist() == [1.0] * 5
