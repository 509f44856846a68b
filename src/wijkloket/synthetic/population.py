"""The synthetic population: the areas, one address per household, and residents with a birth date."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from wijkloket.areas.codes import levels_of, normalise_code
from wijkloket.areas.levels import finest_level
from wijkloket.documents.validity import YEAR_DAYS
from wijkloket.synthetic.assumptions import (
    AGE_BANDS,
    AGE_COLUMNS,
    LETTER_PAIRS,
    NATIONAL_AGE_SHARES,
    OLD_AGE_GROUPS,
    PERSONS_PER_HOUSEHOLD,
    REFERENCE_DATE,
)
from wijkloket.synthetic.days import day_number

# --- areas --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Areas:
    """The areas of the municipality with inhabitants, in code order, and what was filled in."""

    codes: list[str]
    level: str  # "wijk" or "buurt"
    population: np.ndarray
    households: np.ndarray
    shares: np.ndarray  # (n, 5), fractions summing to 1
    skipped: list[str]  # areas without inhabitants
    national_shares_used: list[str]


def prepare_areas(areas: pd.DataFrame, gemeente: str) -> Areas:
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
    return Areas(
        codes=[c for c, k in zip(codes, keep, strict=True) if k],
        level=finest_level(levels),  # the only level: a mix was refused above
        population=population.to_numpy()[keep],
        households=np.asarray(households)[keep],
        shares=shares[keep],
        skipped=[c for c, k in zip(codes, keep, strict=True) if not k],
        national_shares_used=[c for c, f, k in zip(codes, fallback, keep, strict=True) if f and k],
    )


# --- addresses and residents --------------------------------------------------------------------------


@dataclass(frozen=True)
class Addresses:
    """One synthetic address per household: area index, PC4, PC6 letters and house number."""

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


def layout_addresses(households: np.ndarray, gemeente: str, rng: np.random.Generator) -> Addresses:
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
    pc4_letters = LETTER_PAIRS[:0]
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
                    pc4_letters = LETTER_PAIRS[np.sort(rng.choice(len(LETTER_PAIRS), size=cap, replace=False))]
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
    return Addresses(area, pc4_all, letters_all, np.concatenate(numbers),
                     [int(p) for p in per4[per4 > 1].index], [str(p) for p in per6[per6 > 1].index])


@dataclass(frozen=True)
class People:
    """The residents: area and address index, birth day (day number) and age on REFERENCE_DATE (years)."""

    area: np.ndarray
    birth: np.ndarray  # day number
    age_ref: np.ndarray  # years on REFERENCE_DATE (float)
    address: np.ndarray


def draw_people(ar: Areas, addr: Addresses, rng: np.random.Generator) -> People:
    """Residents per area from population and age shares; the first ones get an address each (adults
    first), so every address is inhabited; the others join a random address of their area."""
    n = int(ar.population.sum())
    area = np.repeat(np.arange(len(ar.codes)), ar.population)
    band = np.concatenate([np.repeat(np.arange(len(AGE_BANDS)), rng.multinomial(p, s))
                           for p, s in zip(ar.population, ar.shares, strict=True)])
    lo = np.array([b[0] for b in AGE_BANDS])[band]
    hi = np.array([b[1] for b in AGE_BANDS])[band]
    age = rng.integers(lo, hi).astype(np.float64)
    old = band == len(AGE_BANDS) - 1  # the open band 65+: five-year groups up to MAX_AGE
    groups = rng.choice(len(OLD_AGE_GROUPS), size=int(old.sum()), p=[g[2] for g in OLD_AGE_GROUPS])
    age[old] = rng.integers(np.array([g[0] for g in OLD_AGE_GROUPS])[groups],
                            np.array([g[1] for g in OLD_AGE_GROUPS])[groups])
    age += rng.random(n)
    birth = day_number(REFERENCE_DATE) - np.round(age * YEAR_DAYS).astype(np.int64)

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
    return People(area, birth, age, address)
