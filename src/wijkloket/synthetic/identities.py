"""Fake identifiers: BSNs from the test range, document numbers, and names typed as ASCII for e-mail."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

import numpy as np
import pandas as pd

from wijkloket.synthetic.assumptions import BSN_TEST_RANGE, FIRST_NAMES, SURNAMES


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


def unique_codes(rng: np.random.Generator, n: int,
                 draw: Callable[[np.random.Generator, int], np.ndarray]) -> np.ndarray:
    """`n` distinct codes from `draw(rng, k)`; collisions are drawn again."""
    codes = draw(rng, n)
    while True:
        _, first = np.unique(codes, return_index=True)
        dup = np.setdiff1d(np.arange(n), first)
        if not len(dup):
            return codes
        codes[dup] = draw(rng, len(dup))


def document_numbers(rng: np.random.Generator, k: int) -> np.ndarray:
    """Passport / ID card numbers in the Dutch layout: 2 letters, 6 letters or digits, 1 digit; no O."""
    letters = np.array([ord(c) for c in "ABCDEFGHIJKLMNPQRSTUVWXYZ"], dtype=np.uint32)
    alnum = np.concatenate([letters, np.arange(ord("0"), ord("9") + 1, dtype=np.uint32)])
    codes = np.empty((k, 9), dtype=np.uint32)
    codes[:, :2] = letters[rng.integers(0, len(letters), (k, 2))]
    codes[:, 2:8] = alnum[rng.integers(0, len(alnum), (k, 6))]
    codes[:, 8] = rng.integers(ord("0"), ord("9") + 1, k)
    return codes.view("<U9").ravel().astype(object)


def licence_numbers(rng: np.random.Generator, k: int) -> np.ndarray:
    """Driving licence numbers: 10 digits."""
    return rng.integers(1_000_000_000, 10_000_000_000, k).astype(str).astype(object)


def ascii_alnum(text: str) -> str:
    """The ASCII letters and digits of `text`, accents dropped: 'Groenevéld' -> 'Groeneveld'."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if c.isascii() and c.isalnum())


def person_identities(rng: np.random.Generator, age: np.ndarray, address: np.ndarray, n_addresses: int
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """BSN, name, e-mail and telephone per person (`age` in years, `address` an index < `n_addresses`).
    One surname per household, 20% another; no e-mail or telephone under 16 and for some adults."""
    n_people = len(age)
    valid_bsns = bsn_test_numbers()
    bsn = valid_bsns[rng.integers(0, len(valid_bsns), n_people)].astype(str).astype(object)
    household_surname = rng.integers(0, len(SURNAMES), n_addresses)[address]
    own = rng.random(n_people) < 0.2
    surname = np.where(own, rng.integers(0, len(SURNAMES), n_people), household_surname)
    first = rng.integers(0, len(FIRST_NAMES), n_people)
    full = (pd.Series(np.array(FIRST_NAMES, dtype=object)[first]) + " "
            + pd.Series(np.array(SURNAMES, dtype=object)[surname])).to_numpy(dtype=object)
    ascii_first = np.array([ascii_alnum(f).lower() for f in FIRST_NAMES], dtype=object)[first]
    ascii_last = np.array([ascii_alnum(s).lower() for s in SURNAMES], dtype=object)[surname]
    email = (pd.Series(ascii_first) + "." + pd.Series(ascii_last)
             + pd.Series(rng.integers(1, 100, n_people).astype(str)) + "@example.com").to_numpy(dtype=object)
    email[(age < 16) | (rng.random(n_people) < 0.25)] = ""
    phone = ("06-0" + pd.Series(np.char.zfill(rng.integers(0, 10_000_000, n_people).astype(str), 7))
             ).to_numpy(dtype=object)
    phone[(age < 16) | (rng.random(n_people) < 0.15)] = ""
    return bsn, full, email, phone
