"""The indicator registry and the CBS variable registry, both data files validated on load.

`data/indicators.toml` defines what an indicator is (kind, numerator, base, unit, labels);
`data/variables.csv` maps the column names CBS uses in each format and year to canonical variables
(format `sum` defines a variable as the sum of others, e.g. the persons with a known education level).

Kerncijfers OData keys end in `_NN`, the topic's position in its table, which CBS renumbers when it adds
topics, even within one table id. A file's `Stem_NN` therefore matches a registry key of the same stem
for that year when the stem occurs once among the file's columns (`Registry.resolve`).
"""

from __future__ import annotations

import csv
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

from wijkloket.errors import ConfigError

KINDS = ("count", "share", "rate", "ratio", "mean")
FORMATS = ("kaart", "odata", "statline", "sum")
_SUFFIX = re.compile(r"_\d+$")

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


def key_stem(key: str) -> str:
    """An OData key without its position suffix: `AantalInwoners_5` -> `AantalInwoners` (lower case)."""
    return _SUFFIX.sub("", key).lower()


def is_odata_key(column: str) -> bool:
    """Whether a column name has the shape of a Kerncijfers OData topic key (`Name_NN`)."""
    return bool(re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*_\d+", column))


@dataclass
class Resolution:
    """How a file's columns map to variables: `mapping` (column -> variable); of those, `by_stem`
    (column -> the registry key of that year it stands for) and `other_year` (column -> the years the
    registry knows its stem for); `ambiguous`: registry keys of the year whose stem occurs more than once
    among the columns and none of them exactly; `unmatched`: key-shaped columns mapped to nothing."""

    mapping: dict[str, str] = field(default_factory=dict)
    by_stem: dict[str, str] = field(default_factory=dict)
    other_year: dict[str, str] = field(default_factory=dict)
    ambiguous: list[str] = field(default_factory=list)
    unmatched: list[str] = field(default_factory=list)


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
        """Source column -> canonical variable, for the columns present in a file of `fmt`."""
        return self.resolve(fmt, year, columns).mapping

    def _in_year(self, fmt: str, year: int | None) -> list[VariableColumn]:
        return [vc for vc in self.columns if vc.format == fmt
                and (year is None or vc.first_year <= year <= vc.last_year)]

    def resolve(self, fmt: str, year: int | None, columns: Iterable[str]) -> Resolution:
        """Map a file's columns to variables.

        Matching ignores case (older Wijk- en buurtkaart shapefiles write `AANT_INW`). Where the
        year is unknown, every year's names are tried. OData keys match exactly first, then by stem
        (the stem unique among the file's columns) to a key of that year, then by stem to a key of
        another year (reported in `other_year`); one variable takes one column.
        """
        cols = list(columns)
        res = Resolution()
        present = {c.lower(): c for c in cols}
        taken: set[str] = set()

        def take(col: str, variable: str) -> bool:
            if col in res.mapping or variable in taken:
                return False
            res.mapping[col] = variable
            taken.add(variable)
            return True

        rows = self._in_year(fmt, year)
        for vc in rows:
            original = present.get(vc.column.lower())
            if original is not None:
                take(original, vc.variable)
        if fmt != "odata":
            return res
        stems: dict[str, list[str]] = {}
        for c in cols:
            if is_odata_key(c):
                stems.setdefault(key_stem(c), []).append(c)
        for vc in rows:
            found = stems.get(key_stem(vc.column), [])
            if len(found) == 1 and found[0] not in res.mapping and vc.variable not in taken:
                take(found[0], vc.variable)
                res.by_stem[found[0]] = vc.column
            elif len(found) > 1 and not any(c in res.mapping for c in found) and vc.variable not in taken:
                res.ambiguous.append(f"{vc.column} ({', '.join(found)})")
        self._other_years(stems, res)
        res.unmatched = [c for c in cols if is_odata_key(c) and c not in res.mapping]
        return res

    def _other_years(self, stems: dict[str, list[str]], res: Resolution) -> None:
        """Stems the registry knows for other years only, when the stem means one variable in all years."""
        meaning: dict[str, set[str]] = {}
        years: dict[str, set[int]] = {}
        for vc in self.columns:
            if vc.format == "odata":
                meaning.setdefault(key_stem(vc.column), set()).add(vc.variable)
                years.setdefault(key_stem(vc.column), set()).update({vc.first_year, vc.last_year})
        for stem, found in stems.items():
            variables = meaning.get(stem, set())
            if len(found) == 1 and len(variables) == 1 and found[0] not in res.mapping:
                (variable,) = variables
                if variable not in set(res.mapping.values()):
                    res.mapping[found[0]] = variable
                    span = sorted(y for y in years[stem] if y < 2099)
                    res.other_year[found[0]] = f"{span[0]}-{span[-1]}" if span else "?"

    def derived(self, year: int | None) -> dict[str, tuple[str, ...]]:
        """Variables defined as the sum of others (format `sum`) in `year`."""
        return {vc.variable: tuple(p.strip() for p in vc.column.split("+")) for vc in self._in_year("sum", year)}

    def known_columns(self, fmt: str) -> list[str]:
        return sorted({vc.column for vc in self.columns if vc.format == fmt})

    @property
    def variables(self) -> set[str]:
        return {vc.variable for vc in self.columns}

    def stems(self) -> set[str]:
        """Every OData key stem the registry knows, in any year."""
        return {key_stem(vc.column) for vc in self.columns if vc.format == "odata"}


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
