"""A small ``advise``-shaped result used in the documentation and tests of the narrator and verifier."""

from __future__ import annotations

from typing import Any

RESULT: dict[str, Any] = {
    "analyses": [
        {
            "name": "diagnose",
            "params": {"scope": {"campaign_id": "video-02"}},
            "result": {
                "scope": {"column": "campaign_id", "value": "video-02", "label": "campaign video-02"},
                "period": {"from": "2026-08-03", "to": "2026-10-31"},
                "verdict": "failing",
                "findings": [
                    {"check": "creative_fatigue", "status": "failing", "started": "2026-09-16",
                     "evidence": {"relative_change": -0.4303, "rate_before": 0.006778, "rate_now": 0.003862}},
                ],
            },
        },
        {"name": "returns", "params": {}, "result": {"channels": [
            {"channel": "search", "marginal_roi": 4.19}, {"channel": "social", "marginal_roi": -0.91}]}},
    ],
    "recommendations": [
        {"id": "refresh_creative", "action": 'Refresh the creative of campaign "video-02"', "expected_impact": 1360.4,
         "impact_kpi": "revenue", "impact_units": "currency", "confidence": 0.7, "horizon_days": 28,
         "scope": {"campaign_id": "video-02"}},
    ],
}
