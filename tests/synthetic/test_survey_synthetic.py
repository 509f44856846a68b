"""The synthetic sampling frame and answers of the needs survey: the frame calibrated on the CBS file (read
here with pandas, not through the package), pseudonymous ids, postcodes of simulate's own postcode table;
answers that follow the routing; the planted probabilities in the TOML and recovered by a large sample."""

from __future__ import annotations

import csv
import math
import re
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from wijkloket.errors import ConfigError
from wijkloket.survey.questionnaire import default_questionnaire
from wijkloket.synthetic import simulate
from wijkloket.synthetic.survey import (
    age_band_labels,
    default_survey_assumptions,
    parse_survey_assumptions,
    planted_proportions,
    synthetic_answers,
    synthetic_frame,
    write_frame,
)

PCT = {"15-24": "percentagePersonen15Tot25Jaar", "25-44": "percentagePersonen25Tot45Jaar",
       "45-64": "percentagePersonen45Tot65Jaar", "65+": "percentagePersonen65JaarEnOuder"}
AGE_COLUMNS = {"pct_age_0_15": "percentagePersonen0Tot15Jaar", "pct_age_15_25": PCT["15-24"],
               "pct_age_25_45": PCT["25-44"], "pct_age_45_65": PCT["45-64"], "pct_age_65_plus": PCT["65+"]}


@pytest.fixture(scope="module")
def cbs(data: Path) -> pd.DataFrame:
    """Haarlem's wijken from the CBS attribute table, as published (no package code)."""
    t = pd.read_csv(data / "cbs" / "wijkenbuurten2024_wijken_haarlem_haarlemmermeer_attributes.csv")
    return t[t["gemeentecode"] == "GM0392"].set_index("wijkcode")


@pytest.fixture(scope="module")
def areas(cbs: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame({"area_code": cbs.index, "population": cbs["aantalInwoners"].to_numpy(),
                        "households": cbs["aantalHuishoudens"].to_numpy()})
    for ours, theirs in AGE_COLUMNS.items():
        out[ours] = cbs[theirs].to_numpy()
    return out


@pytest.fixture(scope="module")
def frame(areas: pd.DataFrame) -> pd.DataFrame:
    return synthetic_frame(areas, "GM0392", 7)


@pytest.fixture(scope="module")
def districts(data: Path) -> pd.Series:
    return pd.read_csv(data / "haarlem" / "stadsdelen_2024.csv").set_index("area_code")["district"]


@pytest.fixture(scope="module")
def big(frame: pd.DataFrame, districts: pd.Series) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The whole frame as the sample (about 140,000 units) and its synthetic answers."""
    sample = frame.assign(district=frame["area_code"].map(districts), age_band=age_band_labels(frame["age"].to_numpy()),
                          code=frame["person_id"])
    return sample, synthetic_answers(sample, default_questionnaire(), seed=5)


def test_frame_is_calibrated_on_cbs(frame: pd.DataFrame, cbs: pd.DataFrame) -> None:
    band = age_band_labels(frame["age"].to_numpy())
    counts = frame.assign(band=band).groupby(["area_code", "band"]).size()
    for code, row in cbs.iterrows():
        pop = row["aantalInwoners"]
        pct = {b: row[c] for b, c in PCT.items()}
        pct0 = row["percentagePersonen0Tot15Jaar"]
        total_pct = pct0 + sum(pct.values())  # CBS rounds each share to a whole per cent
        for b, p in pct.items():
            expected = pop * p / total_pct
            got = counts.get((code, b), 0)
            assert abs(got - expected) <= 4 * math.sqrt(expected) + 0.006 * pop, (code, b, got, expected)
    adults = (cbs["aantalInwoners"] * (1 - cbs["percentagePersonen0Tot15Jaar"] / 100)).sum()
    assert abs(len(frame) - adults) / adults < 0.01  # about 140,000 residents aged 15+
    assert frame["age"].min() >= 15


def test_frame_ids_are_pseudonymous_not_bsn(frame: pd.DataFrame) -> None:
    assert list(frame.columns) == ["person_id", "postcode", "age", "sex", "language", "area_code"]
    assert 0.03 < (frame["language"] == "en").mean() < 0.05 and set(frame["language"]) == {"nl", "en"}
    assert frame["person_id"].is_unique
    assert frame["person_id"].str.fullmatch(r"P\d{8}").all()
    nine_digits = re.compile(r"(?<!\d)\d{9}(?!\d)")
    assert not any(nine_digits.search(str(v)) for v in frame["person_id"])
    assert set(frame["sex"]) == {"M", "V"}
    women = (frame["sex"] == "V").mean()
    assert 0.48 < women < 0.54


def test_frame_postcodes_are_those_of_simulate(areas: pd.DataFrame, tmp_path: Path) -> None:
    """Same seed, same town: every resident's PC6 is in the postcode table simulate writes, in their wijk."""
    few = areas.iloc[:3]
    res = simulate(few, "GM0392", (2025, 2025), 3, tmp_path)
    table = pd.read_csv(res.postcodes_csv, sep=";", dtype=str)
    wijk_of = table.groupby("PC6")["Wijk2024"].agg(set)
    small = synthetic_frame(few, "GM0392", 3)
    assert small["postcode"].isin(wijk_of.index).all()
    codes = small["area_code"].str.slice(2).str.lstrip("0")
    assert all(c in wijk_of[p] for p, c in zip(small["postcode"], codes, strict=True))


def test_write_frame_marks_synthetic(frame: pd.DataFrame, tmp_path: Path) -> None:
    csv_path, mapping = write_frame(frame.head(50), tmp_path, 7)
    with csv_path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == ["person_id", "postcode", "age", "sex", "language", "Synthetisch"]
    assert len(rows) == 50 and {r["Synthetisch"] for r in rows} == {"ja"}
    m = tomllib.loads(mapping.read_text("utf-8"))
    assert m["file"]["synthetic"] is True
    assert m["columns"] == {"person_id": "person_id", "postcode": "postcode", "age": "age", "sex": "sex",
                            "language": "language"}


def test_answers_follow_the_routing(big: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    sample, ans = big
    q = default_questionnaire()
    assert list(ans.columns) == ["code", "mode", *(x.id for x in q.questions)]
    assert set(ans["mode"]) == {"web", "paper", "phone"}
    assert ans["code"].isin(sample["code"]).all() and ans["code"].is_unique
    no_contact = ans["contact"].isin(["no", "dont_know"])
    assert (ans.loc[no_contact, ["contact_channel", "contact_ease"]] == "").all().all()
    assert (ans.loc[ans["contact"] == "yes", "contact_channel"] != "").any()
    for parent, child in (("ido_known", "ido_used"), ("community_centre_known", "community_centre_used"),
                          ("social_team_known", "social_team_used")):
        assert (ans.loc[ans[parent] != "yes", child] == "").all()
    for question in q.questions:
        if question.type in ("single", "multiple"):
            given = {c for v in ans[question.id] if v for c in v.split("|")}
            assert given <= set(question.codes()), question.id
    barriers = ans["barriers"][ans["barriers"] != ""].str.split("|")
    assert not any("none" in b and len(b) > 1 for b in barriers)
    # a complete response answers every required question that is shown to it
    complete = ans[ans["remarks"].notna() & (ans["household"] != "")]
    assert (complete["barriers"] != "").all() and (complete["preference"] != "").all()


def test_response_partial_and_open_answers(big: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    sample, ans = big
    rate = len(ans) / len(sample)
    assert 0.25 < rate < 0.35  # about 30% overall
    by_district = ans.merge(sample, on="code").groupby("district").size() / sample.groupby("district").size()
    assert by_district["Schalkwijk"] < by_district["Centrum"]  # planted: the R-indicator is below 1
    partial = ans["household"] == ""
    assert partial.any() and (ans.loc[partial, "mode"] == "web").all()
    english = ans.merge(sample[["code", "language"]], on="code")
    en_texts = english.loc[(english["language"] == "en") & (english["remarks"] != ""), "remarks"]
    assert len(en_texts) and all(re.search(r"[A-Za-z]", t) for t in en_texts)
    assert not (english.loc[english["language"] == "en", "remarks"].str.contains("stadhuis")).any()


def test_planted_values_are_in_the_toml() -> None:
    raw = tomllib.loads(resources.files("wijkloket.data").joinpath("synthetic_assumptions.toml").read_text("utf-8"))
    by_district = raw["survey"]["answers"]["by_district"]["value"]
    for d in ("Schalkwijk", "Noord", "Oost"):
        assert by_district[d]["barriers"]["distance"] > 1 and by_district[d]["barriers"]["digital_skills"] > 1
    older = raw["survey"]["answers"]["by_age"]["value"]["65+"]
    assert older["barriers"]["digital_skills"] > 1 and older["preference"]["home_visit"] > 1
    assert default_survey_assumptions()["answers.by_district"] == by_district


def test_planted_proportions_are_recovered(big: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    """The planted probabilities, worked out by hand from the TOML, and recovered: per district and per age
    band the observed share of the planted answers among respondents who answered lies within 3 standard
    errors of the planted share of those respondents (22 comparisons); per district x age band cell, for
    every barrier, within 4 (160 comparisons: at 3 a few would fail by chance)."""
    sample, ans = big
    q = default_questionnaire()
    planted = planted_proportions(sample, q).set_index(["district", "age_band", "question", "answer"])["planted"]
    # by hand from the TOML: Schalkwijk 65+ distance 0.10 x 2.6 = 0.26; digital 0.10 x 1.8 x 3.2 = 0.576
    assert planted[("Schalkwijk", "65+", "barriers", "distance")] == pytest.approx(0.26)
    assert planted[("Schalkwijk", "65+", "barriers", "digital_skills")] == pytest.approx(0.576)
    assert planted[("Centrum", "25-44", "barriers", "digital_skills")] == pytest.approx(0.10)
    answered = ans[ans["barriers"] != ""].drop(columns=["age_band", "sex"]).merge(
        sample[["code", "district", "age_band", "sex"]], on="code")
    chosen = answered["barriers"].str.split("|")
    checks = [("district", "barriers", "distance"), ("district", "barriers", "digital_skills"),
              ("age_band", "barriers", "digital_skills"), ("age_band", "barriers", "mobility"),
              ("age_band", "preference", "home_visit")]
    n_checked = 0
    for by, question, code in checks:
        truth = planted_proportions(answered, q, by=(by,)).set_index([by, "question", "answer"])["planted"]
        given = chosen if question == "barriers" else answered[question].map(lambda v: [v])
        for group, idx in answered.groupby(by).groups.items():
            p = truth[(group, question, code)]
            observed = given[idx].map(lambda c, code=code: code in c).mean()
            assert abs(observed - p) <= 3 * math.sqrt(p * (1 - p) / len(idx)), (group, code, observed, p)
            n_checked += 1
    assert n_checked == 22
    for (district, band), idx in answered.groupby(["district", "age_band"]).groups.items():
        for code in q.question("barriers").codes():
            p = planted[(district, band, "barriers", code)]
            observed = chosen[idx].map(lambda c, code=code: code in c).mean()
            assert abs(observed - p) <= 4 * math.sqrt(p * (1 - p) / len(idx)), (district, band, code, observed, p)
    by_district = planted.xs("distance", level="answer").xs("barriers", level="question").groupby("district").mean()
    assert by_district["Schalkwijk"] > 2 * by_district["Centrum"]


def test_bad_survey_assumptions_are_named() -> None:
    with pytest.raises(ConfigError) as exc:
        parse_survey_assumptions("[survey.share_women]\nvalue = { '65+' = 0.5 }\nsource = 'x'\n", "mine.toml")
    assert exc.value.params["file"] == "mine.toml"
    text = resources.files("wijkloket.data").joinpath("synthetic_assumptions.toml").read_text("utf-8")
    broken = text.replace("[survey.partial_share]\nvalue = 0.05", "[survey.partial_share]\nvalue = 1.5")
    with pytest.raises(ConfigError) as exc:
        parse_survey_assumptions(broken, "mine.toml")
    assert exc.value.params["entry"] == "survey.partial_share"


def test_simulate_writes_the_frame_that_draw_reads(cli: Any, data: Path, tmp_path: Path) -> None:
    """`wijkloket simulate` writes the frame beside the exports; every PC6 in it is in the synthetic postcode
    table, and the frame reader of `survey draw` takes it as synthetic, every row accepted."""
    from wijkloket.sources.frame import read_frame

    out = tmp_path / "synth"
    code, stdout, _ = cli("simulate", "--gemeente", "GM0392", "--years", "2025-2025", "--seed", "4", "-o", out,
                          "--cbs", data / "cbs" / "wijkenbuurten2024_wijken_haarlem_haarlemmermeer.gpkg")
    assert code == 0 and "steekproefkader.csv" in stdout and "steekproefkader_mapping.toml" in stdout
    frame = pd.read_csv(out / "steekproefkader.csv", dtype=str)
    table = pd.read_csv(next(out.glob("pc6hnr_*.csv")), sep=";", dtype=str)
    assert frame["postcode"].isin(set(table["PC6"])).all()
    assert 135_000 < len(frame) < 145_000
    read = read_frame(out / "steekproefkader.csv", out / "steekproefkader_mapping.toml", 2027, False)
    assert read.synthetic and read.rows_read == len(frame)
    assert (read.table["reason"] == "").all()
