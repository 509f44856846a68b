"""One analysis per call: each result is computed once and handed to whoever needs it.

The report needs the district profile for its tables and maps, for accessibility (group weights)
and for the options; the options need accessibility and desk use. `Analysis` keeps each result
the first time it is asked for, keyed by its arguments, so one `report` computes the profile,
accessibility and desk use once each (`computed` counts what was computed, for tests).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Any, TypeVar

from wijkloket.indicators.registry import Registry
from wijkloket.store.workspace import Workspace
from wijkloket.usecases import access as uc_access
from wijkloket.usecases import desk as uc_desk
from wijkloket.usecases import inventory as uc_inventory
from wijkloket.usecases import plan as uc_plan
from wijkloket.usecases import profile as uc_profile

T = TypeVar("T")


class Analysis:
    def __init__(self, ws: Workspace, registry: Registry) -> None:
        self.ws = ws
        self.registry = registry
        self.computed: Counter[str] = Counter()
        self._results: dict[tuple[str, Hashable], Any] = {}

    def _once(self, name: str, key: Hashable, compute: Callable[[], T]) -> T:
        if (name, key) not in self._results:
            self._results[(name, key)] = compute()
            self.computed[name] += 1
        result: T = self._results[(name, key)]
        return result

    def profile(self, year: int | None = None) -> uc_profile.ProfileResult:
        """The district profile of `year` (the newest CBS year), every level and indicator."""
        year = year if year is not None else uc_profile.latest_year(self.ws)
        return self._once("profile", year, lambda: uc_profile.district_profile(self.ws, self.registry, year))

    def inventory(self) -> list[dict[str, Any]]:
        return self._once("inventory", None, lambda: uc_inventory.inventory(self.ws, self.registry))

    def has_events(self, kind: str) -> bool:
        return self.ws.has_events(kind)

    def desk(self, kind: str, min_count: int = 10) -> uc_desk.DeskResult:
        return self._once(f"desk_{kind}", min_count, lambda: uc_desk.desk_use(self.ws, kind, min_count))

    def desk_if_any(self, kind: str = "visit") -> uc_desk.DeskResult | None:
        return self.desk(kind) if self.has_events(kind) else None

    def access(self, mode: str = "bike", threshold: float | None = None, groups: list[str] | None = None,
               grid_m: float | None = None) -> uc_access.AccessResult:
        """Accessibility on the newest profile; the threshold defaults to the mode's own."""
        if threshold is None and mode in uc_access.MODES:
            threshold = uc_access.travel_settings(self.ws).thresholds[mode]
        key = (mode, None if threshold is None else float(threshold), tuple(groups or ()), grid_m)
        return self._once("access", key, lambda: uc_access.accessibility(
            self.ws, self.registry, self.profile(), mode, threshold, groups, grid_m))

    def locate(self, add: int = 1, objective: str = "pmedian", weight: str = "population", mode: str = "bike",
               threshold: float | None = None, time_limit: float | None = 60.0,
               capacity: bool = False) -> uc_plan.LocateOutcome:
        acc = self.access(mode, threshold)
        key = (add, objective, weight, mode, acc.threshold, time_limit, capacity)
        return self._once("locate", key, lambda: uc_plan.plan_locate(
            self.registry, self.profile(), acc, self.desk_if_any() if capacity else None, add, objective, weight,
            time_limit, capacity))

    def options(self, scenarios: Path | None = None, lang: str = "nl", draws: int | None = None,
                seed: int | None = None) -> uc_plan.OptionsResult:
        sc = uc_plan.scenario_assumptions(scenarios)
        acc = self.access(sc.mode, sc.threshold)
        return self._once("options", (str(scenarios), lang, draws, seed), lambda: uc_plan.plan_options(
            self.registry, self.profile(), acc, self.desk_if_any(), sc, lang, draws, seed))

    def underuse(self, min_count: int = 10) -> Any:
        """Under-use per area and product (`usecases.underuse.UnderuseResult`) on the desk tables of
        every log the workspace has, computed with the same `min_count`."""
        from wijkloket.usecases import underuse as uc_underuse

        return self._once("underuse", min_count, lambda: uc_underuse.underuse(
            self.ws, {k: self.desk(k, min_count) for k in ("visit", "issuance") if self.has_events(k)}, min_count))

    def forecast(self, months: int = 36, minutes: float | None = None) -> Any:
        """Expected applications per area, product and month and the counter hours they need
        (`usecases.forecast.ForecastResult`), with the backtest its notes report."""
        from wijkloket.usecases import forecast as uc_forecast

        return self._once("forecast", (months, minutes), lambda: uc_forecast.forecast(self.ws, months, minutes))
