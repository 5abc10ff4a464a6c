"""Foundation commands: `demo-data`, `validate`, `kpis`, `scorecard` (SPEC §5)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from api.cli.app import app
from api.cli.output import FORMAT_OPTION, OutputFormat, domain_errors, parse_date, print_json, print_records, stderr

#: KPIs shown by `kpis --format table` when --kpis is not given (json and csv always carry every KPI).
TABLE_KPIS = ("spend", "revenue", "conversions", "roi", "roas", "ctr", "cpc", "cpa", "conversion_rate", "cac")

DataOpt = Annotated[
    Path,
    typer.Option("--data", "-d", help="Data folder: campaign_daily.csv|.parquet, optional other tables, targets.yaml."),
]
ConfigOpt = Annotated[
    Path | None,
    typer.Option(
        "--config", help="Config YAML (column mapping, SQL sources). Default: DATA/kpi-advisor.yaml if present."
    ),
]


@app.command("demo-data")
@domain_errors
def demo_data(
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder to write the demo tables and truth.json into.")],
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same world.")] = 7,
    days: Annotated[int, typer.Option(min=120, max=3650, help="Days of history.")] = 730,
) -> None:
    """Write a demo marketing department (all tables, targets.yaml and the ground truth truth.json).

    Example: kpi-advisor demo-data --out data/demo --seed 7 --days 730
    """
    from demo_world import generate_world

    with stderr.status(f"generating demo world (seed {seed}, {days} days)"):
        world = generate_world(seed=seed, days=days)
        out.mkdir(parents=True, exist_ok=True)
        world.write(out)
    rows = {name: len(df) for name, df in world.tables.items()}
    stderr.print(
        f"wrote {out}: " + ", ".join(f"{k} {v:,} rows" for k, v in rows.items()) + ", targets.yaml, truth.json"
    )


@app.command("validate")
@domain_errors
def validate(data: DataOpt, config: ConfigOpt = None, fmt: OutputFormat = FORMAT_OPTION) -> None:
    """Check every table of a data folder against the data contract (SPEC §2).

    Exit code 0 when all tables pass, 1 when any error is found. Example:
    kpi-advisor validate --data data/demo --format json
    """
    from advisor.data import validate_folder

    report = validate_folder(data, config)
    doc = report.to_dict()
    if fmt is OutputFormat.json:
        print_json(doc)
    else:
        issues = [
            {"level": level, "table": i["table"], "column": i["column"], "rule": i["rule"], "message": i["message"]}
            for level, key in (("error", "errors"), ("warning", "warnings"))
            for i in doc[key]
        ]
        if issues:
            print_records(issues, fmt, title="Validation issues")
        stderr.print(f"{'OK' if doc['ok'] else 'FAILED'}: {len(doc['errors'])} errors, {len(doc['warnings'])} warnings")
    if not doc["ok"]:
        raise typer.Exit(1)


@app.command("kpis")
@domain_errors
def kpis(
    data: DataOpt,
    by: Annotated[
        str | None, typer.Option("--by", help="Group columns, comma-separated (channel, campaign_id, any attribute).")
    ] = None,
    grain: Annotated[str | None, typer.Option("--grain", help="day, week, month or quarter.")] = None,
    date_from: Annotated[str | None, typer.Option("--from", help="First date, YYYY-MM-DD.")] = None,
    date_to: Annotated[str | None, typer.Option("--to", help="Last date, YYYY-MM-DD.")] = None,
    only: Annotated[str | None, typer.Option("--kpis", help="KPI ids to show, comma-separated (default: all).")] = None,
    compare: Annotated[bool, typer.Option("--compare", help="Add period-over-period change.")] = False,
    config: ConfigOpt = None,
    fmt: OutputFormat = FORMAT_OPTION,
) -> None:
    """KPI table by any grouping and time grain; ratio KPIs are ratios of sums.

    Example: kpi-advisor kpis --data data/demo --by channel --grain month --from 2026-07-01 --format json
    """
    from advisor.data import load_dataset
    from advisor.kpis import compute_kpis

    if grain is not None and grain not in {"day", "week", "month", "quarter"}:
        raise typer.BadParameter("choose one of day, week, month, quarter", param_hint="--grain")
    ds = load_dataset(data, config)
    table = compute_kpis(
        ds.tables,
        by=[c.strip() for c in by.split(",") if c.strip()] if by else (),
        grain=grain,
        start=parse_date(date_from, "--from"),
        end=parse_date(date_to, "--to"),
        kpis=[k.strip() for k in only.split(",") if k.strip()] if only else None,
        compare=compare,
    )
    records = table.to_records()
    if fmt is OutputFormat.table and only is None:
        # a readable default for people; json/csv always carry every KPI
        records = [{k: v for k, v in r.items() if k not in table.kpis or k in TABLE_KPIS} for r in records]
    print_records(records, fmt, title="KPIs")


@app.command("scorecard")
@domain_errors
def scorecard(
    data: DataOpt,
    period: Annotated[
        str | None, typer.Option("--period", help="YYYY-MM, YYYY-Qn or YYYY (default: last full month).")
    ] = None,
    config: ConfigOpt = None,
    models: Annotated[
        Path | None,
        typer.Option(
            "--models",
            "-m",
            help="Model registry: CLV and CLV:CAC from its latest CLV model. Default: data/models if present.",
        ),
    ] = None,
    historical_clv: Annotated[
        bool, typer.Option("--historical-clv", help="Use the catalog's historical CLV even when a model exists.")
    ] = False,
    fmt: OutputFormat = FORMAT_OPTION,
) -> None:
    """The department's KPI system against targets, with a weighted composite score.

    Targets come from DATA/targets.yaml. CLV and CLV:CAC come from the fitted CLV model (52 weeks from
    acquisition, first order included, undiscounted) when the registry has one and the data has orders;
    otherwise from the data (revenue to date per customer). Example:
    kpi-advisor scorecard --data data/demo --models data/models --period 2026-10
    """
    from advisor.data import load_dataset
    from advisor.kpis import build_scorecard

    ds = load_dataset(data, config)
    if ds.targets is None:
        raise ValueError(f"no targets.yaml in {data}: a scorecard needs targets (see README, 'targets')")
    provider = None if historical_clv else _model_clv(ds.tables, models)
    card = build_scorecard(ds.tables, ds.targets, period=period, model_kpis=provider)
    doc: dict[str, Any] = card.to_dict()
    if fmt is OutputFormat.json:
        print_json(doc)
        return
    rows = [
        {
            "group": g["name"],
            "kpi": item["kpi"],
            "scope": ", ".join(f"{k}={v}" for k, v in (item.get("scope") or {}).items()) or "all",
            **{k: item[k] for k in ("value", "target", "status", "score", "source")},
        }
        for g in doc["groups"]
        for item in g["kpis"]
    ]
    score = "n/a (no KPI has both a target and data)" if doc["score"] is None else f"{doc['score']:.1f} / 100"
    print_records(rows, fmt, title=f"Scorecard {doc.get('period', '')}: composite score {score}")


def _model_clv(tables: Any, models: Path | None) -> Any:
    """``advisor.kpis.ModelKpis`` of model CLV from the latest registry version in ``models`` (default
    ``data/models`` when it exists), or None (no registry, no CLV model, or no orders / campaign_daily)."""
    from advisor.customers import clv_model_from_registry, model_kpis
    from models.registry import RegistryError

    root = models if models is not None else Path("data/models")
    if (models is None and not root.is_dir()) or tables.get("orders") is None or tables.get("campaign_daily") is None:
        return None
    try:
        found = clv_model_from_registry(root)
    except RegistryError as exc:
        stderr.print(f"no CLV model ({exc}); CLV comes from the data")
        return None
    if found is None:
        stderr.print(f"the latest version in {root} has no CLV model; CLV comes from the data")
        return None
    model, version = found
    return model_kpis(tables, model, label=f"model version {version}")
