"""The one place where the command line turns errors into messages and exit codes.

A `WijkloketError` is a mistake the user can fix: its message (rendered by `wijkloket.i18n`, in the
language of `--lang`, else Dutch) goes to standard error, without a traceback, and the exit code is
2. Ctrl-C exits with 130. Any other exception is a bug and keeps its traceback.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from rich.text import Text

from wijkloket.cli.common import err
from wijkloket.cli.helps import argv_lang
from wijkloket.errors import WijkloketError
from wijkloket.i18n import DEFAULT_LANG, render_error, t

USER_ERROR = 2
INTERRUPTED = 130


@contextmanager
def exit_codes(argv: Sequence[str]) -> Iterator[None]:
    """Run the body; a user error becomes its message on stderr and exit code 2."""
    try:
        yield
    except WijkloketError as exc:
        lang = argv_lang(argv) or DEFAULT_LANG
        err.print(Text.assemble((t("cli.error", lang), "bold red"), " ", render_error(exc, lang)), soft_wrap=True)
        sys.exit(USER_ERROR)
    except KeyboardInterrupt:
        sys.exit(INTERRUPTED)
