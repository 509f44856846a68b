"""The propensities of the synthetic residents and the effects planted between areas, as data:
`data/synthetic_assumptions.toml` (each value with its source), loaded and validated here.

`Propensities` holds them; `simulate` uses the built-in file unless it is handed another. A value of
the wrong type, a share outside 0-1, an unknown name or a missing source is a `ConfigError` that names
the file, the assumption and what is expected."""

from __future__ import annotations

import math
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from wijkloket.areas.codes import is_area_code, wijk_of
from wijkloket.errors import ConfigError
from wijkloket.sources.files import read_text_file
from wijkloket.synthetic.assumptions import DOC_KINDS, VISIT_PRODUCTS

BUILT_IN = "synthetic_assumptions.toml"
AGE_GROUPS = ("<18", "18-24", "25-44", "45-64", "65+")
"""The age groups (on the reference date) of `visits.other_rates`."""
AGE_GROUP_BOUNDS = (18, 25, 45, 65)

_KINDS: dict[str, str] = {
    "possession.passport_adult": "share",
    "possession.id_adult": "share",
    "possession.id_without_passport": "share",
    "possession.child_passport_household": "share",
    "possession.child_id_household": "share",
    "possession.licence_by_age": "age_shares",
    "replacement.passport": "rate",
    "replacement.id_card": "rate",
    "replacement.driving_licence": "rate",
    "visits.other_rates": "rates_by_age",
    "variation.other_products": "rate",
    "nationality.share": "share",
    "nationality.areas": "area_shares",
    "nationality.products": "document_products",
    "distance.per_km": "rate",
    "distance.products": "other_products",
    "distance.km": "km_by_gemeente",
}
"""Every assumption of the file and the kind of its value."""


@dataclass(frozen=True)
class Assumption:
    value: Any
    source: str
    note: str = ""


@dataclass(frozen=True)
class Propensities:
    """The validated assumptions, by `section.name`; typed accessors for what the simulator uses."""

    items: Mapping[str, Assumption]
    file: str

    def __getitem__(self, key: str) -> Any:
        return self.items[key].value

    @property
    def id_with_passport(self) -> float:
        """Share of adult passport holders with an ID card, so that `possession.id_adult` holds overall."""
        p_pass, p_id, p_without = (self["possession.passport_adult"], self["possession.id_adult"],
                                   self["possession.id_without_passport"])
        return float(min(1.0, max(0.0, (p_id - (1 - p_pass) * p_without) / p_pass)))

    def replacement(self, kind: int) -> float:
        """Applications per holder per year outside the renewal cycle for document kind 0, 1, 2."""
        return float(self["replacement." + DOC_KINDS[kind]])

    def non_dutch_share(self, codes: list[str]) -> np.ndarray:
        """Share of residents without Dutch nationality per area: its own, its wijk's, or the default."""
        named: dict[str, float] = self["nationality.areas"]
        default = float(self["nationality.share"])
        return np.array([named.get(c, named.get(wijk_of(c), default) if c.startswith("BU") else default)
                         for c in codes], dtype="float64")

    def distance_km(self, gemeente: str, codes: list[str]) -> np.ndarray:
        """Distance (km) of each area to the central desk where the file gives one (a buurt: its wijk's),
        NaN elsewhere."""
        km: dict[str, float] = self["distance.km"].get(gemeente, {})
        return np.array([km.get(c, km.get(wijk_of(c), math.nan) if c.startswith("BU") else math.nan)
                         for c in codes], dtype="float64")

    def distance_factor(self, km: np.ndarray) -> np.ndarray:
        """Rate factor exp(-per_km x km) of the products where a visit is optional; 1 where km is NaN."""
        return np.where(np.isnan(km), 1.0, np.exp(-float(self["distance.per_km"]) * np.nan_to_num(km)))


@lru_cache(maxsize=1)
def default_propensities() -> Propensities:
    """The built-in assumptions of `wijkloket/data/synthetic_assumptions.toml`, validated once."""
    text = resources.files("wijkloket.data").joinpath(BUILT_IN).read_text("utf-8")
    return parse_propensities(text, BUILT_IN)


def load_propensities(path: Path | None = None) -> Propensities:
    """The built-in assumptions, or those of a TOML file in the same layout."""
    if path is None:
        return default_propensities()
    return parse_propensities(read_text_file(Path(path)), str(path))


def parse_propensities(text: str, where: str) -> Propensities:
    """Assumptions from TOML text; `where` names the file in error messages. Every assumption of the
    layout must be there, each with `value` and `source` (and optionally `note`), nothing else."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError("error.toml_invalid", file=where, detail=str(exc)) from None
    found: dict[str, Any] = {}
    for section, names in raw.items():
        if section == "survey":  # the needs survey's assumptions: loaded by wijkloket.synthetic.survey
            continue
        if not isinstance(names, dict):
            raise _bad(where, section, section, names, "[section.name] tables")
        for name, entry in names.items():
            found[f"{section}.{name}"] = entry
    for key in found:
        if key not in _KINDS:
            raise _bad(where, key, key, "", ", ".join(_KINDS))
    items = {}
    for key, kind in _KINDS.items():
        if key not in found:
            raise ConfigError("error.registry_missing_field", file=where, entry=key.split(".")[0],
                              field=key.split(".", 1)[1])
        items[key] = _assumption(where, key, kind, found[key])
    return Propensities(items, where)


def _bad(where: str, entry: str, field: str, value: object, expected: str) -> ConfigError:
    shown = repr(value) if not isinstance(value, str) else value
    return ConfigError("error.registry_bad_value", file=where, entry=entry, field=field,
                       value=shown[:80], expected=expected)


def _assumption(where: str, key: str, kind: str, entry: object) -> Assumption:
    if not isinstance(entry, dict):
        raise _bad(where, key, "value", entry, "a table with value and source")
    for field in entry:
        if field not in ("value", "source", "note"):
            raise _bad(where, key, field, entry[field], "value, source, note")
    for field in ("value", "source"):
        if field not in entry:
            raise ConfigError("error.registry_missing_field", file=where, entry=key, field=field)
    for field in ("source", "note"):
        if field in entry and (not isinstance(entry[field], str) or not entry[field].strip()):
            raise _bad(where, key, field, entry[field], "a non-empty text")
    check, expected = _CHECKS[kind]
    value = entry["value"]
    if not check(value):
        raise _bad(where, key, "value", value, expected)
    if kind == "age_shares":
        value = tuple((int(lo), int(hi), float(share)) for lo, hi, share in value)
    elif kind == "rates_by_age":
        value = {name: tuple(float(r) for r in rates) for name, rates in value.items()}
    elif kind in ("document_products", "other_products"):
        value = tuple(value)
    return Assumption(value, entry["source"], entry.get("note", ""))


def _number(x: object) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)


def _share(x: object) -> bool:
    return _number(x) and 0.0 <= float(x) <= 1.0  # type: ignore[arg-type]


def _rate(x: object) -> bool:
    return _number(x) and float(x) >= 0.0  # type: ignore[arg-type]


def _age_shares(x: object) -> bool:
    return isinstance(x, list) and bool(x) and all(
        isinstance(r, list) and len(r) == 3 and all(_number(v) for v in r) and 0 <= r[0] < r[1] and _share(r[2])
        for r in x)


def _rates_by_age(x: object) -> bool:
    return isinstance(x, dict) and all(
        name in VISIT_PRODUCTS and isinstance(r, list) and len(r) == len(AGE_GROUPS) and all(_rate(v) for v in r)
        for name, r in x.items())


def _areas(x: object, check: Callable[[object], bool]) -> bool:
    return isinstance(x, dict) and all(isinstance(c, str) and is_area_code(c) and c[:2] in ("WK", "BU")
                                       and check(v) for c, v in x.items())


def _km_by_gemeente(x: object) -> bool:
    return isinstance(x, dict) and all(isinstance(g, str) and g.startswith("GM") and is_area_code(g)
                                       and _areas(v, _rate) for g, v in x.items())


_OTHER_PRODUCTS = ("brp_extract", "declaration", "other")
_CHECKS: dict[str, tuple[Callable[[object], bool], str]] = {
    "share": (_share, "a fraction from 0 to 1"),
    "rate": (_rate, "a number of at least 0"),
    "age_shares": (_age_shares, "a list of [first age, first age after, share 0-1]"),
    "rates_by_age": (_rates_by_age, "a table of desk products (as in the visit mapping) with 5 rates each: "
                                    + ", ".join(AGE_GROUPS)),
    "area_shares": (lambda x: _areas(x, _share), "a table of WK or BU codes with a fraction 0-1 each"),
    "document_products": (lambda x: isinstance(x, list) and all(p in DOC_KINDS[:2] for p in x),
                          "a list of passport, id_card"),
    "other_products": (lambda x: isinstance(x, list) and all(p in _OTHER_PRODUCTS for p in x),
                       "a list of " + ", ".join(_OTHER_PRODUCTS)),
    "km_by_gemeente": (_km_by_gemeente, "a table of GM codes, each a table of WK or BU codes with km >= 0"),
}
