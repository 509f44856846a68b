"""The exported tables: the appointment log, the issuance list and the postcode table, as frames."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from wijkloket.synthetic.assumptions import (
    BAD_ROW_KINDS,
    BAD_ROW_SHARE,
    CBS_YEAR,
    LETTER_PAIRS,
    LICENCE,
    LOCATIONS,
    P_BUSINESS_PASSPORT,
    PASSPORT,
    POSTCODE_STYLES,
    SATURDAY_SLOTS,
    STATUSES,
    UNKNOWN_PRODUCT,
    WEEKDAY_SLOTS,
)
from wijkloket.synthetic.days import day_number
from wijkloket.synthetic.identities import document_numbers, licence_numbers, person_identities, unique_codes
from wijkloket.synthetic.population import Addresses, Areas, People
from wijkloket.synthetic.visits import Rows


def format_days(days: np.ndarray, fmt: str = "%d-%m-%Y") -> np.ndarray:
    """Day numbers as text; formats each distinct day once."""
    uniq, inverse = np.unique(days, return_inverse=True)
    text = pd.to_datetime(uniq, unit="D").strftime(fmt).to_numpy(dtype=object)
    return text[inverse]


def visit_frame(rows: Rows, pp: People, addr: Addresses, y0: int, y1: int,
                rng: np.random.Generator) -> tuple[pd.DataFrame, int]:
    """The appointment log as text columns, sorted by date and time, with a few broken rows."""
    person, product, day, status, loc, time = _in_order(rows, y0, y1, rng)
    bsn, full, email, phone = person_identities(rng, pp.age_ref, pp.address, len(addr.area))
    a = pp.address[person]
    postcode = _typed_postcodes(addr, a, rng)
    frame = pd.DataFrame({
        "Afspraaknummer": (int(rng.integers(100_000, 200_000)) + np.arange(len(person))).astype(str),
        "Datum afspraak": format_days(day),
        "Tijd": time,
        "Product": np.array(rows.names, dtype=object)[product],
        "Status": np.array(list(STATUSES), dtype=object)[status],
        "Locatie": np.array(LOCATIONS, dtype=object)[loc],
        "BSN": bsn[person],
        "Naam": full[person],
        "Geboortedatum": format_days(pp.birth[person]),
        "Postcode": postcode,
        "Huisnr": addr.number[a].astype(str),
        "E-mail": email[person],
        "Telefoon": phone[person],
        "Synthetisch": "ja",
    })
    return frame, _break_rows(frame, rng)


def _in_order(rows: Rows, y0: int, y1: int, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    """The rows within the years, with a time slot each, sorted by day and slot: person, product, day,
    status, location and time."""
    person = np.concatenate(rows.person)
    product = np.concatenate(rows.product)
    day = np.concatenate(rows.day)
    status = np.concatenate(rows.status)
    loc = np.concatenate(rows.location)
    keep = (day >= day_number(date(y0, 1, 1))) & (day <= day_number(date(y1, 12, 31)))
    person, product, day, status, loc = person[keep], product[keep], day[keep], status[keep], loc[keep]
    n = len(person)
    saturday = (day + 3) % 7 == 5
    slot = np.where(saturday, rng.integers(0, len(SATURDAY_SLOTS), n), rng.integers(0, len(WEEKDAY_SLOTS), n))
    order = np.lexsort((rng.random(n), slot, day))
    person, product, day, status, loc, slot, saturday = (
        a[order] for a in (person, product, day, status, loc, slot, saturday))
    loc = np.where(saturday, 0, loc)  # the Saturday opening is at the Stadhuis only
    time = np.where(saturday, np.array(SATURDAY_SLOTS, dtype=object)[np.minimum(slot, len(SATURDAY_SLOTS) - 1)],
                    np.array(WEEKDAY_SLOTS, dtype=object)[slot])
    return person, product, day, status, loc, time


def _typed_postcodes(addr: Addresses, a: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The PC6 of addresses `a` typed as people do (POSTCODE_STYLES): '2011 AB', '2011AB', '2011ab', '2011 ab'."""
    pc4 = addr.pc4[a].astype(str).astype(object)
    upper = addr.letters[a]
    lower = np.array([s.lower() for s in LETTER_PAIRS], dtype=object)[np.searchsorted(LETTER_PAIRS, upper)]
    style = rng.choice(len(POSTCODE_STYLES), size=len(a), p=[s[1] for s in POSTCODE_STYLES])
    return np.where(style == 0, pc4 + " " + upper,
                    np.where(style == 1, pc4 + upper, np.where(style == 2, pc4 + lower, pc4 + " " + lower)))


def _break_rows(frame: pd.DataFrame, rng: np.random.Generator) -> int:
    """Break BAD_ROW_SHARE of the rows on purpose (at least one of each BAD_ROW_KINDS in a log of 100 rows
    or more), in place; returns how many."""
    n = len(frame)
    n_bad = max(len(BAD_ROW_KINDS), round(BAD_ROW_SHARE * n)) if n >= 100 else 0
    bad = np.sort(rng.choice(n, size=n_bad, replace=False))
    kinds = np.arange(n_bad) % len(BAD_ROW_KINDS)
    for k, what in enumerate(BAD_ROW_KINDS):
        idx = frame.index[bad[kinds == k]]
        if what == "date_impossible":
            frame.loc[idx, "Datum afspraak"] = "31-02-" + frame.loc[idx, "Datum afspraak"].str.slice(6)
        elif what == "date_dashes":
            frame.loc[idx, "Datum afspraak"] = "--"
        elif what == "postcode_empty":
            frame.loc[idx, "Postcode"] = ""
        elif what == "postcode_0000":
            frame.loc[idx, "Postcode"] = "0000 XX"
        else:
            frame.loc[idx, "Product"] = UNKNOWN_PRODUCT
    return n_bad


def issuance_frame(issued: dict[str, np.ndarray], pp: People, addr: Addresses, y0: int, y1: int,
                   rng: np.random.Generator) -> pd.DataFrame:
    """One row per issued document, issue date = date of the collection visit."""
    day = issued["day"]
    keep = (day >= day_number(date(y0, 1, 1))) & (day <= day_number(date(y1, 12, 31)))
    person, kind, day = issued["person"][keep], issued["kind"][keep], day[keep]
    order = np.lexsort((person, kind, day))
    person, kind, day = person[order], kind[order], day[order]
    n = len(person)
    kind_name = np.array(["Nationaal paspoort", "Nederlandse identiteitskaart", "Rijbewijs"], dtype=object)[kind]
    kind_name[(kind == PASSPORT) & (rng.random(n) < P_BUSINESS_PASSPORT)] = "Zakenpaspoort"
    number = np.empty(n, dtype=object)
    travel = kind != LICENCE
    number[travel] = unique_codes(rng, int(travel.sum()), document_numbers)
    number[~travel] = unique_codes(rng, int((~travel).sum()), licence_numbers)
    a = pp.address[person]
    return pd.DataFrame({
        "Datum verstrekking": day,
        "Documentsoort": kind_name,
        "Documentnummer": number,
        "Postcode": addr.pc4[a].astype(str).astype(object) + addr.letters[a],
        "Huisnummer": addr.number[a],
        "Geboortedatum": pp.birth[person],
        "Synthetisch": "ja",
    })


def _cbs_number(code: str) -> str:
    """A CBS code without prefix and leading zeros, as the pc6hnr file writes it (`WK039201` -> `39201`);
    letter codes (Amsterdam `WK0363AA`) keep their characters."""
    digits = code[2:]
    return str(int(digits)) if digits.isdigit() else digits.lstrip("0")


def postcode_frame(ar: Areas, addr: Addresses) -> pd.DataFrame:
    """One row per address in the layout of the CBS table "Buurt, wijk en gemeente per postcode en
    huisnummer" (pc6hnr); a wijk-level municipality gets a synthetic buurt: wijk code + '00'."""
    if ar.level == "buurt":
        buurt = [_cbs_number(c) for c in ar.codes]
        wijk = [_cbs_number("WK" + c[2:8]) for c in ar.codes]
    else:
        buurt = [_cbs_number("BU" + c[2:] + "00") for c in ar.codes]
        wijk = [_cbs_number(c) for c in ar.codes]
    gm = [_cbs_number("GM" + c[2:6]) for c in ar.codes]
    frame = pd.DataFrame({
        "PC6": addr.pc4.astype(str).astype(object) + addr.letters,
        "Huisnummer": addr.number,
        f"Buurt{CBS_YEAR}": np.array(buurt, dtype=object)[addr.area],
        f"Wijk{CBS_YEAR}": np.array(wijk, dtype=object)[addr.area],
        f"Gemeente{CBS_YEAR}": np.array(gm, dtype=object)[addr.area],
        "Synthetisch": "ja",
    })
    return frame.sort_values(["PC6", "Huisnummer"], kind="stable").reset_index(drop=True)
