"""The demo tables satisfy the data contract (SPEC §2) and the generator is deterministic."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from demo_world import DemoWorld, generate_world

CAMPAIGN_COLS = [
    "date", "campaign_id", "channel", "spend", "impressions", "clicks", "conversions", "revenue",
    "engagements", "new_customers",
]  # fmt: skip


def test_same_seed_same_world_other_seed_other_world() -> None:
    a, b, c = (
        generate_world(seed=3, days=200),
        generate_world(seed=3, days=200),
        generate_world(seed=4, days=200),
    )
    for name in a.tables:
        pd.testing.assert_frame_equal(a.tables[name], b.tables[name])
    assert a.truth == b.truth and a.targets == b.targets
    assert not a.tables["campaign_daily"]["spend"].equals(c.tables["campaign_daily"]["spend"])


def test_dates_span_and_campaign_counts(world: DemoWorld) -> None:
    cd = world.tables["campaign_daily"]
    assert cd["date"].min() == pd.Timestamp("2024-11-01") and cd["date"].max() == pd.Timestamp("2026-10-31")
    assert 15 <= cd["campaign_id"].nunique() <= 25
    assert set(cd["channel"]) >= {"search", "social", "display", "video", "email"}
    life = cd.groupby("campaign_id")["date"].agg(["min", "max"])
    assert (life["min"] > cd["date"].min()).any(), "some campaigns start late"
    assert (life["max"] < cd["date"].max()).any(), "some campaigns stop early"
    assert (cd.groupby("channel")["date"].max() == cd["date"].max()).all(), "every channel active at the end"


def test_campaign_daily_rules(world: DemoWorld) -> None:
    cd = world.tables["campaign_daily"]
    assert list(cd.columns[: len(CAMPAIGN_COLS)]) == CAMPAIGN_COLS
    assert {"audience", "creative_type", "objective", "region"} <= set(cd.columns)
    assert not cd.duplicated(["date", "campaign_id"]).any()
    assert (cd.groupby("campaign_id")["channel"].nunique() == 1).all()
    for col in ["impressions", "clicks", "engagements", "new_customers"]:
        assert pd.api.types.is_integer_dtype(cd[col]), col
    num = cd[["spend", "impressions", "clicks", "conversions", "revenue", "engagements", "new_customers"]]
    assert (num >= 0).all().all() and np.isfinite(num.to_numpy(dtype=float)).all()
    assert (cd["clicks"] <= cd["impressions"]).all()
    assert (cd["new_customers"] <= cd["conversions"]).all()


def test_spend_varies_enough_to_identify_response(world: DemoWorld) -> None:
    cd = world.tables["campaign_daily"]
    weekly = cd.set_index("date").groupby("campaign_id")["spend"].resample("W").sum()
    cv = weekly.groupby(level=0).agg(lambda s: s.std() / s.mean())
    assert (cv > 0.15).all(), cv.sort_values().head()


def test_other_tables_rules(world: DemoWorld) -> None:
    od, orders, sv, team = (world.tables[k] for k in ["outcomes_daily", "orders", "surveys", "team_kpis"])
    assert list(od.columns) == ["date", "conversions", "revenue"] and od["date"].is_unique and len(od) == 730
    assert (od[["conversions", "revenue"]] > 0).all().all()
    assert list(orders.columns[:3]) == ["customer_id", "order_date", "revenue"]
    assert {"channel", "campaign_id"} <= set(orders.columns) and (orders["revenue"] > 0).all()
    assert orders["order_date"].max() <= pd.Timestamp("2026-10-31")
    assert (orders.groupby("customer_id")["channel"].nunique() == 1).all()
    assert set(sv["metric"]) == {"csat", "nps"} and pd.api.types.is_integer_dtype(sv["score"])
    assert sv.loc[sv["metric"] == "csat", "score"].between(1, 5).all()
    assert sv.loc[sv["metric"] == "nps", "score"].between(0, 10).all()
    assert team["period"].str.fullmatch(r"\d{4}-(0[1-9]|1[0-2])").all()
    assert set(team["metric"]) == {
        "research_studies",
        "research_quality",
        "creativity_score",
        "cross_team_rating",
    }
    assert not team.duplicated(["period", "metric", "team"]).any()


def test_new_customers_become_customers_with_orders(world: DemoWorld) -> None:
    cd, orders = world.tables["campaign_daily"], world.tables["orders"]
    first = orders.sort_values("order_date").groupby("customer_id").first()
    assert len(first) == cd["new_customers"].sum()
    per_campaign = first.groupby("campaign_id").size()
    assert per_campaign.equals(cd.groupby("campaign_id")["new_customers"].sum()[per_campaign.index])


def test_targets_cover_the_kpi_system(world: DemoWorld) -> None:
    kpis = {t["kpi"] for t in world.targets["targets"]}
    assert kpis >= {
        "roi",
        "roas",
        "conversion_rate",
        "ctr",
        "cpa",
        "cac",
        "engagement_rate",
        "clv",
        "clv_cac",
        "csat",
        "nps",
        "research_studies",
        "research_quality",
        "creativity_score",
        "cross_team_rating",
    }
    assert sum("scope" in t for t in world.targets["targets"]) >= 3
    assert set(world.targets["weights"]) == {"outcome", "customer", "process"}


def test_validates_with_the_data_contract(world: DemoWorld) -> None:
    from advisor.data.dataset import Dataset

    ds = Dataset.from_frames(**world.tables, targets=world.targets)  # raises on any error
    assert set(ds.tables) == set(world.tables)


def test_shortest_history_still_has_every_problem_after_some_history() -> None:
    w = generate_world(seed=11, days=120)
    cd = w.tables["campaign_daily"]
    assert cd["date"].nunique() == 120 and (cd["clicks"] <= cd["impressions"]).all()
    starts = [pd.Timestamp(p["start"]) for p in w.truth["problems"]]
    assert len(starts) == 5 and min(starts) >= cd["date"].min() + pd.Timedelta(days=45)


def test_rejects_too_short_history() -> None:
    with pytest.raises(ValueError, match="at least"):
        generate_world(days=30)


@pytest.mark.slow
def test_written_folder_validates_like_user_files(world: DemoWorld, tmp_path) -> None:
    from advisor.data.dataset import validate_folder

    world.write(tmp_path)
    names = {p.name for p in tmp_path.iterdir()}
    assert names == {f"{t}.csv" for t in world.tables} | {"targets.yaml", "truth.json"}
    back = pd.read_csv(tmp_path / "campaign_daily.csv", nrows=3)
    assert back["date"].iloc[0] == "2024-11-01"
    report = validate_folder(tmp_path)
    assert report.ok, [e.message for e in report.errors]
    assert set(report.tables) == set(world.tables)
