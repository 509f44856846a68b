"""schemathesis against the API's own description (`/api/openapi.json`), over the ASGI app (issue 11, point
6): requests generated from the schema, valid and invalid, never give a server error, and every response
matches its documented status, content type and schema."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from test_dashboard import DashApp, shared_app

schemathesis = pytest.importorskip("schemathesis")


@pytest.fixture(scope="module")
def dash(demo_ws: Path, tmp_path_factory: pytest.TempPathFactory) -> DashApp:
    return shared_app(demo_ws, tmp_path_factory.getbasetemp())


def test_no_server_error_on_any_generated_request(dash: DashApp) -> None:
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

    schema = schemathesis.openapi.from_asgi("/api/openapi.json", dash.client.app)
    operations = [result.ok() for result in schema.get_all_operations()]
    operations = [op for op in operations if op.path.startswith("/api/")]
    assert len(operations) == 5
    for by in ("", "?by=district", "?by=age_band", "?by=sex"):  # the survey's estimates take a while once
        assert dash.get(f"/api/survey/results{by}").status_code == 200
    checks = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
    for op in operations:
        @settings(max_examples=30, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))
        @given(case=op.as_strategy())
        def run(case: object) -> None:
            case.call_and_validate(checks=checks, timeout=300)  # type: ignore[attr-defined]

        run()
