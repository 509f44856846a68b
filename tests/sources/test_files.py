"""Settings, mapping and rules files given by a user: a missing or undecodable file is a clear error."""

from __future__ import annotations

from pathlib import Path

import pytest

from wijkloket.documents.validity import load_rules
from wijkloket.errors import InputFileError
from wijkloket.forecast.assumptions import load_assumptions
from wijkloket.plan.scenarios import load_scenarios
from wijkloket.synthetic.propensities import load_propensities


@pytest.mark.parametrize("load", [load_rules, load_propensities, load_assumptions, load_scenarios])
def test_missing_file_is_named(load: object, tmp_path: Path) -> None:
    with pytest.raises(InputFileError) as info:
        load(tmp_path / "weg.toml")  # type: ignore[operator]
    assert info.value.code == "error.file_missing" and info.value.params["file"] == str(tmp_path / "weg.toml")


def test_windows_1252_file_names_line_and_byte(tmp_path: Path) -> None:
    f = tmp_path / "opties.toml"
    f.write_bytes(b"[assumptions]\n# caf\xe9\n")  # e-acute in Windows-1252 on line 2
    with pytest.raises(InputFileError) as info:
        load_scenarios(f)
    assert info.value.code == "error.file_encoding"
    assert info.value.params["line"] == 2 and info.value.params["byte"] == "0xe9"
