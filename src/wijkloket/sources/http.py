"""The HTTP client for open-data APIs (CBS OData v3, PDOK OGC API Features).

- timeouts on every request (`timeout`, seconds);
- retries with exponential backoff (`backoff_s` * 2**attempt, at most `MAX_WAIT_S`) on HTTP 429 and 5xx,
  connection errors, cut-off downloads and bodies that are not valid JSON; a `Retry-After` header
  (seconds or an HTTP date) is honoured, capped at `MAX_WAIT_S`;
- a file cache in `cache_dir`: per URL (query included) a body file and a small meta JSON with the
  response's ETag and Last-Modified, each written atomically (a temporary file in the cache folder,
  then `os.replace`); a later fetch revalidates (If-None-Match / If-Modified-Since) so an unchanged
  resource costs a 304 and is read from the cache;
- `pages()` follows the next links the server gives (never computing offsets) and caches every page by
  its own URL, so an interrupted run resumes where it stopped;
- `offline=True` reads only the cache and says which URL is missing;
- without a network the error says which host cannot be reached and what to do instead.

No personal data goes through this client: it fetches public statistics and boundaries.
"""

from __future__ import annotations

import email.utils
import hashlib
import json
import os
import re
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import httpx

from wijkloket.errors import WorkspaceError

ODATA_ENV = "WIJKLOKET_CBS_ODATA_URL"
PDOK_ENV = "WIJKLOKET_PDOK_URL"
ODATA_DEFAULT = "https://opendata.cbs.nl/ODataApi/odata"
PDOK_DEFAULT = "https://api.pdok.nl"
MAX_WAIT_S = 30.0
"""The longest wait between two attempts, whatever the server's Retry-After says (seconds)."""
USER_AGENT = "wijkloket (open-data fetch)"

Progress = Callable[[str, int, "int | None"], None]


def odata_root() -> str:
    """The CBS OData v3 root: $WIJKLOKET_CBS_ODATA_URL or the default, without a trailing slash."""
    return (os.environ.get(ODATA_ENV) or ODATA_DEFAULT).rstrip("/")


def pdok_root() -> str:
    """The PDOK API root: $WIJKLOKET_PDOK_URL or the default, without a trailing slash."""
    return (os.environ.get(PDOK_ENV) or PDOK_DEFAULT).rstrip("/")


@dataclass
class _Cached:
    data: Any
    etag: str | None
    last_modified: str | None


@dataclass
class _Failure:
    """Why an attempt did not give a usable answer: `kind` is connection | transport | status | json."""

    kind: str
    detail: str
    wait_s: float | None = None  # from Retry-After


class FetchClient:
    """GET JSON with timeouts, retries and a revalidating file cache in `cache_dir` (see the module).

    `progress(what, done, total)` is called after every page of `pages()`: `done` counts the records
    so far when a page holds them as a list under `value` (OData) or `features` (GeoJSON), else the
    pages; `total` is the server's `numberMatched` / `odata.count` when it gives one, else None.
    `last_stats` counts the last `get_json` or `pages` run: requests sent, answers taken from the cache
    (a 304 or offline) and retries; `stats` counts the same over the client's life.
    """

    def __init__(self, cache_dir: Path, offline: bool = False, timeout: float = 30.0, retries: int = 4,
                 backoff_s: float = 0.5, sleep: Callable[[float], None] = time.sleep,
                 progress: Callable[[str, int, int | None], None] | None = None) -> None:
        self.cache_dir = Path(cache_dir)
        self.offline = offline
        self.timeout = timeout
        self.retries = retries
        self.backoff_s = backoff_s
        self.sleep = sleep
        self.progress = progress
        self.last_stats: dict[str, int] = _zero_stats()
        self.stats: dict[str, int] = _zero_stats()
        self._http: httpx.Client | None = None

    # -- public ------------------------------------------------------------------------------------------
    def get_json(self, url: str, params: Mapping[str, str] | None = None) -> Any:
        """The JSON at `url` with `params` added to its query: from the cache when offline or when the
        server answers 304, else downloaded (and cached). Raises WorkspaceError when it cannot."""
        self.last_stats = _zero_stats()
        return self._get(full_url(url, params))

    def pages(self, url: str, params: Mapping[str, str] | None, next_link: Callable[[Any], str | None],
              what: str) -> Iterator[Any]:
        """Every page from `url` on, following `next_link(page)` (a URL, absolute or relative to the page,
        or None on the last page). Each page is cached by its own URL, so a run that was cut off
        revalidates the pages it has and goes on from there."""
        self.last_stats = _zero_stats()
        current: str | None = full_url(url, params)
        seen: set[str] = set()
        done = 0
        while current is not None:
            if current in seen:
                raise WorkspaceError("error.fetch_next_loop", url=current)
            seen.add(current)
            page = self._get(current)
            yield page
            done += _records(page)
            if self.progress is not None:
                self.progress(what, done, _total(page))
            link = next_link(page)
            current = urljoin(current, link) if link else None

    def close(self) -> None:
        if self._http is not None:
            self._http.close()
            self._http = None

    def __enter__(self) -> FetchClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- one resource --------------------------------------------------------------------------------------
    def _get(self, url: str) -> Any:
        cached = self._read_cache(url)
        if self.offline:
            if cached is None:
                raise WorkspaceError("error.fetch_offline_missing", url=url, cache=str(self.cache_dir))
            self._count("from_cache")
            return cached.data
        return self._download(url, cached)

    def _download(self, url: str, cached: _Cached | None) -> Any:
        headers = {}
        if cached is not None and cached.etag:
            headers["If-None-Match"] = cached.etag
        if cached is not None and cached.last_modified:
            headers["If-Modified-Since"] = cached.last_modified
        failures: list[_Failure] = []
        for attempt in range(self.retries + 1):
            if attempt:
                self._count("retries")
                self.sleep(self._wait_s(attempt - 1, failures[-1]))
            outcome = self._attempt(url, headers, cached)
            if not isinstance(outcome, _Failure):
                return outcome[0]
            failures.append(outcome)
        raise _final_error(url, failures)

    def _attempt(self, url: str, headers: Mapping[str, str], cached: _Cached | None) -> tuple[Any] | _Failure:
        """One request: `(data,)` on success, else why not (a status that no retry can mend raises)."""
        self._count("requests")
        try:
            response = self._client().get(url, headers=headers)
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            return _Failure("connection", _detail(exc))
        except httpx.TransportError as exc:  # cut off mid-body, read timeout, ...
            return _Failure("transport", _detail(exc))
        status = response.status_code
        if status == 304 and cached is not None:
            self._count("from_cache")
            return (cached.data,)
        if status == 429 or status >= 500:
            return _Failure("status", f"HTTP {status}", _retry_after_s(response.headers.get("Retry-After")))
        if not 200 <= status < 300:
            raise WorkspaceError("error.fetch_refused", url=url, status=status, detail=_snippet(response.content))
        try:
            data = json.loads(response.content)
        except ValueError as exc:  # includes UnicodeDecodeError
            return _Failure("json", str(exc))
        self._write_cache(url, response)
        return (data,)

    def _wait_s(self, attempt: int, failure: _Failure) -> float:
        wait = failure.wait_s if failure.wait_s is not None else self.backoff_s * 2 ** attempt
        return max(0.0, min(wait, MAX_WAIT_S))

    def _client(self) -> httpx.Client:
        if self._http is None:
            self._http = httpx.Client(timeout=self.timeout, follow_redirects=True,
                                      headers={"User-Agent": USER_AGENT, "Accept": "application/json"})
        return self._http

    def _count(self, name: str) -> None:
        self.last_stats[name] += 1
        self.stats[name] += 1

    # -- the cache -----------------------------------------------------------------------------------------
    def cache_paths(self, url: str) -> tuple[Path, Path]:
        """(body file, meta file) of a full URL in the cache."""
        digest = hashlib.sha256(url.encode("utf-8")).hexdigest()[:24]
        split = httpx.URL(url)
        slug = re.sub(r"[^A-Za-z0-9]+", "_", f"{split.host}{split.path}").strip("_")[-80:]
        stem = f"{slug}-{digest}"
        return self.cache_dir / f"{stem}.body", self.cache_dir / f"{stem}.meta.json"

    def _read_cache(self, url: str) -> _Cached | None:
        body_path, meta_path = self.cache_paths(url)
        try:
            meta = json.loads(meta_path.read_text("utf-8"))
            body = body_path.read_bytes()
            if meta.get("url") != url or meta.get("sha256") != hashlib.sha256(body).hexdigest():
                return None
            return _Cached(json.loads(body), meta.get("etag"), meta.get("last_modified"))
        except (OSError, ValueError):
            return None

    def _write_cache(self, url: str, response: httpx.Response) -> None:
        body_path, meta_path = self.cache_paths(url)
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        meta = {"url": url, "etag": response.headers.get("ETag"),
                "last_modified": response.headers.get("Last-Modified"),
                "fetched_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "sha256": hashlib.sha256(response.content).hexdigest()}
        _write_atomic(body_path, response.content)
        _write_atomic(meta_path, json.dumps(meta, indent=1).encode("utf-8"))


def full_url(url: str, params: Mapping[str, str] | None = None) -> str:
    """`url` with `params` added to the query it already has, percent-encoded as sent."""
    return str(httpx.URL(url).copy_merge_params(dict(params)) if params else httpx.URL(url))


def _write_atomic(path: Path, data: bytes) -> None:
    """Write to a temporary file in the same folder, then rename it over `path` (never half a file)."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _final_error(url: str, failures: list[_Failure]) -> WorkspaceError:
    attempts = len(failures)
    last = failures[-1]
    host = httpx.URL(url).host
    if all(f.kind == "connection" for f in failures):
        return WorkspaceError("error.fetch_no_connection", host=host, url=url, detail=last.detail,
                              odata_env=ODATA_ENV, pdok_env=PDOK_ENV)
    if last.kind == "json":
        return WorkspaceError("error.fetch_invalid_json", url=url, attempts=attempts, detail=last.detail)
    return WorkspaceError("error.fetch_failed", host=host, url=url, attempts=attempts, detail=last.detail)


def _retry_after_s(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header: a number of seconds or an HTTP date (RFC 9110 10.2.3)."""
    if not value:
        return None
    value = value.strip()
    if re.fullmatch(r"\d+(\.\d+)?", value):
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _records(page: Any) -> int:
    if isinstance(page, dict):
        for key in ("value", "features"):
            if isinstance(page.get(key), list):
                return len(page[key])
    return 1


def _total(page: Any) -> int | None:
    if isinstance(page, dict):
        for key in ("numberMatched", "odata.count"):
            value = page.get(key)
            if isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
                return int(value)
    return None


def _detail(exc: Exception) -> str:
    return str(exc) or type(exc).__name__


def _snippet(body: bytes, limit: int = 200) -> str:
    text = body.decode("utf-8", "replace").strip().replace("\n", " ")
    return text if len(text) <= limit else text[:limit] + "..."


def _zero_stats() -> dict[str, int]:
    return {"requests": 0, "from_cache": 0, "retries": 0}
