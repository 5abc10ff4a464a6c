"""CLV:CAC per acquisition channel on the demo world against the generator's truth (SPEC §7: per seed + median).

What is compared, per channel:
- truth: ``truth["clv"]["by_channel"][ch]`` — ``clv`` = expected undiscounted revenue per new customer over
  ``truth["clv"]["horizon_days"]`` (365) days after acquisition, first order included; ``cac`` = spend /
  expected platform-reported new customers; ``clv_cac`` = their ratio;
- estimate: ``clv_by_acquisition(orders, campaign_daily, model, by="channel", horizon_weeks=365/7,
  annual_discount=0)`` with ``model`` a ``CLVModelSet`` (one BG/NBD + Gamma-Gamma per acquisition channel,
  time unit week) fitted by ``train_clv(orders, segment_by="channel")`` on all orders; its CLV is the observed
  revenue within the horizon plus the model's expectation for the unobserved rest; CAC = spend / reported
  new_customers summed over campaign_daily. ``model_only_clv_err`` also shows the segment model alone:
  E[order value]·(1 + E[X(horizon)]) from the fitted Gamma-Gamma mean and BG/NBD, no observed revenue.
Run: ``.venv/bin/python benchmarks/clv_demo.py [seed ...]`` (default seeds 7 11 23); exit 1 when a channel's
CLV:CAC misses the truth by more than 15%.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from advisor.customers import clv_by_acquisition, overall_clv_cac  # noqa: E402
from demo_world import generate_world  # noqa: E402
from training.clv import train_clv  # noqa: E402

TOLERANCE = 0.15


def evaluate(seed: int) -> pd.DataFrame:
    """Per channel: estimated and true CLV, CAC, CLV:CAC and relative errors for one demo world."""
    world = generate_world(seed=seed)
    orders, cd = world.tables["orders"], world.tables["campaign_daily"]
    truth = world.truth["clv"]
    result = train_clv(orders, segment_by="channel")
    table = clv_by_acquisition(
        orders, cd, result.model, by="channel", horizon_weeks=truth["horizon_days"] / 7.0, annual_discount=0
    ).set_index("channel")
    rows = []
    horizon_weeks = truth["horizon_days"] / 7.0
    for ch, t in truth["by_channel"].items():
        est = table.loc[ch]
        seg = result.model.model_for(ch)
        model_only = seg.gamma_gamma_.params_.mean_spend() * (1 + float(seg.bgnbd_.expected_purchases(horizon_weeks)))
        rows.append(
            {
                "seed": seed,
                "channel": ch,
                "customers": int(est["customers"]),
                "clv": est["clv_mean"],
                "true_clv": t["clv"],
                "cac": est["cac"],
                "true_cac": t["cac"],
                "clv_cac": est["clv_cac"],
                "true_clv_cac": t["clv_cac"],
                "clv_err": est["clv_mean"] / t["clv"] - 1,
                "cac_err": est["cac"] / t["cac"] - 1,
                "clv_cac_err": est["clv_cac"] / t["clv_cac"] - 1,
                "realized_share": est["realized_share"],
                "model_only_clv_err": model_only / t["clv"] - 1,
            }
        )
    overall, t = overall_clv_cac(table.reset_index()), truth["overall"]
    rows.append(
        {
            "seed": seed,
            "channel": "(all)",
            "customers": int(overall["customers"]),
            "clv": overall["clv_mean"],
            "true_clv": t["clv"],
            "cac": overall["cac"],
            "true_cac": t["cac"],
            "clv_cac": overall["clv_cac"],
            "true_clv_cac": t["clv_cac"],
            "clv_err": overall["clv_mean"] / t["clv"] - 1,
            "cac_err": overall["cac"] / t["cac"] - 1,
            "clv_cac_err": overall["clv_cac"] / t["clv_cac"] - 1,
            "realized_share": float("nan"),
            "model_only_clv_err": float("nan"),
        }
    )
    return pd.DataFrame(rows)


def main(seeds: list[int]) -> int:
    frames = []
    for seed in seeds:
        t0 = time.perf_counter()
        df = evaluate(seed)
        frames.append(df)
        print(f"== seed {seed} ({time.perf_counter() - t0:.0f} s)")
        print(df.drop(columns="seed").to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    allr = pd.concat(frames)
    worst = allr.groupby("seed")["clv_cac_err"].apply(lambda s: s.abs().max())
    print("== max |CLV:CAC error| per seed: " + ", ".join(f"{s}: {v:.1%}" for s, v in worst.items()))
    print(
        f"   median over seeds {statistics.median(worst):.1%}; median |error| over all channel-seeds "
        f"{allr['clv_cac_err'].abs().median():.1%} (bar {TOLERANCE:.0%} per channel)"
    )
    ok = bool((allr["clv_cac_err"].abs() <= TOLERANCE).all())
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main([int(a) for a in sys.argv[1:]] or [7, 11, 23]))
