"""truth.json is complete and exact; TrueWorld gives the generator's expectation for future plans."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from demo_world import DemoWorld, TrueWorld
from demo_world.params import BaselineParams, CampaignParams
from demo_world.response import incremental_conversions
from demo_world.transforms import geometric_adstock, hill

START = pd.Timestamp("2026-11-01")


def _spend_matrix(world: DemoWorld) -> pd.DataFrame:
    return world.true_daily.pivot(index="date", columns="campaign_id", values="spend")


def test_transforms() -> None:
    ad, final = geometric_adstock(np.full(200, 50.0), 0.6)
    assert ad[-1] == pytest.approx(50.0) and final[0] == pytest.approx(50.0)
    assert hill(10.0, 10.0, 1.7) == pytest.approx(0.5)
    assert np.all(np.diff(hill(np.linspace(0, 100, 50), 20.0, 1.5)) > 0)


def test_truth_json_round_trip_is_exact(world: DemoWorld, tmp_path) -> None:
    path = tmp_path / "truth.json"
    path.write_text(json.dumps(world.truth))
    a, b = TrueWorld.from_json(path), TrueWorld.from_dict(world.truth)
    plan = a.reference_daily_spend("2026-11-01", "2026-11-30")
    pd.testing.assert_frame_equal(a.expected_outcomes(plan), b.expected_outcomes(plan))
    assert world.truth["schema_version"].startswith("1.")


def test_truth_parameters_replay_the_generator(world: DemoWorld) -> None:
    """Parameters read back from truth.json reproduce the generator's noise-free incremental exactly where
    no planted problem acts, end in the stored adstock state, and give the stored baseline."""
    camps = [CampaignParams.from_dict(v) for v in world.truth["campaigns"].values()]
    ids = [c.campaign_id for c in camps]
    spend = _spend_matrix(world)[ids]
    inc, final = incremental_conversions(spend.to_numpy(), camps)
    truth_inc = world.true_daily.pivot(index="date", columns="campaign_id", values="incremental_conversions")[ids]
    hit = {p["campaign_id"]: pd.Timestamp(p["start"]) for p in world.truth["problems"] if "campaign_id" in p}
    for j, cid in enumerate(ids):
        upto = spend.index < hit.get(cid, pd.Timestamp.max)
        np.testing.assert_allclose(inc[upto, j], truth_inc[cid].to_numpy()[upto], rtol=1e-12, err_msg=cid)
    states = [world.truth["campaigns"][c]["adstock_state_end"] for c in ids]
    np.testing.assert_allclose(final, states, rtol=1e-12)
    base = BaselineParams.from_dict(world.truth["baseline"]).conversions(pd.DatetimeIndex(spend.index))
    np.testing.assert_allclose(base, world.truth["daily"]["baseline_conversions"], rtol=1e-12)


def test_channel_totals_equal_generated_incremental(world: DemoWorld) -> None:
    sums = world.true_daily.groupby("channel")[["incremental_conversions", "incremental_revenue"]].sum()
    for ch, row in sums.iterrows():
        ti = world.truth["channels"][ch]["true_incremental"]
        assert ti["conversions"] == pytest.approx(row["incremental_conversions"], rel=1e-9)
        assert ti["revenue"] == pytest.approx(row["incremental_revenue"], rel=1e-9)
        assert sum(world.truth["daily"]["incremental_conversions"][ch]) == pytest.approx(ti["conversions"])


def test_outcomes_are_baseline_plus_incremental_within_noise(world: DemoWorld) -> None:
    od = world.tables["outcomes_daily"]
    mu = (
        np.asarray(world.truth["daily"]["baseline_conversions"])
        + world.true_daily.groupby("date")["incremental_conversions"].sum().to_numpy()
    )
    assert od["conversions"].sum() / mu.sum() == pytest.approx(1.0, abs=0.01)
    z = (od["conversions"].to_numpy() - mu) / np.sqrt(mu + mu**2 / 300.0)
    assert abs(z.mean()) < 0.15 and 0.8 < z.std() < 1.2
    exp_rev = world.truth["totals"]["expected_revenue"]
    assert od["revenue"].sum() / exp_rev == pytest.approx(1.0, abs=0.01)


def test_platforms_over_report_by_their_claim_factor(world: DemoWorld) -> None:
    cd = world.tables["campaign_daily"]
    for ch, doc in world.truth["channels"].items():
        reported = cd.loc[cd["channel"] == ch, "conversions"].sum()
        assert reported / doc["expected_reported"]["conversions"] == pytest.approx(1.0, abs=0.05), ch
        assert doc["expected_reported"]["conversions"] > doc["true_incremental"]["conversions"]


def test_reference_plan_is_recent_run_rate(world: DemoWorld, true_world: TrueWorld) -> None:
    ref = true_world.reference_daily_spend("2026-11-01", "2026-11-28")
    cd = world.tables["campaign_daily"]
    last = cd[cd["date"] > pd.Timestamp("2026-10-03")].groupby("channel")["spend"].sum() / 28
    pd.testing.assert_series_equal(ref.mean().sort_index(), last.sort_index(), check_names=False, rtol=1e-9)
    # same weekday → same value; the expected incremental of business as usual matches the last 28 days
    assert (ref.iloc[:7].to_numpy() == ref.iloc[7:14].to_numpy()).all()
    out = true_world.expected_outcomes(ref)
    recent_inc = world.true_daily[world.true_daily["date"] > pd.Timestamp("2026-10-03")]
    assert out.filter(regex="^(?!total|baseline).*_conversions$").to_numpy().sum() == pytest.approx(
        recent_inc["incremental_conversions"].sum(), rel=0.1
    )


def test_expected_outcomes_columns_and_totals(true_world: TrueWorld) -> None:
    plan = true_world.reference_daily_spend("2026-11-01", "2026-12-31")
    out = true_world.expected_outcomes(plan)
    assert list(out.index) == list(plan.index)
    for ch in true_world.channels:
        assert {f"{ch}_conversions", f"{ch}_revenue"} <= set(out.columns)
    parts = out[["baseline_conversions", *[f"{ch}_conversions" for ch in true_world.channels]]].sum(axis=1)
    np.testing.assert_allclose(parts, out["total_conversions"])
    tot = true_world.expected_totals(plan)
    assert tot["conversions"] == pytest.approx(out["total_conversions"].sum())
    assert tot["revenue"] == pytest.approx(out["total_revenue"].sum())
    bf = out.loc["2026-11-27", "baseline_conversions"] / out.loc["2026-11-20", "baseline_conversions"]
    assert bf > 1.5, "Black Friday bump present in the future baseline"


def test_more_spend_more_conversions_with_diminishing_returns(true_world: TrueWorld) -> None:
    ref = true_world.reference_daily_spend("2026-11-01", "2026-12-31")
    for ch in true_world.channels:
        inc = []
        for m in (1.0, 2.0, 3.0, 4.0, 5.0):
            plan = ref.copy()
            plan[ch] *= m
            inc.append(true_world.expected_outcomes(plan)[f"{ch}_conversions"].sum())
        steps = np.diff(inc)
        assert (steps > 0).all(), ch
        assert (np.diff(steps) < 0).all(), f"{ch}: returns must diminish, got steps {steps}"


def test_switching_a_channel_off_removes_its_incremental(true_world: TrueWorld) -> None:
    plan = true_world.reference_daily_spend("2026-11-01", "2026-12-31")
    plan["display"] = 0.0
    out = true_world.expected_outcomes(plan)
    assert out["display_conversions"].iloc[0] > 0, "carry-over from history on the first day"
    assert out["display_conversions"].iloc[45:].max() < 1e-6
    ref = true_world.expected_outcomes(true_world.reference_daily_spend("2026-11-01", "2026-12-31"))
    np.testing.assert_allclose(out["search_conversions"], ref["search_conversions"])


def test_late_start_fills_the_gap_with_the_reference_plan(true_world: TrueWorld) -> None:
    full = true_world.reference_daily_spend("2026-11-01", "2026-12-31")
    later = full.loc["2026-11-15":]
    np.testing.assert_allclose(
        true_world.expected_outcomes(later).to_numpy(), true_world.expected_outcomes(full).loc["2026-11-15":]
    )


def test_persisting_problems_are_in_the_future(world: DemoWorld, true_world: TrueWorld) -> None:
    landing = next(p for p in world.truth["problems"] if p["kind"] == "broken_landing_page")
    doc = world.truth["campaigns"][landing["campaign_id"]]
    assert doc["quality_end"]["cvr"] == pytest.approx(landing["effect"])
    i = [c.campaign_id for c in true_world.campaigns].index(landing["campaign_id"])
    assert true_world.quality[i] == pytest.approx(landing["effect"])


@pytest.mark.parametrize(
    ("plan", "match"),
    [
        (pd.DataFrame({"search": [1.0]}, index=pd.to_datetime(["2026-10-31"])), "after the history"),
        (pd.DataFrame({"tv": [1.0]}, index=pd.to_datetime(["2026-11-01"])), "unknown channels"),
        (pd.DataFrame({"search": [-1.0]}, index=pd.to_datetime(["2026-11-01"])), "≥ 0"),
        (pd.DataFrame({"search": [1.0, 1.0]}, index=pd.to_datetime(["2026-11-01", "2026-11-03"])), "consecutive"),
    ],
)
def test_bad_plans_are_rejected(true_world: TrueWorld, plan: pd.DataFrame, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        true_world.expected_outcomes(plan)


def test_campaign_plan_equals_the_split_channel_plan(true_world: TrueWorld) -> None:
    ref = true_world.reference_daily_spend("2026-11-01", "2026-11-30")
    shares = true_world.campaign_shares()
    by_campaign = pd.DataFrame({c.campaign_id: ref[c.channel] * shares[c.campaign_id] for c in true_world.campaigns})
    pd.testing.assert_frame_equal(true_world.expected_outcomes(by_campaign), true_world.expected_outcomes(ref))
    assert (
        shares.groupby(pd.Series({c.campaign_id: c.channel for c in true_world.campaigns})).sum().round(9).eq(1).all()
    )
    one = by_campaign.iloc[:, :1] * 2.0  # other campaigns spend 0
    assert true_world.expected_totals(one)["conversions"] < true_world.expected_totals(by_campaign)["conversions"]


def _expected_business_totals(world: DemoWorld) -> tuple[np.ndarray, np.ndarray]:
    """Expected daily business conversions and revenue from truth.json's baseline and the noise-free incremental."""
    bp = BaselineParams.from_dict(world.truth["baseline"])
    dates = pd.DatetimeIndex(world.tables["outcomes_daily"]["date"])
    inc = world.true_daily.groupby("date")[["incremental_conversions", "incremental_revenue"]].sum().reindex(dates)
    base = bp.conversions(dates)
    return base + inc["incremental_conversions"].to_numpy(), base * bp.aov + inc["incremental_revenue"].to_numpy()


@pytest.mark.parametrize("seed", [2, 7])
def test_generator_simulates_around_truths_expectation(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """The expectation the generator hands to the outcomes noise is exactly truth.json's (baseline with its
    holidays and seasonality + incremental with the planted problems), so nothing is applied on one side only."""
    import demo_world.world as world_mod

    seen: dict[str, np.ndarray] = {}
    real = world_mod.funnel.outcomes_daily

    def spy(rng: np.random.Generator, dates: pd.DatetimeIndex, conv: np.ndarray, rev: np.ndarray) -> pd.DataFrame:
        seen["conversions"], seen["revenue"] = np.array(conv), np.array(rev)
        return real(rng, dates, conv, rev)

    monkeypatch.setattr(world_mod.funnel, "outcomes_daily", spy)
    w = world_mod.generate_world(seed, days=730)
    conv, rev = _expected_business_totals(w)
    np.testing.assert_allclose(seen["conversions"], conv, rtol=1e-12)
    np.testing.assert_allclose(seen["revenue"], rev, rtol=1e-12)
    assert rev.sum() == pytest.approx(w.truth["totals"]["expected_revenue"], rel=1e-9)


def test_outcomes_noise_averages_to_the_expectation(world: DemoWorld) -> None:
    """Over many noise draws the simulated business totals average to truth's expectation: overall, per year
    and at every level (no non-unit-mean noise factor, no level-dependent bias)."""
    from demo_world.funnel import outcomes_daily

    conv, rev = _expected_business_totals(world)
    dates = pd.DatetimeIndex(world.tables["outcomes_daily"]["date"])
    rng = np.random.default_rng(0)
    n = 400
    sums = np.zeros((2, len(dates)))
    for _ in range(n):
        od = outcomes_daily(rng, dates, conv, rev)
        sums += od[["conversions", "revenue"]].to_numpy(dtype=float).T
    mean_c, mean_r = sums / n
    for part in (slice(0, 365), slice(365, None), slice(None)):
        # Monte-Carlo s.e. of a year's mean is < 0.03 %; 0.2 % is > 6 s.e.
        assert mean_c[part].sum() / conv[part].sum() == pytest.approx(1.0, abs=0.002)
        assert mean_r[part].sum() / rev[part].sum() == pytest.approx(1.0, abs=0.002)
    # no bias that depends on the level (e.g. a lognormal without its −σ²/2 on busy days): slope 1 through 0
    busy = conv > np.quantile(conv, 0.9)
    assert mean_c[busy].sum() / conv[busy].sum() == pytest.approx(1.0, abs=0.003)
    assert mean_r[busy].sum() / rev[busy].sum() == pytest.approx(1.0, abs=0.004)
