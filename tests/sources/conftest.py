"""Fixtures of the source tests: `server`, the recorded-answer server with both endpoints pointed at it."""

from fixtures.recorded import server

__all__ = ["server"]
