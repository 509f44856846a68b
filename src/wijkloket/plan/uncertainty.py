"""Uncertain assumptions: draws from their ranges, 80% intervals, and the one-at-a-time tornado.

A range (low, most likely, high) is drawn from a PERT distribution: a beta distribution on
[low, high] with shapes 1 + 4 (mode - low) / (high - low) and 1 + 4 (high - mode) / (high - low),
the PERT of Malcolm et al. (1959, Operations Research 7: 646-669) as used in risk analysis (Vose
2008, Risk Analysis, 3rd ed.); or from a triangular distribution. Each assumption has its own random
stream, seeded by the seed and the assumption's name, so adding an assumption does not change the
draws of the others. Models are vectorised: they take one array per
assumption (one value per draw) and return one array per figure.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Mapping

import numpy as np

from wijkloket.plan.scenarios import Range

Params = dict[str, np.ndarray]
INTERVAL = (10.0, 90.0)
"""The percentiles of the interval shown beside every figure: 80% of the draws lie between them."""


def sample(r: Range, n: int, rng: np.random.Generator, distribution: str) -> np.ndarray:
    """`n` draws of one assumption; a collapsed range (low == high) gives its value every time."""
    if r.fixed:
        return np.full(n, r.mode, dtype=float)
    width = r.high - r.low
    if distribution == "pert":
        a = 1.0 + 4.0 * (r.mode - r.low) / width
        b = 1.0 + 4.0 * (r.high - r.mode) / width
        return r.low + width * rng.beta(a, b, n)
    u = rng.random(n)  # triangular, by its inverse distribution function
    left = r.low + np.sqrt(u * width * (r.mode - r.low))
    right = r.high - np.sqrt((1.0 - u) * width * (r.high - r.mode))
    return np.where(u < (r.mode - r.low) / width, left, right)


def draw(ranges: Mapping[str, Range], n: int, seed: int, distribution: str) -> Params:
    """`n` draws of every assumption, each from its own stream (seed, crc32 of its name)."""
    return {name: sample(r, n, np.random.default_rng([seed, zlib.crc32(name.encode())]), distribution)
            for name, r in ranges.items()}


def modes(ranges: Mapping[str, Range]) -> Params:
    """Every assumption at its most likely value, as one 'draw': the deterministic run."""
    return {name: np.array([r.mode], dtype=float) for name, r in ranges.items()}


def interval(values: np.ndarray) -> tuple[float, float]:
    """The 10th and 90th percentile of the finite draws (NaN, NaN when there are none)."""
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return float("nan"), float("nan")
    low, high = np.percentile(finite, INTERVAL)
    return float(low), float(high)


def tornado(ranges: Mapping[str, Range], keys: list[str], evaluate: Callable[[Params], np.ndarray]
            ) -> list[tuple[str, float, float]]:
    """One at a time, each assumption of `keys` at its low and at its high value, the others at their
    most likely: (assumption, figure at low, figure at high), the widest swing first. Assumptions
    without a range are left out. `evaluate` gets all variants in one vectorised call."""
    varied = [k for k in keys if not ranges[k].fixed]
    if not varied:
        return []
    params = {name: np.full(2 * len(varied), r.mode, dtype=float) for name, r in ranges.items()}
    for i, k in enumerate(varied):
        params[k][2 * i], params[k][2 * i + 1] = ranges[k].low, ranges[k].high
    out = evaluate(params)
    rows = [(k, float(out[2 * i]), float(out[2 * i + 1])) for i, k in enumerate(varied)]
    swing = [abs(hi - lo) if np.isfinite(hi - lo) else -1.0 for _, lo, hi in rows]
    return [row for _, row in sorted(zip(swing, rows, strict=True), key=lambda p: -p[0])]
