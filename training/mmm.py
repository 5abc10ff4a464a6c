"""Fit the response models from a media-mix (``mmm``) table: wide periods × channels, optionally per geo.

The frame is in the canonical layout of ``advisor.data.mmm.MmmTable`` (SPEC §2 "Media-mix layout"): ``date``,
optional ``geo``, outcome columns (``conversions`` and/or ``revenue``), one spend column per channel and the
regressor columns named by role — ``control__*`` (averaged over geos), ``event__*`` (maximum over geos) and
``organic__*`` (summed). Training never imports ``advisor``: callers hand the frame and an :class:`MmmLayout`.

There are no platform-reported conversions in this layout, so every channel's response shape is
spend-driven (``ResponseSpec.shape_source="spend"``); lift tests (SPEC §2 ``lift_tests``) calibrate the
fit when the response model supports them, and a ``geo`` column is passed on as a geo panel (partially
pooled channel effects) when the response model supports it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np
import pandas as pd

from models.response import KPIS, PlanningContext, ResponseBundle, ResponseModel, ResponseSpec

log = logging.getLogger(__name__)

Progress = Callable[[str, float], None]

#: lift_tests contract columns (SPEC §2)
LIFT_COLUMNS = ("channel", "start", "end", "kpi", "incremental", "std_error")


@dataclass(frozen=True)
class MmmLayout:
    """Column roles of a canonical mmm frame. ``channels``: channel → spend column (config order);
    ``outcomes``: subset of ``("conversions", "revenue")``; ``regressors``: control, organic and event
    columns (all linear regressors); ``geo``: the geo column or None; ``freq``: ``"D"`` or ``"W"``;
    ``country``: ISO code for public holidays or None (none); ``seasonality``: ``"smooth"`` or ``"auto"``, the weekly
    fit's yearly shape (:attr:`models.response.model.ResponseSpec.weekly_seasonality`)."""

    channels: Mapping[str, str]
    outcomes: tuple[str, ...]
    regressors: tuple[str, ...] = ()
    geo: str | None = None
    freq: str = "W"
    country: str | None = None
    seasonality: Literal["smooth", "auto"] = "auto"

    def to_dict(self) -> dict[str, Any]:
        return {
            "channels": dict(self.channels),
            "outcomes": list(self.outcomes),
            "regressors": list(self.regressors),
            "geo": self.geo,
            "freq": self.freq,
            "country": self.country,
            "seasonality": self.seasonality,
        }


@dataclass(frozen=True)
class MmmHistory:
    """National history built from an mmm frame. ``history``: one row per period (DatetimeIndex, complete
    grid), one spend column per channel named by the channel, the outcomes and the regressors;
    ``panel``: the long per-geo frame (``date``, ``geo``, same columns) or None; ``geos``: geo names;
    regressors are standardised over the history (mean 0, s.d. 1 nationally);
    ``regressors``: the regressors kept (constant ones dropped); ``warnings``: what was dropped or filled."""

    history: pd.DataFrame
    panel: pd.DataFrame | None
    geos: tuple[str, ...]
    regressors: tuple[str, ...]
    warnings: list[str] = field(default_factory=list)


def _aggregation(column: str) -> str:
    """How a regressor column is combined over geos (by its canonical role prefix)."""
    if column.startswith("control__"):
        return "mean"
    if column.startswith("event__"):
        return "max"
    return "sum"


def national_history(
    frame: pd.DataFrame,
    *,
    channels: Mapping[str, str],
    outcomes: Sequence[str],
    regressors: Sequence[str],
    geo: str | None,
    freq: str,
) -> MmmHistory:
    """Per-period national history of a canonical mmm ``frame`` (see :class:`MmmHistory`): outcomes, spend and
    organic summed over geos, controls averaged, events maximum. Missing periods of the ``freq`` grid get
    zero spend, interpolated outcomes and regressors, and a warning; more than 10% missing is an error."""
    warnings: list[str] = []
    need = ["date", *outcomes, *channels.values(), *regressors] + ([geo] if geo else [])
    missing = [c for c in need if c not in frame.columns]
    if missing:
        raise ValueError(f"mmm table lacks columns {missing}")
    clash = sorted(set(channels) & ({"date", *KPIS, *regressors} | ({geo} if geo else set())))
    if clash:
        raise ValueError(f"mmm table: channel names {clash} clash with outcome, date or regressor columns")
    if not outcomes:
        raise ValueError("mmm table has no outcome (conversions or revenue) to fit")
    f = frame[need].copy()
    f["date"] = pd.to_datetime(f["date"])
    rename = {col: ch for ch, col in channels.items()}
    values = [*outcomes, *channels.values(), *regressors]
    for c in values:
        v = pd.to_numeric(f[c], errors="coerce").astype(float)
        bad = ~np.isfinite(v.to_numpy())
        if bad.any():
            rows = [int(i) + 2 for i in np.flatnonzero(bad)[:5]]
            raise ValueError(f"mmm table, column {c!r}: {int(bad.sum())} missing or non-finite values (rows {rows})")
        f[c] = v
    agg = {c: "sum" for c in [*outcomes, *channels.values()]}
    agg.update({c: _aggregation(c) for c in regressors})
    hist = f.groupby("date")[list(agg)].agg(agg).sort_index()  # type: ignore[arg-type]
    step = "D" if freq == "D" else "7D"
    grid = pd.date_range(hist.index[0], hist.index[-1], freq=step)
    n_missing = len(grid.difference(hist.index))
    off_grid = len(hist.index.difference(grid))
    if off_grid:
        raise ValueError(f"mmm table: {off_grid} period(s) are not on the {'daily' if freq == 'D' else 'weekly'} grid")
    if n_missing:
        if n_missing > 0.1 * len(grid):
            raise ValueError(f"mmm table misses {n_missing} of {len(grid)} periods; too many to fill")
        hist = hist.reindex(grid)
        hist[list(channels.values())] = hist[list(channels.values())].fillna(0.0)
        hist = hist.interpolate(limit_direction="both")
        warnings.append(f"mmm table: {n_missing} missing period(s) filled (zero spend, interpolated outcomes)")
    hist = hist.rename(columns=rename)
    kept: list[str] = []
    for c in regressors:
        if float(hist[c].std()) > 0:
            kept.append(c)
        else:
            warnings.append(f"regressor {c!r} is constant over the history; not used")
    hist = hist[[*outcomes, *channels, *kept]].copy()
    # regressors are standardised on the history: forecasts take unknown future regressors as 0, which is then
    # their average level (not a price of 0), and the media search stays well conditioned
    scale = {c: (float(hist[c].mean()), float(hist[c].std())) for c in kept}
    for c, (mu, sd) in scale.items():
        hist[c] = (hist[c] - mu) / sd
    panel = None
    geos: tuple[str, ...] = ()
    if geo:
        panel = f.rename(columns={**rename, geo: "geo"})[["date", "geo", *outcomes, *channels, *kept]]
        panel["geo"] = panel["geo"].astype(str)
        geos = tuple(sorted(panel["geo"].unique()))
        full = pd.MultiIndex.from_product([geos, hist.index], names=["geo", "date"])
        panel = panel.set_index(["geo", "date"])
        if panel.index.duplicated().any():
            raise ValueError("mmm table has duplicate (date, geo) rows")
        absent = len(full.difference(panel.index))
        if absent:  # a geo without some periods: zero spend, outcomes and regressors interpolated within the geo
            panel = panel.reindex(full)
            panel[list(channels)] = panel[list(channels)].fillna(0.0)
            panel = panel.groupby(level="geo", group_keys=False).apply(lambda g: g.interpolate(limit_direction="both"))
            warnings.append(f"mmm table: {absent} missing (geo, period) row(s) filled (zero spend, interpolated)")
        panel = panel.reindex(full).reset_index()[["date", "geo", *outcomes, *channels, *kept]]
        for c, (mu, sd) in scale.items():  # per-geo values whose per-date sum (or mean/max) is the national one
            panel[c] = (panel[c] - (mu / len(geos) if _aggregation(c) == "sum" else mu)) / sd
    return MmmHistory(hist, panel, geos, tuple(kept), warnings)


def lift_tests_for(lift: pd.DataFrame | None, kpi: str, channels: Sequence[str]) -> tuple[list[Any], list[str]]:
    """The rows of a ``lift_tests`` frame (SPEC §2) for ``kpi`` as ``models.response.lift.LiftTest`` objects,
    and warnings for tests that cannot be used (unknown channel; the response model without lift support)."""
    if lift is None or not len(lift):
        return [], []
    missing = [c for c in LIFT_COLUMNS if c not in lift.columns]
    if missing:
        raise ValueError(f"lift_tests lacks columns {missing}")
    rows = lift[lift["kpi"].astype(str).str.strip().str.lower() == kpi]
    if not len(rows):
        return [], []
    try:
        from models.response.lift import LiftTest
    except ImportError:
        return [], [f"{kpi}: {len(rows)} lift test(s) not used — this response model has no lift-test calibration"]
    out, warn = [], []
    for _, r in rows.iterrows():
        ch = str(r["channel"])
        if ch not in channels:
            warn.append(f"{kpi}: lift test on unknown channel {ch!r} ({r['start']}..{r['end']}) not used")
            continue
        out.append(
            LiftTest(
                channel=ch,
                start=pd.Timestamp(r["start"]),
                end=pd.Timestamp(r["end"]),
                incremental=float(r["incremental"]),
                std_error=float(r["std_error"]),
            )
        )
    return out, warn


def zero_effect_warning(kpi: str, model: ResponseModel) -> str | None:
    """A loud warning when every channel of ``model`` ends with a zero response (refused or beta ≤ 0)."""
    live = [ch for ch, t in model.transforms_.items() if t.beta > 0]
    if live:
        return None
    return (
        f"WARNING {kpi}: EVERY channel's response is zero (refused or no detectable effect) — attribution, "
        "ROI and optimisation of this KPI are meaningless; check the outcome and spend columns"
    )


def shape_sources(model: ResponseModel) -> dict[str, str]:
    """Channel → ``"reported"``/``"spend"`` (``model.shape_source_`` when the model records it)."""
    got = getattr(model, "shape_source_", None)
    if isinstance(got, Mapping) and got:
        return {str(k): str(v) for k, v in got.items()}
    src = "spend" if model.media_fit_ is None or model.media_fit_.reported_fit is None else "reported"
    return {ch: src for ch in model.channels_}


def fit_kwargs(lift: Sequence[Any], panel: pd.DataFrame | None) -> dict[str, Any]:
    """Extra keyword arguments of :meth:`ResponseModel.fit` — only those given, so that without lift tests and
    geo the call is the plain national fit."""
    kw: dict[str, Any] = {}
    if lift:
        kw["lift_tests"] = list(lift)
    if panel is not None:
        kw["geo_panel"] = panel
        kw["geo_column"] = "geo"
    return kw


@dataclass(frozen=True)
class MmmFit:
    """What :func:`fit_mmm` produced: the ``bundle``, the national ``data`` it was fitted on, the lift
    tests used per KPI (``lift``) and the report lines (``warnings``)."""

    bundle: ResponseBundle
    data: MmmHistory
    lift: Mapping[str, list[Any]]
    warnings: list[str]


def layout_spec(spec: ResponseSpec | None, layout: MmmLayout) -> ResponseSpec:
    """The response spec an mmm fit uses: ``spec`` (default :class:`ResponseSpec`) with the layout's holiday country
    and yearly shape, the curves' shapes taken from spend."""
    return replace(
        spec or ResponseSpec(), country=layout.country, shape_source="spend", weekly_seasonality=layout.seasonality
    )


def fit_mmm_bundle(
    frame: pd.DataFrame,
    *,
    channels: Mapping[str, str],
    outcomes: Sequence[str],
    regressors: Sequence[str],
    geo: str | None,
    freq: str,
    country: str | None,
    lift_tests: pd.DataFrame | None = None,
    spec: ResponseSpec | None = None,
    progress: Progress | None = None,
    campaigns: Mapping[str, str] | None = None,
) -> tuple[ResponseBundle, list[str]]:
    """Fit one spend-driven :class:`ResponseModel` per outcome of a canonical mmm ``frame`` and the planning
    context of its national spend. ``channels``: channel → spend column; ``outcomes``: outcome columns
    (``conversions``/``revenue``); ``regressors``: control/organic/event columns; ``geo``: geo column or
    None; ``freq``: ``"D"``/``"W"``; ``country``: holidays (overrides ``spec.country``; None: none);
    ``lift_tests``: the lift_tests frame (SPEC §2); ``campaigns``: campaign id → channel for plans.

    Returns the bundle and report lines (warnings). An outcome that is all zero is skipped with a warning;
    when no outcome is left, ``ValueError``."""
    layout = MmmLayout(dict(channels), tuple(outcomes), tuple(regressors), geo, freq, country)
    fit = fit_mmm(frame, layout, lift_tests=lift_tests, spec=spec, progress=progress, campaigns=campaigns)
    return fit.bundle, fit.warnings


def fit_mmm(
    frame: pd.DataFrame,
    layout: MmmLayout,
    *,
    lift_tests: pd.DataFrame | None = None,
    spec: ResponseSpec | None = None,
    progress: Progress | None = None,
    campaigns: Mapping[str, str] | None = None,
) -> MmmFit:
    """:func:`fit_mmm_bundle` with the column roles as an :class:`MmmLayout`, returning an :class:`MmmFit`."""
    channels, outcomes, freq = layout.channels, layout.outcomes, layout.freq
    mh = national_history(
        frame, channels=channels, outcomes=outcomes, regressors=layout.regressors, geo=layout.geo, freq=freq
    )
    hist = mh.history
    spec = layout_spec(spec, layout)
    warnings = list(mh.warnings)
    models: dict[str, ResponseModel] = {}
    used_lift: dict[str, list[Any]] = {}
    fit_outcomes = []
    for kpi in outcomes:
        if not float(np.abs(hist[kpi]).sum()) > 0:
            warnings.append(f"{kpi}: the outcome is zero in every period; no {kpi} model fitted")
        else:
            fit_outcomes.append(kpi)
    if not fit_outcomes:
        raise ValueError(f"mmm table: every outcome ({', '.join(outcomes)}) is zero in every period; nothing to fit")
    for i, kpi in enumerate(fit_outcomes):
        if progress:
            progress(f"fitting {kpi} response model", i / len(fit_outcomes))
        lift, lw = lift_tests_for(lift_tests, kpi, list(channels))
        warnings += lw
        panel = mh.panel[["date", "geo", kpi, *channels, *mh.regressors]] if mh.panel is not None else None
        kw = fit_kwargs(lift, panel)
        used_lift[kpi] = list(kw.get("lift_tests", []))
        model = ResponseModel(replace(spec), kpi=kpi).fit(
            hist, y=kpi, channels=list(channels), controls=mh.regressors, **kw
        )
        loud = zero_effect_warning(kpi, model)
        if loud:
            log.warning(loud)
            warnings.append(loud)
        models[kpi] = model
    ctx = PlanningContext.from_history(hist[list(channels)], freq, campaigns)
    return MmmFit(ResponseBundle(models, ctx), mh, used_lift, warnings)
