"""Forecast of a spend plan: totals, per channel and per period, with simulated intervals.

Intervals of horizon totals come from summing simulated *paths* (beta draws shared across days,
AR(1) residuals, one baseline-trend error per path), never from summing daily bands.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from models.intervals import stats
from models.plan import Plan, spend_path
from models.response.bundle import KPIS, ResponseBundle


@dataclass(frozen=True)
class Forecast:
    """Result of :func:`forecast`. ``total``/``by_channel`` map KPI id → :func:`models.intervals.stats` dicts.

    ``daily``: per period the spend, KPI bands and per channel spend and mean incremental KPIs.
    Totals: ``conversions``/``revenue`` are the whole business outcome (baseline + media);
    ``roi`` = (incremental revenue − spend)/spend, ``roas`` = incremental revenue/spend,
    ``cpa`` = spend/incremental conversions. By channel: incremental conversions and revenue of the
    channel and the same ratios on its spend.

    A KPI without a model in the bundle (data with one outcome: revenue only or conversions only) is null
    everywhere, and so are the ratios that need it (``roi``/``roas`` need revenue, ``cpa`` conversions); ``notes``
    say which.
    """

    start: str
    end: str
    spend: dict[str, float]
    total: dict[str, Any]
    by_channel: dict[str, dict[str, Any]]
    daily: list[dict[str, Any]]
    response_curves: dict[str, Any]
    warnings: list[str]
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "start": self.start,
            "end": self.end,
            "spend": self.spend,
            "total": self.total,
            "by_channel": self.by_channel,
            "daily": self.daily,
            "response_curves": self.response_curves,
            "warnings": self.warnings,
            "notes": self.notes,
            "definitions": {
                "conversions": "business total over the plan period (baseline + paid media)",
                "roi": "(incremental revenue - spend) / spend",
                "roas": "incremental revenue / spend",
                "cpa": "spend / incremental conversions",
                "intervals": "80% and 95% central intervals from 1000 simulated paths",
            },
        }


class _Stats:
    """Collects the :func:`models.intervals.stats` requests of a forecast (draws (n_sims,), mean): ``add`` returns the
    (still empty) result dict, ``fill()`` answers all of them with one call."""

    def __init__(self) -> None:
        self._items: list[tuple[NDArray[np.float64], float, dict[str, Any]]] = []

    def add(self, draws: NDArray[np.float64], mean: float) -> dict[str, Any]:
        out: dict[str, Any] = {}
        self._items.append((draws, mean, out))
        return out

    def fill(self) -> None:
        answers = stats([d for d, _, _ in self._items], [m for _, m, _ in self._items])
        for (_, _, out), answer in zip(self._items, answers, strict=True):
            out.update(answer)
        self._items.clear()


def _ratios(
    inc_rev: NDArray[np.float64] | None,
    inc_conv: NDArray[np.float64] | None,
    s: float,
    m_rev: float,
    m_conv: float,
    batch: _Stats,
) -> dict[str, Any]:
    """ROI, ROAS (None without revenue draws ``inc_rev``) and CPA (None without conversion draws ``inc_conv``) of
    spend ``s``; ``m_rev``/``m_conv`` the mean incremental revenue / conversions."""
    out: dict[str, Any] = {"roi": None, "roas": None, "cpa": None}
    if inc_rev is not None:
        if s > 0:
            out["roi"] = batch.add((inc_rev - s) / s, (m_rev - s) / s)
            out["roas"] = batch.add(inc_rev / s, m_rev / s)
        else:
            nan = np.full_like(inc_rev, np.nan)
            out["roi"], out["roas"] = batch.add(nan, float("nan")), batch.add(nan, float("nan"))
    if inc_conv is not None:
        with np.errstate(divide="ignore", invalid="ignore"):
            cpa = np.where(inc_conv > 0, s / inc_conv, np.nan) if s > 0 else np.full_like(inc_conv, np.nan)
        out["cpa"] = batch.add(cpa, s / m_conv if s > 0 and m_conv > 0 else float("nan"))
    return out


def missing_kpi_notes(bundle: ResponseBundle) -> list[str]:
    """One note per KPI the bundle has no model for, naming the figures that are null because of it."""
    derived = {"revenue": "revenue, ROI and ROAS", "conversions": "conversions and CPA"}
    return [
        f"no {kpi} model (the data has no {kpi} outcome, or it was not fitted): {derived[kpi]} are null"
        for kpi in KPIS
        if kpi not in bundle.models
    ]


def expected_totals(bundle: ResponseBundle, plan: Plan) -> dict[str, Any]:
    """Expected (no simulation) totals over the plan: ``{kpi: total, "incremental": {kpi: {channel: x}}}``."""
    path, g = spend_path(bundle, plan)
    out: dict[str, Any] = {"incremental": {}}
    for kpi, m in bundle.models.items():
        media = m.media(path)[g:]
        out[kpi] = float(m.baseline(len(path))[g:].sum() + media.sum())
        out["incremental"][kpi] = dict(zip(m.channels_, media.sum(axis=0).tolist(), strict=True))
    return out


def forecast(
    bundle: ResponseBundle,
    plan: Plan,
    *,
    n_sims: int = 1000,
    seed: int = 0,
    curves: bool = True,
    curve_points: int = 21,
) -> Forecast:
    """Simulate the plan with every KPI model of ``bundle`` (see :class:`Forecast`)."""
    path, g = spend_path(bundle, plan)
    dates = path.index[g:]
    ctx = bundle.context
    planned = path[list(ctx.channels)].to_numpy(dtype=float)[g:]  # (H, C) spend per period of the plan
    s_ch = dict(zip(ctx.channels, planned.sum(axis=0).tolist(), strict=True))
    batch = _Stats()
    s_tot = float(sum(s_ch.values()))
    total: dict[str, Any] = {"spend": s_tot}
    inc: dict[str, dict[str, NDArray[np.float64]]] = {}
    inc_mean: dict[str, dict[str, float]] = {}
    daily_bands: dict[str, list[dict[str, Any]]] = {}  # per KPI: the stats of each period's total
    daily_inc: dict[str, dict[str, NDArray[np.float64]]] = {}
    warnings: list[str] = []
    for k, kpi in enumerate(KPIS):
        m = bundle.models.get(kpi)
        if m is None:
            continue
        warnings += m.warnings_
        sim = m.simulate(path, n=n_sims, seed=seed + k)
        base = sim.baseline[g:][None, :] + sim.noise[:, g:]  # (n, H)
        tot = base + sim.media_by_period(g)  # (n, H)
        by_channel_draws = sim.media_by_channel(g)  # (n, C)
        mean_media = sim.media_mean[g:]
        total[kpi] = batch.add(tot.sum(axis=1), float(sim.baseline[g:].sum() + mean_media.sum()))
        total[f"baseline_{kpi}"] = batch.add(base.sum(axis=1), float(sim.baseline[g:].sum()))
        total[f"incremental_{kpi}"] = batch.add(by_channel_draws.sum(axis=1), float(mean_media.sum()))
        zeros = np.zeros(n_sims)
        inc[kpi] = {
            ch: (by_channel_draws[:, sim.channels.index(ch)] if ch in sim.channels else zeros)
            for ch in ctx.channels
        }
        inc_mean[kpi] = {
            ch: (float(mean_media[:, sim.channels.index(ch)].sum()) if ch in sim.channels else 0.0)
            for ch in ctx.channels
        }
        daily_bands[kpi] = [batch.add(day, float(mean)) for day, mean in zip(tot.T, tot.mean(axis=0), strict=True)]
        daily_inc[kpi] = {ch: mean_media[:, sim.channels.index(ch)] for ch in sim.channels}
    zeros = np.zeros(n_sims)
    rev = inc.get("revenue")
    conv = inc.get("conversions")
    for kpi in KPIS:
        if kpi not in inc:
            total.update({kpi: None, f"baseline_{kpi}": None, f"incremental_{kpi}": None})
    total.update(
        _ratios(
            sum(rev.values(), zeros) if rev is not None else None,
            sum(conv.values(), zeros) if conv is not None else None,
            s_tot,
            sum(inc_mean.get("revenue", {}).values()),
            sum(inc_mean.get("conversions", {}).values()),
            batch,
        )
    )
    by_channel: dict[str, dict[str, Any]] = {}
    for ch in ctx.channels:
        row: dict[str, Any] = {"spend": s_ch[ch]}
        for kpi in KPIS:
            row[kpi] = batch.add(inc[kpi][ch], inc_mean[kpi][ch]) if kpi in inc else None
        row.update(
            _ratios(
                rev[ch] if rev is not None else None,
                conv[ch] if conv is not None else None,
                s_ch[ch],
                inc_mean.get("revenue", {}).get(ch, 0.0),
                inc_mean.get("conversions", {}).get(ch, 0.0),
                batch,
            )
        )
        by_channel[ch] = row
    batch.fill()
    daily = []
    day_inc = {k: {ch: series.tolist() for ch, series in v.items()} for k, v in daily_inc.items()}
    spend_rows = planned.tolist()
    for i, d in enumerate(dates.strftime("%Y-%m-%d")):
        day_spend = spend_rows[i]
        row = {"date": d, "spend": float(sum(day_spend))}
        for kpi in KPIS:
            row[kpi] = daily_bands[kpi][i] if kpi in daily_bands else None
        row["by_channel"] = {
            ch: {
                "spend": day_spend[c],
                **{f"incremental_{k}": v[ch][i] for k, v in day_inc.items() if ch in v},
            }
            for c, ch in enumerate(ctx.channels)
        }
        daily.append(row)
    rc = response_curves(bundle, {ch: s_ch[ch] / len(dates) for ch in ctx.channels}, curve_points) if curves else {}
    return Forecast(
        str(plan.start.date()), str(plan.end.date()), s_ch, total, by_channel, daily, rc, warnings,
        missing_kpi_notes(bundle),
    )


def response_curves(bundle: ResponseBundle, planned: dict[str, float], points: int = 21) -> dict[str, Any]:
    """Steady-state response per period vs spend per period, per channel, and the marginal ROAS/ROI
    and marginal CPA at the planned spend per period (``planned``: channel → spend per period); a KPI without a
    model has no curve and the ratios that need it are None."""
    ctx = bundle.context
    out: dict[str, Any] = {}
    for ch in ctx.channels:
        hi = 2.0 * max(planned.get(ch, 0.0), ctx.run_rate.get(ch, 0.0), 1e-9)
        grid = np.linspace(0.0, hi, points)
        cur: dict[str, Any] = {
            "spend_per_period": grid.tolist(),
            "planned_spend_per_period": planned.get(ch, 0.0),
        }
        marg: dict[str, float] = {}
        for kpi, m in bundle.models.items():
            t = m.transforms_.get(ch)
            cur[f"{kpi}_per_period"] = t.steady_state(grid).tolist() if t else [0.0] * points
            marg[kpi] = t.marginal(planned.get(ch, 0.0)) if t else 0.0
        mr = marg.get("revenue")
        cur["marginal_roas"] = mr
        cur["marginal_roi"] = mr - 1.0 if mr is not None else None
        mc = marg.get("conversions")
        cur["marginal_cpa"] = 1.0 / mc if mc is not None and mc > 0 else None
        out[ch] = cur
    return out
