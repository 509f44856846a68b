"""Validity of passports, ID cards and driving licences on the boundaries of the rules.

Expected values are worked out by hand: a year counts 365.2425 days (mean Gregorian year), so
5 years = round(1826.2125) = 1826 days and 10 years = round(3652.425) = 3652 days; an age is reached
when issued - birth >= age * 365.2425 days, which for whole-year birthdays falls on the birthday
itself. Calendar anniversaries are checked to within one day.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest

from wijkloket.documents import PRODUCTS, default_rules, validity_days

FIVE, TEN = 1826, 3652


def day(d: date) -> int:
    return (d - date(1970, 1, 1)).days


def valid(product: str, issued: date, birth: date) -> int:
    return int(validity_days(product, np.array([day(issued)]), np.array([day(birth)]))[0])


@pytest.mark.parametrize("product", ["passport", "id_card"])
def test_adult_travel_document_before_and_from_9_march_2014(product: str) -> None:
    born = date(1980, 5, 17)
    assert valid(product, date(2014, 3, 8), born) == FIVE
    assert valid(product, date(2014, 3, 9), born) == TEN
    # 8 March 2014 + 1826 days = 8 March 2019 (one leap day, 2016): the calendar anniversary exactly
    assert date(2014, 3, 8) + timedelta(days=FIVE) == date(2019, 3, 8)
    # 9 March 2014 + 3652 days = 8 March 2024, one day before the anniversary (leap days 2016, 2020, 2024)
    assert date(2014, 3, 9) + timedelta(days=TEN) == date(2024, 3, 8)


@pytest.mark.parametrize("product", ["passport", "id_card"])
def test_minors_always_five_years(product: str) -> None:
    assert valid(product, date(2020, 6, 1), date(2003, 1, 1)) == FIVE  # 17 years and 5 months
    assert valid(product, date(2010, 6, 1), date(2003, 1, 1)) == FIVE  # 7 years, before 2014
    assert valid(product, date(2025, 1, 1), date(2024, 12, 31)) == FIVE  # one day old


@pytest.mark.parametrize("product", ["passport", "id_card"])
def test_eighteenth_birthday(product: str) -> None:
    born = date(2000, 1, 1)  # 18th birthday 1 January 2018: 18 * 365 + 5 leap days = 6575 days
    assert day(date(2018, 1, 1)) - day(born) == 6575 and 18 * 365.2425 == pytest.approx(6574.365)
    assert valid(product, date(2017, 12, 31), born) == FIVE
    assert valid(product, date(2018, 1, 1), born) == TEN


def test_driving_licence_at_each_age_boundary() -> None:
    born = date(1950, 1, 1)
    # 65th birthday 1 January 2015: 65 * 365 + 16 leap days = 23741 days >= 65 * 365.2425 = 23740.76
    assert valid("driving_licence", date(2014, 12, 31), born) == TEN  # 64: ten years
    # 65: until the 75th birthday, round(75 * 365.2425 - 23741) = round(3652.1875) = 3652 days
    assert valid("driving_licence", date(2015, 1, 1), born) == 3652
    # 67 (1 January 2017, 24472 days): round(27393.1875 - 24472) = 2921 days, about 8 years
    assert day(date(2017, 1, 1)) - day(born) == 24472
    assert valid("driving_licence", date(2017, 1, 1), born) == 2921
    # the day before the 70th birthday (25566 days): still until the 75th, round(1827.1875) = 1827
    assert valid("driving_licence", date(2019, 12, 31), born) == 1827
    # 70th birthday 1 January 2020: 70 * 365 + 17 leap days = 25567 days >= 25566.975: five years
    assert valid("driving_licence", date(2020, 1, 1), born) == FIVE
    assert valid("driving_licence", date(2031, 6, 1), born) == FIVE  # 81
    # 18, before 2014 as well: ten years
    assert valid("driving_licence", date(1968, 3, 1), born) == TEN


def test_until_75_lands_on_the_birthday_within_a_day() -> None:
    born = date(1950, 1, 1)
    for issued in (date(2015, 1, 1), date(2016, 7, 14), date(2019, 12, 31)):
        expiry = issued + timedelta(days=valid("driving_licence", issued, born))
        assert abs((expiry - date(2025, 1, 1)).days) <= 1, issued


def test_vectorised_over_arrays() -> None:
    issued = np.array([day(date(2014, 3, 8)), day(date(2014, 3, 9)), day(date(2020, 6, 1))], dtype=np.int64)
    birth = np.array([day(date(1980, 1, 1)), day(date(1980, 1, 1)), day(date(2003, 1, 1))], dtype=np.int64)
    out = validity_days("passport", issued, birth)
    assert out.dtype == np.int64 and out.tolist() == [FIVE, TEN, FIVE]
    assert validity_days("id_card", issued, birth).tolist() == [FIVE, TEN, FIVE]
    assert default_rules().validity_days("passport", issued, birth).tolist() == out.tolist()


def test_bad_calls() -> None:
    with pytest.raises(ValueError, match="unknown document product 'rijbewijs'"):
        validity_days("rijbewijs", [0], [0])
    with pytest.raises(ValueError, match="before the holder's birth"):
        validity_days("passport", [day(date(2000, 1, 1))], [day(date(2000, 1, 2))])


def test_every_rule_cites_a_source() -> None:
    rules = default_rules()
    assert {r.product for r in rules.rules} == set(PRODUCTS)
    assert all(r.source.strip() for r in rules.rules)
    sources = " ".join(r.source for r in rules.rules)
    assert "Paspoortwet art. 9" in sources and "Paspoortwet art. 16a" in sources
    assert "Reglement rijbewijzen art. 25a lid 1 onder a" in sources
    # The licence rule before 2014 was not checked: said so where it applies.
    assert all("unconfirmed" in r.note for r in rules.of("driving_licence"))
