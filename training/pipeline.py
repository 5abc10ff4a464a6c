"""Train every model from contract tables and publish one registry version."""

from __future__ import annotations

import importlib.metadata as md
import platform
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from models.drivers import driver_model_files
from models.registry import Registry
from models.response import KPIS, ResponseBundle, ResponseModel, ResponseSpec
from training.backtest import BacktestSpec, mmm_backtest_spec, rolling_origin
from training.clv import train_clv_tables
from training.drivers import train_driver_models
from training.mmm import MmmLayout, fit_mmm, layout_spec, lift_tests_for, shape_sources, zero_effect_warning
from training.response import campaign_map, fit_bundle, prepare_history, reported_map

LIBS = ("prophet", "cmdstanpy", "numpy", "pandas", "scipy", "lightgbm", "holidays")


def library_versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for lib in LIBS:
        try:
            out[lib] = md.version(lib)
        except md.PackageNotFoundError:
            continue
    return out


def _campaign_channels(tables: Mapping[str, pd.DataFrame], channels: Sequence[str]) -> dict[str, str]:
    """Campaign id → channel of the campaign rows (when present) whose channel is one of ``channels``."""
    cd = tables.get("campaign_daily")
    if cd is None or not len(cd) or not {"campaign_id", "channel"} <= set(cd.columns):
        return {}
    pairs = cd[["campaign_id", "channel"]].drop_duplicates("campaign_id")
    return {str(c): str(ch) for c, ch in zip(pairs["campaign_id"], pairs["channel"], strict=True) if str(ch) in channels}


def _entry(kpi: str, model: ResponseModel, extra_warnings: Sequence[str], n_lift: int) -> dict[str, Any]:
    """Training report of one KPI's response model (metrics of the manifest and the CLI table): channels used,
    refused (channel → why), shape source per channel, lift tests given and used (``lift_fit``: measured vs
    fitted per test), number of geos, warnings, each channel's incremental KPI over the history, media's share of the
    outcome over it and the Hill shapes' common centre the fit read from the data (``shape_centre``: weekly national
    spend-driven fits with ``ResponseSpec.shape_pooling``; None otherwise)."""
    warnings = list(model.warnings_) + [w for w in extra_warnings if w not in model.warnings_]
    lift_fit = [
        {**t.to_dict(), "fitted": fitted} for t, fitted in (model.lift_fit_ if hasattr(model, "lift_fit_") else [])
    ]
    return {
        "channels": model.channels_,
        "refused": model.refused_,
        "shape_source": shape_sources(model),
        "lift_tests_given": n_lift,
        "lift_tests": len(lift_fit),
        "lift_fit": lift_fit,
        "geos": len(getattr(model, "geos_", ()) or ()),
        "warnings": warnings,
        "incremental_over_history": {c: float(v) for c, v in model.contributions_.sum().items()}
        if model.contributions_ is not None
        else {},
        "media_share": model.fitted.media_share,
        "shape_centre": model.fitted.shape_centre,
    }


@dataclass(frozen=True)
class _ResponseFit:
    """The response bundle and what backtests and the report need: national history, channels, regressors,
    the spec the models were fitted with, lift tests per KPI, campaign maps (campaign-row path) and notes."""

    bundle: ResponseBundle
    history: pd.DataFrame
    channels: list[str]
    controls: tuple[str, ...]
    spec: ResponseSpec
    lift: Mapping[str, list[Any]]
    campaign_path: bool
    campaigns: Mapping[str, str]
    warnings: list[str]
    data: dict[str, Any]
    panel: pd.DataFrame | None = None


def _fit_response(
    tables: Mapping[str, pd.DataFrame],
    mmm: MmmLayout | None,
    spec: ResponseSpec,
    progress: Callable[[str, float], None],
) -> _ResponseFit:
    """Response models from the mmm table when ``mmm`` is given, else from the campaign rows."""
    lift_frame = tables.get("lift_tests")
    if mmm is not None:
        if tables.get("mmm") is None:
            raise ValueError("an mmm layout was given but tables hold no 'mmm' frame")
        campaigns = _campaign_channels(tables, list(mmm.channels))
        fit = fit_mmm(tables["mmm"], mmm, lift_tests=lift_frame, spec=spec, progress=progress, campaigns=campaigns)
        data = {"source": "mmm", "grain": mmm.freq, "geos": list(fit.data.geos), "layout": mmm.to_dict()}
        return _ResponseFit(
            fit.bundle, fit.data.history, list(mmm.channels), fit.data.regressors,
            layout_spec(spec, mmm), fit.lift, False, campaigns, fit.warnings, data, fit.data.panel,
        )
    hist, channels, campaigns, freq = prepare_history(tables)
    lift: dict[str, list[Any]] = {}
    warnings: list[str] = []
    for kpi in KPIS:
        tests, lw = lift_tests_for(lift_frame, kpi, channels)
        warnings += lw
        if tests:
            lift[kpi] = tests
    bundle = fit_bundle(hist, channels, campaigns, freq, spec, progress=progress, lift_tests=lift)
    for kpi, model in bundle.models.items():
        loud = zero_effect_warning(kpi, model)
        if loud:
            warnings.append(loud)
    data = {"source": "campaign_daily", "grain": freq, "geos": []}
    return _ResponseFit(bundle, hist, channels, (), spec, lift, True, campaigns, warnings, data)


def train_all(
    tables: Mapping[str, pd.DataFrame],
    models_dir: Path,
    *,
    seed: int = 0,
    fingerprint: str = "",
    progress: Callable[[str, float], None] | None = None,
    spec: ResponseSpec | None = None,
    backtest: BacktestSpec | None = BacktestSpec(),
    drivers: bool = True,
    clv: bool = True,
    provenance: Mapping[str, Any] | None = None,
    mmm: MmmLayout | None = None,
    campaign_source: str = "campaign_daily",
) -> dict[str, Any]:
    """Fit every model kind, backtest and publish them atomically as one registry version.

    Kinds: ``response`` (Prophet baseline + media response per KPI, files ``response/...``), ``drivers``
    (LightGBM funnel driver models of campaign_daily, ``drivers/...``) and ``clv`` (BG/NBD + Gamma-Gamma from
    ``orders`` when that table is present, ``clv/...``). Returns ``{"model_version": str, "metrics": {...}}``.
    Nothing is written unless every step succeeds, so a failed run leaves the previous version serving.
    ``backtest=None`` skips backtests (metrics then hold only fit diagnostics). ``provenance``: who made the version
    (e.g. ``{"job": id, "workspace": name}`` from the training worker), stored in the manifest as is.

    Media-mix data: ``tables["mmm"]`` holds the canonical mmm frame (``advisor.data.mmm.MmmTable.frame``) and
    ``mmm`` its column roles (:class:`training.mmm.MmmLayout`); the response models then come from it
    (:func:`training.mmm.fit_mmm`, spend-driven, backtested on 4-week origins with ≥ 1 year of training:
    :func:`training.backtest.mmm_backtest_spec`), while campaign rows, when present, still feed the drivers.
    ``campaign_source="mmm"`` says the campaign rows were derived from the mmm table (no platform-reported
    figures): the driver models are skipped and the metrics say why. ``tables["lift_tests"]`` (SPEC §2), when
    present, calibrates the response models of either path.
    """

    def report(msg: str, frac: float) -> None:
        if progress:
            progress(msg, frac)

    spec = spec or ResponseSpec(seed=seed)
    report("preparing history", 0.0)
    rf = _fit_response(tables, mmm, spec, lambda m, f: report(m, 0.05 + 0.2 * f))
    bundle, hist, channels = rf.bundle, rf.history, rf.channels
    def _own(w: str, kpi: str) -> bool:
        return w.startswith(f"{kpi}:") or w.startswith(f"WARNING {kpi}:")

    general = [w for w in rf.warnings if not any(_own(w, k) for k in bundle.models)]
    metrics: dict[str, Any] = {"response": {}, "data": rf.data, "warnings": general}
    bt_spec = backtest
    if backtest is not None and not rf.campaign_path:
        bt_spec = mmm_backtest_spec(len(hist), rf.data["grain"], backtest)
        if bt_spec is None:
            general.append(f"history of {len(hist)} periods too short for backtests (needs > half a year); none run")
    for i, (kpi, model) in enumerate(bundle.models.items()):
        own = [w for w in rf.warnings if _own(w, kpi)]
        entry = _entry(kpi, model, own, len(rf.lift.get(kpi, ())))
        if bt_spec is not None:
            report(f"backtesting {kpi}", 0.25 + 0.5 * i / len(bundle.models))
            geo_fit = bool(getattr(model, "geos_", ())) and rf.panel is not None
            entry["backtest"] = rolling_origin(
                hist,
                y=kpi,
                channels=channels,
                spec=rf.spec,
                warm_start=model,
                bt=bt_spec,
                controls=rf.controls,
                reported=reported_map(hist, kpi, channels) if rf.campaign_path else None,
                campaigns=campaign_map(hist, kpi, channels, rf.campaigns) if rf.campaign_path else None,
                lift_tests=rf.lift.get(kpi, ()),
                geo_panel=rf.panel[["date", "geo", kpi, *channels, *rf.controls]] if geo_fit and rf.panel is not None else None,
            )
            model.with_calibration(**entry["backtest"]["calibration"])  # intervals calibrated on backtest errors
        metrics["response"][kpi] = entry
    files: dict[str, str | bytes] = dict(bundle.to_files())
    kinds = ["response"]
    if drivers and campaign_source == "mmm":
        metrics["drivers"] = {
            "skipped": "the data has no campaign rows (campaign_daily is derived from the mmm table, without "
            "platform-reported conversions or revenue); driver models need them"
        }
    elif drivers and tables.get("campaign_daily") is None:
        metrics["drivers"] = {"skipped": "no campaign_daily table"}
    elif drivers:
        report("fitting driver models (LightGBM)", 0.78)
        driver_set = train_driver_models(tables["campaign_daily"])
        files.update(driver_model_files(driver_set))
        metrics["drivers"] = {
            "validation": driver_set.manifest.get("validation"),
            "skipped": driver_set.manifest.get("skipped"),
            "fit_seconds": driver_set.manifest.get("fit_seconds"),
        }
        kinds.append("drivers")
    if clv and tables.get("orders") is not None:
        report("fitting CLV models (BG/NBD + Gamma-Gamma)", 0.88)
        clv_result = train_clv_tables(tables)
        files.update(clv_result.artifacts())
        metrics["clv"] = {
            "holdout": clv_result.holdout.to_dict() if clv_result.holdout else None,
            "parameters": {k: v for k, v in clv_result.to_dict().items() if k not in ("manifest", "holdout")},
        }
        kinds.append("clv")
    manifest = {
        "kind": kinds,
        "data_fingerprint": fingerprint,
        "seed": seed,
        "frequency": rf.data["grain"],
        "history": {
            "start": str(hist.index[0].date()),
            "end": str(hist.index[-1].date()),
            "periods": len(hist),
        },
        "parameters": {
            "response": {
                "spec": rf.spec.to_dict(),
                "channels": {k: {c: t.to_dict() for c, t in m.transforms_.items()} for k, m in bundle.models.items()},
                **({"mmm": rf.data["layout"]} if "layout" in rf.data else {}),
            }
        },
        "libraries": library_versions(),
        "metrics": metrics,
    }
    if provenance:
        manifest["provenance"] = dict(provenance)
    report("publishing", 0.97)
    version = Registry(models_dir).publish(files, manifest)
    report("done", 1.0)
    return {"model_version": version, "metrics": metrics}
