"""The fetch client against a local recorded-response server (tests/fixtures/http_server.py): paging by
the server's next links, retries on 429 / 5xx / cut-off and invalid bodies, the revalidating cache
(ETag, Last-Modified), offline mode and a missing network. Nothing here reaches the internet: the
endpoints point at a closed local port unless a test gives its own server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest
from fixtures.http_server import RecordedServer, Reply, closed_port_url, recorded_server

from wijkloket.errors import WorkspaceError
from wijkloket.i18n import render_error
from wijkloket.sources import http
from wijkloket.sources.http import FetchClient, full_url, odata_root, pdok_root

__all__ = ["recorded_server"]

VALUE = {"odata.metadata": "x", "value": [{"WijkenEnBuurten": "GM0392    ", "AantalInwoners_5": 162902}]}


@pytest.fixture(autouse=True)
def _no_internet(monkeypatch: pytest.MonkeyPatch) -> None:
    """The default endpoints are the real ones: point both at a closed local port."""
    dead = closed_port_url()
    monkeypatch.setenv(http.ODATA_ENV, dead + "/ODataApi/odata")
    monkeypatch.setenv(http.PDOK_ENV, dead)


class Sleeps(list[float]):
    """A fake `sleep` that records the waits."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def client(tmp_path: Path, sleeps: Sleeps) -> Iterator[FetchClient]:
    with FetchClient(tmp_path / "cache", timeout=5.0, sleep=sleeps) as c:
        yield c


# -- endpoints -------------------------------------------------------------------------------------------

def test_roots_default_and_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(http.ODATA_ENV)
    monkeypatch.delenv(http.PDOK_ENV)
    assert odata_root() == "https://opendata.cbs.nl/ODataApi/odata"
    assert pdok_root() == "https://api.pdok.nl"
    monkeypatch.setenv(http.ODATA_ENV, "http://mirror.example/odata/")
    monkeypatch.setenv(http.PDOK_ENV, "http://mirror.example/pdok/")
    assert odata_root() == "http://mirror.example/odata"
    assert pdok_root() == "http://mirror.example/pdok"


def test_params_are_added_to_the_query_the_url_has() -> None:
    url = full_url("http://h/T/TypedDataSet?$format=json", {"$filter": "(WijkenEnBuurten eq 'GM0392    ')"})
    assert url == ("http://h/T/TypedDataSet?%24format=json"
                   "&%24filter=%28WijkenEnBuurten+eq+%27GM0392++++%27%29")


# -- the recorded server itself ---------------------------------------------------------------------------

def test_recorded_server_matches_routes_and_serves_replies_in_turn(recorded_server: RecordedServer,
                                                                   client: FetchClient) -> None:
    recorded_server.route("/q?b=2&a=1", Reply(200, {"exact": 1}))
    recorded_server.route("/q", Reply(200, {"any": 1}), Reply(200, {"any": 2}))
    recorded_server.route(lambda path: path.startswith("/m/"), Reply(200, {"matcher": 1}))
    base = recorded_server.url
    assert client.get_json(base + "/q", {"a": "1", "b": "2"}) == {"exact": 1}  # order does not matter
    assert [client.get_json(base + "/q", {"c": str(i)}) for i in range(3)] == [{"any": 1}, {"any": 2}, {"any": 2}]
    assert client.get_json(base + "/m/x") == {"matcher": 1}
    with pytest.raises(WorkspaceError) as err:
        client.get_json(base + "/nothing")
    assert err.value.params["status"] == 404
    assert (recorded_server.count("/q"), recorded_server.count("/q?a=1&b=2"), recorded_server.count()) == (4, 1, 6)


# -- paging ----------------------------------------------------------------------------------------------

def _feature_pages(server: RecordedServer, last: Reply | None = None) -> None:
    """Three GeoJSON pages; the next links carry opaque cursors (no offset to compute), the second one
    relative, the third absolute."""
    items = "/cbs/wijken-en-buurten-2024/ogc/v1/collections/buurten/items"
    page1 = {"type": "FeatureCollection", "numberMatched": 5, "features": [{"id": 1}, {"id": 2}],
             "links": [{"rel": "next", "href": "items?f=json&cursor=Zk9P"}]}
    page2 = {"type": "FeatureCollection", "numberMatched": 5, "features": [{"id": 3}, {"id": 4}],
             "links": [{"rel": "self", "href": "x"},
                       {"rel": "next", "href": server.url + items + "?f=json&cursor=YmFy"}]}
    page3 = {"type": "FeatureCollection", "numberMatched": 5, "features": [{"id": 5}], "links": []}
    server.route(items + "?f=json&limit=2", Reply(200, page1, {"ETag": '"p1"'}))
    server.route(items + "?f=json&cursor=Zk9P", Reply(200, page2, {"ETag": '"p2"'}))
    server.route(items + "?f=json&cursor=YmFy", last or Reply(200, page3, {"ETag": '"p3"'}))


def _next(page: dict[str, Any]) -> str | None:
    return next((link["href"] for link in page["links"] if link["rel"] == "next"), None)


ITEMS = "/cbs/wijken-en-buurten-2024/ogc/v1/collections/buurten/items"


def test_pages_follow_the_next_links(recorded_server: RecordedServer, tmp_path: Path) -> None:
    _feature_pages(recorded_server)
    seen: list[tuple[str, int, int | None]] = []
    client = FetchClient(tmp_path, progress=lambda what, done, total: seen.append((what, done, total)))
    pages = list(client.pages(recorded_server.url + ITEMS, {"f": "json", "limit": "2"}, _next, "buurten"))
    assert [f["id"] for p in pages for f in p["features"]] == [1, 2, 3, 4, 5]
    assert [r.path for r in recorded_server.requests] == [
        ITEMS + "?f=json&limit=2", ITEMS + "?f=json&cursor=Zk9P", ITEMS + "?f=json&cursor=YmFy"]
    assert seen == [("buurten", 2, 5), ("buurten", 4, 5), ("buurten", 5, 5)]
    assert client.last_stats == {"requests": 3, "from_cache": 0, "retries": 0}


def test_an_interrupted_run_resumes_from_the_cache(recorded_server: RecordedServer, tmp_path: Path,
                                                   sleeps: Sleeps) -> None:
    _feature_pages(recorded_server, last=Reply(503))
    client = FetchClient(tmp_path, retries=1, sleep=sleeps)
    got: list[int] = []
    with pytest.raises(WorkspaceError) as err:
        for page in client.pages(recorded_server.url + ITEMS, {"f": "json", "limit": "2"}, _next, "buurten"):
            got += [f["id"] for f in page["features"]]
    assert err.value.code == "error.fetch_failed"
    assert got == [1, 2, 3, 4]
    _feature_pages(recorded_server)  # the server is back
    before = recorded_server.count()
    pages = list(client.pages(recorded_server.url + ITEMS, {"f": "json", "limit": "2"}, _next, "buurten"))
    assert [f["id"] for p in pages for f in p["features"]] == [1, 2, 3, 4, 5]
    again = recorded_server.requests[before:]
    # pages 1 and 2 only revalidated (304, body from the cache), page 3 downloaded
    assert [r.headers.get("if-none-match") for r in again] == ['"p1"', '"p2"', None]
    assert client.last_stats == {"requests": 3, "from_cache": 2, "retries": 0}


def test_a_next_link_back_to_a_fetched_page_stops(recorded_server: RecordedServer, client: FetchClient) -> None:
    recorded_server.route("/loop", Reply(200, {"value": [], "odata.nextLink": "/loop"}))
    with pytest.raises(WorkspaceError) as err:
        list(client.pages(recorded_server.url + "/loop", None, lambda p: p.get("odata.nextLink"), "loop"))
    assert err.value.code == "error.fetch_next_loop"
    assert recorded_server.count("/loop") == 1


# -- retries ---------------------------------------------------------------------------------------------

def test_429_then_success_waits_as_retry_after_says(recorded_server: RecordedServer, client: FetchClient,
                                                    sleeps: Sleeps) -> None:
    recorded_server.route("/t", Reply(429, headers={"Retry-After": "7"}), Reply(200, VALUE))
    assert client.get_json(recorded_server.url + "/t") == VALUE
    assert sleeps == [7.0]
    assert recorded_server.count("/t") == 2
    assert client.last_stats == {"requests": 2, "from_cache": 0, "retries": 1}


def test_retry_after_is_capped_and_may_be_a_date(recorded_server: RecordedServer, client: FetchClient,
                                                 sleeps: Sleeps) -> None:
    soon = format_datetime(datetime.now(UTC) + timedelta(seconds=20), usegmt=True)
    recorded_server.route("/t", Reply(429, headers={"Retry-After": "3600"}),
                          Reply(503, headers={"Retry-After": soon}), Reply(200, VALUE))
    assert client.get_json(recorded_server.url + "/t") == VALUE
    assert sleeps[0] == http.MAX_WAIT_S == 30.0
    assert 15.0 <= sleeps[1] <= 20.0  # an HTTP date has whole seconds; the test takes a moment


def test_500_then_success_backs_off(recorded_server: RecordedServer, client: FetchClient, sleeps: Sleeps) -> None:
    recorded_server.route("/t", Reply(500, b"Internal Server Error"), Reply(502), Reply(200, VALUE))
    assert client.get_json(recorded_server.url + "/t") == VALUE
    assert sleeps == [0.5, 1.0]  # backoff_s * 2**attempt
    assert client.last_stats["retries"] == 2


def test_a_server_that_keeps_failing_gives_a_clear_error(recorded_server: RecordedServer, client: FetchClient,
                                                         sleeps: Sleeps) -> None:
    recorded_server.route("/t", Reply(503))
    with pytest.raises(WorkspaceError) as err:
        client.get_json(recorded_server.url + "/t")
    assert err.value.code == "error.fetch_failed"
    assert err.value.params["attempts"] == 5  # 1 + retries=4
    assert sleeps == [0.5, 1.0, 2.0, 4.0]
    assert recorded_server.count("/t") == 5
    assert "127.0.0.1" in render_error(err.value) and "HTTP 503" in render_error(err.value, "en")


def test_a_client_error_is_not_retried(recorded_server: RecordedServer, client: FetchClient,
                                       sleeps: Sleeps) -> None:
    recorded_server.route("/T/TypedDataSet", Reply(404, b"Table not found"))
    with pytest.raises(WorkspaceError) as err:
        client.get_json(recorded_server.url + "/T/TypedDataSet")
    assert (err.value.code, err.value.params["status"]) == ("error.fetch_refused", 404)
    assert "Table not found" in render_error(err.value)
    assert sleeps == [] and recorded_server.count() == 1


def test_a_cut_off_download_then_success(recorded_server: RecordedServer, client: FetchClient,
                                         sleeps: Sleeps) -> None:
    body = json.dumps(VALUE).encode()
    recorded_server.route("/t", Reply(200, body, truncate_at=len(body) // 2), Reply(200, body))
    assert client.get_json(recorded_server.url + "/t") == VALUE
    assert recorded_server.count("/t") == 2 and sleeps == [0.5]


def test_a_truncated_json_body_then_success(recorded_server: RecordedServer, client: FetchClient,
                                            sleeps: Sleeps) -> None:
    body = json.dumps(VALUE).encode()
    recorded_server.route("/t", Reply(200, body[:-7]), Reply(200, body))
    assert client.get_json(recorded_server.url + "/t") == VALUE
    assert recorded_server.count("/t") == 2 and sleeps == [0.5]


def test_a_body_that_stays_invalid_names_the_url(recorded_server: RecordedServer, tmp_path: Path,
                                                 sleeps: Sleeps) -> None:
    recorded_server.route("/t", Reply(200, b"<html>Onderhoud</html>", {"Content-Type": "text/html"}))
    client = FetchClient(tmp_path, retries=2, sleep=sleeps)
    with pytest.raises(WorkspaceError) as err:
        client.get_json(recorded_server.url + "/t", {"$format": "json"})
    assert err.value.code == "error.fetch_invalid_json"
    assert err.value.params["url"] == recorded_server.url + "/t?%24format=json"
    assert err.value.params["attempts"] == 3
    assert list(tmp_path.iterdir()) == []  # nothing invalid was cached


# -- the cache -------------------------------------------------------------------------------------------

def test_a_second_fetch_is_a_304_from_the_cache(recorded_server: RecordedServer, client: FetchClient,
                                                tmp_path: Path) -> None:
    recorded_server.route("/T/DataProperties", Reply(200, VALUE, {"ETag": 'W/"v1"'}))
    url = recorded_server.url + "/T/DataProperties"
    assert client.get_json(url, {"$format": "json"}) == VALUE
    assert client.get_json(url, {"$format": "json"}) == VALUE
    first, second = recorded_server.requests
    assert "if-none-match" not in first.headers and second.headers["if-none-match"] == 'W/"v1"'
    assert recorded_server.count("/T/DataProperties") == 2
    assert client.last_stats == {"requests": 1, "from_cache": 1, "retries": 0}
    body, meta = client.cache_paths(url + "?%24format=json")
    assert json.loads(body.read_bytes()) == VALUE
    assert json.loads(meta.read_text("utf-8"))["etag"] == 'W/"v1"'
    assert sorted(p.name for p in (tmp_path / "cache").iterdir()) == sorted([body.name, meta.name])  # no temp files


def test_last_modified_revalidates_too(recorded_server: RecordedServer, client: FetchClient) -> None:
    stamp = "Wed, 26 Mar 2025 23:00:00 GMT"
    recorded_server.route("/t", Reply(200, VALUE, {"Last-Modified": stamp}))
    client.get_json(recorded_server.url + "/t")
    assert client.get_json(recorded_server.url + "/t") == VALUE
    assert recorded_server.requests[1].headers["if-modified-since"] == stamp
    assert client.last_stats["from_cache"] == 1


def test_a_changed_resource_replaces_the_cached_copy(recorded_server: RecordedServer, client: FetchClient) -> None:
    new = {"value": [{"WijkenEnBuurten": "GM0392    ", "AantalInwoners_5": 163000}]}
    recorded_server.route("/t", Reply(200, VALUE, {"ETag": '"v1"'}), Reply(200, new, {"ETag": '"v2"'}))
    client.get_json(recorded_server.url + "/t")
    assert client.get_json(recorded_server.url + "/t") == new
    assert client.get_json(recorded_server.url + "/t") == new  # a 304 against "v2" now
    assert recorded_server.requests[2].headers["if-none-match"] == '"v2"'


def test_a_damaged_cache_file_is_fetched_again(recorded_server: RecordedServer, client: FetchClient) -> None:
    recorded_server.route("/t", Reply(200, VALUE, {"ETag": '"v1"'}))
    url = recorded_server.url + "/t"
    client.get_json(url)
    body, _ = client.cache_paths(url)
    body.write_bytes(b'{"value": [')
    assert client.get_json(url) == VALUE
    assert "if-none-match" not in recorded_server.requests[1].headers


# -- offline and no network ------------------------------------------------------------------------------

def test_offline_uses_only_the_cache(recorded_server: RecordedServer, tmp_path: Path) -> None:
    recorded_server.route("/t", Reply(200, VALUE, {"ETag": '"v1"'}))
    FetchClient(tmp_path).get_json(recorded_server.url + "/t", {"$format": "json"})
    offline = FetchClient(tmp_path, offline=True)
    assert offline.get_json(recorded_server.url + "/t", {"$format": "json"}) == VALUE
    assert recorded_server.count() == 1
    assert offline.last_stats == {"requests": 0, "from_cache": 1, "retries": 0}


def test_offline_without_a_cached_copy_says_what_is_missing(tmp_path: Path) -> None:
    with RecordedServer({"/t": [Reply(200, VALUE)]}) as server:
        with pytest.raises(WorkspaceError) as err:
            FetchClient(tmp_path / "cache", offline=True).get_json(server.url + "/t", {"$format": "json"})
        assert server.count() == 0
    assert err.value.code == "error.fetch_offline_missing"
    assert err.value.params["url"] == server.url + "/t?%24format=json"
    text = render_error(err.value)
    assert "/t?%24format=json" in text and str(tmp_path / "cache") in text and "wijkloket add cbs" in text


def test_no_connection_names_the_host_and_the_fix(tmp_path: Path, sleeps: Sleeps) -> None:
    client = FetchClient(tmp_path, retries=2, sleep=sleeps)
    with pytest.raises(WorkspaceError) as err:
        client.get_json(odata_root() + "/85984NED/TableInfos", {"$format": "json"})
    assert err.value.code == "error.fetch_no_connection"
    assert err.value.params["host"] == "127.0.0.1"
    assert sleeps == [0.5, 1.0] and client.last_stats["requests"] == 3
    nl, en = render_error(err.value, "nl"), render_error(err.value, "en")
    assert nl.startswith("Geen verbinding met 127.0.0.1") and "'wijkloket add cbs BESTAND'" in nl
    assert en.startswith("No connection to 127.0.0.1") and "'wijkloket add cbs FILE'" in en
    assert "WIJKLOKET_CBS_ODATA_URL" in nl
