"""CLV benchmark on the CDNOW 1/10th sample against the published estimates.

Data preparation (exactly what is fitted):
- file ../shared/datasets/pymc_marketing/cdnow_transactions.csv (6,919 rows, 2,357 customers whose first
  purchase is in 1997-01-01..1997-03-25, i.e. the first 12 weeks of 1997 — the whole file is the cohort);
- customer = ``id``, order date = ``date`` (integer YYYYMMDD), revenue = ``spent`` (USD, used as is, no
  scaling);
- several orders by one customer on one day = one transaction (revenue summed): 223 same-day rows collapse;
- calibration = 1997-01-01..1997-09-30 (week 39), holdout = 1997-10-01..1998-06-30 (weeks 40-78,
  39 weeks);
- time unit = week (7 days); T = (1997-09-30 − first purchase) / 7;
- Gamma-Gamma on the mean value of the calibration repeat transactions of customers with x > 0 (946).

Published: BG/NBD r = 0.243, α = 4.414, a = 0.793, b = 2.426 (Fader, Hardie and Lee 2005, "Counting
your customers the easy way"); Gamma-Gamma p = 6.25, q = 3.74, γ = 15.44 (Fader, Hardie and Lee 2005,
"RFM and CLV").
Run: ``.venv/bin/python benchmarks/clv_cdnow.py`` (exit 1 when a figure misses its bar).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from models.clv import rfm_summary  # noqa: E402
from training.clv import train_clv  # noqa: E402

DATA = ROOT.parent / "shared" / "datasets" / "pymc_marketing"
PUBLISHED = {
    "bgnbd": {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426},
    "gamma_gamma": {"p": 6.25, "q": 3.74, "gamma": 15.44},
}
TOLERANCE = 0.05


def cdnow_orders(folder: Path = DATA) -> pd.DataFrame:
    """The CDNOW transactions renamed to the orders data contract."""
    raw = pd.read_csv(folder / "cdnow_transactions.csv")
    return raw.rename(columns={"id": "customer_id", "date": "order_date", "spent": "revenue"})[
        ["customer_id", "order_date", "revenue"]
    ]


def main() -> int:
    if not DATA.is_dir():
        print(f"skipped: {DATA} not found")
        return 0
    orders = cdnow_orders()
    result = train_clv(orders, calibration_end="1997-09-30", holdout_end="1998-06-30")
    ok = True
    print("== CDNOW 1/10th sample: fitted vs published (time unit week)")
    fitted = result.model.params()
    for group, published in PUBLISHED.items():
        for name, ref in published.items():
            value = fitted[group][name]
            err = abs(value - ref) / ref
            ok &= err <= TOLERANCE
            print(f"  {group:11s} {name:6s} fitted {value:8.4f}  published {ref:7.3f}  rel.err {err:6.2%}")
    ll = result.model.bgnbd_.log_likelihood_
    gg = result.model.gamma_gamma_
    print(
        f"  BG/NBD log-likelihood {ll:.1f} (published −9582.4); Gamma-Gamma on {gg.n_customers_}"
        f" repeat customers, corr(x, m̄) = {gg.frequency_spend_corr_:.3f}"
    )
    h = result.holdout
    assert h is not None
    print(
        f"== Holdout weeks 40-78 ({h.duration:.0f} weeks), repeat transactions per customer, {h.n_customers} customers"
    )
    print(
        f"  actual total {h.actual_total}, BG/NBD predicted {h.predicted_total:.0f}, "
        f"baseline (calibration rate x/T) {h.baseline_total:.0f}"
    )
    print(f"  MAE  BG/NBD {h.mae:.4f}  baseline {h.baseline_mae:.4f}")
    print(f"  RMSE BG/NBD {h.rmse:.4f}  baseline {h.baseline_rmse:.4f}")
    ok &= h.mae < h.baseline_mae

    quick = pd.read_csv(DATA / "clv_quickstart.csv")
    rfm = rfm_summary(orders, "1997-09-30")
    print("== RFM summary vs clv_quickstart.csv (which is rounded to 2 decimals)")
    for col in ("frequency", "recency", "T", "monetary_value"):
        diff = float(np.max(np.abs(rfm[col].to_numpy() - quick[col].to_numpy())))
        ok &= diff <= 0.0051
        print(f"  {col:15s} max |diff| {diff:.4f}")
    pred = result.model.predict(result.rfm, horizon=52, annual_discount=0.10)
    print(
        f"== 52-week CLV at 10%/yr: mean {pred['clv'].mean():.2f} USD, total {pred['clv'].sum():,.0f} USD; "
        f"mean P(alive) {pred['p_alive'].mean():.3f}; new customer (repeat purchases only) "
        f"{result.model.new_customer_value(horizon=52, annual_discount=0.10):.2f} USD"
    )
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
