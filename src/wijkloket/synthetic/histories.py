"""Document histories: who holds which document, when each was first issued, and every renewal and
replacement since, with validity periods from `wijkloket.documents` (Paspoortwet, Reglement rijbewijzen).
Each history runs forward from a first issue long before the window, so the change of 9 March 2014
(adult passports and ID cards 10 years instead of 5) shows as a dip in applications 2019-2023 and a
peak from 2024."""

from __future__ import annotations

from datetime import date

import numpy as np

from wijkloket.documents.validity import YEAR_DAYS, Rules
from wijkloket.synthetic.assumptions import (
    DOC_KINDS,
    EARLY_DAYS,
    HISTORY_START_YEAR,
    ID_CARD,
    LICENCE,
    MONTH_WEIGHTS,
    P_LICENCE_CONTINUES,
    P_WAITED_FOR_2014,
    PASSPORT,
    RENEWAL_TIMING,
)
from wijkloket.synthetic.days import day_number, jan1, month0, seasonal_dates, seasonal_offsets
from wijkloket.synthetic.population import Addresses, Areas, People
from wijkloket.synthetic.propensities import Propensities


def _renewal_dates(expiry: np.ndarray, kind: str, rng: np.random.Generator) -> np.ndarray:
    """When a holder renews (RENEWAL_TIMING, EARLY_DAYS): before expiry (uniform) or after it (exponential,
    capped), nudged towards the busy months by sampling-importance-resampling six candidate dates
    with the month weights of `kind`."""
    on_time, mean_late, max_late = RENEWAL_TIMING[kind]
    n, k = len(expiry), 6
    early = -rng.uniform(0, EARLY_DAYS[kind], (n, k))
    late = np.minimum(rng.exponential(mean_late, (n, k)), max_late)
    offset = np.where(rng.random((n, k)) < on_time, early, late).round().astype(np.int64)
    candidates = expiry[:, None] + offset
    score = np.log(MONTH_WEIGHTS[kind][month0(candidates)]) + rng.gumbel(size=(n, k))
    return candidates[np.arange(n), score.argmax(axis=1)]


def ten_year_rule_day(rules: Rules) -> int | None:
    """The first day adults' passports are issued for 10 years (9 March 2014, Paspoortwet art. 9), from
    the validity rules; None for rules without such a change."""
    days = [day_number(r.issued_from) for r in rules.of("passport") if r.years == 10 and r.issued_from is not None]
    return min(days) if days else None


def _history(kind: int, person: np.ndarray, first: np.ndarray, birth: np.ndarray, end: int,
             rng: np.random.Generator, rules: Rules) -> tuple[np.ndarray, np.ndarray]:
    """All issues (person, day) of one kind from each holder's first issue up to day `end`; each stays
    valid as the document `rules` say."""
    season = "licence" if kind == LICENCE else "travel"
    out_p, out_d = [], []
    cur_p, cur_d = person, first
    rule = ten_year_rule_day(rules)
    for _ in range(60):
        keep = cur_d <= end
        cur_p, cur_d = cur_p[keep], cur_d[keep]
        if not len(cur_p):
            break
        out_p.append(cur_p)
        out_d.append(cur_d)
        expiry = cur_d + rules.validity_days(DOC_KINDS[kind], cur_d, birth[cur_p])
        nxt = _renewal_dates(expiry, season, rng)
        if kind != LICENCE and rule is not None:
            adult = (nxt - birth[cur_p]) / YEAR_DAYS >= 18
            waited = (adult & (nxt >= day_number(date(2013, 12, 1))) & (nxt < rule) & (expiry - nxt > 14)
                      & (rng.random(len(nxt)) < P_WAITED_FOR_2014))
            nxt[waited] = rule + 1 + rng.integers(0, 60, int(waited.sum()))
        elif kind == LICENCE:
            age = (nxt - birth[cur_p]) / YEAR_DAYS
            p_continue = np.ones(len(nxt))
            for from_age, p in P_LICENCE_CONTINUES:
                p_continue[age >= from_age] = p
            stop = rng.random(len(nxt)) >= p_continue
            nxt[stop] = end + 1
        cur_d = np.maximum(nxt, cur_d + 90)
    return np.concatenate(out_p), np.concatenate(out_d)


def _phase_dates(rng: np.random.Generator, n: int, weights: np.ndarray, cycle_years: int) -> np.ndarray:
    """A first issue before the history starts: a random year of a validity cycle, seasonal day."""
    return jan1(HISTORY_START_YEAR + rng.integers(0, cycle_years, n)) + seasonal_offsets(rng, n, weights)


def applications(ar: Areas, addr: Addresses, pp: People, y0: int, y1: int, rng: np.random.Generator,
                 rules: Rules, props: Propensities, dutch: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Document applications (person, kind, day, is_replacement) from a year before the window to its end.
    `dutch`: per resident, True for Dutch nationality (only they hold the documents of
    `nationality.products`)."""
    start, end = day_number(date(y0 - 1, 12, 1)), day_number(date(y1, 12, 31))
    persons, kinds, days, replacement = [], [], [], []
    for kind, who, first in _first_issues(addr, pp, rng, props, dutch):
        old = first < day_number(date(HISTORY_START_YEAR, 1, 1))
        weights = MONTH_WEIGHTS["licence" if kind == LICENCE else "travel"]
        first = first.copy()
        first[old] = _phase_dates(rng, int(old.sum()), weights, 10 if kind == LICENCE else 5)
        p, d = _history(kind, who, first, pp.birth, end, rng, rules)
        keep = d >= start
        persons.append(p[keep])
        days.append(d[keep])
        kinds.append(np.full(int(keep.sum()), kind))
        replacement.append(np.zeros(int(keep.sum()), dtype=bool))
        # replacements (lost, stolen, damaged, name change) for holders, uniform over the window
        count = rng.poisson(props.replacement(kind) * (y1 - y0 + 1), len(who))
        rp = np.repeat(who, count)
        rd = seasonal_dates(rng, len(rp), y0, y1, weights)
        ok = rd > pp.birth[rp] + 365
        persons.append(rp[ok])
        days.append(rd[ok])
        kinds.append(np.full(int(ok.sum()), kind))
        replacement.append(np.ones(int(ok.sum()), dtype=bool))
    return np.concatenate(persons), np.concatenate(kinds), np.concatenate(days), np.concatenate(replacement)


def _first_issues(addr: Addresses, pp: People, rng: np.random.Generator, props: Propensities, dutch: np.ndarray
                  ) -> list[tuple[int, np.ndarray, np.ndarray]]:
    """Per kind: the holders and the day of their first document. Adults got theirs at a random age
    (passport 0-18, ID card 10-18, licence from 18); children follow their household's five-year rhythm."""
    has_pass, has_id, child_pass, child_id, has_lic = _holders(addr, pp, rng, props, dutch)
    household_anchor = _phase_dates(rng, len(addr.area), MONTH_WEIGHTS["travel"], 5)
    five = round(5 * YEAR_DAYS)

    def household_rhythm(who: np.ndarray, min_age: np.ndarray) -> np.ndarray:
        anchor = household_anchor[pp.address[who]]
        earliest = pp.birth[who] + np.round(min_age * YEAR_DAYS).astype(np.int64)
        return anchor + np.ceil((earliest - anchor) / five).astype(np.int64) * five

    firsts: list[tuple[int, np.ndarray, np.ndarray]] = []
    who = np.flatnonzero(has_pass)
    first = pp.birth[who] + np.round(rng.uniform(0, 18, len(who)) * YEAR_DAYS).astype(np.int64)
    cw = np.flatnonzero(child_pass)
    firsts.append((PASSPORT, np.concatenate([who, cw]),
                   np.concatenate([first, household_rhythm(cw, rng.uniform(0, 8, len(cw)))])))
    who = np.flatnonzero(has_id)
    first = pp.birth[who] + np.round(rng.uniform(10, 18, len(who)) * YEAR_DAYS).astype(np.int64)
    cw = np.flatnonzero(child_id)
    firsts.append((ID_CARD, np.concatenate([who, cw]),
                   np.concatenate([first, household_rhythm(cw, rng.uniform(4, 14, len(cw)))])))
    who = np.flatnonzero(has_lic)
    first = pp.birth[who] + np.round((18 + np.minimum(rng.exponential(2.0, len(who)), 17)) * YEAR_DAYS
                                     ).astype(np.int64)
    firsts.append((LICENCE, who, first))
    return firsts


def _holders(addr: Addresses, pp: People, rng: np.random.Generator, props: Propensities, dutch: np.ndarray
             ) -> tuple[np.ndarray, ...]:
    """Who holds which document on the reference date: adults' passport and ID card, children's
    (decided per household), and the driving licence by age; residents without Dutch nationality hold
    no document of `nationality.products`."""
    n = len(pp.area)
    adult = pp.age_ref >= 18
    has_pass = adult & (rng.random(n) < props["possession.passport_adult"])
    has_id = adult & (rng.random(n) < np.where(has_pass, props.id_with_passport,
                                               props["possession.id_without_passport"]))
    n_addr = len(addr.area)
    child_pass = (rng.random(n_addr) < props["possession.child_passport_household"])[pp.address] & ~adult
    child_id = (rng.random(n_addr) < props["possession.child_id_household"])[pp.address] & ~adult
    child_id |= ~adult & (pp.age_ref >= 14) & ~child_pass  # identification duty from 14
    lic_p = np.zeros(n)
    for lo, hi, share in props["possession.licence_by_age"]:
        lic_p[(pp.age_ref >= lo) & (pp.age_ref < hi)] = share
    has_lic = rng.random(n) < lic_p
    held = {"passport": (has_pass, child_pass), "id_card": (has_id, child_id)}
    for product in props["nationality.products"]:
        for holders in held[product]:
            holders &= dutch
    return has_pass, has_id, child_pass, child_id, has_lic
