"""Incremental effect of each channel over a window of the history (SPEC §5 ``attribution``).

Everything is computed per model period (a day or a week, ``spend_history``'s index): a channel's contribution
under a fitted response model (:class:`models.response.ResponseModel`, one per KPI) is its transform applied to
the channel's whole spend history, ``contribution_t = beta · sat(adstock(spend)_t)``, the adstock starting from
the state the fit assumes (mean spend of the first week: the channel ran before the history); the incremental KPI over a window is the sum over the periods
whose date lies in the window (inclusive).

Intervals: the contribution is linear in the channel coefficient ``beta`` with the curve shape held fixed, so
``total = beta · S``. The coefficient's draws in ``ResponseModel.simulate`` are normal with the fitted covariance
(``fitted.beta_cov``; :func:`coefficient_se` for the calibration scale) truncated at 0; truncation is monotone,
so their central quantiles are exactly ``max(beta ± z·se, 0) · S`` with ``z = 1.2816`` (80 %) or ``1.96`` (95 %) — no Monte
Carlo noise. Weekly spend-driven fits also store each channel's relative s.e. of its total contribution with the curve
parameters' uncertainty (``fitted.contribution_rse``, :mod:`models.response.uncertainty`); their intervals use it
(:func:`coefficient_se`). Noise of the KPI itself is not part of these intervals: they are of the channel's effect.

ROI = (incremental revenue − spend) / spend (a fraction); lift tests compare what an experiment measured
with what the model fits over the test's window; geo models are split per geo with ``geo_contributions``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol

import numpy as np
import pandas as pd

Z80 = 1.2815515655446004
"""Standard-normal quantile of 0.90 (central 80 % interval)."""
Z95 = 1.959963984540054
"""Standard-normal quantile of 0.975 (central 95 % interval)."""
KPIS = ("conversions", "revenue")


class _Transform(Protocol):
    @property
    def beta(self) -> float: ...

    def response(self, spend: Any, initial: float = 0.0) -> Any: ...


class _Fitted(Protocol):
    @property
    def channels(self) -> Sequence[str]: ...
    @property
    def transforms(self) -> Mapping[str, _Transform]: ...
    @property
    def beta_cov(self) -> Sequence[Sequence[float]]: ...


class ResponseLike(Protocol):
    """What attribution reads from a fitted response model. Optional extras read with ``getattr``:
    ``refused_`` (channel → reason), ``lift_fit_`` (list of (lift test, fitted incremental)), ``geos_`` (geo
    names) and ``geo_contributions(panel)``; ``fitted.media_scale`` (interval calibration, default 1)."""

    @property
    def fitted(self) -> _Fitted: ...


@dataclass(frozen=True)
class Incremental:
    """An incremental KPI total over a window (KPI units) with its central 80 % and 95 % bounds."""

    mean: float
    lower_80: float
    upper_80: float
    lower_95: float
    upper_95: float

    def scaled(self, factor: float) -> Incremental:
        """The same relative interval around ``mean · factor`` (a share of the total, e.g. one geo's)."""
        return Incremental(
            *(v * factor for v in (self.mean, self.lower_80, self.upper_80, self.lower_95, self.upper_95))
        )


def coefficient_interval(total: float, beta: float, se: float) -> Incremental:
    """``total`` (= ``beta · S``) with the bounds ``max(beta ± z·se, 0) · S`` (see the module docstring); a zero
    ``beta`` gives a zero total and zero bounds (``simulate`` gives such a channel no effect)."""
    if beta <= 0 or not np.isfinite(beta):
        return Incremental(0.0, 0.0, 0.0, 0.0, 0.0)
    unit = total / beta
    se = max(float(se), 0.0)

    def bound(z: float) -> float:
        return max(beta + z * se, 0.0) * unit

    return Incremental(total, bound(-Z80), bound(Z80), bound(-Z95), bound(Z95))


def initial_state(spend: pd.Series) -> float:
    """Adstock state before the first period, as the response fit sets it (the channel ran before the history):
    the mean spend of the first week (daily: 7 periods, weekly: 2)."""
    dates = pd.DatetimeIndex(spend.index)
    daily = len(dates) < 2 or (dates[1] - dates[0]) <= pd.Timedelta(days=1)
    head = spend.to_numpy(dtype=float)[: 7 if daily else 2]
    return float(head.mean()) if len(head) else 0.0


def fitted_contribution(model: ResponseLike, channel: str, index: pd.Index) -> np.ndarray | None:
    """The fit's own in-sample contribution of ``channel`` on the periods of ``index`` (NaN on periods the fit did
    not see), from the model's ``contributions_`` (stored with the model); None when the model has none for it."""
    stored = getattr(model, "contributions_", None)
    if stored is None or channel not in stored.columns:
        return None
    return np.asarray(stored[channel].reindex(pd.DatetimeIndex(index)).to_numpy(dtype=float), dtype=float)


def contribution(model: ResponseLike, channel: str, spend: pd.Series) -> pd.Series | None:
    """The channel's contribution per period under ``model`` over its whole ``spend`` history (index kept); None
    when the model has no transform for the channel.

    On the periods the model was fitted on it is the fit's own contribution (:func:`fitted_contribution`: the
    curve times the channel's efficiency at that time, as the training report sums it); on later periods (data
    newer than the model) the response curve at the current efficiency, adstock from :func:`initial_state` as in
    the fit. The curve alone would apply today's efficiency to the whole past: on the campaign-row demo worlds
    (seeds 1–5) that put the channel totals 16.7–25.8 % off the truth against the fit's 12.1–20.2 %."""
    transforms = model.fitted.transforms
    if channel not in transforms:
        return None
    values = np.asarray(transforms[channel].response(spend.to_numpy(dtype=float), initial=initial_state(spend)))
    known = fitted_contribution(model, channel, spend.index)
    if known is not None:
        values = np.where(np.isnan(known), values, known)
    return pd.Series(np.asarray(values, dtype=float), index=spend.index)


def coefficient_se(model: ResponseLike, channel: str) -> float:
    """Standard error of the channel's coefficient for its attribution interval: ``sqrt(beta_cov[j][j]) ·
    max(media_scale, 1)``, plus, when the model stores the channel's ``contribution_rse``, the curve parameters'
    part of it in quadrature (``beta · sqrt(rse² − rse_β²)``, ``rse_β = sqrt(beta_cov[j][j]) / beta``).

    ``media_scale`` is the forecast's interval calibration (``ResponseModel.with_calibration``), estimated on
    backtest errors of the KPI total; it may widen a channel's interval but does not narrow it, because errors of
    the total do not identify one channel's effect (on the weekly demo world, seed 7, scales of 0.25 / 0.36 took
    the 80 % intervals' coverage of the true channel effects from 8 of 12 to 3 of 12).

    ``contribution_rse`` (``fitted.contribution_rse``, channel → relative s.e. of the channel's total contribution
    over the history; weekly spend-driven fits, :mod:`models.response.uncertainty`): ``beta_cov`` is conditional on
    the fitted curves, which weekly totals identify poorly. On the media-mix demo worlds (seeds 1–10, 60 channel
    cases each, conversions / revenue) the 80 % intervals of the channels' totals over the history covered the truth
    in 38 / 45 % (national), 50 / 52 % (national, a lift test per channel), 43 / 43 % (10 geos) and 48 / 57 % (10
    geos with tests) of the cases with ``beta_cov`` alone, and in 68 / 72 %, 70 / 78 %, 68 / 70 % and 80 / 83 % with
    it (mean relative half-width 0.17 → 0.27, 0.09 → 0.13, 0.15 → 0.31, 0.07 → 0.13 on conversions). The relative
    s.e. is of the whole history's total; a shorter window gets the same relative width."""
    f = model.fitted
    j = list(f.channels).index(channel)
    scale = max(float(getattr(f, "media_scale", 1.0) or 1.0), 1.0)
    se = float(np.sqrt(max(float(f.beta_cov[j][j]), 0.0)))
    rse = (getattr(f, "contribution_rse", None) or {}).get(channel)
    beta = float(f.transforms[channel].beta) if channel in f.transforms else 0.0
    if rse is None or not np.isfinite(rse) or not beta > 0:
        return se * scale
    extra = max(float(rse) ** 2 - (se / beta) ** 2, 0.0) * beta**2
    return float(np.sqrt((se * scale) ** 2 + extra))


def in_window(index: pd.Index, start: pd.Timestamp, end: pd.Timestamp) -> np.ndarray:
    """Boolean mask of the periods whose date lies in ``start..end`` (inclusive)."""
    dates = pd.DatetimeIndex(index)
    return np.asarray((dates >= start) & (dates <= end))


def _why_missing(model: ResponseLike, channel: str, kpi: str) -> str:
    refused = dict(getattr(model, "refused_", {}) or {})
    if channel in refused:
        return f"{kpi}: channel refused by the model ({refused[channel]}); its effect is treated as zero"
    return f"{kpi}: the {kpi} response model has no channel {channel!r}"


def incremental(
    model: ResponseLike | None, channel: str, spend: pd.Series, mask: np.ndarray, kpi: str
) -> tuple[Incremental | None, str | None]:
    """The channel's incremental ``kpi`` over ``mask`` with intervals, or (None, why not)."""
    if model is None:
        return None, f"{kpi}: no {kpi} response model (the data has no {kpi} outcome or it was not fitted)"
    contrib = contribution(model, channel, spend)
    if contrib is None or channel not in model.fitted.channels:
        return None, _why_missing(model, channel, kpi)
    beta = float(model.fitted.transforms[channel].beta)
    return coefficient_interval(float(contrib[mask].sum()), beta, coefficient_se(model, channel)), None


def _ratio(num: float | None, den: float | None) -> float | None:
    return num / den if num is not None and den is not None and den > 0 else None


def _roi(revenue: float | None, spend: float) -> float | None:
    return (revenue - spend) / spend if revenue is not None and spend > 0 else None


@dataclass(frozen=True)
class ChannelEffect:
    """One channel over the window: spend (currency), incremental conversions (count) and revenue (currency)
    with intervals (None when the KPI has no model), the platform-reported figures (None when the data has none)
    and ``notes`` saying why a figure is null."""

    channel: str
    spend: float
    conversions: Incremental | None
    revenue: Incremental | None
    reported_conversions: float | None = None
    reported_revenue: float | None = None
    notes: tuple[str, ...] = ()

    @property
    def roi(self) -> float | None:
        return _roi(self.revenue.mean if self.revenue else None, self.spend)

    def to_dict(self) -> dict[str, Any]:
        """The SPEC §5 ``channels`` entry: ``lower/upper_80`` (and ``_95``) are of incremental conversions,
        ``revenue_lower/upper_*`` of incremental revenue, ``roi_lower/upper_80`` the ROI at the revenue bounds."""
        c, r = self.conversions, self.revenue
        conv_mean = c.mean if c else None
        rev_mean = r.mean if r else None
        return {
            "spend": self.spend,
            "incremental_conversions": conv_mean,
            "lower_80": c.lower_80 if c else None,
            "upper_80": c.upper_80 if c else None,
            "lower_95": c.lower_95 if c else None,
            "upper_95": c.upper_95 if c else None,
            "incremental_revenue": rev_mean,
            "revenue_lower_80": r.lower_80 if r else None,
            "revenue_upper_80": r.upper_80 if r else None,
            "revenue_lower_95": r.lower_95 if r else None,
            "revenue_upper_95": r.upper_95 if r else None,
            "roi": self.roi,
            "roi_lower_80": _roi(r.lower_80, self.spend) if r else None,
            "roi_upper_80": _roi(r.upper_80, self.spend) if r else None,
            "cost_per_incremental_conversion": _ratio(self.spend, conv_mean),
            "reported_conversions": self.reported_conversions,
            "reported_revenue": self.reported_revenue,
            "reported_to_incremental": _ratio(self.reported_conversions, conv_mean),
            "reported_to_incremental_revenue": _ratio(self.reported_revenue, rev_mean),
            "notes": list(self.notes),
        }


def channel_effects(
    spend_history: pd.DataFrame,
    start: pd.Timestamp,
    end: pd.Timestamp,
    models: Mapping[str, ResponseLike],
    channels: Sequence[str],
    reported: Mapping[str, tuple[float | None, float | None]] | None = None,
) -> list[ChannelEffect]:
    """Each of ``channels`` over ``start..end``: spend, incremental conversions / revenue (``models`` by KPI
    id; a KPI without a model gives None) and ``reported`` (channel → (conversions, revenue) reported by the
    platforms over the window, None where the data has none).

    ``spend_history``: spend per period (rows: the model's periods, a DatetimeIndex; columns: channels,
    currency units ≥ 0) over the whole history — the adstock needs what came before the window."""
    mask = in_window(spend_history.index, start, end)
    out = []
    for ch in channels:
        spend = spend_history[ch] if ch in spend_history else pd.Series(0.0, index=spend_history.index)
        notes: list[str] = []
        est: dict[str, Incremental | None] = {}
        for kpi in KPIS:
            est[kpi], why = incremental(models.get(kpi), ch, spend, mask, kpi)
            if why:
                notes.append(why)
        rep_conv, rep_rev = (reported or {}).get(ch, (None, None))
        if rep_conv is None and rep_rev is None:
            notes.append("reported: the data has no platform-reported conversions or revenue for this channel")
        out.append(
            ChannelEffect(
                ch, float(spend[mask].sum()), est["conversions"], est["revenue"], rep_conv, rep_rev, tuple(notes)
            )
        )
    return out


@dataclass(frozen=True)
class LiftComparison:
    """One lift test: what it measured (KPI units over ``start..end``, with its standard error) and what the
    model fits over the same window. ``source``: ``"model"`` (the fit's own figure, ``lift_fit_``) or
    ``"spend history"`` (recomputed); ``fitted`` None when the KPI's model lacks the channel (``note``)."""

    channel: str
    kpi: str
    start: pd.Timestamp
    end: pd.Timestamp
    measured: float
    std_error: float
    fitted: float | None
    source: str | None
    note: str | None = None

    @property
    def z(self) -> float | None:
        """(fitted − measured) / std_error: how many standard errors the fit lands from the test."""
        if self.fitted is None or not self.std_error > 0:
            return None
        return (self.fitted - self.measured) / self.std_error

    def to_dict(self) -> dict[str, Any]:
        return {
            "channel": self.channel,
            "kpi": self.kpi,
            "start": self.start.date().isoformat(),
            "end": self.end.date().isoformat(),
            "measured": self.measured,
            "std_error": self.std_error,
            "fitted": self.fitted,
            "difference": self.fitted - self.measured if self.fitted is not None else None,
            "z": self.z,
            "source": self.source,
            "note": self.note,
        }


def _field(obj: Any, name: str) -> Any:
    return obj.get(name) if isinstance(obj, Mapping) else getattr(obj, name, None)


def _model_lift_fit(model: ResponseLike, channel: str, start: pd.Timestamp, end: pd.Timestamp) -> float | None:
    """The model's own fitted figure for the test ``channel``/``start``/``end`` (``lift_fit_``: pairs of a lift
    test — an object or, as read back from a file, a mapping — and the fitted incremental), if it has one."""
    for pair in getattr(model, "lift_fit_", None) or ():
        test, fitted = pair
        if str(_field(test, "channel")) != channel or _field(test, "start") is None or _field(test, "end") is None:
            continue
        if pd.Timestamp(_field(test, "start")) == start and pd.Timestamp(_field(test, "end")) == end:
            return float(fitted)
    return None


def lift_comparisons(
    lift_tests: pd.DataFrame | None, spend_history: pd.DataFrame, models: Mapping[str, ResponseLike]
) -> list[LiftComparison]:
    """Measured vs fitted for each row of ``lift_tests`` (columns ``channel, start, end, kpi, incremental,
    std_error``; None or empty: no rows). Fitted: the model's ``lift_fit_`` figure when it has the test, else the
    channel's contribution summed over the test window (as :func:`channel_effects` computes it)."""
    if lift_tests is None or lift_tests.empty:
        return []
    out = []
    for row in lift_tests.itertuples(index=False):
        ch, kpi = str(row.channel), str(row.kpi)
        start, end = pd.Timestamp(row.start), pd.Timestamp(row.end)
        base = {
            "channel": ch,
            "kpi": kpi,
            "start": start,
            "end": end,
            "measured": float(row.incremental),
            "std_error": float(row.std_error),
        }
        model = models.get(kpi)
        if model is None:
            out.append(LiftComparison(**base, fitted=None, source=None, note=f"no {kpi} response model"))
            continue
        own = _model_lift_fit(model, ch, start, end)
        if own is not None:
            out.append(LiftComparison(**base, fitted=own, source="model"))
            continue
        spend = spend_history.get(ch)
        contrib = contribution(model, ch, spend) if spend is not None else None
        if contrib is None:
            refused = ch in dict(getattr(model, "refused_", {}) or {})
            note = _why_missing(model, ch, kpi)
            out.append(
                LiftComparison(
                    **base, fitted=0.0 if refused else None, source="spend history" if refused else None, note=note
                )
            )
            continue
        fitted = float(contrib[in_window(spend_history.index, start, end)].sum())
        out.append(LiftComparison(**base, fitted=fitted, source="spend history"))
    return out


def geo_totals(
    geo_panel: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp, models: Mapping[str, ResponseLike]
) -> dict[str, pd.DataFrame]:
    """KPI → per-geo sums over ``start..end`` of each geo model's ``geo_contributions(geo_panel)`` (index: geo,
    columns: channels, KPI units); KPIs whose model is not a geo model are absent."""
    per_kpi: dict[str, pd.DataFrame] = {}
    for kpi in KPIS:
        model = models.get(kpi)
        if model is not None and tuple(getattr(model, "geos_", ()) or ()):
            contrib = model.geo_contributions(geo_panel)  # type: ignore[attr-defined]
            rows = contrib[in_window(pd.DatetimeIndex(pd.to_datetime(contrib["date"])), start, end)]
            per_kpi[kpi] = rows.groupby(rows["geo"].astype(str)).sum(numeric_only=True)
    return per_kpi


def national_from_geos(effects: Sequence[ChannelEffect], per_kpi: Mapping[str, pd.DataFrame]) -> list[ChannelEffect]:
    """``effects`` with each geo-modelled KPI's incremental figure set to the sum over geos of the geo fit
    (``per_kpi`` from :func:`geo_totals`), keeping the interval's relative width: the national transforms
    applied to national spend equal that sum only while every geo's share of a channel's spend is constant, and
    a report whose national line is not the sum of its geo lines would contradict itself."""
    out = []
    for e in effects:
        est: dict[str, Incremental | None] = {"conversions": e.conversions, "revenue": e.revenue}
        for kpi, sums in per_kpi.items():
            cur = est.get(kpi)
            if cur is not None and cur.mean > 0 and e.channel in sums.columns:
                est[kpi] = cur.scaled(float(sums[e.channel].sum()) / cur.mean)
        out.append(replace(e, conversions=est["conversions"], revenue=est["revenue"]))
    return out


def geo_spread(
    geo_panel: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp, models: Mapping[str, ResponseLike]
) -> dict[str, pd.DataFrame]:
    """KPI → per geo (index) and channel (columns) the s.d. of the geo's incremental KPI over ``start..end`` that its
    own coefficient's uncertainty adds (the coefficient's posterior s.d. around the pooled one, ``geo_coefficient_se``,
    times the geo's response per unit of coefficient summed over the window); KPIs whose geo model did not record
    those s.d. (saved before session 12) are absent."""
    out: dict[str, pd.DataFrame] = {}
    for kpi in KPIS:
        model = models.get(kpi)
        se = getattr(model, "geo_coefficient_se", lambda: None)() if model is not None else None
        if se is None or not tuple(getattr(model, "geos_", ()) or ()):
            continue
        unit = model.geo_contributions(geo_panel, per_unit=True)  # type: ignore[union-attr]
        rows = unit[in_window(pd.DatetimeIndex(pd.to_datetime(unit["date"])), start, end)]
        sums = rows.groupby(rows["geo"].astype(str)).sum(numeric_only=True)
        se.index = se.index.astype(str)
        out[kpi] = sums * se.reindex(index=sums.index, columns=sums.columns).fillna(0.0)
    return out


def _with_geo_spread(est: Incremental, sd: float) -> Incremental:
    """``est`` (the pooled coefficient's interval, scaled to the geo) widened by the geo's own coefficient's s.d.
    ``sd`` (KPI units), the two added in quadrature on each side; bounds clipped at 0 as the coefficient is."""
    m = est.mean

    def lower(bound: float, z: float) -> float:
        return max(m - float(np.hypot(m - bound, z * sd)), 0.0)

    def upper(bound: float, z: float) -> float:
        return m + float(np.hypot(bound - m, z * sd))

    return Incremental(m, lower(est.lower_80, Z80), upper(est.upper_80, Z80), lower(est.lower_95, Z95),
                       upper(est.upper_95, Z95))


def geo_effects(
    geo_panel: pd.DataFrame,
    start: pd.Timestamp,
    end: pd.Timestamp,
    models: Mapping[str, ResponseLike],
    channels: Sequence[str],
    national: Sequence[ChannelEffect],
    per_kpi: Mapping[str, pd.DataFrame] | None = None,
) -> dict[str, dict[str, dict[str, Any]]]:
    """Per geo and channel over ``start..end``: spend and incremental conversions / revenue from each geo
    model's ``geo_contributions(geo_panel)`` (columns ``date``, ``geo``, one per channel, KPI units), with the
    national interval's relative width (the per-geo coefficients are shrunk to the pooled one, whose
    uncertainty the national interval carries) widened by the geo's own coefficient's uncertainty
    (:func:`geo_spread`, added in quadrature; a geo whose coefficient is clipped at 0 reads 0 with an interval from 0
    to what that uncertainty allows, not 0–0). Empty when no model is a geo model.

    ``geo_panel``: long frame (``date``, ``geo``, one spend column per channel named by the channel, …);
    ``per_kpi``: :func:`geo_totals` of the same arguments when already computed."""
    per_kpi = geo_totals(geo_panel, start, end, models) if per_kpi is None else per_kpi
    if not per_kpi:
        return {}
    panel = geo_panel[in_window(pd.DatetimeIndex(pd.to_datetime(geo_panel["date"])), start, end)]
    spend = panel.groupby(panel["geo"].astype(str)).sum(numeric_only=True)
    nat = {e.channel: e for e in national}
    spread = geo_spread(geo_panel, start, end, models)
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for geo in sorted(spend.index.union(next(iter(per_kpi.values())).index)):
        block: dict[str, dict[str, Any]] = {}
        for ch in channels:
            s = float(spend.at[geo, ch]) if geo in spend.index and ch in spend.columns else 0.0
            est: dict[str, Incremental | None] = {}
            for kpi, sums in per_kpi.items():
                national_est = getattr(nat.get(ch), kpi, None)
                if ch not in sums.columns or national_est is None:
                    continue
                value = float(sums.at[geo, ch]) if geo in sums.index else 0.0
                factor = value / national_est.mean if national_est.mean > 0 else 0.0
                est[kpi] = national_est.scaled(factor) if national_est.mean > 0 else Incremental(value, *(value,) * 4)
                sd = spread.get(kpi)
                if sd is not None and geo in sd.index and ch in sd.columns and national_est.mean > 0:
                    est[kpi] = _with_geo_spread(est[kpi], float(sd.at[geo, ch]))  # type: ignore[arg-type]
            effect = ChannelEffect(ch, s, est.get("conversions"), est.get("revenue"))
            doc = effect.to_dict()
            for key in (
                "reported_conversions",
                "reported_revenue",
                "reported_to_incremental",
                "reported_to_incremental_revenue",
                "notes",
            ):
                doc.pop(key)
            block[ch] = doc
        out[str(geo)] = block
    return out


def geo_panel(ds: Any) -> pd.DataFrame | None:
    """The ``mmm`` table's geo rows with one spend column per channel named by the channel (what a geo model's
    ``geo_contributions`` reads), or None when the data has no geo column."""
    mmm = getattr(ds, "mmm", None)
    if mmm is None or not getattr(mmm, "geo", False):
        return None
    frame = mmm.frame
    return frame.assign(**{ch: frame[mmm.spend_column(ch)].astype(float) for ch in mmm.channels})


@dataclass(frozen=True)
class Attributed:
    """What :func:`attribute` finds: the channels' effects (national lines; for a geo model the sums of its geo
    lines), the lift tests measured vs fitted, and per geo and channel the effects (empty without a geo model)."""

    effects: list[ChannelEffect]
    lift_tests: list[LiftComparison]
    geos: dict[str, dict[str, dict[str, Any]]]


def attribute(
    ds: Any,
    models: Mapping[str, ResponseLike],
    history: pd.DataFrame,
    start: pd.Timestamp,
    end: pd.Timestamp,
    channels: Sequence[str],
    freq: str,
) -> Attributed:
    """Attribution of ``channels`` over the model periods ``start..end`` of the dataset ``ds`` with ``models``
    (KPI → response model): :func:`channel_effects` with the platform-reported figures, the lift tests
    (:func:`lift_comparisons`) and, with a geo model, the national lines set to its geo sums and the per-geo
    effects. ``history``: spend per model period and channel (``advisor.diagnostics.history.spend_history``)."""
    from advisor.diagnostics.history import reported

    effects = channel_effects(history, start, end, models, channels, reported(ds, start, end, freq))
    tests = lift_comparisons(getattr(ds, "lift_tests", None), history, models)
    panel = geo_panel(ds) if any(getattr(m, "geos_", ()) for m in models.values()) else None
    geos: dict[str, dict[str, dict[str, Any]]] = {}
    if panel is not None:
        per_kpi = geo_totals(panel, start, end, models)
        effects = national_from_geos(effects, per_kpi)
        geos = geo_effects(panel, start, end, models, channels, effects, per_kpi=per_kpi)
    return Attributed(effects, tests, geos)
