"""Planning on real budgets (issue 13 item 5): any budget fits the default bounds (they widen, and say so), explicit
bounds, channels with no recent spend, bundles with one KPI and weekly models."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from models.forecast import forecast
from models.optimize import channel_bounds, minimum_spend, optimize_budget
from models.plan import PlanError, parse_plan, plan_dates, reference_plan
from models.response import ResponseBundle, ResponseSpec
from models.response.synthetic import synthetic_world
from training.response import fit_bundle, prepare_history


@pytest.fixture(scope="module")
def bundle() -> ResponseBundle:
    w = synthetic_world(seed=5, days=400)
    hist, ch, camp, freq = prepare_history(w.tables)
    return fit_bundle(hist, ch, camp, freq, ResponseSpec(country=None, n_starts=1))


@pytest.fixture(scope="module")
def weekly() -> ResponseBundle:
    w = synthetic_world(seed=4, days=730)
    hist, ch, camp, _ = prepare_history(w.tables)
    hist = hist.resample("W-MON", label="left", closed="left").sum().iloc[:-1]
    return fit_bundle(hist, ch, camp, "W", ResponseSpec(country=None, n_starts=1, shape_source="spend"))


def _period(bundle: ResponseBundle, first: int = 1, last: int = 28) -> tuple[str, str]:
    end = pd.Timestamp(bundle.context.last_date)
    return str((end + pd.Timedelta(days=first)).date()), str((end + pd.Timedelta(days=last)).date())


def _run_rate(bundle: ResponseBundle, start: str, end: str) -> dict[str, float]:
    return dict(reference_plan(bundle, pd.Timestamp(start), pd.Timestamp(end)).spend)


def _inside(res: object) -> None:
    alloc, bnd = res.allocation, res.bounds  # type: ignore[attr-defined]
    for ch, v in alloc.items():
        assert bnd[ch][0] - 1e-3 <= v <= bnd[ch][1] + 1e-3, (ch, v, bnd[ch])


@pytest.mark.parametrize("times", [3.1, 12.0, 0.1])
def test_any_budget_fits_and_the_widening_is_noted(bundle: ResponseBundle, times: float) -> None:
    start, end = _period(bundle)
    ref = _run_rate(bundle, start, end)
    budget = times * sum(ref.values())
    res = optimize_budget(bundle, budget, start, end, with_forecast=False)
    assert res.status in ("optimal", "approximate")
    assert sum(res.allocation.values()) == pytest.approx(budget, rel=1e-4)
    _inside(res)
    assert len(res.notes) == 1
    note = res.notes[0]
    assert note.startswith(f"budget {budget:,.0f} is {times:.1f}×" if times >= 1 else f"budget {budget:,.0f} is 0.1×")
    assert "widened so the budget fits" in note and f"{start}..{end}" in note
    for ch, r in ref.items():
        lo, hi = res.bounds[ch]
        share = times * r  # the run-rate split scaled to the budget lies inside, with the same ±50 %
        if times > 1:
            assert (lo, hi) == (pytest.approx(0.5 * r), pytest.approx(1.5 * share))
        else:
            assert (lo, hi) == (pytest.approx(0.5 * share), pytest.approx(1.5 * r))
        assert f"{ch} {lo:,.0f}–{hi:,.0f}" in note
    assert json.loads(json.dumps(res.to_dict()))["notes"] == res.notes


def test_budget_inside_the_default_bounds_is_not_widened(bundle: ResponseBundle) -> None:
    start, end = _period(bundle)
    ref = _run_rate(bundle, start, end)
    res = optimize_budget(bundle, 1.2 * sum(ref.values()), start, end, with_forecast=False)
    assert res.notes == []
    assert res.bounds == {ch: (pytest.approx(0.5 * r), pytest.approx(1.5 * r)) for ch, r in ref.items()}


@pytest.mark.parametrize(("width", "low"), [(0.0, 1.0), (0.2, 0.8), (1.0, 0.0), (3.0, 0.0)])
def test_width_above_one_clips_the_lower_bound_at_zero(bundle: ResponseBundle, width: float, low: float) -> None:
    start, end = _period(bundle)
    ref = _run_rate(bundle, start, end)
    bnd, notes = channel_bounds(bundle, ref, width)
    assert notes == []
    for ch, r in ref.items():
        assert bnd[ch] == (pytest.approx(low * r), pytest.approx((1 + width) * r))
    with pytest.raises(PlanError, match="width must be a non-negative number"):
        channel_bounds(bundle, ref, -0.1)


def test_explicit_bounds_are_kept_and_the_others_widen(bundle: ResponseBundle) -> None:
    start, end = _period(bundle)
    ref = _run_rate(bundle, start, end)
    budget = 3 * sum(ref.values())
    res = optimize_budget(bundle, budget, start, end, bounds={"Search": (0.0, 1000.0), "display": (None, 500.0)},
                          with_forecast=False)
    assert res.bounds["search"] == (0.0, 1000.0)  # explicit sides are never widened
    assert res.bounds["display"] == (pytest.approx(0.5 * ref["display"]) if 0.5 * ref["display"] <= 500 else 500.0,
                                     500.0)
    assert res.bounds["social"][1] >= budget - 1500.0  # the rest of the budget goes to the one free channel
    assert sum(res.allocation.values()) == pytest.approx(budget, rel=1e-4)
    _inside(res)
    assert res.notes and "social" in res.notes[0] and "search" not in res.notes[0]
    # an empty low side keeps the default, an explicit low side is honoured
    own = optimize_budget(bundle, sum(ref.values()), start, end, bounds={"social": (1.2 * ref["social"], None)},
                          with_forecast=False)
    assert own.bounds["social"] == (pytest.approx(1.2 * ref["social"]), pytest.approx(1.5 * ref["social"]))


@pytest.mark.parametrize(
    ("bounds", "budget_times", "match"),
    [
        ({"search": (0.0, 1.0), "social": (0.0, 1.0), "display": (0.0, 1.0)}, 1.0,
         r"budget [\d,]+ is above what the channel bounds allow: the upper bounds sum to 3\.00 \(explicit bounds: "
         r"search 0–1\.00, social 0–1\.00, display 0–1\.00\)"),
        ({"search": (1e9, None)}, 1.0,
         r"below what the channel bounds require: the lower bounds sum to [\d,]+ \(explicit bounds: search "
         r"1,000,000,000–1,000,000,000\)"),
        ({"search": (5.0, 1.0)}, 1.0, r"bounds for 'search': low 5\.00 is above high 1\.00"),
        ({"search": (-1.0, 1.0)}, 1.0, r"bounds for 'search': low must be a non-negative number"),
        ({"tv": (0.0, 1.0)}, 1.0, r"unknown channel 'tv' in bounds; the model knows: display, search, social"),
        ({"search": (0.0, 1.0), "SEARCH": (0.0, 2.0)}, 1.0, r"channel 'search' is given twice in bounds"),
        ({"search": (0.0, 1.7e308), "social": (0.0, 1.7e308)}, 1.0,
         r"channel bounds are too large to compute with .*explicit bounds for search, social"),
        ({}, 1e300, r"channel bounds are too large to compute with .* width 0\.5, budget \S+e\+30\d, run rate"),
    ],
)
def test_infeasible_or_bad_explicit_bounds_are_clear_errors(
    bundle: ResponseBundle, bounds: dict[str, tuple[float | None, float | None]], budget_times: float, match: str
) -> None:
    start, end = _period(bundle)
    budget = budget_times * sum(_run_rate(bundle, start, end).values())
    with pytest.raises(PlanError, match=match):
        optimize_budget(bundle, budget, start, end, bounds=bounds, with_forecast=False)


def test_a_channel_with_no_recent_spend_can_be_turned_back_on(bundle: ResponseBundle) -> None:
    ctx = bundle.context
    off = ResponseBundle(bundle.models, replace(ctx, run_rate={**ctx.run_rate, "display": 0.0}))
    start, end = _period(off)
    ref = _run_rate(off, start, end)
    assert ref["display"] == 0.0
    at_run_rate = optimize_budget(off, sum(ref.values()), start, end, with_forecast=False)
    assert at_run_rate.bounds["display"] == (0.0, 0.0)
    assert any(n.startswith("display had no spend") for n in at_run_rate.notes)
    budget = 3 * sum(ref.values())
    wide = optimize_budget(off, budget, start, end, with_forecast=False)
    lo, hi = wide.bounds["display"]
    assert lo == 0.0 and hi == pytest.approx(1.5 * budget / 3)  # an equal share of the budget, ±50 %
    assert "display 0–" in wide.notes[0] and "(no recent spend)" in wide.notes[0]
    assert wide.allocation["display"] > 1.0  # the optimiser gives it budget (it has a response)
    explicit = optimize_budget(off, sum(ref.values()), start, end, bounds={"display": (None, 5000.0)},
                               with_forecast=False)
    assert explicit.bounds["display"] == (0.0, 5000.0) and explicit.allocation["display"] > 1.0
    fc = forecast(off, parse_plan({"start": start, "end": end, "spend": {"display": 2800.0}}, off), n_sims=100,
                  curves=False)
    assert sum(d["by_channel"]["display"]["spend"] for d in fc.daily) == pytest.approx(2800.0)


def test_profit_budget_is_a_cap_that_widens_too(bundle: ResponseBundle) -> None:
    start, end = _period(bundle)
    budget = 5 * sum(_run_rate(bundle, start, end).values())
    res = optimize_budget(bundle, budget, start, end, objective="profit", with_forecast=False)
    assert res.notes and res.expected["spend"] <= budget + 1e-3
    _inside(res)


def _drop(bundle: ResponseBundle, kpi: str) -> ResponseBundle:
    return ResponseBundle({k: m for k, m in bundle.models.items() if k != kpi}, bundle.context)


def test_revenue_only_bundle_forecasts_null_conversions_and_cpa(bundle: ResponseBundle) -> None:
    rev = _drop(bundle, "conversions")
    start, end = _period(rev)
    doc = forecast(rev, parse_plan({"start": start, "end": end, "spend": {"search": 20000.0}}, rev), n_sims=200).to_dict()
    tot = doc["total"]
    for k in ("conversions", "baseline_conversions", "incremental_conversions", "cpa"):
        assert tot[k] is None
    assert tot["revenue"]["mean"] > 0 and tot["roi"]["mean"] is not None and tot["roas"]["mean"] is not None
    assert doc["by_channel"]["search"]["conversions"] is None and doc["by_channel"]["search"]["cpa"] is None
    assert doc["by_channel"]["search"]["roi"]["mean"] is not None
    assert doc["daily"][0]["conversions"] is None and doc["daily"][0]["revenue"]["mean"] > 0
    assert doc["response_curves"]["search"]["marginal_cpa"] is None
    assert doc["notes"] == ["no conversions model (the data has no conversions outcome, or it was not fitted): "
                            "conversions and CPA are null"]
    json.dumps(doc)


def test_conversions_only_bundle_forecasts_null_revenue_roi_and_roas(bundle: ResponseBundle) -> None:
    conv = _drop(bundle, "revenue")
    start, end = _period(conv)
    doc = forecast(conv, parse_plan({"start": start, "end": end, "spend": {"search": 20000.0}}, conv), n_sims=200)
    tot = doc.total
    assert tot["revenue"] is None and tot["roi"] is None and tot["roas"] is None
    assert tot["cpa"]["mean"] > 0 and tot["conversions"]["mean"] > 0
    curve = doc.response_curves["search"]
    assert curve["marginal_roas"] is None and curve["marginal_roi"] is None and curve["marginal_cpa"] > 0
    assert "revenue, ROI and ROAS are null" in doc.notes[0]


def test_objective_defaults_to_an_available_kpi_and_refuses_a_missing_one(bundle: ResponseBundle) -> None:
    start, end = _period(bundle)
    budget = sum(_run_rate(bundle, start, end).values())
    assert optimize_budget(bundle, budget, start, end, with_forecast=False).objective == "revenue"
    rev, conv = _drop(bundle, "conversions"), _drop(bundle, "revenue")
    res = optimize_budget(rev, budget, start, end, n_sims=100)
    assert res.objective == "revenue" and "conversions" not in res.expected
    assert res.forecast is not None and res.forecast.total["conversions"] is None
    res = optimize_budget(conv, budget, start, end, with_forecast=False)
    assert res.objective == "conversions"
    assert "roi" not in res.expected and "profit" not in res.expected and "roi" not in res.uplift
    assert res.uplift["conversions"] >= -1e-6
    with pytest.raises(PlanError, match=r"objective 'revenue' needs a revenue model, and this model set has none "
                                        r"\(trained: conversions\); use objective 'conversions'"):
        optimize_budget(conv, budget, start, end, objective="revenue")
    with pytest.raises(PlanError, match="objective 'profit' needs a revenue model"):
        optimize_budget(conv, budget, start, end, objective="profit")
    with pytest.raises(PlanError, match="min_roi needs a revenue model"):
        optimize_budget(conv, budget, start, end, objective="conversions", min_roi=0.1)
    with pytest.raises(PlanError, match=r"objective 'conversions' needs a conversions model, .* use objective 'revenue'"):
        optimize_budget(rev, budget, start, end, objective="conversions")
    with pytest.raises(PlanError, match=r"a revenue target needs a revenue model, and this model set has none"):
        minimum_spend(conv, "revenue", 1000.0, start, end)


# ---------------------------------------------------------------- weekly models


def test_weekly_plan_counts_the_weeks_starting_in_the_period(weekly: ResponseBundle) -> None:
    ctx = weekly.context
    assert ctx.freq == "W"
    last = pd.Timestamp(ctx.last_date)
    start, end = _period(weekly, 1, 28)  # a Tuesday to a Monday: the weeks starting last+7 .. last+28
    dates = plan_dates(pd.Timestamp(start), pd.Timestamp(end), "W", last)
    assert list(dates) == [last + pd.Timedelta(days=7 * k) for k in (1, 2, 3, 4)]
    plan = parse_plan({"start": start, "end": end, "spend": {"search": 40000.0}, "daily": {"social": [1, 2, 3, 4]}},
                      weekly)
    doc = forecast(weekly, plan, n_sims=200).to_dict()
    assert [d["date"] for d in doc["daily"]] == [str(d.date()) for d in dates]
    assert [d["by_channel"]["social"]["spend"] for d in doc["daily"]] == [1.0, 2.0, 3.0, 4.0]
    assert [d["by_channel"]["search"]["spend"] for d in doc["daily"]] == pytest.approx([10000.0] * 4)  # even spread
    assert doc["by_channel"]["search"]["conversions"]["mean"] > 0
    with pytest.raises(PlanError, match=r"'daily' series for 'social' has 3 values; the plan has 4 weeks"):
        parse_plan({"start": start, "end": end, "daily": {"social": [1, 2, 3]}}, weekly)
    # the end date counts its week when the week starts on it; a period starting mid-week skips that week
    short = plan_dates(pd.Timestamp(str((last + pd.Timedelta(days=8)).date())), last + pd.Timedelta(days=14), "W", last)
    assert list(short) == [last + pd.Timedelta(days=14)]


def test_weekly_period_without_a_week_start_is_refused(weekly: ResponseBundle) -> None:
    last = pd.Timestamp(weekly.context.last_date)
    start, end = _period(weekly, 8, 12)
    nxt = (last + pd.Timedelta(days=14)).date()
    with pytest.raises(PlanError, match=rf"period {start}\.\.{end} holds no week of the weekly model: a week counts "
                                        rf"when its start date lies in \[start, end\], and the model's weeks start on "
                                        rf"{last.day_name()}s \(nearest: {(last + pd.Timedelta(days=7)).date()}, {nxt}\)"):
        parse_plan({"start": start, "end": end, "spend": {"search": 1.0}}, weekly)
    with pytest.raises(PlanError, match="holds no week of the weekly model"):
        optimize_budget(weekly, 1000.0, start, end)


def test_weekly_optimize_any_budget(weekly: ResponseBundle) -> None:
    start, end = _period(weekly, 1, 56)
    ref = _run_rate(weekly, start, end)
    assert ref["search"] == pytest.approx(8 * weekly.context.run_rate["search"])
    for times in (1.0, 4.0):
        res = optimize_budget(weekly, times * sum(ref.values()), start, end, n_sims=200)
        assert sum(res.allocation.values()) == pytest.approx(times * sum(ref.values()), rel=1e-4)
        _inside(res)
        assert bool(res.notes) == (times > 1.5)
        assert res.forecast is not None and len(res.forecast.daily) == 8
        assert res.uplift_same_budget["revenue"] >= -1e-6
    assert np.isfinite(res.expected["revenue"])
