"""Error classes only: a code and its parameters, one subclass per kind of mistake.

An error's text lives in the message catalogue (`i18n/errors.toml`) in Dutch and English, under
its code; `wijkloket.i18n.render_error` turns it into the message for the user. Every message names
the thing, the place and the fix. Only the doors (CLI, web) turn errors into exit codes or HTTP
responses; the core just raises them. Parameters whose name starts with `_` carry data for the
door (e.g. rejected rows to write) and are never shown.
"""

from __future__ import annotations

from typing import Any


class WijkloketError(Exception):
    """A problem the user can fix: `code` is the catalogue key, `params` fill its placeholders."""

    def __init__(self, code: str, /, **params: Any) -> None:
        self.code = code
        self.params = params
        super().__init__(code)

    def __str__(self) -> str:
        detail = ", ".join(f"{k}={v}" for k, v in self.params.items() if not k.startswith("_"))
        return f"{self.code}({detail})"


class InputFileError(WijkloketError):
    """A file is missing, unreadable, not of the expected kind, or has a bad value in it."""


class UnknownAreaError(WijkloketError):
    """An area code (GM/WK/BU) that is not in the data."""


class DistrictFileError(WijkloketError):
    """A district file that does not cover the municipality exactly once."""


class WorkspaceError(WijkloketError):
    """A workspace that does not exist or is not usable."""


class ConfigError(WijkloketError):
    """A settings or registry file that is not valid."""


class InfeasibleModelError(WijkloketError):
    """A planning model that cannot be solved as asked."""
