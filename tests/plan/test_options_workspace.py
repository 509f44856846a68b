"""`plan options` on the demo workspace (Haarlem, synthetic desk log and points) and on a workspace
with a hand-made points file: the tidy CSV, the table, Excel, the report section, the seed, and a clear
message (exit 2, no traceback) for every mistake in a scenario file."""

from __future__ import annotations

import csv
import io
import tomllib
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

Cli = Callable[..., tuple[int, str, str]]
FIRST = ["option", "label", "metric", "value", "low", "high", "unit", "applies"]


def builtin_text() -> str:
    return resources.files("wijkloket.data").joinpath("scenarios.toml").read_text("utf-8")


def mode(value: Any) -> float:
    return float(value["mode"] if "mode" in value else value["value"]) if isinstance(value, dict) else float(value)


def high(value: Any) -> float:
    return float(value.get("high", value.get("value"))) if isinstance(value, dict) else float(value)


@pytest.fixture(scope="module")
def demo_csv(demo_ws: Path) -> tuple[list[str], list[dict[str, str]]]:
    import contextlib
    import sys

    from wijkloket import cli as cli_module

    out = io.StringIO()
    argv = sys.argv
    sys.argv = ["wijkloket", "plan", "options", "--format", "csv", "-w", str(demo_ws)]
    try:
        with contextlib.redirect_stdout(out):
            cli_module.main()
    except SystemExit as exc:
        assert not exc.code
    finally:
        sys.argv = argv
    reader = csv.DictReader(io.StringIO(out.getvalue()))
    rows = list(reader)
    return list(reader.fieldnames or []), rows


def figure(rows: list[dict[str, str]], option: str, metric: str) -> dict[str, str]:
    (row,) = [r for r in rows if r["option"] == option and r["metric"] == metric]
    return row


def test_demo_mobile_desk_serves_at_most_its_capacity(demo_csv: tuple[list[str], list[dict[str, str]]]) -> None:
    sc = tomllib.loads(builtin_text())
    van = next(o for o in sc["option"] if o["id"] == "mobile_desk")
    a = sc["assumptions"]
    # open 2 days a week, 3 hours a day (6 hours a week), one counter, 3 appointments an hour:
    # 92 days x 3 h x 1 x 3 = 828 visits a year at most (and 92 x 3 x 1 x 4 = 1,104 with 4 an hour)
    capacity = mode(van["days_per_year"]) * mode(van["hours_per_day"]) * mode(van["counters"]) * mode(
        a["appointments_per_hour"])
    assert capacity == 828
    assert mode(van["days_per_year"]) * mode(van["hours_per_day"]) / 46 == 6  # hours a week
    _, rows = demo_csv
    served = figure(rows, "mobile_desk", "visits_served")
    assert float(served["value"]) <= capacity + 1e-6
    assert float(figure(rows, "mobile_desk", "capacity")["value"]) == pytest.approx(capacity)
    top = mode(van["days_per_year"]) * mode(van["hours_per_day"]) * mode(van["counters"]) * high(
        a["appointments_per_hour"])
    assert float(served["high"]) <= top + 1e-6
    # far from the 10,720 visits (116 a day) the old model credited it with
    assert float(served["value"]) < 1000
    desk = next(o for o in sc["option"] if o["id"] == "district_desk")
    desk_cap = mode(desk["hours_per_week"]) * mode(desk["counters"]) * mode(a["appointments_per_hour"]) * mode(
        a["open_weeks"])
    assert float(figure(rows, "district_desk", "visits_served")["value"]) <= desk_cap + 1e-6
    # served + unserved = demand
    for option in ("district_desk", "mobile_desk"):
        parts = [float(figure(rows, option, m)["value"]) for m in ("visits_served", "unserved_visits", "visits_demand")]
        assert parts[0] + parts[1] == pytest.approx(parts[2], rel=1e-6)


def test_csv_is_tidy_with_reasons(demo_csv: tuple[list[str], list[dict[str, str]]]) -> None:
    columns, rows = demo_csv
    assert columns[:8] == FIRST and {"synthetic", "reason"} <= set(columns)
    metrics = {r["metric"] for r in rows}
    assert {"annual_cost", "visits_served", "cost_per_visit", "travel_hours_saved", "cost_per_travel_hour",
            "unserved_visits", "newly_within_share_age_65_plus", "faster_by_n_share_age_65_plus"} <= metrics
    options = {r["option"] for r in rows}
    assert len(rows) == len(options) * len(metrics)  # one row per option and figure
    # The demo's service points are real (the polling-station list), its desk log synthetic: a figure
    # is synthetic when it rests on the log's visit rate (visits, travel saved of a desk or mobile desk),
    # not when it comes from the scenario alone (annual cost) or from other options.
    for option in ("district_desk", "mobile_desk"):
        assert figure(rows, option, "visits_served")["synthetic"] == "True"
        assert figure(rows, option, "travel_hours_saved")["synthetic"] == "True"
        assert figure(rows, option, "annual_cost")["synthetic"] == "False"
    assert {r["synthetic"] for r in rows if r["option"] in ("visibility", "library_hours", "home_visits")} == {"False"}
    for r in rows:
        if r["applies"] == "False":
            assert r["value"] == r["low"] == r["high"] == "" and r["reason"]
        else:
            assert float(r["low"]) <= float(r["high"]) and not r["reason"]
    camp = figure(rows, "visibility", "cost_per_visit")
    assert camp["applies"] == "False" and "campagne" in camp["reason"]
    desk = figure(rows, "district_desk", "cost_per_visit")
    cost, served = (float(figure(rows, "district_desk", m)["value"]) for m in ("annual_cost", "visits_served"))
    assert float(desk["value"]) == pytest.approx(cost / served, rel=1e-4)
    assert desk["unit"] == "EUR/visit"


def test_table_xlsx_and_english(demo_ws: Path, cli: Cli, tmp_path: Path) -> None:
    code, out, err = cli("plan", "options", "-w", demo_ws)
    assert code == 0, err
    assert "n.v.t." in out and "80%:" in out and "bron:" in out and "SYNTHETISCH" in out
    assert "Varkevisser" in out  # the source of the choice model is printed beside it
    code, out, err = cli("plan", "options", "--lang", "en", "-w", demo_ws)
    assert code == 0, err
    assert "n/a" in out and "source:" in out and "Cost per visit served" in out
    import openpyxl

    path = tmp_path / "opties.xlsx"
    code, out, err = cli("plan", "options", "--format", "xlsx", "-o", path, "-w", demo_ws)
    assert code == 0, err
    book = openpyxl.load_workbook(path, read_only=True)
    assert book.sheetnames == ["Opties", "Alle cijfers", "Aannames", "Tornado", "Toelichting"]
    header = [c.value for c in next(book["Opties"].iter_rows(min_row=3, max_row=3))]  # title, SYNTHETISCH
    assert header[:2] == ["Optie", "Kosten per jaar (€ per jaar)"]
    names = [r[1] for r in book["Aannames"].iter_rows(min_row=3, values_only=True)]
    assert {"beta_per_minute", "central_share", "annual_cost"} <= set(names)


def test_seed_and_draws(demo_ws: Path, cli: Cli) -> None:
    def low(*args: str) -> str:
        code, out, err = cli("plan", "options", "--format", "csv", *args, "-w", demo_ws)
        assert code == 0, err
        return figure(list(csv.DictReader(io.StringIO(out))), "district_desk", "cost_per_visit")["low"]

    assert low("--draws", "300", "--seed", "5") == low("--draws", "300", "--seed", "5")
    assert low("--draws", "300", "--seed", "5") != low("--draws", "300", "--seed", "6")
    code, _, err = cli("plan", "options", "--draws", "0", "-w", demo_ws)
    assert code == 2 and "draws" in err and "Traceback" not in err


BAD = {  # case: (text of the built-in file, what it becomes, what the message names)
    "unknown field": ("stops = 3", "stops = 3\nhours_per_week = 6", ["mijn.toml", "mobile_desk", "hours_per_week"]),
    "low above high": ('low = 350000, mode = 400000, high = 470000, source = "informatienota',
                       'low = 470000, mode = 400000, high = 350000, source = "informatienota',
                       ["mijn.toml", "district_desk", "annual_cost", "470000"]),
    "negative cost": ("low = 90, mode = 120, high = 160", "low = -90, mode = 120, high = 160",
                      ["home_visits", "cost_per_visit", "-90"]),
    "negative hours": ("hours_per_day = { value = 3,", "hours_per_day = { value = -3,",
                       ["mobile_desk", "hours_per_day", "-3"]),
    "unknown kind": ('kind = "visibility"', 'kind = "billboard"', ["billboard", "home_visits"]),
    "unknown assumption": ("\n[uncertainty]\n", "\ncapture_share = 0.6\n\n[uncertainty]\n",
                           ["[assumptions]", "capture_share"]),
    "no hours": ('hours_per_week = { value = 20, source = "keuze in dit scenario", source_en = "choice in this '
                 'scenario" }', "", ["district_desk", "hours_per_week", "Wijkcentrum"]),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_scenario_files_give_a_message(case: str, demo_ws: Path, cli: Cli, tmp_path: Path) -> None:
    old, new, needles = BAD[case]
    text = builtin_text()
    assert old in text
    f = tmp_path / "mijn.toml"
    f.write_text(text.replace(old, new, 1), "utf-8")
    code, _, err = cli("plan", "options", "--scenarios", f, "-w", demo_ws)
    assert code == 2 and "Traceback" not in err, err
    for needle in needles:
        assert needle in err, (case, needle, err)


def test_locate_capacity_without_capacities(haarlem_ws: Path, fixtures: Path, cli: Cli, tmp_path: Path) -> None:
    rows = (fixtures / "points_haarlem.csv").read_text("utf-8").splitlines()
    header = rows[0].split(",")
    keep = [i for i, c in enumerate(header) if c != "capacity_per_week"]
    f = tmp_path / "punten.csv"
    f.write_text("\n".join(",".join(r.split(",")[i] for i in keep) for r in rows) + "\n", "utf-8")
    assert cli("add", "points", f, "-w", haarlem_ws)[0] == 0
    code, _, err = cli("plan", "locate", "--add", "1", "--capacity", "-w", haarlem_ws)
    assert code == 2 and "Traceback" not in err, err
    assert "capacity_per_week" in err and "Stadhuis Haarlem" in err


def test_report_section(demo_ws: Path) -> None:
    from wijkloket.indicators.registry import load_registry
    from wijkloket.report.blocks import BulletList, Figure, Table, Term
    from wijkloket.report.sections.options import options
    from wijkloket.usecases import open_workspace
    from wijkloket.usecases.analysis import Analysis
    from wijkloket.usecases.report import report_data

    with open_workspace(demo_ws) as ws:
        an = Analysis(ws, load_registry())
        sec = options(report_data(an, "nl"))
        res = an.options()
    assert res.seconds < 10  # model, 2,000 draws and tornado on the demo
    assert sec is not None and sec.title == "Opties: kosten en bereik" and sec.synthetic
    (table,) = sec.of_kind(Table)
    assert [c.kind for c in table.columns][1] == "money" and table.synthetic
    labels = [str(r.cells[0].value) for r in table.rows]
    campaign = table.rows[labels.index("Campagne: bestaande hulp in de wijk zichtbaar maken")]
    per_visit = [c.key for c in table.columns].index("cost_per_visit")
    na = campaign.cells[per_visit]
    assert na.not_applicable and na.value is None and "campagne" in na.note
    desk = table.rows[0].cells[per_visit]
    assert isinstance(desk.value, float) and desk.note.startswith("80%: € ")
    figures = sec.of_kind(Figure)
    assert len(figures) == 3 and all(f.image.data.startswith(b"<?xml") for f in figures)  # desk, van, home visits
    terms = [i.term for b in sec.of_kind(BulletList) for i in b.items if isinstance(i, Term)]
    # the assumptions, by their names in Dutch (beta_per_minute, district_desk.annual_cost)
    assert "Gevoeligheid van de keuze voor reistijd (beta van de logit)" in terms
    assert "Fysiek wijkloket (structureel): kosten per jaar" in terms
    texts = [i for b in sec.of_kind(BulletList) for i in b.items if isinstance(i, str)]
    for label in ("Kosten per bediend bezoek: ", "Reisuren bespaard: ", "Inwoners: nieuw binnen 15 min"):
        assert any(t.startswith(label) for t in texts), label  # the definitions
