"""The forecast's assumptions as data (`assumptions.toml` beside this module), validated when loaded.

A missing or mistyped field is a `ConfigError` that names the file, the table and the field; values
outside their range (a share above 1, an empty grid) likewise.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from wijkloket.documents.validity import PRODUCTS
from wijkloket.errors import ConfigError
from wijkloket.sources.files import read_text_file

BUILT_IN = "assumptions.toml"


@dataclass(frozen=True)
class ProductAssumptions:
    """Possession by age (`holders`: (from age, share) steps), first applications at `first_age` by
    `first_share` of an age cohort, and the 'other' applications per holder per year (`other_rate`)."""

    holders: tuple[tuple[int, float], ...]
    first_age: int
    first_share: float
    other_rate: float
    sources: tuple[str, ...]

    def share_at(self, age: int) -> float:
        """The share of residents aged `age` (years) holding the product."""
        share = 0.0
        for from_age, s in self.holders:
            if age >= from_age:
                share = s
        return share


@dataclass(frozen=True)
class Assumptions:
    max_months: int
    short_history_years: int
    prelog_years: int
    old_groups: tuple[tuple[int, int, float], ...]  # (first age, first age after, share of 65+)
    early_months: tuple[int, ...]
    early_share: tuple[float, ...]
    late_mean: tuple[float, ...]
    max_late: int
    z: float
    region_chi2: float
    minutes_per_application: float
    other_strength: float
    products: dict[str, ProductAssumptions]
    sources: dict[str, str]


@lru_cache(maxsize=1)
def default_assumptions() -> Assumptions:
    """The built-in assumptions, validated once."""
    text = resources.files("wijkloket.forecast").joinpath(BUILT_IN).read_text("utf-8")
    return parse_assumptions(text, BUILT_IN)


def load_assumptions(path: Path | None = None) -> Assumptions:
    if path is None:
        return default_assumptions()
    return parse_assumptions(read_text_file(Path(path)), str(path))


class _Reader:
    """Typed access to the tables of one file, with errors that name the file, table and field."""

    def __init__(self, raw: dict[str, Any], where: str) -> None:
        self.raw, self.where = raw, where

    def table(self, name: str) -> dict[str, Any]:
        node: Any = self.raw
        for part in name.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        if not isinstance(node, dict):
            raise ConfigError("error.registry_missing_field", file=self.where, entry=name, field=name)
        return node

    def bad(self, entry: str, field: str, value: object, expected: str) -> ConfigError:
        return ConfigError("error.registry_bad_value", file=self.where, entry=entry, field=field,
                           value=str(value)[:60], expected=expected)

    def number(self, entry: str, field: str, low: float, high: float, whole: bool = False) -> float:
        value = self.table(entry).get(field)
        if value is None:
            raise ConfigError("error.registry_missing_field", file=self.where, entry=entry, field=field)
        ok_type = isinstance(value, int) if whole else isinstance(value, int | float)
        if isinstance(value, bool) or not ok_type or not low <= value <= high:
            kind = "a whole number" if whole else "a number"
            raise self.bad(entry, field, value, f"{kind} from {low:g} to {high:g}")
        return float(value)

    def grid(self, entry: str, field: str, low: float, high: float) -> tuple[float, ...]:
        value = self.table(entry).get(field)
        if (not isinstance(value, list) or not value
                or not all(isinstance(v, int | float) and not isinstance(v, bool) and low <= v <= high for v in value)):
            raise self.bad(entry, field, value, f"a non-empty list of numbers from {low:g} to {high:g}")
        return tuple(float(v) for v in value)

    def text(self, entry: str, field: str) -> str:
        value = self.table(entry).get(field)
        if not isinstance(value, str) or not value.strip():
            raise self.bad(entry, field, value, "a non-empty text")
        return value

    def pairs(self, entry: str, field: str, size: int) -> list[list[float]]:
        value = self.table(entry).get(field)
        if (not isinstance(value, list) or not value
                or not all(isinstance(v, list) and len(v) == size and all(isinstance(x, int | float) for x in v)
                           for v in value)):
            raise self.bad(entry, field, value, f"a list of [{', '.join(['number'] * size)}]")
        return value


def _product(r: _Reader, product: str) -> ProductAssumptions:
    entry = f"product.{product}"
    steps = r.pairs(entry, "holders", 2)
    if steps[0][0] != 0 or any(not 0 <= s <= 1 for _a, s in steps) or [a for a, _s in steps] != sorted(
            {a for a, _s in steps}):
        raise r.bad(entry, "holders", steps, "[[0, share], [age, share], ...], ages rising, shares 0-1")
    sources = tuple(r.text(entry, k) for k in ("source", "first_source", "other_source") if k in r.table(entry))
    return ProductAssumptions(tuple((int(a), float(s)) for a, s in steps),
                              int(r.number(entry, "first_age", 0, 99, whole=True)),
                              r.number(entry, "first_share", 0, 1), r.number(entry, "other_rate", 0, 1), sources)


def parse_assumptions(text: str, where: str) -> Assumptions:
    """Assumptions from TOML text; `where` names the file in error messages."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError("error.toml_invalid", file=where, detail=str(exc)) from None
    r = _Reader(raw, where)
    groups = r.pairs("ages", "old_groups", 3)
    if abs(sum(g[2] for g in groups) - 1.0) > 0.01 or groups[0][0] != 65:
        raise r.bad("ages", "old_groups", groups, "[[65, 70, share], ...] with shares summing to 1")
    return Assumptions(
        max_months=int(r.number("horizon", "max_months", 1, 600, whole=True)),
        short_history_years=int(r.number("horizon", "short_history_years", 1, 50, whole=True)),
        prelog_years=int(r.number("horizon", "prelog_years", 10, 100, whole=True)),
        old_groups=tuple((int(a), int(b), float(s)) for a, b, s in groups),
        early_months=tuple(int(v) for v in r.grid("timing", "early_months", 1, 24)),
        early_share=r.grid("timing", "early_share", 0, 1),
        late_mean=r.grid("timing", "late_mean", 0.5, 60),
        max_late=int(r.number("timing", "max_late", 1, 240, whole=True)),
        z=r.number("interval", "z", 0, 5),
        region_chi2=r.number("interval", "region_chi2", 0, 100),
        minutes_per_application=r.number("counter", "minutes_per_application", 1, 240),
        other_strength=r.number("prior", "other_strength", 1, 1e6),
        products={p: _product(r, p) for p in PRODUCTS},
        sources={k: r.text(k, "source") for k in ("horizon", "ages", "timing", "interval", "counter", "prior")},
    )
