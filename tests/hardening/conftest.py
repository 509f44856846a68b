"""Fixtures of the hardening tests (issue 13): `ws`, a new empty Haarlem workspace made with `wijkloket init`."""

from cli.conftest import ws

__all__ = ["ws"]
