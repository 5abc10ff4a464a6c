"""advisor.ops.attribution: reported vs incremental per channel, as an operation."""

from __future__ import annotations

import pytest


def test_attribution_operation_without_models_says_incremental_is_unavailable(tmp_path: object) -> None:
    import pandas as pd

    from advisor.ops.attribution import AttributionRequest, attribution
    from advisor.ops.context import OpsContext

    class Data:  # the part of advisor.data.Dataset the operation reads
        campaign_daily = pd.DataFrame(
            {"date": ["2026-10-01", "2026-10-02", "2026-10-01"], "channel": ["search", "search", "social"],
             "spend": [10.0, 20.0, 5.0], "conversions": [1.0, 2.0, 0.0], "revenue": [30.0, 50.0, 0.0]}
        )

    ctx = OpsContext(Data(), 365, 1000)  # type: ignore[arg-type]
    doc = attribution(AttributionRequest(), ctx).to_json()
    rows = {r["channel"]: r for r in doc["channels"]}
    assert rows["search"]["spend"] == 30.0 and rows["search"]["reported_revenue"] == 80.0
    assert rows["search"]["incremental_revenue"] is None and "unavailable" in rows["search"]["incremental_source"]
    with pytest.raises(ValueError, match="known channels: search, social"):
        attribution(AttributionRequest(channels=["tv"]), ctx)
