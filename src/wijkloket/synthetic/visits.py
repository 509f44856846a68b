"""Desk appointments: an application and a collection visit per document, loss reports, other
products, failed appointments that are booked again, and the day each document is issued."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from wijkloket.synthetic.assumptions import (
    APPLICATION_NAMES,
    COLLECTION_NAMES,
    LICENCE,
    MONTH_WEIGHTS,
    P_LOSS_REPORT,
    P_STATUS,
    P_URGENT,
)
from wijkloket.synthetic.days import Calendar, seasonal_dates
from wijkloket.synthetic.population import Areas, People
from wijkloket.synthetic.propensities import AGE_GROUP_BOUNDS, Propensities


@dataclass
class Rows:
    """Appointment rows as parallel arrays; product is an index into `names`."""

    names: list[str]
    person: list[np.ndarray]
    product: list[np.ndarray]
    day: list[np.ndarray]
    status: list[np.ndarray]
    location: list[np.ndarray]

    def add(self, name: str | np.ndarray, person: np.ndarray, day: np.ndarray, status: np.ndarray,
            location: np.ndarray) -> None:
        if isinstance(name, str):
            code = np.full(len(person), self.code(name))
        else:
            uniq, inverse = np.unique(name, return_inverse=True)
            code = np.array([self.code(str(x)) for x in uniq], dtype=np.int64)[inverse]
        self.person.append(person)
        self.product.append(code)
        self.day.append(day)
        self.status.append(status)
        self.location.append(location)

    def code(self, name: str) -> int:
        if name not in self.names:
            self.names.append(name)
        return self.names.index(name)


def _statuses(rng: np.random.Generator, n: int) -> np.ndarray:
    """0 attended, 1 no-show, 2 cancelled with P_STATUS."""
    return rng.choice(3, size=n, p=P_STATUS)


def appointments(ar: Areas, pp: People, y0: int, y1: int, cal: Calendar, apps: tuple[np.ndarray, ...],
                 rng: np.random.Generator, props: Propensities, other_factor: dict[str, np.ndarray]
                 ) -> tuple[Rows, dict[str, np.ndarray]]:
    """Appointment rows for applications, collections and other products, and the issued documents.
    `other_factor`: per product name of `visits.other_rates`, the rate factor of each area (the planted
    distance decay and the unexplained variation, `synthetic.planted`)."""
    person, kind, raw_day, is_replacement = apps
    rows = Rows([], [], [], [], [], [])
    second_desk = rng.uniform(0.03, 0.30, len(ar.codes))  # per area: share going to the second desk

    def location(who: np.ndarray) -> np.ndarray:
        return (rng.random(len(who)) < second_desk[pp.area[who]]).astype(np.int64)

    day = cal.in_week(raw_day, rng)
    urgent = rng.random(len(day)) < P_URGENT
    loc = location(person)
    app_name = np.where(urgent, np.array([a[1] for a in APPLICATION_NAMES])[kind],
                        np.array([a[0] for a in APPLICATION_NAMES])[kind])
    # a first appointment that failed, 3-21 days before the one that took place
    failed = rng.random(len(day)) < 1 - P_STATUS[0]
    failed_day = cal.in_week(day[failed] - rng.integers(3, 22, int(failed.sum())), rng)
    rows.add(app_name[failed], person[failed], failed_day, 1 + (rng.random(int(failed.sum())) < 0.5), loc[failed])
    rows.add(app_name, person, day, np.zeros(len(day), dtype=np.int64), loc)
    # a loss report on the same day before some replacements
    report = is_replacement & (kind != LICENCE) & (rng.random(len(day)) < P_LOSS_REPORT)
    rows.add("Vermissing reisdocument", person[report], day[report], np.zeros(int(report.sum()), dtype=np.int64),
             loc[report])
    # collection: ready after about five working days (urgent: the next working day), collected that
    # week or the next, 15% one to four weeks later
    ready = cal.next_weekday(day + np.where(urgent, 1, 7))
    wait = np.where(urgent, rng.integers(0, 3, len(day)), rng.integers(0, 8, len(day)))
    late = rng.random(len(day)) < 0.15
    wait[late] += rng.integers(7, 29, int(late.sum()))
    collect = cal.on_or_after(ready + wait, ready, rng)
    c_failed = rng.random(len(day)) < 1 - P_STATUS[0]
    coll_name = np.array(COLLECTION_NAMES)[kind]
    rows.add(coll_name[c_failed], person[c_failed], collect[c_failed],
             1 + (rng.random(int(c_failed.sum())) < 0.5), loc[c_failed])
    collect[c_failed] = cal.on_or_after(collect[c_failed] + rng.integers(2, 11, int(c_failed.sum())),
                                        collect[c_failed] + 1, rng)
    rows.add(coll_name, person, collect, np.zeros(len(day), dtype=np.int64), loc)
    issued = {"person": person, "kind": kind, "day": collect}

    # other products: Poisson counts per person over the window, rates by age, a factor per area
    years = y1 - y0 + 1
    band = np.digitize(pp.age_ref, AGE_GROUP_BOUNDS)
    for name, rates in props["visits.other_rates"].items():
        count = rng.poisson(np.array(rates)[band] * other_factor[name][pp.area] * years)
        who = np.repeat(np.arange(len(pp.area)), count)
        d = cal.in_week(seasonal_dates(rng, len(who), y0, y1, MONTH_WEIGHTS["other"]), rng)
        rows.add(name, who, d, _statuses(rng, len(who)), location(who))
    return rows, issued
