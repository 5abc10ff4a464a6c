"""The advisor's "next unit" per geo against the truth, on the demo geo worlds.

Run: ``.venv/bin/python benchmarks/mmm_geo_marginal.py [--seeds 1 2 3 4 5 6] [--geos 10] [--lift none|with]``.
For each seed writes ``generate_mmm_world(seed, 1092 days, geos)`` (with ``mmm_lift_tests`` when ``--lift with``),
trains it as ``kpi-advisor train --no-backtest`` does (``mmm_score.train_folder``) and asks the advisor, for every
channel, "Which geos should get more <channel> budget?" (``advisor.advise.advise``: the geo split ranked by the next
unit, ``advisor/advise/kinds/geo.py``). Each row's ``marginal`` (incremental revenue per unit of spend over the
window, the last 13 weeks, carry-over included) is scored against the TRUE one: the central difference (±1 %) of the
truth's response (``demo_world.mmm_truth.media_response`` with the truth's per-geo parameters) when that channel's
spend in that geo over the window is scaled, over the spend added. Prints per seed and in total: the share of
(geo, channel) pairs whose 80 % interval holds the true next-unit return, the median |model / true − 1|, and the
median over channels of the Spearman rank correlation between the model's and the true ranking of the geos (does
the ranking mean anything); with the same three for the average return (``incremental / spend``) beside them.
"""

from __future__ import annotations

import statistics
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
from mmm_score import geo_benchmark_args, trained_demo_world
from scipy.stats import spearmanr

from demo_world.mmm_truth import channel_arrays, media_response

STEP = 0.01


def true_returns(world: Any, channel: str, start: str, end: str) -> tuple[dict[str, float], dict[str, float]]:
    """Per geo, the TRUE next-unit and average revenue per unit of ``channel``'s spend over the weeks ``start..end``
    (week starts, inclusive): the central difference of the true response summed over every week when the window's
    spend is scaled by ``1 ± STEP``, and the true incremental revenue over the window over its spend."""
    truth, frame, chans = world.truth, world.frame, world.channels
    geos = truth["geo_names"]
    w = len(frame) // len(geos)
    weeks = frame["week_start"].iloc[:w].astype(str).str[:10].to_numpy()
    spend = np.stack([frame[f"{c}_spend"].to_numpy(float).reshape(len(geos), w).T for c in chans], axis=1)
    arr = channel_arrays(truth)
    j = chans.index(channel)
    inside = (weeks >= start) & (weeks <= end)
    aov = arr["aov"][j]

    def revenue(factor: float, g: int) -> float:
        s = spend.copy()
        s[inside, j, g] *= factor
        inc, _ = media_response(s, arr["decay"], arr["half_saturation"], arr["shape"], arr["coefficient"], spend[0])
        return float(inc[:, j, g].sum()) * aov

    base, _ = media_response(spend, arr["decay"], arr["half_saturation"], arr["shape"], arr["coefficient"], spend[0])
    nxt, avg = {}, {}
    for g, name in enumerate(geos):
        added = 2 * STEP * float(spend[inside, j, g].sum())
        if added <= 0:
            continue
        nxt[name] = (revenue(1 + STEP, g) - revenue(1 - STEP, g)) / added
        avg[name] = float(base[inside, j, g].sum()) * aov / float(spend[inside, j, g].sum())
    return nxt, avg


def score(rows: list[dict[str, Any]], truth: dict[str, float], key: str, lo: str | None, hi: str | None) -> dict[str, Any]:
    pairs = [(r, truth[r["value"]]) for r in rows if r.get(key) is not None and r["value"] in truth]
    hits = [lo is not None and hi is not None and r[lo] <= t <= r[hi] for r, t in pairs]
    errs = [abs(r[key] / t - 1) for r, t in pairs if t > 0]
    rho = spearmanr([r[key] for r, _ in pairs], [t for _, t in pairs]).statistic if len(pairs) > 2 else float("nan")
    return {"hits": hits, "errs": errs, "rho": float(rho)}


def main() -> None:
    args = geo_benchmark_args()
    from advisor.advise import advise
    from advisor.data import load_dataset
    from advisor.ops.modelset import load_model_set

    total: dict[str, dict[str, list[Any]]] = {k: {"hits": [], "errs": [], "rho": []} for k in ("next", "average")}
    with tempfile.TemporaryDirectory() as tmp:
        for seed in args.seeds:
            folder = Path(tmp) / f"s{seed}"
            world = trained_demo_world(folder, seed, args.geos, args.lift == "with")
            ds = load_dataset(folder / "data")
            bundle = load_model_set(folder / "models").bundle
            per: dict[str, dict[str, list[Any]]] = {k: {"hits": [], "errs": [], "rho": []} for k in total}
            for ch in world.channels:
                res = advise(f"Which geos should get more {ch} budget?", dataset=ds, bundle=bundle).analyses[0].result
                assert res.get("ranked_by") == "next_unit" and res.get("basis") == "revenue", res
                nxt, avg = true_returns(world, ch, res["from"], res["to"])
                avg_rows = [{**r, "avg": r["incremental"] / r["spend"], "avg_lo": r["lower_80"] / r["spend"],
                             "avg_hi": r["upper_80"] / r["spend"]} for r in res["rows"] if r["spend"] > 0]
                for name, s in (("next", score(res["rows"], nxt, "marginal", "marginal_lower_80",
                                               "marginal_upper_80")),
                                ("average", score(avg_rows, avg, "avg", "avg_lo", "avg_hi"))):
                    per[name]["hits"] += s["hits"]
                    per[name]["errs"] += s["errs"]
                    per[name]["rho"].append(s["rho"])
            for name, p in per.items():
                for k in p:
                    total[name][k] += p[k]
            print(f"seed {seed}: " + "; ".join(
                f"{name}: 80% coverage {100 * np.mean(p['hits']):.1f}%, median |model/true − 1| "
                f"{100 * statistics.median(p['errs']):.1f}%, rank correlation {statistics.median(p['rho']):.2f}"
                for name, p in per.items()), flush=True)
    n = len(total["next"]["hits"])
    print(f"all seeds ({args.geos} geos, lift tests: {args.lift}, n={n} geo x channel pairs, revenue):")
    for name, p in total.items():
        print(f"   {name:8s} 80% coverage {100 * np.mean(p['hits']):.1f}% (target about 80%), median |model/true − 1| "
              f"{100 * statistics.median(p['errs']):.1f}%, median rank correlation of the geos "
              f"{statistics.median(p['rho']):.2f}")


if __name__ == "__main__":
    main()
