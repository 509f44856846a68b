"""`simulate`: draw the synthetic population and its desk history, and write the export files."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

import wijkloket.synthetic.frames as frames
import wijkloket.synthetic.histories as histories
import wijkloket.synthetic.planted as planted_effects
import wijkloket.synthetic.population as population
import wijkloket.synthetic.texts as texts
import wijkloket.synthetic.visits as visits
import wijkloket.synthetic.xlsx as xlsx
from wijkloket.config import check_gemeente_code
from wijkloket.documents.validity import Rules, default_rules
from wijkloket.synthetic.assumptions import VISIT_PRODUCTS
from wijkloket.synthetic.days import Calendar
from wijkloket.synthetic.propensities import Propensities, default_propensities


@dataclass
class SimulateResult:
    """Paths of the files written and their row counts. Every file is labelled synthetic."""

    visits_csv: Path
    visits_mapping: Path
    issuances_xlsx: Path
    issuances_mapping: Path
    postcodes_csv: Path
    readme: Path
    planted_csv: Path
    """The ratios the planted effects should produce in the under-use index (`synthetic.planted`)."""
    n_visits: int
    n_issuances: int
    n_bad_rows: int = 0
    """Rows of the appointment log broken on purpose (bad date, postcode or product)."""
    n_residents: int = 0
    n_addresses: int = 0


def simulate(areas: pd.DataFrame, gemeente: str, years: tuple[int, int], seed: int, out_dir: Path,
             gemeente_name: str = "", *, rules: Rules | None = None,
             propensities: Propensities | None = None) -> SimulateResult:
    """Write calibrated synthetic desk exports for `gemeente` into `out_dir` (see `wijkloket.synthetic`).

    `areas`: one row per wijk or buurt: `area_code` (WK/BU), `population`, `households` (may be NaN) and
    the CBS age shares in per cent `pct_age_0_15`, `pct_age_15_25`, `pct_age_25_45`, `pct_age_45_65`,
    `pct_age_65_plus` (may be NaN). `years`: first and last calendar year of the exports (inclusive).
    `rules`: the document validity rules, by default those of `data/documents.toml`; `propensities`: the
    residents' propensities and the planted effects, by default `data/synthetic_assumptions.toml`.
    Pure apart from writing the files: same arguments, same bytes.
    """
    gemeente = check_gemeente_code(gemeente)
    y0, y1 = int(years[0]), int(years[1])
    if y1 < y0 or y0 < 2000 or y1 > 2100:
        raise ValueError(f"years: expected (first, last) with 2000 <= first <= last <= 2100, got {years}")
    ar = population.prepare_areas(areas, gemeente)
    if not ar.codes:
        raise ValueError(f"areas: no area of {gemeente} has inhabitants")
    props = propensities or default_propensities()
    rng_addr, rng_people, rng_docs, rng_visits, rng_out, rng_planted = (
        np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(6))
    addr = population.layout_addresses(ar.households, gemeente, rng_addr)
    pp = population.draw_people(ar, addr, rng_people)
    planted = planted_effects.draw_planted(ar, addr, pp, gemeente, props, rng_planted)
    cal = Calendar.build(y0, y1)
    apps = histories.applications(ar, addr, pp, y0, y1, rng_docs, rules or default_rules(), props, planted.dutch)
    rows, issued = visits.appointments(ar, pp, y0, y1, cal, apps, rng_visits, props, planted.other_factor)
    ratios = planted_effects.planted_ratios(ar, pp, planted, props, rows, issued, (y0, y1))
    visit_log, n_bad = frames.visit_frame(rows, pp, addr, y0, y1, rng_out)
    issuances = frames.issuance_frame(issued, pp, addr, y0, y1, rng_out)
    postcodes = frames.postcode_frame(ar, addr)

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    result = SimulateResult(
        visits_csv=out_dir / f"afspraken_{gemeente}_{y0}_{y1}.csv",
        visits_mapping=out_dir / "jcc.toml",
        issuances_xlsx=out_dir / f"verstrekkingen_{gemeente}_{y0}_{y1}.xlsx",
        issuances_mapping=out_dir / "burgerzaken.toml",
        postcodes_csv=out_dir / f"pc6hnr_{gemeente}_synthetisch.csv",
        readme=out_dir / "LEESMIJ_SYNTHETISCH.txt",
        planted_csv=out_dir / f"geplante_effecten_{gemeente}_synthetisch.csv",
        n_visits=len(visit_log), n_issuances=len(issuances), n_bad_rows=n_bad,
        n_residents=len(pp.area), n_addresses=len(addr.area),
    )
    _write_tables(result, visit_log, issuances, postcodes, gemeente, (y0, y1), seed)
    ratios.to_csv(result.planted_csv, index=False, encoding="utf-8", lineterminator="\n")
    result.readme.write_text(
        texts.readme(gemeente=gemeente, gemeente_name=gemeente_name, years=(y0, y1), seed=seed, ar=ar, addr=addr,
                     n_residents=len(pp.area), files=_file_notes(result, len(postcodes), len(ratios)), n_bad=n_bad,
                     yearly=_yearly(visit_log), props=props, ratios=ratios),
        encoding="utf-8", newline="\n")
    return result


def _write_tables(result: SimulateResult, visit_log: pd.DataFrame, issuances: pd.DataFrame,
                  postcodes: pd.DataFrame, gemeente: str, years: tuple[int, int], seed: int) -> None:
    """The appointment log (Windows-1252, `;`, CRLF), the issuance workbook, the postcode table (UTF-8, `;`)
    and the two mappings."""
    visit_log.to_csv(result.visits_csv, sep=";", index=False, encoding="cp1252", lineterminator="\r\n")
    result.visits_mapping.write_text(texts.visits_mapping(seed), encoding="utf-8", newline="\n")
    xlsx.write_xlsx(issuances, {"Datum verstrekking", "Geboortedatum"}, result.issuances_xlsx,
                    f"Synthetische verstrekkingen {gemeente} {years[0]}-{years[1]}")
    result.issuances_mapping.write_text(texts.issuances_mapping(seed), encoding="utf-8", newline="\n")
    postcodes.to_csv(result.postcodes_csv, sep=";", index=False, encoding="utf-8", lineterminator="\n")


def _yearly(visit_log: pd.DataFrame) -> pd.DataFrame:
    """Attended appointments per year and canonical product, for the LEESMIJ."""
    attended = visit_log[visit_log["Status"] == "Afgerond"]
    year = attended["Datum afspraak"].str.slice(6)
    canonical = attended["Product"].map(VISIT_PRODUCTS)
    yearly = pd.crosstab(year[year.str.isdigit()], canonical[year.str.isdigit()]).reindex(
        columns=["passport", "id_card", "driving_licence", "collect_document", "collect_licence", "brp_extract",
                 "declaration", "other"], fill_value=0)
    yearly.index.name = "jaar"
    yearly.columns.name = None
    return yearly


def _file_notes(result: SimulateResult, n_postcodes: int, n_planted: int) -> dict[str, tuple[str, int]]:
    """File name -> (what it is, in Dutch; rows) for the LEESMIJ."""
    nl = texts.nl
    return {
        result.visits_csv.name: (f"afsprakenlog, {nl(result.n_visits)} rijen (Windows-1252, ';', CRLF).",
                                 result.n_visits),
        result.visits_mapping.name: ("mapping van de afsprakenlog voor de import.", 0),
        result.issuances_xlsx.name: (f"verstrekte documenten, {nl(result.n_issuances)} rijen, blad"
                                     f" '{xlsx.SHEET_NAME}'.", result.n_issuances),
        result.issuances_mapping.name: ("mapping van de verstrekkingen voor de import.", 0),
        result.postcodes_csv.name: (f"postcode-huisnummer naar buurt/wijk/gemeente in CBS-layout, {nl(n_postcodes)}"
                                    " adressen (UTF-8, ';').", n_postcodes),
        result.planted_csv.name: (f"de geplante effecten per gebied, product en jaar en de verhouding die de"
                                  f" onderbenuttingsindex daardoor hoort te vinden, {nl(n_planted)} rijen (UTF-8,"
                                  " ',').", n_planted),
    }
