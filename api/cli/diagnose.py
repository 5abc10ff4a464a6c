"""`diagnose`: campaign / channel diagnostics (SPEC §5) through ``advisor.ops.diagnose``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from api.cli.app import app
from api.cli.context import cli_context, model_set
from api.cli.output import FORMAT_OPTION, OutputFormat, domain_errors, print_json, print_records, stderr


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
    segment: Annotated[
        str | None,
        typer.Option("--segment", help="Segment (trained with train --segment-by; needs --models): its models "
                     "answer, from its rows of the data (default: all rows)."),
    ] = None,
    fmt: OutputFormat = FORMAT_OPTION,
) -> None:
    """Why is a campaign or channel (not) meeting its targets: verdict, ranked findings with the funnel stage
    and onset date, SHAP drivers, anomalies, recommended actions.

    --format json prints the document POST /v1/diagnose answers. Example:
    kpi-advisor diagnose --data data/demo --campaign social-02 --from 2026-08-01 --to 2026-10-31 --format json
    """
    from advisor.ops.diagnose import diagnose as run_diagnose
    from advisor.ops.requests import DiagnoseRequest

    if len([s for s in (campaign, channel, scope) if s]) != 1:
        raise typer.BadParameter("give exactly one of --campaign, --channel, --scope COLUMN=VALUE")
    column = value = None
    if scope:
        column, sep, value = (part.strip() for part in scope.partition("="))
        if not sep or not column or not value:
            raise typer.BadParameter("use COLUMN=VALUE, e.g. audience=broad", param_hint="--scope")
    req = DiagnoseRequest(
        campaign=campaign or None, channel=channel or None, scope_column=column, scope_value=value,
        start=date_from, end=date_to,  # type: ignore[arg-type]
    )
    if segment is not None and models is None:
        raise typer.BadParameter("give the registry the segment was trained into with --models", param_hint="--segment")
    ctx = cli_context(data, config, model_set(models, segment=segment), fit_missing=fit)
    if fit and ctx.models.drivers is None:
        with stderr.status("fitting driver models (use --models to reuse trained ones)"):
            doc = run_diagnose(req, ctx).to_json()
    else:
        doc = run_diagnose(req, ctx).to_json()
    if fmt is OutputFormat.json:
        print_json(doc)
        return
    for note in doc.get("segment_notes", []):
        stderr.print(f"note: {note}", highlight=False)
    stderr.print(f"[bold]{doc['summary']}[/]", highlight=False)
    findings = [{k: f[k] for k in ("status", "check", "stage", "started", "message")} for f in doc["findings"]]
    print_records(findings, fmt, title=f"Findings — verdict: {doc['verdict']}")
    if doc["drivers"] and fmt is OutputFormat.table:
        print_records(doc["drivers"], fmt, title="Drivers of the change vs the previous period (associations)")
    if doc["recommendations"] and fmt is OutputFormat.table:
        recs = [{k: r.get(k) for k in ("action", "expected_impact", "confidence")} for r in doc["recommendations"]]
        print_records(recs, fmt, title="Recommended actions")
