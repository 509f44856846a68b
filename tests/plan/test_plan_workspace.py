"""Optimal locations, options and the solver: compared with PySAL spopt (PuLP + HiGHS), brute force
and OR-Library optima; bad input for points, networks and plans."""

from __future__ import annotations

import csv
import io
import itertools
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from wijkloket.plan.locate import solve_mclp, solve_pmedian

Cli = Callable[..., tuple[int, str, str]]


@pytest.fixture
def ws_points(haarlem_ws: Path, fixtures: Path, cli: Cli) -> Path:
    assert cli("add", "points", fixtures / "points_haarlem.csv", "-w", haarlem_ws)[0] == 0
    return haarlem_ws


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_pmedian_and_mclp_match_spopt(seed: int) -> None:
    import pulp
    from spopt.locate import MCLP, PMedian

    rng = np.random.default_rng(seed)
    demand = rng.uniform(0, 10, size=(25, 2))
    sites = rng.uniform(0, 10, size=(8, 2))
    cost = np.hypot(demand[:, None, 0] - sites[None, :, 0], demand[:, None, 1] - sites[None, :, 1])
    w = rng.integers(1, 100, size=25).astype(float)
    ours = solve_pmedian(cost, 3, weights=w)
    ref = PMedian.from_cost_matrix(cost, w, p_facilities=3).solve(pulp.HiGHS(msg=False))
    assert ours.objective == pytest.approx(pulp.value(ref.problem.objective), rel=1e-9)
    assert ours.gap <= 1e-9
    mine = solve_mclp(cost, 2, 3.0, weights=w)
    mref = MCLP.from_cost_matrix(cost, w, service_radius=3.0, p_facilities=2).solve(pulp.HiGHS(msg=False))
    assert mine.objective == pytest.approx(pulp.value(mref.problem.objective), rel=1e-9)


def test_locate_in_the_workspace_is_optimal_by_brute_force(ws_points: Path, cli: Cli) -> None:
    code, out, err = cli("plan", "locate", "--add", "1", "--format", "csv", "-w", ws_points)
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    chosen = rows[0]["sites"]
    assert float(rows[0]["gap"]) <= 1e-9
    # Brute force over the three candidates with the workspace's own matrix.
    from wijkloket.access.summary import group_weights, point_weights
    from wijkloket.indicators.registry import default_registry
    from wijkloket.usecases import open_workspace
    from wijkloket.usecases.analysis import Analysis

    with open_workspace(ws_points) as ws:
        an = Analysis(ws, default_registry())
        acc, prof = an.access(), an.profile()
    mins, pts = acc.minutes, acc.points
    w = point_weights(acc.demand, group_weights(prof.table, an.registry, "wijk", ["population"]))["population"]
    desk = np.flatnonzero((pts["kind"] == "desk").to_numpy())
    cands = np.flatnonzero((pts["kind"] == "candidate").to_numpy())
    best = min(cands, key=lambda c: float(np.sum(w * np.minimum(mins[:, desk].min(axis=1), mins[:, c]))))
    assert chosen == pts.loc[best, "name"]
    after = {r["area"]: float(r["mean_minutes"]) for r in rows if r["state"] == "with_new_sites"}
    before = {r["area"]: float(r["mean_minutes"]) for r in rows if r["state"] == "now"}
    assert all(after[a] <= before[a] + 1e-9 for a in before)
    code, out, _ = cli("plan", "locate", "--add", "2", "--objective", "mclp", "--weight", "share_age_65_plus",
                       "-w", ws_points)
    assert code == 0 and "mclp" in out


def test_brute_force_small_weighted_instances() -> None:
    rng = np.random.default_rng(11)
    for _ in range(5):
        cost = rng.uniform(0, 20, size=(12, 6))
        w = rng.uniform(1, 10, size=12)
        res = solve_pmedian(cost, 2, weights=w, fixed=[0])
        brute = min(float(np.sum(w * cost[:, [0, j]].min(axis=1))) for j in range(1, 6))
        assert res.objective == pytest.approx(brute)
        res2 = solve_mclp(cost, 2, 8.0, weights=w)
        brute2 = max(float(np.sum(w[(cost[:, list(c)] <= 8.0).any(axis=1)]))
                     for c in itertools.combinations(range(6), 2))
        assert res2.objective == pytest.approx(brute2)


def test_options_with_every_assumption_printed(ws_points: Path, cli: Cli, tmp_path: Path) -> None:
    code, out, err = cli("plan", "options", "-w", ws_points)
    assert code == 0, err
    assert "Fysiek wijkloket" in out and "€ 400.000" in out
    # data/scenarios.toml: visits_per_resident_per_year = 0.30 / 0.333 / 0.37, named and written in Dutch
    assert "Baliebezoeken per inwoner per jaar (topproducten) = 0,333 (0,3–0,37, PERT)" in out
    code, out, _ = cli("plan", "options", "--format", "csv", "-w", ws_points)
    # One row per option and figure (the tidy table of issue 8), no longer one row per option.
    rows = {(r["option"], r["metric"]): float(r["value"]) for r in csv.DictReader(io.StringIO(out))
            if r["applies"] == "True"}
    assert rows[("district_desk", "annual_cost")] == 400000
    assert rows[("district_desk", "cost_per_visit")] == pytest.approx(400000 / rows[("district_desk", "visits_served")],
                                                                      rel=1e-4)
    # Home visits: 1% of the residents 65+ (from CBS shares) at EUR 120 each.
    assert rows[("home_visits", "annual_cost")] == pytest.approx(rows[("home_visits", "visits_served")] * 120, rel=1e-4)
    bad = tmp_path / "s.toml"
    bad.write_text('[[option]]\nid = "x"\nkind = "teleport"\n', "utf-8")
    code, _, err = cli("plan", "options", "--scenarios", bad, "-w", ws_points)
    assert code == 2 and "teleport" in err and "Traceback" not in err


def test_orlib_json(data: Path, cli: Cli) -> None:
    code, out, err = cli("plan", "pmedian", "--orlib", data / "orlib-pmed/pmed1.txt")
    assert code == 0, err
    res = json.loads(out)
    assert res["objective"] == pytest.approx(5819) and res["gap"] <= 1e-9
    assert {"objective", "bound", "gap", "seconds"} <= set(res)


def test_bad_points(ws_points: Path, tmp_path: Path, cli: Cli) -> None:
    cases = {
        "swapped.csv": ("name,kind,lon,lat\nStadhuis,desk,52.3812,4.6365\n", ["verwisseld", "rij(en) 2"]),
        "paris.csv": ("name,kind,lon,lat\nParijs,desk,2.35,48.85\n", ["rij 2", "buiten Nederland"]),
        "kind.csv": ("name,kind,lon,lat\nStadhuis,balie,4.6365,52.3812\n", ["'balie'", "library_ido"]),
        "addr.csv": ("name,kind,adres\nStadhuis,desk,Grote Markt 2\n", ["alleen adressen", "geocodeert niet"]),
        "nocoord.csv": ("name,kind\nStadhuis,desk\n", ["geen coördinaten"]),
    }
    for name, (text, needles) in cases.items():
        f = tmp_path / name
        f.write_text(text, "utf-8")
        code, _, err = cli("add", "points", f, "-w", ws_points)
        assert code == 2 and "Traceback" not in err, (name, err)
        for n in needles:
            assert n in err, (name, n, err)


def test_infeasible_plan(ws_points: Path, cli: Cli) -> None:
    code, _, err = cli("plan", "locate", "--add", "9", "-w", ws_points)
    assert code == 2 and "10" in err and "4" in err and "Traceback" not in err


def test_network_reachability(ws_points: Path, fixtures: Path, cli: Cli) -> None:
    code, out, err = cli("add", "network", fixtures / "tiny_network.osm", "-w", ws_points)
    assert code == 0, err
    # The hand-made network has two pieces; the points near the southern piece cannot reach the rest.
    code, _, err = cli("access", "-w", ws_points)
    assert code == 2 and "verbindt niet alle punten" in err


def test_network_shortest_paths_by_hand(tmp_path: Path) -> None:
    """A GraphML square 0-1-2-3 with sides 100 m plus a long edge 0-2 of 500 m: from node 0 to node 2
    the shortest path is 200 m (around the square), not the 500 m edge."""
    from wijkloket.access.network import network_km, read_network

    xml = ['<?xml version="1.0"?>', '<graphml xmlns="http://graphml.graphdrawing.org/xmlns">',
           '<key id="x" for="node" attr.name="x"/><key id="y" for="node" attr.name="y"/>',
           '<key id="l" for="edge" attr.name="length"/><graph edgedefault="undirected">']
    for i, (x, y) in enumerate([(100000, 400000), (100100, 400000), (100100, 400100), (100000, 400100)]):
        xml.append(f'<node id="n{i}"><data key="x">{x}</data><data key="y">{y}</data></node>')
    for a, b, m in [(0, 1, 100), (1, 2, 100), (2, 3, 100), (3, 0, 100), (0, 2, 500)]:
        xml.append(f'<edge source="n{a}" target="n{b}"><data key="l">{m}</data></edge>')
    xml.append("</graph></graphml>")
    f = tmp_path / "square.graphml"
    f.write_text("\n".join(xml), "utf-8")
    nodes, edges = read_network(f)
    km = network_km(nodes, edges, np.array([[100000.0, 400000.0], [100000.0, 399990.0]]),
                    np.array([[100100.0, 400100.0]]), ["p"])
    assert km[0, 0] == pytest.approx(0.2)
    assert km[1, 0] == pytest.approx(0.21)  # 10 m from the doorstep to the network


def test_locate_gpkg_and_capacity(ws_points: Path, tmp_path: Path, cli: Cli) -> None:
    import pyogrio

    gpkg = tmp_path / "l.gpkg"
    code, _, err = cli("plan", "locate", "--add", "1", "--format", "gpkg", "-o", gpkg, "-w", ws_points)
    assert code == 0, err
    assert {"existing_desks", "chosen_sites", "assignment", "areas"} <= {str(n) for n, *_ in
                                                                        pyogrio.list_layers(gpkg)}
    # Capacities: 167,635 residents x 1/3 visit a year / 52 = about 1,075 visits a week, while the
    # desk (900) and one candidate (150) offer 1,050: infeasible, and the message says by how much.
    code, _, err = cli("plan", "locate", "--add", "1", "--capacity", "-w", ws_points)
    assert code == 2 and "Traceback" not in err
    assert "1.074" in err or "1.075" in err or "1074" in err or "1075" in err, err
    code, out, err = cli("plan", "locate", "--add", "2", "--capacity", "-w", ws_points)
    assert code == 0, err


def test_workspace_travel_settings(ws_points: Path, cli: Cli) -> None:
    def desk_minutes() -> float:
        _, out, _ = cli("access", "--level", "gemeente", "--format", "csv", "-w", ws_points)
        return next(float(r["value"]) for r in csv.DictReader(io.StringIO(out))
                    if r["kind"] == "desk" and r["indicator"] == "minutes" and r["group"] == "population")

    before = desk_minutes()
    (ws_points / "access.toml").write_text("[speeds]\nbike = 30.0\n", "utf-8")
    assert desk_minutes() == pytest.approx(before / 2)
