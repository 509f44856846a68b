"""The demo: a whole workspace for the embedded data in one go (CBS data, districts, calibrated
synthetic desk exports, the real service points of the published polling-station list, the report),
and the figures to show afterwards. With `fetch` the CBS files of any municipality come from the internet
(`usecases.fetch`, the same year as the bundled files) instead of the shared data folder."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wijkloket.config import SETTINGS_FILE
from wijkloket.errors import WijkloketError
from wijkloket.indicators.registry import Registry
from wijkloket.sources.points import polling_gemeenten
from wijkloket.store.workspace import Workspace
from wijkloket.usecases import ingest, simulate
from wijkloket.usecases.analysis import Analysis
from wijkloket.usecases.desk import DeskResult
from wijkloket.usecases.fetch import DOWNLOADS, FetchResult, Progress, fetch_cbs
from wijkloket.usecases.plan import LocateOutcome
from wijkloket.usecases.profile import ProfileResult
from wijkloket.usecases.report import write_report

CBS_FILES = ("cbs/wijkenbuurten2024_wijken_haarlem_haarlemmermeer.gpkg", "cbs/kwb2024_gemeente_wijk_basis.csv")
DISTRICT_FILES = {"GM0392": "haarlem/stadsdelen_2024.csv"}
PC4_FILE = "cbs/pc4_2022_income_woz_ses_nl.csv"
PC4_CROSSWALKS = {"GM0392": "haarlem/pc4_2020_x_wijk_2024_area_crosswalk.csv"}
"""CBS postcode figures (2022 income: the share of households in the national bottom 40%) spread to the wijken
with an area crosswalk, where the shared data has one for the gemeente."""
POINTS_FILE = "locations/stemlokalen_tk2023_haarlem_haarlemmermeer.csv"
"""Real public buildings (town halls, libraries, community centres) of Haarlem and Haarlemmermeer."""
STEPS = 9  # CBS x2, districts, simulate, postcodes, visits, issuances, the survey, the report (points: no step)
FETCH_YEAR = 2024  # `demo --fetch`: the year of the bundled CBS files, so the demo shows the same tables
SURVEY_NAME = "behoeftepeiling-synthetisch"
SURVEY_SEED = 11


@dataclass
class DemoEvent:
    """What the demo just did: `fetched` (result), `added` (report, path), `simulated` (result), or a finished
    `step`."""

    kind: str
    report: ingest.AddReport | None = None
    path: Path | None = None
    simulated: Any = None
    fetched: FetchResult | None = None


@dataclass
class DemoResult:
    folder: Path
    profile: ProfileResult
    usage: DeskResult
    located: LocateOutcome
    report: Path
    computed: dict[str, int]
    survey: SurveyDemo | None = None


@dataclass
class SurveyDemo:
    """The survey chain of the demo: invited, answered (rows entered), respondents weighted."""

    name: str
    invited: int
    entered: int
    rejected: int
    weighted: int
    key_file: Path | None = None
    trial_codes: tuple[str, ...] = ()


def demo_key_file(folder: Path, gemeente: str) -> Path:
    """The demo survey's key: in the sibling folder `<demo>-sleutel/`, OUTSIDE the workspace (so the workspace
    alone never yields the codes) and the demo's own (a new demo in the same folder replaces it)."""
    folder = Path(folder).resolve()
    return folder.parent / f"{folder.name}-sleutel" / f"{gemeente}-{SURVEY_NAME}.key"


def survey_chain(folder: Path, areas: Any, gemeente: str, synth_dir: Path, seed: int = 7,
                 n_trial: int = 3) -> SurveyDemo:
    """The needs survey on synthetic data, as a municipality would run it: the synthetic sampling frame
    (`simulate`), the draw with its merge file in a temporary folder OUTSIDE the workspace (deleted at the end)
    and its key in `demo_key_file` (kept, so the survey stays in fieldwork and `wijkloket serve` takes answers),
    synthetic answers for the drawn codes entered as a paper/phone file through `survey enter`, and raking to
    the frame's margins (district x age band, sex). `trial_codes`: codes of `n_trial` units that have not
    answered, to try the web form with (synthetic)."""
    import tempfile

    import pandas as pd

    from wijkloket.store.survey_db import SurveyStore, survey_db_url
    from wijkloket.survey.codes import make_code
    from wijkloket.survey.questionnaire import parse_questionnaire
    from wijkloket.synthetic.survey import synthetic_answers
    from wijkloket.usecases.survey_draw import draw_sample
    from wijkloket.usecases.survey_entry import enter
    from wijkloket.usecases.survey_keys import read_key
    from wijkloket.usecases.survey_weighting import weight

    frame_csv, frame_mapping = simulate.simulate_frame(areas, gemeente, seed, synth_dir)
    key_file = demo_key_file(folder, gemeente)
    key_file.unlink(missing_ok=True)  # an earlier demo's key of the same name: the demo's own
    outside = Path(tempfile.mkdtemp(prefix="wijkloket-demo-survey-"))
    try:
        drawn = draw_sample(folder, frame_csv, outside / "post", mapping_path=frame_mapping, seed=SURVEY_SEED,
                            name=SURVEY_NAME, by="district" if DISTRICT_FILES.get(gemeente) else "wijk",
                            key_file=key_file)
        rec = drawn.survey
        key = read_key(key_file)
        with SurveyStore(survey_db_url(folder)) as db:
            sample = db.sample(rec.survey_id)
        sample = sample.assign(code=[make_code(key, rec.name, int(u)) for u in sample["unit_no"]],
                               district=sample["district"].fillna(sample["stratum"]))
        answers = synthetic_answers(sample, parse_questionnaire(rec.questionnaire_text, rec.name), seed=seed)
        answers_file = outside / "antwoorden_synthetisch.csv"
        pd.DataFrame(answers).to_csv(answers_file, index=False, encoding="utf-8", lineterminator="\n")
        entered = enter(folder, gemeente, answers_file, "paper", rec.name, key_file)
        weighted = weight(folder, gemeente, rec.name, "district*age_band,sex" if drawn.level == "district"
                          else "age_band,sex", "frame")
        trial = tuple(sample.loc[~sample["code"].isin(answers["code"]), "code"].head(n_trial))
        return SurveyDemo(rec.name, len(sample), entered.accepted, entered.rows_rejected, len(weighted.weights),
                          key_file, trial)
    finally:
        shutil.rmtree(outside, ignore_errors=True)


def fetch_demo_files(folder: Path, gemeente: str, registry: Registry, progress: Progress | None,
                     on_event: Callable[[DemoEvent], None]) -> list[Path]:
    """`demo --fetch`: the CBS files of `gemeente` fetched to a temporary folder first (so a failed fetch leaves
    an earlier demo as it was), then the demo folder made afresh and the files moved to its `downloads/cbs/`."""
    staging = Path(tempfile.mkdtemp(prefix="wijkloket-demo-fetch-"))
    try:
        fetched = fetch_cbs(None, gemeente, FETCH_YEAR, "wijk", staging, add=False, offline=False, progress=progress,
                            registry=registry)
        _fresh(folder)
        target = folder / DOWNLOADS
        target.mkdir(parents=True, exist_ok=True)
        for f in staging.iterdir():
            shutil.move(str(f), target / f.name)
        for file in fetched.files:
            file.path = target / file.path.name
        fetched.folder = target
        on_event(DemoEvent("fetched", fetched=fetched))
        return [f.path for f in fetched.files]
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _fresh(folder: Path) -> None:
    if (folder / SETTINGS_FILE).exists():
        shutil.rmtree(folder)


def run_demo(folder: Path, gemeente: str, lang: str, registry: Registry, data: Path,
             on_event: Callable[[DemoEvent], None] = lambda e: None, fetch: bool = False,
             progress: Progress | None = None) -> DemoResult:
    """Build the demo workspace in `folder` (replacing an earlier demo there) from the shared data
    in `data` (with `fetch`: its CBS files from the internet, see `fetch_demo_files`). Desk logs do not exist
    as open data: the demo makes calibrated synthetic ones and reads them through the same import path a
    municipality would use. The service points are the real desks, libraries and community centres of the
    polling-station list (`POINTS_FILE`) read as published; only a municipality without rows there gets
    synthetic points."""
    if fetch:
        cbs_files = fetch_demo_files(folder, gemeente, registry, progress, on_event)
    else:
        cbs_files = [data / f for f in CBS_FILES]
        if not all(p.exists() for p in cbs_files):
            raise WijkloketError("error.demo_data_missing", folder=str(data))
        _fresh(folder)
    ingest.init_workspace(folder, gemeente, lang)

    def added(report: ingest.AddReport, path: Path) -> None:
        on_event(DemoEvent("added", report, path))

    with Workspace(folder) as ws:
        for f in cbs_files:
            added(ingest.add_cbs(ws, f, registry), f)
            on_event(DemoEvent("step"))
        district_file = data / DISTRICT_FILES.get(gemeente, "-")
        if gemeente in DISTRICT_FILES and district_file.exists():
            added(ingest.add_districts(ws, district_file), district_file)
        pc4_file, crosswalk = data / PC4_FILE, data / PC4_CROSSWALKS.get(gemeente, "-")
        if not fetch and gemeente in PC4_CROSSWALKS and pc4_file.exists() and crosswalk.exists():
            added(ingest.add_cbs(ws, pc4_file, registry, crosswalk=crosswalk), pc4_file)
        on_event(DemoEvent("step"))
        synth_dir = folder / "synthetisch"
        areas, name = simulate.simulation_areas(gemeente, registry, cbs_files, ws)
        synth = simulate.simulate_exports(areas, gemeente, name, (2019, 2025), 7, synth_dir)
        on_event(DemoEvent("simulated", simulated=synth, path=synth_dir))
        on_event(DemoEvent("step"))
        added(ingest.add_postcodes(ws, synth.postcodes_csv), synth.postcodes_csv)
        on_event(DemoEvent("step"))
        for kind, file, mapping in (("visit", synth.visits_csv, synth.visits_mapping),
                                    ("issuance", synth.issuances_xlsx, synth.issuances_mapping)):
            added(ingest.add_log(ws, file, mapping, kind).add, file)
            on_event(DemoEvent("step"))
        points_file = demo_points_file(ws, data, synth_dir)
        added(ingest.add_points(ws, points_file).add, points_file)
    survey = survey_chain(folder, areas, gemeente, synth_dir)
    on_event(DemoEvent("step"))
    with Workspace(folder, read_only=True) as ws:
        an = Analysis(ws, registry)
        path = write_report(ws, registry, folder / "out", lang, analysis=an)
        on_event(DemoEvent("step"))
        return DemoResult(folder, an.profile(), an.desk("visit"), an.locate(1), path, dict(an.computed), survey)


def demo_points_file(ws: Workspace, data: Path, synth_dir: Path) -> Path:
    """The published polling-station list when it has rows of the workspace's municipality; else
    synthetic service points written to `synth_dir` (labelled so in the file and the report)."""
    real = data / POINTS_FILE
    if real.exists() and ws.gemeente in polling_gemeenten(real):
        return real
    return simulate.simulate_points(ws, synth_dir)
