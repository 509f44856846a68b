"""`survey draw` as a use case: on the hand-made municipality (every step checked by hand) and on a Haarlem
workspace from the real CBS data (sizes per district against the textbook formula)."""

from __future__ import annotations

import csv
import math
import os
import sqlite3
import stat
from collections.abc import Callable
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

from wijkloket.errors import InputFileError, WijkloketError
from wijkloket.store.survey_db import SurveyStore, survey_db_url
from wijkloket.survey.codes import code_hash, is_valid, make_code
from wijkloket.usecases.survey_draw import DesignChoice, draw_sample
from wijkloket.usecases.survey_keys import read_key

Cli = Callable[..., tuple[int, str, str]]
SURVEY = Path(__file__).parents[1] / "fixtures" / "survey"
TODAY = date(2026, 6, 1)


@pytest.fixture(autouse=True)
def _sqlite_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WIJKLOKET_SURVEY_DB", raising=False)
    monkeypatch.delenv("WIJKLOKET_SURVEY_KEY", raising=False)


@pytest.fixture
def tiny_ws(tmp_path: Path, fixtures: Path, cli: Cli) -> Path:
    ws = tmp_path / "tiny"
    assert cli("init", ws, "--gemeente", "GM9999")[0] == 0
    assert cli("add", "cbs", fixtures / "tiny_kwb_2018.csv", "-w", ws)[0] == 0
    assert cli("add", "districts", fixtures / "tiny_districts_wijk.csv", "-w", ws)[0] == 0
    assert cli("add", "postcodes", fixtures / "tiny_postcodes.csv", "-w", ws)[0] == 0
    return ws


def _merge(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_tiny_draw_stores_hashes_and_writes_the_merge_file_once(tiny_ws: Path, tmp_path: Path) -> None:
    out, key = tmp_path / "post", tmp_path / "keys" / "tiny.key"
    res = draw_sample(tiny_ws, SURVEY / "frame_tiny.csv", out, key_file=key, name="peiling", today=TODAY)
    # 6 usable rows (see tests/sources/test_frame.py): 3 in Noord, 3 in Zuid; moe 5 needs far more, so all
    assert res.strata.set_index("stratum")[["frame_count", "sample"]].to_dict("list") == {
        "frame_count": [3, 3], "sample": [3, 3]}
    assert res.level == "district" and res.rows_read == 14 and res.accepted == 6
    assert res.rejected == {"missing_person_id": 1, "duplicate_person_id": 1, "bad_age": 1, "bad_sex": 1,
                            "bad_postcode": 2, "postcode_outside": 1}
    assert res.excluded == {"under_15": 1} and res.first_rows["bad_postcode"] == [7, 14]
    rows = _merge(out / "uitnodigingen.csv")
    assert list(rows[0]) == ["person_id", "code", "language"]
    assert sorted(r["person_id"] for r in rows) == ["P001", "P002", "P003", "P004", "P010", "P012"]
    assert stat.S_IMODE(os.stat(out / "uitnodigingen.csv").st_mode) == 0o600
    assert stat.S_IMODE(os.stat(key).st_mode) == 0o600
    k = read_key(key)
    assert all(is_valid(r["code"]) for r in rows)
    lang = {r["person_id"]: r["language"] for r in rows}
    assert lang == {"P001": "nl", "P002": "nl", "P003": "en", "P004": "en", "P010": "nl", "P012": "nl"}
    with SurveyStore(survey_db_url(tiny_ws)) as db:
        rec = db.survey("GM9999", "peiling")
        sample = db.sample(rec.survey_id)
        counts = db.frame_counts(rec.survey_id)
        for r in rows:  # every code is found through its keyed hash, and maps to the unit it was made for
            unit = db.unit_for_code(rec.survey_id, code_hash(k, r["code"]))
            assert unit is not None and make_code(k, "peiling", unit) == r["code"]
    assert rec.seed == 11 and rec.stratum_level == "district" and not rec.synthetic
    assert sorted(sample["unit_no"]) == [1, 2, 3, 4, 5, 6]
    assert set(sample["inclusion_prob"]) == {1.0}
    assert sorted(sample["district"]) == ["Noord"] * 3 + ["Zuid"] * 3
    assert int(counts["count"].sum()) == 6
    # ages 30, 45, 33 (Noord) -> 25-44, 45-64, 25-44; 70, 15, 60 (Zuid) -> 65+, 15-24, 45-64
    by_band = counts.groupby(["district", "age_band"])["count"].sum().to_dict()
    assert by_band == {("Noord", "25-44"): 2, ("Noord", "45-64"): 1, ("Zuid", "15-24"): 1, ("Zuid", "45-64"): 1,
                       ("Zuid", "65+"): 1}
    blob = (tiny_ws / "enquete.sqlite").read_bytes()
    for r in rows:
        assert r["person_id"].encode() not in blob
        assert r["code"].encode() not in blob and r["code"].replace("-", "").encode() not in blob
    # the merge file is written once: a second draw into the same folder is refused, nothing is added
    with pytest.raises(InputFileError) as exc:
        draw_sample(tiny_ws, SURVEY / "frame_tiny.csv", out, key_file=tmp_path / "k2.key", name="tweede",
                    today=TODAY)
    assert exc.value.code == "error.draw_merge_exists"
    assert not (tmp_path / "k2.key").exists()
    with SurveyStore(survey_db_url(tiny_ws)) as db:
        assert [s.name for s in db.surveys("GM9999")] == ["peiling"]


def test_nothing_kept_when_the_name_is_taken(tiny_ws: Path, tmp_path: Path) -> None:
    draw_sample(tiny_ws, SURVEY / "frame_tiny.csv", tmp_path / "a", key_file=tmp_path / "a.key", name="p",
                today=TODAY)
    with pytest.raises(WijkloketError) as exc:
        draw_sample(tiny_ws, SURVEY / "frame_tiny.csv", tmp_path / "b", key_file=tmp_path / "b.key", name="p",
                    today=TODAY)
    assert exc.value.code == "error.survey_name_taken"
    assert not (tmp_path / "b.key").exists() and not (tmp_path / "b" / "uitnodigingen.csv").exists()


def test_merge_file_and_key_never_inside_the_workspace(tiny_ws: Path, tmp_path: Path) -> None:
    with pytest.raises(InputFileError) as exc:
        draw_sample(tiny_ws, SURVEY / "frame_tiny.csv", tiny_ws / "uit", key_file=tmp_path / "k.key", today=TODAY)
    assert exc.value.code == "error.draw_out_in_workspace"
    with pytest.raises(InputFileError) as exc:
        draw_sample(tiny_ws, SURVEY / "frame_tiny.csv", tmp_path / "uit", key_file=tiny_ws / "k.key", today=TODAY)
    assert exc.value.code == "error.draw_key_in_workspace"
    assert not (tiny_ws / "enquete.sqlite").exists() and not (tmp_path / "k.key").exists()


def test_identifying_frame_stores_nothing(tiny_ws: Path, tmp_path: Path) -> None:
    with pytest.raises(InputFileError) as exc:
        draw_sample(tiny_ws, SURVEY / "frame_identifying.csv", tmp_path / "o", key_file=tmp_path / "k.key",
                    today=TODAY)
    assert exc.value.code == "error.frame_identifying"
    assert not (tiny_ws / "enquete.sqlite").exists() and not (tmp_path / "k.key").exists()
    assert not (tmp_path / "o").exists()


def test_by_wijk_synthetic_mapping_and_formula_safe_ids(tiny_ws: Path, tmp_path: Path) -> None:
    res = draw_sample(tiny_ws, SURVEY / "frame_custom.csv", tmp_path / "o", mapping_path=SURVEY /
                      "frame_custom_mapping.toml", by="wijk", key_file=tmp_path / "k.key", today=TODAY)
    assert res.synthetic and res.survey.synthetic and res.level == "wijk"
    assert set(res.strata["stratum"]) == {"WK999901", "WK999902"}  # the tiny wijken have no names
    res = draw_sample(tiny_ws, SURVEY / "frame_formula.csv", tmp_path / "f", key_file=tmp_path / "f.key",
                      name="formule", today=TODAY)
    ids = sorted(r["person_id"] for r in _merge(tmp_path / "f" / "uitnodigingen.csv"))
    assert ids == ["'+P2", "'=1+1"]


def test_design_file_and_whole_strata(tiny_ws: Path, tmp_path: Path) -> None:
    design = tmp_path / "ontwerp.csv"
    design.write_text("stratum,population,net_sample,gross_sample\nNoord,3,1,2\nZuid,3,3,9\n", "utf-8")
    res = draw_sample(tiny_ws, SURVEY / "frame_tiny.csv", tmp_path / "o", key_file=tmp_path / "k.key",
                      choice=DesignChoice(design_file=design), today=TODAY)
    t = res.strata.set_index("stratum")
    assert t["sample"].to_dict() == {"Noord": 2, "Zuid": 3}
    assert t["whole"].to_dict() == {"Noord": False, "Zuid": True}
    assert t["inclusion_prob"].to_dict() == {"Noord": 2 / 3, "Zuid": 1.0}
    design.write_text("stratum,gross_sample\nNoord,2\nElders,4\n", "utf-8")
    with pytest.raises(InputFileError) as exc:
        draw_sample(tiny_ws, SURVEY / "frame_tiny.csv", tmp_path / "o2", key_file=tmp_path / "k2.key",
                    name="x", choice=DesignChoice(design_file=design), today=TODAY)
    assert exc.value.code == "error.draw_design_strata"
    assert exc.value.params["unknown"] == "Elders" and exc.value.params["missing"] == "Zuid"


def _haarlem_frame(data: Path, n: int, seed: int) -> pd.DataFrame:
    """A made-up frame over Haarlem's real wijken (codes from the district file, read by path)."""
    wijken = pd.read_csv(data / "haarlem" / "stadsdelen_2024.csv")["area_code"].tolist()
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"person_id": [f"H{i:06d}" for i in range(n)], "area_code": rng.choice(wijken, n),
                         "age": rng.integers(0, 95, n), "sex": rng.choice(["M", "V"], n)})


def test_haarlem_sizes_per_district_and_reproducible(haarlem_ws: Path, data: Path, tmp_path: Path, cli: Cli
                                                    ) -> None:
    frame = _haarlem_frame(data, 30000, seed=3)
    frame.to_csv(tmp_path / "kader.csv", index=False)
    res = draw_sample(haarlem_ws, tmp_path / "kader.csv", tmp_path / "o1", key_file=tmp_path / "k1.key",
                      name="h1", today=TODAY)
    districts = pd.read_csv(data / "haarlem" / "stadsdelen_2024.csv").set_index("area_code")["district"]
    adults = frame[frame["age"] >= 15]
    N = adults["area_code"].map(districts).value_counts()
    z = norm.ppf(0.975)
    n0 = z * z * 0.25 / 0.05 ** 2  # Cochran 4.2: 384.1
    t = res.strata.set_index("stratum")
    assert sorted(t.index) == ["Centrum", "Noord", "Oost", "Schalkwijk", "Zuid-West"]
    for d, big_n in N.items():
        net = math.ceil(n0 / (1 + (n0 - 1) / big_n))  # Cochran 4.3, finite population correction
        gross = min(math.ceil(net / 0.30 - 1e-9), big_n)
        assert t.loc[d, "frame_count"] == big_n and t.loc[d, "sample"] == gross, d
        assert t.loc[d, "inclusion_prob"] == pytest.approx(gross / big_n)
    ids1 = {r["person_id"] for r in _merge(tmp_path / "o1" / "uitnodigingen.csv")}
    assert len(ids1) == int(t["sample"].sum())
    # the same frame in another row order with the same seed gives the same people
    frame.sample(frac=1.0, random_state=5).to_csv(tmp_path / "kader2.csv", index=False)
    draw_sample(haarlem_ws, tmp_path / "kader2.csv", tmp_path / "o2", key_file=tmp_path / "k2.key", name="h2",
                today=TODAY)
    ids2 = {r["person_id"] for r in _merge(tmp_path / "o2" / "uitnodigingen.csv")}
    assert ids2 == ids1
    draw_sample(haarlem_ws, tmp_path / "kader.csv", tmp_path / "o3", key_file=tmp_path / "k3.key", name="h3",
                seed=12, today=TODAY)
    assert {r["person_id"] for r in _merge(tmp_path / "o3" / "uitnodigingen.csv")} != ids1
    # a design written by `survey design --by wijk --format csv` gives the sizes per wijk as written there
    assert cli("survey", "design", "--by", "wijk", "--format", "csv", "-o", tmp_path / "ontwerp.csv",
               "-w", haarlem_ws)[0] == 0
    with (tmp_path / "ontwerp.csv").open(encoding="utf-8") as fh:
        asked = {r["stratum"]: int(r["gross_sample"]) for r in csv.DictReader(fh)}
    res = draw_sample(haarlem_ws, tmp_path / "kader.csv", tmp_path / "o4", key_file=tmp_path / "k4.key", name="h4",
                      by="wijk", choice=DesignChoice(design_file=tmp_path / "ontwerp.csv"), today=TODAY)
    assert len(asked) == 21
    got = res.strata.set_index("stratum")
    by_wijk = adults["area_code"].value_counts()
    for wijk_name, size in asked.items():
        assert got.loc[wijk_name, "sample"] == min(size, got.loc[wijk_name, "frame_count"])
    assert sorted(got["frame_count"]) == sorted(by_wijk.tolist())
    con = sqlite3.connect(haarlem_ws / "enquete.sqlite")
    try:
        texts = " ".join(str(v) for table in ("sample_units", "frame_counts", "surveys")
                         for row in con.execute(f"SELECT * FROM {table}") for v in row)  # noqa: S608
    finally:
        con.close()
    assert not any(pid in texts for pid in list(ids1)[:200])


def test_without_postcode_table_or_districts(tmp_path: Path, fixtures: Path, cli: Cli) -> None:
    ws = tmp_path / "kaal"
    assert cli("init", ws, "--gemeente", "GM9999")[0] == 0
    assert cli("add", "cbs", fixtures / "tiny_kwb_2018.csv", "-w", ws)[0] == 0
    with pytest.raises(WijkloketError) as exc:
        draw_sample(ws, SURVEY / "frame_tiny.csv", tmp_path / "o", key_file=tmp_path / "k.key", today=TODAY)
    assert exc.value.code == "error.frame_no_postcodes"
    with pytest.raises(WijkloketError) as exc:
        draw_sample(ws, SURVEY / "frame_synthetic.csv", tmp_path / "o", key_file=tmp_path / "k.key", by="district",
                    today=TODAY)
    assert exc.value.code == "error.frame_no_districts"
    # without districts the strata are the wijken; area codes need no postcode table
    res = draw_sample(ws, SURVEY / "frame_synthetic.csv", tmp_path / "o", key_file=tmp_path / "k.key", today=TODAY)
    assert res.level == "wijk" and res.strata["sample"].tolist() == [1, 1]
    with SurveyStore(survey_db_url(ws)) as db:
        sample = db.sample(db.survey("GM9999").survey_id)
    assert sample["district"].isna().all() and sorted(sample["area_code"]) == ["WK999901", "WK999902"]
    assert stat.S_IMODE(os.stat(tmp_path / "o").st_mode) == 0o700
