"""Budget allocation over channels with scipy.optimize (SLSQP).

Decision variables are channel totals for the period, scaled by the reference (run-rate) totals.
Bounds default to ±50% of the reference; channels whose response the model refused keep their
reference spend. The expected outcome comes from the deterministic response (adstock carried over
from the history, weekday spread of totals).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy.optimize import minimize

from models.forecast import Forecast, forecast
from models.plan import Plan, PlanError, plan_dates, reference_plan, resolve_channel, spend_path
from models.response.bundle import ResponseBundle

Objective = Literal["revenue", "conversions", "profit"]


@dataclass(frozen=True)
class Allocation:
    """Optimiser result: ``allocation`` and ``reference_plan`` are channel → spend totals;
    ``expected``/``reference_expected`` the expected conversions, revenue, incremental revenue and profit;
    ``uplift`` the difference; ``forecast`` the full simulated forecast of the allocation;
    ``uplift_same_budget`` the difference against the reference split scaled to the allocation's total spend
    (the gain from re-allocation alone, when the budget differs from the run-rate total)."""

    allocation: dict[str, float]
    reference_plan: dict[str, float]
    bounds: dict[str, tuple[float, float]]
    expected: dict[str, float]
    reference_expected: dict[str, float]
    uplift: dict[str, float]
    objective: str
    status: str
    message: str
    forecast: Forecast | None
    uplift_same_budget: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "allocation": self.allocation,
            "reference_plan": self.reference_plan,
            "bounds": {k: list(v) for k, v in self.bounds.items()},
            "forecast": self.forecast.to_dict() if self.forecast else None,
            "expected": self.expected,
            "reference_expected": self.reference_expected,
            "uplift": self.uplift,
            "uplift_same_budget": self.uplift_same_budget,
            "objective": self.objective,
            "status": self.status,
            "message": self.message,
        }


class _Evaluator:
    """Expected totals as a function of channel totals (vectorised over the channels it can move)."""

    def __init__(self, bundle: ResponseBundle, start: pd.Timestamp, end: pd.Timestamp) -> None:
        self.bundle = bundle
        self.ref = reference_plan(bundle, start, end)
        base_path, self.g = spend_path(bundle, self.ref)
        self.path = base_path
        # unit spend profile per channel over plan periods (weekday pattern)
        self.profile = {
            ch: (base_path[ch].iloc[self.g :] / max(base_path[ch].iloc[self.g :].sum(), 1e-12)).to_numpy()
            for ch in bundle.context.channels
        }
        n = len(base_path) - self.g
        for ch, p in self.profile.items():
            if not p.any():
                self.profile[ch] = np.full(n, 1.0 / n)
        self.baseline = {k: float(m.baseline(len(base_path))[self.g :].sum()) for k, m in bundle.models.items()}

    def totals(self, spend: Mapping[str, float]) -> dict[str, float]:
        path = self.path.copy()
        for ch in self.bundle.context.channels:
            path.iloc[self.g :, path.columns.get_loc(ch)] = spend.get(ch, 0.0) * self.profile[ch]
        out: dict[str, float] = {}
        for kpi, m in self.bundle.models.items():
            inc = float(m.media(path)[self.g :].sum())
            out[kpi] = self.baseline[kpi] + inc
            out[f"incremental_{kpi}"] = inc
        s = float(sum(spend.values()))
        inc_rev = out.get("incremental_revenue", 0.0)
        out["spend"] = s
        out["profit"] = inc_rev - s
        out["roi"] = (inc_rev - s) / s if s > 0 else float("nan")
        return out


def _bounds(
    bundle: ResponseBundle,
    ref: Mapping[str, float],
    width: float,
    custom: Mapping[str, tuple[float, float]] | None,
) -> dict[str, tuple[float, float]]:
    fixed = {ch for ch in bundle.context.channels if not any(ch in m.transforms_ for m in bundle.models.values())}
    if custom:
        resolved = {resolve_channel(k, list(ref), " in bounds"): v for k, v in custom.items()}
        if len(resolved) < len(custom):
            raise PlanError(f"a channel is given twice in bounds: {', '.join(map(repr, custom))}")
        custom = resolved
    out = {}
    for ch, r in ref.items():
        if custom and ch in custom:
            lo, hi = custom[ch]
        elif ch in fixed:
            lo = hi = r
        else:
            lo, hi = (1 - width) * r, (1 + width) * r
        if lo < 0 or hi < lo:
            raise PlanError(f"bounds for {ch!r} must satisfy 0 ≤ low ≤ high, got ({lo}, {hi})")
        out[ch] = (float(lo), float(hi))
    return out


def _setup(
    bundle: ResponseBundle,
    start: pd.Timestamp,
    end: pd.Timestamp,
    width: float,
    bounds: Mapping[str, tuple[float, float]] | None,
) -> tuple[_Evaluator, dict[str, float], dict[str, tuple[float, float]], list[str], np.ndarray, np.ndarray, np.ndarray]:
    """The common set-up of both optimisations: evaluator, reference totals, per-channel bounds, channel order,
    lower and upper bounds as arrays and the scale of the decision variables (currency per unit)."""
    ev = _Evaluator(bundle, start, end)
    ref = dict(ev.ref.spend)
    bnd = _bounds(bundle, ref, width, bounds)
    chans = list(bnd)
    lo = np.array([bnd[c][0] for c in chans])
    hi = np.array([bnd[c][1] for c in chans])
    return ev, ref, bnd, chans, lo, hi, np.maximum(hi, 1.0)


def optimize_budget(
    bundle: ResponseBundle,
    budget: float,
    start: str | pd.Timestamp,
    end: str | pd.Timestamp,
    *,
    objective: Objective = "revenue",
    min_roi: float | None = None,
    width: float = 0.5,
    bounds: Mapping[str, tuple[float, float]] | None = None,
    n_sims: int = 1000,
    seed: int = 0,
    with_forecast: bool = True,
) -> Allocation:
    """Best split of ``budget`` (currency, whole period) over channels for ``[start, end]``.

    ``revenue``/``conversions`` spend the whole budget (equality); ``profit`` (incremental revenue −
    spend) treats the budget as a cap. ``min_roi``: floor on (incremental revenue − spend)/spend.
    Raises :class:`PlanError` when the budget is outside the sum of the bounds."""
    if objective not in ("revenue", "conversions", "profit"):
        raise PlanError(f"unknown objective {objective!r}; valid: revenue, conversions, profit")
    start, end = pd.Timestamp(start), pd.Timestamp(end)
    _check_period(bundle, start, end)
    if not np.isfinite(budget) or budget < 0:
        raise PlanError(f"budget must be a non-negative number, got {budget}")
    ev, ref, bnd, chans, lo, hi, scale = _setup(bundle, start, end, width, bounds)
    if objective != "profit" and not (lo.sum() - 1e-6 <= budget <= hi.sum() + 1e-6):
        raise PlanError(
            f"budget {budget:,.2f} is outside what the channel bounds allow "
            f"[{lo.sum():,.2f}, {hi.sum():,.2f}] for {start.date()}..{end.date()}"
        )
    key = "revenue" if objective == "revenue" else "conversions" if objective == "conversions" else "profit"
    if key not in ("profit",) and key not in bundle.models:
        raise PlanError(f"objective {objective!r} needs a {key} model; trained: {sorted(bundle.models)}")
    ref_val = ev.totals(ref)
    norm = max(abs(ref_val.get(f"incremental_{key}", ref_val.get(key, 1.0))), 1e-9)

    def spend_of(x: np.ndarray) -> dict[str, float]:
        return dict(zip(chans, (x * scale).tolist(), strict=True))

    def f(x: np.ndarray) -> float:
        return -ev.totals(spend_of(x))[key] / norm

    cons: list[dict[str, Any]] = []
    if objective == "profit":
        cons.append({"type": "ineq", "fun": lambda x: (budget - float(x @ scale)) / max(budget, 1.0)})
    else:
        cons.append({"type": "eq", "fun": lambda x: (float(x @ scale) - budget) / max(budget, 1.0)})
    if min_roi is not None:

        def roi_con(x: np.ndarray) -> float:
            t = ev.totals(spend_of(x))
            return (t.get("incremental_revenue", 0.0) - (1 + min_roi) * t["spend"]) / max(budget, 1.0)

        cons.append({"type": "ineq", "fun": roi_con})
    box = list(zip(lo / scale, hi / scale, strict=True))
    starts = [
        np.clip(
            np.array([ref[c] for c in chans]) * (budget / max(sum(ref.values()), 1e-9)) / scale,
            lo / scale,
            hi / scale,
        )
    ]
    starts.append((lo + (hi - lo) * ((budget - lo.sum()) / max(hi.sum() - lo.sum(), 1e-9))) / scale)
    best = None
    for x0 in starts:
        r = minimize(f, x0, method="SLSQP", bounds=box, constraints=cons, options={"maxiter": 200, "ftol": 1e-10})
        feasible = all((c["fun"](r.x) >= -1e-6) if c["type"] == "ineq" else abs(c["fun"](r.x)) < 1e-6 for c in cons)
        if feasible and (best is None or r.fun < best.fun):
            best = r
    if best is None:
        msg = "no feasible allocation" + (f" reaches ROI ≥ {min_roi}" if min_roi is not None else "")
        ref_t = ev.totals(ref)
        return Allocation({}, ref, bnd, {}, ref_t, {}, objective, "infeasible", msg, None)
    alloc = {c: max(v, 0.0) for c, v in spend_of(best.x).items()}
    return _result(
        bundle,
        ev,
        alloc,
        ref,
        bnd,
        objective,
        "optimal" if best.success else "approximate",
        str(best.message),
        n_sims,
        seed,
        with_forecast,
        start,
        end,
    )


def minimum_spend(
    bundle: ResponseBundle,
    kpi: Literal["conversions", "revenue"],
    target: float,
    start: str | pd.Timestamp,
    end: str | pd.Timestamp,
    *,
    width: float = 0.5,
    bounds: Mapping[str, tuple[float, float]] | None = None,
    n_sims: int = 1000,
    seed: int = 0,
    with_forecast: bool = True,
) -> Allocation:
    """Least total spend whose expected ``kpi`` total (business outcome) over the period reaches
    ``target``."""
    start, end = pd.Timestamp(start), pd.Timestamp(end)
    _check_period(bundle, start, end)
    if kpi not in bundle.models:
        raise PlanError(f"no {kpi} model; trained: {sorted(bundle.models)}")
    ev, ref, bnd, chans, lo, hi, scale = _setup(bundle, start, end, width, bounds)
    tscale = max(abs(target), 1.0)

    def spend_of(x: np.ndarray) -> dict[str, float]:
        return dict(zip(chans, (x * scale).tolist(), strict=True))

    best_possible = ev.totals(dict(zip(chans, hi.tolist(), strict=True)))[kpi]
    if best_possible < target:
        return Allocation(
            {},
            ref,
            bnd,
            {},
            ev.totals(ref),
            {},
            f"min_spend:{kpi}",
            "infeasible",
            f"{kpi} target {target:,.2f} unreachable within bounds (max {best_possible:,.2f})",
            None,
        )
    cons = [{"type": "ineq", "fun": lambda x: (ev.totals(spend_of(x))[kpi] - target) / tscale}]
    r = minimize(
        lambda x: float(x @ scale) / max(hi.sum(), 1.0),
        hi / scale,
        method="SLSQP",
        bounds=list(zip(lo / scale, hi / scale, strict=True)),
        constraints=cons,
        options={"maxiter": 200, "ftol": 1e-10},
    )
    alloc = {c: max(v, 0.0) for c, v in spend_of(r.x).items()}
    return _result(
        bundle,
        ev,
        alloc,
        ref,
        bnd,
        f"min_spend:{kpi}",
        "optimal" if r.success else "approximate",
        str(r.message),
        n_sims,
        seed,
        with_forecast,
        start,
        end,
    )


def _check_period(bundle: ResponseBundle, start: pd.Timestamp, end: pd.Timestamp) -> None:
    from models.plan import MAX_LEAD_DAYS

    last = pd.Timestamp(bundle.context.last_date)
    if end < start:
        raise PlanError(f"end {end.date()} is before start {start.date()}")
    if (end - last).days > MAX_LEAD_DAYS:
        raise PlanError(
            f"period ends {(end - last).days} days after the history ({bundle.context.last_date}); at most {MAX_LEAD_DAYS}"
        )
    if start <= last:
        raise PlanError(f"period must start after the training data ends ({bundle.context.last_date})")
    if not len(plan_dates(start, end, bundle.context.freq, last)):
        raise PlanError("period holds no model period")


def _result(
    bundle: ResponseBundle,
    ev: _Evaluator,
    alloc: dict[str, float],
    ref: dict[str, float],
    bnd: dict[str, tuple[float, float]],
    objective: str,
    status: str,
    message: str,
    n_sims: int,
    seed: int,
    with_forecast: bool,
    start: pd.Timestamp,
    end: pd.Timestamp,
) -> Allocation:
    exp = ev.totals(alloc)
    ref_t = ev.totals(ref)
    uplift = {k: exp[k] - ref_t[k] for k in exp if k in ref_t and k != "roi"}
    uplift["roi"] = exp["roi"] - ref_t["roi"]
    ref_total = sum(ref.values())
    same = ev.totals({c: v * exp["spend"] / ref_total for c, v in ref.items()}) if ref_total > 0 else ref_t
    uplift_same = {k: exp[k] - same[k] for k in exp if k in same and k not in ("roi", "spend")}
    uplift_same["roi"] = exp["roi"] - same["roi"]
    fc = forecast(bundle, Plan(start, end, alloc), n_sims=n_sims, seed=seed) if with_forecast else None
    return Allocation(alloc, ref, bnd, exp, ref_t, uplift, objective, status, message, fc, uplift_same)
