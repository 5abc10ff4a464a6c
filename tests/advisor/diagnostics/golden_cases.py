"""The cases behind ``golden/*.json``: onset fits and per-scope numbers of the diagnosis, written by the code as
it stood before the reference copies of the fast paths were removed (the fast paths and the references agreed
then: exactly for the scope numbers, to ~1e-12 relative for the onset fits).

Regenerate only when a change of the numbers is intended: ``.venv/bin/python -m tests.advisor.diagnostics.golden_cases``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from advisor.diagnostics import DiagnoseConfig, Scope
from advisor.diagnostics.checks import channel_daily, check_saturation
from advisor.diagnostics.checks.funnel import _factors
from advisor.diagnostics.checks.stages import _age_slope, _switch_days, _window
from advisor.diagnostics.onset import detect_onset_counts
from advisor.diagnostics.scope import scope_frame
from models.drivers.synthetic import synthetic_campaign_daily

GOLDEN = Path(__file__).parent / "golden"
CFG = DiagnoseConfig()
SCOPES = [Scope("campaign_id", "c3"), Scope("campaign_id", "c6"), Scope("channel", "search"), Scope("channel", "social")]
WINDOWS: list[tuple[str | None, str | None]] = [("2025-04-01", "2025-07-19"), ("2025-05-10", "2025-06-30"), (None, None)]
FUNNEL_WINDOWS = [("2025-04-01", "2025-07-19"), ("2025-05-10", "2025-06-30"), ("2025-02-01", "2025-02-20")]
SATURATION = [(ch, end, gaps) for ch in ("search", "social") for end in ("2025-03-15", "2025-05-31", "2025-07-19") for gaps in (False, True)]


def world() -> pd.DataFrame:
    """The diagnostics test world (``conftest.world``)."""
    from tests.advisor.diagnostics.conftest import PLANTED, START

    return synthetic_campaign_daily(seed=3, days=200, start=START, problems=PLANTED)


def onset_series(floors: tuple[float, ...]) -> list[tuple[np.ndarray, ...]]:
    """40 random count series (t, successes, exposure, covariates) of 30–250 days with one change of rate."""
    rng = np.random.default_rng(0 if not floors else 1)
    out = []
    for _ in range(40):
        n = int(rng.integers(30, 250))
        t = np.arange(n)
        spend = np.exp(rng.normal(0, 0.3, n))
        clicks = rng.integers(20, 400, n).astype(float)
        rate = np.where(t < rng.integers(10, n - 10), 0.04, 0.04 * rng.uniform(0.3, 1.2))
        conv = rng.poisson(clicks * rate).astype(float)
        cov = np.column_stack([np.log(spend), np.log(spend) * 0.5 + rng.normal(0, 0.1, n)])
        out.append((t, conv, clicks, cov))
    return out


FLOORS: list[tuple[float, ...]] = [(), (0.25, 0.5)]


def onset_cases() -> dict[str, Any]:
    out: dict[str, Any] = {}
    for floors in FLOORS:
        fits = []
        for t, conv, clicks, cov in onset_series(floors):
            fit = detect_onset_counts(t, conv, clicks, cov, floors=floors)
            fits.append(
                None
                if fit is None
                else {
                    "onset": fit.onset, "shape_days": fit.shape_days, "floor": fit.floor, "level": fit.level,
                    "shift": fit.shift, "chi2": fit.chi2, "step_chi2": fit.step_chi2,
                    "fitted_first": float(fit.fitted[0]), "fitted_last": float(fit.fitted[-1]),
                    "fitted_mean": float(fit.fitted.mean()),
                }
            )
        out["floors=" + ",".join(map(str, floors))] = fits
    return out


def scope_cases() -> dict[str, Any]:
    rows = world()
    out: dict[str, Any] = {"switch_days": {}, "age_slope": {}, "funnel": {}, "saturation": {}}
    for scope in SCOPES:
        for start, end in WINDOWS:
            frame = scope_frame(rows, scope, start, end)
            window = _window(frame, CFG)
            dates = pd.DatetimeIndex(sorted(window["date"].unique()))
            key = f"{scope.column}={scope.value}|{start}|{end}"
            out["switch_days"][key] = _switch_days(window, dates).tolist()
            slope = _age_slope(frame.period)
            out["age_slope"][key] = None if slope is None else list(slope)
        for start, end in FUNNEL_WINDOWS:
            frame = scope_frame(rows, scope, start, end)
            key = f"{scope.column}={scope.value}|{start}|{end}"
            out["funnel"][key] = {
                "period": _factors(frame.rows, frame.in_period),
                "reference": _factors(frame.rows, frame.in_reference),
            }
    dated = rows.assign(date=pd.to_datetime(rows["date"]))
    for channel, end, gaps in SATURATION:
        ch_rows = dated[dated["channel"] == channel]
        if gaps:
            ch_rows = ch_rows[ch_rows["date"].dt.day % 5 != 0]
        f = check_saturation(channel_daily(ch_rows), channel, pd.Timestamp(end), CFG)
        out["saturation"][f"{channel}|{end}|{'gaps' if gaps else 'full'}"] = {"message": f.message, "evidence": f.evidence}
    return out


def write() -> None:
    GOLDEN.mkdir(exist_ok=True)
    for name, cases in (("onset_fits.json", onset_cases()), ("scope_numbers.json", scope_cases())):
        (GOLDEN / name).write_text(json.dumps(cases, sort_keys=True, allow_nan=False) + "\n")


if __name__ == "__main__":
    write()
