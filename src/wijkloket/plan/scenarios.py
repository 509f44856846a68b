"""Scenario files for `plan options`: the built-in `data/scenarios.toml` or a user's own copy,
checked when loaded (rules as data).

Every number in a scenario is an assumption and may be given as one value or as a range: a list
`[low, most likely, high]` or a table `{ low = .., mode = .., high = .., source = ".." }` (or
`{ value = .., source = ".." }`). A few numbers are definitions, not assumptions (the threshold of
"nearby", the minutes that count as "faster", how many sites): they take one value. Anything the
model does not know, a range out of order, or a value out of bounds is an error that names the file,
the option, the field and the fix.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from wijkloket.access.distance import MODES
from wijkloket.errors import ConfigError, WijkloketError
from wijkloket.sources.files import read_text_file

OPTION_KINDS = ("desk", "mobile", "home_visits", "library_hours", "visibility")
DISTRIBUTIONS = ("pert", "triangular")
BUILTIN = "data/scenarios.toml"
SECTIONS = ("assumptions", "uncertainty", "option")
RANGE_KEYS = ("low", "mode", "high")
VALUE_KEYS = ("value", *RANGE_KEYS, "source", "source_en")


@dataclass(frozen=True)
class Spec:
    """A numeric field: its bounds, whether it may be a range, and whether it may be left out."""

    low: float = 0.0
    high: float = math.inf
    ranged: bool = True
    optional: bool = False


GLOBALS: dict[str, Spec] = {
    "threshold_minutes": Spec(0, 240, ranged=False),
    "faster_by_minutes": Spec(0, 240, ranged=False),
    "visits_per_resident_per_year": Spec(0, 10),
    "central_share": Spec(0, 1),
    "beta_per_minute": Spec(0, 10),
    "appointments_per_hour": Spec(0, 60),
    "open_weeks": Spec(0, 53),
}
"""The assumptions every option shares ([assumptions]); `mode` is the one text among them."""

FIELDS: dict[str, dict[str, Spec]] = {
    "desk": {"annual_cost": Spec(), "hours_per_week": Spec(0, 168, optional=True), "counters": Spec(0, 50)},
    "mobile": {"cost_per_day": Spec(), "days_per_year": Spec(0, 366), "hours_per_day": Spec(0, 24),
               "counters": Spec(0, 50)},
    "home_visits": {"cost_per_visit": Spec(), "uptake": Spec(0, 1)},
    "library_hours": {"extra_hours_per_week": Spec(0, 168), "weeks_per_year": Spec(0, 53), "cost_per_hour": Spec(),
                      "helped_per_hour": Spec(0, 60)},
    "visibility": {"annual_cost": Spec(), "reach_share": Spec(0, 1)},
}
"""Per option kind, its numbers (annual cost per site, hours, counters, ...)."""

SETTINGS: dict[str, tuple[str, ...]] = {
    "desk": ("sites", "count"), "mobile": ("sites", "stops"), "home_visits": ("eligible_group",),
    "library_hours": (), "visibility": ("target_group",),
}
"""Per option kind, its settings that are not numbers to vary: where, how many sites, for whom."""
COMMON = ("id", "kind", "label_nl", "label_en")


@dataclass(frozen=True)
class Range:
    """An assumption: low <= mode (most likely) <= high, with its source as written in the file."""

    low: float
    mode: float
    high: float
    source: str = ""
    source_en: str = ""

    @property
    def fixed(self) -> bool:
        return self.low == self.high

    def source_in(self, lang: str) -> str:
        return (self.source_en if lang == "en" and self.source_en else self.source)


@dataclass(frozen=True)
class OptionSpec:
    id: str
    kind: str
    labels: dict[str, str]
    values: dict[str, Range]  # the option's numbers
    settings: dict[str, Any]  # sites ("best" or names), count or stops, groups
    file: str = BUILTIN  # where it was read, for messages

    def label(self, lang: str) -> str:
        return self.labels.get(lang) or self.labels.get("nl") or self.id


@dataclass(frozen=True)
class Scenario:
    file: str
    mode: str
    threshold: float  # minutes: "nearby"
    faster_by: float  # minutes: "faster"
    assumptions: dict[str, Range]  # shared by all options (without the two definitions above)
    options: list[OptionSpec]
    distribution: str = "pert"
    draws: int = 2000
    seed: int = 2021


def load_scenarios(path: Path | None) -> Scenario:
    """The scenarios of `path` (or the built-in ones), checked."""
    if path is None:
        text = resources.files("wijkloket.data").joinpath("scenarios.toml").read_text("utf-8")
        return parse_scenarios(tomllib.loads(text), BUILTIN)
    text = read_text_file(path)
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise WijkloketError("error.toml_invalid", file=str(path), detail=str(exc)) from None
    return parse_scenarios(raw, str(path))


def parse_scenarios(raw: dict[str, Any], file: str) -> Scenario:
    """Check the scenario data `raw` read from `file` (named in every error) and type it."""
    for section in raw:
        if section not in SECTIONS:
            raise ConfigError("error.scenario_section", file=file, section=section, known=", ".join(SECTIONS))
    options = [_option(opt, i, file) for i, opt in enumerate(_option_list(raw, file), start=1)]
    seen: set[str] = set()
    for opt in options:
        if opt.id in seen:
            raise ConfigError("error.scenario_duplicate", file=file, option=opt.id)
        seen.add(opt.id)
    a = raw.get("assumptions", {})
    where = "[assumptions]"
    if not isinstance(a, dict):
        raise ConfigError("error.scenario_section_type", file=file, section="assumptions")
    for name in a:
        if name != "mode" and name not in GLOBALS:
            raise ConfigError("error.scenario_assumption", file=file, field=name,
                              known=", ".join(["mode", *GLOBALS]))
    values = {name: _number(a, name, spec, file, where) for name, spec in GLOBALS.items()}
    mode = a.get("mode", "bike")
    if mode not in MODES:
        raise ConfigError("error.scenario_text", file=file, where=where, field="mode", value=mode,
                          known=", ".join(MODES))
    threshold, faster = values.pop("threshold_minutes"), values.pop("faster_by_minutes")
    dist, draws, seed = _uncertainty(raw.get("uncertainty", {}), file)
    return Scenario(file, str(mode), threshold.mode, faster.mode, values, options, dist, draws, seed)


def _option_list(raw: dict[str, Any], file: str) -> list[dict[str, Any]]:
    opts = raw.get("option", [])
    if not isinstance(opts, list) or not all(isinstance(o, dict) for o in opts):
        raise ConfigError("error.scenario_section_type", file=file, section="option")
    return opts


def _option(opt: dict[str, Any], n: int, file: str) -> OptionSpec:
    kind = opt.get("kind")
    if kind not in OPTION_KINDS:
        raise ConfigError("error.scenario_kind", file=file, n=n, kind=kind, known=", ".join(OPTION_KINDS))
    oid = opt.get("id")
    if not isinstance(oid, str) or not oid:
        raise ConfigError("error.scenario_no_id", file=file, n=n)
    where = f'[[option]] id = "{oid}"'
    known = (*COMMON, *FIELDS[kind], *SETTINGS[kind])
    for name in opt:
        if name not in known:
            raise ConfigError("error.scenario_field", file=file, where=where, kind=kind, field=name,
                              known=", ".join(known))
    values = {name: _number(opt, name, spec, file, where) for name, spec in FIELDS[kind].items()
              if name in opt or not spec.optional}
    labels = {lang: str(opt[f"label_{lang}"]) for lang in ("nl", "en") if f"label_{lang}" in opt}
    return OptionSpec(oid, kind, labels, values, _settings(opt, kind, file, where), file)


def _settings(opt: dict[str, Any], kind: str, file: str, where: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in SETTINGS[kind]:
        value = opt.get(name)
        if name == "sites":
            value = "best" if value is None else value
            if value != "best" and not (isinstance(value, list) and value and all(isinstance(v, str) for v in value)):
                raise ConfigError("error.scenario_sites", file=file, where=where, value=value)
        elif name in ("count", "stops"):
            listed = opt.get("sites")
            value = (len(listed) if isinstance(listed, list) else 1) if value is None else value
            if (isinstance(value, bool) or not isinstance(value, int) or value < 1
                    or (isinstance(listed, list) and value != len(listed))):
                raise ConfigError("error.scenario_count", file=file, where=where, field=name, value=value)
        elif value is None:
            raise ConfigError("error.scenario_missing", file=file, where=where, field=name)
        out[name] = value
    return out


def _number(table: dict[str, Any], name: str, spec: Spec, file: str, where: str) -> Range:
    """The field `name` of `table` as a Range, checked against `spec`."""
    if name not in table:
        raise ConfigError("error.scenario_missing", file=file, where=where, field=name)
    value = table[name]
    source = source_en = ""
    if isinstance(value, dict):
        for key in value:
            if key not in VALUE_KEYS:
                raise ConfigError("error.scenario_field", file=file, where=where, kind="range",
                                  field=f"{name}.{key}", known=", ".join(VALUE_KEYS))
        source, source_en = str(value.get("source", "")), str(value.get("source_en", ""))
        value = [value[k] for k in RANGE_KEYS] if all(k in value for k in RANGE_KEYS) else value.get("value")
    numbers = value if isinstance(value, list) else [value] * 3
    if len(numbers) != 3 or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in numbers):
        raise ConfigError("error.scenario_value", file=file, where=where, field=name, value=table[name])
    low, mode, high = (float(v) for v in numbers)
    shown = {"low": f"{low:g}", "mode": f"{mode:g}", "high": f"{high:g}"}
    if not spec.ranged and low != high:
        raise ConfigError("error.scenario_not_ranged", file=file, where=where, field=name)
    if low > high:
        raise ConfigError("error.scenario_order", file=file, where=where, field=name, **shown)
    if not low <= mode <= high:
        raise ConfigError("error.scenario_mode", file=file, where=where, field=name, **shown)
    if low < 0 <= spec.low:
        raise ConfigError("error.scenario_negative", file=file, where=where, field=name, value=shown["low"])
    if low < spec.low or high > spec.high:
        raise ConfigError("error.scenario_bounds", file=file, where=where, field=name, low=shown["low"],
                          high=shown["high"], min=f"{spec.low:g}", max=f"{spec.high:g}")
    return Range(low, mode, high, source, source_en)


def _uncertainty(u: Any, file: str) -> tuple[str, int, int]:
    where = "[uncertainty]"
    if not isinstance(u, dict):
        raise ConfigError("error.scenario_section_type", file=file, section="uncertainty")
    for name in u:
        if name not in ("distribution", "draws", "seed"):
            raise ConfigError("error.scenario_field", file=file, where=where, kind="uncertainty", field=name,
                              known="distribution, draws, seed")
    dist = u.get("distribution", "pert")
    if dist not in DISTRIBUTIONS:
        raise ConfigError("error.scenario_text", file=file, where=where, field="distribution", value=dist,
                          known=", ".join(DISTRIBUTIONS))
    draws, seed = u.get("draws", 2000), u.get("seed", 2021)
    check_draws(draws, seed, file)
    return str(dist), int(draws), int(seed)


def check_draws(draws: Any, seed: Any, file: str = "--draws/--seed") -> None:
    """Draws between 1 and 1,000,000 and a seed of zero or more, else an error naming `file`."""
    for name, value, top in (("draws", draws, 1_000_000), ("seed", seed, 2**63 - 1)):
        low = 1 if name == "draws" else 0
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= top:
            raise ConfigError("error.scenario_draws", file=file, field=name, value=value, low=low, high=top)
