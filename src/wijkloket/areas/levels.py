"""One definition each of the choices every analysis makes about areas: the coordinate system,
the finest level a workspace holds, and the municipality's name."""

from __future__ import annotations

from collections.abc import Iterable

RD_NEW = "EPSG:28992"
"""Rijksdriehoekscoördinaten (RD New), metres: the CRS of CBS and municipal geodata, and of the store."""
WGS84 = "EPSG:4326"


def finest_level(levels: Iterable[str]) -> str:
    """`buurt` when any area is a buurt, else `wijk`: the level the analyses start from."""
    return "buurt" if "buurt" in set(levels) else "wijk"


def gemeente_name(names: Iterable[object], fallback: str) -> str:
    """The first non-empty name among `names` (CBS repeats it on every row), else `fallback`."""
    return next((str(n) for n in names if isinstance(n, str) and n), fallback)
