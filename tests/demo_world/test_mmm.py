"""The media-mix (``mmm``) demo world: folder shape, exact truth, future outcomes, lift tests, determinism."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from api.cli import app
from demo_world import (
    MmmWorld,
    campaign_lift_tests,
    generate_mmm_world,
    mmm_lift_tests,
    reference_plan,
    true_outcome,
)
from demo_world.lift import COLUMNS, RELATIVE_SE
from demo_world.mmm_truth import baseline_parameters, channel_arrays, media_response, weekly_organic


@pytest.fixture(scope="module")
def national() -> MmmWorld:
    return generate_mmm_world(seed=3)


@pytest.fixture(scope="module")
def geo() -> MmmWorld:
    return generate_mmm_world(seed=4, geos=10)


def test_cli_writes_an_mmm_folder_with_lift_tests(tmp_path) -> None:
    out = tmp_path / "mmm"
    res = CliRunner().invoke(app, ["demo-data", "--out", str(out), "--layout", "mmm", "--geos", "3", "--lift-tests"])
    assert res.exit_code == 0, res.output
    assert sorted(p.name for p in out.iterdir()) == ["kpi-advisor.yaml", "lift_tests.csv", "mmm.csv", "truth.json"]
    cfg = yaml.safe_load((out / "kpi-advisor.yaml").read_text())["mmm"]
    frame = pd.read_csv(out / "mmm.csv", parse_dates=["week_start"])
    assert cfg["file"] == "mmm.csv" and cfg["date"] == "week_start" and cfg["geo"] == "geo"
    assert cfg["outcomes"] == {"conversions": "conversions", "revenue": "revenue"}
    assert cfg["controls"] == ["price_index"] and cfg["events"] == ["promo_days"] and cfg["holidays"] == "US"
    assert list(cfg["channels"]) == ["search", "social", "display", "video", "email", "affiliate"]
    used = {cfg["date"], cfg["geo"], *cfg["outcomes"].values(), *cfg["controls"], *cfg["events"]}
    used |= {col for m in cfg["channels"].values() for col in m.values()}
    assert used == set(frame.columns)
    assert len(frame) == 3 * 104 and frame.groupby("geo").size().tolist() == [104] * 3
    assert not frame.duplicated(["week_start", "geo"]).any()
    assert (frame["week_start"].dt.dayofweek == 0).all()
    assert set(frame["week_start"].diff().dropna().dt.days.unique()) <= {7, -721}
    truth = json.loads((out / "truth.json").read_text())
    assert truth["geos"] == ["geo_01", "geo_02", "geo_03"] and truth["layout"] == "mmm"
    tests = pd.read_csv(out / "lift_tests.csv", parse_dates=["start", "end"])
    assert tuple(tests.columns) == COLUMNS and len(tests) == 12 and (tests["std_error"] > 0).all()
    assert ((tests["end"] - tests["start"]).dt.days == 27).all()
    assert (tests["start"] >= frame["week_start"].min()).all() and (tests["end"] <= frame["week_start"].max()).all()


def test_campaign_layout_lift_tests_and_default_unchanged(tmp_path) -> None:
    plain, with_tests = tmp_path / "a", tmp_path / "b"
    assert CliRunner().invoke(app, ["demo-data", "--out", str(plain), "--days", "180"]).exit_code == 0
    res = CliRunner().invoke(app, ["demo-data", "--out", str(with_tests), "--days", "180", "--lift-tests"])
    assert res.exit_code == 0, res.output
    assert not (plain / "lift_tests.csv").exists()
    for name in ("campaign_daily.csv", "outcomes_daily.csv", "truth.json"):
        assert (plain / name).read_bytes() == (with_tests / name).read_bytes()
    tests = pd.read_csv(with_tests / "lift_tests.csv")
    assert tuple(tests.columns) == COLUMNS and len(tests) == 12
    bad = CliRunner().invoke(app, ["demo-data", "--out", str(plain), "--layout", "campaign", "--geos", "2"])
    assert bad.exit_code != 0


@pytest.mark.parametrize("which", ["national", "geo"])
def test_expected_outcome_is_baseline_plus_contributions(which: str, request) -> None:
    world: MmmWorld = request.getfixturevalue(which)
    ex, chans = world.expected, world.channels
    for kpi in ("conversions", "revenue"):
        parts = ex[f"baseline_{kpi}"] + sum(ex[f"{c}_{kpi}"] for c in chans)
        np.testing.assert_allclose(ex[f"total_{kpi}"], parts, rtol=1e-12)
        series = world.truth["series"]
        np.testing.assert_allclose(
            series[f"total_{kpi}"],
            np.asarray(series[f"baseline_{kpi}"]) + sum(np.asarray(series[f"{c}_{kpi}"]) for c in chans),
            rtol=1e-12,
        )
        for c in chans:
            spec = world.truth["channels"][c]
            assert spec["true_incremental"][kpi] == pytest.approx(sum(series[f"{c}_{kpi}"]), rel=1e-12)
            by_geo = sum(v["true_incremental"][kpi] for v in spec["by_geo"].values())
            assert by_geo == pytest.approx(spec["true_incremental"][kpi], rel=1e-12)
    # the observed outcomes scatter around the expectation (noise only, no bias)
    obs = world.frame.groupby("week_start")["conversions"].sum().to_numpy()
    mu = np.asarray(world.truth["series"]["total_conversions"])
    assert abs(np.mean(obs / mu) - 1) < 0.01 and 0.01 < np.std(obs / mu) < 0.06


def test_truth_parameters_replay_the_history(geo: MmmWorld) -> None:
    """The parameters in truth.json and the spend in mmm.csv reproduce the truth's series exactly."""
    truth = json.loads(json.dumps(geo.truth))
    arr = channel_arrays(truth)
    frame, chans, geos = geo.frame, geo.channels, truth["geo_names"]
    spend = np.stack(
        [np.stack([frame.loc[frame["geo"] == g, f"{c}_spend"].to_numpy() for g in geos], axis=1) for c in chans],
        axis=1,
    )
    inc, state = media_response(spend, arr["decay"], arr["half_saturation"], arr["shape"], arr["coefficient"], spend[0])
    np.testing.assert_allclose(inc.sum(axis=2)[:, 0], truth["series"][f"{chans[0]}_conversions"], rtol=1e-9)
    np.testing.assert_allclose(state, arr["state_end"], rtol=1e-9)
    weeks = pd.DatetimeIndex(pd.to_datetime(truth["series"]["week"]))
    organic = weekly_organic(baseline_parameters(truth), weeks)
    price = np.stack([frame.loc[frame["geo"] == g, "price_index"].to_numpy() for g in geos], axis=1)
    weights = np.array([truth["geo_weights"][g] for g in geos])
    base = weights[None] * (organic[:, None] + truth["controls"]["price_index"]["effect"] * (price - 1.0))
    np.testing.assert_allclose(base.sum(axis=1), truth["series"]["baseline_conversions"], rtol=1e-9)
    promo = frame.loc[frame["geo"] == geos[0], "promo_days"].to_numpy()
    assert promo.max() > 0 and promo.max() <= 7 and len(truth["baseline"]["promotions"]) >= 2


def test_media_follow_each_geos_size_as_its_baseline_does(geo: MmmWorld) -> None:
    """A geo's media contribution scales with its population weight, as its baseline does, so media's share of a geo's
    conversions differs across geos only by the per-geo heterogeneity (log s.d. 0.15), not by the geo's size (the
    world once gave every geo the same coefficient: media were 9.5 % of the largest geo and 22.8 % of the smallest)."""
    parts = geo.expected.groupby("geo").sum(numeric_only=True)
    media = parts[[f"{c}_conversions" for c in geo.channels]].sum(axis=1)
    share = media / parts["total_conversions"]
    assert share.max() / share.min() < 1.25
    weights = pd.Series(geo.truth["geo_weights"])
    coef = channel_arrays(geo.truth)["coefficient"]  # (C, G)
    per_weight = coef / weights[geo.truth["geo_names"]].to_numpy()[None, :]
    assert np.exp(np.std(np.log(per_weight), axis=1)).max() < 1.35  # the heterogeneity alone, about 0.15 log s.d.


def test_true_outcome_of_future_plans(geo: MmmWorld) -> None:
    truth = geo.truth
    ref = reference_plan(truth, 8)
    assert ref.index[0] == pd.Timestamp(truth["end"]) + pd.Timedelta(days=7)
    base = true_outcome(truth, ref)
    assert list(base.index) == list(ref.index)
    parts = base["baseline_conversions"] + sum(base[f"{c}_conversions"] for c in geo.channels)
    np.testing.assert_allclose(base["total_conversions"], parts, rtol=1e-12)
    # continuity: the first future week is in line with the last history weeks
    last = np.mean(truth["series"]["total_conversions"][-4:])
    assert base["total_conversions"].iloc[0] == pytest.approx(last, rel=0.25)
    more = true_outcome(truth, ref * 1.5)
    assert (more["total_conversions"] > base["total_conversions"]).all()
    assert (more["baseline_conversions"] == base["baseline_conversions"]).all()
    # diminishing returns: +50% spend adds less than 50% of the media contribution
    media = base["total_conversions"] - base["baseline_conversions"]
    assert ((more["total_conversions"] - base["total_conversions"]) < 0.5 * media).all()
    off = ref.copy()
    off["search"] = 0.0
    assert true_outcome(truth, off)["search_conversions"].iloc[-1] == pytest.approx(0.0, abs=1e-3)
    by_geo = true_outcome(truth, ref, by_geo=True)
    assert len(by_geo) == 8 * 10
    np.testing.assert_allclose(by_geo.groupby("week")["total_revenue"].sum(), base["total_revenue"], rtol=1e-12)
    # a plan starting later: the gap follows the reference plan
    later = reference_plan(truth, 4, start=ref.index[4])
    np.testing.assert_allclose(true_outcome(truth, later)["total_revenue"], base["total_revenue"].iloc[4:], rtol=1e-12)
    with pytest.raises(ValueError, match="unknown channels"):
        true_outcome(truth, ref.rename(columns={"search": "tv"}))
    with pytest.raises(ValueError, match="after the history"):
        true_outcome(truth, ref.set_axis(ref.index - pd.Timedelta(days=14)))


def test_lift_tests_equal_truth_within_their_noise() -> None:
    z = []
    for seed in range(1, 6):
        world = generate_mmm_world(seed=seed, days=364)
        tests = mmm_lift_tests(world.truth, seed)
        assert len(tests) == 2 * len(world.channels) and (tests["std_error"] > 0).all()
        z.extend(((tests["incremental"] - tests["true_incremental"]) / tests["std_error"]).tolist())
        np.testing.assert_allclose(tests["std_error"], RELATIVE_SE * tests["true_incremental"].abs(), atol=0.01)
        weeks = world.truth["series"]["week"]
        for row in tests.itertuples():
            i = weeks.index(row.start.date().isoformat())
            exact = sum(world.truth["series"][f"{row.channel}_{row.kpi}"][i : i + 4])
            assert row.true_incremental == pytest.approx(exact, rel=1e-12)
            assert row.end == pd.Timestamp(weeks[i + 3]) + pd.Timedelta(days=6)
    z_arr = np.asarray(z)
    assert abs(z_arr.mean()) < 0.5 and 0.6 < z_arr.std() < 1.4 and np.max(np.abs(z_arr)) < 4.5


def test_campaign_lift_tests_equal_truth(request) -> None:
    world = request.getfixturevalue("world")
    tests = campaign_lift_tests(world.true_daily, 7)
    td = world.true_daily
    for row in tests.itertuples():
        part = td[(td["channel"] == row.channel) & td["date"].between(row.start, row.end)]
        assert row.true_incremental == pytest.approx(part[f"incremental_{row.kpi}"].sum(), rel=1e-12)
        assert abs(row.incremental - row.true_incremental) < 4.5 * row.std_error
        assert (row.end - row.start).days == 27 and row.end < td["date"].max()


def test_deterministic_per_seed_and_varied_across_seeds() -> None:
    a, b = generate_mmm_world(seed=5, days=400, geos=2), generate_mmm_world(seed=5, days=400, geos=2)
    pd.testing.assert_frame_equal(a.frame, b.frame)
    assert json.dumps(a.truth) == json.dumps(b.truth)
    pd.testing.assert_frame_equal(mmm_lift_tests(a.truth, 5), mmm_lift_tests(b.truth, 5))
    others = [generate_mmm_world(seed=s, days=400) for s in (1, 2, 6, 8, 9)]
    assert len({len(w.truth["baseline"]["promotions"]) for w in others}) > 1
    assert len({len(w.truth["baseline"].get("trend_breaks", [])) for w in others}) > 1
    assert len({w.truth["channels"]["video"]["adstock_decay"] for w in others}) == 5


def test_ten_channels_forty_geos_and_correlated_spend() -> None:
    world = generate_mmm_world(seed=1, geos=40, channels=10)
    assert len(world.frame) == 104 * 40 and len(world.channels) == 10
    assert world.channels[-4:] == ["podcast", "native", "influencer", "sms"]
    assert world.frame.filter(like="_spend").ge(0).all().all()
    # the channels that flight together (shared bursts) have strongly correlated spend
    shared = [c for c, v in world.truth["channels"].items() if v["shares_burst_pattern"]]
    national = world.frame.groupby("week_start")[[f"{c}_spend" for c in shared]].sum()
    assert len(shared) >= 2 and (national.corr().to_numpy()[np.triu_indices(len(shared), 1)] > 0.4).all()
    with pytest.raises(ValueError, match="channels must be 2 to 10"):
        generate_mmm_world(channels=11)
    with pytest.raises(ValueError, match="at least 364 days"):
        generate_mmm_world(days=300)


def test_peak_season_world_adds_a_holiday_season_spend_follows_and_no_event_marks_it(tmp_path) -> None:
    smooth = generate_mmm_world(seed=3, days=1092)
    peak = generate_mmm_world(seed=3, days=1092, season="peak")
    again = generate_mmm_world(seed=3, days=1092)
    pd.testing.assert_frame_equal(smooth.frame, again.frame)  # the default world does not move
    extra = peak.truth["baseline"]["promotions"][len(smooth.truth["baseline"]["promotions"]) :]
    weeks = pd.DatetimeIndex(smooth.frame["week_start"])
    assert [(p["start"][5:], p["end"][5:]) for p in extra] == [("11-20", "12-24")] * (weeks[-1].year - weeks[0].year + 2)
    assert len({p["lift"] for p in extra}) == 1 and 1.6 <= extra[0]["lift"] <= 2.2
    assert peak.frame["promo_days"].equals(smooth.frame["promo_days"])  # not an event column
    in_season = ((weeks.month == 12) & (weeks.day <= 17)) | ((weeks.month == 11) & (weeks.day >= 20))
    ratio = peak.frame["search_spend"] / smooth.frame["search_spend"]
    assert ratio[~in_season & (weeks.month < 11)].eq(1.0).all()
    assert ratio[in_season].min() > 1.4
    # organic demand: the season lifts the truth's baseline (whose level is recalibrated to the larger media effect)
    lifted = np.asarray(peak.truth["series"]["baseline_conversions"]) / np.asarray(
        smooth.truth["series"]["baseline_conversions"]
    )
    out = lifted[~in_season & (weeks.month < 11)]
    assert np.ptp(out) < 0.05 * out.mean()
    assert lifted[in_season].min() / out.mean() > 1.5
    res = CliRunner().invoke(app, ["demo-data", "--out", str(tmp_path / "r"), "--layout", "mmm", "--season", "peak",
                                   "--days", "400"])
    assert res.exit_code == 0, res.output
    bad = CliRunner().invoke(app, ["demo-data", "--out", str(tmp_path / "c"), "--season", "peak"])
    assert bad.exit_code == 2 and "--season" in bad.output
    with pytest.raises(ValueError, match="season must be 'smooth' or 'peak'"):
        generate_mmm_world(seed=3, season="winter")
