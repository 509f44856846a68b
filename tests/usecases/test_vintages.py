"""Boundary vintages: two years of a workspace with another wijk indeling are flagged where they meet (the
add summary, the profile's notes, a comparison of the two years), and an area crosswalk carries the older
year's figures over to the newer wijken (counts split by share, shares recomputed from the split counts).
The newer year is the real 2024 file; expected values are read from it with csv or worked out by hand."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from wijkloket.errors import InputFileError
from wijkloket.indicators.registry import default_registry
from wijkloket.usecases import open_workspace
from wijkloket.usecases.ingest import add_cbs, init_workspace
from wijkloket.usecases.profile import district_profile
from wijkloket.usecases.vintages import compare_years, indeling_changes, read_crosswalk

REG = default_registry()
KWB = "cbs/kwb2024_gemeente_wijk_basis.csv"
OLD = ("Codering_3,AantalInwoners_5,k_65JaarOfOuder_12\n"
       "GM0392,160000,25000\n"
       "WK039200,10000,1000\n"
       "WK039201,20000,4000\n"
       "WK039208,130000,20000\n")  # an older indeling: other wijken under partly the same codes


def _pop_2024(data: Path) -> dict[str, int]:
    with open(data / KWB, encoding="utf-8") as fh:
        return {r["Codering"]: int(r["AantalInwoners_5"]) for r in csv.DictReader(fh) if r["Codering"][2:6] == "0392"}


@pytest.fixture
def two_years(tmp_path: Path, data: Path) -> tuple[Path, list[str]]:
    ws_dir = tmp_path / "ws"
    init_workspace(ws_dir, "GM0392")
    old = tmp_path / "kwb_2019_haarlem.csv"
    old.write_text(OLD, "utf-8")
    with open_workspace(ws_dir, write=True) as ws:
        add_cbs(ws, data / KWB, REG)
        report = add_cbs(ws, old, REG)
    return ws_dir, report.warnings


def test_add_and_profile_say_the_indeling_changed(two_years: tuple[Path, list[str]]) -> None:
    ws_dir, warnings = two_years
    assert warnings == ["indeling_changed:2019/2024 (wijk)"]
    with open_workspace(ws_dir) as ws:
        (change,) = indeling_changes(ws, 2024)
        # WK039201 and WK039208 are codes of both indelingen
        assert (change.year_a, change.year_b, change.n_a, change.n_b, change.common) == (2019, 2024, 3, 21, 2)
        notes = dict(district_profile(ws, REG, indicator_ids=["population"]).notes)
    assert notes["note.indeling_changed"]["common"] == 2


def test_without_a_crosswalk_only_the_municipality_is_compared(two_years: tuple[Path, list[str]], data: Path) -> None:
    ws_dir, _ = two_years
    with open_workspace(ws_dir) as ws:
        table, changes = compare_years(ws, REG, 2019, 2024, indicator_ids=["population"])
    assert len(changes) == 1
    assert table.to_dict("records") == [{"area_code": "GM0392", "indicator": "population", "value_a": 160_000.0,
                                         "value_b": float(_pop_2024(data)["GM0392"])}]


def test_a_crosswalk_carries_the_old_year_over(two_years: tuple[Path, list[str]], tmp_path: Path, data: Path) -> None:
    ws_dir, _ = two_years
    path = tmp_path / "crosswalk.csv"
    path.write_text("from_code,to_code,share\nWK039200,WK039201,1\nWK039201,WK039202,0.5\nWK039201,WK039203,0.5\n",
                    "utf-8")
    with open_workspace(ws_dir) as ws:
        table, _ = compare_years(ws, REG, 2019, 2024, read_crosswalk(path), ["population", "share_age_65_plus"])
    got = table.set_index(["area_code", "indicator"])
    pop = _pop_2024(data)
    assert got.loc[("WK039201", "population"), "value_a"] == 10_000
    assert got.loc[("WK039202", "population"), "value_a"] == 10_000  # half of the old WK039201
    assert got.loc[("WK039203", "population"), "value_b"] == pop["WK039203"] == 8295
    assert got.loc[("WK039201", "share_age_65_plus"), "value_a"] == pytest.approx(10.0)  # 1000 / 10000
    assert got.loc[("WK039203", "share_age_65_plus"), "value_a"] == pytest.approx(20.0)  # 2000 / 10000
    assert got.loc[("GM0392", "population"), "value_a"] == 160_000
    assert got.loc[("WK039221", "population"), "value_a"] != got.loc[("WK039221", "population"), "value_a"]  # NaN


def test_a_bad_crosswalk_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "cw.csv"
    path.write_text("from_code,to_code,share\nWK039200,WK039201,0.7\nWK039200,WK039202,0.6\n", "utf-8")
    with pytest.raises(InputFileError) as exc:
        read_crosswalk(path)
    assert exc.value.code == "error.crosswalk_rows"
    path.write_text("van,naar\nWK039200,WK039201\n", "utf-8")
    with pytest.raises(InputFileError) as exc:
        read_crosswalk(path)
    assert exc.value.code == "error.crosswalk_columns"


def test_cli_profile_says_it(two_years: tuple[Path, list[str]], cli) -> None:  # type: ignore[no-untyped-def]
    ws_dir, _ = two_years
    code, out, _ = cli("profile", "--workspace", ws_dir, "--lang", "en")
    assert code == 0 and "boundaries differ between 2019" in " ".join(out.split())


def test_cli_compare(two_years: tuple[Path, list[str]], tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    ws_dir, _ = two_years
    code, out, _ = cli("compare", "--from", "2019", "--to", "2024", "--indicator", "population", "-w", ws_dir,
                       "--lang", "en")
    flat = " ".join(out.split())
    assert code == 0 and "160,000 → 167,636" in flat and "municipality only" in flat
    cw = tmp_path / "cw.csv"
    cw.write_text("from_code,to_code,share\nWK039200,WK039201,1\n", "utf-8")
    out_csv = tmp_path / "cmp.csv"
    code, _, _ = cli("compare", "--from", "2019", "--to", "2024", "--crosswalk", cw, "--indicator", "population",
                     "--format", "csv", "-o", out_csv, "-w", ws_dir)
    with open(out_csv, encoding="utf-8-sig") as fh:
        rows = {r["area_code"]: r for r in csv.DictReader(fh)}
    assert code == 0 and float(rows["WK039201"]["value_a"]) == 10_000 and float(rows["WK039201"]["value_b"]) == 14_745
