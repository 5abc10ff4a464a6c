"""Foundation commands: `demo-data`, `validate`, `kpis`, `scorecard` (SPEC §5)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from api.cli.app import app
from api.cli.context import cli_context, model_set, spark_cli_context
from api.cli.output import FORMAT_OPTION, OutputFormat, domain_errors, print_json, print_records, stderr

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
    days: Annotated[int, typer.Option(min=120, max=3650, help="Days of history (mmm: days // 7 weeks, >= 364).")] = 730,
    layout: Annotated[
        str,
        typer.Option(
            "--layout",
            help="campaign: daily campaign rows and every other table; mmm: a weekly media-mix table (mmm.csv, "
            "kpi-advisor.yaml with the mmm: section).",
        ),
    ] = "campaign",
    geos: Annotated[int, typer.Option("--geos", min=0, max=200, help="mmm: geos (0: national rows).")] = 0,
    channels: Annotated[int, typer.Option("--channels", min=2, max=10, help="mmm: number of channels.")] = 6,
    lift_tests: Annotated[
        bool,
        typer.Option("--lift-tests", help="Also write lift_tests.csv: one four-week test per channel and KPI."),
    ] = False,
    season: Annotated[
        str,
        typer.Option("--season", help="mmm: smooth (a smooth yearly season) or peak (a retailer's holiday season "
                     "every 20 Nov-24 Dec, demand 1.6-2.2x, spend rising with it; no event column marks it)."),
    ] = "smooth",
    segments: Annotated[
        int,
        typer.Option("--segments", min=0, max=5000, help="campaign: N businesses (seeds SEED..SEED+N-1) in "
                     "campaign_daily.csv and outcomes_daily.csv with a segment column (0: one business, all tables)."),
    ] = 0,
) -> None:
    """Write a demo marketing department with its ground truth (truth.json).

    --layout campaign (default): all tables and targets.yaml; --layout mmm: mmm.csv (weekly, per geo with
    --geos), kpi-advisor.yaml and truth.json. --lift-tests adds lift_tests.csv (measured = true incremental
    over the window + noise with a 10% standard error).
    Example: kpi-advisor demo-data --out data/demo --seed 7 --days 730
    Example: kpi-advisor demo-data --out data/mmm --layout mmm --geos 10 --lift-tests
    Example: kpi-advisor demo-data --out data/retail --layout mmm --season peak --days 1092
    Example: kpi-advisor demo-data --out data/agency --segments 40 --days 365   (then train --segment-by segment)
    """
    from demo_world import campaign_lift_tests, generate_mmm_world, generate_world, mmm_lift_tests, write_lift_tests

    if layout not in ("campaign", "mmm"):
        raise typer.BadParameter(f"--layout must be campaign or mmm, got {layout!r}", param_hint="--layout")
    if layout == "campaign" and (geos or channels != 6 or season != "smooth"):
        raise typer.BadParameter("--geos, --channels and --season apply to --layout mmm only", param_hint="--layout")
    if season not in ("smooth", "peak"):
        raise typer.BadParameter(f"--season must be smooth or peak, got {season!r}", param_hint="--season")
    if segments:
        if layout != "campaign" or lift_tests:
            raise typer.BadParameter("--segments applies to --layout campaign without --lift-tests (an mmm table "
                                     "with --geos is split by `train --segment-by geo`)", param_hint="--segments")
        from demo_world import generate_segmented_world

        with stderr.status(f"generating {segments} demo segments (seeds {seed}..{seed + segments - 1}, {days} days)"):
            seg_world = generate_segmented_world(segments, seed=seed, days=days)
            seg_world.write(out)
        counts = ", ".join(f"{k} {len(v):,} rows" for k, v in seg_world.tables.items())
        stderr.print(f"wrote {out}: {counts}, segments.json ({segments} segments)")
        return
    with stderr.status(f"generating demo world ({layout}, seed {seed}, {days} days)"):
        out.mkdir(parents=True, exist_ok=True)
        if layout == "mmm":
            mmm = generate_mmm_world(seed=seed, days=days, geos=geos, channels=channels, season=season)
            mmm.write(out)
            rows = {"mmm": len(mmm.frame)}
            tests = mmm_lift_tests(mmm.truth, seed) if lift_tests else None
            extra = ", kpi-advisor.yaml, truth.json"
        else:
            world = generate_world(seed=seed, days=days)
            world.write(out)
            rows = {name: len(df) for name, df in world.tables.items()}
            tests = campaign_lift_tests(world.true_daily, seed) if lift_tests else None
            extra = ", targets.yaml, truth.json"
        if tests is not None:
            write_lift_tests(tests, out / "lift_tests.csv")
            rows["lift_tests"] = len(tests)
    stderr.print(f"wrote {out}: " + ", ".join(f"{k} {v:,} rows" for k, v in rows.items()) + extra)


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
        if mmm := doc.get("mmm"):
            grain = {"D": "daily", "W": "weekly"}.get(mmm["grain"], mmm["grain"])
            stderr.print(
                f"mmm: {grain} (grain {mmm['grain']}), {mmm['periods']} periods {mmm['first']}..{mmm['last']}, "
                f"{'national' if mmm['geos'] <= 1 else str(mmm['geos']) + ' geos'}, channels: {', '.join(mmm['channels'])}; outcomes: {', '.join(mmm['outcomes'])}"
            )
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
    catalog: Annotated[
        Path | None,
        typer.Option("--catalog", help="User KPI catalog YAML (sections measures, kpis), added to the built-in KPIs."),
    ] = None,
    engine: Annotated[
        str | None,
        typer.Option(
            "--engine",
            help="local (pandas) or spark: campaign_daily as Parquet (a folder of part files) aggregated by Spark "
            "on KPI_ADVISOR_SPARK_MASTER, for tables too large for memory. Default: KPI_ADVISOR_ENGINE, else local.",
        ),
    ] = None,
) -> None:
    """KPI table by any grouping and time grain; ratio KPIs are ratios of sums.

    --format json prints the document GET /v1/kpis answers: {"dataset", "kpis", "rows"}. Business KPIs (mer,
    blended_roas, blended_cac) come from the business totals (outcomes_daily or the mmm table); --catalog FILE
    adds your own KPIs (formulas over measures, see advisor/kpis/catalog.yaml).
    Example: kpi-advisor kpis --data data/demo --by channel --grain month --from 2026-07-01 --format json
    Example: kpi-advisor kpis --engine spark --data /lake/marketing --by channel --grain month --format json
    """
    from advisor.kpis import extend_catalog, read_catalog_file
    from advisor.kpis.business import DERIVED_ROWS_NOTE, derived_campaign_rows
    from advisor.ops.kpis import kpis as run_kpis
    from advisor.ops.requests import CatalogDocument, KpisRequest

    user = None
    if catalog is not None:
        doc = read_catalog_file(catalog)
        extend_catalog(doc, str(catalog))  # errors name the file, the KPI and the problem
        user = CatalogDocument.model_validate(doc)
    req = KpisRequest(
        by=split_list(by), grain=grain, start=date_from, end=date_to,  # type: ignore[arg-type]
        kpis=split_list(only) or None, compare=compare, catalog=user,
    )
    from api.settings import get_settings

    engine = engine or get_settings().engine
    if engine not in ("local", "spark"):
        raise typer.BadParameter(f"--engine must be local or spark, got {engine!r}", param_hint="--engine")
    ctx = spark_cli_context(data, config) if engine == "spark" else cli_context(data, config)
    result = run_kpis(req, ctx)
    if derived_campaign_rows(ctx.dataset):
        stderr.print(f"note: {DERIVED_ROWS_NOTE}", highlight=False)
    if fmt is OutputFormat.json:
        print_json(result.to_json())
        return
    records = result.records()
    if fmt is OutputFormat.table and only is None:
        # a readable default for people (plus the user catalog's KPIs); json/csv always carry every KPI
        shown = set(TABLE_KPIS) | set((user.kpis or {}) if user is not None else ())
        shown |= {k for k in ("mer", "blended_cac") if any(r.get(k) is not None for r in records)}
        records = [{k: v for k, v in r.items() if k not in result.table.kpis or k in shown} for r in records]
    print_records(records, fmt, title="KPIs")


def split_list(value: str | None) -> list[str]:
    """A comma-separated option as a list of its trimmed, non-empty items."""
    return [v.strip() for v in value.split(",") if v.strip()] if value else []


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
    catalog: Annotated[
        Path | None,
        typer.Option("--catalog", help="User KPI catalog YAML, added to the built-in KPIs (targets may name them)."),
    ] = None,
) -> None:
    """The department's KPI system against targets, with a weighted composite score.

    Targets come from DATA/targets.yaml. CLV and CLV:CAC come from the fitted CLV model (52 weeks from
    acquisition, first order included, undiscounted) when the registry has one and the data has orders;
    otherwise from the data (revenue to date per customer). Example:
    kpi-advisor scorecard --data data/demo --models data/models --period 2026-10
    """
    from advisor.kpis import extend_catalog, read_catalog_file
    from advisor.ops.requests import CatalogDocument, ScorecardRequest
    from advisor.ops.scorecard import scorecard as run_scorecard

    user = None
    if catalog is not None:
        doc = read_catalog_file(catalog)
        extend_catalog(doc, str(catalog))  # errors name the file, the KPI and the problem
        user = CatalogDocument.model_validate(doc)
    req = ScorecardRequest(period=period, historical_clv=historical_clv, catalog=user)
    found = model_set(None if historical_clv else models, parts=("clv",), default=not historical_clv)
    for problem in found.problems:
        stderr.print(f"{problem}; CLV comes from the data", highlight=False)
    doc = run_scorecard(req, cli_context(data, config, found)).to_json()
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
    for note in doc.get("notes") or ():
        stderr.print(f"note: {note}", highlight=False)
    score = "n/a (no KPI has both a target and data)" if doc["score"] is None else f"{doc['score']:.1f} / 100"
    print_records(rows, fmt, title=f"Scorecard {doc.get('period', '')}: composite score {score}")
