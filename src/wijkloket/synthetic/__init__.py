"""Calibrated, clearly labelled synthetic municipal exports for demonstrations and tests. The package
writes files; it is not a source adapter.

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
- Validity: the rules of `wijkloket.documents` (`data/documents.toml`, with their sources): passports
  and ID cards issued to adults on or after 9 March 2014 are valid 10 years, before that 5 years; for
  minors always 5 years (Paspoortwet art. 9 and 16a). Driving licences are valid 10 years when issued
  before 65; issued at 65-69 valid until the 75th birthday; issued at 70 or older valid 5 years
  (Reglement rijbewijzen art. 25a). Each holder's history is simulated forward from a first issue long
  before the window, so the change of 2014 shows as a dip in applications 2019-2023 and a peak from 2024.
- Possession (residents with Dutch nationality): ~70% of adults hold a passport, ~60% an ID card (90%
  of adults without a passport hold one, so ~3% hold neither); children's travel documents are decided
  per household (65% passport, 55% ID card, a shared five-year rhythm for siblings) and every child
  from 14 holds an ID document (identification duty); driving licence by age, ~75-80% of adults, less
  at high ages. These propensities are data with their sources: `data/synthetic_assumptions.toml`
  (`propensities`).
- Planted effects, so that areas differ where real ones would (`planted`): a share of residents
  without Dutch nationality per area (drawn per household; they hold no Dutch passport or ID card),
  higher in a few named wijken; distance decay for the products where a visit is optional (extracts,
  certificates); a small unexplained factor per area. `simulate` writes the ratio each should produce
  in the under-use index to `geplante_effecten_<gemeente>_synthetisch.csv`.
- Visits: an application visit and a collection visit about a week later per document; brp extracts
  and declarations at small per-person rates; status attended ~90%, no-show ~5%, cancelled ~5%
  (a failed document appointment is rebooked); seasonality with a peak in April-June and a low in
  December; desks open Monday-Friday 08:30-16:30 (10-minute slots, fewer on Friday, closed on
  public holidays) and a few Saturday mornings.

Identifiers are fake by construction: BSNs come only from the test range 999990000-999999999 (which
the Dutch government keeps for testing) and pass the eleven-test; telephone numbers start with
`06-0`, a range that is not issued; e-mail addresses use `example.com` (RFC 2606).

The package: `assumptions` (the fixed settings of the model), `propensities` (the residents'
propensities and the planted effects, from the TOML file), `planted` (the planted effects and the
ratios they should produce), `population` (areas, addresses, residents),
`histories` (documents held, renewed and replaced), `visits` (desk appointments), `frames`, `xlsx` and
`texts` (the files as a municipality hands them over), `exports` (`simulate`), and `points` (synthetic
service points, a separate use).
"""

from wijkloket.synthetic.exports import SimulateResult, simulate
from wijkloket.synthetic.identities import bsn_test_numbers

__all__ = ["SimulateResult", "simulate", "bsn_test_numbers"]
