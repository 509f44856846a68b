"""The settings of one web app: built by `wijkloket serve` (and by tests), passed to `create_app`.

`wijkloket serve --workers N` starts the app in N processes through an import string, so the settings go to
each process through environment variables (`to_environ` / `from_environ`)."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

ENV_PREFIX = "WIJKLOKET_WEB_"


@dataclass
class WebConfig:
    workspace: Path
    survey_db_url: str
    key_file: Path | None
    lang: str = "nl"
    session_minutes: int = 30
    max_body: int = 256_000  # bytes of a request body
    code_attempts: int = 10  # per client per `throttle_minutes`
    throttle_minutes: int = 15
    # signs the CSRF token of forms shown before a session exists; shared by all worker processes
    secret: str = field(default_factory=lambda: secrets.token_hex(32), repr=False)

    def to_environ(self) -> dict[str, str]:
        return {
            ENV_PREFIX + "WORKSPACE": str(self.workspace), ENV_PREFIX + "DB": self.survey_db_url,
            ENV_PREFIX + "KEY": "" if self.key_file is None else str(self.key_file), ENV_PREFIX + "LANG": self.lang,
            ENV_PREFIX + "SESSION_MINUTES": str(self.session_minutes), ENV_PREFIX + "MAX_BODY": str(self.max_body),
            ENV_PREFIX + "CODE_ATTEMPTS": str(self.code_attempts), ENV_PREFIX + "SECRET": self.secret,
        }

    @classmethod
    def from_environ(cls, env: Mapping[str, str] | None = None) -> WebConfig:
        e = os.environ if env is None else env
        key = e.get(ENV_PREFIX + "KEY", "")
        return cls(workspace=Path(e[ENV_PREFIX + "WORKSPACE"]), survey_db_url=e[ENV_PREFIX + "DB"],
                   key_file=Path(key) if key else None, lang=e.get(ENV_PREFIX + "LANG", "nl"),
                   session_minutes=int(e.get(ENV_PREFIX + "SESSION_MINUTES", "30")),
                   max_body=int(e.get(ENV_PREFIX + "MAX_BODY", "256000")),
                   code_attempts=int(e.get(ENV_PREFIX + "CODE_ATTEMPTS", "10")),
                   secret=e.get(ENV_PREFIX + "SECRET") or secrets.token_hex(32))
