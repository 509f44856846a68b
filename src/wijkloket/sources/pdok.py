"""The CBS Wijk- en buurtkaart through the PDOK OGC API Features, for one municipality and year.

Per year a dataset `<root>/cbs/wijken-en-buurten-<year>/ogc/v1` with the collections `gemeenten`, `wijken`
and `buurten`; items are asked as `items?f=json&limit=1000` (PDOK serves at most 1000 objects per request),
filtered with `gemeentecode=GMxxxx`, in RD New (`crs=` the EPSG:28992 URI; the default would be CRS84 lon/lat).
Pages are followed by the `links[rel=next]` href the server gives (opaque: never a computed offset), and every
feature's `gemeentecode` is checked, since a server that ignores the filter would send the whole country.

The OGC API writes its property names in snake_case (`aantal_inwoners`, `gemeentecode`), unlike the camelCase
of the CBS GeoPackage download (`aantalInwoners`); the features are written as they come, in one layer (the
gemeente, its wijken and, at buurt level, its buurten: the first code column present names each row's own
area), which `add cbs` reads as one Wijk- en buurtkaart file. Sentinels (-99995, ...) are kept as sent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wijkloket.errors import UnknownAreaError, WorkspaceError
from wijkloket.sources.http import FetchClient, pdok_root

COLLECTIONS = {"wijk": ("gemeenten", "wijken"), "buurt": ("gemeenten", "wijken", "buurten")}
CODE_PROPERTY = {"gemeenten": "gemeentecode", "wijken": "wijkcode", "buurten": "buurtcode"}
PAGE_LIMIT = 1000
RD_URI = "http://www.opengis.net/def/crs/EPSG/0/28992"
RD = "EPSG:28992"
LONLAT = "EPSG:4326"
LAYER = "wijkenbuurten"
NOT_FIGURES = ("jaar", "id", "fid")  # numeric properties that are not figures


@dataclass
class KaartDownload:
    """The features of one fetch per collection, as sent, and the number of pages they took."""

    year: int
    gemeente: str
    level: str
    features: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    pages: int = 0

    @property
    def n_features(self) -> int:
        return sum(len(f) for f in self.features.values())

    def property_names(self, figures_only: bool = True) -> list[str]:
        """Every property name the features carry (`figures_only`: those holding numbers)."""
        seen: dict[str, None] = {}
        for feats in self.features.values():
            for f in feats:
                for k, v in (f.get("properties") or {}).items():
                    if not figures_only or (isinstance(v, int | float) and not isinstance(v, bool)
                                            and k not in NOT_FIGURES):
                        seen[k] = None
        return list(seen)


def dataset_url(year: int) -> str:
    return f"{pdok_root()}/cbs/wijken-en-buurten-{year}/ogc/v1"


def items_url(year: int, collection: str) -> str:
    return f"{dataset_url(year)}/collections/{collection}/items"


def next_href(page: Any) -> str | None:
    """The href of the `next` link of an OGC API Features page (absent on the last page)."""
    links = page.get("links") if isinstance(page, dict) else None
    for link in links if isinstance(links, list) else []:
        if isinstance(link, dict) and link.get("rel") == "next" and link.get("href"):
            return str(link["href"])
    return None


def _features(page: Any, url: str) -> list[dict[str, Any]]:
    feats = page.get("features") if isinstance(page, dict) else None
    if not isinstance(feats, list) or not all(isinstance(f, dict) for f in feats):
        raise WorkspaceError("error.fetch_cbs_shape", url=url, expected="FeatureCollection {\"features\": [...]}")
    return feats


def check_features(feats: list[dict[str, Any]], collection: str, gemeente: str, url: str) -> None:
    """Every feature names its own area and belongs to `gemeente` (the filter is checked, not trusted)."""
    foreign = []
    for f in feats:
        props = f.get("properties") or {}
        own = str(props.get(CODE_PROPERTY[collection]) or "").strip()
        if not own or f.get("geometry") is None:
            raise WorkspaceError("error.fetch_cbs_shape", url=url, expected=f"{CODE_PROPERTY[collection]}, geometry")
        if str(props.get("gemeentecode") or "").strip().upper() != gemeente:
            foreign.append(own)
    if foreign:
        raise WorkspaceError("error.fetch_foreign_areas", url=url, gemeente=gemeente, n=len(foreign),
                             codes=", ".join(foreign[:5]))


def fetch_kaart(client: FetchClient, gemeente: str, year: int, level: str) -> KaartDownload:
    """The municipality's gemeente, wijken (and at buurt level buurten) of the kaart of `year`."""
    out = KaartDownload(year, gemeente, level)
    params = {"f": "json", "limit": str(PAGE_LIMIT), "crs": RD_URI, "gemeentecode": gemeente}
    for collection in COLLECTIONS[level]:
        url = items_url(year, collection)
        feats: list[dict[str, Any]] = []
        for page in client.pages(url, params, next_href, f"PDOK {collection} {year}"):
            got = _features(page, url)
            check_features(got, collection, gemeente, url)
            feats += got
            out.pages += 1
        out.features[collection] = feats
    if not out.features.get("gemeenten"):
        raise UnknownAreaError("error.fetch_kaart_empty", gemeente=gemeente, year=year,
                               url=items_url(year, "gemeenten"))
    return out


def _crs_of(bounds: Any) -> str:
    """RD New as asked; lon/lat when every coordinate lies within -180..180 x -90..90 (a server that ignored
    `crs=` sends CRS84; RD New coordinates of the Netherlands are in the tens of thousands of metres)."""
    minx, miny, maxx, maxy = (float(b) for b in bounds)
    return LONLAT if -180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90 else RD


def kaart_frame(d: KaartDownload) -> Any:
    """All features of the download in one GeoDataFrame, properties as sent (gemeente, wijken, buurten)."""
    import geopandas as gpd
    from shapely.errors import ShapelyError
    from shapely.geometry import shape

    rows = []
    geoms = []
    for collection in COLLECTIONS[d.level]:
        for f in d.features.get(collection, []):
            rows.append(dict(f.get("properties") or {}))
            try:
                geoms.append(shape(f["geometry"]))
            except (ShapelyError, AttributeError, KeyError, TypeError, ValueError, IndexError) as exc:  # bad GeoJSON
                raise WorkspaceError("error.fetch_cbs_shape", url=items_url(d.year, collection),
                                     expected=f"GeoJSON geometry ({type(exc).__name__}: {exc})") from None
    frame = gpd.GeoDataFrame(rows, geometry=geoms)
    return frame.set_crs(_crs_of(frame.total_bounds))


def file_stem(d: KaartDownload) -> str:
    return f"wijkenbuurten{d.year}_{d.gemeente}_{d.level}"


def write_kaart(d: KaartDownload, folder: Path) -> Path:
    """The features as a GeoPackage (`wijkenbuurten<year>_<GM>_<level>.gpkg`, one layer) that `add cbs` reads."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{file_stem(d)}.gpkg"
    path.unlink(missing_ok=True)
    kaart_frame(d).to_file(path, layer=LAYER, driver="GPKG")
    return path
