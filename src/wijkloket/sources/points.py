"""Service points: desks, library IDO points, community centres, social teams, mobile stops and
candidate sites. CSV (`name,kind` plus `lon,lat` in WGS84 or `x,y` in RD New), GeoJSON or
GeoPackage. No geocoding: a file with addresses only gets a clear message.

A published polling-station list ("Waar is mijn stemlokaal", Open State Foundation, data of the
gemeenten, CC0; columns `Naam stembureau`, `CBS gemeentecode`, `X`, `Y` in RD New, `Type stembureau`,
`Gebruiksdoel van het gebouw`) is read as published: the rows of the workspace's municipality, each
building given its kind by the rules of data/point_kinds.toml (or a file of the user's own), every
other row rejected with its reason. The building's name is the label: a public building, no person.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from wijkloket.areas.levels import RD_NEW, WGS84
from wijkloket.errors import ConfigError, InputFileError
from wijkloket.sources.files import check_file, read_csv_text, read_text_file

KINDS = ("desk", "library_ido", "community_centre", "social_team", "mobile_stop", "candidate")
OPTIONAL = ("hours_per_week", "capacity_per_week", "annual_cost")
OPTIONAL_LIMITS = {"hours_per_week": (0.0, 168.0), "capacity_per_week": (0.0, np.inf), "annual_cost": (0.0, np.inf)}
"""The values each optional column may hold (inclusive; a week has 168 hours); an empty cell is unknown.
A value outside them, infinity or a text is an error naming the row, column and value (`points_value.*`
in the catalogue says what is allowed)."""
_EMPTY = ("", "nan", "none", "null")
# The Netherlands in RD New (EPSG:28992) and WGS84, with a margin for border points.
RD_BOUNDS = (-7000.0, 289000.0, 300000.0, 629000.0)
WGS_BOUNDS = (3.2, 50.7, 7.3, 53.7)


@dataclass
class PointsResult:
    table: pd.DataFrame  # name, kind, x, y (RD New), hours_per_week, capacity_per_week, annual_cost, row_number
    rows_read: int
    rejected: list[dict[str, Any]] = field(default_factory=list)  # row, name, reason (one of SKIP_REASONS)
    synthetic: bool = False
    publisher: str = "gemeente"
    rules: PointRules | None = None  # the kind rules that read a polling-station list

    @property
    def rows_accepted(self) -> int:
        """Input rows stored (a building that is also a candidate site is one row, two points)."""
        return int(self.table["row_number"].nunique())

    @property
    def rejected_by_reason(self) -> dict[str, int]:
        """Rejected rows per reason, in the order of SKIP_REASONS."""
        reasons = [r["reason"] for r in self.rejected]
        return {k: reasons.count(k) for k in SKIP_REASONS if k in reasons}


def _in(bounds: tuple[float, float, float, float], x: pd.Series, y: pd.Series) -> pd.Series:
    return (x >= bounds[0]) & (x <= bounds[2]) & (y >= bounds[1]) & (y <= bounds[3])


def _read_frame(path: Path) -> tuple[pd.DataFrame, int]:
    """All columns as text, x/y in RD New for geodata; and the number of the first data row."""
    if path.suffix.lower() not in (".geojson", ".json", ".gpkg"):
        frame, _ = read_csv_text(path)
        return frame, 2
    import geopandas as gpd

    try:
        gdf = gpd.read_file(path)
    except Exception as exc:  # noqa: BLE001 - any GDAL failure means an unreadable file
        raise InputFileError("error.geo_unreadable", file=str(path), detail=str(exc)) from None
    if gdf.crs is None:
        raise InputFileError("error.geo_no_crs", file=str(path))
    gdf = gdf.to_crs(RD_NEW)
    frame = pd.DataFrame(gdf.drop(columns="geometry")).astype(str)
    frame["x"] = gdf.geometry.x.astype(str)
    frame["y"] = gdf.geometry.y.astype(str)
    return frame, 1


def _check_columns(path: Path, frame: pd.DataFrame, cols: dict[str, str]) -> bool:
    """Whether the file has lon/lat (and not x/y); errors for missing names, kinds or coordinates."""
    missing = [c for c in ("name", "kind") if c not in cols]
    if missing:
        raise InputFileError("error.missing_columns", file=str(path), missing=", ".join(missing),
                             found=", ".join(frame.columns), expected="name, kind, lon, lat (of x, y)")
    has_lonlat = "lon" in cols and "lat" in cols
    has_xy = "x" in cols and "y" in cols
    if not (has_lonlat or has_xy):
        address = [c for c in frame.columns if c.strip().lower() in ("adres", "address", "straat", "postcode")]
        key = "error.points_no_coordinates_address" if address else "error.points_no_coordinates"
        raise InputFileError(key, file=str(path), found=", ".join(frame.columns))
    if frame.empty:
        raise InputFileError("error.file_no_rows", file=str(path))
    return has_lonlat and not has_xy


def _texts_of(frame: pd.DataFrame, col: str) -> pd.Series:
    """A column's cells as the user wrote them (stripped; a missing cell is '')."""
    text = frame[col].astype(object).where(frame[col].notna(), "").astype(str).str.strip()
    return text.where(~text.str.lower().isin(_EMPTY), "")


def _check_numbers(path: Path, frame: pd.DataFrame, out: pd.DataFrame, cols: dict[str, str],
                   num: Callable[[str], pd.Series], names: tuple[str, ...], key: str,
                   limits: dict[str, tuple[float, float]] | None = None) -> None:
    """An error for the first cell of the columns `names` that is written but is no number (or, with
    `limits`, a number outside them or infinite), naming its row, column and value."""
    for name in names:
        if name not in cols:
            continue
        text, value = _texts_of(frame, cols[name]), num(name)
        low, high = (limits or {}).get(name, (-np.inf, np.inf))
        bad = (text != "") & (value.isna() | ~np.isfinite(value.fillna(0)) | (value < low) | (value > high))
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            params = {"file": str(path), "row": int(out["row_number"].iloc[i]), "column": cols[name],
                      "value": text.iloc[i], "name": out["name"].iloc[i]}
            if limits is None:
                raise InputFileError(key, **params)
            raise InputFileError(key, **params, allowed=[{"_key": f"points_value.{name}"}])


def _coordinates(path: Path, out: pd.DataFrame, num: Callable[[str], pd.Series], lonlat: bool
                 ) -> tuple[pd.Series, pd.Series]:
    """Sets `x`, `y` (RD New, NaN where unusable) on `out`; returns (bad rows, the values as given).
    Swapped lon/lat or x/y is an error."""
    if lonlat:
        lon, lat = num("lon"), num("lat")
        swapped = _in(WGS_BOUNDS, lat, lon) & ~_in(WGS_BOUNDS, lon, lat)
        if swapped.any():
            rows = out.loc[swapped, "row_number"].astype(str).tolist()
            raise InputFileError("error.points_swapped", file=str(path), rows=", ".join(rows[:10]))
        ok = _in(WGS_BOUNDS, lon, lat)
        from pyproj import Transformer

        tr = Transformer.from_crs(WGS84, RD_NEW, always_xy=True)
        x, y = tr.transform(lon.fillna(0).to_numpy(), lat.fillna(0).to_numpy())
        out["x"], out["y"] = np.where(ok, x, np.nan), np.where(ok, y, np.nan)
        return ~ok, _pair(lon, lat)
    xs, ys = num("x"), num("y")
    ok = _in(RD_BOUNDS, xs, ys)
    if (~ok).any() and _in(RD_BOUNDS, ys, xs)[~ok].all():
        rows = out.loc[~ok, "row_number"].astype(str).tolist()
        raise InputFileError("error.points_swapped_xy", file=str(path), rows=", ".join(rows[:10]))
    out["x"], out["y"] = xs.where(ok), ys.where(ok)
    return ~ok, _pair(xs, ys)


def _pair(a: pd.Series, b: pd.Series) -> pd.Series:
    """Two coordinates as one text per row ('' for a missing one)."""
    def text(s: pd.Series) -> pd.Series:
        return s.map(lambda v: "" if pd.isna(v) else repr(float(v))).astype(object)

    return text(a) + ", " + text(b)


def _check_problems(path: Path, frame: pd.DataFrame, out: pd.DataFrame, bad: pd.Series, values: pd.Series) -> None:
    problems = []
    for i in np.flatnonzero(bad.to_numpy()):
        v = str(values.iloc[i])
        reason = "no_coordinates" if v.startswith(",") or v.endswith(" ") else "outside_netherlands"
        problems.append({"row": int(out["row_number"].iloc[i]), "name": out["name"].iloc[i], "reason": reason,
                         "value": v})
    unknown = ~out["kind"].isin(KINDS)
    if unknown.any():
        first = out[unknown].iloc[0]
        raise InputFileError("error.points_unknown_kind", file=str(path), row=int(first["row_number"]),
                             kind=first["kind"], known=", ".join(KINDS))
    if problems and all(p["reason"] == "no_coordinates" for p in problems) and len(problems) == len(out):
        raise InputFileError("error.points_no_coordinates", file=str(path), found=", ".join(frame.columns))
    if problems:
        p = problems[0]
        raise InputFileError("error.points_bad_coordinates", file=str(path), row=p["row"], name=p["name"],
                             value=p["value"], n=len(problems))


def read_points(path: Path, gemeente: str | None = None, rules: PointRules | None = None) -> PointsResult:
    """The points of a file. A polling-station list keeps the rows of `gemeente` (all when None) and
    takes its kinds from `rules` (the built-in ones when None); other files carry their own kinds."""
    check_file(path)
    frame, first_row = _read_frame(path)
    if is_polling_list(frame.columns):
        return read_polling_list(path, frame, gemeente, rules or load_point_rules())
    cols = {c.strip().lower(): c for c in frame.columns}
    lonlat = _check_columns(path, frame, cols)

    def num(col: str) -> pd.Series:
        return pd.to_numeric(frame[cols[col]].astype(str).str.strip().str.replace(",", ".", regex=False),
                             errors="coerce")

    out = pd.DataFrame({"row_number": np.arange(len(frame)) + first_row,
                        "name": frame[cols["name"]].astype(str).str.strip(),
                        "kind": frame[cols["kind"]].astype(str).str.strip().str.lower()})
    _check_numbers(path, frame, out, cols, num, ("lon", "lat") if lonlat else ("x", "y"),
                   "error.points_coordinate_not_number")
    bad, values = _coordinates(path, out, num, lonlat)
    _check_problems(path, frame, out, bad, values)
    _check_numbers(path, frame, out, cols, num, OPTIONAL, "error.points_bad_number", OPTIONAL_LIMITS)
    for c in OPTIONAL:
        out[c] = num(c) if c in cols else np.nan
    synthetic = False
    for c in ("synthetisch", "synthetic"):
        if c in cols:
            synthetic = bool(frame[cols[c]].astype(str).str.lower().isin(["ja", "yes", "true", "1"]).any())
    return PointsResult(out.reset_index(drop=True), len(frame), [], synthetic)


# -- the published polling-station list --------------------------------------------------------------

POLLING_COLUMNS = {"name": "Naam stembureau", "gemeente": "CBS gemeentecode", "x": "X", "y": "Y"}
"""The columns that make a file the polling-station list of "Waar is mijn stemlokaal" (X, Y in RD New)."""
POLLING_TYPE, POLLING_USE = "Type stembureau", "Gebruiksdoel van het gebouw"
POLLING_PUBLISHER = "Open State Foundation / gemeenten, CC0"
"""The list's publisher and licence as the sources inventory shows them (waarismijnstemlokaal.nl)."""
NOT_A_POINT = "none"
SKIP_REASONS = ("other_gemeente", "temporary_location", "not_service_point", "point_no_coordinates",
                "point_outside_netherlands")
"""Why a row of a polling-station list is not stored (each has `reason.<it>` in the catalogue)."""
RULES_FILE = "point_kinds.toml"
_RULE_FIELDS = ("kind", "name", "gebruiksdoel", "note")


@dataclass(frozen=True)
class KindRule:
    kind: str  # one of KINDS, or NOT_A_POINT
    names: tuple[re.Pattern[str], ...]
    uses: frozenset[str]

    def matches(self, name: str, uses: set[str]) -> bool:
        return ((not self.names or any(p.search(name) for p in self.names))
                and (not self.uses or bool(self.uses & uses)))


@dataclass(frozen=True)
class PointRules:
    """Which building is which kind of point (see data/point_kinds.toml); `where` names the file."""

    rules: tuple[KindRule, ...]
    skip_types: frozenset[str]
    skip_names: tuple[re.Pattern[str], ...]
    candidate_kinds: tuple[str, ...]
    where: str
    digest: str  # SHA-256 of the rules text

    def kind_of(self, name: str, use: str) -> str | None:
        """The kind of the first rule that matches, None when none does."""
        uses = {u.strip().lower() for u in use.split(",") if u.strip()}
        return next((r.kind for r in self.rules if r.matches(name, uses)), None)

    def temporary(self, name: str, type_: str) -> bool:
        return type_.strip().lower() in self.skip_types or any(p.search(name) for p in self.skip_names)


def _texts(where: str, place: str, field_name: str, value: object) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ConfigError("error.point_rules_list", file=where, place=place, field=field_name, value=repr(value))
    return [v.strip() for v in value]


def _patterns(where: str, place: str, value: object) -> tuple[re.Pattern[str], ...]:
    out = []
    for p in _texts(where, place, "name", value):
        try:
            out.append(re.compile(p, re.IGNORECASE))
        except re.error as exc:
            raise ConfigError("error.point_rules_pattern", file=where, place=place, pattern=p,
                              detail=str(exc)) from None
    return tuple(out)


def _table(where: str, place: str, value: object, allowed: tuple[str, ...]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ConfigError("error.point_rules_list", file=where, place=place, field=place, value=repr(value))
    unknown = [k for k in value if k not in allowed]
    if unknown:
        raise ConfigError("error.point_rules_unknown", file=where, place=place, name=unknown[0],
                          known=", ".join(allowed))
    return value


def _rule(where: str, number: int, raw: object) -> KindRule:
    place = f"[[rule]] {number}"
    entry = _table(where, place, raw, _RULE_FIELDS)
    kind = entry.get("kind")
    if kind not in (*KINDS, NOT_A_POINT):
        raise ConfigError("error.point_rules_kind", file=where, place=place, kind=str(kind),
                          known=", ".join((*KINDS, NOT_A_POINT)))
    if "name" not in entry and "gebruiksdoel" not in entry:
        raise ConfigError("error.point_rules_no_test", file=where, place=place)
    names = _patterns(where, place, entry["name"]) if "name" in entry else ()
    uses = frozenset(u.lower() for u in _texts(where, place, "gebruiksdoel", entry.get("gebruiksdoel", [])))
    return KindRule(str(kind), names, uses)


def parse_point_rules(text: str, where: str) -> PointRules:
    """Rules from TOML text in the layout of data/point_kinds.toml; `where` names the file in errors."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError("error.toml_invalid", file=where, detail=str(exc)) from None
    _table(where, "-", raw, ("skip", "candidates", "rule"))
    rules_raw = raw.get("rule", [])
    if not isinstance(rules_raw, list) or not rules_raw:
        raise ConfigError("error.point_rules_none", file=where)
    rules = tuple(_rule(where, i, r) for i, r in enumerate(rules_raw, start=1))
    skip = _table(where, "[skip]", raw.get("skip", {}), ("type", "name"))
    cand = _table(where, "[candidates]", raw.get("candidates", {}), ("kinds",))
    kinds = tuple(_texts(where, "[candidates]", "kinds", cand.get("kinds", [])))
    bad = [k for k in kinds if k not in KINDS or k == "candidate"]
    if bad:
        raise ConfigError("error.point_rules_kind", file=where, place="[candidates]", kind=bad[0],
                          known=", ".join(k for k in KINDS if k != "candidate"))
    return PointRules(rules, frozenset(s.lower() for s in _texts(where, "[skip]", "type", skip.get("type", []))),
                      _patterns(where, "[skip]", skip.get("name", [])), kinds, where,
                      hashlib.sha256(text.encode("utf-8")).hexdigest())


def load_point_rules(path: Path | None = None) -> PointRules:
    """The built-in rules (data/point_kinds.toml), or those of a file in the same layout."""
    if path is None:
        text = resources.files("wijkloket.data").joinpath(RULES_FILE).read_text("utf-8")
        return parse_point_rules(text, RULES_FILE)
    return parse_point_rules(read_text_file(Path(path)), str(path))


def is_polling_list(columns: list[str] | pd.Index) -> bool:
    """Whether a file's header is that of the polling-station list (its Dutch name column)."""
    return POLLING_COLUMNS["name"] in {str(c).strip() for c in columns}


def polling_gemeenten(path: Path) -> set[str]:
    """The CBS gemeentecodes of a polling-station list (empty when the file is not one)."""
    frame, _ = read_csv_text(path)
    if not is_polling_list(frame.columns) or POLLING_COLUMNS["gemeente"] not in frame.columns:
        return set()
    return {c.strip().upper() for c in frame[POLLING_COLUMNS["gemeente"]] if c.strip()}


def _rd(value: str) -> float:
    try:
        return float(value.strip().replace(",", "."))
    except ValueError:
        return float("nan")


def _classify(row: dict[str, str], gemeente: str | None, rules: PointRules, x: float, y: float
              ) -> tuple[str, str | None]:
    """(kind, None) for a service point, or ("", reason) for a row that is not stored; the reasons
    in this order: other municipality, temporary, no service point kind, coordinates."""
    name = row[POLLING_COLUMNS["name"]].strip()
    if gemeente is not None and row[POLLING_COLUMNS["gemeente"]].strip().upper() != gemeente:
        return "", "other_gemeente"
    if rules.temporary(name, row.get(POLLING_TYPE, "")):
        return "", "temporary_location"
    kind = rules.kind_of(name, row.get(POLLING_USE, ""))
    if kind is None or kind == NOT_A_POINT:
        return "", "not_service_point"
    if not (np.isfinite(x) and np.isfinite(y)):
        return "", "point_no_coordinates"
    x0, y0, x1, y1 = RD_BOUNDS
    if not (x0 <= x <= x1 and y0 <= y <= y1):
        return "", "point_outside_netherlands"
    return kind, None


def read_polling_list(path: Path, frame: pd.DataFrame, gemeente: str | None, rules: PointRules) -> PointsResult:
    """The polling-station list as published: one point per row of `gemeente` that `rules` give a
    kind (plus a candidate site for the kinds rules name), every other row rejected with its reason."""
    missing = [c for c in POLLING_COLUMNS.values() if c not in frame.columns]
    if missing:
        raise InputFileError("error.missing_columns", file=str(path), missing=", ".join(missing),
                             found=", ".join(frame.columns), expected=", ".join(POLLING_COLUMNS.values()))
    codes = {c.strip().upper() for c in frame[POLLING_COLUMNS["gemeente"]]}
    if gemeente is not None and gemeente not in codes:
        raise InputFileError("error.points_gemeente_absent", file=str(path), gemeente=gemeente,
                             found=", ".join(sorted(c for c in codes if c)) or "-")
    rows: list[tuple[int, str, str, float, float]] = []
    rejected: list[dict[str, Any]] = []
    for number, row in enumerate(frame.to_dict("records"), start=2):
        name = row[POLLING_COLUMNS["name"]].strip()
        x, y = _rd(row[POLLING_COLUMNS["x"]]), _rd(row[POLLING_COLUMNS["y"]])
        kind, reason = _classify(row, gemeente, rules, x, y)
        if reason is not None:
            rejected.append({"row": number, "name": name, "reason": reason})
            continue
        rows += [(number, name, k, x, y) for k in (kind, "candidate" if kind in rules.candidate_kinds else "")
                 if k]
    if not rows:
        raise InputFileError("error.points_none_kind", file=str(path), gemeente=gemeente or "-",
                             n=len(frame) - sum(r["reason"] == "other_gemeente" for r in rejected),
                             rules=rules.where)
    table = pd.DataFrame(rows, columns=["row_number", "name", "kind", "x", "y"])
    for c in OPTIONAL:
        table[c] = np.nan  # the list has no opening hours of a service, capacities or costs
    return PointsResult(table, len(frame), rejected, False, POLLING_PUBLISHER, rules)
