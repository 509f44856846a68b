"""The CSV column `synthetic` is per row and follows that row's inputs, on the demo workspace (real CBS
data, a synthetic desk log and issuance list): the expected flags come from the source inventory
(`sources --format csv`: which inputs are marked synthetic in their files), not from the results."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

Cli = Callable[..., tuple[int, str, str]]
RATE_METRICS = {"visits_demand", "visits_served", "unserved_visits", "cost_per_visit", "travel_hours_saved",
                "cost_per_travel_hour"}


def _csv(cli: Cli, *args: str) -> pd.DataFrame:
    code, out, err = cli(*args, "--format", "csv")
    assert code == 0, err
    return pd.read_csv(io.StringIO(out))




def _inputs(cli: Cli, ws: Path) -> dict[str, bool]:
    """Per kind of input: whether any of its sources is marked synthetic."""
    sources = _csv(cli, "sources", "-w", str(ws))
    return {str(k): bool(v) for k, v in sources.groupby("kind")["synthetic"].any().items()}


def test_the_demo_has_real_cbs_and_a_synthetic_log(demo_ws: Path, cli: Cli) -> None:
    inputs = _inputs(cli, demo_ws)
    assert inputs["visit"] and inputs["issuance"]
    assert not any(v for k, v in inputs.items() if k.startswith("cbs_"))


def test_profile_rows_rest_on_cbs_only(demo_ws: Path, cli: Cli) -> None:
    rows = _csv(cli, "profile", "--level", "all", "-w", str(demo_ws))
    assert len(rows) > 0 and not rows["synthetic"].any()


@pytest.mark.parametrize(("command", "kind"), [("usage", "visit"), ("issuances", "issuance")])
def test_desk_rows_rest_on_the_log(command: str, kind: str, demo_ws: Path, cli: Cli) -> None:
    inputs = _inputs(cli, demo_ws)
    rows = _csv(cli, command, "--level", "all", "-w", str(demo_ws))
    expected = inputs[kind] or inputs.get("postcodes", False)
    assert len(rows) > 0 and set(rows["synthetic"]) == {expected}


def test_access_rows_rest_on_the_points(demo_ws: Path, cli: Cli) -> None:
    inputs = _inputs(cli, demo_ws)
    rows = _csv(cli, "access", "--level", "all", "-w", str(demo_ws))
    assert len(rows) > 0 and set(rows["synthetic"]) == {inputs["points"]}


def test_option_rows_rest_on_their_own_inputs(demo_ws: Path, cli: Cli) -> None:
    inputs = _inputs(cli, demo_ws)
    rows = _csv(cli, "plan", "options", "--draws", "200", "-w", str(demo_ws))
    uses_points = rows["kind"] != "visibility"
    uses_rate = rows["kind"].isin(["desk", "mobile"]) & rows["metric"].isin(RATE_METRICS)
    expected = (uses_points & inputs["points"]) | (uses_rate & inputs["visit"])
    assert list(rows["synthetic"]) == list(expected)
    # A campaign's figures rest on CBS and the scenario only; a desk's visits on the synthetic log.
    assert not rows.loc[rows["kind"] == "visibility", "synthetic"].any()
    assert rows.loc[(rows["kind"] == "desk") & (rows["metric"] == "visits_served"), "synthetic"].all()


def test_locate_rows_rest_on_the_points(demo_ws: Path, cli: Cli) -> None:
    inputs = _inputs(cli, demo_ws)
    rows = _csv(cli, "plan", "locate", "-w", str(demo_ws))
    assert set(rows["synthetic"]) == {inputs["points"]}
    assert set(rows["objective_unit"]) == {"resident-minutes"}
