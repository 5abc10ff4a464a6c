"""The chart helpers give valid Vega-Lite specs (schema-validated here) that carry what the pages promise."""

from __future__ import annotations

import altair as alt

from api.ui import charts


def validated(spec: dict) -> dict:
    alt.Chart.from_dict(spec, validate=True)  # raises on a spec the schema refuses
    assert spec["$schema"].endswith(f"{alt.SCHEMA_VERSION}.json")
    return spec


def layers(spec: dict) -> list[dict]:
    return spec.get("layer", [spec])


def test_monthly_trend_has_the_target_rule() -> None:
    rows = [{"period": f"2026-{m:02d}-01", "roi": 0.1 * m} for m in range(1, 13)]
    spec = validated(charts.monthly_trend(rows, "roi", title="ROI", unit="percent", target=0.5))
    assert [layer["mark"]["type"] for layer in layers(spec)] == ["line", "rule"]
    assert spec["width"] == "container"


def test_daily_chart_marks_the_onset_on_its_date() -> None:
    rows = [{"period": f"2026-09-{d:02d}", "ctr": 0.01} for d in range(1, 31)]
    spec = validated(charts.daily_with_onsets(rows, "ctr", [{"date": "2026-09-26", "label": "creative fatigue"}],
                                              [{"date": "2026-09-28", "kpi": "ctr", "actual": 0.005,
                                                "expected": 0.01}], unit="percent"))
    marks = [layer["mark"]["type"] for layer in layers(spec)]
    assert marks == ["line", "rule", "text", "point"]
    rule_data = spec["datasets"][layers(spec)[1]["data"]["name"]]
    assert rule_data == [{"date": "2026-09-26", "label": "creative fatigue"}]


def test_waterfall_runs_from_zero_to_the_total_in_kpi_units() -> None:
    drivers = [{"feature": "campaign_age", "impact": -0.0004}, {"feature": "month", "impact": 0.0001},
               {"feature": "channel=social", "impact": -0.0002}]
    spec = validated(charts.waterfall(drivers, kpi="ctr", unit="percent"))
    rows = spec["datasets"][spec["data"]["name"]]
    assert [r["feature"] for r in rows] == ["campaign_age", "channel=social", "month", "total"]
    assert rows[0]["start"] == 0 and abs(rows[-2]["end"] - rows[-1]["end"]) < 1e-12
    assert abs(rows[-1]["end"] - (-0.0005)) < 1e-12


def test_funnel_and_memo() -> None:
    stages = [{"stage": "impressions", "value": 1e6, "previous": 9e5, "status": "ok"},
              {"stage": "clicks", "value": 9e3, "previous": 1.2e4, "status": "failing"}]
    spec = validated(charts.funnel(stages))
    assert spec is charts.funnel(stages)  # the same inputs reuse the spec
