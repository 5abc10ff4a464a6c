import json
import math
from datetime import date

import numpy as np
import pytest

from advisor.core.findings import Finding, flatten
from advisor.core.status import Status

SPEC_KEYS = {"check", "status", "kpi", "stage", "message", "started"}


def test_json_has_the_spec_keys_and_is_json_safe() -> None:
    f = Finding(
        "conversion_rate_drop", Status.FAILING, "CVR -58%", "conversion_rate", "conversion_rate", date(2026, 9, 16),
        -4735.123456789, float("nan"), {"rate_before": np.float64(0.0159), "when": date(2026, 9, 1), "n": np.int64(3)},
    )
    d = f.to_dict()
    assert SPEC_KEYS <= set(d)
    assert d["status"] == "failing" and d["started"] == "2026-09-16" and d["scope"] == {}
    assert d["impact_revenue"] == -4735.123457 and d["impact_conversions"] is None
    assert d["evidence"] == {"rate_before": 0.0159, "when": "2026-09-01", "n": 3}
    json.dumps(d, allow_nan=False)


def test_round_trip_through_json() -> None:
    f = Finding("nps_drop", Status.AT_RISK, "NPS fell", "nps", "satisfaction", "2026-10", scope={"channel": "social"},
                evidence={"change": -12.0}, kind="customer")
    back = Finding.from_dict(f.to_dict(), kind="customer")
    assert back == f


def test_plain_words_are_converted_and_checked() -> None:
    assert Finding("x", "at_risk").status is Status.AT_RISK  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unknown status 'bad'"):
        Finding("x", "bad")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="kind must be one of"):
        Finding("x", Status.OK, kind="other-kind")
    with pytest.raises(ValueError, match="needs a 'check'"):
        Finding.from_dict({"status": "ok"})


def test_materiality_and_fields() -> None:
    f = Finding("a", Status.WARNING, impact_conversions=-7.0, evidence={"ci": {"lo": 1.0, "hi": 2.0}})
    assert f.materiality == 7.0
    row = f.fields()
    assert row["ci_lo"] == 1.0 and row["status"] == "warning" and row["kind"] == "diagnostic" and row["started"] == ""


def test_flatten_keeps_scalars_short_number_lists_and_drops_the_rest() -> None:
    out = flatten({"a": {"b": np.float32(1.5)}, "xs": [1, 2], "long": [1, 2, 3, 4, 5], "bad": math.inf, "o": object()})
    assert out == {"a_b": 1.5, "xs_0": 1.0, "xs_1": 2.0}
