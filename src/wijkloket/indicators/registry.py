"""The indicator registry and the CBS variable registry, both data files validated on load.

`data/indicators.toml` defines what an indicator is (kind, numerator, base, unit, labels);
`data/variables.csv` maps the column names CBS uses in each format and year to canonical variables.
"""

from __future__ import annotations

import csv
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

from wijkloket.errors import ConfigError

KINDS = ("count", "share", "rate", "ratio", "mean")
FORMATS = ("kaart", "odata", "statline")

_REQUIRED: dict[str, tuple[str, ...]] = {
    "count": ("variable",),
    "share": ("base",),
    "rate": ("count", "base"),
    "ratio": ("numerator", "denominator"),
    "mean": ("variable", "weight"),
}


@dataclass(frozen=True)
class Indicator:
    """One indicator. Units: `%` for shares, per `scale` for rates, as stated for the rest."""

    id: str
    label_nl: str
    label_en: str
    unit: str
    kind: str
    short_nl: str = ""
    short_en: str = ""
    theme: str = ""
    variable: str | None = None
    count: str | None = None
    percent: str | None = None
    base: str | None = None
    numerator: str | None = None
    denominator: str | None = None
    weight: str | None = None
    weight_note: str | None = None
    scale: float = 1.0
    key: bool = False
    superseded_by: str | None = None
    concern: str = "high"
    min_base: float = 0.0

    def label(self, lang: str = "nl") -> str:
        return self.label_en if lang == "en" else self.label_nl

    def short(self, lang: str = "nl") -> str:
        """A short label for table headers and chart axes."""
        return (self.short_en if lang == "en" else self.short_nl) or self.label(lang)

    @property
    def options(self) -> list[tuple[str, ...]]:
        """Alternative sets of variables, any one of which is enough to compute the indicator."""
        if self.kind == "count":
            return [(self.variable or "",)]
        if self.kind == "share":
            alts: list[tuple[str, ...]] = []
            if self.count:
                alts.append((self.count, self.base or ""))
            if self.percent:
                alts.append((self.percent, self.base or ""))
            return alts
        if self.kind == "rate":
            return [(self.count or "", self.base or "")]
        if self.kind == "ratio":
            return [(self.numerator or "", self.denominator or "")]
        return [(self.variable or "", self.weight or "")]

    @property
    def variables(self) -> set[str]:
        return {v for opt in self.options for v in opt}

    @property
    def coverage_base(self) -> str | None:
        """The variable whose total the coverage of an aggregate is measured against."""
        if self.kind == "count":
            return None if self.variable == "population" else "population"
        if self.kind == "share" or self.kind == "rate":
            return self.base
        if self.kind == "ratio":
            return self.denominator
        return self.weight


@dataclass(frozen=True)
class VariableColumn:
    variable: str
    format: str
    column: str
    first_year: int
    last_year: int
    note: str = ""


@dataclass
class Registry:
    indicators: dict[str, Indicator]
    columns: list[VariableColumn] = field(default_factory=list)

    def get(self, indicator_id: str) -> Indicator:
        try:
            return self.indicators[indicator_id]
        except KeyError:
            raise ConfigError(
                "error.unknown_indicator",
                indicator=indicator_id,
                known=", ".join(sorted(self.indicators)),
            ) from None

    def column_map(self, fmt: str, year: int | None, columns: Iterable[str]) -> dict[str, str]:
        """Source column -> canonical variable, for the columns present in a file of `fmt`.

        Matching ignores case (older Wijk- en buurtkaart shapefiles write `AANT_INW`). Where the
        year is unknown, every year's names are tried.
        """
        present = {c.lower(): c for c in columns}
        out: dict[str, str] = {}
        for vc in self.columns:
            if vc.format != fmt:
                continue
            if year is not None and not (vc.first_year <= year <= vc.last_year):
                continue
            original = present.get(vc.column.lower())
            if original is not None and original not in out:
                out[original] = vc.variable
        return out

    def known_columns(self, fmt: str) -> list[str]:
        return sorted({vc.column for vc in self.columns if vc.format == fmt})

    @property
    def variables(self) -> set[str]:
        return {vc.variable for vc in self.columns}


def _validate_indicator(ind_id: str, raw: dict[str, object], where: str) -> Indicator:
    kind = raw.get("kind")
    if kind not in KINDS:
        raise ConfigError(
            "error.registry_bad_value", file=where, entry=ind_id, field="kind", value=kind,
            expected=", ".join(KINDS),
        )
    for req in _REQUIRED[str(kind)]:
        if not raw.get(req):
            raise ConfigError("error.registry_missing_field", file=where, entry=ind_id, field=req)
    if kind == "share" and not (raw.get("count") or raw.get("percent")):
        raise ConfigError(
            "error.registry_missing_field", file=where, entry=ind_id, field="count/percent"
        )
    for req in ("label_nl", "label_en", "unit"):
        if not raw.get(req):
            raise ConfigError("error.registry_missing_field", file=where, entry=ind_id, field=req)
    allowed = set(Indicator.__dataclass_fields__) - {"id"}
    unknown = set(raw) - allowed
    if unknown:
        raise ConfigError(
            "error.registry_bad_value", file=where, entry=ind_id, field=sorted(unknown)[0],
            value=raw[sorted(unknown)[0]], expected=", ".join(sorted(allowed)),
        )
    if raw.get("concern", "high") not in ("high", "low"):
        raise ConfigError(
            "error.registry_bad_value", file=where, entry=ind_id, field="concern",
            value=raw.get("concern"), expected="high, low",
        )
    return Indicator(id=ind_id, **raw)  # type: ignore[arg-type]


def parse_indicators(text: str, where: str) -> dict[str, Indicator]:
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError("error.toml_invalid", file=where, detail=str(exc)) from None
    return {k: _validate_indicator(k, v, where) for k, v in raw.items()}


def parse_variables(text: str, where: str) -> list[VariableColumn]:
    rows = list(csv.DictReader(text.splitlines()))
    out = []
    seen: dict[tuple[str, str], list[VariableColumn]] = {}
    for i, row in enumerate(rows, start=2):
        try:
            vc = VariableColumn(
                variable=row["variable"], format=row["format"], column=row["column"],
                first_year=int(row["first_year"]), last_year=int(row["last_year"]),
                note=row.get("note") or "",
            )
        except (KeyError, ValueError, TypeError):
            raise ConfigError("error.registry_bad_row", file=where, row=i) from None
        if vc.format not in FORMATS:
            raise ConfigError(
                "error.registry_bad_value", file=where, entry=f"row {i}", field="format",
                value=vc.format, expected=", ".join(FORMATS),
            )
        # One column name may mean only one variable in any year of one format.
        for other in seen.get((vc.format, vc.column.lower()), []):
            overlap = vc.first_year <= other.last_year and other.first_year <= vc.last_year
            if overlap and other.variable != vc.variable:
                raise ConfigError(
                    "error.registry_conflict", file=where, row=i, column=vc.column,
                    a=other.variable, b=vc.variable,
                )
        seen.setdefault((vc.format, vc.column.lower()), []).append(vc)
        out.append(vc)
    return out


@lru_cache(maxsize=1)
def default_registry() -> Registry:
    pkg = resources.files("wijkloket.data")
    indicators = parse_indicators(pkg.joinpath("indicators.toml").read_text("utf-8"),
                                  "indicators.toml")
    columns = parse_variables(pkg.joinpath("variables.csv").read_text("utf-8"), "variables.csv")
    reg = Registry(indicators=indicators, columns=columns)
    missing = {v for ind in indicators.values() for v in ind.variables} - reg.variables
    if missing:
        raise ConfigError("error.registry_unknown_variable", variables=", ".join(sorted(missing)))
    return reg


def load_registry(indicators_path: Path | None = None) -> Registry:
    """The built-in registry, or one with the indicators of a user's own TOML file."""
    if indicators_path is None:
        return default_registry()
    base = default_registry()
    text = indicators_path.read_text("utf-8")
    return Registry(indicators=parse_indicators(text, str(indicators_path)), columns=base.columns)
