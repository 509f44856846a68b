"""The command line's top-level guard (issue 13, point 5): a bug is a short message with a log file and
exit code 1, never a traceback; the log holds frames and types but no personal data; the system refusing
a file is a user error naming the file (exit 2); Ctrl-C stays 130; WIJKLOKET_DEBUG=1 re-raises."""

from __future__ import annotations

import errno
import os
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from wijkloket.cli import errors, workspace
from wijkloket.cli.errors import KEEP_LOGS, OS_REASONS, exit_codes

Cli = Callable[..., tuple[int, str, str]]
# synthetic identity: a BSN that passes the eleven-test, a name, an e-mail address
SECRET = "111222333 Jan Jansen jan@example.org"




def _raise(exc: BaseException) -> Callable[..., object]:
    def boom(*_: object, **__: object) -> object:
        raise exc
    return boom


def _bug(monkeypatch: pytest.MonkeyPatch) -> None:
    """`init` hits a bug whose message carries personal data from the input (as a pandas or DuckDB
    message quoting a cell would)."""
    def inner(*_: object) -> str:
        raise ValueError(f"cannot parse {SECRET!r}")

    def outer(*args: object) -> str:
        try:
            return inner(*args)
        except ValueError as exc:
            raise RuntimeError(f"while reading {SECRET}") from exc

    monkeypatch.setattr(workspace, "resolve_lang", outer)


def _one_log(folder: Path) -> Path:
    found = list(folder.glob("wijkloket-*.log"))
    assert len(found) == 1, found
    return found[0]


@pytest.mark.parametrize(("lang", "words"), [
    (None, ("Fout:", "wijkloket zelf, niet in uw invoer", "RuntimeError", "WIJKLOKET_DEBUG=1")),
    ("en", ("Error:", "wijkloket itself, not in your input", "RuntimeError", "WIJKLOKET_DEBUG=1")),
])
def test_a_bug_is_a_short_message_with_a_log(cli: Cli, logs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            lang: str | None, words: tuple[str, ...]) -> None:
    _bug(monkeypatch)
    target = tmp_path / "Jan Jansen 111222333"
    code, out, err = cli("init", target, "--gemeente", "GM0392", *(("--lang", lang) if lang else ()))
    assert code == 1, (out, err)
    assert "Traceback" not in err + out and out == ""
    log = _one_log(logs)
    assert str(log) in err
    assert all(w in err for w in words), err
    # the innermost frame of wijkloket's own code names where it happened (`inner` is this test's)
    assert "RuntimeError in wijkloket/cli/workspace.py:" in err and "in init)" in err
    assert "Jansen" not in err and "111222333" not in err  # not even the argument (the folder's name)
    assert err.count("\n") <= 3  # short: message and fix


def test_the_log_holds_frames_and_types_but_no_personal_data(cli: Cli, logs: Path, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    _bug(monkeypatch)
    monkeypatch.setenv("HOME", str(tmp_path / "home-of-jan"))
    code, _, _ = cli("init", tmp_path / "Jan Jansen 111222333", "--gemeente", "GM0392", "--lang", "en")
    assert code == 1
    text = _one_log(logs).read_text("utf-8")
    # both exceptions of the chain by type; the command by its names only
    assert "exception: RuntimeError" in text and "exception: ValueError" in text
    assert "command: wijkloket init\n" in text
    # frames as file:line in function, file names from their import root
    assert "wijkloket/cli/__init__.py:" in text and " in main" in text
    assert "test_guard.py:" in text and " in inner" in text and " in outer" in text
    for secret in ("111222333", "Jansen", "jan@example.org", "GM0392", "cannot parse", "while reading", "--lang",
                   str(tmp_path), "home-of-jan"):
        assert secret not in text, secret


def test_log_folder_and_file_are_owner_only(cli: Cli, logs: Path, monkeypatch: pytest.MonkeyPatch,
                                           tmp_path: Path) -> None:
    _bug(monkeypatch)
    assert cli("init", tmp_path / "w", "--gemeente", "GM0392")[0] == 1
    assert stat.S_IMODE(logs.stat().st_mode) == 0o700
    assert stat.S_IMODE(_one_log(logs).stat().st_mode) == 0o600


def test_default_log_folder_is_the_users_state_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("WIJKLOKET_LOG_DIR", raising=False)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    assert errors.log_folder() == tmp_path / "state" / "wijkloket"
    monkeypatch.delenv("XDG_STATE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert errors.log_folder() == tmp_path / "home" / ".local" / "state" / "wijkloket"
    monkeypatch.setenv("WIJKLOKET_LOG_DIR", str(tmp_path / "own"))
    assert errors.log_folder() == tmp_path / "own"


def test_a_log_that_cannot_be_written_is_said_so(cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "a-file").write_text("x", "utf-8")
    monkeypatch.setenv("WIJKLOKET_LOG_DIR", str(tmp_path / "a-file" / "logs"))  # under a file: ENOTDIR
    _bug(monkeypatch)
    code, _, err = cli("init", tmp_path / "w", "--gemeente", "GM0392", "--lang", "en")
    assert code == 1 and "Traceback" not in err
    assert "RuntimeError" in err and "could not be written" in err and str(tmp_path / "a-file" / "logs") in err
    assert "part of this path is a file" in err and "WIJKLOKET_LOG_DIR" in err


def test_old_logs_are_pruned(cli: Cli, logs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    logs.mkdir(mode=0o700)
    for i in range(KEEP_LOGS + 5):
        (logs / f"wijkloket-20000101T0000{i:02d}Z-x.log").write_text("old", "utf-8")
    (logs / "notes.txt").write_text("not ours", "utf-8")
    _bug(monkeypatch)
    assert cli("init", tmp_path / "w", "--gemeente", "GM0392")[0] == 1
    kept = sorted(logs.glob("wijkloket-*.log"))
    assert len(kept) == KEEP_LOGS and kept[0].name == "wijkloket-20000101T000006Z-x.log"
    assert (logs / "notes.txt").exists()


@pytest.mark.parametrize("code", sorted(OS_REASONS))
def test_the_system_refusing_a_file_is_a_user_error(cli: Cli, logs: Path, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch, code: int) -> None:
    path = str(tmp_path / "uit" / "profiel.csv")
    monkeypatch.setattr(workspace, "resolve_lang", _raise(OSError(code, os.strerror(code), path)))
    for lang, prefix in (("nl", "Fout: "), ("en", "Error: ")):
        rc, out, err = cli("init", tmp_path / "w", "--gemeente", "GM0392", "--lang", lang)
        assert rc == 2 and out == "" and "Traceback" not in err
        assert err.startswith(f"{prefix}{path}: ") and err.count(prefix) == 1, err
        assert os.strerror(code) not in err  # the reason in the user's language, not the system's English
    assert not logs.exists()  # not a bug: no log


def test_disk_full_in_words(cli: Cli, logs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(workspace, "resolve_lang", _raise(OSError(errno.ENOSPC, "No space left on device")))
    rc, _, err = cli("init", tmp_path / "w", "--gemeente", "GM0392")
    assert rc == 2 and "de schijf is vol" in err and "maak ruimte vrij" in err
    monkeypatch.setattr(workspace, "resolve_lang", _raise(PermissionError(errno.EACCES, "denied", "/x/a.csv",
                                                                          None, "/x/b.csv")))
    rc, _, err = cli("init", tmp_path / "w", "--gemeente", "GM0392", "--lang", "en")
    assert rc == 2 and err.startswith("Error: /x/a.csv -> /x/b.csv: you have no permission")


def test_an_unknown_system_error_is_a_bug(cli: Cli, logs: Path, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(workspace, "resolve_lang", _raise(OSError(errno.EBADF, "Bad file descriptor")))
    rc, _, err = cli("init", tmp_path / "w", "--gemeente", "GM0392", "--lang", "en")
    assert rc == 1 and "wijkloket itself" in err
    assert "exception: OSError [EBADF]" in _one_log(logs).read_text("utf-8")


def test_a_report_folder_that_is_a_file(cli: Cli, logs: Path, haarlem_ws: Path, tmp_path: Path) -> None:
    # found end to end: os.makedirs on an existing file raised FileExistsError, a traceback (the
    # report's own message or, as a fallback, the guard's for EEXIST)
    target = tmp_path / "report-is-a-file"
    target.write_text("x", "utf-8")
    rc, out, err = cli("report", "-o", target, "-w", haarlem_ws, "--lang", "en")
    assert rc == 2 and "Traceback" not in err, err
    assert str(target) in err and ("is a file" in err or "already exists" in err), err
    assert not logs.exists()


def test_ctrl_c_is_still_130(logs: Path) -> None:
    with pytest.raises(SystemExit) as exc, exit_codes([]):
        raise KeyboardInterrupt
    assert exc.value.code == 130


@pytest.mark.parametrize(("value", "reraised"), [("1", True), ("0", False), ("", False)])
def test_debug_reraises(logs: Path, monkeypatch: pytest.MonkeyPatch, value: str, reraised: bool) -> None:
    monkeypatch.setenv("WIJKLOKET_DEBUG", value)
    with pytest.raises(ZeroDivisionError if reraised else SystemExit) as exc, exit_codes([]):
        1 / 0  # noqa: B018
    if not reraised:
        assert isinstance(exc.value, SystemExit) and exc.value.code == 1


def test_a_bug_in_a_real_process(tmp_path: Path) -> None:
    """The installed entry point, in its own process: exit code 1, no traceback on stderr."""
    script = ("import sys\nimport wijkloket.cli.workspace as w\n"
              "def boom(*a):\n    raise KeyError('111222333')\n"
              "w.resolve_lang = boom\nfrom wijkloket.cli import main\n"
              f"sys.argv = ['wijkloket', 'init', {str(tmp_path / 'w')!r}, '--gemeente', 'GM0392']\nmain()\n")
    env = {**os.environ, "WIJKLOKET_LOG_DIR": str(tmp_path / "logs"), "WIJKLOKET_DEBUG": ""}
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, check=False)
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr and "KeyError" in proc.stderr and "111222333" not in proc.stderr
    assert "111222333" not in _one_log(tmp_path / "logs").read_text("utf-8")
