"""Issue 13 point 4 (and the non-numeric coordinates of point 5): implausible values are errors or flagged
warnings, never silent; every numeric option has an allowed range that names the option, the value and
the range. Expected values are worked out from the hand-made inputs written here or read from the
shipped files."""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import typer

from wijkloket.cli import app
from wijkloket.cli.ranges import check_ranges, numeric, ranges
from wijkloket.errors import WijkloketError

Cli = Callable[..., tuple[int, str, str]]
KAART_CSV = "cbs/wijkenbuurten2024_wijken_haarlem_haarlemmermeer_attributes.csv"
POINTS = "name,kind,lon,lat,hours_per_week,capacity_per_week,annual_cost\n"


def _user_error(result: tuple[int, str, str]) -> str:
    code, out, err = result
    assert code == 2, (code, out, err)
    assert "Traceback" not in out + err
    return " ".join(err.split())  # Rich wraps long messages


def _tree() -> object:
    command = typer.main.get_command(app)
    check_ranges(command)
    return command


def _numeric_params(command: object, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], object]]:
    found = [(path, p) for p in getattr(command, "params", []) if numeric(p)]
    for name, sub in getattr(command, "commands", {}).items():
        found += _numeric_params(sub, (*path, name))
    return found


# -- option ranges -----------------------------------------------------------------------------------

def test_every_numeric_option_has_a_range_and_every_range_an_option() -> None:
    params = _numeric_params(_tree())
    names = {str(p.name) for _, p in params}  # type: ignore[attr-defined]
    assert len(params) >= 30  # the grep of the issue: every numeric option of every command
    assert names - set(ranges()) == set()
    assert set(ranges()) - names == set()


def test_every_numeric_option_refuses_nan_and_infinity_and_takes_its_default() -> None:
    for path, param in _numeric_params(_tree()):
        p: typer.core.TyperOption = param  # type: ignore[assignment]
        callback: Any = p.callback
        assert callback is not None
        if p.default is not None:
            assert callback(None, p, p.default) == p.default, (path, p.name)
        for bad in (math.nan, math.inf, -math.inf):
            with pytest.raises(WijkloketError) as caught:
                callback(None, p, bad)
            assert caught.value.code == "error.option_not_finite", (path, p.name)
            assert caught.value.params["option"] == p.opts[0]


@pytest.mark.parametrize(("args", "needles"), [
    (("plan", "locate", "--minutes", "-5"), ["--minutes", "-5", "groter dan 0 en ten hoogste 1.440"]),
    (("plan", "locate", "--minutes", "nan"), ["--minutes", "'nan' is geen eindig getal"]),
    (("access", "--minutes", "1e400"), ["--minutes", "'1e400' is geen eindig getal"]),
    (("access", "--grid", "0"), ["--grid", " 0 ", "50 tot en met 10.000"]),
    (("plan", "locate", "--time-limit", "-1"), ["--time-limit", "-1", "groter dan 0"]),
    (("plan", "locate", "--time-limit", "inf"), ["--time-limit", "'inf'"]),
    (("plan", "locate", "--add", "0"), ["--add", "1 tot en met 1.000"]),
    (("add", "visits", "x.csv", "-m", "y.toml", "--max-rejected", "150"),
     ["--max-rejected", "150", "0 tot en met 100"]),
    (("underuse", "--min-count", "0"), ["--min-count", " 0 ", "1 of meer"]),
    (("usage", "--min-count", "0"), ["--min-count", "1 of meer"]),
    (("forecast", "--months", "0"), ["--months", "1 tot en met 120"]),
    (("forecast", "--minutes-per-appointment", "-3"), ["--minutes-per-appointment", "-3"]),
    (("serve", "--port", "0"), ["--port", "1 tot en met 65.535"]),  # typer's own message is English only
    (("report", "-o", "uit", "--min-base", "-1"), ["--min-base", "-1", "0 of meer"]),
    (("survey", "design", "--moe", "0"), ["--moe", "groter dan 0 en ten hoogste 50"]),
    (("survey", "design", "--deff", "0.5"), ["--deff", "0.5", "1 tot en met 100"]),
    (("simulate", "--seed", "-1"), ["--seed", "-1", "0 tot en met 9.223.372.036.854.775.807"]),
    (("plan", "options", "--draws", "0"), ["--draws", "1 tot en met 1.000.000"]),
])
def test_option_out_of_range(cli: Cli, ws: Path, args: tuple[str, ...], needles: list[str]) -> None:
    err = _user_error(cli(*args, "-w", ws))
    for needle in needles:
        assert needle in err, (needle, err)


def test_option_range_in_english(cli: Cli, ws: Path) -> None:
    err = _user_error(cli("plan", "locate", "--minutes", "-5", "--lang", "en", "-w", ws))
    assert "Option --minutes: -5 is outside the allowed range (greater than 0 and at most 1,440)" in err


def test_ranges_mirror_the_limits_the_core_checks() -> None:
    """Where the core checks a value itself, the table allows exactly what the core allows."""
    from wijkloket.forecast.assumptions import default_assumptions
    from wijkloket.plan.scenarios import check_draws
    from wijkloket.survey import design

    table = ranges()
    assert table["months"].max == default_assumptions().max_months
    check_draws(table["draws"].max, table["seed"].max)
    check_draws(table["draws"].min, table["seed"].min)
    for draws, seed in ((table["draws"].max + 1, 0), (table["draws"].min - 1, 0), (1, table["seed"].min - 1)):
        with pytest.raises(WijkloketError):
            check_draws(draws, seed)
    design._check_moe(table["moe"].max)
    design._check_response(table["response"].max)
    design._check_deff(table["deff"].min)
    for check, value in ((design._check_moe, table["moe"].above), (design._check_response, table["response"].above),
                         (design._check_deff, 0.999)):
        with pytest.raises(WijkloketError):
            check(value)


# -- CBS values --------------------------------------------------------------------------------------

def _kaart_with(data: Path, tmp_path: Path, code: str, changes: dict[str, str]) -> tuple[Path, int]:
    """The shipped attribute table with some cells of area `code` changed; and that row's line number."""
    rows = list(csv.reader((data / KAART_CSV).open(encoding="utf-8")))
    line = next(i for i, r in enumerate(rows, start=1) if r[0] == code)
    for column, value in changes.items():
        rows[line - 1][rows[0].index(column)] = value
    out = tmp_path / "kaart_2024_bad.csv"
    with out.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return out, line


def test_negative_count_and_share_above_100_are_flagged_and_left_out(cli: Cli, ws: Path, data: Path,
                                                                      tmp_path: Path) -> None:
    f, line = _kaart_with(data, tmp_path, "WK039201", {"aantalInwoners": "-500",
                                                       "percentagePersonen65JaarEnOuder": "140",
                                                       "percentagePersonen0Tot15Jaar": "-1"})
    code, out, err = cli("add", "cbs", f, "-w", ws)
    assert code == 0, err
    text = " ".join(out.split())
    assert "onmogelijke waarden" in text
    assert f"aantalInwoners: WK039201, {line}, -500 (>= 0)" in text
    assert f"percentagePersonen65JaarEnOuder: WK039201, {line}, 140 (0-100)" in text
    assert f"percentagePersonen0Tot15Jaar: WK039201, {line}, -1 (0-100)" in text
    code, out, err = cli("profile", "--level", "wijk", "--format", "csv", "-w", ws)
    assert code == 0, err
    got = {(r["area_code"], r["indicator"]): r["value"] for r in csv.DictReader(io.StringIO(out))}
    assert got[("WK039201", "population")] == ""  # missing, never -500
    assert got[("WK039201", "share_age_65_plus")] == ""
    # The other areas keep their figures as published (Haarlemmerhoutkwartier: 13,090 inhabitants).
    assert float(got[("WK039202", "population")]) == 13090


def test_count_above_its_base_is_flagged_and_left_out(cli: Cli, ws: Path, data: Path, tmp_path: Path) -> None:
    """Haarlemmerhoutkwartier has 13,090 inhabitants (the shipped file); 20,000 of them with a state
    pension is impossible: the pension rate is left out, the inhabitants stay."""
    f, _ = _kaart_with(data, tmp_path, "WK039202", {"aantalPersonenMetEenAowUitkeringTotaal": "20000"})
    code, out, err = cli("add", "cbs", f, "-w", ws)
    assert code == 0, err
    assert "n_pension: WK039202, 20000 > population 13090" in " ".join(out.split())
    code, out, err = cli("profile", "--level", "wijk", "--format", "csv", "-w", ws)
    got = {(r["area_code"], r["indicator"]): r["value"] for r in csv.DictReader(io.StringIO(out))}
    assert got[("WK039202", "pension_per_1000")] == ""
    assert float(got[("WK039202", "population")]) == 13090  # (the shipped file has no pension counts: -99995)


@pytest.mark.parametrize("name", [KAART_CSV, "cbs/wijkenbuurten2024_wijken_haarlem_haarlemmermeer.gpkg",
                                  "cbs/kwb2024_gemeente_wijk_basis.csv",
                                  "statline/ses_woa_2019_amsterdam_statline_export.csv"])
def test_published_files_have_no_impossible_values(data: Path, name: str) -> None:
    """No false alarms on CBS's own files (all municipalities in them; SES-WOA scores may be negative)."""
    from wijkloket.indicators.registry import load_registry
    from wijkloket.sources.cbs import read_cbs

    res = read_cbs(data / name, None, load_registry())
    assert not [w for w in res.warnings if w.startswith("implausible_values")]


def test_value_limits_follow_the_registry() -> None:
    from wijkloket.indicators.registry import load_registry
    from wijkloket.sources.cbs import NOT_NEGATIVE, PERCENT, value_limits

    limits = value_limits(load_registry())
    assert limits["population"] == NOT_NEGATIVE
    assert limits["n_age_65_plus"] == NOT_NEGATIVE
    assert limits["land_area_ha"] == NOT_NEGATIVE
    assert limits["pct_age_65_plus"] == PERCENT
    assert limits["pct_low_education"] == PERCENT  # a mean in %
    assert limits["dist_gp_km"] == NOT_NEGATIVE
    assert "ses_woa_score" not in limits  # a standardised score: negative below the national mean


# -- points files ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("rows", "needles"), [
    ("A,desk,abc,52.3812,,,\n", ["rij 2", "kolom 'lon'", "'abc' is geen getal"]),
    ("A,desk,4.6365,52.3812,-40,900,\n", ["rij 2", "kolom 'hours_per_week'", "'-40'", "0 tot en met 168 uur"]),
    ("A,desk,4.6365,52.3812,200,900,\n", ["kolom 'hours_per_week'", "'200'"]),
    ("A,desk,4.6365,52.3812,abc,900,\n", ["kolom 'hours_per_week'", "'abc'"]),
    ("A,desk,4.6365,52.3812,40,inf,\n", ["kolom 'capacity_per_week'", "'inf'", "0 of meer per week"]),
    ("A,desk,4.6365,52.3812,40,-1,\n", ["kolom 'capacity_per_week'", "'-1'"]),
    ("A,desk,4.6365,52.3812,40,900,\nB,desk,4.6330,52.3790,,,-5\n", ["rij 3", "kolom 'annual_cost'", "'-5'"]),
])
def test_points_bad_numbers(cli: Cli, ws: Path, tmp_path: Path, rows: str, needles: list[str]) -> None:
    f = tmp_path / "punten.csv"
    f.write_text(POINTS + rows, "utf-8")
    err = _user_error(cli("add", "points", f, "-w", ws))
    for needle in needles:
        assert needle in err, (needle, err)
    code, out, _ = cli("sources", "--format", "csv", "-w", ws)
    assert code == 0 and "punten.csv" not in out  # nothing stored


def test_points_rd_coordinate_not_a_number(cli: Cli, ws: Path, tmp_path: Path) -> None:
    f = tmp_path / "rd.csv"
    f.write_text("name,kind,x,y\nA,desk,104000,489000\nB,desk,10x,488000\n", "utf-8")
    err = _user_error(cli("add", "points", f, "-w", ws))
    assert "rij 3, kolom 'x': '10x' is geen getal (B)" in err


def test_points_empty_optional_cells_are_unknown(cli: Cli, ws: Path, data: Path, tmp_path: Path) -> None:
    assert cli("add", "cbs", data / "cbs/wijkenbuurten2024_wijken_haarlem_haarlemmermeer.gpkg", "-w", ws)[0] == 0
    f = tmp_path / "punten.csv"
    f.write_text(POINTS + "A,desk,4.6365,52.3812,0,,\nB,library_ido,4.6330,52.3790,168,0,0\n", "utf-8")
    code, out, err = cli("add", "points", f, "-w", ws)
    assert code == 0, err
    assert "aanvaard 2" in out


# -- road networks -----------------------------------------------------------------------------------

FAR_OSM = """<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6" generator="hand-made">
  <node id="1" lat="53.2000" lon="6.5600"/><node id="2" lat="53.2000" lon="6.5700"/>
  <node id="3" lat="53.2100" lon="6.5700"/>
  <way id="10"><nd ref="1"/><nd ref="2"/><nd ref="3"/><tag k="highway" v="residential"/></way>
</osm>
"""
"""A connected network in Groningen, about 150 km from Haarlem."""


@pytest.fixture
def ws_points(ws: Path, cli: Cli, data: Path, fixtures: Path) -> Path:
    assert cli("add", "cbs", data / "cbs/wijkenbuurten2024_wijken_haarlem_haarlemmermeer.gpkg", "-w", ws)[0] == 0
    assert cli("add", "points", fixtures / "points_haarlem.csv", "-w", ws)[0] == 0
    return ws


def test_network_that_does_not_reach_the_points_is_refused(cli: Cli, ws_points: Path, tmp_path: Path) -> None:
    f = tmp_path / "groningen.osm"
    f.write_text(FAR_OSM, "utf-8")
    err = _user_error(cli("add", "network", f, "-w", ws_points))
    assert "reikt niet tot de servicepunten" in err and "Stadhuis Haarlem" in err and "2000 m" in err
    code, out, _ = cli("sources", "--format", "csv", "-w", ws_points)
    assert code == 0 and "groningen.osm" not in out


def test_points_added_after_a_far_network_stop_access(cli: Cli, ws: Path, data: Path, fixtures: Path,
                                                      tmp_path: Path) -> None:
    f = tmp_path / "groningen.osm"
    f.write_text(FAR_OSM, "utf-8")
    assert cli("add", "cbs", data / "cbs/wijkenbuurten2024_wijken_haarlem_haarlemmermeer.gpkg", "-w", ws)[0] == 0
    assert cli("add", "network", f, "-w", ws)[0] == 0  # no points yet: nothing to check against
    assert cli("add", "points", fixtures / "points_haarlem.csv", "-w", ws)[0] == 0
    err = _user_error(cli("access", "-w", ws))
    assert "reikt niet tot de servicepunten" in err


def test_network_reach_by_hand() -> None:
    """Nodes at (0, 0) and (3000, 0): a point at (1000, 0) is 1000 m from the network, one at (0, 2500)
    2500 m, beyond the 2000 m allowed."""
    import numpy as np
    import pandas as pd

    from wijkloket.access.network import MAX_SNAP_M, check_reach, snap_metres

    nodes = pd.DataFrame({"node": [1, 2], "x": [0.0, 3000.0], "y": [0.0, 0.0]})
    snap = snap_metres(nodes, np.array([[1000.0, 0.0], [0.0, 2500.0]]))
    assert snap.tolist() == [1000.0, 2500.0]
    assert MAX_SNAP_M == 2000.0
    check_reach(snap[:1], ["near"], "points")
    with pytest.raises(WijkloketError) as caught:
        check_reach(snap, ["near", "far"], "homes")
    assert caught.value.params["names"] == "far" and caught.value.params["metres"] == "2500"


@pytest.mark.parametrize(("name", "text", "needle"), [
    ("bad.osm", FAR_OSM.replace('lon="6.5700"/>\n  <node id="3"', 'lon="abc"/>\n  <node id="3"'),
     "geen bruikbare coördinaten"),
    ("badid.osm", FAR_OSM.replace('<node id="1"', '<node id="een"'), "'een'"),
    ("neg.graphml", None, "lengte '-5'"),
])
def test_network_bad_values(cli: Cli, ws: Path, tmp_path: Path, name: str, text: str | None, needle: str) -> None:
    if text is None:
        text = "\n".join([
            '<?xml version="1.0"?>', '<graphml xmlns="http://graphml.graphdrawing.org/xmlns">',
            '<key id="x" for="node" attr.name="x"/><key id="y" for="node" attr.name="y"/>',
            '<key id="l" for="edge" attr.name="length"/><graph edgedefault="undirected">',
            '<node id="a"><data key="x">104000</data><data key="y">489000</data></node>',
            '<node id="b"><data key="x">104100</data><data key="y">489000</data></node>',
            '<edge source="a" target="b"><data key="l">-5</data></edge>', "</graph></graphml>"])
    f = tmp_path / name
    f.write_text(text, "utf-8")
    err = _user_error(cli("add", "network", f, "-w", ws))
    assert needle in err, err


def test_network_missing_one_point_is_refused_when_travel_times_are_computed(cli: Cli, ws_points: Path,
                                                                             tmp_path: Path) -> None:
    """A connected grid over eastern Haarlem (4.655-4.705 E, 52.35-52.40 N, nodes every 0.005 degree): the
    points of points_haarlem.csv lie within 1.6 km of a node, except Bibliotheek Heemstede (4.6200, 52.3500):
    2.4 km west of the corner node (4.655, 52.35), beyond the 2 km allowed (distances by pyproj, RD New)."""
    nodes, ways, k = [], [], 0
    lons = [4.655 + 0.005 * i for i in range(11)]
    lats = [52.35 + 0.005 * j for j in range(11)]
    ids = {}
    for j, lat in enumerate(lats):
        for i, lon in enumerate(lons):
            k += 1
            ids[i, j] = k
            nodes.append(f'<node id="{k}" lat="{lat:.4f}" lon="{lon:.4f}"/>')
    for j in range(11):
        ways.append("".join(f'<nd ref="{ids[i, j]}"/>' for i in range(11)))
    for i in range(11):
        ways.append("".join(f'<nd ref="{ids[i, j]}"/>' for j in range(11)))
    body = "\n".join(nodes + [f'<way id="{100 + n}">{w}<tag k="highway" v="residential"/></way>'
                              for n, w in enumerate(ways)])
    f = tmp_path / "oost.osm"
    f.write_text(f'<?xml version="1.0"?>\n<osm version="0.6">\n{body}\n</osm>\n', "utf-8")
    code, _, err = cli("add", "network", f, "-w", ws_points)
    assert code == 0, err  # most points lie on it
    err = _user_error(cli("access", "-w", ws_points))
    assert "reikt niet tot de servicepunten: Bibliotheek Heemstede ligt" in err


@pytest.mark.parametrize(("text", "needle"), [
    ("[speeds]\nbike = -3\n", "speeds.bike = -3"), ("[speeds]\nbike = 0\n", "speeds.bike = 0"),
    ("detour_factor = nan\n", "detour_factor = nan"), ("detour_factor = 0.5\n", "detour_factor = 0.5"),
    ("[thresholds]\nbike = -15\n", "thresholds.bike = -15"),
])
def test_workspace_travel_settings_out_of_range(cli: Cli, ws_points: Path, text: str, needle: str) -> None:
    (ws_points / "access.toml").write_text(text, "utf-8")
    err = _user_error(cli("access", "-w", ws_points))
    assert "access.toml" in err and needle in err, err
