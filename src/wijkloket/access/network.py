"""Road networks: OpenStreetMap XML and GraphML, shortest paths with scipy's sparse Dijkstra.

Nodes are kept in RD New (metres); edge lengths are the straight lines between consecutive nodes
of a way (OSM) or the file's `length` attribute (GraphML, metres). Points and demand snap to the
nearest node (scipy's cKDTree).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pandas as pd
from pyproj import Transformer
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from wijkloket.areas.levels import RD_NEW, WGS84
from wijkloket.errors import InputFileError
from wijkloket.sources.files import check_file

# Ways people can walk, cycle or drive on (OSM `highway` values).
USABLE = {"motorway_link", "trunk", "trunk_link", "primary", "primary_link", "secondary", "secondary_link",
          "tertiary", "tertiary_link", "unclassified", "residential", "living_street", "service", "pedestrian",
          "footway", "cycleway", "path", "track", "steps", "road"}
MAX_SNAP_M = 2000.0
"""A home or service point farther than this from every node of the network lies outside it: the extract
does not cover the municipality. Nodes sit at every junction and bend, so in a covered town the nearest
one lies within a few hundred metres; walking 2 km to the road would make every travel time wrong."""
MAX_NAMED = 10


def _float(text: str | None) -> float:
    """A number from a file's text; NaN when it is missing or not a number (checked afterwards)."""
    try:
        return float(text) if text is not None else float("nan")
    except ValueError:
        return float("nan")


def read_network(path: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(nodes: node, x, y in RD New; edges: a, b, metres) from an .osm or .graphml file."""
    check_file(path)
    to_rd = Transformer.from_crs(WGS84, RD_NEW, always_xy=True)
    try:
        if path.suffix.lower() == ".graphml":
            nodes, edges = _graphml(path, to_rd)
        else:
            nodes, edges = _osm(path, to_rd)
    except ET.ParseError as exc:
        raise InputFileError("error.network_unreadable", file=str(path), detail=str(exc)) from None
    if nodes.empty or edges.empty:
        raise InputFileError("error.network_empty", file=str(path))
    bad = ~(np.isfinite(nodes["x"]) & np.isfinite(nodes["y"]))
    if bad.any():
        first = nodes[bad].iloc[0]
        raise InputFileError("error.network_bad_coordinates", file=str(path), n=int(bad.sum()),
                             node=first["node"], value=f"{first['x']}, {first['y']}")
    length = edges["metres"].to_numpy(dtype=float)
    wrong = ~np.isfinite(length) | (length < 0)
    if wrong.any():
        i = int(np.flatnonzero(wrong)[0])
        edge = f"{edges['a'].iloc[i]}-{edges['b'].iloc[i]}"
        raise InputFileError("error.network_bad_length", file=str(path), edge=edge, value=f"{length[i]:g}")
    return nodes, edges


def _osm(path: Path, to_rd: Transformer) -> tuple[pd.DataFrame, pd.DataFrame]:
    coords: dict[int, tuple[float, float]] = {}
    ways: list[list[int]] = []
    for _, el in ET.iterparse(path, events=("end",)):
        if el.tag == "node":
            coords[_int(path, el.get("id", "0"))] = (_float(el.get("lon")), _float(el.get("lat")))
            el.clear()
        elif el.tag == "way":
            tags = {t.get("k"): t.get("v") for t in el.findall("tag")}
            if tags.get("highway") in USABLE:
                ways.append([_int(path, n.get("ref", "0")) for n in el.findall("nd")])
            el.clear()
    used = sorted({n for w in ways for n in w if n in coords})
    lon = np.array([coords[n][0] for n in used])
    lat = np.array([coords[n][1] for n in used])
    x, y = to_rd.transform(lon, lat)
    nodes = pd.DataFrame({"node": used, "x": x, "y": y})
    pos = {n: i for i, n in enumerate(used)}
    a, b = [], []
    for w in ways:
        refs = [n for n in w if n in pos]
        a += refs[:-1]
        b += refs[1:]
    ai = np.array([pos[n] for n in a], dtype=int)
    bi = np.array([pos[n] for n in b], dtype=int)
    metres = np.hypot(x[ai] - x[bi], y[ai] - y[bi]) if len(ai) else np.array([])
    return nodes, pd.DataFrame({"a": a, "b": b, "metres": metres})


def _graphml(path: Path, to_rd: Transformer) -> tuple[pd.DataFrame, pd.DataFrame]:
    ns = {"g": "http://graphml.graphdrawing.org/xmlns"}
    root = ET.parse(path).getroot()
    keys = {k.get("id"): k.get("attr.name") for k in root.iter("{http://graphml.graphdrawing.org/xmlns}key")}
    ids, xs, ys = [], [], []
    index: dict[str, int] = {}
    for i, n in enumerate(root.iterfind(".//g:node", ns)):
        d = {keys.get(e.get("key")): e.text for e in n.iterfind("g:data", ns)}
        index[n.get("id", "")] = i
        ids.append(i)
        xs.append(_float(d.get("x") or d.get("lon")))
        ys.append(_float(d.get("y") or d.get("lat")))
    x, y = np.array(xs, dtype=float), np.array(ys, dtype=float)
    if not (np.isfinite(x) & np.isfinite(y)).any():
        return pd.DataFrame({"node": ids, "x": x, "y": y}), pd.DataFrame(columns=["a", "b", "metres"])
    if np.nanmax(np.abs(x)) <= 180 and np.nanmax(np.abs(y)) <= 90:  # WGS84 degrees, as OSMnx writes them
        x, y = to_rd.transform(x, y)
    a, b, m = [], [], []
    for e in root.iterfind(".//g:edge", ns):
        d = {keys.get(k.get("key")): k.text for k in e.iterfind("g:data", ns)}
        s, t = index.get(e.get("source", ""), -1), index.get(e.get("target", ""), -1)
        if s < 0 or t < 0:
            raise InputFileError("error.network_unreadable", file=str(path),
                                 detail=f"edge {e.get('source')} -> {e.get('target')}: node not in the file")
        a.append(s)
        b.append(t)
        length = d.get("length")
        m.append(_float(length) if length else float(np.hypot(x[s] - x[t], y[s] - y[t])))
    return pd.DataFrame({"node": ids, "x": x, "y": y}), pd.DataFrame({"a": a, "b": b, "metres": m})


def _int(path: Path, text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise InputFileError("error.network_unreadable", file=str(path),
                             detail=f"id '{text}' is not a number") from None


def check_reach(snap_m: np.ndarray, names: list[str], what: str) -> None:
    """An error naming the places (`what`: points or homes) that lie more than MAX_SNAP_M from the network."""
    far = np.flatnonzero(snap_m > MAX_SNAP_M)
    if len(far):
        shown = ", ".join(str(names[i]) for i in far[:MAX_NAMED]) + (f" (+{len(far) - MAX_NAMED})"
                                                                      if len(far) > MAX_NAMED else "")
        raise InputFileError("error.network_too_far", what=[{"_key": f"network_reach.{what}"}], names=shown,
                             metres=f"{float(snap_m[far].min()):.0f}", limit=f"{MAX_SNAP_M:.0f}", n=len(far))


def snap_metres(nodes: pd.DataFrame, xy: np.ndarray) -> np.ndarray:
    """Metres from each of `xy` (RD New) to the nearest node of the network."""
    if len(xy) == 0:
        return np.zeros(0)
    return np.asarray(cKDTree(nodes[["x", "y"]].to_numpy()).query(xy)[0])


def network_km(nodes: pd.DataFrame, edges: pd.DataFrame, demand_xy: np.ndarray, point_xy: np.ndarray,
               point_names: list[str], demand_names: list[str] | None = None) -> np.ndarray:
    """Shortest-path km demand x points over an undirected network; raises when a point cannot be
    reached from the demand (say which), or when points or homes lie outside the network (more than
    MAX_SNAP_M from its nearest node: the extract does not cover them)."""
    pos = {n: i for i, n in enumerate(nodes["node"])}
    a = edges["a"].map(pos).to_numpy()
    b = edges["b"].map(pos).to_numpy()
    n = len(nodes)
    graph = coo_matrix((edges["metres"].to_numpy(), (a, b)), shape=(n, n)).tocsr()
    tree = cKDTree(nodes[["x", "y"]].to_numpy())
    snap_d, demand_node = tree.query(demand_xy)
    snap_p, point_node = tree.query(point_xy)
    dist = dijkstra(graph, directed=False, indices=point_node)  # points x nodes, metres
    out = dist[:, demand_node].T
    # Walking from the doorstep to the network and back counts too.
    out = out + snap_d[:, None] + snap_p[None, :]
    unreachable = [point_names[j] for j in range(len(point_names)) if np.isinf(out[:, j]).all()]
    partly = np.isinf(out).any(axis=1).sum()
    if unreachable or partly:
        raise InputFileError("error.network_unreachable", points=", ".join(unreachable[:10]) or "-",
                             n=int(partly))
    check_reach(snap_p, point_names, "points")
    check_reach(snap_d, demand_names or [f"#{i + 1}" for i in range(len(demand_xy))], "homes")
    return out / 1000.0
