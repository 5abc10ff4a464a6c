"""advisor.ops.attribution: the operation's window, spend history (campaign rows or the ``mmm`` table), reported
figures and errors, on data and models made by hand."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
import pytest

from advisor.diagnostics.scope import PeriodError, ScopeError
from advisor.ops.attribution import AttributionRequest, attribution
from advisor.ops.context import ModelsUnavailable, OpsContext
from advisor.ops.modelset import ModelSet
from models.transforms import ChannelTransform


def _model(betas: dict[str, float]) -> Any:
    """A fitted-model stand-in: no carry-over, Hill k=10 s=1, coefficient s.e. 10% of beta."""
    channels = list(betas)
    return SimpleNamespace(fitted=SimpleNamespace(
        channels=channels,
        transforms={c: ChannelTransform(0.0, 10.0, 1.0, b) for c, b in betas.items()},
        beta_cov=np.diag([(0.1 * b) ** 2 for b in betas.values()]).tolist(),
    ))


def _ctx(data: Any, models: dict[str, Any] | None, freq: str = "D") -> OpsContext:
    bundle = SimpleNamespace(models=models, context=SimpleNamespace(freq=freq)) if models is not None else None
    return OpsContext(data, 365, 1000, dataset_id="d", models=ModelSet(version="v0007", bundle=bundle))  # type: ignore[arg-type]


class Campaigns:
    """Campaign rows: search 10/day on 2026-10-01..03 (two campaigns on the 1st), social only on the 2nd."""

    campaign_daily = pd.DataFrame(
        {"date": ["2026-10-01", "2026-10-01", "2026-10-02", "2026-10-03", "2026-10-02"],
         "channel": ["search", "search", "search", "search", "social"],
         "spend": [4.0, 6.0, 10.0, 10.0, 30.0], "conversions": [1.0, 1.0, 3.0, 2.0, 5.0],
         "revenue": [30.0, 20.0, 50.0, 40.0, 70.0]}
    )


def test_attribution_of_campaign_rows_over_a_window() -> None:
    ctx = _ctx(Campaigns(), {"conversions": _model({"search": 8.0, "social": 4.0})})
    doc = attribution(AttributionRequest(start="2026-10-02", end="2026-10-03"), ctx).to_json()  # type: ignore[arg-type]
    assert (doc["from"], doc["to"], doc["model_version"], doc["freq"]) == ("2026-10-02", "2026-10-03", "v0007", "D")
    search, social = doc["channels"]["search"], doc["channels"]["social"]
    assert search["spend"] == 20.0 and search["incremental_conversions"] == pytest.approx(8.0)  # 2 days at 8/2
    assert search["reported_conversions"] == 5.0 and search["reported_revenue"] == 90.0
    assert search["incremental_revenue"] is None and search["roi"] is None  # no revenue model
    # social: spend 30 on the 2nd, none on the 3rd (a filled-in zero day): 4 * 30/40
    assert social["spend"] == 30.0 and social["incremental_conversions"] == pytest.approx(3.0)
    assert doc["lift_tests"] == [] and "geos" not in doc and doc["warnings"] == []
    only = attribution(AttributionRequest(channels=["social"]), ctx).to_json()
    assert list(only["channels"]) == ["social"] and (only["from"], only["to"]) == ("2026-10-01", "2026-10-03")


def test_attribution_errors_name_what_to_change() -> None:
    ctx = _ctx(Campaigns(), {"conversions": _model({"search": 8.0})})
    with pytest.raises(ScopeError, match="known channels: search, social"):
        attribution(AttributionRequest(channels=["tv"]), ctx)
    with pytest.raises(PeriodError, match=r"2027-01-01..2027-02-01 does not overlap the history 2026-10-01..2026-10-03"):
        attribution(AttributionRequest(start="2027-01-01", end="2027-02-01"), ctx)  # type: ignore[arg-type]
    with pytest.raises(PeriodError, match="reversed"):
        attribution(AttributionRequest(start="2026-10-03", end="2026-10-01"), ctx)  # type: ignore[arg-type]
    with pytest.raises(ModelsUnavailable, match="attribution needs response models"):
        attribution(AttributionRequest(), _ctx(Campaigns(), None))


class Mmm:
    """A weekly national ``mmm`` table (the part the operation reads) and the campaign rows derived from it."""

    def __init__(self) -> None:
        weeks = pd.date_range("2026-01-05", periods=3, freq="7D")
        self.frame = pd.DataFrame({"date": weeks, "revenue": [100.0, 120.0, 90.0],
                                   "spend__tv": [10.0, 0.0, 30.0], "spend__on": [5.0, 5.0, 5.0]})
        self.channels = ("tv", "on")
        self.geo = False

    def spend_column(self, channel: str) -> str:
        return "spend__" + channel

    def national(self) -> pd.DataFrame:
        return self.frame.set_index("date")


class MmmData:
    def __init__(self) -> None:
        self.mmm = Mmm()
        self.campaign_source = "mmm"
        f = self.mmm.frame
        self.campaign_daily = pd.concat(
            [pd.DataFrame({"date": f["date"], "channel": ch, "spend": f[f"spend__{ch}"], "conversions": np.nan,
                           "revenue": np.nan}) for ch in self.mmm.channels],
            ignore_index=True,
        )
        self.lift_tests = pd.DataFrame({"channel": ["tv"], "kpi": ["revenue"], "start": ["2026-01-12"],
                                        "end": ["2026-01-25"], "incremental": [20.0], "std_error": [5.0]})


def test_attribution_of_a_weekly_mmm_table_revenue_only() -> None:
    ctx = _ctx(MmmData(), {"revenue": _model({"tv": 40.0, "on": 30.0})}, freq="W")
    doc = attribution(AttributionRequest(), ctx).to_json()
    assert (doc["from"], doc["to"], doc["freq"]) == ("2026-01-05", "2026-01-19", "W")
    assert list(doc["channels"]) == ["tv", "on"]  # config order
    tv = doc["channels"]["tv"]
    # weeks, not days: 40 * (10/20 + 0 + 30/40) = 50
    assert tv["spend"] == 40.0 and tv["incremental_revenue"] == pytest.approx(50.0)
    assert tv["roi"] == pytest.approx((50 - 40) / 40)
    assert tv["incremental_conversions"] is None and tv["lower_80"] is None
    assert tv["reported_conversions"] is None and tv["reported_revenue"] is None  # NaN campaign rows: null, not 0
    assert doc["warnings"] == ["the data has no campaign rows: platform-reported figures are null"]
    (test,) = doc["lift_tests"]
    assert test["fitted"] == pytest.approx(30.0) and test["measured"] == 20.0 and test["z"] == pytest.approx(2.0)


def test_diagnostics_attribution_keeps_weekly_periods_and_null_reported_figures() -> None:
    """advisor.diagnostics.attribution (diagnose's block, 95 % fields) on weekly mmm-derived campaign rows: the
    weekly model's transform runs over weeks (no zero days in between) and reported figures stay NaN."""
    from advisor.diagnostics.attribution import attribution as diagnostics_attribution

    data = MmmData()
    (tv,) = diagnostics_attribution(
        data.campaign_daily, "2026-01-05", "2026-01-19", {"revenue": _model({"tv": 40.0})}, ["tv"]
    )
    assert tv.incremental_revenue == pytest.approx(50.0) and tv.incremental_revenue_95 is not None
    assert np.isnan(tv.reported_revenue) and tv.claim_ratio("revenue") is None
    doc = tv.to_dict()
    assert doc["claim_ratio_revenue"] is None and doc["incremental_roi"] == pytest.approx(0.25)


class GeoMmm(Mmm):
    """Two geos, each holding half of every week's spend; national() sums them."""

    def __init__(self) -> None:
        super().__init__()
        nat = self.frame
        self.frame = pd.concat([nat.assign(geo=g, **{c: nat[c] / 2 for c in ("revenue", "spend__tv", "spend__on")})
                                for g in ("north", "south")], ignore_index=True)
        self.geo = True

    def national(self) -> pd.DataFrame:
        return self.frame.groupby("date")[["revenue", "spend__tv", "spend__on"]].sum()


def test_geo_model_reports_each_geo_from_its_own_contributions() -> None:
    seen: list[pd.DataFrame] = []

    def geo_contributions(panel: pd.DataFrame) -> pd.DataFrame:
        seen.append(panel)  # per geo: the pooled curve on the geo's own spend column (named by the channel)
        tr = ChannelTransform(0.0, 10.0, 1.0, 40.0)
        parts = [g.assign(tv=tr.response(g["tv"].to_numpy()) / 2)[["date", "geo", "tv"]] for _, g in panel.groupby("geo")]
        return pd.concat(parts, ignore_index=True)

    model = _model({"tv": 40.0})
    model.geos_ = ("north", "south")
    model.geo_contributions = geo_contributions
    data = MmmData()
    data.mmm = GeoMmm()
    doc = attribution(AttributionRequest(channels=["tv"]), _ctx(data, {"revenue": model}, freq="W")).to_json()
    assert {"tv", "on"} <= set(seen[0].columns) and set(seen[0]["geo"]) == {"north", "south"}
    north = doc["geos"]["north"]["tv"]
    # north spends [5, 0, 15]: 40/2 * (5/15 + 0 + 15/25); the national interval's relative width
    expected = 20 * (5 / 15 + 15 / 25)
    assert north["spend"] == 20.0 and north["incremental_revenue"] == pytest.approx(expected)
    national = doc["channels"]["tv"]
    assert north["revenue_upper_80"] / north["incremental_revenue"] == pytest.approx(
        national["revenue_upper_80"] / national["incremental_revenue"])
    assert north["roi"] == pytest.approx((expected - 20) / 20) and "reported_revenue" not in north
    # the national line of a geo model is the sum of its geo lines (not the national curve on national spend,
    # which equals it only when each geo's share of the spend is constant)
    total = sum(g["tv"]["incremental_revenue"] for g in doc["geos"].values())
    assert national["incremental_revenue"] == pytest.approx(total)


def test_the_fits_own_contributions_answer_for_the_fitted_periods_the_curve_after_them() -> None:
    """A model whose fit saw 2026-10-01..02 with the channel at another efficiency than today's: those days are
    the fit's contributions (``contributions_``), the 3rd (after the fit) is the curve at today's coefficient."""
    model = _model({"search": 8.0, "social": 4.0})
    model.contributions_ = pd.DataFrame(
        {"search": [1.5, 2.5], "social": [0.0, 6.0]}, index=pd.DatetimeIndex(["2026-10-01", "2026-10-02"])
    )
    doc = attribution(AttributionRequest(), _ctx(Campaigns(), {"conversions": model})).to_json()  # type: ignore[arg-type]
    # search: 1.5 + 2.5 from the fit, then 8 · 10/(10+10) on the 3rd from the curve
    assert doc["channels"]["search"]["incremental_conversions"] == pytest.approx(1.5 + 2.5 + 4.0)
    assert doc["channels"]["social"]["incremental_conversions"] == pytest.approx(6.0)
    # the interval keeps the coefficient's relative s.e. (10 %) around the mean
    lo, hi = doc["channels"]["search"]["lower_80"], doc["channels"]["search"]["upper_80"]
    assert lo < 8.0 < hi and (hi - 8.0) == pytest.approx(8.0 - lo)


def test_attribution_warns_when_the_channels_explain_most_of_the_kpi() -> None:
    model = _model({"tv": 40.0, "on": 30.0})
    model.fitted.media_share = 0.81
    doc = attribution(AttributionRequest(), _ctx(MmmData(), {"revenue": model}, freq="W")).to_json()
    (said,) = [w for w in doc["warnings"] if "explain" in w]
    assert said.startswith("revenue: the channels explain 81% of revenue") and "upper bound" in said
    model.spec, model.fitted.freq = SimpleNamespace(weekly_seasonality="auto"), "W"  # the shape was read already
    doc = attribution(AttributionRequest(), _ctx(MmmData(), {"revenue": model}, freq="W")).to_json()
    (said,) = [w for w in doc["warnings"] if "explain" in w]
    assert "seasonality: auto" not in said and "read from revenue first" in said
    model.fitted.media_share = 0.3
    doc = attribution(AttributionRequest(), _ctx(MmmData(), {"revenue": model}, freq="W")).to_json()
    assert not [w for w in doc["warnings"] if "explain" in w]


def test_a_channel_whose_geo_intervals_reach_zero_in_half_the_geos_is_said_unreadable() -> None:
    """North's figure is its share of the curve, south's is 0 (a geo coefficient clipped at 0): its interval starts
    at 0 in one geo of two, so the split of tv by geo cannot be read; with both geos positive nothing is said."""

    def contributions(south: float) -> Any:
        def geo_contributions(panel: pd.DataFrame) -> pd.DataFrame:
            tr = ChannelTransform(0.0, 10.0, 1.0, 40.0)
            parts = [g.assign(tv=tr.response(g["tv"].to_numpy()) / 2 * (south if geo == "south" else 1.0))
                     for geo, g in panel.groupby("geo")]
            return pd.concat(parts, ignore_index=True)[["date", "geo", "tv"]]

        return geo_contributions

    for south, said in ((0.0, True), (1.0, False)):
        model = _model({"tv": 40.0})
        model.geos_ = ("north", "south")
        model.geo_contributions = contributions(south)
        data = MmmData()
        data.mmm = GeoMmm()
        doc = attribution(AttributionRequest(channels=["tv"]), _ctx(data, {"revenue": model}, freq="W")).to_json()
        geo_said = [w for w in doc["warnings"] if "split by geo" in w]
        assert (doc["geos"]["south"]["tv"]["revenue_lower_80"] == 0.0) is said
        if said:
            assert geo_said == [
                "the split by geo cannot be read for 'tv' (1 of 2 geos): there the 80% interval of incremental revenue "
                "reaches 0, so the data cannot tell the geos apart; read the national figures, or run a geo holdout "
                "test (switch the channel off in some geos)"
            ]
        else:
            assert geo_said == []
