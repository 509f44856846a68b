"""Tests for cell suppression (wijkloket.indicators.disclosure).

Protection rule under test (module docstring; Hundepool et al. 2012, ch. 4-5): given what is
published and counts >= 0, every primary entry's feasibility interval covers [0, threshold] and
no secondary entry is determined exactly. The property tests check this with their own LP
(all entries of the table with totals as variables, published ones fixed by their bounds),
written independently of the module's per-component formulation.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from wijkloket.indicators.disclosure import (
    SuppressionResult,
    is_protected,
    suppress_long,
    suppress_table,
)

# --- an independent audit ---------------------------------------------------------------------


def true_grid(counts: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(values, exists) of the table with totals: row totals last column, column totals last row.

    NaN cells are "no data": they do not exist and do not count in the totals.
    """
    m, n = counts.shape
    values = np.zeros((m + 1, n + 1))
    exists = np.zeros((m + 1, n + 1), dtype=bool)
    values[:m, :n] = counts.fillna(0).to_numpy(dtype=float)
    exists[:m, :n] = counts.notna().to_numpy()
    values[:m, n] = counts.sum(axis=1, skipna=True).to_numpy(dtype=float)
    exists[:m, n] = counts.notna().any(axis=1).to_numpy()
    values[m, :n] = counts.sum(axis=0, skipna=True).to_numpy(dtype=float)
    exists[m, :n] = counts.notna().any(axis=0).to_numpy()
    values[m, n] = np.nansum(counts.to_numpy(dtype=float)) if counts.size else 0.0
    exists[m, n] = bool(counts.notna().to_numpy().any())
    return values, exists


def status_grid(res: SuppressionResult) -> np.ndarray:
    """'', 'primary' or 'secondary' for every entry of the table with totals."""
    m, n = res.table.shape
    status = np.full((m + 1, n + 1), "", dtype=object)
    status[:m, :n] = np.where(res.primary, "primary", np.where(res.secondary, "secondary", ""))
    status[:m, n] = res.row_total_status.to_numpy(dtype=object)
    status[m, :n] = res.col_total_status.to_numpy(dtype=object)
    status[m, n] = res.grand_total_status
    return status


def lp_interval(
    values: np.ndarray, exists: np.ndarray, hidden: np.ndarray, pos: tuple[int, int]
) -> tuple[float, float]:
    """Min and max of entry `pos` over all tables with the published entries, totals and >= 0."""
    m1, n1 = values.shape
    entries = [(i, j) for i in range(m1) for j in range(n1) if exists[i, j]]
    col_of = {e: k for k, e in enumerate(entries)}
    equations = []
    for i in range(m1):  # each row: cells - row total = 0
        eq = np.zeros(len(entries))
        for j in range(n1):
            if exists[i, j]:
                eq[col_of[(i, j)]] = 1.0 if j < n1 - 1 else -1.0
        equations.append(eq)
    for j in range(n1):  # each column: cells - column total = 0
        eq = np.zeros(len(entries))
        for i in range(m1):
            if exists[i, j]:
                eq[col_of[(i, j)]] = 1.0 if i < m1 - 1 else -1.0
        equations.append(eq)
    a_eq = np.array(equations)
    bounds = [(0.0, None) if hidden[e] else (values[e], values[e]) for e in entries]
    cost = np.zeros(len(entries))
    cost[col_of[pos]] = 1.0
    low = linprog(cost, A_eq=a_eq, b_eq=np.zeros(len(a_eq)), bounds=bounds, method="highs")
    high = linprog(-cost, A_eq=a_eq, b_eq=np.zeros(len(a_eq)), bounds=bounds, method="highs")
    assert low.status == 0, low.message
    assert high.status in (0, 3), high.message
    return float(low.fun), (np.inf if high.status == 3 else float(-high.fun))


def assert_valid(counts: pd.DataFrame, res: SuppressionResult, threshold: int, zeros: bool) -> None:
    """All properties a published result must have (see module docstring)."""
    values, exists = true_grid(counts)
    status = status_grid(res)
    hidden = status != ""
    m, n = counts.shape

    # shape and labels are kept; masks are disjoint
    assert res.table.shape == counts.shape
    assert res.table.index.equals(counts.index) and res.table.columns.equals(counts.columns)
    assert not (res.primary & res.secondary).to_numpy().any()

    # primary = exactly the entries in 1..threshold-1 (and 0 when zeros are suppressed)
    unsafe = exists & (values < threshold) & ((values > 0) | zeros)
    assert np.array_equal(status == "primary", unsafe)
    # no data is never hidden; the grand total is never a secondary suppression
    assert not (hidden & ~exists).any()
    assert status[m, n] != "secondary"

    # published cells unchanged, hidden and no-data cells NaN
    table = res.table.to_numpy(dtype=float)
    shown = exists & ~hidden
    assert np.array_equal(np.isnan(table), ~shown[:m, :n])
    assert np.array_equal(table[shown[:m, :n]], values[:m, :n][shown[:m, :n]])
    # published totals equal the true sums
    for got, want, ok in (
        (res.row_totals.to_numpy(dtype=float), values[:m, n], shown[:m, n]),
        (res.col_totals.to_numpy(dtype=float), values[m, :n], shown[m, :n]),
    ):
        assert np.array_equal(np.isnan(got), ~ok)
        assert np.array_equal(got[ok], want[ok])
    assert (res.grand_total is None) == (not shown[m, n])
    if shown[m, n]:
        assert res.grand_total == values[m, n]

    # no line (row or column, totals included) hides exactly one entry
    assert ((hidden.sum(axis=1) != 1) | ~hidden.any(axis=1)).all()
    assert (hidden.sum(axis=0) != 1).all()

    # the protection rule, by an independent LP; the true value lies in its interval
    for pos in zip(*np.nonzero(hidden), strict=True):
        lo, up = lp_interval(values, exists, hidden, pos)
        assert lo - 1e-6 <= values[pos] <= up + 1e-6
        if status[pos] == "primary":
            assert lo <= 1e-6 and up >= threshold - 1e-6, (pos, lo, up)
        else:  # whole counts: bounds are whole numbers (totally unimodular), so width >= 1
            assert up - lo >= 1 - 1e-6, (pos, lo, up)
    assert is_protected(res, threshold)


def pattern(res: SuppressionResult) -> list[str]:
    """Hidden entries as 'row:col' strings, totals as 'row:total' / 'total:col'."""
    status = status_grid(res)
    rows = [*map(str, res.table.index), "total"]
    cols = [*map(str, res.table.columns), "total"]
    return sorted(f"{rows[i]}:{cols[j]}" for i, j in zip(*np.nonzero(status != ""), strict=True))


# --- hand-worked examples ---------------------------------------------------------------------


def test_single_small_cell_gets_cheapest_rectangle() -> None:
    #        A   B   C | total
    # r1    20  30  40 |  90
    # r2     5  25  35 |  65
    # r3    15  45  50 | 110
    # total 40 100 125 | 265
    # Only r2:A = 5 is unsafe. Hidden alone it is r2 total - 25 - 35. It needs a rectangle
    # r2:A, r2:x, y:A, y:x. Shifting t around it keeps all totals; r2:A can rise while r2:x and
    # y:A stay >= 0 (need >= 10 - 5 = 5) and fall to 0 while y:x >= 5. All interior
    # rectangles qualify; cost = sum of the three new values:
    #   (r1,B) 25+20+30 = 75, (r1,C) 35+20+40 = 95, (r3,B) 25+15+45 = 85, (r3,C) 35+15+50 = 100;
    # rectangles through totals cost more. So r1:A, r1:B, r2:B are hidden, totals published;
    # r2:A then ranges over [0, 25] (r1:A = 20 and r2:B = 25 cap the rise).
    counts = pd.DataFrame(
        [[20, 30, 40], [5, 25, 35], [15, 45, 50]], index=["r1", "r2", "r3"], columns=list("ABC")
    )
    res = suppress_table(counts)
    assert pattern(res) == ["r1:A", "r1:B", "r2:A", "r2:B"]
    assert res.primary.loc["r2", "A"] and res.primary.to_numpy().sum() == 1
    assert res.row_totals.tolist() == [90, 65, 110] and res.grand_total == 265
    values, exists = true_grid(counts)
    hidden = status_grid(res) != ""
    assert lp_interval(values, exists, hidden, (1, 0)) == pytest.approx((0.0, 25.0))
    assert_valid(counts, res, 10, False)


def test_two_small_cells_in_one_row_need_a_third_column() -> None:
    #        A   B   C | total
    # r1     3   4  40 |  47
    # r2    30  25  35 |  90
    # total 33  29  75 | 137
    # Hiding only r1:A, r1:B, r2:A, r2:B publishes r1:A + r1:B = 47 - 40 = 7 < 10: both are
    # then known to be small, so column C must join. r1:A is protected first by the cheapest
    # rectangle that lets it reach 10 (rise 7) and 0: (r2,B) is too tight (r1:B = 4 < 7), so
    # (r2,C) is taken: r1:C, r2:A, r2:C. Then r1:B is pinned by column B (b = 29 - 25);
    # the cheapest rectangle through r1:B using hidden cells adds only r2:B. All six cells
    # are hidden; the totals stay published.
    counts = pd.DataFrame([[3, 4, 40], [30, 25, 35]], index=["r1", "r2"], columns=list("ABC"))
    res = suppress_table(counts)
    assert pattern(res) == ["r1:A", "r1:B", "r1:C", "r2:A", "r2:B", "r2:C"]
    assert res.secondary.to_numpy().sum() == 4
    assert res.row_totals.notna().all() and res.col_totals.notna().all()
    assert_valid(counts, res, 10, False)


def test_small_row_total_is_protected_with_another_row() -> None:
    #        A   B   C | total
    # r1     2   3   1 |   6   <- every r1 cell and the r1 total are primary
    # r2    20  30  40 |  90
    # r3    25  35  45 | 105
    # total 47  68  86 | 201
    # With the column totals and grand total published, r1 total + r2 total + r3 total = 201,
    # so a second row total must be hidden, and with it the cells of that row (else it is
    # their sum). Hiding r2 (cheaper than r3) with its total gives
    #   A: a1 + a2 = 22, B: b1 + b2 = 33, C: c1 + c2 = 41, r1 total + r2 total = 96,
    # so every r1 entry can be 0 and can reach 10 or more (e.g. r1 total in [0, 96]).
    counts = pd.DataFrame(
        [[2, 3, 1], [20, 30, 40], [25, 35, 45]], index=["r1", "r2", "r3"], columns=list("ABC")
    )
    res = suppress_table(counts)
    assert pattern(res) == sorted(
        ["r1:A", "r1:B", "r1:C", "r1:total", "r2:A", "r2:B", "r2:C", "r2:total"]
    )
    assert res.row_total_status.tolist() == ["primary", "secondary", ""]
    assert res.col_totals.tolist() == [47, 68, 86] and res.grand_total == 201
    assert_valid(counts, res, 10, False)


def test_single_column_hides_row_totals_too() -> None:
    # One column: each row total equals its cell, so the row total of the small cell is
    # primary as well. Hiding 3 and its total still leaves 3 = 113 - 50 - 60; the cheapest
    # complement is the 50 row (cell and total, both equal 50): then 3 + 50 = 53 is all that is
    # known and the small cell ranges over [0, 53]. The column total 113 (= grand total) stays.
    counts = pd.DataFrame({"A": [3, 50, 60]}, index=["w1", "w2", "w3"])
    res = suppress_table(counts)
    assert pattern(res) == ["w1:A", "w1:total", "w2:A", "w2:total"]
    assert res.row_total_status.tolist() == ["primary", "secondary", ""]
    assert res.grand_total == 113 and res.col_totals.tolist() == [113]
    assert_valid(counts, res, 10, False)


def test_single_row_hides_column_totals_too() -> None:
    # The transpose of the single-column case.
    counts = pd.DataFrame([[3, 50, 60]], index=["w1"], columns=["p1", "p2", "p3"])
    res = suppress_table(counts)
    assert pattern(res) == ["total:p1", "total:p2", "w1:p1", "w1:p2"]
    assert res.row_totals.tolist() == [113] and res.grand_total == 113
    assert_valid(counts, res, 10, False)


def test_no_data_cells_are_neither_published_nor_used_as_protection() -> None:
    #        A    B    C | total
    # r1     4  NaN   30 |  34
    # r2    20   25   35 |  80
    # r3   NaN   40   45 |  85
    # total 24   65  110 | 199
    # NaN = no data: not in the totals, never hidden, assumed known to be empty. Rectangles
    # through r1:A must avoid r1:B and r3:A. Candidates: (r2,C) costs 30+20+35; (r2,total)
    # and (total,C) include a total and cost more. After hiding r1:C, r2:A, r2:C:
    #   r1: a + c = 34, A: a + a2 = 24, C: c + c2 = 65, r2: a2 + c2 = 55, so a in [0, 24].
    counts = pd.DataFrame(
        [[4, np.nan, 30], [20, 25, 35], [np.nan, 40, 45]],
        index=["r1", "r2", "r3"],
        columns=list("ABC"),
    )
    res = suppress_table(counts)
    assert pattern(res) == ["r1:A", "r1:C", "r2:A", "r2:C"]
    assert np.isnan(res.table.loc["r1", "B"]) and not res.secondary.loc["r1", "B"]
    assert res.row_totals.tolist() == [34, 80, 85] and res.grand_total == 199
    assert_valid(counts, res, 10, False)


def test_all_cells_large_nothing_suppressed() -> None:
    counts = pd.DataFrame(np.arange(10, 40).reshape(6, 5))
    res = suppress_table(counts)
    assert pattern(res) == []
    pd.testing.assert_frame_equal(res.table, counts.astype(float))
    assert res.grand_total == counts.to_numpy().sum()
    assert is_protected(res, 10)


def test_all_zero_table() -> None:
    counts = pd.DataFrame(np.zeros((3, 4), dtype=int))
    res = suppress_table(counts)
    assert pattern(res) == [] and res.grand_total == 0.0
    assert_valid(counts, res, 10, False)
    # with suppress_zeros everything is primary, the grand total too: nothing is bounded
    res = suppress_table(counts, suppress_zeros=True)
    assert res.primary.to_numpy().all() and res.grand_total is None
    assert res.grand_total_status == "primary"
    assert_valid(counts, res, 10, True)


def test_zero_cells_published_by_default_and_hidden_on_request() -> None:
    counts = pd.DataFrame([[0, 30, 40], [20, 25, 35], [15, 45, 50]])
    assert pattern(suppress_table(counts)) == []
    res = suppress_table(counts, suppress_zeros=True)
    assert res.primary.iloc[0, 0] and res.secondary.to_numpy().sum() >= 3
    assert_valid(counts, res, 10, True)


def test_small_grand_total_hides_everything_nonzero() -> None:
    counts = pd.DataFrame([[1, 2], [3, 0]])
    res = suppress_table(counts)
    assert res.grand_total is None and res.grand_total_status == "primary"
    assert res.table.iloc[1, 1] == 0.0  # a zero stays published
    assert_valid(counts, res, 10, False)


def test_all_nan_and_empty_tables() -> None:
    res = suppress_table(pd.DataFrame(np.full((2, 3), np.nan)))
    assert pattern(res) == [] and res.grand_total is None and res.grand_total_status == ""
    assert is_protected(res, 10)
    res = suppress_table(pd.DataFrame())
    assert res.table.empty and res.grand_total is None and is_protected(res, 10)


def test_nullable_integers_with_missing() -> None:
    counts = pd.DataFrame(
        {"a": pd.array([3, None, 50], dtype="Int64"), "b": pd.array([20, 30, 40], dtype="Int64")}
    )
    res = suppress_table(counts)
    assert not res.primary.loc[1, "a"] and not res.secondary.loc[1, "a"]
    assert_valid(counts.astype("float64"), res, 10, False)


def test_input_validation() -> None:
    with pytest.raises(ValueError):
        suppress_table(pd.DataFrame([[-1, 20]]))
    with pytest.raises(ValueError):
        suppress_table(pd.DataFrame([[np.inf, 20]]))
    with pytest.raises(ValueError):
        suppress_table(pd.DataFrame([[1, 20]]), threshold=0)
    with pytest.raises(TypeError):
        suppress_table(pd.DataFrame([["a", 20]]))


# --- the audit catches weak patterns ----------------------------------------------------------


def test_audit_rejects_weakened_patterns() -> None:
    counts = pd.DataFrame(
        [[20, 30, 40], [5, 25, 35], [15, 45, 50]], index=["r1", "r2", "r3"], columns=list("ABC")
    )
    res = suppress_table(counts)
    assert is_protected(res, 10)
    # publishing one secondary cell pins r2:A again (r1:A = 90 - 30 - 40, r2:A = 25 - r1:A)
    table = res.table.copy()
    secondary = res.secondary.copy()
    table.loc["r1", "B"] = 30.0
    secondary.loc["r1", "B"] = False
    assert not is_protected(dataclasses.replace(res, table=table, secondary=secondary), 10)
    # a larger threshold asks for more than this pattern gives (r2:A can only reach 25)
    assert not is_protected(res, 30)
    # a hidden cell that still shows its value
    table = res.table.copy()
    table.loc["r2", "A"] = 5.0
    assert not is_protected(dataclasses.replace(res, table=table), 10)


# --- property tests ---------------------------------------------------------------------------


@st.composite
def count_tables(draw: st.DrawFn, with_nan: bool = False) -> pd.DataFrame:
    m = draw(st.integers(1, 8))
    n = draw(st.integers(1, 6))
    cell = st.one_of(st.integers(0, 14), st.integers(0, 150))
    values = np.array(draw(st.lists(cell, min_size=m * n, max_size=m * n)), dtype=float)
    if with_nan:
        missing = draw(
            st.lists(st.sampled_from([False] * 4 + [True]), min_size=m * n, max_size=m * n)
        )
        values[np.array(missing)] = np.nan
    return pd.DataFrame(
        values.reshape(m, n),
        index=[f"w{i}" for i in range(m)],
        columns=[f"p{j}" for j in range(n)],
    )


@settings(max_examples=150, deadline=None, derandomize=True)
@given(counts=count_tables(), threshold=st.sampled_from([3, 5, 10]), zeros=st.booleans())
def test_random_tables_are_protected(counts: pd.DataFrame, threshold: int, zeros: bool) -> None:
    res = suppress_table(counts, threshold=threshold, suppress_zeros=zeros)
    assert_valid(counts, res, threshold, zeros)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(counts=count_tables(with_nan=True), zeros=st.booleans())
def test_random_tables_with_no_data_are_protected(counts: pd.DataFrame, zeros: bool) -> None:
    res = suppress_table(counts, threshold=10, suppress_zeros=zeros)
    assert_valid(counts, res, 10, zeros)
    assert not (res.primary | res.secondary).to_numpy()[counts.isna().to_numpy()].any()


@settings(max_examples=60, deadline=None, derandomize=True)
@given(counts=count_tables(with_nan=True), threshold=st.sampled_from([5, 10]), zeros=st.booleans())
def test_suppression_is_idempotent(counts: pd.DataFrame, threshold: int, zeros: bool) -> None:
    # every published count is 0 or >= threshold, so are sums of published counts: suppressing
    # the published table again (hidden cells now read as no data) hides nothing more and
    # publishes nothing that was hidden
    res = suppress_table(counts, threshold=threshold, suppress_zeros=zeros)
    again = suppress_table(res.table, threshold=threshold, suppress_zeros=zeros)
    assert pattern(again) == []
    pd.testing.assert_frame_equal(again.table, res.table)
    # and it is deterministic
    pd.testing.assert_frame_equal(suppress_table(counts, threshold, zeros).table, res.table)


def result_from_pattern(
    counts: pd.DataFrame, hidden: np.ndarray, primary: np.ndarray, zeros: bool
) -> SuppressionResult:
    """A SuppressionResult for an arbitrary hidden pattern (not made by suppress_table)."""
    values, exists = true_grid(counts)
    m, n = counts.shape
    shown = np.where(exists & ~hidden, values, np.nan)
    status = np.where(primary, "primary", np.where(hidden, "secondary", ""))
    return SuppressionResult(
        table=pd.DataFrame(shown[:m, :n], index=counts.index, columns=counts.columns),
        primary=pd.DataFrame(primary[:m, :n], index=counts.index, columns=counts.columns),
        secondary=pd.DataFrame(
            (hidden & ~primary)[:m, :n], index=counts.index, columns=counts.columns
        ),
        row_totals=pd.Series(shown[:m, n], index=counts.index),
        col_totals=pd.Series(shown[m, :n], index=counts.columns),
        grand_total=None if np.isnan(shown[m, n]) else float(shown[m, n]),
        row_total_status=pd.Series(status[:m, n], index=counts.index, dtype=object),
        col_total_status=pd.Series(status[m, :n], index=counts.columns, dtype=object),
        grand_total_status=str(status[m, n]),
        suppress_zeros=zeros,
    )


@settings(max_examples=80, deadline=None, derandomize=True)
@given(counts=count_tables(with_nan=True), data=st.data())
def test_audit_agrees_with_independent_lp_on_any_pattern(
    counts: pd.DataFrame, data: st.DataObject
) -> None:
    # arbitrary patterns, most of them unprotected: is_protected must say exactly what the
    # independent LP says
    values, exists = true_grid(counts)
    primary = exists & (values > 0) & (values < 10)
    extra = np.array(
        data.draw(
            st.lists(
                st.sampled_from([False, False, True]), min_size=values.size, max_size=values.size
            )
        )
    ).reshape(values.shape)
    hidden = primary | (extra & exists)
    res = result_from_pattern(counts, hidden, primary, zeros=False)
    expected = True
    for pos in zip(*np.nonzero(hidden), strict=True):
        lo, up = lp_interval(values, exists, hidden, pos)
        ok = (lo <= 1e-6 and up >= 10 - 1e-6) if primary[pos] else up - lo >= 1 - 1e-6
        expected &= ok
    assert is_protected(res, 10) == expected


# --- tidy frames ------------------------------------------------------------------------------


def tidy_visits() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    rows = [
        {"jaar": year, "wijk": f"w{w}", "product": p, "bezoeken": int(rng.integers(0, 60))}
        for year in (2023, 2024)
        for w in range(5)
        for p in ("paspoort", "rijbewijs", "uittreksel")
    ]
    return pd.DataFrame(rows).sample(frac=1.0, random_state=1).reset_index(drop=True)


def test_suppress_long_matches_suppress_table_per_group() -> None:
    frame = tidy_visits()
    out = suppress_long(frame, "bezoeken", "wijk", "product", by=["jaar"])
    assert len(out) == len(frame) and out.index.equals(frame.index)
    assert out[["jaar", "wijk", "product"]].equals(frame[["jaar", "wijk", "product"]])
    assert set(out["suppressed"]) <= {"", "primary", "secondary"}
    for year, part in frame.groupby("jaar"):
        wide = part.pivot(index="wijk", columns="product", values="bezoeken")
        res = suppress_table(wide)
        got = out[out["jaar"] == year].pivot(index="wijk", columns="product", values="bezoeken")
        pd.testing.assert_frame_equal(got, res.table, check_names=False)
        flags = out[out["jaar"] == year].pivot(index="wijk", columns="product", values="suppressed")
        assert ((flags == "primary").to_numpy() == res.primary.to_numpy()).all()
        assert ((flags == "secondary").to_numpy() == res.secondary.to_numpy()).all()
    shown = out["suppressed"] == ""
    assert (out.loc[shown, "bezoeken"] == frame.loc[shown, "bezoeken"]).all()
    assert out.loc[~shown, "bezoeken"].isna().all()


def test_suppress_long_multi_key_rows_and_absent_combinations() -> None:
    frame = tidy_visits()
    frame["stadsdeel"] = np.where(frame["wijk"].isin(["w0", "w1"]), "noord", "zuid")
    frame = frame.drop(index=frame.index[:3])  # absent combinations = no data
    out = suppress_long(frame, "bezoeken", ["stadsdeel", "wijk"], "product", by=["jaar"])
    assert len(out) == len(frame)
    small = (frame["bezoeken"] > 0) & (frame["bezoeken"] < 10)
    assert (out.loc[small, "suppressed"] == "primary").all()
    assert (out.loc[~small, "suppressed"] != "primary").all()


def test_suppress_long_rejects_duplicates() -> None:
    frame = tidy_visits()
    with pytest.raises(ValueError):
        suppress_long(pd.concat([frame, frame.head(1)]), "bezoeken", "wijk", "product", by=["jaar"])


# --- a table of realistic size ----------------------------------------------------------------


def test_realistic_table_is_protected() -> None:
    # 60 wijken x 8 products with many small counts (about 2 s; 200 x 10 takes a few seconds)
    rng = np.random.default_rng(7)
    rate = rng.gamma(1.5, 20, 60)[:, None] * rng.dirichlet(np.full(8, 0.8))[None, :] * 8
    counts = pd.DataFrame(rng.poisson(rate))
    res = suppress_table(counts)
    assert res.primary.to_numpy().sum() > 50
    assert is_protected(res, 10)
