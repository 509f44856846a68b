"""The report's figures read well on screen and on paper (issue 9, point 4): SVG with text kept as text,
no text under 9 pt at printed size, legends outside the drawing, the districts and their names on every
map, colour scales that fit the quantity, and the SYNTHETISCH stamp exactly on the synthetic figures."""

from __future__ import annotations

import csv
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from wijkloket.report.blocks import Figure, Section
from wijkloket.report.charts import log_ticks, trend
from wijkloket.report.context import ReportData
from wijkloket.report.maps import (
    HALF_MM,
    WIDE_MM,
    choropleth,
    colour_scale,
    nice_step,
    outlines,
    points_map,
    svg,
)
from wijkloket.report.sections import build

SVG = "{http://www.w3.org/2000/svg}"
MakeData = Callable[[Path, str], ReportData]


def texts(figure: Figure) -> list[str]:
    """Every text of the figure's SVG, one string per <text> element."""
    root = ET.fromstring(figure.image.data)
    return ["".join(el.itertext()).strip() for el in root.iter(f"{SVG}text")]


def font_sizes(data: bytes) -> list[float]:
    """The font sizes of all texts in an SVG, in its user units."""
    root = ET.fromstring(data)
    sizes = []
    for el in root.iter(f"{SVG}text"):
        m = re.search(r"font-size:\s*([\d.]+)px", el.get("style", ""))
        assert m, el.get("style")
        sizes.append(float(m.group(1)))
    return sizes


def width_pt(data: bytes) -> float:
    """The SVG's width in points; its user unit is one point (matplotlib writes `viewBox` in points)."""
    root = ET.fromstring(data)
    width = root.get("width", "")
    assert width.endswith("pt")
    assert float(root.get("viewBox", "").split()[2]) == pytest.approx(float(width[:-2]))
    return float(width[:-2])


def overlaps(a: Any, b: Any) -> bool:
    return bool(a.x0 < b.x1 and b.x0 < a.x1 and a.y0 < b.y1 and b.y0 < a.y1)


# --- the colour scale (pure, hand-computed) ---------------------------------------------------------


def test_nice_steps() -> None:
    assert [nice_step(x) for x in (157.5, 7.0, 2.05, 0.3, 25.0, 100.0)] == [200.0, 10.0, 2.5, 0.5, 25.0, 100.0]


def test_an_index_diverges_symmetrically_around_100() -> None:
    # The largest deviation from 100 is |70 - 100| = 30 (120 deviates 20): limits 100 -/+ 30.
    scale = colour_scale([70.0, 95.0, 120.0], "index")
    assert (scale.vmin, scale.vmax, scale.centre) == (70.0, 130.0, 100.0)
    assert scale.ticks == (70.0, 80.0, 90.0, 100.0, 110.0, 120.0, 130.0)
    assert scale.cmap == "RdBu"
    # 83 deviates 17, rounded up to whole tens: 80-120; a tiny spread still gets +/- 10.
    assert (colour_scale([83.0, 104.0], "index").vmin, colour_scale([83.0, 104.0], "index").vmax) == (80.0, 120.0)
    assert (colour_scale([99.0, 101.0], "index").vmin, colour_scale([99.0, 101.0], "index").vmax) == (90.0, 110.0)


def test_a_rate_starts_at_zero_and_is_not_stretched() -> None:
    # 570-630 visits per 1000: a quarter of 630 is 157.5, the tick step 200, so 0-800 (4 x 200 >= 630).
    scale = colour_scale([570.0, 600.0, 630.0, None], "rate", "Blues")
    assert (scale.vmin, scale.vmax, scale.centre, scale.cmap) == (0.0, 800.0, None, "Blues")
    assert scale.ticks == (0.0, 200.0, 400.0, 600.0, 800.0)
    # 570-630 take under a tenth of the ramp ((630 - 570) / 800 = 7.5%), not all of it.
    assert (630 - 570) / (scale.vmax - scale.vmin) == pytest.approx(0.075)
    # Percentages: 11-28% gives step 10 (a quarter of 28 is 7), 0-30; never beyond 100%.
    assert (colour_scale([11.0, 28.0], "percent").vmin, colour_scale([11.0, 28.0], "percent").vmax) == (0.0, 30.0)
    assert colour_scale([40.0, 99.0], "percent").vmax == 100.0


def test_log_ticks_are_thinned() -> None:
    # 1, 2, 5 x 10^k within 150-7000: 200, 500, 1000, 2000, 5000 -> every second one.
    assert log_ticks(150, 7000) == [200, 1000, 5000]


# --- maps and charts on small hand-made data -----------------------------------------------------------


def _boxes() -> gpd.GeoDataFrame:
    """Four wijken of 1 x 1 km in a row, the first two in district A, the others in B."""
    codes = [f"WK99990{i}" for i in range(1, 5)]
    return gpd.GeoDataFrame({"area_code": codes, "level": "wijk"},
                            geometry=[shapely.box(100000 + 1000 * i, 480000, 101000 + 1000 * i, 481000)
                                      for i in range(4)], crs="EPSG:28992")


def _districts() -> pd.DataFrame:
    return pd.DataFrame({"area_code": [f"WK99990{i}" for i in range(1, 5)],
                         "district_code": ["DS1", "DS1", "DS2", "DS2"], "district": ["Alfa", "Alfa", "Beta", "Beta"]})


def test_district_outlines_are_dissolved_from_the_wijken() -> None:
    out = outlines(_boxes(), _districts(), {}).set_index("area_code")
    assert list(out["name"]) == ["Alfa", "Beta"] and out["district"].all()
    assert out.geometry.area.tolist() == pytest.approx([2e6, 2e6])  # two 1 km2 boxes each
    wijken = outlines(_boxes(), None, {"WK999901": "Een"})
    assert list(wijken["name"]) == ["Een", "", "", ""] and not wijken["district"].any()


def test_the_colour_bar_sits_below_the_map() -> None:
    values = pd.Series([570.0, 600.0, 610.0, 630.0], index=[f"WK99990{i}" for i in range(1, 5)])
    fig = choropleth(_boxes(), values, "Bezoeken per 1000 inwoners", "per 1000", "nl", 1, "rate",
                     outline=outlines(_boxes(), _districts(), {}), footnote="grijs = geen cijfer")
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    ax, _legend_area, cax = fig.axes
    map_box = ax.get_window_extent(renderer)
    assert cax.get_window_extent(renderer).y1 < map_box.y0
    assert cax.xaxis.label.get_window_extent(renderer).y1 < map_box.y0
    assert cax.get_xlim() == (0.0, 800.0)
    assert fig.get_figwidth() == pytest.approx(HALF_MM / 25.4)
    image = svg(fig)
    assert "Alfa" in texts(Figure(image, "", "")) and min(font_sizes(image.data)) >= 9


def test_the_markers_legend_sits_below_the_map() -> None:
    areas = _boxes().assign(value=[4.0, 8.0, 12.0, 15.5])
    points = pd.DataFrame({"kind": ["desk", "library_ido"], "x": [100500.0, 102500.0], "y": [480500.0, 480500.0]})
    chosen = pd.DataFrame({"x": [103500.0], "y": [480500.0]})
    fig = points_map(areas, points, chosen, "minuten", {"desk": "Balie", "library_ido": "Bibliotheek"}, "Nieuw", "nl",
                     outline=outlines(_boxes(), _districts(), {}), synthetic=True)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    ax, legend_area, cax = fig.axes
    map_box = ax.get_window_extent(renderer)
    legend = legend_area.get_legend()
    assert [t.get_text() for t in legend.get_texts()] == ["Balie", "Bibliotheek", "Nieuw"]
    assert not overlaps(legend.get_window_extent(renderer), map_box)
    assert not overlaps(cax.get_window_extent(renderer), map_box)
    assert not overlaps(legend.get_window_extent(renderer), cax.xaxis.label.get_window_extent(renderer))
    assert cax.get_xlim() == (0.0, 20.0)  # a quarter of 15.5 is 3.9: step 5, 0-20
    image = svg(fig)
    assert "SYNTHETISCH" in texts(Figure(image, "", "")) and width_pt(image.data) == pytest.approx(WIDE_MM / 25.4 * 72)


def test_the_trend_legend_sits_below_the_bars() -> None:
    per_year = pd.DataFrame({"year": [2024, 2024, 2025, 2025], "product": ["passport", "id_card"] * 2,
                             "value": [100.0, 50.0, 120.0, 60.0]})
    fig = trend(per_year, ["passport", "id_card"], {"passport": "Paspoort", "id_card": "Identiteitskaart"},
                "bezoeken", "nl")
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    (ax,) = fig.axes
    (legend,) = fig.legends
    assert legend.get_window_extent(renderer).y1 <= ax.get_tightbbox(renderer).y0 + 1
    assert "SYNTHETISCH" not in texts(Figure(svg(fig), "", ""))


def test_tiny_maps_name_the_wijken_without_a_district_file(tiny: ReportData) -> None:
    (cbs_map,) = next(s for s in build(tiny) if s.id == "kaarten").of_kind(Figure)
    assert {"Oud", "Nieuw"} <= set(texts(cbs_map)) and "SYNTHETISCH" not in texts(cbs_map)


# --- every figure of a real report ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sections(points_ws: Path, make_report_data: MakeData) -> list[Section]:
    return build(make_report_data(points_ws, "nl"))


def _figures(sections: list[Section], sid: str | None = None) -> list[Figure]:
    return [f for s in sections if sid is None or s.id == sid for f in s.of_kind(Figure)]


def test_the_stamp_follows_the_synthetic_flag(sections: list[Section]) -> None:
    figures = _figures(sections)
    assert len(figures) >= 10
    for f in figures:
        assert ("SYNTHETISCH" in texts(f)) == f.synthetic, f.caption
    cbs_maps = _figures(sections, "kaarten")
    assert cbs_maps and not any(f.synthetic for f in cbs_maps)
    visits_map = next(f for f in _figures(sections, "baliegebruik") if f.caption.startswith("Bezoeken per 1000"))
    assert visits_map.synthetic and "SYNTHETISCH" in texts(visits_map)


def test_every_map_names_the_districts(sections: list[Section], data: Path) -> None:
    with (data / "haarlem/stadsdelen_2024.csv").open(encoding="utf-8") as f:
        districts = {row["district"] for row in csv.DictReader(f)}
    assert districts == {"Centrum", "Noord", "Oost", "Schalkwijk", "Zuid-West"}
    # A map's colour bar states the range "op deze kaart"; no chart has that text.
    maps = [f for f in _figures(sections) if "op deze kaart" in " ".join(texts(f))]
    # Three CBS maps, visits, issuances, two of under-use, and the access map.
    assert len(maps) == 8 and {f.synthetic for f in maps} == {True, False}
    for m in maps:
        assert districts <= set(texts(m)), m.caption


def test_text_is_at_least_9_pt_at_printed_size(sections: list[Section]) -> None:
    for f in _figures(sections):
        assert f.image.media_type == "image/svg+xml"
        # Printed at most as wide as the column it sits in, so a point in the SVG is at least a point on paper.
        assert width_pt(f.image.data) <= (WIDE_MM if f.wide else HALF_MM) / 25.4 * 72 + 0.5, f.caption
        assert min(font_sizes(f.image.data)) >= 9, f.caption
