"""`kpi-advisor clv`: fit BG/NBD + Gamma-Gamma on an orders file, score a holdout, summarise CLV (SPEC §4)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from api.cli.app import app
from api.cli.context import cli_context, model_set
from api.cli.output import FORMAT_OPTION, OutputFormat, domain_errors, print_json, print_records, stderr

if TYPE_CHECKING:
    import pandas as pd

    from models.clv import CLVModel, CLVModelSet


def read_table(path: Path, table: str) -> pd.DataFrame:
    """A CSV (comma or semicolon, UTF-8 with or without BOM) or Parquet file; headers trimmed, lower-cased."""
    import pandas as pd

    if not path.is_file():
        raise FileNotFoundError(2, "no such file", str(path))
    if path.suffix.lower() in (".parquet", ".pq"):
        df = pd.read_parquet(path)
    else:
        with path.open(encoding="utf-8-sig") as fh:
            header = fh.readline()
        sep = ";" if header.count(";") > header.count(",") else ","
        df = pd.read_csv(path, sep=sep, encoding="utf-8-sig")
    if df.empty:
        raise ValueError(f"{table}: {path} has no rows")
    df.columns = [str(c).strip().lower() for c in df.columns]
    return df


def _rename(df: pd.DataFrame, mapping: dict[str, str | None]) -> pd.DataFrame:
    """Rename user columns (``--customer-col`` etc.) to the contract names."""
    ren = {src.strip().lower(): dst for dst, src in mapping.items() if src}
    missing = [src for src in ren if src not in df.columns]
    if missing:
        raise ValueError(f"orders: column(s) {missing} not found; have {list(df.columns)}")
    return df.rename(columns=ren)


def _date(value: str | None, name: str) -> pd.Timestamp | None:
    import pandas as pd

    if value is None:
        return None
    try:
        return pd.Timestamp(pd.to_datetime(value, format="%Y-%m-%d"))
    except (ValueError, TypeError):
        raise typer.BadParameter(f"{value!r} is not an ISO date YYYY-MM-DD", param_hint=name) from None


def _pooled(model: CLVModel | CLVModelSet) -> CLVModel:
    from models.clv import CLVModelSet

    return model.pooled_ if isinstance(model, CLVModelSet) else model


@app.command("clv")
@domain_errors
def clv(
    orders: Annotated[
        Path, typer.Option("--orders", help="Orders file (CSV/Parquet): customer_id, order_date, revenue.")
    ],
    calibration_end: Annotated[str, typer.Option("--calibration-end", help="Last date of the fitting period.")],
    holdout_end: Annotated[
        str | None, typer.Option("--holdout-end", help="Score predicted repeat purchases up to this date.")
    ] = None,
    horizon_weeks: Annotated[int, typer.Option(min=1, max=520, help="CLV horizon in weeks.")] = 52,
    annual_discount: Annotated[float, typer.Option(min=0.0, max=1.0, help="Annual discount rate.")] = 0.10,
    campaign_daily: Annotated[
        Path | None, typer.Option("--campaign-daily", help="campaign_daily file: adds CLV:CAC per channel.")
    ] = None,
    by: Annotated[str, typer.Option("--by", help="channel or campaign_id (with --campaign-daily).")] = "channel",
    customer_col: Annotated[str | None, typer.Option(help="Orders column holding the customer id.")] = None,
    date_col: Annotated[str | None, typer.Option(help="Orders column holding the order date.")] = None,
    revenue_col: Annotated[str | None, typer.Option(help="Orders column holding the order revenue.")] = None,
    fmt: OutputFormat = FORMAT_OPTION,
) -> None:
    """Customer lifetime value: BG/NBD repeat purchases + Gamma-Gamma spend, time in weeks.

    Several orders of one customer on one day count as one transaction. Example (CDNOW):
    kpi-advisor clv --orders cdnow_transactions.csv --customer-col id --date-col date --revenue-col spent
    --calibration-end 1997-09-30 --holdout-end 1998-06-30 --format json
    """
    from advisor.customers import clv_by_acquisition
    from models.clv import CLVModelSet
    from training.clv import train_clv

    cal = _date(calibration_end, "--calibration-end")
    hold = _date(holdout_end, "--holdout-end")
    if hold is not None and cal is not None and hold <= cal:
        raise typer.BadParameter("must be after --calibration-end", param_hint="--holdout-end")
    df = _rename(
        read_table(orders, "orders"),
        {"customer_id": customer_col, "order_date": date_col, "revenue": revenue_col},
    )
    cd = read_table(campaign_daily, "campaign_daily") if campaign_daily is not None else None
    if cd is not None and "channel" not in df.columns and "campaign_id" in df.columns:
        df["channel"] = df["campaign_id"].map(cd.drop_duplicates("campaign_id").set_index("campaign_id")["channel"])
    # one model per acquisition channel when there are several (campaigns are too small to fit one each)
    segment = "channel" if "channel" in df.columns and df["channel"].nunique() >= 2 else None
    with stderr.status("fitting BG/NBD + Gamma-Gamma"):
        result = train_clv(df, calibration_end=cal, holdout_end=hold, segment_by=segment)
    model, rfm = result.model, result.rfm
    pooled = _pooled(model)
    pred = model.predict(rfm, horizon=horizon_weeks, annual_discount=annual_discount)
    doc: dict[str, Any] = {
        "time_unit": "week",
        "calibration_end": result.manifest["calibration_end"],
        "holdout_end": result.manifest["holdout_end"],
        "customers": {"n": len(rfm), "repeat": int((rfm["frequency"] > 0).sum())},
        "bgnbd": {**pooled.params()["bgnbd"], "log_likelihood": pooled.bgnbd_.log_likelihood_},
        "gamma_gamma": {
            **pooled.params()["gamma_gamma"],
            "n_customers": pooled.gamma_gamma_.n_customers_,
            "frequency_spend_corr": pooled.gamma_gamma_.frequency_spend_corr_,
        },
        "holdout": result.holdout.to_dict() if result.holdout else None,
        "clv": {
            "horizon_weeks": horizon_weeks,
            "annual_discount": annual_discount,
            "as_of": result.manifest["calibration_end"],
            "mean": float(pred["clv"].mean()),
            "median": float(pred["clv"].median()),
            "total": float(pred["clv"].sum()),
            "p_alive_mean": float(pred["p_alive"].mean()),
            "expected_purchases_mean": float(pred["expected_purchases"].mean()),
            "new_customer_repeat_value": pooled.new_customer_value(
                horizon=horizon_weeks, annual_discount=annual_discount
            ),
        },
        "segments": sorted(model.segments_) if isinstance(model, CLVModelSet) else [],
        "data_fingerprint": result.manifest["data_fingerprint"],
    }
    if cd is not None:
        table = clv_by_acquisition(
            df, cd, model, by=by, horizon_weeks=horizon_weeks, annual_discount=annual_discount, as_of=cal
        )
        doc["by_acquisition"] = table.to_dict(orient="records")
    if fmt is OutputFormat.json:
        print_json(doc)
        return
    rows = [{"model": m, "parameter": k, "value": v} for m in ("bgnbd", "gamma_gamma") for k, v in doc[m].items()]
    if doc["holdout"]:
        rows += [{"model": "holdout", "parameter": k, "value": v} for k, v in doc["holdout"].items()]
    rows += [{"model": "clv", "parameter": k, "value": v} for k, v in doc["clv"].items()]
    print_records(rows, fmt, title="CLV model (time unit: week)")
    if "by_acquisition" in doc:
        print_records(doc["by_acquisition"], fmt, title=f"CLV:CAC by {by}")


@app.command("customers")
@domain_errors
def customers(
    data: Annotated[Path, typer.Option("--data", "-d", help="Data folder: campaign_daily, orders, optional surveys.")],
    models: Annotated[
        Path | None,
        typer.Option("--models", "-m", help="Model registry with a CLV model. Default: data/models if present."),
    ] = None,
    grain: Annotated[str, typer.Option("--grain", help="Cohort / trend period: week, month or quarter.")] = "month",
    horizon_weeks: Annotated[int, typer.Option(min=1, max=520, help="CLV horizon from acquisition, weeks.")] = 52,
    annual_discount: Annotated[float, typer.Option(min=0.0, max=1.0, help="Annual discount rate of CLV.")] = 0.0,
    threshold: Annotated[float, typer.Option(min=0.0, help="Flag channels with CLV:CAC below this.")] = 3.0,
    config: Annotated[Path | None, typer.Option("--config", help="Data config YAML.")] = None,
    fmt: OutputFormat = FORMAT_OPTION,
) -> None:
    """Customer KPIs: model CLV and CLV:CAC by acquisition channel, repeat rate, retention by cohort, CSAT/NPS
    trends and the findings (channels with CLV:CAC below 3, satisfaction drops).

    CLV = value per acquired customer over --horizon-weeks from acquisition, first order included (default:
    52 weeks, undiscounted). Example: kpi-advisor customers --data data/demo --models data/models --format json
    """
    from advisor.ops.customers import FITTED_NOW
    from advisor.ops.customers import customers as run_customers
    from advisor.ops.requests import CustomersRequest

    req = CustomersRequest(
        grain=grain, horizon_weeks=horizon_weeks, annual_discount=annual_discount, threshold=threshold  # type: ignore[arg-type]
    )
    ctx = cli_context(data, config, model_set(models, parts=("clv",), default=True), fit_missing=True)
    if ctx.models.clv_model is None:
        stderr.print(f"no CLV model in the registry; {FITTED_NOW}", highlight=False)
        with stderr.status("fitting BG/NBD + Gamma-Gamma"):
            result = run_customers(req, ctx)
    else:
        result = run_customers(req, ctx)
    report, source = result.report, result.model_source
    doc = result.to_json()
    if fmt is OutputFormat.json:
        print_json(doc)
        return
    cols = ["channel", "customers", "clv_mean", "cac", "clv_cac", "repeat_rate", "realized_share"]
    disc = "undiscounted" if annual_discount == 0 else f"{annual_discount:.0%}/yr"
    print_records(
        report.by_channel[cols].to_dict(orient="records"),
        fmt,
        title=f"CLV ({horizon_weeks} weeks, {disc}) and CLV:CAC by channel, as of {report.as_of} — {source}",
    )
    if fmt is OutputFormat.csv:
        return  # one table per CSV document
    print_records([{"kpi": k, "value": v} for k, v in report.overall.items()], fmt, title="Overall")
    matrix = report.retention_matrix()
    rows = [{"cohort": c, **{f"+{n}": v for n, v in r.items()}} for c, r in matrix.iterrows()]
    print_records(rows, fmt, title=f"Retention by {grain} cohort (share of the cohort active, period +n)")
    if report.satisfaction is not None:
        cols = ["period", "csat", "csat_change", "nps", "nps_change", "n"]
        print_records(report.satisfaction[cols].to_dict(orient="records"), fmt, title="CSAT and NPS by period")
    if report.findings:
        rows = [{"status": f.status, "message": f.message} for f in report.findings]
        print_records(rows, fmt, title="Findings")
