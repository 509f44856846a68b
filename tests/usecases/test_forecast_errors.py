"""A forecast that cannot be made says why, where, and how to fix it."""

from __future__ import annotations

from pathlib import Path

import pytest

from wijkloket.errors import WijkloketError, WorkspaceError
from wijkloket.i18n import render_error
from wijkloket.usecases import open_workspace
from wijkloket.usecases.forecast import check_months, forecast


def test_no_issuance_list_names_the_workspace_and_the_fix(haarlem_ws: Path) -> None:
    with open_workspace(haarlem_ws) as ws, pytest.raises(WorkspaceError) as exc:
        forecast(ws)
    assert exc.value.code == "error.no_events_issuance"
    text = render_error(exc.value, "nl")
    assert str(haarlem_ws) in text and "wijkloket add issuances" in text


@pytest.mark.parametrize("months", [0, -3, 121])
def test_months_out_of_range(months: int) -> None:
    with pytest.raises(WijkloketError) as exc:
        check_months(months)
    assert exc.value.code == "error.forecast_months"
    assert "1 tot en met 120" in render_error(exc.value, "nl")


def test_months_in_range() -> None:
    check_months(1)
    check_months(120)
