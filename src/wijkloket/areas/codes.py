"""CBS area codes: `GM` + 4 digits, `WK` + 6 characters, `BU` + 8 (CBS, Wijk- en buurtkaart).

The digits nest: a buurt code `BU03920101` lies in wijk `WK039201`, which lies in gemeente `GM0392`.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

LEVELS = ("buurt", "wijk", "district", "gemeente")
"""From fine to coarse. `district` is the municipality's own grouping (stadsdeel)."""

CBS_LEVELS = {"BU": "buurt", "WK": "wijk", "GM": "gemeente"}
# Wijk and buurt suffixes may hold capitals: Amsterdam writes WK0363AA and BU0363AA01 since 2022.
_PATTERN = re.compile(r"^(GM\d{4}|WK\d{4}[0-9A-Z]{2}|BU\d{4}[0-9A-Z]{4})$")


def normalise_code(raw: object) -> str:
    """Strip the padding CBS puts around codes (`"GM0363    "` -> `"GM0363"`), upper-case it."""
    return str(raw).strip().upper()


def is_area_code(code: str) -> bool:
    return bool(_PATTERN.match(code))


def level_of(code: str) -> str | None:
    """`buurt`, `wijk` or `gemeente` for a valid CBS code, else None."""
    if not is_area_code(code):
        return None
    return CBS_LEVELS[code[:2]]


def gemeente_of(code: str) -> str:
    """`GM` code of the municipality an area code belongs to."""
    return "GM" + code[2:6]


def wijk_of(code: str) -> str:
    """`WK` code of the wijk a buurt code belongs to (a wijk code returns itself)."""
    return "WK" + code[2:8]


def gemeente_codes(codes: pd.Series) -> pd.Series:
    """Vectorised `gemeente_of`."""
    return "GM" + codes.str.slice(2, 6)


def levels_of(codes: pd.Series) -> pd.Series:
    """Vectorised `level_of`: None where a code is not a valid CBS code."""
    valid = codes.str.fullmatch(_PATTERN.pattern[1:-1]).fillna(False).astype(bool)
    prefix = codes.str.slice(0, 2).map(CBS_LEVELS)
    return prefix.where(valid, other=np.nan)
