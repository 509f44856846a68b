"""Exact location models on a distance matrix: p-median and maximal covering, solved with HiGHS.

A pure matrix core: no files, no globals. `dist` is demand x candidate (rows are demand points,
columns candidate sites); `fixed` are candidate columns that are open whatever happens (existing
desks); `p` counts ALL open sites, fixed ones included.

* `solve_pmedian` uses the radius formulation of Elloumi (2010), "A tighter formulation of the
  p-median problem", J Comb Optim 19:69-83 (also Cornuejols, Nemhauser & Wolsey 1980), written in
  a telescoped, sparse form. Rows exist only up to the distances that can matter: first grown
  until the LP relaxation equals the full one, then, if the MIP optimum passes a cap, grown and
  re-solved (after Garcia, Labbe & Marin 2011). A greedy + vertex substitution (Teitz & Bart
  1968) start is handed to HiGHS. Every answer is checked on the full matrix. With capacities
  the classic assignment formulation with capacity rows is used (ReVelle & Swain 1970).
* `solve_mclp` is the maximal covering location problem of Church & ReVelle (1974).
* `solve_pmedian_textbook` is the classic binary assignment model (x_ij <= y_j), kept as the
  independent reference and baseline.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from functools import lru_cache

import highspy
import numpy as np
from scipy.sparse import coo_matrix, csc_matrix, csr_matrix

from wijkloket.errors import InfeasibleModelError

_REL_GAP = 1e-9
_FEAS_TOL = 1e-6
MARGIN = 1  # extra distance levels above the incumbent's kept in the relaxed radius model


@dataclass
class LocateResult:
    """The outcome of a location model.

    `objective` is the weighted distance sum for p-median (for capacitated models with demand
    split over sites, the weighted sum over the shares) and the covered weight for MCLP. `bound`
    is proven: a lower bound for p-median, an upper bound for MCLP. `gap` is
    |objective - bound| / |objective| (0.0 when proven optimal). `status` is "optimal" or
    "time_limit" (the best solution found, with its gap).
    """

    open_sites: list[int]
    assignment: np.ndarray
    objective: float
    bound: float
    gap: float
    seconds: float
    status: str
    method: str
    shares: np.ndarray | None = field(default=None, repr=False)
    """Capacitated p-median only: the demand x candidate share of each demand point served."""


# ---------------------------------------------------------------------------------------------
# input checks


def _check_inputs(dist: np.ndarray, p: int, weights: np.ndarray | None,
                  fixed: list[int] | None, *, min_p: int) -> tuple[np.ndarray, np.ndarray, list[int]]:
    d = np.asarray(dist, dtype=np.float64)
    if d.ndim != 2 or d.shape[0] < 1 or d.shape[1] < 1:
        raise ValueError(f"dist must be a non-empty 2-D matrix, got shape {d.shape}")
    if np.isnan(d).any() or (d < 0).any():
        raise ValueError("dist must not hold NaN or negative values (use inf for unreachable)")
    n, m = d.shape
    if weights is None:
        w = np.ones(n)
    else:
        w = np.asarray(weights, dtype=np.float64).reshape(-1)
        if w.shape != (n,):
            raise ValueError(f"weights must have length {n}, got {w.shape}")
        if not np.isfinite(w).all() or (w < 0).any():
            raise ValueError("weights must be finite and non-negative")
    fx = sorted({int(j) for j in (fixed or [])})
    if fx and not (0 <= fx[0] and fx[-1] < m):
        raise ValueError(f"fixed sites must be candidate columns 0..{m - 1}, got {fx}")
    if int(p) != p:
        raise ValueError(f"p must be a whole number, got {p}")
    p = int(p)
    if p > m or p < max(min_p, len(fx)):
        raise InfeasibleModelError("error.plan_infeasible_sites", asked=p, candidates=m,
                                   fixed=len(fx))
    return d, w, fx


def _tol(value: float) -> float:
    return 1e-9 * max(1.0, abs(value)) if math.isfinite(value) else 0.0


def _gap(objective: float, bound: float) -> float:
    if not (math.isfinite(objective) and math.isfinite(bound)):
        return math.inf
    diff = abs(objective - bound)
    if diff <= 1e-9 * max(1.0, abs(objective)):
        return 0.0
    return diff / max(abs(objective), 1e-10)


def _is_integral(*arrays: np.ndarray) -> bool:
    for a in arrays:
        fin = a[np.isfinite(a)]
        if not np.array_equal(fin, np.round(fin)):
            return False
    return True


def _nearest(d: np.ndarray, open_sites: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """Per demand row: the index of the nearest open site and its distance."""
    sub = d[:, open_sites]
    k = np.argmin(sub, axis=1)
    return np.asarray(open_sites, dtype=np.int64)[k], sub[np.arange(d.shape[0]), k]


def _pmedian_cost(d: np.ndarray, w: np.ndarray, open_sites: list[int]) -> float:
    _, near = _nearest(d, open_sites)
    mask = w > 0
    return float(w[mask] @ near[mask]) if mask.any() else 0.0


@lru_cache(maxsize=1)
def _mute_banner() -> None:
    """The first HiGHS instance in a process prints a banner straight to file descriptor 1, which
    would end up in a CLI's CSV output; make that first instance here with descriptor 1 muted."""
    import ctypes
    import os
    import sys

    sys.stdout.flush()
    try:
        saved, null = os.dup(1), os.open(os.devnull, os.O_WRONLY)
    except OSError:
        return
    os.dup2(null, 1)
    try:
        highspy.Highs().setOptionValue("output_flag", False)
    finally:
        try:
            ctypes.CDLL(None).fflush(None)
        except (OSError, AttributeError, TypeError):
            pass
        os.dup2(saved, 1)
        os.close(saved)
        os.close(null)


def _highs(time_limit: float | None, threads: int | None) -> highspy.Highs:
    _mute_banner()
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("mip_rel_gap", _REL_GAP)
    h.setOptionValue("mip_abs_gap", 1e-9)
    if time_limit is not None:
        h.setOptionValue("time_limit", max(float(time_limit), 1e-3))
    if threads is not None:
        h.resetGlobalScheduler(True)
        h.setOptionValue("threads", int(threads))
    return h


def _pass_model(h: highspy.Highs, a: csc_matrix, cost: np.ndarray, col_lo: np.ndarray,
                col_hi: np.ndarray, row_lo: np.ndarray, row_hi: np.ndarray,
                integer: np.ndarray, *, offset: float = 0.0, maximize: bool = False) -> None:
    a = csc_matrix(a)
    a.sort_indices()
    n_row, n_col = a.shape
    status = h.passModel(n_col, n_row, a.nnz, 1, -1 if maximize else 1, float(offset),
                         np.asarray(cost, np.float64), np.asarray(col_lo, np.float64),
                         np.asarray(col_hi, np.float64), np.asarray(row_lo, np.float64),
                         np.asarray(row_hi, np.float64), a.indptr.astype(np.int32),
                         a.indices.astype(np.int32), a.data.astype(np.float64),
                         np.asarray(integer, np.int32))
    if status == highspy.HighsStatus.kError:
        raise RuntimeError("HiGHS rejected the model")


def _run(h: highspy.Highs) -> tuple[str, np.ndarray | None, float]:
    """Solve; returns (our status, column values or None, proven dual bound incl. offset)."""
    h.run()
    ms = h.getModelStatus()
    info = h.getInfo()
    values = None
    if info.primal_solution_status == 2:  # kSolutionStatusFeasible
        values = np.asarray(h.getSolution().col_value)
    if ms == highspy.HighsModelStatus.kInfeasible:
        return "infeasible", None, math.nan
    status = "optimal" if ms == highspy.HighsModelStatus.kOptimal else "time_limit"
    return status, values, float(info.mip_dual_bound)


# ---------------------------------------------------------------------------------------------
# heuristics: greedy + vertex substitution (Teitz & Bart 1968; the O(nm) swap evaluation per
# iteration follows Whitaker 1983 / Resende & Werneck 2007)


def _finite_copy(d: np.ndarray) -> np.ndarray:
    """`d` with inf replaced by a penalty larger than any finite total."""
    if np.isfinite(d).all():
        return d
    fin = d[np.isfinite(d)]
    big = (float(fin.max()) + 1.0) * 1e6 if fin.size else 1e6
    return np.where(np.isfinite(d), d, big)


def _greedy_pmedian(d: np.ndarray, w: np.ndarray, p: int, fixed: list[int]) -> list[int]:
    n, m = d.shape
    open_sites = list(fixed)
    if open_sites:
        d1 = d[:, open_sites].min(axis=1)
    else:
        d1 = np.full(n, np.inf)
    is_open = np.zeros(m, dtype=bool)
    is_open[open_sites] = True
    while len(open_sites) < p:
        cost = w @ np.minimum(d, d1[:, None])
        cost = np.where(is_open, np.inf, cost)
        j = int(np.argmin(cost))
        open_sites.append(j)
        is_open[j] = True
        d1 = np.minimum(d1, d[:, j])
    return open_sites


def _interchange(d: np.ndarray, w: np.ndarray, open_sites: list[int], fixed: list[int],
                 deadline: float) -> list[int]:
    """Best-improvement swaps (one site out, one in) until a local optimum or the deadline."""
    n, m = d.shape
    p = len(open_sites)
    fixed_set = set(fixed)
    if p == len(fixed) or p == m:
        return open_sites
    open_sites = list(open_sites)
    rows = np.arange(n)
    current = float(w @ d[:, open_sites].min(axis=1))
    for _ in range(50 * m):
        if time.perf_counter() > deadline:
            break
        sub = d[:, open_sites]
        if p >= 2:
            part = np.argpartition(sub, 1, axis=1)[:, :2]
            v = sub[rows[:, None], part]
            first = np.argmin(v, axis=1)
            k1 = part[rows, first]
            d1 = v[rows, first]
            d2 = v[rows, 1 - first]
        else:
            k1 = np.zeros(n, dtype=np.int64)
            d1 = sub[:, 0]
            d2 = np.full(n, np.inf)
        a = np.minimum(d, d1[:, None])
        add_cost = w @ a                                   # cost after adding j, nothing removed
        extra = np.minimum(d, d2[:, None]) - a              # extra if i's nearest site goes
        owner = csr_matrix((w, (k1, rows)), shape=(p, n))
        loss = np.asarray(owner @ extra)                    # loss[r, j]
        total = add_cost[None, :] + loss                    # cost of swapping r -> j
        total[:, open_sites] = np.inf
        total[[r for r, j in enumerate(open_sites) if j in fixed_set], :] = np.inf
        r_out, j_in = (int(v) for v in np.unravel_index(int(np.argmin(total)), total.shape))
        if not total[r_out, j_in] < current - _tol(current):
            break
        candidate = list(open_sites)
        candidate[r_out] = j_in
        new_cost = float(w @ d[:, candidate].min(axis=1))
        if not new_cost < current - _tol(current):
            break
        open_sites, current = candidate, new_cost
    return open_sites


def _merge_rows(d: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Identical demand rows merged (weights added); zero-weight rows that reach every site
    dropped, as they cannot change the optimum."""
    keep = (w > 0) | ~np.isfinite(d).all(axis=1)
    d, w = d[keep], w[keep]
    if d.shape[0] == 0:
        return d, w
    uniq, inverse = np.unique(d, axis=0, return_inverse=True)
    if uniq.shape[0] == d.shape[0]:
        return d, w
    return uniq, np.bincount(inverse.reshape(-1), weights=w, minlength=uniq.shape[0])


# ---------------------------------------------------------------------------------------------
# p-median: radius formulation


class _RadiusModel:
    """Elloumi's (2010) formulation, telescoped, with rows up to a chosen level per demand point.

    For demand i with distinct distances D_i^0 < D_i^1 < ..., z_i^k >= 0 means "i's distance is
    at least D_i^{k+1}"; the objective is sum_i w_i (D_i^0 + sum_k (D_i^{k+1} - D_i^k) z_i^k).
    Elloumi's rows z_i^k + sum_{j: d_ij <= D_i^k} y_j >= 1 are written as differences of
    consecutive rows:

        z_i^0 + sum_{j: d_ij = D_i^0} y_j >= 1,
        z_i^k - z_i^{k-1} + sum_{j: d_ij = D_i^k} y_j >= 0      (k >= 1),

    which has the same LP relaxation (z_i^k = max(0, z_i^{k-1} - sum_{d_ij = D_i^k} y_j) equals
    max(0, 1 - sum_{d_ij <= D_i^k} y_j) as all terms are non-negative) but every y_j appears at
    most once per demand point, so the matrix has O(nm) non-zeros instead of O(nm^2).

    Exact cut (`full`): the first level c_i where z_i^{c_i} = 0 holds for every feasible y, even
    fractional (Elloumi 2010, sect. 3): when at least m - p + 1 sites lie within D_i^{c_i} (at
    most p - 1 lie outside, so sum y >= 1 inside), when a fixed site lies within D_i^{c_i}, or
    when D_i^{c_i} is the last finite distance (i must be served). Rows beyond it are dropped.

    Relaxed cut (`levels` below `full`): rows only up to level e_i and z_i^{e_i} kept without a
    further row, so i's distance counts as min(d_i, D_i^{e_i+1}). That model is a relaxation:
    its bound is a valid lower bound, and a solution whose distances stay within the caps is
    optimal (the iterative scheme of Garcia, Labbe & Marin 2011, INFORMS J Comput 23:546-556).
    """

    def __init__(self, d: np.ndarray, w: np.ndarray, p: int, fixed: list[int]) -> None:
        n, m = d.shape
        self.d, self.w, self.p, self.fixed = d, w, p, fixed
        order = np.argsort(d, axis=1, kind="stable")
        s = np.take_along_axis(d, order, axis=1)
        new = np.ones((n, m), dtype=bool)
        new[:, 1:] = s[:, 1:] != s[:, :-1]
        lvl_sorted = np.cumsum(new, axis=1) - 1
        self.lvl = np.empty_like(lvl_sorted)
        np.put_along_axis(self.lvl, order, lvl_sorted, axis=1)
        n_levels = lvl_sorted[:, -1] + 1
        self.level_d = np.full((n, int(n_levels.max()) + 1), np.inf)
        self.level_d[np.repeat(np.arange(n), m), lvl_sorted.reshape(-1)] = s.reshape(-1)
        full = lvl_sorted[:, m - p].copy()
        if fixed:
            full = np.minimum(full, self.lvl[:, fixed].min(axis=1))
        last_finite = np.where(np.isinf(s[:, -1]), n_levels - 2, n_levels - 1)
        if (last_finite < 0).any():
            bad = int(np.flatnonzero(last_finite < 0)[0])
            raise InfeasibleModelError("error.plan_unreachable", demand=bad)
        self.full = np.minimum(full, last_finite)
        self.offset = float(w @ self.level_d[:, 0])

    def levels_of(self, sites: list[int]) -> np.ndarray:
        """Per demand point: the level of its distance to the nearest of `sites`."""
        return self.lvl[:, sites].min(axis=1)

    def build(self, levels: np.ndarray) -> None:
        """The matrix with rows up to min(levels, full) per demand point."""
        n, m = self.d.shape
        w, p = self.w, self.p
        e = np.minimum(levels, self.full)
        exact = e >= self.full
        nz = np.where(exact, e, e + 1)  # z variables per demand point
        n_rows_i = np.where(nz > 0, e + 1, 0)
        z_first = np.concatenate([[0], np.cumsum(nz)[:-1]])
        row_start = np.concatenate([[0], np.cumsum(n_rows_i)[:-1]])
        n_z, n_link = int(nz.sum()), int(n_rows_i.sum())
        active = nz > 0
        ii, jj = np.nonzero((self.lvl <= e[:, None]) & active[:, None])
        y_rows = row_start[ii] + self.lvl[ii, jj]
        zi = np.repeat(np.arange(n), nz)
        zk = np.arange(n_z) - np.repeat(z_first, nz)
        z_cols = m + np.arange(n_z)
        chained = zk < e[zi]  # z_i^k also appears (with -1) in row k + 1
        z_cost = w[zi] * (self.level_d[zi, zk + 1] - self.level_d[zi, zk])
        n_col, n_row = m + n_z, n_link + 1
        r = np.concatenate([y_rows, row_start[zi] + zk, row_start[zi[chained]] + zk[chained] + 1,
                            np.full(m, n_link)])
        c = np.concatenate([jj, z_cols, z_cols[chained], np.arange(m)])
        v = np.concatenate([np.ones(len(jj)), np.ones(n_z), -np.ones(int(chained.sum())),
                            np.ones(m)])
        self.a = coo_matrix((v, (r, c)), shape=(n_row, n_col)).tocsc()
        self.row_lo = np.zeros(n_row)
        self.row_lo[row_start[active]] = 1.0
        self.row_lo[n_link] = p
        self.row_hi = np.full(n_row, np.inf)
        self.row_hi[n_link] = p
        self.col_lo = np.zeros(n_col)
        self.col_lo[self.fixed] = 1.0
        self.col_hi = np.concatenate([np.ones(m), np.full(n_z, np.inf)])
        self.integer = np.concatenate([np.ones(m, np.int32), np.zeros(n_z, np.int32)])
        self.cost = np.concatenate([np.zeros(m), z_cost])
        self.e, self.exact, self.nz, self.z_first = e, exact, nz, z_first

    def start(self, sites: list[int]) -> np.ndarray:
        """Column values for a given set of open sites."""
        m = self.d.shape[1]
        x = np.zeros(len(self.cost))
        x[sites] = 1.0
        ones = np.minimum(self.levels_of(sites), self.nz)
        idx = np.repeat(m + self.z_first, ones) + (
            np.arange(int(ones.sum())) - np.repeat(np.cumsum(ones) - ones, ones))
        x[idx] = 1.0
        return x

    def solve_lp(self, deadline: float, threads: int | None
                 ) -> tuple[str, np.ndarray | None, float]:
        """The LP relaxation of the current model: (status, y values or None, LP value)."""
        remaining = None if math.isinf(deadline) else deadline - time.perf_counter()
        h = _highs(remaining, threads)
        _pass_model(h, self.a, self.cost, self.col_lo, self.col_hi, self.row_lo, self.row_hi,
                    np.zeros_like(self.integer), offset=self.offset)
        h.run()
        if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return "time_limit", None, math.nan
        values = np.asarray(h.getSolution().col_value)
        return "optimal", values[: self.d.shape[1]], float(h.getInfo().objective_function_value)

    def grow_for_lp(self, y: np.ndarray) -> np.ndarray | None:
        """Larger caps where the LP solution `y` would pay beyond a cap, None if nowhere.

        In the full model demand point i pays (D_i^{k+1} - D_i^k) max(0, 1 - sum_{d_ij <= D_i^k}
        y_j) for every level k, the capped model only for k <= e_i. Nothing is missing when
        sum_{lvl(i,j) <= e_i + 1} y_j >= 1; then the capped LP optimum is the full LP optimum.
        """
        support = np.flatnonzero(y > _FEAS_TOL)
        lvl = self.lvl[:, support]
        ys = y[support]
        covered = (lvl <= (self.e + 1)[:, None]) @ ys
        short = (covered < 1.0 - _FEAS_TOL) & ~self.exact
        if not short.any():
            return None
        lv = lvl[short]
        order = np.argsort(lv, axis=1, kind="stable")
        cum = np.cumsum(ys[order], axis=1)
        reach = np.argmax(cum >= 1.0 - _FEAS_TOL, axis=1)  # y sums to p >= 1, so reached
        needed = np.take_along_axis(lv, order, axis=1)[np.arange(len(lv)), reach]
        levels = self.e.copy()
        levels[short] = np.maximum(needed, self.e[short] + 1) + MARGIN
        return levels

    def solve(self, sites: list[int], deadline: float, threads: int | None
              ) -> tuple[str, list[int] | None, float]:
        """Solve the current model from `sites`; (status, sites found or None, dual bound)."""
        remaining = None if math.isinf(deadline) else deadline - time.perf_counter()
        h = _highs(remaining, threads)
        _pass_model(h, self.a, self.cost, self.col_lo, self.col_hi, self.row_lo, self.row_hi,
                    self.integer, offset=self.offset)
        h.setSolution(_highs_solution(self.start(sites)))
        # The start from vertex substitution is usually optimal already: HiGHS's primal
        # heuristics then only cost time (pmed35: 24 s -> 13 s), and unreliable pseudo-costs
        # are cheaper here than strong branching.
        for option in ("mip_heuristic_run_rins", "mip_heuristic_run_rens",
                       "mip_heuristic_run_feasibility_jump",
                       "mip_heuristic_run_root_reduced_cost"):
            h.setOptionValue(option, False)
        h.setOptionValue("mip_heuristic_effort", 0.0)
        h.setOptionValue("mip_pscost_minreliable", 0)
        # HiGHS's presolve buys nothing on this matrix (every row is already tight) and costs
        # time at every restart (pmed36: 37 s -> 20 s without it).
        h.setOptionValue("presolve", "off")
        status, values, dual = _run(h)
        if status == "infeasible":
            raise InfeasibleModelError("error.plan_no_solution", p=self.p)
        m = self.d.shape[1]
        found = None
        if values is not None:
            found = [int(j) for j in np.flatnonzero(values[:m] > 0.5)]
            if len(found) != self.p:
                found = None
        return status, found, dual


def _lp_caps(model: _RadiusModel, levels: np.ndarray, bound: float, deadline: float, threads: int | None
             ) -> tuple[np.ndarray, float]:
    """Phase 1: grow the caps until the capped LP relaxation equals the full LP (row generation
    on the LP); returns the caps and the best LP bound."""
    while time.perf_counter() < deadline:
        model.build(levels)
        lp_status, y, lp_value = model.solve_lp(deadline, threads)
        if y is None:
            break
        if lp_status == "optimal":
            bound = max(bound, lp_value)
        grown = model.grow_for_lp(y)
        if grown is None:
            break
        levels = grown
    return levels, bound


def _mip_caps(model: _RadiusModel, dm: np.ndarray, wm: np.ndarray, levels: np.ndarray, best_sites: list[int],
              best_cost: float, bound: float, deadline: float, threads: int | None
              ) -> tuple[str, list[int], float, float]:
    """Phase 2: the MIP on the capped model, re-solved with larger caps while its optimum breaks
    one; returns (status, best sites, their cost, proven bound)."""
    m = dm.shape[1]
    status = "time_limit"
    while time.perf_counter() < deadline and not bound >= best_cost - _tol(best_cost):
        model.build(levels)
        if model.a.shape[1] == m:  # no z variable left: any p sites are optimal
            return "optimal", best_sites, best_cost, best_cost
        status, found, dual = model.solve(best_sites, deadline, threads)
        if math.isfinite(dual):
            bound = max(bound, dual)
        if found is not None:
            cost = _pmedian_cost(dm, wm, found)
            if cost < best_cost:
                best_sites, best_cost = found, cost
        if status != "optimal" or found is None:
            break
        beyond = (model.levels_of(found) > model.e + 1) & ~model.exact
        if not beyond.any():  # the relaxation's optimum is feasible at its own cost
            bound = max(bound, best_cost)
            break
        levels = np.where(beyond, model.levels_of(found) + MARGIN, model.e)
    return status, best_sites, best_cost, bound


# ---------------------------------------------------------------------------------------------
# p-median: Lagrangian relaxation of the assignment rows and variable fixing


@dataclass
class _Lagrange:
    """What the Lagrangian phase proved: a lower bound, the best sites it met, and the sites
    that no solution cheaper than `threshold` can open (`closed`) or close (`opened`)."""

    bound: float
    sites: list[int]
    cost: float
    closed: np.ndarray
    opened: np.ndarray
    lam: np.ndarray  # the multipliers of the best bound


def _lagrange_value(c: np.ndarray, lam: np.ndarray, p: int, is_fixed: np.ndarray
                    ) -> tuple[float, np.ndarray, np.ndarray]:
    """L(lam) = sum_i lam_i + min_{|y| = p, fixed open} sum_j y_j rho_j with
    rho_j = sum_i min(0, c_ij - lam_i): the assignment rows sum_j x_ij = 1 relaxed (Cornuejols,
    Fisher & Nemhauser 1977). Returns (L, rho, chosen columns)."""
    rho = np.minimum(c - lam[:, None], 0.0).sum(axis=0)
    k = p - int(is_fixed.sum())
    free = np.flatnonzero(~is_fixed)
    chosen = np.flatnonzero(is_fixed)
    if k > 0:
        part = free[np.argpartition(rho[free], k - 1)[:k]] if k < len(free) else free
        chosen = np.concatenate([chosen, part])
    return float(lam.sum() + rho[chosen].sum()), rho, chosen


def _fix_by_lagrange(value: float, rho: np.ndarray, chosen: np.ndarray, is_fixed: np.ndarray,
                     beaten: float) -> tuple[np.ndarray, np.ndarray]:
    """Columns whose opening (closing) raises L(lam) to `beaten` or above: no solution cheaper
    than `beaten` opens (closes) them."""
    m = len(rho)
    in_chosen = np.zeros(m, dtype=bool)
    in_chosen[chosen] = True
    free_chosen = in_chosen & ~is_fixed
    out = ~in_chosen
    closed = np.zeros(m, dtype=bool)
    opened = np.zeros(m, dtype=bool)
    if free_chosen.any() and out.any():
        worst_in = float(rho[free_chosen].max())
        best_out = float(rho[out].min())
        closed[out] = value + rho[out] - worst_in >= beaten
        opened[free_chosen] = value - rho[free_chosen] + best_out >= beaten
    return closed, opened


def _lagrangian(d: np.ndarray, w: np.ndarray, p: int, fixed: list[int], sites: list[int],
                cost: float, integral: bool, deadline: float, max_iter: int = 600) -> _Lagrange:
    """Subgradient optimisation (Held, Wolfe & Crowder 1974; step as in Beasley 1993, "Lagrangean
    relaxation", in Modern Heuristic Techniques) of the relaxation in `_lagrange_value`, on a
    finite matrix `d`. Every L(lam) is a valid lower bound; the sites chosen by the relaxation are
    tried as primal solutions. Fixing is against the incumbent: with integral data a solution
    must cost at most `cost - 1` to beat it."""
    n, m = d.shape
    c = w[:, None] * d
    is_fixed = np.zeros(m, dtype=bool)
    is_fixed[fixed] = True
    lam = c[np.arange(n), _nearest(d, sites)[0]].astype(np.float64)
    best_sites, best_cost, bound = list(sites), cost, -math.inf
    closed = np.zeros(m, dtype=bool)
    opened = np.zeros(m, dtype=bool)
    step, stall, best_lam = 2.0, 0, lam
    seen: set[tuple[int, ...]] = set()
    for _ in range(max_iter):
        beaten = best_cost - 1.0 + 1e-6 if integral else best_cost - _tol(best_cost)
        value, rho, chosen = _lagrange_value(c, lam, p, is_fixed)
        if value > bound + _tol(bound):
            bound, stall, best_lam = value, 0, lam
        else:
            stall += 1
        got_closed, got_opened = _fix_by_lagrange(value, rho, chosen, is_fixed, beaten)
        closed |= got_closed
        opened |= got_opened
        key = tuple(sorted(int(j) for j in chosen))
        if key not in seen:
            seen.add(key)
            trial = float(w @ d[:, chosen].min(axis=1))
            if trial < best_cost - _tol(best_cost):
                best_sites, best_cost = [int(j) for j in chosen], trial
        if bound >= beaten or time.perf_counter() > deadline or step < 1e-4:
            break
        if stall >= 20:
            step, stall = step / 2.0, 0
        served = (c[:, chosen] < lam[:, None]).sum(axis=1)
        g = 1.0 - served
        norm = float(g @ g)
        if norm == 0.0:  # the relaxed solution is feasible: L equals its cost
            break
        lam = lam + step * (best_cost - value) / norm * g
    return _Lagrange(bound, best_sites, best_cost, closed, opened, best_lam)


def _exact(model: _RadiusModel, dm: np.ndarray, wm: np.ndarray, sites: list[int], best_cost: float,
           deadline: float, threads: int | None) -> tuple[str, list[int], float, float]:
    """The radius model with row generation (phases 1 and 2) from `sites`."""
    if math.isfinite(best_cost):
        levels, bound = _lp_caps(model, model.levels_of(sites) + MARGIN, model.offset, deadline, threads)
    else:  # the heuristic left someone unserved: the exact model throughout
        levels, bound = model.full.copy(), model.offset
    return _mip_caps(model, dm, wm, levels, sites, best_cost, bound, deadline, threads)


def _reduced(dm: np.ndarray, wm: np.ndarray, p: int, fx: list[int], lag: _Lagrange, sites: list[int],
             best_cost: float, deadline: float, threads: int | None) -> tuple[str, list[int], float, float]:
    """The exact model on the columns the Lagrangian phase left free. Solutions outside it cannot
    beat `best_cost`, so the proven bound is min(best_cost, the reduced model's bound)."""
    keep = np.flatnonzero(~lag.closed)
    must = sorted(set(fx) | {int(j) for j in np.flatnonzero(lag.opened)})
    if len(keep) < p or len(must) > p or lag.closed[must].any() \
            or not np.isfinite(dm[:, keep]).any(axis=1).all():
        return "optimal", sites, best_cost, best_cost  # nothing left can beat the incumbent
    if len(keep) == p or len(must) == p:
        only = [int(j) for j in (keep if len(keep) == p else must)]
        cost = _pmedian_cost(dm, wm, only)
        return ("optimal", only, cost, cost) if cost < best_cost else \
            ("optimal", sites, best_cost, best_cost)
    pos = np.full(dm.shape[1], -1)
    pos[keep] = np.arange(len(keep))
    sub, fx_sub = dm[:, keep], [int(pos[j]) for j in must]
    if set(sites) <= set(keep.tolist()) and set(must) <= set(sites):
        start = [int(pos[j]) for j in sites]
    else:
        dh = _finite_copy(sub)
        start = _interchange(dh, wm, _greedy_pmedian(dh, wm, p, fx_sub), fx_sub, deadline)
    status, found, cost, bound = _exact(_RadiusModel(sub, wm, p, fx_sub), sub, wm, start,
                                        _pmedian_cost(sub, wm, start), deadline, threads)
    found_global = [int(keep[j]) for j in found]
    if cost < best_cost:
        return status, found_global, cost, min(bound, cost)
    return status, sites, best_cost, min(bound, best_cost)


def solve_pmedian(dist: np.ndarray, p: int, weights: np.ndarray | None = None,
                  fixed: list[int] | None = None, capacities: np.ndarray | None = None,
                  time_limit: float | None = None, threads: int | None = None) -> LocateResult:
    """Open `p` of the candidate columns (fixed ones included) minimising the weighted distance
    of every demand row to its nearest open site, proven optimal unless `time_limit` runs out.

    Uncapacitated: greedy + vertex substitution, then a Lagrangian relaxation of the assignment
    rows (a lower bound, and sites that cannot be open / closed in any better solution), then the
    radius formulation of Elloumi (2010), J Comb Optim 19:69-83 (see `_RadiusModel`) on the sites
    left. With `capacities` (one per candidate, in the units of `weights`; demand may be split
    over sites): the classic assignment formulation with capacity rows. Unreachable pairs are
    `inf` in `dist`. `weights` default to 1; `threads` is passed to HiGHS. On `time_limit`
    (seconds, for the whole call) the best solution found is returned with status "time_limit"
    and its proven gap; this never raises.
    """
    start = time.perf_counter()
    d, w, fx = _check_inputs(dist, p, weights, fixed, min_p=1)
    if capacities is not None:
        return _capacitated(d, w, p, fx, capacities, time_limit, threads, start)
    deadline = start + time_limit if time_limit is not None else math.inf
    m = d.shape[1]
    integral = _is_integral(d, w)

    dm, wm = _merge_rows(d, w)
    if dm.shape[0] == 0:  # no demand at all: any p sites
        sites = fx + [j for j in range(m) if j not in set(fx)][: p - len(fx)]
        assign, _ = _nearest(d, sites)
        return LocateResult(sorted(sites), assign, 0.0, 0.0, 0.0,
                            time.perf_counter() - start, "optimal", "trivial (no demand)")

    model = _RadiusModel(dm, wm, p, fx)
    dh = _finite_copy(dm)
    sites = _interchange(dh, wm, _greedy_pmedian(dh, wm, p, fx), fx, deadline)
    best_cost = _pmedian_cost(dm, wm, sites)
    lag_bound = -math.inf
    if math.isfinite(best_cost) and len(fx) < p < m:
        lag = _lagrangian(dh, wm, p, fx, sites, best_cost, integral, deadline)
        if _pmedian_cost(dm, wm, lag.sites) < best_cost:
            sites, best_cost = lag.sites, _pmedian_cost(dm, wm, lag.sites)
        lag_bound = lag.bound
        status, best_sites, best_cost, bound = _reduced(dm, wm, p, fx, lag, sites, best_cost, deadline,
                                                        threads)
    else:
        status, best_sites, best_cost, bound = _exact(model, dm, wm, sites, best_cost, deadline, threads)
    bound = max(bound, lag_bound)
    if integral and math.isfinite(bound):
        bound = math.ceil(bound - 1e-6)
    bound = min(bound, best_cost)
    gap = _gap(best_cost, bound)
    if gap == 0.0:
        status = "optimal"
    assign, _ = _nearest(d, best_sites)
    objective = _pmedian_cost(d, w, best_sites)
    return LocateResult(sorted(best_sites), assign, objective, float(bound),
                        0.0 if status == "optimal" else gap, time.perf_counter() - start, status,
                        "greedy + vertex substitution, Lagrangian bound and fixing, radius formulation "
                        "(Elloumi 2010) on the sites left, HiGHS")


def _highs_solution(x: np.ndarray) -> highspy.HighsSolution:
    sol = highspy.HighsSolution()
    sol.col_value = list(map(float, x))
    sol.value_valid = True
    return sol


# ---------------------------------------------------------------------------------------------
# assignment formulations: capacitated and textbook


def _assignment_model(d: np.ndarray, w: np.ndarray, p: int, fixed: list[int],
                      capacities: np.ndarray | None, binary_x: bool
                      ) -> tuple[dict[str, object], np.ndarray, np.ndarray]:
    """min sum w_i d_ij x_ij; sum_j x_ij = 1; x_ij <= y_j; sum_j y_j = p; optionally
    sum_i w_i x_ij <= C_j y_j. Only pairs with finite distance get an x variable."""
    n, m = d.shape
    ii, jj = np.nonzero(np.isfinite(d))
    nx = len(ii)
    xc = m + np.arange(nx)
    # rows: n assignment rows, nx linking rows, 1 cardinality row, [m capacity rows]
    r = [ii, n + np.arange(nx), n + np.arange(nx), np.full(m, n + nx)]
    c = [xc, xc, jj, np.arange(m)]
    v = [np.ones(nx), np.ones(nx), -np.ones(nx), np.ones(m)]
    n_row = n + nx + 1
    row_lo = np.concatenate([np.ones(n), np.full(nx, -np.inf), [p]])
    row_hi = np.concatenate([np.ones(n), np.zeros(nx), [p]])
    if capacities is not None:
        cap_rows = n_row + np.arange(m)
        r += [cap_rows[jj], cap_rows]
        c += [xc, np.arange(m)]
        v += [w[ii], -np.where(np.isfinite(capacities), capacities, w.sum() + 1.0)]
        n_row += m
        row_lo = np.concatenate([row_lo, np.full(m, -np.inf)])
        row_hi = np.concatenate([row_hi, np.zeros(m)])
    a = coo_matrix((np.concatenate(v), (np.concatenate(r), np.concatenate(c))),
                   shape=(n_row, m + nx)).tocsc()
    col_lo = np.zeros(m + nx)
    col_lo[fixed] = 1.0
    model: dict[str, object] = {
        "a": a, "cost": np.concatenate([np.zeros(m), w[ii] * d[ii, jj]]), "col_lo": col_lo,
        "col_hi": np.ones(m + nx), "row_lo": row_lo, "row_hi": row_hi,
        "integer": np.concatenate([np.ones(m, np.int32),
                                   np.full(nx, 1 if binary_x else 0, np.int32)]),
    }
    return model, ii, jj


def _capacitated(d: np.ndarray, w: np.ndarray, p: int, fixed: list[int], capacities: np.ndarray,
                 time_limit: float | None, threads: int | None, start: float) -> LocateResult:
    n, m = d.shape
    cap = np.asarray(capacities, dtype=np.float64).reshape(-1)
    if cap.shape != (m,) or np.isnan(cap).any() or (cap < 0).any():
        raise ValueError(f"capacities must be {m} non-negative numbers")
    demand = float(w.sum())
    others = np.delete(cap, fixed)
    best_cap = float(cap[fixed].sum() + np.sort(others)[::-1][: p - len(fixed)].sum())
    if best_cap < demand - _FEAS_TOL * max(1.0, demand):
        raise InfeasibleModelError("error.plan_capacity_short", demand=f"{demand:g}",
                                   capacity=f"{best_cap:g}", short=f"{demand - best_cap:g}")
    if not np.isfinite(d).any(axis=1).all():
        bad = int(np.flatnonzero(~np.isfinite(d).any(axis=1))[0])
        raise InfeasibleModelError("error.plan_unreachable", demand=bad)
    model, ii, jj = _assignment_model(d, w, p, fixed, cap, binary_x=False)
    h = _highs(time_limit, threads)
    _pass_model(h, model["a"], model["cost"], model["col_lo"], model["col_hi"],  # type: ignore[arg-type]
                model["row_lo"], model["row_hi"], model["integer"])  # type: ignore[arg-type]
    status, values, dual = _run(h)
    if status == "infeasible":
        raise InfeasibleModelError("error.plan_no_solution", p=p)
    method = "assignment formulation with capacities (ReVelle & Swain 1970), HiGHS"
    if values is None:
        return LocateResult([], np.full(n, -1), math.inf, dual, math.inf,
                            time.perf_counter() - start, "time_limit", method)
    sites = [int(j) for j in np.flatnonzero(values[:m] > 0.5)]
    shares = np.zeros((n, m))
    shares[ii, jj] = np.clip(values[m:], 0.0, 1.0)
    objective = float(np.sum(w[ii] * d[ii, jj] * shares[ii, jj]))
    assign = np.argmax(shares, axis=1).astype(np.int64)
    gap = 0.0 if status == "optimal" else _gap(objective, dual)
    return LocateResult(sites, assign, objective, min(dual, objective), gap,
                        time.perf_counter() - start, status, method, shares=shares)


def solve_pmedian_textbook(dist: np.ndarray, p: int, weights: np.ndarray | None = None,
                           time_limit: float | None = None) -> LocateResult:
    """The classic p-median MILP (ReVelle & Swain 1970): binary x_ij <= y_j, sum_j x_ij = 1,
    sum_j y_j = p. Independent of `solve_pmedian`; a reference for tests and the baseline."""
    start = time.perf_counter()
    d, w, _ = _check_inputs(dist, p, weights, None, min_p=1)
    n, m = d.shape
    model, ii, jj = _assignment_model(d, w, p, [], None, binary_x=True)
    h = _highs(time_limit, None)
    _pass_model(h, model["a"], model["cost"], model["col_lo"], model["col_hi"],  # type: ignore[arg-type]
                model["row_lo"], model["row_hi"], model["integer"])  # type: ignore[arg-type]
    status, values, dual = _run(h)
    method = "textbook assignment formulation (x_ij <= y_j), HiGHS"
    if status == "infeasible":
        raise InfeasibleModelError("error.plan_no_solution", p=p)
    if values is None:
        return LocateResult([], np.full(n, -1), math.inf, dual, math.inf,
                            time.perf_counter() - start, status, method)
    sites = [int(j) for j in np.flatnonzero(values[:m] > 0.5)]
    assign, _ = _nearest(d, sites)
    objective = _pmedian_cost(d, w, sites)
    gap = 0.0 if status == "optimal" else _gap(objective, dual)
    return LocateResult(sites, assign, objective, min(dual, objective), gap,
                        time.perf_counter() - start, status, method)


# ---------------------------------------------------------------------------------------------
# maximal covering


def _greedy_mclp(cover: csc_matrix, w: np.ndarray, p: int, fixed: list[int],
                 deadline: float) -> list[int]:
    """Greedy by marginal covered weight, then best-improvement swaps."""
    n, m = cover.shape
    cover_t = cover.T.tocsr()
    sites = list(fixed)
    count = np.asarray(cover[:, sites].sum(axis=1)).reshape(-1) if sites else np.zeros(n)
    is_open = np.zeros(m, dtype=bool)
    is_open[sites] = True
    while len(sites) < p:
        gain = cover_t @ (w * (count == 0))
        gain[is_open] = -1.0
        j = int(np.argmax(gain))
        sites.append(j)
        is_open[j] = True
        count += cover[:, j].toarray().reshape(-1)
    fixed_set = set(fixed)
    free = [r for r, j in enumerate(sites) if j not in fixed_set]
    while free and len(sites) < m and time.perf_counter() < deadline:
        gain = cover_t @ (w * (count == 0))                      # new cover from adding j
        single = w * (count == 1)
        open_cols = cover[:, sites]
        loss = open_cols.T @ single                              # cover lost removing r
        back = np.asarray((cover_t @ open_cols.multiply(single[:, None])).todense())  # [j, r]
        delta = gain[:, None] - loss[None, :] + back
        delta[is_open, :] = -np.inf
        delta[:, [r for r, j in enumerate(sites) if j in fixed_set]] = -np.inf
        j_in, r_out = (int(v) for v in np.unravel_index(int(np.argmax(delta)), delta.shape))
        if not delta[j_in, r_out] > _tol(float(w.sum())):
            break
        j_out = sites[r_out]
        sites[r_out] = j_in
        is_open[j_out], is_open[j_in] = False, True
        count += cover[:, j_in].toarray().reshape(-1) - cover[:, j_out].toarray().reshape(-1)
    return sites


def solve_mclp(dist: np.ndarray, p: int, radius: float, weights: np.ndarray | None = None,
               fixed: list[int] | None = None, time_limit: float | None = None) -> LocateResult:
    """Open `p` candidate columns (fixed ones included) covering the most demand weight within
    `radius` (d_ij <= radius): the maximal covering location problem of Church & ReVelle (1974),
    max sum_i w_i u_i, u_i <= sum_{j: d_ij <= radius} y_j, sum_j y_j = p, y binary, u in [0, 1].

    Demand rows already covered by a fixed site or coverable by no site are left out of the
    model, and rows with the same set of covering sites are merged. `assignment` is the nearest
    open site within the radius, -1 where none is.
    """
    start = time.perf_counter()
    d, w, fx = _check_inputs(dist, p, weights, fixed, min_p=0)
    if not math.isfinite(radius) and not math.isinf(radius):
        raise ValueError("radius must be a number")
    deadline = start + time_limit if time_limit is not None else math.inf
    n, m = d.shape
    within = d <= radius
    base_cov = within[:, fx].any(axis=1) if fx else np.zeros(n, dtype=bool)
    live = ~base_cov & within.any(axis=1) & (w > 0)
    base = float(w[base_cov].sum())
    method = "maximal covering (Church & ReVelle 1974), HiGHS"
    rows = within[live]
    wl = w[live]
    free_cols = np.ones(m, dtype=bool)
    free_cols[fx] = False
    if rows.shape[0]:
        packed = np.packbits(rows, axis=1)
        _, first, inverse = np.unique(packed, axis=0, return_index=True, return_inverse=True)
        rows = rows[first]
        wl = np.bincount(inverse.reshape(-1), weights=wl, minlength=len(first))
    cover = csc_matrix(rows.astype(np.float64))
    k = rows.shape[0]
    sites = _greedy_mclp(cover, wl, p, fx, deadline) if k else \
        fx + [j for j in np.flatnonzero(free_cols)][: p - len(fx)]
    sites = [int(j) for j in sites]
    best = _covered(within, w, sites)
    bound = base + float(wl.sum())
    status = "time_limit"
    if best >= bound - 1e-9 * max(1.0, bound) or p == m:
        status, bound = "optimal", best
    elif time.perf_counter() < deadline:
        # columns: y (m), u (k); rows: u_i - sum y <= 0 (k), sum y = p
        ui, uj = np.nonzero(rows)
        r = np.concatenate([ui, np.arange(k), np.full(m, k)])
        c = np.concatenate([uj, m + np.arange(k), np.arange(m)])
        v = np.concatenate([-np.ones(len(ui)), np.ones(k), np.ones(m)])
        a = coo_matrix((v, (r, c)), shape=(k + 1, m + k)).tocsc()
        col_lo = np.zeros(m + k)
        col_lo[fx] = 1.0
        remaining = None if time_limit is None else deadline - time.perf_counter()
        h = _highs(remaining, None)
        _pass_model(h, a, np.concatenate([np.zeros(m), wl]), col_lo, np.ones(m + k),
                    np.concatenate([np.full(k, -np.inf), [p]]),
                    np.concatenate([np.zeros(k), [p]]),
                    np.concatenate([np.ones(m, np.int32), np.zeros(k, np.int32)]),
                    offset=base, maximize=True)
        start_x = np.zeros(m + k)
        start_x[sites] = 1.0
        start_x[m:] = (rows[:, sites].any(axis=1)).astype(np.float64)
        h.setSolution(_highs_solution(start_x))
        status, values, dual = _run(h)
        if values is not None:
            found = [int(j) for j in np.flatnonzero(values[:m] > 0.5)]
            if len(found) == p and _covered(within, w, found) >= best:
                sites, best = found, _covered(within, w, found)
        if math.isfinite(dual):
            bound = min(bound, dual)
    if _is_integral(w) and math.isfinite(bound):
        bound = math.floor(bound + 1e-6)
    bound = max(bound, best)
    gap = _gap(best, bound)
    if gap == 0.0:
        status = "optimal"
    assign = np.full(n, -1, dtype=np.int64)
    if sites:
        near, nd = _nearest(d, sites)
        assign = np.where(nd <= radius, near, -1)
    return LocateResult(sorted(sites), assign, best, float(bound),
                        0.0 if status == "optimal" else gap, time.perf_counter() - start,
                        status, method)


def _covered(within: np.ndarray, w: np.ndarray, sites: list[int]) -> float:
    if not sites:
        return 0.0
    return float(w[within[:, sites].any(axis=1)].sum())
