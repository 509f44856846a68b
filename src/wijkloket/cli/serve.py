"""`wijkloket serve`: the web door (issue 11) on uvicorn: the residents' form, staff pages, dashboard, API.

uvicorn starts `--workers N` processes from an import string, so the app is made by a factory
(`wijkloket.web.app:app_from_environ`) that reads its settings from environment variables set here.
The access log is off: request lines would hold addresses and, from the letter's QR code, invitation codes.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from wijkloket.cli.common import LangOpt, WorkspaceOpt, resolve_lang, say
from wijkloket.errors import WorkspaceError
from wijkloket.web.config import WebConfig

KEEP_ALIVE_S = 75  # seconds an idle connection stays open (as common proxies do)
FACTORY = "wijkloket.web.app:app_from_environ"
app = typer.Typer()


@app.command("serve")
def serve(host: Annotated[str, typer.Option("--host")] = "127.0.0.1",
          port: Annotated[int, typer.Option("--port")] = 8000,
          workers: Annotated[int, typer.Option("--workers")] = 1,
          key: Annotated[Path | None, typer.Option("--key")] = None,
          workspace: WorkspaceOpt = Path("."), lang: LangOpt = None) -> None:
    """Start the web app: the survey form for residents, the staff pages, the dashboard and the API."""
    from wijkloket.usecases import web_sessions

    language = resolve_lang(lang, workspace)
    url = web_sessions.database_url(workspace)
    checked = web_sessions.check_serving(workspace, url, key)
    if workers > 1 and checked.backend_name == "sqlite":
        raise WorkspaceError("error.web_sqlite_workers", workers=workers, url=checked.shown_url,
                             env="WIJKLOKET_SURVEY_DB")
    config = WebConfig(workspace=workspace.resolve(), survey_db_url=url,
                       key_file=None if key is None else key.expanduser().resolve(), lang=language)
    os.environ.update(config.to_environ())
    shown_host = f"[{host}]" if ":" in host else host
    say("cli.serve.url", language, url=f"http://{shown_host}:{port}/", db=checked.shown_url, n=workers)
    if checked.survey is None:
        say("cli.serve.no_survey", language)
    import uvicorn

    # Keep a browser's connection open while the resident reads the next question (uvicorn's default 5 s would
    # close it mid-thought, and a request sent just then would meet a closed connection).
    uvicorn.run(FACTORY, factory=True, host=host, port=port, workers=workers, access_log=False,
                log_level="warning", server_header=False, date_header=False, timeout_keep_alive=KEEP_ALIVE_S)
