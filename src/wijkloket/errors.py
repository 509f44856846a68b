"""One base error for everything a user can fix, with subclasses per kind of mistake.

An error carries a message key and its parameters; the text itself lives in
`data/messages.toml` in Dutch and English, so every door can show it in the user's language. Every
message names the thing, the place and the fix. Only the doors (CLI, web) turn these into exit codes
or HTTP responses; the core just raises them.
"""

from __future__ import annotations

from typing import Any


class WijkloketError(Exception):
    """A problem the user can fix; `render(lang)` is the complete message for the user."""

    exit_code = 2

    def __init__(self, key: str, /, **params: Any) -> None:
        self.key = key
        self.params = params
        super().__init__(self.render("en"))

    def render(self, lang: str = "nl") -> str:
        from wijkloket.i18n import catalogue, t

        text = t(self.key, lang, **self.params)
        hint_key = f"{self.key}_fix"
        if hint_key in catalogue():
            text += "\n  " + t("error.fix_prefix", lang) + " " + t(hint_key, lang, **self.params)
        return text


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
