"""The effects planted between areas, and the ratios they should produce in the under-use index.

Synthetic exports where every area had the same rates would show nothing; real ones differ. Three
effects are drawn from `data/synthetic_assumptions.toml`:

- residents without Dutch nationality (a share per area, drawn per household) hold no Dutch passport
  or ID card, so they neither apply for nor collect one;
- distance decay: the products where a visit is optional (extracts, certificates) are asked for less
  the further an area lies from the central desk (a factor exp(-per_km x km));
- unexplained variation: a lognormal factor per area on the rates of the other products.

`planted_ratios` then works out, from the simulated residents and events, what the under-use index
(`indicators.underuse`) should find: the expected count given the planted effects (E_true, from each
product's city-wide rate per reference age band among the residents it applies to) against the
expectation the index forms from CBS age shares (E_index, the city's rate per band of the age at the
event times the area's residents per band). 100 x E_true / E_index is the planted ratio of each area,
product and year; sums over products and years give those of the totals and of the whole log.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from wijkloket.synthetic.assumptions import DOC_KINDS, LICENCE, VISIT_PRODUCTS
from wijkloket.synthetic.population import Addresses, Areas, People
from wijkloket.synthetic.propensities import Propensities
from wijkloket.synthetic.visits import Rows

BAND_BOUNDS = (15, 25, 45, 65)
"""First ages of the CBS bands after the first (`wijkloket.ages`): 0-14, 15-24, 25-44, 45-64, 65+."""
N_BANDS = len(BAND_BOUNDS) + 1
TOTALS = {"visit": "top", "issuance": "all"}
PRODUCTS = {"visit": ("passport", "id_card", "driving_licence", "brp_extract", "declaration", "collect_document",
                      "collect_licence"),
            "issuance": ("passport", "id_card", "driving_licence")}
"""The products of the index (`indicators.desk`), per kind; the totals are their sums."""
COLUMNS = ["area_code", "kind", "product", "year", "first_year", "last_year", "expected_true", "expected_index",
           "planted_ratio", "non_dutch_share", "non_dutch_drawn", "distance_km", "distance_factor", "variation",
           "effects", "Synthetisch"]


@dataclass(frozen=True)
class Planted:
    """The planted effects as drawn: per resident the nationality, per area the parameters and factors."""

    dutch: np.ndarray  # per resident: True for Dutch nationality
    non_dutch_share: np.ndarray  # per area: the share of the assumptions
    distance_km: np.ndarray  # per area, NaN where the assumptions give none
    distance_factor: np.ndarray  # per area: exp(-per_km x km), 1 without a distance
    variation: np.ndarray  # per area: the unexplained factor of the other products
    other_factor: dict[str, np.ndarray]  # per name of `visits.other_rates`: the area's rate factor


def draw_planted(ar: Areas, addr: Addresses, pp: People, gemeente: str, props: Propensities,
                 rng: np.random.Generator) -> Planted:
    """Draw the planted effects: nationality per household (a whole household shares it), the factors
    per area."""
    share = props.non_dutch_share(ar.codes)
    non_dutch_address = rng.random(len(addr.area)) < share[addr.area]
    km = props.distance_km(gemeente, ar.codes)
    factor = props.distance_factor(km)
    sigma = float(props["variation.other_products"])
    variation = rng.lognormal(0.0, sigma, len(ar.codes)) if sigma > 0 else np.ones(len(ar.codes))
    decaying = set(props["distance.products"])
    other = {name: variation * (factor if VISIT_PRODUCTS[name] in decaying else 1.0)
             for name in props["visits.other_rates"]}
    return Planted(~non_dutch_address[pp.address], share, km, factor, variation, other)


# --- what the index should find -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Stream:
    """Events of one product (or one part of it) with the weight of each resident: the factor the planted
    effects put on that resident's rate (0 for a document they cannot hold)."""

    kind: str
    product: str
    person: np.ndarray
    day: np.ndarray
    weight: np.ndarray  # per resident


def _years_of(days: np.ndarray) -> np.ndarray:
    return days.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970


def _age_at(day: np.ndarray, birth: np.ndarray) -> np.ndarray:
    """Age in completed years on `day` of someone born on `birth` (day numbers), as the import counts it."""
    d, b = day.astype("datetime64[D]"), birth.astype("datetime64[D]")
    years = _years_of(day) - _years_of(birth)
    before = (d - d.astype("datetime64[Y]")) < (b - b.astype("datetime64[Y]"))
    return years - before.astype(np.int64)


def _streams(pp: People, planted: Planted, props: Propensities, rows: Rows, issued: dict[str, np.ndarray]
             ) -> list[_Stream]:
    """The attended visits and issued documents as streams, each with the weights of its residents."""
    nationality = set(props["nationality.products"])
    dutch = planted.dutch.astype("float64")
    one = np.ones(len(pp.area))
    doc_weight = {k: dutch if DOC_KINDS[k] in nationality else one for k in range(len(DOC_KINDS))}
    product = np.array([VISIT_PRODUCTS.get(n, "other") for n in rows.names], dtype=object)[
        np.concatenate(rows.product)]
    person, day = np.concatenate(rows.person), np.concatenate(rows.day)
    attended = np.concatenate(rows.status) == 0
    streams = []
    for k, name in enumerate(DOC_KINDS):
        sel = attended & (product == name)
        streams.append(_Stream("visit", name, person[sel], day[sel], doc_weight[k]))
        got = issued["kind"] == k
        who, when = issued["person"][got], issued["day"][got]
        streams.append(_Stream("issuance", name, who, when, doc_weight[k]))
        # the document is issued on the day it is collected: one attended collection visit each
        streams.append(_Stream("visit", "collect_licence" if k == LICENCE else "collect_document", who, when,
                               doc_weight[k]))
    for canonical in ("brp_extract", "declaration"):
        names = [n for n in props["visits.other_rates"] if VISIT_PRODUCTS[n] == canonical]
        if names:
            sel = attended & (product == canonical)
            weight = planted.other_factor[names[0]][pp.area]
            streams.append(_Stream("visit", canonical, person[sel], day[sel], weight))
    return streams


def planted_ratios(ar: Areas, pp: People, planted: Planted, props: Propensities, rows: Rows,
                   issued: dict[str, np.ndarray], years: tuple[int, int]) -> pd.DataFrame:
    """Per area (of `ar`), kind, product (and total) and year (and the whole log, `year` empty): the
    expected count given the planted effects, the index's expectation and the planted ratio (COLUMNS)."""
    y0, y1 = years
    n_areas = len(ar.codes)
    ref_band = np.digitize(pp.age_ref, BAND_BOUNDS)
    cell = pp.area * N_BANDS + ref_band
    cbs = ar.population[:, None] * ar.shares  # the residents per band the index uses (CBS shares)
    parts: dict[tuple[str, str, int], list[tuple[np.ndarray, np.ndarray]]] = {}
    for s in _streams(pp, planted, props, rows, issued):
        w = np.bincount(cell, weights=s.weight, minlength=n_areas * N_BANDS).reshape(n_areas, N_BANDS)
        year = _years_of(s.day)
        band_at = np.digitize(_age_at(s.day, pp.birth[s.person]), BAND_BOUNDS)
        for y in range(y0, y1 + 1):
            in_year = year == y
            c_ref = np.bincount(ref_band[s.person[in_year]], minlength=N_BANDS).astype("float64")
            c_at = np.bincount(band_at[in_year], minlength=N_BANDS).astype("float64")
            lam = np.divide(c_ref, w.sum(axis=0), out=np.zeros(N_BANDS), where=w.sum(axis=0) > 0)
            parts.setdefault((s.kind, s.product, y), []).append((w @ lam, c_at))
    frames = []
    for (kind, product, y), got in parts.items():
        true = np.sum([g[0] for g in got], axis=0)
        c_at = np.sum([g[1] for g in got], axis=0)
        rate = np.divide(c_at, cbs.sum(axis=0), out=np.zeros(N_BANDS), where=cbs.sum(axis=0) > 0)
        frames.append(pd.DataFrame({"area_code": ar.codes, "kind": kind, "product": product, "year": y,
                                    "expected_true": true, "expected_index": cbs @ rate}))
    return _finish(pd.concat(frames, ignore_index=True), ar, pp, planted, props, years)


def _finish(per: pd.DataFrame, ar: Areas, pp: People, planted: Planted, props: Propensities,
            years: tuple[int, int]) -> pd.DataFrame:
    """Totals over products and over the years, the ratio and the parameters of each area."""
    keys = ["area_code", "kind", "year"]
    totals = per.groupby(keys, as_index=False)[["expected_true", "expected_index"]].sum()
    totals["product"] = totals["kind"].map(TOTALS)
    per = pd.concat([per, totals], ignore_index=True)
    whole = per.groupby(["area_code", "kind", "product"], as_index=False)[["expected_true", "expected_index"]].sum()
    out = pd.concat([per.assign(first_year=per["year"], last_year=per["year"]),
                     whole.assign(year=pd.NA, first_year=years[0], last_year=years[1])], ignore_index=True)
    out["year"] = out["year"].astype("Int64")
    out["planted_ratio"] = (100.0 * out["expected_true"] / out["expected_index"].where(out["expected_index"] > 0))
    idx = pd.Series(range(len(ar.codes)), index=ar.codes)
    at = out["area_code"].map(idx).to_numpy()
    drawn = 1.0 - np.bincount(pp.area, weights=planted.dutch, minlength=len(ar.codes)) / np.maximum(
        np.bincount(pp.area, minlength=len(ar.codes)), 1)
    out["non_dutch_share"] = planted.non_dutch_share[at]
    out["non_dutch_drawn"] = drawn[at]
    out["distance_km"] = planted.distance_km[at]
    out["distance_factor"] = planted.distance_factor[at]
    out["variation"] = planted.variation[at]
    out["effects"] = [_effects(p, props, km) for p, km in zip(out["product"], out["distance_km"], strict=True)]
    out["Synthetisch"] = "ja"
    for col in ("expected_true", "expected_index", "planted_ratio", "non_dutch_drawn", "distance_factor",
                "variation"):
        out[col] = out[col].round(4)
    order = {p: i for i, p in enumerate([*PRODUCTS["visit"], "top", "all"])}
    out = out.assign(_p=out["product"].map(order), _y=out["year"].fillna(9999)).sort_values(
        ["area_code", "kind", "_p", "_y"], kind="stable")
    return out[COLUMNS].reset_index(drop=True)


def _effects(product: str, props: Propensities, km: float) -> str:
    """The planted effects acting on a product in an area, joined with '+' ('' for none)."""
    nationality = set(props["nationality.products"])
    docs = {"passport", "id_card"} & nationality
    found = []
    if product in nationality or (product == "collect_document" and docs) or (product in TOTALS.values() and docs):
        found.append("nationality")
    optional = set(props["distance.products"])
    if km == km and (product in optional or product == "top") and float(props["distance.per_km"]) > 0:
        found.append("distance")
    if product in ("brp_extract", "declaration", "top") and float(props["variation.other_products"]) > 0:
        found.append("variation")
    return "+".join(found)
