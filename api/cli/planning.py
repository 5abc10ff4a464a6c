"""Planning commands: `train`, `forecast`, `optimize` (SPEC §5)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from api.cli.app import app
from api.cli.context import DEFAULT_MODELS, cli_context, model_set
from api.cli.output import FORMAT_OPTION, OutputFormat, domain_errors, fail, print_json, print_records, stderr

ModelsOpt = Annotated[Path, typer.Option("--models", "-m", help="Model registry folder.")]
VersionOpt = Annotated[str | None, typer.Option("--version", help="Model version (default: the latest).")]
KPI_KEYS = ("conversions", "revenue", "roi", "roas", "cpa")


SegmentOpt = Annotated[
    str | None,
    typer.Option("--segment", help="Segment whose models answer (trained with train --segment-by; default: the "
                 "single-company models)."),
]


def _response_models(models: Path, version: str | None, segment: str | None = None) -> Any:
    """The context of a forecast / optimisation: the response models of ``version`` of ``models`` (of ``segment``'s
    registry when given), no dataset."""
    return cli_context(None, models=model_set(models, version, parts=("response",), required=True, segment=segment))


def _plan_file(path: Path) -> dict[str, Any]:
    """A YAML or JSON plan file as a mapping (start, end, spend | campaigns | daily), read by
    ``models.plan.read_plan_file``."""
    from models.plan import read_plan_file

    obj = read_plan_file(path)
    # YAML reads an unquoted 2026-11-01 as a date: the request takes dates or YYYY-MM-DD text. Channel and campaign
    # keys are names: a key YAML reads as a number (``2024: 500``) is the text it spells.
    for key in ("spend", "campaigns", "daily"):
        if isinstance(obj.get(key), dict):
            obj[key] = {k if isinstance(k, str) else str(k): v for k, v in obj[key].items()}
    return obj


def parse_bounds(items: list[str]) -> dict[str, tuple[float | None, float | None]]:
    """``--bounds channel=low:high`` options (repeatable) as ``{channel: (low, high)}``; an empty side is None (the
    default bound). ``typer.BadParameter`` names the option that is malformed."""
    out: dict[str, tuple[float | None, float | None]] = {}
    for item in items:
        name, eq, rng = item.rpartition("=")
        lo_s, colon, hi_s = rng.partition(":")
        if not eq or not name.strip() or not colon:
            raise typer.BadParameter(f"{item!r}: use channel=low:high, e.g. search=1000:5000 (either side may be empty)",
                                     param_hint="--bounds")
        sides: list[float | None] = []
        for text in (lo_s, hi_s):
            text = text.strip().replace(",", "").replace("_", "")
            if not text:
                sides.append(None)
                continue
            try:
                x = float(text)
            except ValueError:
                raise typer.BadParameter(f"{item!r}: {text!r} is not a number", param_hint="--bounds") from None
            if x != x or x in (float("inf"), float("-inf")) or x < 0:
                raise typer.BadParameter(f"{item!r}: bounds must be non-negative numbers", param_hint="--bounds")
            sides.append(x)
        channel = name.strip()
        if channel in out:
            raise typer.BadParameter(f"channel {channel!r} is given twice", param_hint="--bounds")
        if sides[0] is not None and sides[1] is not None and sides[0] > sides[1]:
            raise typer.BadParameter(f"{item!r}: low {sides[0]:g} is above high {sides[1]:g}", param_hint="--bounds")
        out[channel] = (sides[0], sides[1])
    return out


def _num(v: float) -> str:
    """Compact number for table cells: thousands separators for large values, 3 significant digits otherwise."""
    return f"{v:,.0f}" if abs(v) >= 100 else f"{v:.3g}"


def _rows(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """Table rows: one per channel and a total, with mean and 80% band per KPI."""
    rows = []
    for name, block in [*doc["by_channel"].items(), ("TOTAL", doc["total"])]:
        spend = block.get("spend")
        row: dict[str, Any] = {"channel": name, "spend": spend}
        for k in KPI_KEYS:
            v = block.get(k)
            if isinstance(v, dict):
                row[k] = v["mean"]
                row[f"{k} 80%"] = f"{_num(v['lower_80'])}–{_num(v['upper_80'])}" if v["lower_80"] is not None else None
            elif k in block:  # a KPI without a model (one-outcome data): null, see the notes
                row[k] = row[f"{k} 80%"] = None
        rows.append(row)
    return rows


@app.command("train")
@domain_errors
def train(
    data: Annotated[Path, typer.Option("--data", "-d", help="Data folder (campaign_daily, outcomes_daily ...).")],
    models: ModelsOpt = DEFAULT_MODELS,
    seed: Annotated[int, typer.Option(help="Seed: the same data and seed give the same models.")] = 0,
    backtest: Annotated[bool, typer.Option(help="Run rolling-origin backtests (stored in the manifest).")] = True,
    config: Annotated[Path | None, typer.Option("--config", help="Data config YAML.")] = None,
    segment_by: Annotated[
        str | None,
        typer.Option("--segment-by", help="Fit one model set per value of this column (brand, market, account; geo "
                     "of a media-mix table), each versioned in MODELS/segments/<segment>."),
    ] = None,
    engine: Annotated[
        str | None,
        typer.Option("--engine", help="With --segment-by: local (process pool here) or spark "
                     "(groupBy.applyInPandas). Default: KPI_ADVISOR_ENGINE, else local."),
    ] = None,
    workers: Annotated[
        int | None, typer.Option("--workers", min=1, max=512, help="Processes of the local engine (default: CPUs).")
    ] = None,
    spark_master: Annotated[
        str | None,
        typer.Option("--spark-master", help="Spark master URL (default: KPI_ADVISOR_SPARK_MASTER, else local[2])."),
    ] = None,
    fmt: OutputFormat = FORMAT_OPTION,
) -> None:
    """Fit the forecasting models (Prophet baseline + media response per KPI), backtest and publish them.

    A failed run leaves the previous model version serving. With --segment-by COLUMN one model set is fitted per
    segment and published in the segment's own registry; a segment that fails publishes nothing, the others
    publish theirs, and the command lists the failed ones and exits with code 1. Examples:
    kpi-advisor train --data data/demo --models data/models --format json
    kpi-advisor train --data data/agency --models data/models --segment-by segment --engine spark --no-backtest
    """
    from advisor.ops.requests import TrainRequest
    from advisor.ops.train import train as run_train

    if segment_by is not None:
        _train_segments(data, models, config, seed, backtest, segment_by, engine, workers, spark_master, fmt)
        return
    if engine == "spark" or workers is not None or spark_master is not None:
        fail("--engine, --workers and --spark-master apply to segment training: give --segment-by COLUMN")
    req = TrainRequest(seed=seed, backtest=backtest)
    with stderr.status("training") as status:

        def progress(msg: str, frac: float) -> None:
            status.update(f"training: {msg} ({100 * frac:.0f}%)")

        result = run_train(req, cli_context(data, config, models_root=models, progress=progress)).to_json()
    if fmt is OutputFormat.json:
        print_json(result)
        return
    stderr.print(f"published model version {result['model_version']} in {models}")
    metrics = result["metrics"]
    layout = metrics.get("data") or {}
    rows = []
    for kpi, m in metrics["response"].items():
        bt_doc = m.get("backtest", {})
        bt = bt_doc.get("model", {})
        shapes = m.get("shape_source") or {}
        rows.append(
            {
                "kpi": kpi,
                "channels": ", ".join(f"{c} ({shapes[c]})" if c in shapes else c for c in m["channels"]),
                "refused": "; ".join(f"{c}: {why}" for c, why in m["refused"].items()) or "—",
                "lift tests": m.get("lift_tests", 0),
                "origins": bt_doc.get("n_origins"),
                "wape": bt.get("wape"),
                "mase": bt.get("mase"),
                "coverage_80": bt.get("coverage_80"),
                "coverage_95": bt.get("coverage_95"),
            }
        )
    grain = {"D": "daily", "W": "weekly"}.get(str(layout.get("grain")), layout.get("grain"))
    geos = f", {len(layout['geos'])} geos" if layout.get("geos") else ""
    source = f" — {layout['source']} data, {grain}{geos}" if layout.get("source") else ""
    print_records(rows, fmt, title=f"model {result['model_version']}{source}; channels (shape source)")
    skipped = (metrics.get("drivers") or {}).get("skipped")
    if isinstance(skipped, str):
        stderr.print(f"driver models skipped: {skipped}", highlight=False)
    for w in metrics.get("warnings") or []:
        stderr.print(f"[yellow]warning:[/] {w}", highlight=False)
    for m in metrics["response"].values():
        for w in m["warnings"]:
            loud = w.startswith("WARNING")
            stderr.print(f"[bold red]{w}[/]" if loud else f"[yellow]warning:[/] {w}", highlight=False)


def _train_segments(
    data: Path, models: Path, config: Path | None, seed: int, backtest: bool, segment_by: str,
    engine: str | None, workers: int | None, spark_master: str | None, fmt: OutputFormat,
) -> None:
    """``train --segment-by``: one model set per segment (``advisor.ops.train.train_segments``)."""
    import os

    from advisor.ops.requests import SegmentTrainRequest
    from advisor.ops.train import train_segments
    from api.settings import get_settings

    settings = get_settings()
    engine = engine or settings.engine
    if engine not in ("local", "spark"):
        raise typer.BadParameter(f"--engine must be local or spark, got {engine!r}", param_hint="--engine")
    req = SegmentTrainRequest(
        seed=seed, backtest=backtest, segment_by=segment_by, engine=engine,  # type: ignore[arg-type]
        workers=workers or os.cpu_count() or 1, spark_master=spark_master or settings.spark_master,
    )
    with stderr.status(f"training segments ({engine})") as status:

        def progress(msg: str, frac: float) -> None:
            status.update(f"training: {msg} ({100 * frac:.0f}%)")

        result = train_segments(req, cli_context(data, config, models_root=models, progress=progress))
    doc = result.to_json()
    if fmt is OutputFormat.json:
        print_json(doc)
    else:
        rows = [
            {"segment": s["segment"], "status": s["status"], "model_version": s["model_version"],
             "rows": sum(s["rows"].values()), "cpu_seconds": round(s["cpu_seconds"], 2), "error": s["error"] or "—"}
            for s in doc["segments"]
        ]
        where = f"{req.workers} worker(s)" if engine == "local" else req.spark_master
        print_records(rows, fmt, title=f"segments by {segment_by} — engine {engine} ({where})")
        for note in doc["notes"]:
            stderr.print(f"note: {note}", highlight=False)
        stderr.print(f"published {doc['published']} segment(s) in {models}/segments; {doc['failed']} failed; "
                     f"{doc['wall_seconds']:.1f} s", highlight=False)
    if result.failed:
        for s in result.failed:
            stderr.print(f"[bold red]segment {s['segment']} failed:[/] {s['error']}", highlight=False)
        raise typer.Exit(1)


@app.command("forecast")
@domain_errors
def forecast(
    plan: Annotated[Path, typer.Option("--plan", "-p", help="Plan file (YAML or JSON): start, end, spend|campaigns.")],
    models: ModelsOpt = DEFAULT_MODELS,
    version: VersionOpt = None,
    segment: SegmentOpt = None,
    sims: Annotated[
        int | None,
        typer.Option(min=100, max=5000, help="Simulated paths for the intervals (default: KPI_ADVISOR_FORECAST_SIMS)."),
    ] = None,
    fmt: OutputFormat = FORMAT_OPTION,
) -> None:
    """Forecast conversions, revenue, ROI, ROAS and CPA of a spend plan, per channel and in total, with 80% and
    95% intervals, the baseline vs incremental split, response curves and marginal ROI.

    Example plan: {"start": "2026-11-01", "end": "2026-11-28", "spend": {"search": 20000, "social": 15000}}
    """
    from advisor.ops.forecast import forecast as run_forecast
    from advisor.ops.requests import ForecastRequest

    req = ForecastRequest.model_validate({**_plan_file(plan), "sims": sims})
    doc = run_forecast(req, _response_models(models, version, segment)).to_json()
    if fmt is OutputFormat.json:
        print_json(doc)
        return
    title = f"forecast {doc['start']} .. {doc['end']} — channel rows: incremental to the channel; TOTAL: baseline + incremental"
    print_records(_rows(doc), fmt, title=title)
    for w in doc["warnings"]:
        stderr.print(f"[yellow]warning:[/] {w}", highlight=False)
    for n in doc.get("notes", []):
        stderr.print(f"note: {n}", highlight=False)


@app.command("optimize")
@domain_errors
def optimize(
    start: Annotated[str, typer.Option("--start", help="First day of the period (YYYY-MM-DD).")],
    end: Annotated[str, typer.Option("--end", help="Last day of the period (YYYY-MM-DD).")],
    budget: Annotated[float | None, typer.Option("--budget", "-b", help="Total budget for the period.")] = None,
    objective: Annotated[
        str | None,
        typer.Option(help="revenue, conversions or profit (budget as a cap); default revenue, or conversions when "
                     "the models have no revenue model."),
    ] = None,
    min_roi: Annotated[float | None, typer.Option("--min-roi", help="Floor on incremental ROI.")] = None,
    target_conversions: Annotated[
        float | None, typer.Option("--target-conversions", help="Instead of a budget: least spend reaching this.")
    ] = None,
    target_revenue: Annotated[
        float | None, typer.Option("--target-revenue", help="Instead of a budget: least spend reaching this.")
    ] = None,
    width: Annotated[
        float,
        typer.Option(min=0.0, help="Default channel bounds: ± this share of recent spend; above 1 the lower bound is "
                     "0 and the upper 1 + width times recent spend."),
    ] = 0.5,
    bounds: Annotated[
        list[str] | None,
        typer.Option("--bounds", help="Explicit bounds channel=low:high (total over the period, currency; "
                     "repeatable; an empty side keeps the default, e.g. tv=:50000). Never widened."),
    ] = None,
    models: ModelsOpt = DEFAULT_MODELS,
    version: VersionOpt = None,
    segment: SegmentOpt = None,
    fmt: OutputFormat = FORMAT_OPTION,
) -> None:
    """Best split of a budget over channels (bounds ±50% of recent spend by default), or with
    --target-conversions/--target-revenue the least spend that reaches the target. Reports the uplift over the
    reference plan (recent run-rate). Any budget is accepted: when it is outside what the default bounds allow,
    they widen around the budget split at run-rate shares (a note says how); --bounds sets a channel's own.

    Example: kpi-advisor optimize --budget 120000 --start 2026-11-01 --end 2026-11-28 --bounds tv=0:20000
    """
    from advisor.ops.optimize import optimize as run_optimize
    from advisor.ops.requests import OptimizeRequest

    goals = [budget, target_conversions, target_revenue]
    if sum(g is not None for g in goals) != 1:
        fail("give exactly one of --budget, --target-conversions, --target-revenue")
    req = OptimizeRequest(
        start=start, end=end, budget=budget, objective=objective, min_roi=min_roi,  # type: ignore[arg-type]
        target_conversions=target_conversions, target_revenue=target_revenue, width=width,
        bounds=parse_bounds(bounds or []) or None,
    )
    result = run_optimize(req, _response_models(models, version, segment))
    res, doc = result.allocation, result.to_json()
    if fmt is OutputFormat.json:
        print_json(doc)
        return
    for n in res.notes:
        stderr.print(f"note: {n}", highlight=False)
    if res.status == "infeasible":
        fail(res.message)
    rows = [
        {
            "channel": ch,
            "reference": doc["reference_plan"][ch],
            "recommended": doc["allocation"].get(ch),
            "low": doc["bounds"][ch][0],
            "high": doc["bounds"][ch][1],
        }
        for ch in doc["reference_plan"]
    ]
    print_records(rows, fmt, title=f"allocation ({res.objective}, {res.status})")
    stderr.print("uplift vs reference (run-rate): " + ", ".join(f"{k} {v:+,.2f}" for k, v in res.uplift.items()))
    if res.uplift_same_budget:
        stderr.print(
            "uplift vs reference split at the same budget: "
            + ", ".join(f"{k} {v:+,.2f}" for k, v in res.uplift_same_budget.items())
        )
