"""The dashboard (issue 11, point 4) on the demo workspace (Haarlem: CBS data, districts, a synthetic desk log
and issuance list, synthetic service points and a weighted synthetic survey): every page answers with the
report's figures, checked against numbers worked out from the source files; the options explorer moves the
figures the right way and equals the use case called directly; no page loads anything from another host."""

from __future__ import annotations

import html
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from wijkloket.config import SETTINGS_FILE, Settings
from wijkloket.i18n import fmt_number
from wijkloket.report.blocks import Figure
from wijkloket.usecases import plan as uc_plan
from wijkloket.usecases import web_dashboard as uc
from wijkloket.web.app import create_app
from wijkloket.web.config import WebConfig

PAGES = ("/dashboard", "/dashboard/kaart", "/dashboard/balie", "/dashboard/opties", "/dashboard/peiling")
_SHARED: dict[str, Any] = {}


@dataclass
class DashApp:
    folder: Path
    client: TestClient

    def get(self, url: str, **kwargs: Any) -> Any:
        """A request without the language cookie an earlier `?lang=en` left behind."""
        self.client.cookies.clear()
        return self.client.get(url, **kwargs)

    @property
    def dashboard(self) -> uc.Dashboard:
        found: uc.Dashboard = self.client.app.state.dashboard  # type: ignore[attr-defined]
        return found


def shared_app(demo_ws: Path, root: Path) -> DashApp:
    """One app over a copy of the demo workspace for every dashboard and API test of the session (its figures
    take a minute to compute). The copy: the app adds its own tables to the survey database."""
    if "app" not in _SHARED:
        folder = root / "dash_ws"
        folder.mkdir(parents=True, exist_ok=True)
        for name in ("wijkloket.toml", "wijkloket.duckdb", "enquete.sqlite"):
            shutil.copy2(demo_ws / name, folder / name)
        config = WebConfig(workspace=folder, survey_db_url=f"sqlite:///{(folder / 'enquete.sqlite').as_posix()}",
                           key_file=None, secret="0" * 64)
        client = TestClient(create_app(config), raise_server_exceptions=False)
        client.get("/dashboard")  # makes the app's Dashboard
        _SHARED["app"] = DashApp(folder, client)
    found: DashApp = _SHARED["app"]
    return found


@pytest.fixture(scope="module")
def dash(demo_ws: Path, tmp_path_factory: pytest.TempPathFactory) -> DashApp:
    return shared_app(demo_ws, tmp_path_factory.getbasetemp())


def centrum_population(data: Path) -> int:
    """Residents of district Centrum of Haarlem in 2024, from the CBS Kerncijfers and the district file."""
    districts = pd.read_csv(data / "haarlem/stadsdelen_2024.csv")
    wijken = set(districts.loc[districts["district"] == "Centrum", "area_code"])
    kwb = pd.read_csv(data / "cbs/kwb2024_gemeente_wijk_basis.csv")
    return int(kwb.loc[kwb["Codering"].isin(wijken), "AantalInwoners_5"].sum())


def _row_of(page: str, name: str) -> str:
    """The table row whose header cell is `name`."""
    for row in re.findall(r"<tr[^>]*>.*?</tr>", page, re.S):
        if re.search(rf"<th[^>]*>{re.escape(name)}\s*(<|$)", row):
            return row
    raise AssertionError(f"no row {name!r}")


def _texts(row: str) -> list[str]:
    return [html.unescape(re.sub(r"<[^>]+>", " ", c)).split()[0] if re.sub(r"<[^>]+>", "", c).strip() else ""
            for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]


def test_overview_shows_the_district_table_with_the_cbs_population(dash: DashApp, data: Path) -> None:
    res = dash.get("/dashboard")
    assert res.status_code == 200
    assert '<html lang="nl"' in res.text
    expected = fmt_number(centrum_population(data), "nl")
    assert expected in _texts(_row_of(res.text, "Centrum"))
    assert 'title="index ' in res.text.lower() or "index" in res.text.lower()  # cells carry their index
    assert 'aria-current="page"' in res.text


def test_overview_shows_the_index_against_the_city_on_request(dash: DashApp) -> None:
    res = dash.get("/dashboard?toon=index")
    assert res.status_code == 200 and "index, stad = 100" in res.text
    table = dash.dashboard.data("nl").table
    share = table[(table["area_name"] == "Centrum") & (table["level"] == "district")
                  & (table["indicator"] == "share_age_65_plus")]["index_city"].iloc[0]
    assert fmt_number(float(share), "nl", 0) in _texts(_row_of(res.text, "Centrum"))
    city = _texts(_row_of(res.text, dash.dashboard.data("nl").profile.gemeente_name))
    assert set(city[1:]) <= {"100", "–", ""}
    assert 'href="/dashboard?lang=nl"' in res.text  # back to the figures, a link (no JavaScript)


def test_overview_in_english(dash: DashApp, data: Path) -> None:
    res = dash.get("/dashboard?lang=en")
    assert res.status_code == 200
    assert '<html lang="en"' in res.text and "districts compared with the city" in res.text
    assert fmt_number(centrum_population(data), "en") in _texts(_row_of(res.text, "Centrum"))


def test_map_page_has_the_report_map_and_a_form_without_javascript(dash: DashApp) -> None:
    choices = dash.dashboard.map_choices("nl")
    assert len(choices) >= 2
    second = choices[1]
    res = dash.get(f"/dashboard/kaart?indicator={second.indicator}")
    assert res.status_code == 200
    assert '<form method="get" action="/dashboard/kaart"' in res.text
    assert len(re.findall(r"<option value=", res.text)) == len(choices)
    assert re.search(rf'<option value="{second.indicator}" selected>', res.text)
    assert res.text.count('src="data:image/svg+xml;base64,') == 1
    assert f'alt="{html.escape(second.label)}"' in res.text
    assert '<script src="/dashboard/plotly.js" defer></script>' in res.text
    assert '<script src="/static/dashboard/kaart.js" defer></script>' in res.text
    assert not re.search(r"<script(?![^>]*\bsrc=)", res.text), "no inline script"


def test_unknown_indicator_is_a_404_with_the_first_map(dash: DashApp) -> None:
    res = dash.get("/dashboard/kaart?indicator=nonsense")
    assert res.status_code == 404
    assert "geen kaart" in res.text and 'src="data:image/svg+xml;base64,' in res.text


def test_map_data_is_a_choroplethmap_without_tiles_with_the_profile_values(dash: DashApp) -> None:
    choice = dash.dashboard.map_choices("nl")[0]
    res = dash.get(f"/dashboard/kaart.json?indicator={choice.indicator}")
    assert res.status_code == 200
    fig = res.json()
    trace = fig["data"][0]
    assert trace["type"] == "choroplethmap"
    style = fig["layout"]["map"]["style"]
    assert style["sources"] == {} and [x["type"] for x in style["layers"]] == ["background"]
    assert "glyphs" not in style and "http" not in res.text
    assert fig["layout"]["paper_bgcolor"] == "#ffffff"
    table = dash.dashboard.data("nl").table
    level = {f["properties"]["area_code"]: f for f in trace["geojson"]["features"]}
    assert set(level) == set(trace["locations"])
    for code, value in list(zip(trace["locations"], trace["z"], strict=True))[:5]:
        own = table[(table["area_code"] == code) & (table["indicator"] == choice.indicator)]["value"].iloc[0]
        assert value == pytest.approx(float(own), abs=1e-3)
    # WGS84: Haarlem lies near 4.6 E, 52.4 N
    lon, lat = trace["geojson"]["features"][0]["geometry"]["coordinates"][0][0][:2] \
        if trace["geojson"]["features"][0]["geometry"]["type"] == "Polygon" else \
        trace["geojson"]["features"][0]["geometry"]["coordinates"][0][0][0][:2]
    assert 4.4 < lon < 4.8 and 52.2 < lat < 52.5
    assert dash.get("/dashboard/kaart.json?indicator=nonsense").status_code == 404


def test_plotly_bundle_is_served_from_the_installed_package(dash: DashApp) -> None:
    res = dash.get("/dashboard/plotly.js")
    assert res.status_code == 200 and res.headers["content-type"].startswith("text/javascript")
    assert b"plotly.js" in res.content[:400] and len(res.content) > 1_000_000
    assert dash.get("/static/dashboard/kaart.js").status_code == 200


def test_plotly_styles_are_stylesheets_so_the_csp_needs_no_inline_style(dash: DashApp) -> None:
    page = dash.get("/dashboard/kaart")
    assert '<link id="plotly.js-style-global" class="no-inline-styles" rel="stylesheet" href="/dashboard/plotly.css">' \
        in page.text
    own = dash.get("/dashboard/plotly.css")
    assert own.headers["content-type"].startswith("text/css") and ".js-plotly-plot .plotly .modebar{" in own.text
    maplibre = re.search(r'<link id="([0-9a-f]{64})" rel="stylesheet" href="/dashboard/maplibre.css">', page.text)
    assert maplibre, "maplibre's style element id"
    assert maplibre.group(1) in dash.get("/dashboard/plotly.js").text  # the id plotly.js looks for
    assert ".maplibregl-map{" in dash.get("/dashboard/maplibre.css").text
    # maplibre's web worker (a blob made by plotly.js itself) is allowed on the map page only
    assert "worker-src 'self' blob:" in page.headers["content-security-policy"]
    assert "style-src 'self';" in page.headers["content-security-policy"]
    assert "worker-src" not in dash.get("/dashboard").headers["content-security-policy"]


def test_warm_up_computes_the_figures_in_the_background(dash: DashApp) -> None:
    from wijkloket.web.dashboard import warm_up

    thread = warm_up(dash.client.app)
    thread.join(timeout=600)
    assert not thread.is_alive()
    assert "nl" in dash.dashboard._data


def _synthetic_figures(page: str) -> tuple[int, list[str]]:
    figures = re.findall(r"<figure[^>]*>.*?</figure>", page, re.S)
    marked = [f for f in figures if 'data-synthetic="true"' in f.split(">")[0]]
    return len(figures), [re.sub(r"<[^>]+>", "", f.split("<figcaption>")[1]) for f in marked]


def test_desk_page_marks_every_synthetic_figure_as_the_report_does(dash: DashApp) -> None:
    res = dash.get("/dashboard/balie")
    assert res.status_code == 200
    sections = dash.dashboard.page("nl", "desk")
    assert [s.id for s in sections] == ["baliegebruik", "verstrekkingen", "ondergebruik"]
    n_synthetic = sum(1 for s in sections for f in s.of_kind(Figure) if f.synthetic)
    n, captions = _synthetic_figures(res.text)
    assert n == sum(len(s.of_kind(Figure)) for s in sections)
    assert len(captions) == n_synthetic > 0
    assert all("(synthetisch)" in c for c in captions)
    assert 'class="synthetic"' in res.text and 'href="#baliegebruik"' in res.text
    assert "Trechterdiagram" in res.text  # the under-use funnel


def _option_cell(page: str, label: str, column: int) -> float:
    """The figure in column `column` (0: the option's name) of the options table row of `label`."""
    row = _row_of(page, label)
    cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
    text = html.unescape(re.sub(r"<br>.*", "", cells[column], flags=re.S)).replace("€", "").strip()
    return float(text.replace(".", "").replace(",", "."))


def _column_of(page: str, metric_label: str) -> int:
    head = re.search(r"<thead>(.*?)</thead>", page.split('id="opties"')[1], re.S)
    assert head
    labels = [html.unescape(re.sub(r"<br>.*", "", c, flags=re.S)).strip()
              for c in re.findall(r"<th[^>]*>(.*?)</th>", head.group(1), re.S)]
    return labels.index(metric_label)


def test_options_explorer_recomputes_as_the_use_case_does(dash: DashApp) -> None:
    base = dash.get("/dashboard/opties")
    assert base.status_code == 200 and '<form method="get" action="/dashboard/opties#opties"' in base.text
    opts = dash.dashboard.data("nl").options
    assert opts is not None
    first = opts.table.drop_duplicates("metric").set_index("metric")["metric_label"]
    desk_label = str(opts.table.loc[opts.table["option"] == "district_desk", "label"].iloc[0])
    col = _column_of(base.text, str(first["cost_per_visit"]))
    before = _option_cell(base.text, desk_label, col)

    changed = dash.get("/dashboard/opties", params={"district_desk.annual_cost": "600.000"})
    assert changed.status_code == 200
    after = _option_cell(changed.text, desk_label, col)
    # cost per visit = annual cost / visits served: 1.5 times the cost, the same visits
    assert after == pytest.approx(1.5 * before, rel=0.01)
    assert "U rekent met andere aannames" in changed.text
    # the use case, called directly with the same assumption
    an = dash.dashboard.analysis()
    sc = uc.scenario_with(uc_plan.scenario_assumptions(None), {"district_desk.annual_cost": 600000.0})
    direct = uc_plan.plan_options(an.registry, an.profile(), an.access(sc.mode, sc.threshold), an.desk_if_any(),
                                  sc, "nl")
    value = direct.table.set_index(["option", "metric"]).loc[("district_desk", "cost_per_visit"), "value"]
    assert after == pytest.approx(float(value), abs=1)


def test_a_larger_central_share_moves_fewer_visits_to_the_new_desk(dash: DashApp) -> None:
    base = dash.dashboard.data("nl").options
    assert base is not None
    res = dash.dashboard.explore("nl", {"central_share": 0.6})
    assert res is not None

    def of(table: Any, metric: str) -> float:
        return float(table.set_index(["option", "metric"]).loc[("district_desk", metric), "value"])

    # the visits that can move to a new desk are (1 - central share) of all: 0.4 / 0.6 of what they were
    assert of(res.table, "visits_demand") == pytest.approx(of(base.table, "visits_demand") * 0.4 / 0.6, rel=1e-3)
    assert of(res.table, "visits_served") <= of(base.table, "visits_served") + 1e-9  # capacity may bind
    page = dash.get("/dashboard/opties?central_share=60")  # shares are typed in per cent
    assert page.status_code == 200 and "U rekent met andere aannames" in page.text


def test_explorer_errors_are_summarised_and_linked_to_their_fields(dash: DashApp) -> None:
    res = dash.get("/dashboard/opties", params={"central_share": "veel", "open_weeks": "99",
                                                "district_desk.annual_cost": "500000"})
    assert res.status_code == 200
    summary = res.text.split('role="alert"')[1].split("</div>")[0]
    assert 'href="#f-central_share"' in summary and 'href="#f-open_weeks"' in summary
    assert re.search(r'id="f-central_share"[^>]*aria-invalid="true"', res.text.replace("\n", " "))
    assert "U rekent met andere aannames" not in res.text  # nothing recomputed on a bad value


def test_scenario_with_moves_the_range_with_the_value() -> None:
    sc = uc_plan.scenario_assumptions(None)
    moved = uc.scenario_with(sc, {"district_desk.annual_cost": 800000.0, "threshold_minutes": 20.0})
    r = next(o for o in moved.options if o.id == "district_desk").values["annual_cost"]
    assert (r.low, r.mode, r.high) == (700000.0, 800000.0, 940000.0)  # 350-400-470k times 2
    assert moved.threshold == 20.0 and sc.threshold == 15.0
    with pytest.raises(Exception, match="scenario_assumption"):
        uc.scenario_with(sc, {"nonsense": 1.0})


@pytest.mark.parametrize(("text", "value"), [("0,4", 0.4), ("0.4", 0.4), ("400.000", 400000.0),
                                             ("400,000", 400000.0), ("1.234,5", 1234.5), ("€ 12", 12.0),
                                             ("abc", None), ("", None), ("inf", None)])
def test_numbers_as_advisers_type_them(text: str, value: float | None) -> None:
    assert uc.parse_number(text) == value


def test_survey_page_shows_the_weighted_results_and_the_response(dash: DashApp) -> None:
    from wijkloket.store.survey_db import SurveyStore

    res = dash.get("/dashboard/peiling")
    assert res.status_code == 200
    assert 'id="behoeftepeiling"' in res.text and "95%" in res.text
    with SurveyStore(f"sqlite:///{(dash.folder / 'enquete.sqlite').as_posix()}") as db:
        rec = db.survey("GM0392", None)
        gross = db.sample(rec.survey_id).groupby("stratum").size()
    for stratum, n in gross.items():
        assert fmt_number(int(n), "nl") in _texts(_row_of(res.text, str(stratum)))


def test_no_page_loads_anything_from_another_host(dash: DashApp) -> None:
    for path in (*PAGES, "/dashboard/kaart?indicator=share_age_65_plus", "/dashboard/opties?central_share=50"):
        res = dash.get(path)
        assert res.status_code == 200, path
        for attr, url in re.findall(r'\b(src|href|action)="([^"]*)"', res.text):
            assert url.startswith(("/", "#", "data:image/", "?")), (path, attr, url)
        visible = re.sub(r'src="data:[^"]*"', "", res.text)
        others = [u for u in re.findall(r"https?://[^\s\"'<>)]+", visible) if not u.startswith("http://testserver")]
        assert others == [], path
        csp = res.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp


def test_every_dashboard_page_links_the_others(dash: DashApp) -> None:
    res = dash.get("/dashboard/balie")
    for path in PAGES:
        assert f'href="{path}"' in res.text


def test_a_workspace_without_cbs_data_gives_a_clear_page(tmp_path: Path) -> None:
    folder = tmp_path / "empty"
    folder.mkdir()
    (folder / SETTINGS_FILE).write_text(Settings(gemeente="GM9999", name="Testdorp").to_toml(), "utf-8")
    config = WebConfig(workspace=folder, survey_db_url=f"sqlite:///{(folder / 'enquete.sqlite').as_posix()}",
                       key_file=None, secret="0" * 64)
    with TestClient(create_app(config), raise_server_exceptions=False) as client:
        for path in PAGES:
            res = client.get(path)
            assert res.status_code == 503, (path, res.text[:500])
            assert "Het dashboard kan deze werkmap niet tonen" in res.text
        assert client.get("/api/profile").status_code == 503
