"""The report's survey section, built from a hand-made `SurveyResults`: response per district recomputed from
the counts, estimates with their intervals, unreliable ones marked, suppressed ones as x, themes as counts
only, the synthetic label, the methods items; and no verbatim open answer anywhere in the HTML."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from wijkloket.report.blocks import Figure, Paragraph, Table
from wijkloket.report.context import ReportData
from wijkloket.report.formatting import cell_text
from wijkloket.report.html import page
from wijkloket.report.sections import build
from wijkloket.report.sections.methods import methods
from wijkloket.report.sections.survey import survey_section
from wijkloket.store.survey_db import SurveyRecord
from wijkloket.survey.questionnaire import default_questionnaire
from wijkloket.survey.themes import count_themes

CANARY = "Mevrouw Canarie van de Vogelstraat wacht al weken"  # a verbatim answer that must never be shown


@dataclass
class HandResults:
    table: pd.DataFrame
    survey: SurveyRecord
    questionnaire: Any
    weighting: dict[str, Any]
    fieldwork: pd.DataFrame
    r_indicator: dict[str, float]
    synthetic: bool


@dataclass
class HandSurvey:
    results: HandResults
    fieldwork: pd.DataFrame
    themes: pd.DataFrame | None = field(default=None)


def _row(question: str, answer: str, level: str, domain: str, est: float, lo: float, hi: float, n: int,
         reliable: bool = True, suppressed: bool = False) -> dict[str, Any]:
    return {"question": question, "answer": answer, "domain_level": level, "domain": domain, "estimate": est,
            "se": (hi - lo) / 3.92, "ci_low": lo, "ci_high": hi, "n": n, "deff": 1.2, "cv": 0.1,
            "reliable": reliable, "suppressed": suppressed}


def hand_survey(synthetic: bool = True) -> HandSurvey:
    q = default_questionnaire()
    rows = [
        _row("barriers", "distance", "district", "Oud", 23.4, 18.2, 29.1, 250),
        _row("barriers", "digital_skills", "district", "Oud", 12.6, 8.7, 17.9, 250),
        _row("barriers", "distance", "district", "Nieuw", 8.0, 2.9, 20.1, 25, reliable=False),
        _row("barriers", "digital_skills", "district", "Nieuw", float("nan"), float("nan"), float("nan"), 25,
             reliable=False, suppressed=True),
        _row("barriers", "distance", "total", "total", 18.1, 14.6, 22.2, 275),
        _row("barriers", "digital_skills", "total", "total", 11.0, 7.9, 15.1, 275),
        _row("barriers", "distance", "age_band", "65+", 20.5, 14.0, 29.0, 90),
        _row("barriers", "digital_skills", "age_band", "65+", 31.0, 23.0, 40.3, 90),
        _row("preference", "home_visit", "district", "Oud", 6.1, 3.7, 9.8, 250),
        _row("preference", "home_visit", "total", "total", 6.0, 3.8, 9.4, 275),
    ]
    fieldwork = pd.DataFrame({"stratum": ["Oud", "Nieuw", "total"], "gross": [810, 110, 920],
                              "responded": [250, 25, 275], "web": [180, float("nan"), 200],
                              "paper": [60, float("nan"), 70], "phone": [10, float("nan"), 5]})
    record = SurveyRecord(1, "peiling-2027", "GM9999", q.version, "", "district", 11, "2027-03-01", None, False,
                          synthetic)
    weighting = {"margins": [["district", "age_band"], ["sex"]], "margin_spec": "district*age_band,sex",
                 "iterations": 7, "converged": True, "bounds": [0.3, 3.0],
                 "bounded": 2, "deff": 1.31, "n_eff": 210.0,
                 "reconciliation": [{"margin": "sex", "adjustment": 5.0, "adjustment_pct": 0.01}]}
    results = HandResults(pd.DataFrame(rows), record, q, weighting, fieldwork,
                          {"r": 0.82, "se": 0.03, "ci_low": 0.76, "ci_high": 0.88}, synthetic)
    texts = pd.DataFrame({"respondent": [f"r{i}" for i in range(40)],
                          "district": ["Oud"] * 30 + ["Nieuw"] * 10,
                          "text": [CANARY] * 12 + ["Het stadhuis is te ver weg."] * 18 + ["De bus rijdt niet."] * 10})
    return HandSurvey(results, fieldwork, count_themes(texts, domains=["Oud", "Nieuw"]))


@pytest.fixture
def survey_data(tiny: ReportData) -> ReportData:
    return replace(tiny, survey=hand_survey())


def _tables(section: Any) -> list[Table]:
    return section.of_kind(Table)


def _texts(table: Table, lang: str = "nl") -> list[list[str]]:
    return [[cell_text(c, col, lang) for c, col in zip(r.cells, table.columns, strict=True)] for r in table.rows]


def test_no_survey_no_section(tiny: ReportData) -> None:
    assert survey_section(tiny) is None
    assert all(s.id != "behoeftepeiling" for s in build(tiny))


def test_response_table_recomputes_the_rate_and_suppresses(survey_data: ReportData) -> None:
    section = survey_section(survey_data)
    assert section is not None and section.synthetic
    response = _tables(section)[0]
    rows = _texts(response)
    # Oud: 250 of 810 = 30.86% -> "30,9"; Nieuw: 25 of 110 = 22.7%; total 275 / 920 = 29.89%, the last row
    assert rows[0][:4] == ["Oud", "810", "250", "30,9"]
    assert rows[1][:4] == ["Nieuw", "110", "25", "22,7"]
    assert rows[1][4:] == ["x", "x", "x"]
    assert rows[-1][:4] == ["Hele gemeente", "920", "275", "29,9"] and response.rows[-1].emphasis


def test_estimates_show_interval_mark_unreliable_and_suppress(survey_data: ReportData) -> None:
    section = survey_section(survey_data)
    assert section is not None
    barriers = _tables(section)[1]
    keys = [c.key for c in barriers.columns]
    assert keys[:3] == ["domain", "distance", "digital_skills"] and keys[-1] == "n"
    oud, nieuw, city = barriers.rows
    assert oud.cells[1].value == pytest.approx(23.4) and oud.cells[1].note == "18–29"
    assert nieuw.cells[1].note == "3–20, onbetrouwbaar"  # unreliable: marked (8.0, 2.9-20.1)
    assert nieuw.cells[1].muted and not oud.cells[1].muted  # and greyed
    assert nieuw.cells[2].suppressed  # suppressed: x
    assert city.emphasis and city.cells[0].value == "Hele gemeente"
    assert _texts(barriers)[0][1] == "23"
    by_age = _tables(section)[2]
    assert [r.cells[0].value for r in by_age.rows] == ["65+", "Hele gemeente"]
    summary = [p.text for p in section.of_kind(Paragraph) if p.text.startswith("Het hoogste")]
    # the highest reliable published district estimate: Oud, distance 23.4 (18.2-29.1); city 18.1
    assert summary[0] == ("Het hoogste cijfer: in Oud kiest 23% van de inwoners 'Het stadhuis is ver weg' "
                          "(tussen 18% en 29%). In de hele gemeente is dat 18%.")


def test_figures_and_synthetic_label(survey_data: ReportData) -> None:
    section = survey_section(survey_data)
    assert section is not None
    figures = section.of_kind(Figure)
    assert len(figures) == 2 and all(f.synthetic and f.wide for f in figures)
    assert b"Oud" in figures[0].image.data and b"SYNTHETISCH" in figures[0].image.data
    assert section.of_kind(Paragraph)[0].style == "synthetic_notice"
    real = survey_section(replace(survey_data, survey=hand_survey(synthetic=False)))
    assert real is not None and not real.synthetic
    assert all(p.style != "synthetic_notice" for p in real.of_kind(Paragraph))


def test_themes_are_counts_only(survey_data: ReportData) -> None:
    section = survey_section(survey_data)
    assert section is not None
    themes = _tables(section)[-1]
    rows = {r.cells[0].value: _texts(themes)[i] for i, r in enumerate(themes.rows)}
    # by hand: distance = "te ver weg" (18, Oud) + "bus" (10, Nieuw): 18, 10, 28; waiting = the canary (12, Oud)
    assert rows["Afstand en reizen"][1:] == ["18", "10", "28"]
    assert rows["Wachttijd"][1:] == ["12", "-", "12"]
    assert rows["Inwoners met een open antwoord"][1:] == ["30", "10", "40"]


def test_no_verbatim_text_in_the_html(survey_data: ReportData) -> None:
    html = page(build(survey_data), survey_data)
    assert "behoeftepeiling" in html
    assert "Canarie" not in html and "Vogelstraat" not in html and "te ver weg." not in html
    assert "Behoeftepeiling: wat zeggen inwoners zelf?" in html
    assert html.count('<td class="muted">') >= 1  # the unreliable estimate is greyed


def test_methods_items(survey_data: ReportData) -> None:
    items = methods(survey_data).blocks[0].items  # type: ignore[union-attr]
    text = " ".join(str(i) for i in items)
    version = default_questionnaire().version
    assert f"versie {version}" in text
    assert "stadsdeel x leeftijdsgroep, geslacht" in text and "7 rondes" in text and "gelijkgetrokken: sex" in text
    assert "tussen 0,30 en 3,00" in text and "1,31" in text
    assert "internet 200, papier 70, telefoon 5" in text
    tiny_items = methods(replace(survey_data, survey=None)).blocks[0].items  # type: ignore[union-attr]
    assert len(items) > len(tiny_items)


def test_english(survey_data: ReportData) -> None:
    data = replace(survey_data, lang="en")
    section = survey_section(data)
    assert section is not None and section.title == "Needs survey: what do residents say?"
    html = page(build(data), data)
    assert "Whole municipality" in html and "Canarie" not in html


def test_published_fieldwork_protects_small_counts() -> None:
    from wijkloket.usecases.report import published_fieldwork

    table = pd.DataFrame({"stratum": ["A", "B"], "gross": [300, 250], "responded": [73, 67],
                          "web": [50, 40], "paper": [20, 15], "phone": [3, 12]})
    out = published_fieldwork(table).set_index("stratum")
    assert list(out.index) == ["A", "B", "total"]
    assert out.loc["total", "gross"] == 550 and out.loc["A", "gross"] == 300  # design figures: always shown
    assert np.isnan(out.loc["A", "phone"])  # 3 < 10
    # A's 3 cannot be worked out: another cell of its row and of its column is hidden as well
    assert out.loc["A", ["web", "paper", "responded"]].isna().sum() >= 1
    assert out.loc[["B", "total"], "phone"].isna().sum() >= 1
    assert out.loc["B", "web"] == 40 or np.isnan(out.loc["B", "web"])


def test_demo_chain_recovers_the_planted_differences(desk_ws: Path, data: Path, tmp_path: Path) -> None:
    """The demo's survey chain (frame, draw, synthetic answers, entry, weighting) on a copy of a Haarlem
    workspace, then the report's survey data: the 95% interval of each weighted estimate per district holds the
    planted population share (mean of the planted probabilities over the frame's residents of the district), and
    the planted difference between Schalkwijk and Centrum shows as intervals that do not overlap."""
    import shutil

    from wijkloket.indicators.registry import default_registry
    from wijkloket.store.survey_db import SurveyStore, survey_db_url
    from wijkloket.store.workspace import Workspace
    from wijkloket.survey.codes import make_code
    from wijkloket.synthetic.survey import age_band_labels, planted_proportions, synthetic_frame
    from wijkloket.usecases.demo import survey_chain
    from wijkloket.usecases.report import survey_report
    from wijkloket.usecases.simulate import simulation_areas
    from wijkloket.usecases.survey_keys import read_key

    ws = tmp_path / "haarlem"
    shutil.copytree(desk_ws, ws)
    with Workspace(ws, read_only=True) as w:
        areas, _ = simulation_areas("GM0392", default_registry(), [], w)
    demo = survey_chain(ws, areas, "GM0392", tmp_path / "synth", seed=5)  # seed 5: desk_ws's postcode table
    assert demo.entered > 1000 and demo.rejected == 0 and demo.weighted == demo.entered
    assert not any(p.name.startswith("wijkloket-demo-survey-") for p in Path(tempfile.gettempdir()).iterdir())
    # The key stays outside the workspace (the survey stays in fieldwork); the merge file is gone.
    assert demo.key_file == tmp_path / "haarlem-sleutel" / "GM0392-behoeftepeiling-synthetisch.key"
    assert [p.name for p in demo.key_file.parent.iterdir()] == [demo.key_file.name]
    assert not list(ws.rglob("*.key")) and not list(tmp_path.rglob("uitnodigingen.csv"))
    key = read_key(demo.key_file)
    with SurveyStore(survey_db_url(ws)) as db:
        sample = db.sample(db.survey("GM0392").survey_id)
    not_answered = {make_code(key, demo.name, int(u)) for u in sample.loc[~sample["responded"], "unit_no"]}
    assert len(set(demo.trial_codes)) == 3 and set(demo.trial_codes) <= not_answered
    report = survey_report(ws, "GM0392")
    assert report is not None and report.results.synthetic
    frame = synthetic_frame(areas, "GM0392", 5)
    districts = pd.read_csv(data / "haarlem" / "stadsdelen_2024.csv").set_index("area_code")["district"]
    units = frame.assign(district=frame["area_code"].map(districts), age_band=age_band_labels(frame["age"].to_numpy()))
    truth = planted_proportions(units, default_questionnaire(), by=("district",)).set_index(
        ["district", "question", "answer"])["planted"] * 100
    t = report.results.table
    est = t[(t["domain_level"] == "district") & (t["question"] == "barriers")].set_index(["domain", "answer"])
    inside = []
    for district in districts.unique():
        for code in ("distance", "digital_skills"):
            row = est.loc[(district, code)]
            inside.append(bool(row["ci_low"] <= truth[(district, "barriers", code)] <= row["ci_high"]))
    assert all(inside), inside  # every planted share lies within its 95% interval (10 of 10, seed 5)
    assert est.loc[("Schalkwijk", "distance"), "ci_low"] > est.loc[("Centrum", "distance"), "ci_high"]
    assert report.themes is not None and report.fieldwork["stratum"].iloc[-1] == "total"


def test_no_survey_database_no_survey(tmp_path: Path) -> None:
    from wijkloket.usecases.report import survey_report

    assert survey_report(tmp_path, "GM0392") is None
    assert not (tmp_path / "enquete.sqlite").exists()  # the report does not create a survey database
