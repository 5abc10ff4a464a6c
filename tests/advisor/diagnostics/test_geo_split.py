"""``advisor.diagnostics.geo_split``: a geo reaches 0 only where the channel spends; the split is unreadable from
half the spending geos on."""

from __future__ import annotations

from typing import Any

from advisor.diagnostics.geo_split import GeoReadability, geo_readability, reaches_zero


def _doc(spend: float, low: float | None, rev_low: float | None = None) -> dict[str, Any]:
    return {"spend": spend, "lower_80": low, "revenue_lower_80": rev_low}


def test_reaches_zero_needs_spend_and_a_bound_at_zero() -> None:
    assert reaches_zero(_doc(10.0, 0.0), "conversions")
    assert not reaches_zero(_doc(0.0, 0.0), "conversions")  # no spend there: nothing to read
    assert not reaches_zero(_doc(10.0, 2.0), "conversions")
    assert not reaches_zero(_doc(10.0, None), "conversions")
    assert reaches_zero(_doc(10.0, 2.0, 0.0), "revenue")


def test_unreadable_from_half_the_spending_geos() -> None:
    geos = {
        "a": {"tv": _doc(10.0, 0.0), "radio": _doc(5.0, 1.0)},
        "b": {"tv": _doc(10.0, 3.0), "radio": _doc(5.0, 1.0)},
        "c": {"tv": _doc(0.0, 0.0), "radio": _doc(5.0, 0.0)},
    }
    tv, radio = geo_readability(geos, ["tv", "radio", "print"], "conversions")
    assert tv == GeoReadability("tv", "conversions", 1, 2) and tv.unreadable
    assert radio == GeoReadability("radio", "conversions", 1, 3) and not radio.unreadable
    assert geo_readability(geos, ["tv"], "revenue") == []  # no revenue bounds: nothing to say
    assert not GeoReadability("x", "conversions", 0, 0).unreadable
