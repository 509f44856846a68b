"""`wijkloket add cbs PC4-FILE --crosswalk FILE` on the real Haarlem data: the 2022 share of households
in the national bottom 40% of household income per wijk and district, marked as an estimate with its
method in the store, the profile CSV, the terminal and the report's notes; adding twice changes nothing."""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from wijkloket.indicators.registry import default_registry
from wijkloket.store.workspace import Workspace
from wijkloket.usecases.profile import district_profile

Cli = Callable[..., tuple[int, str, str]]
PC4 = "cbs/pc4_2022_income_woz_ses_nl.csv"
CROSSWALK = "haarlem/pc4_2020_x_wijk_2024_area_crosswalk.csv"
IND = "share_households_bottom40_income"


def _expected(data: Path) -> tuple[dict[str, float], dict[str, float]]:
    """Spread households and bottom-40% households per wijk of GM0392, straight from the two files:
    pieces under 1% of a PC4 dropped, the rest of each PC4 renormalised to 1."""
    with open(data / PC4, encoding="utf-8") as fh:
        src = {r["pc4"]: r for r in csv.DictReader(fh)}
    with open(data / CROSSWALK, encoding="utf-8") as fh:
        pieces = [r for r in csv.DictReader(fh) if float(r["share_of_pc4_area"]) >= 0.01]
    total: dict[str, float] = defaultdict(float)
    for r in pieces:
        total[r["postcode"]] += float(r["share_of_pc4_area"])
    hh: dict[str, float] = defaultdict(float)
    low: dict[str, float] = defaultdict(float)
    for r in pieces:
        if r["gemeentecode"] != "GM0392":
            continue
        w = float(r["share_of_pc4_area"]) / total[r["postcode"]]
        base = float(src[r["postcode"]]["aantal_part_huishoudens"])
        hh[r["wijkcode"]] += w * base
        low[r["wijkcode"]] += w * base * float(src[r["postcode"]]["percentage_laag_inkomen_huishouden"]) / 100
    return hh, low


@pytest.fixture
def pc4_ws(haarlem_ws: Path, data: Path, cli: Cli) -> Path:
    code, out, err = cli("add", "cbs", data / PC4, "--crosswalk", data / CROSSWALK, "--workspace", haarlem_ws)
    assert code == 0, err
    assert "4.070" in out and "aanvaard 20" in out
    return haarlem_ws


def test_share_per_wijk_and_district_from_the_files(pc4_ws: Path, data: Path) -> None:
    hh, low = _expected(data)
    with Workspace(pc4_ws, read_only=True) as ws:
        res = district_profile(ws, default_registry(), indicator_ids=[IND])
    t = res.table.set_index(["level", "area_code"])
    assert res.year == 2024
    for wijk in ("WK039202", "WK039214", "WK039221"):
        row = t.loc[("wijk", wijk)]
        assert row["value"] == pytest.approx(100 * low[wijk] / hh[wijk])
        assert row["denominator"] == pytest.approx(hh[wijk])
    assert t.loc[("wijk", "WK039202"), "value"] == pytest.approx(31.1)  # one PC4 (2012): its own share
    # a district sums the spread counts of its wijken, then divides (stadsdelen_2024.csv: Schalkwijk)
    with open(data / "haarlem/stadsdelen_2024.csv", encoding="utf-8") as fh:
        schalkwijk = [r["area_code"] for r in csv.DictReader(fh) if r["district"] == "Schalkwijk"]
    row = res.table[(res.table["level"] == "district") & (res.table["area_name"] == "Schalkwijk")].iloc[0]
    assert row["value"] == pytest.approx(100 * sum(low[w] for w in schalkwijk) / sum(hh[w] for w in schalkwijk))
    city = t.loc[("gemeente", "GM0392")]
    assert city["value"] == pytest.approx(100 * sum(low.values()) / sum(hh.values()))
    assert (res.table["estimate"].str.contains("PC4 2022 -> 2024")).all()
    assert any(key == "note.pc4_estimate" and p["crosswalk"] == Path(CROSSWALK).name and p["min_share"] == "1%"
               for key, p in res.notes)


def test_stored_as_estimates_with_the_method(pc4_ws: Path) -> None:
    with Workspace(pc4_ws, read_only=True) as ws:
        src = ws.sources()
        pc4 = src[src["kind"] == "cbs_pc4"].iloc[0]
        status = ws.value_status(int(pc4["source_id"]))
        est = ws.estimates(2024)
    assert set(status["status"]) == {"estimate"}
    assert int(pc4["rows_read"]) == 4070 and int(pc4["rows_accepted"]) == 20 and int(pc4["rows_rejected"]) == 4050
    method = est.set_index("variable").loc["n_households_bottom40_income_pc4", "method"]
    assert method["pc4_year"] == 2022 and method["weights"] == "share_of_pc4_area"
    assert method["crosswalk"] == Path(CROSSWALK).name and method["min_share"] == 0.01
    # the published 2024 households are untouched by the spread ones
    with Workspace(pc4_ws, read_only=True) as ws:
        v = ws.values(2024)
    assert v.loc["WK039202", "households"] != pytest.approx(v.loc["WK039202", "households_pc4"])


def test_adding_twice_changes_nothing(pc4_ws: Path, data: Path, cli: Cli) -> None:
    with Workspace(pc4_ws, read_only=True) as ws:
        before = (ws.sources()[["source_id", "kind", "sha256"]], ws.values(2024))
    code, out, _ = cli("add", "cbs", data / PC4, "--crosswalk", data / CROSSWALK, "--workspace", pc4_ws)
    assert code == 0 and "niets veranderd" in out
    with Workspace(pc4_ws, read_only=True) as ws:
        pd.testing.assert_frame_equal(ws.sources()[["source_id", "kind", "sha256"]], before[0])
        pd.testing.assert_frame_equal(ws.values(2024), before[1])


def test_another_crosswalk_replaces_the_spread(pc4_ws: Path, data: Path, cli: Cli, tmp_path: Path) -> None:
    # the same table with a different crosswalk (only Haarlem's rows) is another source: it replaces the old one
    other = tmp_path / "crosswalk_haarlem.csv"
    lines = (data / CROSSWALK).read_text("utf-8").splitlines()
    other.write_text("\n".join([lines[0], *(x for x in lines[1:] if ",GM0392," in x)]) + "\n", "utf-8")
    code, out, _ = cli("add", "cbs", data / PC4, "--crosswalk", other, "--workspace", pc4_ws)
    assert code == 0 and "Vervangen" in out
    with Workspace(pc4_ws, read_only=True) as ws:
        src = ws.sources()
        est = ws.estimates(2024)
    assert (src["kind"] == "cbs_pc4").sum() == 1
    assert set(m["crosswalk"] for m in est["method"]) == {other.name}


def test_profile_outputs_mark_the_estimate(pc4_ws: Path, cli: Cli, tmp_path: Path) -> None:
    out_csv = tmp_path / "profile.csv"
    code, _, err = cli("profile", "--level", "wijk", "--indicator", IND, "--format", "csv", "-o", out_csv,
                       "--workspace", pc4_ws)
    assert code == 0, err
    rows = list(csv.DictReader(out_csv.open(encoding="utf-8")))
    assert rows and all(r["estimate"].startswith("PC4 2022 -> 2024: share_of_pc4_area") for r in rows)
    code, out, _ = cli("profile", "--level", "wijk", "--indicator", IND, "--workspace", pc4_ws)
    assert code == 0 and "≈31,1" in out and "≈ schatting" in out
    assert "Onderste 40% ink." in out


def test_pc4_table_without_crosswalk_is_refused(haarlem_ws: Path, data: Path, cli: Cli) -> None:
    code, _, err = cli("add", "cbs", data / PC4, "--workspace", haarlem_ws)
    assert code != 0 and "--crosswalk" in err
    with Workspace(haarlem_ws, read_only=True) as ws:
        assert "cbs_pc4" not in set(ws.sources()["kind"])
