"""Plans, forecasts and the optimizer on a fitted synthetic bundle."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from models.forecast import expected_totals, forecast
from models.optimize import minimum_spend, optimize_budget
from models.plan import PlanError, load_plan, parse_plan, reference_plan
from models.response import ResponseBundle, ResponseSpec
from models.response.synthetic import synthetic_world
from training.response import fit_bundle, prepare_history

KEYS = {"mean", "lower_80", "upper_80", "lower_95", "upper_95"}


@pytest.fixture(scope="module")
def bundle() -> ResponseBundle:
    w = synthetic_world(seed=5, days=400)
    hist, ch, camp, freq = prepare_history(w.tables)
    return fit_bundle(hist, ch, camp, freq, ResponseSpec(country=None, n_starts=1))


def _start(bundle: ResponseBundle, days: int = 1) -> str:
    return str((pd.Timestamp(bundle.context.last_date) + pd.Timedelta(days=days)).date())


def _plan(bundle: ResponseBundle, **spend: float) -> dict[str, object]:
    return {"start": _start(bundle), "end": _start(bundle, 28), "spend": spend}


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"spend": {"tv": 100}}, r"unknown channel 'tv'; the model knows: display, search, social"),
        ({"spend": {"serach": 100}}, r"unknown channel 'serach' \(did you mean search\?\); the model knows"),
        ({"spend": {"search": 1, "Search": 2}}, "channel 'search' is given twice in 'spend'"),
        ({"spend": {"search": -5}}, "non-negative"),
        ({"spend": None, "campaigns": {"nope": 5}}, "unknown campaign 'nope'; known campaigns: display-01"),
        ({"end": "2000-01-01"}, "before its start"),
        ({"end": "2099-01-01"}, "at most 730"),
        ({"start": "2024-01-10", "end": "2024-01-20"}, "must start after the training data ends"),
    ],
)
def test_bad_plans_name_the_problem(bundle: ResponseBundle, change: dict[str, object], match: str) -> None:
    plan = {**_plan(bundle, search=1000.0), **change}
    plan = {k: v for k, v in plan.items() if v is not None}
    with pytest.raises(PlanError, match=match):
        parse_plan(plan, bundle)


def test_channel_names_ignore_case_spaces_and_hyphens(bundle: ResponseBundle) -> None:
    plan = parse_plan({"start": _start(bundle), "end": _start(bundle, 7), "spend": {" SEARCH ": 700.0, "Social": 70.0},
                       "daily": {"Display": [10.0] * 7}}, bundle)
    assert plan.spend == {"display": 70.0, "search": 700.0, "social": 70.0}
    assert plan.daily == {"display": (10.0,) * 7}


def test_model_trained_on_other_channels(bundle: ResponseBundle) -> None:
    ctx = bundle.context
    other = type(ctx)(("search",), {}, {"search": ctx.weekday_share["search"]}, {"search": 1.0}, ctx.last_date, "D")
    with pytest.raises(PlanError, match="trained on other channels"):
        parse_plan(_plan(bundle, search=1.0), ResponseBundle(bundle.models, other))


def test_plan_files_yaml_json_and_campaigns(bundle: ResponseBundle, tmp_path: Path) -> None:
    p = tmp_path / "plan.yaml"
    p.write_text(f"start: {_start(bundle)}\nend: {_start(bundle, 14)}\ncampaigns:\n  search-01: 7000\n")
    plan = load_plan(p, bundle)
    assert plan.spend["search"] == 7000 and plan.spend["social"] == 0
    j = tmp_path / "plan.json"
    j.write_text(json.dumps(_plan(bundle, social=100.0)))
    assert load_plan(j, bundle).spend["social"] == 100.0
    (tmp_path / "bad.json").write_text("{nope")
    with pytest.raises(PlanError, match="not valid JSON"):
        load_plan(tmp_path / "bad.json", bundle)


def test_forecast_document(bundle: ResponseBundle) -> None:
    ref = reference_plan(bundle, pd.Timestamp(_start(bundle)), pd.Timestamp(_start(bundle, 28)))
    fc = forecast(bundle, ref, n_sims=400)
    doc = fc.to_dict()
    for k in ("conversions", "revenue", "roi", "cpa", "roas"):
        assert set(doc["total"][k]) == KEYS
        t = doc["total"][k]
        assert t["lower_95"] <= t["lower_80"] <= t["upper_80"] <= t["upper_95"]
    for ch in ("search", "social", "display"):
        assert set(doc["by_channel"][ch]["conversions"]) == KEYS
        assert doc["by_channel"][ch]["spend"] == pytest.approx(ref.spend[ch])
    tot = doc["total"]
    assert tot["conversions"]["mean"] == pytest.approx(
        tot["baseline_conversions"]["mean"] + tot["incremental_conversions"]["mean"]
    )
    assert len(doc["daily"]) == 28
    # the horizon interval is narrower than the sum of daily bands (bands are not added up)
    width_total = tot["conversions"]["upper_80"] - tot["conversions"]["lower_80"]
    width_sum = sum(d["conversions"]["upper_80"] - d["conversions"]["lower_80"] for d in doc["daily"])
    assert width_total < width_sum
    curve = doc["response_curves"]["search"]
    assert np.all(np.diff(curve["conversions_per_period"]) >= -1e-9)
    assert curve["marginal_roi"] == pytest.approx(curve["marginal_roas"] - 1)
    json.dumps(doc)  # plain JSON


def test_more_spend_more_conversions(bundle: ResponseBundle) -> None:
    lo = expected_totals(bundle, parse_plan(_plan(bundle, search=5000.0, social=5000.0), bundle))
    hi = expected_totals(bundle, parse_plan(_plan(bundle, search=50000.0, social=50000.0), bundle))
    assert hi["conversions"] > lo["conversions"]
    assert hi["incremental"]["conversions"]["search"] > lo["incremental"]["conversions"]["search"]


def test_optimizer_respects_budget_and_bounds_and_beats_reference(bundle: ResponseBundle) -> None:
    start, end = _start(bundle), _start(bundle, 28)
    ref = reference_plan(bundle, pd.Timestamp(start), pd.Timestamp(end))
    res = optimize_budget(bundle, ref.total, start, end, objective="revenue", n_sims=200)
    assert sum(res.allocation.values()) == pytest.approx(ref.total, rel=1e-4)
    for ch, v in res.allocation.items():
        lo, hi = res.bounds[ch]
        assert lo - 1e-3 <= v <= hi + 1e-3
        assert lo == pytest.approx(0.5 * ref.spend[ch]) and hi == pytest.approx(1.5 * ref.spend[ch])
    assert res.uplift["revenue"] >= -1e-6
    doc = res.to_dict()
    assert {"allocation", "forecast", "reference_plan", "uplift"} <= set(doc)
    big = optimize_budget(bundle, 10 * ref.total, start, end, with_forecast=False)  # the default bounds widen
    assert sum(big.allocation.values()) == pytest.approx(10 * ref.total, rel=1e-4)
    assert big.notes and "10.0× the run rate" in big.notes[0]
    assert res.notes == [] and doc["notes"] == []
    lo, hi = 0.9 * ref.spend["search"], ref.spend["search"]
    pinned = optimize_budget(bundle, ref.total, start, end, bounds={"Search": (lo, hi)}, with_forecast=False)
    assert pinned.bounds["search"] == (pytest.approx(lo), pytest.approx(hi))  # channel names ignore case
    with pytest.raises(PlanError, match=r"unknown channel 'tv' in bounds; the model knows"):
        optimize_budget(bundle, ref.total, start, end, bounds={"tv": (0.0, 1.0)})


def test_min_roi_and_minimum_spend(bundle: ResponseBundle) -> None:
    start, end = _start(bundle), _start(bundle, 28)
    ref = reference_plan(bundle, pd.Timestamp(start), pd.Timestamp(end))
    prof = optimize_budget(bundle, ref.total, start, end, objective="profit", min_roi=0.0, with_forecast=False)
    if prof.status != "infeasible":
        assert prof.expected["roi"] >= -1e-6
        assert prof.expected["spend"] <= ref.total + 1e-3
    target = expected_totals(bundle, ref)["conversions"]
    ms = minimum_spend(bundle, "conversions", target, start, end, with_forecast=False)
    assert ms.status in ("optimal", "approximate")
    assert ms.expected["conversions"] >= target - 1e-3 * target
    assert ms.expected["spend"] <= ref.total * 1.001
    unreachable = minimum_spend(bundle, "conversions", 10 * target, start, end, with_forecast=False)
    assert unreachable.status == "infeasible" and "unreachable" in unreachable.message


def test_daily_rows_carry_channel_split(bundle: ResponseBundle) -> None:
    plan = parse_plan(_plan(bundle, search=2800.0, social=0.0), bundle)
    doc = forecast(bundle, plan, n_sims=200, curves=False).to_dict()
    day = doc["daily"][0]
    assert set(day["by_channel"]) == {"search", "social", "display"}
    assert sum(d["by_channel"]["search"]["spend"] for d in doc["daily"]) == pytest.approx(2800.0)
    inc = sum(d["by_channel"]["search"]["incremental_conversions"] for d in doc["daily"])
    assert inc == pytest.approx(doc["by_channel"]["search"]["conversions"]["mean"])


def test_uplift_at_same_budget_isolates_reallocation(bundle: ResponseBundle) -> None:
    start, end = _start(bundle), _start(bundle, 28)
    ref = reference_plan(bundle, pd.Timestamp(start), pd.Timestamp(end))
    same = optimize_budget(bundle, ref.total, start, end, objective="revenue", with_forecast=False)
    assert same.uplift_same_budget["revenue"] == pytest.approx(same.uplift["revenue"], rel=1e-6, abs=1e-6)
    smaller = optimize_budget(bundle, 0.8 * ref.total, start, end, objective="revenue", with_forecast=False)
    # against the run-rate, spending 20 % less may lose revenue; against the same budget re-allocation never does
    assert smaller.uplift_same_budget["revenue"] >= -1e-6
    assert smaller.uplift["spend"] == pytest.approx(-0.2 * ref.total, rel=1e-4)
    assert "uplift_same_budget" in smaller.to_dict()
