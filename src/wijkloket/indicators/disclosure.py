"""Statistical disclosure control for published count tables: cell suppression.

A published count table (e.g. desk visits per wijk × product in one year) is a 2-D table of
counts (persons or visits) with its row totals, column totals and grand total. The threshold
rule marks every count with ``0 < x < threshold`` as unsafe (*primary* suppression); a count of
0 is publishable unless ``suppress_zeros=True`` (a 0 identifies nobody). Totals follow the same
rule. Enough other cells are then hidden (*secondary* suppression) that no hidden value can be
recovered, exactly or within a narrow interval, from what is published.

Intruder model and protection rule
----------------------------------
The intruder knows every published cell and total, the additive structure (each row sums to its
row total, each column to its column total, both sets of totals to the grand total) and that
counts are ≥ 0. For a hidden entry ``x`` the *feasibility interval* ``[lo, up]`` is the minimum
and maximum of ``x`` over that polytope, computed by linear programming (HiGHS through
``scipy.optimize.linprog``). This is the attacker model of Hundepool et al. (2012), ch. 4
(§4.3, secondary cell suppression: feasibility interval, upper and lower protection levels),
applied to frequency tables as in ch. 5; see also Fischetti & Salazar-González (2000).

A suppression pattern is *protected* when

* every primary entry (a count or total in ``1 .. threshold-1``, or 0 with ``suppress_zeros``)
  has ``lo <= 0`` and ``up >= threshold``, i.e. lower protection level ``x`` and upper
  protection level ``threshold - x`` in Hundepool's terms: the published table is consistent
  both with an empty cell and with a publishable count, so it reveals neither that the cell is
  small nor that it is non-empty. The rule needs only the published table, not the hidden
  values, so anyone can audit it (`is_protected`);
* every secondary entry is not determined exactly (``up > lo``). A hidden entry that *is*
  determined protects nothing and is published again (releasing a value the polytope already
  fixes does not change the polytope, so no other interval changes).

Together these imply the familiar necessary condition that no row or column of the table
(including the totals row and column) holds exactly one hidden entry. The 2-D table with totals
has a totally unimodular constraint matrix (a network; Gusfield 1988), so for whole counts the
bounds are whole numbers and "not determined" means ``up - lo >= 1``.

Algorithm
---------
Primary entries are protected one at a time (totals first). An entry needs no work when one
rectangle of hidden entries (a 4-cycle along which counts can be shifted without changing any
published value) already lets it reach 0 and ``threshold``, or when its LP interval already
covers [0, threshold]. Otherwise the cheapest rectangle through it (smallest sum of newly hidden
values) that alone does so is hidden; if there is none, a min-cost-flow LP (per unit moved:
value + 1 for a published entry, 0 for a hidden one) finds a joint shift of entries that moves
it to 0, and one that moves it to ``threshold``, and every entry moved is hidden. Hiding more
entries only widens intervals, so entries protected earlier stay protected. Finally, secondary
entries that turn out to be determined are published again. The grand total is never a secondary
suppression. The pattern is protected, not minimal. Rough cost: 200 x 10 with ~550 primary cells
takes a few seconds.

Missing values (NaN) mean *no data* for that cell: not a count, not published, not part of the
totals (totals are sums over the observed cells; a row without observed cells has no total) and
never marked primary or secondary. The audit assumes the intruder knows which cells are empty
(the conservative choice), so a NaN cell never counts as protection.

Sources: A. Hundepool, J. Domingo-Ferrer, L. Franconi, S. Giessing, E. Schulte Nordholt,
K. Spicer, P.-P. de Wolf, *Statistical Disclosure Control*, Wiley 2012, ch. 4-5 (online edition:
https://sdctools.github.io/HandbookSDC/); M. Fischetti, J.J. Salazar-González, "Models and
algorithms for optimizing cell suppression in tabular data with linear constraints", JASA 95
(2000) 916-928; D. Gusfield, "A graph theoretic approach to statistical data security", SIAM J.
Comput. 17 (1988) 552-571.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

PRIMARY = "primary"
SECONDARY = "secondary"

_TOL = 1e-6
"""Absolute tolerance on LP bounds (counts; the LP bounds are whole numbers for whole counts)."""

Position = tuple[int, int]


@dataclass
class SuppressionResult:
    """A count table ready for publication.

    ``table`` has the input's shape, index and columns (float; hidden and no-data cells NaN).
    ``primary`` / ``secondary`` are bool masks of the hidden cells. ``row_totals`` /
    ``col_totals`` / ``grand_total`` are the published totals (NaN / None where hidden or where
    there is no data); the ``*_status`` fields say why a total is hidden: ``"primary"``,
    ``"secondary"`` or ``""`` (published or no data).
    """

    table: pd.DataFrame
    primary: pd.DataFrame
    secondary: pd.DataFrame
    row_totals: pd.Series
    col_totals: pd.Series
    grand_total: float | None
    row_total_status: pd.Series
    col_total_status: pd.Series
    grand_total_status: str = ""
    suppress_zeros: bool = False


# --- the extended grid ------------------------------------------------------------------------
#
# The table with its totals is held as an (m+1) x (n+1) array ``E``: rows 0..m-1 and columns
# 0..n-1 are the cells, column n the row totals, row m the column totals, E[m, n] the grand
# total. Every row i of E satisfies sum_{j<n} w_j E[i, j] + w_n E[i, n] = 0 with w = (1,..,1,-1),
# every column j likewise with v = (1,..,1,-1). ``observed`` marks entries that exist (not NaN).


def _signs(size: int) -> np.ndarray:
    s = np.ones(size)
    s[-1] = -1.0
    return s


def _positions(mask: np.ndarray) -> list[Position]:
    """(row, column) pairs where `mask` is True, row-major."""
    return [(int(i), int(j)) for i, j in np.argwhere(mask)]


def _extend(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cells (m x n, NaN = no data) -> extended grid with totals and its `observed` mask."""
    m, n = values.shape
    obs = ~np.isnan(values)
    filled = np.where(obs, values, 0.0)
    ext = np.zeros((m + 1, n + 1))
    observed = np.zeros((m + 1, n + 1), dtype=bool)
    ext[:m, :n] = filled
    observed[:m, :n] = obs
    ext[:m, n] = filled.sum(axis=1)
    observed[:m, n] = obs.any(axis=1)
    ext[m, :n] = filled.sum(axis=0)
    observed[m, :n] = obs.any(axis=0)
    ext[m, n] = filled.sum()
    observed[m, n] = obs.any()
    return ext, observed


def _primary_mask(
    ext: np.ndarray, observed: np.ndarray, threshold: int, suppress_zeros: bool
) -> np.ndarray:
    small = ext < threshold
    if not suppress_zeros:
        small &= ext > 0
    return observed & small


def _primary_ok(lo: float, up: float, threshold: float) -> bool:
    """Protection rule for a primary entry: its interval covers [0, threshold]."""
    return lo <= _TOL and up >= threshold - _TOL


def _secondary_ok(lo: float, up: float) -> bool:
    """A secondary entry must not be determined exactly."""
    return up - lo > _TOL


# --- feasibility intervals (the intruder's LP) ------------------------------------------------


def _components(hidden: np.ndarray) -> np.ndarray:
    """Connected components of the bipartite row/column graph whose edges are hidden entries.

    The intruder's LP separates into independent LPs per component; returns the component
    label of every row node (index i) and column node (index m1 + j).
    """
    from scipy.sparse import coo_array
    from scipy.sparse.csgraph import connected_components

    m1, n1 = hidden.shape
    ii, jj = np.nonzero(hidden)
    graph = coo_array((np.ones(len(ii)), (ii, m1 + jj)), shape=(m1 + n1, m1 + n1)).tocsr()
    _, labels = connected_components(graph, directed=False)
    return labels


def _intervals(
    ext: np.ndarray, observed: np.ndarray, hidden: np.ndarray, targets: list[Position]
) -> dict[Position, tuple[float, float]]:
    """Feasibility interval ``(lo, up)`` of each hidden target given the published entries.

    Only published entries enter the constraints (hidden values are unknowns), so the result
    does not depend on the true hidden values. ``up`` is ``inf`` when unbounded. Raises
    ``ValueError`` when the published entries are inconsistent.
    """
    from scipy.optimize import linprog
    from scipy.sparse import coo_array

    m1, n1 = ext.shape
    w, v = _signs(n1), _signs(m1)
    published = observed & ~hidden
    row_rhs = -(np.where(published, ext, 0.0) * w[None, :]).sum(axis=1)
    col_rhs = -(np.where(published, ext, 0.0) * v[:, None]).sum(axis=0)
    labels = _components(hidden)
    out: dict[Position, tuple[float, float]] = {}
    by_label: dict[int, list[Position]] = {}
    for pos in targets:
        by_label.setdefault(int(labels[pos[0]]), []).append(pos)
    for label, group in by_label.items():
        ii, jj = np.nonzero(hidden & (labels[:m1, None] == label))
        rows = np.unique(ii)
        cols = np.unique(jj)
        row_eq = {int(i): k for k, i in enumerate(rows)}
        col_eq = {int(j): len(rows) + k for k, j in enumerate(cols)}
        k_of = {(int(i), int(j)): k for k, (i, j) in enumerate(zip(ii, jj, strict=True))}
        n_var = len(ii)
        a_rows = [row_eq[int(i)] for i in ii] + [col_eq[int(j)] for j in jj]
        a_vals = np.concatenate([w[jj], v[ii]])
        a_eq = coo_array(
            (a_vals, (a_rows, np.tile(np.arange(n_var), 2))), shape=(len(rows) + len(cols), n_var)
        ).tocsr()
        b_eq = np.concatenate([row_rhs[rows], col_rhs[cols]])
        for pos in group:
            cost = np.zeros(n_var)
            cost[k_of[pos]] = 1.0
            bounds: list[float] = []
            for sign in (1.0, -1.0):
                res = linprog(sign * cost, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
                if res.status == 3:  # unbounded: only possible when maximising
                    bounds.append(np.inf)
                elif res.status == 0:
                    bounds.append(sign * float(res.fun))
                else:
                    raise ValueError(f"published table is inconsistent: {res.message}")
            out[pos] = (bounds[0], bounds[1])
    return out


# --- rectangles -------------------------------------------------------------------------------


@dataclass
class _Rectangles:
    """All rectangles (p, (ip, j2), (i2, jp), (i2, j2)) through p, as (m+1) x (n+1) arrays.

    Shifting t along a rectangle keeps every row and column relation: the entry at (i, j) moves
    by t * s(i, j) with s(p) = 1. ``cap_up`` is how far p can rise (min of the corners that fall),
    ``cap_dn`` how far p can fall before another corner hits 0 (p itself can fall by its value).
    """

    cap_up: np.ndarray
    cap_dn: np.ndarray
    corners_ok: np.ndarray  # all three other corners exist and may be hidden
    corners_hidden: np.ndarray  # all three other corners are hidden already
    new_count: np.ndarray
    cost: np.ndarray


def _rectangles(
    ext: np.ndarray, allowed: np.ndarray, hidden: np.ndarray, p: Position
) -> _Rectangles:
    ip, jp = p
    m1, n1 = ext.shape
    w, v = _signs(n1), _signs(m1)
    s_b = -w * w[jp]  # (ip, j2)
    s_c = -v * v[ip]  # (i2, jp)
    s_d = (v[:, None] * v[ip]) * (w[None, :] * w[jp])  # (i2, j2)
    val_b, val_c, val_d = ext[ip, :], ext[:, jp], ext

    def falling(values: np.ndarray, signs: np.ndarray, when: float) -> np.ndarray:
        return np.where(signs * when < 0, values, np.inf)

    cap_up = np.minimum(
        np.minimum(falling(val_b, s_b, 1.0)[None, :], falling(val_c, s_c, 1.0)[:, None]),
        falling(val_d, s_d, 1.0),
    )
    cap_dn = np.minimum(
        np.minimum(falling(val_b, s_b, -1.0)[None, :], falling(val_c, s_c, -1.0)[:, None]),
        falling(val_d, s_d, -1.0),
    )
    not_p_row = np.arange(m1) != ip
    not_p_col = np.arange(n1) != jp
    shape_ok = not_p_row[:, None] & not_p_col[None, :]
    corners_ok = shape_ok & allowed[ip, :][None, :] & allowed[:, jp][:, None] & allowed
    corners_hidden = shape_ok & hidden[ip, :][None, :] & hidden[:, jp][:, None] & hidden
    new_b, new_c, new_d = ~hidden[ip, :], ~hidden[:, jp], ~hidden
    new_count = new_b[None, :].astype(int) + new_c[:, None] + new_d
    cost = (
        (new_b * (val_b + 1.0))[None, :] + (new_c * (val_c + 1.0))[:, None] + new_d * (val_d + 1.0)
    )
    return _Rectangles(cap_up, cap_dn, corners_ok, corners_hidden, new_count, cost)


def _certified(rect: _Rectangles, need_up: float, need_dn: float) -> bool:
    """True when one fully hidden rectangle already shifts p by need_up up and need_dn down."""
    ok = rect.corners_hidden & (rect.cap_up >= need_up - _TOL) & (rect.cap_dn >= need_dn - _TOL)
    return bool(ok.any())


def _choose(rect: _Rectangles, need_up: float, need_dn: float) -> Position | None:
    """Cheapest rectangle (sum of newly hidden values) that alone shifts p far enough."""
    full = (
        rect.corners_ok
        & (rect.new_count > 0)
        & (rect.cap_up >= need_up - _TOL)
        & (rect.cap_dn >= need_dn - _TOL)
    )
    if not full.any():
        return None
    cost = np.where(full, rect.cost, np.inf)
    i2, j2 = np.unravel_index(np.argmin(cost), cost.shape)
    return int(i2), int(j2)


def _flow_fix(
    ext: np.ndarray, allowed: np.ndarray, hidden: np.ndarray, p: Position, threshold: int
) -> np.ndarray:
    """Entries to hide so that p can be shifted to ``threshold`` and to 0 (min-cost flow LP).

    For each direction, find a shift ``y`` of the allowed entries that keeps all row and column
    relations, keeps every entry >= 0 and moves p to the target, at least cost: moving an entry
    already hidden is free, moving a published one costs (value + 1) per unit. Hiding every
    moved entry makes the shifted table indistinguishable from the true one, so p's interval
    then covers [0, threshold] (network-flow heuristic; Hundepool et al. 2012, §4.3).
    """
    from scipy.optimize import linprog
    from scipy.sparse import coo_array

    m1, n1 = ext.shape
    w, v = _signs(n1), _signs(m1)
    qi, qj = np.nonzero(allowed)
    k = len(qi)
    kp = int(np.flatnonzero((qi == p[0]) & (qj == p[1]))[0])
    var = np.arange(k)
    a_eq = coo_array(
        (
            np.concatenate([w[qj], v[qi], -w[qj], -v[qi]]),
            (
                np.tile(np.concatenate([qi, m1 + qj]), 2),
                np.concatenate([var, var, k + var, k + var]),
            ),
        ),
        shape=(m1 + n1, 2 * k),
    ).tocsr()
    unit = np.where(hidden[qi, qj], 0.0, ext[qi, qj] + 1.0)
    cost = np.concatenate([unit, unit])
    lower = np.zeros(2 * k)
    upper = np.concatenate([np.full(k, np.inf), ext[qi, qj]])
    moved = np.zeros(k, dtype=bool)
    x = float(ext[p])
    for rise, fall in ((threshold - x, 0.0), (0.0, x)):
        lo, up = lower.copy(), upper.copy()
        lo[kp], up[kp] = rise, rise
        lo[k + kp], up[k + kp] = fall, fall
        res = linprog(
            cost,
            A_eq=a_eq,
            b_eq=np.zeros(m1 + n1),
            bounds=np.column_stack([lo, up]),
            method="highs",
        )
        if res.status != 0:
            return allowed & ~hidden  # no shift found: hide everything that may be hidden
        moved |= np.abs(res.x[:k] - res.x[k:]) > _TOL
    out = np.zeros_like(hidden)
    out[qi[moved], qj[moved]] = True
    return out & ~hidden


# --- the protection loop ----------------------------------------------------------------------


def _protect(
    ext: np.ndarray, observed: np.ndarray, primary: np.ndarray, threshold: int
) -> np.ndarray:
    """Hidden-entry mask (primary plus secondary) satisfying the protection rule."""
    m1, n1 = ext.shape
    hidden = primary.copy()
    may_hide = observed.copy()
    may_hide[m1 - 1, n1 - 1] = bool(primary[m1 - 1, n1 - 1])  # grand total never secondary
    # margins first (they force the larger structures), then cells, row-major
    order = sorted(_positions(primary), key=lambda pos: (pos[0] < m1 - 1 and pos[1] < n1 - 1, pos))
    for p in order:
        x = float(ext[p])
        while True:
            allowed = may_hide | hidden
            rect = _rectangles(ext, allowed, hidden, p)
            if _certified(rect, threshold - x, x):
                break
            lo, up = _intervals(ext, observed, hidden, [p])[p]
            if _primary_ok(lo, up, threshold):
                break
            corner = _choose(rect, threshold - x, x)
            if corner is not None:
                i2, j2 = corner
                for pos in ((p[0], j2), (i2, p[1]), (i2, j2)):
                    hidden[pos] = True
                continue
            extra = _flow_fix(ext, allowed, hidden, p, threshold)
            if not extra.any():
                break  # only reachable through LP tolerances; the audit will tell
            hidden |= extra
    return _release_determined(ext, observed, primary, hidden)


def _release_determined(
    ext: np.ndarray, observed: np.ndarray, primary: np.ndarray, hidden: np.ndarray
) -> np.ndarray:
    """Publish secondary entries whose value the published table already determines."""
    allowed = hidden.copy()
    determined: list[Position] = []
    unsure: list[Position] = []
    for pos in _positions(hidden & ~primary):
        rect = _rectangles(ext, allowed, hidden, pos)
        movable = rect.corners_hidden & (
            (rect.cap_up > _TOL) | ((rect.cap_dn > _TOL) & (ext[pos] > _TOL))
        )
        if not movable.any():
            unsure.append(pos)
    if unsure:
        for pos, (lo, up) in _intervals(ext, observed, hidden, unsure).items():
            if not _secondary_ok(lo, up):
                determined.append(pos)
    out = hidden.copy()
    for pos in determined:
        out[pos] = False
    return out


# --- public API -------------------------------------------------------------------------------


def _as_counts(counts: pd.DataFrame) -> np.ndarray:
    try:
        values = counts.to_numpy(dtype="float64", na_value=np.nan)
    except (TypeError, ValueError) as exc:
        raise TypeError("counts must be numeric") from exc
    if np.isinf(values).any():
        raise ValueError("counts must be finite (use NaN for 'no data')")
    if (values < 0).any():
        raise ValueError("counts must be non-negative")
    return values


def _status(primary: np.ndarray, hidden: np.ndarray) -> np.ndarray:
    return np.where(primary, PRIMARY, np.where(hidden, SECONDARY, ""))


def suppress_table(
    counts: pd.DataFrame, threshold: int = 10, suppress_zeros: bool = False
) -> SuppressionResult:
    """Protect a 2-D count table (persons or visits) with its totals by cell suppression.

    Counts ``0 < x < threshold`` (and 0 when ``suppress_zeros``) are primary suppressions,
    totals included; secondary suppressions are added until every primary entry's feasibility
    interval covers ``[0, threshold]`` (Hundepool et al. 2012, ch. 4-5; see module docstring).
    NaN means no data. The grand total is published unless it is itself primary.
    """
    if isinstance(threshold, bool) or int(threshold) != threshold or threshold < 1:
        raise ValueError("threshold must be a whole number >= 1")
    threshold = int(threshold)
    values = _as_counts(counts)
    m, n = values.shape
    ext, observed = _extend(values)
    primary = _primary_mask(ext, observed, threshold, suppress_zeros)
    hidden = _protect(ext, observed, primary, threshold) if primary.any() else primary.copy()
    status = _status(primary, hidden)
    shown = observed & ~hidden
    published = np.where(shown, ext, np.nan)
    index, columns = counts.index, counts.columns
    return SuppressionResult(
        table=pd.DataFrame(published[:m, :n], index=index, columns=columns),
        primary=pd.DataFrame(primary[:m, :n], index=index, columns=columns),
        secondary=pd.DataFrame((hidden & ~primary)[:m, :n], index=index, columns=columns),
        row_totals=pd.Series(published[:m, n], index=index, name="total", dtype="float64"),
        col_totals=pd.Series(published[m, :n], index=columns, name="total", dtype="float64"),
        grand_total=float(ext[m, n]) if shown[m, n] else None,
        row_total_status=pd.Series(status[:m, n], index=index, name="status", dtype=object),
        col_total_status=pd.Series(status[m, :n], index=columns, name="status", dtype=object),
        grand_total_status=str(status[m, n]),
        suppress_zeros=suppress_zeros,
    )


def _published_grid(
    result: SuppressionResult,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Rebuild (values, observed, hidden, primary) of the extended grid from a result."""
    table = result.table.to_numpy(dtype="float64", na_value=np.nan)
    m, n = table.shape
    primary = np.zeros((m + 1, n + 1), dtype=bool)
    hidden = np.zeros((m + 1, n + 1), dtype=bool)
    values = np.full((m + 1, n + 1), np.nan)
    values[:m, :n] = table
    values[:m, n] = result.row_totals.to_numpy(dtype="float64", na_value=np.nan)
    values[m, :n] = result.col_totals.to_numpy(dtype="float64", na_value=np.nan)
    values[m, n] = np.nan if result.grand_total is None else result.grand_total
    primary[:m, :n] = result.primary.to_numpy(dtype=bool)
    hidden[:m, :n] = primary[:m, :n] | result.secondary.to_numpy(dtype=bool)
    row_status = result.row_total_status.to_numpy(dtype=object)
    col_status = result.col_total_status.to_numpy(dtype=object)
    primary[:m, n] = row_status == PRIMARY
    primary[m, :n] = col_status == PRIMARY
    primary[m, n] = result.grand_total_status == PRIMARY
    hidden[:m, n] = row_status != ""
    hidden[m, :n] = col_status != ""
    hidden[m, n] = result.grand_total_status != ""
    observed = hidden | ~np.isnan(values)
    return np.where(np.isnan(values), 0.0, values), observed, hidden, primary


def is_protected(result: SuppressionResult, threshold: int) -> bool:
    """Audit a published result using only what it publishes.

    True when no published count or total lies in ``1 .. threshold-1`` (nor is 0 when the
    result was made with ``suppress_zeros``), no hidden cell shows a value, every primary
    entry's feasibility interval covers ``[0, threshold]`` and no secondary entry is determined
    exactly (LP; Hundepool et al. 2012, ch. 4-5).
    """
    values, observed, hidden, primary = _published_grid(result)
    m, n = result.table.shape
    table = result.table.to_numpy(dtype="float64", na_value=np.nan)
    if (~np.isnan(table) & hidden[:m, :n]).any() or (primary & ~hidden).any():
        return False
    shown = observed & ~hidden
    if (shown & _primary_mask(values, observed, threshold, result.suppress_zeros)).any():
        return False
    targets = _positions(hidden)
    if not targets:
        return True
    try:
        intervals = _intervals(values, observed, hidden, targets)
    except ValueError:
        return False
    for pos, (lo, up) in intervals.items():
        ok = _primary_ok(lo, up, threshold) if primary[pos] else _secondary_ok(lo, up)
        if not ok:
            return False
    return True


def suppress_long(
    frame: pd.DataFrame,
    value: str,
    row: str | list[str],
    col: str,
    threshold: int = 10,
    by: list[str] | None = None,
    suppress_zeros: bool = False,
) -> pd.DataFrame:
    """Apply `suppress_table` to a tidy frame, one ``row`` × ``col`` table per ``by`` group.

    Returns a copy of ``frame`` (same rows and order) with ``value`` as float, NaN where hidden,
    and a column ``suppressed`` in {"", "primary", "secondary"}. Totals are protected as if they
    were published too (publishing fewer values is never less safe); take them from
    `suppress_table` if you publish them. Combinations absent from ``frame`` and NaN values are
    "no data" (not zeros): add explicit 0 rows first if absent means zero. Each
    (by, row, col) combination must occur at most once.
    """
    rows = [row] if isinstance(row, str) else list(row)
    groups_by = [by] if isinstance(by, str) else list(by or [])
    keys = [*rows, col]
    missing = [c for c in [value, *keys, *groups_by] if c not in frame.columns]
    if missing:
        raise KeyError(f"columns not in frame: {missing}")
    if len(set(keys + groups_by)) != len(keys) + len(groups_by) or value in keys + groups_by:
        raise ValueError("value, row, col and by must be distinct columns")
    if frame[keys].isna().any().any():
        raise ValueError("row and col keys must not be missing")
    if frame.duplicated([*groups_by, *keys]).any():
        raise ValueError("each (by, row, col) combination must occur at most once")

    out = frame.copy()
    new_values = frame[value].to_numpy(dtype="float64", na_value=np.nan).copy()
    flags = np.full(len(frame), "", dtype=object)
    if groups_by:
        positions = list(frame.groupby(groups_by, sort=False, dropna=False).indices.values())
    else:
        positions = [np.arange(len(frame))]
    for pos in positions:
        part = frame.iloc[pos]
        wide = part.set_index(keys)[value].unstack(col)
        result = suppress_table(wide, threshold=threshold, suppress_zeros=suppress_zeros)
        status = _status(result.primary.to_numpy(), (result.primary | result.secondary).to_numpy())
        if len(rows) == 1:
            ri = wide.index.get_indexer(part[rows[0]])
        else:
            ri = wide.index.get_indexer(pd.MultiIndex.from_frame(part[rows]))
        ci = wide.columns.get_indexer(part[col])
        part_flags = status[ri, ci]
        flags[pos] = part_flags
        new_values[pos[part_flags != ""]] = np.nan
    out[value] = new_values
    out["suppressed"] = pd.Series(flags, index=frame.index, dtype=object).astype("str")
    return out
