"""What the report is made from: `ReportData`, filled by the use-case layer, read by the section builders.

The results are described by the attributes the sections read (protocols), so the report depends on no
module that computes them; any object with these attributes will do.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import pandas as pd

from wijkloket.i18n import fmt_number, t
from wijkloket.indicators.registry import Indicator, Registry

DEFAULT_MIN_BASE = 1000
"""Residents: a district (or wijk) with fewer is left out of the key message's comparisons, which say
so (a percentage of a few hundred residents moves 20 index points by chance)."""


class ProfileLike(Protocol):
    """A district profile (`ProfileResult`): the tidy table of `indicators.profile.PROFILE_COLUMNS`."""

    @property
    def table(self) -> pd.DataFrame: ...
    @property
    def year(self) -> int: ...
    @property
    def gemeente(self) -> str: ...
    @property
    def gemeente_name(self) -> str: ...
    @property
    def notes(self) -> list[tuple[str, dict[str, Any]]]: ...


class DeskLike(Protocol):
    """Desk use or issuances by origin (`DeskResult`); `kind` is "visit" or "issuance"."""

    @property
    def table(self) -> pd.DataFrame: ...
    @property
    def kind(self) -> str: ...
    @property
    def years(self) -> list[int]: ...
    @property
    def population_year(self) -> int: ...
    @property
    def unmatched(self) -> float: ...
    @property
    def synthetic(self) -> bool: ...
    @property
    def threshold(self) -> int: ...
    @property
    def share_split(self) -> float: ...  # fraction (0-1) of events allocated over several areas
    @property
    def share_pc4(self) -> float: ...  # fraction (0-1) of events matched on their PC4 only


class AccessLike(Protocol):
    """Travel times to the support points (`AccessResult`)."""

    @property
    def table(self) -> pd.DataFrame: ...
    @property
    def points(self) -> pd.DataFrame: ...
    @property
    def mode(self) -> str: ...
    @property
    def threshold(self) -> float: ...  # minutes
    @property
    def settings(self) -> Any: ...  # .detour_factor, .speeds[mode] in km/h
    @property
    def method(self) -> str: ...
    @property
    def synthetic(self) -> bool: ...


class OptionsLike(Protocol):
    """Options with their cost and reach (`OptionsResult`)."""

    @property
    def table(self) -> pd.DataFrame: ...
    @property
    def assumptions(self) -> list[tuple[str, str]]: ...
    @property
    def groups(self) -> list[str]: ...
    @property
    def synthetic(self) -> bool: ...


class LocateLike(Protocol):
    """The best extra site (`LocateOutcome`): `result` has `.gap` (fraction) and `.seconds`."""

    @property
    def result(self) -> Any: ...
    @property
    def chosen(self) -> pd.DataFrame: ...
    @property
    def before(self) -> pd.DataFrame: ...
    @property
    def after(self) -> pd.DataFrame: ...
    @property
    def synthetic(self) -> bool: ...


@dataclass
class ReportData:
    """Everything one report shows, computed once by the use case. `desk` maps "visit" and "issuance"
    to their results; `geometry` is a GeoDataFrame of the areas in EPSG:28992 (or None)."""

    lang: str
    registry: Registry
    profile: ProfileLike
    inventory: list[dict[str, Any]]
    geometry: Any | None = None
    districts: pd.DataFrame | None = None
    desk: Mapping[str, DeskLike] = field(default_factory=dict)
    access: AccessLike | None = None
    options: OptionsLike | None = None
    locate: LocateLike | None = None
    underuse: Any | None = None
    forecast: Any | None = None
    survey: Any | None = None  # the needs survey (usecases.report.SurveyReport; report.sections.survey.SurveyLike)
    min_base: int = DEFAULT_MIN_BASE  # residents: smaller areas are left out of the key message's comparisons

    @property
    def table(self) -> pd.DataFrame:
        return self.profile.table

    @property
    def year(self) -> int:
        return self.profile.year

    @property
    def area_level(self) -> str:
        """The level the district rows stand for: `district` with a district file, else `wijk` (each wijk
        is then its own district, and the texts say so)."""
        return "district" if self.districts is not None else "wijk"

    def area_word(self, plural: bool = False, capital: bool = False) -> str:
        """What the district rows are called in the report's language: stadsdeel(en), or wijk(en)
        without a district file; `capital` for a column header or a title."""
        word = self.tr(("levels." if plural else "level.") + self.area_level)
        return word[:1].upper() + word[1:] if capital else word

    def tr(self, key: str, **params: Any) -> str:
        """The catalogue text `key` in the report's language."""
        return t(key, self.lang, **params)

    def num(self, value: float | None, decimals: int = 0) -> str:
        """A number inside a sentence, as a reader in the report's language writes it."""
        return fmt_number(value, self.lang, decimals)

    def indicators_with_data(self, key_only: bool = False) -> list[Indicator]:
        """The registry's indicators with at least one figure in the profile, in registry order."""
        have = set(self.table.loc[self.table["value"].notna(), "indicator"])
        return [i for i in self.registry.indicators.values() if i.id in have and (i.key or not key_only)]
