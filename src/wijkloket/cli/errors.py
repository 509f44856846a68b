"""The one place where the command line turns errors into messages and exit codes.

- A `WijkloketError` is a mistake the user can fix: its message (rendered by `wijkloket.i18n`, in the
  language of `--lang`, else Dutch) goes to standard error, without a traceback; exit code 2.
- An `OSError` from the user's system (disk full, no permission, read-only disk, a path that is not
  there or not a folder: `OS_REASONS`) is reported the same way, naming the file and the reason; exit 2.
- Ctrl-C exits with 130.
- Anything else is a bug in wijkloket: a short message in the user's language names a log file with the
  traceback's frames (file, line, function) and the exception's type, never its message or any values
  (they may hold personal data from the input); exit code 1. `WIJKLOKET_DEBUG=1` re-raises it instead,
  with the full traceback, for developers.

The log folder is `$WIJKLOKET_LOG_DIR`, else `$XDG_STATE_HOME/wijkloket`, else
`~/.local/state/wijkloket` (XDG Base Directory specification); folder 0700, files 0600.
"""

from __future__ import annotations

import errno
import os
import platform
import sys
import tempfile
import traceback
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import NoReturn

from rich.text import Text

from wijkloket import __version__
from wijkloket.cli.common import err, visible
from wijkloket.cli.helps import argv_lang
from wijkloket.errors import WijkloketError
from wijkloket.i18n import DEFAULT_LANG, render_error, t

BUG = 1
USER_ERROR = 2
INTERRUPTED = 130
DEBUG_VARIABLE = "WIJKLOKET_DEBUG"
LOG_DIR_VARIABLE = "WIJKLOKET_LOG_DIR"
KEEP_LOGS = 50  # older crash logs are removed
_CHAIN_LIMIT = 8  # causes and contexts written per log

# errno -> (reason, fix): the system refused a file for a reason the user can remove. Other errors of
# the system (a bad file descriptor, an invalid argument) are wijkloket's own and go to the log.
OS_REASONS: dict[int, tuple[str, str]] = {
    errno.ENOSPC: ("guard.no_space", "guard.no_space_fix"),
    errno.EDQUOT: ("guard.quota", "guard.no_space_fix"),
    errno.EACCES: ("guard.no_permission", "guard.no_permission_fix"),
    errno.EPERM: ("guard.no_permission", "guard.no_permission_fix"),
    errno.EROFS: ("guard.read_only", "guard.read_only_fix"),
    errno.ENOTDIR: ("guard.not_a_folder", "guard.not_a_folder_fix"),
    errno.ENOENT: ("guard.not_found", "guard.not_found_fix"),
    errno.EISDIR: ("guard.is_a_folder", "guard.is_a_folder_fix"),
    errno.EEXIST: ("guard.exists", "guard.exists_fix"),
    errno.ENAMETOOLONG: ("guard.name_too_long", "guard.name_too_long_fix"),
    errno.EIO: ("guard.io", "guard.io_fix"),
}


@contextmanager
def exit_codes(argv: Sequence[str]) -> Iterator[None]:
    """Run the body; a user error becomes its message on stderr and exit code 2, a bug exit code 1."""
    try:
        yield
    except WijkloketError as exc:
        _fail(render_error(exc, _lang(argv)), USER_ERROR, _lang(argv))
    except KeyboardInterrupt:
        sys.exit(INTERRUPTED)
    except Exception as exc:
        if os.environ.get(DEBUG_VARIABLE, "").strip() not in ("", "0"):
            raise
        lang = _lang(argv)
        if isinstance(exc, OSError) and exc.errno in OS_REASONS:
            _fail(render_error(os_error(exc, lang), lang), USER_ERROR, lang)
        try:
            message = bug_message(exc, argv, lang)
        except Exception:  # the guard itself must never end in a traceback
            message = type(exc).__qualname__
        _fail(message, BUG, lang)


def _lang(argv: Sequence[str]) -> str:
    return argv_lang(argv) or DEFAULT_LANG


def _fail(message: str, code: int, lang: str) -> NoReturn:
    # Text, not markup: a file name or value in the message is shown exactly as it is.
    err.print(Text.assemble((t("cli.error", lang), "bold red"), " ", visible(message)), soft_wrap=True)
    sys.exit(code)


def os_error(exc: OSError, lang: str) -> WijkloketError:
    """The user error for an OSError with a known errno: the file(s) it names and the reason, in `lang`."""
    reason, fix = OS_REASONS[exc.errno or 0]
    files = [os.fsdecode(f) for f in (exc.filename, exc.filename2) if f is not None]
    if not files:
        return WijkloketError("error.os_error_unnamed", reason=t(reason, lang), fix=t(fix, lang))
    return WijkloketError("error.os_error", file=" -> ".join(files), reason=t(reason, lang), fix=t(fix, lang))


def bug_message(exc: BaseException, argv: Sequence[str], lang: str) -> str:
    """The short message for a bug, after writing its log (or saying why the log could not be written)."""
    kind = type(exc).__qualname__
    frames = traceback.extract_tb(exc.__traceback__)
    own = [f for f in frames if _short_path(f.filename).startswith("wijkloket/")] or frames
    where = _frame_text(own[-1]) if own else "-"  # the innermost frame of wijkloket's own code
    try:
        log = write_log(exc, argv)
    except OSError as log_exc:
        reason = OS_REASONS.get(log_exc.errno or 0, ("guard.io", ""))[0]
        return render_error(WijkloketError("error.bug_no_log", kind=kind, where=where, folder=str(log_folder()),
                                           reason=t(reason, lang)), lang)
    return render_error(WijkloketError("error.bug", kind=kind, where=where, log=str(log)), lang)


def log_folder() -> Path:
    """Where crash logs go: `$WIJKLOKET_LOG_DIR`, else the user's state folder (XDG), `wijkloket` in it."""
    own = os.environ.get(LOG_DIR_VARIABLE)
    if own:
        return Path(own).expanduser()
    state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state).expanduser() / "wijkloket"


def write_log(exc: BaseException, argv: Sequence[str]) -> Path:
    """Write the crash log of `exc` (owner-only) and return its path; old logs beyond KEEP_LOGS are removed."""
    folder = log_folder()
    if not folder.is_dir():
        folder.mkdir(parents=True, mode=0o700)
        folder.chmod(0o700)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    fd, name = tempfile.mkstemp(prefix=f"wijkloket-{stamp}-", suffix=".log", dir=folder)  # mode 0600
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(log_text(exc, argv))
    _prune(folder)
    return Path(name)


def log_text(exc: BaseException, argv: Sequence[str]) -> str:
    """The log of a bug: versions, the command's names (no arguments), and per exception in the chain its
    type and frames. No exception message, no argument value, no local variable: any of them may hold
    personal data from the input."""
    lines = [f"wijkloket {__version__} crash log",
             f"time: {datetime.now(UTC).isoformat(timespec='seconds')}",
             f"python: {platform.python_version()} ({platform.system()} {platform.machine()})",
             f"command: {' '.join(['wijkloket', *command_path(argv)])}",
             "", "The exception's message and all values are left out on purpose (privacy).", ""]
    for i, item in enumerate(_chain(exc)):
        if i:
            lines += ["", "which occurred while handling / was caused by:"]
        lines.append(f"exception: {_type_name(item)}")
        lines.append("traceback (most recent call last):")
        lines += ["  " + _frame_text(f) for f in traceback.extract_tb(item.__traceback__)]
    return "\n".join(lines) + "\n"


def command_path(argv: Sequence[str]) -> list[str]:
    """The command and sub-command names in `argv` (`add visits`): never a file name or option value."""
    try:
        import typer

        from wijkloket.cli import app

        command = typer.main.get_command(app)
    except Exception:  # the log must not fail on this
        return []
    path: list[str] = []
    for word in argv:
        sub = getattr(command, "commands", {}).get(word)
        if sub is not None:
            path.append(word)
            command = sub
        elif path:
            break
    return path


def _type_name(exc: BaseException) -> str:
    kind = type(exc)
    name = kind.__qualname__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"
    code = exc.errno if isinstance(exc, OSError) else None
    if code is not None and code in errno.errorcode:
        name += f" [{errno.errorcode[code]}]"  # the kind of system error, not its text
    return name


def _chain(exc: BaseException) -> list[BaseException]:
    """The exception and the ones it was caused by or raised while handling, innermost last."""
    chain: list[BaseException] = []
    item: BaseException | None = exc
    while item is not None and item not in chain and len(chain) < _CHAIN_LIMIT:
        chain.append(item)
        item = item.__cause__ or (None if item.__suppress_context__ else item.__context__)
    return chain


def _frame_text(frame: traceback.FrameSummary) -> str:
    return f"{_short_path(frame.filename)}:{frame.lineno} in {frame.name}"


def _short_path(filename: str) -> str:
    """A source file's path from its import root (`wijkloket/cli/add.py`), which says nothing about the
    machine or its user."""
    if filename.startswith("<"):
        return filename
    path = Path(filename)
    roots = sorted((Path(p) for p in sys.path if p), key=lambda p: len(p.parts), reverse=True)
    for root in roots:
        if path.is_relative_to(root):
            return path.relative_to(root).as_posix()
    return path.name


def _prune(folder: Path) -> None:
    logs = sorted(folder.glob("wijkloket-*.log"))
    for old in logs[:-KEEP_LOGS]:
        old.unlink(missing_ok=True)
