"""How long passports, ID cards and driving licences stay valid, as rules from `data/documents.toml`.

Each rule covers one product, a range of ages of the applicant and a range of issue dates, and says
how long a document is valid: a number of years, or until the holder reaches an age. The rules cite
their sources (Paspoortwet, Paspoortuitvoeringsregeling Nederland 2001, Reglement rijbewijzen).
They are validated when loaded: unknown or missing fields, bad values, and ages or dates covered by
no rule or by two rules are a `ConfigError` that names the file, the rule and the field.

Dates are day numbers (days since 1970-01-01, int64), as the simulator and the store use them.
Ages and durations count in mean Gregorian years of `YEAR_DAYS` days, so an expiry date can differ by
up to a day from the calendar anniversary.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import date
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np
from numpy.typing import ArrayLike

from wijkloket.errors import ConfigError
from wijkloket.sources.files import read_text_file

__all__ = ["PRODUCTS", "YEAR_DAYS", "Rule", "Rules", "day_number", "default_rules", "load_rules", "parse_rules",
           "validity_days"]

PRODUCTS = ("passport", "id_card", "driving_licence")
YEAR_DAYS = 365.2425
"""Mean Gregorian year in days; ages and validity periods are computed with it (error under one day)."""
BUILT_IN = "documents.toml"
_EPOCH = date(1970, 1, 1)


@dataclass(frozen=True)
class Rule:
    """Validity of `product` issued to an applicant aged `age_from` <= age < `age_below` (years) on a
    day `issued_from` <= day < `issued_before`: `years` years, or until the holder turns `until_age`."""

    product: str
    source: str
    age_from: int = 0
    age_below: int | None = None
    issued_from: date | None = None
    issued_before: date | None = None
    years: int | None = None
    until_age: int | None = None
    note: str = ""
    entry: str = ""  # where the rule stands in its file, for messages: "rule 3 (passport)"

    def matches(self, age: np.ndarray, issued: np.ndarray) -> np.ndarray:
        """True where an applicant of `age` (years) issued on day `issued` falls under this rule."""
        hit = age >= self.age_from
        if self.age_below is not None:
            hit &= age < self.age_below
        if self.issued_from is not None:
            hit &= issued >= day_number(self.issued_from)
        if self.issued_before is not None:
            hit &= issued < day_number(self.issued_before)
        return hit

    def days(self, issued: np.ndarray, birth: np.ndarray) -> np.ndarray:
        """Days of validity (float, before rounding) for documents issued on `issued` to people born on
        `birth` (day numbers)."""
        if self.years is not None:
            return np.full(np.broadcast(issued, birth).shape, self.years * YEAR_DAYS)
        assert self.until_age is not None
        return birth + self.until_age * YEAR_DAYS - issued


@dataclass(frozen=True)
class Rules:
    """The validity rules of every product, in file order."""

    rules: tuple[Rule, ...]
    where: str = BUILT_IN

    def of(self, product: str) -> tuple[Rule, ...]:
        """The rules of one product; a ValueError for a product that is not one of PRODUCTS."""
        if product not in PRODUCTS:
            raise ValueError(f"unknown document product {product!r}; expected one of {', '.join(PRODUCTS)}")
        return tuple(r for r in self.rules if r.product == product)

    def validity_days(self, product: str, issued: ArrayLike, birth: ArrayLike) -> np.ndarray:
        """Days a `product` issued on day `issued` to someone born on day `birth` stays valid (int64,
        rounded to whole days); the expiry day is `issued + validity_days`. Vectorised over arrays of
        day numbers; a ValueError where a document would be issued before its holder's birth."""
        issued_a = np.asarray(issued, dtype=np.int64)
        birth_a = np.asarray(birth, dtype=np.int64)
        age = (issued_a - birth_a) / YEAR_DAYS
        rules = self.of(product)
        days = np.select([r.matches(age, issued_a) for r in rules], [r.days(issued_a, birth_a) for r in rules],
                         default=np.nan)
        if np.isnan(days).any():
            raise ValueError(f"{product}: {int(np.isnan(days).sum())} document(s) issued before the holder's birth")
        return np.round(days).astype(np.int64)


def validity_days(product: str, issued: ArrayLike, birth: ArrayLike, rules: Rules | None = None) -> np.ndarray:
    """Days a `product` (`passport`, `id_card`, `driving_licence`) issued on day `issued` to someone born
    on day `birth` stays valid, by the built-in rules unless `rules` are given. Day numbers count from
    1970-01-01 (int64); see `Rules.validity_days`."""
    return (rules or default_rules()).validity_days(product, issued, birth)


@lru_cache(maxsize=1)
def default_rules() -> Rules:
    """The built-in rules of `wijkloket/data/documents.toml`, validated once."""
    text = resources.files("wijkloket.data").joinpath(BUILT_IN).read_text("utf-8")
    return parse_rules(text, BUILT_IN)


def load_rules(path: Path | None = None) -> Rules:
    """The built-in rules, or those of a TOML file in the same layout."""
    if path is None:
        return default_rules()
    return parse_rules(read_text_file(Path(path)), str(path))


def parse_rules(text: str, where: str) -> Rules:
    """Rules from TOML text; `where` names the file in error messages."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError("error.toml_invalid", file=where, detail=str(exc)) from None
    for key in raw:
        if key != "rule":
            raise ConfigError("error.registry_bad_value", file=where, entry=key, field=key,
                              value=_show(raw[key]), expected="[[rule]] tables only")
    entries = raw.get("rule", [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise ConfigError("error.registry_bad_value", file=where, entry="rule", field="rule",
                          value=_show(entries), expected="[[rule]] tables")
    rules = tuple(_rule(i, e, where) for i, e in enumerate(entries, start=1))
    for product in PRODUCTS:
        _check_coverage(product, [r for r in rules if r.product == product], where)
    return Rules(rules, where)


# --- validation ---------------------------------------------------------------------------------------

_FIELDS = tuple(f.name for f in fields(Rule) if f.name != "entry")
_AGES = ("age_from", "age_below", "until_age")
_DATES = ("issued_from", "issued_before")


def _rule(i: int, raw: dict[str, object], where: str) -> Rule:
    """One [[rule]] table, checked field by field."""
    entry = f"rule {i} ({raw['product']})" if isinstance(raw.get("product"), str) else f"rule {i}"

    def bad(field: str, expected: str) -> ConfigError:
        return ConfigError("error.registry_bad_value", file=where, entry=entry, field=field,
                           value=_show(raw.get(field)), expected=expected)

    for key in raw:
        if key not in _FIELDS:
            raise bad(key, ", ".join(_FIELDS))
    for key in ("product", "source"):
        if key not in raw:
            raise ConfigError("error.registry_missing_field", file=where, entry=entry, field=key)
    if raw["product"] not in PRODUCTS:
        raise bad("product", ", ".join(PRODUCTS))
    for key in ("source", "note"):
        if key in raw and (not isinstance(raw[key], str) or not str(raw[key]).strip()):
            raise bad(key, "a non-empty text")
    for key in (*_AGES, "years"):
        value = raw.get(key)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 150):
            raise bad(key, "a whole number of years, 0-150")
    for key in _DATES:
        value = raw.get(key)
        if value is not None and type(value) is not date:  # a TOML date-time is not a date here
            raise bad(key, "a date written as YYYY-MM-DD, without quotes")
    rule = Rule(entry=entry, **raw)  # type: ignore[arg-type]
    _check_ranges(rule, bad, where)
    return rule


def _check_ranges(rule: Rule, bad: Callable[[str, str], ConfigError], where: str) -> None:
    """Non-empty ranges, and exactly one of `years` and `until_age`, reaching past the age range."""
    if rule.age_below is not None and rule.age_below <= rule.age_from:
        raise bad("age_below", f"an age above age_from ({rule.age_from})")
    if rule.issued_from and rule.issued_before and rule.issued_before <= rule.issued_from:
        raise bad("issued_before", f"a date after issued_from ({rule.issued_from})")
    if rule.years is None and rule.until_age is None:
        raise ConfigError("error.registry_missing_field", file=where, entry=rule.entry, field="years")
    if rule.years is not None and rule.until_age is not None:
        raise bad("until_age", "no until_age where years is given (one of the two)")
    if rule.years == 0:
        raise bad("years", "at least 1 year")
    if rule.until_age is not None and (rule.age_below is None or rule.until_age < rule.age_below):
        raise bad("until_age", "an age at or above age_below, which must then be given")


def _check_coverage(product: str, rules: list[Rule], where: str) -> None:
    """Every age from 0 and every issue date falls under exactly one rule of `product`."""
    ages = sorted({0, *(r.age_from for r in rules), *(r.age_below for r in rules if r.age_below is not None)})
    edges = sorted({d for r in rules for d in (r.issued_from, r.issued_before) if d is not None})
    # One representative per cell: each age edge, and the day before the first date edge and each edge.
    days = [day_number(edges[0]) - 1, *(day_number(d) for d in edges)] if edges else [0]
    for a in ages:
        for d in days:
            hits = [r.entry for r in rules if r.matches(np.array([float(a)]), np.array([d]))[0]]
            if len(hits) != 1:
                expected = ("exactly one rule for each age and issue date; "
                            + (f"{' and '.join(hits)} overlap" if hits else "none covers it"))
                raise ConfigError("error.registry_bad_value", file=where, entry=product, field="rule",
                                  value=_cell(a, ages, d, edges), expected=expected)


def _cell(age: int, ages: list[int], day: int, edges: list[date]) -> str:
    """The ages and issue dates of one coverage cell, in words."""
    i = ages.index(age)
    age_text = f"age {age}+" if i == len(ages) - 1 else f"age {age}-{ages[i + 1] - 1}"
    if not edges:
        return f"{age_text}, any issue date"
    after = [e for e in edges if day_number(e) <= day]
    before = [e for e in edges if day_number(e) > day]
    if not after:
        return f"{age_text}, issued before {before[0]}"
    if not before:
        return f"{age_text}, issued from {after[-1]}"
    return f"{age_text}, issued from {after[-1]} to before {before[0]}"


def _show(value: object) -> str:
    """A value as a message shows it: dates as YYYY-MM-DD, long texts cut."""
    text = value.isoformat() if isinstance(value, date) else str(value)
    return text if len(text) <= 60 else text[:57] + "..."


def day_number(d: date) -> int:
    """A date as a day number: days since 1970-01-01."""
    return (d - _EPOCH).days
