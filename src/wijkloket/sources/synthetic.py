"""Calibrated, clearly labelled synthetic municipal exports for demonstrations and tests.

Municipalities hold desk data that we do not have: the appointment log of the civil-affairs desk
(burgerzaken) and the list of issued passports, ID cards and driving licences. `simulate` draws a
synthetic population for the areas of one municipality (CBS population, households and age shares)
and writes the files a municipality would hand over, in the layouts their systems export:

- an appointment log as a desk system exports it (Windows-1252, `;`, CRLF, Dutch headers, dates
  `dd-mm-yyyy`, postcodes typed inconsistently, a few deliberately broken rows), with the identifying
  columns such exports really have (BSN, name, birth date, house number, e-mail, telephone), so that
  the importer has to prove it drops them;
- an issuance list (XLSX) with one row per issued document;
- a postcode table in the CBS layout "Buurt, wijk en gemeente per postcode en huisnummer" (pc6hnr);
- a mapping TOML per export, and `LEESMIJ_SYNTHETISCH.txt` that says what all this is.

Everything is labelled synthetic: a last column `Synthetisch` = `ja` on every row, the sheet name,
`synthetic = true` in the mappings, and the LEESMIJ.

The model and its assumptions (all stated again in the LEESMIJ):

- Population: static, as on the CBS reference date 1 January 2024 (no births, deaths or moves in the
  simulated years); ages drawn within the CBS age bands, uniform single years, the 65+ band spread
  over 65-99 with approximately the national 2024 shares of five-year groups.
- Addresses: one per household (CBS `aantalHuishoudens`; population / 2.1 when missing); synthetic
  PC4 numbers from a base derived from the gemeente code, PC6 = PC4 + two letters (never SA, SD, SS,
  which PostNL does not use), 15-20 addresses per PC6, house numbers one side of a street (step 2).
  A few PC4s and one to three PC6s deliberately span two areas.
- Validity (Paspoortwet; Wegenverkeerswet / Reglement rijbewijzen 2014): passports and ID cards issued
  to adults on or after 9 March 2014 are valid 10 years, before that 5 years; for minors always 5
  years. Driving licences are valid 10 years when issued before 65; issued at 65-69 valid until the
  75th birthday (5-10 years); issued at 70 or older valid 5 years (the rules since 2014). Each
  holder's history is simulated forward from a first issue long before the window, so the change of
  2014 shows as a dip in applications 2019-2023 and a peak from 2024.
- Possession: ~70% of adults hold a passport, ~60% an ID card (90% of adults without a passport hold
  one, so ~3% hold neither); children's travel documents are decided per household (65% passport,
  55% ID card, a shared five-year rhythm for siblings) and every child from 14 holds an ID document
  (identification duty); driving licence by age, ~75-80% of adults, less at high ages.
- Visits: an application visit and a collection visit about a week later per document; brp extracts
  and declarations at small per-person rates; status attended ~90%, no-show ~5%, cancelled ~5%
  (a failed document appointment is rebooked); seasonality with a peak in April-June and a low in
  December; desks open Monday-Friday 08:30-16:30 (10-minute slots, fewer on Friday, closed on
  public holidays) and a few Saturday mornings.

Identifiers are fake by construction: BSNs come only from the test range 999990000-999999999 (which
the Dutch government keeps for testing) and pass the eleven-test; telephone numbers start with
`06-0`, a range that is not issued; e-mail addresses use `example.com` (RFC 2606).
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from xml.sax.saxutils import escape

import numpy as np
import pandas as pd

from wijkloket.areas.codes import levels_of, normalise_code
from wijkloket.config import check_gemeente_code

__all__ = ["SimulateResult", "simulate", "bsn_test_numbers"]

# --- time -------------------------------------------------------------------------------------------

YEAR_DAYS = 365.2425
"""Mean Gregorian year in days; expiry dates and ages are computed with it (error under one day)."""
REFERENCE_DATE = date(2024, 1, 1)
"""CBS Kerncijfers 2024 count the population on 1 January 2024: ages are drawn as on this date."""
TEN_YEAR_RULE = date(2014, 3, 9)
"""From this date adult passports and ID cards are valid 10 years instead of 5 (Paspoortwet)."""
HISTORY_START_YEAR = 1985
"""Document histories start here at the latest (older first issues are given a random phase)."""

# --- population -------------------------------------------------------------------------------------

AGE_COLUMNS = ("pct_age_0_15", "pct_age_15_25", "pct_age_25_45", "pct_age_45_65", "pct_age_65_plus")
AGE_BANDS = ((0, 15), (15, 25), (25, 45), (45, 65), (65, 100))
NATIONAL_AGE_SHARES = (16.0, 12.0, 25.0, 26.0, 21.0)
"""Per cent by band, the Netherlands 2024 (CBS), used where an area has no age shares."""
OLD_AGE_GROUPS = ((65, 70, 0.278), (70, 75, 0.264), (75, 80, 0.216), (80, 85, 0.132), (85, 90, 0.073),
                  (90, 100, 0.037))
"""Five-year groups within 65+, approximate national shares on 1 January 2024 (CBS StatLine 7461bev)."""
PERSONS_PER_HOUSEHOLD = 2.1
"""Fallback when households are missing (CBS: average household size in the Netherlands ~2.1)."""

# --- documents ----------------------------------------------------------------------------------------

PASSPORT, ID_CARD, LICENCE = 0, 1, 2
DOC_KINDS = ("passport", "id_card", "driving_licence")
P_PASSPORT_ADULT = 0.70
P_ID_WITHOUT_PASSPORT = 0.90
P_ID_ADULT = 0.60
P_ID_WITH_PASSPORT = (P_ID_ADULT - (1 - P_PASSPORT_ADULT) * P_ID_WITHOUT_PASSPORT) / P_PASSPORT_ADULT
P_CHILD_PASSPORT_HOUSEHOLD = 0.65
P_CHILD_ID_HOUSEHOLD = 0.55
LICENCE_BY_AGE = ((18, 20, 0.40), (20, 25, 0.60), (25, 30, 0.70), (30, 65, 0.82), (65, 75, 0.80),
                  (75, 85, 0.60), (85, 200, 0.30))
"""Share holding a driving licence by age on the reference date (assumption, ~0.75 of adults)."""
REPLACEMENT_RATE = (0.015, 0.015, 0.005)
"""Applications per holder per year outside the renewal cycle: passport, ID card, licence. They stand for
lost, stolen, damaged or full documents, name changes, and the first applications of people who move in
(which a static population does not produce otherwise). With them 2024 comes out near the national
rate (~2.9 million travel documents expected in 2024, ~0.16 per inhabitant; Ministry of Foreign Affairs
via EenVandaag, March 2024); 2023 comes out lower than the ~1.6 million issued nationally, because the
model has no post-COVID catch-up and no early renewals prompted by the "paspoortpiek" campaigns."""
RENEWAL_TIMING = {"travel": (0.55, 365.0, 6 * 365), "licence": (0.85, 60.0, 2 * 365)}
EARLY_DAYS = {"travel": 180, "licence": 90}
"""(share renewed before expiry, mean and maximum days after expiry for the others) and how many days
before expiry the early ones renew at most (uniform); a passport must often be valid six more months
for a journey, so travel documents are renewed earlier.
Many adults hold both a passport and an ID card and renew one only when they need it, so travel
documents often lapse for a while; driving without a valid licence is not allowed, so licences rarely do."""
P_WAITED_FOR_2014 = 0.7
"""Share of renewals due 1 Dec 2013 - 9 Mar 2014 with a still valid document that waited for 10 years."""
P_URGENT = 0.03
"""Share of applications with the urgent procedure (spoed), collected one or two days later."""
P_LICENCE_CONTINUES = ((75, 0.85), (85, 0.60))
"""Probability that a licence is renewed at or after the given age (medical certificate from 75)."""

# --- visits ------------------------------------------------------------------------------------------

P_STATUS = (0.90, 0.05, 0.05)
"""Attended, no-show, cancelled. A failed document appointment is rebooked (so ~91/4.5/4.5 in rows)."""
STATUSES = {"Afgerond": "attended", "Niet verschenen": "no_show", "Geannuleerd": "cancelled"}
LOCATIONS = ("Stadhuis", "Stadswinkel")
OTHER_RATES: dict[str, tuple[float, float, float, float, float]] = {
    # per person per year by age on the reference date: <18, 18-24, 25-44, 45-64, 65+
    "Uittreksel BRP": (0.0, 0.040, 0.045, 0.022, 0.014),
    "Uittreksel BRP internationaal": (0.0, 0.005, 0.005, 0.002, 0.001),
    "Verklaring omtrent gedrag (VOG)": (0.0, 0.008, 0.006, 0.004, 0.001),
    "Attestatie de vita": (0.0, 0.0, 0.0, 0.0, 0.020),
    "Legalisatie handtekening": (0.0, 0.002, 0.003, 0.003, 0.002),
}
"""Desk visits for other top products and 'other' (assumption; most are requested online today)."""
P_LOSS_REPORT = 0.4
"""Share of replacement applications preceded by a 'Vermissing reisdocument' report on the same day."""

APPLICATION_NAMES = (
    ("Paspoort aanvragen", "Paspoort aanvragen (spoed)"),
    ("Identiteitskaart aanvragen", "Identiteitskaart aanvragen (spoed)"),
    ("Rijbewijs aanvragen", "Rijbewijs aanvragen (spoed)"),
)
COLLECTION_NAMES = ("Reisdocument ophalen", "Reisdocument ophalen", "Rijbewijs ophalen")
VISIT_PRODUCTS: dict[str, str] = {
    "Paspoort aanvragen": "passport",
    "Paspoort aanvragen (spoed)": "passport",
    "Identiteitskaart aanvragen": "id_card",
    "Identiteitskaart aanvragen (spoed)": "id_card",
    "Rijbewijs aanvragen": "driving_licence",
    "Rijbewijs aanvragen (spoed)": "driving_licence",
    "Reisdocument ophalen": "collect_document",
    "Rijbewijs ophalen": "collect_licence",
    "Uittreksel BRP": "brp_extract",
    "Uittreksel BRP internationaal": "brp_extract",
    "Verklaring omtrent gedrag (VOG)": "declaration",
    "Attestatie de vita": "declaration",
    "Legalisatie handtekening": "other",
    "Vermissing reisdocument": "other",
}
UNKNOWN_PRODUCT = "Onbekend"
ISSUANCE_PRODUCTS: dict[str, str] = {
    "Nationaal paspoort": "passport",
    "Zakenpaspoort": "passport",
    "Nederlandse identiteitskaart": "id_card",
    "Rijbewijs": "driving_licence",
}
P_BUSINESS_PASSPORT = 0.01

MONTH_WEIGHTS = {
    # January ... December; relative, travel documents peak before the summer holidays
    "travel": np.array([0.90, 0.95, 1.05, 1.25, 1.35, 1.30, 1.05, 0.90, 0.90, 0.90, 0.80, 0.55]),
    "licence": np.array([1.00, 1.00, 1.05, 1.05, 1.05, 1.00, 0.95, 0.90, 1.00, 1.00, 0.95, 0.75]),
    "other": np.array([1.05, 1.05, 1.05, 1.05, 1.05, 1.00, 0.90, 0.85, 1.05, 1.05, 1.00, 0.70]),
}
WEEKDAY_WEIGHTS = np.array([1.0, 1.05, 1.0, 1.05, 0.7, 0.04, 0.0])
"""Monday ... Sunday; Saturday is a morning opening at the Stadhuis only."""
WEEKDAY_SLOTS = tuple(f"{m // 60:02d}:{m % 60:02d}" for m in range(8 * 60 + 30, 16 * 60 + 30, 10))
SATURDAY_SLOTS = tuple(f"{m // 60:02d}:{m % 60:02d}" for m in range(9 * 60, 12 * 60, 10))
POSTCODE_STYLES = (("{pc4} {L}", 0.55), ("{pc4}{L}", 0.30), ("{pc4}{l}", 0.10), ("{pc4} {l}", 0.05))
BAD_ROW_SHARE = 0.002
BAD_ROW_KINDS = ("date_impossible", "date_dashes", "postcode_empty", "postcode_0000", "product_unknown")

# --- identities --------------------------------------------------------------------------------------

FIRST_NAMES = (
    "Anna", "Emma", "Sophie", "Julia", "Tess", "Zoë", "Noor", "Sara", "Lotte", "Eva", "Fleur", "Renée",
    "Chloë", "Noëlle", "Maria", "Johanna", "Elisabeth", "Cornelia", "Fatima", "Aylin", "Priya", "Ingrid",
    "Daan", "Sem", "Lucas", "Levi", "Finn", "Milan", "Jesse", "Thomas", "Bram", "Jan", "Peter", "Johannes",
    "Cornelis", "Willem", "Hendrik", "Mohamed", "Youssef", "Emre", "Mehmet", "André", "José", "Daniël",
    "Raphaël", "Joël", "Michiel", "Wei",
)
SURNAMES = (
    "de Jong", "Jansen", "de Vries", "van den Berg", "van Dijk", "Bakker", "Janssen", "Visser", "Smit",
    "Meijer", "de Boer", "Mulder", "de Groot", "Bos", "Vos", "Peters", "Hendriks", "van Leeuwen", "Dekker",
    "Brouwer", "de Wit", "Dijkstra", "Smits", "de Graaf", "van der Meer", "van der Linden", "Kok", "Jacobs",
    "de Haan", "Vermeulen", "van den Heuvel", "van der Veen", "Schouten", "Willems", "Hoekstra", "Öztürk",
    "Çelik", "Koç", "El Amrani", "Bouzid", "Kaya", "Brandão", "Groenevéld", "Nguyen",
)
BSN_TEST_RANGE = (999_990_000, 999_999_999)

_FORBIDDEN_PAIRS = ("SA", "SD", "SS")
_LETTER_PAIRS = np.array([a + b for a in "ABCDEFGHIJKLMNOPQRSTUVWXYZ" for b in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                          if a + b not in _FORBIDDEN_PAIRS])
CBS_YEAR = 2024
"""Year in the headers of the postcode table (Buurt2024, ...): the areas are CBS 2024 areas."""
_FIXED_TIMESTAMP = (1980, 1, 1, 0, 0, 0)


@dataclass
class SimulateResult:
    """Paths of the files written and their row counts. Every file is labelled synthetic."""

    visits_csv: Path
    visits_mapping: Path
    issuances_xlsx: Path
    issuances_mapping: Path
    postcodes_csv: Path
    readme: Path
    n_visits: int
    n_issuances: int
    n_bad_rows: int = 0
    """Rows of the appointment log broken on purpose (bad date, postcode or product)."""
    n_residents: int = 0
    n_addresses: int = 0


# --- small helpers ------------------------------------------------------------------------------------


def _day(d: date) -> int:
    """Days since 1970-01-01."""
    return int((d - date(1970, 1, 1)).days)


def _jan1(years: np.ndarray) -> np.ndarray:
    return (np.asarray(years, dtype=np.int64) - 1970).astype("datetime64[Y]").astype("datetime64[D]").astype(
        np.int64)


def _month0(days: np.ndarray) -> np.ndarray:
    """Month 0-11 of day numbers (days since 1970-01-01)."""
    return days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64) % 12


def _year(days: np.ndarray) -> np.ndarray:
    return days.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970


_MONTH_LENGTHS = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])
_MONTH_STARTS = np.concatenate([[0], np.cumsum(_MONTH_LENGTHS)[:-1]])


def _seasonal_offsets(rng: np.random.Generator, n: int, weights: np.ndarray) -> np.ndarray:
    """Day of the year (0-364) with month weights `weights`, uniform within the month."""
    month = rng.choice(12, size=n, p=weights * _MONTH_LENGTHS / (weights * _MONTH_LENGTHS).sum())
    return _MONTH_STARTS[month] + (rng.random(n) * _MONTH_LENGTHS[month]).astype(np.int64)


def _seasonal_dates(rng: np.random.Generator, n: int, y0: int, y1: int, weights: np.ndarray) -> np.ndarray:
    years = rng.integers(y0, y1 + 1, size=n)
    return _jan1(years) + _seasonal_offsets(rng, n, weights)


def _easter(year: int) -> date:
    """Gregorian Easter Sunday (anonymous Gregorian algorithm, Meeus/Jones/Butcher)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    l_ = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * l_) // 451
    month = (h + l_ - 7 * m + 114) // 31
    day = (h + l_ - 7 * m + 114) % 31 + 1
    return date(year, month, day)


def _public_holidays(year: int) -> list[int]:
    """Days the desk is closed: New Year, Easter Monday, King's Day, Liberation Day in lustrum years,
    Ascension, Whit Monday, Christmas (Dutch national holidays as most municipalities observe them)."""
    easter = _day(_easter(year))
    kings = date(year, 4, 27)
    if kings.weekday() == 6:
        kings = date(year, 4, 26)
    days = [_day(date(year, 1, 1)), easter + 1, _day(kings), easter + 39, easter + 50,
            _day(date(year, 12, 25)), _day(date(year, 12, 26))]
    if year % 5 == 0:
        days.append(_day(date(year, 5, 5)))
    return days


@dataclass(frozen=True)
class _Calendar:
    """Opening days of the desk from `first` (a Monday) on, with weights for drawing a day in a week."""

    first: int
    cum: np.ndarray  # (n_weeks, 7) cumulative day weights
    open_weekdays: np.ndarray  # sorted day numbers, Monday-Friday, not a holiday

    @classmethod
    def build(cls, y0: int, y1: int) -> _Calendar:
        start, end = _day(date(y0 - 1, 1, 1)), _day(date(y1 + 1, 12, 31))
        first = start - (start + 3) % 7  # 1970-01-01 was a Thursday
        n_weeks = (end - first) // 7 + 1
        days = first + np.arange(n_weeks * 7)
        weights = np.tile(WEEKDAY_WEIGHTS, n_weeks)
        closed = np.isin(days, [d for y in range(y0 - 1, y1 + 2) for d in _public_holidays(y)])
        weights[closed] = 0.0
        weekday = (days + 3) % 7
        open_weekdays = days[(weekday < 5) & ~closed]
        return cls(first, np.cumsum(weights.reshape(n_weeks, 7), axis=1), open_weekdays)

    def in_week(self, days: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """An opening day in the same week as each of `days`, drawn with the weekday weights."""
        week = np.clip((days - self.first) // 7, 0, len(self.cum) - 1)
        cum = self.cum[week]
        u = rng.random(len(days)) * cum[:, -1]
        return self.first + 7 * week + (cum <= u[:, None]).sum(axis=1)

    def on_or_after(self, days: np.ndarray, earliest: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """`in_week(days)`, moved a week on (and again) where that falls before `earliest`."""
        out = self.in_week(days, rng)
        for _ in range(3):
            early = out < earliest
            if not early.any():
                break
            out[early] = self.in_week(out[early] + 7, rng)
        return np.where(out < earliest, self.next_weekday(earliest), out)

    def next_weekday(self, days: np.ndarray) -> np.ndarray:
        """The first Monday-Friday opening day on or after each of `days`."""
        i = np.clip(np.searchsorted(self.open_weekdays, days), 0, len(self.open_weekdays) - 1)
        return self.open_weekdays[i]


def _eleven_test(numbers: np.ndarray) -> np.ndarray:
    """True where a 9-digit number passes the BSN eleven-test: 9*d1 + 8*d2 + ... + 2*d8 - 1*d9 = 0 mod 11."""
    digits = (numbers[:, None] // 10 ** np.arange(8, -1, -1)) % 10
    weights = np.array([9, 8, 7, 6, 5, 4, 3, 2, -1])
    return (digits @ weights) % 11 == 0


def bsn_test_numbers() -> np.ndarray:
    """All numbers of the BSN test range 999990000-999999999 that pass the eleven-test (909 numbers).
    The range is kept for testing and never assigned to a person."""
    candidates = np.arange(BSN_TEST_RANGE[0], BSN_TEST_RANGE[1] + 1, dtype=np.int64)
    return candidates[_eleven_test(candidates)]




def _unique_codes(rng: np.random.Generator, n: int,
                  draw: Callable[[np.random.Generator, int], np.ndarray]) -> np.ndarray:
    """`n` distinct codes from `draw(rng, k)`; collisions are drawn again."""
    codes = draw(rng, n)
    while True:
        _, first = np.unique(codes, return_index=True)
        dup = np.setdiff1d(np.arange(n), first)
        if not len(dup):
            return codes
        codes[dup] = draw(rng, len(dup))


def _document_numbers(rng: np.random.Generator, k: int) -> np.ndarray:
    """Passport / ID card numbers in the Dutch layout: 2 letters, 6 letters or digits, 1 digit; no O."""
    letters = np.array([ord(c) for c in "ABCDEFGHIJKLMNPQRSTUVWXYZ"], dtype=np.uint32)
    alnum = np.concatenate([letters, np.arange(ord("0"), ord("9") + 1, dtype=np.uint32)])
    codes = np.empty((k, 9), dtype=np.uint32)
    codes[:, :2] = letters[rng.integers(0, len(letters), (k, 2))]
    codes[:, 2:8] = alnum[rng.integers(0, len(alnum), (k, 6))]
    codes[:, 8] = rng.integers(ord("0"), ord("9") + 1, k)
    return codes.view("<U9").ravel().astype(object)


def _licence_numbers(rng: np.random.Generator, k: int) -> np.ndarray:
    """Driving licence numbers: 10 digits."""
    return rng.integers(1_000_000_000, 10_000_000_000, k).astype(str).astype(object)


def _nl(number: int) -> str:
    """A count with a Dutch thousands separator: 167635 -> 167.635."""
    return f"{number:,}".replace(",", ".")


def _ascii(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if c.isascii() and c.isalnum())


def _format_days(days: np.ndarray, fmt: str = "%d-%m-%Y") -> np.ndarray:
    """Day numbers as text; formats each distinct day once."""
    uniq, inverse = np.unique(days, return_inverse=True)
    text = pd.to_datetime(uniq, unit="D").strftime(fmt).to_numpy(dtype=object)
    return text[inverse]


# --- areas --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Areas:
    codes: list[str]
    level: str  # "wijk" or "buurt"
    population: np.ndarray
    households: np.ndarray
    shares: np.ndarray  # (n, 5), fractions summing to 1
    skipped: list[str]  # areas without inhabitants
    national_shares_used: list[str]


def _prepare_areas(areas: pd.DataFrame, gemeente: str) -> _Areas:
    """Check and complete the `areas` frame: codes of one level in `gemeente`, households and age
    shares filled in (population / 2.1; national shares), CBS sentinels (negative numbers) as missing."""
    missing = {"area_code", "population"} - set(areas.columns)
    if missing:
        raise ValueError(f"areas: missing column(s) {sorted(missing)}; expected area_code, population, "
                         f"households and {', '.join(AGE_COLUMNS)}")
    frame = areas.copy()
    frame["area_code"] = frame["area_code"].map(normalise_code)
    levels = levels_of(frame["area_code"])
    bad = frame.loc[~levels.isin(["wijk", "buurt"]), "area_code"].tolist()
    if bad:
        raise ValueError(f"areas: {bad[:5]} are not CBS wijk (WK) or buurt (BU) codes")
    if levels.nunique() > 1:
        raise ValueError("areas: mixes wijk and buurt codes; give one level")
    foreign = frame.loc[frame["area_code"].str.slice(2, 6) != gemeente[2:], "area_code"].tolist()
    if foreign:
        raise ValueError(f"areas: {foreign[:5]} do not lie in {gemeente}")
    if frame["area_code"].duplicated().any():
        raise ValueError("areas: area_code is not unique")
    frame = frame.sort_values("area_code", kind="stable").reset_index(drop=True)

    def numbers(column: str) -> pd.Series:
        if column not in frame.columns:
            return pd.Series(np.nan, index=frame.index)
        values = pd.to_numeric(frame[column], errors="coerce").astype("float64")
        return values.where(values >= 0)

    population = numbers("population").fillna(0).round().astype(np.int64)
    households = numbers("households")
    households = households.fillna(population / PERSONS_PER_HOUSEHOLD).round()
    households = np.minimum(np.maximum(households, 1), population).astype(np.int64)
    shares = np.column_stack([numbers(c).to_numpy() for c in AGE_COLUMNS])
    fallback = np.isnan(shares).any(axis=1) | (np.nan_to_num(shares).sum(axis=1) <= 0)
    shares[fallback] = NATIONAL_AGE_SHARES
    shares = shares / shares.sum(axis=1, keepdims=True)
    keep = (population > 0).to_numpy()
    codes = frame["area_code"].tolist()
    return _Areas(
        codes=[c for c, k in zip(codes, keep, strict=True) if k],
        level=str(levels.iloc[0]),
        population=population.to_numpy()[keep],
        households=np.asarray(households)[keep],
        shares=shares[keep],
        skipped=[c for c, k in zip(codes, keep, strict=True) if not k],
        national_shares_used=[c for c, f, k in zip(codes, fallback, keep, strict=True) if f and k],
    )


# --- addresses and residents --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Addresses:
    area: np.ndarray  # area index per address; addresses are ordered by area
    pc4: np.ndarray
    letters: np.ndarray
    number: np.ndarray
    shared_pc4: list[int]  # PC4s in two areas
    shared_pc6: list[str]


def _pc4_base(gemeente: str, n_pc4_max: int) -> int:
    """First synthetic PC4 of a municipality: a function of its code only, so municipalities differ."""
    span = max(1, 9000 - n_pc4_max)
    return 1000 + (int(gemeente[2:]) * 7919) % span


def _layout_addresses(households: np.ndarray, gemeente: str, rng: np.random.Generator) -> _Addresses:
    """One address per household, area after area; 15-20 addresses per PC6, 100-200 PC6 per PC4.

    A new area starts a new PC4, except at about one boundary in five where the PC4 continues (a PC4
    in two areas); at one to three of those the PC6 itself continues (a PC6 in two areas), as happens
    where a street forms the boundary.
    """
    n_areas = len(households)
    n_bound = n_areas - 1
    shared4: set[int] = set()
    shared6: set[int] = set()
    if n_bound > 0:
        chosen = rng.choice(n_bound, size=min(n_bound, max(1, round(n_bound / 5))), replace=False)
        shared4 = {int(b) for b in chosen}
        shared6 = {int(b) for b in chosen[: min(len(chosen), int(rng.integers(1, 4)))]}
    base = _pc4_base(gemeente, n_areas + int(households.sum()) // (100 * 15) + 2)

    areas, pc4s, letters, numbers = [], [], [], []
    pc4, cap, used = base - 1, 0, 0
    pc4_letters = _LETTER_PAIRS[:0]
    cur_letters, cur_left, next_number = "", 0, 1
    for a in range(n_areas):
        if a > 0 and (a - 1) not in shared6:
            cur_left = 0
        if a > 0 and (a - 1) not in shared4:
            used = cap
        remaining = int(households[a])
        while remaining > 0:
            if cur_left == 0:
                if used >= cap:
                    pc4, cap, used = pc4 + 1, int(rng.integers(100, 201)), 0
                    pc4_letters = _LETTER_PAIRS[np.sort(rng.choice(len(_LETTER_PAIRS), size=cap, replace=False))]
                cur_letters, used = str(pc4_letters[used]), used + 1
                cur_left = int(rng.integers(15, 21))
                next_number = 1 + int(rng.integers(0, 2)) + 2 * int(rng.integers(0, 60))
            take = min(cur_left, remaining)
            areas.append(np.full(take, a))
            pc4s.append(np.full(take, pc4))
            letters.append(np.full(take, cur_letters))
            numbers.append(next_number + 2 * np.arange(take))
            next_number, cur_left, remaining = next_number + 2 * take, cur_left - take, remaining - take
        if a in shared6 and cur_left == 0:
            cur_left = int(rng.integers(3, 8))
    if pc4 > 9999:
        raise ValueError(f"{gemeente}: too many addresses for synthetic 4-digit postcodes")
    area, pc4_all, letters_all = np.concatenate(areas), np.concatenate(pc4s), np.concatenate(letters).astype(object)
    frame = pd.DataFrame({"area": area, "pc4": pc4_all, "pc6": pc4_all.astype(str) + letters_all})
    per4 = frame.groupby("pc4")["area"].nunique()
    per6 = frame.groupby("pc6")["area"].nunique()
    return _Addresses(area, pc4_all, letters_all, np.concatenate(numbers),
                      [int(p) for p in per4[per4 > 1].index], [str(p) for p in per6[per6 > 1].index])


@dataclass(frozen=True)
class _People:
    area: np.ndarray
    birth: np.ndarray  # day number
    age_ref: np.ndarray  # years on REFERENCE_DATE (float)
    address: np.ndarray


def _draw_people(ar: _Areas, addr: _Addresses, rng: np.random.Generator) -> _People:
    """Residents per area from population and age shares; the first ones get an address each (adults
    first), so every address is inhabited; the others join a random address of their area."""
    n = int(ar.population.sum())
    area = np.repeat(np.arange(len(ar.codes)), ar.population)
    band = np.concatenate([np.repeat(np.arange(5), rng.multinomial(p, s))
                           for p, s in zip(ar.population, ar.shares, strict=True)])
    lo = np.array([b[0] for b in AGE_BANDS])[band]
    hi = np.array([b[1] for b in AGE_BANDS])[band]
    age = rng.integers(lo, hi).astype(np.float64)
    old = band == 4
    groups = rng.choice(len(OLD_AGE_GROUPS), size=int(old.sum()), p=[g[2] for g in OLD_AGE_GROUPS])
    age[old] = rng.integers(np.array([g[0] for g in OLD_AGE_GROUPS])[groups],
                            np.array([g[1] for g in OLD_AGE_GROUPS])[groups])
    age += rng.random(n)
    birth = _day(REFERENCE_DATE) - np.round(age * YEAR_DAYS).astype(np.int64)

    address = np.empty(n, dtype=np.int64)
    addr_start = np.searchsorted(addr.area, np.arange(len(ar.codes)))
    addr_count = np.bincount(addr.area, minlength=len(ar.codes))
    person_start = np.concatenate([[0], np.cumsum(ar.population)[:-1]])
    for a in range(len(ar.codes)):
        idx = person_start[a] + np.arange(ar.population[a])
        adults = idx[age[idx] >= 18]
        minors = idx[age[idx] < 18]
        order = np.concatenate([rng.permutation(adults), rng.permutation(minors)])
        k = int(min(addr_count[a], len(order)))
        address[order[:k]] = addr_start[a] + rng.permutation(addr_count[a])[:k]
        address[order[k:]] = addr_start[a] + rng.integers(0, addr_count[a], len(order) - k)
    return _People(area, birth, age, address)


# --- document histories -------------------------------------------------------------------------------


def _validity_days(kind: int, issued: np.ndarray, birth: np.ndarray) -> np.ndarray:
    """Days a document issued on `issued` to someone born on `birth` stays valid (see module doc)."""
    age = (issued - birth) / YEAR_DAYS
    if kind == LICENCE:
        until_75 = birth + 75 * YEAR_DAYS - issued
        years = np.where(age < 65, 10 * YEAR_DAYS, np.where(age < 70, until_75, 5 * YEAR_DAYS))
    else:
        ten = (age >= 18) & (issued >= _day(TEN_YEAR_RULE))
        years = np.where(ten, 10 * YEAR_DAYS, 5 * YEAR_DAYS)
    return np.round(years).astype(np.int64)


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
    score = np.log(MONTH_WEIGHTS[kind][_month0(candidates)]) + rng.gumbel(size=(n, k))
    return candidates[np.arange(n), score.argmax(axis=1)]


def _history(kind: int, person: np.ndarray, first: np.ndarray, birth: np.ndarray, end: int,
             rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """All issues (person, day) of one kind from each holder's first issue up to day `end`."""
    season = "licence" if kind == LICENCE else "travel"
    out_p, out_d = [], []
    cur_p, cur_d = person, first
    rule = _day(TEN_YEAR_RULE)
    for _ in range(60):
        keep = cur_d <= end
        cur_p, cur_d = cur_p[keep], cur_d[keep]
        if not len(cur_p):
            break
        out_p.append(cur_p)
        out_d.append(cur_d)
        expiry = cur_d + _validity_days(kind, cur_d, birth[cur_p])
        nxt = _renewal_dates(expiry, season, rng)
        if kind != LICENCE:
            adult = (nxt - birth[cur_p]) / YEAR_DAYS >= 18
            waited = (adult & (nxt >= _day(date(2013, 12, 1))) & (nxt < rule) & (expiry - nxt > 14)
                      & (rng.random(len(nxt)) < P_WAITED_FOR_2014))
            nxt[waited] = rule + 1 + rng.integers(0, 60, int(waited.sum()))
        else:
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
    return _jan1(HISTORY_START_YEAR + rng.integers(0, cycle_years, n)) + _seasonal_offsets(rng, n, weights)


def _applications(ar: _Areas, addr: _Addresses, pp: _People, y0: int, y1: int,
                  rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Document applications (person, kind, day, is_replacement) from a year before the window to its end."""
    n = len(pp.area)
    adult = pp.age_ref >= 18
    travel_w = MONTH_WEIGHTS["travel"]
    area_factor = rng.uniform(0.93, 1.07, len(ar.codes))[pp.area]
    has_pass = adult & (rng.random(n) < P_PASSPORT_ADULT * area_factor)
    has_id = adult & (rng.random(n) < np.where(has_pass, P_ID_WITH_PASSPORT, P_ID_WITHOUT_PASSPORT))
    n_addr = len(addr.area)
    child_pass = (rng.random(n_addr) < P_CHILD_PASSPORT_HOUSEHOLD)[pp.address] & ~adult
    child_id = (rng.random(n_addr) < P_CHILD_ID_HOUSEHOLD)[pp.address] & ~adult
    child_id |= ~adult & (pp.age_ref >= 14) & ~child_pass  # identification duty from 14
    lic_p = np.zeros(n)
    for lo, hi, share in LICENCE_BY_AGE:
        lic_p[(pp.age_ref >= lo) & (pp.age_ref < hi)] = share
    has_lic = rng.random(n) < lic_p

    household_anchor = _phase_dates(rng, n_addr, travel_w, 5)
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

    start, end = _day(date(y0 - 1, 12, 1)), _day(date(y1, 12, 31))
    persons, kinds, days, replacement = [], [], [], []
    for kind, who, first in firsts:
        old = first < _day(date(HISTORY_START_YEAR, 1, 1))
        weights = MONTH_WEIGHTS["licence" if kind == LICENCE else "travel"]
        first = first.copy()
        first[old] = _phase_dates(rng, int(old.sum()), weights, 10 if kind == LICENCE else 5)
        p, d = _history(kind, who, first, pp.birth, end, rng)
        keep = d >= start
        persons.append(p[keep])
        days.append(d[keep])
        kinds.append(np.full(int(keep.sum()), kind))
        replacement.append(np.zeros(int(keep.sum()), dtype=bool))
        # replacements (lost, stolen, damaged, name change) for holders, uniform over the window
        count = rng.poisson(REPLACEMENT_RATE[kind] * (y1 - y0 + 1), len(who))
        rp = np.repeat(who, count)
        rd = _seasonal_dates(rng, len(rp), y0, y1, weights)
        ok = rd > pp.birth[rp] + 365
        persons.append(rp[ok])
        days.append(rd[ok])
        kinds.append(np.full(int(ok.sum()), kind))
        replacement.append(np.ones(int(ok.sum()), dtype=bool))
    return np.concatenate(persons), np.concatenate(kinds), np.concatenate(days), np.concatenate(replacement)


# --- visits -------------------------------------------------------------------------------------------


@dataclass
class _Rows:
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


def _visits(ar: _Areas, pp: _People, y0: int, y1: int, cal: _Calendar, apps: tuple[np.ndarray, ...],
            rng: np.random.Generator) -> tuple[_Rows, dict[str, np.ndarray]]:
    """Appointment rows for applications, collections and other products, and the issued documents."""
    person, kind, raw_day, is_replacement = apps
    rows = _Rows([], [], [], [], [], [])
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
    band = np.digitize(pp.age_ref, [18, 25, 45, 65])
    area_factor = rng.lognormal(0.0, 0.15, len(ar.codes))[pp.area]
    for name, rates in OTHER_RATES.items():
        count = rng.poisson(np.array(rates)[band] * area_factor * years)
        who = np.repeat(np.arange(len(pp.area)), count)
        d = cal.in_week(_seasonal_dates(rng, len(who), y0, y1, MONTH_WEIGHTS["other"]), rng)
        rows.add(name, who, d, _statuses(rng, len(who)), location(who))
    return rows, issued


# --- writing ------------------------------------------------------------------------------------------


def _visit_frame(rows: _Rows, pp: _People, addr: _Addresses, y0: int, y1: int,
                 rng: np.random.Generator) -> tuple[pd.DataFrame, int]:
    """The appointment log as text columns, sorted by date and time, with a few broken rows."""
    person = np.concatenate(rows.person)
    product = np.concatenate(rows.product)
    day = np.concatenate(rows.day)
    status = np.concatenate(rows.status)
    loc = np.concatenate(rows.location)
    keep = (day >= _day(date(y0, 1, 1))) & (day <= _day(date(y1, 12, 31)))
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

    n_people = len(pp.area)
    valid_bsns = bsn_test_numbers()
    bsn = valid_bsns[rng.integers(0, len(valid_bsns), n_people)].astype(str).astype(object)
    household_surname = rng.integers(0, len(SURNAMES), len(addr.area))[pp.address]
    own = rng.random(n_people) < 0.2
    surname = np.where(own, rng.integers(0, len(SURNAMES), n_people), household_surname)
    first = rng.integers(0, len(FIRST_NAMES), n_people)
    full = (pd.Series(np.array(FIRST_NAMES, dtype=object)[first]) + " "
            + pd.Series(np.array(SURNAMES, dtype=object)[surname])).to_numpy(dtype=object)
    ascii_first = np.array([_ascii(f).lower() for f in FIRST_NAMES], dtype=object)[first]
    ascii_last = np.array([_ascii(s).lower() for s in SURNAMES], dtype=object)[surname]
    email = (pd.Series(ascii_first) + "." + pd.Series(ascii_last)
             + pd.Series(rng.integers(1, 100, n_people).astype(str)) + "@example.com").to_numpy(dtype=object)
    email[(pp.age_ref < 16) | (rng.random(n_people) < 0.25)] = ""
    phone = ("06-0" + pd.Series(np.char.zfill(rng.integers(0, 10_000_000, n_people).astype(str), 7))
             ).to_numpy(dtype=object)
    phone[(pp.age_ref < 16) | (rng.random(n_people) < 0.15)] = ""

    a = pp.address[person]
    pc4 = addr.pc4[a].astype(str).astype(object)
    upper = addr.letters[a]
    lower = np.array([s.lower() for s in _LETTER_PAIRS], dtype=object)[np.searchsorted(_LETTER_PAIRS, upper)]
    style = rng.choice(len(POSTCODE_STYLES), size=n, p=[s[1] for s in POSTCODE_STYLES])
    postcode = np.where(style == 0, pc4 + " " + upper,
                        np.where(style == 1, pc4 + upper, np.where(style == 2, pc4 + lower, pc4 + " " + lower)))
    frame = pd.DataFrame({
        "Afspraaknummer": (int(rng.integers(100_000, 200_000)) + np.arange(n)).astype(str),
        "Datum afspraak": _format_days(day),
        "Tijd": time,
        "Product": np.array(rows.names, dtype=object)[product],
        "Status": np.array(list(STATUSES), dtype=object)[status],
        "Locatie": np.array(LOCATIONS, dtype=object)[loc],
        "BSN": bsn[person],
        "Naam": full[person],
        "Geboortedatum": _format_days(pp.birth[person]),
        "Postcode": postcode,
        "Huisnr": addr.number[a].astype(str),
        "E-mail": email[person],
        "Telefoon": phone[person],
        "Synthetisch": "ja",
    })
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
    return frame, n_bad


def _issuance_frame(issued: dict[str, np.ndarray], pp: _People, addr: _Addresses, y0: int, y1: int,
                    rng: np.random.Generator) -> pd.DataFrame:
    """One row per issued document, issue date = date of the collection visit."""
    day = issued["day"]
    keep = (day >= _day(date(y0, 1, 1))) & (day <= _day(date(y1, 12, 31)))
    person, kind, day = issued["person"][keep], issued["kind"][keep], day[keep]
    order = np.lexsort((person, kind, day))
    person, kind, day = person[order], kind[order], day[order]
    n = len(person)
    kind_name = np.array(["Nationaal paspoort", "Nederlandse identiteitskaart", "Rijbewijs"], dtype=object)[kind]
    kind_name[(kind == PASSPORT) & (rng.random(n) < P_BUSINESS_PASSPORT)] = "Zakenpaspoort"
    number = np.empty(n, dtype=object)
    travel = kind != LICENCE
    number[travel] = _unique_codes(rng, int(travel.sum()), _document_numbers)
    number[~travel] = _unique_codes(rng, int((~travel).sum()), _licence_numbers)
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


SHEET_NAME = "Verstrekkingen (synthetisch)"
_EXCEL_EPOCH_OFFSET = 25569  # Excel serial of 1970-01-01


def _column_letter(i: int) -> str:
    return "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[i]


def _write_xlsx(frame: pd.DataFrame, date_columns: set[str], path: Path, title: str) -> None:
    """Write `frame` as one sheet. openpyxl writes the workbook (styles, a `dd-mm-yyyy` date style); the
    rows are streamed into the sheet in the markup openpyxl uses, because openpyxl itself needs ~15 s
    for 200,000 rows. Timestamps are fixed so the same input gives the same bytes."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(SHEET_NAME)
    probe = WriteOnlyCell(ws, value=date(2024, 1, 1))
    probe.number_format = "dd-mm-yyyy"
    ws.append(list(frame.columns))
    ws.append([probe])
    wb.properties.creator = "wijkloket simulate (synthetisch)"
    wb.properties.title = title
    buffer = io.BytesIO()
    wb.save(buffer)
    with zipfile.ZipFile(buffer) as template:
        parts = {name: template.read(name) for name in template.namelist()}
    sheet_name = next(n for n in parts if n.startswith("xl/worksheets/"))
    sheet = parts[sheet_name].decode("utf-8")
    style = re.search(r'<c r="A2" s="(\d+)"', sheet)
    date_style = style.group(1) if style else "1"

    n = len(frame)
    rownum = pd.Series(np.arange(2, n + 2).astype(str), dtype=object)
    xml = "<row r=\"" + rownum + "\">"
    for i, column in enumerate(frame.columns):
        ref = _column_letter(i) + rownum
        values = frame[column]
        if column in date_columns:
            serial = pd.Series((values.to_numpy() + _EXCEL_EPOCH_OFFSET).astype(str), dtype=object)
            xml = xml + "<c r=\"" + ref + f"\" s=\"{date_style}\" t=\"n\"><v>" + serial + "</v></c>"
        elif pd.api.types.is_integer_dtype(values):
            xml = xml + "<c r=\"" + ref + "\" t=\"n\"><v>" + pd.Series(values.astype(str).to_numpy(),
                                                                       dtype=object) + "</v></c>"
        else:
            text = values.astype(str)
            if text.str.contains(r"[&<>]").any():
                text = text.map(escape)
            text = pd.Series(text.to_numpy(dtype=object), dtype=object)
            xml = xml + "<c r=\"" + ref + "\" t=\"inlineStr\"><is><t>" + text + "</t></is></c>"
    xml = xml + "</row>"
    header = "<row r=\"1\">" + "".join(
        f'<c r="{_column_letter(i)}1" t="inlineStr"><is><t>{escape(c)}</t></is></c>'
        for i, c in enumerate(frame.columns)) + "</row>"
    body = header + "".join(xml.tolist())
    head, rest = sheet.split("<sheetData>", 1)
    tail = rest.split("</sheetData>", 1)[1]
    dimension = f'<dimension ref="A1:{_column_letter(len(frame.columns) - 1)}{n + 1}" />'
    head = head.replace("<sheetViews>", dimension + "<sheetViews>", 1)
    parts[sheet_name] = (head + "<sheetData>" + body + "</sheetData>" + tail).encode("utf-8")
    fixed = "2024-01-01T00:00:00Z"
    core = parts["docProps/core.xml"].decode("utf-8")
    core = re.sub(r"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:)", rf"\g<1>{fixed}\g<3>", core)
    parts["docProps/core.xml"] = core.encode("utf-8")
    with zipfile.ZipFile(path, "w") as out:
        for name, data in parts.items():
            info = zipfile.ZipInfo(name, date_time=_FIXED_TIMESTAMP)
            info.compress_type = zipfile.ZIP_DEFLATED
            out.writestr(info, data)


def _cbs_number(code: str) -> str:
    """A CBS code without prefix and leading zeros, as the pc6hnr file writes it (`WK039201` -> `39201`);
    letter codes (Amsterdam `WK0363AA`) keep their characters."""
    digits = code[2:]
    return str(int(digits)) if digits.isdigit() else digits.lstrip("0")


def _postcode_frame(ar: _Areas, addr: _Addresses) -> pd.DataFrame:
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


def _toml_table(pairs: dict[str, str]) -> str:
    return "".join(f'"{k}" = "{v}"\n' for k, v in pairs.items())


def _visits_mapping(seed: int) -> str:
    return (
        f"# Synthetic export: made by wijkloket simulate (seed {seed}). Not real residents.\n"
        "# Synthetisch bestand: gemaakt door wijkloket simulate. Geen echte inwoners.\n"
        "# Unmapped columns (Afspraaknummer, BSN, Naam, E-mail, Telefoon, Synthetisch) are identifying or\n"
        "# not needed and must be dropped on import.\n"
        "[file]\n"
        'encoding = "cp1252"\n'
        'delimiter = ";"\n'
        'date_format = "%d-%m-%Y"\n'
        'birth_date_format = "%d-%m-%Y"\n'
        "synthetic = true\n"
        "[columns]\n"
        'date = "Datum afspraak"\n'
        'time = "Tijd"\n'
        'product = "Product"\n'
        'postcode = "Postcode"\n'
        'house_number = "Huisnr"\n'
        'status = "Status"\n'
        'location = "Locatie"\n'
        'birth_date = "Geboortedatum"\n'
        "[products]\n" + _toml_table(VISIT_PRODUCTS)
        + "[statuses]\n" + _toml_table(STATUSES)
    )


def _issuances_mapping(seed: int) -> str:
    return (
        f"# Synthetic export: made by wijkloket simulate (seed {seed}). Not real residents.\n"
        "# Synthetisch bestand: gemaakt door wijkloket simulate. Geen echte inwoners.\n"
        "# Dates are Excel dates. Documentnummer and Geboortedatum are identifying: drop them on import\n"
        "# (the birth date only serves to derive an age group).\n"
        "[file]\n"
        f'sheet = "{SHEET_NAME}"\n'
        "synthetic = true\n"
        "[columns]\n"
        'date = "Datum verstrekking"\n'
        'product = "Documentsoort"\n'
        'postcode = "Postcode"\n'
        'house_number = "Huisnummer"\n'
        'birth_date = "Geboortedatum"\n'
        "[products]\n" + _toml_table(ISSUANCE_PRODUCTS)
    )


def _readme(*, gemeente: str, gemeente_name: str, years: tuple[int, int], seed: int, ar: _Areas,
            addr: _Addresses, n_residents: int, files: dict[str, tuple[str, int]], n_bad: int,
            yearly: pd.DataFrame) -> str:
    y0, y1 = years
    name = f"{gemeente_name} ({gemeente})" if gemeente_name else gemeente
    level = "buurten" if ar.level == "buurt" else "wijken"
    lines = [
        "SYNTHETISCHE GEGEVENS - GEEN ECHTE INWONERS",
        "=" * 43,
        "",
        f"Deze bestanden zijn gemaakt door `wijkloket simulate` voor {name}, jaren {y0}-{y1}, seed {seed}.",
        "Ze lijken op exports van een afsprakensysteem en een burgerzakensysteem van een gemeente, maar",
        "zijn volledig verzonnen: er staat geen enkele echte persoon, echt BSN of echt adres in. Gebruik ze",
        "voor demonstraties en tests, nooit als cijfers over de gemeente. Elke rij heeft een laatste kolom",
        "`Synthetisch` met de waarde `ja`; de mappingbestanden zeggen `synthetic = true`.",
        "",
        "Zelfde invoer en seed geven byte voor byte dezelfde bestanden.",
        "",
        "Bestanden",
        "---------",
    ]
    lines += [f"- {fname}: {what}" for fname, (what, _) in files.items()]
    lines += [
        "",
        "Invoer",
        "------",
        f"- {len(ar.codes)} {level} met inwoners (CBS), samen {_nl(n_residents)} inwoners en {_nl(len(addr.area))}"
        " adressen (één adres per huishouden).",
    ]
    if ar.skipped:
        lines.append(f"- Zonder inwoners, overgeslagen: {', '.join(ar.skipped)}.")
    if ar.national_shares_used:
        lines.append(f"- Zonder leeftijdsverdeling, landelijke verdeling 16/12/25/26/21% gebruikt: "
                     f"{', '.join(ar.national_shares_used)}.")
    lines += [
        "",
        "Aannames",
        "--------",
        "Bevolking en adressen",
        f"- Vaste bevolking zoals op 1 januari {REFERENCE_DATE.year} (CBS Kerncijfers {CBS_YEAR}): geen geboorte,",
        "  sterfte of verhuizing in de gesimuleerde jaren. Leeftijden binnen de CBS-leeftijdsgroepen per",
        "  gebied, gelijkmatig per jaar; 65+ verdeeld over 65-99 jaar naar ongeveer de landelijke verdeling.",
        f"- Eén adres per huishouden; ontbreekt het aantal huishoudens, dan inwoners / {PERSONS_PER_HOUSEHOLD}.",
        "- Postcodes zijn verzonnen: PC4-nummers vanaf een startwaarde die uit de gemeentecode volgt, PC6 =",
        "  PC4 + twee letters (nooit SA, SD of SS), 15-20 adressen per PC6, huisnummers aan één kant van een",
        "  straat (stap 2). Enkele PC4's en 1-3 PC6's liggen bewust in twee gebieden:",
        f"  PC4 {', '.join(map(str, addr.shared_pc4)) or '-'}; PC6 {', '.join(addr.shared_pc6) or '-'}.",
    ]
    if ar.level == "wijk":
        lines.append("- De postcodetabel heeft alleen wijken; de kolom Buurt is synthetisch: wijkcode + '00'.")
    lines += [
        "Documenten en geldigheid",
        "- Paspoort en identiteitskaart: voor volwassenen 10 jaar geldig als uitgegeven op of na",
        "  9 maart 2014, daarvoor 5 jaar; voor minderjarigen altijd 5 jaar (Paspoortwet).",
        "- Rijbewijs: 10 jaar geldig bij afgifte voor het 65e jaar; bij afgifte op 65-69 jaar geldig tot de",
        "  75e verjaardag; vanaf 70 jaar 5 jaar (regels sinds 2014). Vanaf 75 jaar verlengt 85%, vanaf 85",
        "  jaar 60% (medische keuring).",
        "- Per houder wordt de documentgeschiedenis gesimuleerd vanaf een eerste afgifte (uiterlijk 1985),",
        "  zodat de overgang van 5 naar 10 jaar in 2014 zichtbaar wordt: een dal in aanvragen 2019-2023 en",
        "  een piek vanaf 2024.",
        f"- Verlengen: reisdocumenten {RENEWAL_TIMING['travel'][0]:.0%} in de {EARLY_DAYS['travel']} dagen voor het"
        " verlopen, de rest"
        f" erna (gemiddeld {RENEWAL_TIMING['travel'][1]:.0f}",
        "  dagen, hoogstens 6 jaar: wie paspoort en identiteitskaart heeft, verlengt er vaak één pas als het",
        f"  nodig is); rijbewijzen {RENEWAL_TIMING['licence'][0]:.0%} op tijd, de rest gemiddeld"
        f" {RENEWAL_TIMING['licence'][1]:.0f} dagen later.",
        "  Voorkeur voor april-juni. Wie eind 2013 moest verlengen met een nog geldig document, wachtte",
        f"  in {P_WAITED_FOR_2014:.0%} van de gevallen tot na 9 maart 2014.",
        f"- Bezit: {P_PASSPORT_ADULT:.0%} van de volwassenen een paspoort (per gebied ±7%), {P_ID_ADULT:.0%} een",
        f"  identiteitskaart ({P_ID_WITHOUT_PASSPORT:.0%} van wie geen paspoort heeft), ~3% geen van beide.",
        f"  Kinderen per huishouden: {P_CHILD_PASSPORT_HOUSEHOLD:.0%} paspoort, {P_CHILD_ID_HOUSEHOLD:.0%}"
        " identiteitskaart,",
        "  broers en zussen in hetzelfde ritme; vanaf 14 jaar altijd een identiteitsdocument (WID).",
        "  Rijbewijs naar leeftijd: 18-19 40%, 20-24 60%, 25-29 70%, 30-64 82%, 65-74 80%, 75-84 60%, 85+ 30%.",
        "- Geen COVID-effect en geen extra vroege verlengingen door voorlichting over de 'paspoortpiek': het",
        "  dal 2019-2023 is daardoor dieper dan landelijk in 2023 (1,6 miljoen reisdocumenten tegen ~2,9",
        "  miljoen verwacht in 2024); 2024 komt op ongeveer het landelijke niveau per inwoner.",
        "- Aanvragen buiten de cyclus (vermissing, diefstal, beschadiging, naamswijziging, nieuwe inwoners)",
        "  per houder per jaar: paspoort",
        f"  {REPLACEMENT_RATE[0]:.1%}, identiteitskaart {REPLACEMENT_RATE[1]:.1%}, rijbewijs {REPLACEMENT_RATE[2]:.1%};"
        f" bij {P_LOSS_REPORT:.0%} van de",
        "  vervangende reisdocumenten eerst een afspraak 'Vermissing reisdocument'.",
        "Afspraken",
        "- Per document een aanvraag en een ophaalafspraak ongeveer een week later (spoed: 1-3 werkdagen;",
        f"  15% haalt 1-4 weken later op). {P_URGENT:.0%} van de aanvragen met spoed.",
        "- Overige producten per inwoner per jaar (<18 / 18-24 / 25-44 / 45-64 / 65+), met een factor per",
        "  gebied (lognormaal, spreiding 15%):",
    ]
    lines += [f"  {k}: {' / '.join(f'{r:.3f}' for r in v)}" for k, v in OTHER_RATES.items()]
    lines += [
        "- Status: 90% Afgerond, 5% Niet verschenen, 5% Geannuleerd; een mislukte aanvraag of ophaalafspraak",
        "  wordt opnieuw gepland en gaat dan door.",
        "- Seizoen: drukte april-juni, rustig in december; ma-vr 08:30-16:30 in blokken van 10 minuten,",
        "  vrijdag rustiger, dicht op feestdagen; enkele zaterdagochtenden (alleen Stadhuis).",
        "- Locaties: Stadhuis, en per gebied 3-30% bij de Stadswinkel.",
        f"- {n_bad} rijen zijn bewust fout ({BAD_ROW_SHARE:.1%}): datum 31-02 of '--', lege postcode,",
        "  postcode 0000 XX of product 'Onbekend'. Een goede import weigert precies die rijen.",
        "- Postcodes zijn ingetikt zoals mensen dat doen: '2011 AB', '2011AB', '2011ab', '2011 ab'.",
        "Identificerende kolommen (bewust aanwezig, de import moet ze weggooien)",
        "- BSN alleen uit de testreeks 999990000-999999999 (niet aan personen uitgegeven), met elfproef;",
        "  er zijn maar 909 zulke nummers, dus meerdere personen delen een BSN.",
        "- Namen willekeurig uit korte lijsten; e-mail @example.com; telefoon 06-0..., een reeks die niet",
        "  wordt uitgegeven; documentnummers willekeurig (paspoort-layout, rijbewijs 10 cijfers).",
        "",
        "Aanvragen per jaar (afspraken met status Afgerond)",
        "--------------------------------------------------",
        yearly.to_string(),
        "",
        f"Bron invoer: CBS Kerncijfers wijken en buurten {CBS_YEAR} (CC BY 4.0). Alles daarnaast is synthetisch.",
        "",
    ]
    return "\n".join(lines)


def simulate(areas: pd.DataFrame, gemeente: str, years: tuple[int, int], seed: int, out_dir: Path,
             gemeente_name: str = "") -> SimulateResult:
    """Write calibrated synthetic desk exports for `gemeente` into `out_dir` (see the module docstring).

    `areas`: one row per wijk or buurt: `area_code` (WK/BU), `population`, `households` (may be NaN) and
    the CBS age shares in per cent `pct_age_0_15`, `pct_age_15_25`, `pct_age_25_45`, `pct_age_45_65`,
    `pct_age_65_plus` (may be NaN). `years`: first and last calendar year of the exports (inclusive).
    Pure apart from writing the files: same arguments, same bytes.
    """
    gemeente = check_gemeente_code(gemeente)
    y0, y1 = int(years[0]), int(years[1])
    if y1 < y0 or y0 < 2000 or y1 > 2100:
        raise ValueError(f"years: expected (first, last) with 2000 <= first <= last <= 2100, got {years}")
    ar = _prepare_areas(areas, gemeente)
    if not ar.codes:
        raise ValueError(f"areas: no area of {gemeente} has inhabitants")
    rng_addr, rng_people, rng_docs, rng_visits, rng_out = (
        np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(5))
    addr = _layout_addresses(ar.households, gemeente, rng_addr)
    pp = _draw_people(ar, addr, rng_people)
    cal = _Calendar.build(y0, y1)
    apps = _applications(ar, addr, pp, y0, y1, rng_docs)
    rows, issued = _visits(ar, pp, y0, y1, cal, apps, rng_visits)
    visits, n_bad = _visit_frame(rows, pp, addr, y0, y1, rng_out)
    issuances = _issuance_frame(issued, pp, addr, y0, y1, rng_out)
    postcodes = _postcode_frame(ar, addr)

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    visits_csv = out_dir / f"afspraken_{gemeente}_{y0}_{y1}.csv"
    visits_mapping = out_dir / "jcc.toml"
    issuances_xlsx = out_dir / f"verstrekkingen_{gemeente}_{y0}_{y1}.xlsx"
    issuances_mapping = out_dir / "burgerzaken.toml"
    postcodes_csv = out_dir / f"pc6hnr_{gemeente}_synthetisch.csv"
    readme = out_dir / "LEESMIJ_SYNTHETISCH.txt"

    visits.to_csv(visits_csv, sep=";", index=False, encoding="cp1252", lineterminator="\r\n")
    visits_mapping.write_text(_visits_mapping(seed), encoding="utf-8", newline="\n")
    _write_xlsx(issuances, {"Datum verstrekking", "Geboortedatum"}, issuances_xlsx,
                f"Synthetische verstrekkingen {gemeente} {y0}-{y1}")
    issuances_mapping.write_text(_issuances_mapping(seed), encoding="utf-8", newline="\n")
    postcodes.to_csv(postcodes_csv, sep=";", index=False, encoding="utf-8", lineterminator="\n")

    attended = visits[visits["Status"] == "Afgerond"]
    year = attended["Datum afspraak"].str.slice(6)
    canonical = attended["Product"].map(VISIT_PRODUCTS)
    yearly = pd.crosstab(year[year.str.isdigit()], canonical[year.str.isdigit()]).reindex(
        columns=["passport", "id_card", "driving_licence", "collect_document", "collect_licence", "brp_extract",
                 "declaration", "other"], fill_value=0)
    yearly.index.name = "jaar"
    yearly.columns.name = None
    files = {
        visits_csv.name: (f"afsprakenlog, {_nl(len(visits))} rijen (Windows-1252, ';', CRLF).", len(visits)),
        visits_mapping.name: ("mapping van de afsprakenlog voor de import.", 0),
        issuances_xlsx.name: (f"verstrekte documenten, {_nl(len(issuances))} rijen, blad '{SHEET_NAME}'.",
                              len(issuances)),
        issuances_mapping.name: ("mapping van de verstrekkingen voor de import.", 0),
        postcodes_csv.name: (f"postcode-huisnummer naar buurt/wijk/gemeente in CBS-layout, {_nl(len(postcodes))}"
                             " adressen (UTF-8, ';').", len(postcodes)),
    }
    readme.write_text(_readme(gemeente=gemeente, gemeente_name=gemeente_name, years=(y0, y1), seed=seed, ar=ar,
                              addr=addr, n_residents=len(pp.area), files=files, n_bad=n_bad, yearly=yearly),
                      encoding="utf-8", newline="\n")
    return SimulateResult(
        visits_csv=visits_csv, visits_mapping=visits_mapping, issuances_xlsx=issuances_xlsx,
        issuances_mapping=issuances_mapping, postcodes_csv=postcodes_csv, readme=readme,
        n_visits=len(visits), n_issuances=len(issuances), n_bad_rows=n_bad,
        n_residents=len(pp.area), n_addresses=len(addr.area),
    )
