"""Invitation codes of the needs survey (issue 10, point 3): unguessable, unambiguous, typo-proof.

A code is 11 characters drawn from a keyed HMAC-SHA256 over the survey name and the unit number (so the
same key remakes the same codes, e.g. for the reminder list, and the codes themselves are never stored),
plus one check character, shown as `XXXX-XXXX-XXXX`. The alphabet has 31 characters without the look-alikes
0 O 1 I L; 11 of them carry 11 x log2(31) = 54.5 bits.

The check character makes the weighted sum of all 12 values, position i (1..12) weighing i, zero modulo 31
(the ISBN-10 scheme, over the prime 31 instead of 11). Because 31 is prime and the weights are distinct and
below 31, every single-character substitution and every transposition of two characters (adjacent or not)
changes the sum, so every such typo is caught. (Luhn mod 31 would miss the transposition of the first and
last alphabet character, like Luhn mod 10 misses 09 <-> 90.)

What the survey database keeps is only `code_hash`: a second, differently labelled HMAC of the code.
"""

from __future__ import annotations

import hashlib
import hmac
import math

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # 31 unambiguous characters (no 0 O 1 I L)
DATA_CHARS = 11  # 11 x log2(31) = 54.5 bits, plus 1 check character
CODE_CHARS = DATA_CHARS + 1
GROUP = 4
BITS = DATA_CHARS * math.log2(len(ALPHABET))

_N = len(ALPHABET)
_VALUE = {c: i for i, c in enumerate(ALPHABET)}


def _weighted_sum(values: list[int]) -> int:
    return sum((i + 1) * v for i, v in enumerate(values)) % _N


def check_char(data: str) -> str:
    """The check character for the 11 data characters `data` (upper-case alphabet characters)."""
    s = _weighted_sum([_VALUE[c] for c in data])
    # (DATA_CHARS + 1) * v + s == 0 (mod 31)  ->  v = -s / 12 (mod 31)
    return ALPHABET[(-s * pow(CODE_CHARS, -1, _N)) % _N]


def _grouped(code: str) -> str:
    return "-".join(code[i:i + GROUP] for i in range(0, len(code), GROUP))


def make_code(key: bytes, survey: str, unit_no: int) -> str:
    """The invitation code of unit `unit_no` of `survey`: deterministic in (key, survey, unit_no)."""
    digest = hmac.new(key, b"code|" + survey.encode("utf-8") + b"|" + str(int(unit_no)).encode("ascii"),
                      hashlib.sha256).digest()
    # 256 bits reduced modulo 31^11 (~2^54.5): the bias is below 2^-200.
    number = int.from_bytes(digest, "big") % (_N ** DATA_CHARS)
    chars = []
    for _ in range(DATA_CHARS):
        number, rest = divmod(number, _N)
        chars.append(ALPHABET[rest])
    data = "".join(chars)
    return _grouped(data + check_char(data))


def normalise(text: str) -> str | None:
    """The 12 code characters of `text` (upper-cased, spaces and dashes dropped); None when it is not
    12 characters of the alphabet."""
    norm = "".join(text.split()).replace("-", "").upper()
    if len(norm) != CODE_CHARS or any(c not in _VALUE for c in norm):
        return None
    return norm


def is_valid(text: str) -> bool:
    """Whether `text` is a well-formed code whose check character is right (says nothing about whether
    the code was issued: that is the survey database's `unit_for_code`)."""
    norm = normalise(text)
    return norm is not None and _weighted_sum([_VALUE[c] for c in norm]) == 0


def code_hash(key: bytes, code: str) -> str:
    """What is stored for a code: hex HMAC-SHA256 of the normalised code under the survey key. A text that
    is not a code is hashed as typed (upper-cased, without spaces and dashes), so it matches nothing."""
    norm = normalise(code) or "".join(code.split()).replace("-", "").upper()
    return hmac.new(key, b"hash|" + norm.encode("utf-8"), hashlib.sha256).hexdigest()
