"""Budget allocation over channels with scipy.optimize (SLSQP).

Decision variables are channel totals for the period, scaled by the channels' upper bounds. The expected
outcome comes from the deterministic response (adstock carried over from the history, weekday spread of totals).

Channel bounds (:func:`channel_bounds`), in currency over the plan period, with ``r`` a channel's run-rate total
over the period (mean spend per period of the last 28 days / 4 weeks), ``R`` their sum, ``w`` the width and ``B``
the budget:

* default: ``[max(0, (1 − w)·r), (1 + w)·r]``; ``w`` is any number ≥ 0, above 1 the lower bound is 0 and the upper
  bound ``(1 + w)·r`` (``w = 3``: 0 to 4× the run rate). Channels whose response the model refused keep ``[r, r]``.
* widened when ``B`` is outside what the bounds allow (above the sum of the upper bounds or below the sum of the
  lower ones): the bounds are stretched, never narrowed, until they also hold the same box around the budget split
  at run-rate shares, ``t = B·r/R``: upper ``max((1 + w)·r, (1 + w)·t)`` or lower ``min((1 − w)·r, (1 − w)·t)``.
  Without explicit bounds the budget always fits, the run-rate split scaled to the budget lies inside, and every
  channel keeps its relative freedom ±w around it. A channel with no recent spend (``r = 0``, e.g. switched off)
  gets an equal share ``t = B/n`` of the ``n`` widened channels as its widened upper bound, so the optimiser may
  turn it back on. Channels whose response the model refused are pinned to ``t`` when the budget is below the run
  rate (no response to lose) and stay at ``r`` above it. The result's ``notes`` say that and how the bounds
  widened.
* explicit (``bounds={channel: (lo, hi)}``, either side None = the default side): explicit sides are never
  widened; the widening applies to the defaulted sides, with ``B`` less the explicit sides shared among the other
  channels. A budget that still does not fit is a :class:`PlanError` naming the explicit bounds.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy.optimize import minimize

from models.forecast import Forecast, forecast
from models.plan import Plan, PlanError, periods_of, reference_plan, resolve_channel, spend_path
from models.response.bundle import ResponseBundle

Objective = Literal["revenue", "conversions", "profit"]


#: spend (currency) below which a plan's ROI is undefined (null)
MIN_ROI_SPEND = 0.01


@dataclass(frozen=True)
class Allocation:
    """Optimiser result: ``allocation`` and ``reference_plan`` are channel → spend totals;
    ``expected``/``reference_expected`` the expected conversions, revenue, incremental revenue and profit;
    ``uplift`` the difference; ``forecast`` the full simulated forecast of the allocation;
    ``uplift_same_budget`` the difference against the reference split scaled to the allocation's total spend
    (the gain from re-allocation alone, when the budget differs from the run-rate total); ``notes``: how the
    channel bounds were set when that is not the plain default (widened to fit the budget, channels with no
    recent spend). Revenue-derived figures (``incremental_revenue``, ``profit``, ``roi``) are absent without a
    revenue model."""

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
    notes: list[str] = field(default_factory=list)

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
            "notes": self.notes,
        }


#: entries of an evaluator's per-channel memo before it is cleared
MEMO_SIZE = 200_000


class _Evaluator:
    """Expected totals as a function of channel totals (vectorised over the channels it can move)."""

    def __init__(self, bundle: ResponseBundle, start: pd.Timestamp, end: pd.Timestamp) -> None:
        self.bundle = bundle
        self.ref = reference_plan(bundle, start, end)
        base_path, self.g = spend_path(bundle, self.ref)
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

        self._gap = {ch: base_path[ch].to_numpy(dtype=float)[: self.g] for ch in bundle.context.channels}
        #: (kpi, channel, channel total) → incremental KPI over the plan periods; an optimizer's finite
        #: differences move one channel at a time, so the other channels' terms repeat
        self._memo: dict[tuple[str, str, float], float] = {}

    def _channel_total(self, kpi: str, channel: str, amount: float) -> float:
        key = (kpi, channel, amount)
        hit = self._memo.get(key)
        if hit is None:
            if len(self._memo) > MEMO_SIZE:
                self._memo.clear()
            s = np.concatenate([self._gap[channel], amount * self.profile[channel]])
            hit = self._memo[key] = float(self.bundle.models[kpi].channel_media(channel, s)[self.g :].sum())
        return hit

    def totals(self, spend: Mapping[str, float]) -> dict[str, float]:
        out: dict[str, float] = {}
        for kpi in self.bundle.models:
            inc = float(sum(self._channel_total(kpi, ch, float(spend.get(ch, 0.0))) for ch in self.bundle.context.channels))
            out[kpi] = self.baseline[kpi] + inc
            out[f"incremental_{kpi}"] = inc
        s = float(sum(spend.values()))
        out["spend"] = s
        if "incremental_revenue" in out:
            inc_rev = out["incremental_revenue"]
            out["profit"] = inc_rev - s
            # ROI of less than a cent of spend is undefined (an optimizer's rounding dust, not a plan)
            out["roi"] = (inc_rev - s) / s if s >= MIN_ROI_SPEND else float("nan")
        return out


Bound = tuple[float | None, float | None]


def _money(x: float) -> str:
    if abs(x) >= 1e15:
        return f"{x:.3g}"
    return f"{x:,.0f}" if abs(x) >= 100 or x == 0 else f"{x:,.2f}"


def _ratio(x: float) -> str:
    return f"{x:,.1f}" if 1 <= x < 1e6 else f"{x:.2g}"


def _explicit(custom: Mapping[str, Bound] | None, channels: list[str]) -> dict[str, Bound]:
    """Explicit bounds by model channel (names resolved as in plans), each side checked: finite, ≥ 0, low ≤ high."""
    out: dict[str, Bound] = {}
    for given, pair in (custom or {}).items():
        ch = resolve_channel(given, channels, " in bounds")
        if ch in out:
            raise PlanError(f"channel {ch!r} is given twice in bounds")
        try:
            lo, hi = pair
        except (TypeError, ValueError):
            raise PlanError(f"bounds for {ch!r} must be a pair (low, high), got {pair!r}") from None
        sides: list[float | None] = []
        for name, v in (("low", lo), ("high", hi)):
            if v is None:
                sides.append(None)
                continue
            x = float(v)
            if not np.isfinite(x) or x < 0:
                raise PlanError(f"bounds for {ch!r}: {name} must be a non-negative number, got {v!r}")
            sides.append(x)
        if sides[0] is not None and sides[1] is not None and sides[0] > sides[1]:
            raise PlanError(f"bounds for {ch!r}: low {_money(sides[0])} is above high {_money(sides[1])}")
        out[ch] = (sides[0], sides[1])
    return out


def channel_bounds(
    bundle: ResponseBundle,
    ref: Mapping[str, float],
    width: float,
    custom: Mapping[str, Bound] | None = None,
    budget: float | None = None,
    period: str = "",
    cap: bool = False,
) -> tuple[dict[str, tuple[float, float]], list[str]]:
    """Per-channel ``(low, high)`` spend over the period and notes on how they were set (module docstring).

    ``ref``: channel → run-rate total over the period; ``width``: relative half-width ≥ 0 of the default bounds;
    ``custom``: explicit bounds (either side None = default); ``budget``: widen the defaulted sides when it does
    not fit (None: never widen); ``period``: ``"start..end"`` for the notes; ``cap``: the budget is a cap (the
    ``profit`` objective), only the lower bounds must fit under it. Raises :class:`PlanError` for unknown
    channels, bad explicit bounds and a budget the explicit bounds cannot hold."""
    if not np.isfinite(width) or width < 0:
        raise PlanError(f"width must be a non-negative number, got {width}")
    chans = list(ref)
    moving = {ch for ch in chans if any(ch in m.transforms_ for m in bundle.models.values())}
    given = _explicit(custom, chans)
    lo = {ch: max(0.0, (1 - width) * r) if ch in moving else r for ch, r in ref.items()}
    hi = {ch: (1 + width) * r if ch in moving else r for ch, r in ref.items()}
    for ch, (glo, ghi) in given.items():
        lo[ch] = glo if glo is not None else min(lo[ch], ghi if ghi is not None else lo[ch])
        hi[ch] = ghi if ghi is not None else max(hi[ch], lo[ch])
    notes: list[str] = []
    run_rate = float(sum(ref.values()))
    widened: list[str] = []
    if budget is not None and budget > sum(hi.values()) + 1e-6:
        free = [ch for ch in chans if ch in moving and given.get(ch, (None, None))[1] is None]
        rest = budget - sum(v for ch, v in hi.items() if ch not in free)
        free_rate = sum(ref[ch] for ch in free)
        for ch in free:
            t = rest * ref[ch] / free_rate if ref[ch] > 0 else rest / len(free)
            hi[ch] = max(hi[ch], (1 + width) * t)
        widened = free
    elif budget is not None and budget < sum(lo.values()) - 1e-6:
        free = [ch for ch in chans if given.get(ch, (None, None))[0] is None]
        rest = budget - sum(v for ch, v in lo.items() if ch not in free)
        free_rate = sum(ref[ch] for ch in free)
        if rest >= 0 and free_rate > 0:
            for ch in free:
                t = rest * ref[ch] / free_rate
                if ch in moving:
                    lo[ch] = min(lo[ch], (1 - width) * t)
                else:
                    lo[ch] = hi[ch] = min(lo[ch], t)
            widened = free
    if widened:
        b = float(budget or 0.0)
        times = (
            f"{_ratio(b / run_rate)}× the run rate ({_money(run_rate)}{' for ' + period if period else ''})"
            if run_rate > 0
            else "above a run rate of 0"
        )
        what = f"±{width:.0%} of run rate" if width <= 1 else f"0 to {1 + width:.3g}× run rate"
        detail = ", ".join(
            f"{ch} {_money(lo[ch])}–{_money(hi[ch])}" + (" (no recent spend)" if ref[ch] <= 0 else "")
            for ch in widened
        )
        notes.append(
            f"budget {_money(b)} is {times}; default channel bounds ({what}) widened so the budget "
            f"fits: {detail}"
        )
    idle = [ch for ch in chans if ch in moving and ref[ch] <= 0 and hi[ch] <= 0]
    if idle:
        notes.append(
            f"{', '.join(idle)} had no spend in the last weeks of the history: bounds 0–0 unless the budget widens "
            "them or explicit bounds set them"
        )
    out = {ch: (float(lo[ch]), float(max(hi[ch], lo[ch]))) for ch in chans}
    if not all(np.isfinite(b[1]) for b in out.values()) or not np.isfinite(sum(b[1] for b in out.values())):
        raise PlanError(
            "channel bounds are too large to compute with (their upper bounds sum to more than a float holds): "
            f"width {width:.3g}" + (f", budget {_money(budget)}" if budget is not None else "")
            + f", run rate {_money(run_rate)}" + (f", explicit bounds for {', '.join(given)}" if given else "")
        )
    if budget is not None:
        _check_budget_fits(out, given, budget, cap)
    return out, notes


def _check_budget_fits(
    bnd: Mapping[str, tuple[float, float]], given: Mapping[str, Bound], budget: float, cap: bool
) -> None:
    """:class:`PlanError` when ``budget`` is outside what the (widened) bounds allow — only explicit bounds (or
    channels the model refused, pinned to their spend) can cause it; the message names them."""
    low, high = sum(b[0] for b in bnd.values()), sum(b[1] for b in bnd.values())
    if low - 1e-6 <= budget and (cap or budget <= high + 1e-6):
        return
    side = 0 if budget < low else 1
    named = [ch for ch, g in given.items() if g[side] is not None]
    listed = ", ".join(f"{ch} {_money(bnd[ch][0])}–{_money(bnd[ch][1])}" for ch in named) or "none"
    if side == 0:
        raise PlanError(
            f"budget {_money(budget)} is below what the channel bounds require: the lower bounds sum to {_money(low)} "
            f"(explicit bounds: {listed}); lower an explicit lower bound or raise the budget"
        )
    raise PlanError(
        f"budget {_money(budget)} is above what the channel bounds allow: the upper bounds sum to {_money(high)} "
        f"(explicit bounds: {listed}); raise an explicit upper bound, leave a channel's upper side to the default "
        "or lower the budget"
    )


def _setup(
    bundle: ResponseBundle,
    start: pd.Timestamp,
    end: pd.Timestamp,
    width: float,
    bounds: Mapping[str, Bound] | None,
    budget: float | None = None,
    cap: bool = False,
) -> tuple[
    _Evaluator, dict[str, float], dict[str, tuple[float, float]], list[str], np.ndarray, np.ndarray, np.ndarray,
    list[str],
]:
    """The common set-up of both optimisations: evaluator, reference totals, per-channel bounds, channel order,
    lower and upper bounds as arrays, the scale of the decision variables (currency per unit) and the notes on
    the bounds."""
    ev = _Evaluator(bundle, start, end)
    ref = dict(ev.ref.spend)
    bnd, notes = channel_bounds(bundle, ref, width, bounds, budget, f"{start.date()}..{end.date()}", cap)
    chans = list(bnd)
    lo = np.array([bnd[c][0] for c in chans])
    hi = np.array([bnd[c][1] for c in chans])
    return ev, ref, bnd, chans, lo, hi, np.maximum(hi, 1.0), notes


def default_objective(bundle: ResponseBundle) -> Objective:
    """``revenue`` when the bundle has a revenue model, else ``conversions``."""
    return "revenue" if "revenue" in bundle.models or not bundle.models else "conversions"


def _check_objective(bundle: ResponseBundle, objective: str, min_roi: float | None) -> None:
    if objective not in ("revenue", "conversions", "profit"):
        raise PlanError(f"unknown objective {objective!r}; valid: revenue, conversions, profit")
    trained = ", ".join(sorted(bundle.models)) or "none"
    need = "revenue" if objective in ("revenue", "profit") else "conversions"
    if need not in bundle.models:
        raise PlanError(
            f"objective {objective!r} needs a {need} model, and this model set has none (trained: {trained}); "
            f"use objective {default_objective(bundle)!r}"
        )
    if min_roi is not None and "revenue" not in bundle.models:
        raise PlanError(f"min_roi needs a revenue model, and this model set has none (trained: {trained})")


def optimize_budget(
    bundle: ResponseBundle,
    budget: float,
    start: str | pd.Timestamp,
    end: str | pd.Timestamp,
    *,
    objective: Objective | None = None,
    min_roi: float | None = None,
    width: float = 0.5,
    bounds: Mapping[str, Bound] | None = None,
    n_sims: int = 1000,
    seed: int = 0,
    with_forecast: bool = True,
) -> Allocation:
    """Best split of ``budget`` (currency, whole period) over channels for ``[start, end]``.

    ``revenue``/``conversions`` spend the whole budget (equality); ``profit`` (incremental revenue −
    spend) treats the budget as a cap; None: ``revenue`` when there is a revenue model, else ``conversions``.
    ``min_roi``: floor on (incremental revenue − spend)/spend. ``width``/``bounds``: see :func:`channel_bounds`;
    any positive budget fits the default bounds (they widen, and ``notes`` say so). Raises :class:`PlanError`
    for an objective whose model is missing and a budget the explicit bounds cannot hold."""
    objective = objective or default_objective(bundle)
    _check_objective(bundle, objective, min_roi)
    start, end = pd.Timestamp(start), pd.Timestamp(end)
    _check_period(bundle, start, end)
    if not np.isfinite(budget) or budget < 0:
        raise PlanError(f"budget must be a non-negative number, got {budget}")
    ev, ref, bnd, chans, lo, hi, scale, notes = _setup(bundle, start, end, width, bounds, budget, objective == "profit")
    key = objective
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
        return Allocation({}, ref, bnd, {}, ref_t, {}, objective, "infeasible", msg, None, notes=notes)
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
        notes,
    )


def minimum_spend(
    bundle: ResponseBundle,
    kpi: Literal["conversions", "revenue"],
    target: float,
    start: str | pd.Timestamp,
    end: str | pd.Timestamp,
    *,
    width: float = 0.5,
    bounds: Mapping[str, Bound] | None = None,
    n_sims: int = 1000,
    seed: int = 0,
    with_forecast: bool = True,
) -> Allocation:
    """Least total spend whose expected ``kpi`` total (business outcome) over the period reaches
    ``target``."""
    start, end = pd.Timestamp(start), pd.Timestamp(end)
    _check_period(bundle, start, end)
    if kpi not in bundle.models:
        trained = ", ".join(sorted(bundle.models)) or "none"
        raise PlanError(f"a {kpi} target needs a {kpi} model, and this model set has none (trained: {trained})")
    ev, ref, bnd, chans, lo, hi, scale, notes = _setup(bundle, start, end, width, bounds)
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
            f"{kpi} target {target:,.2f} unreachable within bounds (max {best_possible:,.2f}); widen them with "
            "width or explicit bounds",
            None,
            notes=notes,
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
        notes,
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
    periods_of(start, end, bundle.context)


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
    notes: list[str],
) -> Allocation:
    exp = ev.totals(alloc)
    ref_t = ev.totals(ref)
    uplift = {k: exp[k] - ref_t[k] for k in exp if k in ref_t and k != "roi"}
    ref_total = sum(ref.values())
    same = ev.totals({c: v * exp["spend"] / ref_total for c, v in ref.items()}) if ref_total > 0 else ref_t
    uplift_same = {k: exp[k] - same[k] for k in exp if k in same and k not in ("roi", "spend")}
    if "roi" in exp:
        uplift["roi"] = exp["roi"] - ref_t["roi"]
        uplift_same["roi"] = exp["roi"] - same["roi"]
    fc = forecast(bundle, Plan(start, end, alloc), n_sims=n_sims, seed=seed) if with_forecast else None
    return Allocation(alloc, ref, bnd, exp, ref_t, uplift, objective, status, message, fc, uplift_same, notes)
