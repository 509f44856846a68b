"""Scenario files: the syntax of values and ranges, and an error for every mistake that names the file,
the option, the field and the fix."""

from __future__ import annotations

import copy
import tomllib
from importlib import resources
from typing import Any

import pytest

from wijkloket.errors import WijkloketError
from wijkloket.i18n import render_error
from wijkloket.plan.scenarios import FIELDS, OPTION_KINDS, Range, load_scenarios, parse_scenarios


def builtin() -> dict[str, Any]:
    return tomllib.loads(resources.files("wijkloket.data").joinpath("scenarios.toml").read_text("utf-8"))


def test_builtin_scenarios_load_with_every_kind_and_sources() -> None:
    sc = load_scenarios(None)
    assert [o.kind for o in sc.options] == list(OPTION_KINDS)
    assert sc.file == "data/scenarios.toml" and sc.distribution == "pert" and sc.draws == 2000
    assert sc.mode == "bike" and sc.threshold == 15 and sc.faster_by == 5
    desk = sc.options[0]
    assert desk.values["annual_cost"] == Range(350000, 400000, 470000, desk.values["annual_cost"].source,
                                               desk.values["annual_cost"].source_en)
    assert "2021/547821" in desk.values["annual_cost"].source
    # every uncertain assumption says where it comes from, in both languages
    for r in [*sc.assumptions.values(), *(r for o in sc.options for r in o.values.values())]:
        assert r.source and r.source_en


def test_value_forms() -> None:
    raw = builtin()
    opt = raw["option"][0]
    for given, expected in [(400000, (400000, 400000, 400000)), ([350000, 400000, 470000], (350000, 400000, 470000)),
                            ({"low": 1, "mode": 2, "high": 3, "source": "s"}, (1, 2, 3)),
                            ({"value": 7, "source": "s"}, (7, 7, 7))]:
        opt["annual_cost"] = given
        r = parse_scenarios(raw, "x.toml").options[0].values["annual_cost"]
        assert (r.low, r.mode, r.high) == expected


def _error(change: Any, lang: str = "nl") -> tuple[WijkloketError, str]:
    raw = builtin()
    change(raw)
    with pytest.raises(WijkloketError) as exc:
        parse_scenarios(raw, "mijn.toml")
    return exc.value, render_error(exc.value, lang)


CASES: list[tuple[str, Any, str, list[str]]] = [
    ("unknown assumption", lambda r: r["assumptions"].update(capture_share=0.6), "error.scenario_assumption",
     ["mijn.toml", "capture_share", "central_share"]),
    ("unknown field", lambda r: r["option"][1].update(hours_per_week=6), "error.scenario_field",
     ["mijn.toml", '"mobile_desk"', "hours_per_week", "hours_per_day", "Oplossing"]),
    ("unknown range key", lambda r: r["option"][0].update(annual_cost={"value": 1, "bron": "x"}),
     "error.scenario_field", ["annual_cost.bron", "source"]),
    ("unknown section", lambda r: r.update(opties=[]), "error.scenario_section", ["[opties]", "option"]),
    ("unknown kind", lambda r: r["option"][0].update(kind="teleport"), "error.scenario_kind", ["teleport", "mobile"]),
    ("low > high", lambda r: r["option"][0].update(annual_cost=[470000, 400000, 350000]), "error.scenario_order",
     ['"district_desk"', "annual_cost", "470000", "350000"]),
    ("mode outside", lambda r: r["option"][0].update(annual_cost=[350000, 500000, 470000]), "error.scenario_mode",
     ["annual_cost", "500000"]),
    ("negative cost", lambda r: r["option"][2].update(cost_per_visit=-120), "error.scenario_negative",
     ['"home_visits"', "cost_per_visit", "-120"]),
    ("negative hours", lambda r: r["option"][1].update(hours_per_day=[-1, 3, 4]), "error.scenario_negative",
     ["hours_per_day", "-1"]),
    ("share above 1", lambda r: r["assumptions"].update(central_share=1.4), "error.scenario_bounds",
     ["[assumptions]", "central_share", "0–1"]),
    ("a definition as range", lambda r: r["assumptions"].update(threshold_minutes=[10, 15, 20]),
     "error.scenario_not_ranged", ["threshold_minutes"]),
    ("not a number", lambda r: r["option"][0].update(counters="twee"), "error.scenario_value", ["counters", "twee"]),
    ("missing field", lambda r: r["option"][3].pop("cost_per_hour"), "error.scenario_missing",
     ['"library_hours"', "cost_per_hour"]),
    ("missing assumption", lambda r: r["assumptions"].pop("beta_per_minute"), "error.scenario_missing",
     ["[assumptions]", "beta_per_minute"]),
    ("duplicate id", lambda r: r["option"].append(copy.deepcopy(r["option"][0])), "error.scenario_duplicate",
     ["district_desk"]),
    ("bad sites", lambda r: r["option"][0].update(sites=3), "error.scenario_sites", ["sites"]),
    ("bad count", lambda r: r["option"][0].update(count=0), "error.scenario_count", ["count"]),
    ("bad distribution", lambda r: r["uncertainty"].update(distribution="normal"), "error.scenario_text",
     ["normal", "pert, triangular"]),
    ("bad draws", lambda r: r["uncertainty"].update(draws=0), "error.scenario_draws", ["draws"]),
    ("bad mode", lambda r: r["assumptions"].update(mode="boat"), "error.scenario_text", ["boat", "bike"]),
]


@pytest.mark.parametrize("name,change,code,needles", CASES, ids=[c[0] for c in CASES])
def test_scenario_errors_name_file_option_field(name: str, change: Any, code: str, needles: list[str]) -> None:
    exc, text = _error(change)
    assert exc.code == code, text
    for needle in needles:
        assert needle in text, (name, needle, text)


def test_errors_in_english() -> None:
    _, text = _error(lambda r: r["option"][0].update(annual_cost=[470000, 400000, 350000]), "en")
    assert "low (470000) is greater than high (350000)" in text and "Fix:" in text


def test_every_kind_has_its_fields_known() -> None:
    assert set(FIELDS) == set(OPTION_KINDS)
