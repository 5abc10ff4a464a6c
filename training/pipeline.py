"""Train every model from contract tables and publish one registry version."""

from __future__ import annotations

import importlib.metadata as md
import platform
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from models.drivers import driver_model_files
from models.registry import Registry
from models.response import ResponseSpec
from training.backtest import BacktestSpec, rolling_origin
from training.clv import train_clv_tables
from training.drivers import train_driver_models
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
) -> dict[str, Any]:
    """Fit every model kind, backtest and publish them atomically as one registry version.

    Kinds: ``response`` (Prophet baseline + media response per KPI, files ``response/...``), ``drivers``
    (LightGBM funnel driver models of campaign_daily, ``drivers/...``) and ``clv`` (BG/NBD + Gamma-Gamma from
    ``orders`` when that table is present, ``clv/...``). Returns ``{"model_version": str, "metrics": {...}}``.
    Nothing is written unless every step succeeds, so a failed run leaves the previous version serving.
    ``backtest=None`` skips backtests (metrics then hold only fit diagnostics). ``provenance``: who made the version
    (e.g. ``{"job": id, "workspace": name}`` from the training worker), stored in the manifest as is.
    """

    def report(msg: str, frac: float) -> None:
        if progress:
            progress(msg, frac)

    spec = spec or ResponseSpec(seed=seed)
    report("preparing history", 0.0)
    hist, channels, campaigns, freq = prepare_history(tables)
    report("fitting response models", 0.05)
    bundle = fit_bundle(hist, channels, campaigns, freq, spec, progress=lambda m, f: report(m, 0.05 + 0.2 * f))
    metrics: dict[str, Any] = {"response": {}}
    for i, (kpi, model) in enumerate(bundle.models.items()):
        entry: dict[str, Any] = {
            "channels": model.channels_,
            "refused": model.refused_,
            "warnings": model.warnings_,
            "incremental_over_history": {c: float(v) for c, v in model.contributions_.sum().items()}
            if model.contributions_ is not None
            else {},
        }
        if backtest is not None:
            report(f"backtesting {kpi}", 0.25 + 0.5 * i / len(bundle.models))
            entry["backtest"] = rolling_origin(
                hist,
                y=kpi,
                channels=channels,
                spec=spec,
                warm_start=model,
                bt=backtest,
                reported=reported_map(hist, kpi, channels),
                campaigns=campaign_map(hist, kpi, channels, campaigns),
            )
            model.with_calibration(**entry["backtest"]["calibration"])  # intervals calibrated on backtest errors
        metrics["response"][kpi] = entry
    files: dict[str, str | bytes] = dict(bundle.to_files())
    kinds = ["response"]
    if drivers:
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
        "frequency": freq,
        "history": {
            "start": str(hist.index[0].date()),
            "end": str(hist.index[-1].date()),
            "periods": len(hist),
        },
        "parameters": {
            "response": {
                "spec": spec.to_dict(),
                "channels": {k: {c: t.to_dict() for c, t in m.transforms_.items()} for k, m in bundle.models.items()},
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
