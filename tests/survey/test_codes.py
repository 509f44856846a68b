"""Invitation codes: alphabet, bits, determinism, the check character and the keyed hash."""

from __future__ import annotations

import hashlib
import hmac
import math
import os
import stat
from pathlib import Path

import pytest

from wijkloket.errors import InputFileError
from wijkloket.survey import codes
from wijkloket.survey.codes import ALPHABET, code_hash, is_valid, make_code, normalise
from wijkloket.usecases.survey_keys import create_key, key_path, read_key

KEY = bytes(range(32))
OTHER = bytes(range(1, 33))


def test_alphabet_has_no_lookalikes_and_enough_bits() -> None:
    assert len(ALPHABET) == len(set(ALPHABET)) == 31
    assert not set("0O1IL") & set(ALPHABET)
    assert set(ALPHABET) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
    # 11 data characters of 31: log2(31^11) = 54.49 bits (issue: at least 50)
    assert math.log2(31 ** codes.DATA_CHARS) == pytest.approx(54.497, abs=1e-3)
    assert codes.BITS >= 50


def test_shape_and_determinism() -> None:
    code = make_code(KEY, "peiling-2027", 1)
    assert len(code) == 14 and code[4] == "-" and code[9] == "-"
    assert all(c in ALPHABET for c in code.replace("-", ""))
    assert make_code(KEY, "peiling-2027", 1) == code
    assert make_code(OTHER, "peiling-2027", 1) != code
    assert make_code(KEY, "peiling-2028", 1) != code


def test_data_characters_follow_from_the_hmac() -> None:
    # independent: the HMAC digest as a number mod 31^11, written little-end first in base 31
    digest = hmac.new(KEY, b"code|s|7", hashlib.sha256).digest()
    n = int.from_bytes(digest, "big") % 31 ** 11
    expected = ""
    for _ in range(11):
        expected += ALPHABET[n % 31]
        n //= 31
    assert make_code(KEY, "s", 7).replace("-", "")[:11] == expected


def test_codes_of_different_units_differ() -> None:
    made = [make_code(KEY, "s", i) for i in range(1, 20001)]
    assert len(set(made)) == len(made)
    assert all(is_valid(c) for c in made)


def test_check_character_by_hand() -> None:
    # data "22222222223": values 0 x 10 and 1 at position 11 -> sum 11; 12 v = -11 (mod 31);
    # 12 x 18 = 216 = 6 x 31 + 30 = -1 (mod 31), so 1/12 = -18 = 13 and v = -11 x 13 = -143 = 12 -> 'E'
    assert codes.check_char("22222222223") == ALPHABET[12] == "E"
    assert is_valid("2222-2222-223E")
    assert not is_valid("2222-2222-223F")


def _variants(code: str) -> tuple[list[str], list[str]]:
    subs = [code[:i] + c + code[i + 1:] for i in range(len(code)) for c in ALPHABET if c != code[i]]
    swaps = [code[:i] + code[i + 1] + code[i] + code[i + 2:] for i in range(len(code) - 1)
             if code[i] != code[i + 1]]
    return subs, swaps


@pytest.mark.parametrize("unit", [1, 2, 3, 500, 99999])
def test_every_substitution_and_adjacent_transposition_is_caught(unit: int) -> None:
    code = normalise(make_code(KEY, "peiling", unit))
    assert code is not None
    subs, swaps = _variants(code)
    assert len(subs) == 12 * 30
    assert not any(is_valid(v) for v in subs)
    assert not any(is_valid(v) for v in swaps)


def test_transposition_of_first_and_last_alphabet_characters_is_caught() -> None:
    # the pair Luhn mod 31 would miss ('2' = 0 and 'Z' = 30), in every position
    for i in range(11):
        for a, b in (("2", "Z"), ("Z", "2")):
            data = list("3456789ABCDE")
            data[i], data[i + 1] = a, b
            head = "".join(data[:11])
            good = head + codes.check_char(head)
            subs, swaps = _variants(good)
            assert is_valid(good)
            assert not any(is_valid(v) for v in swaps)


def test_normalise() -> None:
    assert normalise(" abcd-efgh-jkmn ") == "ABCDEFGHJKMN"
    assert normalise("ABCD EFGH JKMN") == "ABCDEFGHJKMN"
    assert normalise("ABCD-EFGH-JKM") is None  # 11 characters
    assert normalise("ABCD-EFGH-JKM0") is None  # 0 is not in the alphabet
    assert normalise("ABCD-EFGH-JKMO") is None
    assert not is_valid("")


def test_hash_is_keyed_and_normalised() -> None:
    code = make_code(KEY, "s", 1)
    h = code_hash(KEY, code)
    expected = hmac.new(KEY, b"hash|" + code.replace("-", "").encode(), hashlib.sha256).hexdigest()
    assert h == expected and len(h) == 64
    assert code_hash(KEY, code.lower().replace("-", " ")) == h
    assert code_hash(OTHER, code) != h
    assert code.replace("-", "") not in h


def test_key_path_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("WIJKLOKET_SURVEY_KEY", raising=False)
    assert key_path("GM0392", "peiling-2027", None) == tmp_path / ".config/wijkloket/sleutels/GM0392-peiling-2027.key"
    monkeypatch.setenv("WIJKLOKET_SURVEY_KEY", str(tmp_path / "env.key"))
    assert key_path("GM0392", "peiling-2027", None) == tmp_path / "env.key"
    assert key_path("GM0392", "peiling-2027", tmp_path / "given.key") == tmp_path / "given.key"


def test_create_and_read_key(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "k.key"
    key = create_key(path)
    assert len(key) == 32
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert read_key(path) == key
    with pytest.raises(InputFileError) as exc:
        create_key(path)
    assert exc.value.code == "error.survey_key_exists"
    assert read_key(path) == key  # untouched
    assert create_key(tmp_path / "other.key") != key


def test_read_key_errors(tmp_path: Path) -> None:
    with pytest.raises(InputFileError) as exc:
        read_key(tmp_path / "none.key")
    assert exc.value.code == "error.survey_key_missing"
    assert exc.value.params["file"] == str(tmp_path / "none.key")
    bad = tmp_path / "bad.key"
    bad.write_text("abc\n")
    with pytest.raises(InputFileError) as exc:
        read_key(bad)
    assert exc.value.code == "error.survey_key_invalid"
