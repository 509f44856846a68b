"""The stratified random draw (issue 10, point 3): a simple random sample without replacement in every
stratum, seeded, so that the same frame and seed give the same sample.

The strata are visited in sorted order of their names, whatever the order of `sizes`, and each draws from
one `numpy.random.default_rng(seed)` stream; within a stratum the frame rows are taken in the order given
(the use case sorts the frame by person id first, so a re-sorted export gives the same sample). A unit of
stratum h is drawn with probability n_h / N_h (Cochran 1977, §5.1); a stratum smaller than its size is
taken whole.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd


def taken(strata: pd.Series, sizes: Mapping[str, int]) -> pd.DataFrame:
    """Per stratum (sorted): frame count N_h, size asked, sample n_h = min(size, N_h), inclusion probability
    n_h / N_h and whether the stratum is taken whole because it is smaller than asked."""
    counts = strata.value_counts()
    rows = []
    for name in sorted(set(sizes) | set(counts.index.astype(str))):
        N = int(counts.get(name, 0))
        asked = int(sizes.get(name, 0))
        if asked < 0:
            raise ValueError(f"sample size of stratum {name!r} is negative: {asked}")
        n = min(asked, N)
        rows.append({"stratum": name, "frame_count": N, "asked": asked, "sample": n,
                     "inclusion_prob": n / N if N else 0.0, "whole": asked > N})
    return pd.DataFrame(rows, columns=["stratum", "frame_count", "asked", "sample", "inclusion_prob", "whole"])


def draw(strata: pd.Series, sizes: Mapping[str, int], seed: int) -> np.ndarray:
    """Positions (into `strata`) of the units drawn: n_h = min(sizes[h], N_h) from every stratum h, strata in
    sorted order, within a stratum in increasing position. `strata`: the stratum of every frame row."""
    rng = np.random.default_rng(seed)
    values = strata.astype(str).to_numpy()
    chosen: list[np.ndarray] = []
    for name in sorted(set(sizes) | set(values)):
        members = np.flatnonzero(values == name)
        n = min(int(sizes.get(name, 0)), members.size)
        if int(sizes.get(name, 0)) < 0:
            raise ValueError(f"sample size of stratum {name!r} is negative: {sizes[name]}")
        if n > 0:
            chosen.append(np.sort(members[rng.choice(members.size, size=n, replace=False)]))
    return np.concatenate(chosen) if chosen else np.array([], dtype=np.int64)
