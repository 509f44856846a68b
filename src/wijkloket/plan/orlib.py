"""Reader for Beasley's OR-Library p-median instances (pmed1 ... pmed40).

Format (J.E. Beasley, "A note on solving large p-median problems", EJOR 21 (1985) 270-273): a first
line `n m p` (vertices, edges, facilities), then `m` lines `i j cost` with 1-based vertex numbers of
an undirected edge. The distance matrix is the all-pairs shortest path over that graph. Where an edge
is listed more than once, the last line counts (Beasley's convention, which the published optima
assume).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import shortest_path

from wijkloket.errors import InputFileError
from wijkloket.sources.files import check_file


def _invalid(path: Path, line: int, detail: str) -> InputFileError:
    return InputFileError("error.orlib_invalid", file=str(path), line=line, detail=detail)


def _numbers(path: Path, line_no: int, text: str, what: str) -> list[float]:
    """The three numbers on a line; the first two must be whole numbers."""
    parts = text.split()
    if len(parts) != 3:
        raise _invalid(path, line_no, f"expected 3 numbers ({what}), found {len(parts)}")
    try:
        values = [float(v) for v in parts]
    except ValueError:
        raise _invalid(path, line_no, f"not a number in '{text.strip()}'") from None
    if not all(np.isfinite(v) for v in values):
        raise _invalid(path, line_no, f"not a finite number in '{text.strip()}'")
    if any(v != int(v) for v in values[:2]):
        raise _invalid(path, line_no, f"not a whole number in '{text.strip()}'")
    return values


def read_orlib(path: str | Path) -> tuple[np.ndarray, int]:
    """The n x n shortest-path distance matrix (float64) and p of an OR-Library p-median file.

    Every vertex is both a demand point and a candidate site. Raises `InputFileError` for a
    missing file, a malformed header, an edge out of range, a negative or non-numeric value, or
    fewer edge lines than announced.
    """
    path = check_file(Path(path))
    try:
        text = path.read_text("ascii")
    except UnicodeDecodeError as exc:
        raise _invalid(path, _line_of(path, exc.start), "the file is not plain text") from None
    lines = [(no, ln) for no, ln in enumerate(text.splitlines(), start=1) if ln.strip()]
    if not lines:
        raise _invalid(path, 1, "the file is empty")
    head_no, head = lines[0]
    head_values = _numbers(path, head_no, head, "n m p")
    if head_values[2] != int(head_values[2]):
        raise _invalid(path, head_no, f"not a whole number in '{head.strip()}'")
    n, m, p = (int(v) for v in head_values)
    if n < 1 or m < 0 or not 1 <= p <= n:
        raise _invalid(path, head_no,
                       f"header n={n} m={m} p={p} needs n >= 1, m >= 0 and 1 <= p <= n")
    body = lines[1:]
    if len(body) > m:
        raise _invalid(path, body[m][0], f"more lines than the {m} edges the header announces")
    rows = np.empty(len(body), dtype=np.int64)
    cols = np.empty(len(body), dtype=np.int64)
    cost = np.empty(len(body), dtype=np.float64)
    for k, (no, ln) in enumerate(body):
        fi, fj, c = _numbers(path, no, ln, "i j cost")
        i, j = int(fi), int(fj)
        for v in (i, j):
            if not 1 <= v <= n:
                raise _invalid(path, no, f"vertex {v} is outside 1..{n}")
        if c < 0:
            raise _invalid(path, no, f"negative cost {c:g}")
        rows[k], cols[k], cost[k] = i - 1, j - 1, c
    if len(body) < m:
        raise _invalid(path, lines[-1][0], f"the header announces {m} edges but the file ends "
                       f"after {len(body)}; it looks cut off")
    # Last listing wins: keep, per unordered pair, the edge with the highest line index.
    lo, hi = np.minimum(rows, cols), np.maximum(rows, cols)
    key = lo * n + hi
    _, last_rev = np.unique(key[::-1], return_index=True)
    keep = m - 1 - last_rev
    keep = keep[lo[keep] != hi[keep]]  # a self-loop never shortens a path
    lo, hi, kept = lo[keep], hi[keep], cost[keep]
    # Zero-cost edges would vanish from a sparse matrix; a tiny placeholder keeps them as edges
    # and is removed again after the shortest-path run.
    zero = kept == 0
    graph = coo_matrix((np.where(zero, 1e-300, kept), (lo, hi)), shape=(n, n)).tocsr()
    dist = shortest_path(graph, method="D", directed=False)
    if zero.any():  # paths of zero-cost edges only; elsewhere 1e-300 vanishes in the sum
        dist[dist < 1e-200] = 0.0
    return np.ascontiguousarray(dist, dtype=np.float64), p


def _line_of(path: Path, offset: int) -> int:
    """1-based line number of byte `offset` in `path`."""
    return path.read_bytes()[:offset].count(b"\n") + 1
