"""``advisor.diagnostics.geo_split``: a geo reaches 0 only where the channel spends; the split is unreadable from
half the spending geos on."""

from __future__ import annotations

from typing import Any

import pytest

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


def test_geo_marginal_units_is_the_curves_slope_at_each_geos_spend() -> None:
    """A fake geo model whose response per unit of coefficient is √spend (no carry-over): the next unit's response
    over the window is the central difference of √ at each period's spend, summed, over the spend added; the
    window's response is Σ √spend over the window."""
    import numpy as np
    import pandas as pd

    from advisor.diagnostics.geo_split import MARGINAL_STEP, geo_marginal_units

    dates = pd.date_range("2026-01-05", periods=6, freq="7D")
    panel = pd.concat([pd.DataFrame({"date": dates, "geo": g, "tv": spend})
                       for g, spend in (("north", [4.0, 9.0, 16.0, 25.0, 36.0, 49.0]), ("south", [1.0] * 6))],
                      ignore_index=True)

    class Model:
        def geo_contributions(self, p: pd.DataFrame, per_unit: bool = False) -> pd.DataFrame:
            assert per_unit
            return p.assign(tv=np.sqrt(p["tv"].astype(float)))[["date", "geo", "tv"]]

    start, end = dates[2], dates[4]
    got = geo_marginal_units(Model(), panel, "tv", start, end)
    e = MARGINAL_STEP
    s = np.array([16.0, 25.0, 36.0])
    want = (np.sqrt(s * (1 + e)) - np.sqrt(s * (1 - e))).sum() / (2 * e * s.sum())
    assert got.at["north", "unit_marginal"] == pytest.approx(want)
    assert got.at["north", "unit_window"] == pytest.approx(np.sqrt(s).sum())
    assert got.at["south", "unit_marginal"] == pytest.approx(0.5, rel=1e-4)  # d√s/ds at s = 1
    # the spend outside the window is left as it was: its periods add nothing to the difference
    assert got.at["north", "unit_marginal"] < got.at["north", "unit_window"] / s.sum()  # concave: next < average
