"""`attribution`: incremental effect of each channel over a window of the history (SPEC §5) through
``advisor.ops.attribution``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from api.cli.app import app
from api.cli.context import DEFAULT_MODELS, cli_context, model_set
from api.cli.output import FORMAT_OPTION, OutputFormat, domain_errors, print_json, print_records, stderr


def _num(v: float | None) -> str:
    """Compact interval bound: 3 significant digits, k / M / B for thousands / millions / billions (12.3k, 2.45M)."""
    if v is None:
        return "—"
    for above, unit, suffix in ((1e9, 1e9, "B"), (1e6, 1e6, "M"), (1e4, 1e3, "k")):
        if abs(v) >= above:
            return f"{v / unit:.3g}{suffix}"
    return f"{v:,.0f}" if abs(v) >= 100 else f"{v:.3g}"


def _pct(v: float | None) -> str | None:
    return None if v is None else f"{100 * v:+.0f}%"


def channel_rows(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """Table rows: channel, spend, incremental conversions (80 %), incremental revenue (80 %), ROI (80 %),
    reported conversions and reported / incremental conversions ("reported/incr")."""
    rows = []
    for ch, c in doc["channels"].items():
        conv = c["incremental_conversions"]
        rev = c["incremental_revenue"]
        rows.append(
            {
                "channel": ch,
                "spend": c["spend"],
                "incremental conv": conv,
                "conv 80%": f"{_num(c['lower_80'])}–{_num(c['upper_80'])}" if conv is not None else None,
                "incremental revenue": rev,
                "revenue 80%": f"{_num(c['revenue_lower_80'])}–{_num(c['revenue_upper_80'])}" if rev is not None else None,
                "ROI": _pct(c["roi"]),
                "ROI 80%": f"{_pct(c['roi_lower_80'])}…{_pct(c['roi_upper_80'])}" if c["roi"] is not None else None,
                "reported conv": c["reported_conversions"],
                "reported/incr": c["reported_to_incremental"],
            }
        )
    return rows


def lift_rows(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """Table rows of the lift tests: window, measured ± s.e., fitted and the gap in standard errors."""
    return [
        {
            "channel": t["channel"],
            "kpi": t["kpi"],
            "window": f"{t['start']}..{t['end']}",
            "measured": t["measured"],
            "std error": t["std_error"],
            "fitted": t["fitted"],
            "z": t["z"],
            "source": t["source"] or t["note"],
        }
        for t in doc["lift_tests"]
    ]


def _interval(lo: float | None, hi: float | None, value: float | None) -> str | None:
    return f"{_num(lo)}–{_num(hi)}" if value is not None and lo is not None and hi is not None else None


def geo_rows(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """Table rows of a geo model's split: geo, channel, spend, incremental conversions and revenue with their 80 %
    intervals (a geo's estimate of 0 is a geo coefficient clipped at 0: its interval says how far it may reach),
    ROI."""
    return [
        {
            "geo": geo,
            "channel": ch,
            "spend": c["spend"],
            "incremental conv": c["incremental_conversions"],
            "conv 80%": _interval(c.get("lower_80"), c.get("upper_80"), c["incremental_conversions"]),
            "incremental revenue": c["incremental_revenue"],
            "revenue 80%": _interval(c.get("revenue_lower_80"), c.get("revenue_upper_80"), c["incremental_revenue"]),
            "ROI": _pct(c["roi"]),
        }
        for geo, block in doc.get("geos", {}).items()
        for ch, c in block.items()
    ]


@app.command("attribution")
@domain_errors
def attribution(
    data: Annotated[Path, typer.Option("--data", "-d", help="Data folder (campaign_daily and/or an mmm table).")],
    models: Annotated[Path, typer.Option("--models", "-m", help="Model registry folder.")] = DEFAULT_MODELS,
    version: Annotated[str | None, typer.Option("--version", help="Model version (default: the latest).")] = None,
    date_from: Annotated[str | None, typer.Option("--from", help="First date, YYYY-MM-DD (default: first).")] = None,
    date_to: Annotated[str | None, typer.Option("--to", help="Last date, YYYY-MM-DD (default: last).")] = None,
    channel: Annotated[
        list[str] | None, typer.Option("--channel", "-c", help="Channel to attribute (repeat; default: all).")
    ] = None,
    config: Annotated[Path | None, typer.Option("--config", help="Data config YAML.")] = None,
    segment: Annotated[
        str | None,
        typer.Option("--segment", help="Segment (trained with train --segment-by): its models answer, from its rows "
                     "of the data (default: the single-company models and all rows)."),
    ] = None,
    fmt: OutputFormat = FORMAT_OPTION,
) -> None:
    """Incremental conversions and revenue of each channel over a window of the history, with 80% intervals,
    ROI and the platform-reported figures beside them; lift tests measured vs fitted; per geo for a geo model.

    --format json prints the document GET /v1/attribution answers. Example:
    kpi-advisor attribution --data data/demo --models data/models --from 2026-08-01 --to 2026-10-31
    kpi-advisor attribution --data data/agency --models data/models --segment brand-a
    """
    from advisor.ops.attribution import attribution as run_attribution
    from advisor.ops.requests import AttributionRequest

    channels = [v.strip() for item in channel or [] for v in item.split(",") if v.strip()]
    req = AttributionRequest.model_validate({"start": date_from, "end": date_to, "channels": channels or None})
    ctx = cli_context(data, config, model_set(models, version, parts=("response",), required=True, segment=segment))
    doc = run_attribution(req, ctx).to_json()
    if fmt is OutputFormat.json:
        print_json(doc)
        return
    of = f" of segment {doc['segment']}" if doc.get("segment") is not None else ""
    title = f"incremental effect {doc['from']} .. {doc['to']} (model {doc['model_version']}{of}; intervals 80%)"
    print_records(channel_rows(doc), fmt, title=title)
    if doc["lift_tests"] and fmt is OutputFormat.table:
        print_records(lift_rows(doc), fmt, title="Lift tests: measured vs fitted (z = gap in standard errors)")
    if doc.get("geos") and fmt is OutputFormat.table:
        print_records(geo_rows(doc), fmt, title="By geo (intervals 80%; 95% in --format json)")
    for w in doc["warnings"]:
        stderr.print(f"[yellow]warning:[/] {w}", highlight=False)
