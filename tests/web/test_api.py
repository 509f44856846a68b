"""The JSON API (issue 11, point 4) on the demo workspace: the figures of the report, small counts suppressed,
a synthetic flag per response, described at /api/openapi.json. Values are checked against the source files
and the survey database."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_dashboard import DashApp, centrum_population, shared_app


@pytest.fixture(scope="module")
def dash(demo_ws: Path, tmp_path_factory: pytest.TempPathFactory) -> DashApp:
    return shared_app(demo_ws, tmp_path_factory.getbasetemp())


def test_openapi_describes_every_endpoint_with_a_response_model(dash: DashApp) -> None:
    spec = dash.get("/api/openapi.json").json()
    paths = {p for p in spec["paths"] if p.startswith("/api/")}
    assert paths >= {"/api/profile", "/api/desk/{kind}", "/api/options", "/api/survey/fieldwork",
                     "/api/survey/results"}
    for path in paths:
        ok = spec["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
        assert "$ref" in ok, path
    assert not any(p.startswith("/dashboard") for p in spec["paths"])


def test_profile_has_the_cbs_population_and_is_not_synthetic(dash: DashApp, data: Path) -> None:
    res = dash.get("/api/profile?level=district")
    assert res.status_code == 200
    body = res.json()
    assert body["gemeente"] == "GM0392" and body["synthetic"] is False
    assert {r["level"] for r in body["rows"]} == {"district"}
    centrum = next(r for r in body["rows"] if r["area_name"] == "Centrum" and r["indicator"] == "population")
    assert centrum["value"] == centrum_population(data)
    city = dash.get("/api/profile?level=gemeente").json()["rows"]
    share = next(r for r in city if r["indicator"] == "share_age_65_plus")
    assert share["index_city"] == pytest.approx(100.0)


def test_desk_use_is_synthetic_with_small_counts_suppressed(dash: DashApp) -> None:
    res = dash.get("/api/desk/visit?level=district")
    assert res.status_code == 200
    body = res.json()
    assert body["kind"] == "visit" and body["synthetic"] is True
    rows = body["rows"]
    assert rows and {r["level"] for r in rows} == {"district"}
    hidden = [r for r in rows if r["suppressed"]]
    assert all(r["value"] is None for r in hidden)
    counts = [r["value"] for r in rows if r["indicator"] == "visits" and not r["suppressed"]]
    assert counts and all(v == 0 or v >= body["threshold"] for v in counts)
    year = max(body["years"])
    one = dash.get(f"/api/desk/visit?level=district&year={year}").json()["rows"]
    assert one and {r["year"] for r in one} == {year}


def test_desk_kind_is_checked(dash: DashApp) -> None:
    assert dash.get("/api/desk/issuance").json()["synthetic"] is True
    res = dash.get("/api/desk/nonsense")
    assert res.status_code == 422 and res.headers["content-type"].startswith("application/json")


def test_options_have_their_intervals(dash: DashApp) -> None:
    body = dash.get("/api/options").json()
    assert body["synthetic"] is True and body["draws"] > 0
    rows = [r for r in body["rows"] if r["applies"]]
    assert rows
    for r in rows:
        assert r["low"] <= r["value"] + 1e-6 and r["value"] <= r["high"] + 1e-6, r
    assert {r["option"] for r in body["rows"]} >= {"district_desk", "mobile_desk"}
    english = dash.get("/api/options?lang=en").json()
    assert english["rows"][0]["label"] != body["rows"][0]["label"]


def test_fieldwork_counts_the_sample_and_suppresses_small_counts(dash: DashApp) -> None:
    from wijkloket.store.survey_db import SurveyStore

    body = dash.get("/api/survey/fieldwork").json()
    assert body["synthetic"] is True
    rows = body["rows"]
    assert rows[-1]["stratum"] == "total"
    with SurveyStore(f"sqlite:///{(dash.folder / 'enquete.sqlite').as_posix()}") as db:
        rec = db.survey("GM0392", None)
        sample = db.sample(rec.survey_id)
    gross = sample.groupby("stratum").size()
    assert {r["stratum"]: r["gross"] for r in rows[:-1]} == {str(k): int(v) for k, v in gross.items()}
    assert rows[-1]["gross"] == len(sample)
    for r in rows:
        for mode in ("web", "paper", "phone", "responded"):
            assert r[mode] is None or r[mode] == 0 or r[mode] >= 10, (r, mode)


def test_results_by_district_with_intervals(dash: DashApp) -> None:
    res = dash.get("/api/survey/results?by=district")
    assert res.status_code == 200
    body = res.json()
    assert body["by"] == "district" and body["synthetic"] is True
    levels = {r["domain_level"] for r in body["rows"]}
    assert "district" in levels
    for r in body["rows"]:
        if r["suppressed"]:
            assert r["estimate"] is None and r["ci_low"] is None
        elif r["estimate"] is not None and r["ci_low"] is not None:
            assert r["ci_low"] - 1e-9 <= r["estimate"] <= r["ci_high"] + 1e-9
    assert dash.get("/api/survey/results?by=nonsense").status_code == 422
