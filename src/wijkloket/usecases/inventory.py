"""The source inventory (question 1): what each source is, covers, provides and lacks."""

from __future__ import annotations

from typing import Any

from wijkloket.indicators.registry import Indicator, Registry
from wijkloket.store.workspace import Workspace


def _status(ind: Indicator, per_var: dict[str, dict[str, int]]) -> str:
    """`ok` when one of the indicator's variable sets is known somewhere; else why it is missing
    (the most frequent status of a variable without figures, or `not_in_file`)."""
    best: str | None = None
    for option in ind.options:
        if all(per_var.get(v, {}).get("ok", 0) + per_var.get(v, {}).get("estimate", 0) > 0 for v in option):
            return "ok"
        for v in option:
            counts = per_var.get(v)
            if counts is None:
                best = best or "not_in_file"
            elif counts.get("ok", 0) + counts.get("estimate", 0) == 0:
                best = max(counts, key=lambda k: counts[k])
    return best or "not_in_file"


def inventory(ws: Workspace, registry: Registry) -> list[dict[str, Any]]:
    """One entry per source: what it is, what it covers, which indicators it provides and which
    it lacks, with the reason."""
    out = []
    for src in ws.sources().to_dict("records"):
        entry: dict[str, Any] = dict(src)
        provides: list[str] = []
        lacks: dict[str, str] = {}
        if src["kind"].startswith("cbs_"):
            per_var: dict[str, dict[str, int]] = {}
            for row in ws.value_status(int(src["source_id"])).itertuples():
                per_var.setdefault(str(row.variable), {})[str(row.status)] = int(row.n)
            for ind in registry.indicators.values():
                status = _status(ind, per_var)
                if status == "ok":
                    provides.append(ind.id)
                else:
                    lacks[ind.id] = status
        entry["provides"] = provides
        entry["lacks"] = lacks
        out.append(entry)
    return out
