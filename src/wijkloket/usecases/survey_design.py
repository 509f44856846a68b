"""The survey's sample design from the workspace (issue 10, point 2): the population aged 15 and over per
district or wijk from the CBS profile, and the sample sizes of `survey.design` for it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from wijkloket.errors import WorkspaceError
from wijkloket.survey.design import design
from wijkloket.usecases.analysis import Analysis

LEVELS = ("district", "wijk")


@dataclass
class DesignResult:
    table: pd.DataFrame  # stratum, population, net_sample, gross_sample, ... (survey.design.design)
    level: str
    year: int  # the CBS year of the population figures
    synthetic: bool = False  # rests on CBS figures only


def adult_population(analysis: Analysis, level: str) -> tuple[pd.Series, int]:
    """Residents aged 15 and over per area of `level` (CBS: inhabitants minus the 0-14 count, which CBS
    gives as a rounded percentage, so the result is rounded to whole persons), and the CBS year."""
    prof = analysis.profile()
    t = prof.table[prof.table["level"] == level]
    if t.empty:
        raise WorkspaceError("error.survey_no_level", level=level)
    pop = t[t["indicator"] == "population"].set_index("area_name")["value"]
    young = t[t["indicator"] == "share_age_0_15"].set_index("area_name")["numerator"]
    adults = (pop - young.reindex(pop.index).fillna(0.0)).round().astype(int)
    return adults[adults > 0], prof.year


def sample_design(analysis: Analysis, level: str, moe: float, response: float, deff: float = 1.0,
                  allocation: str = "per_stratum", total: int | None = None,
                  oversample: Mapping[str, float] | None = None) -> DesignResult:
    adults, year = adult_population(analysis, level)
    table = design(adults.to_dict(), moe, response, deff=deff, allocation=allocation, total=total,
                   oversample=dict(oversample or {}))
    return DesignResult(table, level, year)
