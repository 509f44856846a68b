"""The synthetic model's fixed settings: the population, renewal timing, desk visits, the layouts and
the fake identities. The propensities of residents (document possession, replacements, other products)
and the planted effects between areas are data with their sources: `data/synthetic_assumptions.toml`,
loaded by `wijkloket.synthetic.propensities`. The validity rules of the documents come from
`wijkloket.documents` (rules as data with their sources)."""

from __future__ import annotations

from datetime import date

import numpy as np

from wijkloket.ages import AGE_BANDS as CBS_AGE_BANDS
from wijkloket.ages import PCT_VARIABLES

# --- time -------------------------------------------------------------------------------------------

REFERENCE_DATE = date(2024, 1, 1)
"""CBS Kerncijfers 2024 count the population on 1 January 2024: ages are drawn as on this date."""
HISTORY_START_YEAR = 1985
"""Document histories start here at the latest (older first issues are given a random phase)."""

# --- population -------------------------------------------------------------------------------------

MAX_AGE = 100
"""Ages are drawn below this (years): the simulator's own bound for the open CBS band 65+."""
AGE_COLUMNS = PCT_VARIABLES
"""The CBS age shares (per cent) of an area, in the order of `wijkloket.ages.AGE_BANDS`."""
AGE_BANDS = tuple((b.low, min(b.high, MAX_AGE)) for b in CBS_AGE_BANDS)
"""(first age, first age after) per CBS band, in years: (0, 15) ... (65, 100)."""
NATIONAL_AGE_SHARES = (16.0, 12.0, 25.0, 26.0, 21.0)
"""Per cent by band, the Netherlands 2024 (CBS), used where an area has no age shares."""
OLD_AGE_GROUPS = ((65, 70, 0.278), (70, 75, 0.264), (75, 80, 0.216), (80, 85, 0.132), (85, 90, 0.073),
                  (90, MAX_AGE, 0.037))
"""Five-year groups within 65+, approximate national shares on 1 January 2024 (CBS StatLine 7461bev)."""
PERSONS_PER_HOUSEHOLD = 2.1
"""Fallback when households are missing (CBS: average household size in the Netherlands ~2.1)."""

# --- documents ----------------------------------------------------------------------------------------

PASSPORT, ID_CARD, LICENCE = 0, 1, 2
DOC_KINDS = ("passport", "id_card", "driving_licence")
"""Product names of the kinds 0, 1, 2, as `wijkloket.documents` names them. Who holds them and how often
they are replaced: `Propensities` (data/synthetic_assumptions.toml)."""
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

FORBIDDEN_PAIRS = ("SA", "SD", "SS")
"""Letter pairs PostNL does not use in postcodes."""
LETTER_PAIRS = np.array([a + b for a in "ABCDEFGHIJKLMNOPQRSTUVWXYZ" for b in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                         if a + b not in FORBIDDEN_PAIRS])
"""The letter pairs of synthetic PC6 codes, sorted."""
CBS_YEAR = 2024
"""Year in the headers of the postcode table (Buurt2024, ...): the areas are CBS 2024 areas."""
