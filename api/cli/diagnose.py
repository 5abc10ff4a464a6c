"""`diagnose`: campaign / channel diagnostics (SPEC §5)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from api.cli.app import app
from api.cli.output import (
    FORMAT_OPTION,
    OutputFormat,
    domain_errors,
    fail,
    parse_date,
    print_json,
    print_records,
    stderr,
)


def _customer_value(tables: dict[str, Any], models: Path | None, column: str, value: str) -> dict[str, Any] | None:
    """The ``customer_value`` block (``advisor.customers.diagnosis_customer_value``) with the registry's CLV
    model (latest version); None without a registry or CLV model."""
    if models is None:
        return None
    from advisor.advise import diagnosis_customer_value
    from advisor.customers import clv_model_from_registry
    from models.registry import RegistryError

    try:
        found = clv_model_from_registry(models)
    except (RegistryError, FileNotFoundError):
        return None
    return diagnosis_customer_value(tables, found[0], column, value) if found else None


def _load_models(models: Path | None) -> tuple[Any, Any]:
    """Driver models and response models from ``models``: a registry root (latest version), or a plain folder
    written by ``save_driver_models``. Either may be None."""
    if models is None:
        return None, None
    from models.drivers import driver_models_from_files, load_driver_models

    drivers = response = None
    for folder in (models, models / "drivers"):
        if (folder / "manifest.json").is_file() and (folder / "features.json").is_file():
            return load_driver_models(folder), None
    try:
        from models.registry import Registry, RegistryError
        from models.response import ResponseBundle

        mv = Registry(models).latest()
        files = mv.texts("drivers/")
        if files:
            drivers = driver_models_from_files(files)
        try:
            response = ResponseBundle.from_files(mv.texts(ResponseBundle.PREFIX)).models
        except (KeyError, ValueError, RegistryError):
            response = None
    except (RegistryError, FileNotFoundError) as exc:
        fail(f"no models in {models}: {exc}")
    return drivers, response


@app.command("diagnose")
@domain_errors
def diagnose(
    data: Annotated[Path, typer.Option("--data", "-d", help="Data folder (campaign_daily.csv|.parquet, ...).")],
    campaign: Annotated[str | None, typer.Option("--campaign", help="Campaign id to diagnose.")] = None,
    channel: Annotated[str | None, typer.Option("--channel", help="Channel to diagnose.")] = None,
    scope: Annotated[
        str | None, typer.Option("--scope", help="Any attribute value as COLUMN=VALUE, e.g. audience=broad.")
    ] = None,
    date_from: Annotated[str | None, typer.Option("--from", help="First date, YYYY-MM-DD (default: first).")] = None,
    date_to: Annotated[str | None, typer.Option("--to", help="Last date, YYYY-MM-DD (default: last).")] = None,
    models: Annotated[
        Path | None, typer.Option("--models", "-m", help="Model registry (or driver-model folder).")
    ] = None,
    fit: Annotated[
        bool, typer.Option("--fit-drivers/--no-fit-drivers", help="Fit driver models now when --models has none.")
    ] = True,
    config: Annotated[Path | None, typer.Option("--config", help="Data config YAML.")] = None,
    fmt: OutputFormat = FORMAT_OPTION,
) -> None:
    """Why is a campaign or channel (not) meeting its targets: verdict, ranked findings with the funnel stage
    and onset date, SHAP drivers, anomalies.

    Example: kpi-advisor diagnose --data data/demo --campaign social-02 --from 2026-08-01 --to 2026-10-31
    --format json
    """
    from advisor.data import load_dataset
    from advisor.diagnostics import Scope
    from advisor.diagnostics import diagnose as run_diagnose

    chosen = [s for s in (campaign, channel, scope) if s]
    if len(chosen) != 1:
        raise typer.BadParameter("give exactly one of --campaign, --channel, --scope COLUMN=VALUE")
    if campaign:
        target = Scope("campaign_id", campaign)
    elif channel:
        target = Scope("channel", channel)
    else:
        col, sep, val = str(scope).partition("=")
        if not sep or not col.strip() or not val.strip():
            raise typer.BadParameter("use COLUMN=VALUE, e.g. audience=broad", param_hint="--scope")
        target = Scope(col.strip(), val.strip())
    start, end = parse_date(date_from, "--from"), parse_date(date_to, "--to")
    ds = load_dataset(data, config)
    drivers, response = _load_models(models)
    if drivers is None and fit:
        from training.drivers import train_driver_models

        with stderr.status("fitting driver models (use --models to reuse trained ones)"):
            drivers = train_driver_models(ds.campaign_daily)
    result = run_diagnose(ds.campaign_daily, target, start, end, models=drivers, targets=ds.targets, response=response)
    doc = result.to_dict()
    from advisor.advise import recommend_for_diagnosis

    recommendations = recommend_for_diagnosis(result, ds.campaign_daily)
    doc["customer_value"] = _customer_value(ds.tables, models, result.scope.column, result.scope.value)
    doc["recommendations"] = [r.to_dict() for r in recommendations]
    if doc["customer_value"]:
        seen = {(r["id"], tuple(sorted(r["scope"].items()))) for r in doc["recommendations"]}
        extra = doc["customer_value"]["actions"]
        doc["recommendations"] += [r for r in extra if (r["id"], tuple(sorted(r["scope"].items()))) not in seen]
    if fmt is OutputFormat.json:
        print_json(doc)
        return
    stderr.print(f"[bold]{doc['summary']}[/]", highlight=False)
    findings = [{k: f[k] for k in ("status", "check", "stage", "started", "message")} for f in doc["findings"]]
    print_records(findings, fmt, title=f"Findings — verdict: {doc['verdict']}")
    if doc["drivers"] and fmt is OutputFormat.table:
        print_records(doc["drivers"], fmt, title="Drivers of the change vs the previous period (associations)")
