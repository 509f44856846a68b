"""The needs survey on synthetic data: a sampling frame as a municipality exports it from the BRP, and the
answers of the sampled residents, with differences planted on purpose (issue 10, point 8).

- `synthetic_frame` is one row per resident aged 15 or over of the same synthetic town that `simulate`
  draws (same seed, same residents and addresses, so the frame's postcodes are those of the synthetic
  postcode table): a pseudonymous `person_id` ("P" + 8 digits, never a BSN-like number), the PC6 `postcode`,
  the `age` in whole years on the CBS reference date, the `sex` (M/V, drawn by age band) and the letter
  `language` (nl, en for a few). Ages follow the CBS age shares per area, so the frame is calibrated on the
  CBS counts.
- `synthetic_answers` decides who of a drawn sample responds (by age band and district), by which mode, who
  stops part-way, and the answers, following the questionnaire's routing. Answers are drawn from the
  probabilities of the `[survey]` section of `data/synthetic_assumptions.toml`, with the planted effects
  by district and age band; `planted_proportions` gives those probabilities back, so tests and the demo can
  check that the estimates recover them. Open answers are stock phrases on a theme, never about a person.

District names are data: the effects are keyed by the workspace's district names, with a default for any
other. Pure functions (no I/O), except `write_frame`, which writes the frame file and its mapping.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import wijkloket.synthetic.population as population
from wijkloket.ages import AGE_BANDS, LABELS
from wijkloket.config import check_gemeente_code
from wijkloket.errors import ConfigError
from wijkloket.survey.questionnaire import CHOICE_TYPES, Question, Questionnaire
from wijkloket.synthetic.propensities import BUILT_IN, Assumption

SECTION = "survey"
MIN_AGE = 15
FRAME_COLUMNS = ("person_id", "postcode", "age", "sex", "language")
FRAME_FILE = "steekproefkader.csv"
FRAME_MAPPING = "steekproefkader_mapping.toml"
MODES = ("web", "paper", "phone")
MAX_CHOICE_P = 0.95
P_OWN_THEME = 0.6
P_SECOND_PHRASE = 0.25
DEFAULT = "default"
NAMES = ("share_women", "share_english", "response_by_age", "response_by_district", "mode", "partial_share",
         "answers.base", "answers.by_district", "answers.by_age", "answers.exclusive", "answers.by_band",
         "answers.by_sex", "numbers", "open_answers", "open_phrases", "open_theme_of")


@dataclass(frozen=True)
class SurveyAssumptions:
    """The `[survey]` assumptions by name (`answers.base`, ...), each with its value and source."""

    items: Mapping[str, Assumption]
    file: str

    def __getitem__(self, key: str) -> Any:
        return self.items[key].value


def _flatten(node: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """The [survey.x] and [survey.x.y] tables as {"x": entry, "x.y": entry}: an entry has a `value`."""
    out: dict[str, Any] = {}
    for key, sub in node.items():
        name = f"{prefix}{key}"
        if isinstance(sub, dict) and "value" not in sub:
            out.update(_flatten(sub, name + "."))
        else:
            out[name] = sub
    return out


def parse_survey_assumptions(text: str, where: str) -> SurveyAssumptions:
    """The `[survey]` section of an assumptions file: every name of `NAMES`, each a table with `value` and
    `source` (and optionally `note`); shares between 0 and 1."""
    try:
        raw = tomllib.loads(text).get(SECTION, {})
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError("error.toml_invalid", file=where, detail=str(exc)) from None
    found = _flatten(raw)
    items: dict[str, Assumption] = {}
    for name in NAMES:
        entry = found.get(name)
        if not isinstance(entry, dict) or "value" not in entry or not str(entry.get("source", "")).strip():
            raise ConfigError("error.registry_missing_field", file=where, entry=f"{SECTION}.{name}",
                              field="value" if not isinstance(entry, dict) or "value" not in entry else "source")
        items[name] = Assumption(entry["value"], entry["source"], entry.get("note", ""))
    for name in sorted(set(found) - set(NAMES)):
        raise ConfigError("error.registry_bad_value", file=where, entry=f"{SECTION}.{name}", field=name, value="",
                          expected=", ".join(NAMES))
    shares = [("share_women", v) for v in items["share_women"].value.values()]
    shares += [("response_by_age", v) for v in items["response_by_age"].value.values()]
    shares += [(name, items[name].value) for name in ("partial_share", "share_english")]
    for name, v in shares:
        if isinstance(v, bool) or not isinstance(v, int | float) or not 0 <= v <= 1:
            raise ConfigError("error.registry_bad_value", file=where, entry=f"{SECTION}.{name}", field="value",
                              value=str(v)[:80], expected="a fraction from 0 to 1")
    return SurveyAssumptions(items, where)


@lru_cache(maxsize=1)
def default_survey_assumptions() -> SurveyAssumptions:
    text = resources.files("wijkloket.data").joinpath(BUILT_IN).read_text("utf-8")
    return parse_survey_assumptions(text, BUILT_IN)


# --- the sampling frame ---------------------------------------------------------------------------------


def age_band_labels(age: np.ndarray) -> np.ndarray:
    """The CBS band label (`wijkloket.ages`) of each age in whole years."""
    highs = np.array([b.high for b in AGE_BANDS])
    return np.array(LABELS, dtype=object)[np.searchsorted(highs, age, side="right")]


def synthetic_frame(areas: pd.DataFrame, gemeente: str, seed: int,
                    assumptions: SurveyAssumptions | None = None) -> pd.DataFrame:
    """The residents aged 15+ of the synthetic town of `simulate(areas, gemeente, ..., seed)`: columns
    `person_id`, `postcode` (PC6 without space), `age` (whole years on 1 January 2024), `sex` (M/V),
    `language` (nl/en), and
    `area_code` (the CBS area, for tests and the planted truth; `write_frame` leaves it out). Rows in
    `person_id` order, which says nothing about where a resident lives."""
    gemeente = check_gemeente_code(gemeente)
    a = assumptions or default_survey_assumptions()
    ar = population.prepare_areas(areas, gemeente)
    # the same streams, in the same order, as synthetic.exports.simulate: the same residents and addresses
    rng_addr, rng_people = (np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(6)[:2])
    addr = population.layout_addresses(ar.households, gemeente, rng_addr)
    pp = population.draw_people(ar, addr, rng_people)
    keep = pp.age_ref >= MIN_AGE
    age = np.floor(pp.age_ref[keep]).astype(np.int64)
    band = age_band_labels(age)
    rng = np.random.default_rng([int(seed), 1510])  # a stream of its own: the desk exports stay as they are
    women = pd.Series(band).map(a["share_women"]).fillna(0.5).to_numpy(dtype=float)
    sex = np.where(rng.random(len(age)) < women, "V", "M").astype(object)
    language = np.where(rng.random(len(age)) < float(a["share_english"]), "en", "nl").astype(object)
    number = rng.permutation(len(age)) + 1
    where = pp.address[keep]
    frame = pd.DataFrame({
        "person_id": np.char.add("P", np.char.zfill(number.astype(str), 8)).astype(object),
        "postcode": addr.pc4[where].astype(str).astype(object) + addr.letters[where],
        "age": age,
        "sex": sex,
        "language": language,
        "area_code": np.array(ar.codes, dtype=object)[pp.area[keep]],
    })
    return frame.sort_values("person_id", kind="stable").reset_index(drop=True)


def frame_mapping(seed: int) -> str:
    return (
        f"# Synthetic sampling frame: made by wijkloket simulate (seed {seed}). Not real residents.\n"
        "# Synthetisch steekproefkader: gemaakt door wijkloket simulate. Geen echte inwoners.\n"
        "# One row per resident aged 15 or over; the postcodes are those of the synthetic postcode table.\n"
        "[file]\n"
        'encoding = "utf-8"\n'
        'delimiter = ","\n'
        "synthetic = true\n"
        "[columns]\n"
        'person_id = "person_id"\n'
        'postcode = "postcode"\n'
        'age = "age"\n'
        'sex = "sex"\n'
        'language = "language"\n'
    )


def write_frame(frame: pd.DataFrame, out_dir: Path, seed: int) -> tuple[Path, Path]:
    """Write `steekproefkader.csv` (UTF-8, ',', a `Synthetisch` column) and its mapping into `out_dir`."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    csv, mapping = out_dir / FRAME_FILE, out_dir / FRAME_MAPPING
    frame.loc[:, list(FRAME_COLUMNS)].assign(Synthetisch="ja").to_csv(csv, index=False, encoding="utf-8",
                                                                      lineterminator="\n")
    mapping.write_text(frame_mapping(seed), encoding="utf-8", newline="\n")
    return csv, mapping


# --- answers ----------------------------------------------------------------------------------------------


def _codes(q: Question) -> tuple[str, ...]:
    if q.type == "scale":
        return tuple(str(v) for v in range(int(q.min or 0), int(q.max or 0) + 1))
    return q.codes()


def _factor(table: Mapping[str, Any], group: str, qid: str, code: str) -> float:
    per = table.get(group, table.get(DEFAULT, {}))
    return float(per.get(qid, {}).get(code, 1.0))


def _probabilities(q: Question, district: str, band: str, sex: str, a: SurveyAssumptions) -> np.ndarray:
    """The planted probability of each answer code of choice or scale question `q` for a resident of
    `district`, `band` and `sex`, given that the question is shown: summing to 1 for a single or scale
    question; per option for a multiple one (its exclusive option: that none of the others is chosen)."""
    codes = _codes(q)
    if q.id in a["answers.by_band"]:
        given = a["answers.by_band"][q.id].get(band, {})
        p = np.array([float(given.get(c, 0.0)) for c in codes])
    elif q.id in a["answers.by_sex"]:
        given = a["answers.by_sex"][q.id].get(sex, {})
        p = np.array([float(given.get(c, 0.0)) for c in codes])
    else:
        base = a["answers.base"].get(q.id)
        p = np.array([float(base.get(c, 0.0)) if base else 1.0 / len(codes) for c in codes])
        p *= np.array([_factor(a["answers.by_district"], district, q.id, c) for c in codes])
        p *= np.array([_factor(a["answers.by_age"], band, q.id, c) for c in codes])
    if q.type != "multiple":
        return p / p.sum() if p.sum() > 0 else np.full(len(codes), 1.0 / len(codes))
    p = np.minimum(p, MAX_CHOICE_P)
    exclusive = a["answers.exclusive"].get(q.id)
    if exclusive in codes:
        at = codes.index(exclusive)
        p[at] = float(np.prod(1 - np.delete(p, at)))
    return p


def _groups(units: pd.DataFrame) -> tuple[np.ndarray, pd.DataFrame]:
    """Each unit's index into the table of its distinct (district, age_band, sex)."""
    keys = pd.DataFrame({"district": units["district"].fillna("").astype(str).to_numpy(),
                         "age_band": units["age_band"].astype(str).to_numpy(),
                         "sex": units["sex"].astype(str).to_numpy()})
    index = keys.groupby(list(keys.columns), sort=False).ngroup().to_numpy()
    return index, keys.drop_duplicates().reset_index(drop=True)


def planted_proportions(units: pd.DataFrame, questionnaire: Questionnaire,
                        assumptions: SurveyAssumptions | None = None,
                        by: Sequence[str] = ("district", "age_band")) -> pd.DataFrame:
    """The planted share (0-1) of every answer of every choice and scale question among the units of each
    group of `by`, given that the question is shown: the mean over the units (columns district, age_band,
    sex) of their probabilities. Over a frame it is the population's truth per domain, which weighted
    estimates should recover; columns `*by, question, answer, planted`."""
    a = assumptions or default_survey_assumptions()
    index, groups = _groups(units)
    rows = []
    keys = units[list(by)].reset_index(drop=True).astype(str) if by else pd.DataFrame(index=range(len(units)))
    for q in questionnaire.questions:
        if q.type not in (*CHOICE_TYPES, "scale"):
            continue
        per_group = np.array([_probabilities(q, g.district, g.age_band, g.sex, a) for g in groups.itertuples()])
        p = pd.DataFrame(per_group[index], columns=list(_codes(q)))
        mean = p.groupby([keys[c] for c in by]).mean() if by else p.mean().to_frame().T
        long = mean.stack().rename("planted").reset_index()
        long.columns = [*by, "answer", "planted"] if by else ["_", "answer", "planted"]
        rows.append(long.drop(columns=["_"], errors="ignore").assign(question=q.id))
    out = pd.concat(rows, ignore_index=True)
    return out[[*by, "question", "answer", "planted"]]


def _shown(q: Question, answers: Mapping[str, np.ndarray], n: int) -> np.ndarray:
    """Whether `q` is shown to each respondent: its routing against the earlier answers (an earlier question
    that was not shown has no answer, so chains of routing follow)."""
    if q.show_if is None:
        return np.ones(n, dtype=bool)
    given = answers[q.show_if.question]
    wanted = set(q.show_if.answers)
    return np.array([bool(wanted & set(str(v).split("|"))) if v else False for v in given], dtype=bool)


def _draw_choice(q: Question, probs: np.ndarray, exclusive: str | None, rng: np.random.Generator) -> np.ndarray:
    """Answers to a choice or scale question from per-respondent probabilities (n, k); a multiple question's
    `exclusive` option is chosen exactly when no other option is."""
    codes = np.array(_codes(q), dtype=object)
    n = len(probs)
    if q.type != "multiple":
        pick = (rng.random((n, 1)) > np.cumsum(probs, axis=1)).sum(axis=1)
        return codes[np.minimum(pick, len(codes) - 1)]
    chosen = rng.random(probs.shape) < probs
    if exclusive in set(codes):
        i = list(codes).index(exclusive)
        chosen[:, i] = ~np.delete(chosen, i, axis=1).any(axis=1)
    if q.max_choices is not None:
        for r in np.flatnonzero(chosen.sum(axis=1) > q.max_choices):
            on = np.flatnonzero(chosen[r])
            chosen[r] = False
            chosen[r, rng.choice(on, q.max_choices, replace=False)] = True
    return np.array(["|".join(codes[row]) for row in chosen], dtype=object)


def _draw_number(q: Question, district: np.ndarray, a: SurveyAssumptions, rng: np.random.Generator) -> np.ndarray:
    spec = a["numbers"].get(q.id, {})
    mean, sd = float(spec.get("mean", 10.0)), float(spec.get("sd", 5.0))
    factor = np.array([float(spec.get(d, spec.get(DEFAULT, 1.0))) for d in district])
    lo = q.min if q.min is not None else 0.0
    hi = q.max if q.max is not None else math.inf
    value = np.clip(np.round(rng.normal(mean * factor, sd)), lo, hi).astype(np.int64).astype(str).astype(object)
    value[rng.random(len(value)) < float(spec.get("missing", 0.0))] = ""
    return value


def _draw_open(q: Question, answers: Mapping[str, np.ndarray], language: np.ndarray, a: SurveyAssumptions,
               rng: np.random.Generator) -> np.ndarray:
    """Stock phrases on a theme for the share of respondents who write something: with probability 0.6 on
    a theme of their own answers (a barrier, a home-visit preference), else on any theme."""
    phrases: Mapping[str, Mapping[str, list[str]]] = a["open_phrases"]
    theme_of: Mapping[str, str] = a["open_theme_of"]
    themes = sorted(phrases)
    n = len(language)
    out = np.full(n, "", dtype=object)
    writes = np.flatnonzero(rng.random(n) < float(a["open_answers"].get(q.id, 0.0)))
    given = [v for qid, v in answers.items() if qid != q.id]
    for r in writes:
        own = sorted({theme_of[c] for v in given for c in str(v[r]).split("|") if c in theme_of})
        first = str(rng.choice(own)) if own and rng.random() < P_OWN_THEME else str(rng.choice(themes))
        picked = [first] + ([str(rng.choice(themes))] if rng.random() < P_SECOND_PHRASE else [])
        lang = "en" if language[r] == "en" else "nl"
        texts = [str(rng.choice(phrases[t][lang])) for t in dict.fromkeys(picked)]
        out[r] = " ".join(texts)[: q.max_length or None]
    return out


def _respond(units: pd.DataFrame, a: SurveyAssumptions, rng: np.random.Generator) -> np.ndarray:
    by_age = units["age_band"].astype(str).map(a["response_by_age"]).fillna(0.3).to_numpy(dtype=float)
    per_district: Mapping[str, float] = a["response_by_district"]
    factor = units["district"].fillna("").astype(str).map(
        lambda d: per_district.get(d, per_district.get(DEFAULT, 1.0))).to_numpy(dtype=float)
    return rng.random(len(units)) < np.clip(by_age * factor, 0.0, 0.95)


def _modes(band: np.ndarray, a: SurveyAssumptions, rng: np.random.Generator) -> np.ndarray:
    table: Mapping[str, Mapping[str, float]] = a["mode"]
    probs = np.array([[float(table.get(b, table[DEFAULT]).get(m, 0.0)) for m in MODES] for b in band])
    probs = probs / probs.sum(axis=1, keepdims=True)
    pick = (rng.random((len(band), 1)) > np.cumsum(probs, axis=1)).sum(axis=1)
    return np.array(MODES, dtype=object)[np.minimum(pick, len(MODES) - 1)]


def synthetic_answers(sample: pd.DataFrame, questionnaire: Questionnaire,
                      assumptions: SurveyAssumptions | None = None, seed: int = 0,
                      partial: bool = True) -> pd.DataFrame:
    """The responses of the drawn `sample` (columns code, district, age_band, sex M/V, language nl/en) in the
    entry format of `survey enter`: one row per respondent with `code`, `mode` (web, paper, phone) and one
    column per question id (multiple choices as codes joined by '|', empty when not shown or not answered).
    A partial response (web, `partial_share`) leaves every question after a random point empty."""
    a = assumptions or default_survey_assumptions()
    rng = np.random.default_rng([int(seed), 2027])
    units = sample[_respond(sample, a, rng)].reset_index(drop=True)
    n = len(units)
    band = units["age_band"].astype(str).to_numpy()
    mode = _modes(band, a, rng)
    stop = np.full(n, len(questionnaire.questions))
    quits = (mode == "web") & (rng.random(n) < float(a["partial_share"])) if partial else np.zeros(n, dtype=bool)
    stop[quits] = rng.integers(1, len(questionnaire.questions), int(quits.sum()))
    index, groups = _groups(units)
    district = units["district"].fillna("").astype(str).to_numpy()
    answers: dict[str, np.ndarray] = {}
    for i, q in enumerate(questionnaire.questions):
        if q.type in (*CHOICE_TYPES, "scale"):
            per_group = np.array([_probabilities(q, g.district, g.age_band, g.sex, a) for g in groups.itertuples()])
            values = _draw_choice(q, per_group[index].reshape(n, -1), a["answers.exclusive"].get(q.id), rng)
        elif q.type == "number":
            values = _draw_number(q, district, a, rng)
        else:
            values = _draw_open(q, answers, units["language"].astype(str).to_numpy(), a, rng)
        values[~_shown(q, answers, n) | (stop <= i)] = ""
        answers[q.id] = values
    return pd.DataFrame({"code": units["code"].to_numpy(), "mode": mode, **answers})
