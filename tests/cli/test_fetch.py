"""`wijkloket fetch cbs` and `wijkloket demo --fetch` against recorded CBS and PDOK answers on 127.0.0.1: files
written and added, the summary (rows, pages, from the cache), a second run costing 304s, --offline, a changed
schema named, and without a connection exit code 2 with the Dutch message and what to do (no traceback)."""

from __future__ import annotations

import csv
import functools
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fixtures.http_server import RecordedServer, closed_port_url
from fixtures.recorded import DATA_PROPERTIES, all_rows, load, point_at, serve_cbs, serve_pdok

from wijkloket.sources.http import FetchClient
from wijkloket.usecases import fetch as fetch_usecase

Cli = Callable[..., tuple[int, str, str]]
REQUESTS = 8  # TableInfos, DataProperties, WijkenEnBuurten, 2 data pages, gemeenten, 2 wijken pages
DOWNLOADS = ("kwb2024_85984NED_GM0392_wijk.csv", "kwb2024_85984NED_GM0392_wijk_DataProperties.json",
             "kwb2024_85984NED_GM0392_wijk_TableInfos.json", "wijkenbuurten2024_GM0392_wijk.gpkg")


@pytest.fixture(autouse=True)
def no_waiting(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Retries without sleeping, and the user's cache folder inside the test's own folder."""
    monkeypatch.setattr(fetch_usecase, "FetchClient", functools.partial(FetchClient, sleep=lambda s: None))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[RecordedServer]:
    with RecordedServer() as srv:
        point_at(monkeypatch, srv.url)
        serve_cbs(srv)
        serve_pdok(srv)
        yield srv


def test_fetch_writes_adds_and_sums_up(server: RecordedServer, ws: Path, cli: Cli) -> None:
    code, out, err = cli("fetch", "cbs", "--year", "2024", "-w", ws)
    assert code == 0, err
    assert sorted(p.name for p in (ws / "downloads" / "cbs").iterdir()) == sorted(DOWNLOADS)
    assert "(4 rijen, 2 pagina's;" in out  # the Kerncijfers: GM0392 + 3 wijken on two pages
    assert "(4 rijen, 3 pagina's;" in out  # the kaart: 1 gemeente page + 2 wijken pages
    assert f"{REQUESTS} verzoeken, 0 uit de cache" in out and "versie 2025-03-27T02:00:00" in out
    assert out.count("Toegevoegd: ") == 2 and server.count() == REQUESTS
    assert any((ws / ".cache" / "fetch").iterdir())
    code, out, _ = cli("sources", "-w", ws)
    assert code == 0 and "wijkenbuurten2024_GM0392_wijk.gpkg" in out and "kwb2024_85984NED_GM0392_wijk.csv" in out


def test_a_second_fetch_costs_304s_and_offline_needs_no_server(server: RecordedServer, ws: Path, cli: Cli) -> None:
    assert cli("fetch", "cbs", "--year", "2024", "-w", ws, "--no-add")[0] == 0
    code, out, err = cli("fetch", "cbs", "--year", "2024", "-w", ws, "--no-add")
    assert code == 0, err
    assert f"{REQUESTS} verzoeken, {REQUESTS} uit de cache" in out
    assert sum(1 for r in server.requests if "if-none-match" in r.headers) == REQUESTS
    server.stop()
    code, out, err = cli("fetch", "cbs", "--year", "2024", "-w", ws, "--offline")
    assert code == 0, err
    assert f"0 verzoeken, {REQUESTS} uit de cache" in out


def test_offline_without_cache_says_so(server: RecordedServer, ws: Path, cli: Cli) -> None:
    code, _, err = cli("fetch", "cbs", "--year", "2024", "-w", ws, "--offline")
    assert code == 2 and "Traceback" not in err
    assert "Offline" in err and "TableInfos" in err and server.count() == 0


def test_without_a_workspace_into_a_folder(server: RecordedServer, tmp_path: Path, cli: Cli) -> None:
    out_dir = tmp_path / "los"
    code, out, err = cli("fetch", "cbs", "--gemeente", "gm0392", "--year", "2024", "-o", out_dir, "--lang", "en")
    assert code == 0, err
    assert sorted(p.name for p in out_dir.iterdir()) == sorted(DOWNLOADS)
    assert "Not added to a workspace" in out
    assert any((tmp_path / "user-cache" / "wijkloket" / "fetch").iterdir())


def test_buurt_level(server: RecordedServer, ws: Path, cli: Cli) -> None:
    serve_cbs(server, rows=all_rows())
    code, out, err = cli("fetch", "cbs", "--year", "2024", "--level", "buurt", "-w", ws, "--no-add")
    assert code == 0, err
    assert "(6 rijen, 1 pagina's;" in out and "(5 rijen, 4 pagina's;" in out


def test_a_changed_schema_is_named_in_the_summary(server: RecordedServer, ws: Path, cli: Cli) -> None:
    props = load(DATA_PROPERTIES)["value"]
    props = [p for p in props if p["Type"] != "Topic" or p["Key"] in ("Codering_3", "AantalInwoners_5")]
    new = {**next(p for p in props if p["Key"] == "AantalInwoners_5"), "ID": 999, "Position": 129,
           "Key": "NieuwKenmerk_129", "Title": "Nieuw kenmerk"}
    serve_cbs(server, properties=[*props, new], rows=[{**r, "NieuwKenmerk_129": 3} for r in all_rows()[:4]])
    code, out, err = cli("fetch", "cbs", "--year", "2024", "-w", ws)
    assert code == 0, err
    assert "1 kenmerk kent het register niet" in out and "NieuwKenmerk_129" in out
    with (ws / "downloads" / "cbs" / "kwb2024_85984NED_GM0392_wijk.csv").open(encoding="utf-8") as fh:
        assert [r["NieuwKenmerk_129"] for r in csv.DictReader(fh)] == ["3"] * 4  # kept, not dropped


def test_no_connection_exits_2_with_the_dutch_message(ws: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    point_at(monkeypatch, closed_port_url())
    code, out, err = cli("fetch", "cbs", "--year", "2024", "-w", ws)
    assert code == 2 and "Traceback" not in err
    text = " ".join(err.split())
    assert "Geen verbinding met 127.0.0.1" in text and "wijkloket add cbs BESTAND" in text
    assert not (ws / "downloads" / "cbs").exists()


@pytest.mark.parametrize(("args", "words"), [
    (("--year", "2012"), "geen tabel Kerncijfers wijken en buurten (bekend: 2013-2025)"),
    (("--year", "2024", "--level", "district"), "Onbekend niveau 'district'"),
    (("--year", "2024", "--gemeente", "GM0394"), "niet de gemeente van werkmap"),
])
def test_mistakes_are_said_before_fetching(args: tuple[str, ...], words: str, ws: Path, cli: Cli,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    point_at(monkeypatch, closed_port_url())
    code, _, err = cli("fetch", "cbs", *args, "-w", ws)
    assert code == 2 and words in " ".join(err.split()) and "Traceback" not in err


def test_not_a_workspace(tmp_path: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, err = cli("fetch", "cbs", "--year", "2024")
    assert code == 2 and "Traceback" not in err


def test_demo_fetch_without_connection_keeps_the_old_demo(tmp_path: Path, cli: Cli,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    point_at(monkeypatch, closed_port_url())
    folder = tmp_path / "demo"
    folder.mkdir()
    (folder / "wijkloket.toml").write_text("# an earlier demo\n", "utf-8")
    code, _, err = cli("demo", str(folder), "--fetch", "GM0363")
    assert code == 2 and "Geen verbinding met 127.0.0.1" in " ".join(err.split())
    assert (folder / "wijkloket.toml").read_text("utf-8") == "# an earlier demo\n"


OTHER = {"0392": "0363", "Haarlem": "Amsterdam"}  # the recorded answers for another (made-up) municipality


def test_demo_fetch_files_replace_the_old_demo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from wijkloket.indicators.registry import load_registry
    from wijkloket.usecases.demo import fetch_demo_files

    folder = tmp_path / "demo"
    folder.mkdir()
    (folder / "wijkloket.toml").write_text("# an earlier demo\n", "utf-8")
    events: list[str] = []
    with RecordedServer() as srv:
        point_at(monkeypatch, srv.url)
        serve_cbs(srv, rename=OTHER)
        serve_pdok(srv, rename=OTHER)
        files = fetch_demo_files(folder, "GM0363", load_registry(), None, lambda e: events.append(e.kind))
    assert [p.name for p in files] == ["wijkenbuurten2024_GM0363_wijk.gpkg", "kwb2024_85984NED_GM0363_wijk.csv"]
    assert all(p.parent == folder / "downloads" / "cbs" and p.exists() for p in files)
    assert not (folder / "wijkloket.toml").exists() and events == ["fetched"]  # the old demo made way


@pytest.mark.slow
def test_demo_fetch_builds_the_demo_for_another_gemeente(tmp_path: Path, cli: Cli,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """The whole demo (about 90 s) on fetched files of a made-up Amsterdam with Haarlem's first three wijken."""
    with RecordedServer() as srv:
        point_at(monkeypatch, srv.url)
        serve_cbs(srv, rename=OTHER)
        serve_pdok(srv, rename=OTHER)
        code, out, err = cli("demo", tmp_path / "demo", "--fetch", "GM0363")
    assert code == 0, err
    assert "kwb2024_85984NED_GM0363_wijk.csv" in out
    assert (tmp_path / "demo" / "out" / "report.html").exists()
    assert "8.295" in out  # WK036303's inhabitants in the profile (Zijlwegkwartier's 8,295 in the recording)
