"""Forecast accuracy on demo worlds of other structure (SPEC §7: worlds the team does not see).

Run: ``.venv/bin/python benchmarks/forecast_structure.py [--seeds 1 2]``. For each seed and each structure of
``STRUCTURES`` (``demo_world.WorldStructure``: trend break, promotion windows, extra channels; ``default`` is the
classic world) it trains the response models (``training.pipeline.train_all``, no backtests, no driver or CLV
models) and scores the 28-day forecast against ``TrueWorld``: the signed totals error of the reference plan
(run-rate; the sign shows a bias) and the plan-effect error over the plans of ``forecast_demo.plans``.
``promo_future`` plants a promotion in the forecast window that no history shows: the model cannot know it, so
its error measures the truth side (``TrueWorld`` honours future structure), not the model.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from datetime import date
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from forecast_demo import H, plans

from demo_world import Promotion, TrendBreak, TrueWorld, WorldStructure, generate_world
from models.forecast import forecast
from models.plan import parse_plan
from models.registry import Registry
from models.response import ResponseBundle
from training.pipeline import train_all

KPI = "conversions"
STRUCTURES = {
    "default": WorldStructure(),
    "break_-15%_90d_before_end": WorldStructure(trend_breaks=(TrendBreak(date(2026, 8, 2), level=0.85),)),
    "promos_in_history_x1.5": WorldStructure(
        promotions=tuple(
            Promotion(date(y, m, 1), date(y, m, 10), 1.5) for y, m in ((2025, 3), (2025, 9), (2026, 3), (2026, 9))
        )
    ),
    "extra_channels_2": WorldStructure(extra_channels=2),
    "promo_future_x1.5": WorldStructure(promotions=(Promotion(date(2026, 11, 10), date(2026, 11, 16), 1.5),)),
}


def score(seed: int, structure: WorldStructure, root: Path) -> tuple[float, float]:
    """(signed totals error of the reference plan, median plan-effect error) of the 28-day ``KPI`` forecast."""
    world = generate_world(seed, days=730, structure=structure)
    truth = TrueWorld.from_dict(world.truth)
    train_all(world.tables, root, seed=seed, backtest=None, drivers=False, clv=False)
    bundle = ResponseBundle.from_files(Registry(root).latest().texts("response/"))
    start = pd.Timestamp(truth.history_end) + pd.Timedelta(days=1)
    end = start + pd.Timedelta(days=H - 1)
    ref = truth.reference_daily_spend(start.date(), end.date())
    totals: dict[str, tuple[float, float]] = {}
    for name, daily in plans(ref, world.truth).items():
        spec = {"start": str(start.date()), "end": str(end.date()), "daily": {c: daily[c].tolist() for c in daily}}
        predicted = forecast(bundle, parse_plan(spec, bundle), curves=False).total[KPI]["mean"]
        totals[name] = (predicted, truth.expected_totals(daily)[KPI])
    f_ref, t_ref = totals.pop("reference")
    effect = statistics.median(abs((f - f_ref) - (t - t_ref)) / abs(t - t_ref) for f, t in totals.values())
    return (f_ref - t_ref) / t_ref, effect


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2])
    args = ap.parse_args()
    print(f"28-day {KPI} forecast vs TrueWorld, per seed and structure")
    print(f"{'seed':>4} {'structure':<28} {'reference error (signed)':>24} {'plan-effect error':>18}")
    with tempfile.TemporaryDirectory() as tmp:
        for seed in args.seeds:
            for name, structure in STRUCTURES.items():
                bias, effect = score(seed, structure, Path(tmp) / f"s{seed}-{name}")
                print(f"{seed:>4} {name:<28} {bias:>+24.1%} {effect:>18.1%}", flush=True)


if __name__ == "__main__":
    main()
