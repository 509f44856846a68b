"""The simulator takes its validity rules from `wijkloket.documents` and its age bands from
`wijkloket.ages`, keeping its own upper bound of 100 years for the open band."""

from __future__ import annotations

import collections
import csv
import io
from datetime import date
from pathlib import Path

import pandas as pd

from wijkloket.documents import default_rules
from wijkloket.documents.validity import parse_rules
from wijkloket.synthetic import SimulateResult, simulate
from wijkloket.synthetic.assumptions import AGE_BANDS, AGE_COLUMNS, MAX_AGE
from wijkloket.synthetic.histories import ten_year_rule_day

AREAS = pd.DataFrame({
    "area_code": ["WK039201", "WK039202"], "population": [2500, 1500], "households": [1300, 700],
    "pct_age_0_15": [15, 16], "pct_age_15_25": [12, 12], "pct_age_25_45": [30, 25], "pct_age_45_65": [25, 27],
    "pct_age_65_plus": [18, 20],
})
FIVE_YEARS_FOR_ALL = """
[[rule]]
product = "passport"
years = 5
source = "test: five years for everyone, as before 2014"

[[rule]]
product = "id_card"
years = 5
source = "test"

[[rule]]
product = "driving_licence"
years = 10
source = "test"
"""


def test_age_bands_from_ages_with_the_simulators_upper_bound() -> None:
    assert AGE_BANDS == ((0, 15), (15, 25), (25, 45), (45, 65), (65, 100)) and MAX_AGE == 100
    assert AGE_COLUMNS == ("pct_age_0_15", "pct_age_15_25", "pct_age_25_45", "pct_age_45_65", "pct_age_65_plus")


def test_ten_year_rule_from_the_rules() -> None:
    # 9 March 2014: 44 years from 1970 (11 leap days, 1972-2012) + 31 + 28 + 8 days = 16138
    assert ten_year_rule_day(default_rules()) == 44 * 365 + 11 + 31 + 28 + 8
    assert (date(2014, 3, 9) - date(1970, 1, 1)).days == 16138
    assert ten_year_rule_day(parse_rules(FIVE_YEARS_FOR_ALL, "five.toml")) is None


def travel_applications(result: SimulateResult) -> collections.Counter[str]:
    rows = list(csv.reader(io.StringIO(result.visits_csv.read_bytes().decode("cp1252")), delimiter=";"))[1:]
    return collections.Counter(r[1][-4:] for r in rows if r[4] == "Afgerond"
                               and r[3].startswith(("Paspoort aanvragen", "Identiteitskaart aanvragen")))


def test_simulate_uses_the_rules_it_is_given(tmp_path: Path) -> None:
    default = simulate(AREAS, "GM0392", (2022, 2024), 4, tmp_path / "default")
    explicit = simulate(AREAS, "GM0392", (2022, 2024), 4, tmp_path / "explicit", rules=default_rules())
    assert default.visits_csv.read_bytes() == explicit.visits_csv.read_bytes()
    five = simulate(AREAS, "GM0392", (2022, 2024), 4, tmp_path / "five",
                    rules=parse_rules(FIVE_YEARS_FOR_ALL, "five.toml"))
    real, flat = travel_applications(default), travel_applications(five)
    # The real rules: the dip of 2019-2023 and the peak from 2024 (adults renewed for 10 years from 2014).
    assert real["2024"] > 1.5 * real["2023"]
    # Five years for all: no dip; about (passports + ID cards) / 5 a year, some 3-4 times the dip year.
    assert flat["2023"] > 2 * real["2023"] and flat["2022"] > 2 * real["2022"]
    assert max(flat[y] for y in ("2022", "2023", "2024")) < 1.3 * min(flat[y] for y in ("2022", "2023", "2024"))
