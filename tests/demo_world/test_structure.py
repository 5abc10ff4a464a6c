"""Optional world structure: the default world is unchanged byte for byte; promotions, trend breaks and extra
channels change exactly what they say, are recorded in truth.json and honoured by TrueWorld."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from demo_world import DemoWorld, Promotion, TrendBreak, TrueWorld, WorldStructure, generate_world
from demo_world.channels import CHANNELS

# sha256 of every file `DemoWorld.write` gives (and of `true_daily` as CSV) for the default structure, recorded
# from the generator before `WorldStructure` existed. A deliberate change of the default world updates them.
GOLDEN = {
    (3, 200): {
        "campaign_daily.csv": "6967d6d2fb3dc9a2bbf92925b517f67d9b3074d82d71b91fbdaef9238defd0a9",
        "orders.csv": "de40ff8c3fb65d590e436fbf7ece66ae2cda997929d59935079bcf0cda846a65",
        "outcomes_daily.csv": "1706927fba180c5145087dc7730d3d98ee81807cfb3e3ffd5722333643a8dfdc",
        "surveys.csv": "6e28ea7dcc2887d9da2d60a1c5f45d32a44ff81d02d09a67c3d4abc76f67a8ca",
        "targets.yaml": "5ff87c3bbe7bece9b084410135e7aadb85457f27e8958447e67423edda880fa8",
        "team_kpis.csv": "28da158194e77029bd5c01c1b852744b328e2075997e4d0ce1c527c243c7a01c",
        "truth.json": "5b3a528119614536a9b92337524619f64d0d5854a1a77caa940e36c4946b0daa",
        "true_daily": "d6aedb9018c4bf813b2301e6c24bed1db104b8a91ccad5ec128ad1d6337f5f27",
    },
    (7, 730): {
        "campaign_daily.csv": "afa0e34e3960f9c3fb01a4c91c147aea104893e7d5d1283732375ea1276d8774",
        "orders.csv": "46772383261fdda3146e2fe9972e47fe96149f83a7dfa3d01035cdab9db6b7aa",
        "outcomes_daily.csv": "6059b74a35b5cf38fde275ce131d8e7b6327509f110b1fc5be1fe6381048ab8b",
        "surveys.csv": "7f4c89521478ceb631cd665c50f857aee5d0c6c247e96b6c29e2c046cb833520",
        "targets.yaml": "f70522c8040de72e5a0129624a91eb294ec70487fe4d6c82c08875c2957d670d",
        "team_kpis.csv": "54bc3cf27cfa036dd75d90f5007eaa856308af5c562fa1174345ca3ef12f68e6",
        "truth.json": "2340707c989e8590074151d44546e1669684cdec88b5db448470beb51e000a50",
        "true_daily": "ff4386537594c254e3ee54204e736098ef30c0b2aca23e3ca5aa974d708507ce",
    },
}

PROMO = Promotion(date(2025, 6, 1), date(2025, 6, 14), 1.6)
BREAK = TrendBreak(date(2025, 7, 1), level=0.75, growth=-0.2)
FUTURE_PROMO = Promotion(date(2025, 8, 10), date(2025, 8, 20), 2.0)  # after the 200-day history of END
END = date(2025, 7, 31)


def _digests(world: DemoWorld, out: Path) -> dict[str, str]:
    world.write(out)
    files = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in out.iterdir()}
    return {**files, "true_daily": hashlib.sha256(world.true_daily.to_csv(index=False).encode()).hexdigest()}


def test_default_world_is_byte_identical_to_before(world: DemoWorld, tmp_path: Path) -> None:
    assert _digests(world, tmp_path / "seed7") == GOLDEN[(7, 730)]
    for structure in (None, WorldStructure()):
        small = generate_world(seed=3, days=200, structure=structure)
        assert _digests(small, tmp_path / f"seed3-{structure}") == GOLDEN[(3, 200)]
        assert "structure" not in small.truth and "promotions" not in small.truth["baseline"]
    assert TrueWorld.from_dict(world.truth).structure == WorldStructure()


@pytest.fixture(scope="module")
def plain() -> DemoWorld:
    return generate_world(seed=3, days=200, end=END)


@pytest.fixture(scope="module")
def shaped() -> DemoWorld:
    return generate_world(
        seed=3, days=200, end=END, structure=WorldStructure(promotions=(PROMO, FUTURE_PROMO), trend_breaks=(BREAK,))
    )


def test_promotion_and_trend_break_reshape_only_the_baseline(plain: DemoWorld, shaped: DemoWorld) -> None:
    pd.testing.assert_frame_equal(plain.tables["campaign_daily"], shaped.tables["campaign_daily"])
    pd.testing.assert_frame_equal(plain.true_daily, shaped.true_daily)
    dates = pd.DatetimeIndex(plain.truth["daily"]["dates"])
    ratio = pd.Series(
        np.array(shaped.truth["daily"]["baseline_conversions"])
        / np.array(plain.truth["daily"]["baseline_conversions"]),
        index=dates,
    )
    in_promo = (dates >= pd.Timestamp(PROMO.start)) & (dates <= pd.Timestamp(PROMO.end))
    after = dates >= pd.Timestamp(BREAK.start)
    np.testing.assert_allclose(ratio[in_promo], PROMO.lift, rtol=1e-12)
    np.testing.assert_allclose(ratio[~in_promo & ~after], 1.0, rtol=1e-12)
    years = (dates[after] - pd.Timestamp(BREAK.start)).days.to_numpy() / 365.25
    np.testing.assert_allclose(ratio[after], BREAK.level * np.exp(BREAK.growth * years), rtol=1e-12)
    assert shaped.truth["baseline"]["level"] == plain.truth["baseline"]["level"], "same world, other structure"


def _expected_conversions(world: DemoWorld) -> pd.Series:
    daily = world.truth["daily"]
    total = np.array(daily["baseline_conversions"]) + np.sum(list(daily["incremental_conversions"].values()), axis=0)
    return pd.Series(total, index=pd.DatetimeIndex(daily["dates"]))


def test_observed_outcomes_follow_the_shaped_baseline(plain: DemoWorld, shaped: DemoWorld) -> None:
    od_plain = plain.tables["outcomes_daily"].set_index("date")["conversions"]
    od_shaped = shaped.tables["outcomes_daily"].set_index("date")["conversions"]
    exp_plain, exp_shaped = _expected_conversions(plain), _expected_conversions(shaped)
    for lo, hi in ((PROMO.start, PROMO.end), (BREAK.start, END)):
        window = slice(pd.Timestamp(lo), pd.Timestamp(hi))
        assert od_shaped[window].sum() == pytest.approx(exp_shaped[window].sum(), rel=0.05), (lo, hi)
        true_ratio = exp_shaped[window].sum() / exp_plain[window].sum()
        assert abs(true_ratio - 1.0) > 0.1, "the structure moves the total materially"
        assert od_shaped[window].sum() / od_plain[window].sum() == pytest.approx(true_ratio, rel=0.05), (lo, hi)


def test_truth_records_the_structure_and_true_world_honours_it_in_the_future(
    plain: DemoWorld, shaped: DemoWorld
) -> None:
    structure = WorldStructure(promotions=(PROMO, FUTURE_PROMO), trend_breaks=(BREAK,))
    assert WorldStructure.from_dict(shaped.truth["structure"]) == structure
    assert shaped.truth["baseline"]["promotions"][1] == {"start": "2025-08-10", "end": "2025-08-20", "lift": 2.0}
    a, b = TrueWorld.from_dict(plain.truth), TrueWorld.from_dict(shaped.truth)
    assert b.structure == structure
    plan = a.reference_daily_spend("2025-08-01", "2025-08-31")
    out_a, out_b = a.expected_outcomes(plan), b.expected_outcomes(plan)
    media = [c for c in out_a.columns if not c.startswith(("baseline", "total"))]
    pd.testing.assert_frame_equal(out_a[media], out_b[media])
    years = (out_a.index - pd.Timestamp(BREAK.start)).days.to_numpy() / 365.25
    trend = BREAK.level * np.exp(BREAK.growth * years)
    in_promo = (out_a.index >= pd.Timestamp(FUTURE_PROMO.start)) & (out_a.index <= pd.Timestamp(FUTURE_PROMO.end))
    expected = out_a["baseline_conversions"] * trend * np.where(in_promo, FUTURE_PROMO.lift, 1.0)
    np.testing.assert_allclose(out_b["baseline_conversions"], expected, rtol=1e-12)
    assert b.expected_totals(plan)["conversions"] > a.expected_totals(plan)["conversions"] * 0.9


def test_extra_channels_are_channels_like_the_others() -> None:
    w = generate_world(seed=5, days=200, structure=WorldStructure(extra_channels=2))
    cd = w.tables["campaign_daily"]
    default = {ch.name for ch in CHANNELS}
    assert set(cd["channel"]) == default | {"podcast", "native"}
    assert cd.loc[cd["channel"].isin(default), "campaign_id"].nunique() <= 25
    assert set(w.truth["channels"]) == set(cd["channel"]) and set(w.truth["clv"]["by_channel"]) == set(cd["channel"])
    assert {p["channel"] for p in w.truth["problems"]} <= default, "planted problems stay on the default channels"
    assert {"podcast", "native"} <= set(w.tables["orders"]["channel"])
    tw = TrueWorld.from_dict(w.truth)
    assert tw.structure.extra_channels == 2 and tw.channels[-2:] == ["podcast", "native"]
    out = tw.expected_outcomes(tw.reference_daily_spend("2026-11-01", "2026-11-30"))
    assert out["podcast_conversions"].sum() > 0 and out["native_revenue"].sum() > 0


def test_extra_channels_satisfy_the_data_contract() -> None:
    from advisor.data.dataset import Dataset

    w = generate_world(seed=5, days=200, structure=WorldStructure(extra_channels=4))
    Dataset.from_frames(**w.tables, targets=w.targets)  # raises on any error
    assert w.tables["campaign_daily"]["channel"].nunique() == 10


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: Promotion(date(2025, 6, 14), date(2025, 6, 1), 1.5), "before its start"),
        (lambda: Promotion(date(2025, 6, 1), date(2025, 6, 14), 0.0), "lift must be"),
        (lambda: TrendBreak(date(2025, 6, 1), level=-1.0), "level must be"),
        (lambda: TrendBreak(date(2025, 6, 1), growth=float("nan")), "growth must be finite"),
        (lambda: WorldStructure(extra_channels=5), "extra_channels must be 0 to 4"),
    ],
)
def test_bad_structure_is_rejected_with_the_rule(make, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make()
