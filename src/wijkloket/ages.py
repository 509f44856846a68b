"""The CBS age bands, defined once: every count by age (desk logs, issuances, the simulator, the
survey) uses these, so that rates per 1000 residents of a band can use CBS's own population figures.

CBS Kerncijfers wijken en buurten publish residents aged 0-15, 15-25, 25-45, 45-65 and 65 or older
(lower bound inclusive, upper bound exclusive); the labels show the ages in whole years.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AgeBand:
    label: str  # as shown and stored: "0-14", ..., "65+"
    low: int  # first age in the band (years)
    high: int  # first age after the band (years); 200 for the open band
    count_variable: str  # canonical CBS variable with the count
    pct_variable: str  # canonical CBS variable with the share of residents (per cent)


AGE_BANDS: tuple[AgeBand, ...] = (
    AgeBand("0-14", 0, 15, "n_age_0_15", "pct_age_0_15"),
    AgeBand("15-24", 15, 25, "n_age_15_25", "pct_age_15_25"),
    AgeBand("25-44", 25, 45, "n_age_25_45", "pct_age_25_45"),
    AgeBand("45-64", 45, 65, "n_age_45_65", "pct_age_45_65"),
    AgeBand("65+", 65, 200, "n_age_65_plus", "pct_age_65_plus"),
)
LABELS: tuple[str, ...] = tuple(b.label for b in AGE_BANDS)
PCT_VARIABLES: tuple[str, ...] = tuple(b.pct_variable for b in AGE_BANDS)


def band_of(age: float) -> str | None:
    """The label of the band holding `age` (years), None for a missing or negative age."""
    if age != age or age < 0:
        return None
    return next(b.label for b in AGE_BANDS if age < b.high)


def sql_case(expr: str) -> str:
    """A SQL CASE expression giving the band label of the age in `expr` (NULL when unknown)."""
    whens = " ".join(f"WHEN {expr} < {b.high} THEN '{b.label}'" for b in AGE_BANDS[:-1])
    return f"CASE WHEN {expr} IS NULL OR {expr} < 0 THEN NULL {whens} ELSE '{AGE_BANDS[-1].label}' END"
