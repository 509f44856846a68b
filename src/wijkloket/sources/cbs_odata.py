"""CBS Kerncijfers wijken en buurten through the CBS OData v3 API, for one municipality and year.

Which table holds which year is data (`data/cbs_tables.csv`: year, table id, title, region dimension).
A fetch asks, in this order:

1. `<api>/<table>/TableInfos` and `<api>/<table>/DataProperties`: the table's version (`Modified`) and its
   keys. The `_NN` suffix of a key is its position in the table and shifts when CBS redesigns a table, even
   under the same table id, so the DataProperties are kept beside the data: they are the recorded metadata
   the registry's mapping of that year is checked against (`schema_report`).
2. `<feed>/<table>/<dimension>`: the region codes of the table, of which those of the municipality are kept
   (its own `GM`, its `WK` and, at buurt level, its `BU` codes).
3. `<feed>/<table>/TypedDataSet` filtered to those codes with `(<dimension> eq 'WK039201  ') or ...`:
   the dimension's keys are padded to 10 characters (CBS's own `DefaultSelection` in TableInfos writes them
   so; unpadded they match nothing). Pages are followed by `odata.nextLink`, never by computed offsets, and
   every returned code is checked to belong to the municipality.

`<feed>` is the bulk feed (`ODataFeed`), which has no 10,000-cell limit per answer; the standard API
(`ODataApi`, `WIJKLOKET_CBS_ODATA_URL`) answers the metadata. A mirror without `ODataApi` in its address
serves both from its own root. 2013 (82339NED) names its region dimension `RegioS`, later years
`WijkenEnBuurten`. Missing figures are JSON null; text keys are space-padded and written stripped.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from wijkloket.errors import ConfigError, UnknownAreaError, WijkloketError, WorkspaceError
from wijkloket.indicators.registry import Registry, key_stem
from wijkloket.sources.cbs import layout as cbs_layout
from wijkloket.sources.http import FetchClient, odata_root

TABLES_FILE = "cbs_tables.csv"
LEVELS = ("wijk", "buurt")
CODE_WIDTH = 10  # the region dimension's keys are padded with spaces to this width
CODES_PER_REQUEST = 30  # eq-terms per $filter: keeps the address well under common URL limits (~2 kB)
CODE_COLUMNS = ("Codering_3", "Codering", "WijkenEnBuurten")  # what `add cbs` recognises (data/cbs.toml)


@dataclass(frozen=True)
class KerncijfersTable:
    """One year's Kerncijfers table: its id, title, region dimension and whether PDOK has its kaart."""

    year: int
    table_id: str
    title: str
    dimension: str
    kaart: str = ""  # "ogc": the Wijk- en buurtkaart of this year is on the PDOK OGC API


@dataclass
class KerncijfersDownload:
    """What one fetch returned: the table, its recorded metadata and the municipality's rows as sent."""

    table: KerncijfersTable
    gemeente: str
    level: str
    table_infos: dict[str, Any]
    properties: list[dict[str, Any]]
    rows: list[dict[str, Any]]
    pages: int
    codes_asked: list[str] = field(default_factory=list)

    @property
    def codes_missing(self) -> list[str]:
        """Codes of the dimension list that the data set returned no row for."""
        got = {str(r.get(self.table.dimension, "")).strip() for r in self.rows}
        return [c for c in self.codes_asked if c not in got]


@dataclass
class SchemaReport:
    """How a table's keys meet the registry: mapped, unknown to it (kept in the file), expected but absent."""

    keys: int
    mapped: dict[str, str]
    unknown: list[str]
    missing: list[str]


def _read_tables(text: str, where: str) -> dict[int, KerncijfersTable]:
    out: dict[int, KerncijfersTable] = {}
    for i, row in enumerate(csv.DictReader(text.splitlines()), start=2):
        try:
            year = int(row["year"])
            table_id = row["table_id"].strip()
            dimension = row["dimension"].strip()
            if not re.fullmatch(r"\d{5}NED", table_id) or dimension not in ("RegioS", "WijkenEnBuurten"):
                raise ValueError(f"table id {table_id!r} or dimension {dimension!r}")
            if year in out:
                raise ValueError(f"year {year} twice")
        except (KeyError, ValueError, TypeError) as exc:
            raise ConfigError("error.settings_invalid", file=f"{where}, row {i}", detail=str(exc)) from None
        out[year] = KerncijfersTable(year, table_id, row["title"].strip(), dimension, (row.get("kaart") or "").strip())
    return out


@lru_cache(maxsize=1)
def tables() -> dict[int, KerncijfersTable]:
    """The Kerncijfers table of every year, from `data/cbs_tables.csv` (validated when loaded)."""
    return _read_tables(resources.files("wijkloket.data").joinpath(TABLES_FILE).read_text("utf-8"), TABLES_FILE)


def table_for(year: int) -> KerncijfersTable:
    known = tables()
    if year not in known:
        raise WijkloketError("error.fetch_unknown_year", year=year, known=f"{min(known)}-{max(known)}")
    return known[year]


def check_level(level: str) -> str:
    if level not in LEVELS:
        raise WijkloketError("error.fetch_level", level=level, known=", ".join(LEVELS))
    return level


def feed_root(api: str) -> str:
    """The bulk feed beside the standard API (`.../ODataApi/odata` -> `.../ODataFeed/odata`); a root
    without `ODataApi` in it (a mirror, the tests' server) serves both."""
    return re.sub("odataapi", "ODataFeed", api, count=1, flags=re.IGNORECASE)


def padded(code: str) -> str:
    return code.ljust(CODE_WIDTH)


def odata_next(page: Any) -> str | None:
    """The next page of an OData v3 JSON answer (`odata.nextLink`, absent on the last page)."""
    link = page.get("odata.nextLink") if isinstance(page, dict) else None
    return str(link) if link else None


def _values(page: Any, url: str) -> list[dict[str, Any]]:
    value = page.get("value") if isinstance(page, dict) else None
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise WorkspaceError("error.fetch_cbs_shape", url=url, expected="{\"value\": [...]}")
    return value


def _all_values(client: FetchClient, url: str, what: str) -> tuple[list[dict[str, Any]], int]:
    out: list[dict[str, Any]] = []
    n = 0
    for page in client.pages(url, {"$format": "json"}, odata_next, what):
        out += _values(page, url)
        n += 1
    return out, n


def belongs(code: str, gemeente: str, level: str) -> bool:
    """Whether a (stripped) region code is the municipality itself or one of its wijken (or buurten)."""
    num = gemeente[2:]
    return (code == gemeente or (len(code) == 8 and code.startswith("WK" + num))
            or (level == "buurt" and len(code) == 10 and code.startswith("BU" + num)))


def _order(code: str) -> tuple[int, str]:
    return ("GWB".index(code[0]) if code[:1] in ("G", "W", "B") else 3, code)


def municipality_codes(dimension_rows: Iterable[dict[str, Any]], gemeente: str, level: str) -> list[str]:
    """The municipality's codes in a region dimension list (its `Key`s), gemeente first, then wijken, buurten."""
    codes = {str(r.get("Key", "")).strip() for r in dimension_rows}
    return sorted((c for c in codes if belongs(c, gemeente, level)), key=_order)


def code_filter(dimension: str, codes: list[str]) -> str:
    return " or ".join(f"({dimension} eq '{padded(c)}')" for c in codes)


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


def _check_table(infos: list[dict[str, Any]], table: KerncijfersTable, url: str) -> None:
    """The table the server describes is the one of the year asked (a wrong id in the data would otherwise
    fetch another year's figures without a word)."""
    info = infos[0] if infos else {}
    period, title = str(info.get("Period", "")), str(info.get("Title", ""))
    if (period or title) and str(table.year) not in period + " " + title:
        raise WorkspaceError("error.fetch_cbs_wrong_table", table=table.table_id, year=table.year, url=url,
                             title=title or "-", period=period or "-")


def _check_dimension(properties: list[dict[str, Any]], table: KerncijfersTable, url: str) -> None:
    dims = [str(p.get("Key")) for p in properties if p.get("Type") == "GeoDetail"]
    if table.dimension not in dims:
        raise WorkspaceError("error.fetch_cbs_dimension", table=table.table_id, url=url,
                             dimension=table.dimension, found=", ".join(dims) or "-")


def check_rows(rows: list[dict[str, Any]], table: KerncijfersTable, gemeente: str, level: str, url: str) -> None:
    """Every row has the region dimension and is an area of the municipality (a filter the server ignored
    would otherwise slip other municipalities' rows into the file)."""
    foreign = []
    for row in rows:
        if table.dimension not in row:
            raise WorkspaceError("error.fetch_cbs_shape", url=url, expected=table.dimension)
        code = str(row[table.dimension]).strip()
        if not belongs(code, gemeente, level):
            foreign.append(code)
    if foreign:
        raise WorkspaceError("error.fetch_foreign_areas", url=url, gemeente=gemeente, n=len(foreign),
                             codes=", ".join(foreign[:5]))


def fetch_kerncijfers(client: FetchClient, gemeente: str, year: int, level: str) -> KerncijfersDownload:
    """The Kerncijfers of `gemeente` (GMxxxx) in `year` at `level` (wijk: gemeente + wijken; buurt: also buurten),
    with the table's TableInfos and DataProperties. See the module docstring for the requests."""
    table = table_for(year)
    check_level(level)
    api = f"{odata_root()}/{table.table_id}"
    feed = f"{feed_root(odata_root())}/{table.table_id}"
    infos, _ = _all_values(client, f"{api}/TableInfos", f"{table.table_id} TableInfos")
    _check_table(infos, table, f"{api}/TableInfos")
    properties, _ = _all_values(client, f"{api}/DataProperties", f"{table.table_id} DataProperties")
    _check_dimension(properties, table, f"{api}/DataProperties")
    regions, _ = _all_values(client, f"{feed}/{table.dimension}", f"{table.table_id} {table.dimension}")
    codes = municipality_codes(regions, gemeente, level)
    if gemeente not in codes:
        raise UnknownAreaError("error.fetch_gemeente_unknown", gemeente=gemeente, table=table.table_id, year=year)
    rows: list[dict[str, Any]] = []
    pages = 0
    url = f"{feed}/TypedDataSet"
    for chunk in _chunks(codes, CODES_PER_REQUEST):
        params = {"$format": "json", "$filter": code_filter(table.dimension, chunk)}
        for page in client.pages(url, params, odata_next, f"{table.table_id} TypedDataSet"):
            rows += _values(page, url)
            pages += 1
    check_rows(rows, table, gemeente, level, url)
    return KerncijfersDownload(table, gemeente, level, infos[0] if infos else {}, properties, rows, pages, codes)


def topic_keys(properties: list[dict[str, Any]], figures_only: bool = True) -> list[str]:
    """The keys of a table's topics (its columns of figures; `figures_only=False`: also its text topics)."""
    return [str(p["Key"]) for p in properties if p.get("Type") == "Topic" and p.get("Key")
            and (not figures_only or p.get("Datatype") != "String")]


def schema_report(fmt: str, year: int, keys: list[str], registry: Registry, complete: bool = True) -> SchemaReport:
    """Which of a file's figure keys the registry maps for `year`, which it does not know (they stay in the
    file: a changed schema is reported, never silently dropped), and, for a file that should hold every figure
    of its format (`complete`: a whole Kerncijfers table), which registry variables of that year no key provides."""
    mapped = registry.column_map(fmt, year, keys)
    expected = {vc.variable for vc in registry.columns if vc.format == fmt and vc.first_year <= year <= vc.last_year}
    lay = cbs_layout()["formats"].get(fmt, {})
    quiet = {x.lower() for x in lay.get("structural", []) + lay.get("unused_topics", [])}  # known, not figures
    unknown = [k for k in keys if k not in mapped and key_stem(k).lower() not in quiet]
    return SchemaReport(len(keys), mapped, unknown, sorted(expected - set(mapped.values())) if complete else [])


def file_stem(d: KerncijfersDownload) -> str:
    return f"kwb{d.table.year}_{d.table.table_id}_{d.gemeente}_{d.level}"


def _columns(d: KerncijfersDownload) -> list[str]:
    """The CSV's columns: the dimension, then the keys in the order the rows have them, and `Codering`
    (the stripped region code) when the table has none of the code columns `add cbs` recognises."""
    cols: dict[str, None] = {d.table.dimension: None}
    for row in d.rows:
        cols.update(dict.fromkeys(row))
    if not any(c in cols for c in CODE_COLUMNS):
        cols["Codering"] = None
    return list(cols)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    return str(value)


def write_kerncijfers(d: KerncijfersDownload, folder: Path) -> Path:
    """The rows as CSV in OData naming (`kwb<year>_<table>_<GM>_<level>.csv`, which `add cbs` reads: text
    stripped, null as an empty cell), with the TableInfos and DataProperties beside it as JSON."""
    folder.mkdir(parents=True, exist_ok=True)
    stem = file_stem(d)
    (folder / f"{stem}_DataProperties.json").write_text(
        json.dumps(d.properties, ensure_ascii=False, indent=1) + "\n", "utf-8")
    (folder / f"{stem}_TableInfos.json").write_text(
        json.dumps(d.table_infos, ensure_ascii=False, indent=1) + "\n", "utf-8")
    path = folder / f"{stem}.csv"
    columns = _columns(d)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(columns)
        for row in d.rows:
            full = {**row, "Codering": row.get(d.table.dimension)} if "Codering" in columns else row
            writer.writerow([_cell(full.get(c)) for c in columns])
    return path
