"""The overview's KPI trends over plain HTTP (the app in process)."""

from __future__ import annotations

import json
import re
import sys
from typing import Any

sys.path.insert(0, str(__import__("pathlib").Path(__file__).parent))
from test_session import signed_in


def trend_specs(html: str) -> dict[str, dict[str, Any]]:
    """The inlined Vega-Lite spec of every trend chart, by its id."""
    found = re.findall(r'<script type="application/json" id="(trend-[^"]+)">(.*?)</script>', html, re.S)
    return {chart_id: json.loads(body) for chart_id, body in found}


def series(spec: dict[str, Any]) -> list[float]:
    """The monthly values of a trend spec (the line layer's inline data)."""
    datasets = spec.get("datasets", {})
    for rows in datasets.values():
        if rows and "value" in rows[0] and "month" in rows[0]:
            return [r["value"] for r in rows]
    raise AssertionError(f"no monthly series in {list(datasets)}")


def test_a_scoped_target_line_charts_its_own_scope(ui_app: Any) -> None:
    live, keys = ui_app
    with signed_in(live, keys["admin"]) as c:
        html = c.get("/ui/").text
    with live.client(keys["admin"]) as api:
        month_rows = api.get("/v1/kpis", params={"by": "channel", "grain": "month"}).json()["rows"]
    specs = trend_specs(html)
    scoped = {i: s for i, s in specs.items() if re.fullmatch(r"trend-cpa-\d+", i)}
    assert len(scoped) == 1, sorted(specs)
    assert "Cost per acquisition (search)" in html
    (spec,) = scoped.values()
    assert series(spec) != series(specs["trend-cpa"])
    search = [r["cpa"] for r in month_rows if r["channel"] == "search" and r.get("cpa") is not None]
    assert series(spec) == search[-len(series(spec)):]


def test_without_targets_the_overview_says_so_and_still_charts_the_data(ui_app: Any) -> None:
    live, keys = ui_app  # the other workspace's upload is a campaign table alone: no targets.yaml
    with signed_in(live, keys["other"]) as c:
        page = c.get("/ui/")
    assert page.status_code == 200, page.text[:300]
    assert 'id="no-targets"' in page.text and 'id="composite-score"' not in page.text
    specs = trend_specs(page.text)
    assert {"trend-revenue", "trend-spend"} <= set(specs), sorted(specs)
    assert all(len(series(spec)) >= 2 for spec in specs.values())
