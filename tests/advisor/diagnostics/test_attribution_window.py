"""advisor.diagnostics.incremental: incremental effect over a window, intervals, ROI, lift tests and geos, checked
against numbers worked out by hand on models with known transforms."""

from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
import pytest

from advisor.diagnostics.incremental import (
    Z80,
    Z95,
    channel_effects,
    coefficient_interval,
    geo_effects,
    initial_state,
    lift_comparisons,
)
from models.transforms import ChannelTransform

DAYS = pd.date_range("2026-01-01", periods=4, freq="D")
# channel a: no carry-over, Hill k=10 s=1 -> saturation [0.5, 0.75, 0, 0.5]
# channel b: decay 0.5, adstock state before day 1 = mean spend of the first (up to 7) days = 5, as the fit sets it
#   -> normalised adstock [0.5*20 + 0.5*5, 6.25, 3.125, 1.5625] -> saturation [5/9, 5/13, 5/21, 5/37]
SPEND = pd.DataFrame({"a": [10.0, 30.0, 0.0, 10.0], "b": [20.0, 0.0, 0.0, 0.0]}, index=DAYS)
SAT_B = np.array([5 / 9, 5 / 13, 5 / 21, 5 / 37])


@dataclass
class Model:
    """The part of a fitted ResponseModel attribution reads."""

    betas: dict[str, float]
    ses: dict[str, float]
    media_scale: float = 1.0
    refused_: dict[str, str] = field(default_factory=dict)
    lift_fit_: list[tuple[Any, float]] = field(default_factory=list)

    @property
    def fitted(self) -> Any:
        shapes = {"a": (0.0, 10.0), "b": (0.5, 10.0)}
        channels = list(self.betas)
        return SimpleNamespace(
            channels=channels,
            transforms={c: ChannelTransform(shapes[c][0], shapes[c][1], 1.0, self.betas[c]) for c in channels},
            beta_cov=np.diag([self.ses[c] ** 2 for c in channels]).tolist(),
            media_scale=self.media_scale,
        )


CONV = Model({"a": 100.0, "b": 60.0}, {"a": 4.0, "b": 90.0})
REV = Model({"a": 1000.0, "b": 300.0}, {"a": 100.0, "b": 30.0})
WINDOW = (pd.Timestamp("2026-01-02"), pd.Timestamp("2026-01-04"))


def test_adstock_starts_where_the_fit_starts_it() -> None:
    assert initial_state(SPEND["b"]) == 5.0  # the four days' mean (fewer than 7)
    weeks = pd.Series([8.0, 2.0, 100.0], index=pd.date_range("2026-01-05", periods=3, freq="7D"))
    assert initial_state(weeks) == 5.0  # weekly: the first two weeks


def test_coefficient_interval_is_the_truncated_normal_quantile_of_the_coefficient() -> None:
    got = coefficient_interval(250.0, 100.0, 4.0)  # S = 2.5
    assert got.mean == 250.0
    assert got.lower_80 == pytest.approx((100 - Z80 * 4) * 2.5) and got.upper_80 == pytest.approx((100 + Z80 * 4) * 2.5)
    assert got.lower_95 == pytest.approx((100 - Z95 * 4) * 2.5) and got.upper_95 == pytest.approx((100 + Z95 * 4) * 2.5)
    wide = coefficient_interval(250.0, 100.0, 90.0)  # beta - 1.28 se < 0: truncated at 0 like simulate's draws
    assert wide.lower_80 == 0.0 and wide.upper_80 == pytest.approx((100 + Z80 * 90) * 2.5)
    assert coefficient_interval(0.0, 0.0, 5.0).upper_95 == 0.0


def test_interval_matches_the_quantiles_of_clipped_coefficient_draws() -> None:
    rng = np.random.default_rng(0)
    draws = np.clip(rng.normal(60.0, 90.0, 400_000), 0.0, None) * 2.0  # as ResponseModel.simulate draws beta
    got = coefficient_interval(120.0, 60.0, 90.0)
    assert got.lower_80 == 0.0 and np.quantile(draws, 0.1) == 0.0
    assert got.upper_80 == pytest.approx(np.quantile(draws, 0.9), rel=0.01)
    assert got.upper_95 == pytest.approx(np.quantile(draws, 0.975), rel=0.01)


def test_channel_effects_over_a_window_with_carry_over_roi_and_reported() -> None:
    reported = {"a": (80.0, 2000.0), "b": (None, None)}
    a, b = channel_effects(SPEND, *WINDOW, {"conversions": CONV, "revenue": REV}, ["a", "b"], reported)
    # a: days 2..4 -> 100 * (0.75 + 0 + 0.5) = 125 conversions, 1250 revenue, spend 40
    assert a.spend == 40.0 and a.conversions is not None and a.revenue is not None
    assert a.conversions.mean == pytest.approx(125.0) and a.revenue.mean == pytest.approx(1250.0)
    assert a.conversions.lower_80 == pytest.approx((100 - Z80 * 4) * 1.25)
    doc = a.to_dict()
    assert doc["roi"] == pytest.approx((1250 - 40) / 40)
    assert doc["roi_lower_80"] == pytest.approx(((1000 - Z80 * 100) * 1.25 - 40) / 40)
    assert doc["revenue_upper_80"] == pytest.approx((1000 + Z80 * 100) * 1.25)
    assert doc["reported_conversions"] == 80.0 and doc["reported_to_incremental"] == pytest.approx(80 / 125)
    assert doc["cost_per_incremental_conversion"] == pytest.approx(40 / 125)
    assert doc["notes"] == []
    # b: no spend in the window, yet its carried-over adstock still works: 60 * (5/13 + 5/21 + 5/37)
    assert b.spend == 0.0 and b.conversions is not None
    assert b.conversions.mean == pytest.approx(60 * float(SAT_B[1:].sum()))
    bdoc = b.to_dict()
    assert bdoc["lower_80"] == 0.0  # se 90 > beta / 1.28
    assert bdoc["roi"] is None  # no spend: ROI undefined, not infinite
    assert bdoc["reported_conversions"] is None and bdoc["reported_to_incremental"] is None
    assert any("no platform-reported" in n for n in bdoc["notes"])


def test_media_scale_widens_the_interval_as_simulate_does_but_never_narrows_it() -> None:
    scaled = Model({"a": 100.0}, {"a": 4.0}, media_scale=2.0)
    (a,) = channel_effects(SPEND, *WINDOW, {"conversions": scaled}, ["a"])
    assert a.conversions is not None and a.conversions.upper_80 == pytest.approx((100 + Z80 * 8) * 1.25)
    narrowed = Model({"a": 100.0}, {"a": 4.0}, media_scale=0.25)
    (b,) = channel_effects(SPEND, *WINDOW, {"conversions": narrowed}, ["a"])
    assert b.conversions is not None and b.conversions.upper_80 == pytest.approx((100 + Z80 * 4) * 1.25)


def test_revenue_only_model_gives_null_conversions_with_a_reason_not_a_crash() -> None:
    (a,) = channel_effects(SPEND, *WINDOW, {"revenue": REV}, ["a"])
    doc = a.to_dict()
    assert doc["incremental_conversions"] is None and doc["lower_80"] is None and doc["upper_80"] is None
    assert doc["incremental_revenue"] == pytest.approx(1250.0) and doc["roi"] == pytest.approx(30.25)
    assert any("no conversions response model" in n for n in doc["notes"])
    (c,) = channel_effects(SPEND, *WINDOW, {"conversions": CONV}, ["a"])
    assert c.to_dict()["roi"] is None and c.to_dict()["incremental_conversions"] == pytest.approx(125.0)


def test_refused_channel_is_null_and_says_why() -> None:
    model = Model({"a": 100.0}, {"a": 4.0}, refused_={"b": "spend nearly constant"})
    (b,) = channel_effects(SPEND, *WINDOW, {"conversions": model}, ["b"])
    assert b.conversions is None and any("refused" in n and "nearly constant" in n for n in b.notes)


def test_lift_tests_measured_vs_fitted_prefers_the_fit_s_own_figure() -> None:
    tests = pd.DataFrame(
        {"channel": ["b", "a", "a"], "kpi": ["conversions", "conversions", "revenue"],
         "start": ["2026-01-02", "2026-01-01", "2026-01-01"], "end": ["2026-01-03", "2026-01-02", "2026-01-04"],
         "incremental": [40.0, 130.0, 1600.0], "std_error": [4.0, 10.0, 100.0]}
    )
    test_a = SimpleNamespace(channel="a", start=pd.Timestamp("2026-01-01"), end=pd.Timestamp("2026-01-02"))
    conv = Model({"a": 100.0, "b": 60.0}, {"a": 4.0, "b": 90.0}, lift_fit_=[(test_a, 121.5)])
    b, a, rev = lift_comparisons(tests, SPEND, {"conversions": conv})
    assert b.fitted == pytest.approx(60 * (5 / 13 + 5 / 21)) and b.source == "spend history"
    assert b.to_dict()["z"] == pytest.approx((60 * (5 / 13 + 5 / 21) - 40) / 4)
    assert a.fitted == 121.5 and a.source == "model"  # from lift_fit_, not the 125 the spend history gives
    assert rev.fitted is None and rev.z is None and rev.note == "no revenue response model"
    assert rev.to_dict() == {
        "channel": "a", "kpi": "revenue", "start": "2026-01-01", "end": "2026-01-04", "measured": 1600.0,
        "std_error": 100.0, "fitted": None, "difference": None, "z": None, "source": None,
        "note": "no revenue response model",
    }
    assert lift_comparisons(None, SPEND, {"conversions": conv}) == []


@dataclass
class GeoModel(Model):
    """A geo model: geo g1 holds 3/4 of every channel's contribution, g2 the rest."""

    geos_: tuple[str, ...] = ("g1", "g2")

    def geo_contributions(self, panel: pd.DataFrame) -> pd.DataFrame:
        national = {c: self.fitted.transforms[c].response(SPEND[c].to_numpy()) for c in self.betas}
        rows = [
            pd.DataFrame({"date": DAYS, "geo": g, **{c: v * share for c, v in national.items()}})
            for g, share in (("g1", 0.75), ("g2", 0.25))
        ]
        return pd.concat(rows, ignore_index=True)


def _geo_split(model: Model) -> dict[str, dict[str, dict[str, Any]]]:
    """``geo_effects`` of channel ``a`` over two geos spending half each."""
    panel = pd.concat(
        [pd.DataFrame({"date": DAYS, "geo": g, "a": SPEND["a"] * s}) for g, s in (("g1", 0.5), ("g2", 0.5))]
    )
    national = channel_effects(SPEND, *WINDOW, {"conversions": model}, ["a"])
    return geo_effects(panel, *WINDOW, {"conversions": model}, ["a"], national)


def test_geo_effects_split_the_national_figures_with_the_national_relative_interval() -> None:
    model = GeoModel({"a": 100.0}, {"a": 4.0})
    geos = _geo_split(model)
    assert set(geos) == {"g1", "g2"}
    g1 = geos["g1"]["a"]
    assert g1["spend"] == 20.0 and g1["incremental_conversions"] == pytest.approx(0.75 * 125)
    assert g1["upper_80"] == pytest.approx(0.75 * (100 + Z80 * 4) * 1.25)
    assert "reported_conversions" not in g1
    assert _geo_split(CONV) == {}  # national model: no geos


@dataclass
class ClippedGeoModel(Model):
    """A geo model with each geo coefficient's posterior s.d. (``geo_coefficient_se``): g1 holds the whole
    contribution, g2's coefficient is clipped at 0 although it spends."""

    geos_: tuple[str, ...] = ("g1", "g2")

    def geo_contributions(self, panel: pd.DataFrame, per_unit: bool = False) -> pd.DataFrame:
        unit = {c: self.fitted.transforms[c].response(SPEND[c].to_numpy()) / self.betas[c] for c in self.betas}
        coef = {"g1": 1.0, "g2": 0.0}
        return pd.concat(
            [
                pd.DataFrame({"date": DAYS, "geo": g, **{c: u * (1.0 if per_unit else self.betas[c] * coef[g])
                                                        for c, u in unit.items()}})
                for g in ("g1", "g2")
            ],
            ignore_index=True,
        )

    def geo_coefficient_se(self) -> pd.DataFrame:
        return pd.DataFrame({"a": [10.0, 30.0]}, index=pd.Index(["g1", "g2"], name="geo"))


def test_a_geos_own_coefficient_uncertainty_widens_its_interval_and_a_clipped_zero_is_not_certain() -> None:
    model = ClippedGeoModel({"a": 100.0}, {"a": 4.0})
    geos = _geo_split(model)
    unit = 1.25  # the window's response per unit of coefficient
    g1, g2 = geos["g1"]["a"], geos["g2"]["a"]
    assert g1["incremental_conversions"] == pytest.approx(125.0)
    pooled = Z80 * 4 * unit  # the national interval's half-width, scaled to g1
    assert g1["upper_80"] == pytest.approx(125.0 + np.hypot(pooled, Z80 * 10 * unit))
    assert g1["lower_80"] == pytest.approx(125.0 - np.hypot(pooled, Z80 * 10 * unit))
    assert g2["incremental_conversions"] == 0.0 and g2["lower_80"] == 0.0
    assert g2["upper_80"] == pytest.approx(Z80 * 30 * unit) and g2["upper_95"] > g2["upper_80"]


def test_lift_fit_read_back_from_a_file_as_mappings_is_used_too() -> None:
    tests = pd.DataFrame({"channel": ["a"], "kpi": ["conversions"], "start": ["2026-01-01"], "end": ["2026-01-02"],
                          "incremental": [130.0], "std_error": [10.0]})
    stored = [({"channel": "a", "start": "2026-01-01", "end": "2026-01-02", "incremental": 130.0}, 119.0),
              ({"channel": "a", "start": "2026-01-01", "end": "2026-01-03", "incremental": 1.0}, 5.0)]
    conv = Model({"a": 100.0}, {"a": 4.0}, lift_fit_=stored)  # type: ignore[arg-type]
    (a,) = lift_comparisons(tests, SPEND, {"conversions": conv})
    assert (a.fitted, a.source, a.z) == (119.0, "model", pytest.approx(-1.1))
