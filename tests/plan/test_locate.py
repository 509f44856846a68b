"""Location models (wijkloket.plan.locate) and the OR-Library reader (wijkloket.plan.orlib).

Exactness is checked three ways: the published optima of Beasley's OR-Library instances, brute
force over all site sets on small seeded random instances, and the independent textbook model.
"""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import numpy as np
import pytest
from scipy.optimize import linprog

from wijkloket.config import data_dir
from wijkloket.errors import InfeasibleModelError, InputFileError
from wijkloket.i18n import render_error
from wijkloket.plan import locate
from wijkloket.plan.locate import (
    LocateResult,
    solve_mclp,
    solve_pmedian,
    solve_pmedian_textbook,
)
from wijkloket.plan.orlib import read_orlib

OPTIMA = {"pmed1": 5819, "pmed5": 1355, "pmed10": 1255, "pmed20": 1789, "pmed30": 1989,
          "pmed34": 3013, "pmed35": 10400, "pmed36": 9934, "pmed37": 5057, "pmed38": 11060,
          "pmed39": 9423, "pmed40": 5128}


@pytest.fixture(scope="module")
def orlib() -> Path:
    folder = data_dir() / "orlib-pmed"
    assert folder.is_dir(), f"OR-Library data not found at {folder}; set WIJKLOKET_DATA"
    return folder


# ---------------------------------------------------------------------------------------------
# helpers


def brute_pmedian(d: np.ndarray, w: np.ndarray, p: int, fixed: list[int]) -> float:
    m = d.shape[1]
    free = [j for j in range(m) if j not in fixed]
    best = math.inf
    for combo in itertools.combinations(free, p - len(fixed)):
        sites = list(fixed) + list(combo)
        near = d[:, sites].min(axis=1)
        if np.isfinite(near).all():  # every demand point is served, even one of weight 0
            best = min(best, float(w @ near))
    return best


def brute_mclp(d: np.ndarray, w: np.ndarray, p: int, radius: float, fixed: list[int]) -> float:
    m = d.shape[1]
    free = [j for j in range(m) if j not in fixed]
    best = -1.0
    for combo in itertools.combinations(free, p - len(fixed)):
        sites = list(fixed) + list(combo)
        covered = (d[:, sites] <= radius).any(axis=1) if sites else np.zeros(len(w), bool)
        best = max(best, float(w[covered].sum()))
    return best


def brute_capacitated(d: np.ndarray, w: np.ndarray, p: int, cap: np.ndarray) -> float:
    """Splittable demand: per site set, a transportation LP."""
    n, m = d.shape
    best = math.inf
    for sites in itertools.combinations(range(m), p):
        k = len(sites)
        c = (w[:, None] * d[:, list(sites)]).reshape(-1)
        a_eq = np.kron(np.eye(n), np.ones(k))
        a_ub = np.zeros((k, n * k))
        for s in range(k):
            a_ub[s, s::k] = w
        res = linprog(c, A_ub=a_ub, b_ub=cap[list(sites)], A_eq=a_eq, b_eq=np.ones(n),
                      bounds=(0, 1), method="highs")
        if res.status == 0:
            best = min(best, float(res.fun))
    return best


def random_instance(rng: np.random.Generator, n: int, m: int, *, integer: bool = True,
                    duplicates: bool = False, zero_weights: bool = False
                    ) -> tuple[np.ndarray, np.ndarray]:
    pts_d = rng.uniform(0, 100, size=(n, 2))
    pts_s = rng.uniform(0, 100, size=(m, 2))
    d = np.linalg.norm(pts_d[:, None, :] - pts_s[None, :, :], axis=2)
    if integer:
        d = np.round(d / 7.0)  # coarse: many ties between distances
    w = rng.integers(1, 6, size=n).astype(float) if integer else rng.uniform(0.5, 3.0, size=n)
    if duplicates and n >= 4:
        d[1] = d[0]
        d[3] = d[2]
    if zero_weights:
        w[rng.integers(0, n)] = 0.0
    return d, w


def check_consistent(res: LocateResult, d: np.ndarray, w: np.ndarray, p: int) -> None:
    assert len(res.open_sites) == p == len(set(res.open_sites))
    assert res.assignment.shape == (d.shape[0],)
    assert set(res.assignment.tolist()) <= set(res.open_sites)
    served = d[np.arange(d.shape[0]), res.assignment]
    assert np.allclose(served, d[:, res.open_sites].min(axis=1))
    assert res.objective == pytest.approx(float(w @ served))
    assert res.bound <= res.objective + 1e-6 * max(1.0, res.objective)
    assert res.status in ("optimal", "time_limit")
    assert res.gap >= 0.0
    if res.status == "optimal":
        assert res.gap == 0.0


# ---------------------------------------------------------------------------------------------
# OR-Library reader


def test_read_orlib_pmed1(orlib: Path) -> None:
    d, p = read_orlib(orlib / "pmed1.txt")
    assert d.shape == (100, 100) and d.dtype == np.float64 and p == 5
    assert np.array_equal(d, d.T)
    assert np.all(np.diag(d) == 0) and np.isfinite(d).all()


def test_read_orlib_last_duplicate_counts(tmp_path: Path) -> None:
    f = tmp_path / "g.txt"
    f.write_text("3 4 1\n1 2 5\n2 3 1\n2 1 9\n1 3 20\n")
    d, p = read_orlib(f)
    assert p == 1
    assert d[0, 1] == 9 and d[1, 0] == 9  # the later (2, 1) listing replaces (1, 2)
    assert d[0, 2] == 10  # via 2: 9 + 1 beats the direct 20
    f.write_text("3 3 1\n1 2 2\n2 3 1\n1 2 7\n")
    d, _ = read_orlib(f)
    assert d[0, 1] == 7 and d[0, 2] == 8


def test_read_orlib_zero_cost_edge(tmp_path: Path) -> None:
    f = tmp_path / "g.txt"
    f.write_text("3 2 1\n1 2 0\n2 3 4\n")
    d, _ = read_orlib(f)
    assert d[0, 1] == 0 and d[0, 2] == 4 and d[1, 2] == 4


@pytest.mark.parametrize(("text", "line", "part"), [
    ("", 1, "empty"),
    ("3 x 1\n1 2 3\n", 1, "not a number"),
    ("3 2\n1 2 3\n2 3 1\n", 1, "expected 3"),
    ("3 2 5\n1 2 3\n2 3 1\n", 1, "1 <= p <= n"),
    ("3 2 1\n1 2 3\n2 4 1\n", 3, "outside"),
    ("3 2 1\n1 2 3\n0 2 1\n", 3, "outside"),
    ("3 2 1\n1 2 abc\n2 3 1\n", 2, "not a number"),
    ("3 2 1\n1 2 3\n2 3\n", 3, "expected 3"),
    ("3 2 1\n1 2 3\n2 3 -1\n", 3, "negative"),
    ("3 3 1\n1 2 3\n2 3 1\n", 3, "cut off"),
    ("3 1 1\n1 2 3\n2 3 1\n", 3, "more lines"),
    ("3 1 1\n1.5 2 3\n", 2, "whole number"),
])
def test_read_orlib_bad_input(tmp_path: Path, text: str, line: int, part: str) -> None:
    f = tmp_path / "bad.txt"
    f.write_text(text)
    with pytest.raises(InputFileError) as info:
        read_orlib(f)
    assert info.value.code == "error.orlib_invalid"
    assert info.value.params["line"] == line
    assert part in info.value.params["detail"]
    assert str(f) in render_error(info.value, "nl") and str(f) in render_error(info.value, "en")


def test_read_orlib_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputFileError) as info:
        read_orlib(tmp_path / "nope.txt")
    assert info.value.code == "error.file_missing"


# ---------------------------------------------------------------------------------------------
# p-median on OR-Library


@pytest.mark.parametrize("name", ["pmed1", "pmed5", "pmed10", "pmed20"])
def test_pmedian_orlib_optimum(orlib: Path, name: str) -> None:
    d, p = read_orlib(orlib / f"{name}.txt")
    res = solve_pmedian(d, p, threads=2)
    check_consistent(res, d, np.ones(len(d)), p)
    assert res.status == "optimal" and res.gap == 0.0
    assert res.objective == OPTIMA[name]
    assert res.bound == OPTIMA[name]


@pytest.mark.slow
@pytest.mark.parametrize("name", ["pmed30", "pmed34", "pmed35", "pmed36", "pmed37", "pmed40"])
def test_pmedian_orlib_optimum_large(orlib: Path, name: str) -> None:
    d, p = read_orlib(orlib / f"{name}.txt")
    res = solve_pmedian(d, p)
    assert res.status == "optimal" and res.objective == OPTIMA[name]


def test_textbook_agrees_on_pmed1(orlib: Path) -> None:
    d, p = read_orlib(orlib / "pmed1.txt")
    res = solve_pmedian_textbook(d, p)
    check_consistent(res, d, np.ones(len(d)), p)
    assert res.status == "optimal" and res.objective == OPTIMA["pmed1"]


def test_time_limit_returns_valid_answer(orlib: Path) -> None:
    d, p = read_orlib(orlib / "pmed36.txt")
    for limit in (0.0, 0.5):
        res = solve_pmedian(d, p, time_limit=limit)
        check_consistent(res, d, np.ones(len(d)), p)
        assert res.bound <= OPTIMA["pmed36"] <= res.objective
        if res.status == "time_limit":
            assert res.gap == pytest.approx((res.objective - res.bound) / res.objective)


# ---------------------------------------------------------------------------------------------
# p-median against brute force and the textbook model


@pytest.mark.parametrize("seed", range(12))
def test_pmedian_matches_brute_force(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n, m = int(rng.integers(5, 13)), int(rng.integers(3, 10))
    d, w = random_instance(rng, n, m, integer=seed % 3 != 0, duplicates=seed % 4 == 1,
                           zero_weights=seed % 5 == 2)
    p = int(rng.integers(1, min(3, m) + 1))
    fixed = [int(rng.integers(0, m))] if seed % 2 and p >= 2 else []
    res = solve_pmedian(d, p, weights=w, fixed=fixed)
    check_consistent(res, d, w, p)
    assert set(fixed) <= set(res.open_sites)
    assert res.status == "optimal"
    assert res.objective == pytest.approx(brute_pmedian(d, w, p, fixed), rel=1e-9, abs=1e-9)
    if not fixed:
        ref = solve_pmedian_textbook(d, p, weights=w)
        assert ref.objective == pytest.approx(res.objective, rel=1e-9, abs=1e-9)


@pytest.mark.parametrize("seed", range(4))
def test_pmedian_with_unreachable_pairs(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    d, w = random_instance(rng, 10, 8)
    d[rng.random(d.shape) < 0.4] = np.inf
    d[np.arange(10), rng.integers(0, 8, size=10)] = 3.0  # every row reaches some site
    for p in (1, 2, 3):
        expected = brute_pmedian(d, w, p, [])
        if math.isinf(expected):
            with pytest.raises(InfeasibleModelError) as info:
                solve_pmedian(d, p, weights=w)
            assert info.value.code == "error.plan_no_solution"
        else:
            res = solve_pmedian(d, p, weights=w)
            check_consistent(res, d, w, p)
            assert res.objective == pytest.approx(expected)


@pytest.mark.parametrize("grow_lp", [True, False])
def test_pmedian_exact_from_poor_start(monkeypatch: pytest.MonkeyPatch, grow_lp: bool) -> None:
    """A bad start leaves the row caps of the relaxed radius model far too low: the row
    generation on the LP (and, with that switched off, the re-solved MIP) must still end at the
    optimum."""

    def far_sites(d: np.ndarray, w: np.ndarray, p: int, fixed: list[int]) -> list[int]:
        free = [j for j in range(d.shape[1]) if j not in fixed]
        order = np.argsort(-(w @ d)[free])
        return list(fixed) + [free[k] for k in order[: p - len(fixed)]]

    monkeypatch.setattr(locate, "_greedy_pmedian", far_sites)
    monkeypatch.setattr(locate, "_interchange", lambda d, w, sites, fixed, deadline: sites)
    if not grow_lp:
        monkeypatch.setattr(locate._RadiusModel, "grow_for_lp", lambda self, y: None)
    for seed in range(8):
        rng = np.random.default_rng(5000 + seed)
        n, m, p = int(rng.integers(8, 40)), int(rng.integers(5, 14)), int(rng.integers(1, 4))
        d, w = random_instance(rng, n, m, integer=seed % 2 == 0)
        fixed = [int(rng.integers(0, m))] if seed % 3 == 0 and p >= 2 else []
        res = solve_pmedian(d, p, weights=w, fixed=fixed)
        check_consistent(res, d, w, p)
        assert res.status == "optimal"
        assert res.objective == pytest.approx(brute_pmedian(d, w, p, fixed), rel=1e-9, abs=1e-9)


def test_pmedian_all_sites_and_fixed_only() -> None:
    rng = np.random.default_rng(7)
    d, w = random_instance(rng, 8, 5)
    res = solve_pmedian(d, 5, weights=w)
    assert res.open_sites == [0, 1, 2, 3, 4] and res.status == "optimal"
    res = solve_pmedian(d, 2, weights=w, fixed=[1, 3])
    assert res.open_sites == [1, 3]
    assert res.objective == pytest.approx(brute_pmedian(d, w, 2, [1, 3]))


# ---------------------------------------------------------------------------------------------
# capacitated p-median


@pytest.mark.parametrize("seed", range(4))
def test_capacitated_matches_brute_force(seed: int) -> None:
    rng = np.random.default_rng(200 + seed)
    n, m, p = 7, 5, 2
    d, w = random_instance(rng, n, m, integer=False)
    cap = rng.uniform(0.4, 0.9, size=m) * w.sum()
    cap[: p] = np.maximum(cap[:p], 0.55 * w.sum())  # a feasible pair always exists
    res = solve_pmedian(d, p, weights=w, capacities=cap)
    assert res.status == "optimal" and len(res.open_sites) == p
    assert res.shares is not None
    assert np.allclose(res.shares.sum(axis=1), 1.0)
    load = w @ res.shares
    assert (load <= cap + 1e-6).all()
    assert set(np.flatnonzero(load > 1e-9).tolist()) <= set(res.open_sites)
    assert res.objective == pytest.approx(brute_capacitated(d, w, p, cap), rel=1e-6)


def test_capacitated_without_binding_capacity_is_pmedian() -> None:
    rng = np.random.default_rng(5)
    d, w = random_instance(rng, 10, 6)
    res = solve_pmedian(d, 3, weights=w, capacities=np.full(6, np.inf))
    assert res.objective == pytest.approx(brute_pmedian(d, w, 3, []))


def test_capacity_short_raises() -> None:
    d = np.ones((4, 3))
    with pytest.raises(InfeasibleModelError) as info:
        solve_pmedian(d, 2, weights=np.array([1.0, 2, 3, 4]), capacities=np.array([3, 4, 5.0]))
    assert info.value.code == "error.plan_capacity_short"
    assert info.value.params["short"] == "1"
    assert "10" in render_error(info.value, "nl") and "9" in render_error(info.value, "en")


# ---------------------------------------------------------------------------------------------
# maximal covering


@pytest.mark.parametrize("seed", range(10))
def test_mclp_matches_brute_force(seed: int) -> None:
    rng = np.random.default_rng(300 + seed)
    n, m = int(rng.integers(5, 13)), int(rng.integers(3, 10))
    d, w = random_instance(rng, n, m, integer=seed % 2 == 0, duplicates=seed % 3 == 0)
    radius = float(np.quantile(d, 0.25))
    p = int(rng.integers(0, min(3, m) + 1))
    fixed = [int(rng.integers(0, m))] if seed % 3 == 1 and p >= 1 else []
    res = solve_mclp(d, p, radius, weights=w, fixed=fixed)
    assert res.status == "optimal" and res.gap == 0.0
    assert len(res.open_sites) == p and set(fixed) <= set(res.open_sites)
    assert res.objective == pytest.approx(brute_mclp(d, w, p, radius, fixed))
    assert res.bound >= res.objective - 1e-9
    covered = res.assignment >= 0
    assert res.objective == pytest.approx(float(w[covered].sum()))
    for i in np.flatnonzero(covered):
        assert res.assignment[i] in res.open_sites and d[i, res.assignment[i]] <= radius
    if res.open_sites:
        assert not (d[~covered][:, res.open_sites] <= radius).any()


def test_mclp_on_pmed10(orlib: Path) -> None:
    d, _ = read_orlib(orlib / "pmed10.txt")
    res = solve_mclp(d, 10, radius=15.0, time_limit=20)
    assert res.status in ("optimal", "time_limit")
    assert res.bound >= res.objective and len(res.open_sites) == 10
    assert res.objective == float((res.assignment >= 0).sum())


# ---------------------------------------------------------------------------------------------
# errors


@pytest.mark.parametrize(("p", "fixed"), [(6, []), (1, [0, 2]), (0, [])])
def test_infeasible_site_count(p: int, fixed: list[int]) -> None:
    d = np.arange(20, dtype=float).reshape(4, 5)
    with pytest.raises(InfeasibleModelError) as info:
        solve_pmedian(d, p, fixed=fixed)
    assert info.value.code == "error.plan_infeasible_sites"
    assert info.value.params["candidates"] == 5
    assert render_error(info.value, "nl") and render_error(info.value, "en")


def test_infeasible_site_count_mclp_and_textbook() -> None:
    d = np.arange(20, dtype=float).reshape(4, 5)
    with pytest.raises(InfeasibleModelError):
        solve_mclp(d, 6, radius=3.0)
    with pytest.raises(InfeasibleModelError):
        solve_mclp(d, 1, radius=3.0, fixed=[0, 1])
    with pytest.raises(InfeasibleModelError):
        solve_pmedian_textbook(d, 6)


def test_unreachable_demand_point() -> None:
    d = np.array([[1.0, 2.0], [np.inf, np.inf]])
    with pytest.raises(InfeasibleModelError) as info:
        solve_pmedian(d, 1)
    assert info.value.code == "error.plan_unreachable"
    assert render_error(info.value, "nl") and render_error(info.value, "en")


def test_bad_arguments() -> None:
    with pytest.raises(ValueError):
        solve_pmedian(np.array([[1.0, np.nan]]), 1)
    with pytest.raises(ValueError):
        solve_pmedian(np.array([[1.0, -2.0]]), 1)
    with pytest.raises(ValueError):
        solve_pmedian(np.ones((2, 2)), 1, weights=np.ones(3))
    with pytest.raises(ValueError):
        solve_pmedian(np.ones((2, 2)), 1, fixed=[2])
