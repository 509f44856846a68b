"""The forecast's assumptions are data, validated when loaded; errors name the file, table and field."""

from __future__ import annotations

import pytest

from wijkloket.errors import ConfigError
from wijkloket.forecast.assumptions import BUILT_IN, default_assumptions, parse_assumptions
from wijkloket.forecast.chain import AGES, age_profile, band_of_age
from wijkloket.forecast.model import first_applications


def _text() -> str:
    from importlib import resources

    return resources.files("wijkloket.forecast").joinpath(BUILT_IN).read_text("utf-8")


def test_built_in_assumptions() -> None:
    a = default_assumptions()
    assert a.max_months == 120 and a.short_history_years == 10
    assert set(a.products) == {"passport", "id_card", "driving_licence"}
    lic = a.products["driving_licence"]
    assert (lic.share_at(17), lic.share_at(18), lic.share_at(30), lic.share_at(80)) == (0.0, 0.5, 0.8, 0.5)
    assert all(p.sources for p in a.products.values())
    assert a.minutes_per_application == 12
    assert "assumption" in a.sources["counter"]


def test_first_applications_are_a_tenth_of_band_15_24_a_year_times_the_share() -> None:
    residents = [[0.0, 1000.0, 0.0, 0.0, 0.0], [0.0, 500.0, 0.0, 0.0, 0.0]]
    import numpy as np

    by_age = np.array(residents) @ age_profile(default_assumptions().old_groups)
    assert by_age.shape[1] == AGES
    per_month = first_applications(by_age, band_of_age(), 18, 0.8)
    # band 15-24 of 1000: 100 turn 18 a year; four in five of them: 80 a year, 80/12 a month, in band 15-24
    assert per_month[0, 1] * 12 == pytest.approx(80.0)
    assert per_month[1, 1] * 12 == pytest.approx(40.0)
    assert per_month.sum() * 12 == pytest.approx(120.0)


@pytest.mark.parametrize(("old", "new", "code", "field"), [
    ("holders = [[0, 0.46]]", "holders = [[0, 1.46]]", "error.registry_bad_value", "holders"),
    ("first_share = 0.8", "first_share = 'veel'", "error.registry_bad_value", "first_share"),
    ("max_months = 120", "max_months = 12.5", "error.registry_bad_value", "max_months"),
    ("early_share = [0.3, 0.5, 0.7, 0.9]", "early_share = []", "error.registry_bad_value", "early_share"),
    ("minutes_per_application = 12", "", "error.registry_missing_field", "minutes_per_application"),
])
def test_bad_values_name_the_file_table_and_field(old: str, new: str, code: str, field: str) -> None:
    text = _text()
    assert old in text
    with pytest.raises(ConfigError) as exc:
        parse_assumptions(text.replace(old, new, 1), "mijn.toml")
    assert exc.value.code == code
    assert exc.value.params["file"] == "mijn.toml" and exc.value.params["field"] == field


def test_invalid_toml() -> None:
    with pytest.raises(ConfigError) as exc:
        parse_assumptions("[horizon\n", "kapot.toml")
    assert exc.value.code == "error.toml_invalid"
