"""Travel before and after new sites, per district and for the municipality: the weighted mean
minutes to the nearest open site and the share within the threshold. Pure."""

from __future__ import annotations

import numpy as np
import pandas as pd

COLUMNS = ["level", "area", "mean_minutes", "share_within", "weight"]


def coverage_table(area_codes: pd.Series, districts: pd.Series, gemeente_name: str, best: np.ndarray,
                   weights: np.ndarray, threshold: float) -> pd.DataFrame:
    """`area_codes`: per demand point its area; `districts`: area code -> district name (areas
    without one are their own district); `best`: minutes to the nearest open site per demand point."""
    frame = pd.DataFrame({"area": area_codes, "district": area_codes.map(districts).fillna(area_codes),
                          "w": weights, "m": best * weights, "in": (best <= threshold) * weights})
    rows = []
    for level, key in (("district", "district"), ("gemeente", None)):
        g = (frame.groupby(key)[["w", "m", "in"]].sum() if key
             else frame[["w", "m", "in"]].sum().to_frame(gemeente_name).T)
        for code, r in g.iterrows():
            rows.append((level, code, r["m"] / r["w"] if r["w"] else np.nan,
                         100 * r["in"] / r["w"] if r["w"] else np.nan, r["w"]))
    return pd.DataFrame(rows, columns=COLUMNS)
